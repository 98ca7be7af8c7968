"""Subcommands over evaluation results: leaderboard (a ranked benchmark table) and compare
(models side by side). Both are thin layers over named queries in ``queries/results/``."""

from __future__ import annotations

import argparse

from mmkg.choices import COMPARE_FORMATS, TABLE_FORMATS
from mmkg.cli.common import EPILOG, EXIT_OK, parse_size, write
from mmkg.errors import InputError, UnknownNameError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leaderboard", help="ranked results on a benchmark, with variant, size, date and source",
                       epilog=EPILOG)
    p.add_argument("benchmark", help="a benchmark name (MMMU, MMBench, COCO, Flickr30K, ...)")
    p.add_argument("--metric", help="only this metric (accuracy, recall-at-1, cider, ...)")
    p.add_argument("--split", help="only this split, as printed ('val', 'en dev', 'Karpathy test')")
    p.add_argument("--setting", help="only this setting (zero-shot, generalist, fine-tuned, few-shot)")
    p.add_argument("--max-params", type=parse_size, help="only checkpoints of at most this size (10B, 350M)")
    p.add_argument("--since", type=int, help="only models first released in or after this year")
    p.add_argument("--open-weights", action="store_true", help="only models whose weights are public")
    p.add_argument("-f", "--format", default="table", choices=list(TABLE_FORMATS), help="output format")
    p.add_argument("-o", "--out", help="write to FILE (atomically) instead of stdout")
    p.add_argument("--plot", metavar="FILE", help="also draw best value over time and value against size (.svg or .png)")
    p.set_defaults(func=cmd_leaderboard)

    c = sub.add_parser("compare", help="models side by side: modalities, components, data, sizes, licence, results",
                       epilog=EPILOG)
    c.add_argument("models", nargs="+", help="two or more model names")
    c.add_argument("-f", "--format", default="table", choices=list(COMPARE_FORMATS), help="output format")
    c.add_argument("-o", "--out", help="write to FILE (atomically) instead of stdout")
    c.set_defaults(func=cmd_compare)


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from mmkg.api import run_query
    from mmkg.formats import render

    params = {"benchmark": args.benchmark}
    for name, value in (("metric", args.metric), ("split", args.split), ("setting", args.setting),
                        ("maxParams", args.max_params), ("since", args.since)):
        if value is not None:
            params[name] = str(value)
    if args.open_weights:
        params["openWeights"] = "true"
    if args.split is not None:
        _known_split(args.benchmark, args.split)
    table = run_query("leaderboard", params=params)
    write(render(table, args.format), args.out)
    if args.plot:
        import sys

        from mmkg.plots import plot_leaderboard
        from mmkg.store import Table

        if not isinstance(table, Table):
            raise InputError("the leaderboard query did not give a table")
        metric = table.rows[0][table.variables.index("metric")] if table.rows else None
        lower = bool(metric is not None and run_query(f"ASK {{ <{metric.value}> mmkg:higherIsBetter false }}"))
        print(plot_leaderboard(table, args.plot, benchmark=args.benchmark, higher_is_better=not lower), file=sys.stderr)
    return EXIT_OK


def _known_split(benchmark: str, split: str) -> None:
    """Refuse a split no result on the benchmark is reported on, naming the nearest ones."""
    import difflib

    from mmkg.api import run_query
    from mmkg.store import Table

    table = run_query("splits", params={"benchmark": benchmark})
    assert isinstance(table, Table)
    known = [row[0].value for row in table.rows if row[0] is not None]
    if split.lower() not in {k.lower() for k in known}:
        raise UnknownNameError(f"split of {benchmark}", split,
                               difflib.get_close_matches(split, known, n=4, cutoff=0.4) or known[:4])


def cmd_compare(args: argparse.Namespace) -> int:
    from mmkg.comparison import compare

    if len(args.models) < 2:
        raise InputError("compare needs at least two models")
    write(compare(args.models).render(args.format), args.out)
    return EXIT_OK
