"""Hostile input and requests: escaped pages, refused requests, faults that lose nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from browser import chromium, chromium_path, open_page
from conftest import build_mini_with
from mmkg.builder import build, open_built, stale_reason
from mmkg.errors import InputError, MmkgError, RemoteError
from servers import fetch, mmkg_server

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out, _ = build_mini_with(tmp_path_factory, "hostile", FIX / "hostile" / "script-label.ttl")
    return out


@pytest.fixture(scope="module")
def endpoint(hostile_build: Path) -> Iterator[str]:
    with mmkg_server(hostile_build, "--timeout", "5", "--max-request-bytes", "2048", "--cors-origin", "https://example.org") as base:
        yield base




def q(text: str) -> str:
    return urllib.parse.quote(text)


# ---------------------------------------------------------------- endpoint

def test_federated_service_is_refused(endpoint: str) -> None:
    for text in ("SELECT * WHERE { SERVICE <http://169.254.169.254/latest> { ?s ?p ?o } }",
                 "SELECT * WHERE { service silent <http://127.0.0.1:1/x> { ?s ?p ?o } }"):
        status, body, _ = fetch(endpoint + "/sparql?query=" + q(text))
        assert status == 403 and "SERVICE" in body
    # the word as plain text inside a string is not a SERVICE call
    status, _, _ = fetch(endpoint + "/sparql?query=" + q('SELECT ("a SERVICE desk" AS ?x) WHERE {}'))
    assert status == 200


# The five spellings that got past the old re-lexing check and read a private store on 127.0.0.1.
BYPASSES = {
    "hash in a prefixed name": "PREFIX ex: <http://e/> SELECT * { ?s ex:a\\#b ?o . SERVICE <{priv}> { ?a ?b ?c } }",
    "comment ended by CR": "SELECT * { # note\r SERVICE <{priv}> { ?a ?b ?c } }",
    "quote in a prefixed name": "PREFIX ex: <http://e/> SELECT * { ?s ex:a\\'b ?o . SERVICE <{priv}> { ?a ?b ?c } }",
    "no-break space in a PREFIX IRI": "PREFIX ex: <http://e\u00a0x/> SELECT * { SERVICE <{priv}> { ?a ?b ?c } }",
    "codepoint escape": "SELECT * { ?x <http://p> <http://x/\\u003E> . \\u0053ERVICE <{priv}> { ?a ?b ?c } }",
    "prefixed service name": "PREFIX p: <{priv}> SELECT * { SERVICE p: { ?a ?b ?c } }",
    "variable service": "SELECT * { BIND(<{priv}> AS ?svc) SERVICE ?svc { ?a ?b ?c } }",
}


@pytest.fixture(scope="module")
def private_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SPARQL server on 127.0.0.1 holding a secret that the endpoint must never reach."""
    from servers import oxigraph_server

    with oxigraph_server(tmp_path_factory.mktemp("private")) as base:
        data = b"<http://secret/s> <http://secret/p> \"TOP-SECRET-42\" ."
        req = urllib.request.Request(base + "/store?default", data=data, method="POST",
                                     headers={"Content-Type": "application/n-triples"})
        urllib.request.urlopen(req).close()
        yield base + "/query"


@pytest.mark.parametrize("form", sorted(BYPASSES))
def test_service_bypass_is_refused_and_reads_nothing(endpoint: str, private_store: str, form: str) -> None:
    text = BYPASSES[form].replace("{priv}", private_store)
    status, body, _ = fetch(endpoint + "/sparql?query=" + q(text))
    assert "TOP-SECRET-42" not in body
    assert status == 403, (form, status, body)


def test_service_refusal_does_not_tell_open_from_closed_ports(endpoint: str, private_store: str) -> None:
    closed = "http://127.0.0.1:1/query"
    answers = {fetch(endpoint + "/sparql?query=" + q(f"SELECT * {{ SERVICE <{u}> {{ ?a ?b ?c }} }}"))[0:2]
               for u in (closed, private_store)}
    bodies = {body.replace(closed, "U").replace(private_store, "U") for _, body in answers}
    assert {status for status, _ in answers} == {403} and len(bodies) == 1


