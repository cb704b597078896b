"""Live fetch of the political stability indicator (PV.EST and PV.STD.ERR, every economy and
year) from the World Bank Indicators API v2, source 3 (the WGI database); settings in api.csv.

Plain httpx through ingest/http.py rather than the `wbgapi` package: wbgapi calls
requests.get with no timeout and no retry (a stalled server hangs it, a 429 or 500 is at once
an error), while get_bytes has timeouts and retries with backoff on 429, 5xx and truncated
bodies (TUNGSTEN_HTTP_TIMEOUT, TUNGSTEN_HTTP_ATTEMPTS, TUNGSTEN_HTTP_BACKOFF). Every page is
checked to be the API's complete JSON, then all pages are saved whole as one file (a list of
the pages as the API sent them, `[header, records]` each), which the loader lands and parses
through the same gate as the packaged file. An API error message, a body that is not complete
JSON, or an answer with no records is a FetchError that names the URL; nothing is saved then.
TUNGSTEN_WORLDBANK_URL points the client elsewhere (tests use a loopback server).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

from ingest.http import FetchError, HttpSettings, get_bytes
from ingest.sources import folder_table


@cache
def api_settings() -> dict[str, str]:
    return {r["setting"]: r["value"] for r in folder_table(__file__, "api")}


def base_url() -> str:
    return os.environ.get("TUNGSTEN_WORLDBANK_URL", api_settings()["base_url"]).rstrip("/")


def _page(body: bytes, url: str) -> tuple[dict, list]:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"GET {url}: the response is not complete JSON (truncated?): {exc}") from exc
    if not (isinstance(doc, list) and doc and isinstance(doc[0], dict)):
        raise FetchError(f"GET {url}: not a World Bank API answer (expected [header, records], got "
                         f"{type(doc).__name__})")
    header = doc[0]
    if header.get("message"):
        raise FetchError(f"GET {url}: the API says: {json.dumps(header['message'])[:300]}")
    records = doc[1] if len(doc) > 1 else None
    if records is not None and not isinstance(records, list):
        raise FetchError(f"GET {url}: the records are not a list")
    return header, records or []


def fetch_indicator(indicator: str, *, settings: HttpSettings | None = None,
                    progress: Callable[[str], None] = lambda _m: None) -> list:
    """Every page of one indicator for every economy and year, as the API sent them (parsed)."""
    cfg = api_settings()
    url = f"{base_url()}/country/all/indicator/{indicator}"
    years = f"{cfg['first_year']}:{dt.date.today().year}"
    pages, page, total = [], 1, None
    while True:
        progress(f"World Bank API: {indicator}, page {page}")
        params = {"source": cfg["source"], "format": "json", "per_page": cfg["per_page"], "date": years, "page": str(page)}
        body = get_bytes(url, params=params, settings=settings)
        header, records = _page(body, url)
        pages.append(json.loads(body))
        total = int(header.get("pages") or 1)
        if page >= total:
            break
        if page >= int(cfg["max_pages"]):
            raise FetchError(f"GET {url}: the API announces {total} pages; stopped at {page} "
                             f"(api.csv max_pages {cfg['max_pages']})")
        page += 1
    if not any(p[1] for p in pages if len(p) > 1):
        raise FetchError(f"GET {url}: the API answered with no {indicator} records for {years}: nothing to load")
    return pages


def fetch_political_stability(dest: Path, *, settings: HttpSettings | None = None,
                              progress: Callable[[str], None] = lambda _m: None) -> Path:
    """Fetch PV.EST and PV.STD.ERR and save them as one file in dest; returns its path."""
    cfg = api_settings()
    pages = []
    for indicator in (cfg["estimate"], cfg["std_err"]):
        pages += fetch_indicator(indicator, settings=settings, progress=progress)
    dest.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = dest / f"wgi_PV_api_{stamp}.json"
    tmp = path.with_suffix(".json.partial")
    tmp.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
