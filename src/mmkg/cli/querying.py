"""Subcommands that read the built graph: query, show, stats."""

from __future__ import annotations

import argparse
import sys

from mmkg.choices import CARD_FORMATS, ENTITY_KINDS, GRAPH_FORMATS, TABLE_FORMATS
from mmkg.cli.common import EPILOG, EXIT_OK, bounded, params, write
from mmkg.errors import MmkgError


def register(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("query", help="run a named query, a .rq file or SPARQL text", epilog=EPILOG)
    q.add_argument("query", nargs="?", help="query name, .rq file, SPARQL text, or - for stdin")
    q.add_argument("--list", action="store_true", help="list the named queries")
    q.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    q.add_argument("-f", "--format", default="table", choices=[*TABLE_FORMATS, *GRAPH_FORMATS], help="output format")
    q.add_argument("-o", "--out", help="write to FILE (atomically) instead of stdout")
    q.add_argument("--endpoint", help="run against a SPARQL 1.1 endpoint URL instead of the built graph")
    q.add_argument("--timeout", type=bounded(float, 0.001), default=None, help="seconds to wait for a remote endpoint")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("show", help="a readable card of one model or other entity, with sources", epilog=EPILOG)
    s.add_argument("name", help="a name, slug, prefixed name or IRI")
    s.add_argument("--kind", default="entity", choices=ENTITY_KINDS, help="what kind of entity the name is")
    s.add_argument("-f", "--format", default="text", choices=CARD_FORMATS, help="output format")
    s.add_argument("--endpoint", help="use a SPARQL endpoint instead of the built graph")
    s.set_defaults(func=cmd_show)

    st = sub.add_parser("stats", help="counts per class and completeness per property", epilog=EPILOG)
    st.add_argument("--endpoint", help="use a SPARQL endpoint instead of the built graph")
    st.set_defaults(func=cmd_stats)


def cmd_query(args: argparse.Namespace) -> int:
    from mmkg.api import named_queries, run_query
    from mmkg.formats import render

    if args.list:
        for q in named_queries():
            shown = " ".join(f"{p.name}=<{p.kind}>" for p in q.params)
            print(f"{q.group:<12} {q.name:<34} {q.title}{'  [' + shown + ']' if shown else ''}")
        return EXIT_OK
    if not args.query:
        raise MmkgError("give a query: a named query, a .rq file, or SPARQL text ('mmkg query --list' shows names)")
    text = args.query
    if text == "-":
        text = sys.stdin.read()
    result = run_query(text, params=params(args.param), endpoint=args.endpoint, timeout=args.timeout)
    write(render(result, args.format), args.out)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from mmkg.api import show

    card = show(args.name, kind=args.kind, endpoint=args.endpoint)
    sys.stdout.write(card.render(args.format))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from mmkg.api import stats

    sys.stdout.write(stats(endpoint=args.endpoint).text())
    return EXIT_OK
