"""`hgm report`: one self-contained HTML file (the dashboard's code with the run's data
inlined: no network needed to open it), or the same content as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hgm.errors import UserError
from hgm.ui.bundle import report_bundle
from hgm.ui.model import RunModel
from hgm.ui.server import asset_text
from hgm.ui.source import opened

SCRIPTS = ("plots.js", "tree.js", "pages.js", "app.js")


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element (no `</script>`, no U+2028/2029 surprises)."""
    text = json.dumps(data, default=str, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def build_bundle(path: Path) -> dict[str, Any]:
    """The report's content for the run in `path` (read-only)."""
    with opened(path) as source:
        model = RunModel(source)
        model.refresh()
        if len(model.tree) == 0:
            raise UserError(f"{path}: the run has no agents yet: nothing to report")
        return report_bundle(source, model)


def render_html(bundle: dict[str, Any]) -> str:
    """The dashboard page with its style, scripts and `bundle` inlined."""
    page = asset_text("index.html")
    style = f"<style>\n{asset_text('style.css')}\n</style>"
    scripts = "\n".join(f"<script>\n{asset_text(name)}\n</script>" for name in SCRIPTS)
    title = f"hgm report: {bundle['summary']['name']}"
    page = page.replace("<title>hgm</title>", f"<title>{_escape(title)}</title>")
    page = page.replace('<link rel="stylesheet" href="assets/style.css">', style)
    start, end = page.index("<!--scripts-->"), page.index("<!--/scripts-->")
    page = page[:start] + scripts + page[end + len("<!--/scripts-->") :]
    return page.replace("__HGM_BOOT__", _script_json(bundle))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
