"""The embedded snapshot is the project's own extract of the real files, reproducibly."""

import json

from conftest import REAL
from ingest.provenance import sha256_file
from ingest.snapshot import SNAPSHOT_DIR, build, load_manifest


def test_snapshot_is_reproducible_from_the_real_files(tmp_path):
    committed = {s.path.relative_to(SNAPSHOT_DIR).as_posix(): s.sha256 for s in load_manifest()}
    rebuilt = {e["path"]: e["sha256"] for e in build(REAL, tmp_path, accessed="2026-11-23")}
    assert rebuilt == committed


def test_manifest_provenance():
    files = load_manifest()
    assert {s.table for s in files} == {"usgs_mcs_world", "usgs_mcs_salient", "bgs_wms_production", "icmm_sites",
                                        "cmr_trade_flows"}
    vintages = {s.vintage for s in files if s.source_id == "usgs_mcs"}
    assert vintages == {"MCS2022", "MCS2023", "MCS2024", "MCS2025", "MCS2026"}
    for s in files:
        assert sha256_file(s.path) == s.sha256
        original = REAL / {"bgs_wms": "bgs", "usgs_mcs": "usgs", "icmm_gmd": "projects",
                           "cmr_comtrade": "trade"}[s.source_id] / s.original["file_name"]
        assert sha256_file(original) == s.original["sha256"]
        assert s.provenance["publisher"] and s.provenance["licence"] and s.provenance["date_accessed"]
        assert s.read().height == s.rows
    mcs25 = next(s for s in files if s.vintage == "MCS2025" and s.table == "usgs_mcs_world")
    assert mcs25.provenance["doi"] == "10.5066/P13XCP3R"
    assert "U.S. Geological Survey" in mcs25.provenance["publisher"]
    assert json.loads((SNAPSHOT_DIR / "manifest.json").read_text())["files"]
