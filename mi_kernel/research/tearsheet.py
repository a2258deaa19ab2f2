"""tearsheet: a factor tear sheet (IC, decay, quantiles, precision, turnover, regimes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.research.hits import hit_rate, precision_at_k
from mi_kernel.research.ic import ic_by_date
from mi_kernel.research.inputs import (
    forward_return_table,
    fwd_col,
    join_returns,
    lagged_returns,
    signal_frame,
)
from mi_kernel.research.quantiles import (
    cumulative_spread,
    monotonicity,
    quantile_returns,
    spread,
)
from mi_kernel.research.regime import regime_ic
from mi_kernel.research.significance import ic_summary
from mi_kernel.research.turnover import quantile_turnover, rank_autocorrelation


@dataclass(frozen=True, eq=False)
class TearSheet:
    """A factor tear sheet; returns are in basis points, dates are signal dates.

    Attributes
    ----------
    factor : str
        Name of the signal.
    horizons : tuple of int
        Forward horizons in sessions (1 always included).
    ic : DataFrame
        Index ts; columns ``rank_ic_<h>d`` (Spearman) and ``ic_<h>d`` (Pearson) per horizon.
    summary : DataFrame
        One row per IC column: :class:`ICSummary` fields (Newey–West lags = h - 1) and
        ``significant`` (NW p-value < 0.05).
    decay : DataFrame
        Index horizon 1..max_decay: ``rank_ic`` (of the cumulative h-session return),
        ``t_stat``/``p_value`` (Newey–West, h - 1 lags), ``marginal_rank_ic`` (of the single
        session h return, from t+h-1 to t+h) and ``marginal_p_value``.
    quantile_returns : DataFrame
        Index quantile 1..n; one column ``fwd_<h>d`` per horizon: mean over dates of the
        quantile's mean forward return.
    quantile_returns_1d : DataFrame
        Index ts, columns quantiles: the 1-session quantile returns per date.
    spread : DataFrame
        Index ts; columns ``fwd_<h>d``: top-minus-bottom quantile return per date.
    cumulative_spread : Series
        Growth of 1 of the daily-rebalanced top-minus-bottom portfolio (1-session returns).
    hits : DataFrame
        Index ts; ``precision_at_<k>`` and ``hit_rate`` on the 1-session return.
    turnover : DataFrame
        Index ts; ``rank_autocorrelation``, ``top_turnover`` and ``bottom_turnover``.
    regime_ic : DataFrame or None
        Rank IC summary per regime and horizon (columns ``horizon``, ``regime``, fields).
    headline : Series
        The numbers a reader looks at first.
    """

    factor: str
    horizons: tuple[int, ...]
    ic: pd.DataFrame
    summary: pd.DataFrame
    decay: pd.DataFrame
    quantile_returns: pd.DataFrame
    quantile_returns_1d: pd.DataFrame
    spread: pd.DataFrame
    cumulative_spread: pd.Series
    hits: pd.DataFrame
    turnover: pd.DataFrame
    regime_ic: pd.DataFrame | None
    headline: pd.Series

    def plots(self, rolling: int = 21) -> Any:
        """Return the tear sheet's plots as one HoloViews layout (see :mod:`.plots`)."""
        from mi_kernel.research.plots import tearsheet_plots

        return tearsheet_plots(self, rolling=rolling)


