"""The model network as a networkx graph: lineage, citation and training-data edges, with the
filters and neighbourhoods the network view and the exports share."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from mmkg.errors import InputError
from mmkg.resources import build_query
from mmkg.store import Store, Table

Direction = Literal["ancestors", "descendants", "both"]
EDGE_KINDS = ("lineage", "citation", "trained-on")


@dataclass(frozen=True)
class Filters:
    """Which nodes and edges to keep; every field empty means no restriction."""

    modalities: tuple[str, ...] = ()
    families: tuple[str, ...] = ()
    architectures: tuple[str, ...] = ()
    years: tuple[int | None, int | None] = (None, None)
    edge_kinds: tuple[str, ...] = ("lineage",)

    def __post_init__(self) -> None:
        bad = [k for k in self.edge_kinds if k not in EDGE_KINDS]
        if bad:
            raise InputError(f"unknown edge kind {bad[0]!r}; use {', '.join(EDGE_KINDS)}")


def _value(term: Any) -> str | None:
    return None if term is None else term.value


def model_network(store: Store) -> nx.MultiDiGraph:
    """Every model and dataset as a node, every lineage, citation and trained-on edge."""
    nodes = store.query(build_query("network-nodes"))
    edges = store.query(build_query("network-edges"))
    assert isinstance(nodes, Table) and isinstance(edges, Table)
    g = nx.MultiDiGraph()
    for rec in nodes.records():
        iri = _value(rec["node"])
        if iri is None or iri in g:
            continue
        year = _value(rec["year"])
        params = _value(rec["params"])
        g.add_node(
            iri,
            kind=_value(rec["kind"]) or "model",
            label=_value(rec["label"]) or iri,
            year=int(year) if year else None,
            parameters=int(params) if params else None,
            parameters_printed=_value(rec["printed"]),
            modalities="+".join(sorted(filter(None, (_value(rec["modalities"]) or "").split("+")))),
            objectives=_value(rec["objectives"]) or "",
            families=sorted(filter(None, (_value(rec["families"]) or "").split("|"))),
            architectures=sorted(filter(None, (_value(rec["architectures"]) or "").split("|"))),
            highlight=_value(rec["highlight"]) or "",
            code=_value(rec["code"]) or "",
            weights=_value(rec["weights"]) or "",
            paperswithcode=_value(rec["pwc"]) or "",
            paper=f"https://arxiv.org/abs/{_value(rec['arxiv'])}" if rec["arxiv"] else (
                f"https://doi.org/{_value(rec['doi'])}" if rec["doi"] else ""),
        )
    for rec in edges.records():
        s, t, kind = _value(rec["source"]), _value(rec["target"]), _value(rec["kind"])
        if s in g and t in g and kind:
            g.add_edge(s, t, key=f"{kind}:{_value(rec['relation'])}", kind=kind, relation=_value(rec["relation"]) or kind)
    return g


def restrict(g: nx.MultiDiGraph, filters: Filters) -> nx.MultiDiGraph:
    """The subgraph of nodes passing the filters, with edges of the chosen kinds."""
    lo, hi = filters.years
    keep = []
    for n, d in g.nodes(data=True):
        if d["kind"] == "dataset":
            if "trained-on" in filters.edge_kinds:
                keep.append(n)
            continue
        mods = set(d["modalities"].split("+")) if d["modalities"] else set()
        if filters.modalities and not set(filters.modalities) <= mods:
            continue
        if filters.families and not set(filters.families) & set(d["families"]):
            continue
        if filters.architectures and not set(filters.architectures) & set(d["architectures"]):
            continue
        year = d.get("year")
        if (lo is not None and (year is None or year < lo)) or (hi is not None and (year is None or year > hi)):
            continue
        keep.append(n)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((n, g.nodes[n]) for n in keep)
    sub.add_edges_from(
        (u, v, k, d) for u, v, k, d in g.edges(keys=True, data=True)
        if u in sub and v in sub and d["kind"] in filters.edge_kinds
    )
    return sub.subgraph([n for n in sub if sub.nodes[n]["kind"] != "dataset" or sub.degree(n) > 0]).copy()


def neighbourhood(g: nx.MultiDiGraph, focus: str, *, depth: int, direction: Direction) -> nx.MultiDiGraph:
    """Nodes within ``depth`` hops of ``focus`` along edge direction (ancestors follow edges
    out of a model, descendants follow them in), with the edges among them."""
    if focus not in g:
        raise InputError(f"{focus} is not in the network (check the filters)")
    if direction not in ("ancestors", "descendants", "both"):
        raise InputError(f"direction must be ancestors, descendants or both, not {direction!r}")
    seen = {focus}
    frontier = {focus}
    for _ in range(max(depth, 0)):
        nxt: set[str] = set()
        for n in frontier:
            if direction in ("ancestors", "both"):
                nxt.update(g.successors(n))
            if direction in ("descendants", "both"):
                nxt.update(g.predecessors(n))
        frontier = nxt - seen
        seen |= frontier
        if not frontier:
            break
    return g.subgraph(seen).copy()


def layout(g: nx.MultiDiGraph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Fixed positions: x by year (time reads left to right), y from a seeded spring layout
    (or, for very large graphs, a stable order within each year)."""
    if not g:
        return {}
    years = [d.get("year") for _, d in g.nodes(data=True) if d.get("year")]
    lo = min(years) if years else 2019
    x: dict[str, float] = {}
    for n, d in g.nodes(data=True):
        year = d.get("year") or lo - 1
        x[n] = (year - lo) * 420.0
    if len(g) <= 2500:
        pos = nx.spring_layout(nx.Graph(g), seed=seed, iterations=60)
        ys = {n: float(p[1]) for n, p in pos.items()}
        height = max(300.0, 40.0 * math.sqrt(len(g)) * 8)
        jitter = {n: float(p[0]) * 120.0 for n, p in pos.items()}
        return {n: (x[n] + jitter[n], ys[n] * height) for n in g}
    columns: dict[float, list[str]] = {}
    for n in sorted(g, key=lambda n: (-g.degree(n), n)):
        columns.setdefault(x[n], []).append(n)
    out: dict[str, tuple[float, float]] = {}
    for col, members in columns.items():
        width = max(1, int(math.sqrt(len(members))))
        for i, n in enumerate(members):
            out[n] = (col + (i % width) * 36.0, (i // width) * 36.0)
    return out


def size_for(parameters: int | None) -> float:
    """Node size on a log scale of the parameter count (unknown counts get the smallest size)."""
    if not parameters:
        return 8.0
    return 8.0 + 6.0 * max(0.0, math.log10(parameters / 1e7))


def by_kind(edges: Iterable[tuple[str, str, dict]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, _, d in edges:
        out[d["kind"]] = out.get(d["kind"], 0) + 1
    return out
