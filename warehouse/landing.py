"""The landing store: every file received, kept by sha256, never overwritten or deleted.

landing/<source_id>/<sha256>/<file name>, with the validation report of each load attempt
of that file beside it (report-<load_id>.json), so a refused file and the reason it was
refused stay together.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from ingest.errors import ParseError


def file_dir(landing: Path, source_id: str, sha256: str) -> Path:
    return landing / source_id / sha256


class LandingError(ParseError):
    """A file that cannot be landed: not a regular file, or the copy failed (disk full, a
    read-only folder). Raised like a parse error, so the user gets one message naming the file."""


def check_regular_file(src: Path) -> None:
    """Only a regular file is read and landed: a symbolic link (its target could be any file
    on the machine, e.g. /etc/passwd), a directory, a FIFO or a device is refused, unread."""
    try:
        mode = src.lstat().st_mode
    except OSError as exc:
        raise LandingError(str(src), f"cannot read it: {exc.strerror}") from None
    if stat.S_ISLNK(mode):
        raise LandingError(str(src), f"is a symbolic link (to {os.readlink(src)}): give the file itself")
    if not stat.S_ISREG(mode):
        raise LandingError(str(src), "is not a regular file (a directory, pipe or device)")


def store(landing: Path, source_id: str, sha256: str, src: Path, data: bytes | None = None) -> Path:
    """Copy src into landing (once); returns the landed path. data: src's bytes, when the caller
    has read them already (written from memory, the file is not read again). A failed copy
    leaves nothing behind (no .partial file keeping a full disk full) and says why."""
    check_regular_file(src)
    d = file_dir(landing, source_id, sha256)
    dest = d / src.name
    if not dest.exists():
        tmp = d / f".{src.name}.partial"
        try:
            d.mkdir(parents=True, exist_ok=True)
            if data is None:
                shutil.copyfile(src, tmp)
            else:
                tmp.write_bytes(data)
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise LandingError(src.name, f"could not be copied into {d}: {exc.strerror or exc}") from None
    return dest


def write_report(landing: Path, source_id: str, sha256: str, load_id: str, report: dict) -> Path:
    d = file_dir(landing, source_id, sha256)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"report-{load_id}.json"
    path.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    return path
