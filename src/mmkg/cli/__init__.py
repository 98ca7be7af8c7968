"""The ``mmkg`` command line: a thin layer over the API, one module per group of verbs.

Exit codes: 0 ok; 1 violations found (check, build, reason); 2 usage or input error.
Building the parser imports only these modules and the standard library; each verb imports
what it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from mmkg.cli import core, curation, exporting, linking, querying, results, serving
from mmkg.cli.common import EPILOG, EXIT_ERROR, EXIT_OK, Parser
from mmkg.errors import MmkgError

GROUPS = (core, querying, results, serving, exporting, curation, linking)


def parser() -> Parser:
    from mmkg import __version__

    p = Parser(prog="mmkg", description="Knowledge graph of large-scale multi-modal pre-trained models.", epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"mmkg {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
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


def _fail(message: str, code: int = EXIT_ERROR) -> int:
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
