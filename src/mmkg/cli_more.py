"""Subcommands beyond the core: serve, push, viz, export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmkg.cli import EPILOG, EXIT_OK, bounded, extension
from mmkg.errors import InputError


@extension
def _serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint over the built graph", epilog=EPILOG)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=bounded(int, 1, 65535), default=8000)
    p.add_argument("--timeout", type=bounded(float, 0.001), default=10.0, help="seconds a query may run")
    p.add_argument("--max-rows", type=bounded(int, 1), default=10000, help="largest result returned")
    p.add_argument("--max-request-bytes", type=bounded(int, 64), default=64 * 1024)
    p.add_argument("--workers", type=bounded(int, 1, 64), default=2, help="query worker processes")
    p.add_argument("--cors-origin", default="*", help="Access-Control-Allow-Origin value; '' turns CORS off")
    p.add_argument("--allow-service", action="append", default=[], metavar="URL",
                   help="allow federated SERVICE calls to this endpoint (off by default)")
    p.add_argument("--build", type=Path, help="build folder (default: build/)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from mmkg.build import current_run, open_built
    from mmkg.server import ServerConfig, serve

    open_built(args.build)  # builds first when missing or stale
    run = current_run(args.build)
    assert run is not None
    config = ServerConfig(run_dir=run, host=args.host, port=args.port, timeout=args.timeout, max_rows=args.max_rows,
                          max_request_bytes=args.max_request_bytes, workers=args.workers,
                          cors_origin=args.cors_origin or None, allow_service=args.allow_service)
    print(f"serving {run} at http://{args.host}:{args.port}/ (SPARQL at /sparql); Ctrl-C stops", file=sys.stderr, flush=True)
    serve(config)
    return EXIT_OK


@extension
def _push(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("push", help="load the built graph into a remote store (Graph Store Protocol)", epilog=EPILOG)
    p.add_argument("--store", required=True, metavar="URL", help="graph store endpoint, e.g. http://127.0.0.1:7878/store")
    p.add_argument("--graph", help="named graph IRI (default: the default graph)")
    p.add_argument("--build", type=Path, help="build folder (default: build/)")
    p.set_defaults(func=cmd_push)


def cmd_push(args: argparse.Namespace) -> int:
    from mmkg.build import current_run, open_built
    from mmkg.remote import push

    open_built(args.build)
    run = current_run(args.build)
    if run is None:
        raise InputError("no build to push")
    status = push(args.store, run / "mmkg.nt", graph=args.graph)
    print(f"pushed {run / 'mmkg.nt'} to {args.store} (HTTP {status})")
    return EXIT_OK


def _filters(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from mmkg.network import Filters

    years = (args.year_from, args.year_to)
    return Filters(modalities=tuple(args.modality), families=tuple(args.family), architectures=tuple(args.architecture),
                   years=years, edge_kinds=tuple(args.edges or ["lineage"]))


def add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--modality", action="append", default=[], help="keep models with this modality (repeatable: all must match)")
    p.add_argument("--family", action="append", default=[], help="keep models with an objective of this family (label, e.g. 'contrastive objective')")
    p.add_argument("--architecture", action="append", default=[], help="keep models with this fusion style or backbone family (label)")
    p.add_argument("--year-from", type=int, help="first year to keep")
    p.add_argument("--year-to", type=int, help="last year to keep")
    p.add_argument("--edges", action="append", choices=["lineage", "citation", "trained-on"], help="edge kinds (default: lineage)")


@extension
def _viz(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("viz", help="write the lineage network as one self-contained HTML file", epilog=EPILOG)
    p.add_argument("--focus", help="centre on this model")
    p.add_argument("--depth", type=int, default=2, help="hops from the focus (default 2)")
    p.add_argument("--direction", choices=["ancestors", "descendants", "both"], default="both")
    add_filter_options(p)
    p.add_argument("-o", "--out", default="build/lineage.html", help="output file (default build/lineage.html)")
    p.set_defaults(func=cmd_viz)


def cmd_viz(args: argparse.Namespace) -> int:
    from mmkg.build import open_built
    from mmkg.viz import write_html

    store = open_built()
    title = f"Lineage of {args.focus}" if args.focus else "mmkg lineage network"
    path = write_html(args.out, store=store, focus=args.focus, depth=args.depth, direction=args.direction,
                      filters=_filters(args), title=title)
    print(f"wrote {path}")
    return EXIT_OK


@extension
def _export(sub: argparse._SubParsersAction) -> None:
    from mmkg.export import FORMATS

    p = sub.add_parser("export", help="export a lineage or citation subgraph, or a CONSTRUCT query's result", epilog=EPILOG)
    what = p.add_subparsers(dest="what", required=True)
    lin = what.add_parser("lineage", help="a model's ancestors and/or descendants", epilog=EPILOG)
    lin.add_argument("name", help="the model")
    lin.add_argument("--direction", choices=["ancestors", "descendants", "both"], default="both")
    lin.add_argument("--depth", type=int, default=2)
    add_filter_options(lin)
    cit = what.add_parser("citations", help="a paper's (or model's paper's) citation neighbourhood", epilog=EPILOG)
    cit.add_argument("name", help="the paper, or a model (its paper is used)")
    cit.add_argument("--hops", type=int, default=1)
    cit.add_argument("--direction", choices=["cites", "cited-by", "both"], default="both")
    qry = what.add_parser("query", help="the result of a CONSTRUCT query (file or named query)", epilog=EPILOG)
    qry.add_argument("query", help="a .rq file or a named CONSTRUCT query")
    qry.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    qry.add_argument("--endpoint", help="run against a SPARQL endpoint instead of the built graph")
    for q in (lin, cit, qry):
        q.add_argument("-f", "--format", choices=FORMATS, default="ttl")
        q.add_argument("-o", "--out", default="-", help="output file ('-' for standard output)")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from mmkg.export import export
    from mmkg.subgraph import citation_subgraph, lineage_subgraph

    if args.what == "lineage":
        sub = lineage_subgraph(args.name, direction=args.direction, depth=args.depth, filters=_filters(args))
    elif args.what == "citations":
        sub = citation_subgraph(args.name, hops=args.hops, direction=args.direction)
    else:
        from mmkg.api import query
        from mmkg.cli import _params

        result = query(args.query, params=_params(args.param), endpoint=args.endpoint)
        if not isinstance(result, list):
            raise InputError("export query needs a CONSTRUCT or DESCRIBE query")
        sub = result
    export(sub, args.format, args.out)
    if args.out != "-":
        print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK


@extension
def _bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmark the engines on synthetic graphs (writes docs/benchmarks.md)", epilog=EPILOG)
    p.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k, 100k, 1M, 10M")
    p.add_argument("--engines", default="oxigraph,mmkg,rdflib,server", help="comma-separated: oxigraph, mmkg, rdflib, server")
    p.add_argument("--runs", type=int, default=7, help="timed runs per query (median)")
    p.add_argument("--rdflib-max", default="1M", help="largest size rdflib runs on")
    p.add_argument("-o", "--out", default="docs/benchmarks.md", help="markdown report ('-' for stdout)")
    p.add_argument("--json", help="also write the raw results as JSON")
    p.add_argument("--from-json", help="render the report from saved results instead of measuring")
    p.set_defaults(func=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from mmkg.atomic import write_text
    from mmkg.bench import SIZES, report, run

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        raise InputError(f"unknown size {bad[0]!r}; use {', '.join(SIZES)}")
    if args.from_json:
        results = json.loads(open(args.from_json, encoding="utf-8").read())
    else:
        results = run(sizes, [e.strip() for e in args.engines.split(",")], runs=args.runs,
                      rdflib_max=SIZES.get(args.rdflib_max, 1_000_000), progress=lambda m: print(m, file=sys.stderr, flush=True))
    text = report(results)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        write_text(args.out, text)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        write_text(args.json, json.dumps(results, indent=1))
    return EXIT_OK


@extension
def _import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import the survey's living paper list (markdown) into graph/imported/", epilog=EPILOG)
    what = p.add_subparsers(dest="what", required=True)
    pl = what.add_parser("paperlist", help="paperList.md, Surveys.md or Datasets.md of the companion repository", epilog=EPILOG)
    pl.add_argument("file", type=Path)
    pl.add_argument("-o", "--out", type=Path, help="output Turtle (default graph/imported/<file stem>.ttl)")
    pl.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    import re

    from mmkg.paperlist import import_paperlist, known_papers
    from mmkg.resources import graph_dir, source_files

    stem = re.sub(r"[^a-z0-9]+", "-", args.file.stem.lower()).strip("-")
    out = (args.out or graph_dir() / "imported" / f"{stem}.ttl").resolve()
    others = [f for f in source_files()[1:] if f.resolve() != out]
    iris, titles = known_papers(others)
    report = import_paperlist(args.file, out, existing=iris, titles=titles, write=not args.dry_run)
    sys.stdout.write(report.text())
    if not args.dry_run:
        print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK
