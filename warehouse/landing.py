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


# Kernel file systems: their "files" are the process's or the machine's state (environment,
# memory, devices), not data a publisher wrote. /proc/self/environ is a regular file there.
PSEUDO_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))

# Landing keeps what users gave it, API keys in a download's URL included: owner and group only.
FILE_MODE = 0o640
DIR_MODE = 0o750


def check_regular_file(src: Path) -> None:
    """Only a regular file on a real file system is read and landed: a symbolic link (its target
    could be any file on the machine, e.g. /etc/passwd), a directory, a FIFO or a device is
    refused, unread, and so is a file under /proc, /sys or /dev (see pseudo_root)."""
    try:
        st = src.lstat()
    except OSError as exc:
        raise LandingError(str(src), f"cannot read it: {exc.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise LandingError(str(src), f"is a symbolic link (to {os.readlink(src)}): give the file itself")
    if not stat.S_ISREG(st.st_mode):
        raise LandingError(str(src), "is not a regular file (a directory, pipe or device)")
    root = pseudo_root(src, st.st_dev)
    if root is not None:
        raise LandingError(str(src), f"is on the kernel's {root} file system (process or machine state, "
                                     "not a publisher's file): copy the file you mean somewhere else first")


def pseudo_root(src: Path, device: int) -> Path | None:
    """The kernel file system (/proc, /sys, /dev) src lies on, or None. Checked by its resolved
    path (so /proc/self/../1/environ or a link to /proc in a folder name is caught) and by its
    device (so a bind mount of /proc elsewhere is caught too)."""
    real = src.resolve()
    for root in PSEUDO_ROOTS:
        if real.is_relative_to(root):
            return root
        try:
            if root.is_dir() and os.stat(root).st_dev == device:
                return root
        except OSError:
            continue
    return None


def make_private_dir(d: Path) -> None:
    """Make folder d, when missing, with owner-and-group-only access whatever the umask (callers
    pass each level from the landing root down, so every folder made on the way is private).
    A folder that exists keeps its mode: the user may have set it on purpose."""
    if d.is_dir():
        return
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, DIR_MODE)


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
            for folder in (landing, d.parent, d):
                make_private_dir(folder)
            if data is None:
                shutil.copyfile(src, tmp)
            else:
                tmp.write_bytes(data)
            os.chmod(tmp, FILE_MODE)
            os.replace(tmp, dest)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise LandingError(src.name, f"could not be copied into {d}: {exc.strerror or exc}") from None
    return dest


def write_report(landing: Path, source_id: str, sha256: str, load_id: str, report: dict) -> Path:
    d = file_dir(landing, source_id, sha256)
    for folder in (landing, d.parent, d):
        make_private_dir(folder)
    path = d / f"report-{load_id}.json"
    path.write_text(json.dumps(report, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    os.chmod(path, FILE_MODE)
    return path


JOURNAL = "journal.jsonl"


def record_loaded(landing: Path, landed: Path, source: str, vintage: str | None, options: dict | None, *,
                  replace_edition: bool = False, accept_outliers: bool = False) -> None:
    """Append a user's file whose load counted to landing's journal: the files, in the order they
    were loaded, that make the build file again if it is ever damaged (warehouse.build_file)."""
    entry = {"source": source, "path": landed.relative_to(landing).as_posix(), "vintage": vintage,
             "options": {k: v for k, v in (options or {}).items() if v is not None}, "replace_edition": replace_edition,
             "accept_outliers": accept_outliers}
    path = landing / JOURNAL
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, FILE_MODE)


def loaded_files(landing: Path) -> list[dict]:
    """The journal's entries in load order; a line a kill cut short is not an entry."""
    path = landing / JOURNAL
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and {"source", "path"} <= entry.keys():
            entries.append(entry)
    return entries
