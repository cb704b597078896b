"""The command line's exit path (tungsten_cli/fast_exit.py) in a fresh process; the commands
themselves, on a built warehouse: tests/integration/test_cli.py."""


def test_exit_now_runs_atexit_handlers_and_maps_codes(tmp_path):
    import subprocess
    import sys

    code = ("import atexit, sys; from tungsten_cli.fast_exit import exit_now; "
            "atexit.register(lambda: print('handler ran', flush=True)); print('out', end=''); exit_now({})")
    run = lambda arg: subprocess.run([sys.executable, "-c", code.format(arg)], capture_output=True, text=True, timeout=60)
    r = run("None")
    assert (r.returncode, r.stdout) == (0, "outhandler ran\n")
    r = run("3")
    assert r.returncode == 3
    r = run("'a message'")
    assert (r.returncode, r.stderr) == (1, "a message\n")
