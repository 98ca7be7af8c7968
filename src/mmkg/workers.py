"""Query workers: separate processes that open the store read-only and answer one query at a
time, so a query past its time limit is stopped by ending its process (the engine has no
cancellation), and a crash takes down one worker, not the server."""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    rows: int = 0


class QueryTimeout(Exception):
    pass


#: graphs whose N-Triples file is at most this large are held in memory by each worker
IN_MEMORY_BYTES = 512 * 1024 * 1024


def _serve(conn: Connection, store_path: str, root: str, memory_mb: int) -> None:  # runs in the worker process
    import os
    import resource

    os.environ["MMKG_ROOT"] = root
    from mmkg.store import Store
    from mmkg.tether import die_with_parent

    die_with_parent()  # a server killed outright leaves no worker behind

    nt = Path(store_path).parent / "mmkg.nt"
    if nt.is_file() and nt.stat().st_size <= IN_MEMORY_BYTES:
        store = Store.memory()  # the graph fits: queries run on the in-memory engine
        store.load(nt.read_bytes(), trusted=True)  # the build wrote it from terms it had checked
        store.saved_names = Path(store_path).parent / "names.json"
    else:
        store = Store.open(Path(store_path))
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            conn.send(_answer(store, job))
        except MemoryError:
            msg = f"the query needed more than this endpoint's {memory_mb} MiB per query worker; add a LIMIT or narrow it"
            conn.send(Answer(503, "text/plain; charset=utf-8", msg.encode()))
        except Exception as err:  # noqa: BLE001 - reported to the client as a 500
            conn.send(Answer(500, "text/plain; charset=utf-8", f"internal error: {type(err).__name__}".encode()))


def _answer(store: Any, job: dict) -> Answer:
    from mmkg.api import bind, resolve_query
    from mmkg.errors import MmkgError
    from mmkg.formats import render
    from mmkg.store import Table, materialise

    try:
        if job.get("named"):
            text, named = resolve_query(job["named"])
            bindings = bind(named, job.get("params") or {}, store)
        else:
            text, bindings = job["text"], {}
        raw = store.run(text, bindings)
    except MmkgError as err:
        return Answer(400, "text/plain; charset=utf-8", str(err).encode())
    if isinstance(raw, (ox.QuerySolutions, ox.QueryBoolean)) and job["table_format"] in NATIVE:
        return _native(raw, job)
    result = materialise(raw)
    rows = len(result.rows) if isinstance(result, Table) else (len(result) if isinstance(result, list) else 1)
    refused = _too_many_rows(rows, job.get("cap") or 0)
    if refused:
        return refused
    graph = isinstance(result, list)
    fmt = job["graph_format"] if graph else job["table_format"]
    if fmt == "html":
        from mmkg.pages import result_html

        page = result_html(result).encode()
        if job.get("max_bytes") and len(page) > job["max_bytes"]:
            return Answer(413, "text/plain; charset=utf-8", b"the result page is larger than this endpoint allows; add a LIMIT")
        return Answer(200, "text/html; charset=utf-8", page, rows)
    body = render(result, fmt, pretty=False).encode()
    return _too_large(body, job.get("max_bytes") or 0) or _sent(body, fmt, rows)


def _too_many_rows(rows: int, cap: int) -> Answer | None:
    if cap and rows > cap:
        msg = f"the result has {rows} rows, more than this endpoint's limit of {cap}; add a LIMIT"
        return Answer(413, "text/plain; charset=utf-8", msg.encode())
    return None


def _too_large(body: bytes, limit: int) -> Answer | None:
    if limit and len(body) > limit:
        msg = f"the result is {len(body)} bytes, more than this endpoint's limit of {limit}; add a LIMIT or select less"
        return Answer(413, "text/plain; charset=utf-8", msg.encode())
    return None


def _sent(body: bytes, fmt: str, rows: int) -> Answer:
    from mmkg.formats import MEDIA_TYPES

    return Answer(200, MEDIA_TYPES[fmt] + ("; charset=utf-8" if not fmt.endswith("json") else ""), body, rows)


#: table formats the engine writes itself, far faster than reading every value into Python
NATIVE = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
          "tsv": ox.QueryResultsFormat.TSV}
#: the fewest bytes one more row adds in each of the engine's formats (an empty JSON solution is
#: "{}," and an XML one at least "<result/>"): a body shorter than cap times this cannot exceed the cap
_ROW_BYTES = {"json": 3, "xml": 9, "csv": 2, "tsv": 1}


def _rows(body: bytes, fmt: str) -> int:
    """Rows in a body the engine wrote (literals are escaped in every format, so counting is exact)."""
    if fmt == "json":
        import json

        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return body.count(b"<result>") + body.count(b"<result/>")
    if fmt == "tsv":
        return body.count(b"\n") - 1
    import csv
    import io

    return sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1


def _native(raw: Any, job: dict) -> Answer:
    fmt = job["table_format"]
    body = raw.serialize(format=NATIVE[fmt])
    cap = job.get("cap") or 0
    refused = _too_large(body, job.get("max_bytes") or 0)
    if refused:
        return refused
    rows = -1  # not counted: too short to pass the cap
    if isinstance(raw, ox.QuerySolutions) and cap and len(body) > cap * _ROW_BYTES[fmt]:
        rows = _rows(body, fmt)
        refused = _too_many_rows(rows, cap)
        if refused:
            return refused
    return _sent(body, fmt, rows)


class _Worker:
    def __init__(self, ctx: Any, store: Path, root: Path, memory_mb: int) -> None:
        import select

        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, str(store), str(root), memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self._poll = select.poll()  # made once: waiting on the pipe is on every request's path
        self._poll.register(self.conn.fileno(), select.POLLIN)

    def answered(self, timeout: float) -> bool:
        """Whether the worker has answered (or hung up) within ``timeout`` seconds."""
        return bool(self._poll.poll(timeout * 1000))

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """A fixed number of query workers; ``run`` waits for a free one."""

    def __init__(self, store: Path, *, size: int = 2, timeout: float = 10.0, memory_mb: int = 0) -> None:
        from mmkg.resources import root

        self.store, self.root, self.timeout, self.memory_mb = store, root(), timeout, memory_mb
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self._ctx, self.store, self.root, self.memory_mb)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def run(self, job: dict, *, wait: float = 30.0) -> Answer:
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            return Answer(503, "text/plain; charset=utf-8", b"the endpoint is busy; try again")
        started = time.monotonic()
        try:
            worker.conn.send(job)
            if worker.answered(self.timeout):
                answer: Answer = worker.conn.recv()
                self._idle.put(worker)
                return answer
        except (EOFError, OSError, BrokenPipeError):
            pass
        # timed out or died: end this worker and start a fresh one
        self._retire(worker)
        spent = time.monotonic() - started
        if spent >= self.timeout:
            msg = f"the query ran longer than this endpoint's limit of {self.timeout:g} s and was stopped"
            return Answer(503, "text/plain; charset=utf-8", msg.encode())
        msg = "the query worker stopped while running this query (out of memory or a crash); try a narrower query"
        return Answer(500, "text/plain; charset=utf-8", msg.encode())

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)
        self._add()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for w in workers:
            w.stop()
