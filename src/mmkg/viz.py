"""``mmkg viz``: the lineage network as one self-contained HTML file (pyvis, inline resources,
fixed layout, no physics), with a legend, search, hover cards and click-to-highlight."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from mmkg.errors import InputError
from mmkg.network import (
    MONTH_WIDTH,
    Direction,
    Filters,
    layout,
    model_network,
    neighbourhood,
    node_size,
    restrict,
    time_x,
)
from mmkg.store import Store

#: Paul Tol's "muted" qualitative scheme (colour-blind safe), then a pale grey for the rest
PALETTE = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499"]
OTHER_COLOUR = "#DDDDDD"
DATASET_COLOUR = "#777777"
EDGE_STYLE = {"lineage": {"color": "#555555", "dashes": False, "width": 1.6},
              "citation": {"color": "#aaaaaa", "dashes": [2, 4], "width": 0.8},
              "trained-on": {"color": "#117733", "dashes": [8, 4], "width": 0.8}}
#: each lineage relation drawn its own way (line pattern and weight; colour stays for the nodes)
RELATION_STYLE = {
    "extends": {"color": "#333333", "dashes": False, "width": 2.4},
    "fine-tuned from": {"color": "#333333", "dashes": [10, 4], "width": 1.8},
    "initialised from": {"color": "#333333", "dashes": [4, 4], "width": 1.6},
    "distilled from": {"color": "#333333", "dashes": [2, 3], "width": 1.6},
    "variant of": {"color": "#666666", "dashes": False, "width": 1.0},
    "component": {"color": "#999999", "dashes": [8, 3, 2, 3], "width": 1.0},
}


def edge_style(kind: str, relation: str) -> tuple[str, dict[str, Any]]:
    """The legend name and drawing style of an edge: lineage by relation, components by role."""
    if kind != "lineage":
        return kind, EDGE_STYLE[kind]
    if relation in RELATION_STYLE:
        return relation, RELATION_STYLE[relation]
    if relation.startswith("uses ") or relation == "uses component":
        return relation, RELATION_STYLE["component"]
    return relation, EDGE_STYLE["lineage"]
COLOUR_BY = ("modality", "fusion", "organisation", "objective")
#: modality groups, in legend order
MODALITY_GROUPS = ("image-text", "video", "audio", "three or more modalities", "vision only", "text only", "other")
#: views larger than this label only their most built-on models (the rest on hover)
LABEL_ALL = 300
# Above this many nodes the page opens with the FIRST_BATCH nodes nearest its opening position
# and adds the rest in batches after the first frame: vis builds a network in time linear in
# its nodes, and a 20,000-node network built at once keeps the page blank for seconds.
PROGRESSIVE = 5_000
FIRST_BATCH = 2_500


def modality_group(modalities: str) -> str:
    mods = {m.casefold() for m in modalities.split("+") if m}
    if not mods:
        return "unknown"
    if len(mods) >= 3:
        return "three or more modalities"
    if "audio" in mods:
        return "audio"
    if "video" in mods:
        return "video"
    if mods == {"image", "text"}:
        return "image-text"
    if mods == {"text"}:
        return "text only"
    if mods <= {"image", "video"}:
        return "vision only"
    return "other"


def categories(g: Any, colour_by: str) -> dict[str, str]:
    """The colour category of each model node."""
    if colour_by not in COLOUR_BY:
        raise InputError(f"cannot colour by {colour_by!r}; use one of {', '.join(COLOUR_BY)}")
    out = {}
    for n, d in g.nodes(data=True):
        if d["kind"] != "model":
            continue
        if colour_by == "modality":
            value = modality_group(d.get("modalities", ""))
        elif colour_by == "fusion":
            value = d.get("fusion") or "unknown"
        elif colour_by == "organisation":
            value = d.get("org") or "unknown"
        else:
            value = (d.get("families") or ["unknown"])[0]
        out[n] = value
    return out


def palette(cats: dict[str, str]) -> dict[str, str]:
    """One colour per category, never reused: the nine most frequent categories get the nine
    colours (modality groups keep a fixed order), everything else is "other" in grey."""
    counts: dict[str, int] = {}
    for c in cats.values():
        counts[c] = counts.get(c, 0) + 1
    known = [c for c in counts if c not in ("unknown", "other")]
    fixed = [c for c in MODALITY_GROUPS if c in known]
    ranked = fixed if len(fixed) == len(known) else sorted(known, key=lambda c: (-counts[c], c))
    colours = {c: PALETTE[i] for i, c in enumerate(ranked[: len(PALETTE)])}
    for c in counts:
        colours.setdefault(c, OTHER_COLOUR)
    return colours


def _safe_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else ""


def render_html(
    *,
    store: Store | None = None,
    focus: str | None = None,
    depth: int = 2,
    direction: Direction = "both",
    filters: Filters | None = None,
    title: str = "mmkg lineage network",
    graph: Any = None,
    colour_by: str = "modality",
    siblings: bool = False,
) -> str:
    """The HTML text of the network view (``graph`` may be given instead of a store)."""
    from pyvis.network import Network

    from mmkg.names import NameIndex

    if graph is None:
        if store is None:
            from mmkg.builder import open_built

            store = open_built()
        g = restrict(model_network(store), filters or Filters())
    else:
        g = restrict(graph, filters) if filters is not None else graph
    focus_iri = None
    if focus:
        if store is not None:
            focus_iri = NameIndex.of(store).resolve(focus, "model")
        else:
            focus_iri = focus
        g = neighbourhood(g, focus_iri, depth=depth, direction=direction, siblings=siblings)
    check_view(g)
    cats = categories(g, colour_by)
    colours = palette(cats)
    labelled = _labelled(g, focus_iri)
    labels = {n: (g.nodes[n]["label"] if n in labelled else "") for n in g}
    positions = layout(g, group={n: cats.get(n, "dataset") for n in g}, labels=labels)
    net = Network(height="100vh", width="100%", directed=True, cdn_resources="in_line", notebook=False)
    legend: dict[str, str] = {}
    cards: dict[str, dict[str, Any]] = {}
    for n, d in sorted(g.nodes(data=True)):
        x, y = positions[n]
        year = d.get("year")
        if d["kind"] == "dataset":
            colour: Any = DATASET_COLOUR
        else:
            name = cats[n] if colours[cats[n]] != OTHER_COLOUR or cats[n] == "unknown" else "other"
            fill = colours[cats[n]]
            legend[name] = fill
            # unknown size: a hollow ring in the category's colour, not the smallest dot
            colour = fill if d.get("parameters") else {"background": "#ffffff", "border": fill,
                                                        "highlight": {"background": "#ffffff", "border": fill}}
        when = f"{year}-{d['month']:02d}" if year and d.get("month") else (str(year) if year else "")
        # the page writes every node's tooltip from its card (tip() in the page's script)
        _add_node(net, n, label=labels[n] or " ", x=x, y=y, color=colour, size=node_size(d.get("parameters")),
                  shape="dot" if d["kind"] == "model" else "square",
                  borderWidth=4 if n == focus_iri else (1 if d.get("parameters") else 2.5))
        cards[n] = {
            "label": d["label"], "year": when, "kind": d["kind"], "modalities": d.get("modalities", ""),
            "objectives": d.get("objectives", ""), "organisation": d.get("org", ""),
            "parameters": d.get("parameters_printed") or (str(d["parameters"]) if d.get("parameters") else ""),
            "paper": _safe_url(d.get("paper", "")), "code": _safe_url(d.get("code", "")),
            "weights": _safe_url(d.get("weights", "")),
            # Papers with Code has been offline since July 2025: its id is history, shown as text
            "pwc": d.get("paperswithcode", "").removeprefix("https://paperswithcode.com/"),
        }
        cards[n] = {k: v for k, v in cards[n].items() if v}  # the page reads a missing field as empty
    years = sorted({d["year"] for _, d in g.nodes(data=True) if d.get("year")})
    first = years[0] if years else 2019
    axis = [{"year": y, "x": time_x(y, 1, first_year=first) - MONTH_WIDTH / 2} for y in range(first, (years[-1] + 2) if years else first + 1)]
    styles: dict[str, dict[str, Any]] = {}
    for u, v, _k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        name, style = edge_style(d["kind"], d["relation"])
        styles[name] = style
        _add_edge(net, u, v, title=d["relation"], color=style["color"], dashes=style["dashes"], width=style["width"],
                     relation=name, kind=d["kind"])
    start = positions[focus_iri] if focus_iri else positions[_most_built_on(g)]
    rest = _defer(net, start, keep=labelled) if len(g) > PROGRESSIVE else None
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(g) > 500, "navigationButtons": False},
        "layout": {"improvedLayout": False},
        "nodes": {"font": {"face": "system-ui", "size": 14}, "shape": "dot", "physics": False},
        "edges": {"smooth": False, "arrows": "to"},
    }))
    html = net.generate_html(notebook=False)
    html = _strip_external(html)
    order = [c for c in (*MODALITY_GROUPS, *sorted(legend)) if c in legend]
    early = _EARLY.replace("__DATA__", _json_for_script({
        "cards": cards, "legend": [[c, legend[c]] for c in dict.fromkeys(order)], "edgeStyles": dict(sorted(styles.items())),
        "kinds": sorted({d["kind"] for _, _, d in g.edges(data=True)}),
        "focus": focus_iri, "title": title, "colourBy": colour_by, "axis": axis,
        "counts": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "labelled": len(labelled)},
        "start": list(start), "rest": rest,
    }))
    html, titled = _DATASET.subn(lambda m: f"{m.group(1)}mmkgTitled({m.group(2)}){m.group(3)}", html, count=1)
    if not titled:
        raise RuntimeError("the network template no longer builds its nodes as expected")
    html = html.replace("<body>", "<body>" + early, 1).replace("</body>", _EXTRAS + "</body>", 1)
    html = re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", html)
    if "<title>" in html:
        return html.replace("<title>", f"<title>{_escape(title)}", 1)
    return html.replace("<head>", f"<head>\n<title>{_escape(title)}</title>", 1)


def _add_node(net: Any, n_id: str, *, shape: str, label: str, **options: Any) -> None:
    """pyvis's add_node without its check of every earlier node (quadratic at 20,000 nodes):
    the network's nodes are unique already."""
    from pyvis.node import Node

    node = Node(n_id, shape, label=label, font_color=net.font_color, **options)
    if shape == "dot":
        del node.options["shape"]  # the default of the view's options: not repeated per node
    net.nodes.append(node.options)
    net.node_ids.append(n_id)
    net.node_map[n_id] = node.options


