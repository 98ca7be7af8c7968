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

    def to_json(self) -> str:
        """The answer as the reasoner's process hands it over and the cache keeps it."""
        import json

        return json.dumps({"consistent": self.consistent, "individuals": self.individuals, "message": self.message,
                           "seconds": self.seconds, "inferred": {k: sorted(v) for k, v in sorted(self.inferred.items())}},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, cached: bool = False) -> Reasoning:
        """Read ``to_json``'s text back (KeyError, TypeError or ValueError when it is damaged)."""
        import json

        saved = json.loads(text)
        return cls(saved["consistent"], {k: set(v) for k, v in saved["inferred"].items()},
                   0.0 if cached else saved["seconds"], saved["individuals"], saved["message"], cached=cached)


def java_available() -> bool:
    return shutil.which("java") is not None


class Reasoner:
    """One reasoner run in a process of its own, started early: the process loads its libraries
    and parses the ontology while the build is still reading the graph, then reasons over the
    individuals it is given, while the build validates. Its Python work never shares an
    interpreter with the build's. ``result()`` waits for the answer.

    The answer is kept in ``cache`` under a digest of exactly what HermiT reads: the same input
    gives the same answer, so an edit that leaves the reasoner's input alone (a result, a
    locator, a licence) reuses it, and the process is stopped unused. Individuals described
    alike are reasoned about once (``_alike``)."""

    def __init__(self, ontology: Path, cache: Path | None) -> None:
        import subprocess
        import sys

        self.ontology, self.cache = ontology, cache
        self._answer: Reasoning | None = None
        self._finish: Any = None
        self.work = Path(tempfile.mkdtemp(prefix="mmkg-reason-"))
        self.proc: Any = None
        if java_available():
            # started from the calling thread: the child asks the kernel to end it when its parent ends
            self.proc = subprocess.Popen([sys.executable, "-m", "mmkg.reasoner", str(ontology), str(self.work)],
                                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def submit(self, individuals: list) -> None:
        import hashlib

        from mmkg.atomic import write_bytes

        ontology = self.ontology.read_bytes()
        digest = hashlib.sha256()
        for part in (ontology, repr(JVM_FLAGS).encode(), _hermit_version().encode()):
            digest.update(part + b"\0")
        for line in sorted(str(t) for t in individuals):
            digest.update(line.encode() + b"\n")
        entry = self.cache / f"{digest.hexdigest()}.json" if self.cache else None
        if entry and entry.is_file():
            try:
                self._answer = Reasoning.from_json(entry.read_text(encoding="utf-8"), cached=True)
                self.close()
                return
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a damaged entry is recomputed and rewritten
        if self.proc is None:
            self.close()
            reason_needs_java()
        text = ontology.decode("utf-8")
        groups = [] if any(word in text for word in _BREAKS_SYMMETRY) else _alike(individuals)
        stand_ins = {members[0] for members in groups}
        alike = {m for members in groups for m in members}

        def finish(result: Reasoning) -> Reasoning:
            for members in groups:  # each stand-in's answer is its group's
                first = result.inferred.get(members[0].value)
                if first is not None:
                    result.inferred.update({m.value: set(first) for m in members[1:]})
            result.individuals += len(alike) - len(stand_ins)
            if entry:
                entry.parent.mkdir(parents=True, exist_ok=True)
                write_bytes(entry, result.to_json().encode())
                for old in sorted(entry.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)[:-CACHE_ENTRIES]:
                    old.unlink(missing_ok=True)
            return result

        self._finish = finish
        data = "".join(f"{t} .\n" for t in individuals if t.subject not in alike or t.subject in stand_ins)
        (self.work / "individuals.nt").write_text(data, encoding="utf-8")
        try:  # a short word through the pipe: never blocks, whatever the child is doing
            self.proc.stdin.write(b"go\n")
            self.proc.stdin.close()
        except BrokenPipeError:
            pass  # the child ended early; result() reports why

    @property
    def finished(self) -> bool:
        """Whether ``result()`` would return without waiting: the answer was kept, or the
        process has ended."""
        return self._answer is not None or (self._finish is not None and self.proc.poll() is not None)

    def result(self) -> Reasoning:
        if self._answer is not None:
            return self._answer
        try:
            err = self.proc.stderr.read()
            self.proc.wait()
            out = self.work / "answer.json"
            if self.proc.returncode != 0 or not out.is_file():
                last = (err or b"").decode(errors="replace").strip().splitlines()
                raise EnvironmentProblem(f"the reasoner failed to run: {last[-1] if last else self.proc.returncode}")
            self._answer = self._finish(Reasoning.from_json(out.read_text(encoding="utf-8")))
        finally:
            self.close()
        return self._answer

    def close(self) -> None:
        """Stop the process if it is still waiting, and remove its folder."""
        if self.proc is not None and self.proc.poll() is None and self._finish is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def reason_needs_java() -> None:
    raise EnvironmentProblem(
        "the reasoner needs a Java runtime and 'java' is not on PATH; "
        "install one (Debian: apt-get install default-jre-headless) or run 'bash scripts/setup.sh'"
    )


def _child(ontology: str, work: str) -> None:
    """``python -m mmkg.reasoner ONTOLOGY WORK``: parse the ontology, wait for "go" on stdin,
    then reason over WORK/individuals.nt; the answer goes to WORK/answer.json. Dies with the
    process that started it."""
    import sys

    from mmkg.tether import die_with_parent

    begun = time.perf_counter()
    die_with_parent()
    import owlready2  # noqa: F401 - loaded while the parent is still busy

    folder = Path(work)
    hermit = HermiT(Path(ontology))
    if sys.stdin.buffer.readline().strip() != b"go":
        return  # stopped unused: the parent had the answer already
    try:
        result = hermit.reason((folder / "individuals.nt").read_bytes())
    except EnvironmentProblem as err:
        print(err, file=sys.stderr)
        sys.exit(3)
    result.seconds = time.perf_counter() - begun
    (folder / "answer.json").write_text(result.to_json(), encoding="utf-8")


CACHE_ENTRIES = 8
# OWL constructs through which two individuals with the same description could still be told
# apart (by other individuals pointing at them, identity or keys); with any of them in the
# ontology every individual is reasoned about on its own.
_BREAKS_SYMMETRY = ("owl:inverseOf", "owl:hasKey", "owl:hasSelf", "owl:sameAs", "owl:differentFrom",
                    "owl:AllDifferent", "owl:InverseFunctionalProperty", "owl:oneOf", "owl:propertyChainAxiom")


def _alike(individuals: list) -> list[list]:
    """Groups (of two or more) of individuals that nothing in the input points at and whose
    descriptions (every type and property value) are the same. HermiT's answer for one member
    holds for every member: renaming one into another changes nothing the reasoner can see. Most
    models share their description with others, so reasoning about one per group is the larger
    part of the reasoner's speed."""
    from collections import defaultdict

    objects = {t.object for t in individuals}
    described: dict = defaultdict(set)
    for t in individuals:
        if t.subject not in objects:
            described[t.subject].add((str(t.predicate), str(t.object)))
    groups: dict = defaultdict(list)
    for subject, description in described.items():
        groups[frozenset(description)].append(subject)
    return [sorted(members, key=str) for members in groups.values() if len(members) > 1]


def _hermit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("owlready2")
    except PackageNotFoundError:
        return "?"


def reason(ontology: Path, individuals: bytes) -> Reasoning:
    """Run HermiT over the ontology file ``ontology`` (Turtle) and ``individuals`` (N-Triples);
    report inferred types."""
    return HermiT(ontology).reason(individuals)


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class HermiT:
    """HermiT through owlready2, readied for one ontology (a Turtle file): the ontology is
    written as N-Triples once, before the individuals are known, so a run only appends them.
    Both are read with the store's own parser; nothing here builds a Python object per triple."""

    def __init__(self, ontology: Path) -> None:
        if not java_available():
            reason_needs_java()
        import pyoxigraph as ox

        graph = ox.Store()
        graph.bulk_load(path=str(ontology), format=ox.RdfFormat.TURTLE, base_iri=ontology.resolve().as_uri())
        self.classes = _classes(graph)
        self.text = graph.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""

    def reason(self, individuals: bytes) -> Reasoning:
        """The types HermiT concludes for every named individual of the ontology and
        ``individuals`` (N-Triples), or that the two are inconsistent."""
        import owlready2
        import pyoxigraph as ox

        graph = ox.Store()
        graph.bulk_load(individuals, format=ox.RdfFormat.N_TRIPLES)
        names: set[str] = set()
        for q in graph:
            if isinstance(q.subject, ox.NamedNode) and q.predicate.value == RDF_TYPE:
                names.add(q.subject.value)
            elif isinstance(q.object, ox.NamedNode) and q.predicate.value != RDF_TYPE:
                names.add(q.object.value)
        declared = self.classes | _classes(graph)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="mmkg-reason-") as tmp:
            path = Path(tmp) / "input.nt"  # N-Triples: the fastest form to write and for owlready2 to read
            with open(path, "wb") as out:
                out.write(self.text)
                out.write(individuals if individuals.endswith(b"\n") or not individuals else individuals + b"\n")
                out.writelines(f"<{n}> <{RDF_TYPE}> <{OWL_NS}NamedIndividual> .\n".encode()
                               for n in sorted(names - declared))
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
            inferred = _named_types(world)
            del onto
        return Reasoning(True, inferred, time.perf_counter() - started, len(names))


