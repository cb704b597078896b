"""The README's five questions give, on the embedded data, exactly the answers it prints: each
`./bin/tungsten sql "..." --format csv` block is run as a user runs it (its own process, on the
session's build) and its output compared with the text block under it."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import warehouse_env

from warehouse.paths import PROJECT_ROOT

BLOCK = re.compile(r"```bash\n(\./bin/tungsten sql .*?)\n```\n```text\n(.*?)```", re.S)


def readme_questions() -> list[tuple[list[str], str]]:
    """(tungsten's arguments, the printed answer) of each sql block the README answers."""
    text = (PROJECT_ROOT / "README.md").read_text()
    return [(shlex.split(command)[1:], answer) for command, answer in BLOCK.findall(text)]


def test_the_readme_has_its_five_answered_questions():
    assert len(readme_questions()) == 5


@pytest.mark.parametrize(("args", "answer"), readme_questions(), ids=lambda v: str(v)[:40] if isinstance(v, str) else None)
def test_a_readme_question_gives_the_printed_answer(built_warehouse, args, answer):
    tungsten = Path(sys.executable).with_name("tungsten")
    res = subprocess.run([str(tungsten), *args], env={**os.environ, **warehouse_env(built_warehouse)},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.replace("\r\n", "\n") == answer
