"""Live fetch from the UN Comtrade API (v1, final annual data, HS) for the tungsten codes.

The key comes from COMTRADE_API_KEY (sent as the Ocp-Apim-Subscription-Key header); a
missing key stops before any call, an invalid one (HTTP 401/403) is named as such. The
API's limits (reference/comtrade_api.csv: 100,000 records a call and 500 calls a day on
the free subscription, one call a second) are respected: one call per year for all
reporters, partners and tungsten codes; a response that reaches the record limit may be
cut, so that year is asked again code by code; calls are spaced; the daily budget is
checked before starting. Every response is saved whole (then landed by the loader) before
anything parses it. Timeouts, and retries with backoff on 429 and 5xx, come from
ingest/http.py. TUNGSTEN_COMTRADE_URL points the client elsewhere (tests use a loopback
server).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.http import FetchError, HttpSettings, get_bytes
from ingest.sources import folder_table

KEY_ENV = "COMTRADE_API_KEY"


@cache
def api_settings() -> dict[str, str]:
    return {r["setting"]: r["value"] for r in folder_table(__file__, "api_limits")}


def base_url() -> str:
    return os.environ.get("TUNGSTEN_COMTRADE_URL", api_settings()["base_url"]).rstrip("?")


def api_key() -> str:
    key = os.environ.get(KEY_ENV, "").strip()
    if not key:
        raise FetchError(f"{KEY_ENV} is not set: the UN Comtrade API needs a subscription key. Get one (free) at "
                         "https://comtradedeveloper.un.org (product comtrade-v1), then export "
                         f"{KEY_ENV}=<key>. Nothing was fetched.")
    return key


def parse_years(text: str) -> list[int]:
    """'2018-2022' or '2022' or '2019,2021' -> years."""
    years: list[int] = []
    try:
        for part in text.split(","):
            a, _, b = part.strip().partition("-")
            years += list(range(int(a), int(b or a) + 1))
    except ValueError:
        raise ValueError(f"--years {text!r}: expected a year, a range such as 2018-2022, or a comma-separated list") from None
    if not years or min(years) < 1962 or max(years) > dt.date.today().year:
        raise ValueError(f"--years {text!r}: years must lie between 1962 and {dt.date.today().year}")
    return sorted(set(years))


@dataclass(frozen=True)
class Saved:
    path: Path
    vintage: str
    records: int


class Client:
    """Spaces calls, counts them against the day's budget, and turns HTTP errors into clear ones."""

    def __init__(self, settings: HttpSettings | None = None, sleep: Callable[[float], None] = time.sleep):
        cfg = api_settings()
        self.key = api_key()
        self.settings = settings
        self.max_records = int(os.environ.get("TUNGSTEN_COMTRADE_MAX_RECORDS", cfg["max_records"]))
        self.calls_per_day = int(cfg["calls_per_day"])
        self.min_interval = float(os.environ.get("TUNGSTEN_COMTRADE_MIN_INTERVAL", cfg["min_interval_s"]))
        self.sleep = sleep
        self.calls = 0
        self._last = 0.0

    def get(self, year: int, codes: list[str]) -> bytes:
        if self.calls >= self.calls_per_day:
            raise FetchError(f"stopped at {self.calls} calls: the free Comtrade subscription allows {self.calls_per_day} a day")
        wait = self._last + self.min_interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        params = {"period": str(year), "cmdCode": ",".join(codes), "flowCode": api_settings()["flow_codes"],
                  "partner2Code": "0", "customsCode": "C00", "motCode": "0", "maxRecords": str(self.max_records),
                  "format": "JSON", "includeDesc": "true", "breakdownMode": "classic"}
        try:
            return get_bytes(base_url(), params=params, headers={api_settings()["key_header"]: self.key},
                             settings=self.settings)
        except FetchError as exc:
            if exc.status in (401, 403):
                raise FetchError(f"the UN Comtrade API refused the key in {KEY_ENV} (HTTP {exc.status}): it is invalid, "
                                 "expired or not subscribed to comtrade-v1. Nothing was loaded.", exc.status) from exc
            raise
        finally:
            self.calls += 1
            self._last = time.monotonic()


def _records(body: bytes, what: str) -> int:
    """How many records a response holds; a body that is not the API's JSON is a FetchError."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError(f"{what}: the response is not complete JSON (truncated?): {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        keys = sorted(doc)[:8] if isinstance(doc, dict) else type(doc).__name__
        raise FetchError(f"{what}: the response has no 'data' list (keys: {keys})")
    if doc.get("error"):
        raise FetchError(f"{what}: the API says: {doc['error']}")
    return len(doc["data"])


def fetch_years(years: list[int], dest: Path, *, settings: HttpSettings | None = None,
                progress: Callable[[str], None] = lambda _m: None, client: Client | None = None) -> list[Saved]:
    """Fetch each year (split by HS code when a year reaches the record limit); save each response."""
    client = client or Client(settings)
    codes = api_settings()["hs_codes"].split(",")
    if len(years) > client.calls_per_day:
        raise FetchError(f"{len(years)} years need at least {len(years)} calls; the free subscription allows "
                         f"{client.calls_per_day} a day")
    dest.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    saved: list[Saved] = []
    for year in years:
        batches = [codes]
        while batches:
            batch = batches.pop(0)
            label = "all" if batch == codes else "-".join(batch)
            progress(f"Comtrade {year}, HS {label}")
            body = client.get(year, batch)
            n = _records(body, f"Comtrade {year} HS {label}")
            if n >= client.max_records:
                if len(batch) == 1:
                    raise FetchError(f"Comtrade {year} HS {batch[0]}: {n} records reach the limit of {client.max_records} "
                                     "a call, so the answer may be cut; narrow the query (by reporter) or use bulk files")
                batches = [[c] for c in batch] + batches
                continue
            vintage = f"api-{year}-{label}"
            path = dest / f"comtrade_{vintage}_{stamp}.json"
            tmp = path.with_suffix(".json.partial")
            tmp.write_bytes(body)
            tmp.replace(path)
            saved.append(Saved(path, vintage, n))
    return saved
