"""Vocabularies named once, as plain strings (importing this module loads no RDF library)."""

from __future__ import annotations

ONTOLOGY_IRI = "https://w3id.org/mmkg/ontology#"
ID_BASE = "https://w3id.org/mmkg/id/"
SURVEY = ID_BASE + "paper/arxiv-2302-10035"

DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
CITO = "http://purl.org/spar/cito/"

#: entity kinds under ID_BASE, each with its prefix
KINDS = (
    "model", "paper", "dataset", "objective", "backbone", "task", "metric", "setting",
    "stage", "knowledge", "org", "result",
)

PREFIXES: dict[str, str] = {
    "mmkg": ONTOLOGY_IRI,
    **{kind: f"{ID_BASE}{kind}/" for kind in KINDS},
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": DCT,
    "prov": PROV,
    "cito": CITO,
    "fabio": "http://purl.org/spar/fabio/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "schema": "http://schema.org/",
    "fair4ml": "https://w3id.org/fair4ml#",
    "mls": "http://www.w3.org/ns/mls#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


def shorten(iri: str) -> str:
    """A prefixed name for ``iri`` where a known prefix fits, else the IRI itself."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def sparql_prologue() -> str:
    """PREFIX lines for every known prefix (for ad-hoc queries sent to remote endpoints)."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