def test_allowed_service_endpoint_passes_the_guard() -> None:
    from mmkg.guard import QueryRefused, refuse_services, service_targets

    assert service_targets("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }") == ("http://a.example/sparql",)
    assert service_targets("SELECT * { ?s ?p 'plain' } # no call here") == ()
    refuse_services("SELECT * { SERVICE <http://a.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"])
    with pytest.raises(QueryRefused):
        refuse_services("SELECT * { SERVICE <http://b.example/sparql> { ?s ?p ?o } }", ["http://a.example/sparql"])


def test_deep_nesting_is_refused_not_crashed(endpoint: str, tmp_path: Path) -> None:
    deep = "SELECT * WHERE " + "{ " * 3000 + "?s ?p ?o" + " }" * 3000
    small = "SELECT * WHERE " + "{" * 300 + "?s ?p ?o" + "}" * 300
    status, body, _ = fetch(endpoint + "/sparql?query=" + q(small))
    assert status == 400 and "nests" in body, body
    path = tmp_path / "deep.rq"
    path.write_text(deep)
    out = subprocess.run([sys.executable, "-m", "mmkg", "query", str(path)], capture_output=True, text=True)
    assert out.returncode == 2 and "nests" in out.stderr and "Traceback" not in out.stderr


def test_request_size_limit(endpoint: str) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    req = urllib.request.Request(endpoint + "/sparql", data=urllib.parse.urlencode({"query": big}).encode(), method="POST")
    status, body, _ = fetch(req)  # type: ignore[arg-type]
    assert status == 413


def test_named_query_lookup_cannot_leave_queries(endpoint: str) -> None:
    for name in ("..%2F..%2Fpyproject", "../checks/lineage-cycle", "%2Fetc%2Fpasswd", "derive"):
        status, body, _ = fetch(endpoint + "/queries/" + name)
        assert status == 404, name
        assert "tool.pytest" not in body and "root:" not in body


def test_update_in_every_shape_is_refused(endpoint: str) -> None:
    for data, ctype in ((b"update=DROP+ALL", "application/x-www-form-urlencoded"),
                        (b"DROP ALL", "application/sparql-update")):
        req = urllib.request.Request(endpoint + "/sparql", data=data, method="POST", headers={"Content-Type": ctype})
        assert fetch(req)[0] == 403  # type: ignore[arg-type]
    status, body, _ = fetch(endpoint + "/sparql?query=" + q("DELETE WHERE { ?s ?p ?o }"))
    assert status == 400  # an update sent as a query does not parse as a query
    status, body, _ = fetch(endpoint + "/sparql?query=" + q("SELECT (COUNT(*) AS ?n) WHERE { ?s a mmkg:MultiModalModel }") + "&format=csv")
    assert body.splitlines()[1] == "5"


def test_cors_is_configurable(endpoint: str) -> None:
    _, _, headers = fetch(endpoint + "/sparql?query=" + q("ASK {}"))
    assert headers["Access-Control-Allow-Origin"] == "https://example.org"


def test_binds_to_loopback_by_default() -> None:
    from mmkg.cli import parser

    args = parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"


def test_endpoint_page_escapes_graph_text(endpoint: str) -> None:
    status, body, _ = fetch(endpoint + "/sparql?query=" + q("SELECT ?l ?c WHERE { model:evil rdfs:label ?l ; mmkg:codeRepository ?c }") + "&format=html")
    assert status == 200
    assert "<script>window" not in body and "&lt;script&gt;" in body
    assert 'href="javascript:' not in body


