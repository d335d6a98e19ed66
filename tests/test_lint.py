"""The code stays within the project's lint rules (pyproject.toml's [tool.ruff]): the README's test command is
what CI runs, so lint runs there too rather than only when someone remembers `ruff check`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff():
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    return [exe] if exe else None


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed (pip install -e '.[dev]')")
def test_ruff_finds_nothing():
    folders = [d for d in ("graphgrad", "tests", "bench", "tools") if (ROOT / d).is_dir()]
    done = subprocess.run([*_ruff(), "check", "--no-cache", *folders], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
