"""A links file (``graph/links/*.ttl``) as ``mmkg link`` writes it: sourced facts about the
graph's entities, one evidence block per claim, the pages they come from declared once,
canonical Turtle. A claim already in the previous file keeps its locator (and so the date it
was first retrieved), so asking again with the same answers changes nothing."""

from __future__ import annotations

from pathlib import Path

from mmkg.namespaces import DCT, ONTOLOGY_IRI

LOCATOR = ONTOLOGY_IRI + "locator"
EVIDENCE = ONTOLOGY_IRI + "evidence"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def _key(entity: str, facts: list[tuple[str, str]]) -> tuple[str, str]:
    return entity, "|".join(sorted(f"{p}={v}" for p, v in facts))


class LinkFile:
    def __init__(self, previous: Path | None = None) -> None:
        from rdflib import Graph

        self.graph = Graph()
        self._kept: dict[tuple[str, str], str] = {}
        if previous is not None and previous.is_file():
            from rdflib import URIRef

            from mmkg.turtle import parse_file

            old = parse_file(previous)
            for entity, block in old.subject_objects(URIRef(EVIDENCE)):
                locator = old.value(block, URIRef(LOCATOR))
                facts = [(str(p), str(o)) for p, o in old.predicate_objects(block) if str(p) not in (LOCATOR, COMMENT)]
                if locator is not None:
                    self._kept[_key(str(entity), facts)] = str(locator)

    def claim(self, entity: str, source: str, facts: list[tuple[str, str]], *, locator: str,
              comment: str | None = None) -> None:
        """``entity`` has ``facts`` (property IRI, literal value) according to ``source``."""
        from rdflib import BNode, Literal, URIRef

        block = BNode()
        g = self.graph
        g.add((URIRef(entity), URIRef(EVIDENCE), block))
        g.add((block, URIRef(DCT + "source"), URIRef(source)))
        for p, v in facts:
            g.add((block, URIRef(p), Literal(v)))
        kept = self._kept.get(_key(entity, [(DCT + "source", source), *facts]))
        g.add((block, URIRef(LOCATOR), Literal(kept or locator)))
        if comment:
            g.add((block, URIRef(COMMENT), Literal(comment)))

    def page(self, iri: str, label: str, locator: str) -> None:
        """Declare a page the claims cite, as a web document that is its own source."""
        from rdflib import BNode, Literal, URIRef
        from rdflib.namespace import RDF, RDFS

        g, page, block = self.graph, URIRef(iri), BNode()
        g.add((page, RDF.type, URIRef(ONTOLOGY_IRI + "WebDocument")))
        g.add((page, RDFS.label, Literal(label)))
        g.add((page, URIRef(EVIDENCE), block))
        g.add((block, URIRef(DCT + "source"), page))
        g.add((block, URIRef(LOCATOR), Literal(locator)))

    def text(self) -> str:
        from mmkg.turtle import canonical

        return canonical(self.graph)


def facts_of(text: str) -> set[str]:
    """``entity property value`` for every fact of every evidence block in ``text`` (no
    locators, sources or comments): what a run adds or removes."""
    if not text.strip():
        return set()
    from rdflib import URIRef

    from mmkg.turtle import parse_text

    g = parse_text(text, name="links")
    out = set()
    for entity, block in g.subject_objects(URIRef(EVIDENCE)):
        for p, o in g.predicate_objects(block):
            if str(p) not in (LOCATOR, COMMENT, DCT + "source"):
                out.add(f"{entity} {str(p).rsplit('#', 1)[-1]} {o}")
    return out


def changes(old: str, new: str) -> list[str]:
    """What writing ``new`` over ``old`` changes, one ``+``/``-`` line per fact."""
    before, after = facts_of(old), facts_of(new)
    return [f"+ {x}" for x in sorted(after - before)] + [f"- {x}" for x in sorted(before - after)]
