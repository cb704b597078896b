"""The landing store: every file received, kept by sha256, never overwritten or deleted.

landing/<source_id>/<sha256>/<file name>, with the validation report of each load attempt
of that file beside it (report-<load_id>.json), so a refused file and the reason it was
refused stay together.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def file_dir(landing: Path, source_id: str, sha256: str) -> Path:
    return landing / source_id / sha256


def store(landing: Path, source_id: str, sha256: str, src: Path) -> Path:
    """Copy src into landing (once); returns the landed path."""
    d = file_dir(landing, source_id, sha256)
    dest = d / src.name
    if not dest.exists():
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{src.name}.partial"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    return dest


def write_report(landing: Path, source_id: str, sha256: str, load_id: str, report: dict) -> Path:
    d = file_dir(landing, source_id, sha256)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"report-{load_id}.json"
    path.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    return path
