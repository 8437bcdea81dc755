"""The playground's page is package data: a built wheel, installed (not editable) into a fresh virtual
environment, serves it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import site
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "nn", "viz", "playground", "glassgrad")


def build_wheel(tmp_path: Path) -> Path:
    """``python -m build --wheel`` on a copy of the sources (the tree stays clean); returns the wheel."""
    pytest.importorskip("build", reason="pip install build (in the dev extra)")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = str(tmp_path / "dist")
    command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, str(source)]
    built = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    output = built.stdout + built.stderr
    assert "would be ignored" not in output and "absent from the `packages`" not in output, output
    (wheel,) = (tmp_path / "dist").glob("glassgrad-*.whl")
    return wheel


@pytest.mark.slow  # builds a wheel and a virtual environment
def test_playground_wheel_ships_the_page(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("playground.html", "playground.js", "playground.css"):
        assert f"playground/static/{name}" in names
    for name in ("steps.js", "steps.css"):
        assert f"viz/static/{name}" in names

    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True, timeout=120)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    # the dependencies (starlette, uvicorn, ...) from this interpreter's site-packages, after the fresh ones:
    # a path line in a .pth adds the folder only, so the editable install of glassgrad there stays out
    fresh = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    (Path(fresh) / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing but the fresh environment
    clean["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # a run kept from elsewhere is not this test's
    show = "import viz, playground, glassgrad; print(viz.__file__, playground.__file__, glassgrad.__file__)"
    where = subprocess.run([str(python), "-c", show],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=clean).stdout.split()
    assert all(path.startswith(fresh) for path in where), where

    process = subprocess.Popen([str(env / "bin" / "glassgrad"), "playground", "--no-browser"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean)
    try:
        assert process.stdout is not None
        deadline, url = time.monotonic() + 60, ""
        while not url.startswith("http://") and time.monotonic() < deadline:
            url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        base, token = url.split("/?")[0], url.split("token=")[1]
        with urllib.request.urlopen(url, timeout=10) as page:
            assert "static/playground.js" in page.read().decode()
        for name in ("playground.js", "playground.css"):
            with urllib.request.urlopen(f"{base}/static/{name}?token={token}", timeout=10) as response:
                assert response.status == 200 and len(response.read()) > 1000
        with urllib.request.urlopen(f"{base}/api/frame?token={token}", timeout=30) as response:
            assert json.load(response)["layers"] == [2, 4, 2, 2]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
