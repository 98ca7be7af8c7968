"""Subcommands for curators: import (the survey's paper list) and bench (engine benchmarks)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mmkg.cli.common import EPILOG, EXIT_OK, bounded, progress, write
from mmkg.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import the survey's living paper list (markdown) into graph/imported/",
                       epilog=EPILOG)
    what = p.add_subparsers(dest="what", required=True)
    pl = what.add_parser("paperlist", help="paperList.md, Surveys.md or Datasets.md of the companion repository",
                         epilog=EPILOG)
    pl.add_argument("file", type=Path, help="the markdown file")
    pl.add_argument("-o", "--out", type=Path, help="output Turtle (default graph/imported/<file stem>.ttl)")
    pl.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    p.set_defaults(func=cmd_import)

    b = sub.add_parser("bench", help="benchmark the engines on synthetic graphs (writes docs/benchmarks.md); "
                       "--path: the path users run against the engines under it (docs/path-benchmarks.md)",
                       epilog=EPILOG)
    b.add_argument("--path", action="store_true",
                   help="measure mmkg query and mmkg serve over the built store beside bare pyoxigraph, rdflib and "
                        "Oxigraph's server, interleaved, plus cold start and build (default sizes: real,1M)")
    b.add_argument("--sizes", help="comma-separated: 10k, 100k, 1M, 10M (and real with --path); default 10k,100k,1M")
    b.add_argument("--engines", default="oxigraph,mmkg,rdflib,server",
                   help="comma-separated: oxigraph, mmkg, rdflib, server")
    b.add_argument("--runs", type=bounded(int, 1, 1000), default=7, help="timed runs per query (median)")
    b.add_argument("--rdflib-max", default="1M", help="largest size rdflib runs on")
    b.add_argument("-o", "--out", help="markdown report ('-' for stdout; default docs/benchmarks.md, "
                   "or docs/path-benchmarks.md with --path)")
    b.add_argument("--json", help="also write the raw results as JSON")
    b.add_argument("--from-json", help="render the report from saved results instead of measuring")
    b.set_defaults(func=cmd_bench)


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


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from mmkg.bench import SIZES, report, run

    sizes = [s.strip() for s in (args.sizes or ("real,1M" if args.path else "10k,100k,1M")).split(",") if s.strip()]
    known = [*SIZES, "real"] if args.path else list(SIZES)
    bad = [s for s in sizes if s not in known]
    if bad:
        raise InputError(f"unknown size {bad[0]!r}; use {', '.join(known)}")
    if args.path:
        from mmkg import pathbench

        out = args.out or "docs/path-benchmarks.md"
        write(pathbench.run(sizes, args.runs, progress=progress), out)
        if out != "-":
            print(f"wrote {out}", file=sys.stderr)
        return EXIT_OK
    args.out = args.out or "docs/benchmarks.md"
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
    else:
        results = run(sizes, [e.strip() for e in args.engines.split(",")], runs=args.runs,
                      rdflib_max=SIZES.get(args.rdflib_max, 1_000_000), progress=progress)
    write(report(results), args.out)
    if args.out != "-":
        print(f"wrote {args.out}", file=sys.stderr)
    if args.json:
        write(json.dumps(results, indent=1), args.json)
    return EXIT_OK
