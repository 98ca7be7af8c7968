"""Every integrity rule and several shapes fire on an invalid fixture, and not on valid data."""

import shutil
from pathlib import Path

import pytest

from mmkg.api import check
from mmkg.validate import check_rules

FIXTURES = Path(__file__).parent / "fixtures"
INVALID = FIXTURES / "invalid"
RULES = [p.stem for p in check_rules()]


def _violations(tmp_path: Path, fixture: Path) -> list:
    graph = tmp_path / "graph"
    shutil.copytree(FIXTURES / "mini", graph)
    shutil.copy(fixture, graph / fixture.name)
    return check(graph=graph, canonical=False).violations


def test_valid_fixture_has_no_violations() -> None:
    assert check(graph=FIXTURES / "mini", canonical=False).violations == []


def test_every_rule_has_an_invalid_fixture() -> None:
    missing = [r for r in RULES if not (INVALID / f"{r}.ttl").is_file()]
    assert missing == []


@pytest.mark.parametrize("rule", RULES)
def test_rule_fires_on_its_fixture(rule: str, tmp_path: Path) -> None:
    found = _violations(tmp_path, INVALID / f"{rule}.ttl")
    assert rule in {v.rule for v in found}, [v.line() for v in found]


@pytest.mark.parametrize(
    ("fixture", "focus", "words"),
    [
        ("shape-model-without-year", "model:no-year", "mmkg:year"),
        ("shape-paper-bad-arxiv-id", "paper:arxiv-0000-00009", "arXiv id"),
        ("shape-two-parameter-counts", "model:two-params", "parameter count"),
        ("shape-result-integer-value", "result:beta--bench-q--val--vqa-accuracy--fine-tuned", "a decimal such as 57.0"),
    ],
)
def test_shape_fires_on_its_fixture(fixture: str, focus: str, words: str, tmp_path: Path) -> None:
    found = [v for v in _violations(tmp_path, INVALID / f"{fixture}.ttl") if v.rule == "shape"]
    assert any(v.focus.startswith(focus) and words in v.message for v in found), [v.line() for v in found]


def test_non_canonical_file_is_reported(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(FIXTURES / "mini", graph)
    path = graph / "mini.ttl"
    path.write_text(path.read_text() + "\n\n")
    found = check(graph=graph).violations
    assert [v.rule for v in found] == ["canonical-form"]


def test_quoted_section_title_is_not_a_secondhand_reading(tmp_path: Path) -> None:
    """A locator may quote a section called 'Model Summary'; only its own words count against it."""
    quoted = tmp_path / "quoted.ttl"
    quoted.write_text((INVALID / "secondhand-reading.ttl").read_text().replace(
        "Sec 3 (model), as summarised in reading notes (example.org)", "README.md at commit 1a2b3c4, section 'Model Summary'"))
    assert "secondhand-reading" not in {v.rule for v in _violations(tmp_path, quoted)}


@pytest.mark.parametrize(("collection", "fires"), [("fixture/alpha-family", False), ("someone/alpha-family", True)])
def test_collection_page_sources_only_its_owners_ids(collection: str, fires: bool, tmp_path: Path) -> None:
    """A publisher's own collection page may state the ids of its checkpoints, and no one else's."""
    page = f"https://huggingface.co/collections/{collection}"
    listed = tmp_path / "listed.ttl"
    listed.write_text((INVALID / "identifier-source-mismatch.ttl").read_text()
                      .replace("https://huggingface.co/someone/other-model", page)
                      .replace("        skos:exactMatch <http://www.wikidata.org/entity/Q1>\n", "")
                      .replace('mmkg:locator "model card" ;\n', 'mmkg:locator "model card"\n'))
    found = [v for v in _violations(tmp_path, listed) if v.rule == "identifier-source-mismatch"]
    assert bool(found) == fires, [v.line() for v in found]


def test_a_rule_about_the_graph_as_written_runs_before_derivation() -> None:
    """unsourced-fact asks about the files' own triples: on the derived graph every plain fact
    the build made from an evidence block would look unsourced, so the build runs it first."""
    from mmkg.builder import assemble
    from mmkg.resources import source_files
    from mmkg.validate import reads_as_written, run_rules

    rule = next(p for p in check_rules() if p.stem == "unsourced-fact")
    assert reads_as_written(rule)
    assert [p.stem for p in check_rules() if reads_as_written(p)] == ["unsourced-fact"]
    derived, _ = assemble(source_files(FIXTURES / "mini"), reason=False, validate=False)
    assert run_rules(derived, [rule]), "on the derived graph the rule would fire"
    assert check(graph=FIXTURES / "mini", canonical=False).violations == []
