"""The lineage network page, opened in headless Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from browser import chromium, chromium_path, open_page
from mmkg.network import Filters, model_network, neighbourhood, restrict
from mmkg.store import Store
from mmkg.viz import render_html, write_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
M = "https://w3id.org/mmkg/id/model/"


@pytest.fixture(scope="module")
def store(mini_build: Path) -> Store:
    return Store.open((mini_build / "current" / "store").resolve())


def needs_browser() -> None:
    if chromium_path() is None and not os.environ.get("CI"):
        pytest.skip("no Chromium; scripts/test.sh installs it")


def test_neighbourhood_directions(store: Store) -> None:
    g = restrict(model_network(store), Filters())
    assert set(neighbourhood(g, M + "beta", depth=1, direction="ancestors")) == {M + "beta", M + "alpha"}
    assert set(neighbourhood(g, M + "beta", depth=1, direction="descendants")) == {M + "beta", M + "gamma", M + "delta"}
    assert set(neighbourhood(g, M + "delta", depth=9, direction="ancestors")) == {M + n for n in ("delta", "gamma", "beta", "alpha", "textenc")}


def test_filters(store: Store) -> None:
    g = model_network(store)
    assert set(restrict(g, Filters(modalities=("video",)))) == {M + "gamma"}
    assert set(restrict(g, Filters(years=(2021, None)))) == {M + "gamma", M + "delta"}
    assert set(restrict(g, Filters(families=("contrastive objective",)))) == {M + "beta", M + "delta"}
    with_data = restrict(g, Filters(edge_kinds=("trained-on",)))
    assert "https://w3id.org/mmkg/id/dataset/pairs-a" in with_data
    assert {d["kind"] for _, _, d in with_data.edges(data=True)} == {"trained-on"}


def test_page_is_self_contained_and_deterministic(store: Store) -> None:
    a = render_html(store=store, focus="Beta", depth=2)
    b = render_html(store=store, focus="Beta", depth=2)
    assert a == b
    assert not re.search(r"(src|href)=\"https?://", a)
    assert "vis.Network" in a


@pytest.mark.browser
def test_page_in_chromium(store: Store, tmp_path: Path) -> None:
    needs_browser()
    path = write_html(tmp_path / "lineage.html", store=store, focus="Beta", depth=2, title="Lineage of Beta")
    with chromium() as browser:
        page, errors, outside = open_page(browser, path.as_uri())
        assert errors == []
        assert outside == []
        ids = set(page.evaluate("nodes.getIds()"))
        assert ids == {M + n for n in ("alpha", "beta", "gamma", "delta", "textenc")}
        edges = page.evaluate("edges.get().map(function (e) { return [e.from, e.to]; })")
        assert sorted(map(tuple, edges)) == sorted([(M + "beta", M + "alpha"), (M + "gamma", M + "beta"), (M + "delta", M + "gamma"),
                                                    (M + "delta", M + "beta"), (M + "alpha", M + "textenc")])
        assert page.evaluate("network.physics.options.enabled") is False
        # the page writes each tooltip from the node's card: name and date, then what is known, size last
        assert page.evaluate(f"nodes.get('{M}beta').title") == "Beta (2020)\nmodalities: image+text\nobjectives: image-text contrastive\nparameters: 200M"
        assert page.evaluate(f"nodes.get('{M}gamma').title").endswith("parameters: unknown")
        # search jumps to a node and highlights its lineage
        page.fill("#mmkg-search", "Gamma")
        page.dispatch_event("#mmkg-search", "change")
        hl = page.evaluate("window.mmkgHighlighted")
        assert hl["node"] == M + "gamma"
        assert set(hl["ancestors"]) == {M + "beta", M + "alpha", M + "textenc"}
        assert hl["descendants"] == [M + "delta"]
        assert page.inner_text("[data-list='Built on by']") == "Delta"
        # clicking a node highlights it too
        page.evaluate("network.fit({animation: false})")
        pos = page.evaluate(
            f"(function () {{ var p = network.canvasToDOM(network.getPositions(['{M}alpha'])['{M}alpha']);"
            " var r = document.querySelector('#mynetwork canvas').getBoundingClientRect();"
            " return {x: r.left + p.x, y: r.top + p.y}; })()"
        )
        page.mouse.click(pos["x"], pos["y"])
        page.wait_for_function(f"window.mmkgHighlighted && window.mmkgHighlighted.node === '{M}alpha'", timeout=5000)
        assert set(page.evaluate("window.mmkgHighlighted.descendants")) == {M + "beta", M + "gamma", M + "delta"}
        hrefs = page.evaluate("Array.from(document.querySelectorAll('#mmkg-card a')).map(function (a) { return [a.textContent, a.href]; })")
        # Papers with Code is offline: its id is shown as a historical identifier, never as a link
        assert not any("paperswithcode.com" in href for _, href in hrefs), hrefs
        assert "Papers with Code id (site offline since July 2025): method/alpha" in page.inner_text("#mmkg-card")
        assert "Legend" in page.inner_text("#mmkg-panel")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "lineage-beta.png"))
    assert (ARTIFACTS / "lineage-beta.png").stat().st_size > 10_000


def test_cli_viz_writes_file(mini_build: Path, tmp_path: Path) -> None:
    out = tmp_path / "v.html"
    env = dict(os.environ, MMKG_BUILD=str(mini_build))
    proc = subprocess.run([sys.executable, "-m", "mmkg", "viz", "--focus", "delta", "--depth", "1", "--direction", "ancestors", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert "Gamma" in text and "Textenc" not in text


def test_cli_viz_unknown_focus_suggests(mini_build: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MMKG_BUILD=str(mini_build))
    proc = subprocess.run([sys.executable, "-m", "mmkg", "viz", "--focus", "Gama", "-o", str(tmp_path / "x.html")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert "Gamma" in proc.stderr
    assert not (tmp_path / "x.html").exists()


LEGIBILITY = """(function () {
  var scale = network.getScale(), font = 14, ids = nodes.getIds(), boxes = [];
  ids.forEach(function (id) { var n = nodes.get(id); if (n.label && n.label.trim()) boxes.push([id, network.getBoundingBox(id)]); });
  var overlaps = [];
  for (var i = 0; i < boxes.length; i++) for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i][1], b = boxes[j][1];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push([boxes[i][0], boxes[j][0]]);
  }
  return {labelPx: font * scale, labelled: boxes.length, nodes: ids.length, overlaps: overlaps.slice(0, 5), count: overlaps.length};
})()"""


@pytest.mark.browser
@pytest.mark.parametrize("focus", [None, "CLIP"])
def test_real_view_is_legible_on_opening(real_build: Path, tmp_path: Path, focus: str | None) -> None:
    """Every drawn label is at least 11 px at the opening zoom and no two labels overlap."""
    needs_browser()
    store = Store.open((real_build / "current" / "store").resolve())
    path = write_html(tmp_path / "view.html", store=store, focus=focus)
    with chromium() as browser:
        page, errors, _ = open_page(browser, path.as_uri())
        assert errors == []
        found = page.evaluate(LEGIBILITY)
        page.screenshot(path=str(ARTIFACTS / f"lineage-real-{focus or 'all'}.png"))
    assert found["labelPx"] >= 11, found
    assert found["count"] == 0, found
    if found["nodes"] <= 300:
        assert found["labelled"] == found["nodes"]
    else:
        assert found["labelled"] >= 100


def test_both_directions_leave_out_siblings(real_build: Path) -> None:
    """Around CLIP, 'both' is its ancestors plus its descendants, nothing reached sideways."""
    import networkx as nx

    store = Store.open((real_build / "current" / "store").resolve())
    g = restrict(model_network(store), Filters())
    clip = M + "clip"
    both = set(neighbourhood(g, clip, depth=9, direction="both"))
    lineage = nx.descendants(g, clip) | nx.ancestors(g, clip) | {clip}
    assert both <= lineage
    assert both == set(neighbourhood(g, clip, depth=9, direction="ancestors")) | set(
        neighbourhood(g, clip, depth=9, direction="descendants"))


@pytest.mark.parametrize("option", [["--modality", "Audio"], ["--family", "contrastive"], ["--architecture", "Q-Former"]])
def test_filters_by_everyday_words_find_models(real_build: Path, tmp_path: Path, option: list[str]) -> None:
    out = tmp_path / "f.html"
    env = dict(os.environ, MMKG_BUILD=str(real_build))
    proc = subprocess.run([sys.executable, "-m", "mmkg", "viz", *option, "-o", str(out)], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert int(re.search(r'"nodes": (\d+)', out.read_text()).group(1)) > 0


def test_unknown_filter_value_is_an_error(real_build: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MMKG_BUILD=str(real_build))
    proc = subprocess.run([sys.executable, "-m", "mmkg", "viz", "--modality", "smell", "-o", str(tmp_path / "n.html")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "smell" in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
    assert not (tmp_path / "n.html").exists()


def test_colour_categories_are_few_and_distinct(real_build: Path) -> None:
    from mmkg.viz import COLOUR_BY, OTHER_COLOUR, PALETTE, categories, palette

    store = Store.open((real_build / "current" / "store").resolve())
    g = model_network(store)
    for by in COLOUR_BY:
        colours = palette(categories(g, by))
        used = {c for c in colours.values() if c != OTHER_COLOUR}
        assert len(used) <= len(PALETTE) and len(used) == len([k for k, c in colours.items() if c != OTHER_COLOUR])


@pytest.mark.browser
def test_page_controls(store: Store, tmp_path: Path) -> None:
    """A title, one switch per relation kind that hides its edges, and a PNG download."""
    needs_browser()
    path = write_html(tmp_path / "controls.html", store=store, title="Controls <test>")
    with chromium() as browser:
        page, errors, _ = open_page(browser, path.as_uri())
        assert errors == []
        assert page.title() == "Controls <test>"
        relations = page.evaluate("Array.from(document.querySelectorAll('input[data-relation]')).map(function (b) { return b.dataset.relation; })")
        drawn = set(page.evaluate("edges.get().map(function (e) { return e.relation; })"))
        assert set(relations) == drawn and len(drawn) >= 2
        first = relations[0]
        page.click(f"input[data-relation='{first}']")
        hidden = page.evaluate(f"edges.get({{filter: function (e) {{ return e.relation === {first!r}; }}}}).every(function (e) {{ return e.hidden; }})")
        others = page.evaluate(f"edges.get({{filter: function (e) {{ return e.relation !== {first!r}; }}}}).some(function (e) {{ return e.hidden; }})")
        assert hidden and not others
        with page.expect_download() as download:
            page.click("#mmkg-png")
        assert download.value.suggested_filename.endswith(".png")


def test_siblings_only_when_asked(store: Store) -> None:
    g = model_network(store)
    plain = set(neighbourhood(g, M + "gamma", depth=2, direction="both"))
    wide = set(neighbourhood(g, M + "gamma", depth=2, direction="both", siblings=True))
    assert plain <= wide
    lineage = set(neighbourhood(g, M + "gamma", depth=2, direction="ancestors")) | set(
        neighbourhood(g, M + "gamma", depth=2, direction="descendants"))
    assert plain == lineage


def _large(n: int) -> object:
    """A synthetic lineage graph above the progressive threshold, with two relation kinds."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"{M}s{i}", kind="model", label=f"Synthetic {i}", year=2015 + (i * 10) // n, month=1 + i % 12,
                   parameters=(i % 7 + 1) * 10**9 if i % 3 else None, modalities="image+text", objectives="", org="")
    for i in range(1, n):
        g.add_edge(f"{M}s{i}", f"{M}s{(i * 7) % i}", kind="lineage", relation="extends")
        if i % 5 == 0:
            g.add_edge(f"{M}s{i}", f"{M}s{i // 2}", kind="lineage", relation="fine-tuned from")
    return g


