"""Live fetch of USGS Mineral Commodity Summaries data releases from ScienceBase.

An edition's data release is a ScienceBase item (editions.csv beside this file, column
sciencebase_item); its JSON (`<catalog>/item/<id>?format=json`) lists the files with their
download URLs. The files a tungsten warehouse wants are picked by name pattern and saved
whole before anything parses them. The catalog address can be moved with
TUNGSTEN_SCIENCEBASE_URL (tests point it at a loopback server).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.http import FetchError, HttpSettings, get_bytes
from ingest.sources import folder_table

DEFAULT_CATALOG = "https://www.sciencebase.gov/catalog"
# Files of a data release the warehouse reads: the world data, the tungsten files, the long format.
WANTED = re.compile(r"(world.?data|tungs|commodities.?data)[^/]*\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteFile:
    name: str
    url: str
    size: int | None


def catalog_url() -> str:
    return os.environ.get("TUNGSTEN_SCIENCEBASE_URL", DEFAULT_CATALOG).rstrip("/")


def latest_edition() -> str:
    """The newest edition with a ScienceBase item in editions.csv."""
    return max(r["vintage"] for r in folder_table(__file__, "editions") if r.get("sciencebase_item"))


def item_for(edition: str) -> str:
    row = next((r for r in folder_table(__file__, "editions") if r["vintage"] == edition), None)
    if row is None or not row.get("sciencebase_item"):
        known = [r["vintage"] for r in folder_table(__file__, "editions") if r.get("sciencebase_item")]
        raise FetchError(f"no ScienceBase item known for {edition}; add it to ingest/sources/usgs_mcs/editions.csv "
                         f"or pass --item (editions with an item: {known})")
    return row["sciencebase_item"]


def list_files(item: str, settings: HttpSettings | None = None) -> list[RemoteFile]:
    url = f"{catalog_url()}/item/{item}"
    body = get_bytes(url, params={"format": "json"}, settings=settings)
    try:
        doc = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FetchError(f"GET {url}: the item is not JSON ({exc.msg} at byte {exc.pos})") from exc
    files = doc.get("files")
    if not isinstance(files, list):
        raise FetchError(f"GET {url}: no 'files' list in the item (keys: {sorted(doc)[:10]})")
    return [RemoteFile(f.get("name", ""), f.get("url") or f.get("downloadUri", ""), f.get("size")) for f in files
            if f.get("name") and (f.get("url") or f.get("downloadUri"))]


def fetch_edition(edition: str, dest: Path, *, item: str | None = None, settings: HttpSettings | None = None) -> list[Path]:
    """Download the wanted files of an edition's data release into dest; returns their paths."""
    item = item or item_for(edition)
    wanted = [f for f in list_files(item, settings) if WANTED.search(f.name)]
    if not wanted:
        raise FetchError(f"ScienceBase item {item} ({edition}) lists no world, tungsten or commodities CSV")
    dest.mkdir(parents=True, exist_ok=True)
    saved = []
    for f in wanted:
        data = get_bytes(f.url, settings=settings)
        if f.size is not None and int(f.size) != len(data):
            raise FetchError(f"{f.url}: got {len(data)} bytes, the item says {f.size}")
        path = dest / Path(f.name).name
        tmp = path.with_suffix(path.suffix + ".partial")
        tmp.write_bytes(data)
        tmp.replace(path)
        saved.append(path)
    return saved
