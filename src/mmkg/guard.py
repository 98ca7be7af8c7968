"""What a query sent to the endpoint may do: how deeply it may nest and which services it may
reach.

SERVICE allow-listing is decided on a parsed query, not on a re-lexed one. The text is first
unescaped as SPARQL requires (``\\uXXXX`` and ``\\UXXXXXXXX`` anywhere in the query), then
parsed by a full SPARQL 1.1 grammar (rdflib's) whose algebra names every SERVICE with its
resolved IRI. The check fails closed: a query that mentions the keyword in any spelling the
engine could read as SERVICE, but that the grammar cannot account for, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from mmkg.errors import InputError

MAX_NESTING = 64

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# the keyword where the engine could read it: after a separator, before a target
@lru_cache(maxsize=1)
def _keyword() -> re.Pattern[str]:
    """The SERVICE keyword before an IRI, variable or prefixed name (compiled on first use:
    its Unicode classes cost tens of milliseconds)."""
    return re.compile(r"(?i)(?<![\w:])service(?:\s+silent)?\s*(?:<|\?|\$|[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*:|:)")


class QueryRefused(InputError):
    """The query does something this endpoint does not allow."""


def unescape(text: str) -> str:
    """The query with SPARQL's codepoint escapes replaced, as a SPARQL parser sees it."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _ESCAPE.sub(one, text)


@lru_cache(maxsize=512)
def nesting(text: str) -> int:
    """Deepest nesting of ``{ ( [`` in the text (strings included: a conservative bound);
    remembered per text, since the same named queries run again and again."""
    depth = deepest = 0
    for c in text:
        if c in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "})]":
            depth = max(0, depth - 1)
    return deepest


def check_nesting(text: str, *, limit: int = MAX_NESTING) -> None:
    deepest = nesting(text)
    if deepest > limit:
        raise InputError(f"the query nests {deepest} levels deep; at most {limit} are allowed")


@lru_cache(maxsize=512)
def service_targets(text: str) -> tuple[str, ...]:
    """The IRIs (or ``?variables``) of every SERVICE clause in the query.

    Raises QueryRefused when the query may contain SERVICE but cannot be parsed to say where.
    """
    plain = unescape(text)
    if "service" not in text.lower() and "service" not in plain.lower():
        return ()
    check_nesting(plain)
    try:
        from rdflib.plugins.sparql.algebra import translateQuery
        from rdflib.plugins.sparql.parser import parseQuery

        from mmkg.store import missing_prefixes

        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (missing_prefixes(plain) or {}).items())
        algebra = translateQuery(parseQuery(prologue + plain)).algebra
    except Exception as err:  # noqa: BLE001 - any failure to account for SERVICE refuses the query
        raise QueryRefused(
            "the query mentions SERVICE and could not be parsed to tell which services it calls "
            f"({type(err).__name__}); federated calls are refused unless allowed") from None
    found = tuple(sorted({_term(node.get("term")) for node in _services(algebra)}))
    if not found and (_keyword().search(text) or _keyword().search(plain)):
        raise QueryRefused("the query spells SERVICE in a way the parser does not read as a clause; refused")
    return found


def refuse_services(text: str, allowed: Iterable[str]) -> None:
    """Raise QueryRefused unless every SERVICE the query calls is in ``allowed``."""
    allow = set(allowed)
    for target in service_targets(text):
        if target not in allow:
            raise QueryRefused(f"federated SERVICE calls are not allowed here ({target})")


def _term(term: object) -> str:
    from rdflib.term import URIRef, Variable

    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Variable):
        return "?" + str(term)
    return repr(term)


def _services(node: object) -> Iterable:
    from rdflib.plugins.sparql.parserutils import CompValue

    seen: set[int] = set()
    stack = [node]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, CompValue):
            if x.name == "ServiceGraphPattern":
                yield x
            stack.extend(x.values())
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, set)) or type(x).__name__ == "ParseResults":
            stack.extend(x)  # type: ignore[arg-type]  # a pyparsing ParseResults iterates
