"""Every named query runs on the fixture graph and returns the expected rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmkg.api import named_queries
from mmkg.api import run_query as query
from mmkg.errors import InputError, UnknownNameError
from mmkg.formats import short
from mmkg.store import Store, Table

M, P, D = "model:", "paper:arxiv-0000-0000", "dataset:"


def rows(name: str, cols: list[str], **params: str) -> set[tuple[str, ...]]:
    result = query(name, params=params)
    assert isinstance(result, Table), name
    return {tuple(short(r[c]) for c in cols) for r in result.records()}


def triples(name: str, **params: str) -> set[tuple[str, str, str]]:
    result = query(name, params=params)
    assert isinstance(result, list), name
    return {(short(t.subject), short(t.predicate), short(t.object)) for t in result}


EXPECTED: dict[str, tuple[dict[str, str], list[str], set[tuple[str, ...]]]] = {
    "models-by-year": ({}, ["year", "models"], {("2019", "1"), ("2020", "1"), ("2021", "1"), ("2022", "1")}),
    "models-by-modality": ({}, ["combination", "models"], {("image+text", "2"), ("audio+image+text", "1"), ("text+video", "1")}),
    "search-models": ({"text": "single-stream"}, ["model"], {(M + "alpha",)}),
    "largest-models": ({}, ["model", "parameters"], {(M + "beta", "200000000"), (M + "textenc", "110000000"), (M + "alpha", "100000000")}),
    "contrastive-on-dataset": ({"dataset": "Pairs-B"}, ["model", "buildsOn"], {(M + "beta", "Alpha")}),  # delta checked below
    "datasets-table": ({}, ["row", "name", "year", "size", "available"], {("1", "Pairs-A", "2018", "1M", "true"), ("2", "Pairs-B", "2020", "30M", "false")}),
    "models-per-dataset": ({}, ["dataset", "models"], {(D + "pairs-b", "3"), (D + "pairs-a", "2")}),
    "shared-pretraining-data": ({}, ["model", "other", "datasets"], {(M + "alpha", M + "beta", "Pairs-A"), (M + "beta", M + "delta", "Pairs-B"), (M + "beta", M + "gamma", "Pairs-B"), (M + "delta", M + "gamma", "Pairs-B")}),
    "dataset-users": ({"dataset": "pairs-a"}, ["model"], {(M + "alpha",), (M + "beta",)}),
    "objectives-by-family": ({}, ["family", "abbreviation"], {("contrastive objective", "ITC"), ("language modelling objective", "LM"), ("masked language modelling", "MLM"), ("matching objective", "ITM")}),
    "family-trends": ({}, ["family", "year", "models"], {("contrastive objective", "2020", "1"), ("contrastive objective", "2022", "1"), ("generative objective", "2021", "1"), ("generative objective", "2022", "1"), ("masked modelling objective", "2019", "1"), ("matching objective", "2019", "1")}),
    "objective-users": ({"objective": "ITC"}, ["model"], {(M + "beta",), (M + "delta",)}),
    "undefined-objectives": ({}, ["abbreviation", "unknown"], {("ITC", "false"), ("LM", "false")}),
    "fusion-styles": ({}, ["style", "models"], {("mmkg:CrossStream", "1"), ("mmkg:SingleStream", "1")}),
    "backbone-usage": ({}, ["backbone", "models"], {("backbone:bert", "3"), ("backbone:transformer", "3"), ("backbone:vit", "1")}),
    "built-with": ({"part": "cross-stream (dual encoder)", "benchmark": "Bench-Q"}, ["variant", "model", "buildsOn", "best"], {(M + "beta", M + "beta", "Alpha", "70.1"), (M + "beta-large", M + "beta", "Alpha", "72")}),
    "models-using-component": ({"model": "Beta"}, ["user", "role"], {(M + "delta", "uses vision encoder")}),
    "interaction-modules": ({}, ["label", "models"], {("co-attention", "0"), ("concatenation", "0"), ("cross-attention", "0"), ("inter-modality contrastive alignment", "0"), ("merge-attention", "0"), ("tangled transformer", "0")}),
    "knowledge-enhanced-models": ({}, ["model", "knowledge"], {(M + "gamma", "scene graph")}),
    "knowledge-taxonomy": ({}, ["class", "node"], {("kind of knowledge", "knowledge:scene-graph")}),
    "best-result-per-benchmark": ({}, ["benchmark", "split", "metric", "setting", "best", "model"], {(D + "bench-q", "test-std", "metric:vqa-accuracy", "setting:fine-tuned", "75.5", M + "delta")}),
    "results-for-model": ({"model": "beta"}, ["variant", "benchmark", "value", "source"], {(M + "beta", D + "bench-q", "70.1", P + "2"), (M + "beta-large", D + "bench-q", "72", P + "2"), (M + "beta-large", D + "bench-q", "71", P + "4")}),
    "leaderboard": ({"benchmark": "Bench-Q"}, ["variant", "model", "value", "source"], {(M + "delta", M + "delta", "75.5", P + "4"), (M + "beta-large", M + "beta", "72", P + "2"), (M + "beta", M + "beta", "70.1", P + "2")}),
    "progress-over-time": ({"benchmark": "bench-q"}, ["date", "best", "model"], {("202001", "72", M + "beta"), ("202201", "75.5", M + "delta")}),
    "results-by-size": ({"benchmark": "bench-q"}, ["variant", "params", "value"], {(M + "beta", "200000000", "70.1"), (M + "beta-large", "400000000", "72")}),  # the own report, not the re-evaluation (71)
    "benchmarks-by-task": ({}, ["task", "benchmark"], {("task:vqa", D + "bench-q")}),
    "training-resources": ({}, ["model"], set()),
    "splits": ({"benchmark": "Bench-Q"}, ["split", "results", "checkpoints"], {("test-std", "3", "3")}),
    "ancestors": ({"model": "Delta"}, ["ancestor", "direct"], {(M + "beta", "true"), (M + "gamma", "true"), (M + "alpha", "false"), (M + "textenc", "false")}),
    "descendants": ({"model": "alpha"}, ["descendant", "direct"], {(M + "beta", "true"), (M + "gamma", "false"), (M + "delta", "false"), (M + "beta-large", "false")}),
    "most-built-on": ({}, ["model", "derivatives", "descendants"], {(M + "beta", "2", "2"), (M + "textenc", "1", "4"), (M + "alpha", "1", "3"), (M + "gamma", "1", "1")}),
    "lineage-edges": ({}, ["model", "relation", "base"], {(M + "alpha", "uses text encoder", M + "textenc"), (M + "beta", "extends", M + "alpha"), (M + "delta", "fine-tuned from", M + "gamma"), (M + "delta", "uses vision encoder", M + "beta"), (M + "gamma", "initialised from", M + "beta"), (M + "beta-large", "variant of", M + "beta")}),
    "most-cited": ({}, ["paper", "citations"], {(P + "1", "2"), (P + "2", "2"), (P + "3", "1")}),
    "cited-by": ({"paper": "Beta paper"}, ["citing", "relation"], {(P + "3", "uses method in"), (P + "4", "cites")}),
    "citation-edges": ({}, ["citing", "relation", "cited"], {(P + "2", "extends", P + "1"), (P + "3", "cites", P + "1"), (P + "3", "uses method in", P + "2"), (P + "4", "cites", P + "2"), (P + "4", "extends", P + "3")}),
    "disagreements": ({}, ["entity", "property", "claimed", "currentValues"], {(M + "beta", "mmkg:year", "2019", "2020"), ("result:beta--bench-q--vqa-accuracy--fine-tuned", "mmkg:value", "69", "70.1")}),
    "facts-by-source": ({}, ["source", "entities"], {("https://huggingface.co/fixture/beta-base", "1"), ("https://huggingface.co/datasets/fixture/pairs-a/blob/main/README.md", "1"), ("https://paperswithcode.com/method/alpha", "1"), ("paper:arxiv-2302-10035", "12"), (P + "4", "4"), (P + "2", "5"), ("paper:arxiv-0000-00010", "2"), (P + "3", "2"), (P + "1", "3")}),
    "uncertain-claims": ({}, ["entity", "locator"], {(M + "gamma", "Sec 3")}),
    "external-identifiers": ({}, ["entity", "scheme", "identifier", "page"], {(M + "alpha", "Papers with Code", "alpha", "https://paperswithcode.com/method/alpha"), (M + "beta", "Hugging Face", "fixture/beta-base", "https://huggingface.co/fixture/beta-base"), (D + "pairs-a", "Hugging Face", "fixture/pairs-a", "https://huggingface.co/datasets/fixture/pairs-a/blob/main/README.md")}),
    "sources-of-fact": ({"model": "beta", "property": "mmkg:year"}, ["value", "rank"], {("2019", "mmkg:DeprecatedRank"), ("2020", "mmkg:NormalRank")}),
    "missing-property": ({"class": "mmkg:MultiModalModel", "property": "mmkg:fusionStyle"}, ["entity"], {(M + "gamma",), (M + "delta",)}),
    "models-without-datasets": ({}, ["model"], set()),
    "models-without-lineage": ({}, ["model"], set()),
    "papers-without-identifier": ({}, ["paper"], set()),
    "coverage-by-year": ({}, ["year", "models", "withDatasets", "withParameters"], {("2019", "1", "1", "1"), ("2020", "1", "1", "1"), ("2021", "1", "1", "0"), ("2022", "1", "1", "0")}),
}


@pytest.fixture(autouse=True)
def _mini(mini_build: Path, use_build) -> None:  # type: ignore[no-untyped-def]
    use_build(mini_build)


def test_library_has_30_documented_queries() -> None:
    lib = named_queries()
    assert len(lib) >= 30
    groups = {q.group for q in lib}
    assert {"models", "data", "objectives", "architecture", "knowledge", "results", "lineage", "citations", "provenance", "curation"} <= groups
    for q in lib:
        assert q.title and q.description, q.name
        assert q.form == "CONSTRUCT" or q.rows, f"{q.name} does not say what a row means"


def test_every_named_query_has_a_test() -> None:
    tested = set(EXPECTED) | {"models-table", "lineage-graph", "citation-neighbourhood", "survey-only-facts", "model-facts",
                              "models-with-objectives", "models-with-modality", "models-by-architecture",
                              "models-by-organisation"}
    assert {q.name for q in named_queries()} <= tested


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_named_query_rows(name: str) -> None:
    params, cols, expected = EXPECTED[name]
    got = rows(name, cols, **params)
    if name == "contrastive-on-dataset":
        assert (M + "beta", "Alpha") in got and {r[0] for r in got} == {M + "beta", M + "delta"}
    else:
        assert got == expected


def test_model_facts_include_deprecated_claim() -> None:
    got = rows("model-facts", ["property", "value", "rank"], model="Beta")
    assert ("mmkg:year", "2019", "mmkg:DeprecatedRank") in got
    assert ("mmkg:year", "2020", "mmkg:NormalRank") in got
    assert ("mmkg:extends", M + "alpha", "mmkg:NormalRank") in got


def test_models_table_reproduces_the_survey_table() -> None:
    got = rows("models-table", ["row", "name", "year", "venue", "objectives", "parameters"])
    norm = {(r[0], r[1], r[2], r[3], ";".join(sorted(r[4].split(";"))) if r[4] else "", r[5]) for r in got}
    assert norm == {("1", "Alpha", "2019", "NeurIPS", "ITM;MLM", "100M"), ("2", "Beta", "2019", "ICML", "ITC", ""), ("3", "Gamma", "2021", "", "LM", "")}


def test_survey_only_facts() -> None:
    got = rows("survey-only-facts", ["entity", "property", "value"])
    # Beta's venue rests on the survey alone; its year (2020) comes from its paper
    assert (M + "beta", "mmkg:venue", "ICML") in got
    assert not any(r[0] == M + "beta" and r[1] == "mmkg:year" for r in got)
    # Pairs-A's pair count comes from a paper, so it is not listed
    assert not any(r[1] == "mmkg:imageTextPairCount" for r in got)


def test_lineage_graph_construct() -> None:
    got = triples("lineage-graph", model="beta")
    assert (M + "beta", "mmkg:extends", M + "alpha") in got
    assert (M + "delta", "mmkg:usesVisionEncoder", M + "beta") in got
    assert (M + "alpha", "mmkg:usesTextEncoder", M + "textenc") in got
    assert not any(p == "mmkg:buildsOn" for _, p, _ in got)


def test_citation_neighbourhood_construct() -> None:
    got = {t for t in triples("citation-neighbourhood", paper="arxiv-0000-00001") if t[1].startswith("cito:")}
    assert got == {(P + "2", "cito:cites", P + "1"), (P + "3", "cito:cites", P + "1"), (P + "3", "cito:cites", P + "2"), (P + "4", "cito:cites", P + "2"), (P + "4", "cito:cites", P + "3")}


def test_parameters_are_bound_not_pasted() -> None:
    # a value that would break a query if pasted into its text is just a string that matches nothing
    assert rows("search-models", ["model"], text='") } UNION { ?model ?p ?o } #') == set()


def test_unknown_model_suggests_near_names() -> None:
    with pytest.raises(UnknownNameError) as err:
        query("ancestors", params={"model": "Deltta"})
    assert "Delta" in err.value.suggestions


def test_missing_and_unknown_parameters_are_errors() -> None:
    with pytest.raises(InputError, match="needs --param model"):
        query("ancestors")
    with pytest.raises(InputError, match="no parameter"):
        query("ancestors", params={"model": "delta", "depth": "2"})


def test_invalid_query_names_the_position() -> None:
    with pytest.raises(InputError) as err:
        query("SELECT ?x WHERE { ?x ?y }")
    assert "line 1, column" in str(err.value)


def test_unknown_query_name_suggests() -> None:
    with pytest.raises(InputError, match="ancestors"):
        query("ancestor")


def test_identifier_blocks_give_same_as_links() -> None:
    text = "PREFIX schema: <http://schema.org/> SELECT ?s ?page WHERE { ?s schema:sameAs ?page }"
    result = query(text)
    assert isinstance(result, Table)
    got = {(short(r["s"]), short(r["page"])) for r in result.records()}
    assert got == {(M + "alpha", "https://paperswithcode.com/method/alpha"), (M + "beta", "https://huggingface.co/fixture/beta-base"),
                   (D + "pairs-a", "https://huggingface.co/datasets/fixture/pairs-a")}


def test_card_names_every_source_of_a_value_on_one_line() -> None:
    from mmkg.api import show

    card = show("Alpha")
    lines = [f for f in card.facts if f[0] == "introduced in"]
    assert len(lines) == 1 and len(lines[0][2]) == 2, card.text()
    assert any(label.startswith("Papers with Code") for label, _, _ in card.sources)


def test_everyday_question_queries() -> None:
    """Objectives all/any, a modality: answers follow from the fixture's facts."""
    both = {r[0] for r in rows("models-with-objectives", ["model"], objective="ITC", also="LM")}
    assert both == {M + "delta"}  # the only model with both
    either = {r[0] for r in rows("models-with-objectives", ["model"], objective="ITC", also="LM", match="any")}
    assert either == {M + "beta", M + "delta", M + "gamma"}
    one = {r[0] for r in rows("models-with-objectives", ["model"], objective="ITM")}
    assert one == {M + "alpha"}
    audio = {r[0] for r in rows("models-with-modality", ["model"], modality="audio")}
    assert audio == {M + "delta"}
    video = {r[0] for r in rows("models-with-modality", ["model"], modality="video")}
    assert video == {M + "gamma"}
    small = {r[0] for r in rows("built-with", ["variant"], part="cross-stream (dual encoder)", benchmark="Bench-Q", maxParams="300M")}
    assert small == {M + "beta"}  # Beta-Large has 400M
    open_ = {r[0] for r in rows("built-with", ["variant"], part="cross-stream (dual encoder)", openWeights="true")}
    assert open_ == {M + "beta-large"}  # only the checkpoint says its weights are open
    assert {r[0] for r in rows("built-with", ["variant"], part="single-stream")} == {M + "alpha"}


