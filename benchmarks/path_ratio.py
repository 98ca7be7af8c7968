"""The path users run against the engine under it, side by side in one process: for each query
shape of the benchmark, bare pyoxigraph (reading every value of every row) against
`mmkg query`'s path (mmkg.store.Store.open + query, which materialises the same rows), and the
endpoint (`mmkg serve`, SPARQL JSON over HTTP) against Oxigraph's own server on the same data.
Runs are interleaved (A B A B ...), medians compared as ratios. Writes docs/path-benchmarks.md.

Run: python benchmarks/path_ratio.py [--sizes real,100k,1M] [--runs 9]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def interleaved(a: Any, b: Any, runs: int) -> tuple[float, float]:
    a(), b()  # warm-up
    ta, tb = [], []
    for _ in range(runs):
        t = time.perf_counter()
        a()
        ta.append(time.perf_counter() - t)
        t = time.perf_counter()
        b()
        tb.append(time.perf_counter() - t)
    return statistics.median(ta), statistics.median(tb)


def prepare(size: str, work: Path) -> tuple[Path, Path, dict[str, str]]:
    """A build-like folder (store + N-Triples) for ``size`` and the query bindings to use."""
    from mmkg.bench import SIZES, _bindings
    from mmkg.store import Store

    if size == "real":
        from mmkg.builder import current_run, open_built

        open_built()
        run = current_run()
        assert run is not None
        return run / "store", run / "mmkg.nt", {"model": "https://w3id.org/mmkg/id/model/llava-1-5",
                                                "paper": "https://w3id.org/mmkg/id/paper/arxiv-2103-00020"}
    from mmkg.synth import model_count, write

    nt = work / f"{size}.nt"
    write(nt, SIZES[size])
    n_models = model_count(SIZES[size])
    store = Store.create(work / f"{size}-store")
    store.load(nt.read_bytes())
    store.flush()
    store.optimize()
    del store
    return work / f"{size}-store", nt, _bindings(n_models)


def measure_embedded(store_path: Path, binds: dict[str, str], runs: int) -> dict[str, tuple[float, float]]:
    import pyoxigraph as ox

    from mmkg.bench import _queries
    from mmkg.sparqltext import inject_values
    from mmkg.store import Store

    bare = ox.Store.read_only(str(store_path))
    mine = Store.open(store_path)
    out = {}
    for name, text in _queries().items():
        subs = {ox.Variable(k): ox.NamedNode(v) for k, v in binds.items() if f"?{k}" in text}

        inline = inject_values(text, {k.value: v for k, v in subs.items()}) if subs else text

        def run_bare(text: str = inline) -> None:  # the same query text the mmkg path runs
            res = bare.query(text)
            if not isinstance(res, ox.QueryBoolean):
                for row in res:
                    for term in row:
                        if term is not None:
                            term.value  # noqa: B018 - read every value, as mmkg does

        def run_mine(text: str = text, subs: dict = subs) -> None:
            mine.query(text, {k.value: v for k, v in subs.items()})

        out[name] = interleaved(run_mine, run_bare, runs)
    return out


def measure_served(store_path: Path, nt: Path, binds: dict[str, str], runs: int, work: Path) -> dict[str, tuple[float, float]]:
    from mmkg.bench import _queries
    from mmkg.remote import wait_for
    from servers import free_port

    build = work / "serve-build"
    run = build / "runs" / "r"
    if build.exists():
        shutil.rmtree(build)
    run.mkdir(parents=True)
    shutil.copytree(store_path, run / "store")
    shutil.copy(nt, run / "mmkg.nt")
    ox_dir = work / "oxigraph-store"
    if ox_dir.exists():
        shutil.rmtree(ox_dir)
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    subprocess.run([exe, "load", "--location", str(ox_dir), "--file", str(nt)], check=True, capture_output=True)
    p1, p2 = free_port(), free_port()
    env = {"PATH": "/usr/bin:/bin"}
    code = ("import sys; from pathlib import Path; from mmkg.server import ServerConfig, serve; "
            f"serve(ServerConfig(run_dir=Path({str(run)!r}), port={p1}, workers=2, timeout=120, max_rows=10**9, "
            "max_response_bytes=2**31, cache_bytes=0))")
    mine = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**env, "PYTHONPATH": str(ROOT / "src")})
    theirs = subprocess.Popen([exe, "serve-read-only", "--location", str(ox_dir), "--bind", f"127.0.0.1:{p2}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {}
    try:
        wait_for(f"http://127.0.0.1:{p1}/sparql", proc=mine)
        wait_for(f"http://127.0.0.1:{p2}/query?query=ASK%7B%7D", proc=theirs)
        for name, text in _queries().items():
            for k, v in binds.items():
                if f"?{k}" in text:  # the same binding, as inline data at the end of the query
                    text += f"\nVALUES ?{k} {{ <{v}> }}"
            body = urllib.parse.urlencode({"query": text}).encode()

            def ask(url: str, body: bytes = body) -> None:
                req = urllib.request.Request(url, data=body, headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
                with urllib.request.urlopen(req, timeout=300) as resp:
                    resp.read()

            out[name] = interleaved(lambda: ask(f"http://127.0.0.1:{p1}/sparql"),
                                    lambda: ask(f"http://127.0.0.1:{p2}/query"), runs)
    finally:
        for proc in (mine, theirs):
            proc.terminate()
            proc.wait(timeout=30)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="real,100k,1M")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--out", default=str(ROOT / "docs" / "path-benchmarks.md"))
    args = ap.parse_args()
    lines = ["# The path users run against the engine under it", "",
             "Medians of interleaved runs in one process (`python benchmarks/path_ratio.py`). *query path*: "
             "`mmkg query`'s store layer against bare pyoxigraph reading every value, same store, same query. "
             "*endpoint*: `mmkg serve` against Oxigraph's own read-only server on the same data, SPARQL JSON over "
             "HTTP. Ratio = mmkg / baseline (1.00 = as fast; the target is at most 1.20).", ""]
    with tempfile.TemporaryDirectory(prefix="mmkg-path-") as tmp:
        work = Path(tmp)
        for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
            store, nt, binds = prepare(size, work)
            emb = measure_embedded(store, binds, args.runs)
            srv = measure_served(store, nt, binds, args.runs, work)
            lines += [f"## {size}", "", "| query | query path (ms) | bare (ms) | ratio | endpoint (ms) | Oxigraph server (ms) | ratio |",
                      "|---|---:|---:|---:|---:|---:|---:|"]
            for name in emb:
                a, b = emb[name]
                c, d = srv[name]
                lines.append(f"| {name} | {a * 1e3:.2f} | {b * 1e3:.2f} | {a / b:.2f} | {c * 1e3:.2f} | {d * 1e3:.2f} | {c / d:.2f} |")
            lines.append("")
            print("\n".join(lines[-len(emb) - 3:]), flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