def tearsheet(
    signal: pd.DataFrame,
    bars: pd.DataFrame,
    horizons: Sequence[int] = (1, 5, 21),
    max_decay: int = 10,
    n_quantiles: int = 5,
    top_k: int = 10,
    regimes: pd.Series | None = None,
    score: str = "score",
    factor: str | None = None,
) -> TearSheet:
    """Build a factor tear sheet from a long signal table and canonical bars.

    Parameters
    ----------
    signal : DataFrame
        Long table ``ts, symbol, <score>`` (+ optional ``factor``); the score at ts must be
        known at the close of ts.
    bars : DataFrame
        Canonical bars (ts, symbol, close used) covering the signal's dates and after.
    horizons : sequence of int, default (1, 5, 21)
        Forward-return horizons in sessions for IC, summary and quantiles; 1 is added.
    max_decay : int, default 10
        Decay is computed for horizons 1..max_decay.
    n_quantiles : int, default 5
    top_k : int, default 10
        K of precision@K.
    regimes : Series, optional
        Regime label per date (index UTC timestamps) for the regime-split IC.
    score : str, default "score"
        Column of ``signal`` holding the value.
    factor : str, optional
        Factor to analyse when ``signal`` stacks several in a ``factor`` column.

    Returns
    -------
    TearSheet
    """
    if int(max_decay) < 1:
        raise ConfigError(f"max_decay must be >= 1 session, got {max_decay!r}")
    hs = tuple(sorted({1, *map(int, horizons)}))
    frame = signal_frame(signal, score=score, factor=factor)
    returns = forward_return_table(bars, sorted({*hs, *range(1, int(max_decay) + 1)}))
    lagged = lagged_returns(bars, range(1, int(max_decay) + 1))
    data = join_returns(frame, returns.merge(lagged, on=["ts", "symbol"], how="outer"))
    ic, summary = _ic_tables(data, hs)
    by_q = {h: quantile_returns(data, fwd_col(h), n_quantiles) for h in hs}
    q_mean = pd.DataFrame({fwd_col(h): t.mean() for h, t in by_q.items()})
    spreads = pd.DataFrame({fwd_col(h): spread(t) for h, t in by_q.items()})
    hits = pd.concat([precision_at_k(data, fwd_col(1), top_k), hit_rate(data, fwd_col(1))], axis=1)
    turnover = pd.concat(
        [
            rank_autocorrelation(frame),
            quantile_turnover(frame, n_quantiles).rename("top_turnover"),
            quantile_turnover(frame, n_quantiles, quantile=1).rename("bottom_turnover"),
        ],
        axis=1,
    )
    cum = cumulative_spread(spreads[fwd_col(1)])
    name = factor or (score if score != "score" else "signal")
    headline = pd.Series(
        {
            "rank_ic_1d": summary.loc["rank_ic_1d", "mean"],
            "rank_ic_1d_t_stat": summary.loc["rank_ic_1d", "nw_t_stat"],
            "rank_ic_1d_p_value": summary.loc["rank_ic_1d", "nw_p_value"],
            "significant": bool(summary.loc["rank_ic_1d", "significant"]),
            "spread_1d_bps": float(spreads[fwd_col(1)].mean()),
            "monotonicity_1d": monotonicity(q_mean[fwd_col(1)]),
            f"precision_at_{int(top_k)}": float(hits.iloc[:, 0].mean()),
            "hit_rate": float(hits["hit_rate"].mean()),
            "rank_autocorrelation": float(turnover["rank_autocorrelation"].mean()),
            "top_turnover": float(turnover["top_turnover"].mean()),
            "n_dates": int(frame["ts"].nunique()),
            "n_symbols": int(frame["symbol"].nunique()),
        },
        dtype=object,
        name=name,
    )
    return TearSheet(
        factor=name,
        horizons=hs,
        ic=ic,
        summary=summary,
        decay=_decay(data, int(max_decay)),
        quantile_returns=q_mean,
        quantile_returns_1d=by_q[1],
        spread=spreads,
        cumulative_spread=cum,
        hits=hits,
        turnover=turnover,
        regime_ic=None if regimes is None else _regime_table(ic, regimes, hs),
        headline=headline,
    )


def _ic_tables(data: pd.DataFrame, hs: tuple[int, ...]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols, rows = {}, {}
    for h in hs:
        for method, prefix in (("rank", "rank_ic"), ("pearson", "ic")):
            series = ic_by_date(data, fwd_col(h), method)
            cols[f"{prefix}_{h}d"] = series
            s = ic_summary(series, lags=h - 1)
            rows[f"{prefix}_{h}d"] = {**s.to_dict(), "significant": s.significant()}
    ic = pd.DataFrame(cols)
    ic.index.name = "ts"
    summary = pd.DataFrame.from_dict(rows, orient="index")
    return ic, summary


def _decay(data: pd.DataFrame, max_decay: int) -> pd.DataFrame:
    rows = []
    for h in range(1, max_decay + 1):
        cumulative = ic_summary(ic_by_date(data, fwd_col(h)), lags=h - 1)
        marginal = ic_summary(ic_by_date(data, f"lag_{h}d"), lags=0)
        rows.append(
            {
                "horizon": h,
                "rank_ic": cumulative.mean,
                "t_stat": cumulative.nw_t_stat,
                "p_value": cumulative.nw_p_value,
                "marginal_rank_ic": marginal.mean,
                "marginal_p_value": marginal.nw_p_value,
            }
        )
    return pd.DataFrame(rows).set_index("horizon")


def _regime_table(ic: pd.DataFrame, regimes: pd.Series, hs: tuple[int, ...]) -> pd.DataFrame:
    parts = []
    for h in hs:
        table = regime_ic(ic[f"rank_ic_{h}d"], regimes, lags=h - 1).reset_index()
        parts.append(table.assign(horizon=h))
    out = pd.concat(parts, ignore_index=True)
    return out[["horizon", *[c for c in out.columns if c != "horizon"]]]
