"""What every group of subcommands shares: exit codes, the one-line parser, argument types,
parameter parsing and atomic output. Imports nothing heavy."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from mmkg.errors import MmkgError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
EPILOG = "exit codes: 0 ok, 1 violations found, 2 usage or input error"

Subparsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2; defaults show in --help."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.ArgumentDefaultsHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_ERROR)


def params(values: list[str]) -> dict[str, str]:
    """``["model=CLIP", "n=5"]`` -> ``{"model": "CLIP", "n": "5"}``."""
    out = {}
    for item in values:
        if "=" not in item:
            raise MmkgError(f"--param takes NAME=VALUE, not {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def write(text: str, out: str | None) -> None:
    """Text to ``out`` (atomically) or to standard output when ``out`` is empty or ``-``."""
    if out and out != "-":
        from mmkg.atomic import write_text

        write_text(out, text)
    else:
        sys.stdout.write(text)


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def bounded(kind: Callable[[str], Any], low: float, high: float | None = None) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` within [low, high], else a one-line usage error."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value != value or value < low or (high is not None and value > high):
            span = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: must be {span}")
        return value

    parse.__name__ = getattr(kind, "__name__", "number")
    return parse


def parse_size(text: str) -> int:
    """An argparse type for sizes: ``10B``, ``350M``, ``1.5B`` or a plain integer."""
    from mmkg.sizes import parse_size as parse

    try:
        return parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
