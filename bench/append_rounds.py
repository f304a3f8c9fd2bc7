"""Is ragchat's append rate stable by itself? Appends under wrk, several rounds back to back
on one ragchat server, with nothing else served in between (bench/load.py interleaves the
ceiling, the floor and any variant between two rounds of the same scenario).

    .venv/bin/python bench/append_rounds.py [--rounds 5] [--duration 8] [--data medium]
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a plain script: ragchat lives beside bench/

from load import DATA, DEFAULT_SERVER, server_settings, write_targets, wrk  # noqa: E402
from load_data import seed, wait_for_quiet  # noqa: E402
from scratch import scratch_database  # noqa: E402

from tests.support.server import Server  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--data", choices=sorted(DATA), default="medium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ragchat-append-") as directory:
        scratch = Path(directory)
        with scratch_database(args.database_url) as url:
            key, targets, _ = seed(url, scratch, DATA[args.data], print)
            write_targets(scratch / "targets.txt", key, targets)
            settings = server_settings(url, args.workers)
            with Server(scratch / "ragchat", app="wsgi:app", **settings) as server:
                for number in range(1, args.rounds + 1):
                    found = wrk(
                        "append_message",
                        server.url,
                        scratch / "targets.txt",
                        connections=2 * args.workers,
                        duration=args.duration,
                    )
                    print(f"round {number}: {found['rps']:.0f} req/s, non-2xx {found['non_2xx']}")
                    wait_for_quiet(url)


if __name__ == "__main__":
    main()
