"""Writing subgraphs in the formats researchers use: RDF (Turtle, N-Triples, JSON-LD, RDF/XML),
graph files (GraphML, GEXF), CSV (nodes and edges), BibTeX, Mermaid, Graphviz DOT, HTML.
Output is deterministic and written atomically; ``-`` writes to standard output."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import pyoxigraph as ox

from mmkg.atomic import atomic_writer
from mmkg.choices import EXPORT_FORMATS
from mmkg.errors import InputError
from mmkg.formats import render_graph
from mmkg.namespaces import PREFIXES
from mmkg.subgraph import Subgraph, to_rdf

Format = Literal["ttl", "nt", "jsonld", "rdfxml", "graphml", "gexf", "csv", "bibtex", "mermaid", "dot", "html"]
FORMATS = EXPORT_FORMATS
SUFFIX = {"ttl": ".ttl", "nt": ".nt", "jsonld": ".jsonld", "rdfxml": ".rdf", "graphml": ".graphml", "gexf": ".gexf",
          "csv": ".csv", "bibtex": ".bib", "mermaid": ".mmd", "dot": ".dot", "html": ".html"}


def export(sub: Subgraph | list[ox.Triple], fmt: str, path: str | Path = "-") -> None:
    """Write ``sub`` (a subgraph, or the triples of a CONSTRUCT query) as ``fmt`` to ``path``."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if isinstance(sub, list):
        if fmt not in ("ttl", "nt", "jsonld", "rdfxml"):
            raise InputError("a CONSTRUCT result exports as ttl, nt, jsonld or rdfxml")
        _write(path, rdf_text(sub, fmt))
        return
    if fmt == "csv" and not isinstance(sub, list):
        nodes, edges = csv_texts(sub)
        if str(path) == "-":
            sys.stdout.write(nodes + "\n" + edges)
            return
        node_path, edge_path = written_files("csv", path)
        with atomic_writer(node_path) as a, atomic_writer(edge_path) as b:
            a.write(nodes)
            b.write(edges)
        return
    _write(path, text(sub, fmt))


def written_files(fmt: str, path: str | Path) -> list[Path]:
    """The files an export to ``path`` writes: CSV is two files, ``STEM.nodes.csv`` and ``STEM.edges.csv``."""
    base = Path(path)
    if fmt != "csv":
        return [base]
    stem = base.with_suffix("") if base.suffix == ".csv" else base
    return [Path(f"{stem}.nodes.csv"), Path(f"{stem}.edges.csv")]