SECOND_BENCHMARK = """@prefix dataset: <https://w3id.org/mmkg/id/dataset/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix metric: <https://w3id.org/mmkg/id/metric/> .
@prefix mmkg: <https://w3id.org/mmkg/ontology#> .
@prefix model: <https://w3id.org/mmkg/id/model/> .
@prefix paper: <https://w3id.org/mmkg/id/paper/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix result: <https://w3id.org/mmkg/id/result/> .
@prefix setting: <https://w3id.org/mmkg/id/setting/> .

dataset:bench-r
    a mmkg:BenchmarkDataset ;
    mmkg:evidence [
        dct:source paper:arxiv-2302-10035 ;
        mmkg:locator "Sec 4.2" ;
        mmkg:modality mmkg:image, mmkg:text ;
        mmkg:year 2017
    ] ;
    rdfs:label "Bench-R" .

result:beta--bench-r--vqa-accuracy--fine-tuned
    a mmkg:EvaluationResult ;
    mmkg:evidence [
        dct:source paper:arxiv-0000-00002 ;
        mmkg:benchmark dataset:bench-r ;
        mmkg:locator "Table 3" ;
        mmkg:metric metric:vqa-accuracy ;
        mmkg:model model:beta ;
        mmkg:setting setting:fine-tuned ;
        mmkg:split "test-std" ;
        mmkg:value 99.0
    ] ;
    rdfs:label "Beta on Bench-R" .
"""


