"""``mmkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph: a WSGI
application served by Granian. Queries run in worker processes with a time limit and a result cap."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmkg.choices import GRAPH_FORMATS, TABLE_FORMATS

TABLE_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv", "text/html": "html", "text/plain": "table",
    "text/markdown": "md",
}
GRAPH_TYPES = {
    "text/turtle": "ttl", "application/x-turtle": "ttl", "application/n-triples": "nt", "text/plain": "nt",
    "application/ld+json": "jsonld", "application/json": "jsonld", "application/rdf+xml": "rdfxml", "text/html": "html",
}


TABLE_ALIASES = {"srj": "json", "srx": "xml", "text": "table", "markdown": "md"}
GRAPH_ALIASES = {"turtle": "ttl", "n3": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "json": "jsonld",
                 "xml": "rdfxml", "rdf": "rdfxml", "rdf+xml": "rdfxml"}


@dataclass
class ServerConfig:
    run_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10000
    max_request_bytes: int = 64 * 1024
    workers: int = 2
    cors_origin: str | None = "*"
    allow_service: list[str] = field(default_factory=list)
    max_response_bytes: int = 16 * 1024 * 1024
    max_memory_mb: int = 2048
    cache_bytes: int = 64 * 1024 * 1024

    def to_json(self) -> str:
        from dataclasses import asdict

        return json.dumps({**asdict(self), "run_dir": str(self.run_dir)})

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        fields = json.loads(text)
        return cls(**{**fields, "run_dir": Path(fields["run_dir"])})


def _negotiate(accept: str, table: dict[str, str], default: str) -> str:
    best, best_q = default, -1.0
    for part in (accept or "").split(","):
        bits = [b.strip() for b in part.split(";")]
        mime = bits[0].lower()
        q = 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if mime in table and q > best_q:
            best, best_q = table[mime], q
    return best


class AnswerCache:
    """Answers by request, least recently used first out, up to ``limit`` bytes of bodies. The
    served build never changes under a server, so a repeated request gets the same answer."""

    def __init__(self, limit: int) -> None:
        import threading
        from collections import OrderedDict

        self.limit, self.size = limit, 0
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def answer(self, job: dict, compute: Callable[[], Any]) -> Any:
        """The kept answer to ``job``, else the one ``compute`` gives, kept when it succeeded. With
        no room (a limit of 0) every job is computed and none is keyed."""
        if not self.limit:
            return compute()
        key = json.dumps(job, sort_keys=True)
        found = self.get(key)
        if found is None:
            found = compute()
            if found.status == 200:
                self.put(key, found)
        return found

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, answer: Any) -> None:
        size = len(answer.body) + len(key)
        if size > self.limit // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = answer
            self.size += size
            while self.size > self.limit and self._items:
                old_key, old = self._items.popitem(last=False)
                self.size -= len(old.body) + len(old_key)


TEXT = "text/plain; charset=utf-8"
#: the environment variable that carries the configuration to the HTTP server's worker process
CONFIG_ENV = "MMKG_SERVE_CONFIG"


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()


def _reply(status: int, body: bytes | str, content_type: str = TEXT, *headers: tuple[str, str]) -> Reply:
    return Reply(status, body.encode() if isinstance(body, str) else body, content_type, headers)


class _TooLarge(Exception):
    pass


class Request:
    """What the endpoint reads of one WSGI request: method, parameters, headers, a bounded body."""

    __slots__ = ("environ", "method", "args", "ctype", "limit", "_form")

    def __init__(self, environ: dict[str, Any], limit: int) -> None:
        from urllib.parse import parse_qs

        self.environ, self.limit = environ, limit
        self.method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        self.args: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING") or "", keep_blank_values=True)
        self.ctype = str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        self._form: dict[str, list[str]] | None = None

    def header(self, name: str) -> str:
        return str(self.environ.get("HTTP_" + name.upper().replace("-", "_")) or "")

    def body(self) -> bytes:
        """The request body, refused past the limit before more than the limit is read."""
        try:
            length = int(self.environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if length > self.limit:
            raise _TooLarge
        stream = self.environ["wsgi.input"]
        data = stream.read(length) if length >= 0 else stream.read(self.limit + 1)
        if len(data) > self.limit:
            raise _TooLarge
        return bytes(data)

    def form(self) -> dict[str, list[str]]:
        if self._form is None:
            from urllib.parse import parse_qs

            posted = self.method == "POST" and self.ctype == "application/x-www-form-urlencoded"
            self._form = parse_qs(self.body().decode("utf-8", "replace"), keep_blank_values=True) if posted else {}
        return self._form

    def values(self, name: str) -> list[str]:
        return self.args.get(name, []) + self.form().get(name, [])

    def value(self, name: str) -> str:
        found = self.values(name)
        return found[0] if found else ""


class Endpoint:
    """The endpoint as a WSGI application: a few GET pages and the SPARQL 1.1 Protocol at /sparql,
    every query answered by a worker process, every response with the same security headers."""

    def __init__(self, config: ServerConfig) -> None:
        from mmkg.builder import saved_counts, void_counts
        from mmkg.workers import WorkerPool

        self.config = config
        self.pool = WorkerPool(config.run_dir / "store", size=config.workers, timeout=config.timeout,
                               memory_mb=config.max_memory_mb)
        counts = saved_counts(config.run_dir)
        if counts is None:  # a run written before builds saved them
            from mmkg.store import Store

            counts = void_counts(Store.open(config.run_dir / "store"))
        self.triples = counts.get("triples", 0)
        self.void_text = _void(counts, config)
        self.cache = AnswerCache(config.cache_bytes)
        common = [("X-Content-Type-Options", "nosniff"),
                  # pages are self-contained: their inline script and style only, nothing fetched from
                  # elsewhere, never framed by another site
                  ("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
                   "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; "
                   "base-uri 'none'; frame-ancestors 'none'"),
                  ("X-Frame-Options", "DENY"), ("Referrer-Policy", "no-referrer")]
        if config.cors_origin:
            common[:0] = [("Access-Control-Allow-Origin", config.cors_origin), ("Vary", "Origin")]
        self._common = common
        self._pages: dict[str, Any] = {"/queries": self.queries_index, "/.well-known/void": self.void, "/": self.index,
                                       "/viz": self.viz}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        request = Request(environ, self.config.max_request_bytes)
        try:
            reply = self.route(request, str(environ.get("PATH_INFO") or "/"))
        except _TooLarge:
            reply = _reply(413, f"request larger than {self.config.max_request_bytes} bytes")
        except Exception:  # noqa: BLE001 - logged here, reported to the client as a 500
            import traceback

            traceback.print_exc()
            reply = _reply(500, "internal error")
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body))), *self._common,
                   *reply.headers]
        start_response(f"{reply.status} {_PHRASES[reply.status]}", headers)
        return [b"" if request.method == "HEAD" else reply.body]

    def route(self, request: Request, path: str) -> Reply:
        if path == "/sparql":
            if request.method not in ("GET", "HEAD", "POST", "OPTIONS"):
                return _reply(405, "use GET, POST or OPTIONS", TEXT, ("Allow", "GET, HEAD, POST, OPTIONS"))
            return self.sparql(request)
        page = self._pages.get(path)
        if page is None and path.startswith("/queries/"):
            name = path[len("/queries/"):]
            page = lambda request: self.named(request, name)  # noqa: E731
        if page is None:
            return _reply(404, f"nothing at {path}; the endpoint is at /sparql")
        if request.method not in ("GET", "HEAD"):
            return _reply(405, "use GET", TEXT, ("Allow", "GET, HEAD"))
        return page(request)

    # -------------------------------------------------------------- the SPARQL protocol

    def sparql(self, request: Request) -> Reply:
        if request.method == "OPTIONS":
            return _reply(204, b"", TEXT, ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                          ("Access-Control-Allow-Headers", "Content-Type, Accept"))
        ctype = request.ctype
        if ctype == "application/sparql-update" or "update" in request.args or "update" in request.form():
            return _reply(403, "this endpoint is read-only: SPARQL updates are refused")
        if request.method == "POST" and ctype not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            return _reply(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
        given = request.values("query")
        if request.method == "POST" and ctype == "application/sparql-query":
            if given:
                return _reply(400, "give the query once: in the body or as the query parameter, not both")
            text = request.body().decode("utf-8", "replace")
        else:
            if len(given) > 1:
                return _reply(400, "give exactly one query parameter")
            text = given[0] if given else ""
        if not text:
            return self.service_description(request)
        return self.refuse_hostile(text) or self.run(request, {"text": text})

    def refuse_hostile(self, text: str) -> Reply | None:
        if len(text.encode()) > self.config.max_request_bytes:
            return _reply(413, f"query longer than {self.config.max_request_bytes} bytes")
        from mmkg.errors import InputError
        from mmkg.guard import QueryRefused, check_nesting, refuse_services

        try:
            check_nesting(text)
            refuse_services(text, self.config.allow_service)
        except QueryRefused as err:
            return _reply(403, str(err))
        except InputError as err:
            return _reply(400, str(err))
        return None

    def formats(self, request: Request) -> tuple[str, str]:
        fmt = (request.value("format") or request.value("output")).lower()
        if fmt:
            table = TABLE_ALIASES.get(fmt, fmt if fmt in (*TABLE_FORMATS, "html") else "json")
            graph = GRAPH_ALIASES.get(fmt, fmt if fmt in (*GRAPH_FORMATS, "html") else "ttl")
            return table, graph
        accept = request.header("Accept")
        return _negotiate(accept, TABLE_TYPES, "json"), _negotiate(accept, GRAPH_TYPES, "ttl")

    def run(self, request: Request, job: dict) -> Reply:
        table_fmt, graph_fmt = self.formats(request)
        config = self.config
        job.update(table_format=table_fmt, graph_format=graph_fmt, cap=config.max_rows, max_bytes=config.max_response_bytes)
        answer = self.cache.answer(job, lambda: self.pool.run(job))
        return Reply(answer.status, answer.body, answer.content_type)

    def service_description(self, request: Request) -> Reply:
        fmt = _negotiate(request.header("Accept"), GRAPH_TYPES, "ttl")
        text = _service_description(self.config)
        if fmt in ("ttl", "html"):
            return _reply(200, text, "text/turtle; charset=utf-8")
        import pyoxigraph as ox

        from mmkg.formats import MEDIA_TYPES, render_graph

        triples = [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]
        return _reply(200, render_graph(triples, fmt), MEDIA_TYPES[fmt])

    # -------------------------------------------------------------- pages

    def queries_index(self, _: Request) -> Reply:
        from mmkg.api import named_queries

        items = [{"name": q.name, "group": q.group, "title": q.title, "description": q.description,
                  "params": [{"name": p.name, "kind": p.kind, "optional": p.optional, "description": p.description}
                             for p in q.params]}
                 for q in named_queries()]
        return _reply(200, json.dumps(items, indent=1), "application/json")

    def named(self, request: Request, name: str) -> Reply:
        from mmkg.queries import library

        if name not in library():
            return _reply(404, f"no named query {name!r}")
        params = {k: v[0] for k, v in request.args.items() if k != "format" and v and v[0] != ""}
        return self.run(request, {"named": name, "params": params})

    def void(self, _: Request) -> Reply:
        return _reply(200, self.void_text, "text/turtle; charset=utf-8")

    def index(self, _: Request) -> Reply:
        from mmkg.api import named_queries
        from mmkg.pages import start_page

        return _reply(200, start_page(named_queries(), triples=self.triples), "text/html; charset=utf-8")

    def viz(self, request: Request) -> Reply:
        from mmkg.errors import MmkgError
        from mmkg.store import Store
        from mmkg.viz import render_html

        focus = request.args.get("focus", [""])[0] or None
        try:
            depth = max(0, min(int(request.args.get("depth", ["2"])[0]), 6))
        except ValueError:
            return _reply(400, "depth must be an integer")
        try:
            text = render_html(store=Store.open(self.config.run_dir / "store"), focus=focus, depth=depth)
        except MmkgError as err:
            return _reply(400, str(err))
        return _reply(200, text, "text/html; charset=utf-8")

    def close(self) -> None:
        self.pool.close()


def _phrases() -> dict[int, str]:
    from http import HTTPStatus

    return {s.value: s.phrase for s in HTTPStatus}


_PHRASES = _phrases()


def _service_description(config: ServerConfig) -> str:
    base = f"http://{config.host}:{config.port}"
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .

<{base}/sparql> a sd:Service ;
    sd:endpoint <{base}/sparql> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_JSON>, <http://www.w3.org/ns/formats/SPARQL_Results_XML>,
        <http://www.w3.org/ns/formats/SPARQL_Results_CSV>, <http://www.w3.org/ns/formats/SPARQL_Results_TSV>,
        <http://www.w3.org/ns/formats/Turtle>, <http://www.w3.org/ns/formats/N-Triples>,
        <http://www.w3.org/ns/formats/JSON-LD>, <http://www.w3.org/ns/formats/RDF_XML> ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph <{base}/.well-known/void#dataset> ] .
"""


