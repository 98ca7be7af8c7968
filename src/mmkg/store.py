"""The embedded SPARQL store: the one module that knows the engine (pyoxigraph)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from mmkg.errors import InputError
from mmkg.guard import check_nesting
from mmkg.namespaces import PREFIXES
from mmkg.sparqltext import inject_values

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class Table:
    """Rows of a SELECT; each row a tuple of terms or ``None`` for unbound."""

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)

    def column(self, name: str) -> list[Term | None]:
        i = self.variables.index(name)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict[str, Term | None]]:
        return [dict(zip(self.variables, row, strict=True)) for row in self.rows]


Result = Table | bool | list[ox.Triple]


class Store:
    """A SPARQL store held in memory or on disk."""

    def __init__(self, inner: ox.Store, *, in_memory: bool = False) -> None:
        self._inner = inner
        self._in_memory = in_memory
        self.saved_names: Path | None = None

    @classmethod
    def memory(cls) -> Store:
        return cls(ox.Store(), in_memory=True)

    @classmethod
    def create(cls, path: Path) -> Store:
        return cls(ox.Store(str(path)))

    @classmethod
    def open(cls, path: Path) -> Store:
        try:
            store = cls(ox.Store.read_only(str(path)))
        except (OSError, RuntimeError, ValueError) as err:
            raise InputError(f"cannot open the store at {path}: {err}; run 'mmkg build'") from None
        store.saved_names = path.parent / "names.json"  # the name index the build wrote beside it
        return store

    @property
    def engine(self) -> ox.Store:
        """The pyoxigraph store underneath (for code that speaks to the engine directly)."""
        return self._inner

    def load(self, data: bytes, *, fmt: str = "nt", graph: str | None = None, trusted: bool = False) -> None:
        """Add ``data``. ``trusted``: the data was written by this engine from terms it had checked
        (a build's own N-Triples), so the parser skips checking each IRI and literal again."""
        rdf = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[fmt]
        to = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        self._changed()
        self._add(data, format=rdf, to_graph=to, lenient=trusted)

    def load_file(self, path: Path, *, trusted: bool = False) -> None:
        """Add the triples of a Turtle or N-Triples file (``trusted``: as for ``load``)."""
        fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
        self._changed()
        self._add(path=str(path), format=fmt, base_iri=path.resolve().as_uri(), lenient=trusted)

    def _add(self, *args: Any, **kwargs: Any) -> None:
        """Parse into the store. In memory, in one transaction: the bulk loader's set-up for each
        call cost more than it saved on the graph's 1,500 small files (0.96 s against 0.67 s of
        processor time to read them all), and on a single file of a million triples it took as long
        and half as much memory again (541 MB against 357 MB). On disk, the bulk loader, which writes
        each index as sorted files."""
        (self._inner.load if self._in_memory else self._inner.bulk_load)(*args, **kwargs)

    def copy_from(self, other: Store) -> None:
        """Add every quad of ``other``, engine to engine (no serialising and parsing)."""
        self._changed()
        self._inner.bulk_extend(other._inner.quads_for_pattern(None, None, None))

    def add(self, triples: Iterable[ox.Triple]) -> None:
        self._changed()
        self._inner.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)

    def update(self, text: str) -> None:
        """Run a SPARQL update inside the engine (the build's own derivations; never user input)."""
        self._changed()
        self._inner.update(text)

    def __len__(self) -> int:
        return len(self._inner)

    def triples(self) -> Iterable[ox.Triple]:
        for q in self._inner.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield q.triple

    def flush(self) -> None:
        self._inner.flush()

    def _changed(self) -> None:
        """The data changed: a name index built or saved for it no longer describes it."""
        self.__dict__.pop("_name_index", None)
        self.saved_names = None

    def optimize(self) -> None:
        self._inner.optimize()

    def dump(self, fmt: str) -> bytes:
        rdf = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[fmt]
        kwargs: dict[str, Any] = {"from_graph": ox.DefaultGraph()}
        if fmt == "ttl":
            kwargs["prefixes"] = PREFIXES
        return self._inner.dump(format=rdf, **kwargs) or b""

    def query(self, text: str, bindings: Mapping[str, Term] | None = None, *, timeout: float | None = None) -> Result:
        """Run a SPARQL query. ``bindings`` are RDF terms given to the query as inline data (a
        VALUES block of their N-Triples forms, never raw text): the engine then plans the query
        around them, where bound-variable substitution left some queries a hundred times slower."""
        return materialise(self.run(text, bindings))

    def run(self, text: str, bindings: Mapping[str, Term] | None = None) -> Any:
        """The engine's own answer to a query (solutions, a boolean or triples, not yet read), for
        callers that hand it to the engine's serialisers; ``query`` reads it into Python values."""
        check_nesting(text)
        if bindings:
            text = inject_values(text, bindings)
        try:
            return self._inner.query(text, prefixes=missing_prefixes(text))
        except SyntaxError as err:
            raise InputError(f"invalid query: {_position(text, err)}") from None
        except (RuntimeError, OSError) as err:
            raise InputError(f"query failed: {err}") from None


def materialise(res: Any) -> Result:
    if isinstance(res, ox.QueryBoolean):
        return bool(res)
    if isinstance(res, ox.QuerySolutions):
        return Table([v.value for v in res.variables], list(map(tuple, res)))
    return list(res)


@functools.lru_cache(maxsize=512)
def missing_prefixes(text: str) -> dict[str, str] | None:
    """The project prefixes a query uses without declaring them (parsing all of them on every
    query costs more than many queries take)."""
    declared = {m.group(1) for m in re.finditer(r"PREFIX\s+([A-Za-z][\w-]*)?\s*:", text, re.IGNORECASE)}
    used = {p for p in PREFIXES if p not in declared and f"{p}:" in text}
    return {p: PREFIXES[p] for p in used} or None


def _position(text: str, err: SyntaxError) -> str:
    msg = str(err.msg if hasattr(err, "msg") else err)
    found = re.search(r"error at (\d+):(\d+): (.*)", msg)
    if found:
        line, col, detail = int(found.group(1)), int(found.group(2)), found.group(3)
        src_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        return f"line {line}, column {col}: {detail} (near {src_line.strip()[:60]!r})"
    return msg


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def literal(value: str | int | float | bool) -> ox.Literal:
    return ox.Literal(value)


def to_rdflib(triples: Iterable[ox.Triple]) -> Any:
    """An rdflib graph holding ``triples`` (for serialisers, SHACL and the reasoner)."""
    from rdflib import Graph

    graph = Graph()
    memo: dict[Any, Any] = {}  # the same term recurs thousands of times; convert it once

    def rd(term: Any) -> Any:
        found = memo.get(term)
        if found is None:
            found = memo[term] = _rd(term)
        return found

    graph.addN((rd(t.subject), rd(t.predicate), rd(t.object), graph) for t in triples)
    return graph


def from_rdflib(graph: Any) -> list[ox.Triple]:
    return [ox.Triple(_ox(s), _ox(p), _ox(o)) for s, p, o in graph]


def _rd(term: Any) -> Any:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _ox(term: Any) -> Any:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        dt = term.datatype or "http://www.w3.org/2001/XMLSchema#string"
        return ox.Literal(str(term), datatype=ox.NamedNode(str(dt)))
    raise TypeError(term)
