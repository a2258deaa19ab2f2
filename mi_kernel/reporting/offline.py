"""Make rendered HTML self-contained: Panel's CDN references become inline ``data:`` URLs.

Panel's notebook loader lists a few stylesheets and a module shim by their CDN address even
when Bokeh's JavaScript is inlined. Every one of them ships inside the installed ``panel``
package (``panel/dist``), so the report can carry them itself and open with no network.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

_PANEL_CDN = re.compile(
    r"https://cdn\.holoviz\.org/panel/[^/\"']+/dist/([^\"'?\s)]+)(\?[^\"'\s)]*)?"
)
_MIME = {".css": "text/css", ".js": "text/javascript"}


def _panel_dist() -> Path:
    import panel

    return Path(panel.__file__).parent / "dist"


def inline_panel_resources(html: str) -> str:
    """Replace each Panel CDN URL whose file ships with panel by a ``data:`` URL of it.

    URLs of files that are not shipped are left as they are (and reported by the caller's
    offline check, if any).
    """
    dist = _panel_dist()

    def swap(match: re.Match[str]) -> str:
        path = dist / match.group(1)
        mime = _MIME.get(path.suffix)
        if mime is None or not path.is_file():
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"data:{mime};base64,{data}"

    return _PANEL_CDN.sub(swap, html)


def offline_bundle(data: Any) -> Any:
    """One output's MIME bundle with :func:`inline_panel_resources` applied to its texts."""
    if not isinstance(data, dict):
        return data
    return {
        k: inline_panel_resources(v) if isinstance(v, str) and "cdn.holoviz.org" in v else v
        for k, v in data.items()
    }


def offline_notebook(nb: Any) -> None:
    """Apply :func:`offline_bundle` to every output of notebook ``nb`` (in place)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("data"):
                out["data"] = offline_bundle(out["data"])
