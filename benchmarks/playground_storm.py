"""The playground's server under a storm of commands, and a kept-alive connection's answer time.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/playground_storm.py

It starts ``glassgrad playground --no-browser --no-state`` in a process of its own, then:

- **keep-alive**: 200 ``GET /api/state`` on one kept-alive connection (as the page's controls reuse theirs):
  the median and the 99th percentile of the answer time;
- **storm**: ``CLIENTS`` clients, each on its own connection, send random commands (play, pause, step, epoch,
  reset, a new network shape, an example, a neuron, a past epoch, continue, a weight, a point, new data) for
  ``SECONDS`` seconds; it counts the answers by status (a 4xx says why a command could not be done; a 5xx
  would be a fault) and gives their answer times. Then it checks the server still trains.

Not a test: it prints figures (loopback only, bounded in time and count).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the storm's commands: shared with its test

from served import STORM  # noqa: E402

CLIENTS = 12
SECONDS = 12.0
MAX_REQUESTS = 20_000


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def keep_alive(host: str, port: int, token: str) -> list[float]:
    """Answer times of 200 state requests on one kept-alive connection."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    times = []
    for _ in range(200):
        start = time.perf_counter()
        connection.request("GET", f"/api/state?token={token}")
        connection.getresponse().read()
        times.append(time.perf_counter() - start)
    connection.close()
    return times


def storm(host: str, port: int, token: str) -> tuple[Counter[int], list[float]]:
    """The statuses and answer times of ``CLIENTS`` clients sending random commands for ``SECONDS``."""
    statuses: Counter[int] = Counter()
    times: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while time.monotonic() < deadline and sum(statuses.values()) < MAX_REQUESTS:
            body = json.dumps(rng.choice(STORM))
            start = time.perf_counter()
            connection.request("POST", "/api/command", body=body, headers={"X-Glassgrad-Token": token})
            response = connection.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
                times.append(time.perf_counter() - start)
        connection.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, times


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "glassgrad", "playground", "--no-browser", "--no-state"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = ""
    while not url.startswith("http://"):
        url = process.stdout.readline().strip()
    parts, token = urlsplit(url), url.split("token=")[1]
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    try:
        times = keep_alive(host, port, token)
        print(f"keep-alive GET /api/state, 200 on one connection: median {statistics.median(times) * 1000:.1f} ms, "
              f"p99 {percentile(times, 99) * 1000:.1f} ms")
        statuses, answers = storm(host, port, token)
        total = sum(statuses.values())
        print(f"storm: {CLIENTS} clients for {SECONDS:g} s sent {total} commands: "
              + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items()))
              + f"; answer median {statistics.median(answers) * 1000:.1f} ms, "
              f"p99 {percentile(answers, 99) * 1000:.1f} ms")
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for message in ({"type": "reset"}, {"type": "play"}):
            connection.request("POST", "/api/command", body=json.dumps(message), headers={"X-Glassgrad-Token": token})
            connection.getresponse().read()
        time.sleep(1.0)
        connection.request("GET", f"/api/state?token={token}")
        state = json.loads(connection.getresponse().read())
        print(f"after the storm: playing={state['playing']}, step {state['step']} one second after reset and play")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
