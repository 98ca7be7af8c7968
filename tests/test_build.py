import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import build_mini_with
from mmkg.builder import build, open_built, stale_reason
from mmkg.errors import EnvironmentProblem, InputError
from mmkg.store import Store, Table

MINI = Path(__file__).parent / "fixtures" / "mini"


def _ask(store: Store, text: str) -> bool:
    result = store.query(text)
    assert isinstance(result, bool)
    return result


@pytest.mark.java
def test_build_writes_graph_store_and_report(mini_build: Path) -> None:
    run = (mini_build / "current").resolve()
    for name in ("mmkg.ttl", "mmkg.nt", "report.json", "manifest.json"):
        assert (run / name).is_file(), name
    assert (mini_build / "mmkg.ttl").read_bytes() == (run / "mmkg.ttl").read_bytes()
    report = json.loads((run / "report.json").read_text())
    assert report["consistent"] is True
    assert report["violations"] == []
    assert report["entities"]["multi-modal pre-trained model"] == 4


@pytest.mark.java
def test_reasoner_infers_classes_never_asserted(mini_build: Path) -> None:
    store = Store.open((mini_build / "current" / "store").resolve())
    # delta is asserted only as a MultiModalModel with image, audio and text
    assert _ask(store, "ASK { model:delta a mmkg:VisionLanguageModel }")
    assert _ask(store, "ASK { model:delta a mmkg:AudioIncludingModel }")
    assert _ask(store, "ASK { model:gamma a mmkg:VideoLanguageModel }")
    assert _ask(store, "ASK { model:gamma a mmkg:KnowledgeEnhancedModel }")
    assert _ask(store, "ASK { model:beta a mmkg:ContrastiveModel }")
    assert not _ask(store, "ASK { model:alpha a mmkg:ContrastiveModel }")
    assert not _ask(store, "ASK { model:textenc a mmkg:VisionLanguageModel }")
    assert not _ask(store, "ASK { model:delta a mmkg:VisionLanguageModel . FILTER NOT EXISTS { ?e mmkg:rank ?r } . model:delta mmkg:evidence ?e . ?e a mmkg:VisionLanguageModel }")


