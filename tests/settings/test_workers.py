"""How many processes and threads serve ragchat, so that every rate limit holds at its number."""

import pytest

from ragchat.settings.workers import inexact_limits, worker_layout


@pytest.mark.parametrize(
    ("store", "concurrency", "layout"),
    [
        ("memory://", 5, (1, 5)),  # one count: one process, on threads
        ("memory://", 1, (1, 1)),
        ("redis://127.0.0.1:6379/0", 5, (5, 1)),  # shared counts: a process per worker
        ("memcached://127.0.0.1:11211", 3, (3, 1)),
    ],
)
def test_the_layout_keeps_in_memory_counts_in_one_process(store, concurrency, layout):
    assert worker_layout(store, concurrency) == layout


@pytest.mark.parametrize(
    ("store", "processes", "refused"),
    [
        ("memory://", 1, False),
        ("memory://", 2, True),
        ("redis://127.0.0.1:6379/0", 9, False),
    ],
)
def test_only_several_processes_counting_in_memory_are_refused(store, processes, refused):
    problem = inexact_limits(store, processes)
    assert (problem is not None) == refused
    if refused:
        assert problem.startswith("RATELIMIT_STORAGE_URI=memory://")
        assert f"{processes} worker processes" in problem
        assert "\n" not in problem
