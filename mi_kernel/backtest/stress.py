"""The scenario runner: one book on the base market and under every scenario, and the damage.

:func:`run_scenarios` backtests one book (a weights table or a strategy id) on the base
market and under every scenario of :mod:`mi_kernel.backtest.scenarios` and returns one row per
run: P&L, drawdown, worst bar, bars without fills and the breaches of :class:`Limits`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import Execution, simulate
from mi_kernel.backtest.market import Market
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.scenarios import SHOCK_WINDOWS, Scenario, get_scenario, index_returns
from mi_kernel.backtest.strategies import get_strategy
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.metrics import drawdown, max_drawdown
from mi_kernel.risk.policies import Policies
from mi_kernel.schemas.tables import conform

_LIMIT_TOL = 1e-9  # rounding allowance when comparing exposures to a limit


class Limits(BaseModel):
    """Risk limits a run is checked against (None = not checked); fractions, not percent.

    Attributes
    ----------
    max_drawdown : float or None
        Largest allowed fall of equity below its running peak (0.2 = 20 %).
    max_gross_exposure : float or None
        Largest allowed sum of absolute position values / equity (1.0 = fully invested).
    max_position_weight : float or None
        Largest allowed absolute position value / equity of one symbol.
    max_daily_loss : float or None
        Largest allowed loss of one calendar day (UTC) as a fraction of the previous day's
        last equity (on daily bars: of one bar).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_drawdown: float | None = Field(default=None, gt=0.0, le=1.0)
    max_gross_exposure: float | None = Field(default=None, gt=0.0)
    max_position_weight: float | None = Field(default=None, gt=0.0)
    max_daily_loss: float | None = Field(default=None, gt=0.0, le=1.0)


def market_bars(market: Market) -> pd.DataFrame:
    """Return the raw bars of the market's members as a canonical bars table.

    This is what a strategy reads: only symbols in the universe at each bar (like
    :func:`mi_kernel.backtest.point_in_time`), at the market's (possibly shocked) prices.
    """
    t, j = np.nonzero(np.isfinite(market.close) & market.members)
    cols = {c: getattr(market, c)[t, j] for c in ("open", "high", "low", "close", "volume")}
    frame = pd.DataFrame({"ts": market.ts[t], "symbol": np.asarray(market.symbols)[j], **cols})
    return conform(frame.sort_values(["symbol", "ts"], kind="stable"), "bars")


def _named(scenarios: Sequence[Scenario | str] | Mapping[str, Scenario]) -> dict[str, Scenario]:
    pairs = (
        list(scenarios.items())
        if isinstance(scenarios, Mapping)
        else [(s if isinstance(s, str) else s.name, s) for s in scenarios]
    )
    out: dict[str, Scenario] = {}
    for label, s in pairs:
        if label == "base" or label in out:
            raise ConfigError(f"scenario label {label!r} is taken; pass a dict label -> scenario")
        out[label] = get_scenario(s) if isinstance(s, str) else s
    return out


def simulate_scenarios(
    weights_or_strategy: pd.DataFrame | str,
    market: Market,
    scenarios: Sequence[Scenario | str] | Mapping[str, Scenario],
    costs: Costs | dict[str, Any] | None = None,
    *,
    initial_capital: float = 1e6,
    lag: int = 1,
    execution: Execution | dict[str, Any] | None = None,
    strategy_params: Mapping[str, Any] | None = None,
    policies: Policies | dict[str, Any] | None = None,
) -> dict[str, BacktestResult]:
    """Return the backtest of the base market ("base") and of every scenario, by label.

    Parameters are those of :func:`run_scenarios` (without ``limits``).
    """
    runs = {"base": market} | {k: s.apply(market) for k, s in _named(scenarios).items()}
    out = {}
    for label, m in runs.items():
        weights = weights_or_strategy
        if isinstance(weights, str):  # decided on the scenario's own (shocked) prices
            weights = get_strategy(weights)(market_bars(m), **dict(strategy_params or {}))
        out[label] = simulate(
            weights, m, costs, initial_capital, lag, execution=execution, policies=policies
        )
    return out


