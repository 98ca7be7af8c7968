"""Subcommands that link the graph to outside services: ``link wikidata``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmkg.cli.common import EPILOG, EXIT_OK, bounded


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("link", help="link papers and models to Wikidata through its SPARQL endpoint", epilog=EPILOG)
    what = p.add_subparsers(dest="what", required=True)
    w = what.add_parser("wikidata", help="Wikidata ids by arXiv id (P818), DOI (P356) and described-by (P1343)",
                        epilog=EPILOG)
    w.add_argument("--endpoint", default="https://query.wikidata.org/sparql", help="a Wikidata-style SPARQL endpoint")
    w.add_argument("--timeout", type=bounded(float, 0.1), default=30.0, help="seconds per request")
    w.add_argument("--retries", type=bounded(int, 0, 10), default=4, help="retries on 429, 503 and timeouts")
    w.add_argument("-o", "--out", type=Path, help="output Turtle (default graph/links/wikidata.ttl)")
    w.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    import datetime as dt

    from mmkg.atomic import write_text
    from mmkg.builder import open_built
    from mmkg.resources import graph_dir
    from mmkg.wikidata import Client, candidates, changes, match, render

    out = args.out or graph_dir() / "links" / "wikidata.ttl"
    store = open_built()
    papers, models, curated = candidates(store)
    client = Client(args.endpoint, timeout=args.timeout, retries=args.retries)
    outcome = match(client, papers, models, curated)
    text = render(outcome, endpoint=args.endpoint, today=dt.date.today(), previous=out)
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    diff = changes(old, text)
    for line in outcome.report:
        print(line, file=sys.stderr)
    for line in diff:
        print(line)
    summary = (f"{len(outcome.links)} links ({len(papers)} papers and {len(models)} models asked, "
               f"{outcome.unmatched} papers without an item, {len(outcome.report)} reported)")
    if args.dry_run:
        print(f"dry run: {summary}; {len(diff)} changes, nothing written", file=sys.stderr)
    elif text == old:
        print(f"unchanged: {out} ({summary})", file=sys.stderr)
    else:
        write_text(out, text)
        print(f"wrote {out}: {summary}", file=sys.stderr)
    return EXIT_OK
