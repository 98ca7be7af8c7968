"""``mmkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph (Flask app,
served by waitress). Queries run in worker processes with a time limit and a result cap."""

from __future__ import annotations

import json
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


def create_app(config: ServerConfig) -> Any:
    from flask import Flask, Response, request

    from mmkg.api import named_queries
    from mmkg.builder import saved_counts, void_counts
    from mmkg.pages import start_page
    from mmkg.queries import library
    from mmkg.store import Store
    from mmkg.workers import WorkerPool

    app = Flask("mmkg")
    app.config["MAX_CONTENT_LENGTH"] = config.max_request_bytes
    pool = WorkerPool(config.run_dir / "store", size=config.workers, timeout=config.timeout,
                      memory_mb=config.max_memory_mb)
    app.extensions["mmkg_pool"] = pool
    counts = saved_counts(config.run_dir)
    if counts is None:  # a run written before builds saved them
        meta = Store.open(config.run_dir / "store")
        counts = void_counts(meta)
        del meta
    triples = counts.get("triples", 0)
    void_text = _void(counts, config)

    def reply(status: int, body: bytes | str, ctype: str = "text/plain; charset=utf-8") -> Response:
        resp = Response(body, status=status, content_type=ctype)
        if config.cors_origin:
            resp.headers["Access-Control-Allow-Origin"] = config.cors_origin
            resp.headers["Vary"] = "Origin"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    @app.after_request
    def _security(resp: Response) -> Response:
        # pages are self-contained: their inline script and style only, nothing fetched from elsewhere,
        # never framed by another site
        resp.headers.setdefault("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
                                "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp

    def formats() -> tuple[str, str]:
        fmt = (request.values.get("format") or request.values.get("output") or "").lower()
        if fmt:
            table = TABLE_ALIASES.get(fmt, fmt if fmt in (*TABLE_FORMATS, "html") else "json")
            graph = GRAPH_ALIASES.get(fmt, fmt if fmt in (*GRAPH_FORMATS, "html") else "ttl")
            return table, graph
        accept = request.headers.get("Accept", "")
        return _negotiate(accept, TABLE_TYPES, "json"), _negotiate(accept, GRAPH_TYPES, "ttl")

    def refuse_hostile(text: str) -> Response | None:
        if len(text.encode()) > config.max_request_bytes:
            return reply(413, f"query longer than {config.max_request_bytes} bytes")
        from mmkg.errors import InputError
        from mmkg.guard import QueryRefused, check_nesting, refuse_services

        try:
            check_nesting(text)
            refuse_services(text, config.allow_service)
        except QueryRefused as err:
            return reply(403, str(err))
        except InputError as err:
            return reply(400, str(err))
        return None

    cache = AnswerCache(config.cache_bytes)

    def run(job: dict) -> Response:
        table_fmt, graph_fmt = formats()
        job.update(table_format=table_fmt, graph_format=graph_fmt, cap=config.max_rows, max_bytes=config.max_response_bytes)
        key = json.dumps(job, sort_keys=True)
        answer = cache.get(key)
        if answer is None:
            answer = pool.run(job)
            if answer.status == 200:
                cache.put(key, answer)
        return reply(answer.status, answer.body, answer.content_type)

    @app.after_request
    def _headers(resp: Response) -> Response:
        if config.cors_origin and "Access-Control-Allow-Origin" not in resp.headers:
            resp.headers["Access-Control-Allow-Origin"] = config.cors_origin
        return resp

    @app.route("/sparql", methods=["GET", "POST", "OPTIONS"])
    def sparql() -> Response:
        if request.method == "OPTIONS":
            resp = reply(204, b"")
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            return resp
        ctype = (request.content_type or "").split(";")[0].strip().lower()
        if "update" in request.values or ctype == "application/sparql-update":
            return reply(403, "this endpoint is read-only: SPARQL updates are refused")
        if request.method == "POST" and ctype not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            return reply(415, "POST a query as application/sparql-query or application/x-www-form-urlencoded")
        given = request.args.getlist("query") + (request.form.getlist("query") if request.method == "POST" else [])
        if request.method == "POST" and ctype == "application/sparql-query":
            if given:
                return reply(400, "give the query once: in the body or as the query parameter, not both")
            text = request.get_data(as_text=True)
        else:
            if len(given) > 1:
                return reply(400, "give exactly one query parameter")
            text = given[0] if given else ""
        if not text:
            return service_description()
        hostile = refuse_hostile(text)
        if hostile is not None:
            return hostile
        return run({"text": text})

    def service_description() -> Response:
        fmt = _negotiate(request.headers.get("Accept", ""), GRAPH_TYPES, "ttl")
        text = _service_description(config)
        if fmt in ("ttl", "html"):
            return reply(200, text, "text/turtle; charset=utf-8")
        import pyoxigraph as ox

        from mmkg.formats import MEDIA_TYPES, render_graph

        triples = [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]
        return reply(200, render_graph(triples, fmt), MEDIA_TYPES[fmt])

    @app.get("/queries")
    def queries_index() -> Response:
        import json

        items = [{"name": q.name, "group": q.group, "title": q.title, "description": q.description,
                  "params": [{"name": p.name, "kind": p.kind, "optional": p.optional, "description": p.description} for p in q.params]}
                 for q in named_queries()]
        return reply(200, json.dumps(items, indent=1), "application/json")

    @app.get("/queries/<name>")
    def named(name: str) -> Response:
        if name not in library():
            return reply(404, f"no named query {name!r}")
        params = {k: v for k, v in request.args.items() if k != "format" and v != ""}
        return run({"named": name, "params": params})

    @app.get("/.well-known/void")
    def void() -> Response:
        return reply(200, void_text, "text/turtle; charset=utf-8")

    @app.get("/")
    def index() -> Response:
        return reply(200, start_page(named_queries(), triples=triples), "text/html; charset=utf-8")

    @app.get("/viz")
    def viz() -> Response:
        from mmkg.viz import render_html

        focus = request.args.get("focus") or None
        try:
            depth = max(0, min(int(request.args.get("depth", "2")), 6))
        except ValueError:
            return reply(400, "depth must be an integer")
        store = Store.open(config.run_dir / "store")
        try:
            text = render_html(store=store, focus=focus, depth=depth)
        except Exception as err:  # noqa: BLE001
            from mmkg.errors import MmkgError

            if isinstance(err, MmkgError):
                return reply(400, str(err))
            raise
        return reply(200, text, "text/html; charset=utf-8")

    @app.errorhandler(413)
    def too_large(_: Any) -> Response:
        return reply(413, f"request larger than {config.max_request_bytes} bytes")

    return app


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


def serve(config: ServerConfig) -> None:
    import waitress

    from mmkg.builder import lease

    app = create_app(config)
    with lease(config.run_dir):  # rebuilds leave the served run in place
        _run(waitress, app, config)


def _run(waitress: Any, app: Any, config: ServerConfig) -> None:
    try:
        # idle or half-open connections are closed after 15 s, and there is room for many of them,
        # so a client that opens connections and never finishes a request cannot lock others out
        waitress.serve(app, host=config.host, port=config.port, threads=8, max_request_body_size=config.max_request_bytes,
                       ident="mmkg", clear_untrusted_proxy_headers=True, channel_timeout=15, cleanup_interval=5,
                       connection_limit=1000)
    finally:
        app.extensions["mmkg_pool"].close()
