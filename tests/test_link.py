"""`mmkg link wikidata` against a real Oxigraph server loaded with a Wikidata-shaped fixture,
and against small HTTP servers that answer 429, hang or send malformed answers."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import build_mini_with
from servers import free_port, oxigraph_server

pytestmark = pytest.mark.server
FIX = Path(__file__).parent / "fixtures"
M = "https://w3id.org/mmkg/id/model/"
P = "https://w3id.org/mmkg/id/paper/"


@pytest.fixture(scope="module")
def wikidata(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with oxigraph_server(tmp_path_factory.mktemp("wikidata")) as base:
        data = (FIX / "wikidata" / "items.ttl").read_bytes()
        req = urllib.request.Request(base + "/store?default", data=data, method="PUT",
                                     headers={"Content-Type": "text/turtle"})
        with urllib.request.urlopen(req) as resp:
            assert resp.status in (200, 201, 204)
        yield base + "/query"


def run_link(service: str, build: Path, out: Path, endpoint: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MMKG_BUILD=str(build))
    env.pop("HF_ENDPOINT", None)
    return subprocess.run([sys.executable, "-m", "mmkg", "link", service, "--endpoint", endpoint, "-o", str(out),
                           *extra], capture_output=True, text=True, env=env, timeout=120)


def link(build: Path, out: Path, endpoint: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_link("wikidata", build, out, endpoint, *extra)


def fails_and_keeps(proc: subprocess.CompletedProcess[str], out: Path, kept: str) -> None:
    """A failed link run: one line on stderr, exit 2, the output file as it was, no part file."""
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("mmkg: error:"), proc.stderr
    assert out.read_text() == kept
    assert not list(out.parent.glob(".*.part"))


def linked(out: Path) -> set[tuple[str, str]]:
    from rdflib import URIRef

    from mmkg.turtle import parse_file

    g = parse_file(out)
    mm = "https://w3id.org/mmkg/ontology#"
    return {(str(e), str(q)) for b, q in g.subject_objects(URIRef(mm + "wikidataId"))
            for e in g.subjects(URIRef(mm + "evidence"), b)}


def test_matches_are_written_sourced_and_pass_the_checks(mini_build: Path, wikidata: str, tmp_path: Path) -> None:
    graph = tmp_path / "graph"
    shutil.copytree(FIX / "mini", graph)
    out = graph / "links" / "wikidata.ttl"
    proc = link(mini_build, out, wikidata)
    assert proc.returncode == 0, proc.stderr
    assert linked(out) == {(P + "arxiv-0000-00001", "Q101"), (P + "arxiv-0000-00002", "Q102"), (M + "alpha", "Q201")}
    assert "ambiguous: Gamma paper" in proc.stderr and "Q103, Q104" in proc.stderr
    text = out.read_text()
    assert "<http://www.wikidata.org/entity/Q101>" in text and wikidata in text and "wdt:P818" in text
    from mmkg.api import check

    report = check(graph=graph)
    assert report.violations == [], [v.line() for v in report.violations]
    # the same answers again: nothing changes, not even the retrieval date
    before = out.read_bytes()
    again = link(mini_build, out, wikidata)
    assert again.returncode == 0 and "unchanged" in again.stderr
    assert out.read_bytes() == before


def test_dry_run_prints_and_writes_nothing(mini_build: Path, wikidata: str, tmp_path: Path) -> None:
    out = tmp_path / "wikidata.ttl"
    proc = link(mini_build, out, wikidata, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert f"+ {P}arxiv-0000-00001 wikidataId Q101" in proc.stdout
    assert not out.exists()


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 429 first, then forwards to the real endpoint; or hangs; or sends junk."""

    mode = "429"
    target = ""
    calls = 0

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).calls += 1
        if self.mode == "429" and type(self).calls == 1:
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.end_headers()
            return
        if self.mode == "hang":
            time.sleep(3)
        if self.mode == "junk":
            payload = b'{"results": {"bindings": [{"item": {"value": "javascript:alert(1)"}}]}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        req = urllib.request.Request(self.target, data=body, method="POST",
                                     headers={"Content-Type": self.headers.get("Content-Type", ""),
                                              "Accept": self.headers.get("Accept", "")})
        try:
            with urllib.request.urlopen(req) as resp:
                payload = resp.read()
                ctype = resp.headers.get("Content-Type", "")
        except OSError:
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky(wikidata: str) -> Iterator[type[_Flaky]]:
    handler = type("Handler", (_Flaky,), {"target": wikidata, "calls": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()


def test_429_then_success(mini_build: Path, flaky: type[_Flaky], tmp_path: Path) -> None:
    flaky.mode = "429"
    out = tmp_path / "wikidata.ttl"
    proc = link(mini_build, out, flaky.url)  # type: ignore[attr-defined]
    assert proc.returncode == 0, proc.stderr
    assert flaky.calls >= 2
    assert (P + "arxiv-0000-00001", "Q101") in linked(out)


@pytest.mark.parametrize("mode", ["hang", "junk"])
def test_timeouts_and_malformed_answers_change_nothing(mini_build: Path, flaky: type[_Flaky], tmp_path: Path,
                                                       mode: str) -> None:
    flaky.mode = mode
    out = tmp_path / "wikidata.ttl"
    out.write_text("# kept as it was\n")
    proc = link(mini_build, out, flaky.url, "--timeout", "1", "--retries", "1")  # type: ignore[attr-defined]
    fails_and_keeps(proc, out, "# kept as it was\n")


def test_no_match_writes_an_empty_file(mini_build: Path, tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "empty") as base:
        out = tmp_path / "wikidata.ttl"
        proc = link(mini_build, out, base + "/query")
        assert proc.returncode == 0, proc.stderr
        assert linked(out) == set()
        assert "6 papers without an item" in proc.stderr


# ---------------------------------------------------------------- Hugging Face Hub

CARDS = {
    # beta-large is a fine-tune of alpha: Beta extends Alpha, so this agrees with the lineage
    "mini/beta-large": {"id": "mini/beta-large", "pipeline_tag": "image-text-to-text", "library_name": "transformers",
                        "tags": ["arxiv:0000.00002", "license:mit"],
                        "cardData": {"license": "mit", "base_model": "mini/alpha"},
                        "baseModels": {"relation": "finetune", "models": [{"id": "mini/alpha"}]}},
    # alpha's card names beta-large as its base: Alpha builds on no Beta, so this is reported
    "mini/alpha": {"id": "mini/alpha", "pipeline_tag": "feature-extraction", "tags": [],
                   "cardData": {"license": "apache-2.0"},
                   "baseModels": {"relation": "quantized", "models": [{"id": "mini/beta-large"}]}},
}


class _Hub(http.server.BaseHTTPRequestHandler):
    mode = "ok"
    calls = 0

    def do_GET(self) -> None:  # noqa: N802
        import urllib.parse

        type(self).calls += 1
        url = urllib.parse.urlparse(self.path)
        if self.mode == "429" and type(self).calls == 1:
            return self._send(429, {"error": "slow down"}, {"Retry-After": "0"})
        if self.mode == "hang":
            time.sleep(3)
        if self.mode == "junk":
            return self._send(200, {"unexpected": True})
        if url.path == "/api/models":
            query = urllib.parse.parse_qs(url.query)
            if query.get("filter") == ["base_model:mini/beta-large"]:
                return self._send(200, [{"id": "someone/beta-large-ft"}, {"id": "other/beta-large-gguf"}])
            return self._send(200, [])
        repo = url.path.removeprefix("/api/models/")
        if repo in CARDS:
            return self._send(200, CARDS[repo])
        return self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        import json

        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hub_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, report = build_mini_with(tmp_path_factory, "hub", FIX / "hub" / "checkpoints.ttl", reason=False)
    assert report.ok, [v.line() for v in report.violations]
    return out


@pytest.fixture
def hub() -> Iterator[type[_Hub]]:
    handler = type("HubHandler", (_Hub,), {"calls": 0, "mode": "ok"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()


def link_hub(build: Path, out: Path, endpoint: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_link("huggingface", build, out, endpoint, *extra)


def test_hub_cards_become_checkpoint_facts(hub_build: Path, hub: type[_Hub], tmp_path: Path) -> None:
    out = tmp_path / "huggingface.ttl"
    proc = link_hub(hub_build, out, hub.url, "--descendants", "2")  # type: ignore[attr-defined]
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert 'mmkg:hubBaseModel "mini/alpha"' in text and 'mmkg:hubBaseRelation "finetune"' in text
    assert 'mmkg:licence "mit"' in text and 'mmkg:hubArxivReference "0000.00002"' in text
    assert "model:beta-large" in text and "mmkg:variantOf" not in text  # facts about the checkpoint, lineage untouched
    assert "contradicts lineage: mini/alpha names mini/beta-large" in proc.stderr
    assert "contradicts lineage: mini/beta-large" not in proc.stderr
    assert "not on the Hub: mini/gone" in proc.stderr
    assert "built on mini/beta-large: someone/beta-large-ft, other/beta-large-gguf" in proc.stdout
    before = out.read_bytes()
    again = link_hub(hub_build, out, hub.url)  # type: ignore[attr-defined]
    assert again.returncode == 0 and "unchanged" in again.stderr and out.read_bytes() == before


def test_hub_429_then_success(hub_build: Path, hub: type[_Hub], tmp_path: Path) -> None:
    hub.mode = "429"
    out = tmp_path / "huggingface.ttl"
    proc = link_hub(hub_build, out, hub.url)  # type: ignore[attr-defined]
    assert proc.returncode == 0, proc.stderr
    assert 'mmkg:hubBaseModel "mini/alpha"' in out.read_text()


@pytest.mark.parametrize("mode", ["hang", "junk"])
def test_hub_timeouts_and_malformed_answers_change_nothing(hub_build: Path, hub: type[_Hub], tmp_path: Path,
                                                           mode: str) -> None:
    hub.mode = mode
    out = tmp_path / "huggingface.ttl"
    out.write_text("# kept\n")
    proc = link_hub(hub_build, out, hub.url, "--timeout", "1", "--retries", "1")  # type: ignore[attr-defined]
    fails_and_keeps(proc, out, "# kept\n")