def _write(path: str | Path, content: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(content)


def text(sub: Subgraph, fmt: str) -> str:
    if fmt in ("ttl", "nt", "jsonld", "rdfxml"):
        return rdf_text(to_rdf(sub), fmt)
    if fmt in ("graphml", "gexf"):
        return graph_text(sub, fmt)
    if fmt == "bibtex":
        return bibtex(sub)
    if fmt == "mermaid":
        return mermaid(sub)
    if fmt == "dot":
        return dot(sub)
    if fmt == "html":
        from mmkg.viz import render_html

        title = f"{sub.kind} of {sub.graph.nodes[sub.centre]['label']}" if sub.centre in sub.graph else "mmkg subgraph"
        return render_html(graph=_for_view(sub), title=title)
    raise InputError(f"unknown format {fmt!r}")


def rdf_text(triples: list[ox.Triple], fmt: str) -> str:
    if fmt in ("ttl", "nt"):
        return render_graph(triples, fmt)
    if fmt == "jsonld":
        raw = json.loads(render_graph(triples, "jsonld"))
        graph = raw.get("@graph", [raw] if "@id" in raw else [])
        for node in graph:
            for key, value in node.items():
                if isinstance(value, list):
                    node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True))
        graph.sort(key=lambda n: json.dumps(n.get("@id", ""), sort_keys=True) + json.dumps(n, sort_keys=True))
        return json.dumps({"@context": raw.get("@context", {}), "@graph": graph}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return _rdfxml(triples)


def _rdfxml(triples: list[ox.Triple]) -> str:
    """RDF/XML with subjects and properties in sorted order (deterministic)."""
    from xml.sax.saxutils import escape, quoteattr

    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    used: dict[str, str] = {}

    def qname(iri: str) -> str:
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if iri.startswith(ns) and re.fullmatch(r"[A-Za-z_][\w.-]*", iri[len(ns):]):
                used[prefix] = ns
                return f"{prefix}:{iri[len(ns):]}"
        raise InputError(f"cannot write {iri} as an RDF/XML property name")

    by_subject: dict[Any, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    body = []
    for s in sorted(by_subject, key=str):
        about = f"rdf:about={quoteattr(s.value)}" if isinstance(s, ox.NamedNode) else f"rdf:nodeID={quoteattr(s.value)}"
        body.append(f"  <rdf:Description {about}>")
        for t in sorted(by_subject[s], key=str):
            name = qname(t.predicate.value)
            o: Any = t.object
            if isinstance(o, ox.NamedNode):
                body.append(f"    <{name} rdf:resource={quoteattr(o.value)}/>")
            elif isinstance(o, ox.BlankNode):
                body.append(f"    <{name} rdf:nodeID={quoteattr(o.value)}/>")
            elif o.language:
                body.append(f"    <{name} xml:lang={quoteattr(o.language)}>{escape(o.value)}</{name}>")
            elif o.datatype and o.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                body.append(f"    <{name} rdf:datatype={quoteattr(o.datatype.value)}>{escape(o.value)}</{name}>")
            else:
                body.append(f"    <{name}>{escape(o.value)}</{name}>")
        body.append("  </rdf:Description>")
    used["rdf"] = rdf
    ns = "".join(f"\n    xmlns:{p}={quoteattr(iri)}" for p, iri in sorted(used.items()))
    return f'<?xml version="1.0" encoding="utf-8"?>\n<rdf:RDF{ns}>\n' + "\n".join(body) + "\n</rdf:RDF>\n"


def _plain(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy with scalar attributes only (lists joined, missing values dropped), sorted."""
    out = nx.MultiDiGraph()
    for n in sorted(g):
        attrs = {}
        for k, v in sorted(g.nodes[n].items()):
            if v is None or v == "" or v == []:
                continue
            attrs[k] = "|".join(v) if isinstance(v, list) else v
        out.add_node(n, **attrs)
    for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2]))):
        out.add_edge(u, v, key=k, **{a: b for a, b in sorted(d.items()) if b is not None})
    return out


def graph_text(sub: Subgraph, fmt: str) -> str:
    g = _plain(sub.graph)
    buf = io.BytesIO()
    if fmt == "graphml":
        nx.write_graphml(g, buf, encoding="utf-8", prettyprint=True)
        return buf.getvalue().decode()
    nx.write_gexf(g, buf, encoding="utf-8", prettyprint=True)
    out = buf.getvalue().decode()
    return re.sub(r'lastmodifieddate="[^"]*"', 'lastmodifieddate="1970-01-01"', out)


def csv_texts(sub: Subgraph) -> tuple[str, str]:
    g = _plain(sub.graph)
    keys = sorted({k for _, d in g.nodes(data=True) for k in d})
    nb = io.StringIO()
    w = csv.writer(nb, lineterminator="\n")
    w.writerow(["id", *keys])
    for n, d in g.nodes(data=True):
        w.writerow([n, *[d.get(k, "") for k in keys]])
    eb = io.StringIO()
    w = csv.writer(eb, lineterminator="\n")
    w.writerow(["source", "target", "kind", "relation"])
    for u, v, d in g.edges(data=True):
        w.writerow([u, v, d.get("kind", ""), d.get("relation", "")])
    return nb.getvalue(), eb.getvalue()


def _bib_escape(value: str) -> str:
    out = value.replace("\\", "").replace("{", "").replace("}", "")
    for ch in "&%$#_":
        out = out.replace(ch, "\\" + ch)
    return out


def bibtex(sub: Subgraph) -> str:
    entries = []
    seen: dict[str, int] = {}
    for iri, p in sorted(sub.papers.items()):
        authors = p.get("authors", "")
        first = re.sub(r"[^a-z]", "", (authors.split(",")[0].split()[-1] if authors.strip() else "anon").lower()) or "anon"
        title = p.get("title") or p.get("label") or iri
        word = next((re.sub(r"[^a-z]", "", w.lower()) for w in title.split() if len(re.sub(r"[^a-z]", "", w.lower())) > 3), "paper")
        key = f"{first}{p.get('year', '')}{word}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += chr(ord("a") + seen[key] - 1)
        fields = [("title", "{" + _bib_escape(title) + "}")]
        if authors:
            fields.append(("author", " and ".join(a.strip() for a in _bib_escape(authors).split(",") if a.strip())))
        if p.get("year"):
            fields.append(("year", str(p["year"])))
        venue = p.get("venue", "")
        kind = "misc"
        if venue and "arxiv" not in venue.lower():
            kind = "inproceedings"
            fields.append(("booktitle", _bib_escape(venue)))
        if p.get("arxiv"):
            fields += [("eprint", p["arxiv"]), ("archiveprefix", "arXiv"), ("url", f"https://arxiv.org/abs/{p['arxiv']}")]
        if p.get("doi"):
            fields.append(("doi", _bib_escape(p["doi"])))
        fields.append(("note", f"mmkg: {iri}"))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        entries.append(f"@{kind}{{{key},\n{body}\n}}\n")
    return "\n".join(entries)


def _label(g: nx.MultiDiGraph, n: str) -> str:
    d = g.nodes[n]
    year = d.get("year")
    return f"{d.get('label', n)} ({year})" if year else str(d.get("label", n))


def mermaid(sub: Subgraph) -> str:
    g = sub.graph
    ids = {n: f"n{i}" for i, n in enumerate(sorted(g))}
    lines = ["flowchart BT"]
    for n in sorted(g):
        label = _label(g, n).replace('"', "#quot;")
        lines.append(f'  {ids[n]}["{label}"]')
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", ""))):
        rel = str(d.get("relation", "")).replace('"', "#quot;").replace("|", "/")
        lines.append(f'  {ids[u]} -->|"{rel}"| {ids[v]}')
    return "\n".join(lines) + "\n"


def dot(sub: Subgraph) -> str:
    g = sub.graph

    def q(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = ["digraph mmkg {", "  rankdir=BT;", '  node [shape=box, fontname="Helvetica"];']
    for n in sorted(g):
        lines.append(f"  {q(n)} [label={q(_label(g, n))}];")
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2].get("relation", ""))):
        style = {"citation": "dashed", "trained-on": "dotted"}.get(d.get("kind", ""), "solid")
        lines.append(f"  {q(u)} -> {q(v)} [label={q(d.get('relation', ''))}, style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _for_view(sub: Subgraph) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    for n, d in sub.graph.nodes(data=True):
        attrs = {"kind": "model", "label": n, "year": None, "parameters": None, "parameters_printed": None, "modalities": "",
                 "objectives": "", "families": [], "architectures": [], "highlight": "", "code": "", "paper": ""}
        attrs.update({k: v for k, v in d.items() if v is not None})
        if attrs["kind"] == "paper":
            attrs["kind"] = "model"
        g.add_node(n, **attrs)
    g.add_edges_from(sub.graph.edges(keys=True, data=True))
    return g
