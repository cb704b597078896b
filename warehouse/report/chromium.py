"""Open the report in headless Chromium, network off, and say what a reader would see: each
chart's drawn items (from the page's own window.__report), console errors, any request the page
tried to make, the render time, and screenshots. The tests and the benchmark use it; it speaks
the DevTools protocol over a websocket (the `websockets` package), so it needs nothing but
Debian's `chromium` (CHROMIUM names another binary)."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ALLOWED_SCHEMES = ("data:", "blob:", "about:")


class ChromiumMissing(RuntimeError):
    pass


def chromium_binary() -> str:
    """The Chromium to run, or ChromiumMissing saying how to install it."""
    for name in filter(None, (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome")):
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumMissing("no Chromium found: install Debian's `chromium` (apt-get install chromium) or set CHROMIUM")


@dataclass
class PageCheck:
    """What the page did when opened."""

    report: dict  # window.__report: charts {id: {items, marks, error}}, errors, renderMs
    figures: list[dict]  # every <figure>: id, kind, status (drawn/table/empty/error), rendered, box
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # URLs other than the report itself and data:/blob:
    failed_requests: list[str] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)
    load_ms: float = 0.0  # navigation to every chart drawn, by the page's own clock
    # per chart id, what a reader reads on it: axis labels (text and box), legend entries (label,
    # symbol shape and colour), facet headers and axis titles, as drawn in the SVG
    texts: dict[str, dict] = field(default_factory=dict)


class _Cdp:
    """A minimal DevTools client: commands with ids, events collected as they come."""

    def __init__(self, ws_url: str):
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=20)
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        mid = next(self.ids)
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            data = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if data.get("id") == mid:
                if "error" in data:
                    raise RuntimeError(f"{method}: {data['error'].get('message')}")
                return data.get("result", {})
            if "method" in data:
                self.events.append(data)

    def close(self) -> None:
        self.ws.close()


def _launch(profile: Path, width: int) -> tuple[subprocess.Popen, str]:
    args = [chromium_binary(), "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--allow-file-access-from-files", f"--window-size={width},900", "about:blank"]
    if os.geteuid() == 0:  # Chromium refuses to run as root with its sandbox
        args.insert(1, "--no-sandbox")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if port_file.exists() and len(lines := port_file.read_text().split()) >= 2:
            return proc, f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        if proc.poll() is not None:
            raise RuntimeError(f"Chromium exited at start (status {proc.returncode})")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("Chromium did not open its DevTools port within 30 s")


_FIGURES_JS = """JSON.stringify([...document.querySelectorAll('figure.figure')].map(f => {
  const r = f.getBoundingClientRect();
  return {id: f.id.replace(/^chart-/, ''), kind: f.dataset.kind, status: f.dataset.status,
          rendered: f.dataset.rendered || null, svg: f.querySelectorAll('svg').length,
          box: {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height}};
}))"""


_TEXTS_JS = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('figure.figure')].map(f => {
  const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const shown = e => e.getAttribute('opacity') !== '0' && getComputedStyle(e).opacity !== '0';
  const texts = sel => [...f.querySelectorAll(sel)].filter(shown).map(e => ({text: e.textContent, box: box(e)}));
  const legends = [...f.querySelectorAll('.role-legend')].map(g => {
    const symbols = [...g.querySelectorAll('.role-legend-symbol path')];
    return [...g.querySelectorAll('.role-legend-label text')].map((t, i) => ({
      label: t.textContent, shape: symbols[i] ? symbols[i].getAttribute('d') : null,
      fill: symbols[i] ? symbols[i].getAttribute('fill') : null,
      stroke: symbols[i] ? symbols[i].getAttribute('stroke') : null,
      dash: symbols[i] ? symbols[i].getAttribute('stroke-dasharray') : null}));
  });
  return [f.id.replace(/^chart-/, ''), {
    axis_labels: [...f.querySelectorAll('.role-axis')].map(a =>
      [...a.querySelectorAll('.role-axis-label text')].filter(shown).map(e => ({text: e.textContent, box: box(e)}))),
    axis_titles: texts('.role-axis-title text'),
    headers: texts('.role-column-header > g > .role-title text, .role-row-header > g > .role-title text, '
                   + '.role-column-header .role-title text'),
    legends: legends}];
})))"""


