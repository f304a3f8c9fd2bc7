"""How gunicorn lays out ragchat's workers so that every rate limit holds at its number.

Counts kept in `memory://` live inside one process: several worker processes would each
count alone and together let through the limit times their number. So with `memory://`
one process serves WEB_CONCURRENCY requests at a time on threads; with a store that every
process reaches (Redis, Memcached), WEB_CONCURRENCY processes serve one request each.
"""

IN_PROCESS_SCHEME = "memory://"


def counts_in_process(storage_uri):
    return storage_uri.startswith(IN_PROCESS_SCHEME)


def worker_layout(storage_uri, concurrency):
    """(worker processes, threads in each) that serve `concurrency` requests at a time."""
    if counts_in_process(storage_uri):
        return 1, concurrency
    return concurrency, 1


def inexact_limits(storage_uri, processes):
    """Why `processes` worker processes cannot count exactly, in one line; None if they can."""
    if processes <= 1 or not counts_in_process(storage_uri):
        return None
    return (
        f"RATELIMIT_STORAGE_URI={storage_uri} counts rate limits inside one process, but "
        f"gunicorn was asked for {processes} worker processes, which would each allow the "
        "whole limit: share the counts (RATELIMIT_STORAGE_URI=redis://host:6379/0) or serve "
        "one process (WEB_CONCURRENCY then sets its threads)"
    )
