"""What-if books: re-optimise a sealed run's book with other choices, without touching the run.

The Portfolio Console is a face over these functions:

- :func:`load_inputs` reads what a sealed run built its book from (latest signals, the model's
  out-of-sample history, clean bars, sectors, the book definition and cost assumptions).
- :func:`what_if` re-optimises with another optimizer, covariance, limits or costs, and
  measures the result the way the run measured its own book (risk, exposures, stress),
  plus the turnover and the expected cost of trading from the run's book to it.
- :func:`cost_curve` is the cost of building the book from cash at several book sizes
  (square-root impact makes it grow with size): how much capital the book can take.
- :func:`save_what_if` writes a what-if as a new ad-hoc run, with the sealed run's artifacts
  it used recorded as inputs with their hashes. The sealed run is only ever read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.backtest.book_risk import BookRisk, book_risk
from mi_kernel.backtest.book_weights import current_book, unit_costs
from mi_kernel.backtest.costs import RATE_FIELDS, Costs, as_costs
from mi_kernel.errors import ConfigError
from mi_kernel.portfolio import BookDefinition, as_book_definition

SCENARIOS = ("gfc_2008", "covid_2020_breakers")


@dataclass(frozen=True)
class WhatIfInputs:
    """What a sealed run's book was built from (read from the run; nothing is recomputed)."""

    run_id: str
    signals: pd.DataFrame
    history: pd.DataFrame
    bars: pd.DataFrame
    sectors: dict[str, str]
    definition: BookDefinition
    costs: Costs
    horizon: int
    capital: float
    book: pd.Series  # the run's own target weights
    benchmark: pd.Series | None
    used: dict[str, str]  # name -> run:// URI of every artifact read


@dataclass(frozen=True)
class WhatIf:
    """One what-if book and what it would mean."""

    definition: BookDefinition
    costs: Costs
    weights: pd.Series
    summary: dict[str, Any]
    risk: BookRisk
    turnover: float  # sum |w_what_if - w_run| (one-way traded fraction of capital x 2)
    expected_cost: float  # currency, to trade from the run's book to this one
    note: str = ""

    def comparison(self, inp: WhatIfInputs, base: WhatIf | None = None) -> pd.DataFrame:
        """Side by side with the run's own book (or ``base``): the figures a PM compares."""
        rows = {"what-if": self._figures(inp)}
        if base is not None:
            rows = {"run's book (re-measured)": base._figures(inp), **rows}
        return pd.DataFrame(rows)

    def _figures(self, inp: WhatIfInputs) -> dict[str, str]:
        s, var = self.summary, self.risk.var
        worst = var[(var["method"] == "historical") & (var["horizon"] == 1)]
        var99 = worst[worst["level"] == 0.99]["var"]
        w = self.weights[self.weights != 0]
        return {
            "optimizer": f"{self.definition.optimizer.method if self.definition.optimizer else '-'}"
            f" / {self.definition.optimizer.covariance if self.definition.optimizer else '-'}",
            "expected return (a year)": f"{s.get('expected_return', float('nan')):.2%}",
            "volatility (a year)": f"{s.get('volatility', float('nan')):.2%}",
            "positions": f"{len(w)}",
            "gross / net": f"{w.abs().sum():.2f} / {w.sum():+.2f}",
            "largest position": f"{w.abs().max() if len(w) else 0:.2%}",
            "1-day 99% VaR (historical)": f"{float(var99.iloc[0]):.2%}" if len(var99) else "—",
            "turnover from the run's book": f"{self.turnover:.2f}",
            "expected cost of the trade": f"{self.expected_cost:,.0f}",
            "expected cost (bps of capital)": f"{1e4 * self.expected_cost / inp.capital:.1f}",
        }


def _run_file(store: Any, run_id: str, rel: str) -> Any:
    path = store.sealed_dir(run_id) / rel
    if not path.exists():
        raise ConfigError(
            f"run {run_id} has no {rel}: the what-if needs a run that built a book "
            "(the demo pipeline's portfolio step)"
        )
    return path


