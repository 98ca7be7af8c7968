"""The command line end to end: the README's main job, exit codes, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MINI = Path(__file__).parent / "fixtures" / "mini"


def mmkg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mmkg", *args], capture_output=True, text=True, env={**os.environ, **(env or {})})


@pytest.mark.java
@pytest.mark.slow
def test_main_job_builds_the_real_graph(tmp_path: Path) -> None:
    """What `bash scripts/setup.sh` runs after installing: `mmkg build` on the real graph."""
    proc = mmkg("build", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "reasoner: consistent" in out and "violations: 0" in out
    assert "multi-modal pre-trained model" in out and "vision-language model" in out
    for name in ("mmkg.ttl", "mmkg.nt"):
        assert (tmp_path / name).stat().st_size > 100_000
    assert "parse ..." in proc.stderr  # progress on stderr


def test_query_and_show_on_a_build(mini_build: Path) -> None:
    env = {"MMKG_BUILD": str(mini_build)}
    proc = mmkg("query", "ancestors", "-p", "model=Delta", "-f", "csv", env=env)
    assert proc.returncode == 0 and proc.stdout.count("\n") == 5
    proc = mmkg("show", "Beta", env=env)
    assert proc.returncode == 0
    assert "DEPRECATED" in proc.stdout and "sources:" in proc.stdout and "Beta paper" in proc.stdout


def test_stats(mini_build: Path) -> None:
    proc = mmkg("stats", env={"MMKG_BUILD": str(mini_build)})
    assert proc.returncode == 0
    assert "mmkg:MultiModalModel" in proc.stdout and "completeness of mmkg:MultiModalModel (4)" in proc.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["query", "SELECT ?x WHERE { ?x ?y }"], "line 1, column"),
        (["show", "Gama"], "did you mean"),
        (["query", "ancestors", "-p", "model=Delta", "-p", "depth=3"], "no parameter"),
        (["query", "nosuchquery"], "unknown named query"),
        (["query", "ancestors", "-p", "oops"], "NAME=VALUE"),
        (["query", "models-by-year", "-f", "ttl"], "cannot be written"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(mini_build: Path, args: list[str], words: str) -> None:
    proc = mmkg(*args, env={"MMKG_BUILD": str(mini_build)})
    assert proc.returncode == 2, proc.stdout
    assert words in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_check_exit_codes(tmp_path: Path) -> None:
    assert mmkg("check", "--graph", str(MINI), "--no-format").returncode == 0
    bad = tmp_path / "graph"
    bad.mkdir()
    (bad / "mini.ttl").write_text((MINI / "mini.ttl").read_text())
    (bad / "cycle.ttl").write_text((MINI.parent / "invalid" / "lineage-cycle.ttl").read_text())
    proc = mmkg("check", "--graph", str(bad), "--no-format")
    assert proc.returncode == 1 and "lineage-cycle" in proc.stdout


def test_broken_turtle_build_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "graph"
    bad.mkdir()
    (bad / "broken.ttl").write_text("@prefix ex: <http://example.org/> .\n\nex:a ex:b ex:c ;\n    ex:d .\n")
    proc = mmkg("build", "--graph", str(bad), "--out", str(tmp_path / "out"), "--no-reason")
    assert proc.returncode == 2
    assert "broken.ttl:4:" in proc.stderr
    assert not (tmp_path / "out" / "current").exists()


def test_help_on_every_command() -> None:
    for cmd in ("build", "check", "reason", "query", "show", "stats", "fmt", "serve", "push", "viz", "export"):
        proc = mmkg(cmd, "--help")
        assert proc.returncode == 0 and "exit codes" in proc.stdout, cmd


def test_building_the_parser_imports_nothing_heavy() -> None:
    code = ("import sys\nfrom mmkg.cli import parser\nparser()\n"
            "print(sorted(m for m in ('networkx', 'rdflib', 'pyvis', 'granian', 'pyoxigraph', 'owlready2', 'pyshacl', 'numpy')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_no_module_shadows_a_public_verb() -> None:
    import importlib
    import pkgutil

    import mmkg

    for info in pkgutil.walk_packages(mmkg.__path__, "mmkg."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for verb in mmkg.__all__:
        assert callable(getattr(mmkg, verb)), f"mmkg.{verb} is shadowed by a module"


def test_csv_export_names_both_files(mini_build: Path, tmp_path: Path) -> None:
    env = dict(os.environ, MMKG_BUILD=str(mini_build))
    out = tmp_path / "beta.csv"
    proc = subprocess.run([sys.executable, "-m", "mmkg", "export", "lineage", "Beta", "-f", "csv", "-o", str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"{tmp_path / 'beta.nodes.csv'} and {tmp_path / 'beta.edges.csv'}" in proc.stderr
    assert (tmp_path / "beta.nodes.csv").is_file() and (tmp_path / "beta.edges.csv").is_file()


def test_serve_help_shows_the_defaults() -> None:
    proc = subprocess.run([sys.executable, "-m", "mmkg", "serve", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "(default: 8000)" in proc.stdout and "(default: 127.0.0.1)" in proc.stdout
