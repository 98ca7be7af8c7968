"""The named query library: ``queries/<group>/<name>.rq`` files with a documented header.

Header lines (comments at the top of the file)::

    # title: Ancestors of a model
    # description: Every model the given model builds on, directly or not.
    # param: model (model): the model to start from
    # param: year (integer, optional): ...
    # row: one row per ancestor ...

Parameters are bound as RDF terms (SPARQL substitution), never pasted into the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from mmkg.errors import InputError
from mmkg.resources import queries_dir

INTERNAL = {"build", "checks"}
PARAM_KINDS = ("model", "paper", "dataset", "objective", "task", "entity", "iri", "string", "integer")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?P<kind>[a-z]+)(?P<opt>,\s*optional)?\)\s*:\s*(?P<doc>.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    optional: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    group: str
    path: Path
    title: str
    description: str
    rows: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def form(self) -> str:
        """SELECT, CONSTRUCT, ASK or DESCRIBE."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith(("#", "PREFIX", "prefix")))
        found = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
        return found.group(1).upper() if found else "SELECT"


def parse_header(path: Path) -> NamedQuery:
    fields: dict[str, list[str]] = {}
    params: list[Param] = []
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        content = line[1:]
        found = re.match(r"^\s*(title|description|param|row)\s*:\s*(.*)$", content)
        if found:
            key, value = found.group(1), found.group(2).strip()
            if key == "param":
                m = _PARAM.match(value)
                if not m or m.group("kind") not in PARAM_KINDS:
                    raise InputError(f"{path}: bad param header {value!r}")
                params.append(Param(m.group("name"), m.group("kind"), bool(m.group("opt")), m.group("doc")))
                key = None
            else:
                fields.setdefault(key, []).append(value)
        elif key and content.startswith("   "):
            fields[key].append(content.strip())
    title = " ".join(fields.get("title", []))
    if not title:
        raise InputError(f"{path}: the header has no '# title:' line")
    return NamedQuery(
        name=path.stem,
        group=path.parent.name,
        path=path,
        title=title,
        description=" ".join(fields.get("description", [])),
        rows=" ".join(fields.get("row", [])),
        params=tuple(params),
    )


@cache
def _library(root: Path) -> dict[str, NamedQuery]:
    out: dict[str, NamedQuery] = {}
    for path in sorted(root.glob("*/*.rq")):
        if path.parent.name in INTERNAL:
            continue
        q = parse_header(path)
        if q.name in out:
            raise InputError(f"two named queries are called {q.name!r}: {out[q.name].path} and {path}")
        out[q.name] = q
    return out


def library() -> dict[str, NamedQuery]:
    """Every named query by name."""
    return _library(queries_dir().resolve())


def get(name: str) -> NamedQuery:
    lib = library()
    if name in lib:
        return lib[name]
    raise InputError(f"unknown named query {name!r}; {near_names(name)}")


def near_names(name: str) -> str:
    """The hint for a name that is not a named query: the nearest names, or where to list them."""
    import difflib

    near = difflib.get_close_matches(name, list(library()), n=5, cutoff=0.4)
    return f"did you mean {', '.join(near)}?" if near else "'mmkg query --list' shows them all"


def looks_like_name(text: str) -> bool:
    return re.fullmatch(r"[a-z0-9][a-z0-9-]*", text) is not None
