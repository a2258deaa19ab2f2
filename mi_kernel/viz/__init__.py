"""Plotting set-up for notebooks and dashboards: Bokeh resources inline, so plots render offline."""

from __future__ import annotations

import logging
import warnings


def notebook() -> None:
    """Load hvplot/HoloViews (and Panel) with inline Bokeh resources; quiet library noise."""
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    import holoviews as hv
    import hvplot.pandas  # noqa: F401  (registers .hvplot on pandas)
    import panel as pn

    pn.extension(inline=True)
    hv.extension("bokeh", inline=True, logo=False)


__all__ = ["notebook"]
