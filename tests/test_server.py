"""The SPARQL endpoint as a real process on 127.0.0.1, driven by SPARQLWrapper."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import BNode
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TSV, TURTLE, XML, SPARQLWrapper

from servers import mmkg_server

pytestmark = pytest.mark.server

MODELS = "SELECT ?m WHERE { ?m a mmkg:MultiModalModel } ORDER BY ?m"
FOUR = ["alpha", "beta", "delta", "gamma"]


@pytest.fixture(scope="module")
def endpoint(mini_build: Path) -> Iterator[str]:
    with mmkg_server(mini_build, "--timeout", "3", "--max-rows", "500") as base:
        yield base


def client(base: str, query: str, fmt: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(base + "/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_select_json(endpoint: str) -> None:
    res = client(endpoint, MODELS, JSON).queryAndConvert()
    assert [b["m"]["value"].rsplit("/", 1)[1] for b in res["results"]["bindings"]] == FOUR


def test_select_xml_csv_tsv(endpoint: str) -> None:
    xml = client(endpoint, MODELS, XML).queryAndConvert()
    assert len(xml.getElementsByTagName("result")) == 4
    csv = client(endpoint, MODELS, CSV).queryAndConvert().decode()
    assert csv.splitlines()[0] == "m" and len(csv.splitlines()) == 5
    tsv = client(endpoint, MODELS, TSV).queryAndConvert().decode()
    assert tsv.splitlines()[1] == "<https://w3id.org/mmkg/id/model/alpha>"


def test_post_and_ask(endpoint: str) -> None:
    sw = client(endpoint, "ASK { model:delta a mmkg:VisionLanguageModel }", JSON)
    sw.setMethod(POST)
    assert sw.queryAndConvert()["boolean"] is True


@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, XML])
def test_construct_formats(endpoint: str, fmt: str) -> None:
    graph = client(endpoint, "CONSTRUCT { ?m a mmkg:MultiModalModel } WHERE { ?m a mmkg:MultiModalModel }", fmt).queryAndConvert()
    if isinstance(graph, bytes):
        from rdflib import Graph

        graph = Graph().parse(data=graph.decode(), format="json-ld" if fmt == JSONLD else "turtle")
    assert len(graph) == 4


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, XML])
def test_describe_with_blank_nodes_matches_the_store(endpoint: str, mini_store, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """The endpoint writes graphs with the engine's serialisers: the same triples, evidence blocks included."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from mmkg.formats import render

    text = "DESCRIBE <https://w3id.org/mmkg/id/model/beta>"
    graph = client(endpoint, text, fmt).queryAndConvert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph.decode(), format="json-ld" if fmt == JSONLD else "turtle")
    expected = Graph().parse(data=render(mini_store.query(text), "nt"), format="nt")
    assert any(isinstance(o, BNode) for o in expected.objects())
    assert isomorphic(graph, expected)


def test_update_is_refused_and_changes_nothing(endpoint: str) -> None:
    sw = SPARQLWrapper(endpoint + "/sparql")
    sw.setMethod(POST)
    sw.setQuery("INSERT DATA { <https://w3id.org/mmkg/id/model/evil> a <https://w3id.org/mmkg/ontology#MultiModalModel> }")
    with pytest.raises(Exception) as err:
        sw.query()
    assert "403" in str(err.value) or "read-only" in str(err.value).lower()
    res = client(endpoint, MODELS, JSON).queryAndConvert()
    assert len(res["results"]["bindings"]) == 4


def test_bad_query_gives_400_with_position(endpoint: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(endpoint + "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%7D")
    assert err.value.code == 400
    assert "line 1, column" in err.value.read().decode()


def test_timeout_stops_the_query(endpoint: str) -> None:
    q = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(endpoint + "/sparql?query=" + q, timeout=30)
    assert err.value.code == 503
    assert "limit of 3 s" in err.value.read().decode()
    # the endpoint still answers afterwards
    assert len(client(endpoint, MODELS, JSON).queryAndConvert()["results"]["bindings"]) == 4


def test_result_cap(endpoint: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(endpoint + "/sparql?query=" + urllib.parse.quote("SELECT * WHERE { ?s ?p ?o }"))
    assert err.value.code == 413
    assert "LIMIT" in err.value.read().decode()


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                                    "text/tab-separated-values"])
@pytest.mark.parametrize("value", ["1", "UNDEF", '"a\\nb,\\"c\\""'])
def test_result_cap_is_exact_in_every_format(endpoint: str, accept: str, value: str) -> None:
    """500 rows pass and 501 are refused, whatever the format and however short or odd the rows."""
    for rows, status in ((500, 200), (501, 413)):
        text = f"SELECT ?x WHERE {{ VALUES ?x {{ {' '.join([value] * rows)} }} }}"
        req = urllib.request.Request(endpoint + "/sparql", data=urllib.parse.urlencode({"query": text}).encode(),
                                     headers={"Accept": accept})
        try:
            with urllib.request.urlopen(req) as resp:
                got = resp.status
        except urllib.error.HTTPError as err:
            got = err.code
        assert got == status, (rows, accept, value)


