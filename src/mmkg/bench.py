"""``mmkg bench``: load time, memory and query latency of the embedded store (pyoxigraph),
rdflib's own engine (the baseline) and an Oxigraph server over the SPARQL protocol, on
synthetic graphs of this project's shape, plus the project's own layers. Each engine and size
runs in a fresh process so peak memory is its own."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUERIES = ("describe", "lineage", "citations-2hop", "group-by", "filtered-search", "text-search")
ID = "https://w3id.org/mmkg/id/"
TARGETS_1M = {"load": 5.0, "describe": 0.001, "lineage": 0.005, "citations-2hop": 0.005, "group-by": 0.25}
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}


def _queries() -> dict[str, str]:
    from mmkg.resources import root

    return {q: (root() / "benchmarks" / "queries" / f"{q}.rq").read_text(encoding="utf-8") for q in QUERIES}


def _bindings(n_models: int) -> dict[str, str]:
    mid = n_models // 2
    return {"model": f"{ID}model/m{mid}", "paper": f"{ID}paper/p{mid}"}


def _median(fn: Any, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(engine: str, nt: str, n_models: int, runs: int, per_query_timeout: float) -> dict[str, Any]:
    """Measure one engine on one file (runs in its own process)."""
    import signal

    texts = _queries()
    binds = _bindings(n_models)
    out: dict[str, Any] = {"engine": engine, "queries": {}}
    size = os.path.getsize(nt)
    if engine in ("oxigraph", "mmkg"):
        import pyoxigraph as ox

        t = time.perf_counter()
        store = ox.Store()
        store.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
        out["load"] = time.perf_counter() - t
        out["triples"] = len(store)
        subs = {ox.Variable(k): ox.NamedNode(v) for k, v in binds.items()}
        if engine == "mmkg":
            from mmkg.store import Store

            wrapped = Store(store)
        for name, text in texts.items():
            used = {k: v for k, v in subs.items() if f"?{k.value}" in text}
            run: Callable[[], None]
            if engine == "oxigraph":
                def run_bare(text: str = text, used: dict = used) -> None:
                    res = store.query(text, substitutions=used or None)
                    if not isinstance(res, ox.QueryBoolean):
                        for _ in res:
                            pass
                run = run_bare
            else:
                mine = {k.value: v for k, v in used.items()}

                def run_layer(text: str = text, mine: dict = mine) -> None:
                    wrapped.query(text, mine)
                run = run_layer
            out["queries"][name] = _median(run, runs)
        if engine == "mmkg":
            out.update(_project_layers(store, n_models, runs))
    elif engine == "rdflib":
        from rdflib import Graph, URIRef

        def alarm(*_: Any) -> None:
            raise TimeoutError

        signal.signal(signal.SIGALRM, alarm)
        t = time.perf_counter()
        g = Graph()
        g.parse(nt, format="nt")
        out["load"] = time.perf_counter() - t
        out["triples"] = len(g)
        for name, text in texts.items():
            init = {k: URIRef(v) for k, v in binds.items() if f"?{k}" in text}

            def run_rdflib(text: str = text, init: dict = init) -> None:
                for _ in g.query(text, initBindings=init):
                    pass
            run = run_rdflib
            signal.alarm(int(per_query_timeout))
            try:
                out["queries"][name] = _median(run, max(1, runs // 2))
            except TimeoutError:
                out["queries"][name] = None
            finally:
                signal.alarm(0)
    out["peak_mb"] = _peak_mb()
    out["bytes"] = size
    return out


def _project_layers(store: Any, n_models: int, runs: int) -> dict[str, Any]:
    """Export of a lineage subgraph, network view generation and PageRank, on the same store."""
    import networkx as nx

    from mmkg.store import Store, Table

    wrapped = Store(store)
    centre = f"{ID}model/m{n_models // 2}"
    res = wrapped.query("SELECT ?a ?b WHERE { ?a cito:cites ?b }")
    assert isinstance(res, Table)
    t = time.perf_counter()
    g = nx.DiGraph()
    g.add_edges_from((a.value, b.value) for a, b in res.rows)  # type: ignore[union-attr]
    nx.pagerank(g, max_iter=50, tol=1e-4)
    pagerank = time.perf_counter() - t
    lineage = (  # a depth-2 lineage subgraph, as `mmkg export lineage` writes by default
        "CONSTRUCT { ?a ?r ?b . ?a rdfs:label ?l } WHERE { ?m mmkg:buildsOn? ?a . ?a ?r ?b ."
        " VALUES ?r { mmkg:extends mmkg:fineTunedFrom mmkg:initialisedFrom mmkg:usesVisionEncoder mmkg:usesLanguageModel"
        " mmkg:distilledFrom } OPTIONAL { ?a rdfs:label ?l } }"
    )
    import pyoxigraph as ox

    def export() -> None:
        from mmkg.formats import render_graph

        triples = wrapped.query(lineage, {"m": ox.NamedNode(centre)})
        assert isinstance(triples, list)
        render_graph(triples, "ttl")

    return {"pagerank": pagerank, "pagerank_nodes": g.number_of_nodes(), "export": _median(export, runs)}


def server_worker(nt: str, n_models: int, runs: int) -> dict[str, Any]:
    """Load into an Oxigraph server through the Graph Store Protocol and query it over HTTP."""
    import shutil
    import urllib.request

    import pyoxigraph as ox

    from mmkg.remote import Endpoint, free_port, wait_for

    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"engine": "server", "queries": {}}
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([exe, "serve", "--location", tmp, "--bind", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(base + "/query?query=ASK%7B%7D", proc=proc)
            t = time.perf_counter()
            with open(nt, "rb") as handle:
                req = urllib.request.Request(base + "/store?default", data=handle.read(), method="POST",
                                             headers={"Content-Type": "application/n-triples"})
                urllib.request.urlopen(req, timeout=3600).read()
            out["load"] = time.perf_counter() - t
            endpoint = Endpoint(base + "/query", timeout=120)
            binds = {k: ox.NamedNode(v) for k, v in _bindings(n_models).items()}
            for name, text in _queries().items():
                used = {k: v for k, v in binds.items() if f"?{k}" in text}
                out["queries"][name] = _median(lambda text=text, used=used: endpoint.query(text, used), runs)
            with open(f"/proc/{proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        out["peak_mb"] = int(line.split()[1]) / 1024
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return out


def cold_start(runs: int = 5) -> float | None:
    """Seconds for `mmkg query models-by-year` on the built real graph, end to end as a process."""
    from mmkg.builder import stale_reason

    if stale_reason() is not None:
        return None
    times = []
    for _ in range(runs + 1):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mmkg", "query", "models-by-year"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def _spawn(args: list[str], timeout: float) -> dict[str, Any] | None:
    proc = subprocess.run([sys.executable, "-m", "mmkg.bench", *args], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(sizes: list[str], engines: list[str], *, runs: int = 7, rdflib_max: int = 1_000_000, per_query_timeout: float = 60,
        progress: Any = None, server_max: int = 1_000_000) -> dict[str, Any]:
    from mmkg.synth import model_count, write

    results: dict[str, Any] = {"machine": machine(), "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="mmkg-bench-") as tmp:
        for label in sizes:
            n = SIZES[label]
            nt = Path(tmp) / f"{label}.nt"
            count = write(nt, n)
            n_models = model_count(n)
            entry: dict[str, Any] = {"triples": count}
            for engine in engines:
                if (engine == "rdflib" and n > rdflib_max) or (engine == "server" and n > server_max):
                    continue
                if progress:
                    progress(f"{label}: {engine}")
                if engine == "server":
                    entry[engine] = _spawn(["--server", str(nt), str(n_models), str(runs)], timeout=7200)
                else:
                    entry[engine] = _spawn(["--worker", engine, str(nt), str(n_models), str(runs), str(per_query_timeout)], timeout=7200)
            results["sizes"][label] = entry
            nt.unlink()
    if progress:
        progress("cold start")
    results["cold_start"] = cold_start()
    return results


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
    except OSError:
        pass
    versions = {}
    for pkg in ("pyoxigraph", "rdflib", "oxigraph", "networkx", "pyvis"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "-"
    return {"cpus": os.cpu_count(), "memory_mb": mem, "python": platform.python_version(), "platform": platform.platform(),
            "versions": versions}


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "timeout"
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def report(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks", "",
        f"Machine: {m['cpus']} CPUs, {m['memory_mb']} MB memory, Python {m['python']}, {m['platform']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".", "",
        "Rerun: `mmkg bench` (default sizes 10k, 100k, 1M; add `--sizes 10M` for the largest). Synthetic graphs come "
        "from `mmkg.synth` (deterministic, seed 42). Latencies are medians after a warm-up; `ratio` is rdflib's time "
        "divided by the engine's, measured in the same run. `mmkg` is the embedded engine behind this project's "
        "own layer (parameter binding and result conversion).", "",
        "What users run, measured beside the engines under it: `mmkg bench --path` (docs/path-benchmarks.md: "
        "`mmkg query` over the built store, `mmkg serve`, cold start, build). Loading 10M triples: "
        "benchmarks/load_10m.py (docs/load-10m.md). The endpoint under load: docs/load-test.md. The network view: "
        "docs/viz-benchmarks.md and docs/layout-benchmarks.md.", "",
    ]
    for label, entry in results["sizes"].items():
        lines += [f"## {label} ({entry['triples']:,} triples)", ""]
        engines = [e for e in ("oxigraph", "mmkg", "rdflib", "server") if isinstance(entry.get(e), dict) and "error" not in entry[e]]
        for e in ("oxigraph", "mmkg", "rdflib", "server"):
            if isinstance(entry.get(e), dict) and "error" in entry[e]:
                lines.append(f"- {e}: failed ({entry[e]['error']})")
        header = "| measure | " + " | ".join(engines) + " | rdflib / embedded |"
        lines += [header, "|" + "---|" * (len(engines) + 2)]
        base = entry.get("rdflib") if "rdflib" in engines else None
        emb = entry.get("oxigraph", {})
        load_row = "| load | " + " | ".join(f"{_fmt(entry[e].get('load'))} ({entry['triples'] / entry[e]['load'] / 1e3:,.0f}k triples/s)" if entry[e].get("load") else "-" for e in engines)
        ratio = f"{base['load'] / emb['load']:.0f}x" if base and emb.get("load") else "-"
        lines.append(load_row + f" | {ratio} |")
        lines.append("| peak memory | " + " | ".join(f"{entry[e].get('peak_mb', 0):,.0f} MB" for e in engines) + " | |")
        for q in QUERIES:
            cells = [_fmt(entry[e]["queries"].get(q)) for e in engines]
            r = "-"
            if base and base["queries"].get(q) and emb.get("queries", {}).get(q):
                r = f"{base['queries'][q] / emb['queries'][q]:.0f}x"
            lines.append(f"| {q} | " + " | ".join(cells) + f" | {r} |")
        mine = entry.get("mmkg")
        if isinstance(mine, dict) and emb.get("queries"):
            over = []
            for q in QUERIES:
                a, b = emb["queries"].get(q), mine["queries"].get(q)
                if a and b:
                    over.append(f"{q} {100 * (b - a) / a:+.0f}%")
            lines += ["", "Project layer over the bare engine: " + ", ".join(over) + "."]
            lines += [f"Depth-2 lineage subgraph export (Turtle): {_fmt(mine.get('export'))}; PageRank over the citation graph "
                      f"({mine.get('pagerank_nodes', 0):,} papers): {_fmt(mine.get('pagerank'))}."]
        lines.append("")
    lines += targets(results)
    if results.get("cold_start") is not None:
        lines += [f"Cold start, `mmkg query models-by-year` on the built real graph, end to end as a process: {_fmt(results['cold_start'])}.", ""]
    return "\n".join(lines) + "\n"


WHY_SLOWER = {
    "describe": "both engines return the same few rows; rdflib's fixed cost per query is small against them",
    "lineage": "the answer is the whole set of ancestors; producing the result rows dominates both engines' time",
    "citations-2hop": "the CONSTRUCT returns up to 1,600 triples (3-40 citations a hop); building them dominates both engines",
    "group-by": "",
    "filtered-search": "",
    "text-search": "no text index: both engines apply LCASE and CONTAINS to every label, and that per-label work costs "
                   "about the same in both",
}


def targets(results: dict[str, Any]) -> list[str]:
    """The issue's targets, each met or not, from the measured numbers."""
    rows: list[tuple[str, str, bool | None, str]] = []
    one = results["sizes"].get("1M", {})
    emb = one.get("oxigraph") if isinstance(one.get("oxigraph"), dict) else None
    base = one.get("rdflib") if isinstance(one.get("rdflib"), dict) else None
    if emb and "queries" in emb:
        rows.append(("1M: load under 5 s", _fmt(emb["load"]), emb["load"] < 5, ""))
        for q, limit in (("describe", 0.001), ("lineage", 0.005), ("citations-2hop", 0.005), ("group-by", 0.25)):
            got = emb["queries"].get(q)
            rows.append((f"1M: {q} under {_fmt(limit)}", _fmt(got), got is not None and got < limit, ""))
        if base and "queries" in base:
            for q in QUERIES:
                a, b = base["queries"].get(q), emb["queries"].get(q)
                if a and b:
                    ok = a / b >= 25
                    why = "" if ok else WHY_SLOWER.get(q, "")
                    rows.append((f"1M: {q} at least 25x faster than rdflib", f"{a / b:.0f}x", ok, why))
    ten = results["sizes"].get("10M", {})
    emb10 = ten.get("oxigraph") if isinstance(ten.get("oxigraph"), dict) else None
    if emb10 and "queries" in emb10:
        rows.append(("10M: loads", _fmt(emb10["load"]), True, ""))
        got = emb10["queries"].get("lineage")
        rows.append(("10M: lineage under 50 ms", _fmt(got), got is not None and got < 0.05, ""))
        rows.append(("10M: under 8 GB of memory", f"{emb10.get('peak_mb', 0):,.0f} MB", emb10.get("peak_mb", 1e9) < 8192, ""))
    mine = one.get("mmkg") if isinstance(one.get("mmkg"), dict) else None
    if emb and mine and "queries" in mine:
        worst = max(((mine["queries"][q] - emb["queries"][q]) / emb["queries"][q], q) for q in QUERIES
                    if emb["queries"].get(q) and mine["queries"].get(q))
        rows.append(("1M: project layer adds at most 20%", f"worst {worst[1]} {100 * worst[0]:+.0f}%", worst[0] <= 0.2,
                     "the remaining cost is turning each solution into Python terms (the bare run iterates solutions "
                     "without reading them); default prefixes are now passed only when a query needs them, which "
                     "removed the larger part" if worst[0] > 0.2 else ""))
    if results.get("cold_start") is not None:
        rows.append(("cold start under 0.5 s", _fmt(results["cold_start"]), results["cold_start"] < 0.5, ""))
    fastest = all(
        isinstance(e.get("oxigraph"), dict) and all(
            (e["oxigraph"]["queries"].get(q) or 1e9) <= min((e[o]["queries"].get(q) or 1e9) for o in ("rdflib", "server") if isinstance(e.get(o), dict) and "queries" in e[o])
            for q in QUERIES) for e in results["sizes"].values()
        if any(isinstance(e.get(o), dict) for o in ("rdflib", "server")))
    rows.append(("the embedded default is the fastest option measured", "all sizes" if fastest else "no", fastest, ""))
    out = ["## Targets", "", "| target | measured | met | why not |", "|---|---|---|---|"]
    out += [f"| {t} | {m} | {'yes' if ok else 'no'} | {why} |" for t, m, ok, why in rows]
    return out + [""]


def _main() -> None:
    args = sys.argv[1:]
    if args[0] == "--worker":
        engine, nt, n_models, runs, timeout = args[1], args[2], int(args[3]), int(args[4]), float(args[5])
        print(json.dumps(worker(engine, nt, n_models, runs, timeout)))
    elif args[0] == "--server":
        print(json.dumps(server_worker(args[1], int(args[2]), int(args[3]))))


if __name__ == "__main__":
    _main()
