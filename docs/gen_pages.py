"""Pages made when the site is built (mkdocs-gen-files runs this script; see mkdocs.yml).

- `sources/<id>.md`, one per `ingest/sources/<id>/source.yml`, and `sources/index.md`: identity,
  publisher, licence, URL and DOI, editions (known, and held in the embedded snapshot), raw
  family, checks, freshness, and what the parser reads. Read from the files, never imported, so
  a page says what the folder says.
- `reference/cli.md`: the command reference, rendered by the mkdocs-click extension from the CLI
  itself. mkdocs-click documents a click command; `tungsten_cli.app.app` is a Typer app, and
  Typer's public `typer.main.get_command` gives the click group it runs. That group is offered
  to mkdocs-click as the attribute `cli` of a module registered here, `tungsten_docs_cli`.
  The plain style is used: Typer ships its own copy of click (`typer._click`), so mkdocs-click's
  table style, which keeps only parameters that are instances of the installed click's `Option`,
  would drop every option; the plain style asks each parameter for its help text.
"""

from __future__ import annotations

import ast
import csv
import json
import sys
import types
from pathlib import Path

import mkdocs_gen_files
import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "ingest" / "sources"
SNAPSHOT = ROOT / "data" / "snapshot"
SUITES = ROOT / "warehouse" / "gx_suites"
CLI_MODULE = "tungsten_docs_cli"


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def cell(value) -> str:
    """A value as one Markdown table cell."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("|", "\\|")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def yaml_section(text: str, key: str) -> str | None:
    """The lines of a top-level key of a YAML file, its comments kept."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            inside = True
        elif inside and line and not line[0].isspace() and not line.startswith("#"):
            break
        if inside:
            lines.append(line)
    return "\n".join(lines).rstrip() or None


def parser_module(folder: Path, spec: str) -> Path:
    """The file of a source.yml `parser:` entry: `parse` is the package's, `parser:parse` parser.py's."""
    module = spec.split(":")[0] if ":" in spec else None
    return folder / f"{module}.py" if module else folder / "__init__.py"


def years_rule(edition: dict) -> str:
    start, end = edition.get("years_from_edition"), edition.get("years_to_edition")
    first = edition.get("first_year")
    parts = []
    if first is not None:
        parts.append(f"from {first}")
    elif start is not None:
        parts.append(f"from the edition's year {start:+d}")
    if end is not None:
        parts.append(f"to the edition's year {end:+d}" if end else "to the edition's year")
    return " ".join(parts) or "as the file holds"


def freshness_rule(fresh: dict) -> str:
    if "max_edition_lag_years" in fresh:
        return (f"stale when the newest edition held is more than {fresh['max_edition_lag_years']} "
                "year(s) behind the current year")
    if "max_age_days" in fresh:
        return f"stale when last loaded more than {fresh['max_age_days']} days ago"
    return "no rule: loaded when a user asks, never judged stale"


def suites_of(doc: dict) -> list[Path]:
    tables = doc["datasets"] if doc["family"] == "curated" else [doc["family"]]
    return [SUITES / f"{t}.yml" for t in tables if (SUITES / f"{t}.yml").exists()]


