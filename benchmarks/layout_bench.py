"""The network view's layout: edge crossings and time of the lane layout (time axis, family
lanes, barycentre order) against the earlier spring layout, on the same graphs, in one run.
Writes docs/layout-benchmarks.md.

Run: python benchmarks/layout_bench.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    from viz_bench import synthetic

    from mmkg.builder import open_built
    from mmkg.names import NameIndex
    from mmkg.network import Filters, crossings, layout, model_network, neighbourhood, restrict, spring_layout
    from mmkg.viz import categories

    store = open_built()
    full = restrict(model_network(store), Filters())
    clip = NameIndex.of(store).resolve("CLIP", "model")
    views = [("real graph, default view (lineage edges)", full),
             ("real graph, --focus CLIP --depth 2", neighbourhood(full, clip, depth=2, direction="both")),
             ("synthetic, 2,000 models", synthetic(2000))]
    lines = ["# Network layout: crossings and time", "",
             "Straight-line edge crossings (pairs of edges that cross, edges sharing an end not counted) and layout "
             "time for the same graph under the lane layout the view uses and the spring layout it replaced "
             "(`python benchmarks/layout_bench.py`).", "",
             "| view | nodes | edges | crossings, lanes | crossings, spring | layout s, lanes | layout s, spring |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, g in views:
        group = categories(g, "modality")
        t = time.perf_counter()
        lanes = layout(g, group={n: group.get(n, "dataset") for n in g})
        t_lanes = time.perf_counter() - t
        t = time.perf_counter()
        spring = spring_layout(g)
        t_spring = time.perf_counter() - t
        row = (f"| {name} | {g.number_of_nodes()} | {g.number_of_edges()} | {crossings(g, lanes)} | "
               f"{crossings(g, spring)} | {t_lanes:.2f} | {t_spring:.2f} |")
        print(row, flush=True)
        lines.append(row)
    out = ROOT / "docs" / "layout-benchmarks.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