@pytest.mark.browser
def test_network_view_shows_hostile_label_as_text(hostile_build: Path, tmp_path: Path) -> None:
    if chromium_path() is None and not os.environ.get("CI"):
        pytest.skip("no Chromium")
    from mmkg.store import Store
    from mmkg.viz import write_html

    store = Store.open((hostile_build / "current" / "store").resolve())
    path = write_html(tmp_path / "evil.html", store=store, focus="model:evil", depth=1)
    with chromium() as browser:
        page, errors, outside = open_page(browser, path.as_uri())
        page.evaluate("window.mmkgJump('<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">')")
        assert page.evaluate("window.pwned === undefined")
        assert "<script>window.pwned=1</script>" in page.inner_text("#mmkg-card")
        assert page.query_selector("#mmkg-card a[href^='javascript']") is None
        assert errors == [] and outside == []


# ---------------------------------------------------------------- faults

def test_build_killed_half_way_leaves_previous_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(graph=FIX / "mini", out=out, reason=False, progress=None)
    before = (out / "current").resolve()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    code = ("import os, signal, mmkg.builder as b\n"
            "real = b.Store.create\n"
            "def dying(path):\n"
            "    os.kill(os.getpid(), signal.SIGKILL)\n"
            "b.Store.create = dying\n"
            f"b.build(graph=__import__('pathlib').Path({str(FIX / 'mini')!r}), out=__import__('pathlib').Path({str(out)!r}), reason=False, progress=None)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env)
    assert proc.returncode == -signal.SIGKILL
    assert (out / "current").resolve() == before
    assert stale_reason(out, graph=FIX / "mini") is None
    from mmkg.store import Store

    assert Store.open(before / "store").query("ASK { model:alpha a mmkg:MultiModalModel }") is True
    build(graph=FIX / "mini", out=out, reason=False, progress=None)  # the next build cleans up
    assert not list((out / "runs").glob(".staging-*"))


def test_corrupt_or_mismatched_store_is_rebuilt(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(graph=FIX / "mini", out=out, reason=False, progress=None)
    manifest = out / "current" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["mmkg"] = "0.0.0-old"
    manifest.write_text(json.dumps(data))
    assert "another version" in (stale_reason(out, graph=FIX / "mini") or "")
    store = open_built(out, graph=FIX / "mini", progress=None)
    assert store.query("ASK { model:beta a mmkg:MultiModalModel }") is True
    run = (out / "current").resolve()
    shutil.rmtree(run / "store")
    (run / "store").mkdir()
    (run / "store" / "CURRENT").write_text("garbage")
    store = open_built(out, graph=FIX / "mini", progress=None)
    assert store.query("ASK { model:beta a mmkg:MultiModalModel }") is True


def test_endpoint_that_resets_or_hangs_gives_a_clear_error_after_bounded_retries() -> None:
    import socket
    import threading

    from mmkg.remote import Endpoint

    def serve(behaviour: str, sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            attempts.append(behaviour)
            if behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
            else:
                threading.Timer(3, conn.close).start()

    for behaviour in ("reset", "hang"):
        attempts: list[str] = []
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        stop = threading.Event()
        t = threading.Thread(target=serve, args=(behaviour, sock, stop), daemon=True)
        t.start()
        started = time.monotonic()
        with pytest.raises(RemoteError) as err:
            Endpoint(f"http://127.0.0.1:{sock.getsockname()[1]}/sparql", timeout=1, retries=2, backoff=0.1).query("ASK {}")
        assert time.monotonic() - started < 15
        assert len(attempts) == 2, behaviour
        assert "\n" not in str(err.value)
        stop.set()
        sock.close()


# ---------------------------------------------------------------- fuzzing

@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_turtle_loader_never_crashes(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    from mmkg.turtle import check_syntax

    path = tmp_path_factory.mktemp("fuzz") / "f.ttl"
    path.write_text(text, encoding="utf-8")
    try:
        check_syntax(path)
    except InputError as err:
        assert str(path) in str(err) and "\n" not in str(err)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200), st.sampled_from(["model", "paper", "dataset", "objective", "entity"]))
def test_name_lookup_never_crashes(mini_store, name: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    from mmkg.names import NameIndex

    index = NameIndex.of(mini_store)
    try:
        index.resolve(name, kind)
    except MmkgError as err:
        assert "\n" not in str(err)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.text(max_size=40), max_size=3))
def test_query_parameters_never_crash(mini_store, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    from mmkg.api import bind
    from mmkg.queries import get as named

    for name in ("ancestors", "search-models", "missing-property"):
        try:
            bindings = bind(named(name), params, mini_store)
            mini_store.query(named(name).text, bindings)
        except MmkgError as err:
            assert "\n" not in str(err)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20), max_size=4))
