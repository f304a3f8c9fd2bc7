"""Load: how much of the framework's ceiling, and of its floor, does ragchat keep under load?

Creates a throw-away PostgreSQL database, migrates it and seeds it with server-side SQL
(chats from 10 to 100,000 messages, AI answers with about 2 KB of RAG context), then
starts three servers with the project's gunicorn.conf.py and the same settings: ragchat;
a bare Flask app with one endpoint (bench/bare_app.py), the ceiling; and the floor
(bench/floor_app.py), which runs ragchat's own SQL for each scenario (bench/floor_sql.py)
with as little Python around it as will do. wrk drives each scenario (bench/wrk/*.lua) from
a second process on loopback, in rounds that rotate the order, so that a busy machine weighs
on every scenario, the ceiling and the floor alike. Each scenario is reported as requests/s,
p50, p99, non-2xx answers, its ratio to the ceiling and to the floor of the same round, and
the CPU time its requests cost in the gunicorn workers and in PostgreSQL. A long run of mixed
traffic (100,000 requests by default) then shows whether the workers' memory grows.

    python bench/load.py [--database-url postgresql://…] [--duration 10] [--rounds 3]
    python bench/load.py --smoke      # seconds: tiny data, every scenario once, 2xx only

Prints Markdown tables and the verdict on the targets, and writes everything to
bench/results/load-<timestamp>.json. The database is dropped at the end. Needs `wrk`, and
Redis for the rate-limit counts that the worker processes share (RATE_LIMIT_STORE).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script: ragchat lives beside bench/

import floor_sql  # noqa: E402
from cpu import GROUPS, CpuMeter, per_request  # noqa: E402
from load_data import TENANT, seed, wait_for_quiet  # noqa: E402
from scratch import scratch_database  # noqa: E402

from tests.support.server import Server, probe, worker_rss  # noqa: E402

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
# Rate-limit counts that every worker process shares, as production with several workers
# keeps them: on memory://, gunicorn.conf.py would serve one process with threads instead
# (ragchat/settings/workers.py), and the ceiling and the floor alike.
RATE_LIMIT_STORE = "redis://127.0.0.1:6379/13"
RESULTS_DIR = ROOT / "bench" / "results"
SCRIPTS = ROOT / "bench" / "wrk"

# name: (wrk script, what it does); "ceiling" runs against the bare app.
SCENARIOS = {
    "ceiling": "GET / on a bare Flask app (small JSON object)",
    "create_session": "POST /api/sessions",
    "append_message": "POST /api/sessions/{id}/messages (AI answers with ~2 KB context)",
    "read_page": "GET /api/sessions/{id}/messages?after=N&limit=20",
    "read_first_page": "GET /api/sessions/{id}/messages?page=1&size=20",
    "list_sessions": "GET /api/sessions?user_id=…",
    "search": "GET /api/search?q=…",
}
FLOOR = "floor"  # "append_message@floor": a scenario against the floor
FLOOR_SCENARIOS = tuple(floor_sql.SCENARIOS)  # what the floor answers (not search)
# The targets: each scenario keeps at least this share of its floor (ragchat's statements
# with the least Python around them), ...
TARGET_FLOOR_RATIO = {
    "append_message": 0.75,
    "read_page": 0.75,
    "read_first_page": 0.60,
    "list_sessions": 0.60,
    "create_session": 0.60,
}
TARGET_TAIL = 3.0  # ... p99 at most this many times p50, for every scenario ...
TARGET_STABILITY = 0.10  # ... the last round's requests/s within this share of the first's ...
TARGET_RSS_GROWTH_MB = 10.0  # ... and per worker, this much RSS growth over the long run

# Chats by size (messages: how many chats) and the end users they belong to.
DATA = {
    "full": {"sizes": {100_000: 1, 10_000: 5, 1_000: 50, 100: 500, 10: 2_000}, "users": 500},
    "medium": {"sizes": {10_000: 1, 1_000: 5, 100: 50, 10: 500}, "users": 100},
    "smoke": {"sizes": {1_000: 1, 100: 3, 10: 20}, "users": 10},
}


def wrk(script, url, targets, *, connections, duration=None, requests=None, threads=1):
    """One wrk run, for `duration` seconds or until `requests` are answered; its summary
    as a dict (from common.lua's done())."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "--timeout", "10s"]
    command += ["-d", f"{duration or 24 * 3600}s", "-s", str(SCRIPTS / f"{script}.lua"), url]
    command += ["--", str(targets), str(-(-requests // threads) if requests else 0)]
    with subprocess.Popen(  # noqa: S603 (our own command line)
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        output, done = [], 0
        for line in process.stdout:
            output.append(line)
            done += line.startswith("WRK-THREAD-DONE")
            if requests and done == threads:
                process.send_signal(signal.SIGINT)  # wrk reports at once instead of waiting
        errors = process.stderr.read()
    for line in output:
        if line.startswith("WRK-JSON "):
            summary = json.loads(line.removeprefix("WRK-JSON "))
            seconds = summary["duration_us"] / 1e6
            summary["rps"] = summary["requests"] / seconds if seconds else 0.0
            summary["socket_errors"] = sum(
                summary[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts")
            )
            return summary
    raise RuntimeError(f"wrk {script} failed:\n{''.join(output)}\n{errors}")


def server_settings(url, workers):
    """The environment every server under load gets, ragchat's and the references' alike."""
    try:
        redis.Redis.from_url(RATE_LIMIT_STORE, socket_connect_timeout=2).ping()
    except redis.RedisError:  # ragchat would let requests through, each after a failed count
        sys.exit(
            f"the load benchmark counts rate limits in Redis: none answers at {RATE_LIMIT_STORE}"
        )
    return {
        "RAGCHAT_ENV": "development",
        "API_KEY": "rck_operator_" + secrets.token_urlsafe(24),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "RATE_LIMIT": "1000000/second",  # a limit the load cannot reach
        "RATELIMIT_STORAGE_URI": RATE_LIMIT_STORE,
        "LOG_FILE": "",
        "DATABASE_URL": url,
        "WEB_CONCURRENCY": str(workers),
    }


def write_targets(path, api_key, targets):
    lines = [f"key {api_key}"]
    lines += [f"read {session_id} {count}" for session_id, count in targets["read"]]
    lines += [f"append {session_id}" for session_id in targets["append"]]
    lines += [f"user {user_id}" for user_id in targets["users"]]
    lines += [f"query {query}" for query in targets["queries"]]
    path.write_text("\n".join(lines) + "\n")


def ratios(runs, references):
    """Each round's requests/s as a share of the reference's in the same round."""
    return [
        run["rps"] / reference["rps"] if reference["rps"] else float("nan")
        for run, reference in zip(runs, references, strict=True)
    ]


def summarise(name, runs, ceilings, floors=None):
    """A scenario over its rounds: medians of the rounds; the ratio of each round's
    requests/s to that round's ceiling, and to that round's floor for the same scenario;
    the last round against the first; and the CPU its requests cost, per process group."""
    to_ceiling = ratios(runs, ceilings)
    to_floor = ratios(runs, floors) if floors else None
    return {
        "name": name,
        "rounds": len(runs),
        "rps": statistics.median(run["rps"] for run in runs),
        "p50_ms": statistics.median(run["p50_us"] for run in runs) / 1000,
        "p99_ms": statistics.median(run["p99_us"] for run in runs) / 1000,
        "ratio": statistics.median(to_ceiling),
        "ratios": [round(ratio, 3) for ratio in to_ceiling],
        "floor_ratio": statistics.median(to_floor) if to_floor else None,
        "floor_ratios": [round(ratio, 3) for ratio in to_floor] if to_floor else None,
        # requests/s of the last round against the first (0.0 with one round)
        "drift": runs[-1]["rps"] / runs[0]["rps"] - 1 if runs[0]["rps"] else float("nan"),
        "cpu_ms_per_request": per_request(runs),
        "requests": sum(run["requests"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "socket_errors": sum(run["socket_errors"] for run in runs),
        "statuses": merged_statuses(runs),
        "runs": runs,
    }


def merged_statuses(runs):
    merged = {}
    for run in runs:
        for status, count in run["statuses"].items():
            merged[status] = merged.get(status, 0) + count
    return merged


def script_of(label):
    """ "append_message@before" runs append_message.lua (against the variant "before")."""
    return label.partition("@")[0]


def floor_of(label):
    """The floor's label for a scenario (or a variant's run of it), if the floor answers it."""
    script = script_of(label)
    if label == "ceiling" or label.endswith(f"@{FLOOR}") or script not in FLOOR_SCENARIOS:
        return None
    return f"{script}@{FLOOR}"


def measure(servers, targets, *, rounds, duration, warmup, connections, settle, meter, progress):
    """Warm every scenario up, then run each once per round, rotating the order. `servers`
    maps each label (the ceiling first) to the server it loads; `meter` samples the CPU
    time of that server's workers and of PostgreSQL around each run. After every run
    `settle` waits for the database to finish what that run left running (wrk stops
    sending, but a slow scenario's last queries would otherwise run on into the next one's
    time); the run's CPU is counted until then."""
    order = list(servers)
    for label in order if warmup else ():
        wrk(script_of(label), servers[label].url, targets, connections=connections, duration=warmup)
        settle()
    runs = {label: [] for label in order}
    for round_number in range(rounds):
        shift = round_number % len(order)
        for label in order[shift:] + order[:shift]:
            server = servers[label]
            before = meter.sample(server.pid)
            run = wrk(
                script_of(label), server.url, targets, connections=connections, duration=duration
            )
            settle()
            run["cpu"] = meter.used(before, meter.sample(server.pid))
            runs[label].append(run)
            cpu = run["cpu"]["seconds"]
            progress(
                f"round {round_number + 1}/{rounds} {label}: {run['rps']:.0f} req/s, "
                f"p50 {run['p50_us'] / 1000:.1f} ms, p99 {run['p99_us'] / 1000:.1f} ms, "
                f"non-2xx {run['non_2xx']}, socket errors {run['socket_errors']}; CPU s: "
                + ", ".join(f"{group} {cpu[group]:.2f}" for group in GROUPS)
            )
    return {
        label: summarise(label, runs[label], runs["ceiling"], runs.get(floor_of(label)))
        for label in order
    }


def profile(servers, targets, labels, *, duration, connections, directory, progress):
    """Each scenario once more with py-spy sampling every worker of the server it loads;
    collapsed stacks (one line per distinct stack, with its sample count) per scenario,
    for flame graphs or grep."""
    if shutil.which("py-spy") is None and not (Path(sys.executable).parent / "py-spy").exists():
        raise SystemExit("--profile needs py-spy: pip install -r bench/requirements.txt")
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    written = {}
    for label in labels:
        server = servers[label]
        output = directory / f"profile-{label}-{stamp}.txt"
        command = [spy, "record", "--pid", str(server.pid), "--subprocesses", "--format", "raw"]
        command += ["--duration", str(duration), "--rate", "250", "--output", str(output)]
        with subprocess.Popen(  # noqa: S603 (our own command line)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ):
            time.sleep(1)  # py-spy attaches
            wrk(
                script_of(label),
                server.url,
                targets,
                connections=connections,
                duration=duration - 2,
            )
        written[label] = str(output)
        progress(f"profile of {label}: {output}")
    return written


def long_run(server, url, targets, requests, connections, progress):
    """Mixed traffic for `requests` requests; every worker's RSS before and after."""
    before = worker_rss(server.pid)
    progress(f"long run: {requests:,} requests of mixed traffic")
    run = wrk("mixed", url, targets, connections=connections, requests=requests)
    after = worker_rss(server.pid)
    # VmRSS is in KiB; the target is in MB (10^6 bytes).
    growth = {pid: (after[pid] - before[pid]) * 1024 / 1e6 for pid in before if pid in after}
    return {
        "run": run,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "workers_replaced": sorted(set(before) ^ set(after)),
        "growth_mb": growth,
        "max_growth_mb": max(growth.values(), default=float("nan")),
        "total_growth_mb": sum(growth.values()),
    }


def is_ragchat(label):
    """This tree's ragchat: not the ceiling, the floor, or a variant."""
    return label != "ceiling" and "@" not in label


def verdict(results):
    scenarios = results["scenarios"]
    checks = []
    for name, target in TARGET_FLOOR_RATIO.items():
        ratio = scenarios[name]["floor_ratio"]
        checks.append((f"{name} >= {target:g} of the floor", ratio >= target, ratio))
    for name, s in scenarios.items():
        if not is_ragchat(name):
            continue  # the references, or a variant measured for comparison
        tail = s["p99_ms"] / s["p50_ms"] if s["p50_ms"] else float("inf")
        checks.append((f"{name} p99 <= {TARGET_TAIL:g} x p50", tail <= TARGET_TAIL, tail))
    for name, s in scenarios.items():
        if is_ragchat(name):
            checks.append(
                (
                    f"{name} last round within {TARGET_STABILITY:.0%} of the first",
                    abs(s["drift"]) <= TARGET_STABILITY,
                    s["drift"],
                )
            )
    # The floor answers as ragchat does: an error from it is as wrong as one from ragchat.
    errors = sum(
        s["non_2xx"] + s["socket_errors"]
        for n, s in scenarios.items()
        if is_ragchat(n) or n.endswith(f"@{FLOOR}")
    )
    if results.get("long_run"):
        run = results["long_run"]["run"]
        errors += run["non_2xx"] + run["socket_errors"]
        growth = results["long_run"]["max_growth_mb"]
        checks.append(
            (
                f"worker RSS growth < {TARGET_RSS_GROWTH_MB:g} MB",
                growth < TARGET_RSS_GROWTH_MB,
                growth,
            )
        )
    checks.append(("no error responses", errors == 0, errors))
    return [{"target": t, "met": bool(met), "value": round(value, 2)} for t, met, value in checks]


def run(
    server_url,
    *,
    smoke,
    data,
    gunicorn_args="",
    rounds,
    duration,
    warmup,
    connections,
    workers,
    long_requests,
    progress,
    profiled=(),
    variants=None,
    results_dir=RESULTS_DIR,
):
    variants = variants or {}
    data = DATA[data]
    results = {
        "benchmark": "load",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "load_average_before": os.getloadavg()},
        "parameters": {
            "smoke_test": smoke,
            "rounds": rounds,
            "duration_s": duration,
            "warmup_s": warmup,
            "connections": connections,
            "workers": workers,
            "long_run_requests": long_requests,
            "sessions_by_size": data["sizes"],
            "users": data["users"],
            "variants": variants,
            "gunicorn_args": gunicorn_args,
        },
    }
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ragchat-load-")))
        url = stack.enter_context(scratch_database(server_url))
        api_key, targets, results["seeded"] = seed(url, scratch, data, progress)
        write_targets(scratch / "targets.txt", api_key, targets)
        settings = server_settings(url, workers)
        if gunicorn_args:  # e.g. another worker class, for every server alike
            settings["GUNICORN_CMD_ARGS"] = gunicorn_args
        ragchat = stack.enter_context(Server(scratch / "ragchat", app="wsgi:app", **settings))
        bare = stack.enter_context(Server(scratch / "bare", app="bench.bare_app:app", **settings))
        # The floor takes the stored key the load sends, as a plain key of its tenant.
        floor_settings = {**settings, "FLOOR_API_KEY": api_key, "FLOOR_TENANT": TENANT}
        floor = stack.enter_context(
            Server(scratch / FLOOR, app="bench.floor_app:app", **floor_settings)
        )
        scenarios = [name for name in SCENARIOS if name != "ceiling"]
        search = probe(ragchat.url + "/api/search?q=refund", api_key)
        results["search_status"] = search
        if search in (404, 405):
            progress(f"search: GET /api/search answered {search}: not available, skipped")
            scenarios.remove("search")
        servers = {"ceiling": bare} | dict.fromkeys(scenarios, ragchat)
        servers |= {f"{s}@{FLOOR}": floor for s in scenarios if s in FLOOR_SCENARIOS}
        for name, directory in variants.items():
            other = Server(scratch / f"variant-{name}", app="wsgi:app", cwd=directory, **settings)
            variant = stack.enter_context(other)
            # Not search: it is new (no "before" to compare with) and slow.
            servers |= {f"{s}@{name}": variant for s in scenarios if s != "search"}
        meter = stack.enter_context(CpuMeter(url))
        results["scenarios"] = measure(
            servers,
            scratch / "targets.txt",
            settle=lambda: wait_for_quiet(url),
            rounds=rounds,
            duration=duration,
            warmup=warmup,
            connections=connections,
            meter=meter,
            progress=progress,
        )
        if profiled:
            results["profiles"] = profile(
                servers,
                scratch / "targets.txt",
                [label for label in profiled if label in servers and label != "ceiling"],
                duration=duration + 3,
                connections=connections,
                directory=results_dir,
                progress=progress,
            )
        if long_requests:
            results["long_run"] = long_run(
                ragchat, ragchat.url, scratch / "targets.txt", long_requests, connections, progress
            )
        results["server_errors"] = ragchat.errors_logged()
        results["floor_errors"] = floor.errors_logged()
    results["machine"]["load_average_after"] = os.getloadavg()
    results["verdict"] = verdict(results)
    return results


def markdown_table(results):
    lines = [
        "| Scenario | Request | req/s | p50 (ms) | p99 (ms) | p99/p50 | Ratio to ceiling "
        "(rounds) | Ratio to floor (rounds) | Last/first round | Non-2xx | Socket errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results["scenarios"].items():
        tail = s["p99_ms"] / s["p50_ms"] if s["p50_ms"] else float("nan")
        rounds = ", ".join(f"{ratio:.2f}" for ratio in s["ratios"])
        if s["floor_ratios"]:
            floor_rounds = ", ".join(f"{ratio:.2f}" for ratio in s["floor_ratios"])
            to_floor = f"**{s['floor_ratio']:.2f}** ({floor_rounds})"
        else:
            to_floor = ""
        lines.append(
            f"| {name} | {SCENARIOS[script_of(name)]} | {s['rps']:.0f} | {s['p50_ms']:.1f} | "
            f"{s['p99_ms']:.1f} | {tail:.1f} | **{s['ratio']:.2f}** ({rounds}) | {to_floor} | "
            f"{s['drift']:+.0%} | {s['non_2xx']} | {s['socket_errors']} |"
        )
    if "search" not in results["scenarios"]:
        lines.append(
            f"| search | {SCENARIOS['search']} | not available (the endpoint "
            f"answered {results['search_status']}) | | | | | | | | |"
        )
    return "\n".join(lines)


def cpu_table(results):
    """CPU milliseconds per answered request, by where they were spent."""
    lines = [
        "| Scenario | gunicorn workers | PostgreSQL backends | PostgreSQL, other processes "
        "| wrk | All | Busy cores (of " + str(results["machine"]["nproc"]) + ") |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in results["scenarios"].items():
        cpu = s["cpu_ms_per_request"]
        seconds = sum(run["cpu"]["wall_s"] for run in s["runs"])  # the runs, until quiet
        busy = sum(cpu.values()) * s["requests"] / 1000 / seconds if seconds else float("nan")
        lines.append(
            f"| {name} | "
            + " | ".join(f"{cpu[group]:.2f}" for group in GROUPS)
            + f" | {sum(cpu.values()):.2f} | {busy:.2f} |"
        )
    return "CPU per request (ms, user + system, from /proc):\n\n" + "\n".join(lines)


def long_run_summary(results):
    long = results.get("long_run")
    if not long:
        return "Long run: skipped."
    run = long["run"]
    per_worker = ", ".join(f"{mb:+.1f}" for mb in long["growth_mb"].values())
    return (
        f"Long run: {run['requests']:,} requests of mixed traffic at {run['rps']:.0f} req/s, "
        f"p50 {run['p50_us'] / 1000:.1f} ms, p99 {run['p99_us'] / 1000:.1f} ms, non-2xx "
        f"{run['non_2xx']}, socket errors {run['socket_errors']}. Worker RSS growth (MB): "
        f"{per_worker}; largest {long['max_growth_mb']:+.1f}, all workers "
        f"{long['total_growth_mb']:+.1f}; workers replaced: {len(long['workers_replaced'])}."
    )


def report(results, path):
    p = results["parameters"]
    verdicts = "\n".join(
        f"- {v['target']}: {'met' if v['met'] else 'MISSED'} ({v['value']})"
        for v in results["verdict"]
    )
    head = (
        f"load, {results['date']}: {p['workers']} gunicorn workers, wrk with "
        f"{p['connections']} connections, {p['rounds']} rounds of {p['duration_s']} s; "
        f"nproc {results['machine']['nproc']}; load average "
        f"{[round(x, 2) for x in results['machine']['load_average_before']]} before, "
        f"{[round(x, 2) for x in results['machine']['load_average_after']]} after"
    )
    notes = [head, markdown_table(results), cpu_table(results), long_run_summary(results)]
    notes.append(verdicts)
    if p["smoke_test"]:
        notes.append("Smoke test (tiny data, short runs): not a measurement to quote.")
    notes.append(f"Results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return "\n\n".join(notes)


def save(results, directory):
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"load-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="ragchat under load, against a bare Flask app (the ceiling) and an app "
        "running ragchat's SQL with the least Python (the floor)."
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="a PostgreSQL server to create the scratch database on",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds: tiny data, every scenario once; fails on any non-2xx",
    )
    parser.add_argument("--rounds", type=int, help="runs of every scenario (default 3)")
    parser.add_argument("--duration", type=int, help="seconds per run (default 10)")
    parser.add_argument("--warmup", type=int, help="untimed seconds per scenario first (2)")
    parser.add_argument("--connections", type=int, help="wrk connections (default 2 x workers)")
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (default WEB_CONCURRENCY or gunicorn.conf.py's default)",
    )
    parser.add_argument(
        "--long-requests",
        type=int,
        help="requests in the memory-growth run (default 100,000; 0 skips it)",
    )
    parser.add_argument(
        "--profile",
        nargs="*",
        metavar="SCENARIO",
        help="after the rounds, run these scenarios (default: all of ragchat's) again under "
        "py-spy; SCENARIO@floor samples the floor's workers instead",
    )
    parser.add_argument(
        "--data",
        choices=sorted(DATA),
        help="how much to seed (default full: chats of 10 to 100,000 messages; smoke: tiny)",
    )
    parser.add_argument(
        "--gunicorn-args",
        default="",
        help="extra gunicorn options for both servers, e.g. '--worker-class gthread --threads 4'"
        " (passed as GUNICORN_CMD_ARGS; gunicorn.conf.py is still read)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="also serve the ragchat in DIR (another copy of the tree) and run every scenario "
        "against it in the same rounds, as NAME: before/after comparisons in one run",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk)")

    def stop(signum, frame):  # a SIGTERM unwinds like Ctrl-C: servers stopped, database dropped
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    from ragchat.settings.parsing import parse_workers

    variants = dict(variant.split("=", 1) for variant in args.variant)
    if FLOOR in variants:
        sys.exit(f"--variant: the name {FLOOR!r} is taken (the floor's scenarios)")
    workers = args.workers or parse_workers(os.environ.get("WEB_CONCURRENCY", ""))
    smoke = args.smoke
    results = run(
        args.database_url,
        smoke=smoke,
        data=args.data or ("smoke" if smoke else "full"),
        gunicorn_args=args.gunicorn_args,
        rounds=args.rounds or (1 if smoke else 3),
        duration=args.duration or (1 if smoke else 10),
        warmup=args.warmup if args.warmup is not None else (0 if smoke else 2),
        connections=args.connections or 2 * workers,
        workers=workers,
        long_requests=args.long_requests
        if args.long_requests is not None
        else (300 if smoke else 100_000),
        progress=lambda message: print(message, file=sys.stderr, flush=True),
        profiled=list(SCENARIOS) if args.profile == [] else (args.profile or ()),
        variants=variants,
        results_dir=args.results_dir,
    )
    print(report(results, save(results, args.results_dir)))
    if smoke:  # a smoke test proves the harness runs and every answer was a 2xx
        return (
            0
            if next(v for v in results["verdict"] if v["target"] == "no error responses")["met"]
            else 1
        )
    return 0 if all(v["met"] for v in results["verdict"]) else 1


if __name__ == "__main__":
    sys.exit(main())
