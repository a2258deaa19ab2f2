"""One layout for every console: a navigation bar naming all of them, a side column, a body.

Plain Panel layouts with our own CSS — no Panel template (the Fast/Material templates import a
web font from Google) and no icon font (offline it renders as empty boxes): nothing is
fetched from any host but the one serving the page.
"""

from __future__ import annotations

from typing import Any

#: Every console: (app name served by ``panel serve``, title). Order = navigation order.
CONSOLES: tuple[tuple[str, str], ...] = (
    ("runs_console", "Runs"),
    ("signal_explorer", "Signal Explorer"),
    ("portfolio_console", "Portfolio Console"),
    ("workbench", "Analyst Workbench"),
    ("ops_console", "Ops & Compliance"),
)

_CSS = """
.mi-nav {display:flex; gap:4px; align-items:center; padding:6px 10px; background:#24292f;
  font-family:system-ui,-apple-system,"Segoe UI",sans-serif; font-size:14px; width:100%;
  box-sizing:border-box}
.mi-nav .mi-brand {color:#fff; font-weight:700; margin-right:14px}
.mi-nav a {color:#d0d7de; text-decoration:none; padding:5px 10px; border-radius:6px}
.mi-nav a:hover {background:#32383f; color:#fff}
.mi-nav a.mi-active {background:#0969da; color:#fff}
"""


def nav_html(active: str) -> str:
    """The navigation bar's HTML with ``active`` (an app name) highlighted."""
    links = "".join(
        f'<a href="./{app}" class="{"mi-active" if app == active else ""}">{title}</a>'
        for app, title in CONSOLES
    )
    return f'<style>{_CSS}</style><nav class="mi-nav"><span class="mi-brand">mi</span>{links}</nav>'


def console_page(active: str, side: list[Any], body: Any, side_width: int = 300) -> Any:
    """A console page: the navigation bar over a side column (``side``) and the ``body``."""
    import panel as pn

    return pn.Column(
        pn.pane.HTML(nav_html(active), sizing_mode="stretch_width", margin=0),
        pn.Row(
            pn.Column(*side, width=side_width),
            pn.Column(body, sizing_mode="stretch_width"),
            sizing_mode="stretch_width",
        ),
        sizing_mode="stretch_width",
        margin=0,
    )


def title_of(app: str) -> str:
    return dict(CONSOLES)[app]


__all__ = ["CONSOLES", "console_page", "nav_html", "title_of"]
