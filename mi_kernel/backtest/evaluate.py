"""One honest backtest, composed: weights → simulation with policies → trials → validation.

:func:`evaluate` is the domain half of ``tools.run_backtest`` (the tool loads, calls this,
writes and records). Given target weights and a market it

1. simulates them with the cost model, the execution rules and the book's risk
   :class:`~mi_kernel.risk.Policies` (acting inside the simulation at every bar);
2. reports the variant as a trial (``on_trial``: the tool records it in the ledger) and
   deflates the Sharpe ratio by the Sharpe ratios of every variant tried on the same data
   before (``prior_trials``, plain numbers); bootstraps Sharpe, mean and drawdown intervals;
3. runs the capacity curve and the stress scenarios on the same book with the same policies,
   the scenarios against :func:`limits_for_book` unless limits are given.

A model's walk-forward predictions become the weights of a book definition through
:func:`mi_kernel.backtest.book_weights` (the construction notebook 06 uses too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mi_kernel import metrics
from mi_kernel.backtest import trials
from mi_kernel.backtest.capacity import capacity_curve
from mi_kernel.backtest.costs import Costs
from mi_kernel.backtest.engine import Execution, simulate
from mi_kernel.backtest.market import Market
from mi_kernel.backtest.result import BacktestResult
from mi_kernel.backtest.stress import Limits, limits_for_book, run_scenarios
from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.definition import BookDefinition
from mi_kernel.risk.policies import Policies


@dataclass(frozen=True)
class Evaluation:
    """A simulated backtest with its trial record and validation."""

    result: BacktestResult
    weights: pd.DataFrame
    variant_id: str
    deflated: dict[str, Any]
    bootstrap: dict[str, Any]
    capacity: pd.DataFrame | None = None
    scenarios: pd.DataFrame | None = None
    rebalances: pd.DataFrame | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def evaluate(
    weights: pd.DataFrame,
    market: Market,
    *,
    strategy_id: str,
    variant: Mapping[str, Any],
    costs: Costs,
    execution: Execution,
    policies: Policies | None,
    prior_trials: Mapping[str, float],
    data_hash: str,
    on_trial: Callable[[str, float, int], object] | None = None,
    start: str | None = None,
    end: str | None = None,
    capacity: bool = True,
    scenarios: Sequence[str] = (),
    limits: Limits | None = None,
    book: BookDefinition | None = None,
    rebalances: pd.DataFrame | None = None,
) -> Evaluation:
    """Simulate ``weights`` on ``market`` and validate the result (see the module docstring).

    ``variant`` describes what distinguishes this backtest from others on the same data
    (parameters, constraints, book): with the execution, costs, window and data hash it
    makes the trial's id. ``prior_trials`` maps the id of every variant already tried on the
    data to its annualised Sharpe ratio; ``on_trial(variant_id, sharpe, n_obs)`` is called
    once the simulation is done, before anything else can fail, to record the trial.
    """
    result = simulate(weights, market, costs, execution=execution, policies=policies)
    active = result.active_returns
    described = {**dict(variant), "execution": execution.model_dump()}
    if policies is not None:
        described["policies"] = policies.model_dump(mode="json")
    vid = trials.variant_id(strategy_id, described, costs.model_dump(), start, end, data_hash)
    sharpe = metrics.sharpe(active)
    if on_trial is not None:
        on_trial(vid, sharpe, len(active))
    try:
        deflated = trials.deflate(
            active, {**prior_trials, vid: sharpe}, variant_id=vid, data_hash=data_hash
        )
        boot = {
            stat: metrics.bootstrap_ci(active, stat, reps=500)
            for stat in ("sharpe", "mean", "max_drawdown")
        }
    except ConfigError as exc:  # e.g. nothing traded: no Sharpe ratio to deflate or bootstrap
        n = len({*prior_trials, vid})
        deflated = {"n_trials": max(n, 1), "trial_sharpe_var": 0.0, "dsr": None, "note": str(exc)}
        boot = {}
    curve = (
        capacity_curve(weights, market, costs, execution=execution, policies=policies)
        if capacity
        else None
    )
    table = None
    if scenarios:
        lim = limits
        if lim is None:
            lim = limits_for_book(book.max_gross, book.max_position) if book else limits_for_book()
        table = run_scenarios(
            weights, market, list(scenarios), costs, lim, execution=execution, policies=policies
        )
    return Evaluation(
        result=result,
        weights=weights,
        variant_id=vid,
        deflated=deflated,
        bootstrap=boot,
        capacity=curve,
        scenarios=table,
        rebalances=rebalances,
    )
