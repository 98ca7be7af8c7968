"""Load test of `mmkg serve` on the built real graph: 16 concurrent clients for 60 s of mixed
named queries on 127.0.0.1. Writes docs/load-test.md.

Run: python benchmarks/load_test.py [--clients 16] [--seconds 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    from mmkg.builder import current_run, open_built
    from mmkg.loadtest import run
    from mmkg.remote import wait_for
    from servers import free_port

    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "docs" / "load-test.md"))
    args = ap.parse_args()
    open_built()
    results = {}
    for label, cache in (("answers cached (the default)", []), ("no answer cache (--cache-mb 0)", ["--cache-mb", "0"])):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "mmkg", "serve", "--port", str(port), "--workers",
                                 str(args.workers), *cache], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/sparql", proc=proc)
            results[label] = run(base, clients=args.clients, seconds=args.seconds, server_pid=proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        print(f"{label}: {results[label].text()}")
    triples = sum(1 for _ in open(current_run() / "mmkg.nt", encoding="utf-8"))  # type: ignore[operator]
    Path(args.out).write_text(
        "# Load test of the SPARQL endpoint\n\n"
        f"`mmkg serve` ({args.workers} query workers) on the built real graph ({triples:,} triples), driven on 127.0.0.1 by "
        f"`benchmarks/load_test.py`: {args.clients} concurrent clients, each sending the named queries of "
        "`mmkg.loadtest.MIX` in turn, as fast as answers come, for the whole run. Memory is the resident size of the "
        "server and its worker processes, sampled during the run. The served build never changes, so the endpoint "
        "keeps answers to repeated requests (`--cache-mb`, 64 MB by default); the second row is the same mix with "
        "every request answered by a worker.\n\n"
        + "".join(f"- {label}: {report.text()}.\n" for label, report in results.items())
    )


if __name__ == "__main__":
    main()