def source_page(folder: Path) -> tuple[str, dict, str]:
    text = (folder / "source.yml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    sid = doc["id"]
    edition = doc.get("edition") or {}
    inputs = doc.get("inputs") or [{"cli_name": doc.get("cli_name") or sid, "parser": doc["parser"]}]
    out = [f"# {doc['name']}", "", f"*Generated from `{rel(folder / 'source.yml')}` when the site is built.*", ""]
    if doc.get("description"):
        out += [cell(doc["description"]), ""]
    rows = [
        ("id", f"`{sid}`"),
        ("publisher", cell(doc["publisher"])),
        ("title", cell(doc["title"])),
        ("licence", cell(doc["licence"])),
        ("public", "yes" if doc.get("is_public") else "no (licensed: kept out of public exports)"),
        ("kind", cell(doc.get("source_type", "statistics"))),
    ]
    if doc.get("url"):
        rows.append(("URL", f"<{doc['url']}>"))
    if doc.get("doi_pattern"):
        rows.append(("DOI", f"`{doc['doi_pattern']}`"))
    if doc.get("date_published"):
        rows.append(("published", cell(doc["date_published"])))
    rows += [
        ("load a file", ", ".join(f"`tungsten ingest {i['cli_name']} FILE`" for i in inputs)),
        ("raw family", f"`raw.{doc['family']}`" if doc["family"] != "curated"
         else ", ".join(f"`raw.{d}`" for d in doc["datasets"])),
        ("datasets", ", ".join(f"`{d}`" for d in doc["datasets"])),
        ("edition", f"pattern `{edition.get('pattern', '')}`, e.g. `{edition.get('example', '')}`; "
                    f"years {years_rule(edition)}"),
        ("freshness", freshness_rule(doc.get("freshness") or {})),
    ]
    if doc.get("world_total"):
        rows.append(("world total", cell(f"{doc['world_total']} (production rank {doc.get('production_rank')} "
                                         "in source comparisons)")))
    if doc.get("flow_basis"):
        rows.append(("flow basis", cell(doc["flow_basis"])))
    snap = (doc.get("snapshot") or {}).get("inputs")
    if snap:
        rows.append(("snapshot built from", ", ".join(f"`{p}`" for p in snap) + " under the publisher folder"))
    out += ["| field | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows] + [""]

    out += ["## Editions", ""]
    editions = folder / "editions.csv"
    if editions.exists():
        out += [f"Known editions (`{rel(editions)}`):", "", "| edition | title | DOI | URL | published |",
                "|---|---|---|---|---|"]
        for e in read_csv(editions):
            url = f"<{e['url']}>" if e.get("url") else ""
            out.append(f"| {cell(e['vintage'])} | {cell(e.get('title'))} | {cell(e.get('doi'))} | {url} | "
                       f"{cell(e.get('date_published'))} |")
        out.append("")
    manifest = SNAPSHOT / sid / "manifest.json"
    if manifest.exists():
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        out += [f"In the embedded snapshot (`{rel(manifest)}`), loaded by every `tungsten refresh`:", "",
                "| edition | dataset | rows | original file | its sha256 |", "|---|---|---|---|---|"]
        for f in files:
            orig = f.get("original") or {}
            out.append(f"| {cell(f['vintage'])} | {cell(f['dataset'])} | {f['rows']:,} | {cell(orig.get('file_name'))} "
                       f"| `{str(orig.get('sha256', ''))[:12]}…` |")
        out.append("")
    else:
        out += ["Not in the embedded snapshot: loaded when a user gives a file "
                f"(`tungsten ingest {inputs[0]['cli_name']} FILE`).", ""]

    out += ["## Checks", "",
            "Every load is validated by the Great Expectations suite of its raw table before it counts "
            "([how a load is gated](../operations/guarantees.md#how-a-load-is-gated)):", ""]
    for suite in suites_of(doc):
        out += [f'??? note "`{rel(suite)}`"', "    ```yaml"]
        out += [f"    {line}" if line else "" for line in suite.read_text(encoding="utf-8").splitlines()]
        out += ["    ```", ""]
    checks = yaml_section(text, "checks")
    if checks:
        out += ["This source adds its own rules (`checks:` in its `source.yml`):", "", "```yaml", checks, "```", ""]

    out += ["## What the parser reads", ""]
    for i in inputs:
        module = parser_module(folder, i["parser"])
        out += [f"`tungsten ingest {i['cli_name']}` → `{rel(module)}`: {cell(first_paragraph(docstring(module)))}", ""]
    out += ["The formats each parser recognises are listed under "
            "[formats read](../guide/ingest.md#formats-read). The folder holds:", "",
            "| file | what |", "|---|---|"]
    for path in sorted(folder.iterdir()):
        if path.suffix == ".py":
            what = first_paragraph(docstring(path)) or "(package marker)"
        elif path.suffix == ".csv":
            rows_ = read_csv(path)
            columns = list(rows_[0]) if rows_ else path.read_text(encoding="utf-8").splitlines()[0].split(",")
            what = f"{len(rows_)} rows: " + ", ".join(columns)
        elif path.name == "source.yml":
            what = "this page's definition"
        else:
            continue
        out.append(f"| `{rel(path)}` | {cell(what)} |")
    return sid, doc, "\n".join(out) + "\n"


def sources_index(pages: list[tuple[str, dict]]) -> str:
    out = ["# Sources", "",
           "One folder per source under `ingest/sources/`; each page below is generated from the folder's "
           "`source.yml`, its editions and the embedded snapshot's manifest when the site is built. "
           "`tungsten sources` prints what the warehouse holds of each, and how fresh it is.", "",
           "| source | publisher | licence | raw family | command |", "|---|---|---|---|---|"]
    for sid, doc in pages:
        names = [i["cli_name"] for i in doc.get("inputs") or []] or [doc.get("cli_name") or sid]
        out.append(f"| [{cell(doc['name'])}]({sid}.md) | {cell(doc['publisher'])} | {cell(doc['licence'])} | "
                   f"`{doc['family']}` | {', '.join(f'`{n}`' for n in names)} |")
    return "\n".join(out) + "\n"


def add_to_nav(pages: list[tuple[str, dict]]) -> None:
    """List the source pages under the nav's Sources section (rebuilt, so a rebuild adds nothing twice)."""
    nav = mkdocs_gen_files.config["nav"] or []
    for item in nav:
        if isinstance(item, dict) and "Sources" in item:
            item["Sources"] = ["sources/index.md"] + [{doc["name"]: f"sources/{sid}.md"} for sid, doc in pages]


def register_cli() -> None:
    import typer

    from tungsten_cli.app import app

    module = types.ModuleType(CLI_MODULE, "The tungsten CLI as a click group, for mkdocs-click.")
    module.cli = typer.main.get_command(app)
    sys.modules[CLI_MODULE] = module


CLI_PAGE = f"""# Command reference

Generated from the `tungsten` command itself when the site is built: every command, argument and
option with its help text. `./bin/tungsten` is the same as `.venv/bin/tungsten` once installed.
What the commands do together, and their exit codes, is in the [user guide](../guide/commands.md).

::: mkdocs-click
    :module: {CLI_MODULE}
    :command: cli
    :prog_name: tungsten
    :depth: 1
    :style: plain
    :list_subcommands: true
"""


def main() -> None:
    pages = []
    for folder in sorted(p.parent for p in SOURCES.glob("*/source.yml")):
        sid, doc, page = source_page(folder)
        with mkdocs_gen_files.open(f"sources/{sid}.md", "w") as f:
            f.write(page)
        pages.append((sid, doc))
    with mkdocs_gen_files.open("sources/index.md", "w") as f:
        f.write(sources_index(pages))
    add_to_nav(pages)
    register_cli()
    with mkdocs_gen_files.open("reference/cli.md", "w") as f:
        f.write(CLI_PAGE)


main()
