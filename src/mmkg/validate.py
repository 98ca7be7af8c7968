"""Validation: SHACL shapes (pySHACL) and integrity rules (SPARQL files in queries/checks/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmkg.namespaces import shorten
from mmkg.resources import queries_dir, shapes_file
from mmkg.store import Store, Table, to_rdflib


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    focus: str
    message: str

    def line(self) -> str:
        return f"{self.rule}: {self.focus}: {self.message}"


def check_rules(*, as_written: bool | None = None) -> list[Path]:
    """The integrity-rule files, each a SELECT of ?focus and ?message; with ``as_written``, only
    the rules that read the graph as written (True) or only those that read the derived graph
    (False)."""
    rules = sorted((queries_dir() / "checks").glob("*.rq"))
    return rules if as_written is None else [r for r in rules if reads_as_written(r) == as_written]


#: the header line of a rule that reads the graph as written, before the build derives anything
AS_WRITTEN = "# reads: the graph as written"


def reads_as_written(rule: Path) -> bool:
    """Whether ``rule`` asks about the files' own triples (run before derivation) rather than the
    derived graph (run after it)."""
    header = rule.read_text(encoding="utf-8").split("\nPREFIX", 1)[0]
    return any(line.strip() == AS_WRITTEN for line in header.splitlines())


def run_rules(store: Store, rules: list[Path] | None = None) -> list[Violation]:
    out: list[Violation] = []
    for rule in rules if rules is not None else check_rules():
        table = store.query(rule.read_text(encoding="utf-8"))
        assert isinstance(table, Table)
        for rec in table.records():
            focus, message = rec.get("focus"), rec.get("message")
            out.append(Violation(rule.stem, _text(focus), _text(message)))
    return sorted(set(out))


def run_shapes(store: Store, shapes: Path | None = None, *, closed: bool = False) -> list[Violation]:
    """Validate the store against the SHACL shapes, compiled to SPARQL (mmkg.shacl). ``closed``:
    the store states every superclass of each type (the build's store after ``derive-supers``).

    A shapes file using SHACL the compiler does not translate is validated with pySHACL
    instead, so no shape is ever skipped."""
    from mmkg.shacl import UnsupportedShape, compile_file

    path = shapes or shapes_file()
    try:
        compiled = compile_file(path)
    except UnsupportedShape:
        return run_shapes_pyshacl(to_rdflib(store.triples()), path)
    results = compiled.run(store.engine, closed=closed)
    owners = _owners(store, {r.focus for r in results if r.blank})
    return sorted({Violation("shape", owners.get(r.focus) or shorten(r.focus), f"{r.message} ({shorten(r.path)})") for r in results})


def run_shapes_pyshacl(data: Any, shapes: Path | None = None) -> list[Violation]:
    """Validate an rdflib graph against the SHACL shapes with pySHACL (the reference engine)."""
    import pyshacl
    from rdflib import BNode, Graph, Namespace
    from rdflib.namespace import RDF

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes_graph = Graph().parse(shapes or shapes_file(), format="turtle")
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference="none", advanced=False, allow_warnings=True
    )
    if conforms:
        return []
    out = []
    for res in report.subjects(RDF.type, sh.ValidationResult):
        focus = report.value(res, sh.focusNode)
        path = report.value(res, sh.resultPath)
        msg = report.value(res, sh.resultMessage)
        where = f" ({shorten(str(path))})" if path is not None else ""
        if isinstance(focus, BNode):
            owner = next(iter(data.subject_predicates(focus)), None)
            name = f"{shorten(str(owner[0]))} {shorten(str(owner[1]))} [ ]" if owner else "[ ]"
        else:
            name = shorten(str(focus))
        out.append(Violation("shape", name, f"{msg}{where}"))
    return sorted(set(out))


def _owners(store: Store, blanks: set[str]) -> dict[str, str]:
    """How to name blank focus nodes: by the subject and property that hold them."""
    import pyoxigraph as ox

    out = {}
    for b in sorted(blanks):
        quad = next(iter(store.engine.quads_for_pattern(None, None, ox.BlankNode(b))), None)
        if quad is None or isinstance(quad.subject, ox.Triple):
            out[b] = "[ ]"
        else:
            out[b] = f"{shorten(quad.subject.value)} {shorten(quad.predicate.value)} [ ]"
    return out


def _text(term: Any) -> str:
    return "" if term is None else shorten(term.value)
