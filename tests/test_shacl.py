"""The compiled SHACL engine (shapes as SPARQL on the store) agrees with pySHACL, result for
result, on the real graph and on fixtures that break every kind of constraint the shapes use."""

import shutil
from pathlib import Path

import pytest

from mmkg.builder import assemble
from mmkg.resources import shapes_file, source_files
from mmkg.shacl import UnsupportedShape, compile_file, compile_store
from mmkg.store import Store, to_rdflib
from mmkg.validate import run_shapes, run_shapes_pyshacl

FIXTURES = Path(__file__).parent / "fixtures"
SHAPE_FIXTURES = sorted((FIXTURES / "invalid").glob("shape-*.ttl"))


def _store(graph: Path) -> Store:
    store, _ = assemble(source_files(graph), reason=False, validate=False)
    return store


def _with(tmp_path: Path, fixture: Path) -> Path:
    graph = tmp_path / "graph"
    shutil.copytree(FIXTURES / "mini", graph)
    shutil.copy(fixture, graph / fixture.name)
    return graph


@pytest.mark.parametrize("fixture", SHAPE_FIXTURES, ids=[f.stem for f in SHAPE_FIXTURES])
def test_engines_agree_on_invalid_fixture(fixture: Path, tmp_path: Path) -> None:
    store = _store(_with(tmp_path, fixture))
    compiled = run_shapes(store)
    assert compiled, "the fixture breaks at least one shape"
    assert compiled == run_shapes_pyshacl(to_rdflib(store.triples()))
    assert run_shapes(store, closed=True) == compiled  # the build's store states every superclass


def test_engines_agree_on_the_real_graph_and_the_valid_fixture() -> None:
    for graph in (None, FIXTURES / "mini"):
        store = _store(graph) if graph else _store_of_real_graph()
        assert run_shapes(store) == run_shapes(store, closed=True) == run_shapes_pyshacl(to_rdflib(store.triples())) == []


def _store_of_real_graph() -> Store:
    store, _ = assemble(source_files(), reason=False, validate=False)
    return store


def test_every_constraint_kind_of_the_shapes_is_broken_by_a_fixture(tmp_path: Path) -> None:
    """So the agreement above covers each translation, not only the easy ones."""
    used = {c.component for c in compile_file(shapes_file()).checks}
    store = _store(_with(tmp_path, FIXTURES / "invalid" / "shape-every-constraint.ttl"))
    broken = {r.component for r in compile_file(shapes_file()).run(store.engine)}
    assert used - broken == set()


UNSUPPORTED = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mmkg: <https://w3id.org/mmkg/ontology#> .
<urn:s> a sh:NodeShape ; sh:targetClass mmkg:ModelVariant ;
    sh:property [ sh:path ( mmkg:variantOf mmkg:evidence ) ; sh:minCount 1 ; sh:message "variant of an undocumented model" ] .
"""


def test_a_shape_the_compiler_does_not_translate_is_validated_by_pyshacl(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(UNSUPPORTED)
    with pytest.raises(UnsupportedShape, match="path"):
        compile_file(shapes)
    store = _store(_with(tmp_path, FIXTURES / "invalid" / "shape-every-constraint.ttl"))
    found = run_shapes(store, shapes)
    assert [v.focus for v in found] == ["model:orphan-variant"], [v.line() for v in found]


def test_class_membership_is_read_through_subclasses_unless_the_store_is_closed() -> None:
    """Only a store that states every superclass may be validated as closed: on one that does
    not, the plain type lookup would miss a member of a subclass."""
    shapes = Store.memory()
    shapes.load(SUBCLASS_SHAPES.encode(), fmt="ttl")
    compiled = compile_store(shapes.engine)
    data = Store.memory()
    data.load(SUBCLASS_DATA.encode(), fmt="ttl")
    assert [r.focus for r in compiled.run(data.engine)] == ["http://example.org/m"]
    assert compiled.run(data.engine, closed=True) == []


SUBCLASS_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:Model ; sh:property [ sh:path ex:year ; sh:minCount 1 ] .
"""
SUBCLASS_DATA = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
ex:Variant rdfs:subClassOf ex:Model .
ex:m a ex:Variant .
"""