def test_cors_service_description_void_and_page(endpoint: str, mini_build: Path) -> None:
    with urllib.request.urlopen(endpoint + "/sparql?query=" + urllib.parse.quote("ASK {}")) as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    with urllib.request.urlopen(endpoint + "/sparql") as resp:
        text = resp.read().decode()
    assert "sd:Service" in text and "SPARQL11Query" in text
    from rdflib import Graph

    void = Graph().parse(data=urllib.request.urlopen(endpoint + "/.well-known/void").read().decode(), format="turtle")
    triples = [o for s, p, o in void if str(p).endswith("#triples")]
    assert triples and int(triples[0]) > 1000
    # the counts the build saved, not counted again at start (at 10M triples that took longer than a minute)
    manifest = json.loads((mini_build / "current" / "manifest.json").read_text())
    assert int(triples[0]) == manifest["triples"] == json.loads((mini_build / "current" / "void.json").read_text())["triples"]
    page = urllib.request.urlopen(endpoint + "/").read().decode()
    assert "ancestors" in page and "<textarea" in page


def test_named_query_over_http(endpoint: str) -> None:
    data = json.loads(urllib.request.urlopen(endpoint + "/queries/ancestors?model=Delta&format=json").read())
    names = {b["ancestor"]["value"].rsplit("/", 1)[1] for b in data["results"]["bindings"]}
    assert names == {"alpha", "beta", "gamma", "textenc"}
    index = json.loads(urllib.request.urlopen(endpoint + "/queries").read())
    assert len(index) >= 30


def test_concurrent_clients(endpoint: str) -> None:
    errors: list[Exception] = []
    counts: list[int] = []

    def work() -> None:
        try:
            for _ in range(5):
                res = client(endpoint, MODELS, JSON).queryAndConvert()
                counts.append(len(res["results"]["bindings"]))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert counts == [4] * 40


def test_network_view_from_the_endpoint(endpoint: str) -> None:
    page = urllib.request.urlopen(endpoint + "/viz?focus=Beta&depth=1").read().decode()
    assert "vis.Network" in page and "Alpha" in page
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(endpoint + "/viz?focus=Bta")
    assert err.value.code == 400 and "Beta" in err.value.read().decode()


def test_load_smoke(mini_build: Path) -> None:
    """A short version of benchmarks/load_test.py: concurrent clients, zero failures."""
    import subprocess
    import sys as _sys

    from mmkg.loadtest import run
    from mmkg.remote import wait_for
    from servers import free_port

    port = free_port()
    proc = subprocess.Popen([_sys.executable, "-m", "mmkg", "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**__import__("os").environ, "MMKG_BUILD": str(mini_build)})
    try:
        wait_for(f"http://127.0.0.1:{port}/sparql", proc=proc)
        mix = (("models-by-year", {}), ("ancestors", {"model": "Delta"}), ("descendants", {"model": "Alpha"}),
               ("most-built-on", {}), ("search-models", {"text": "a"}), ("disagreements", {}))
        report = run(f"http://127.0.0.1:{port}", clients=16, seconds=3, server_pid=proc.pid, samples=3, mix=mix)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert report.failures == []
    assert report.requests > 30
    assert max(report.memory_mb) < 4 * min(report.memory_mb)


def test_answer_cache_evicts_least_recently_used() -> None:
    from mmkg.server import AnswerCache
    from mmkg.workers import Answer

    cache = AnswerCache(limit=800)
    for key in ("a", "b", "c"):
        cache.put(key, Answer(200, "text/plain", b"x" * 90))
    assert cache.get("a") is not None  # a is now the most recently used
    for key in ("d", "e", "f", "g", "h", "i"):
        cache.put(key, Answer(200, "text/plain", b"x" * 90))
    assert cache.size <= 800
    assert cache.get("a") is None or cache.get("b") is None
    assert cache.get("i") is not None
    cache.put("huge", Answer(200, "text/plain", b"x" * 500))  # more than an eighth of the budget: never kept
    assert cache.get("huge") is None


def test_answer_cache_keeps_successes_only_and_keys_nothing_without_room() -> None:
    from mmkg.server import AnswerCache
    from mmkg.workers import Answer

    computed: list[int] = []

    def compute(status: int) -> Answer:
        computed.append(status)
        return Answer(status, "text/plain", b"body")

    cache = AnswerCache(limit=800)
    for _ in range(2):
        assert cache.answer({"q": "ok"}, lambda: compute(200)).status == 200
        assert cache.answer({"q": "late"}, lambda: compute(503)).status == 503
    assert computed == [200, 503, 503]  # the success was kept, the timeout asked again
    off = AnswerCache(limit=0)
    for _ in range(2):
        off.answer({"q": "ok"}, lambda: compute(200))
    assert computed[3:] == [200, 200] and off.size == 0
