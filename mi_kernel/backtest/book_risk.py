"""The risk of today's book in one call: VaR / ES, exposures, concentration, liquidity, stress.

:func:`book_risk` is what notebook 06, ``publish_portfolio`` and the stakeholder report show
for a book, computed from data known at the book's date only:

* **VaR / ES** — historical, normal, Cornish-Fisher and Monte Carlo (seeded, 100,000 paths,
  10-period loss as the sum of daily draws), 1 and 10 periods, 95 / 99 %
  (:func:`mi_kernel.risk.var_table`) on the last ``window`` returns;
* **exposures** — beta to the benchmark (time-series regression over ``window`` periods),
  style z-scores from a characteristics table (e.g. the feature table's momentum, volatility
  and beta), sector long / short / net / gross;
* **concentration** (HHI, effective N, top-10 share) and **liquidity** (days to liquidate at
  the execution's participation cap of ADV);
* **stress** — the engine's historical scenarios replayed with the book on
  (:func:`mi_kernel.backtest.stress.stress_current_book`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel import risk
from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.market import Market
from mi_kernel.backtest.stress import Limits, stress_current_book
from mi_kernel.errors import DataError


def _num(x: Any) -> Any:
    return risk.json_number(float(x)) if isinstance(x, float | np.floating) else x


@dataclass(frozen=True)
class BookRisk:
    """Risk figures of one book (tables for people, :meth:`to_dict` for the run)."""

    asof: pd.Timestamp
    var: pd.DataFrame
    beta: pd.Series | None
    style: pd.Series | None
    sectors: pd.DataFrame
    concentration: risk.Concentration
    liquidity: risk.Liquidity
    stress: pd.DataFrame | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict (non-finite numbers become None)."""
        stress = None
        if self.stress is not None:
            cols = ["pnl_pct", "max_drawdown", "worst_bar_return", "breaches"]
            stress = {
                str(k): {c: _num(v) for c, v in row.items()}
                for k, row in self.stress[cols].iterrows()
            }
        return {
            "asof": self.asof.isoformat(),
            "var": [{k: _num(v) for k, v in r.items()} for r in self.var.to_dict("records")],
            "beta": None if self.beta is None else {k: _num(v) for k, v in self.beta.items()},
            "style": None if self.style is None else {k: _num(v) for k, v in self.style.items()},
            "sectors": {
                str(s): {c: _num(v) for c, v in row.items()} for s, row in self.sectors.iterrows()
            },
            "concentration": self.concentration.to_dict(),
            "liquidity": self.liquidity.to_dict(),
            "stress": stress,
        }


def book_risk(
    weights: pd.Series,
    bars: pd.DataFrame,
    *,
    benchmark: pd.Series | None = None,
    sectors: Mapping[str, str] | None = None,
    characteristics: pd.DataFrame | None = None,
    capital: float = 1e6,
    participation: float = 0.1,
    scenarios: Sequence[str] = (),
    costs: Costs | None = None,
    limits: Limits | None = None,
    window: int = 120,
    random_state: int = 0,
    market: Market | None = None,
) -> BookRisk:
    """Measure the risk of holding ``weights`` from the last bar of ``bars``.

    Parameters
    ----------
    weights : Series
        Weight per symbol (signed fraction of ``capital``).
    bars : DataFrame
        Bars up to the book's date (total-return prices where corporate actions matter).
    benchmark : Series, optional
        Benchmark level (e.g. the S&P 500 index) for the book's beta.
    sectors : mapping, optional
        Symbol -> sector.
    characteristics : DataFrame, optional
        Long table (ts, symbol, columns) for style exposures (z-scores on the last date).
    capital, participation : float
        Book size and the share of ADV tradable per day (liquidity).
    scenarios : sequence of str
        Keys of :data:`mi_kernel.backtest.SCENARIOS` to hold the book through.
    costs, limits
        Of the stress runs.
    window : int
        Periods of returns for VaR and beta.
    random_state : int
        Seed of the Monte Carlo VaR.
    market : Market, optional
        The market to stress (default: built from ``bars``).
    """
    held = weights[weights != 0.0].astype("float64")
    if held.empty:
        raise DataError("the book holds nothing: there is no risk to measure")
    wide = bars.pivot(index="ts", columns="symbol", values="close").sort_index()
    asof = pd.Timestamp(wide.index[-1])
    returns = wide.pct_change(fill_method=None).iloc[1:].iloc[-window:]
    missing = [str(s) for s in held.index if s not in returns.columns]
    if missing:
        raise DataError(f"no bars for held symbol(s) {missing[:10]}; pass bars of every holding")
    held_returns = returns[held.index].fillna(0.0)
    # Monte Carlo: 100,000 normal paths; the 10-day loss as the sum of daily draws (exact for
    # normal log returns, and 10x cheaper than compounding each path day by day)
    spec = risk.MonteCarloSpec(aggregation="sum")
    var = risk.var_table(held_returns, held, random_state=random_state, monte_carlo=spec)
    beta = None
    if benchmark is not None:
        index = benchmark.sort_index().pct_change().dropna().rename("market").to_frame()
        beta = risk.factor_exposures(held, held_returns, index, asof, window=window).book
    style = None
    if characteristics is not None:
        style = risk.style_exposures(held, characteristics, asof).book
    volume = bars.pivot(index="ts", columns="symbol", values="volume").sort_index()
    adv = volume[held.index].iloc[-20:].mean().fillna(0.0)
    liq = risk.liquidity(
        adv,
        wide[held.index].ffill().iloc[-1],
        weights=held,
        capital=capital,
        participation=participation,
    )
    stress = None
    if scenarios:
        m = market if market is not None else Market.from_bars(bars)
        stress = stress_current_book(
            held, m, scenarios, costs, limits, {"participation": participation}
        )
    return BookRisk(
        asof=asof,
        var=var,
        beta=beta,
        style=style,
        sectors=risk.sector_exposures(held, dict(sectors or {})),
        concentration=risk.concentration(held),
        liquidity=liq,
        stress=stress,
    )