def test_large_view_opens_with_its_nearest_nodes_and_adds_the_rest(tmp_path: Path) -> None:
    """Above PROGRESSIVE nodes the page opens with FIRST_BATCH of them and adds the others while
    idle; every node, edge and tooltip arrives, a relation switched off before its edges
    arrive stays off, and jumping to a node not yet added finds it."""
    from mmkg import viz

    needs_browser()
    g = _large(viz.PROGRESSIVE + 1500)
    html = render_html(graph=g, title="large")
    first = html[html.index("nodes = new vis.DataSet(") :]
    assert first[: first.index(");")].count('"id":') == viz.FIRST_BATCH
    path = tmp_path / "large.html"
    path.write_text(html)
    with chromium() as browser:
        page, errors, _ = open_page(browser, path.as_uri())
        page.click("input[data-relation='fine-tuned from']")
        page.wait_for_function("window.mmkgComplete === true", timeout=60000, polling=100)
        assert errors == []
        assert page.evaluate("nodes.length") == g.number_of_nodes()
        assert page.evaluate("edges.length") == g.number_of_edges()
        assert page.evaluate("nodes.get().every(function (n) { return typeof n.title === 'string' && n.title.length > 0; })")
        off = page.evaluate("edges.get({filter: function (e) { return e.relation === 'fine-tuned from'; }}).map(function (e) { return !!e.hidden; })")
        assert off and all(off)
    with chromium() as browser:
        page, errors, _ = open_page(browser, path.as_uri())
        far = f"Synthetic {g.number_of_nodes() - 1}"
        page.evaluate(f"window.mmkgJump({far!r})")
        assert page.evaluate("network.getSelectedNodes()") == [f"{M}s{g.number_of_nodes() - 1}"]
        assert page.evaluate("window.mmkgHighlighted.ancestors.length") > 0
        assert errors == []
