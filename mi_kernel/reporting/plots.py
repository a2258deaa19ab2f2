"""Interactive equity and drawdown plots (hvplot / HoloViews; imported when called)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mi_kernel.metrics import drawdown


def _wealth(returns: pd.Series) -> pd.Series:
    return (1.0 + returns.fillna(0.0)).cumprod()


def equity_plot(
    returns: pd.Series, benchmark: pd.Series | None = None, title: str = "Equity"
) -> Any:
    """Plot the growth of 1 invested for the strategy (and the benchmark) as an hvplot line."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    curves = {"strategy": _wealth(returns)}
    if benchmark is not None:
        common = returns.index.intersection(benchmark.index)
        curves = {"strategy": _wealth(returns.loc[common])}
        curves["benchmark"] = _wealth(benchmark.loc[common])
    frame = pd.DataFrame(curves)
    frame.index.name = "ts"
    return frame.hvplot.line(title=title, ylabel="growth of 1", xlabel="", legend="top_left")


def drawdown_plot(returns: pd.Series, title: str = "Drawdown") -> Any:
    """Plot the drawdown of compounded wealth (<= 0) as an hvplot area."""
    import hvplot.pandas  # noqa: F401  (registers .hvplot)

    dd = drawdown(returns)
    dd.index.name = "ts"
    return dd.hvplot.area(title=title, ylabel="drawdown", xlabel="", alpha=0.5, color="firebrick")


def performance_plots(returns: pd.Series, benchmark: pd.Series | None = None) -> Any:
    """Stack the equity curve (vs benchmark) over the drawdown, x-axes linked (hv.Layout)."""
    return (equity_plot(returns, benchmark) + drawdown_plot(returns)).cols(1)
