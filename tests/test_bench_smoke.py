"""The load benchmark (bench/load.py) still runs: every scenario once, briefly, on tiny data,
against ragchat and against the floor (bench/floor_app.py).

Not a timing test: it asserts that the harness gets through (scratch database, seeding,
the three gunicorn servers, every wrk script, the CPU and memory sampling) and that every
answer it got, from ragchat and from the floor, was a 2xx. The storage benchmark
(bench/storage.py) runs too, on a few chats. Both benchmarks are PostgreSQL-only: they use
the TEST_DATABASE_URL server when that is PostgreSQL, else BENCH_DATABASE_URL or the local
default.
"""

import json
import shutil
import subprocess
import sys

import pytest

from ragchat.settings import ROOT
from tests.support.database import postgres_server

FLOOR_SCENARIOS = {
    "create_session",
    "append_message",
    "read_page",
    "read_first_page",
    "list_sessions",
}
SCENARIOS = {"ceiling", *FLOOR_SCENARIOS, *(f"{name}@floor" for name in FLOOR_SCENARIOS)}
CPU_GROUPS = {"workers", "postgres", "postgres_other", "wrk"}
STORAGE_VARIANTS = ("with_search_index", "without_search_index")


def run_benchmark(name, options, results_dir):
    """Run bench/<name>.py to its end (it must succeed): the results it saved, and what it
    printed."""
    finished = subprocess.run(
        [sys.executable, f"bench/{name}.py", *options, "--results-dir", str(results_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    (saved,) = results_dir.glob(f"{name}-*.json")
    return json.loads(saved.read_text()), finished.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (make test installs it)")
def test_load_benchmark_runs_every_scenario_with_only_2xx(tmp_path):
    """Against ragchat and against the floor alike."""
    options = ["--smoke", "--workers", "2", "--database-url", postgres_server()]
    results, printed = run_benchmark("load", options, tmp_path)

    scenarios = results["scenarios"]
    assert set(scenarios) >= SCENARIOS
    if results["search_status"] in (404, 405):  # the endpoint is optional here
        assert "search" not in scenarios
        assert "search" in printed and "not available" in printed
    else:
        assert "search" in scenarios
    for name, scenario in scenarios.items():
        assert scenario["requests"] > 0, name
        assert (scenario["non_2xx"], scenario["socket_errors"]) == (0, 0), name
        assert all(200 <= int(status) < 300 for status in scenario["statuses"]), name
        assert set(scenario["cpu_ms_per_request"]) == CPU_GROUPS, name
        assert scenario["cpu_ms_per_request"]["workers"] > 0, name  # its server did the work
    for name in FLOOR_SCENARIOS:  # each ragchat scenario has its ratio to the floor
        floor = scenarios[f"{name}@floor"]["rps"]
        assert scenarios[name]["floor_ratio"] == pytest.approx(scenarios[name]["rps"] / floor)
    assert "Ratio to floor" in printed and "CPU per request" in printed
    long_run = results["long_run"]
    assert long_run["run"]["requests"] >= 300
    assert (long_run["run"]["non_2xx"], long_run["run"]["socket_errors"]) == (0, 0)
    assert long_run["rss_before_kb"] and long_run["rss_after_kb"]
    assert results["server_errors"] == []
    assert results["floor_errors"] == []


def test_storage_benchmark_measures_every_table_with_and_without_the_search_index(tmp_path):
    """bench/storage.py on a few chats: the same rows in both databases, facts and sources
    written as ragchat writes them, and the search index only where it belongs."""
    messages = 90  # four chats of 20 and one of 10
    options = ["--messages", str(messages), "--tenants", "3", "--database-url", postgres_server()]
    results, printed = run_benchmark("storage", options, tmp_path)

    with_index, without = (results["variants"][name] for name in STORAGE_VARIANTS)
    for variant in (with_index, without):
        stored = variant["stored"]
        assert (stored["sessions"], stored["messages"]) == (5, messages)
        assert stored["answers_with_facts"] == messages // 2  # every answer cites 4 passages
        assert stored["sources"] == 4 * messages // 2
        assert 1500 < float(stored["average_ai_context_bytes"]) < 2500  # about 2 KB
    searched = with_index["stored"].pop("average_search_vector_bytes")
    assert float(searched) > 0 and with_index["stored"] == without["stored"]  # the same rows
    parts = [
        {(table, part): size for table, part, size in v["parts"]} for v in (with_index, without)
    ]
    search = ("chat_messages", "index ix_chat_messages_search")
    assert parts[0][search] > 0 and search not in parts[1]
    assert set(parts[0]) - set(parts[1]) == {
        search,
        ("chat_sessions", "index ix_chat_sessions_search"),
    }
    assert parts[0][("chat_messages", "heap")] > 0 and parts[0][("message_sources", "heap")] > 0
    assert "**all tables**" in printed and "MiB per 1M messages" in printed
