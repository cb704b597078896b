"""The embedded snapshot is the project's own extract of the real files, reproducibly."""

import json

from geopolrisk_wheel import geopolrisk_wheel, publisher_dir
from integration_helpers import REAL

from ingest.families import raw_table
from ingest.locations import SNAPSHOT_DIR
from ingest.provenance import sha256_file
from ingest.snapshot import MANIFEST, build, load_manifest
from ingest.sources import all_sources, get


def committed_dates_accessed() -> dict[str, str]:
    """source id -> the date its committed snapshot's originals were accessed (one per source)."""
    dates: dict[str, set[str]] = {}
    for s in load_manifest():
        dates.setdefault(s.source_id, set()).add(s.provenance["date_accessed"])
    assert all(len(d) == 1 for d in dates.values()), dates
    return {k: v.pop() for k, v in dates.items()}


def tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_snapshot_is_reproducible_from_the_real_files(tmp_path):
    committed = {s.path.relative_to(SNAPSHOT_DIR).as_posix(): s.sha256 for s in load_manifest()}
    publisher_files = publisher_dir(tmp_path)
    rebuilt = {e["path"]: e["sha256"] for source_id, accessed in committed_dates_accessed().items()
               for e in build(publisher_files, tmp_path / "out", accessed=accessed, sources={source_id})}
    assert rebuilt == committed
    # byte for byte: every tidy file and every source's manifest.json
    assert tree(tmp_path / "out") == tree(SNAPSHOT_DIR)


def test_manifest_provenance():
    files = load_manifest()
    assert {(s.source_id, s.dataset) for s in files} == {
        ("usgs_mcs", "world"), ("usgs_mcs", "salient"), ("bgs_wms", "production"), ("icmm_gmd", "sites"),
        ("cmr_comtrade", "flows"), ("cepii_baci", "flows")} | {
        (s.id, d) for s in all_sources().values() if s.id in ("wmd", "wgi") for d in s.datasets}
    assert {"figures", "sites", "trade_flows"} <= {s.table for s in files}
    for s in files:
        assert s.table == raw_table(get(s.source_id).family, s.dataset)
        assert s.path.parent == SNAPSHOT_DIR / s.source_id
    vintages = {s.vintage for s in files if s.source_id == "usgs_mcs"}
    assert vintages == {"MCS2022", "MCS2023", "MCS2024", "MCS2025", "MCS2026"}
    for s in files:
        assert sha256_file(s.path) == s.sha256
        folder = {"bgs_wms": "bgs", "usgs_mcs": "usgs", "icmm_gmd": "projects", "cmr_comtrade": "trade"}
        original = (REAL / folder[s.source_id] / s.original["file_name"] if s.source_id in folder
                    else geopolrisk_wheel())
        assert sha256_file(original) == s.original["sha256"]
        assert s.provenance["publisher"] and s.provenance["licence"] and s.provenance["date_accessed"]
        assert s.read().height == s.rows
    mcs25 = next(s for s in files if s.vintage == "MCS2025" and s.source_id == "usgs_mcs" and s.dataset == "world")
    assert mcs25.provenance["doi"] == "10.5066/P13XCP3R"
    assert "U.S. Geological Survey" in mcs25.provenance["publisher"]
    # one manifest per source folder, naming its source and listing its files
    folders = sorted(p.name for p in SNAPSHOT_DIR.iterdir() if p.is_dir())
    assert folders and set(folders) <= set(all_sources())
    for folder in folders:
        doc = json.loads((SNAPSHOT_DIR / folder / MANIFEST).read_text())
        assert doc["source_id"] == folder and doc["files"]