def _breaches(result: BacktestResult, limits: Limits) -> dict[str, Any]:
    """Bars (days for max_daily_loss) on which each limit is exceeded; NA where not set."""
    held = result.weights.abs().to_numpy()
    days = np.asarray(pd.DatetimeIndex(result.equity.index).normalize())
    day_end = result.equity.groupby(days).last()
    day_ret = day_end / day_end.shift(1, fill_value=result.initial_capital) - 1.0
    value = {
        "max_drawdown": -drawdown(result.returns).to_numpy(),
        "max_gross_exposure": held.sum(axis=1),
        "max_position_weight": held.max(axis=1, initial=0.0),
        "max_daily_loss": -day_ret.to_numpy(),
    }
    limit = limits.model_dump()
    return {
        k: pd.NA if limit[k] is None else int((value[k] > limit[k] + _LIMIT_TOL).sum())
        for k in Limits.model_fields
    }


def scenario_table(results: Mapping[str, BacktestResult], limits: Limits | None) -> pd.DataFrame:
    """Summarise runs by label, one row each (columns: see :func:`run_scenarios`)."""
    rows = []
    for label, res in results.items():
        eq = res.equity.to_numpy()
        if res.market is None:
            raise ConfigError(f"result {label!r} carries no market; run it with simulate()")
        tradable, has_bar = res.market.tradable, np.isfinite(res.market.close)
        breaches = _breaches(res, limits or Limits())
        rows.append(
            {
                "scenario": label,
                "pnl": float(eq[-1] - res.initial_capital),
                "pnl_pct": float(eq[-1] / res.initial_capital - 1.0),
                "max_drawdown": max_drawdown(res.returns),
                "worst_bar_return": float(res.returns.min()),
                "worst_bar": res.returns.idxmin(),
                "no_fill_bars": int((~tradable).all(axis=1).sum()),
                "halted_symbol_bars": int((has_bar & ~tradable).sum()),
                **{f"{k}_breaches": v for k, v in breaches.items()},
                "breaches": ", ".join(k for k, v in breaches.items() if v is not pd.NA and v),
            }
        )
    table = pd.DataFrame(rows).set_index("scenario")
    return table.astype({f"{k}_breaches": "Int64" for k in Limits.model_fields})


