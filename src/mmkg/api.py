"""The verbs over the built graph: query, show, stats, check."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from mmkg.errors import InputError
from mmkg.formats import short
from mmkg.names import NameIndex
from mmkg.queries import NamedQuery, get, library, looks_like_name, near_names
from mmkg.resources import build_query, source_files
from mmkg.rows import Rows
from mmkg.store import Result, Table, Term
from mmkg.validate import Violation


class Backend(Protocol):
    def query(self, text: str, bindings: Mapping[str, Term] | None = None, *, timeout: float | None = None) -> Result: ...


def _backend(endpoint: str | None) -> Backend:
    if endpoint:
        from mmkg.remote import Endpoint

        return Endpoint(endpoint)
    from mmkg.builder import open_built

    return open_built()


_SPARQL_START = re.compile(r"(?is)^\s*(?:#[^\n]*\n\s*)*(?:PREFIX|BASE|SELECT|ASK|CONSTRUCT|DESCRIBE)\b")


def resolve_query(query: str) -> tuple[str, NamedQuery | None]:
    """Query text and, for a named query, its description: a name, a .rq path or SPARQL text.

    Text that is none of these ("most cited") is taken for a mistyped name and answered with
    the nearest names, never handed to the SPARQL parser.
    """
    if looks_like_name(query):
        named = get(query)
        return named.text, named
    if query.endswith(".rq") and "\n" not in query:
        path = Path(query)
        if not path.is_file():
            raise InputError(f"no query file {query}")
        return path.read_text(encoding="utf-8"), None
    if not _SPARQL_START.match(query) and "{" not in query and len(query) < 100:
        slug = re.sub(r"[^a-z0-9]+", "-", query.lower()).strip("-")
        hint = f"did you mean {slug}?" if slug in library() else near_names(slug)
        raise InputError(f"no named query {query!r}; {hint}")
    return query, None


def bind(named: NamedQuery | None, params: Mapping[str, str], backend: Backend) -> dict[str, Term]:
    """RDF terms for the parameters; names resolve to IRIs, numbers to typed literals."""
    out: dict[str, Term] = {}
    index: NameIndex | None = None
    declared = {p.name: p for p in named.params} if named else {}
    if named:
        unknown = sorted(set(params) - set(declared))
        if unknown:
            allowed = ", ".join(declared) or "none"
            raise InputError(f"query {named.name!r} has no parameter {unknown[0]!r} (parameters: {allowed})")
        missing = [p.name for p in named.params if not p.optional and p.name not in params]
        if missing:
            raise InputError(f"query {named.name!r} needs --param {missing[0]}=VALUE ({declared[missing[0]].description})")
    for name, value in params.items():
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(f"invalid parameter name {name!r}")
        kind = declared[name].kind if name in declared else _guess_kind(value)
        if kind == "integer":
            from mmkg.sizes import parse_size

            try:
                number = int(value) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else parse_size(value)
            except ValueError:
                raise InputError(f"parameter {name} must be an integer or a size such as 7B, not {value!r}") from None
            out[name] = ox.Literal(str(number), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        elif kind == "string":
            out[name] = ox.Literal(value)
        elif kind == "iri":
            from mmkg.names import _expand

            iri = _expand(value)
            if iri is None:
                raise InputError(f"parameter {name} must be an IRI or prefixed name, not {value!r}")
            out[name] = _named_node(iri, name)
        else:
            if index is None:
                index = NameIndex.of(backend)  # type: ignore[arg-type]
            out[name] = ox.NamedNode(index.resolve(value, kind))
    return out


def _named_node(iri: str, name: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        raise InputError(f"parameter {name}: invalid IRI {iri!r}") from None


def _guess_kind(value: str) -> str:
    if re.fullmatch(r"[+-]?\d+", value):
        return "integer"
    from mmkg.names import _expand

    return "iri" if _expand(value) else "string"


def run_query(
    query: str,
    *,
    params: Mapping[str, str] | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> Result:
    """Like :func:`query`, but the result keeps the engine's RDF terms (a ``Table``, a
    boolean or a list of triples): what the command line and the exports render."""
    backend = _backend(endpoint)
    text, named = resolve_query(query)
    bindings = bind(named, params or {}, backend)
    return backend.query(text, bindings, timeout=timeout)


def query(
    query: str,
    *,
    params: Mapping[str, str] | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> Rows | bool:
    """Run a named query, a ``.rq`` file or SPARQL text on the built graph or an endpoint.

    Rows hold plain Python values; ``.to_dicts()``, ``.to_pandas()``. An ASK query gives a bool.
    """
    return Rows.of(run_query(query, params=params, endpoint=endpoint, timeout=timeout))


# ---------------------------------------------------------------- show

@dataclass
class Card:
    iri: str
    label: str
    types: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, tuple[int, ...], str]] = field(default_factory=list)  # property, value, source nos, note
    sources: list[tuple[str, str, str]] = field(default_factory=list)  # label, iri, locator
    derivatives: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # what, page (arXiv, DOI, Hugging Face paper)

    def to_dict(self) -> dict[str, object]:
        """The card as plain data: facts name their sources by number (1-based)."""
        return {
            "iri": self.iri,
            "label": self.label,
            "types": list(self.types),
            "facts": [{"property": p, "value": v, "sources": list(s), **({"note": n} if n else {})}
                      for p, v, s, n in self.facts],
            "builtOnBy": [{"label": n, "via": via} for n, via in self.derivatives],
            "links": [{"kind": k, "page": page} for k, page in self.links],
            "sources": [{"label": label, "iri": iri, "locator": loc} for label, iri, loc in self.sources],
        }

    def render(self, fmt: str = "text") -> str:
        """The card as ``text``, ``md`` (Markdown) or ``json``."""
        if fmt == "json":
            import json

            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        if fmt == "md":
            return self.markdown()
        if fmt == "text":
            return self.text()
        raise InputError(f"unknown card format {fmt!r}; use text, md or json")

    def markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [f"# {self.label}", "", f"`{short(ox.NamedNode(self.iri))}`"]
        if self.types:
            lines += ["", "is a: " + "; ".join(self.types)]
        lines += ["", "| property | value | sources |", "|---|---|---|"]
        for prop, value, srcs, note in self.facts:
            refs = ", ".join(f"[{n}]" for n in srcs)
            lines.append(f"| {cell(prop)} | {cell(value)}{' (' + cell(note) + ')' if note else ''} | {refs} |")
        if self.derivatives:
            lines += ["", "built on by: " + "; ".join(f"{n} ({via})" for n, via in self.derivatives)]
        if self.links:
            lines += ["", "pages: " + " · ".join(f"[{LINK_NAMES.get(k, k)}]({page})" for k, page in self.links)]
        lines += ["", "sources:", ""]
        lines += [f"{i}. {label} <{iri}>, {locator}{_offline(iri)}" for i, (label, iri, locator) in enumerate(self.sources, 1)]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"<Card {self.label} ({short(ox.NamedNode(self.iri))}): {len(self.facts)} facts, {len(self.sources)} sources>"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def text(self) -> str:
        lines = [f"{self.label}  ({short(ox.NamedNode(self.iri))})"]
        if self.types:
            lines.append("is a: " + "; ".join(self.types))
        width = max([len(f[0]) for f in self.facts] + [8])
        for prop, value, srcs, note in self.facts:
            refs = ", ".join(map(str, srcs))
            lines.append(f"  {prop.ljust(width)}  {value}  [{refs}]{'  ' + note if note else ''}")
        if self.derivatives:
            lines.append("built on by: " + "; ".join(f"{n} ({via})" for n, via in self.derivatives))
        for kind, page in self.links:
            lines.append(f"{LINK_NAMES.get(kind, kind)}: {page}")
        lines.append("sources:")
        for i, (label, iri, locator) in enumerate(self.sources, 1):
            lines.append(f"  [{i}] {label} <{iri}>, {locator}{_offline(iri)}")
        return "\n".join(lines) + "\n"


LINK_NAMES = {"arxiv": "arXiv page", "doi": "DOI page", "huggingface-paper": "Hugging Face paper page"}


def _offline(iri: str) -> str:
    """Papers with Code pages were read before the site went offline (July 2025): the address
    stays as the record of what was read, marked so that nobody takes it for a live link."""
    return " (Papers with Code, offline since July 2025)" if iri.startswith("https://paperswithcode.com/") else ""


def show(name: str, *, kind: str = "entity", endpoint: str | None = None) -> Card:
    """A readable card of one entity: its facts, each with its source."""
    backend = _backend(endpoint)
    iri = NameIndex.of(backend).resolve(name, kind)  # type: ignore[arg-type]
    bound = {"entity": ox.NamedNode(iri)}
    head = backend.query(build_query("card-types"), bound)
    facts = backend.query(build_query("card"), bound)
    assert isinstance(head, Table) and isinstance(facts, Table)
    card = Card(iri=iri, label=short(ox.NamedNode(iri)))
    for rec in head.records():
        kind_ = rec["kind"].value if rec["kind"] else ""
        if kind_ == "label" and rec["label"]:
            card.label = rec["label"].value
        elif kind_ == "type" and rec["label"]:
            card.types.append(rec["label"].value)
        elif kind_ == "derivative" and rec["label"]:
            card.derivatives.append((rec["label"].value, rec["via"].value if rec["via"] else ""))
    source_no: dict[tuple[str, str], int] = {}
    grouped: dict[tuple[str, int, str], list[str]] = defaultdict(list)
    for rec in facts.records():
        src = rec["source"].value if rec["source"] else ""
        loc = rec["locator"].value if rec["locator"] else ""
        key = (src, loc)
        if key not in source_no:
            source_no[key] = len(source_no) + 1
            card.sources.append((rec["slabel"].value if rec["slabel"] else src, src, loc))
        prop = rec["plabel"].value if rec["plabel"] else short(rec["property"])
        value = rec["vlabel"].value if rec["vlabel"] else short(rec["value"])
        note = ""
        if rec["rank"] is not None and rec["rank"].value.endswith("DeprecatedRank"):
            note = "DEPRECATED: " + (rec["note"].value if rec["note"] else "")
        grouped[(prop, source_no[key], note)].append(value)
    # The same value from several sources is one line naming all of them.
    merged: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for (prop, src_no, note), values in grouped.items():
        merged[(prop, ", ".join(sorted(values)), note)].append(src_no)
    for (prop, value, note), nos in sorted(merged.items(), key=lambda kv: (kv[0][0], min(kv[1]), kv[0][1])):
        card.facts.append((prop, value, tuple(sorted(nos)), note))
    links = backend.query(build_query("card-links"), bound)
    assert isinstance(links, Table)
    card.links = [(k.value, p.value) for k, p in links.rows if k is not None and p is not None]
    return card


# ---------------------------------------------------------------- stats

@dataclass
class Stats:
    sizes: dict[str, int]
    per_year: dict[str, dict[int, int]]
    completeness: dict[str, dict[str, int]]
    coverage: list[dict[str, int]] = field(default_factory=list)

    def text(self) -> str:
        lines = ["entities:"]
        for cls, n in sorted(self.sizes.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {cls:<28} {n}")
        for cls, years in self.per_year.items():
            if any(y for y in years):
                lines.append(f"{cls} per year: " + ", ".join(f"{y}: {n}" for y, n in sorted(years.items()) if y))
        if self.coverage:
            cols = list(self.coverage[0])
            lines.append("coverage of multi-modal models by year:")
            lines.append("  " + "  ".join(c.rjust(12) for c in cols))
            lines += ["  " + "  ".join(str(row[c]).rjust(12) for c in cols) for row in self.coverage]
        for cls, props in self.completeness.items():
            total = self.sizes.get(cls, 0)
            lines.append(f"completeness of {cls} ({total}):")
            for prop, n in sorted(props.items(), key=lambda kv: -kv[1]):
                pct = 100 * n / total if total else 0
                lines.append(f"  {prop:<34} {n:>5}  {pct:5.1f}%")
        return "\n".join(lines) + "\n"


def stats(*, endpoint: str | None = None) -> Stats:
    """Counts per class, models per year, and how many entities have each property."""
    backend = _backend(endpoint)
    sizes_t = backend.query(build_query("class-sizes"))
    comp_t = backend.query(build_query("completeness"))
    assert isinstance(sizes_t, Table) and isinstance(comp_t, Table)
    sizes: dict[str, int] = defaultdict(int)
    per_year: dict[str, dict[int, int]] = defaultdict(dict)
    for cls, year, n in sizes_t.rows:
        name = short(cls)
        sizes[name] += int(n.value)  # type: ignore[union-attr]
        per_year[name][int(year.value)] = int(n.value)  # type: ignore[union-attr]
    completeness: dict[str, dict[str, int]] = defaultdict(dict)
    for cls, prop, n in comp_t.rows:
        completeness[short(cls)][short(prop)] = int(n.value)  # type: ignore[union-attr]
    cov_t = backend.query(get("coverage-by-year").text)
    assert isinstance(cov_t, Table)
    coverage = [{k.rstrip("_"): int(v.value) if v is not None else 0 for k, v in rec.items()} for rec in cov_t.records()]
    return Stats(dict(sizes), dict(per_year), dict(completeness), coverage)


# ---------------------------------------------------------------- check

@dataclass
class CheckReport:
    violations: list[Violation]
    consistent: bool | None
    inconsistency: str = ""

    @property
    def ok(self) -> bool:
        return not self.violations and self.consistent is not False


def check(*, graph: Path | None = None, reason: bool = False, canonical: bool = True) -> CheckReport:
    """Validate the graph files (integrity rules, shapes, canonical form; optionally reasoning)."""
    from mmkg.builder import assemble
    from mmkg.turtle import known_canonical, non_canonical

    files = source_files(graph)
    _, report = assemble(files, reason=reason, validate=True, progress=None)
    violations = list(report.violations)
    if canonical:
        for path in non_canonical(files[1:], known_canonical()):
            violations.append(Violation("canonical-form", str(path), "not in canonical form; run 'mmkg fmt'"))
    if report.consistent is False:
        violations.append(Violation("reasoner", "ontology", f"inconsistent: {report.inconsistency}"))
    return CheckReport(sorted(violations), report.consistent, report.inconsistency)


def named_queries() -> list[NamedQuery]:
    return sorted(library().values(), key=lambda q: (q.group, q.name))
