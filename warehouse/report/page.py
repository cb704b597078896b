"""Write the report's figures as one self-contained HTML page: the Vega runtime (vl-convert's
bundle of Vega, Vega-Lite and vega-embed), the styles, every chart's data and the country outlines
are inside the file; a Content-Security-Policy forbids the page any request, so it opens offline
and nothing leaves the machine. System fonts only (no web font to fetch)."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path

from warehouse.report.build import Figure

HERE = Path(__file__).parent
# default-src 'none': no fetch, image, font, frame or connection may leave the page. Vega compiles
# its expressions with Function(), hence 'unsafe-eval'; scripts and styles are inline.
CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'")


@cache
def vega_bundle(cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and vega-embed as one classic script (window.vegaEmbed), from vl-convert.
    Bundling takes about a second, so the bundle is kept in cache_dir (TUNGSTEN_HOME/cache), one
    file per vl-convert and library version; a damaged or missing file is simply made again."""
    import os

    import vl_convert as vlc

    name = (f"vega-bundle-vlc{getattr(vlc, '__version__', 'x')}-vega{vlc.get_vega_version()}"
            f"-embed{vlc.get_vega_embed_version()}.js")
    path = cache_dir / name if cache_dir else None
    if path is not None and path.exists():
        text = path.read_text(encoding="utf-8")
        if "window.vegaEmbed" in text:  # written by os.replace, so whole
            return text
    text = vlc.javascript_bundle()
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only home: the bundle is made again next time
    return text


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


# Inside <script>, HTML's tokenizer looks for "</script" and treats "<!--" then "<script" as an
# escaped state in which the closing tag is no longer seen (one project name can swallow the rest
# of the page). JSON lets every one of these characters be written as a \u escape instead;
# U+2028/U+2029 are escaped too, for readers that take the JSON as JavaScript.
_SCRIPT_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                0x2028: "\\u2028", 0x2029: "\\u2029"}


