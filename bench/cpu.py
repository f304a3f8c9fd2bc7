"""Where a load run's time goes: CPU seconds (user + system) per process, from /proc.

Sampled before and after each run: the workers of the gunicorn server under load, the
PostgreSQL backends of the benchmark's database (those of every server: only the one under
load is busy), PostgreSQL's own processes (WAL writer, checkpointer, …; shared with any
other database on the server), and wrk itself (from this process's children's usage).
"""

import os
import resource
import time
from pathlib import Path

import psycopg

from tests.support.server import worker_rss

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
BACKENDS = """
SELECT pid, CASE WHEN backend_type = 'client backend' THEN 'postgres' ELSE 'postgres_other' END
FROM pg_stat_activity
WHERE pid <> pg_backend_pid()
    AND (datname = current_database() OR (datname IS NULL AND backend_type <> 'client backend'))
"""
GROUPS = ("workers", "postgres", "postgres_other", "wrk")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Fields after the command name (which may hold spaces): state is the 3rd, utime the 14th.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


class CpuMeter:
    """Samples the processes that serve a load run; `used(before, after)` is the difference."""

    def __init__(self, database_url):
        # DATABASE_URL as the servers get it (postgresql+psycopg://…), as libpq takes it.
        self.conninfo = "postgresql://" + database_url.partition("://")[2]
        self.connection = None

    def __enter__(self):
        self.connection = psycopg.connect(self.conninfo, autocommit=True)
        return self

    def __exit__(self, *exc):
        self.connection.close()

    def sample(self, master_pid):
        """{pid: (group, seconds)} now, and wrk's (children's) seconds so far."""
        groups = dict.fromkeys(worker_rss(master_pid), "workers")
        groups |= dict(self.connection.execute(BACKENDS).fetchall())
        seconds = {pid: (group, cpu_seconds(pid)) for pid, group in groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return {
            "processes": {pid: value for pid, value in seconds.items() if value[1] is not None},
            "wrk": children.ru_utime + children.ru_stime,
            "at": time.monotonic(),
        }

    @staticmethod
    def used(before, after):
        """CPU seconds per group between two samples, and per process. A process that
        started in between counts whole; one that ended in between is lost (rare)."""
        per_process = {}
        for pid, (group, seconds) in after["processes"].items():
            _, earlier = before["processes"].get(pid, (group, 0.0))
            per_process[pid] = (group, round(seconds - earlier, 3))
        totals = dict.fromkeys(GROUPS, 0.0)
        for group, seconds in per_process.values():
            totals[group] += seconds
        totals["wrk"] = after["wrk"] - before["wrk"]
        return {
            "wall_s": round(after["at"] - before["at"], 3),
            "seconds": {group: round(seconds, 3) for group, seconds in totals.items()},
            "processes": {str(pid): value for pid, value in per_process.items()},
        }


def per_request(runs):
    """Milliseconds of CPU per answered request, per group, over a scenario's runs."""
    requests = sum(run["requests"] for run in runs) or 1
    return {
        group: round(sum(run["cpu"]["seconds"][group] for run in runs) * 1000 / requests, 3)
        for group in GROUPS
    }
