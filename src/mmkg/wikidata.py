"""``mmkg link wikidata``: Wikidata ids for the graph's papers and models, asked of a
Wikidata-style SPARQL endpoint through SPARQLWrapper and kept as sourced, reviewable facts in
``graph/links/wikidata.ttl``.

A paper matches the item whose arXiv id (P818) or DOI (P356) it has; a model matches the item
that names the model's introducing paper as a source that describes it (P1343) and carries the
model's name. One item per paper and per model, or nothing: two candidates are reported, never
written; a curated id elsewhere in the graph is never overwritten; an unchanged answer keeps its
first retrieval date, so a second run with the same answers changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.error
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmkg.errors import InputError, RemoteError
from mmkg.remote import retry_after

DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
ENTITY = "http://www.wikidata.org/entity/"
QID = re.compile(r"^Q[1-9][0-9]*$")
PREFIXES = ("PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n")
BY_ARXIV = PREFIXES + "SELECT ?item ?key WHERE {{ VALUES ?key {{ {values} }} ?item wdt:P818 ?key . }}"
BY_DOI = PREFIXES + "SELECT ?item ?key WHERE {{ VALUES ?key {{ {values} }} ?item wdt:P356 ?key . }}"
MODELS = PREFIXES + ("SELECT ?item ?key ?label WHERE {{ VALUES ?key {{ {values} }} ?item wdt:P1343 ?key . "
                     "?item rdfs:label ?label . FILTER (LANG(?label) = \"en\") }}")


@dataclass
class Candidate:
    """One entity of the graph and what identifies it on Wikidata."""

    iri: str
    label: str
    arxiv: str = ""
    doi: str = ""
    paper: str = ""  # for a model: the IRI of its introducing paper


@dataclass
class Link:
    iri: str
    qid: str
    how: str  # "arXiv id 2103.00020 (P818)"
    query: str


@dataclass
class Outcome:
    links: list[Link] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    unmatched: int = 0


class Client:
    """A SPARQLWrapper client with a polite User-Agent, batches, and retries on 429/503."""

    def __init__(self, endpoint: str, *, timeout: float = 30.0, retries: int = 4, batch: int = 50,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not re.match(r"^https?://[^\s/]+", endpoint):
            raise InputError(f"not an http(s) endpoint URL: {endpoint!r}")
        from mmkg import __version__

        self.endpoint, self.timeout, self.retries, self.batch, self.sleep = endpoint, timeout, retries, batch, sleep
        self.agent = f"mmkg/{__version__} (knowledge graph of multi-modal pre-trained models; link wikidata)"

    def select(self, template: str, keys: Iterable[str]) -> list[dict[str, str]]:
        keys = sorted(set(keys))
        rows: list[dict[str, str]] = []
        for start in range(0, len(keys), self.batch):
            values = " ".join(json.dumps(k) for k in keys[start:start + self.batch])
            rows += self.ask(template.format(values=values))
        return rows

    def ask(self, query: str) -> list[dict[str, str]]:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        wrapper = SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setQuery(query)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(int(max(1, self.timeout)))
        delay = 1.0
        for attempt in range(self.retries + 1):
            try:
                answer = wrapper.queryAndConvert()
                return _bindings(answer, self.endpoint)
            except urllib.error.HTTPError as err:
                if err.code not in (429, 503) or attempt == self.retries:
                    raise RemoteError(f"{self.endpoint} answered HTTP {err.code} {err.reason}") from None
                wait = retry_after(err.headers.get("Retry-After") if err.headers else None, delay)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                if attempt == self.retries:
                    reason = getattr(err, "reason", err)
                    raise RemoteError(f"cannot reach {self.endpoint}: {reason}") from None
                wait = delay
            except SPARQLWrapperException as err:
                raise RemoteError(f"{self.endpoint} refused the query: {str(err).splitlines()[0]}") from None
            except ValueError:
                raise RemoteError(f"{self.endpoint} sent an answer that is not SPARQL JSON results") from None
            self.sleep(wait)
            delay = min(delay * 2, 30.0)
        raise RemoteError(f"no answer from {self.endpoint}")



def _bindings(answer: Any, endpoint: str) -> list[dict[str, str]]:
    """The rows of a SPARQL JSON answer as plain strings; anything else is refused whole."""
    try:
        rows = answer["results"]["bindings"]
        out = [{k: str(v["value"]) for k, v in row.items()} for row in rows]
    except (TypeError, KeyError, AttributeError):
        raise RemoteError(f"{endpoint} sent an answer that is not SPARQL JSON results") from None
    for row in out:
        item = row.get("item", "")
        if not item.startswith(ENTITY) or not QID.match(item[len(ENTITY):]):
            raise RemoteError(f"{endpoint} sent an item that is not a Wikidata entity: {item[:80]!r}")
    return out


def candidates(store: Any) -> tuple[list[Candidate], list[Candidate], dict[str, str]]:
    """Papers with an arXiv id or DOI, models with an introducing paper, and curated QIDs."""
    from mmkg.store import Table

    papers_t = store.query(
        "SELECT ?p ?label (SAMPLE(?a) AS ?arxiv) (SAMPLE(?d) AS ?doi) WHERE { ?p a mmkg:Paper ; rdfs:label ?label . "
        "OPTIONAL { ?p mmkg:arxivId ?a } OPTIONAL { ?p mmkg:doi ?d } FILTER (BOUND(?a) || BOUND(?d)) } GROUP BY ?p ?label")
    models_t = store.query(
        "SELECT ?m ?label (SAMPLE(?p) AS ?paper) WHERE { ?m a mmkg:PretrainedModel ; rdfs:label ?label ; "
        "mmkg:introducedIn ?p . ?p a mmkg:Paper } GROUP BY ?m ?label")
    curated_t = store.query(
        "SELECT ?x ?q WHERE { ?x mmkg:evidence ?e . ?e mmkg:wikidataId ?q ; dct:source ?s . "
        "FILTER (!STRSTARTS(STR(?s), \"" + ENTITY + "\")) }")
    assert isinstance(papers_t, Table) and isinstance(models_t, Table) and isinstance(curated_t, Table)
    papers = [Candidate(r[0].value, r[1].value, r[2].value if r[2] else "", (r[3].value if r[3] else "").upper())
              for r in papers_t.rows if r[0] is not None and r[1] is not None]
    models = [Candidate(r[0].value, r[1].value, paper=r[2].value) for r in models_t.rows
              if r[0] is not None and r[1] is not None and r[2] is not None]
    curated = {r[0].value: r[1].value for r in curated_t.rows if r[0] is not None and r[1] is not None}
    return sorted(papers, key=lambda c: c.iri), sorted(models, key=lambda c: c.iri), curated


def match(client: Client, papers: list[Candidate], models: list[Candidate], curated: dict[str, str]) -> Outcome:
    out = Outcome()
    by_arxiv: dict[str, set[str]] = defaultdict(set)
    by_doi: dict[str, set[str]] = defaultdict(set)
    for row in client.select(BY_ARXIV, (p.arxiv for p in papers if p.arxiv)):
        by_arxiv[row.get("key", "")].add(row["item"][len(ENTITY):])
    for row in client.select(BY_DOI, (p.doi for p in papers if p.doi)):
        by_doi[row.get("key", "").upper()].add(row["item"][len(ENTITY):])
    paper_qid: dict[str, str] = {}
    for p in papers:
        found = (by_arxiv.get(p.arxiv, set()) if p.arxiv else set()) | (by_doi.get(p.doi, set()) if p.doi else set())
        if not found:
            out.unmatched += 1
            continue
        if len(found) > 1:
            out.report.append(f"ambiguous: {p.label} <{p.iri}> matches {', '.join(sorted(found))}; nothing written")
            continue
        qid = found.pop()
        if p.iri in curated and curated[p.iri] != qid:
            out.report.append(f"conflict: {p.label} <{p.iri}> is curated as {curated[p.iri]}, Wikidata says {qid}; kept")
            continue
        paper_qid[p.iri] = qid
        if p.iri in curated:
            continue
        how, key = (f"arXiv id {p.arxiv} (P818)", p.arxiv) if p.arxiv in by_arxiv else (f"DOI {p.doi} (P356)", p.doi)
        template = BY_ARXIV if p.arxiv in by_arxiv else BY_DOI
        out.links.append(Link(p.iri, qid, how, template.format(values=json.dumps(key))))
    if models and paper_qid:
        described: dict[str, list[tuple[str, str]]] = defaultdict(list)
        keys = {f"{ENTITY}{q}" for q in paper_qid.values()}
        rows = _models(client, keys)
        for row in rows:
            described[row.get("key", "")].append((row["item"][len(ENTITY):], row.get("label", "")))
        from mmkg.names import normalise

        for m in models:
            paper_item = paper_qid.get(m.paper)
            if not paper_item:
                continue
            items = {q for q, label in described.get(f"{ENTITY}{paper_item}", []) if normalise(label) == normalise(m.label)}
            if len(items) > 1:
                out.report.append(f"ambiguous: model {m.label} <{m.iri}> matches {', '.join(sorted(items))}; nothing written")
            elif items:
                item = items.pop()
                if m.iri in curated and curated[m.iri] != item:
                    out.report.append(f"conflict: {m.label} <{m.iri}> is curated as {curated[m.iri]}, Wikidata says {item}; kept")
                elif m.iri not in curated:
                    out.links.append(Link(m.iri, item, f"described by source {paper_item} (P1343), label {m.label!r}",
                                          MODELS.format(values=f"<{ENTITY}{paper_item}>")))
    out.links.sort(key=lambda link: link.iri)
    return out


def _models(client: Client, paper_items: set[str]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    keys = sorted(paper_items)
    for start in range(0, len(keys), client.batch):
        values = " ".join(f"<{k}>" for k in keys[start:start + client.batch])
        rows += client.ask(MODELS.format(values=values))
    return rows


def render(outcome: Outcome, *, endpoint: str, today: dt.date, previous: Path | None = None) -> str:
    """The canonical Turtle of the links; a link already in ``previous`` keeps its first retrieval."""
    from mmkg.linkfile import LinkFile
    from mmkg.namespaces import ONTOLOGY_IRI

    out = LinkFile(previous)
    for link in outcome.links:
        item = ENTITY + link.qid
        out.claim(link.iri, item, [(ONTOLOGY_IRI + "wikidataId", link.qid)],
                  locator=f"matched by {link.how} at {endpoint} on {today.isoformat()}",
                  comment="query: " + " ".join(link.query.split()))
        out.page(item, f"Wikidata item {link.qid}", f"item retrieved through {endpoint}")
    return out.text()
