"""HTTP for live fetches: httpx with timeouts, and tenacity retries with backoff on 429, 5xx
and broken connections (honouring Retry-After). Every failure ends in FetchError, whose
message names the URL and what went wrong, never a bare traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import httpx
from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

RETRY_STATUS = {429, 500, 502, 503, 504}
USER_AGENT = "tungsten-warehouse/0.1 (open tungsten market-intelligence warehouse)"


class FetchError(RuntimeError):
    """A fetch that failed for good (after retries where retrying made sense)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def _env(name: str, default: str) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class HttpSettings:
    """Timeout per request, attempts in all, and the first backoff (doubling, capped)."""

    timeout_s: float = field(default_factory=lambda: _env("TUNGSTEN_HTTP_TIMEOUT", "60"))
    attempts: int = field(default_factory=lambda: int(_env("TUNGSTEN_HTTP_ATTEMPTS", "5")))
    backoff_s: float = field(default_factory=lambda: _env("TUNGSTEN_HTTP_BACKOFF", "2"))
    max_backoff_s: float = 60.0


def _wait(settings: HttpSettings):
    exp = wait_exponential(multiplier=settings.backoff_s, max=settings.max_backoff_s)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, settings.max_backoff_s)
        return exp(state)

    return wait


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def get_bytes(url: str, *, params: dict | None = None, headers: dict | None = None,
              settings: HttpSettings | None = None, client: httpx.Client | None = None) -> bytes:
    """GET url and return the whole body, retrying what is worth retrying."""
    settings = settings or HttpSettings()
    own = client is None
    client = client or httpx.Client(timeout=settings.timeout_s, follow_redirects=True,
                                    headers={"User-Agent": USER_AGENT})

    @retry(stop=stop_after_attempt(settings.attempts), wait=_wait(settings),
           retry=retry_if_exception(lambda e: isinstance(e, _Retryable)), reraise=True)
    def attempt() -> bytes:
        try:
            with client.stream("GET", url, params=params, headers=headers) as response:
                if response.status_code in RETRY_STATUS:
                    raise _Retryable(f"HTTP {response.status_code}", _retry_after(response))
                if response.status_code >= 400:
                    body = response.read()[:300].decode("utf-8", "replace")
                    raise FetchError(f"GET {url}: HTTP {response.status_code}: {body}", response.status_code)
                data = response.read()
                expected = response.headers.get("Content-Length")
                if expected is not None and expected.isdigit() and int(expected) != len(data):
                    raise _Retryable(f"truncated body: {len(data)} of {expected} bytes")
                return data
        except httpx.TimeoutException as exc:
            raise _Retryable(f"timed out after {settings.timeout_s:g} s ({type(exc).__name__})") from exc
        except (httpx.TransportError, httpx.DecodingError) as exc:
            raise _Retryable(f"connection failed: {exc}") from exc

    try:
        return attempt()
    except _Retryable as exc:
        raise FetchError(f"GET {url}: {exc} (gave up after {settings.attempts} attempts)") from exc
    finally:
        if own:
            client.close()
