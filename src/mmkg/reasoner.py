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


def java_available() -> bool:
    return shutil.which("java") is not None


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


_LAUNCHER = """#!{python}
# Runs Java so that it dies with the process that started it (a killed build leaves no JVM).
import ctypes, os, signal, sys
ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() == 1:
    sys.exit(1)
os.execvp({java!r}, [{java!r}] + sys.argv[1:])
"""


def _tethered_java(folder: Path) -> Path:
    """An executable that starts ``java`` tied to its parent: on Linux the kernel kills the JVM
    when the build process dies, even by SIGKILL. Elsewhere it is plain ``java``."""
    import sys

    java = shutil.which("java") or "java"
    if not sys.platform.startswith("linux"):
        return Path(java)
    launcher = folder / "java"
    launcher.write_text(_LAUNCHER.format(python=sys.executable, java=java))
    launcher.chmod(0o700)
    return launcher


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
