"""Network-view speed in headless Chromium, side by side with a baseline revision of the code:
generation must take under 1 s at 2,000 nodes and under 5 s at 20,000, and both views must be
interactive in under 3 s (fixed layout, no physics).

Run: python benchmarks/viz_bench.py [--sizes 2000,20000] [--baseline REV] [--out docs/viz-benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
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

    ready, drawn, complete = [], [], []
    with chromium() as browser:
        for _ in range(runs):
            t = time.perf_counter()
            page, errors, outside = open_page(browser, path.as_uri())
            ready.append(time.perf_counter() - t)
            page.evaluate("new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(r); }); })")
            drawn.append(time.perf_counter() - t)
            # a page that adds nodes while idle says when all are in; an older page has them at once
            page.wait_for_function("window.mmkgComplete !== false", timeout=120000, polling=100)
            complete.append(time.perf_counter() - t)
            nodes = page.evaluate("nodes.length")
            assert not errors and not outside, (errors, outside)
            t = time.perf_counter()
            page.evaluate("window.mmkgJump('Model 7')")
            jump = time.perf_counter() - t
            page.close()
    return {"ready": statistics.median(ready), "interactive": statistics.median(drawn),
            "complete": statistics.median(complete), "jump": jump, "nodes": nodes}


def baseline_html(rev: str, n: int, out: Path) -> float:
    """Generate the view of ``synthetic(n)`` with the code of git revision ``rev`` (in a fresh
    process importing that revision's sources); returns its generation time."""
    src = out.parent / f"src-{rev}"
    if not src.is_dir():
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True).stdout
        src.mkdir(parents=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    bench, target = str(ROOT / "benchmarks"), str(out)
    code = (f"import json, sys, time; sys.path.insert(0, {bench!r}); from viz_bench import synthetic; "
            f"from mmkg.viz import render_html; g = synthetic({n}); t = time.perf_counter(); "
            f"html = render_html(graph=g, title='synthetic {n}'); took = time.perf_counter() - t; "
            f"open({target!r}, 'w').write(html); print(json.dumps(took))")
    env = {**os.environ, "PYTHONPATH": str(src / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    from mmkg.viz import FIRST_BATCH, PROGRESSIVE, render_html

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", default="", help="git revision to measure beside the current code")
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
            rows.append(("current", n, g.number_of_edges(), gen, len(html) / 1e6, m))
            print(n, "current", m, file=sys.stderr)
            if args.baseline:
                old = Path(tmp) / f"base-{n}.html"
                gen_old = baseline_html(args.baseline, n, old)
                m_old = measure(old, args.runs)
                rows.append((f"baseline {args.baseline}", n, g.number_of_edges(), gen_old, old.stat().st_size / 1e6, m_old))
                print(n, "baseline", m_old, file=sys.stderr)
    lines = ["# Network view in headless Chromium", "",
             "Synthetic lineage graphs (`benchmarks/viz_bench.py`, seed 42), rendered by `mmkg.viz.render_html` with the "
             "fixed layout and no physics, opened from a file in headless Chromium (the system package) through "
             "Playwright; each size is measured for the current code and, side by side, for the baseline revision "
             "(its own sources, in a fresh process, same graph). *Interactive* is the time from navigation until the "
             "page's script has run and two animation frames have been drawn (the network accepts clicks and search). "
             f"Views above {PROGRESSIVE:,} nodes open with the {FIRST_BATCH:,} nodes nearest the opening position and add "
             "the rest while the page is idle; *complete* is when every node is in. Medians of the runs.", "",
             "| code | nodes | edges | generate HTML | file size | page ready | interactive | complete | search jump | targets |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for code, n, e, gen, mb, m in rows:
        budget = 1.0 if n <= 2000 else 5.0
        met = gen < budget and m["interactive"] < 3 and m["nodes"] == n
        target = f"generate < {budget:g} s, interactive < 3 s: " + ("met" if met else "NOT met")
        lines.append(f"| {code} | {n:,} | {e:,} | {gen:.2f} s | {mb:.1f} MB | {m['ready']:.2f} s | {m['interactive']:.2f} s "
                     f"| {m['complete']:.2f} s | {m['jump'] * 1000:.0f} ms | {target} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