def _void(counts: dict[str, int], config: ServerConfig) -> str:
    base = f"http://{config.host}:{config.port}"
    lines = [
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix dct: <http://purl.org/dc/terms/> .",
        "",
        f"<{base}/.well-known/void#dataset> a void:Dataset ;",
        '    dct:title "mmkg: multi-modal pre-trained models knowledge graph" ;',
        f"    void:sparqlEndpoint <{base}/sparql> ;",
        "    void:vocabulary <https://w3id.org/mmkg/ontology#>, <http://www.w3.org/ns/prov#>, <http://purl.org/spar/cito/> ;",
        "    void:uriSpace \"https://w3id.org/mmkg/id/\" ;",
    ]
    for key in ("triples", "entities", "classes", "properties", "distinctSubjects", "distinctObjects"):
        if key in counts:
            lines.append(f"    void:{key} {counts[key]} ;")
    lines[-1] = lines[-1].rstrip(" ;") + " ."
    return "\n".join(lines) + "\n"


def endpoint_from_environment() -> Endpoint:
    """The application in the HTTP server's worker process, configured by the process that serves."""
    import os

    from mmkg.tether import die_with_parent

    die_with_parent()
    return Endpoint(ServerConfig.from_json(os.environ[CONFIG_ENV]))


def serve(config: ServerConfig) -> None:
    """Serve until interrupted: Granian's HTTP/1.1 server (in Rust) calls the endpoint in one
    worker process, which answers queries through its own query workers."""
    import os

    from mmkg.builder import lease

    _can_listen(config.host, config.port)
    os.environ[CONFIG_ENV] = config.to_json()
    # threads wait on query workers: one for each worker, and a few for cached answers and pages
    threads = max(config.workers + 2, 2 * (os.cpu_count() or 1) + 1)
    server = http_server("mmkg.server:endpoint_from_environment", config.host, config.port, threads=threads)
    with lease(config.run_dir):  # rebuilds leave the served run in place
        server.serve()


def _can_listen(host: str, port: int) -> None:
    """Fail with one line, before any process starts, when the address cannot be bound."""
    import socket

    from mmkg.errors import InputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(infos[0][4])
    except OSError as err:
        raise InputError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None


def http_server(factory: str, host: str, port: int, *, threads: int = 4) -> Any:
    """Granian serving the WSGI application that ``factory`` (``module:function``) returns, from one
    process, with up to ``threads`` requests in the application at a time."""
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    # idle or half-open connections are closed after 15 s, so a client that opens connections and
    # never finishes a request cannot lock others out
    return Server(factory, address=host, port=port, interface=Interfaces.WSGI, factory=True, workers=1,
                  blocking_threads=threads, http=HTTPModes.http1, websockets=False,
                  http1_settings=HTTP1Settings(header_read_timeout=15_000), log_level=LogLevels.warning)
