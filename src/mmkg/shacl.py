"""SHACL Core shapes compiled to SPARQL and run on the store's own engine.

pySHACL walks an rdflib copy of the graph in Python; building that copy and walking it took
most of a build. Here each constraint of a shape becomes one SPARQL query over the store, so
validation runs at the engine's speed. The compiler knows the SHACL Core parts that shapes
are written with (targets, property shapes with a predicate path, cardinality, datatype,
class, node kind, value ranges, pattern, ``sh:or``) and refuses anything else with
``UnsupportedShape``, so that a shape it does not understand is never silently skipped: the
caller then validates with pySHACL. The tests run both engines on the real graph and on the
invalid fixtures and require the same results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"

_TARGETS = ("targetClass", "targetObjectsOf", "targetSubjectsOf", "targetNode")
_VALUE_KEYS = ("datatype", "class", "nodeKind", "minInclusive", "maxInclusive", "minExclusive",
               "maxExclusive", "pattern", "or")
_PROPERTY_KEYS = {"path", "minCount", "maxCount", "message", "flags", "name", "description", *_VALUE_KEYS}
_NODE_KEYS = {"property", "message", "name", "description", *_TARGETS}
_IGNORED = {f"{RDF}type", f"{RDFS}comment", f"{RDFS}label"}
# Lexical forms a well-formed literal of these datatypes has (XML Schema 1.1, Part 2).
_LEXICAL = {
    f"{XSD}integer": r"^[+-]?[0-9]+$",
    f"{XSD}decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    f"{XSD}boolean": r"^(true|false|1|0)$",
    f"{XSD}double": r"^([+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)$",
}
_NODE_KINDS = {
    "IRI": "isIRI(?v)",
    "BlankNode": "isBlank(?v)",
    "Literal": "isLiteral(?v)",
    "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))",
    "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
    "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
}
# Membership of a class: a type of it or of a subclass. On data whose types are already closed
# under the class hierarchy (every superclass stated, as the build states them) one type lookup
# is the same test, and cheaper.
_MEMBER = f"<{RDF}type>/<{RDFS}subClassOf>*"
_COMPARISONS = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}


class UnsupportedShape(ValueError):
    """A shape uses a part of SHACL this compiler does not translate."""


@dataclass(frozen=True, order=True)
class ShapeResult:
    """One validation result: the focus node, the property path and the constraint it broke."""

    focus: str
    path: str
    component: str
    message: str
    blank: bool = False


@dataclass
class _Check:
    path: str
    component: str
    message: str
    low: int | None = None  # for a count check: the bounds, None when unbounded
    high: int | None = None


@dataclass
class _ShapeQueries:
    """The checks of one node shape, as at most three queries, each answering (?focus, ?check):
    focus nodes without a required property, focus nodes with too few or too many values,
    and focus nodes with a value that breaks a value constraint (``?check`` is the index)."""

    checks: list[_Check] = field(default_factory=list)
    counted: list[tuple[int, str]] = field(default_factory=list)  # (check, predicate IRI)
    missing: list[tuple[int, str]] = field(default_factory=list)  # minCount 1: no count needed
    count_query: str = ""
    missing_query: str = ""
    value_query: str = ""


@dataclass
class CompiledShapes:
    """The SPARQL checks of one shapes graph, ready to run on any store."""

    shapes: list[_ShapeQueries] = field(default_factory=list)

    @property
    def checks(self) -> list[_Check]:
        return [c for s in self.shapes for c in s.checks]

    def run(self, store: ox.Store, *, closed: bool = False) -> list[ShapeResult]:
        """Run every check on ``store``; sorted unique results. ``closed``: every instance of a
        class in ``store`` is typed with each of its superclasses too, so class membership is
        read as a plain type."""
        out: set[ShapeResult] = set()

        def found(check: _Check, focus: object) -> None:
            blank = isinstance(focus, ox.BlankNode)
            out.add(ShapeResult(_term(focus), check.path, check.component, check.message, blank))

        for shape in self.shapes:
            for query in (shape.missing_query, shape.count_query, shape.value_query):
                if closed:
                    query = query.replace(_MEMBER, f"<{RDF}type>")
                for row in store.query(query) if query else ():  # type: ignore[union-attr]
                    found(shape.checks[int(row["check"].value)], row["focus"])
        return sorted(out)


def compile_file(path: Path) -> CompiledShapes:
    """Compile the shapes of a Turtle file."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return compile_store(store)


def compile_store(shapes: ox.Store) -> CompiledShapes:
    graph = _Graph(shapes)
    compiled = CompiledShapes()
    node_shapes = sorted(
        {q.subject for q in shapes.quads_for_pattern(None, ox.NamedNode(f"{RDF}type"), ox.NamedNode(f"{SH}NodeShape"))},
        key=str,
    )
    for shape in node_shapes:
        _compile_node_shape(graph, shape, compiled)
    return compiled


