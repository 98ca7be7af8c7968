"""Binding parameters into SPARQL as a ``VALUES`` block of RDF terms.

Used where the engine cannot substitute a variable (a remote endpoint, or a SELECT that does
not project it). The block is built from RDF terms serialised by the RDF library, never from
raw user text, and placed first in the query's outermost WHERE group, where it restricts
every pattern of that group exactly as a binding does; and again first in each subquery that
projects a parameter where that cannot change the answer, since the engine answers a subquery
before joining it with anything outside.
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


def _visible(text: str) -> tuple[str, list[int]]:
    """The characters outside comments, strings and IRIs, and where each stands in ``text``."""
    scanned = list(_scan(text))
    return "".join(c for _, c in scanned), [i for i, _ in scanned]


def where_group_start(text: str) -> int:
    """Index just after the ``{`` that opens the outermost WHERE group."""
    visible, positions = _visible(text)
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
    inserts = [(at, values_block(bindings))]
    inserts += [(pos, values_block({k: bindings[k] for k in names})) for pos, names in _subquery_heads(text, set(bindings), at)]
    for pos, block in sorted(inserts, reverse=True):
        text = text[:pos] + block + text[pos:]
    return text


#: keywords before a group in whose solutions a variable of the enclosing group may still be
#: unbound when the group is evaluated: narrowing such a group to the parameter's value could
#: change which solutions it keeps or removes (a MINUS, an OPTIONAL, a NOT EXISTS)
# (an IRI after GRAPH or SERVICE is not in the scanned text, so the name is optional)
_NAME = r"(\s+[?$]?[\w-]*:?[\w-]*)?"
_GUARDED = re.compile(rf"(?<![?$\w:])(OPTIONAL|MINUS|EXISTS|GRAPH{_NAME}|SERVICE(\s+SILENT)?{_NAME})\s*$", re.IGNORECASE)
_VAR = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_SLICE = re.compile(r"\b(LIMIT|OFFSET)\b", re.IGNORECASE)


def _subquery_heads(text: str, names: set[str], start: int) -> list[tuple[int, set[str]]]:
    """Where to repeat the parameters' VALUES block inside subqueries: just after the ``{`` that
    opens the WHERE group of each subquery that projects a parameter as a plain variable, with the
    parameters it projects. The engine evaluates a subquery on its own and joins its answer with
    the parameters only afterwards, so a subquery over every result of every benchmark, asked
    about one benchmark, was evaluated for all of them.

    Restricting such a subquery to the parameter's value changes nothing: its solutions all meet
    the parameter's own VALUES block in a join. So a subquery qualifies only when it is joined
    (directly or through plain groups and UNION branches) into a group that qualifies, the
    outermost WHERE group qualifying for every parameter; never under OPTIONAL, MINUS, EXISTS,
    GRAPH or SERVICE; never when it binds the variable itself (``AS ?name``, which a VALUES block
    before it would make an error) or slices its answer (LIMIT, OFFSET). ``start`` is
    ``where_group_start(text)``."""
    visible, positions = _visible(text)
    heads: list[tuple[int, set[str]]] = []

    def group(k: int, allowed: set[str]) -> int:
        """Walk the group whose ``{`` is at ``k``; the index just past its ``}``."""
        i = k + 1
        while visible[i] != "}":
            if visible[i] != "{":
                i += 1
                continue
            guarded = bool(_GUARDED.search(visible[k:i]))
            inner = set() if guarded else allowed
            select = re.match(r"\s*SELECT\b", visible[i + 1:], re.IGNORECASE)
            i = subquery(i, i + 1 + select.end(), inner) if select else group(i, inner)
        return i + 1

    def subquery(k: int, head: int, allowed: set[str]) -> int:
        where = visible.index("{", head)
        close = _closing(visible, k)
        projection = re.sub(r"\b(WHERE|DISTINCT|REDUCED)\b", " ", visible[head:where], flags=re.IGNORECASE)
        plain = _plain_variables(projection)
        body = visible[where:close]
        projected = {n for n in (allowed if plain is None else allowed & plain)
                     if not re.search(rf"\bAS\s+[?$]{n}\b", body, re.IGNORECASE)}
        if _SLICE.search(visible[_closing(visible, where):close]):
            projected = set()
        if projected:
            heads.append((positions[where] + 1, projected))
        group(where, projected)
        return close + 1

    group(next(k for k, p in enumerate(positions) if p >= start) - 1, set(names))
    return heads


def _closing(visible: str, k: int) -> int:
    """The index of the ``}`` that closes the ``{`` at ``k``."""
    depth = 0
    for i in range(k, len(visible)):
        depth += {"{": 1, "}": -1}.get(visible[i], 0)
        if depth == 0:
            return i
    raise InputError("unbalanced braces in the query")


def _plain_variables(projection: str) -> set[str] | None:
    """The variables a SELECT clause projects as they are (None for ``*``), leaving out those it
    computes with ``(expression AS ?name)``."""
    depth, plain = 0, []
    for part in re.split(r"([()])", projection):
        if part in "()" and part:
            depth += 1 if part == "(" else -1
        elif depth == 0:
            if "*" in part:
                return None
            plain += _VAR.findall(part)
    return set(plain)
