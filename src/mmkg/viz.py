"""``mmkg viz``: the lineage network as one self-contained HTML file (pyvis, inline resources,
fixed layout, no physics), with a legend, search, hover cards and click-to-highlight."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from mmkg.network import Direction, Filters, layout, model_network, neighbourhood, restrict, size_for
from mmkg.store import Store

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
FIXED = {"image+text": "#4e79a7", "text+video": "#f28e2b", "image+text+video": "#e15759", "audio+text+video": "#76b7b2",
         "audio+image+text": "#59a14f", "text": "#bab0ac", "image": "#9c755f", "video": "#edc948", "audio": "#b07aa1"}
EDGE_STYLE = {"lineage": {"color": "#555555", "dashes": False, "width": 1.6},
              "citation": {"color": "#aaaaaa", "dashes": [2, 4], "width": 0.8},
              "trained-on": {"color": "#59a14f", "dashes": [8, 4], "width": 0.8}}
DATASET_COLOUR = "#cccccc"


def colour_for(modalities: str) -> str:
    if modalities in FIXED:
        return FIXED[modalities]
    digest = int(hashlib.sha256(modalities.encode()).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


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
) -> str:
    """The HTML text of the network view (``graph`` may be given instead of a store)."""
    from pyvis.network import Network

    from mmkg.names import NameIndex

    if graph is None:
        if store is None:
            from mmkg.build import open_built

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
        g = neighbourhood(g, focus_iri, depth=depth, direction=direction)
    positions = layout(g)
    net = Network(height="100vh", width="100%", directed=True, cdn_resources="in_line", notebook=False)
    legend_mods: dict[str, str] = {}
    cards: dict[str, dict[str, Any]] = {}
    for n, d in sorted(g.nodes(data=True)):
        x, y = positions[n]
        if d["kind"] == "dataset":
            colour = DATASET_COLOUR
        else:
            colour = colour_for(d["modalities"] or "unknown")
            legend_mods[d["modalities"] or "unknown"] = colour
        year = d.get("year")
        label = f"{d['label']}\n{year}" if year else d["label"]
        tip = "\n".join(filter(None, [
            d["label"] + (f" ({year})" if year else ""),
            f"modalities: {d['modalities']}" if d.get("modalities") else "",
            f"objectives: {d['objectives']}" if d.get("objectives") else "",
            f"parameters: {d.get('parameters_printed') or d.get('parameters')}" if d.get("parameters") or d.get("parameters_printed") else "",
        ]))
        net.add_node(n, label=label, title=tip, x=x, y=y, color=colour, size=size_for(d.get("parameters")),
                     shape="dot" if d["kind"] == "model" else "square", physics=False,
                     borderWidth=3 if n == focus_iri else 1, font={"size": 14})
        cards[n] = {
            "label": d["label"], "year": year, "kind": d["kind"], "modalities": d.get("modalities", ""),
            "objectives": d.get("objectives", ""), "parameters": d.get("parameters_printed") or (str(d["parameters"]) if d.get("parameters") else ""),
            "paper": _safe_url(d.get("paper", "")), "code": _safe_url(d.get("code", "")),
            "weights": _safe_url(d.get("weights", "")), "pwc": _safe_url(d.get("paperswithcode", "")), "iri": n,
        }
    for u, v, _k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        style = EDGE_STYLE[d["kind"]]
        net.add_edge(u, v, title=d["relation"], color=style["color"], dashes=style["dashes"], width=style["width"],
                     arrows="to", kind=d["kind"])
    net.set_options(json.dumps({
        "physics": {"enabled": False},
        "edges": {"smooth": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": len(g) > 500, "navigationButtons": False},
        "layout": {"improvedLayout": False},
        "nodes": {"font": {"face": "system-ui"}},
    }))
    html = net.generate_html(notebook=False)
    html = _strip_external(html)
    extras = _EXTRAS.replace("__DATA__", _json_for_script({
        "cards": cards, "legend": legend_mods, "edgeStyles": EDGE_STYLE, "focus": focus_iri, "title": title,
        "counts": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()},
    }))
    html = html.replace("</body>", extras + "</body>", 1)
    html = re.sub(r"<center>\s*<h1>\s*</h1>\s*</center>", "", html)
    return html.replace("<title>", f"<title>{_escape(title)}", 1) if "<title>" in html else html


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


_EXTRAS = r"""
<style>
#mmkg-panel{position:fixed;top:0;right:0;width:320px;height:100vh;overflow:auto;background:#fafafa;border-left:1px solid #ddd;
 font:13px/1.4 system-ui,sans-serif;padding:10px;box-sizing:border-box;z-index:10}
