"""The command line's own speed targets, measured as whole processes beside their baselines.

Each command runs interleaved with its baseline (A, B, A, B, ...) so both see the same machine;
the figure is the difference of the medians (the cost mmkg adds on top of starting Python and
importing the engine). Builds are timed as the CLI prints them.

Run: python benchmarks/cli_targets.py [--runs 9] [--out docs/cli-targets.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MMKG = str(BIN / "mmkg")
PY = sys.executable
# Bytecode must be cached as it is for users; a shell that disables it would time compiling.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

PAIRS = [
    ("mmkg --help", [MMKG, "--help"], "python -c pass", [PY, "-c", "pass"], 0.10),
    ("mmkg query NAME", [MMKG, "query", "models-by-year"], "python -c 'import pyoxigraph'",
     [PY, "-c", "import pyoxigraph"], 0.20),
    ("mmkg query NAME -p (a parameter)", [MMKG, "query", "ancestors", "-p", "model=BLIP-2"],
     "python -c 'import pyoxigraph'", [PY, "-c", "import pyoxigraph"], 0.25),
]


def _run(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def _build(args: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run([MMKG, "build", *args], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True).stdout
    took = re.search(r"^took .*$", out, re.M)
    return time.perf_counter() - t, took.group(0) if took else out.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--out", default=str(ROOT / "docs" / "cli-targets.md"))
    args = ap.parse_args()
    _build([])  # current before anything is timed
    rows = []
    for name, cmd, base_name, base, budget in PAIRS:
        _run(cmd), _run(base)  # warm the page cache and the bytecode cache
        a, b = [], []
        for _ in range(args.runs):
            a.append(_run(cmd))
            b.append(_run(base))
        extra = statistics.median(a) - statistics.median(b)
        rows.append((f"{name}: at most {budget:.2f} s more than `{base_name}`",
                     f"{statistics.median(a):.3f} s vs {statistics.median(b):.3f} s: +{extra:.3f} s", extra <= budget))
    unchanged = statistics.median(_build([])[0] for _ in range(5))
    rows.append(("`mmkg build` with unchanged inputs: under 0.5 s, says it is up to date",
                 f"{unchanged:.2f} s", unchanged < 0.5))
    colds, warms = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            colds.append(_build(["--out", tmp]))  # a new folder: the reasoner runs
            warms.append(_build(["--out", tmp, "--force"]))  # same inputs: its answer is reused
    cold, cold_stages = sorted(colds)[1]
    warm, warm_stages = sorted(warms)[1]
    rows.append(("full build as a process, reasoner run (new build folder; median of 3): under 5 s",
                 f"{cold:.1f} s (runs {', '.join(f'{c:.1f}' for c, _ in colds)}; median run: {cold_stages})", cold < 5))
    rows.append(("full build as a process, reasoner's answer reused (`--force`; median of 3): under 5 s",
                 f"{warm:.1f} s (runs {', '.join(f'{w:.1f}' for w, _ in warms)}; median run: {warm_stages})", warm < 5))
    lines = [
        "# Command-line targets",
        "",
        f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}. "
        f"Measured {time.strftime('%Y-%m-%d')} by `benchmarks/cli_targets.py` ({args.runs} interleaved runs "
        "per pair, medians; whole processes, bytecode cached). The build rows time `mmkg build` as a process; "
        "the stages are what it prints.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *(f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in rows),
        "",
    ]
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
