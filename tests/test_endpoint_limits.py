"""What a hostile or careless client can no longer do to a running endpoint: rebuilds under
it, memory and byte exhaustion, half-open connections, protocol corner cases; and the
reasoner's JVM dies with a killed build. Every test runs a real server process."""

from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmkg.builder import build
from servers import fetch, free_port, mmkg_server

pytestmark = pytest.mark.server
FIX = Path(__file__).parent / "fixtures"




ASK = "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")


@pytest.fixture(scope="module")
def mini_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("limits-build")
    build(graph=FIX / "mini", out=out, reason=False, progress=None)
    return out


def test_rebuilds_leave_the_served_run_in_place(mini_out: Path) -> None:
    with mmkg_server(mini_out, "--timeout", "1", "--workers", "1") as base:
        served = (mini_out / "current").resolve()
        for _ in range(3):
            build(graph=FIX / "mini", out=mini_out, reason=False, progress=None)
        assert served.is_dir(), "a build deleted the run the endpoint serves"
        # a query past the time limit recycles the worker; the fresh worker still finds its run
        slow = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        status, _, _ = fetch(base + "/sparql?query=" + urllib.parse.quote(slow))
        assert status == 503
        status, body, _ = fetch(base + ASK)
        assert status == 200 and "true" in body
    build(graph=FIX / "mini", out=mini_out, reason=False, progress=None)
    assert not served.exists(), "once the server is gone its run is pruned like any other"


def test_a_memory_hungry_query_is_stopped_and_the_endpoint_lives(real_build: Path) -> None:
    with mmkg_server(real_build, "--timeout", "60", "--workers", "1", "--max-memory-mb", "600") as base:
        hungry = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f LIMIT 1"
        started = time.monotonic()
        status, body, _ = fetch(base + "/sparql?query=" + urllib.parse.quote(hungry), timeout=120)
        assert status in (500, 503) and ("memory" in body), (status, body)
        assert time.monotonic() - started < 60, "the memory limit, not the time limit, stopped it"
        status, body, _ = fetch(base + ASK)
        assert status == 200 and "true" in body


def test_response_bytes_are_capped(mini_out: Path) -> None:
    with mmkg_server(mini_out, "--max-response-bytes", "2048") as base:
        big = "SELECT (GROUP_CONCAT(STR(?o); separator=' ') AS ?all) { ?s ?p ?o FILTER (isLiteral(?o)) }"
        status, body, _ = fetch(base + "/sparql?query=" + urllib.parse.quote(big))
        assert status == 413 and "2048" in body
        status, _, _ = fetch(base + ASK)
        assert status == 200


def test_half_open_connections_do_not_lock_others_out(mini_out: Path) -> None:
    with mmkg_server(mini_out) as base:
        port = int(base.rsplit(":", 1)[1])
        idle = []
        for _ in range(150):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"GET / HTTP/1.1\r\n")
            idle.append(s)
        try:
            started = time.monotonic()
            status, body, _ = fetch(base + ASK, timeout=20)
            assert status == 200 and "true" in body
            assert time.monotonic() - started < 20
        finally:
            for s in idle:
                s.close()


def test_protocol_corner_cases(mini_out: Path) -> None:
    with mmkg_server(mini_out) as base:
        ask = urllib.parse.quote("ASK {}")
        assert fetch(f"{base}/sparql?query={ask}&query={ask}")[0] == 400
        assert fetch(f"{base}/sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"})[0] == 415
        assert fetch(f"{base}/sparql?query={ask}", data=b"ASK {}",
                   headers={"Content-Type": "application/sparql-query"})[0] == 400
        status, body, headers = fetch(f"{base}/sparql", headers={"Accept": "application/ld+json"})
        assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
        assert "Service" in json.dumps(json.loads(body))
        status, body, headers = fetch(f"{base}/sparql")
        assert status == 200 and headers["Content-Type"].startswith("text/turtle") and "sd:Service" in body
        _, _, headers = fetch(base + "/")
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        # an IRI with a javascript: scheme is shown as text on a result page, never as a link
        js = urllib.parse.quote("SELECT ?x { BIND(IRI('javascript:alert(1)') AS ?x) }")
        status, page, _ = fetch(f"{base}/sparql?query={js}", headers={"Accept": "text/html"})
        assert status == 200 and "javascript:alert(1)" in page and 'href="javascript' not in page


def _java_children(pid: int) -> list[int]:
    """HermiT JVMs among the descendants of ``pid`` (the reasoner runs in a process of its own)."""
    parents: dict[int, int] = {}
    hermit: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        if cmd and cmd[0].endswith(b"java") and b"HermiT" in b" ".join(cmd):
            hermit.append(int(entry.name))
    out = []
    for jvm in hermit:
        up = parents.get(jvm)
        while up and up != pid and up != 1:
            up = parents.get(up)
        if up == pid:
            out.append(jvm)
    return out


@pytest.mark.java
def test_a_killed_build_leaves_no_java_behind(tmp_path: Path) -> None:
    env = dict(os.environ, MMKG_BUILD=str(tmp_path / "out"))
    proc = subprocess.Popen([sys.executable, "-m", "mmkg", "build", "--force"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    java: list[int] = []
    while not java and time.monotonic() < deadline and proc.poll() is None:
        java = _java_children(proc.pid)
        time.sleep(0.05)
    if not java:
        proc.kill()
        pytest.fail("the build never started the reasoner")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{java[0]}").exists():
        status = Path(f"/proc/{java[0]}/stat").read_text() if Path(f"/proc/{java[0]}/stat").exists() else ""
        if status and status.rsplit(")", 1)[1].split()[0] == "Z":
            break
        time.sleep(0.1)
    alive = Path(f"/proc/{java[0]}/stat").exists() and Path(f"/proc/{java[0]}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    assert not alive, "the JVM outlived the killed build"


class _Store(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, int]] = []

    def do_PUT(self) -> None:  # noqa: N802
        expected = "Basic " + base64.b64encode(b"curator:s3cret").decode()
        if self.headers.get("Authorization") == "Bearer t0ken":
            expected = "Bearer t0ken"
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
            self.end_headers()
            return
        _Store.received.append((self.path, length))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def auth_store() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Store)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/store"
    finally:
        server.shutdown()


def test_push_with_basic_authentication(mini_out: Path, auth_store: str) -> None:
    env = dict(os.environ, MMKG_BUILD=str(mini_out))
    env.pop("MMKG_PUSH_PASSWORD", None)
    refused = subprocess.run([sys.executable, "-m", "mmkg", "push", "--store", auth_store], env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "401" in refused.stderr and "--user" in refused.stderr
    env["MMKG_PUSH_PASSWORD"] = "s3cret"
    done = subprocess.run([sys.executable, "-m", "mmkg", "push", "--store", auth_store, "--user", "curator"], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _Store.received and _Store.received[-1][1] > 1000


def test_push_with_a_bearer_token(mini_out: Path, auth_store: str) -> None:
    env = dict(os.environ, MMKG_BUILD=str(mini_out), MMKG_PUSH_TOKEN="t0ken")
    env.pop("MMKG_PUSH_PASSWORD", None)
    done = subprocess.run([sys.executable, "-m", "mmkg", "push", "--store", auth_store], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "t0ken" not in done.stdout + done.stderr  # never echoed


def test_serve_on_a_port_in_use_is_one_line(mini_out: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = dict(os.environ, MMKG_BUILD=str(mini_out))
        proc = subprocess.run([sys.executable, "-m", "mmkg", "serve", "--port", str(port)], env=env,
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("serving ")]
    assert len(lines) == 1 and lines[0].startswith("mmkg: error:"), proc.stderr
