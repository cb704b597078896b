"""The embedded snapshot: the project's own tidy extract of the real publisher files.

`tungsten snapshot build DIR` parses the publisher files in DIR that each source's
source.yml names (snapshot inputs) with the project's parsers and writes, per source,
data/snapshot/<source_id>/ with one tidy CSV per (edition, dataset) (gzipped when over 1 MiB) and a manifest.json
recording each original's provenance (publisher, edition, DOI, date published, licence,
sha256 and size of the original bytes). The default daily run loads
these files; no publisher file is copied into the repository. (The curated claims and
projects in data/curated/ are the project's own files and are loaded as they are.)
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.chunks import FrameChunks
from ingest.families import raw_table, table_schemas
from ingest.locations import SNAPSHOT_DIR
from ingest.provenance import sha256_file
from ingest.registry import parse_file
from ingest.sources import Source, all_sources
from ingest.tidy import ParsedFile

MANIFEST = "manifest.json"
GZIP_OVER_BYTES = 1 << 20  # a tidy file larger than this is stored gzipped (deterministically: no mtime)
FILE_SUFFIXES = {".csv", ".json", ".geojson", ".xlsx", ".whl", ".db"}


@dataclass(frozen=True)
class SnapshotFile:
    """One tidy snapshot file and what its source's manifest says of it."""

    path: Path
    source_id: str
    dataset: str
    table: str
    vintage: str
    sha256: str
    rows: int
    original: dict
    provenance: dict

    def read(self) -> pl.DataFrame:
        return pl.read_csv(self.path, schema=table_schemas()[self.table])


def _inputs(source: Source, source_dir: Path) -> list[Path]:
    """The publisher files under source_dir that source.yml's snapshot inputs name."""
    found: list[Path] = []
    for pattern in source.snapshot_inputs:
        found += [p for p in sorted(source_dir.glob(pattern)) if p.suffix.lower() in FILE_SUFFIXES]
    return found


def build(source_dir: Path, out_dir: Path = SNAPSHOT_DIR, *, accessed: str | None = None,
          sources: set[str] | None = None) -> list[dict]:
    """Parse the publisher files each source's snapshot inputs name under source_dir, and write
    data/snapshot/<source_id>/ (tidy CSV per edition and dataset, and its manifest.json); only
    the sources named (ids), if any, are rebuilt."""
    accessed = accessed or dt.date.today().isoformat()
    parsed: dict[str, list[tuple[Path, ParsedFile]]] = {}
    for source in all_sources().values():
        if sources is not None and source.id not in sources:
            continue
        for path in _inputs(source, source_dir):
            parsed.setdefault(source.id, []).append((path, parse_file(source.id, path)))
    if not parsed:
        raise FileNotFoundError(f"no publisher files under {source_dir} match any source's snapshot inputs")
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for source_id, files in parsed.items():
        source = all_sources()[source_id]
        folder = out_dir / source_id
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.csv"):
            old.unlink()
        for old in folder.glob("*.csv.gz"):
            old.unlink()
        own, seen = [], {}
        for path, pf in files:
            for dataset, frame in pf.frames.items():
                if isinstance(frame, FrameChunks):  # a streamed file: its tidy extract is small
                    frame = frame.collect()
                key = (dataset, pf.vintage)
                if key in seen:
                    raise ValueError(f"{path.name} and {seen[key]} both give {source_id} {dataset} {pf.vintage}")
                seen[key] = path.name
                text = frame.sort([c for c in ("source_line", "source_column") if c in frame.columns]).write_csv().encode()
                name = f"{pf.vintage}.{dataset}.csv"
                if len(text) > GZIP_OVER_BYTES:  # kept small in the repository; polars reads it as it is
                    name, text = name + ".gz", gzip.compress(text, compresslevel=9, mtime=0)
                (folder / name).write_bytes(text)
                own.append({
                    "path": name, "dataset": dataset, "vintage": pf.vintage, "rows": frame.height,
                    "sha256": sha256_file(folder / name),
                    "original": {"file_name": path.name, "sha256": pf.sha256, "bytes": path.stat().st_size,
                                 "encoding": pf.encoding, "format": pf.format},
                    "provenance": {**source.provenance(pf.vintage), "date_accessed": accessed},
                })
        own.sort(key=lambda e: e["path"])
        manifest = {
            "source_id": source_id,
            "description": "Tidy extract of real publisher files, written by `tungsten snapshot build`. "
                           "Each entry names the original file and its sha256; the originals are not in this repository.",
            "files": own,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        entries += [{**e, "path": f"{source_id}/{e['path']}", "source_id": source_id} for e in own]
    return entries


def load_manifest(snapshot_dir: Path = SNAPSHOT_DIR, sources: set[str] | None = None) -> list[SnapshotFile]:
    """The snapshot files of every known source that has a folder under snapshot_dir (or of some)."""
    if not snapshot_dir.is_dir():
        raise FileNotFoundError(f"no snapshot folder at {snapshot_dir}; run `tungsten snapshot build DIR`")
    out = []
    for source in all_sources().values():
        if sources is not None and source.id not in sources:
            continue
        manifest_path = snapshot_dir / source.id / MANIFEST
        if not manifest_path.exists():
            continue
        doc = json.loads(manifest_path.read_text(encoding="utf-8"))
        out += [SnapshotFile(manifest_path.parent / e["path"], source.id, e["dataset"], raw_table(source.family, e["dataset"]),
                             e["vintage"], e["sha256"], e["rows"], e["original"], e["provenance"])
                for e in doc["files"]]
    return out
