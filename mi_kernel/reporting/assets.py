"""Store the plotting JavaScript of a run once, hashed, instead of once per notebook and page.

Every executed notebook that plots carries Bokeh/Panel's JavaScript inline (about 3 MB,
twice: once per MIME type), so a run of a dozen notebooks and their reports was ~100 MB of
the same bytes. :func:`externalize_notebook` moves each large script output into the run's
``static/<sha256>.js`` and leaves a few-line loader in its place; the loader fetches the file
relative to the page (``../static/`` from ``notebooks/``). A report links the same files with
plain ``<script src="../static/…">`` tags (:func:`link_html`), so it opens from disk or served
with no network. :func:`internalize_notebook` and :func:`internalize_html` put the scripts
back, after checking each file's hash, for a viewer that cannot resolve the relative path
(JupyterLab: ``mi runs open``; an ``iframe srcdoc``).

The files are products of the run like any other: hashed in the manifest, verified by
``mi runs verify``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

from mi_kernel.errors import DataError

# the MIME types whose payload is a script the front-end evaluates
SCRIPT_MIMES = ("application/javascript", "application/vnd.holoviews_load.v0+json")
MIN_BYTES = 4_096  # BokehJS (~3 MB) and the comm managers repeated in every notebook (~9 kB)
STATIC = "static"
_MARK = re.compile(r"/\* mi-asset sha256:([0-9a-f]{64}) \*/")


def loader(sha: str, base: str = f"../{STATIC}/") -> str:
    """Return the JavaScript that loads ``<base><sha>.js`` (default: ``static/`` of the run,
    relative to the page), in order."""
    return (
        f"/* mi-asset sha256:{sha} */\n"
        "(function () {\n"
        "  var s = document.createElement('script');\n"
        f"  s.src = '{base}{sha}.js';\n"
        "  s.async = false;\n"
        "  s.onerror = function () {\n"
        f"    var msg = 'mi: the plotting JavaScript is stored once per run in {STATIC}/{sha[:12]}…"
        ".js and was not found beside this page; open the run with `mi runs open <run_id>`';\n"
        "    console.warn(msg);\n"
        "    if (typeof element !== 'undefined' && element && element.append) {\n"
        "      element.append(msg);\n"
        "    }\n"
        "  };\n"
        "  document.head.appendChild(s);\n"
        "})();\n"
        "/* end mi-asset */"
    )


def _write_asset(static_dir: Path, code: str) -> str:
    data = code.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    target = static_dir / f"{sha}.js"
    if not target.exists():
        static_dir.mkdir(parents=True, exist_ok=True)
        part = static_dir / f".{sha}.{uuid.uuid4().hex}.part"  # steps may run side by side
        part.write_bytes(data)
        part.replace(target)  # never a half-written asset under its final name
    return sha


def externalize_notebook(nb: Any, static_dir: Path, min_bytes: int = MIN_BYTES) -> dict[str, int]:
    """Move each script output of ``nb`` of ``min_bytes`` or more into ``static_dir``.

    ``nb`` (an nbformat node) is changed in place. Returns ``{sha256: bytes}`` of the assets
    it refers to (written once, whatever number of outputs share them).
    """
    assets: dict[str, int] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assets |= externalize_data(out.get("data") or {}, static_dir, min_bytes=min_bytes)
    return assets


def externalize_data(
    data: dict[str, Any], static_dir: Path, base: str = f"../{STATIC}/", min_bytes: int = MIN_BYTES
) -> dict[str, int]:
    """Move each script of ``min_bytes`` or more of one output's MIME bundle ``data`` (changed
    in place) into ``static_dir``, leaving a loader of ``<base><sha>.js``; return
    ``{sha256: bytes}`` of the scripts moved."""
    assets: dict[str, int] = {}
    for mime in SCRIPT_MIMES:
        code = data.get(mime)
        if isinstance(code, str) and len(code) >= min_bytes:
            sha = _write_asset(static_dir, code)
            assets[sha] = len(code.encode("utf-8"))
            data[mime] = loader(sha, base)
    return assets


def read_asset(static_dir: Path, sha: str) -> str:
    """Return the script stored as ``sha``, refusing one whose bytes no longer match its name."""
    path = static_dir / f"{sha}.js"
    if not path.is_file():
        raise DataError(
            f"the run's plotting script {STATIC}/{sha}.js is missing; "
            "`mi runs verify` says what else changed"
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise DataError(
            f"{path} does not match its hash: it was changed after the run was sealed; "
            "`mi runs verify` reports the run"
        )
    return data.decode("utf-8")


def internalize_notebook(nb: Any, static_dir: Path) -> set[str]:
    """Put the scripts of ``static_dir`` back in place of their loaders; return their hashes."""
    shas: set[str] = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            for mime in SCRIPT_MIMES:
                code = data.get(mime)
                if isinstance(code, str) and (m := _MARK.match(code)):
                    data[mime] = read_asset(static_dir, m.group(1))
                    shas.add(m.group(1))
    return shas


def link_html(html: str, static_dir: Path, shas: set[str]) -> str:
    """Return ``html`` with the inline copy of each asset in ``shas`` turned into a script tag.

    The page is rendered from the internalized notebook, so each script appears whole inside
    an inline ``<script>``; it is split there into ``<script src="../static/<sha>.js">``, a
    parser-inserted script that runs in the same order as the inline code did.
    """
    for sha in sorted(shas, key=lambda h: -len(read_asset(static_dir, h))):  # longest first
        code = read_asset(static_dir, sha)
        html = html.replace(code, f"</script>{_tag(sha)}<script>")
    return html


def _tag(sha: str) -> str:
    return f'<script src="../{STATIC}/{sha}.js"></script>'


_TAG = re.compile(r'<script src="\.\./' + STATIC + r'/([0-9a-f]{64})\.js"></script>')


def internalize_html(html: str, static_dir: Path) -> str:
    """Return ``html`` with every asset script tag made inline again (a self-contained page,
    e.g. for an ``iframe srcdoc``, which cannot resolve ``../static/``)."""
    cache: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        sha = m.group(1)
        if sha not in cache:
            cache[sha] = read_asset(static_dir, sha)
        return f"<script>{cache[sha]}</script>"

    return _TAG.sub(swap, html)


__all__ = [
    "MIN_BYTES",
    "SCRIPT_MIMES",
    "STATIC",
    "externalize_data",
    "externalize_notebook",
    "internalize_html",
    "internalize_notebook",
    "link_html",
    "loader",
    "read_asset",
]
