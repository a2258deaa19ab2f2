"""What in an HTML page would fetch from the network when it opens: shared by report tests."""

from __future__ import annotations

import re

_REMOTE = r"[\"']?(?:https?:)?//"

#: Tags that load a resource by address: <script src=http…>, <link href=//…>, <img …>, …
_TAG = re.compile(
    r"<(?:script|link|img|iframe|source|embed|object|audio|video|track)\b[^>]*?"
    rf"\b(?:src|href|data|poster|srcset)\s*=\s*{_REMOTE}[^>]*>",
    re.IGNORECASE,
)
#: CSS that loads by address: @import "//…", url(https://…).
_CSS = re.compile(rf"(?:@import\s*(?:url\()?|url\(){_REMOTE}", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)

#: Code that fetches when the page opens: configuring MathJax or require.js (their loaders
#: fetch the library and its extensions from a CDN), importing a module by URL, or pointing
#: a script element at one. Library bundles inlined in a page (BokehJS) mention CDN URLs in
#: code paths a report never takes; these patterns name the loaders, not every URL.
LOADERS = {
    "MathJax": re.compile(
        r"text/x-mathjax-config|MathJax\.Hub\.(?:Config|Queue)|window\.MathJax\s*=", re.IGNORECASE
    ),
    "require.js": re.compile(
        r"require(?:\.min)?\.js|\brequire(?:js)?\.config\s*\(\s*\{[^;]*?(?:https?:)?//",
        re.IGNORECASE,
    ),
    "remote import": re.compile(r"\bimport\s*\(\s*[\"'`](?:https?:)?//"),
    "remote script": re.compile(r"(?:Src|Url)\s*=\s*[\"'`](?:https?:)?//[^\"'`]*\.m?js\b"),
}


def external_resources(page: str) -> list[str]:
    """Return every tag or CSS rule of ``page`` that loads a resource over the network."""
    return [m.group(0)[:120] for m in (*_TAG.finditer(page), *_CSS.finditer(page))]


def runtime_loaders(page: str) -> list[str]:
    """Return the names of the :data:`LOADERS` found in the inline scripts of ``page``."""
    scripts = "\n".join(_SCRIPT.findall(page))
    return [name for name, pattern in LOADERS.items() if pattern.search(scripts)]


def urls_in_scripts(page: str) -> list[str]:
    """Return every http(s) or CDN address inside inline scripts (for pages without bundles)."""
    scripts = "\n".join(_SCRIPT.findall(page))
    return re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'`)]*|\S*cdn\S*", scripts, re.IGNORECASE)
