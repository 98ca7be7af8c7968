"""Remote stores: a real Oxigraph server on 127.0.0.1, loaded with `mmkg push`, answers every
named query exactly as the embedded store does. Unreachable or broken endpoints fail clearly."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmkg.api import named_queries
from mmkg.api import run_query as query
from mmkg.errors import RemoteError
from mmkg.store import Table
from servers import free_port, oxigraph_server

pytestmark = pytest.mark.server

PARAMS = {
    "model": "delta", "dataset": "pairs-b", "objective": "ITC", "text": "alp", "paper": "arxiv-0000-00002",
    "class": "mmkg:MultiModalModel", "property": "mmkg:fusionStyle",
    "benchmark": "bench-q", "metric": "metric:vqa-accuracy", "split": "test-std", "setting": "setting:fine-tuned",
    "maxParams": "500000000", "since": "2019", "openWeights": "false",
    "also": "LM", "match": "any", "modality": "audio", "part": "mmkg:SingleStream", "org": "mmkg:SingleStream",
}


def normalise(result) -> object:  # type: ignore[no-untyped-def]
    if isinstance(result, Table):
        def cell(v):  # type: ignore[no-untyped-def]
            if v is None:
                return None
            if type(v).__name__ == "BlankNode":
                return "_"
            if type(v).__name__ == "Literal" and "," in v.value:
                return ",".join(sorted(v.value.split(", ")))  # GROUP_CONCAT order is not defined
            return str(v)
        return sorted((tuple(cell(v) for v in row) for row in result.rows), key=repr), result.variables
    if isinstance(result, list):
        return sorted(str(t) for t in result)
    return result


@pytest.fixture(scope="module")
def oxigraph(mini_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        proc = subprocess.run([sys.executable, "-m", "mmkg", "push", "--store", base + "/store", "--build", str(mini_build)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        yield base + "/query"


def test_every_named_query_gives_the_same_rows_remotely(oxigraph: str, mini_build: Path, use_build) -> None:  # type: ignore[no-untyped-def]
    use_build(mini_build)
    for q in named_queries():
        params = {p.name: PARAMS[p.name] for p in q.params}
        local = query(q.name, params=params)
        remote = query(q.name, params=params, endpoint=oxigraph)
        assert normalise(remote) == normalise(local), q.name


def test_cli_query_against_endpoint(oxigraph: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg", "query", "ancestors", "-p", "model=Delta", "--endpoint", oxigraph, "-f", "csv"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "model/gamma" in proc.stdout and "model/textenc" in proc.stdout


def test_unreachable_endpoint_is_one_line_and_exit_2() -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    proc = subprocess.run([sys.executable, "-m", "mmkg", "query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "--endpoint", url, "--timeout", "2"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "cannot reach" in proc.stderr


class _Garbage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b"<html>not json at all</html>")

    do_GET = do_POST

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


def test_garbage_answer_is_a_clear_error() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(RemoteError, match="not SPARQL results"):
            query("SELECT * WHERE { ?s ?p ?o }", endpoint=f"http://127.0.0.1:{server.server_port}/sparql")
    finally:
        server.shutdown()


def test_ports_picked_together_are_different_and_free() -> None:
    """Servers started together get a port each: a port let go is not handed out twice."""
    import socket

    from mmkg.remote import free_ports

    ports = free_ports(64)
    assert len(set(ports)) == 64
    for port in ports[:8]:  # nothing holds them: each can be bound
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
