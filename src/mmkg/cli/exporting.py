"""Subcommands that draw or export subgraphs: viz (the network page) and export."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mmkg.choices import EXPORT_FORMATS
from mmkg.cli.common import EPILOG, EXIT_OK, bounded, params
from mmkg.errors import InputError


def add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--modality", action="append", default=[],
                   help="keep models with this modality (repeatable: all must match)")
    p.add_argument("--family", action="append", default=[],
                   help="keep models with an objective of this family (label, e.g. 'contrastive objective')")
    p.add_argument("--architecture", action="append", default=[],
                   help="keep models with this fusion style, connector or backbone family (label)")
    p.add_argument("--year-from", type=int, help="first year to keep")
    p.add_argument("--year-to", type=int, help="last year to keep")
    p.add_argument("--edges", action="append", choices=["lineage", "citation", "trained-on"],
                   help="edge kinds (default: lineage)")


def filters(args: argparse.Namespace) -> Any:
    from mmkg.network import Filters

    return Filters(modalities=tuple(args.modality), families=tuple(args.family), architectures=tuple(args.architecture),
                   years=(args.year_from, args.year_to), edge_kinds=tuple(args.edges or ["lineage"]))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("viz", help="write the lineage network as one self-contained HTML file", epilog=EPILOG)
    p.add_argument("--focus", help="centre on this model")
    p.add_argument("--depth", type=bounded(int, 1, 50), default=2, help="hops from the focus")
    p.add_argument("--direction", choices=["ancestors", "descendants", "both"], default="both",
                   help="lineage direction around the focus")
    p.add_argument("--siblings", action="store_true",
                   help="with --direction both, also take in models reached through a shared ancestor")
    p.add_argument("--colour-by", "--color-by", dest="colour_by", default="modality",
                   choices=["modality", "fusion", "organisation", "objective"], help="what node colour shows")
    add_filter_options(p)
    p.add_argument("-o", "--out", default="lineage.html", help="output file")
    p.set_defaults(func=cmd_viz)

    e = sub.add_parser("export", help="export a lineage or citation subgraph, or a CONSTRUCT query's result",
                       epilog=EPILOG)
    what = e.add_subparsers(dest="what", required=True)
    lin = what.add_parser("lineage", help="a model's ancestors and/or descendants", epilog=EPILOG)
    lin.add_argument("name", help="the model")
    lin.add_argument("--direction", choices=["ancestors", "descendants", "both"], default="both",
                     help="lineage direction")
    lin.add_argument("--depth", type=bounded(int, 1, 50), default=2, help="hops from the model")
    lin.add_argument("--siblings", action="store_true",
                     help="with --direction both, also take in models reached through a shared ancestor")
    add_filter_options(lin)
    cit = what.add_parser("citations", help="a paper's (or model's paper's) citation neighbourhood", epilog=EPILOG)
    cit.add_argument("name", help="the paper, or a model (its paper is used)")
    cit.add_argument("--hops", type=bounded(int, 1, 10), default=1, help="citation hops")
    cit.add_argument("--direction", choices=["cites", "cited-by", "both"], default="both", help="citation direction")
    qry = what.add_parser("query", help="the result of a CONSTRUCT query (file or named query)", epilog=EPILOG)
    qry.add_argument("query", help="a .rq file or a named CONSTRUCT query")
    qry.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    qry.add_argument("--endpoint", help="run against a SPARQL endpoint instead of the built graph")
    for q in (lin, cit, qry):
        q.add_argument("-f", "--format", choices=EXPORT_FORMATS, default="ttl", help="output format")
        q.add_argument("-o", "--out", default="-", help="output file ('-' for standard output)")
    e.set_defaults(func=cmd_export)


def cmd_viz(args: argparse.Namespace) -> int:
    from mmkg.builder import open_built
    from mmkg.viz import write_html

    store = open_built()
    title = f"Lineage of {args.focus}" if args.focus else "mmkg lineage network"
    path = write_html(args.out, store=store, focus=args.focus, depth=args.depth, direction=args.direction,
                      filters=filters(args), title=title, colour_by=args.colour_by, siblings=args.siblings)
    print(f"wrote {path}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from mmkg.exporter import export, written_files
    from mmkg.subgraph import citation_subgraph, lineage_subgraph

    sub: Any
    if args.what == "lineage":
        sub = lineage_subgraph(args.name, direction=args.direction, depth=args.depth, filters=filters(args),
                               siblings=args.siblings)
    elif args.what == "citations":
        sub = citation_subgraph(args.name, hops=args.hops, direction=args.direction)
    else:
        from mmkg.api import run_query

        result = run_query(args.query, params=params(args.param), endpoint=args.endpoint)
        if not isinstance(result, list):
            raise InputError("export query needs a CONSTRUCT or DESCRIBE query")
        sub = result
    export(sub, args.format, args.out)
    if args.out != "-":
        print(f"wrote {' and '.join(str(p) for p in written_files(args.format, args.out))}", file=sys.stderr)
    return EXIT_OK
