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


def offline_outputs(nb: Any) -> None:
    """Apply :func:`inline_panel_resources` to every text output of notebook ``nb`` (in place)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            for mime, value in data.items():
                if isinstance(value, str) and "cdn.holoviz.org" in value:
                    data[mime] = inline_panel_resources(value)
