"""The embedded snapshot: the project's own tidy extract of the real publisher files.

`tungsten snapshot build DIR` parses the publisher files in DIR (usgs/, bgs/) with the
project's parsers and writes one tidy CSV per (raw table, edition) under data/snapshot/,
with manifest.json recording each original's provenance (publisher, edition, DOI, date
published, licence, sha256 and size of the original bytes). The default daily run loads
these files; no publisher file is copied into the repository. (The curated claims and
projects in data/curated/ are the project's own files and are loaded as they are.)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.provenance import sha256_file
from ingest.reference import table
from ingest.registry import TABLE_SCHEMAS, parse_file, raw_table
from ingest.tidy import ParsedFile

SNAPSHOT_DIR = Path(__file__).resolve().parent.parent / "data" / "snapshot"
MANIFEST = "manifest.json"
# parser -> (folder under the source dir, file name pattern). Only the trade aggregate of
# tungsten goes into the snapshot: the real Comtrade and ITC samples are other products.
SOURCE_DIRS = {"usgs": ("usgs", "*"), "bgs": ("bgs", "*"), "icmm": ("projects", "*"),
               "cmr": ("trade", "critical-minerals-replication*.json")}
FILE_SUFFIXES = {".csv", ".json", ".geojson", ".xlsx"}


@dataclass(frozen=True)
class SnapshotFile:
    """One tidy snapshot file and what the manifest says of it."""

    path: Path
    table: str
    source_id: str
    vintage: str
    sha256: str
    rows: int
    original: dict
    provenance: dict

    def read(self) -> pl.DataFrame:
        return pl.read_csv(self.path, schema=TABLE_SCHEMAS[self.table])


def provenance_for(source_id: str, vintage: str) -> dict:
    """Publisher-level and edition-level metadata from ingest/reference (sources, editions)."""
    src = next((r for r in table("sources") if r["source_id"] == source_id), None)
    if src is None:
        raise KeyError(f"source {source_id!r} is not in reference/sources.csv")
    ed = next((r for r in table("editions") if r["source_id"] == source_id and r["vintage"] == vintage), {})
    return {
        "publisher": src["publisher"],
        "title": ed.get("title") or src["title"],
        "doi": ed.get("doi") or None,
        "url": ed.get("url") or src["url"],
        "date_published": ed.get("date_published") or None,
        "licence": src["licence"],
        "is_public": src["is_public"] == "true",
    }


def build(source_dir: Path, out_dir: Path = SNAPSHOT_DIR, *, accessed: str | None = None) -> list[dict]:
    """Parse every publisher file under source_dir/{usgs,bgs,projects} and write the snapshot."""
    accessed = accessed or dt.date.today().isoformat()
    parsed: list[tuple[str, Path, ParsedFile]] = []
    for source, (sub, pattern) in SOURCE_DIRS.items():
        for path in sorted((source_dir / sub).glob(pattern)):
            if path.suffix.lower() in FILE_SUFFIXES:
                parsed.append((source, path, parse_file(source, path)))
    if not parsed:
        raise FileNotFoundError(f"no publisher files under {source_dir}/{{usgs,bgs}}")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*/*.csv"):
        old.unlink()
    entries, seen = [], {}
    for source, path, pf in parsed:
        for dataset, frame in pf.frames.items():
            tbl = raw_table(pf.source_id, dataset)
            key = (tbl, pf.vintage)
            if key in seen:
                raise ValueError(f"{path.name} and {seen[key]} both give {tbl} {pf.vintage}")
            seen[key] = path.name
            rel = Path(tbl) / f"{pf.vintage}.csv"
            (out_dir / tbl).mkdir(exist_ok=True)
            frame.sort([c for c in ("source_line", "source_column") if c in frame.columns]).write_csv(out_dir / rel)
            entries.append({
                "path": rel.as_posix(),
                "table": tbl,
                "source_id": pf.source_id,
                "vintage": pf.vintage,
                "rows": frame.height,
                "sha256": sha256_file(out_dir / rel),
                "original": {
                    "file_name": path.name,
                    "sha256": pf.sha256,
                    "bytes": path.stat().st_size,
                    "encoding": pf.encoding,
                    "format": pf.format,
                },
                "provenance": {**provenance_for(pf.source_id, pf.vintage), "date_accessed": accessed},
            })
    entries.sort(key=lambda e: e["path"])
    manifest = {
        "description": "Tidy extract of real publisher files, written by `tungsten snapshot build`. "
                       "Each entry names the original file and its sha256; the originals are not in this repository.",
        "files": entries,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return entries


def load_manifest(snapshot_dir: Path = SNAPSHOT_DIR) -> list[SnapshotFile]:
    manifest_path = snapshot_dir / MANIFEST
    if not manifest_path.exists():
        raise FileNotFoundError(f"no snapshot manifest at {manifest_path}; run `tungsten snapshot build DIR`")
    doc = json.loads(manifest_path.read_text(encoding="utf-8"))
    return [
        SnapshotFile(snapshot_dir / e["path"], e["table"], e["source_id"], e["vintage"], e["sha256"], e["rows"],
                     e["original"], e["provenance"])
        for e in doc["files"]
    ]