def run_scenarios(
    weights_or_strategy: pd.DataFrame | str,
    market: Market,
    scenarios: Sequence[Scenario | str] | Mapping[str, Scenario],
    costs: Costs | dict[str, Any] | None = None,
    limits: Limits | dict[str, Any] | None = None,
    *,
    initial_capital: float = 1e6,
    lag: int = 1,
    execution: Execution | dict[str, Any] | None = None,
    strategy_params: Mapping[str, Any] | None = None,
    policies: Policies | dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Backtest one book on the base market and under every scenario; tabulate the damage.

    ``policies`` (:class:`mi_kernel.risk.Policies`) act in every run, as in the backtest.

    Parameters
    ----------
    weights_or_strategy : DataFrame or str
        A weights table traded unchanged in every run, or a key of
        :data:`mi_kernel.backtest.STRATEGIES`: then each run's weights are computed from
        that run's (shocked) raw bars of universe members (:func:`market_bars`), the
        strategy using only data known at each ``ts``.
    market : Market
        The base market.
    scenarios : sequence of Scenario or str, or mapping label -> Scenario
        Scenarios, labelled by their ``name`` (registry keys build with default parameters).
    costs : Costs or mapping, optional
        Cost configuration of every run (see :func:`mi_kernel.backtest.simulate`: a mapping
        states every rate or a ``base``); default ``Costs.defaults()``.
    limits : Limits or dict, optional
        Risk limits to check (none by default).
    initial_capital, lag, execution
        Passed to :func:`mi_kernel.backtest.simulate`.
    strategy_params : mapping, optional
        Parameters of the strategy.

    Returns
    -------
    DataFrame
        Index ``scenario``: "base", then the scenarios in order. Columns: ``pnl`` (currency)
        and ``pnl_pct`` (fraction of the initial capital) at the last bar; ``max_drawdown``
        (<= 0, from the running peak incl. the initial capital); ``worst_bar_return`` and
        its ``worst_bar``; ``no_fill_bars`` (bars on which no symbol can fill);
        ``halted_symbol_bars`` (symbol-bars with a bar but no fills); one
        ``<limit>_breaches`` per :class:`Limits` field (Int64: bars on which the limit is
        exceeded, days for ``max_daily_loss``; NA when not set) and ``breaches`` (the
        limits exceeded at least once, comma-separated).
    """
    try:
        lim = limits if isinstance(limits, Limits | None) else Limits.model_validate(limits)
    except ValueError as exc:
        raise ConfigError(f"invalid limits {limits!r}: {exc}") from exc
    results = simulate_scenarios(
        weights_or_strategy,
        market,
        scenarios,
        costs,
        initial_capital=initial_capital,
        lag=lag,
        execution=execution,
        strategy_params=strategy_params,
        policies=policies,
    )
    return scenario_table(results, lim)


class LimitDefaults(BaseModel):
    """How a book's limits become the risk limits its stress runs are checked against.

    Attributes
    ----------
    max_drawdown, max_daily_loss : float
        Fractions of equity (0.2 = a 20 % fall from the peak; 0.05 = 5 % in a day).
    gross_drift, position_drift : float
        Allowance for positions drifting with prices between rebalances: the book's
        ``max_gross`` × 1.1 and ``max_position`` × 1.5 by default.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_drawdown: float = Field(default=0.2, gt=0.0, le=1.0)
    max_daily_loss: float = Field(default=0.05, gt=0.0, le=1.0)
    gross_drift: float = Field(default=1.1, ge=1.0)
    position_drift: float = Field(default=1.5, ge=1.0)


def limits_for_book(
    max_gross: float | None = None,
    max_position: float | None = None,
    defaults: LimitDefaults | None = None,
) -> Limits:
    """Return the :class:`Limits` of a book with ``max_gross`` / ``max_position`` (or none)."""
    d = defaults or LimitDefaults()
    return Limits(
        max_drawdown=d.max_drawdown,
        max_daily_loss=d.max_daily_loss,
        max_gross_exposure=None if max_gross is None else d.gross_drift * max_gross,
        max_position_weight=None if max_position is None else d.position_drift * max_position,
    )


def _replay_length(scenario: Scenario | str) -> int:
    name = scenario if isinstance(scenario, str) else scenario.name
    for window in SHOCK_WINDOWS:
        if name.startswith(window):
            return len(index_returns(window))
    return 1


def stress_current_book(
    weights: pd.Series,
    market: Market,
    scenarios: Sequence[Scenario | str],
    costs: Costs | dict[str, Any] | None = None,
    limits: Limits | None = None,
    execution: Execution | dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Hold today's book through each scenario replayed onto the market's last bars.

    Each scenario of :data:`SCENARIOS` replays its window onto the last bars of ``market``
    (betas from the bars before it); the book is bought on the bar before the longest window
    starts and held. So the table answers: "had the last weeks been autumn 2008, with this
    book on, what would we have lost?" Same columns as :func:`run_scenarios`.
    """
    n = max((_replay_length(s) for s in scenarios), default=1)
    if n + 2 > market.shape[0]:
        raise DataError(
            f"the market has {market.shape[0]} bars; the scenarios need {n + 2} to hold the "
            "book through them — pass a longer history"
        )
    row = market.shape[0] - n - 2
    held = weights[weights != 0.0]
    col = {s: j for j, s in enumerate(market.symbols)}
    priced = [s for s in held.index if s in col and np.isfinite(market.close[row, col[s]])]
    left_out = sorted(set(map(str, held.index)) - set(map(str, priced)))
    if left_out:
        warnings.warn(
            f"{len(left_out)} held name(s) had no price when the replay starts "
            f"({market.ts[row]:%Y-%m-%d}) and are left out of the stress: {left_out[:10]}",
            stacklevel=2,
        )
    table = pd.DataFrame(
        {
            "ts": market.ts[row],
            "symbol": [str(s) for s in priced],
            "weight": held[priced].to_numpy(),
        }
    )
    out = run_scenarios(table, market, scenarios, costs, limits, lag=1, execution=execution)
    out.attrs["left_out"] = left_out
    return out
