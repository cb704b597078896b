"""Sources as folders: every source.yml loads and is consistent with the parsers, the raw
families and the command names; a broken source.yml is refused naming its file. Reads only
the project's own tree (no publisher files)."""

from __future__ import annotations

import pytest

import ingest.sources as sources
from ingest.errors import ParseError
from ingest.families import raw_table, table_schemas
from ingest.sources import (
    FAMILIES,
    REQUIRED_KEYS,
    SOURCES_DIR,
    SourceDefinitionError,
    all_sources,
    command_names,
    get,
    resolve_command_name,
)

VALID = {
    "id": "test_src",
    "name": "Test source",
    "publisher": "Nobody",
    "title": "A test source",
    "licence": "none",
    "is_public": "true",
    "family": "figures",
    "datasets": "[world]",
    "edition": "\n  pattern: '^T(?P<year>\\d{4})$'\n  example: T2020",
    "parser": "parse",
}


def write_source(root, folder: str, **changes) -> object:
    """A source folder under root with a source.yml of VALID's keys (changes: value, or None to drop)."""
    doc = {**VALID, **changes}
    text = "".join(f"{k}: {v}\n" for k, v in doc.items() if v is not None)
    path = root / folder / "source.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def source_folders() -> list:
    return sorted(p for p in SOURCES_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


# --- the real source folders -----------------------------------------------------------

def test_every_source_folder_has_a_source_yml_that_loads():
    folders = source_folders()
    assert folders
    by_folder = {s.folder: s for s in all_sources().values()}
    for folder in folders:
        assert (folder / "source.yml").is_file(), folder
        assert folder in by_folder, f"{folder}/source.yml did not load"
    assert len(all_sources()) == len(folders)


def test_source_ids_are_unique():
    ids = [s.id for s in all_sources().values()]
    assert len(ids) == len(set(ids)) == len(source_folders())
    assert all(get(i).id == i for i in ids)


def test_each_parser_is_importable_and_callable():
    for src in all_sources().values():
        assert src.inputs, src.id
        for inp in src.inputs:
            assert callable(src.parser(inp.cli_name)), (src.id, inp.cli_name, inp.parser)


def test_every_dataset_has_a_raw_table():
    tables = table_schemas()
    for src in all_sources().values():
        assert src.family in FAMILIES
        assert src.datasets, src.id
        for dataset in src.datasets:
            assert raw_table(src.family, dataset) in tables, (src.id, dataset)


def test_ids_and_cli_names_resolve():
    for src in all_sources().values():
        for inp in src.inputs:
            assert resolve_command_name(inp.cli_name) == (src, inp.cli_name)
        if len(src.inputs) == 1:
            assert resolve_command_name(src.id) == (src, src.inputs[0].cli_name)
    assert resolve_command_name("usgs")[0].id == "usgs_mcs"
    assert resolve_command_name("bgs_wms")[0].id == "bgs_wms"
    with pytest.raises(KeyError, match="unknown source"):
        resolve_command_name("no_such_source")


def test_year_windows():
    assert get("usgs_mcs").year_window("MCS2026") == (2020, 2025)
    assert get("bgs_wms").year_window("BGS2023") == (1970, 2023)


def test_check_edition_refuses_a_malformed_edition():
    src = get("usgs_mcs")
    assert src.check_edition("MCS2026", "x.csv") == "MCS2026"
    with pytest.raises(ParseError, match="MCSX") as exc:
        src.check_edition("MCSX", "mcs2025-tungs_world.csv")
    assert exc.value.file == "mcs2025-tungs_world.csv"
    assert "mcs2025-tungs_world.csv" in str(exc.value)


# --- source.yml files built in tmp_path ------------------------------------------------

def test_a_valid_tmp_source_loads(tmp_path):
    write_source(tmp_path, "a")
    found = all_sources.__wrapped__(tmp_path)
    assert list(found) == ["test_src"]
    src = found["test_src"]
    assert (src.family, src.datasets, src.inputs[0].cli_name) == ("figures", ("world",), "test_src")


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_missing_required_key_names_the_file(tmp_path, key):
    path = write_source(tmp_path, "a", **{key: None})
    with pytest.raises(SourceDefinitionError, match=rf"missing keys \[.*'{key}'") as exc:
        all_sources.__wrapped__(tmp_path)
    assert str(path) in str(exc.value)


def test_bad_family_names_the_file(tmp_path):
    path = write_source(tmp_path, "a", family="gossip")
    with pytest.raises(SourceDefinitionError, match="gossip") as exc:
        all_sources.__wrapped__(tmp_path)
    assert str(path) in str(exc.value)


def test_duplicate_id_names_the_file(tmp_path):
    write_source(tmp_path, "a")
    second = write_source(tmp_path, "b")
    with pytest.raises(SourceDefinitionError, match="already used") as exc:
        all_sources.__wrapped__(tmp_path)
    assert str(second) in str(exc.value)


def test_a_cli_name_claimed_by_two_sources_resolves_to_neither(tmp_path, monkeypatch):
    write_source(tmp_path, "a", id="one_src", cli_name="dup")
    write_source(tmp_path, "b", id="two_src", cli_name="dup")
    two = all_sources.__wrapped__(tmp_path)
    assert set(two) == {"one_src", "two_src"}
    monkeypatch.setattr(sources, "all_sources", lambda: two)
    names = command_names()
    assert "dup" not in names
    assert names["one_src"] == (two["one_src"], "dup") and names["two_src"] == (two["two_src"], "dup")
    with pytest.raises(KeyError, match="several sources") as exc:
        resolve_command_name("dup")
    assert "one_src" in str(exc.value) and "two_src" in str(exc.value)
    assert resolve_command_name("one_src")[0] is two["one_src"]

