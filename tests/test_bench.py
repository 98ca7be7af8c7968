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
