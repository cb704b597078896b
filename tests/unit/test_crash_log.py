"""An unforeseen error's traceback goes to a crash log of its own: two in the same second
(two commands, or two errors of one) never overwrite each other."""

from tungsten_cli.app import _report_crash


def test_crash_logs_of_the_same_second_are_all_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUNGSTEN_HOME", str(tmp_path / "home"))
    for n in range(3):
        assert _report_crash(RuntimeError(f"boom {n}")) == 2
    logs = sorted((tmp_path / "home" / "logs").glob("crash-*.log"))
    assert len(logs) == 3, logs
    assert sorted(log.read_text().strip().splitlines()[-1] for log in logs) == [
        "RuntimeError: boom 0", "RuntimeError: boom 1", "RuntimeError: boom 2"]
    err = capsys.readouterr().err
    assert all(f"traceback in {log}" in err for log in logs)
