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
            month=int(_value(rec["month"]) or 0) or None,
            fusion=_value(rec["fusion"]) or "",
            org=_value(rec["org"]) or "",
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
    """The subgraph of nodes passing the filters, with edges of the chosen kinds. A filter value
    that no model carries is an input error naming the values that exist."""
    check_filters_match(g, filters)
    lo, hi = filters.years
    keep = []
    for n, d in g.nodes(data=True):
        if d["kind"] == "dataset":
            if "trained-on" in filters.edge_kinds:
                keep.append(n)
            continue
        mods = {m.casefold() for m in d["modalities"].split("+")} if d["modalities"] else set()
        if filters.modalities and not {m.casefold() for m in filters.modalities} <= mods:
            continue
        if filters.families and not any(_matches(f, d["families"]) for f in filters.families):
            continue
        if filters.architectures and not any(_matches(a, d["architectures"]) for a in filters.architectures):
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


def _matches(wanted: str, labels: list[str]) -> bool:
    """Case-insensitive, and a word is enough: 'contrastive' matches 'contrastive objective',
    'Q-Former' matches 'Q-Former connector'."""
    key = "".join(ch for ch in wanted.casefold() if ch.isalnum())
    return bool(key) and any(key in "".join(ch for ch in label.casefold() if ch.isalnum()) for label in labels)


def check_filters_match(g: nx.MultiDiGraph, filters: Filters) -> None:
    """A filter value no node carries is a typo, not an empty view: say so, with the values that exist."""
    import difflib

    models = [d for _, d in g.nodes(data=True) if d["kind"] == "model"]
    checks = (("modality", filters.modalities, {m for d in models for m in d["modalities"].split("+") if m}),
              ("family", filters.families, {f for d in models for f in d["families"]}),
              ("architecture", filters.architectures, {a for d in models for a in d["architectures"]}))
    for what, wanted, known in checks:
        for value in wanted:
            if not _matches(value, sorted(known)):
                near = difflib.get_close_matches(value, sorted(known), n=4, cutoff=0.3)
                hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(sorted(known)[:8])}"
                raise InputError(f"no model has {what} {value!r}{hint}")


def neighbourhood(g: nx.MultiDiGraph, focus: str, *, depth: int, direction: Direction,
                  siblings: bool = False) -> nx.MultiDiGraph:
    """Nodes within ``depth`` hops of ``focus`` along edge direction (ancestors follow edges
    out of a model, descendants follow them in), with the edges among them. ``siblings`` also
    takes in what is reached by turning direction (up to a shared ancestor and back down)."""
    if focus not in g:
        raise InputError(f"{focus} is not in the network (check the filters)")
    if direction not in ("ancestors", "descendants", "both"):
        raise InputError(f"direction must be ancestors, descendants or both, not {direction!r}")
    def walk(forward: bool | None) -> set[str]:
        reached, frontier = {focus}, {focus}
        for _ in range(max(depth, 0)):
            step: set[str] = set()
            for n in frontier:
                if forward is None or forward:
                    step.update(g.successors(n))
                if forward is None or not forward:
                    step.update(g.predecessors(n))
            frontier = step - reached
            reached |= frontier
            if not frontier:
                break
        return reached

    # "both" is ancestors plus descendants, each walked in one direction: a sibling reached
    # up through a shared ancestor and back down is neither, and stays out.
    seen = walk(None) if siblings and direction == "both" else set()
    if direction in ("ancestors", "both"):
        seen |= walk(True)
    if direction in ("descendants", "both"):
        seen |= walk(False)
    return g.subgraph(seen).copy()


#: lineage relations that keep a model in the lane of what it builds on (one family)
FAMILY_RELATIONS = ("extends", "fine-tuned from", "distilled from", "variant of", "initialised from")
MONTH_WIDTH = 40.0  # canvas units per month: a year is 480
ROW_HEIGHT = 52.0  # one row of nodes with a one-line label under the dot
LANE_GAP = 24.0
CHAR_WIDTH = 8.0  # a generous width per label character at the view's 14 px font
LABEL_GAP = 12.0


