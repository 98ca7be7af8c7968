"""``mmkg bench --path``: the path users run, against the engines under it, side by side.

For each size (the real graph, or synthetic graphs of its shape), the store is what ``mmkg
build`` writes (on disk, compacted). Per query shape, in one process and interleaved (A B C A B
C ...): ``mmkg query``'s path (``Store.open`` + ``query`` with parameters, rows materialised),
bare pyoxigraph on the same store and the same text (reading every value of every row), and
rdflib on the same triples (reading every value; up to 1M triples). Over HTTP, ``mmkg serve``
(answer cache off) against Oxigraph's own read-only server on the same data. Then whole-process
rows: cold start beside a bare interpreter, the unchanged and the full build. The report states
each target with its measured figure, met or not.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

REAL_MODEL = "https://w3id.org/mmkg/id/model/llava-1-5"
REAL_PAPER = "https://w3id.org/mmkg/id/paper/arxiv-2103-00020"
RATIO = 1.20  # the path may cost at most 20% more than the engine under it
RDFLIB_MAX = 1_000_000
SAMPLE = 0.02  # seconds of calls per timed sample


def interleaved(fns: list[Callable[[], object]], runs: int) -> list[float]:
    """Median seconds per call of each function, run in turn after one warm-up each. The order rotates
    every round (A B C, B C A, C A B, ...) so that no engine always runs right after another
    one's caches and garbage, which a fixed order charges to whoever comes next."""
    repeat = []
    for fn in fns:  # the warm-up also sizes a sample: calls of well under a millisecond are
        t = time.perf_counter()  # timed in batches of SAMPLE seconds, so the clock's and the
        fn()  # scheduler's noise do not make the figure
        repeat.append(max(1, int(SAMPLE / max(time.perf_counter() - t, 1e-7))))
    times: list[list[float]] = [[] for _ in fns]
    for r in range(runs):
        for k in range(len(fns)):
            i = (r + k) % len(fns)
            t = time.perf_counter()
            for _ in range(repeat[i]):
                fns[i]()
            times[i].append((time.perf_counter() - t) / repeat[i])
    return [statistics.median(t) for t in times]


def prepare(size: str, work: Path) -> tuple[Path, Path, dict[str, str]]:
    """The store (as ``mmkg build`` writes it), its N-Triples and the query parameters."""
    from mmkg.bench import SIZES
    from mmkg.store import Store
    from mmkg.synth import model_count, write

    if size == "real":
        from mmkg.builder import current_run, open_built

        open_built()
        run = current_run()
        assert run is not None
        return run / "store", run / "mmkg.nt", {"model": REAL_MODEL, "paper": REAL_PAPER}
    from mmkg.builder import COUNTS, void_counts

    nt = work / f"{size}.nt"
    write(nt, SIZES[size])
    run = work / f"{size}-run"  # laid out as a build's run: store, and the counts a build saves
    run.mkdir(parents=True, exist_ok=True)
    store = Store.create(run / "store")
    store.load_file(nt)
    store.flush()
    store.optimize()
    (run / COUNTS).write_text(json.dumps(void_counts(store)))
    del store
    mid = model_count(SIZES[size]) // 2  # ends a family of synth.DEEP versions: tens of ancestors
    return run / "store", nt, {"model": f"https://w3id.org/mmkg/id/model/m{mid}",
                               "paper": f"https://w3id.org/mmkg/id/paper/p{mid}"}


def measure_embedded(store_path: Path, nt: Path, binds: dict[str, str], runs: int, *, rdflib: bool) -> dict[str, Any]:
    import pyoxigraph as ox

    from mmkg.bench import _queries
    from mmkg.sparqltext import inject_values
    from mmkg.store import Store

    bare = ox.Store.read_only(str(store_path))
    mine = Store.open(store_path)
    graph = None
    if rdflib:
        from rdflib import Graph

        graph = Graph().parse(str(nt), format="nt")
        # the millions of objects of rdflib's graph are set aside from the collector, so that they
        # do not make every other engine's allocations pay for scanning them
        gc.collect()
        gc.freeze()
    out: dict[str, Any] = {}
    try:
        for name, text in _queries().items():
            subs = {k: ox.NamedNode(v) for k, v in binds.items() if f"?{k}" in text}
            inline = inject_values(text, subs) if subs else text

            def run_mine(text: str = text, subs: dict = subs) -> None:
                mine.query(text, subs)

            def run_bare(text: str = inline) -> None:  # the same text the mmkg path runs
                res = bare.query(text)
                if not isinstance(res, ox.QueryBoolean):
                    for row in res:
                        for term in row:
                            if term is not None:
                                term.value  # noqa: B018 - read every value, as mmkg does

            fns: list[Callable[[], object]] = [run_mine, run_bare]
            if graph is not None:
                from rdflib import URIRef

                init = {k: URIRef(v) for k, v in binds.items() if f"?{k}" in text}

                def run_rdflib(text: str = text, init: dict = init) -> None:
                    for row in graph.query(text, initBindings=init):
                        for term in row if isinstance(row, tuple) else (row,):
                            str(term)

                fns.append(run_rdflib)
            times = interleaved(fns, runs)
            out[name] = {"mmkg": times[0], "pyoxigraph": times[1], "rdflib": times[2] if graph is not None else None}
            if name == "lineage":
                res = bare.query(inline)
                out[name]["rows"] = 0 if isinstance(res, ox.QueryBoolean) else sum(1 for _ in res)
    finally:
        if graph is not None:
            gc.unfreeze()
    return out


