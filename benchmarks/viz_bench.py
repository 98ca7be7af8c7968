"""Network-view speed in headless Chromium: a 2,000-node view must be interactive in under 3 s,
and a 20,000-node synthetic graph must still render (fixed layout, no physics).

Run: python benchmarks/viz_bench.py [--sizes 2000,20000] [--out docs/viz-benchmarks.md]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def synthetic(n: int, seed: int = 42) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    mods = ["image+text", "text+video", "audio+image+text", "image+text+video"]
    for i in range(n):
        g.add_node(f"https://w3id.org/mmkg/id/model/m{i}", kind="model", label=f"Model {i}", year=2015 + (i * 11) // n,
                   parameters=rng.choice([None, rng.randint(10, 100000) * 10**6]), parameters_printed=None,
                   modalities=rng.choice(mods), objectives="", families=[], architectures=[], highlight="", code="", paper="")
    for i in range(1, n):
        for base in {rng.randrange(max(0, i - 2000), i) for _ in range(rng.randint(0, 3))}:
            g.add_edge(f"https://w3id.org/mmkg/id/model/m{i}", f"https://w3id.org/mmkg/id/model/m{base}", kind="lineage", relation="extends")
    return g


def measure(path: Path, runs: int) -> dict[str, float]:
    from browser import chromium, open_page

    ready, drawn = [], []
    with chromium() as browser:
        for _ in range(runs):
            t = time.perf_counter()
            page, errors, outside = open_page(browser, path.as_uri())
            ready.append(time.perf_counter() - t)
            page.evaluate("new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); })")
            drawn.append(time.perf_counter() - t)
            nodes = page.evaluate("nodes.length")
            assert not errors and not outside, (errors, outside)
            t = time.perf_counter()
            page.evaluate("window.mmkgJump('Model 7')")
            jump = time.perf_counter() - t
            page.close()
    return {"ready": statistics.median(ready), "interactive": statistics.median(drawn), "jump": jump, "nodes": nodes}


def main() -> None:
    from mmkg.viz import render_html

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "docs" / "viz-benchmarks.md"))
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            g = synthetic(n)
            t = time.perf_counter()
            html = render_html(graph=g, title=f"synthetic {n}")
            gen = time.perf_counter() - t
            path = Path(tmp) / f"v{n}.html"
            path.write_text(html)
            m = measure(path, args.runs)
            rows.append((n, g.number_of_edges(), gen, len(html) / 1e6, m))
            print(n, m, file=sys.stderr)
    lines = ["# Network view in headless Chromium", "",
             "Synthetic lineage graphs (`benchmarks/viz_bench.py`, seed 42), rendered by `mmkg.viz.render_html` with the "
             "fixed layout and no physics, opened from a file in headless Chromium (the system package) through "
             "Playwright. *Interactive* is the time from navigation until the page's script has run and two animation "
             "frames have been drawn (the network accepts clicks and search); medians of the runs.", "",
             "| nodes | edges | generate HTML | file size | page ready | interactive | search jump | target |",
             "|---|---|---|---|---|---|---|---|"]
    for n, e, gen, mb, m in rows:
        target = "interactive < 3 s: " + ("met" if m["interactive"] < 3 else "NOT met") if n <= 2000 else "must render: " + ("met" if m["nodes"] == n else "NOT met")
        lines.append(f"| {n:,} | {e:,} | {gen:.2f} s | {mb:.1f} MB | {m['ready']:.2f} s | {m['interactive']:.2f} s | {m['jump'] * 1000:.0f} ms | {target} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
