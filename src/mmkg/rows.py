"""Query results as plain Python values, for notebooks and scripts.

``mmkg.query()`` returns :class:`Rows`: IRIs become prefixed names (or the IRI where no
prefix fits), typed literals become ``int``, ``float``, ``bool``, ``datetime.date`` or
``str``, unbound cells ``None``. The engine's terms stay reachable as ``.terms``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Value = str | int | float | bool | dt.date | None

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {f"{XSD}{t}" for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                  "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong",
                                  "unsignedShort", "unsignedByte", "gYear")}
_FLOATS = {f"{XSD}{t}" for t in ("decimal", "double", "float")}


def plain(term: Any) -> Value:
    """The Python value of one RDF term (``None`` stays ``None``)."""
    if term is None:
        return None
    import pyoxigraph as ox

    from mmkg.namespaces import shorten

    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        kind, text = term.datatype.value, term.value
        try:
            if kind in _INTEGERS:
                return int(text)
            if kind in _FLOATS:
                return float(text)
            if kind == f"{XSD}boolean":
                return text.strip() in ("true", "1")
            if kind == f"{XSD}date":
                return dt.date.fromisoformat(text)
        except ValueError:
            return text
        return text
    return str(term)


@dataclass
class Rows:
    """The rows of a SELECT (or the triples of a CONSTRUCT as subject/predicate/object)."""

    columns: list[str]
    rows: list[tuple[Value, ...]] = field(default_factory=list)
    terms: Any = None

    @classmethod
    def of(cls, result: Any) -> Rows | bool:
        from mmkg.store import Table

        if isinstance(result, bool):
            return result
        if isinstance(result, Table):
            return cls(list(result.variables), [tuple(plain(t) for t in row) for row in result.rows], result)
        triples = list(result)
        return cls(["subject", "predicate", "object"],
                   [(plain(t.subject), plain(t.predicate), plain(t.object)) for t in triples], triples)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Value, ...]]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> tuple[Value, ...]:
        return self.rows[index]

    def column(self, name: str) -> list[Value]:
        if name not in self.columns:
            raise KeyError(f"no column {name!r}; columns: {', '.join(self.columns)}")
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def to_dicts(self) -> list[dict[str, Value]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` (needs the ``pandas`` extra: ``pip install mmkg[pandas]``)."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            from mmkg.errors import EnvironmentProblem

            raise EnvironmentProblem("to_pandas() needs pandas: pip install 'mmkg[pandas]'") from None
        return pd.DataFrame.from_records(self.rows, columns=self.columns)

    def __repr__(self) -> str:
        shown = ", ".join(self.columns[:6]) + (", ..." if len(self.columns) > 6 else "")
        return f"<Rows: {len(self.rows)} row{'s' if len(self.rows) != 1 else ''} × {len(self.columns)} ({shown})>"

    def _repr_html_(self, limit: int = 50) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
                       for row in self.rows[:limit])
        more = f"<p>{len(self.rows) - limit} more rows</p>" if len(self.rows) > limit else ""
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
