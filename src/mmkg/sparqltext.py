"""Binding parameters into SPARQL as a ``VALUES`` block of RDF terms.

Used where the engine cannot substitute a variable (a remote endpoint, or a SELECT that does
not project it). The block is built from RDF terms serialised by the RDF library, never from
raw user text, and placed first in the query's outermost WHERE group, where it restricts
every pattern of that group exactly as a binding does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

import pyoxigraph as ox

from mmkg.errors import InputError

_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_FORMS = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", re.IGNORECASE)


def _scan(text: str):
    """Yield (index, char) of characters outside comments, strings and IRIs."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            m = _IRI.match(text, i)
            if m:
                i = m.end()
                continue
        yield i, c
        i += 1


def where_group_start(text: str) -> int:
    """Index just after the ``{`` that opens the outermost WHERE group."""
    scanned = list(_scan(text))
    visible = "".join(c for _, c in scanned)
    positions = [i for i, _ in scanned]
    form = _FORMS.search(visible)
    if not form:
        raise InputError("cannot find the query form (SELECT, CONSTRUCT, ASK or DESCRIBE)")
    kind = form.group(1).upper()
    depth, opened = 0, 0
    after = visible[form.end():]
    short_construct = kind == "CONSTRUCT" and re.match(r"\s*WHERE\b", after, re.IGNORECASE)
    wanted = 2 if kind == "CONSTRUCT" and not short_construct else 1
    for k in range(form.end(), len(visible)):
        c = visible[k]
        if c == "{":
            if depth == 0:
                opened += 1
                if opened == wanted:
                    return positions[k] + 1
            depth += 1
        elif c == "}":
            depth -= 1
    raise InputError("cannot find the query's WHERE group")


def values_block(bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"invalid variable name {name!r}")
    terms = []
    for name in names:
        term = bindings[name]
        if isinstance(term, ox.BlankNode):
            raise InputError(f"parameter {name} cannot be a blank node")
        terms.append(str(term))
    return f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }} "


def inject_values(text: str, bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal]) -> str:
    """``text`` with the bindings as a VALUES block at the head of its WHERE group."""
    if not bindings:
        return text
    return _inject(text, tuple(sorted(bindings.items(), key=lambda kv: kv[0])))


@functools.lru_cache(maxsize=1024)
def _inject(text: str, items: tuple[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal], ...]) -> str:
    """The work of inject_values, remembered: the same named query with the same parameters
    is asked again and again."""
    bindings = dict(items)
    at = where_group_start(text)
    return text[:at] + values_block(bindings) + text[at:]
