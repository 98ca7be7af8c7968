"""Turning query results into text: terminal table, CSV, TSV, SPARQL JSON/XML, Markdown;
graphs into Turtle, N-Triples, JSON-LD or RDF/XML."""

from __future__ import annotations

import csv
import io
import json
from typing import Literal as L

import pyoxigraph as ox

from mmkg.choices import GRAPH_FORMATS, TABLE_FORMATS
from mmkg.errors import InputError
from mmkg.namespaces import PREFIXES, shorten
from mmkg.store import Result, Table, Term, to_rdflib

TableFormat = L["table", "csv", "tsv", "json", "xml", "md"]
GraphFormat = L["ttl", "nt", "jsonld", "rdfxml"]
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "md": "text/markdown",
    "table": "text/plain",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str) -> str:
    """XML text and attribute escaping (xml.sax.saxutils would load urllib on every start)."""
    return text.translate(_XML)


def short(term: Term | None) -> str:
    """A readable form: prefixed name for IRIs, plain value for literals."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def render(result: Result, fmt: str, *, pretty: bool = True) -> str:
    """Text of ``result`` in ``fmt``; SELECT/ASK take table formats, graphs take graph formats.
    A graph is written for reading (canonical Turtle, JSON-LD with a context, indented RDF/XML)
    or, with ``pretty=False``, by the engine's own serialisers, a hundred times faster: what the
    endpoint sends to programs."""
    if isinstance(result, list):
        if fmt in ("table", "md"):
            fmt = "ttl"
        if fmt not in GRAPH_FORMATS:
            raise InputError(f"a graph result cannot be written as {fmt!r}; use one of {', '.join(GRAPH_FORMATS)}")
        return render_graph(result, fmt) if pretty else serialize_graph(result, fmt)
    if fmt not in TABLE_FORMATS:
        raise InputError(f"a table result cannot be written as {fmt!r}; use one of {', '.join(TABLE_FORMATS)}")
    if isinstance(result, bool):
        return _boolean(result, fmt)
    return {"table": _aligned, "csv": _csv, "tsv": _tsv, "json": _json, "xml": _xml, "md": _markdown}[fmt](result)


_OX_FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML}


def serialize_graph(triples: list[ox.Triple], fmt: str) -> str:
    """``triples`` sorted and written by Oxigraph's serialiser, prefixes declared in sorted order."""
    triples = sorted(triples, key=str)
    text = (ox.serialize(triples, format=_OX_FORMATS[fmt], prefixes=PREFIXES if fmt == "ttl" else None) or b"").decode()
    if fmt != "ttl":
        return text
    lines = text.split("\n")
    head = sum(1 for line in lines if line.startswith("@prefix "))
    return "\n".join(sorted(lines[:head]) + lines[head:])


def render_graph(triples: list[ox.Triple], fmt: str) -> str:
    if fmt == "nt":
        lines = sorted(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
        return "\n".join(lines) + ("\n" if lines else "")
    graph = to_rdflib(triples)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    if fmt == "ttl":
        from mmkg.turtle import canonical

        return canonical(graph, label_shared=True)
    if fmt == "jsonld":
        context = {p: ns for p, ns in PREFIXES.items() if any(str(x).startswith(ns) for t in graph for x in t)}
        return graph.serialize(format="json-ld", context=context, sort_keys=True, indent=2)
    return graph.serialize(format="pretty-xml")


def _aligned(t: Table) -> str:
    cells = [[short(v) for v in row] for row in t.rows]
    widths = [max([len(n), *(min(len(r[i]), 60) for r in cells)]) for i, n in enumerate(t.variables)]
    def fit(text: str, w: int) -> str:
        return (text if len(text) <= w else text[: w - 1] + "…").ljust(w)
    lines = ["  ".join(fit(n, w) for n, w in zip(t.variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(t.rows)} row{'s' if len(t.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _markdown(t: Table) -> str:
    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(t.variables) + " |", "|" + "---|" * len(t.variables)]
    lines += ["| " + " | ".join(cell(short(v)) for v in row) + " |" for row in t.rows]
    return "\n".join(lines) + "\n"


def _csv(t: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(t.variables)
    for row in t.rows:
        w.writerow(["" if v is None else (f"_:{v.value}" if isinstance(v, ox.BlankNode) else v.value) for v in row])
    return buf.getvalue()


def _tsv(t: Table) -> str:
    lines = ["\t".join(f"?{v}" for v in t.variables)]
    lines += ["\t".join("" if v is None else str(v) for v in row) for row in t.rows]
    return "\n".join(lines) + "\n"


def term_json(v: Term) -> dict[str, str]:
    if isinstance(v, ox.NamedNode):
        return {"type": "uri", "value": v.value}
    if isinstance(v, ox.BlankNode):
        return {"type": "bnode", "value": v.value}
    out = {"type": "literal", "value": v.value}
    if v.language:
        out["xml:lang"] = v.language
    elif v.datatype and v.datatype.value != XSD + "string":
        out["datatype"] = v.datatype.value
    return out


def _json(t: Table) -> str:
    bindings = [{k: term_json(v) for k, v in zip(t.variables, row, strict=True) if v is not None} for row in t.rows]
    return json.dumps({"head": {"vars": t.variables}, "results": {"bindings": bindings}}, indent=1, ensure_ascii=False) + "\n"


def _xml(t: Table) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f'<variable name="{escape(v)}"/>' for v in t.variables]
    out += ["</head>", "<results>"]
    for row in t.rows:
        out.append("<result>")
        for name, v in zip(t.variables, row, strict=True):
            if v is None:
                continue
            if isinstance(v, ox.NamedNode):
                inner = f"<uri>{escape(v.value)}</uri>"
            elif isinstance(v, ox.BlankNode):
                inner = f"<bnode>{escape(v.value)}</bnode>"
            elif v.language:
                inner = f'<literal xml:lang="{escape(v.language)}">{escape(v.value)}</literal>'
            elif v.datatype and v.datatype.value != XSD + "string":
                inner = f'<literal datatype="{escape(v.datatype.value)}">{escape(v.value)}</literal>'
            else:
                inner = f"<literal>{escape(v.value)}</literal>"
            out.append(f'<binding name="{escape(name)}">{inner}</binding>')
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def _boolean(value: bool, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}) + "\n"
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n")
    return ("true" if value else "false") + "\n"