class _Graph:
    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def values(self, subject: object, key: str) -> list:
        return sorted(
            (q.object for q in self.store.quads_for_pattern(subject, ox.NamedNode(f"{SH}{key}"), None)),  # type: ignore[arg-type]
            key=str,
        )

    def one(self, subject: object, key: str) -> object | None:
        found = self.values(subject, key)
        if len(found) > 1:
            raise UnsupportedShape(f"{_term(subject)} has {len(found)} values of sh:{key}")
        return found[0] if found else None

    def keys(self, subject: object) -> set[str]:
        keys = set()
        for q in self.store.quads_for_pattern(subject, None, None):  # type: ignore[arg-type]
            iri = q.predicate.value
            if iri in _IGNORED:
                continue
            if not iri.startswith(SH):
                raise UnsupportedShape(f"{_term(subject)} uses {iri}")
            keys.add(iri[len(SH):])
        return keys

    def items(self, head: object) -> list:
        out = []
        nil = ox.NamedNode(f"{RDF}nil")
        while head != nil:
            firsts = list(self.store.quads_for_pattern(head, ox.NamedNode(f"{RDF}first"), None))  # type: ignore[arg-type]
            rests = list(self.store.quads_for_pattern(head, ox.NamedNode(f"{RDF}rest"), None))  # type: ignore[arg-type]
            if len(firsts) != 1 or len(rests) != 1:
                raise UnsupportedShape(f"malformed RDF list at {_term(head)}")
            out.append(firsts[0].object)
            head = rests[0].object
        return out


def _compile_node_shape(graph: _Graph, shape: object, compiled: CompiledShapes) -> None:
    unknown = graph.keys(shape) - _NODE_KEYS
    if unknown:
        raise UnsupportedShape(f"{_term(shape)} uses sh:{', sh:'.join(sorted(unknown))}")
    targets = _targets(graph, shape)
    if targets is None:
        return  # a shape without targets validates nothing on its own
    queries = _ShapeQueries()
    branches: list[str] = []
    for prop in graph.values(shape, "property"):
        branches += _compile_property(graph, prop, queries)
    if queries.counted:
        predicates = " ".join(sorted({f"<{p}>" for _, p in queries.counted}))
        rows = " ".join(
            f"({index} <{predicate}> {_bound(queries.checks[index].low)} {_bound(queries.checks[index].high)})"
            for index, predicate in queries.counted
        )
        queries.count_query = (
            f"SELECT ?focus ?check WHERE {{ "
            f"{{ SELECT ?focus ?p (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {targets} VALUES ?p {{ {predicates} }} "
            f"OPTIONAL {{ ?focus ?p ?v }} }} GROUP BY ?focus ?p }} "
            f"VALUES (?check ?p ?low ?high) {{ {rows} }} "
            f"FILTER (COALESCE(?n < ?low, false) || COALESCE(?n > ?high, false)) }}"
        )
    if queries.missing:
        rows = " ".join(f"({index} <{predicate}>)" for index, predicate in queries.missing)
        queries.missing_query = (
            f"SELECT ?focus ?check WHERE {{ {targets} VALUES (?check ?p) {{ {rows} }} FILTER NOT EXISTS {{ ?focus ?p ?v }} }}"
        )
    if branches:
        union = " UNION ".join(branches)
        queries.value_query = f"SELECT DISTINCT ?focus ?check WHERE {{ {targets} {union} }}"
    compiled.shapes.append(queries)


def _targets(graph: _Graph, shape: object) -> str | None:
    parts = []
    for c in graph.values(shape, "targetClass"):
        parts.append(f"?focus {_MEMBER} {_sparql(c)} .")
    for p in graph.values(shape, "targetObjectsOf"):
        parts.append(f"?_s {_sparql(p)} ?focus .")
    for p in graph.values(shape, "targetSubjectsOf"):
        parts.append(f"?focus {_sparql(p)} ?_o .")
    nodes = graph.values(shape, "targetNode")
    if nodes:
        parts.append("VALUES ?focus { " + " ".join(_sparql(n) for n in nodes) + " }")
    if not parts:
        return None
    union = " UNION ".join("{ " + p + " }" for p in parts)
    return f"{{ SELECT DISTINCT ?focus WHERE {{ {union} }} }}"


