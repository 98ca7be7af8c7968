"""The real graph meets the survey-data targets; the regenerated model tables match the survey."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mmkg.api import check
from mmkg.api import run_query as query
from mmkg.store import Table

DATA = Path(__file__).parent / "data"
UNDEFINED = ("CD CMA CMCL Classification DIR DTR Distillation-loss ELB FGR GC GCPR GR HRL IC IMC IMM InfoNCE KLD LG LM LMI LRM "
             "MAM MC-MLM MC-MRM MEM MFM MFP MIL-NCE MIR MMM MOP MRA MRM MRP MTL MTM MVLM MVM MVS NCE NLL NNS NSP PGL "
             "Ranking-loss SS STP T2I T2V UniCL V2V VG VQA xMLM").split()


@pytest.fixture(scope="module", autouse=True)
def _real(real_build: Path):  # type: ignore[no-untyped-def]
    import os

    old = os.environ.get("MMKG_BUILD")
    os.environ["MMKG_BUILD"] = str(real_build)
    yield
    if old is None:
        del os.environ["MMKG_BUILD"]
    else:
        os.environ["MMKG_BUILD"] = old


def table(text: str, **params: str) -> Table:
    result = query(text, params=params)
    assert isinstance(result, Table)
    return result


def count(text: str) -> int:
    return int(table(text).rows[0][0].value)  # type: ignore[union-attr]


def norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def items(text: str | None) -> frozenset[str]:
    return frozenset(x.strip().lower() for x in (text or "").replace(",", ";").split(";") if x.strip())


def test_full_graph_passes_check() -> None:
    report = check(canonical=True)
    assert [v.line() for v in report.violations] == []


def test_regenerated_model_tables_match_the_survey() -> None:
    got = {int(r["row"].value): r for r in table("models-table").records()}  # type: ignore[union-attr]
    names: dict[str, set[str]] = {}
    for m, n in table("SELECT ?m ?n WHERE { ?m a mmkg:MultiModalModel . { ?m rdfs:label ?n } UNION { ?m skos:altLabel ?n } }").rows:
        names.setdefault(m.value, set()).add(norm(n.value))  # type: ignore[union-attr]
    rows = list(csv.DictReader((DATA / "survey-model-tables.csv").open()))
    assert sorted(got) == [int(r["row"]) for r in rows] == list(range(1, 90))
    mismatches = []
    for row in rows:
        g = got[int(row["row"])]
        if norm(row["name"]) not in names[g["model"].value]:  # type: ignore[union-attr]
            mismatches.append((row["row"], "name"))
        if (g["year"].value if g["year"] else "") != row["year"]:
            mismatches.append((row["row"], "year"))
        if items(g["modalities"] and g["modalities"].value) != items(row["modalities"]):
            mismatches.append((row["row"], "modalities"))
        if items(g["objectives"] and g["objectives"].value) != items(row["objectives"]):
            mismatches.append((row["row"], "objectives"))
    assert mismatches == []


def test_table_two_datasets() -> None:
    rows = table("datasets-table").rows
    assert [int(r[0].value) for r in rows] == list(range(1, 32))  # type: ignore[union-attr]


def test_objectives_defined_and_undefined() -> None:
    assert count("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a mmkg:PretrainingObjective ; mmkg:definedInSurvey true }") >= 31
    abbreviations = {norm(r[0].value) for r in table("SELECT ?a WHERE { ?o a mmkg:PretrainingObjective ; mmkg:abbreviation ?a }").rows}  # type: ignore[union-attr]
    assert {norm(a) for a in UNDEFINED} <= abbreviations
    # every objective sits in a family below PretrainingObjective, or says its expansion is unknown
    orphans = table("""SELECT ?o WHERE { ?o a mmkg:PretrainingObjective .
        FILTER NOT EXISTS { ?o a ?f . ?f rdfs:subClassOf+ mmkg:PretrainingObjective }
        FILTER NOT EXISTS { ?o mmkg:expansionUnknown true } }""").rows
    assert orphans == []


def test_models_with_pretraining_data_lineage_and_citations() -> None:
    survey_with_data = count("""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m mmkg:evidence ?e . ?e mmkg:surveyTableRow ?r .
        ?m a mmkg:MultiModalModel ; mmkg:pretrainedOn ?d }""")
    assert survey_with_data >= 60
    lineage = count("""SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE { ?a a mmkg:PretrainedModel ; mmkg:buildsOn ?b } }""")
    assert lineage >= 60
    citing = count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a mmkg:Paper ; cito:cites ?q . ?q a mmkg:Paper }")
    assert citing >= 25


def test_lineage_edges_are_sourced() -> None:
    unsourced = table("""SELECT ?a ?b WHERE { ?a a mmkg:PretrainedModel ; ?rel ?b . ?rel rdfs:subPropertyOf+ mmkg:buildsOn .
        FILTER NOT EXISTS { ?a mmkg:evidence ?e . ?e dct:source ?s ; ?r2 ?b . ?r2 rdfs:subPropertyOf* ?rel } }""").rows
    assert unsourced == []


def test_knowledge_enhanced_models() -> None:
    names = {r[1].value for r in table("knowledge-enhanced-models").rows}  # type: ignore[union-attr]
    assert {"ERNIE-ViL", "KVL-BERT", "ROSITA", "CLIP-Event", "MMKD", "Clinical-BERT"} <= names


def test_known_survey_errors_are_recorded_as_disagreements() -> None:
    got = {(r[0].value.rsplit("/", 1)[-1], r[1].value.rsplit("#", 1)[-1]) for r in table("disagreements").rows}  # type: ignore[union-attr]
    for expected in [("vl-bert", "year"), ("uniter", "objective"), ("actbert", "modality"), ("mv-gpt", "modality"),
                     ("jft-300m", "imageCount"), ("ig-3-5b-17k", "imageCount"), ("gqa", "questionCount"), ("clip", "parameterCount")]:
        assert expected in got, expected


def test_section_5_results() -> None:
    metrics = {r[0].value.rsplit("/", 1)[-1] for r in table("SELECT DISTINCT ?m WHERE { ?r a mmkg:EvaluationResult ; mmkg:metric ?m }").rows}  # type: ignore[union-attr]
    assert {"recall-at-1", "recall-at-5", "bleu-4", "meteor", "cider", "spice", "vqa-accuracy"} <= metrics
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?m mmkg:accelerator ?a }") >= 10


def test_every_number_has_a_source() -> None:
    # a numeric literal on an entity that no evidence block states (MINUS, an anti-join: a NOT EXISTS
    # per row looks up every block sharing the value, which grows with the square of the graph)
    rows = table("""SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER (isIRI(?s) && isNumeric(?o))
        FILTER (STRSTARTS(STR(?s), "https://w3id.org/mmkg/id/"))
        MINUS { ?s mmkg:evidence ?e . ?e ?p ?o ; dct:source ?src }
        MINUS { ?s a mmkg:Metric . VALUES ?p { mmkg:minValue mmkg:maxValue } } }""").rows
    assert rows == []  # a metric's range is its definition, not a reported number


def test_beyond_the_survey() -> None:
    assert count("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mmkg:PretrainedModel }") >= 130
    post = count("""SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a mmkg:MultiModalModel ; mmkg:year ?y . FILTER (?y >= 2022)
        FILTER NOT EXISTS { ?m mmkg:evidence ?e . ?e mmkg:surveyTableRow ?r } }""")
    assert post >= 40
    reach = table("""SELECT ?new ?old WHERE { ?new a mmkg:MultiModalModel ; mmkg:year ?y1 ; mmkg:buildsOn+ ?old .
        ?old a mmkg:PretrainedModel ; mmkg:year ?y0 . FILTER (?y1 >= 2024 && ?y0 <= 2019) } LIMIT 1""").rows
    assert reach, "no lineage path from a 2024-25 model back to a model of 2019 or earlier"
    staged = count("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m mmkg:trainingStage ?s . ?s mmkg:stageKind ?k }")
    assert staged >= 5


def test_external_identifiers_point_at_the_right_entity() -> None:
    from mmkg.formats import short
    from mmkg.names import normalise

    links = {(short(r["s"]), str(r["page"].value)) for r in table("SELECT ?s ?page WHERE { ?s schema:sameAs ?page }").records()}  # type: ignore[union-attr]
    sample = [line.split("\t") for line in (DATA / "identifier-sample.tsv").read_text().splitlines() if line and not line.startswith("#")]
    assert len(sample) >= 10
    for entity, page in sample:
        assert (entity, page) in links, f"{entity} should be linked to {page}"
    # One page, one entity, except a repository that holds several checkpoints of the same model.
    parent = {short(r["v"]): short(r["m"]) for r in table("SELECT ?v ?m WHERE { ?v mmkg:variantOf ?m }").records()}  # type: ignore[arg-type]
    owners: dict[str, set[str]] = {}
    for entity, page in links:
        owners.setdefault(page, set()).add(entity)
    shared = {page: ents for page, ents in owners.items() if len(ents) > 1}
    bad = {page: ents for page, ents in shared.items() if len({parent.get(e) for e in ents} - {None}) != 1
           or any(e not in parent for e in ents)}
    assert not bad, f"one external page is linked to two entities: {sorted(bad.items())[:3]}"
    # A Papers with Code paper page whose title the graph quotes must carry the title of the paper it is attached to.
    quoted = table("""SELECT ?paper ?title ?locator WHERE { ?paper a mmkg:Paper ; mmkg:title ?title ; mmkg:evidence ?e .
        ?e mmkg:paperswithcodeSlug ?slug ; mmkg:locator ?locator }""").records()
    checked = 0
    for r in quoted:
        m = re.fullmatch(r"page title '(.*)'", str(r["locator"].value))  # type: ignore[union-attr]
        if m:
            assert normalise(m[1]) == normalise(str(r["title"].value)), short(r["paper"])  # type: ignore[union-attr]
            checked += 1
    assert checked >= 40
    # Model and dataset pages name the introducing paper; the rule identifier-paper-disagreement (the full
    # check passes) holds them to the entity's other sources.
    crossed = count("""SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?k ; mmkg:evidence ?e .
        FILTER (?k IN (mmkg:PretrainedModel, mmkg:Dataset))
        ?e mmkg:introducedIn ?p ; mmkg:huggingFaceId|mmkg:paperswithcodeSlug ?id }""")
    assert crossed >= 12
