"""The wheel carries its data: built from the checkout, installed into a fresh virtual
environment outside it, the everyday commands work from an empty directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from tests.conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.java]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    base = tmp_path_factory.mktemp("package")
    wheels = base / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(ROOT)], check=True, cwd=base)
    wheel = next(wheels.glob("mmkg-*.whl"))
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    with zipfile.ZipFile(wheel) as z:  # what pip does for a pure wheel: unpack into site-packages
        z.extractall(site)
    # the dependencies (not mmkg itself) come from the test environment
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = base / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMKG_")}
    env.update(XDG_CACHE_HOME=str(base / "cache"), PYTHONPATH="")
    return python, env, work


def mmkg(installed: tuple[Path, dict[str, str], Path], *args: str) -> subprocess.CompletedProcess[str]:
    python, env, work = installed
    return subprocess.run([str(python), "-m", "mmkg", *args], cwd=work, env=env, capture_output=True, text=True,
                          timeout=600)



def test_installed_package_works_from_any_directory(installed: tuple[Path, dict[str, str], Path]) -> None:
    python, env, work = installed
    where = subprocess.run([str(python), "-c", "import mmkg, mmkg.resources as r; print(mmkg.__file__); print(r.root())"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert str(python.parents[1]) in where[0], "mmkg must come from the fresh environment, not the checkout"
    assert where[1].endswith("mmkg/data") and str(ROOT) not in where[1]

    first = mmkg(installed, "query", "most-built-on")
    assert first.returncode == 0, first.stderr
    assert "building the graph into" in first.stderr and str(Path(env["XDG_CACHE_HOME"])) in first.stderr
    assert "CLIP" in first.stdout or "clip" in first.stdout
    again = mmkg(installed, "query", "most-built-on")
    assert again.returncode == 0 and "building" not in again.stderr, again.stderr

    card = mmkg(installed, "show", "CLIP", "-f", "json")
    assert card.returncode == 0, card.stderr
    assert '"label": "CLIP"' in card.stdout

    page = mmkg(installed, "viz", "-o", "x.html")
    assert page.returncode == 0, page.stderr
    assert (work / "x.html").stat().st_size > 10_000
    assert not list(ROOT.glob("x.html"))


def test_installed_package_serves(installed: tuple[Path, dict[str, str], Path], free_port: int) -> None:
    python, env, work = installed
    proc = subprocess.Popen([str(python), "-m", "mmkg", "serve", "--port", str(free_port)], cwd=work, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{free_port}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    assert b"true" in resp.read()
                    break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