def time_x(year: int | None, month: int | None, *, first_year: int) -> float:
    """x of a release date: months since January of ``first_year`` (unknown month: mid-year)."""
    if year is None:
        return -MONTH_WIDTH * 12  # undated models stand left of the first year
    return ((year - first_year) * 12 + ((month or 7) - 1)) * MONTH_WIDTH


def node_size(parameters: int | None) -> float:
    """Dot radius on a log scale of the parameter count, 6 to 18."""
    if not parameters:
        return 10.0
    return min(18.0, max(6.0, 6.0 + 3.0 * math.log10(max(parameters, 1) / 1e7)))


def lane_keys(g: nx.MultiDiGraph, group: dict[str, str] | None = None) -> dict[str, str]:
    """The lane of each node: the family it belongs to (models joined by extends, fine-tuned
    from, distilled from, variant of), named by its earliest member; a linked model with no
    family has a lane of its own; unlinked models share a lane per ``group`` (for example
    their modality group)."""
    family = nx.Graph()
    family.add_nodes_from(g)
    for u, v, d in g.edges(data=True):
        if d["kind"] == "lineage" and d.get("relation") in FAMILY_RELATIONS:
            family.add_edge(u, v)
    out: dict[str, str] = {}
    for members in nx.connected_components(family):
        if len(members) > 1:
            first = min(members, key=lambda n: (g.nodes[n].get("year") or 9999, g.nodes[n].get("month") or 13, n))
            out.update({n: f"family:{first}" for n in members})
        else:
            (n,) = members
            # a linked model gets a lane of its own, placed by the lane ordering next to what it
            # links to; unlinked ones share a lane per group
            linked = any(True for _ in nx.all_neighbors(g, n))
            out[n] = f"single:{n}" if linked else "group:" + ((group or {}).get(n) or g.nodes[n].get("kind", "model"))
    return out


def layout(g: nx.MultiDiGraph, *, group: dict[str, str] | None = None, labels: dict[str, str] | None = None,
           sweeps: int = 4) -> dict[str, tuple[float, float]]:
    """Fixed positions on a time axis: x is the release month; y stacks lanes (families, then
    groups of unrelated models), ordered by the barycentre of their neighbours so edges stay
    short; inside a lane, nodes are packed into rows so no two labels overlap."""
    if not g:
        return {}
    years = [d["year"] for _, d in g.nodes(data=True) if d.get("year")]
    first = min(years) if years else 2019
    x = {n: time_x(d.get("year"), d.get("month"), first_year=first) for n, d in g.nodes(data=True)}
    lane_of = lane_keys(g, group)
    lanes = sorted(set(lane_of.values()), key=lambda k: (min(x[n] for n in lane_of if lane_of[n] == k), k))
    members: dict[str, list[str]] = {k: [] for k in lanes}
    for n in sorted(g, key=lambda n: (x[n], n)):
        members[lane_of[n]].append(n)
    neighbours: dict[str, dict[str, int]] = {k: {} for k in lanes}
    for u, v in g.edges():
        a, b = lane_of[u], lane_of[v]
        if a != b:
            neighbours[a][b] = neighbours[a].get(b, 0) + 1
            neighbours[b][a] = neighbours[b].get(a, 0) + 1
    lanes = _order_lanes(lanes, neighbours, sweeps=sweeps)
    if len(lanes) <= REFINE_LANES:
        between = [(x[u], lane_of[u], x[v], lane_of[v]) for u, v in g.edges() if lane_of[u] != lane_of[v]]
        lanes = _fewer_crossings(lanes, between)
    pos: dict[str, tuple[float, float]] = {}
    top = 0.0
    for k in lanes:
        rows: list[float] = []  # right edge of the last label in each row
        for n in members[k]:
            text = (labels or {}).get(n, g.nodes[n].get("label", ""))
            half = max(len(text) * CHAR_WIDTH, 2 * node_size(g.nodes[n].get("parameters"))) / 2
            placed_near = [pos[m][1] for m in nx.all_neighbors(g, n) if m in pos]
            # the free row nearest to where its neighbours already are (else the first free row),
            # searched outwards from there so a lane of thousands of rows stays cheap
            start = round((sum(placed_near) / len(placed_near) - top) / ROW_HEIGHT) if placed_near else 0
            start = min(max(start, 0), max(len(rows) - 1, 0))
            i = -1
            for step in range(len(rows)):
                for r in (start - step, start + step) if step else (start,):
                    if 0 <= r < len(rows) and rows[r] + LABEL_GAP <= x[n] - half:
                        i = r
                        break
                if i >= 0:
                    break
            if i < 0:
                rows.append(0.0)
                i = len(rows) - 1
            rows[i] = x[n] + half
            pos[n] = (x[n], top + i * ROW_HEIGHT)
        top += max(1, len(rows)) * ROW_HEIGHT + LANE_GAP
    return pos


