"""Exports: round-trips, determinism, atomic writes, clear errors."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Namespace
from rdflib.compare import isomorphic

from mmkg.errors import UnknownNameError
from mmkg.exporter import FORMATS, export, text
from mmkg.store import Store
from mmkg.subgraph import citation_subgraph, lineage_subgraph

M = "https://w3id.org/mmkg/id/model/"
P = "https://w3id.org/mmkg/id/paper/arxiv-0000-0000"
MMKG = Namespace("https://w3id.org/mmkg/ontology#")
DCT = Namespace("http://purl.org/dc/terms/")


@pytest.fixture(scope="module")
def store(mini_build: Path) -> Store:
    return Store.open((mini_build / "current" / "store").resolve())


def test_lineage_subgraph_nodes(store: Store) -> None:
    sub = lineage_subgraph("Delta", direction="ancestors", depth=1, store=store)
    assert sub.nodes == [M + "beta", M + "delta", M + "gamma"]
    assert set(sub.papers) == {P + "2", P + "3", P + "4"}


def test_citation_subgraph_from_model_name(store: Store) -> None:
    sub = citation_subgraph("Beta", hops=1, direction="cited-by", store=store)
    assert sub.centre == P + "2"
    assert sub.nodes == [P + "2", P + "3", P + "4"]
    assert sorted((u, v) for u, v in sub.graph.edges()) == [(P + "3", P + "2"), (P + "4", P + "2"), (P + "4", P + "3")]


def test_rdf_exports_round_trip_and_describe_themselves(store: Store) -> None:
    sub = lineage_subgraph("Delta", direction="ancestors", depth=2, store=store)
    ttl = Graph().parse(data=text(sub, "ttl"), format="turtle")
    jsonld = Graph().parse(data=text(sub, "jsonld"), format="json-ld")
    nt = Graph().parse(data=text(sub, "nt"), format="nt")
    xml = Graph().parse(data=text(sub, "rdfxml"), format="xml")
    assert isomorphic(ttl, jsonld) and isomorphic(ttl, nt) and isomorphic(ttl, xml)
    # the lineage edges are there
    assert (Namespace(M)["delta"], MMKG.fineTunedFrom, Namespace(M)["gamma"]) in ttl
    # every fact on a model has an evidence block naming its source and place
    from rdflib import URIRef

    for s, p, o in ttl.triples((None, MMKG.fineTunedFrom, None)):
        if not isinstance(s, URIRef):
            continue
        blocks = [e for e in ttl.objects(s, MMKG.evidence) if (e, p, o) in ttl]
        assert blocks and all(ttl.value(e, DCT.source) is not None and ttl.value(e, MMKG.locator) is not None for e in blocks)
    # the ontology terms used carry their labels, and the sources their names
    assert ttl.value(MMKG.fineTunedFrom, Namespace("http://www.w3.org/2000/01/rdf-schema#").label) is not None
    assert ttl.value(Namespace("https://w3id.org/mmkg/id/paper/")["arxiv-0000-00004"], Namespace("http://www.w3.org/2000/01/rdf-schema#").label) is not None


def test_graph_files_load_in_networkx(store: Store) -> None:
    sub = lineage_subgraph("Beta", store=store)
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        g = reader(io.BytesIO(text(sub, fmt).encode()))
        assert set(g.nodes) == set(sub.graph.nodes), fmt
        assert g.number_of_edges() == sub.graph.number_of_edges(), fmt
        assert g.nodes[M + "beta"]["label"] == "Beta" and int(g.nodes[M + "beta"]["year"]) == 2020
        relations = sorted(d["relation"] for _, _, d in g.edges(data=True))
        assert relations == sorted(d["relation"] for _, _, d in sub.graph.edges(data=True))


def test_bibtex_parses_with_one_entry_per_paper(store: Store) -> None:
    import bibtexparser

    sub = citation_subgraph("Alpha paper", hops=2, store=store)
    library = bibtexparser.parse_string(text(sub, "bibtex"))
    assert library.failed_blocks == []
    assert len(library.entries) == len(sub.papers) == 4
    beta = [e for e in library.entries if e.fields_dict["title"].value.strip("{}") == "Beta: contrastive pairs"][0]
    assert beta.fields_dict["doi"].value == "10.1234/beta.2020"
    assert beta.fields_dict["author"].value == "Di Dev and Ed Eval"


def test_mermaid_dot_csv(store: Store, tmp_path: Path) -> None:
    sub = lineage_subgraph("Beta", store=store)
    mermaid = text(sub, "mermaid")
    assert mermaid.startswith("flowchart") and mermaid.count("-->") == sub.graph.number_of_edges()
    dot = text(sub, "dot")
    assert dot.count("->") == sub.graph.number_of_edges() and '"Beta (2020)"' in dot
    export(sub, "csv", tmp_path / "beta.csv")
    nodes = (tmp_path / "beta.nodes.csv").read_text().splitlines()
    edges = (tmp_path / "beta.edges.csv").read_text().splitlines()
    assert len(nodes) == 1 + len(sub.graph) and len(edges) == 1 + sub.graph.number_of_edges()


def test_html_export_is_the_network_view(store: Store) -> None:
    html = text(lineage_subgraph("Beta", store=store), "html")
    assert "vis.Network" in html and "mmkg-panel" in html


def test_output_is_deterministic_across_processes(mini_build: Path, tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, MMKG_BUILD=str(mini_build), PYTHONHASHSEED=seed)
        got = {}
        for fmt in FORMATS:
            out = tmp_path / f"{seed}.{fmt}"
            proc = subprocess.run([sys.executable, "-m", "mmkg", "export", "lineage", "Beta", "-f", fmt, "-o", str(out)],
                                  capture_output=True, text=True, env=env)
            assert proc.returncode == 0, proc.stderr
            got[fmt] = out.read_bytes() if fmt != "csv" else (tmp_path / f"{seed}.nodes.csv").read_bytes()
        outputs.append(got)
    assert outputs[0] == outputs[1]


def test_failed_export_leaves_no_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mmkg.exporter as ex

    sub = lineage_subgraph("Beta", store=store)
    target = tmp_path / "out.ttl"

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(ex, "text", broken)
    with pytest.raises(OSError):
        export(sub, "ttl", target)
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_suggests_and_exits_2(mini_build: Path, store: Store) -> None:
    with pytest.raises(UnknownNameError) as err:
        lineage_subgraph("Gama", store=store)
    assert "Gamma" in err.value.suggestions
    env = dict(os.environ, MMKG_BUILD=str(mini_build))
    proc = subprocess.run([sys.executable, "-m", "mmkg", "export", "citations", "Deltaa", "-f", "bibtex"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "Delta" in proc.stderr


def test_export_construct_query(mini_build: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MMKG_BUILD=str(mini_build))
    out = tmp_path / "g.jsonld"
    proc = subprocess.run([sys.executable, "-m", "mmkg", "export", "query", "lineage-graph", "-p", "model=Beta", "-f", "jsonld", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    g = Graph().parse(out, format="json-ld")
    assert (Namespace(M)["beta"], MMKG.extends, Namespace(M)["alpha"]) in g


@pytest.mark.slow
def test_real_graph_every_format(real_build: Path, tmp_path: Path) -> None:
    """Done-criterion: ancestors of a post-survey model and CLIP's 2-hop citation neighbourhood, in every format."""
    import bibtexparser

    store = Store.open((real_build / "current" / "store").resolve())
    subs = [lineage_subgraph("BLIP-2", direction="ancestors", depth=3, store=store),
            citation_subgraph("CLIP", hops=2, store=store)]
    assert len(subs[0].graph) >= 5 and len(subs[1].graph) >= 10
    for sub in subs:
        for fmt in FORMATS:
            export(sub, fmt, tmp_path / f"{sub.kind}.{fmt}")
        Graph().parse(tmp_path / f"{sub.kind}.ttl", format="turtle")
        Graph().parse(tmp_path / f"{sub.kind}.jsonld", format="json-ld")
        Graph().parse(tmp_path / f"{sub.kind}.rdfxml", format="xml")
        assert nx.read_graphml(tmp_path / f"{sub.kind}.graphml").number_of_nodes() == len(sub.graph)
        assert nx.read_gexf(tmp_path / f"{sub.kind}.gexf").number_of_nodes() == len(sub.graph)
        lib = bibtexparser.parse_file(str(tmp_path / f"{sub.kind}.bibtex"))
        assert lib.failed_blocks == [] and len(lib.entries) == len(sub.papers)


@pytest.mark.slow
def test_describe_of_a_model_with_training_stages_in_every_graph_format(real_build: Path) -> None:
    """The build links a model and its evidence block to the same stage nodes; every format still writes it."""
    from mmkg.choices import GRAPH_FORMATS
    from mmkg.formats import render

    store = Store.open((real_build / "current" / "store").resolve())
    triples = store.query("DESCRIBE <https://w3id.org/mmkg/id/model/llava-1-5>")
    assert isinstance(triples, list)
    assert sum(t.predicate.value.endswith("#trainingStage") for t in triples) >= 4  # two stages, two subjects
    parse_as = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdfxml": "xml"}
    for fmt in GRAPH_FORMATS:
        assert len(Graph().parse(data=render(triples, fmt), format=parse_as[fmt])) == len(triples), fmt