def check_page(path: Path, screenshot_dir: Path | None = None, width: int = 1280, timeout: float = 60) -> PageCheck:
    """Open `path` with the network off, wait until every chart is drawn (or failed), and report."""
    url = path.resolve().as_uri()
    with tempfile.TemporaryDirectory(prefix="tungsten-chromium-") as tmp:
        proc, ws_url = _launch(Path(tmp), width)
        cdp = None
        try:
            cdp = _Cdp(ws_url)
            target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
                cdp.send(method, session=session)
            cdp.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                          "uploadThroughput": -1}, session=session)
            cdp.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                            "mobile": False}, session=session)
            cdp.send("Page.navigate", {"url": url}, session=session)
            deadline = time.monotonic() + timeout
            report = None
            while time.monotonic() < deadline:
                value = cdp.send("Runtime.evaluate", {"expression": "window.__report && window.__report.done ? "
                                                      "JSON.stringify(window.__report) : null", "returnByValue": True},
                                 session=session)["result"].get("value")
                if value:
                    report = json.loads(value)
                    break
                time.sleep(0.1)
            if report is None:
                report = {"charts": {}, "errors": [f"the page did not finish drawing within {timeout:.0f} s"], "renderMs": None}
            figures = json.loads(cdp.send("Runtime.evaluate", {"expression": _FIGURES_JS, "returnByValue": True},
                                          session=session)["result"]["value"])
            texts = json.loads(cdp.send("Runtime.evaluate", {"expression": _TEXTS_JS, "returnByValue": True},
                                        session=session)["result"]["value"])
            check = PageCheck(report=report, figures=figures, load_ms=report.get("renderMs") or 0.0, texts=texts)
            _read_events(cdp.events, url, check)
            if screenshot_dir is not None:
                _screenshots(cdp, session, screenshot_dir, figures, width, check)
            return check
        finally:
            if cdp is not None:
                try:
                    cdp.send("Browser.close", timeout=5)
                except Exception:
                    pass
                cdp.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _read_events(events: list[dict], url: str, check: PageCheck) -> None:
    urls: dict[str, str] = {}
    for e in events:
        method, p = e.get("method"), e.get("params", {})
        if method == "Network.requestWillBeSent":
            req_url = p["request"]["url"]
            urls[p["requestId"]] = req_url
            if req_url != url and not req_url.startswith(ALLOWED_SCHEMES):
                check.requests.append(req_url)
        elif method == "Network.loadingFailed":
            check.failed_requests.append(f"{urls.get(p.get('requestId'), '?')}: {p.get('errorText')}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            check.console_errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            check.console_errors.append(d.get("exception", {}).get("description") or d.get("text", "exception"))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            check.console_errors.append(p["entry"].get("text", ""))


def _screenshots(cdp: _Cdp, session: str, folder: Path, figures: list[dict], width: int, check: PageCheck) -> None:
    """The whole page, and each figure on its own."""
    folder.mkdir(parents=True, exist_ok=True)
    size = cdp.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
    shots = [("report-full", {"x": 0, "y": 0, "width": width, "height": min(size["height"], 16000)})]
    shots += [(f"chart-{f['id']}", f["box"]) for f in figures if f["box"]["width"] and f["box"]["height"]]
    for name, box in shots:
        clip = {**{k: float(v) for k, v in box.items()}, "scale": 1}
        data = cdp.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True},
                        session=session)["data"]
        out = folder / f"{name}.png"
        out.write_bytes(base64.b64decode(data))
        check.screenshots.append(out)