# Views of up to this many lanes get their lane order refined against the crossings themselves.
REFINE_LANES = 400
MOVE_LANES = 80


class _LaneCrossings:
    """Counts crossings between edges across lanes, each lane drawn as one line at its place in
    an order (x is fixed by the release date, so only the order of the lanes can change them).
    What depends on x alone (each edge's ends, the spans two edges share) is worked out once;
    a count for another order only places the ends on their lanes."""

    def __init__(self, edges: list[tuple[float, str, float, str]]) -> None:
        import numpy as np

        self.n = len(edges)
        # each edge left to right: (x of its left end, its lane), (x of its right end, its lane)
        self.left = [a if x1 <= x2 else b for x1, a, x2, b in edges]
        self.right = [b if x1 <= x2 else a for x1, a, x2, b in edges]
        self.x1 = np.array([min(x1, x2) for x1, _, x2, _ in edges], dtype=float)
        self.x2 = np.array([max(x1, x2) for x1, _, x2, _ in edges], dtype=float)
        self.lo = np.maximum(self.x1[:, None], self.x1[None, :])
        self.hi = np.minimum(self.x2[:, None], self.x2[None, :])
        self.overlap = np.triu(self.hi > self.lo, 1)

    def __call__(self, order: dict[str, int]) -> int:
        import numpy as np

        if self.n < 2:
            return 0
        y1 = np.array([order[k] for k in self.left], dtype=float)
        y2 = np.array([order[k] for k in self.right], dtype=float)
        x1, x2, lo, hi = self.x1, self.x2, self.lo, self.hi
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = np.where(x2 > x1, (y2 - y1) / (x2 - x1), 0.0)
        at_lo = (y1[:, None] + slope[:, None] * (lo - x1[:, None])) - (y1[None, :] + slope[None, :] * (lo - x1[None, :]))
        at_hi = (y1[:, None] + slope[:, None] * (hi - x1[:, None])) - (y1[None, :] + slope[None, :] * (hi - x1[None, :]))
        return int((self.overlap & (at_lo * at_hi < 0)).sum())


def _fewer_crossings(lanes: list[str], edges: list[tuple[float, str, float, str]], *, passes: int = 3) -> list[str]:
    """Swap neighbouring lanes while that removes crossings (a few passes of adjacent swaps)."""
    if len(edges) < 2:
        return lanes
    count_crossings = _LaneCrossings(edges)
    order = {k: i for i, k in enumerate(lanes)}
    best = count_crossings(order)
    lanes = list(lanes)
    for _ in range(passes):
        improved = False
        for i in range(len(lanes) - 1):
            a, b = lanes[i], lanes[i + 1]
            order[a], order[b] = i + 1, i
            count = count_crossings(order)
            if count < best:
                best, improved = count, True
                lanes[i], lanes[i + 1] = b, a
            else:
                order[a], order[b] = i, i + 1
        if not improved:
            break
    if len(lanes) <= MOVE_LANES:  # small views: also try each lane at every other place
        for k in list(lanes):
            rest = [m for m in lanes if m != k]
            for i in range(len(rest) + 1):
                trial = rest[:i] + [k] + rest[i:]
                count = count_crossings({m: j for j, m in enumerate(trial)})
                if count < best:
                    best, lanes = count, trial
    return lanes


