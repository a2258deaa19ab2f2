"""The event-driven backtest engine: the pandas layer around :mod:`mi_kernel.backtest._engine`.

:func:`simulate` trades target weights and/or explicit orders in a :class:`Market` built from
raw bars and corporate actions, with the cost plug-ins of :mod:`mi_kernel.backtest.costs`
and the execution rules of :class:`Execution`. The kernel's docstring is the specification
of what happens inside one bar.

Timing: a weights row dated ``ts`` is decided with information up to the close of ``ts`` and
executes ``lag`` bars later (the first bar at or after ``ts``, plus ``lag``); an order
row dated ``ts`` arrives at the first bar at or after ``ts`` plus ``lag``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.backtest._engine import LIMIT, MARKET, STOP
from mi_kernel.backtest.costs import COST_SLOTS, Costs, as_costs
from mi_kernel.backtest.kernel_cache import engine_kernel
from mi_kernel.backtest.market import Market
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.risk.policies import Policies, as_policies, describe_events
from mi_kernel.schemas.tables import conform, validate

_ORDER_TYPES = {"market": MARKET, "limit": LIMIT, "stop": STOP, "iceberg": LIMIT}


class Execution(BaseModel):
    """How orders meet the market (frozen; a dict parses with ``Execution.model_validate``).

    Attributes
    ----------
    fill_at : {"close", "open"}
        Price of market and target orders: the bar's close (default) or open.
    participation : float or None
        Most of a bar's volume one asset's fills may take (0.1 = 10 %); None = no cap.
    adv_cap : float or None
        Most of the ADV one asset's fills may take in a bar; None = no cap.
    queue_ahead : float
        Shares queued ahead of a newly displayed limit quantity, as a fraction of ADV.
    cash_limit : bool
        Target buys never spend more than the cash (explicit orders may use margin).
    sleeves : bool
        Each asset is its own book with ``initial_capital / N`` and its own cash; target
        weights are fractions of the sleeve (vectorbt's ``cash_sharing=False``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    fill_at: Literal["close", "open"] = "close"
    participation: float | None = Field(default=0.1, gt=0.0)
    adv_cap: float | None = Field(default=None, gt=0.0)
    queue_ahead: float = Field(default=0.05, ge=0.0)
    cash_limit: bool = True
    sleeves: bool = False


def as_execution(execution: Execution | dict[str, Any] | None) -> Execution:
    """Return ``execution`` as an :class:`Execution`; ``None`` means the defaults."""
    if execution is None:
        return Execution()
    if isinstance(execution, Execution):
        return execution
    try:
        return Execution.model_validate(dict(execution))
    except ValueError as exc:
        raise ConfigError(f"invalid execution {execution!r}: {exc}") from exc


def target_panel(weights: pd.DataFrame, market: Market, lag: int) -> np.ndarray:
    """Place target weights on the market's clock at their execution bars (NaN = none).

    ``weights`` is a canonical long weights table (each ``ts`` holds the full book: symbols
    absent at that ``ts`` are targeted at 0) or a wide panel (ts x symbol, NaN = no
    instruction for that symbol).
    """
    if "weight" in weights.columns:
        validate(weights, "weights")
        if weights.duplicated(["ts", "symbol"]).any():
            raise ConfigError("weights have duplicate (ts, symbol) rows; keep one weight per pair")
        if weights["weight"].isna().any():
            raise ConfigError("weights contain NaN; use 0.0 for no position")
        wide = weights.pivot(index="ts", columns="symbol", values="weight").sort_index()
        unknown = sorted(set(wide.columns) - set(market.symbols))
        wide = wide.reindex(columns=market.symbols).fillna(0.0)
    else:
        wide = weights.sort_index()
        unknown = sorted(set(map(str, wide.columns)) - set(market.symbols))
        wide = wide.reindex(columns=market.symbols)
    if unknown:
        raise DataError(f"weights name symbols without bars: {unknown[:10]}; add their bars")
    stamps = pd.DatetimeIndex(wide.index)
    if stamps.tz is None:
        stamps = stamps.tz_localize("UTC")
    exec_pos = market.ts.searchsorted(stamps, side="left") + lag
    keep = exec_pos < len(market.ts)
    values = wide.to_numpy(dtype="float64")[keep]
    rows = exec_pos[keep]
    target = np.full(market.shape, np.nan)
    if len(rows) and (np.diff(rows) > 0).all():
        target[rows] = values
    else:  # later decisions executing on the same bar overwrite earlier ones
        for r, v in zip(rows, values, strict=True):
            target[r] = np.where(np.isnan(v), target[r], v)
    return target


def _orders(orders: pd.DataFrame | None, market: Market, lag: int) -> dict[str, np.ndarray]:
    n = 0 if orders is None else len(orders)
    empty = {
        "o_t": np.zeros(n, dtype=np.int64),
        "o_j": np.zeros(n, dtype=np.int64),
        "o_qty": np.zeros(n),
        "o_type": np.zeros(n, dtype=np.int64),
        "o_limit": np.full(n, np.nan),
        "o_stop": np.full(n, np.nan),
        "o_display": np.zeros(n),
        "o_until": np.full(n, np.iinfo(np.int64).max, dtype=np.int64),
    }
    if orders is None or n == 0:
        return empty
    o = conform(orders, "orders")
    bad = sorted(set(o["order_type"]) - set(_ORDER_TYPES))
    if bad:
        raise ConfigError(f"unknown order types {bad}; use one of {sorted(_ORDER_TYPES)}")
    unknown = sorted(set(o["symbol"]) - set(market.symbols))
    if unknown:
        raise DataError(f"orders name symbols without bars: {unknown[:10]}")
    kind = o["order_type"].to_numpy()
    needs_limit = np.isin(kind, ["limit", "iceberg"]) & o["limit_price"].isna().to_numpy()
    needs_stop = (kind == "stop") & o["stop_price"].isna().to_numpy()
    if needs_limit.any() or needs_stop.any():
        raise ConfigError("limit and iceberg orders need limit_price; stop orders need stop_price")
    display = o["display"].fillna(0.0).to_numpy(dtype="float64")
    if ((kind == "iceberg") & (display <= 0)).any():
        raise ConfigError("iceberg orders need a positive display quantity")
    if ((o["quantity"] == 0) | o["quantity"].isna()).any():
        raise ConfigError("orders need a non-zero quantity (signed: + buy, - sell)")
    arrival = market.ts.searchsorted(pd.DatetimeIndex(o["ts"]), side="left") + lag
    until = np.where(
        o["expires"].isna(),
        np.iinfo(np.int64).max,
        market.ts.searchsorted(pd.DatetimeIndex(o["expires"].fillna(o["ts"])), side="right") - 1,
    )
    order = np.argsort(arrival, kind="stable")
    col = {s: i for i, s in enumerate(market.symbols)}
    out = {
        "o_t": arrival.astype(np.int64),
        "o_j": o["symbol"].map(col).to_numpy(dtype=np.int64),
        "o_qty": o["quantity"].to_numpy(dtype="float64"),
        "o_type": np.array([_ORDER_TYPES[k] for k in kind], dtype=np.int64),
        "o_limit": o["limit_price"].to_numpy(dtype="float64"),
        "o_stop": o["stop_price"].to_numpy(dtype="float64"),
        "o_display": np.where(kind == "iceberg", display, 0.0),
        "o_until": until.astype(np.int64),
    }
    return {k: np.ascontiguousarray(v[order]) for k, v in out.items()} | {"_rows": order}


def simulate(
    weights: pd.DataFrame | None,
    bars: pd.DataFrame | Market,
    costs: Costs | Mapping[str, Any] | None = None,
    initial_capital: float = 1e6,
    lag: int = 1,
    *,
    orders: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    universe: pd.DataFrame | None = None,
    execution: Execution | dict[str, Any] | None = None,
    policies: Policies | dict[str, Any] | None = None,
) -> BacktestResult:
    """Backtest target weights and/or orders on raw bars with costs and corporate actions.

    Parameters
    ----------
    weights : DataFrame or None
        Target weights: a canonical long table (ts, symbol, weight; each ts is the full book)
        or a wide panel (ts x symbol, NaN = no instruction). None trades ``orders`` only.
    bars : DataFrame or Market
        Canonical raw bars, or a :class:`Market` already built (then ``actions`` and
        ``universe`` must be None: they are part of the market).
    costs : Costs or mapping, optional
        Cost configuration: a :class:`Costs`, or a mapping stating every rate or a ``base``
        (``{"base": "zero", "spread_bps": 10}``; a partial mapping without ``base`` is
        refused). None means ``Costs.defaults()`` (every cost model on, default rates).
        The model applied is returned whole as ``result.cost_model``.
    initial_capital : float, default 1e6
        Cash before the first bar.
    lag : int, default 1
        Bars between a decision and its execution (0 trades on the decision bar: optimistic).
    orders : DataFrame, optional
        Canonical orders (ts, symbol, quantity, order_type, limit_price, stop_price, display,
        expires).
    actions, universe : DataFrame, optional
        Corporate actions and point-in-time membership (see :meth:`Market.from_bars`).
    execution : Execution or dict, optional
        Fill rules (see :class:`Execution`).
    policies : Policies or dict, optional
        Risk policies acting at every bar (kill switch, de-risking, circuit breaker, hard
        limits; see :mod:`mi_kernel.risk.policies`); None = none. Decisions for a bar use
        closes up to the previous bar only.

    Returns
    -------
    BacktestResult
        Equity, net and gross returns, P&L and cost attribution, positions, fills, turnover,
        the policies' events and de-risk scale, and the cost model applied.
    """
    if lag < 0:
        raise ConfigError(f"lag must be >= 0 bars, got {lag}")
    if initial_capital <= 0:
        raise ConfigError(f"initial_capital must be positive, got {initial_capital}")
    if weights is None and orders is None:
        raise ConfigError("give weights, orders or both: there is nothing to trade")
    cost_cfg, ex, pol = as_costs(costs), as_execution(execution), as_policies(policies)
    if ex.sleeves and pol.hard_limits is not None and pol.hard_limits.pre_trade != "off":
        raise ConfigError(
            "pre-trade hard limits compare target weights with book limits, but in sleeve "
            "mode weights are fractions of each sleeve; use sleeves=False or "
            'hard_limits.pre_trade="off"'
        )
    if isinstance(bars, Market):
        if actions is not None or universe is not None:
            raise ConfigError("pass actions and universe to Market.from_bars, not with a Market")
        market = bars
    else:
        market = Market.from_bars(bars, actions=actions, universe=universe)
    n_t, n_a = market.shape
    target = np.full((n_t, n_a), np.nan) if weights is None else target_panel(weights, market, lag)
    ref = market.open if ex.fill_at == "open" else market.close
    priced = np.isfinite(ref)
    first = np.where(priced.any(axis=0), np.argmax(priced, axis=0), n_t)  # first priced bar
    wants = ~np.isnan(target) & (target != 0)
    unpriced = wants & (np.arange(n_t)[:, None] < first[None, :])
    if unpriced.any():
        t, j = np.argwhere(unpriced)[0]
        raise DataError(
            f"weight on {market.symbols[j]} executes on {market.ts[t]} before its first bar; "
            "only weight symbols that have a price"
        )
    o = _orders(orders, market, lag)
    rows = o.pop("_rows", None)
    c = np.ascontiguousarray  # one compiled kernel: C-ordered panels (a no-op when they are)
    out = engine_kernel().run_engine(  # _engine.run_engine, cached per machine (kernel_cache)
        c(market.open),
        c(market.high),
        c(market.low),
        c(market.close),
        c(market.volume),
        c(market.tradable),
        c(market.split),
        c(market.dividend),
        c(market.delist),
        c(market.delist_ret),
        c(market.adv),
        c(market.sigma),
        c(market.borrow),
        c(market.years),
        target,
        **o,
        cp=cost_cfg.kernel_params(),
        fill_at=0 if ex.fill_at == "open" else 1,
        participation=np.inf if ex.participation is None else ex.participation,
        adv_cap=np.inf if ex.adv_cap is None else ex.adv_cap,
        queue_ahead=ex.queue_ahead,
        cash_limit=ex.cash_limit,
        sleeves=ex.sleeves,
        initial_capital=float(initial_capital),
        pol=pol.kernel_params(),
    )
    return _result(out, market, float(initial_capital), rows, pol, cost_cfg)


def _result(
    out: tuple[np.ndarray, ...],
    market: Market,
    capital: float,
    rows: np.ndarray | None,
    policies: Policies,
    cost_model: Costs,
) -> BacktestResult:
    equity, cash, dividends, costs, positions, traded, fills, unfilled, events, scale = out
    idx = market.ts
    prev = np.concatenate([[capital], equity[:-1]])
    cost_total = costs.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        net = np.where(prev > 0, equity / prev - 1.0, 0.0)
        gross = np.where(prev > 0, (equity + cost_total) / prev - 1.0, 0.0)
        pre = equity + cost_total  # the book's value before the bar's costs
        turnover = np.where(pre > 0, traded / pre, 0.0)
    cost_df = pd.DataFrame(costs.T, index=idx, columns=list(COST_SLOTS))
    return BacktestResult(
        returns=pd.Series(net, index=idx, name="returns"),
        gross_returns=pd.Series(gross, index=idx, name="gross_returns"),
        costs=cost_df,
        turnover=pd.Series(turnover, index=idx, name="turnover"),
        equity=pd.Series(equity, index=idx, name="equity"),
        trades=_fills(fills, market, rows),
        initial_capital=capital,
        cash=pd.Series(cash, index=idx, name="cash"),
        dividends=pd.Series(dividends, index=idx, name="dividends"),
        positions=pd.DataFrame(positions, index=idx, columns=market.symbols),
        unfilled=pd.Series(unfilled, index=idx, name="unfilled"),
        market=market,
        policy_events=describe_events(events, idx, market.symbols, policies, scale),
        exposure_scale=pd.Series(scale, index=idx, name="exposure_scale"),
        cost_model=cost_model,
    )


def _fills(fills: np.ndarray, market: Market, rows: np.ndarray | None) -> pd.DataFrame:
    t = fills[:, 0].astype(np.int64)
    j = fills[:, 1].astype(np.int64)
    order = fills[:, 2].astype(np.int64)
    if rows is not None:  # kernel order index -> row of the caller's orders table
        order = np.where(order >= 0, rows[np.maximum(order, 0)], order)
    frame = pd.DataFrame(
        {
            "ts": market.ts[t],
            "symbol": np.asarray(market.symbols, dtype=object)[j],
            "quantity": fills[:, 3],
            "price": fills[:, 4],
            "commission": fills[:, 5],
            "spread_cost": fills[:, 6],
            "impact_cost": fills[:, 7],
            "tax_cost": fills[:, 8],
            "order_id": order,
        }
    )
    return validate(frame, "fills")
