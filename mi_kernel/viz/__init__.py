"""Plotting set-up for notebooks and dashboards: Bokeh resources inline, so plots render offline."""

from __future__ import annotations

import logging
import warnings


def notebook() -> None:
    """Load HoloViews/hvplot with Bokeh's JavaScript inline in this notebook; quiet library noise.

    The inline extension must load *before* ``hvplot.pandas`` is imported: that import loads
    the extension itself with CDN resources, after which an inline request is ignored and
    the saved notebook would show blank plots offline. Every call re-emits the resources, so
    each executed notebook carries its own copy (a warm kernel shares imports, not outputs).
    """
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import holoviews as hv

    hv.extension("bokeh", inline=True, logo=False)
    import hvplot.pandas  # noqa: F401  (registers .hvplot on pandas)


__all__ = ["notebook"]
