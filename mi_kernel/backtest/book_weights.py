"""A book definition applied to a history of signals: the weights a backtest trades.

:func:`book_weights` is the one place where a model's scores become a backtest's target
weights, the same way notebook 06 and ``publish_portfolio`` build today's book:

* no optimizer: :func:`mi_kernel.portfolio.signals_to_weights` with the book's construction;
* an optimizer: :func:`mi_kernel.portfolio.optimized_weights` every ``rebalance_every``
  dates on total-return prices (raw bars adjusted with the corporate actions known), with
  the signal's IC as known at each date (:func:`known_ic`: a date's IC is stamped when its
  labels are complete) and costs per unit traded from the engine's cost formulas
  (:func:`unit_costs`);

then the compliance limits (:func:`mi_kernel.compliance.apply_limits`) as the last word.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel import compliance, portfolio
from mi_kernel.backtest.costs import Costs, impact_fee
from mi_kernel.data.actions import adjust_bars
from mi_kernel.errors import ConfigError
from mi_kernel.labels import forward_returns
from mi_kernel.models import daily_ic
from mi_kernel.portfolio.definition import BookDefinition
from mi_kernel.research.significance import newey_west_se


def known_ic(scores: pd.DataFrame, bars: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Return the expanding mean rank IC of ``scores`` and its t-statistic, as known.

    The rank IC of date ``s`` (scores vs the ``horizon``-session forward return) is known at
    the close of ``s + horizon`` (the label's end); each row of the result is stamped there
    and averages every IC known by then. Columns ``ic``, ``t`` (Newey-West with
    ``horizon - 1`` lags: overlapping labels make neighbouring ICs alike), ``n``; index =
    known time.
    """
    labels = forward_returns(bars, horizon)
    frame = scores.merge(labels[["ts", "symbol", "ts_end", "label"]], on=["ts", "symbol"])
    ic = daily_ic(frame["ts"], frame["score"], frame["label"]).dropna()
    if ic.empty:
        return pd.DataFrame(columns=["ic", "t", "n"], dtype="float64")
    known_at = frame.groupby("ts")["ts_end"].max().reindex(ic.index)
    series = pd.Series(ic.to_numpy(), index=pd.DatetimeIndex(known_at.to_numpy())).sort_index()
    n = np.arange(1, len(series) + 1, dtype="float64")
    mean = series.expanding().mean()
    # Newey-West t-statistic: neighbouring dates share most of their h-session labels
    x = series.to_numpy()
    lags = max(horizon - 1, 0)
    se = np.array([newey_west_se(x[: k + 1], lags) for k in range(len(x))])
    t = pd.Series(np.where(se > 0, mean.to_numpy() / np.where(se > 0, se, 1.0), 0.0)).fillna(0.0)
    out = pd.DataFrame({"ic": mean.to_numpy(), "t": t.to_numpy(), "n": n}, index=series.index)
    return out[~out.index.duplicated(keep="last")]


def unit_costs(
    costs: Costs, bars: pd.DataFrame, capital: float, trade_weight: float, window: int = 20
) -> pd.Series:
    """Cost per unit of weight traded, per symbol, from the engine's cost formulas.

    Commission (bps), half the spread, the mean of the buy and sell taxes, and square-root
    impact of trading ``trade_weight × capital`` at each symbol's ADV and volatility over the
    last ``window`` bars of ``bars`` (pass only bars known before the first rebalance).
    """
    bps = costs.commission_bps + costs.spread_bps / 2 + (costs.buy_tax_bps + costs.sell_tax_bps) / 2
    wide = bars.pivot(index="ts", columns="symbol", values=["close", "volume"]).sort_index()
    close, volume = wide["close"].iloc[-window:], wide["volume"].iloc[-window:]
    sigma = np.nan_to_num(np.asarray(close.pct_change(fill_method=None).std(ddof=1), float))
    adv = np.asarray(volume.mean(), dtype="float64")
    price = close.iloc[-1].to_numpy(dtype="float64")
    qty = trade_weight * capital / price
    impact = impact_fee(qty, price, adv, sigma, costs.impact_coef) / np.maximum(qty * price, 1e-300)
    out = pd.Series(bps / 1e4 + np.nan_to_num(impact), index=close.columns, name="unit_cost")
    return out.fillna(float(out.max()) if out.notna().any() else bps / 1e4)


def _total_returns(
    bars: pd.DataFrame, actions: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return total-return bars (adjusted when there are actions) and their wide returns."""
    prices = adjust_bars(bars, actions) if actions is not None and len(actions) else bars
    wide = prices.pivot(index="ts", columns="symbol", values="close").sort_index()
    return prices, wide.pct_change(fill_method=None).iloc[1:]


def book_weights(
    scores: pd.DataFrame,
    bars: pd.DataFrame,
    definition: BookDefinition,
    costs: Costs,
    horizon: int,
    actions: pd.DataFrame | None = None,
    capital: float = 1e6,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Return the target weights (and the optimizer's rebalance log) of ``definition``.

    Parameters
    ----------
    scores : DataFrame
        ts, symbol, score: the signal over the backtest window (each date known at its close).
    bars : DataFrame
        Raw bars up to the end of the window (history before it is used for risk).
    definition : BookDefinition
    costs : Costs
        The backtest's cost model (unit costs of the optimizer's cost term).
    horizon : int
        Sessions of the model's label (when a date's IC becomes known).
    actions : DataFrame, optional
        Corporate actions, to estimate risk on total-return prices.
    capital : float
        Book size for the impact term.
    """
    book = definition.book()
    spec = definition.optimizer
    if spec is None:
        raw = portfolio.signals_to_weights(scores, **definition.construction)
        return compliance.apply_limits(raw, book), None
    prices, returns = _total_returns(bars, actions)
    first = scores["ts"].min()
    unit = unit_costs(costs, bars[bars["ts"] <= first], capital, definition.max_position)
    ic = known_ic(scores, prices, horizon)
    weights, log = portfolio.optimized_weights(
        scores, returns, spec, definition.constraints(), ic=ic, unit_costs=unit
    )
    return compliance.apply_limits(weights, book), log


def current_book(
    scores: pd.DataFrame,
    history: pd.DataFrame,
    bars: pd.DataFrame,
    definition: BookDefinition,
    costs: Costs,
    horizon: int,
    actions: pd.DataFrame | None = None,
    capital: float = 1e6,
) -> portfolio.BookResult:
    """Optimise today's book from today's ``scores``, as :func:`book_weights` would.

    ``history`` is the signal's past scores (e.g. the model's walk-forward out-of-sample
    predictions: ts, symbol, score), from which the IC known today is measured; ``bars``
    are the raw bars up to today. Needs ``definition.optimizer``.
    """
    spec = definition.optimizer
    if spec is None:
        raise ConfigError("the book has no optimizer: use signals_to_weights for rank books")
    today = scores["ts"].max()
    prices, returns = _total_returns(bars[bars["ts"] <= today], actions)
    ic = known_ic(history[history["ts"] <= today], prices, horizon)
    known = ic[ic.index <= today]
    est_ic, est_t = (
        (float(known["ic"].iloc[-1]), float(known["t"].iloc[-1])) if len(known) else (0, 0)
    )
    unit = unit_costs(costs, bars[bars["ts"] <= today], capital, definition.max_position)
    latest = scores[scores["ts"] == today].set_index("symbol")["score"]
    return portfolio.build_book(
        latest, returns, spec, definition.constraints(), est_ic, est_t, None, unit
    )
