"""Start real server processes on 127.0.0.1 for tests and benchmarks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path

from mmkg.remote import free_port, free_ports, wait_for


def fetch(url: str | urllib.request.Request, data: bytes | None = None, headers: dict[str, str] | None = None,
          timeout: float = 60) -> tuple[int, str, Message]:
    """Status, body and headers (looked up by name in any case, as HTTP reads them) of one request;
    an error status is returned, not raised."""
    req = url if isinstance(url, urllib.request.Request) else urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers


@contextmanager
def running(cmd: list[str], probe: str, *, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` until the block ends, once ``probe`` answers."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(probe, proc=proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def mmkg_server(build: Path, *extra: str) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MMKG_BUILD=str(build))
    with running([sys.executable, "-m", "mmkg", "serve", "--port", str(port), *extra], base + "/sparql", env=env):
        yield base


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([exe, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"], base + "/query?query=ASK%7B%7D"):
        yield base


def virtuoso_path() -> str | None:
    return shutil.which("virtuoso-t")


@contextmanager
def virtuoso_server(folder: Path) -> Iterator[str]:
    """Virtuoso (Debian's virtuoso-opensource) with its own database in ``folder``, on free ports."""
    folder.mkdir(parents=True, exist_ok=True)
    sql, http = free_ports(2)
    template = Path("/etc/virtuoso-opensource-7/virtuoso.ini").read_text()
    ini = []
    section = ""
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        key = stripped.split("=", 1)[0].strip() if "=" in stripped and not stripped.startswith(";") else ""
        if key in ("DatabaseFile", "ErrorLogFile", "LockFile", "TransactionFile", "xa_persistent_file"):
            name = Path(line.split("=", 1)[1].strip()).name
            line = f"{key} = {folder / name}"
        elif key == "ServerPort" and section == "[Parameters]":
            line = f"ServerPort = {sql}"
        elif key == "ServerPort" and section == "[HTTPServer]":
            line = f"ServerPort = 127.0.0.1:{http}"
        elif key == "DirsAllowed":
            line = f"DirsAllowed = ., {folder}, /usr/share/virtuoso-opensource-7/vad"
        ini.append(line)
    (folder / "virtuoso.ini").write_text("\n".join(ini) + "\n")
    base = f"http://127.0.0.1:{http}"
    with running([str(virtuoso_path()), "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                 base + "/sparql?query=ASK%7B%7D") as proc:
        yield base
        del proc
