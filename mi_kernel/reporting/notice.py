"""The decision-support notice every stakeholder page carries at its top (spec §8.3).

One text, one function that puts it on a page: the run report (``09_report.html``, see
:func:`mi_kernel.pipeline.render_report`) and every QuantStats tear sheet
(:func:`mi_kernel.reporting.tearsheet`) open with it.
"""

from __future__ import annotations

import html
import re

from mi_kernel.errors import ConfigError

#: What a reader must know before using any number in a report.
DECISION_SUPPORT = (
    "Decision support, not investment advice. These are research results on historical or "
    "simulated data, with the caveats this page states; they do not recommend buying or "
    "selling any security. Decisions, and their accountability, stay with people."
)

_STYLE = (
    "display:block;box-sizing:border-box;max-width:960px;margin:12px auto;padding:8px 12px;"
    "border-left:4px solid #b45309;background:#fffbeb;color:#1f2937;"
    "font:14px/1.4 Arial,Helvetica,sans-serif"
)
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def notice_html() -> str:
    """Return the notice as one self-styled HTML element (no external resources)."""
    return f'<aside class="mi-decision-support" role="note" style="{_STYLE}">' + (
        f"{html.escape(DECISION_SUPPORT)}</aside>"
    )


def add_notice(page: str) -> str:
    """Return ``page`` (a whole HTML document) with the notice first inside its ``<body>``.

    Raises
    ------
    ConfigError
        If ``page`` has no ``<body>`` tag (not a whole HTML document).
    """
    match = _BODY.search(page)
    if match is None:
        raise ConfigError(
            "the page has no <body> tag, so the decision-support notice cannot be placed; "
            "pass a whole HTML document"
        )
    return page[: match.end()] + notice_html() + page[match.end() :]
