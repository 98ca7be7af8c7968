"""Subcommands over the source files: build, check, reason, fmt."""

from __future__ import annotations

import argparse
from pathlib import Path

from mmkg.cli.common import EPILOG, EXIT_OK, EXIT_VIOLATIONS, progress


def register(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("build", help="build, reason and validate the graph into build/", epilog=EPILOG)
    b.add_argument("--graph", type=Path, help="graph folder (default: graph/)")
    b.add_argument("--out", type=Path, help="build folder (default: build/, or $MMKG_BUILD)")
    b.add_argument("--no-reason", action="store_true", help="skip the OWL reasoner")
    b.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="run the integrity rules and SHACL shapes; exit 1 on violations", epilog=EPILOG)
    c.add_argument("--graph", type=Path, help="graph folder (default: graph/)")
    c.add_argument("--reason", action="store_true", help="also run the reasoner (consistency)")
    c.add_argument("--no-format", action="store_true", help="skip the canonical-form check")
    c.set_defaults(func=cmd_check)

    r = sub.add_parser("reason", help="run HermiT: consistency and inferred classes", epilog=EPILOG)
    r.add_argument("--graph", type=Path, help="graph folder (default: graph/)")
    r.set_defaults(func=cmd_reason)

    f = sub.add_parser("fmt", help="rewrite Turtle files in canonical form", epilog=EPILOG)
    f.add_argument("files", nargs="*", help="files (default: every ontology and graph file)")
    f.add_argument("--check", action="store_true", help="only report files that are not canonical (exit 1)")
    f.set_defaults(func=cmd_fmt)


def cmd_build(args: argparse.Namespace) -> int:
    from mmkg.builder import build, up_to_date

    if not args.force:
        run = up_to_date(out=args.out, graph=args.graph, reason=not args.no_reason)
        if run is not None:
            print(f"up to date: {run} (inputs unchanged; --force rebuilds)")
            return EXIT_OK
    report = build(graph=args.graph, out=args.out, reason=not args.no_reason, progress=None if args.quiet else progress)
    print(f"built {report.triples} triples from {report.files} files into {report.run_dir}")
    state = ("consistent" if report.consistent else
             "INCONSISTENT: " + report.inconsistency if report.consistent is False else "skipped")
    how = "answer reused: the reasoner's input is unchanged" if report.reasoning_cached else f"{report.timings.get('reason', 0):.1f}s"
    print(f"reasoner: {state} ({report.inferred_types} inferred types, {how})")
    print("entities per class:")
    for name, n in report.entities:
        print(f"  {name:<40} {n}")
    print("edges per kind:")
    for name, n in report.edges:
        print(f"  {name:<40} {n}")
    print(f"violations: {len(report.violations)}")
    for v in report.violations[:50]:
        print(f"  {v.line()}")
    if len(report.violations) > 50:
        print(f"  ... and {len(report.violations) - 50} more ('mmkg check' lists all)")
    stages = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items() if k != "total")
    print(f"took {report.timings.get('total', 0):.1f}s ({stages})")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def cmd_check(args: argparse.Namespace) -> int:
    import sys

    from mmkg.api import check

    report = check(graph=args.graph, reason=args.reason, canonical=not args.no_format)
    for v in report.violations:
        print(v.line())
    print(f"{len(report.violations)} violation{'s' if len(report.violations) != 1 else ''}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def cmd_reason(args: argparse.Namespace) -> int:
    from mmkg.builder import assemble
    from mmkg.resources import build_query, source_files
    from mmkg.store import Table

    store, report = assemble(source_files(args.graph), reason=True, validate=False, progress=None)
    if report.consistent is False:
        print(f"inconsistent: {report.inconsistency}")
        return EXIT_VIOLATIONS
    print(f"consistent; {report.inferred_types} inferred types in {report.timings.get('reason', 0):.2f}s")
    table = store.query(build_query("defined-classes"))
    assert isinstance(table, Table)
    for label, n in table.rows:
        print(f"  {label.value if label else '?':<40} {n.value if n else 0}")
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from mmkg.atomic import write_text
    from mmkg.resources import source_files
    from mmkg.turtle import canonical_text, known_canonical

    paths = [Path(p) for p in args.files] or source_files()
    known = known_canonical()
    changed = 0
    try:
        for path in paths:
            text, wanted = canonical_text(path, known)
            if wanted != text:
                changed += 1
                if args.check:
                    print(f"{path}: not canonical")
                else:
                    write_text(path, wanted)
                    known.add(wanted)
                    print(f"formatted {path}")
    finally:
        known.save()
    if args.check and changed:
        return EXIT_VIOLATIONS
    return EXIT_OK