def load_inputs(store: Any, run_id: str, capital: float = 1e6) -> WhatIfInputs:
    """Read what sealed run ``run_id`` built its book from."""
    from mi_kernel import data, labels

    if not store.is_sealed(run_id):
        raise ConfigError(f"{run_id!r} is not a sealed run under {store.root}")
    meta = json.loads(_run_file(store, run_id, "_meta/run.json").read_text())
    params = meta.get("parameters", {})
    if not params.get("book"):
        raise ConfigError(f"run {run_id} has no book definition in its parameters")
    ref = json.loads(_run_file(store, run_id, "signals/latest.json").read_text())
    signals_rel = ref["signals_uri"].split("/", 3)[3]
    history_rel = f"models/{ref['model_version']}/oos_predictions.parquet"
    used = {
        "signals": signals_rel,
        "history": history_rel,
        "bars": "quality/clean_bars.parquet",
        "book": "portfolio/targets.parquet",
    }
    read = {k: pd.read_parquet(_run_file(store, run_id, rel)) for k, rel in used.items()}
    sectors = data.load_sectors(params.get("sector_source", "sp500_ohlcv"))
    sector_map = dict(zip(sectors["symbol"], sectors["sector"], strict=True))
    history = read["history"].rename(columns={"prediction": "score"})[["ts", "symbol", "score"]]
    book = read["book"].set_index("symbol")["weight"].astype("float64")
    return WhatIfInputs(
        run_id=run_id,
        signals=read["signals"],
        history=history,
        bars=read["bars"],
        sectors=sector_map,
        definition=as_book_definition(params["book"]).with_sectors(sector_map),
        costs=applied_costs(store, run_id, params),
        horizon=labels.parse_label_def(params.get("label_def", "fwd_ret_5d")).horizon,
        capital=capital,
        book=book,
        benchmark=data.load_benchmark("sp500"),
        used={k: f"run://{run_id}/{rel}" for k, rel in used.items()},
    )


def applied_costs(store: Any, run_id: str, params: Mapping[str, Any]) -> Costs:
    """The cost model the run's portfolio step applied, every field.

    The step records it in ``portfolio/book/construction.json``; runs sealed before it did
    gave a cost mapping that was merged with the defaults, so that is how it is read.
    """
    record = store.sealed_dir(run_id) / "portfolio/book/construction.json"
    applied = json.loads(record.read_text()).get("costs") if record.exists() else None
    if applied is not None:
        return as_costs(applied)
    given = dict(params.get("costs") or {})
    explicit = "base" in given or set(RATE_FIELDS) <= set(given)
    return as_costs(given if explicit else {"base": "default", **given})


def _definition(inp: WhatIfInputs, changes: Mapping[str, Any]) -> BookDefinition:
    """The run's book definition with the what-if's changes (validated)."""
    base = inp.definition
    opt = (base.optimizer.model_dump() if base.optimizer else {}) | {
        k: v
        for k, v in changes.items()
        if k in ("method", "covariance", "long_only", "preselect") and v
    }
    if "long_only" in changes:
        opt["long_only"] = bool(changes["long_only"])
    limits = {k: changes[k] for k in ("max_position", "max_gross", "max_sector") if changes.get(k)}
    record = base.model_dump() | limits | {"optimizer": opt}
    if opt.get("long_only"):  # a long-only book is fully invested: its net band must allow it
        record |= {"max_net": max(1.0, record.get("max_net") or 1.0), "min_net": 0.0}
        record["max_gross"] = max(1.0, record.get("max_gross") or 1.0)
    return as_book_definition(record)


