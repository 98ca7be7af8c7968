"""Errors with the exit codes the CLI documents.

Exit codes: 0 ok, 1 violations found, 2 usage or input error.
"""

from __future__ import annotations


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
