"""Adding a model: one file to write, and `mmkg check` says what is missing until it is complete."""

from __future__ import annotations

import shutil
from pathlib import Path

from mmkg.api import check

MINI = Path(__file__).parent / "fixtures" / "mini"
HEAD = """@prefix dct: <http://purl.org/dc/terms/> .
@prefix mmkg: <https://w3id.org/mmkg/ontology#> .
@prefix model: <https://w3id.org/mmkg/id/model/> .
@prefix paper: <https://w3id.org/mmkg/id/paper/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def test_check_names_what_a_new_model_lacks(tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(MINI, graph)
    new = graph / "epsilon.ttl"
    new.write_text(HEAD + """
model:epsilon a mmkg:MultiModalModel ;
    rdfs:label "Epsilon" ;
    mmkg:evidence [ dct:source paper:arxiv-0000-00005 ; mmkg:locator "abstract" ; mmkg:modality mmkg:image ; mmkg:extends model:delta ] .
""")
    found = {(v.rule, v.message) for v in check(graph=graph, canonical=False).violations}
    messages = " | ".join(m for _, m in found)
    assert "needs exactly one integer mmkg:year" in messages
    assert "needs at least two modalities" in messages
    assert "needs mmkg:introducedIn a paper" in messages
    assert any(r == "undeclared-reference" and "arxiv-0000-00005" not in m for r, m in found) or any(r == "evidence-source" for r, _ in found)
    new.write_text(HEAD + """
paper:arxiv-0000-00005 a mmkg:Paper ;
    rdfs:label "Epsilon paper" ;
    mmkg:evidence [ dct:source paper:arxiv-0000-00005 ; mmkg:locator "abstract" ; mmkg:title "Epsilon paper" ; mmkg:year 2024 ; mmkg:arxivId "0000.00005" ] .

model:epsilon a mmkg:MultiModalModel ;
    rdfs:label "Epsilon" ;
    mmkg:evidence [ dct:source paper:arxiv-0000-00005 ; mmkg:locator "abstract" ; mmkg:year 2024 ;
        mmkg:modality mmkg:image, mmkg:text ; mmkg:extends model:delta ; mmkg:introducedIn paper:arxiv-0000-00005 ] .
""")
    assert check(graph=graph, canonical=False).violations == []
