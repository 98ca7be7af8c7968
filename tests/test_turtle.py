from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from mmkg.errors import InputError
from mmkg.resources import source_files
from mmkg.turtle import (
    KnownCanonical,
    canonical,
    canonical_file,
    check_syntax,
    non_canonical,
    parse_file,
    parse_text,
)


def test_canonical_is_isomorphic_and_stable(tmp_path: Path) -> None:
    src = Path(__file__).parent / "fixtures" / "mini" / "mini.ttl"
    text = canonical_file(src)
    out = tmp_path / "again.ttl"
    out.write_text(text)
    assert isomorphic(parse_file(src), parse_file(out))
    assert canonical_file(out) == text


def test_canonical_sorts_and_ignores_input_order() -> None:
    a = parse_text('@prefix ex: <http://example.org/> . ex:b ex:p "2", "1" . ex:a ex:p ex:c .')
    b = parse_text('@prefix ex: <http://example.org/> . ex:a ex:p ex:c . ex:b ex:p "1", "2" .')
    assert canonical(a, {"ex": "http://example.org/"}) == canonical(b, {"ex": "http://example.org/"})
    text = canonical(a, {"ex": "http://example.org/"})
    assert text.index("ex:a") < text.index("ex:b")
    assert '"1", "2"' in text


def test_inline_blank_nodes_are_sorted_by_content() -> None:
    g1 = parse_text('@prefix ex: <http://example.org/> . ex:a ex:e [ ex:v 2 ], [ ex:v 1 ] .')
    g2 = parse_text('@prefix ex: <http://example.org/> . ex:a ex:e [ ex:v 1 ], [ ex:v 2 ] .')
    p = {"ex": "http://example.org/"}
    assert canonical(g1, p) == canonical(g2, p)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n')
    with pytest.raises(InputError) as err:
        check_syntax(bad)
    assert "broken.ttl:3:" in str(err.value)
    assert "\n" not in str(err.value)


def test_committed_turtle_is_canonical() -> None:
    files = source_files()
    offenders = [str(p) for p in files if p.read_text(encoding="utf-8") != canonical_file(p)]
    assert offenders == [], "run 'mmkg fmt'"


def test_a_shared_blank_node_is_refused_in_files_and_labelled_in_answers(tmp_path: Path) -> None:
    text = ('@prefix ex: <http://example.org/> . ex:m ex:stage _:s1, _:s2 . ex:e ex:stage _:s1, _:s2 .'
            ' _:s1 ex:order 2 . _:s2 ex:order 1 .')
    p = {"ex": "http://example.org/"}
    with pytest.raises(InputError, match="blank node used twice"):
        canonical(parse_text(text), p)
    out = canonical(parse_text(text), p, label_shared=True)
    assert "ex:stage _:b1, _:b2" in out
    assert out.index("_:b1\n    ex:order 1") < out.index("_:b2\n    ex:order 2")  # numbered by description
    again = tmp_path / "again.ttl"
    again.write_text(out)
    assert isomorphic(parse_file(again), parse_text(text))
    assert canonical(parse_file(again), p, label_shared=True) == out


def test_remembered_canonical_texts_are_not_parsed_again_and_an_edit_is_seen(tmp_path: Path) -> None:
    memo = tmp_path / "cache" / "canonical.txt"
    path = tmp_path / "mini.ttl"
    path.write_text(canonical_file(Path(__file__).parent / "fixtures" / "mini" / "mini.ttl"))
    assert non_canonical([path], KnownCanonical(memo)) == []
    assert len(memo.read_text().split()) == 1  # remembered, atomically written, no stray file
    assert sorted(p.name for p in memo.parent.iterdir()) == ["canonical.txt"]
    path.write_text(path.read_text() + "\n")  # an edit: a different text, not remembered
    assert non_canonical([path], KnownCanonical(memo)) == [path]
    # a remembered text is trusted without parsing: remember a broken one, and no parser sees it
    path.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b \"open .\n")
    with pytest.raises(InputError):
        non_canonical([path], KnownCanonical(memo))
    known = KnownCanonical(memo)
    known.add(path.read_text())
    assert non_canonical([path], known) == []


def test_a_damaged_memory_of_canonical_texts_is_ignored(tmp_path: Path) -> None:
    memo = tmp_path / "canonical.txt"
    memo.write_bytes(b"\xff\xfe not digests")
    path = tmp_path / "x.ttl"
    path.write_text("@prefix ex: <http://example.org/> . ex:b ex:p ex:c . ex:a ex:p ex:c .")
    assert non_canonical([path], KnownCanonical(memo)) == [path]
