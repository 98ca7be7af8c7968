"""Smoke test of the benchmark at 10k triples (no timing assertions) and of the generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmkg.bench import report, run
from mmkg.synth import write


def test_generator_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.nt", tmp_path / "b.nt"
    assert write(a, 5000, seed=3) == write(b, 5000, seed=3)
    assert a.read_bytes() == b.read_bytes()
    import pyoxigraph as ox

    triples = list(ox.parse(path=str(a), format=ox.RdfFormat.N_TRIPLES))
    assert 4000 < len(triples) < 6500


@pytest.mark.slow
@pytest.mark.server
def test_bench_smoke_10k() -> None:
    results = run(["10k"], ["oxigraph", "mmkg", "rdflib", "server"], runs=1)
    entry = results["sizes"]["10k"]
    for engine in ("oxigraph", "mmkg", "rdflib", "server"):
        assert "error" not in entry[engine], entry[engine]
        assert set(entry[engine]["queries"]) == {"describe", "lineage", "citations-2hop", "group-by", "filtered-search", "text-search"}
    text = report(results)
    assert "## 10k" in text and "| load |" in text and "## Targets" in text


@pytest.mark.slow
@pytest.mark.server
def test_path_bench_smoke_10k() -> None:
    """mmkg bench --path at 10k: every query shape on every path, the lineage model with a long
    lineage, and a targets table (no timing is asserted)."""
    import re

    from mmkg import pathbench

    text = pathbench.run(["10k"], 1, processes=False)
    assert "## 10k" in text and "## Targets" in text
    ancestors = int(re.search(r"a model with (\d+) ancestors", text).group(1))  # type: ignore[union-attr]
    assert ancestors >= 50
    for q in ("describe", "lineage", "citations-2hop", "group-by", "filtered-search", "text-search"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {q} |"))
        assert "-" not in row.split("|")[5], row  # rdflib ran too
    assert "`mmkg serve` within 20% of Oxigraph's server" in text


def test_synthetic_lineage_model_has_a_long_lineage(tmp_path: Path) -> None:
    import pyoxigraph as ox

    from mmkg.synth import DEEP, model_count

    path = tmp_path / "s.nt"
    write(path, 20_000)
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    mid = model_count(20_000) // 2
    rows = list(store.query(f"SELECT DISTINCT ?a WHERE {{ <https://w3id.org/mmkg/id/model/m{mid}> "
                            "<https://w3id.org/mmkg/ontology#buildsOn>+ ?a }"))
    assert len(rows) >= DEEP