def test_progress_on_one_benchmark_ignores_the_others(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
                                                      use_build) -> None:  # type: ignore[no-untyped-def]
    """A better score with the same split and metric on another benchmark leaves Bench-Q's running
    best as it was (the subqueries once took the best over every benchmark)."""
    from conftest import build_mini_with

    extra = tmp_path / "bench-r.ttl"
    extra.write_text(SECOND_BENCHMARK)
    out, report = build_mini_with(tmp_path_factory, "two-benchmarks", extra, reason=False)
    assert report.violations == [], [v.line() for v in report.violations]
    use_build(out)
    params, cols, expected = EXPECTED["progress-over-time"]
    assert rows("progress-over-time", cols, **params) == expected
    assert rows("progress-over-time", cols, benchmark="bench-r") == {("202001", "99", M + "beta")}


def test_a_paper_is_found_by_the_slug_of_a_model_it_introduced() -> None:
    """A model's slug names its paper even when no label spells it (model:qwen-lm is "Qwen")."""
    from mmkg.names import NameIndex

    store = Store.memory()
    store.load(b"""
        @prefix mmkg: <https://w3id.org/mmkg/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://w3id.org/mmkg/id/model/qwen-lm> a mmkg:PretrainedModel ; rdfs:label "Qwen" ;
            mmkg:introducedIn <https://w3id.org/mmkg/id/paper/arxiv-2309-16609> .
        <https://w3id.org/mmkg/id/paper/arxiv-2309-16609> a mmkg:Paper ; rdfs:label "Qwen Technical Report" .
        """, fmt="ttl")
    index = NameIndex.build(store)
    paper = "https://w3id.org/mmkg/id/paper/arxiv-2309-16609"
    assert index.resolve("qwen-lm", "paper") == paper
    assert index.resolve("Qwen", "paper") == paper
    assert index.resolve("qwen-lm", "model") == "https://w3id.org/mmkg/id/model/qwen-lm"