def _compile_property(graph: _Graph, prop: object, queries: _ShapeQueries) -> list[str]:
    """Add the checks of one property shape; returns the value-query branches it needs."""
    keys = graph.keys(prop)
    unknown = keys - _PROPERTY_KEYS
    if unknown:
        raise UnsupportedShape(f"property shape {_term(prop)} uses sh:{', sh:'.join(sorted(unknown))}")
    path = graph.one(prop, "path")
    if not isinstance(path, ox.NamedNode):
        raise UnsupportedShape(f"property shape {_term(prop)} has a path that is not one predicate")
    given = graph.one(prop, "message")
    name = _short(path.value)

    def add(component: str, default: str, **bounds: int | None) -> int:
        message = given.value if isinstance(given, ox.Literal) else default
        queries.checks.append(_Check(path.value, f"{SH}{component}ConstraintComponent", message, **bounds))
        return len(queries.checks) - 1

    branches = []
    p = _sparql(path)
    low, high = graph.one(prop, "minCount"), graph.one(prop, "maxCount")
    if low is not None and int(low.value) > 0:  # type: ignore[attr-defined]
        n = int(low.value)  # type: ignore[attr-defined]
        index = add("MinCount", f"Less than {n} values on {name}", low=n)
        if n == 1:  # the common case needs no counting
            queries.missing.append((index, path.value))
        else:
            queries.counted.append((index, path.value))
    if high is not None:
        n = int(high.value)  # type: ignore[attr-defined]
        index = add("MaxCount", f"More than {n} values on {name}", high=n)
        if n == 1:
            branches.append(f"{{ ?focus {p} ?v , ?w . FILTER (!sameTerm(?v, ?w)) BIND ({index} AS ?check) }}")
        else:
            queries.counted.append((index, path.value))
    flags = graph.one(prop, "flags")
    for key in _VALUE_KEYS:
        for value in graph.values(prop, key):
            ok = _value_test(graph, key, value, flags)
            index = add(key[0].upper() + key[1:], f"Value of {name} does not satisfy sh:{key} {_term(value)}")
            branches.append(f"{{ ?focus {p} ?v . FILTER (!COALESCE({ok}, false)) BIND ({index} AS ?check) }}")
    return branches


def _value_test(graph: _Graph, key: str, value: object, flags: object | None) -> str:
    """A SPARQL expression over ?v that is true when the value conforms."""
    if key == "class":
        return f"EXISTS {{ ?v {_MEMBER} {_sparql(value)} }}"
    if key == "datatype":
        assert isinstance(value, ox.NamedNode)
        test = f"(isLiteral(?v) && DATATYPE(?v) = {_sparql(value)} && LANG(?v) = \"\")"
        if value.value == f"{RDF}langString":
            test = "(isLiteral(?v) && LANG(?v) != \"\")"
        lexical = _LEXICAL.get(value.value)
        if lexical:
            test = f"({test} && REGEX(STR(?v), \"{lexical}\"))"
        return test
    if key == "nodeKind":
        assert isinstance(value, ox.NamedNode)
        kind = value.value[len(SH):] if value.value.startswith(SH) else ""
        if kind not in _NODE_KINDS:
            raise UnsupportedShape(f"unknown sh:nodeKind {value.value}")
        return _NODE_KINDS[kind]
    if key in _COMPARISONS:
        return f"(isLiteral(?v) && ?v {_COMPARISONS[key]} {_sparql(value)})"
    if key == "pattern":
        assert isinstance(value, ox.Literal)
        extra = f", {_sparql(flags)}" if isinstance(flags, ox.Literal) else ""
        return f"(!isBlank(?v) && REGEX(STR(?v), {_sparql(value)}{extra}))"
    if key == "or":
        alternatives = [_node_test(graph, member) for member in graph.items(value)]
        return "(" + " || ".join(f"COALESCE({a}, false)" for a in alternatives) + ")" if alternatives else "false"
    raise UnsupportedShape(f"sh:{key}")


def _node_test(graph: _Graph, shape: object) -> str:
    """A member of sh:or: a shape of value constraints only, all of which must hold."""
    keys = graph.keys(shape) - {"message", "name", "description"}
    unknown = keys - set(_VALUE_KEYS)
    if unknown:
        raise UnsupportedShape(f"an sh:or member uses sh:{', sh:'.join(sorted(unknown))}")
    flags = graph.one(shape, "flags")
    tests = [_value_test(graph, key, v, flags) for key in sorted(keys) for v in graph.values(shape, key)]
    return "(" + " && ".join(tests) + ")" if tests else "true"


def _bound(n: int | None) -> str:
    return "UNDEF" if n is None else str(n)


def _sparql(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return str(term)
    raise UnsupportedShape(f"a blank node where a value was expected: {term}")


def _term(term: object) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.BlankNode, ox.Literal)) else str(term)


def _short(iri: str) -> str:
    from mmkg.namespaces import shorten

    return shorten(iri)
