"""Shared fixtures: builds of the small fixture graph and of the real graph, made once per run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mmkg.builder import BuildReport

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "mini"
ARTIFACTS = ROOT / "test-artifacts"


def _java() -> bool:
    return shutil.which("java") is not None


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    for item in items:
        if "java" in item.keywords and not _java():
            if os.environ.get("CI"):
                continue  # in CI a missing Java must fail, not skip
            item.add_marker(pytest.mark.skip(reason="no Java runtime; scripts/test.sh installs one"))


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture graph built (with the reasoner) into a temporary build folder."""
    from mmkg.builder import build

    out = tmp_path_factory.mktemp("mini-build")
    report = build(graph=MINI, out=out, progress=None)
    assert report.ok, [v.line() for v in report.violations]
    return out


def build_mini_with(factory: pytest.TempPathFactory, name: str, *extra: Path, reason: bool = True,
                    validate: bool = True) -> tuple[Path, BuildReport]:
    """The fixture graph plus ``extra`` Turtle files, built into a fresh folder: (folder, report)."""
    from mmkg.builder import build

    graph = factory.mktemp(f"{name}-graph")
    shutil.copytree(MINI, graph, dirs_exist_ok=True)
    for path in extra:
        shutil.copy(path, graph / path.name)
    out = factory.mktemp(f"{name}-build")
    return out, build(graph=graph, out=out, reason=reason, validate=validate, progress=None)


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real graph built into a temporary build folder."""
    from mmkg.builder import build

    out = tmp_path_factory.mktemp("real-build")
    build(out=out, progress=None)
    return out


@pytest.fixture
def use_build(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point the API at a given build folder: ``use_build(path)``."""

    def point(path: Path) -> None:
        monkeypatch.setenv("MMKG_BUILD", str(path))

    return point


@pytest.fixture
def free_port() -> int:
    from mmkg.remote import free_port as pick

    return pick()


@pytest.fixture(scope="session")
def mini_store(mini_build: Path):  # type: ignore[no-untyped-def]
    from mmkg.store import Store

    return Store.open((mini_build / "current" / "store").resolve())
