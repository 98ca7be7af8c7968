"""Remote SPARQL 1.1 endpoints through SPARQLWrapper, and loading a graph into a remote store
through the Graph Store Protocol. SPARQLWrapper's setter-style object stays inside this module."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from mmkg.errors import InputError, RemoteError
from mmkg.sparqltext import inject_values
from mmkg.store import Result, Term, materialise, missing_prefixes

RETRYABLE = (urllib.error.URLError, socket.timeout, ConnectionError, TimeoutError)


def with_prologue(text: str) -> str:
    """Add PREFIX lines for the project's prefixes that the query uses but does not declare."""
    missing = missing_prefixes(text) or {}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(missing.items())) + text


@dataclass
class Endpoint:
    """A SPARQL 1.1 query endpoint, e.g. ``http://127.0.0.1:7878/query``."""

    url: str
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5

    def __post_init__(self) -> None:
        if not re.match(r"^https?://[^\s/]+", self.url):
            raise InputError(f"not an http(s) endpoint URL: {self.url!r}")

    def query(self, text: str, bindings: Mapping[str, Term] | None = None, *, timeout: float | None = None) -> Result:
        from SPARQLWrapper import POST, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        body = with_prologue(inject_values(text, bindings or {}))
        form = _form(body)
        client = SPARQLWrapper(self.url)
        client.setMethod(POST)
        client.setTimeout(int(timeout or self.timeout))
        client.setQuery(body)
        accept = {
            "SELECT": "application/sparql-results+json",
            "ASK": "application/sparql-results+json",
            # N-Triples first; Turtle for stores that do not serve N-Triples (Virtuoso 7)
            "CONSTRUCT": "application/n-triples, text/turtle;q=0.9",
            "DESCRIBE": "application/n-triples, text/turtle;q=0.9",
        }[form]
        client.addCustomHttpHeader("Accept", accept)
        client.setReturnFormat("json" if form in ("SELECT", "ASK") else "n3")
        last: Exception | None = None
        for attempt in range(self.retries):
            try:
                response = client.query().response
                data = response.read()
                ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                break
            except urllib.error.HTTPError as err:
                detail = err.read().decode("utf-8", "replace").strip().splitlines()[:1]
                if err.code >= 500 and attempt + 1 < self.retries:
                    last = err
                    time.sleep(self.backoff * 2**attempt)
                    continue
                raise RemoteError(f"{self.url} answered HTTP {err.code}: {detail[0] if detail else err.reason}") from None
            except SPARQLWrapperException as err:
                first = str(err).strip().splitlines()[0]
                raise RemoteError(f"{self.url} refused the query: {first}") from None
            except RETRYABLE as err:
                last = err
                if attempt + 1 < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        else:
            reason = getattr(last, "reason", last)
            raise RemoteError(f"cannot reach {self.url} after {self.retries} tries: {reason}")
        return _parse(data, form, self.url, turtle=ctype in ("text/turtle", "application/x-turtle"))


def _form(text: str) -> str:
    from mmkg.sparqltext import _FORMS, _scan

    visible = "".join(c for _, c in _scan(text))
    m = _FORMS.search(visible)
    if not m:
        raise InputError("not a SPARQL query (no SELECT, CONSTRUCT, ASK or DESCRIBE)")
    return m.group(1).upper()


def _parse(data: bytes, form: str, url: str, *, turtle: bool = False) -> Result:
    try:
        if form in ("SELECT", "ASK"):
            return materialise(ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON))
        fmt = ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES
        return list(t.triple for t in ox.parse(data, format=fmt))
    except (SyntaxError, ValueError, UnicodeDecodeError) as err:
        sample = data[:60].decode("utf-8", "replace").replace("\n", " ")
        raise RemoteError(f"{url} answered something that is not SPARQL results ({err}; starts {sample!r})") from None


def push(store_url: str, ntriples: Path, *, graph: str | None = None, timeout: float = 120.0,
         auth: tuple[str, str] | None = None, token: str | None = None) -> int:
    """Replace a graph of a remote store with the built graph (Graph Store Protocol PUT), with
    HTTP Basic or Digest authentication when ``auth`` is (user, password), or a bearer ``token``."""
    if not re.match(r"^https?://", store_url):
        raise InputError(f"not an http(s) store URL: {store_url!r}")
    target = store_url + ("&" if "?" in store_url else "?") + (f"graph={urllib.parse.quote(graph, safe='')}" if graph else "default")
    data = ntriples.read_bytes()
    headers = {"Content-Type": "application/n-triples"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(target, data=data, method="PUT", headers=headers)
    opener = urllib.request.build_opener()
    if auth is not None:
        # answer the store's challenge, Basic or Digest (Virtuoso's graph store asks for Digest)
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, store_url, auth[0], auth[1])
        opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                             urllib.request.HTTPDigestAuthHandler(passwords))
    try:
        with opener.open(req, timeout=timeout) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        hint = (" (give --user and $MMKG_PUSH_PASSWORD, or $MMKG_PUSH_TOKEN)"
                if err.code in (401, 403) and auth is None and not token else "")
        raise RemoteError(f"{store_url} refused the graph: HTTP {err.code} {err.reason}{hint}") from None
    except RETRYABLE as err:
        raise RemoteError(f"cannot reach {store_url}: {getattr(err, 'reason', err)}") from None


def retry_after(header: str | None, default: float) -> float:
    """Seconds to wait before asking again: a server's Retry-After (in seconds, at most 60), else ``default``."""
    try:
        return max(0.0, min(float(header), 60.0)) if header is not None else default
    except ValueError:
        return default


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server started next)."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` different TCP ports on 127.0.0.1 that nothing listens on now, for servers started
    together: each is held while the next is picked, since a port just let go may be handed out
    again, and two servers on one port answer each other's requests."""
    held = [socket.socket() for _ in range(count)]
    try:
        for s in held:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in held]
    finally:
        for s in held:
            s.close()


def wait_for(url: str, *, proc: object = None, seconds: float = 60.0) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail when ``proc`` exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:  # type: ignore[attr-defined]
            err = proc.stderr.read().decode() if getattr(proc, "stderr", None) else ""  # type: ignore[attr-defined]
            raise RemoteError(f"server exited with {proc.returncode}: {err.strip()[-300:]}")  # type: ignore[attr-defined]
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RemoteError(f"server at {url} did not start within {seconds:g} s")
