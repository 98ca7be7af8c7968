"""OWL reasoning with HermiT through owlready2 (needs a Java runtime).

Only what needs reasoning goes in: the ontology and the individuals the defined classes are
about. The reasoner answers whether that is consistent and which named classes each
individual belongs to.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmkg.errors import EnvironmentProblem

OWL_NS = "http://www.w3.org/2002/07/owl#"


@dataclass
class Reasoning:
    consistent: bool
    inferred: dict[str, set[str]] = field(default_factory=dict)
    seconds: float = 0.0
    individuals: int = 0
    message: str = ""
    cached: bool = False


def java_available() -> bool:
    return shutil.which("java") is not None


def reason_cached(ontology: Path, individuals: list, cache: Path | None) -> Reasoning:
    """``reason`` over the ontology file and the individuals' triples (pyoxigraph), its answer
    kept in ``cache`` under a digest of exactly what HermiT reads: the same input gives the same
    answer, so an edit that leaves the reasoner's input alone (a result, a locator, a licence)
    does not start a JVM. ``cache`` None always runs the reasoner."""
    import hashlib
    import json

    from mmkg.atomic import write_bytes

    digest = hashlib.sha256()
    for part in (ontology.read_bytes(), repr(JVM_FLAGS).encode(), _hermit_version().encode()):
        digest.update(part + b"\0")
    for line in sorted(str(t) for t in individuals):
        digest.update(line.encode() + b"\n")
    entry = cache / f"{digest.hexdigest()}.json" if cache else None
    if entry and entry.is_file():
        try:
            saved = json.loads(entry.read_text(encoding="utf-8"))
            return Reasoning(saved["consistent"], {k: set(v) for k, v in saved["inferred"].items()},
                             0.0, saved["individuals"], saved["message"], cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a damaged entry is recomputed and rewritten
    from rdflib import Graph

    from mmkg.store import to_rdflib

    result = reason(Graph().parse(ontology, format="turtle"), to_rdflib(individuals))
    if entry:
        entry.parent.mkdir(parents=True, exist_ok=True)
        answer = {"consistent": result.consistent, "individuals": result.individuals, "message": result.message,
                  "inferred": {k: sorted(v) for k, v in sorted(result.inferred.items())}}
        write_bytes(entry, json.dumps(answer, sort_keys=True).encode())
        for old in sorted(entry.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-CACHE_ENTRIES]:
            old.unlink(missing_ok=True)
    return result


CACHE_ENTRIES = 8


def _hermit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("owlready2")
    except PackageNotFoundError:
        return "?"


def reason(ontology: Any, individuals: Any) -> Reasoning:
    """Run HermiT over rdflib graphs ``ontology`` + ``individuals``; report inferred types."""
    if not java_available():
        raise EnvironmentProblem(
            "the reasoner needs a Java runtime and 'java' is not on PATH; "
            "install one (Debian: apt-get install default-jre-headless) or run 'bash scripts/setup.sh'"
        )
    import owlready2
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    merged = Graph()
    for t in ontology:
        merged.add(t)
    names: set[str] = set()
    for s, p, o in individuals:
        merged.add((s, p, o))
        if p == RDF.type and isinstance(s, URIRef):
            names.add(str(s))
        elif isinstance(o, URIRef) and p != RDF.type:
            names.add(str(o))
    for name in names:
        if (URIRef(name), RDF.type, OWL.Class) not in merged:
            merged.add((URIRef(name), RDF.type, OWL.NamedIndividual))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mmkg-reason-") as tmp:
        path = Path(tmp) / "input.owl"
        merged.serialize(path, format="xml")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        saved_java = owlready2.JAVA_EXE
        owlready2.JAVA_EXE = str(_tethered_java(Path(tmp)))
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as err:
            return Reasoning(False, {}, time.perf_counter() - started, len(names), _first_line(err))
        except owlready2.base.OwlReadyJavaError as err:  # type: ignore[attr-defined]
            raise EnvironmentProblem(f"the reasoner failed to run: {_first_line(err)}") from None
        finally:
            owlready2.JAVA_EXE = saved_java
        inferred: dict[str, set[str]] = {}
        for ind in world.individuals():
            classes = {c.iri for c in ind.is_a if hasattr(c, "iri")}
            inferred[ind.iri] = classes
        del onto
    return Reasoning(True, inferred, time.perf_counter() - started, len(names))


# One short classification run: the client compiler and the serial collector start faster
# than the JVM's defaults, which are tuned for long-running servers.
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]

_LAUNCHER = """#!{python}
# Runs Java so that it dies with the process that started it (a killed build leaves no JVM).
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() == 1:
    sys.exit(1)
os.execvp({java!r}, [{java!r}] + {flags!r} + sys.argv[1:])
"""


def _tethered_java(folder: Path) -> Path:
    """An executable that starts ``java`` tied to its parent: on Linux the kernel kills the JVM
    when the build process dies, even by SIGKILL. Elsewhere it is plain ``java``."""
    import sys

    java = shutil.which("java") or "java"
    if not sys.platform.startswith("linux"):
        return Path(java)
    launcher = folder / "java"
    launcher.write_text(_LAUNCHER.format(python=sys.executable, java=java, flags=JVM_FLAGS))
    launcher.chmod(0o700)
    return launcher


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