PUSH = "https://example.org/"


def _push_store() -> Store:
    store = Store.memory()
    store.load(
        b"<https://example.org/r1> <https://example.org/on> <https://example.org/b1> .\n"
        b"<https://example.org/r2> <https://example.org/on> <https://example.org/b2> .\n"
        b"<https://example.org/r1> <https://example.org/x> \"1\" .\n"
        b"<https://example.org/r2> <https://example.org/x> \"1\" .\n"
    )
    return store


def _answers(store: Store, text: str, **params: str) -> set[tuple[str, ...]]:
    import pyoxigraph as ox

    bindings = {k: ox.NamedNode(PUSH + v) for k, v in params.items()}
    result = store.query(text, bindings)
    assert isinstance(result, Table)
    return {tuple("" if v is None else v.value for v in row) for row in result.rows}


@pytest.mark.parametrize(("shape", "pushed"), [
    ("{ SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", True),
    ("{ SELECT * WHERE { ?r <https://example.org/on> ?b } }", True),
    ("{ ?r <https://example.org/x> ?v } UNION { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", True),
    ("?r <https://example.org/x> ?v OPTIONAL { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", False),
    ("?r <https://example.org/x> ?v MINUS { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", False),
    ("?r <https://example.org/x> ?v FILTER NOT EXISTS { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", False),
    ("{ SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } LIMIT 1 }", False),
    ("{ SELECT (?c AS ?b) ?r WHERE { ?r <https://example.org/on> ?c } }", False),
    ("{ SELECT ?r WHERE { { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } } } }", False),
    ("{ SELECT ?b (COUNT(?r) AS ?n) WHERE { ?r <https://example.org/on> ?b } GROUP BY ?b }", True),
    ("GRAPH <https://example.org/g> { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", False),
    ("?r <https://example.org/x> ?graph . { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }", True),
])
def test_parameters_reach_the_subqueries_that_project_them(shape: str, pushed: bool) -> None:
    # the engine answers a subquery on its own, before joining it with the parameters: a parameter
    # is repeated inside each subquery that projects it where that cannot change the answer, and
    # the answer is the one the parameter at the head of the query alone gives
    import pyoxigraph as ox

    from mmkg.sparqltext import inject_values, values_block, where_group_start

    text = f"SELECT * WHERE {{ {shape} }}"
    bound = {"b": ox.NamedNode(PUSH + "b1")}
    injected = inject_values(text, bound)
    assert injected.count("VALUES") == (2 if pushed else 1)
    at = where_group_start(text)
    head_only = text[:at] + values_block(bound) + text[at:]
    store = _push_store()
    assert _answers(store, injected) == _answers(store, head_only)