def test_cli_options_never_traceback(mini_build: Path, argv: list[str]) -> None:
    before = sorted(p.name for p in (mini_build / "runs").iterdir())
    proc = subprocess.run([sys.executable, "-m", "mmkg", "query", *argv], capture_output=True, text=True,
                          env={**os.environ, "MMKG_BUILD": str(mini_build)}, timeout=60)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (0, 2)
    assert sorted(p.name for p in (mini_build / "runs").iterdir()) == before


# ---------------------------------------------------------------- round two: command line


def _mmkg(*args: str, **kw) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "mmkg", *args], capture_output=True, text=True, **kw)


def test_fmt_never_changes_a_value(tmp_path: Path) -> None:
    path = tmp_path / "values.ttl"
    path.write_text('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                    '<http://a> <http://p> "1e999"^^xsd:double .\n')
    assert _mmkg("fmt", str(path)).returncode == 0
    assert '"1e999"^^xsd:double' in path.read_text()


def test_fmt_names_file_and_line_of_an_ill_typed_literal(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    text = ('@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<http://a> <http://p> 1 .\n'
            '<http://a> <http://q> "true "^^xsd:boolean .\n')
    path.write_text(text)
    out = _mmkg("fmt", str(path))
    assert out.returncode == 2 and f"{path}:3:" in out.stderr and "ill-typed" in out.stderr
    assert path.read_text() == text


@pytest.mark.parametrize("target", ["/dev/full", "dir", "fifo", "under-a-file/x"])
def test_output_that_is_not_a_regular_file_is_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "dir").mkdir()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "under-a-file").write_text("keep")
    path = target if target.startswith("/") else str(tmp_path / target)
    out = _mmkg("query", "most-built-on", "-o", path)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert (tmp_path / "fifo").exists() and not (tmp_path / "fifo").is_file()
    assert Path("/dev/full").is_char_device()
    assert (tmp_path / "under-a-file").read_text() == "keep"


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    (tmp_path / "link.csv").symlink_to(real)
    assert _mmkg("query", "most-built-on", "-f", "csv", "-o", str(tmp_path / "link.csv")).returncode == 0
    assert (tmp_path / "link.csv").is_symlink() and real.read_text().startswith("model")


def test_stdout_on_a_full_device_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "mmkg", "query", "most-built-on"], stdout=full,
                             stderr=subprocess.PIPE, text=True)
    assert out.returncode == 2 and "No space left" in out.stderr and "Traceback" not in out.stderr


def test_a_killed_write_leaves_a_part_file_the_next_write_removes(tmp_path: Path) -> None:
    from mmkg.atomic import write_text

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.txt.{dead.stdout.strip()}.abc.part"
    stale.write_text("half")
    write_text(tmp_path / "out.txt", "whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


@pytest.mark.parametrize("args", [["serve", "--port", "99999"], ["serve", "--workers", "0"],
                                  ["query", "most-built-on", "--timeout", "-1"]])
def test_options_out_of_range_are_usage_errors(args: list[str]) -> None:
    out = _mmkg(*args, timeout=60)
    assert out.returncode == 2 and "out of range" in out.stderr
