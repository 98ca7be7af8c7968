"""``mmkg link huggingface``: what the Hugging Face Hub says about the graph's checkpoints, read
through the ``huggingface_hub`` client and kept as sourced facts about each checkpoint in
``graph/links/huggingface.ttl``: base models (with the kind of derivation), licence, pipeline
tag, library and arXiv references. They stay apart from curated lineage; where a card's base
model is a model of the graph that the checkpoint's model does not build on, it is reported.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmkg.errors import EnvironmentProblem, InputError, RemoteError
from mmkg.remote import retry_after

DEFAULT_ENDPOINT = "https://huggingface.co"
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
EXPAND = ["baseModels", "cardData", "library_name", "pipeline_tag", "tags"]


@dataclass
class Checkpoint:
    iri: str
    hf_id: str
    model: str  # the model it is a checkpoint of (itself for a model-level id)
    builds_on: set[str] = field(default_factory=set)  # the model's lineage ancestors and itself


@dataclass
class Card:
    hf_id: str
    base_models: list[tuple[str, str]] = field(default_factory=list)  # (repo id, relation)
    licence: str = ""
    pipeline_tag: str = ""
    library: str = ""
    arxiv: list[str] = field(default_factory=list)


@dataclass
class HubOutcome:
    cards: dict[str, Card] = field(default_factory=dict)  # checkpoint IRI -> card
    report: list[str] = field(default_factory=list)
    descendants: dict[str, list[str]] = field(default_factory=dict)


def checkpoints(store: Any) -> tuple[list[Checkpoint], dict[str, str]]:
    """Entities with a Hugging Face id, their model's lineage, and every HF id -> entity."""
    from mmkg.store import Table

    table = store.query(
        "SELECT ?x ?id ?model WHERE { ?x mmkg:huggingFaceId ?id . FILTER (isIRI(?x)) "
        "OPTIONAL { ?x mmkg:variantOf ?m } BIND (COALESCE(?m, ?x) AS ?model) }")
    lineage = store.query("SELECT ?m ?a WHERE { ?m a mmkg:PretrainedModel ; mmkg:buildsOn+ ?a . FILTER (isIRI(?a)) }")
    assert isinstance(table, Table) and isinstance(lineage, Table)
    ancestors: dict[str, set[str]] = {}
    for m, a in lineage.rows:
        if m is not None and a is not None:
            ancestors.setdefault(m.value, set()).add(a.value)
    out, owner = [], {}
    for x, hf, model in table.rows:
        if x is None or hf is None or model is None:
            continue
        owner[hf.value.casefold()] = model.value
        out.append(Checkpoint(x.value, hf.value, model.value, {model.value, *ancestors.get(model.value, set())}))
    return sorted(out, key=lambda c: (c.hf_id.casefold(), c.iri)), owner


