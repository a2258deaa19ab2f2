"""Tear-sheet plots (hvplot / HoloViews, imported when called)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from mi_kernel.research.tearsheet import TearSheet


def _naive(obj: Any) -> Any:
    """Return a copy on a timezone-naive UTC index named ``ts`` (Bokeh's preference)."""
    out = obj.copy()
    idx = pd.DatetimeIndex(out.index)
    out.index = idx.tz_convert("UTC").tz_localize(None) if idx.tz is not None else idx
    out.index.name = "ts"
    return out


def ic_plot(ic: pd.Series, rolling: int = 21, title: str = "Rank IC (1 session)") -> Any:
    """Plot a daily IC series (thin) with its ``rolling``-date mean (thick) and a zero line."""
    import holoviews as hv
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    s = _naive(ic.rename("ic"))
    mean = s.rolling(rolling, min_periods=max(2, rolling // 2)).mean().rename(f"{rolling}d mean")
    daily = s.hvplot.line(alpha=0.35, color="grey", label="daily", ylabel="IC", xlabel="")
    smooth = mean.hvplot.line(color="navy", line_width=2, label=f"{rolling}-date mean")
    return (daily * smooth * hv.HLine(0).opts(color="black", line_width=1)).opts(title=title)


def decay_plot(decay: pd.DataFrame, title: str = "IC decay by horizon") -> Any:
    """Plot the mean rank IC of the cumulative and the marginal h-session return as bars."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    data = decay[["rank_ic", "marginal_rank_ic"]].rename(
        columns={"rank_ic": "cumulative", "marginal_rank_ic": "marginal"}
    )
    data.index = data.index.astype(str)
    return data.hvplot.bar(title=title, xlabel="horizon (sessions)", ylabel="mean rank IC", rot=0)


def quantile_plot(q_mean: pd.DataFrame, title: str = "Mean forward return by quantile") -> Any:
    """Plot each quantile's mean forward return (bps) per horizon as grouped bars."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    data = q_mean.copy()
    data.index = data.index.astype(str)
    data.index.name = "quantile"
    return data.hvplot.bar(title=title, ylabel="mean return (bps)", xlabel="quantile", rot=0)


def spread_plot(growth: pd.Series, title: str = "Top minus bottom quantile (1 session)") -> Any:
    """Plot the growth of 1 of the daily-rebalanced top-minus-bottom portfolio."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    return _naive(growth).hvplot.line(title=title, ylabel="growth of 1", xlabel="", color="green")


def tearsheet_plots(sheet: TearSheet, rolling: int = 21) -> Any:
    """Return the four tear-sheet plots as a two-column HoloViews layout."""
    size = {"width": 470, "height": 280}
    layout = (
        ic_plot(sheet.ic["rank_ic_1d"], rolling=rolling).opts(**size)
        + decay_plot(sheet.decay).opts(**size)
        + quantile_plot(sheet.quantile_returns).opts(**size)
        + spread_plot(sheet.cumulative_spread).opts(**size)
    )
    # Each panel keeps its own axes (IC and returns in bps do not share a scale).
    return layout.cols(2).opts(shared_axes=False)