def what_if(
    inp: WhatIfInputs,
    changes: Mapping[str, Any] | None = None,
    costs: Mapping[str, float] | None = None,
    scenarios: Sequence[str] = SCENARIOS,
) -> WhatIf:
    """Re-optimise the run's book with ``changes`` (method, covariance, long_only, preselect,
    max_position, max_gross, max_sector) and cost assumptions ``costs`` (the fields of
    :class:`Costs` that change from the run's cost model: ``inp.costs.replace(**costs)``);
    measure it as the run measured its own. No change = the run's choices."""
    definition = _definition(inp, changes or {})
    cost_model = inp.costs.replace(**dict(costs or {}))
    built = current_book(
        inp.signals,
        inp.history,
        inp.bars,
        definition,
        cost_model,
        inp.horizon,
        capital=inp.capital,
    )
    weights = built.weights.astype("float64")
    weights = weights[weights.abs() > 1e-10]
    if weights.empty and built.fallback:
        raise ConfigError(
            f"no book meets these constraints ({built.fallback}); with "
            f"{len(built.names)} names kept: loosen that limit or keep more names"
        )
    if weights.empty:
        opt = definition.optimizer
        raise ConfigError(
            f"{opt.method if opt else 'the optimizer'} holds nothing under these constraints "
            f"(net between {definition.min_net} and {definition.max_net}, "
            f"{'long-only' if opt and opt.long_only else 'long/short'}): a risk-minimising "
            "book with no budget to invest stays in cash; try long-only or another optimizer"
        )
    risk = book_risk(
        weights,
        inp.bars,
        benchmark=inp.benchmark,
        sectors=inp.sectors,
        capital=inp.capital,
        scenarios=scenarios,
        costs=cost_model,
    )
    trade = weights.reindex(inp.book.index.union(weights.index), fill_value=0.0).sub(
        inp.book.reindex(inp.book.index.union(weights.index), fill_value=0.0)
    )
    return WhatIf(
        definition=definition,
        costs=cost_model,
        weights=weights,
        summary=built.summary(periods_per_year=252),
        risk=risk,
        turnover=float(trade.abs().sum()),
        expected_cost=trade_cost(inp, trade, cost_model, inp.capital),
        note=built.note,
    )


def trade_cost(inp: WhatIfInputs, trade: pd.Series, costs: Costs, capital: float) -> float:
    """Expected cost (currency) of trading ``trade`` (weights) at ``capital``: commission,
    half spread, taxes and square-root impact, per name, from the engine's formulas."""
    traded = trade[trade != 0]
    if traded.empty:
        return 0.0
    unit = unit_costs(costs, inp.bars, capital, float(traded.abs().median()))
    per_name = unit.reindex(traded.index).fillna(float(unit.max()))
    return float((traded.abs() * per_name).sum() * capital)


def cost_curve(
    inp: WhatIfInputs, result: WhatIf, capitals: Sequence[float] | None = None
) -> pd.DataFrame:
    """Cost of building ``result``'s book from cash at each book size, in bps of capital."""
    sizes = capitals or [float(c) for c in np.geomspace(1e5, 1e9, 9)]
    rows = []
    for c in sizes:
        cost = trade_cost(inp, result.weights, result.costs, c)
        rows.append({"capital": c, "cost": cost, "cost_bps": 1e4 * cost / c})
    return pd.DataFrame(rows)


def capacity(store: Any, run_id: str) -> pd.DataFrame:
    """The selected model's capacity curve the run's backtest measured (capital, Sharpe,
    cost bps...), or an empty frame."""
    found = sorted(store.sealed_dir(run_id).glob("backtests/model-*/capacity.parquet"))
    return pd.read_parquet(found[0]) if found else pd.DataFrame()


def save_what_if(store: Any, inp: WhatIfInputs, result: WhatIf, note: str = "") -> str:
    """Write ``result`` as a new ad-hoc run (pipeline ``whatif``) and seal it; return its id.

    The run records, as inputs with their hashes, the sealed run's artifacts the what-if was
    built from. The sealed run itself is not modified.
    """
    from mi_kernel.reporting import jsonable
    from mi_kernel.runstore import use_run

    ctx = store.start("whatif")
    with use_run(ctx):
        for name, uri in inp.used.items():
            ctx.record_run_input(name, uri)
        targets = result.weights.rename("weight").rename_axis("symbol").reset_index()
        ctx.write_table(targets, "portfolio/targets.parquet")
        ctx.write_json(
            jsonable(
                {
                    "based_on": inp.run_id,
                    "note": note,
                    "book": result.definition.record(),
                    "costs": result.costs.model_dump(),
                    "summary": result.summary,
                    "turnover": result.turnover,
                    "expected_cost": result.expected_cost,
                    "capital": inp.capital,
                }
            ),
            "portfolio/whatif.json",
        )
        ctx.write_json(result.risk.to_dict(), "portfolio/risk.json")
    return store.seal(ctx.run_id).run_id


__all__ = [
    "SCENARIOS",
    "WhatIf",
    "WhatIfInputs",
    "applied_costs",
    "capacity",
    "cost_curve",
    "load_inputs",
    "save_what_if",
    "trade_cost",
    "what_if",
]
