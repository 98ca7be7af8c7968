"""Importing the survey's living paper list (the companion repository's markdown) into papers.

``mmkg import paperlist FILE`` reads the list, writes one canonical Turtle file of papers (each
fact in an evidence block sourced by the list, located by its year section) and reports what
it added, changed, kept, skipped and why. Entries it cannot read are reported, never guessed.
IRIs are stable: the arXiv id where there is one, else a slug of first author, year and title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mmkg.errors import InputError

LIST_URL = "https://github.com/wangxiao5791509/MultiModal_BigModels_Survey"
_LINK = re.compile(r"\[\[\s*(?P<label>[^\[\]]*?)\s*\]\((?P<url>[^)\s]+)\)\]")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(?P<id>\d{4}\.\d{4,5})(?:v\d+)?(?:\.pdf)?", re.IGNORECASE)
_ARXIV_TAG = re.compile(r"arXiv[:\s]*(?P<id>\d{4}\.\d{4,5})", re.IGNORECASE)
_BOLD = re.compile(r"\*\*(?P<t>.+?)\*\*")
_YEAR_HEAD = re.compile(r"^#{2,4}\s*Year\s+(?P<label>.+?)\s*$", re.IGNORECASE)


@dataclass
class Entry:
    line: int
    section: str
    title: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    arxiv: str = ""
    doi: str = ""
    paper_url: str = ""
    code: str = ""
    project: str = ""

    @property
    def slug(self) -> str:
        if self.arxiv:
            return "arxiv-" + self.arxiv.replace(".", "-")
        words = [w for w in (re.sub(r"[^a-z0-9]", "", w.lower()) for w in self.title.split()) if w]
        first = re.sub(r"[^a-z]", "", (self.authors.split(",")[0].split() or [""])[-1].lower()) if self.authors else ""
        if not first:
            return f"{self.year or 'undated'}-" + "-".join(words[:6] or ["paper"])
        word = next((w for w in words if len(w) > 3), words[0] if words else "paper")
        return f"{first}{self.year or ''}{word}"


@dataclass
class Skipped:
    line: int
    text: str
    reason: str


@dataclass
class Parsed:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _doi(url: str) -> str:
    """A DOI found in a link (doi.org, or a publisher's /doi/ path), lower case, or ''."""
    found = re.search(r"(?:doi\.org/|/doi/(?:pdf/|abs/|full/)?)(?P<doi>10\.\d{4,9}/[^?#\s]+)", url)
    return found.group("doi").rstrip("/").lower() if found else ""


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    return text.strip(" ,.;:\"'*")


def parse(text: str) -> Parsed:
    """Entries of a paper-list markdown document, and what could not be read."""
    out = Parsed()
    section = ""
    blocks: list[tuple[int, str, list[str]]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        head = _YEAR_HEAD.match(raw.strip())
        if head:
            section = head.group("label").strip()
            continue
        if raw.lstrip().startswith("|"):
            row = _table_row(no, raw)
            if row is not None:
                if isinstance(row, Entry):
                    out.entries.append(row)
                else:
                    out.skipped.append(row)
            continue
        if raw.startswith("* ") or raw.startswith("- "):
            blocks.append((no, section, [raw[2:]]))
        elif blocks and raw.strip() and (raw.startswith(" ") or raw.startswith("\t") or raw.lstrip().startswith("[[")):
            blocks[-1][2].append(raw.strip())
        elif raw.strip().startswith("#"):
            continue
    for no, sec, lines in blocks:
        entry = _entry(no, sec, lines)
        if isinstance(entry, Skipped):
            out.skipped.append(entry)
        else:
            out.entries.append(entry)
    return out


def _table_row(no: int, raw: str) -> Entry | Skipped | None:
    """A survey-table row (Surveys.md) becomes a paper; a model-table row is reported."""
    cells = [c.strip() for c in raw.strip().strip("|").split("|")]
    if len(cells) < 3 or set("".join(cells)) <= set(":- ") or re.match(r"^\*\*[^*]", cells[0]):
        return None
    survey = re.match(r"^\*\*\*\s*(?:\[\d+\]\s*)?(?P<t>.+?)\*\*\*", cells[0])
    if survey:
        e = Entry(line=no, section="surveys table", title=_clean(survey.group("t")))
        links = [(m.group("label"), m.group("url")) for m in _LINK.finditer(raw)]
        for _label, url in links:
            found = _ARXIV.search(url)
            if found:
                e.arxiv = found.group("id")
            e.doi = e.doi or _doi(url)
            e.paper_url = e.paper_url or url
        if len(cells) > 2 and re.fullmatch(r"\d{4}", cells[2]):
            e.year = int(cells[2])
        if len(cells) > 3 and cells[3] and cells[3].lower() != "arxiv":
            e.venue = cells[3]
        if e.year is None or not (e.arxiv or e.doi or e.paper_url):
            return Skipped(no, e.title[:80], "survey row without a year or a link")
        return e
    if re.fullmatch(r"\d{1,3}", cells[0]) and len(cells) >= 3:
        return Skipped(no, cells[1][:80], "a model-table row, not a paper entry (no title or paper link)")
    return None


def _authors(text: str) -> tuple[str, str]:
    """Authors and a venue found around them: '(ECCV 2022), A, B and C, arXiv-2022'."""
    venue = ""
    lead = re.match(r"^\((?P<v>[^)]*)\)\s*,?\s*", text)
    if lead:
        venue, text = lead.group("v"), text[lead.end():]
    tail = re.search(r",\s*(?P<v>(?:arXiv|CVPR|ICCV|ECCV|NeurIPS|NIPS|ICML|ICLR|AAAI|ACL|EMNLP|MM|TPAMI)[-\s]?\d{4})\s*$", text)
    if tail:
        venue, text = venue or tail.group("v"), text[: tail.start()]
    text = re.sub(r"\s+and\s+", ", ", text)
    return _clean(text), venue.strip()


def _entry(no: int, section: str, lines: list[str]) -> Entry | Skipped:
    first = lines[0]
    whole = " ".join(lines)
    e = Entry(line=no, section=section)
    links = [(m.group("label"), m.group("url")) for m in _LINK.finditer(whole)]
    body = _LINK.sub(" ", whole)
    title_link = re.match(r"^\s*\[\*\*(?P<t>.+?)\*\*\]\((?P<u>[^)]+)\)", first)
    bold = _BOLD.search(body)
    if title_link:
        e.title = _clean(title_link.group("t"))
        e.project = title_link.group("u")
    elif bold:
        e.title = _clean(bold.group("t"))
    else:
        return Skipped(no, first[:80], "no bold title")
    if not e.title:
        return Skipped(no, first[:80], "empty title")
    tag = re.match(r"^\s*\[(?P<tag>[^\]]+)\]\s*", first)
    if tag and not tag.group("tag").startswith("**"):
        value = tag.group("tag").strip()
        found = _ARXIV_TAG.fullmatch(value)
        if found:
            e.arxiv = found.group("id")
        else:
            e.venue = value
    # citation style: Surname, Name, et al. "**Title**" Venue (Year).
    quoted = re.match(r'^(?:\[[^\]]*\]\s*)?(?P<authors>[^"*\[]+?)\s*"\*\*', first)
    if quoted:
        e.authors = _clean(quoted.group("authors"))
        after = body.split("**", 2)[-1] if body.count("**") >= 2 else ""
        found = re.match(r'^\W*(?P<v>[^\[]*?)\s*\((?P<y>\d{4})\)', after)
        if found:
            e.venue = e.venue or _clean(found.group("v"))
            e.year = int(found.group("y"))
    else:
        rest = body[bold.end():] if bold and not title_link else body[len(first):]
        authors, venue = _authors(_clean(re.sub(r"\s+", " ", rest)))
        if authors and not authors.lower().startswith(("http", "[")) and len(authors) < 5000:
            e.authors = authors
        if venue and not e.venue and not venue.lower().startswith("arxiv"):
            e.venue = venue
    for label, url in links:
        low = label.lower()
        m = _ARXIV.search(url)
        if m and not e.arxiv:
            e.arxiv = m.group("id")
        e.doi = e.doi or _doi(url)
        if low.startswith("paper") and not e.paper_url:
            e.paper_url = url
        elif ("github" in low or "code" in low) and url.startswith("https://github.com/") and not e.code:
            e.code = url
        elif low.startswith("project") and not e.project:
            e.project = url
    if e.year is None:
        year = re.fullmatch(r"\d{4}", section or "")
        if year:
            e.year = int(section)
        elif e.arxiv:
            e.year = 2000 + int(e.arxiv[:2])
        else:
            found = re.search(r"\b(19|20)\d{2}\b", e.venue)
            e.year = int(found.group(0)) if found else None
    if e.year is None:
        return Skipped(no, e.title[:80], "no year: not in a year section, no arXiv id, no year in the venue")
    if not (e.arxiv or e.doi or e.paper_url):
        return Skipped(no, e.title[:80], "no paper link or identifier")
    return e


def _norm(title: str) -> str:
    from mmkg.names import normalise

    return normalise(title)


def known_papers(files: list[Path]) -> tuple[set[str], set[str]]:
    """IRIs and normalised titles of the papers declared in ``files``."""
    import pyoxigraph as ox

    paper = "https://w3id.org/mmkg/ontology#Paper"
    iris: set[str] = set()
    labels: dict[str, str] = {}
    for f in files:
        for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE):
            if t.predicate.value.endswith("#type") and t.object.value == paper:
                iris.add(t.subject.value)
            elif t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label" and isinstance(t.subject, ox.NamedNode):
                labels[t.subject.value] = t.object.value
    return iris, {_norm(labels[i]) for i in iris if i in labels}


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    already_in_graph: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"added {len(self.added)}, changed {len(self.changed)}, unchanged {len(self.unchanged)}, "
                 f"removed {len(self.removed)}, already in the graph {len(self.already_in_graph)}, "
                 f"duplicates {len(self.duplicates)}, skipped {len(self.skipped)}"]
        lines += [f"  skipped line {s.line}: {s.reason}: {s.text}" for s in self.skipped]
        lines += [f"  duplicate: {d}" for d in self.duplicates]
        return "\n".join(lines) + "\n"


