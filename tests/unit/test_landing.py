"""Landing keeps regular files only, and a copy that fails (full disk, read-only folder) says
why and leaves nothing behind."""

import errno
import os
import shutil
from pathlib import Path

import pytest

from warehouse import landing
from warehouse.landing import LandingError


def test_a_regular_file_is_landed_once(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("x\n1\n")
    dest = landing.store(tmp_path / "landing", "bgs_wms", "ab" * 32, src)
    assert dest.read_text() == "x\n1\n" and landing.store(tmp_path / "landing", "bgs_wms", "ab" * 32, src) == dest


def test_a_symlink_is_refused_unread(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    link = tmp_path / "innocent.csv"
    link.symlink_to(secret)
    with pytest.raises(LandingError, match="symbolic link"):
        landing.store(tmp_path / "landing", "bgs_wms", "ab" * 32, link)
    assert not (tmp_path / "landing").exists()


def test_a_pipe_or_a_folder_is_refused(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(LandingError, match="not a regular file"):
        landing.check_regular_file(fifo)  # reading it would block forever
    with pytest.raises(LandingError, match="not a regular file"):
        landing.check_regular_file(tmp_path)
    with pytest.raises(LandingError, match="cannot read it"):
        landing.check_regular_file(tmp_path / "missing.csv")


def test_a_full_disk_leaves_no_partial_file(tmp_path, monkeypatch):
    src = tmp_path / "big.csv"
    src.write_text("x\n" * 1000)

    def full(a, b):
        with open(b, "w") as fh:
            fh.write("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfile", full)
    with pytest.raises(LandingError, match="No space left on device"):
        landing.store(tmp_path / "landing", "bgs_wms", "cd" * 32, src)
    assert [p for p in (tmp_path / "landing").rglob("*") if p.is_file()] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_landing_folder_is_named(tmp_path):
    src = tmp_path / "a.csv"
    src.write_text("x\n")
    ro = tmp_path / "landing"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(LandingError, match="could not be copied"):
            landing.store(ro, "bgs_wms", "ef" * 32, src)
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("path", ["/proc/self/environ", "/proc/self/status", "/sys/kernel/mm/transparent_hugepage/enabled"])
def test_kernel_files_are_refused_unread(tmp_path, path):
    """/proc/self/environ is a regular file holding every variable of the process (API keys too)."""
    if not os.path.isfile(path):
        pytest.skip(f"{path} is not on this machine")
    with pytest.raises(LandingError, match="kernel's /(proc|sys) file system"):
        landing.store(tmp_path / "landing", "bgs_wms", "ab" * 32, Path(path))
    assert not (tmp_path / "landing").exists()


def test_a_path_that_resolves_into_proc_is_refused(tmp_path):
    (tmp_path / "p").symlink_to("/proc/self")  # a link in a folder name, the file itself regular
    with pytest.raises(LandingError, match="kernel's /proc"):
        landing.check_regular_file(tmp_path / "p" / "environ")


def test_landed_files_and_folders_are_not_world_readable(tmp_path):
    old = os.umask(0o022)
    try:
        src = tmp_path / "a.csv"
        src.write_text("x\n1\n")
        dest = landing.store(tmp_path / "landing", "bgs_wms", "ab" * 32, src)
        report = landing.write_report(tmp_path / "landing", "bgs_wms", "ab" * 32, "load1", {"ok": True})
    finally:
        os.umask(old)
    for path in (dest, report):
        assert path.stat().st_mode & 0o777 in (0o640, 0o600), oct(path.stat().st_mode)
    for folder in (dest.parent, dest.parent.parent, tmp_path / "landing"):
        assert folder.stat().st_mode & 0o777 in (0o750, 0o700), (folder, oct(folder.stat().st_mode))