def test_progress_over_time_reads_only_the_benchmark_asked_about() -> None:
    # every subquery of progress-over-time projects the benchmark, and each is given it
    import pyoxigraph as ox

    from mmkg.api import resolve_query
    from mmkg.sparqltext import inject_values

    text, _ = resolve_query("progress-over-time")
    injected = inject_values(text, {"benchmark": ox.NamedNode("https://w3id.org/mmkg/id/dataset/x")})
    assert injected.count("VALUES") == 1 + text.count("SELECT") - 1


def test_a_parameter_pushed_under_minus_would_change_the_answer() -> None:
    # why MINUS (like OPTIONAL and NOT EXISTS) is left alone: in a group of its own its left side
    # does not bind the parameter yet, so narrowing the removed solutions keeps rows it removes
    import pyoxigraph as ox

    from mmkg.sparqltext import inject_values, values_block

    minus = "?r <https://example.org/x> ?v MINUS { SELECT ?b ?r WHERE { ?r <https://example.org/on> ?b } }"
    text = f"SELECT * WHERE {{ {{ {minus} }} }}"
    bound = {"b": ox.NamedNode(PUSH + "b1")}
    naive = inject_values(text, bound).replace("?b ?r WHERE {", "?b ?r WHERE {" + values_block(bound), 1)
    store = _push_store()
    assert _answers(store, inject_values(text, bound)) == set()
    assert _answers(store, naive) != set()