_FLOOR_BODY = b'{"head": {"vars": []}, "results": {"bindings": []}}'


def _floor(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(_FLOOR_BODY)))])
    return [_FLOOR_BODY]


def floor_app() -> Any:
    """A WSGI app that answers every request with a fixed SPARQL JSON body, served as ``mmkg serve``
    is: what one request costs in this HTTP stack and client before any query work."""
    return _floor


FLOOR_SERVER = "from mmkg.server import http_server; http_server('mmkg.pathbench:floor_app', '127.0.0.1', {port}).serve()"


def measure_served(store_path: Path, nt: Path, binds: dict[str, str], runs: int, work: Path) -> dict[str, Any]:
    from mmkg.bench import _queries
    from mmkg.remote import free_ports, wait_for

    build = work / "serve-build"
    run = build / "runs" / "r"
    if build.exists():
        shutil.rmtree(build)
    run.mkdir(parents=True)
    shutil.copytree(store_path, run / "store")
    shutil.copy(nt, run / "mmkg.nt")
    from mmkg.builder import COUNTS

    if (store_path.parent / COUNTS).is_file():
        shutil.copy(store_path.parent / COUNTS, run / COUNTS)
    ox_dir = work / "oxigraph-store"
    if ox_dir.exists():
        shutil.rmtree(ox_dir)
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    subprocess.run([exe, "load", "--location", str(ox_dir), "--file", str(nt)], check=True, capture_output=True)
    p1, p2, p3 = free_ports(3)  # mmkg, Oxigraph's server, and the floor
    code = ("from pathlib import Path; from mmkg.server import ServerConfig, serve; "
            f"serve(ServerConfig(run_dir=Path({str(run)!r}), port={p1}, workers=2, timeout=120, max_rows=10**9, "
            "max_response_bytes=2**31, cache_bytes=0))")
    mine = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the floor: the same HTTP server, answering a fixed body without any work
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER.format(port=p3)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    theirs = subprocess.Popen([exe, "serve-read-only", "--location", str(ox_dir), "--bind", f"127.0.0.1:{p2}"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        wait_for(f"http://127.0.0.1:{p1}/sparql", proc=mine, seconds=600)
        out["_started"] = time.perf_counter() - started  # the workers load the graph into memory where it fits
        wait_for(f"http://127.0.0.1:{p2}/query?query=ASK%7B%7D", proc=theirs, seconds=600)
        wait_for(f"http://127.0.0.1:{p3}/", proc=floor)
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

            a, b, c = interleaved([lambda: ask(f"http://127.0.0.1:{p1}/sparql"), lambda: ask(f"http://127.0.0.1:{p2}/query"),
                                   lambda: ask(f"http://127.0.0.1:{p3}/")], runs)
            out[name] = {"mmkg serve": a, "oxigraph server": b, "http floor": c}
    finally:
        for proc in (mine, theirs, floor):
            proc.terminate()
            proc.wait(timeout=30)
    return out


# ------------------------------------------------------------------ whole processes

def _env() -> dict[str, str]:
    # bytecode is cached as it is for users; a shell that turns caching off would time compiling
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _mmkg() -> list[str]:
    exe = Path(sys.executable).parent / "mmkg"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mmkg"]


def _process(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def _build(args: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run([*_mmkg(), "build", *args], env=_env(), capture_output=True, text=True, check=True).stdout
    took = re.search(r"^took .*$", out, re.M)
    return time.perf_counter() - t, took.group(0) if took else out.strip().splitlines()[-1]


def process_rows(runs: int) -> list[tuple[str, str, bool]]:
    """Cold start beside a bare interpreter, interleaved; the unchanged and the full build."""
    py = sys.executable
    pairs = [
        ("mmkg --help: at most 0.10 s more than `python -c pass`", [*_mmkg(), "--help"], [py, "-c", "pass"], 0.10),
        ("mmkg query NAME: at most 0.20 s more than `python -c 'import pyoxigraph'`",
         [*_mmkg(), "query", "models-by-year"], [py, "-c", "import pyoxigraph"], 0.20),
        ("mmkg query NAME -p (a parameter): at most 0.25 s more than `python -c 'import pyoxigraph'`",
         [*_mmkg(), "query", "ancestors", "-p", "model=BLIP-2"], [py, "-c", "import pyoxigraph"], 0.25),
    ]
    _build([])  # current before anything is timed
    rows = []
    for name, cmd, base, budget in pairs:
        a, b = interleaved([partial(_process, cmd), partial(_process, base)], runs)
        rows.append((name, f"{a:.3f} s vs {b:.3f} s: +{a - b:.3f} s", a - b <= budget))
    unchanged = statistics.median(_build([])[0] for _ in range(5))
    rows.append(("`mmkg build` with unchanged inputs: under 0.5 s, says it is up to date", f"{unchanged:.2f} s", unchanged < 0.5))
    colds, warms = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            colds.append(_build(["--out", tmp]))  # a new folder: the reasoner runs
            warms.append(_build(["--out", tmp, "--force"]))  # same inputs: its answer is reused
    for label, results in (("reasoner run (new build folder)", colds), ("reasoner's answer reused (`--force`)", warms)):
        secs, stages = sorted(results)[1]
        rows.append((f"full build as a process, {label}, median of 3: under 5 s",
                     f"{secs:.1f} s (runs {', '.join(f'{s:.1f}' for s, _ in results)}; median run: {stages})", secs < 5))
    return rows


# ------------------------------------------------------------------ report

def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:.2f}"


def run(sizes: list[str], runs: int, *, processes: bool = True, progress: Callable[[str], None] | None = None) -> str:
    """Measure and return the Markdown report."""
    from mmkg.bench import SIZES

    lines = [
        "# The path users run, against the engines under it", "",
        f"`mmkg bench --path` on {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.platform()}, "
        f"{time.strftime('%Y-%m-%d')}. Medians of {runs} interleaved runs. *query path*: `mmkg query`'s store layer "
        "(parameters as inline data, rows materialised) against bare pyoxigraph on the same compacted on-disk store "
        "and the same text, reading every value, and rdflib on the same triples (up to 1M). *endpoint*: `mmkg serve` "
        "(answer cache off) against Oxigraph's own read-only server on the same data, SPARQL JSON over HTTP; "
        "*HTTP floor*: the same HTTP server (Granian) and client with an app that returns a fixed body, "
        "no query and no worker: what any Python endpoint pays per request before doing anything. "
        f"Ratio = mmkg / engine; the target is at most {RATIO:.2f}.", "",
    ]
    targets: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory(prefix="mmkg-path-") as tmp:
        work = Path(tmp)
        for size in sizes:
            if progress:
                progress(f"{size}: preparing")
            store, nt, binds = prepare(size, work)
            big = size != "real" and SIZES[size] > RDFLIB_MAX
            if progress:
                progress(f"{size}: query path")
            emb = measure_embedded(store, nt, binds, runs, rdflib=not big)
            if progress:
                progress(f"{size}: endpoint")
            srv = measure_served(store, nt, binds, runs, work)
            started = srv.pop("_started")
            lines += [f"## {size}", "",
                      f"The lineage query asks about a model with {emb['lineage']['rows']} ancestors. "
                      f"`mmkg serve` answered {started:.1f} s after it was started.", "",
                      "| query | query path (ms) | pyoxigraph (ms) | ratio | rdflib (ms) | rdflib / path | endpoint (ms) "
                      "| Oxigraph server (ms) | ratio | HTTP floor (ms) |",
                      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
            worst_path = max(v["mmkg"] / v["pyoxigraph"] for v in emb.values())
            worst_srv = max(v["mmkg serve"] / v["oxigraph server"] for v in srv.values())
            for name, e in emb.items():
                s = srv[name]
                slow = f"{e['rdflib'] / e['mmkg']:.0f}x" if e["rdflib"] else "-"
                lines.append(f"| {name} | {_ms(e['mmkg'])} | {_ms(e['pyoxigraph'])} | {e['mmkg'] / e['pyoxigraph']:.2f} | "
                             f"{_ms(e['rdflib'])} | {slow} | {_ms(s['mmkg serve'])} | {_ms(s['oxigraph server'])} | "
                             f"{s['mmkg serve'] / s['oxigraph server']:.2f} | {_ms(s.get('http floor'))} |")
            lines.append("")
            targets.append((f"{size}: `mmkg query` path within 20% of bare pyoxigraph, every query shape",
                            f"worst ratio {worst_path:.2f}", worst_path <= RATIO))
            targets.append((f"{size}: `mmkg serve` within 20% of Oxigraph's server, every query shape",
                            f"worst ratio {worst_srv:.2f}", worst_srv <= RATIO))
    if processes:
        if progress:
            progress("cold start and builds")
        targets += process_rows(max(5, runs))
    lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|",
              *(f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in targets), ""]
    return "\n".join(lines)
