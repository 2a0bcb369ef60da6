"""HTTP clients on loopback: each loops on one kind of request until told to stop, optionally
paced, and reports every answer (latency, status) to the caller."""

from __future__ import annotations

import http.client
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HOST = "127.0.0.1"

Request = Callable[[], tuple[str, str, bytes | None, dict[str, str]]]
# kind, latency in seconds, HTTP status (0 = no answer)
Record = Callable[[str, float, int], None]


@dataclass
class Group:
    """`count` clients sending `make()` requests; `interval` > 0 paces each client to at most one
    request per interval (an open loop would measure the machine, not a steady load)."""

    count: int
    make: Request
    kind: str = ""
    interval: float = 0.0


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    def share(self, predicate: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items() if predicate(status))

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "scenario": self.name,
            "requests": self.count,
            "rps": round(self.count / self.seconds, 1) if self.seconds else 0.0,
            "median_ms": round(statistics.median(ordered) * 1000, 1) if ordered else 0.0,
            "p95_ms": round(percentile(ordered, 0.95) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "2xx/3xx": self.share(lambda s: 200 <= s < 400),
            "429/503": self.share(lambda s: s in (429, 503)),
            "other 4xx": self.share(lambda s: 400 <= s < 500 and s != 429),
            "5xx": self.share(lambda s: s >= 500),
            "failed": self.share(lambda s: s == 0),
            **self.notes,
        }


def _client(port: int, group: Group, stop: Callable[[], bool], record: Record) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=15)
    while not stop():
        method, path, body, headers = group.make()
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=15)
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=15)
        elapsed = time.monotonic() - started
        record(group.kind, elapsed, status)
        if group.interval > elapsed:
            time.sleep(group.interval - elapsed)
    conn.close()


def run_clients(port: int, groups: list[Group], stop: Callable[[], bool], record: Record) -> None:
    threads = [
        threading.Thread(target=_client, args=(port, group, stop, record), daemon=True)
        for group in groups
        for _ in range(group.count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def drive(name: str, port: int, groups: list[tuple[int, Request]], seconds: float) -> Result:
    """Run every group's `count` clients, each looping on its request until the time is up."""
    result = Result(name=name, seconds=seconds)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def record(kind: str, latency: float, status: int) -> None:
        with lock:
            result.latencies.append(latency)
            result.statuses[status] = result.statuses.get(status, 0) + 1

    run_clients(
        port,
        [Group(count, make) for count, make in groups],
        lambda: time.monotonic() >= deadline,
        record,
    )
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
