"""Lineage and citation subgraphs: the nodes and edges around one model or paper, and the RDF
that describes them on their own (facts, their evidence, and the ontology terms used)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
import pyoxigraph as ox

from mmkg.errors import InputError
from mmkg.network import Direction, Filters, model_network, neighbourhood, restrict
from mmkg.resources import build_query
from mmkg.store import Store, Table

CitationDirection = Literal["cites", "cited-by", "both"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MMKG = "https://w3id.org/mmkg/ontology#"
#: facts about nodes that exports carry (beyond identity and the subgraph's own edges)
NODE_FACTS = {
    MMKG + p for p in (
        "year", "parameterCount", "parameterCountAsPrinted", "modality", "venue", "title", "authors", "arxivId", "doi",
        "codeRepository", "homepage", "highlight", "introducedIn", "fusionStyle", "objective", "backbone",
    )
}


@dataclass
class Subgraph:
    """Nodes and typed edges of a subgraph, with the store they come from."""

    kind: Literal["lineage", "citations", "query"]
    graph: nx.MultiDiGraph
    store: Store
    centre: str | None = None
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def nodes(self) -> list[str]:
        return sorted(self.graph.nodes)


def _store(store: Store | None) -> Store:
    if store is not None:
        return store
    from mmkg.builder import open_built

    return open_built()


def lineage_subgraph(
    name: str, *, direction: Direction = "both", depth: int = 2, filters: Filters | None = None, store: Store | None = None,
    siblings: bool = False,
) -> Subgraph:
    """The models within ``depth`` lineage hops of the model called ``name``."""
    from mmkg.names import NameIndex

    store = _store(store)
    centre = NameIndex.of(store).resolve(name, "model")
    g = restrict(model_network(store), filters or Filters())
    if centre not in g:
        raise InputError(f"{name} is excluded by the filters")
    sub = neighbourhood(g, centre, depth=depth, direction=direction, siblings=siblings)
    out = Subgraph("lineage", sub, store, centre)
    out.papers = _papers(store, _introduced(store, sub.nodes))
    return out


def citation_network(store: Store) -> nx.MultiDiGraph:
    papers = _paper_table(store)
    edges = store.query(build_query("citation-network"))
    assert isinstance(edges, Table)
    g = nx.MultiDiGraph()
    for iri, facts in papers.items():
        g.add_node(iri, kind="paper", label=facts.get("title") or facts.get("label") or iri, year=facts.get("year"))
    for s, t, rel in edges.rows:
        if s is not None and t is not None:
            g.add_edge(s.value, t.value, key=rel.value if rel else "cites", kind="citation", relation=rel.value if rel else "cites")
    return g


def citation_subgraph(
    name: str, *, hops: int = 1, direction: CitationDirection = "both", store: Store | None = None
) -> Subgraph:
    """Papers within ``hops`` citations of the paper called ``name`` (or of the paper that
    introduced the model called ``name``), with the citations among them."""
    from mmkg.names import NameIndex

    store = _store(store)
    index = NameIndex.of(store)
    try:
        centre = index.resolve(name, "paper")
    except InputError:
        model = index.resolve(name, "model")
        found = store.query("SELECT ?p WHERE { ?m mmkg:introducedIn ?p }", {"m": ox.NamedNode(model)})
        assert isinstance(found, Table)
        if not found.rows:
            raise InputError(f"{name} has no paper in the graph") from None
        centre = sorted(r[0].value for r in found.rows if r[0] is not None)[0]
    mapping = {"cites": "ancestors", "cited-by": "descendants", "both": "both"}
    if direction not in mapping:
        raise InputError(f"direction must be cites, cited-by or both, not {direction!r}")
    sub = neighbourhood(citation_network(store), centre, depth=hops, direction=mapping[direction])  # type: ignore[arg-type]
    out = Subgraph("citations", sub, store, centre)
    out.papers = _papers(store, set(sub.nodes))
    return out


def _introduced(store: Store, nodes: Any) -> set[str]:
    out: set[str] = set()
    for n in nodes:
        res = store.query("SELECT ?p WHERE { ?m mmkg:introducedIn ?p . ?p a mmkg:Paper }", {"m": ox.NamedNode(n)})
        assert isinstance(res, Table)
        out.update(r[0].value for r in res.rows if r[0] is not None)
    return out


def _paper_table(store: Store) -> dict[str, dict[str, Any]]:
    table = store.query(build_query("papers"))
    assert isinstance(table, Table)
    out: dict[str, dict[str, Any]] = {}
    for rec in table.records():
        iri = rec["paper"].value  # type: ignore[union-attr]
        out[iri] = {k: (int(v.value) if k == "year" else v.value) for k, v in rec.items() if v is not None and k != "paper"}
    return out


def _papers(store: Store, iris: set[Any]) -> dict[str, dict[str, Any]]:
    table = _paper_table(store)
    return {i: table[i] for i in sorted(x for x in iris if x) if i in table}


# ---------------------------------------------------------------- RDF of a subgraph

def _bnode(*parts: str) -> ox.BlankNode:
    return ox.BlankNode("e" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24])


def to_rdf(sub: Subgraph) -> list[ox.Triple]:
    """Self-describing RDF: identity and facts of every node, the subgraph's edges, the evidence
    (source and locator) of every fact, the sources' titles, and the ontology terms used."""
    store = sub.store
    nodes = set(sub.graph.nodes) | set(sub.papers)
    triples: set[ox.Triple] = set()
    edge_pairs = {(u, v) for u, v in sub.graph.edges()}
    sources: set[str] = set()
    edge_predicates = _edge_predicates(store)
    for n in sorted(nodes):
        node = ox.NamedNode(n)
        ident = store.query(build_query("export-identity"), {"entity": node})
        assert isinstance(ident, Table)
        for _, p, v in ident.rows:
            triples.add(ox.Triple(node, p, v))  # type: ignore[arg-type]
        facts = store.query(build_query("export-facts"), {"entity": node})
        assert isinstance(facts, Table)
        for rec in facts.records():
            p, v = rec["property"], rec["value"]
            assert p is not None and v is not None
            keep = p.value in NODE_FACTS and (not isinstance(v, ox.NamedNode) or v.value.startswith(MMKG) or not v.value.startswith("https://w3id.org/mmkg/id/") or v.value in nodes)
            keep = keep or (isinstance(v, ox.NamedNode) and (n, v.value) in edge_pairs and p.value in edge_predicates)
            if not keep:
                continue
            src, loc = rec["source"], rec["locator"]
            assert src is not None and loc is not None
            block = _bnode(n, src.value, loc.value, rec["rank"].value if rec["rank"] else "")
            p_: Any = p
            triples.update({
                ox.Triple(node, p_, v), ox.Triple(node, ox.NamedNode(MMKG + "evidence"), block),
                ox.Triple(block, p_, v), ox.Triple(block, ox.NamedNode("http://purl.org/dc/terms/source"), src),
                ox.Triple(block, ox.NamedNode(MMKG + "locator"), loc),
                ox.Triple(block, ox.NamedNode(RDF_TYPE), ox.NamedNode(MMKG + "Evidence")),
            })
            if rec["rank"] is not None:
                triples.add(ox.Triple(block, ox.NamedNode(MMKG + "rank"), rec["rank"]))
            if rec["uncertain"] is not None:
                triples.add(ox.Triple(block, ox.NamedNode(MMKG + "uncertain"), rec["uncertain"]))
            sources.add(src.value)
    for s in sorted(sources - nodes):
        ident = store.query(build_query("export-identity"), {"entity": ox.NamedNode(s)})
        assert isinstance(ident, Table)
        for _, p, v in ident.rows:
            triples.add(ox.Triple(ox.NamedNode(s), p, v))  # type: ignore[arg-type]
    terms = {t.predicate.value for t in triples} | {
        t.object.value for t in triples if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)}
    terms |= {t.object.value for t in triples if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(MMKG)}
    for term in sorted(terms):
        res = store.query(build_query("export-terms"), {"entity": ox.NamedNode(term)})
        assert isinstance(res, Table)
        for _, p, v in res.rows:
            triples.add(ox.Triple(ox.NamedNode(term), p, v))  # type: ignore[arg-type]
    return sorted(triples, key=str)


def _edge_predicates(store: Store) -> set[str]:
    res = store.query("SELECT DISTINCT ?p WHERE { { ?p rdfs:subPropertyOf* mmkg:buildsOn } UNION { ?p rdfs:subPropertyOf* cito:cites } }")
    assert isinstance(res, Table)
    return {r[0].value for r in res.rows if r[0] is not None}
