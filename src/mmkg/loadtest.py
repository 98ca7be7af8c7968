"""A bounded load test of a running endpoint: N concurrent clients send a mix of named
queries for a fixed time to 127.0.0.1 and the run reports throughput, latency percentiles,
failures and the server's memory over time."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

Mix = tuple[tuple[str, dict[str, str]], ...]

#: named queries on the real graph
MIX: Mix = (
    ("models-by-year", {}),
    ("ancestors", {"model": "BLIP-2"}),
    ("descendants", {"model": "CLIP"}),
    ("most-built-on", {}),
    ("models-per-dataset", {}),
    ("family-trends", {}),
    ("search-models", {"text": "clip"}),
    ("disagreements", {}),
)


@dataclass
class LoadReport:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    memory_mb: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.failures)

    def percentile(self, p: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(p / 100 * len(data)))] if data else 0.0

    def text(self) -> str:
        mem = ", ".join(f"{m:.0f}" for m in self.memory_mb)
        return (f"{self.clients} clients for {self.seconds:.0f} s: {self.requests} requests, "
                f"{self.requests / self.seconds:.1f} requests/s, p50 {self.percentile(50) * 1000:.1f} ms, "
                f"p99 {self.percentile(99) * 1000:.1f} ms, {len(self.failures)} failed; server memory (MB) over time: {mem}"
                + (f"; first failure: {self.failures[0]}" if self.failures else ""))


def _rss_mb(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _tree(pid: int) -> list[int]:
    """The process and all its descendants, whichever of its threads started them."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children = task.read_text().split()
        except OSError:
            continue
        for child in children:
            out += _tree(int(child))
    return out


def run(base: str, *, clients: int = 16, seconds: float = 60.0, server_pid: int | None = None, samples: int = 6,
        mix: Mix = MIX) -> LoadReport:
    """Drive ``base`` (which must be on this machine) and report."""
    host = urllib.parse.urlparse(base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test only targets this machine")
    report = LoadReport(clients, seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        i = offset
        while time.monotonic() < deadline:
            name, params = mix[i % len(mix)]
            i += 1
            url = f"{base}/queries/{name}?" + urllib.parse.urlencode({**params, "format": "json"})
            t = time.perf_counter()
            reason = ""
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    resp.read()
                    ok = resp.status == 200
            except urllib.error.HTTPError as err:
                ok, reason = False, f"HTTP {err.code}: {err.read()[:100]!r}"
            except (urllib.error.URLError, OSError) as err:
                ok, reason = False, str(err)
            with lock:
                if ok:
                    report.latencies.append(time.perf_counter() - t)
                else:
                    report.failures.append(f"{name}: {reason}")

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    step = seconds / max(1, samples - 1)
    while any(t.is_alive() for t in threads):
        if server_pid:
            report.memory_mb.append(_rss_mb(_tree(server_pid)))
        time.sleep(min(step, max(0.0, deadline - time.monotonic()) + 0.1))
    if server_pid:
        report.memory_mb.append(_rss_mb(_tree(server_pid)))
    return report
