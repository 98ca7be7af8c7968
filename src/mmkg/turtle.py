"""Reading Turtle with errors that name file and line, and writing canonical Turtle.

Canonical form: only the prefixes used, sorted; subjects sorted by IRI, then top-level blank
nodes by their text; ``a`` first, then predicates sorted; objects sorted by their text;
blank nodes used once are written inline, RDF lists as ``( ... )``. The same graph always
gives the same bytes, so a diff shows only real changes.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from mmkg.errors import InputError, reading
from mmkg.namespaces import PREFIXES

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_INDENT = "    "


def check_syntax(path: Path, text: str | None = None) -> None:
    """Raise ``InputError`` naming ``path:line:column`` if the Turtle does not parse."""
    import pyoxigraph as ox

    with reading(path):  # names path:line:column
        if text is None:
            for _ in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                pass
        else:
            for _ in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
                pass


def parse_file(path: Path) -> Graph:
    """Parse one Turtle file into an rdflib graph, with a file:line error on bad syntax or on
    an ill-typed literal. Lexical forms are kept exactly as written (never normalised)."""
    check_syntax(path)
    return _parse(path, path.read_text(encoding="utf-8"))


def parse_text(text: str, *, name: str = "<text>") -> Graph:
    check_syntax(Path(name), text)
    return _parse(Path(name), text)


def _parse(path: Path, text: str) -> Graph:
    import logging
    import warnings

    graph = Graph()
    was, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    level = logging.getLogger("rdflib.term").level
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    finally:
        rdflib.NORMALIZE_LITERALS = was
        logging.getLogger("rdflib.term").setLevel(level)
    for o in graph.objects():
        if isinstance(o, Literal) and getattr(o, "ill_typed", False):
            raise InputError(f"{path}:{_line_of(text, str(o))}: ill-typed literal {str(o)!r} for datatype {o.datatype}")
    return graph


def _line_of(text: str, lexical: str) -> int:
    for needle in (f'"{lexical}"', lexical):
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


class _Writer:
    def __init__(self, graph: Graph, prefixes: dict[str, str], *, label_shared: bool = False) -> None:
        self.graph = graph
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.used: set[str] = set()
        self.refs: dict[BNode, int] = defaultdict(int)
        for o in graph.objects():
            if isinstance(o, BNode):
                self.refs[o] += 1
        # a blank node that is the object of two triples cannot be written inline; where allowed it
        # gets a label, numbered in the order of its description (the others' labels left out of it)
        self.labels: dict[BNode, str] = {}
        shared = [b for b, n in self.refs.items() if n > 1]
        if shared and label_shared:
            self.labels = dict.fromkeys(shared, "_:b")
            order = sorted(shared, key=lambda b: (self.body(b, 1), str(b)))
            self.labels = {b: f"_:b{i}" for i, b in enumerate(order, 1)}

    def name(self, term: URIRef) -> str:
        iri = str(term)
        if term == RDF.type:
            return "a"
        for prefix, ns in self.prefixes:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if _LOCAL.match(local):
                    self.used.add(prefix)
                    return f"{prefix}:{local}"
        return "<" + iri.replace(">", "%3E") + ">"

    def literal(self, lit: Literal) -> str:
        lex = str(lit)
        dt = lit.datatype
        if dt == XSD.integer and re.fullmatch(r"[+-]?\d+", lex):
            return lex
        if dt == XSD.decimal and re.fullmatch(r"[+-]?\d*\.\d+", lex):
            return lex
        if dt == XSD.boolean and lex in ("true", "false"):
            return lex
        body = '"' + _escape(lex) + '"'
        if lit.language:
            return f"{body}@{lit.language}"
        if dt is not None and dt != XSD.string:
            return f"{body}^^{self.name(dt)}"
        return body

    def is_list(self, node: BNode) -> bool:
        return (node, RDF.first, None) in self.graph and self.refs[node] <= 1

    def items(self, node: BNode) -> list:
        out = []
        current: Any = node
        while current != RDF.nil:
            out.append(self.graph.value(current, RDF.first))
            current = self.graph.value(current, RDF.rest)
            if current is None:
                break
        return out

    def term(self, t, depth: int) -> str:
        if isinstance(t, URIRef):
            return self.name(t)
        if isinstance(t, Literal):
            return self.literal(t)
        if isinstance(t, BNode):
            if t in self.labels:
                return self.labels[t]
            if self.refs[t] > 1:
                raise InputError("canonical Turtle does not support a blank node used twice")
            if self.is_list(t):
                return "( " + " ".join(self.term(i, depth) for i in self.items(t)) + " )"
            body = self.body(t, depth + 1)
            if not body:
                return "[ ]"
            pad = _INDENT * depth
            return "[\n" + body + "\n" + pad + "]"
        raise TypeError(t)

    def body(self, subject, depth: int) -> str:
        pad = _INDENT * depth
        groups: dict = defaultdict(list)
        for p, o in self.graph.predicate_objects(subject):
            groups[p].append(o)
        preds = sorted(groups, key=lambda p: (p != RDF.type, self.name(p)))
        lines = []
        for p in preds:
            objs = sorted(self.term(o, depth) for o in groups[p])
            lines.append(pad + self.name(p) + " " + ", ".join(objs))
        return " ;\n".join(lines)

    def document(self) -> str:
        subjects = set(self.graph.subjects())
        blocks: list[tuple[int, str, str]] = []
        for s in subjects:
            if isinstance(s, BNode):
                if s in self.labels:
                    blocks.append((2, self.labels[s].rjust(12), self.labels[s] + "\n" + self.body(s, 1) + " ."))
                    continue
                if self.refs[s] > 0:
                    continue
                text = self.term(s, 0)
                blocks.append((1, text, text + " ."))
            else:
                head = self.name(s)  # type: ignore[arg-type]  # subjects here are IRIs
                blocks.append((0, str(s), head + "\n" + self.body(s, 1) + " ."))
        blocks.sort(key=lambda b: (b[0], b[1]))
        body = "\n\n".join(b[2] for b in blocks)
        prefix_lines = "".join(
            f"@prefix {p}: <{PREFIXES.get(p) or dict(self.prefixes)[p]}> .\n" for p in sorted(self.used)
        )
        return prefix_lines + "\n" + body + "\n"


def _escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def canonical(graph: Graph, prefixes: dict[str, str] | None = None, *, label_shared: bool = False) -> str:
    """The canonical Turtle text of ``graph``. A blank node that is the object of more than one
    triple is refused (source files write each block once), or, with ``label_shared``, written
    under a label (query answers: the build links a model to the stages its evidence names)."""
    return _Writer(graph, prefixes or PREFIXES, label_shared=label_shared).document()


def canonical_file(path: Path) -> str:
    """The canonical text of a Turtle file (prefixes the file declares are kept in use)."""
    graph = parse_file(path)
    prefixes = dict(PREFIXES)
    for prefix, ns in graph.namespaces():
        if prefix and prefix not in prefixes:
            prefixes[prefix] = str(ns)
    return canonical(graph, prefixes)


class KnownCanonical:
    """Digests of texts this writer already found canonical, kept in a file between runs, so
    that a check or a format of an unchanged file does not parse it again. A digest covers the
    text and the writer (this module, the prefixes and the parser's version): any change to
    either makes every text unknown again, so a remembered answer is never a stale one."""

    LIMIT = 20_000  # digests kept (the newest): a few graphs' worth of files

    def __init__(self, path: Path | None) -> None:
        from mmkg import namespaces

        self.path = path
        writer = hashlib.sha256(rdflib.__version__.encode())
        for source in (Path(__file__), Path(namespaces.__file__)):
            writer.update(source.read_bytes())
        self._writer = writer.digest()
        self._seen: dict[str, None] = {}
        if path is not None:
            try:
                self._seen = dict.fromkeys(path.read_text(encoding="ascii").split())
            except (OSError, ValueError):
                pass  # none remembered yet, or an unreadable file: every text is parsed
        self._added = False

    def _digest(self, text: str) -> str:
        return hashlib.sha256(self._writer + text.encode("utf-8")).hexdigest()

    def __contains__(self, text: str) -> bool:
        return self._digest(text) in self._seen

    def add(self, text: str) -> None:
        key = self._digest(text)
        if key not in self._seen:
            self._seen[key] = None
            self._added = True

    def save(self) -> None:
        """Write the digests back (atomically); a folder that cannot be written keeps nothing."""
        if self.path is None or not self._added:
            return
        from mmkg.atomic import write_text

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text(self.path, "\n".join(list(self._seen)[-self.LIMIT:]) + "\n")
        except OSError:
            pass


def canonical_text(path: Path, known: KnownCanonical | None = None) -> tuple[str, str]:
    """The text of ``path`` and its canonical text."""
    text = path.read_text(encoding="utf-8")
    if known is not None and text in known:
        return text, text
    wanted = canonical_file(path)
    if known is not None and wanted == text:
        known.add(text)
    return text, wanted


def non_canonical(paths: Iterable[Path], known: KnownCanonical | None = None) -> list[Path]:
    """The files whose text differs from their canonical form."""
    out = []
    for path in paths:
        text, wanted = canonical_text(path, known)
        if wanted != text:
            out.append(path)
    if known is not None:
        known.save()
    return out


def known_canonical() -> KnownCanonical:
    """The digests remembered in the build folder's cache (``build/cache/canonical.txt``)."""
    from mmkg.resources import build_dir

    return KnownCanonical(build_dir() / "cache" / "canonical.txt")
