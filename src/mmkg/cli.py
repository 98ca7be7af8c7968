"""The ``mmkg`` command line: a thin layer over the API.

Exit codes: 0 ok; 1 violations found (check, build, reason); 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from mmkg.errors import MmkgError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
EPILOG = "exit codes: 0 ok, 1 violations found, 2 usage or input error"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def _params(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        if "=" not in item:
            raise MmkgError(f"--param takes NAME=VALUE, not {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _write(text: str, out: str | None) -> None:
    if out and out != "-":
        from mmkg.atomic import write_text

        write_text(out, text)
    else:
        sys.stdout.write(text)


def cmd_build(args: argparse.Namespace) -> int:
    from mmkg.build import build

    report = build(graph=args.graph, out=args.out, reason=not args.no_reason, progress=None if args.quiet else _progress)
    print(f"built {report.triples} triples from {report.files} files into {report.run_dir}")
    print(f"reasoner: {'consistent' if report.consistent else 'INCONSISTENT: ' + report.inconsistency if report.consistent is False else 'skipped'}"
          f" ({report.inferred_types} inferred types, {report.timings.get('reason', 0):.1f}s)")
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
    print(f"took {report.timings.get('total', 0):.1f}s")
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cmd_check(args: argparse.Namespace) -> int:
    from mmkg.api import check

    report = check(graph=args.graph, reason=args.reason, canonical=not args.no_format)
    for v in report.violations:
        print(v.line())
    print(f"{len(report.violations)} violation{'s' if len(report.violations) != 1 else ''}", file=sys.stderr)
    return EXIT_OK if report.ok else EXIT_VIOLATIONS


def cmd_reason(args: argparse.Namespace) -> int:
    from mmkg.build import assemble
    from mmkg.resources import source_files

    store, report = assemble(source_files(args.graph), reason=True, validate=False, progress=None)
    if report.consistent is False:
        print(f"inconsistent: {report.inconsistency}")
        return EXIT_VIOLATIONS
    print(f"consistent; {report.inferred_types} inferred types in {report.timings.get('reason', 0):.2f}s")
    from mmkg.store import Table

    table = store.query(_defined_counts())
    assert isinstance(table, Table)
    for label, n in table.rows:
        print(f"  {label.value if label else '?':<40} {n.value if n else 0}")
    return EXIT_OK


def _defined_counts() -> str:
    from mmkg.resources import build_query

    return build_query("defined-classes")


def cmd_query(args: argparse.Namespace) -> int:
    from mmkg.api import named_queries, query
    from mmkg.formats import render

    if args.list:
        for q in named_queries():
            params = " ".join(f"{p.name}=<{p.kind}>" for p in q.params)
            print(f"{q.group:<12} {q.name:<34} {q.title}{'  [' + params + ']' if params else ''}")
        return EXIT_OK
    if not args.query:
        raise MmkgError("give a query: a named query, a .rq file, or SPARQL text ('mmkg query --list' shows names)")
    text = args.query
    if text == "-":
        text = sys.stdin.read()
    result = query(text, params=_params(args.param), endpoint=args.endpoint, timeout=args.timeout)
    _write(render(result, args.format), args.out)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from mmkg.api import show

    sys.stdout.write(show(args.name, kind=args.kind, endpoint=args.endpoint).text())
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from mmkg.api import stats

    sys.stdout.write(stats(endpoint=args.endpoint).text())
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from mmkg.atomic import write_text
    from mmkg.resources import source_files
    from mmkg.turtle import canonical_file

    paths = [Path(p) for p in args.files] or source_files()
    changed = 0
    for path in paths:
        text = canonical_file(path)
        if path.read_text(encoding="utf-8") != text:
            changed += 1
            if args.check:
                print(f"{path}: not canonical")
            else:
                write_text(path, text)
                print(f"formatted {path}")
    if args.check and changed:
        return EXIT_VIOLATIONS
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="mmkg", description="Knowledge graph of large-scale multi-modal pre-trained models.", epilog=EPILOG)
    from mmkg import __version__

    p.add_argument("--version", action="version", version=f"mmkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    b = sub.add_parser("build", help="build, reason and validate the graph into build/", epilog=EPILOG)
    b.add_argument("--graph", type=Path, help="graph folder (default: graph/)")
    b.add_argument("--out", type=Path, help="build folder (default: build/)")
    b.add_argument("--no-reason", action="store_true", help="skip the OWL reasoner")
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

    q = sub.add_parser("query", help="run a named query, a .rq file or SPARQL text", epilog=EPILOG)
    q.add_argument("query", nargs="?", help="query name, .rq file, SPARQL text, or - for stdin")
    q.add_argument("--list", action="store_true", help="list the named queries")
    q.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    q.add_argument("-f", "--format", default="table",
                   choices=["table", "csv", "tsv", "json", "xml", "md", "ttl", "nt", "jsonld", "rdfxml"])
    q.add_argument("-o", "--out", help="write to FILE (atomically) instead of stdout")
    q.add_argument("--endpoint", help="run against a SPARQL 1.1 endpoint URL instead of the built graph")
    q.add_argument("--timeout", type=bounded(float, 0.001), default=None, help="seconds to wait for a remote endpoint")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("show", help="a readable card of one model or other entity, with sources", epilog=EPILOG)
    s.add_argument("name", help="a name, slug, prefixed name or IRI")
    s.add_argument("--kind", default="entity", choices=["entity", "model", "paper", "dataset", "objective", "task"])
    s.add_argument("--endpoint", help="use a SPARQL endpoint instead of the built graph")
    s.set_defaults(func=cmd_show)

    st = sub.add_parser("stats", help="counts per class and completeness per property", epilog=EPILOG)
    st.add_argument("--endpoint", help="use a SPARQL endpoint instead of the built graph")
    st.set_defaults(func=cmd_stats)

    f = sub.add_parser("fmt", help="rewrite Turtle files in canonical form", epilog=EPILOG)
    f.add_argument("files", nargs="*", help="files (default: every ontology and graph file)")
    f.add_argument("--check", action="store_true", help="only report files that are not canonical (exit 1)")
    f.set_defaults(func=cmd_fmt)

    for extra in _EXTENSIONS:
        extra(sub)
    return p


_EXTENSIONS: list = []


def bounded(kind: type, low: float, high: float | None = None):  # type: ignore[no-untyped-def]
    """An argparse type: a number of ``kind`` within [low, high], else a one-line usage error."""

    def parse(text: str):  # type: ignore[no-untyped-def]
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value < low or (high is not None and value > high):
            span = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {span}")
        return value

    parse.__name__ = kind.__name__
    return parse


def extension(func):  # type: ignore[no-untyped-def]
    """Register a function that adds a subcommand (used by optional modules)."""
    _EXTENSIONS.append(func)
    return func


def main(argv: Sequence[str] | None = None) -> int:
    import importlib

    for module in ("mmkg.cli_more", "mmkg.cli_results"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
    args = parser().parse_args(argv)
    try:
        code = int(args.func(args))
        sys.stdout.flush()
        return code
    except MmkgError as err:
        return _fail(str(err), err.exit_code)
    except KeyboardInterrupt:
        print("mmkg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except RecursionError:
        return _fail("the input nests too deeply to process")
    except MemoryError:
        return _fail("out of memory")
    except UnicodeError as err:
        return _fail(f"cannot decode the input: {err}")
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        return _fail(f"{where}{err.strerror or err}")


def _fail(message: str, code: int = 2) -> int:
    """One line on stderr; standard output is dropped if it can no longer be written."""
    try:
        sys.stdout.flush()
    except OSError:
        pass
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more may reach a broken stdout
    except OSError:
        pass
    print(f"mmkg: error: {message}", file=sys.stderr)
    return code