def _classes(graph: Any) -> set[str]:
    """The IRIs typed owl:Class in a pyoxigraph store."""
    import pyoxigraph as ox

    kind, klass = ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{OWL_NS}Class")
    return {q.subject.value for q in graph.quads_for_pattern(None, kind, klass) if isinstance(q.subject, ox.NamedNode)}


def _named_types(world: Any) -> dict[str, set[str]]:
    """Each named individual's named classes, as the reasoner left them in owlready2's quadstore.
    Read as stored triples: the same answer as each individual's ``is_a``, without making a
    Python object (and a class for each mix of types) per individual."""
    import owlready2

    kind, named = owlready2.rdf_type, owlready2.owl_named_individual
    types = world._get_obj_triples_sp_o
    return {world._unabbreviate(s): {world._unabbreviate(c) for c in types(s, kind) if c > 0 and c != named}
            for s in world._get_obj_triples_po_s(kind, named) if s > 0}


# One short classification run: the client compiler and the serial collector start faster
# than the JVM's defaults, which are tuned for long-running servers.
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto"]

_LAUNCHER = """#!{python}
# Runs Java so that it dies with the process that started it (a killed build leaves no JVM).
# HermiT is asked only for what the build reads: the class hierarchy and the individuals' types
# (-c -I); classifying the property hierarchies (-O -D) took half of its time, for nothing read.
import os, sys
from mmkg.tether import die_with_parent
die_with_parent()
args = sys.argv[1:]
if "org.semanticweb.HermiT.cli.CommandLine" in args:
    args = [a for a in args if a not in ("-O", "-D")]
os.execvp({java!r}, [{java!r}] + {flags!r} + args)
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


if __name__ == "__main__":
    import sys

    _child(sys.argv[1], sys.argv[2])
