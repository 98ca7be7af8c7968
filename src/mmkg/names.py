"""Names to IRIs: ``resolve("clip")`` finds model:clip; unknown names get near-name suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mmkg.choices import ENTITY_KINDS
from mmkg.errors import InputError, UnknownNameError
from mmkg.namespaces import ID_BASE, ONTOLOGY_IRI, PREFIXES, shorten
from mmkg.resources import build_query
from mmkg.store import Store

_CLASSES = {"model": "PretrainedModel", "paper": "Paper", "dataset": "Dataset", "objective": "PretrainingObjective",
            "task": "DownstreamTask"}
#: entity kinds a name can be asked for, with the class that defines them ("" for any entity)
KIND_CLASSES: dict[str, str] = {kind: ONTOLOGY_IRI + _CLASSES[kind] if kind in _CLASSES else "" for kind in ENTITY_KINDS}
#: the only classes a name is resolved by; an entity's other classes are not kept
_KEPT = frozenset(c for c in KIND_CLASSES.values() if c)


def normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


@dataclass
class NameIndex:
    """Labels, alternative labels and slugs of the entities of one store, each entity with those of
    its classes that a kind of name asks for (model, paper, dataset, objective, task)."""

    by_key: Mapping[str, Mapping[str, Collection[str]]] = field(default_factory=dict)
    display: Mapping[str, str] = field(default_factory=dict)
    by_iri: Mapping[str, Collection[str]] = field(default_factory=dict)
    #: extra names of papers (title, arXiv id, DOI, the models they introduced)
    paper_aliases: Mapping[str, Collection[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, store: object) -> NameIndex:
        """The index of ``store`` (a Store or an endpoint), built once per store object."""
        cached = getattr(store, "_name_index", None)
        if isinstance(cached, NameIndex):
            return cached
        saved = getattr(store, "saved_names", None)
        index = cls.load(saved) if saved is not None and saved.is_file() else cls.build(store)
        try:
            store._name_index = index  # type: ignore[attr-defined]
        except AttributeError:
            pass
        return index

    def save(self, path: Path) -> None:
        """Write the index beside a built store, so each process reads it instead of building it."""
        import json

        data = {"by_key": {k: {i: sorted(c) for i, c in v.items()} for k, v in self.by_key.items()},
                "display": self.display, "by_iri": {i: sorted(c) for i, c in self.by_iri.items()},
                "paper_aliases": {k: sorted(v) for k, v in self.paper_aliases.items()}}
        path.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> NameIndex:
        """Read ``save``'s file as it is: its lists serve as the collections (they are short)."""
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(by_key=data["by_key"], display=data["display"], by_iri=data["by_iri"],
                   paper_aliases=data["paper_aliases"])

    @classmethod
    def build(cls, store: object) -> NameIndex:
        text = build_query("names")
        # the engine's own rows where the store can give them: an entity's name recurs once per
        # class, so values are read as plain strings and each distinct name normalised once
        rows = store.run(text) if isinstance(store, Store) else store.query(text).rows  # type: ignore[attr-defined]
        key_of: dict[str, str] = {}

        def key(value: str) -> str:
            found = key_of.get(value)
            if found is None:
                found = key_of[value] = normalise(value)
            return found

        by_key: dict[str, dict[str, set[str]]] = {}
        by_iri: dict[str, set[str]] = {}
        display: dict[str, str] = {}
        aliases: dict[str, set[str]] = {}
        for entity, name, klass, alias in rows:
            if entity is None or name is None or klass is None:
                continue
            iri, label, cls_iri = entity.value, name.value, klass.value
            if alias is not None:
                aliases.setdefault(key(label.rsplit("/", 1)[-1] if label.startswith(ID_BASE) else label), set()).add(iri)
                continue
            kept = {cls_iri} if cls_iri in _KEPT else set()
            by_iri.setdefault(iri, set()).update(kept)
            keys = {key(label), key(iri.rsplit("/", 1)[-1])} if iri.startswith(ID_BASE) else {key(label)}
            for k in keys:
                by_key.setdefault(k, {}).setdefault(iri, set()).update(kept)
            if label and iri not in display:
                display[iri] = label
        return cls(by_key=by_key, display=display, by_iri=by_iri, paper_aliases=aliases)

    def resolve(self, name: str, kind: str = "entity") -> str:
        """The IRI of the one entity of ``kind`` called ``name``."""
        if kind not in KIND_CLASSES:
            raise InputError(f"unknown kind {kind!r}; use one of {', '.join(KIND_CLASSES)}")
        wanted = KIND_CLASSES[kind]
        expanded = _expand(name)
        if expanded:
            classes = self.by_iri.get(expanded)
            if classes is not None and (not wanted or wanted in classes):
                return expanded
        candidates = {
            iri for iri, classes in self.by_key.get(normalise(name), {}).items() if not wanted or wanted in classes
        }
        bare = _unprefix(name)
        looks_like_id = bool(re.fullmatch(r"\d{4}\.\d{4,5}|10\.\d{4,9}/\S+", bare))
        if not candidates and (kind == "paper" or (kind == "entity" and looks_like_id)):
            # an arXiv id or DOI names its paper wherever any entity is asked for
            candidates = set(self.paper_aliases.get(normalise(bare), set()))
        if len(candidates) == 1:
            return candidates.pop()
        if len(candidates) > 1:
            listed = ", ".join(sorted(shorten(c) for c in candidates))
            raise InputError(f"{kind} name {name!r} is ambiguous: {listed}; use the IRI or prefixed name")
        raise UnknownNameError(kind, name, self.suggest(name, kind))

    def suggest(self, name: str, kind: str = "entity", n: int = 5) -> list[str]:
        wanted = KIND_CLASSES.get(kind, "")
        pool: dict[str, str] = {}
        for key, hits in self.by_key.items():
            for iri, classes in hits.items():
                if not wanted or wanted in classes:
                    pool.setdefault(key, self.display.get(iri, shorten(iri)))
        keys = difflib.get_close_matches(normalise(name), list(pool), n=n * 2, cutoff=0.5)
        key = normalise(name)
        keys += sorted(k for k in pool if key and (k.startswith(key) or key in k) and k not in keys)
        out: list[str] = []
        for k in keys:
            if pool[k] not in out:
                out.append(pool[k])
        return out[:n]


def _unprefix(name: str) -> str:
    """``arXiv:2103.00020``, ``https://arxiv.org/abs/2103.00020v2`` and ``doi:10.x/y`` to the bare id."""
    text = name.strip()
    text = re.sub(r"(?i)^(?:https?://(?:www\.)?(?:arxiv\.org/(?:abs|pdf)/|doi\.org/)|arxiv:|doi:)", "", text)
    return re.sub(r"v\d+$", "", text) if re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", text) else text.lower()


def _expand(name: str) -> str | None:
    if name.startswith(("http://", "https://")):
        return name
    if ":" in name:
        prefix, local = name.split(":", 1)
        if prefix in PREFIXES:
            return PREFIXES[prefix] + local
    return None


def resolve(name: str, kind: str = "model", *, store: Store | None = None) -> str:
    """The IRI for ``name`` in the built graph (opened if not given)."""
    if store is None:
        from mmkg.builder import open_built

        store = open_built()
    return NameIndex.of(store).resolve(name, kind)
