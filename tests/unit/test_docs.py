"""The README and the documentation site (mkdocs.yml, docs/): the site builds with
`mkdocs build --strict`, so a broken link, an anchor that is gone or a page left out of the nav
fails; the README stays short, its quick start first; and every repository path the README and
the docs pages write in backticks exists."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import PROJECT

MKDOCS = Path(sys.executable).parent / "mkdocs"
README = PROJECT / "README.md"
DOC_PAGES = sorted((PROJECT / "docs").rglob("*.md"))

# Paths are recognised by their first folder, one of the repository's own.
TOP_FOLDERS = ("ingest", "warehouse", "dbt", "dagster_project", "tungsten_cli", "tests", "bench", "bin", "data", "docs",
               "reference_checks", ".ci")
FOLDERS = "|".join(re.escape(t) for t in TOP_FOLDERS)
PATH = re.compile(rf"(?<![\w./-])(?:\./)?((?:{FOLDERS})/[^\s`'\"(),;|]*)")
PLACEHOLDER = re.compile(r"[<*{\[]")
# Made by a run, so absent from a checkout (the defaults of TUNGSTEN_HOME and TUNGSTEN_SERVING_PATH,
# dbt's target folder, the benchmarks' output).
MADE_AT_RUN_TIME = ("var/", "warehouse/tungsten.duckdb", "warehouse/tungsten.parquet", "warehouse/tungsten-report.html",
                    "warehouse/tungsten.lake",
                    "dbt/target/", "bench/results/")


def code_spans(markdown: str) -> list[str]:
    """The text of the fenced code blocks and of the inline `code` of a Markdown page."""
    fenced = re.findall(r"^ *```[^\n]*\n(.*?)^ *```", markdown, flags=re.S | re.M)
    rest = re.sub(r"^ *```[^\n]*\n.*?^ *```", "", markdown, flags=re.S | re.M)
    return fenced + re.findall(r"`([^`\n]+)`", rest)


def paths_named(markdown: str) -> set[str]:
    """Repository paths written in code: `warehouse/publish.py`, `tests/x.py::test_y`, `./bin/test`.
    A path with a placeholder (`ingest/sources/<id>/source.yml`, `data/snapshot/*`) is checked up
    to the folder before the placeholder."""
    found = set()
    for span in code_spans(markdown):
        for m in PATH.finditer(span):
            path = m.group(1).rstrip(".:")
            if PLACEHOLDER.search(path):
                path = path[:PLACEHOLDER.search(path).start()].rpartition("/")[0] + "/"
            found.add(path)
    return found


def missing_paths(markdown: str) -> list[str]:
    missing = []
    for path in sorted(paths_named(markdown)):
        if path.startswith(MADE_AT_RUN_TIME):
            continue
        file, _, test = path.partition("::")
        exists = (PROJECT / file).exists()
        if not exists or (test and not re.search(rf"^def {re.escape(test)}\(", (PROJECT / file).read_text(), flags=re.M)):
            missing.append(path)
    return missing


def test_the_site_builds_strictly(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    run = subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(site)], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    # a page per source, generated from its source.yml
    for source_yml in (PROJECT / "ingest" / "sources").glob("*/source.yml"):
        sid = yaml.safe_load(source_yml.read_text(encoding="utf-8"))["id"]
        assert (site / "sources" / f"{sid}.html").exists(), f"no page for {source_yml}"
    # the command reference, generated from the CLI, shows every command with its options
    cli = (site / "reference" / "cli.html").read_text(encoding="utf-8")
    for text in ("tungsten refresh", "tungsten ingest", "tungsten sql", "--no-publish", "--vertical", "--force"):
        assert text in cli, f"the command reference lacks {text!r}"


def test_the_readme_is_short_and_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 150
    quick_start = text.split("\n## Quick start\n", 1)[1]
    first_block = re.search(r"```[^\n]*\n(.*?)```", quick_start, flags=re.S).group(1)
    assert first_block.split("\n")[:-1] == ["./bin/tungsten refresh", "./bin/test"]
    commands = [body for lang, body in re.findall(r"```(\w*)\n(.*?)```", text, flags=re.S) if lang == "bash"]
    assert commands and all(len(body) <= 300 for body in commands), "a README command over 300 characters"


def test_the_readmes_links_lead_somewhere():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        assert (PROJECT / file).exists(), f"README links to {file}, which does not exist"
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (PROJECT / file).read_text(encoding="utf-8"), flags=re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in headings}
            assert anchor in slugs, f"README links to {target}, which has no such heading"


@pytest.mark.parametrize("page", [README, *DOC_PAGES], ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_path_named_exists(page):
    assert missing_paths(page.read_text(encoding="utf-8")) == []


def test_a_stale_path_is_found():
    page = ("Run `bench/bench_refresh.py` and `./bin/test`; see `warehouse/gone.py`, "
            "`tests/unit/test_docs.py::test_no_such_test` and `ingest/sources/<id>/source.yml`.\n"
            "```bash\n.venv/bin/python bench/nothing_here.py\n```\n")
    assert paths_named(page) == {"bench/bench_refresh.py", "bin/test", "warehouse/gone.py", "ingest/sources/",
                                 "tests/unit/test_docs.py::test_no_such_test", "bench/nothing_here.py"}
    assert missing_paths(page) == ["bench/nothing_here.py", "tests/unit/test_docs.py::test_no_such_test",
                                   "warehouse/gone.py"]