@pytest.mark.java
def test_a_class_the_reasoner_concludes_brings_its_superclasses(tmp_path: Path,
                                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    """The reasoner's types are closed over the class hierarchy by the same update as the graph's
    own: delta is a VisionLanguageModel only by reasoning, so it is of that class's superclass only
    through the closure of the reasoner's answer."""
    hierarchy = tmp_path / "hierarchy.ttl"
    hierarchy.write_text(
        "<https://w3id.org/mmkg/ontology#VisionLanguageModel> "
        "<http://www.w3.org/2000/01/rdf-schema#subClassOf> <https://example.org/SeeingModel> .\n")
    out, _ = build_mini_with(tmp_path_factory, "hierarchy", hierarchy, validate=False)
    store = Store.open((out / "current" / "store").resolve())
    assert _ask(store, "ASK { model:delta a <https://example.org/SeeingModel> }")
    assert not _ask(store, "ASK { model:textenc a <https://example.org/SeeingModel> }")
    written = (out / "mmkg.nt").read_text()
    assert "<https://w3id.org/mmkg/id/model/delta> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://example.org/SeeingModel> ." in written


@pytest.mark.java
def test_inconsistent_fixture_is_reported(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, report = build_mini_with(tmp_path_factory, "inconsistent", Path(__file__).parent / "fixtures" / "inconsistent.ttl",
                                validate=False)
    assert report.consistent is False
    assert not report.ok


def test_derivation_skips_deprecated_claims(mini_build: Path) -> None:
    store = Store.open((mini_build / "current" / "store").resolve())
    years = store.query("SELECT ?y WHERE { model:beta mmkg:year ?y }")
    assert isinstance(years, Table)
    assert [r[0].value for r in years.rows] == ["2020"]
    assert _ask(store, "ASK { model:delta mmkg:buildsOn model:gamma . model:delta prov:wasDerivedFrom model:beta }")


def test_a_preferred_claim_outranks_normal_ones_for_its_property_only(tmp_path: Path,
                                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    ranked = tmp_path / "ranked.ttl"
    ranked.write_text(
        "@prefix dct: <http://purl.org/dc/terms/> .\n"
        "@prefix mmkg: <https://w3id.org/mmkg/ontology#> .\n"
        "@prefix model: <https://w3id.org/mmkg/id/model/> .\n"
        "@prefix paper: <https://w3id.org/mmkg/id/paper/> .\n"
        "model:gamma mmkg:evidence [ dct:source paper:arxiv-0000-00003 ; mmkg:locator \"Sec 9\" ;\n"
        "    mmkg:rank mmkg:PreferredRank ; mmkg:year 2019 ] .\n")
    out, _ = build_mini_with(tmp_path_factory, "ranked", ranked, reason=False, validate=False)
    store = Store.open((out / "current" / "store").resolve())
    years = store.query("SELECT ?y WHERE { model:gamma mmkg:year ?y }")
    assert isinstance(years, Table)
    assert [r[0].value for r in years.rows] == ["2019"]  # the survey's 2021 is outranked
    # what no preferred block states still comes from the normal ones
    assert _ask(store, "ASK { model:gamma mmkg:modality mmkg:video ; mmkg:initialisedFrom model:beta }")


def test_broken_turtle_leaves_previous_build_intact(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(MINI, graph)
    out = tmp_path / "out"
    first = build(graph=graph, out=out, reason=False, progress=None)
    before = (out / "current").resolve()
    (graph / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    with pytest.raises(InputError) as err:
        build(graph=graph, out=out, reason=False, progress=None)
    assert "broken.ttl:2:" in str(err.value)
    assert (out / "current").resolve() == before == first.run_dir
    assert Store.open(before / "store").query("ASK { model:alpha a mmkg:MultiModalModel }") is True


@pytest.mark.java
def test_a_reasoner_that_fails_midway_leaves_the_previous_build_and_no_staging(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The on-disk store is loaded beside the validation and waits for the reasoner's types: when
    the reasoner fails instead, that loader stops too and the half-made run is removed."""
    out = tmp_path / "out"
    first = build(graph=MINI, out=out, reason=False, progress=None)
    broken = tmp_path / "bin"
    broken.mkdir()
    java = broken / "java"  # a Java runtime that dies as it starts
    java.write_text("#!/bin/sh\necho 'Error: could not create the Java Virtual Machine.' >&2\nexit 1\n")
    java.chmod(0o755)
    monkeypatch.setenv("PATH", f"{broken}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(EnvironmentProblem, match="reasoner failed"):
        build(graph=MINI, out=out, progress=None)
    assert (out / "current").resolve() == first.run_dir
    assert not list((out / "runs").glob(".staging-*"))
    assert Store.open(first.run_dir / "store").query("ASK { model:alpha a mmkg:MultiModalModel }") is True


def test_stale_build_is_detected_and_rebuilt(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(MINI, graph)
    out = tmp_path / "out"
    build(graph=graph, out=out, reason=False, progress=None)
    assert stale_reason(out, graph=graph) is None
    text = (graph / "mini.ttl").read_text().replace('rdfs:label "Alpha"', 'rdfs:label "Alpha Prime"')
    (graph / "mini.ttl").write_text(text)
    assert "changed" in (stale_reason(out, graph=graph) or "")
    store = open_built(out, graph=graph, progress=None)
    assert store.query('ASK { model:alpha rdfs:label "Alpha Prime" }') is True


def test_corrupt_manifest_is_not_trusted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(graph=MINI, out=out, reason=False, progress=None)
    (out / "current" / "manifest.json").write_text("{not json")
    assert "corrupt" in (stale_reason(out, graph=MINI) or "")
    open_built(out, graph=MINI, progress=None)
    assert stale_reason(out, graph=MINI) is None


def test_old_runs_are_pruned(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(3):
        build(graph=MINI, out=out, reason=False, validate=False, progress=None)
    runs = [p for p in (out / "runs").iterdir() if not p.name.startswith(".")]
    assert len(runs) == 2
    assert os.path.islink(out / "current")


@pytest.mark.java
def test_reasoner_answer_is_reused_only_for_the_same_input(tmp_path: Path) -> None:
    graph, out = tmp_path / "graph", tmp_path / "out"
    shutil.copytree(MINI, graph)
    first = build(graph=graph, out=out, validate=False, progress=None)
    assert not first.reasoning_cached and first.inferred_types > 0
    # a locator is not read by the reasoner: the answer is reused, and the same
    text = (graph / "mini.ttl").read_text()
    (graph / "mini.ttl").write_text(text.replace('mmkg:locator "Table 1"', 'mmkg:locator "Table 1, row 2"', 1))
    second = build(graph=graph, out=out, validate=False, progress=None)
    assert second.reasoning_cached and second.inferred_types == first.inferred_types
    # a modality is: the reasoner runs again, and its answer changes
    (graph / "mini.ttl").write_text(text.replace("mmkg:modality mmkg:audio, mmkg:image, mmkg:text", "mmkg:modality mmkg:image, mmkg:text", 1))
    assert text != (graph / "mini.ttl").read_text()
    third = build(graph=graph, out=out, validate=False, progress=None)
    assert not third.reasoning_cached and third.inferred_types != first.inferred_types
    # a damaged entry is recomputed, never trusted
    for entry in (out / "cache" / "reasoning").glob("*.json"):
        entry.write_text("{")
    fourth = build(graph=graph, out=out, validate=False, progress=None)
    assert not fourth.reasoning_cached and fourth.inferred_types == third.inferred_types


@pytest.mark.java
def test_the_store_holds_the_reasoners_types_whether_it_ran_or_its_answer_was_kept(tmp_path: Path) -> None:
    """The on-disk store is loaded two ways: the plain graph first and the reasoner's types added
    once it answers, or both in one load when its answer for the same input was kept."""

    def contents(run: Path) -> tuple[int, set[str]]:
        store = Store.open(run / "store")
        named = {str(q) for q in store.engine if not any(type(t).__name__ == "BlankNode" for t in q)}
        return len(store), named

    out = tmp_path / "out"
    ran = build(graph=MINI, out=out, validate=False, progress=None)
    kept = build(graph=MINI, out=out, validate=False, progress=None)
    assert not ran.reasoning_cached and kept.reasoning_cached and ran.inferred_types > 0
    assert contents(ran.run_dir) == contents(kept.run_dir)
    for run in (ran.run_dir, kept.run_dir):  # a type only the reasoner concludes
        assert _ask(Store.open(run / "store"), "ASK { model:delta a mmkg:VisionLanguageModel }")


@pytest.mark.java
def test_a_misspelt_value_is_reported_even_though_the_reasoner_could_type_it(tmp_path: Path) -> None:
    """HermiT types mmkg:imagee as a Modality from the property's range; validation checks the
    graph as written, so the typo is still an undeclared reference and a model with one modality."""
    from mmkg.builder import assemble
    from mmkg.resources import source_files

    graph = tmp_path / "graph"
    shutil.copytree(MINI, graph)
    text = (graph / "mini.ttl").read_text()
    typo = text.replace("mmkg:modality mmkg:audio, mmkg:image, mmkg:text", "mmkg:modality mmkg:audio, mmkg:imagee, mmkg:text", 1)
    assert typo != text
    (graph / "mini.ttl").write_text(typo)
    _, report = assemble(source_files(graph), reason=True, validate=True)
    assert report.consistent is True
    assert {v.rule for v in report.violations if "imagee" in v.line() or "model:delta" in v.focus} == {"undeclared-reference", "shape"}


@pytest.mark.java
def test_reasoning_once_per_alike_group_gives_every_individual_its_own_answer() -> None:
    """On the real graph: the reasoner's answer with individuals described alike reasoned about
    once equals its answer with every individual given to HermiT."""
    from mmkg.builder import assemble
    from mmkg.reasoner import Reasoner, _alike, reason
    from mmkg.resources import build_query, source_files

    files = source_files()
    store, _ = assemble(files, reason=False, validate=False)
    subset = store.query(build_query("reasoning-input"))
    assert isinstance(subset, list)
    assert _alike(subset), "the real graph has models described alike"
    grouped = Reasoner(files[0], None)
    grouped.submit(subset)
    answer = grouped.result()
    each = reason(files[0], "".join(f"{t} .\n" for t in subset).encode())
    assert answer.consistent and each.consistent
    assert answer.inferred == each.inferred


#: the facts the reasoner is given, read from the derived graph: what its input, read from the
#: graph as written so that it can start before anything is derived, must equal
_REASONED_FACTS_DERIVED = """
PREFIX mmkg: <https://w3id.org/mmkg/ontology#>
CONSTRUCT { ?m a ?mt . ?m ?p ?v . ?v a ?vt . }
WHERE {
  { ?m a mmkg:MultiModalModel } UNION { ?m a mmkg:UniModalModel } UNION { ?m a mmkg:PretrainedModel }
  ?m a ?mt . FILTER (STRSTARTS(STR(?mt), "https://w3id.org/mmkg/ontology#"))
  OPTIONAL {
    ?m ?p ?v .
    VALUES ?p { mmkg:modality mmkg:objective mmkg:fusionStyle mmkg:knowledgeKind }
    OPTIONAL { ?v a ?vt . FILTER (STRSTARTS(STR(?vt), "https://w3id.org/mmkg/ontology#")) }
  }
}
"""

_RANKED = """
@prefix dct: <http://purl.org/dc/terms/> .
@prefix mmkg: <https://w3id.org/mmkg/ontology#> .
@prefix model: <https://w3id.org/mmkg/id/model/> .
@prefix objective: <https://w3id.org/mmkg/id/objective/> .
@prefix paper: <https://w3id.org/mmkg/id/paper/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

model:ranked
    a mmkg:MultiModalModel ;
    mmkg:evidence [
        dct:source paper:arxiv-0000-00002 ; mmkg:locator "Sec 2" ; mmkg:rank mmkg:PreferredRank ;
        mmkg:modality mmkg:image, mmkg:text
    ], [
        dct:source paper:arxiv-2302-10035 ; mmkg:locator "Table 3" ;
        mmkg:modality mmkg:audio ; mmkg:fusionStyle mmkg:SingleStream
    ], [
        dct:source paper:arxiv-2302-10035 ; mmkg:locator "Table 4" ; mmkg:rank mmkg:DeprecatedRank ;
        mmkg:objective objective:mlm ; rdfs:comment "Read wrongly."
    ] ;
    rdfs:label "Ranked" .
"""


@pytest.mark.parametrize("which", ["real graph", "ranked blocks"])
def test_the_reasoners_input_read_as_written_is_what_the_derived_graph_states(which: str, tmp_path: Path) -> None:
    """The reasoner is given its input before the graph is derived; it must be the derived graph's
    facts about models (a preferred block over a normal one, never a deprecated block, and every
    superclass of each type). The second case fails if the rank of a block is ignored."""
    from mmkg.resources import build_query, source_files

    if which == "real graph":
        files = source_files()
    else:
        graph = tmp_path / "graph"
        shutil.copytree(MINI, graph)
        (graph / "ranked.ttl").write_text(_RANKED)
        files = source_files(graph)
    store = Store.memory()
    for path in files:
        store.load_file(path)
    early = store.query(build_query("reasoning-input"))
    for name in ("derive-supers", "derive"):
        store.update(build_query(name))
    derived = store.query(_REASONED_FACTS_DERIVED)
    assert isinstance(early, list) and isinstance(derived, list)
    assert sorted(map(str, early)) == sorted(map(str, derived))
    if which == "ranked blocks":
        facts = {str(t) for t in early if "ranked" in str(t.subject)}
        assert any("#audio" in f for f in facts) is False  # the preferred block's modalities win
        assert any("objective/mlm" in f for f in facts) is False  # a deprecated block gives nothing
        assert any("SingleStream" in f for f in facts)  # a normal block gives what no preferred one states


def test_a_build_whose_inputs_were_only_touched_is_restamped_when_found_current(tmp_path: Path) -> None:
    """A checkout changes modification times, not contents: the build stays current (by digest),
    and `mmkg build` records the new stamp so that later queries need not read every input."""
    from mmkg.builder import input_stamp, up_to_date
    from mmkg.resources import source_files

    graph, out = tmp_path / "graph", tmp_path / "out"
    shutil.copytree(MINI, graph)
    build(graph=graph, out=out, reason=False, progress=None)
    manifest = out / "current" / "manifest.json"
    later = (graph / "mini.ttl").stat().st_mtime_ns + 5_000_000_000
    os.utime(graph / "mini.ttl", ns=(later, later))
    assert json.loads(manifest.read_text())["stamp"] != input_stamp(source_files(graph))
    assert stale_reason(out, graph=graph) is None  # same contents
    assert up_to_date(out, graph=graph, reason=False) is not None
    assert json.loads(manifest.read_text())["stamp"] == input_stamp(source_files(graph))