#mmkg-panel h2{font-size:15px;margin:.2em 0}#mmkg-panel ul{padding-left:1.2em;margin:.3em 0}
#mmkg-legend span.sw{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:6px;vertical-align:middle}
#mmkg-legend div{margin:2px 0}#mynetwork{width:calc(100% - 320px)!important}
#mmkg-search{width:100%;box-sizing:border-box;padding:4px}
.mmkg-line{display:inline-block;width:28px;border-top:2px solid #555;vertical-align:middle;margin-right:6px}
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
  var DATA = __DATA__;
  function el(tag, text, attrs) { var e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
  function safeLink(url, text) { if (!/^https?:\/\//.test(url || '')) return null; var a = el('a', text, {href: url, target: '_blank', rel: 'noopener noreferrer'}); return a; }
  document.getElementById('mmkg-title').textContent = DATA.title;
  document.getElementById('mmkg-counts').textContent = DATA.counts.nodes + ' nodes, ' + DATA.counts.edges + ' edges';
  var legend = document.getElementById('mmkg-legend');
  legend.appendChild(el('div', 'Colour: modalities'));
  Object.keys(DATA.legend).sort().forEach(function (m) { var d = el('div'); var s = el('span', null, {'class': 'sw'}); s.style.background = DATA.legend[m]; d.appendChild(s); d.appendChild(document.createTextNode(m)); legend.appendChild(d); });
  legend.appendChild(el('div', 'Size: parameter count (log scale; smallest = unknown)'));
  legend.appendChild(el('div', 'Left to right: year'));
  Object.keys(DATA.edgeStyles).forEach(function (k) { var d = el('div'); var s = el('span', null, {'class': 'mmkg-line'}); var st = DATA.edgeStyles[k];
    s.style.borderTopColor = st.color; s.style.borderTopStyle = st.dashes ? 'dashed' : 'solid'; d.appendChild(s); d.appendChild(document.createTextNode(k === 'lineage' ? 'lineage (arrow points to what it builds on)' : k)); legend.appendChild(d); });
  var names = document.getElementById('mmkg-names'); var byName = {};
  Object.keys(DATA.cards).forEach(function (id) { var c = DATA.cards[id]; byName[c.label.toLowerCase()] = id; names.appendChild(el('option', null, {value: c.label})); });
  function card(id) {
    var c = DATA.cards[id]; var box = document.getElementById('mmkg-card'); box.textContent = '';
    if (!c) return; box.appendChild(el('h2', c.label + (c.year ? ' (' + c.year + ')' : '')));
    var ul = el('ul');
    [['modalities', c.modalities], ['objectives', c.objectives], ['parameters', c.parameters]].forEach(function (p) { if (p[1]) ul.appendChild(el('li', p[0] + ': ' + p[1])); });
    var links = el('li'); var any = false;
    [[c.paper, 'paper'], [c.code, 'code'], [c.weights, 'weights'], [c.pwc, 'Papers with Code']].forEach(function (p) {
      var a = safeLink(p[0], p[1]); if (!a) return; if (any) links.appendChild(document.createTextNode(' · ')); links.appendChild(a); any = true; });
    if (any) ul.appendChild(links); ul.appendChild(el('li', c.iri)); box.appendChild(ul);
  }
  var out = {}, inn = {};
  edges.get().forEach(function (e) { if (e.kind === 'trained-on') return;
    (out[e.from] = out[e.from] || []).push(e.to); (inn[e.to] = inn[e.to] || []).push(e.from); });
  function reach(start, forward) {
    var adj = forward ? out : inn; var seen = {}; var todo = [start]; seen[start] = true;
    while (todo.length) { (adj[todo.pop()] || []).forEach(function (b) { if (!seen[b]) { seen[b] = true; todo.push(b); } }); }
    delete seen[start]; return Object.keys(seen);
  }
  var original = {};
  nodes.get().forEach(function (n) { original[n.id] = n.color; });
  var dimmed = {};
  function highlight(id) {
    var anc = reach(id, true), desc = reach(id, false); var keep = {}; keep[id] = 1;
    anc.concat(desc).forEach(function (n) { keep[n] = 1; });
    var changes = [];
    Object.keys(original).forEach(function (n) { var dim = !keep[n]; if (dim !== !!dimmed[n]) { dimmed[n] = dim;
      changes.push({id: n, color: dim ? 'rgba(200,200,200,0.25)' : original[n]}); } });
    nodes.update(changes);
    var rel = document.getElementById('mmkg-related'); rel.textContent = '';
    [['Builds on', anc], ['Built on by', desc]].forEach(function (pair) {
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
    network.selectNodes([id]); network.focus(id, {scale: 1.2, animation: false}); card(id); highlight(id); ev.target.blur(); });
  window.mmkgJump = function (label) { var s = document.getElementById('mmkg-search'); s.value = label; s.dispatchEvent(new Event('change')); };
  window.mmkgReady = true;
  if (DATA.focus) { card(DATA.focus); }
})();
</script>
"""
