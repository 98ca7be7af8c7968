"""Subcommands that link the graph to outside services: ``link wikidata``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from mmkg.cli.common import EPILOG, EXIT_OK, bounded


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("link", help="link the graph to Wikidata and the Hugging Face Hub through their own clients", epilog=EPILOG)
    what = p.add_subparsers(dest="what", required=True)
    w = what.add_parser("wikidata", help="Wikidata ids by arXiv id (P818), DOI (P356) and described-by (P1343)",
                        epilog=EPILOG)
    w.add_argument("--endpoint", default="https://query.wikidata.org/sparql", help="a Wikidata-style SPARQL endpoint")
    w.add_argument("--timeout", type=bounded(float, 0.1), default=30.0, help="seconds per request")
    w.add_argument("--retries", type=bounded(int, 0, 10), default=4, help="retries on 429, 503 and timeouts")
    w.add_argument("-o", "--out", type=Path, help="output Turtle (default graph/links/wikidata.ttl)")
    w.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    h = what.add_parser("huggingface", help="base models, licence, pipeline tag, library and arXiv references of the "
                        "graph's checkpoints, from the Hugging Face Hub", epilog=EPILOG)
    h.add_argument("--endpoint", default=os.environ.get("HF_ENDPOINT") or "https://huggingface.co",
                   help="the Hub (or a mirror of its API); $HF_ENDPOINT sets the default")
    h.add_argument("--timeout", type=bounded(float, 0.1), default=30.0, help="seconds per request")
    h.add_argument("--retries", type=bounded(int, 0, 10), default=4, help="retries on 429, 503 and timeouts")
    h.add_argument("--descendants", type=bounded(int, 0, 1000), default=0, metavar="N",
                   help="also list the first N public models built on each checkpoint (printed, not written)")
    h.add_argument("-o", "--out", type=Path, help="output Turtle (default graph/links/huggingface.ttl)")
    h.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    return _wikidata(args) if args.what == "wikidata" else _huggingface(args)


def _finish(out: Path, old: str, text: str, diff: list[str], report: list[str], summary: str, dry_run: bool) -> int:
    from mmkg.atomic import write_text

    for line in report:
        print(line, file=sys.stderr)
    for line in diff:
        print(line)
    if dry_run:
        print(f"dry run: {summary}; {len(diff)} changes, nothing written", file=sys.stderr)
    elif text == old:
        print(f"unchanged: {out} ({summary})", file=sys.stderr)
    else:
        write_text(out, text)
        print(f"wrote {out}: {summary}", file=sys.stderr)
    return EXIT_OK


def _huggingface(args: argparse.Namespace) -> int:
    import datetime as dt

    from mmkg.builder import open_built
    from mmkg.hub import Hub, checkpoints, read, render
    from mmkg.linkfile import changes
    from mmkg.resources import graph_dir

    out = args.out or graph_dir() / "links" / "huggingface.ttl"
    points, owner = checkpoints(open_built())
    hub = Hub(args.endpoint, timeout=args.timeout, retries=args.retries)
    outcome = read(hub, points, owner, descendants=args.descendants)
    text = render(outcome, endpoint=args.endpoint, today=dt.date.today(), previous=out)
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    diff = changes(old, text)
    for hf_id, children in sorted(outcome.descendants.items()):
        print(f"built on {hf_id}: {', '.join(children) if children else 'none listed'}")
    summary = f"{len(outcome.cards)} cards read of {len(points)} checkpoints, {len(outcome.report)} reported"
    return _finish(out, old, text, diff, outcome.report, summary, args.dry_run)


def _wikidata(args: argparse.Namespace) -> int:
    import datetime as dt

    from mmkg.builder import open_built
    from mmkg.linkfile import changes
    from mmkg.resources import graph_dir
    from mmkg.wikidata import Client, candidates, match, render

    out = args.out or graph_dir() / "links" / "wikidata.ttl"
    store = open_built()
    papers, models, curated = candidates(store)
    client = Client(args.endpoint, timeout=args.timeout, retries=args.retries)
    outcome = match(client, papers, models, curated)
    text = render(outcome, endpoint=args.endpoint, today=dt.date.today(), previous=out)
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    summary = (f"{len(outcome.links)} links ({len(papers)} papers and {len(models)} models asked, "
               f"{outcome.unmatched} papers without an item, {len(outcome.report)} reported)")
    return _finish(out, old, text, changes(old, text), outcome.report, summary, args.dry_run)