def to_graph(
    entries: list[Entry], *, source_name: str, existing: set[str] | None = None, titles: set[str] | None = None
) -> tuple[object, ImportReport]:
    """An rdflib graph of the entries (papers not yet in the graph) and a partial report."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, RDFS, XSD

    mmkg = Namespace("https://w3id.org/mmkg/ontology#")
    dct = Namespace("http://purl.org/dc/terms/")
    paper_ns = "https://w3id.org/mmkg/id/paper/"
    g = Graph()
    report = ImportReport()
    seen: dict[str, Entry] = {}
    source = URIRef(LIST_URL)
    for e in entries:
        iri = paper_ns + e.slug
        if (existing and iri in existing) or (titles and _norm(e.title) in titles):
            report.already_in_graph.append(iri)
            continue
        if iri in seen:
            report.duplicates.append(f"{iri} (lines {seen[iri].line} and {e.line})")
            continue
        seen[iri] = e
        node = URIRef(iri)
        block = BNode()
        g.add((node, RDF.type, mmkg.Paper))
        g.add((node, RDFS.label, Literal(e.title)))
        g.add((node, mmkg.evidence, block))
        g.add((block, dct.source, source))
        g.add((block, mmkg.locator, Literal(f"{source_name}, section 'Year {e.section}'")))
        g.add((block, mmkg.title, Literal(e.title)))
        g.add((block, mmkg.year, Literal(e.year, datatype=XSD.integer)))
        if e.authors:
            g.add((block, mmkg.authors, Literal(e.authors)))
        if e.venue:
            g.add((block, mmkg.venue, Literal(e.venue)))
        if e.arxiv:
            g.add((block, mmkg.arxivId, Literal(e.arxiv)))
        if e.doi and re.match(r"^10\.\d{4,9}/\S+$", e.doi):
            g.add((block, mmkg.doi, Literal(e.doi)))
        for url, prop in ((e.code, mmkg.codeRepository), (e.paper_url, mmkg.url), (e.project, mmkg.homepage)):
            if url.startswith(("http://", "https://")):
                g.add((block, prop, URIRef(url)))
    return g, report


def import_paperlist(
    path: Path, out: Path, *, existing: set[str] | None = None, titles: set[str] | None = None, write: bool = True,
    source_name: str | None = None,
) -> ImportReport:
    """Import ``path`` into ``out`` (canonical Turtle); report what changed against ``out``."""
    from rdflib import Graph, URIRef
    from rdflib.compare import isomorphic

    from mmkg.atomic import write_text
    from mmkg.turtle import canonical, parse_file

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read: {err}") from None
    parsed = parse(text)
    graph, report = to_graph(parsed.entries, source_name=source_name or path.name, existing=existing, titles=titles)
    report.skipped = parsed.skipped
    before = parse_file(out) if out.exists() else Graph()

    def describe(g: Graph, s: URIRef) -> Graph:
        sub = Graph()
        for t in g.triples((s, None, None)):
            sub.add(t)
            for t2 in g.triples((t[2], None, None)):
                sub.add(t2)
        return sub

    from rdflib.namespace import RDF

    mmkg_paper = URIRef("https://w3id.org/mmkg/ontology#Paper")
    new = set(graph.subjects(RDF.type, mmkg_paper))  # type: ignore[attr-defined]
    old = set(before.subjects(RDF.type, mmkg_paper))
    for s in sorted(new):
        if s not in old:
            report.added.append(str(s))
        elif isomorphic(describe(graph, s), describe(before, s)):  # type: ignore[arg-type]
            report.unchanged.append(str(s))
        else:
            report.changed.append(str(s))
    report.removed = sorted(str(s) for s in old - new)
    if write and (report.added or report.changed or report.removed):
        write_text(out, canonical(graph))  # type: ignore[arg-type]
    return report
