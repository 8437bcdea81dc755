"""The front end's JavaScript (playground/static/playground.js, viz/static/steps.js): its JSDoc types pass the
TypeScript checker (tsconfig.json)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import require

ROOT = Path(__file__).resolve().parent.parent


def test_frontend_types_pass_the_typescript_checker() -> None:
    tsc = ROOT / "node_modules" / ".bin" / "tsc"
    require(tsc.exists(), "TypeScript (node_modules/.bin/tsc)", "make test, make typecheck-js or npm ci")
    done = subprocess.run([str(tsc), "--noEmit", "-p", str(ROOT)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