class Hub:
    """The ``huggingface_hub`` client pointed at ``endpoint``, with retries on 429/503."""

    def __init__(self, endpoint: str, *, timeout: float = 30.0, retries: int = 4,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if not re.match(r"^https?://[^\s/]+", endpoint):
            raise InputError(f"not an http(s) endpoint URL: {endpoint!r}")
        try:
            from huggingface_hub import HfApi
        except ModuleNotFoundError:
            raise EnvironmentProblem("linking to the Hub needs huggingface_hub: pip install 'mmkg[hub]'") from None
        from mmkg import __version__

        self.endpoint = endpoint.rstrip("/")
        self.api = HfApi(endpoint=self.endpoint, library_name="mmkg", library_version=__version__, token=False)
        self.timeout, self.retries, self.sleep = timeout, retries, sleep

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError

        delay = 1.0
        for attempt in range(self.retries + 1):
            try:
                return fn()
            except RepositoryNotFoundError:
                return None
            except HfHubHTTPError as err:
                status = err.response.status_code if err.response is not None else 0
                if status == 404:
                    return None
                if status not in (429, 503) or attempt == self.retries:
                    raise RemoteError(f"{self.endpoint} answered HTTP {status} for {what}") from None
                wait = retry_after(err.response.headers.get("Retry-After") if err.response is not None else None, delay)
            except _transport_errors() as err:
                if attempt == self.retries:
                    raise RemoteError(f"cannot reach {self.endpoint} for {what}: {type(err).__name__}") from None
                wait = delay
            except (ValueError, KeyError, TypeError, AttributeError):
                raise RemoteError(f"{self.endpoint} sent a malformed answer for {what}") from None
            self.sleep(wait)
            delay = min(delay * 2, 30.0)
        raise RemoteError(f"no answer from {self.endpoint} for {what}")

    def card(self, hf_id: str) -> Card | None:
        info = self._call(hf_id, lambda: self.api.model_info(hf_id, expand=EXPAND, timeout=self.timeout))  # type: ignore[arg-type]
        if info is None:
            return None
        if getattr(info, "id", None) is None:
            raise RemoteError(f"{self.endpoint} sent a malformed answer for {hf_id}")
        return _card(hf_id, info, self.endpoint)

    def children(self, hf_id: str, limit: int) -> list[str]:
        found = self._call(f"children of {hf_id}",
                           lambda: [m.id for m in self.api.list_models(filter=f"base_model:{hf_id}", limit=limit)])
        return [str(m) for m in (found or [])][:limit]


def _transport_errors() -> tuple[type[BaseException], ...]:
    """Connection failures and timeouts of the HTTP library under ``huggingface_hub``."""
    import importlib

    found: list[type[BaseException]] = [OSError, TimeoutError]
    for name in ("httpx", "httpx2"):
        try:
            found.append(importlib.import_module(name).TransportError)
        except (ModuleNotFoundError, AttributeError):
            pass
    return tuple(found)


def _card(hf_id: str, info: Any, endpoint: str) -> Card:
    card = Card(hf_id)
    data = info.card_data.to_dict() if getattr(info, "card_data", None) is not None else {}
    if not isinstance(data, dict):
        raise RemoteError(f"{endpoint} sent a malformed card for {hf_id}")
    base = getattr(info, "base_models", None) or {}
    relation = str(base.get("relation", "")) if isinstance(base, dict) else ""
    models = base.get("models", []) if isinstance(base, dict) else []
    ids = [str(m.get("id", "")) for m in models if isinstance(m, dict)]
    if not ids:  # the card's own base_model field, when the Hub sent no resolved relation
        declared = data.get("base_model") or []
        ids = [declared] if isinstance(declared, str) else [str(x) for x in declared]
        relation = str(data.get("base_model_relation") or relation)
    card.base_models = sorted({(i, relation) for i in ids if REPO_ID.match(i)})
    licence = data.get("license")
    card.licence = licence if isinstance(licence, str) else ""
    card.pipeline_tag = str(getattr(info, "pipeline_tag", None) or "")
    card.library = str(getattr(info, "library_name", None) or data.get("library_name") or "")
    card.arxiv = sorted({t.split(":", 1)[1] for t in (getattr(info, "tags", None) or [])
                         if isinstance(t, str) and t.startswith("arxiv:")})
    return card


def read(hub: Hub, points: list[Checkpoint], owner: dict[str, str], *, descendants: int = 0) -> HubOutcome:
    out = HubOutcome()
    for c in points:
        card = hub.card(c.hf_id)
        if card is None:
            out.report.append(f"not on the Hub: {c.hf_id} (<{c.iri}>)")
            continue
        out.cards[c.iri] = card
        for base, relation in card.base_models:
            other = owner.get(base.casefold())
            if other is not None and other not in c.builds_on:
                out.report.append(f"contradicts lineage: {c.hf_id} names {base} ({relation or 'relation not given'}), "
                                  f"a checkpoint of <{other}>, which <{c.model}> does not build on")
        if descendants:
            out.descendants[c.hf_id] = hub.children(c.hf_id, descendants)
    return out


def render(outcome: HubOutcome, *, endpoint: str, today: dt.date, previous: Path | None = None) -> str:
    """Canonical Turtle; a card whose facts did not change keeps its first retrieval date."""
    from mmkg.linkfile import LinkFile
    from mmkg.namespaces import ONTOLOGY_IRI as mm

    out = LinkFile(previous)
    base = endpoint.rstrip("/")
    for iri, card in sorted(outcome.cards.items()):
        page = f"{base}/{card.hf_id}"
        general = [(mm + "licence", card.licence), (mm + "hubPipelineTag", card.pipeline_tag),
                   (mm + "hubLibrary", card.library)] + [(mm + "hubArxivReference", a) for a in card.arxiv]
        blocks = [[(p, v) for p, v in general if v]]
        blocks += [[(mm + "hubBaseModel", b)] + ([(mm + "hubBaseRelation", r)] if r else []) for b, r in card.base_models]
        locator = f"model card metadata read through {base}/api/models/{card.hf_id} on {today.isoformat()}"
        for facts in blocks:
            if facts:
                out.claim(iri, page, facts, locator=locator)
        out.page(page, f"Hugging Face model card: {card.hf_id}", f"read through the Hub API at {base}")
    return out.text()
