"""Regime plot: the index level over its stacked filtered regime probabilities (hvplot)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def _naive(frame: pd.DataFrame | pd.Series) -> Any:
    """Return a copy on a timezone-naive (UTC) index named ``ts``, as Bokeh prefers."""
    out = frame.copy()
    idx = pd.DatetimeIndex(out.index)
    out.index = idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx
    out.index.name = "ts"
    return out


def regime_plot(
    index_level: pd.Series,
    probabilities: pd.DataFrame,
    title: str = "Market regimes (filtered probabilities)",
    logy: bool = True,
) -> Any:
    """Plot an index level (line) above its stacked regime probabilities (area).

    Parameters
    ----------
    index_level : Series
        Index level on a DatetimeIndex, e.g. ``data.load_benchmark("sp500")``.
    probabilities : DataFrame
        Filtered probabilities, one column per state (``RegimeResult.probabilities``);
        dates without probabilities are left blank.
    title : str
        Title of the top panel.
    logy : bool, default True
        Log scale for the level.

    Returns
    -------
    holoviews.Layout
        Two panels with linked x-axes: the level, and the probabilities stacked to 1.
    """
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    level = _naive(pd.Series(index_level, dtype="float64").rename("level"))
    proba = _naive(probabilities.dropna(how="any"))
    top = level.hvplot.line(title=title, ylabel="index level", xlabel="", logy=logy, color="black")
    bottom = proba.hvplot.area(
        stacked=True, ylabel="P(state | data to t)", xlabel="", ylim=(0, 1), alpha=0.7
    )
    layout = top.opts(height=260, width=850) + bottom.opts(height=200, width=850)
    return layout.cols(1)
