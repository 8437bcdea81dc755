"""Updates a second that the playground's page gets, and how fast its controls answer while training runs.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/playground_server.py

It starts ``glassgrad playground --no-browser`` in a process of its own (as a user would), opens the event
stream as the page does, presses play, and for ``SECONDS`` counts the frames that arrive with new training
(each carries every heatmap, the losses and the parameters: what the page draws). Meanwhile it sends a
control every 0.25 s (the learning rate, switched between two values; it does not pause training) and
times each answer. Networks: the default (inputs x1, x2; hidden 4, 2; 250 training points, batch 10) and
6 hidden layers of 8. Not a test: it prints figures — epochs a second by the frames' own epoch counter, frames
a second that carry every map (and of those, the ones with new training), a control's answer time (the
targets: ≥ 60 epochs/s on the default network and ≥ 20 on 6 × 8, ≥ 20 frames/s, controls within 100 ms).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 8.0


def post(base: str, token: str, message: dict[str, object]) -> float:
    """Send one message; returns the seconds until its answer (the frame after it) has arrived whole."""
    request = urllib.request.Request(f"{base}/api/command", data=json.dumps(message).encode(), method="POST",
                                     headers={"X-Glassgrad-Token": token, "Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return time.perf_counter() - start


def measure(base: str, token: str, shape: str) -> tuple[float, float, float, list[float]]:
    """(epochs trained per second, frames per second that arrive with every map, of those the ones with new
    training per second, control latencies in seconds) for the network ``shape``, as the page gets them."""
    post(base, token, {"type": "settings", "hash": f"networkShape={shape}"})
    frames: list[tuple[float, int, int, bool]] = []  # (when, step, epoch, with every map)
    done = threading.Event()

    def listen() -> None:
        with urllib.request.urlopen(f"{base}/api/events?token={token}", timeout=30) as events:
            for line in events:
                if done.is_set():
                    return
                if line.startswith(b"data: "):
                    frame = json.loads(line[6:])
                    frames.append((time.perf_counter(), frame["step"], frame["epoch"], bool(frame.get("maps"))))

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)
    post(base, token, {"type": "play"})
    latencies, start, k = [], time.perf_counter(), 0
    while time.perf_counter() - start < SECONDS:
        time.sleep(0.25)
        k += 1
        rate = "0.01" if k % 2 else "0.03"
        latencies.append(post(base, token, {"type": "settings", "hash": f"learningRate={rate}"}))
    post(base, token, {"type": "pause"})
    done.set()
    playing = [f for f in frames if f[0] >= start and f[3]]
    elapsed = playing[-1][0] - playing[0][0] if len(playing) > 1 else float("nan")
    new = sum(1 for a, b in itertools.pairwise(playing) if b[1] > a[1])
    epochs = (playing[-1][2] - playing[0][2]) / elapsed if len(playing) > 1 else float("nan")
    return epochs, len(playing) / elapsed, new / elapsed, latencies


def main() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "glassgrad", "playground", "--no-browser", "--no-state"],
                               cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = ""
    while not url.startswith("http://"):
        url = process.stdout.readline().strip()
    base, token = url.split("/?")[0], url.split("token=")[1]
    try:
        print(f"{'network':>16} {'epochs/s':>9} {'frames/s':>9} {'updates/s':>10} {'control: median':>16} {'max':>8}"
              f"   (over {SECONDS:.0f} s of play; frames with every map)")
        for label, shape in (("default 4,2", "4,2"), ("6 x 8", "8,8,8,8,8,8")):
            epochs, frame_rate, rate, latencies = measure(base, token, shape)
            print(f"{label:>16} {epochs:9.1f} {frame_rate:9.1f} {rate:10.1f} "
                  f"{1000 * statistics.median(latencies):13.0f} ms {1000 * max(latencies):5.0f} ms")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


if __name__ == "__main__":
    main()
