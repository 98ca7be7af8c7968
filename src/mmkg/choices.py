"""The names the command line offers as choices (formats). Kept free of imports so that
building the argument parser loads nothing heavy; the modules that implement each format
import their lists from here."""

from __future__ import annotations

#: kinds of entity a name can be asked for (``mmkg show --kind``; mmkg.names maps them to classes)
ENTITY_KINDS: tuple[str, ...] = ("entity", "model", "paper", "dataset", "objective", "task")
#: formats of a SELECT or ASK result
TABLE_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json", "xml", "md")
#: RDF serialisations of a CONSTRUCT or DESCRIBE result
GRAPH_FORMATS: tuple[str, ...] = ("ttl", "nt", "jsonld", "rdfxml")
#: formats of an exported subgraph
EXPORT_FORMATS: tuple[str, ...] = (*GRAPH_FORMATS, "graphml", "gexf", "csv", "bibtex", "mermaid", "dot", "html")
#: formats of a model card
CARD_FORMATS: tuple[str, ...] = ("text", "md", "json")
#: formats of a comparison
COMPARE_FORMATS: tuple[str, ...] = ("table", "md", "csv", "json", "html")
