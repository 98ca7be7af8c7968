"""Validation: SHACL shapes (pySHACL) and integrity rules (SPARQL files in queries/checks/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmkg.namespaces import shorten
from mmkg.resources import queries_dir, shapes_file
from mmkg.store import Store, Table


@dataclass(frozen=True, order=True)
class Violation:
    rule: str
    focus: str
    message: str

    def line(self) -> str:
        return f"{self.rule}: {self.focus}: {self.message}"


def check_rules() -> list[Path]:
    """The integrity-rule files, each a SELECT of ?focus and ?message."""
    return sorted((queries_dir() / "checks").glob("*.rq"))


def run_rules(store: Store, rules: list[Path] | None = None) -> list[Violation]:
    out: list[Violation] = []
    for rule in rules if rules is not None else check_rules():
        table = store.query(rule.read_text(encoding="utf-8"))
        assert isinstance(table, Table)
        for rec in table.records():
            focus, message = rec.get("focus"), rec.get("message")
            out.append(Violation(rule.stem, _text(focus), _text(message)))
    return sorted(set(out))


def run_shapes(data: Any, shapes: Path | None = None) -> list[Violation]:
    """Validate an rdflib graph against the SHACL shapes with pySHACL."""
    import pyshacl
    from rdflib import Graph, Namespace
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
        out.append(Violation("shape", shorten(str(focus)), f"{msg}{where}"))
    return sorted(set(out))


def _text(term: Any) -> str:
    return "" if term is None else shorten(term.value)
