"""Where the project's data files live: the one resolver for ontology, graph and query files."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from mmkg.errors import InputError


@cache
def root() -> Path:
    """Where ontology/, graph/ and queries/ are: ``$MMKG_ROOT``, else the checkout this
    package sits in (an editable install), else the data the installed package carries."""
    env = os.environ.get("MMKG_ROOT")
    if env:
        found = Path(env).resolve()
        if not (found / "ontology" / "mmkg.ttl").is_file():
            raise InputError(f"MMKG_ROOT={env} holds no ontology/mmkg.ttl; point it at a checkout of mmkg")
        return found
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "ontology" / "mmkg.ttl").is_file() and (parent / "pyproject.toml").is_file():
            return parent
    packaged = here.parent / "data"
    if (packaged / "ontology" / "mmkg.ttl").is_file():
        return packaged
    raise InputError("cannot find the mmkg data (ontology/mmkg.ttl); reinstall mmkg or set MMKG_ROOT to a checkout")


def packaged() -> bool:
    """True when the data is the copy inside the installed package (not a checkout)."""
    return root() == (Path(__file__).resolve().parent / "data")


def ontology_dir() -> Path:
    return root() / "ontology"


def graph_dir() -> Path:
    return root() / "graph"


def queries_dir() -> Path:
    return root() / "queries"


def build_dir() -> Path:
    """``$MMKG_BUILD``, else ``build/`` of the checkout, else a per-user cache for an
    installed package (``$XDG_CACHE_HOME/mmkg/<version>``, by default ``~/.cache/mmkg/...``)."""
    env = os.environ.get("MMKG_BUILD")
    if env:
        return Path(env).resolve()
    if not packaged():
        return root() / "build"
    from mmkg import __version__

    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).resolve() / "mmkg" / __version__


def source_files(graph: Path | None = None, ontology: Path | None = None) -> list[Path]:
    """Every Turtle file a build reads, ontology first, in a stable order."""
    onto = (ontology or ontology_dir()).resolve()
    data = (graph or graph_dir()).resolve()
    if not data.is_dir():
        raise InputError(f"no graph folder {data}")
    files = [onto / "mmkg.ttl"]
    # ordered as paths order (by their parts), compared as tuples of strings: ten times cheaper
    # than comparing the path objects themselves, which a cold query pays on 1,700 files
    files += sorted((p for p in data.rglob("*.ttl") if not p.name.startswith("_")), key=lambda p: p.parts)
    return files


def build_query(name: str) -> str:
    """The text of a query the tool itself runs (``queries/build/NAME.rq``)."""
    return (queries_dir() / "build" / f"{name}.rq").read_text(encoding="utf-8")


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"


def query_file(name: str, *, folder: str = "") -> Path:
    """The file of a named query; names can never reach outside ``queries/``."""
    base = (queries_dir() / folder).resolve()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise InputError(f"invalid query name {name!r}")
    path = (base / f"{name}.rq").resolve()
    if base not in path.parents:
        raise InputError(f"invalid query name {name!r}")
    return path