def _add_edge(net: Any, source: str, to: str, **options: Any) -> None:
    """pyvis's add_edge without its scan of every node for both ends (the ends are in the view)."""
    from pyvis.edge import Edge

    edge = Edge(source, to, net.directed, **options).options
    if edge.get("arrows") == "to":
        del edge["arrows"]  # the default of the view's options
    net.edges.append(edge)


def _defer(net: Any, start: tuple[float, float], *, keep: set[str]) -> dict[str, list]:
    """Keep in ``net`` the FIRST_BATCH nodes nearest ``start`` (and the labelled ones) with the
    edges between them; return the others, nearest first, for the page to add after it opens.

    They travel as rows that index shared tables (ids, colours, edge styles), a quarter of the
    bytes of vis's objects; the page expands them."""
    def distance(node: dict) -> float:
        return abs(node["x"] - start[0]) + abs(node["y"] - start[1])

    ranked = sorted(net.nodes, key=lambda n: (n["id"] not in keep, distance(n), n["id"]))
    first = {n["id"] for n in ranked[:FIRST_BATCH]}
    later_nodes = ranked[FIRST_BATCH:]
    net.nodes[:] = [n for n in net.nodes if n["id"] in first]
    now: list[dict] = []
    later_edges: list[dict] = []
    for e in net.edges:
        (now if e["from"] in first and e["to"] in first else later_edges).append(e)
    net.edges[:] = now
    ids: dict[str, int] = {}
    colours: dict[str, int] = {}
    styles: dict[str, int] = {}

    def index(table: dict, value: Any) -> int:
        key = json.dumps(value, sort_keys=True)
        return table.setdefault(key, len(table))

    nodes = [[index(ids, n["id"]), round(n["x"], 1), round(n["y"], 1), round(n["size"], 2),
              index(colours, n["color"]), n["borderWidth"], n["label"], n.get("shape", "")] for n in later_nodes]
    edges = [[index(ids, e["from"]), index(ids, e["to"]),
              index(styles, {k: e[k] for k in ("color", "dashes", "width", "relation", "kind")})] for e in later_edges]
    return {"ids": [json.loads(k) for k in ids], "colours": [json.loads(k) for k in colours],
            "styles": [json.loads(k) for k in styles], "nodes": nodes, "edges": edges}