def _script_json(obj) -> str:
    """JSON safe inside a <script> element whatever its strings hold: <, >, & and the line
    separators as \\u escapes (JSON.parse reads them back as the same characters)."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).translate(_SCRIPT_SAFE)


def _cell(value) -> str:
    if value is None:
        return '<td class="null">-</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:,.2f}</td>' if abs(value) < 1e15 else f'<td class="num">{value:.3g}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value:,}</td>'
    return f"<td>{_e(value)}</td>"


def _table(fig: Figure) -> str:
    if not fig.rows:
        return f'<p class="table-empty">{_e(fig.spec.empty_text or "No rows.")}</p>'
    status_i = fig.columns.index(fig.spec.status_column) if fig.spec.status_column in fig.columns else None
    head = "".join(f"<th>{_e(c)}</th>" for c in fig.columns)
    body = []
    for r in fig.rows:
        cls = f' class="status-{_e(r[status_i])}"' if status_i is not None and r[status_i] else ""
        body.append(f"<tr{cls}>" + "".join(_cell(v) for v in r) + "</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div><p class="rows">{len(fig.rows):,} rows</p>')


def _footer(fig: Figure) -> str:
    parts = []
    if fig.sources:
        items = "; ".join(f"{_e(name)} ({_e(pub)}; licence: {_e(lic)})" if pub else _e(name)
                          for _sid, name, pub, lic in fig.sources)
        parts.append(f'<p class="sources"><b>Sources:</b> {items}</p>')
    if fig.editions:
        parts.append(f'<p class="editions"><b>Editions:</b> {_e(", ".join(fig.editions))}</p>')
    if fig.spec.note:
        parts.append(f'<p class="note">{_e(fig.spec.note)}</p>')
    parts.append(f'<details class="sql"><summary>The SQL behind it</summary><pre>{_e(fig.sql or fig.spec.sql)}</pre></details>')
    return "<figcaption>" + "".join(parts) + "</figcaption>"


def _figure(fig: Figure) -> str:
    s = fig.spec
    sub = f'<p class="subtitle">{_e(fig.subtitle)}</p>' if fig.subtitle else ""
    if fig.status == "drawn":
        body = f'<div class="vis" id="vis-{s.id}" role="img" aria-label="{_e(s.question)}"></div>'
    elif fig.status in ("empty", "error"):
        body = f'<div class="notice notice-{fig.status}">{_e(fig.message)}</div>'
    else:
        body = _table(fig)
    return (f'<figure class="figure kind-{s.kind}" id="chart-{s.id}" data-kind="{s.kind}" data-status="{fig.status}">'
            f"<h3>{_e(s.question)}</h3>{sub}{body}{_footer(fig)}</figure>")


def changes_section(changes) -> str:
    """The section the report opens with: what the build changed in the marts since the previous
    build in the lake ((base build, [TableChange]) from warehouse.lake.changes.since_previous_build,
    or a sentence saying why there is no comparison)."""
    if isinstance(changes, str):
        body = f"<p>{_e(changes)}</p>"
    else:
        base, tables = changes
        since = (f"<p>Against build {_e(base.build_id)}, published {_e(f'{base.published_at:%Y-%m-%d %H:%M} UTC')} "
                 f"(lake snapshot {_e(base.snapshot_id)}); <code>tungsten changes</code> lists the rows.</p>")
        if not tables:
            body = since + "<p>No mart changed.</p>"
        else:
            rows = "".join(
                f"<tr><td>{_e(t.table)}</td><td>{t.rows:,}</td><td>{t.added:,}</td><td>{t.removed:,}</td>"
                f"<td>{t.changed:,}</td><td>{_e(', '.join(t.changed_columns) or '-')}</td>"
                f"<td>{_e('; '.join(t.changed_keys[:5]) + (' ...' if len(t.changed_keys) > 5 else '') or '-')}</td></tr>"
                for t in tables)
            body = since + ("<table><thead><tr><th>mart</th><th>rows</th><th>added</th><th>removed</th><th>changed</th>"
                            f"<th>changed columns</th><th>changed keys</th></tr></thead><tbody>{rows}</tbody></table>")
    return f'<section id="what-changed"><h2>What changed since the previous build</h2>{body}</section>'


def render_page(figures: list[Figure], build: dict, title: str = "Tungsten market intelligence",
                cache_dir: Path | None = None, changes=None) -> str:
    """The whole page as text; changes: what opens it (changes_section), None for no such section."""
    sections: dict[str, list[Figure]] = {}
    for f in figures:
        sections.setdefault(f.spec.section, []).append(f)
    toc = "".join(f'<li><a href="#section-{i}">{_e(name)}</a></li>' for i, name in enumerate(sections))
    opening = ""
    if changes is not None:
        toc = '<li><a href="#what-changed">What changed since the previous build</a></li>' + toc
        opening = changes_section(changes)
    body = opening + "".join(f'<section id="section-{i}"><h2>{_e(name)}</h2>{"".join(_figure(f) for f in figs)}</section>'
                   for i, (name, figs) in enumerate(sections.items()))
    specs = {f.spec.id: f.vega for f in figures if f.status == "drawn"}
    built = (f"build {_e(build.get('build_id'))}, published {_e(build.get('finished_at'))}"
             if build else "build not recorded")
    drawn = sum(1 for f in figures if f.status == "drawn")
    missing = [f for f in figures if f.status in ("empty", "error")]
    missing_text = f"; {len(missing)} without data or failed (said in place)" if missing else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{(HERE / "page.css").read_text()}</style>
</head><body>
<header><h1>{_e(title)}</h1>
<p class="built">From the serving file's {built}. {drawn} charts{missing_text}. Every figure is footed with its
sources, editions and the SQL that drew it; run that SQL with <code>tungsten sql</code>.</p>
<nav><ol>{toc}</ol></nav></header>
<main>{body}</main>
<script type="application/json" id="report-specs">{_script_json(specs)}</script>
<script>{vega_bundle(cache_dir)}</script>
<script>{(HERE / "page.js").read_text()}</script>
</body></html>
"""
