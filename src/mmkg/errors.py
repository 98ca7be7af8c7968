"""Errors with the exit codes the CLI documents.

Exit codes: 0 ok, 1 violations found, 2 usage or input error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class MmkgError(Exception):
    """A failure the user can act on; ``str(err)`` is a one-line message."""

    exit_code = 2


class InputError(MmkgError):
    """Bad input: a file that does not parse, an unknown name, a bad query."""


class UnknownNameError(InputError):
    """A name that matches no entity; carries the nearest names."""

    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")
        self.name = name
        self.suggestions = suggestions


class RemoteError(MmkgError):
    """A remote SPARQL endpoint could not be used."""


class EnvironmentProblem(MmkgError):
    """Something the machine lacks (Java, a browser)."""


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Report a file that cannot be read or parsed in the block as one ``InputError`` line:
    ``path:line:column: Turtle syntax error: ...`` or ``path: cannot read: ...``."""
    try:
        yield
    except SyntaxError as err:
        raise InputError(_syntax_message(path, err)) from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read: {err}") from None


def _syntax_message(path: Path, err: SyntaxError) -> str:
    msg = err.msg or str(err)
    line, col = err.lineno, err.offset
    found = re.search(r"line (\d+) column (\d+)", msg)
    if found:
        line, col = int(found.group(1)), int(found.group(2))
    detail = re.sub(r"^Parser error between line \d+ column \d+ and line \d+ column \d+: ", "", msg)
    where = f"{path}:{line}:{col}" if line else str(path)
    return f"{where}: Turtle syntax error: {detail}"