def check_view(g: Any) -> None:
    """A view with no model in it is an error (with what does exist), never an empty page."""
    if not any(d["kind"] == "model" for _, d in g.nodes(data=True)):
        raise InputError("no model passes these filters; 'mmkg query models-by-modality' and "
                         "'mmkg query fusion-styles' list the values that exist")


def _labelled(g: Any, focus: str | None) -> set[str]:
    """Nodes whose label is drawn: all of them up to LABEL_ALL, else the most built-on."""
    if len(g) <= LABEL_ALL:
        return set(g)
    ranked = sorted(g, key=lambda n: (-g.in_degree(n), n))
    return set(ranked[:LABEL_ALL // 2]) | ({focus} if focus else set())


def _most_built_on(g: Any) -> str:
    """Where a view without a focus opens: the model most others build on."""
    return min(g, key=lambda n: (-g.in_degree(n), n))


def write_html(path: Path | str, **kwargs: Any) -> Path:
    """Write the view atomically to ``path``."""
    from mmkg.atomic import write_text

    write_text(path, render_html(**kwargs))
    return Path(path)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _strip_external(html: str) -> str:
    """Drop the template's CDN links (Bootstrap): the page must work offline."""
    html = re.sub(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*/?>", "", html)
    html = re.sub(r"<script[^>]*src=\"https?://[^\"]*\"[^>]*>\s*</script>", "", html)
    return html


#: before the network is built: the page's data, and the one writer of node tooltips (from each
#: node's card), which titles the opening nodes as pyvis builds its DataSet and the rest as they arrive
_EARLY = r"""
<script type="application/json" id="mmkg-data">__DATA__</script>
<script>
(function () {
  var DATA = window.MMKG_DATA = JSON.parse(document.getElementById('mmkg-data').textContent);
  window.mmkgTip = function (id) { var c = DATA.cards[id]; if (!c) return id;
    return [c.label + (c.year ? ' (' + c.year + ')' : ''), c.modalities && 'modalities: ' + c.modalities,
      c.organisation && 'organisation: ' + c.organisation, c.objectives && 'objectives: ' + c.objectives,
      'parameters: ' + (c.parameters || 'unknown')].filter(Boolean).join('\n'); };
  window.mmkgTitled = function (list) { list.forEach(function (n) { n.title = window.mmkgTip(n.id); }); return list; };
})();
</script>
"""
_DATASET = re.compile(r"^(\s*nodes = new vis\.DataSet\()(.*)(\);)\s*$", re.M)

_EXTRAS = r"""
<style>
#mmkg-panel{position:fixed;top:0;right:0;width:320px;height:100vh;overflow:auto;background:#fafafa;border-left:1px solid #ddd;
 font:13px/1.4 system-ui,sans-serif;padding:10px;box-sizing:border-box;z-index:10}
#mmkg-panel h2{font-size:15px;margin:.2em 0}#mmkg-panel ul{padding-left:1.2em;margin:.3em 0}
#mmkg-legend span.sw{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:6px;vertical-align:middle}
#mmkg-legend div{margin:2px 0}#mynetwork{width:calc(100% - 320px)!important}
#mmkg-search{width:100%;box-sizing:border-box;padding:4px}
.mmkg-line{display:inline-block;width:28px;border-top:2px solid #555;vertical-align:middle;margin:0 6px}
#mmkg-png{margin:6px 0}
</style>
<div id="mmkg-panel">
  <h2 id="mmkg-title"></h2>
  <div id="mmkg-counts"></div>
  <input id="mmkg-search" list="mmkg-names" placeholder="jump to a model…" aria-label="jump to a model">
  <datalist id="mmkg-names"></datalist>
  <div id="mmkg-card"><p>Hover a node for its card; click it to highlight its ancestors and descendants.</p></div>
  <div id="mmkg-related"></div>
  <h2>Legend</h2>
  <div id="mmkg-legend"></div>
</div>
<script>
(function () {
  var DATA = window.MMKG_DATA, tip = window.mmkgTip;
  function el(tag, text, attrs) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  function safeLink(url, text) { if (!/^https?:\/\//.test(url || '')) return null; var a = el('a', text, {href: url, target: '_blank', rel: 'noopener noreferrer'}); return a; }
  document.getElementById('mmkg-title').textContent = DATA.title;
  document.getElementById('mmkg-counts').textContent = DATA.counts.nodes + ' nodes, ' + DATA.counts.edges + ' edges';
  var legend = document.getElementById('mmkg-legend');
  legend.appendChild(el('div', 'Colour: ' + DATA.colourBy));
  DATA.legend.forEach(function (pair) { var d = el('div'); var s = el('span', null, {'class': 'sw'}); s.style.background = pair[1]; d.appendChild(s); d.appendChild(document.createTextNode(pair[0])); legend.appendChild(d); });
  legend.appendChild(el('div', 'Size: parameter count (log scale); hollow ring: size unknown'));
  legend.appendChild(el('div', 'Left to right: release date (year lines on the canvas); rows: model families'));
  if (DATA.counts.labelled < DATA.counts.nodes) legend.appendChild(el('div', 'Labels: the ' + DATA.counts.labelled + ' most built-on models; hover for the rest'));
  // Large views open with the nodes nearest the opening position; the rest arrive in batches
  // after the first frame (window.mmkgComplete says when all are in).
  var REST = DATA.rest || {ids: [], colours: [], styles: [], nodes: [], edges: []};
  var restNodes = REST.nodes.map(function (r) { var n = {id: REST.ids[r[0]], x: r[1], y: r[2], size: r[3],
    color: REST.colours[r[4]], borderWidth: r[5], label: r[6]}; if (r[7]) n.shape = r[7]; return n; });
  var restEdges = REST.edges.map(function (r) { var st = REST.styles[r[2]]; return {from: REST.ids[r[0]], to: REST.ids[r[1]],
    color: st.color, dashes: st.dashes, width: st.width, relation: st.relation, kind: st.kind}; });
  var pending = {nodes: restNodes.slice(), edges: restEdges.slice()};
  var present = {}; nodes.getIds().forEach(function (id) { present[id] = true; });
  var hiddenRel = {};
  window.mmkgComplete = pending.nodes.length === 0;
  function addBatch(size) {
    // nodes first, in batches; the edges that wait for them all at once when the last node is
    // in (each addition makes vis revisit every edge it has, so edges added early cost again)
    var batch = pending.nodes.splice(0, size); batch.forEach(function (n) { present[n.id] = true; n.title = tip(n.id); });
    nodes.add(batch);
    if (pending.nodes.length) return;
    pending.edges.forEach(function (e) { e.title = e.relation; if (hiddenRel[e.relation]) e.hidden = true; });
    edges.add(pending.edges); pending.edges = [];
    window.mmkgComplete = true;
  }
  var BATCH = 1000;  // run while the page is idle, so input and frames come first
  function loadAll() { if (pending.nodes.length) addBatch(pending.nodes.length); }
  var idle = window.requestIdleCallback || function (f) { return setTimeout(function () { f({timeRemaining: function () { return 0; }}); }, 0); };
  function loadStep(deadline) { do { addBatch(BATCH); } while (pending.nodes.length && deadline.timeRemaining() > 25);
    if (pending.nodes.length) idle(loadStep); }
  window.mmkgLoadAll = loadAll;
  var citationsOnly = DATA.kinds.length === 1 && DATA.kinds[0] === 'citation';
  legend.appendChild(el('div', citationsOnly ? 'Lines (arrow points to the cited paper\'s model); untick to hide:' :
    'Lines (arrow points to what it builds on); untick to hide:'));
  Object.keys(DATA.edgeStyles).forEach(function (k) { var d = el('label', null, {'class': 'mmkg-edge'}); var box = el('input', null, {type: 'checkbox', 'data-relation': k});
    box.checked = true; var s = el('span', null, {'class': 'mmkg-line'}); var st = DATA.edgeStyles[k];
    s.style.borderTopColor = st.color; s.style.borderTopWidth = Math.max(1, st.width) + 'px';
    s.style.borderTopStyle = st.dashes ? (st.dashes[0] <= 2 ? 'dotted' : 'dashed') : 'solid';
    box.addEventListener('change', function () { hiddenRel[k] = !box.checked;
      edges.update(edges.get({filter: function (e) { return e.relation === k; }})
      .map(function (e) { return {id: e.id, hidden: !box.checked}; })); });
    d.appendChild(box); d.appendChild(s); d.appendChild(document.createTextNode(k)); legend.appendChild(d); legend.appendChild(el('br')); });
  var help = document.querySelector('#mmkg-card p'); if (help) help.textContent = citationsOnly ?
    'Hover a node for its card; click it to highlight what its paper cites and what cites it.' :
    'Hover a node for its card; click it to highlight its ancestors and descendants.';
  var png = el('button', 'download PNG of this view', {id: 'mmkg-png', type: 'button'});
  png.addEventListener('click', function () { var canvas = document.querySelector('#mynetwork canvas');
    var a = el('a', null, {href: canvas.toDataURL('image/png'), download: (DATA.title || 'mmkg').replace(/[^A-Za-z0-9]+/g, '-') + '.png'});
    document.body.appendChild(a); a.click(); a.remove(); });
  document.getElementById('mmkg-panel').insertBefore(png, document.getElementById('mmkg-card'));
  network.on('beforeDrawing', function (ctx) {
    var scale = network.getScale(); var topLeft = network.DOMtoCanvas({x: 0, y: 0});
    var bottomRight = network.DOMtoCanvas({x: ctx.canvas.clientWidth || ctx.canvas.width, y: ctx.canvas.clientHeight || ctx.canvas.height});
    ctx.save(); ctx.lineWidth = 1 / scale; ctx.strokeStyle = '#e3e3e3'; ctx.fillStyle = '#888888';
    ctx.font = (13 / scale) + 'px system-ui, sans-serif'; ctx.textBaseline = 'top';
    DATA.axis.forEach(function (a) { ctx.beginPath(); ctx.moveTo(a.x, topLeft.y); ctx.lineTo(a.x, bottomRight.y); ctx.stroke();
      ctx.fillText(String(a.year), a.x + 4 / scale, topLeft.y + 4 / scale); });
    ctx.restore();
  });
  function opening() { network.moveTo({position: {x: DATA.start[0], y: DATA.start[1]}, scale: 1, animation: false}); }
  opening();
  window.mmkgAxis = DATA.axis;
  var names = document.getElementById('mmkg-names'); var byName = {};
  Object.keys(DATA.cards).forEach(function (id) { var c = DATA.cards[id]; byName[c.label.toLowerCase()] = id; names.appendChild(el('option', null, {value: c.label})); });
  function card(id) {
    var c = DATA.cards[id]; var box = document.getElementById('mmkg-card'); box.textContent = '';
    if (!c) return; box.appendChild(el('h2', c.label));
    var ul = el('ul');
    [['released', c.year], ['modalities', c.modalities], ['organisation', c.organisation], ['objectives', c.objectives], ['parameters', c.parameters || 'unknown']].forEach(function (p) { if (p[1]) ul.appendChild(el('li', p[0] + ': ' + p[1])); });
    var links = el('li'); var any = false;
    [[c.paper, 'paper'], [c.code, 'code'], [c.weights, 'weights']].forEach(function (p) {
      var a = safeLink(p[0], p[1]); if (!a) return; if (any) links.appendChild(document.createTextNode(' · ')); links.appendChild(a); any = true; });
    if (any) ul.appendChild(links);
    if (c.pwc) ul.appendChild(el('li', 'Papers with Code id (site offline since July 2025): ' + c.pwc)); ul.appendChild(el('li', c.iri || id)); box.appendChild(ul);
  }
  var out = {}, inn = {};
  edges.get().concat(restEdges).forEach(function (e) { if (e.kind === 'trained-on') return;
    (out[e.from] = out[e.from] || []).push(e.to); (inn[e.to] = inn[e.to] || []).push(e.from); });
  function reach(start, forward) {
    var adj = forward ? out : inn; var seen = {}; var todo = [start]; seen[start] = true;
    while (todo.length) { (adj[todo.pop()] || []).forEach(function (b) { if (!seen[b]) { seen[b] = true; todo.push(b); } }); }
    delete seen[start]; return Object.keys(seen);
  }
  var original = {};
  nodes.get().concat(restNodes).forEach(function (n) { original[n.id] = n.color; });
  var dimmed = {};
  function highlight(id) {
    loadAll();
    var anc = reach(id, true), desc = reach(id, false); var keep = {}; keep[id] = 1;
    anc.concat(desc).forEach(function (n) { keep[n] = 1; });
    var changes = [];
    Object.keys(original).forEach(function (n) { var dim = !keep[n]; if (dim !== !!dimmed[n]) { dimmed[n] = dim;
      changes.push({id: n, color: dim ? 'rgba(200,200,200,0.25)' : original[n]}); } });
    nodes.update(changes);
    var rel = document.getElementById('mmkg-related'); rel.textContent = '';
    (citationsOnly ? [['Cites', anc], ['Cited by', desc]] : [['Builds on', anc], ['Built on by', desc]]).forEach(function (pair) {
      rel.appendChild(el('h2', pair[0] + ' (' + pair[1].length + ')')); var ul = el('ul', null, {'data-list': pair[0]});
      pair[1].map(function (n) { return (DATA.cards[n] || {label: n}).label; }).sort().forEach(function (l) { ul.appendChild(el('li', l)); });
      rel.appendChild(ul); });
    window.mmkgHighlighted = {node: id, ancestors: anc, descendants: desc};
  }
  function clear() { nodes.update(Object.keys(dimmed).filter(function (n) { return dimmed[n]; }).map(function (n) { dimmed[n] = false; return {id: n, color: original[n]}; }));
    document.getElementById('mmkg-related').textContent = ''; window.mmkgHighlighted = null; }
  network.on('hoverNode', function (p) { card(p.node); });
  network.on('click', function (p) { if (p.nodes.length) { card(p.nodes[0]); highlight(p.nodes[0]); } else { clear(); } });
  document.getElementById('mmkg-search').addEventListener('change', function (ev) {
    var id = byName[(ev.target.value || '').toLowerCase()]; if (!id) return;
    loadAll(); network.selectNodes([id]); network.focus(id, {scale: 1.2, animation: false}); card(id); highlight(id); ev.target.blur(); });
  window.mmkgJump = function (label) { var s = document.getElementById('mmkg-search'); s.value = label; s.dispatchEvent(new Event('change')); };
  if (DATA.focus) { card(DATA.focus); }
  // the view opens at scale 1 (labels at their 14 px) once vis has sized the canvas
  network.once('afterDrawing', function () { opening(); window.mmkgReady = true; if (pending.nodes.length) idle(loadStep); });
  network.redraw();
})();
</script>
"""