def _order_lanes(lanes: list[str], neighbours: dict[str, dict[str, int]], *, sweeps: int) -> list[str]:
    """Lanes in an order that keeps linked lanes close: the spectral order of the lane graph
    (its Fiedler vector, per connected part), refined by barycentre sweeps."""
    import numpy as np

    index = {k: i for i, k in enumerate(lanes)}
    n = len(lanes)
    if n < 3:
        return lanes
    weights = np.zeros((n, n))
    for a, links in neighbours.items():
        for b, w in links.items():
            weights[index[a], index[b]] = w
    parts = nx.connected_components(nx.from_numpy_array(weights))
    placed: list[str] = []
    for part in sorted(parts, key=lambda p: min(p)):  # parts in the order of their earliest lane
        members = sorted(part)
        if len(members) > 2:
            sub = weights[np.ix_(members, members)]
            laplacian = np.diag(sub.sum(axis=1)) - sub
            _, vectors = np.linalg.eigh(laplacian)
            fiedler = vectors[:, 1]
            members = [members[i] for i in np.argsort(fiedler, kind="stable")]
        placed += [lanes[i] for i in members]
    order = {k: i for i, k in enumerate(placed)}
    for _ in range(sweeps):
        centre = {}
        for k in placed:
            weight = sum(neighbours[k].values())
            centre[k] = (sum(order[b] * w for b, w in neighbours[k].items()) / weight) if weight else order[k]
        placed.sort(key=lambda k: (0.5 * centre[k] + 0.5 * order[k], k))
        order = {k: i for i, k in enumerate(placed)}
    return placed


def spring_layout(g: nx.MultiDiGraph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """The earlier layout (x by year plus jitter, y from a seeded spring layout), kept as the
    baseline the lane layout is measured against."""
    if not g:
        return {}
    years = [d.get("year") for _, d in g.nodes(data=True) if d.get("year")]
    lo = min(years) if years else 2019
    pos = nx.spring_layout(nx.Graph(g), seed=seed, iterations=60)
    height = max(300.0, 40.0 * math.sqrt(len(g)) * 8)
    return {n: ((((g.nodes[n].get("year") or lo - 1) - lo) * 420.0) + float(pos[n][0]) * 120.0, float(pos[n][1]) * height)
            for n in g}


def crossings(g: nx.MultiDiGraph, pos: dict[str, tuple[float, float]]) -> int:
    """How many pairs of straight edges cross (edges sharing an end do not count)."""
    import numpy as np

    segs = sorted({(u, v) if u < v else (v, u) for u, v in g.edges() if u != v})
    if len(segs) < 2:
        return 0
    a = np.array([pos[u] for u, _ in segs], dtype=float)
    b = np.array([pos[v] for _, v in segs], dtype=float)
    ends = [(u, v) for u, v in segs]
    total = 0
    for i in range(len(segs) - 1):
        p, r = a[i], b[i] - a[i]
        q, s_ = a[i + 1:], b[i + 1:] - a[i + 1:]
        denom = r[0] * s_[:, 1] - r[1] * s_[:, 0]
        qp = q - p
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (qp[:, 0] * s_[:, 1] - qp[:, 1] * s_[:, 0]) / denom
            u = (qp[:, 0] * r[1] - qp[:, 1] * r[0]) / denom
        hit = (denom != 0) & (t > 1e-9) & (t < 1 - 1e-9) & (u > 1e-9) & (u < 1 - 1e-9)
        if hit.any():
            shared = np.array([len({ends[i][0], ends[i][1]} & {ends[j][0], ends[j][1]}) > 0
                               for j in range(i + 1, len(segs))])
            total += int((hit & ~shared).sum())
    return total


def by_kind(edges: Iterable[tuple[str, str, dict]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for _, _, d in edges:
        out[d["kind"]] = out.get(d["kind"], 0) + 1
    return out
