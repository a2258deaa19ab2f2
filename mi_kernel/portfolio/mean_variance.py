"""Solve one mean-variance problem on given moments: :func:`solve_mean_variance`.

The formulations are in :mod:`mi_kernel.portfolio.qp`. This module assembles them from a
covariance, expected returns and :class:`Constraints`, applies the ``max_names`` heuristic,
scales a budget-free maximum-Sharpe book out to its binding constraint, and turns an
infeasible problem into an :class:`InfeasibleError` naming the constraint at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.constraints import Constraints
from mi_kernel.portfolio.qp import (
    Group,
    InfeasibleError,
    Layout,
    Objective,
    Problem,
    constraint_groups,
    diagnose,
    homogenise,
    solve,
    solved,
    stack,
)

_NEEDS_MU = {
    Objective.MEAN_VARIANCE,
    Objective.MAX_SHARPE,
    Objective.TARGET_RETURN,
    Objective.TARGET_VOLATILITY,
    Objective.MAX_RETURN,
}
_ZERO = 1e-9  # |w| below this is solver dust: no position


@dataclass(frozen=True)
class Solution:
    """Weights of a solved problem and how they were reached."""

    weights: np.ndarray
    status: str
    solves: int
    note: str = ""


def _check_inputs(cov: np.ndarray, mu: np.ndarray | None, objective: Objective) -> None:
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ConfigError(f"cov must be a square matrix, got shape {cov.shape}")
    if not np.isfinite(cov).all():
        raise ConfigError("cov holds NaN or inf; estimate it on complete returns")
    if objective in _NEEDS_MU:
        if mu is None:
            raise ConfigError(f"objective {objective.value!r} needs expected returns (mu)")
        if mu.shape != (cov.shape[0],) or not np.isfinite(mu).all():
            raise ConfigError(
                f"mu must be {cov.shape[0]} finite expected returns, one per asset of cov"
            )


def _objective(
    layout: Layout,
    cov: np.ndarray,
    mu: np.ndarray,
    costs: np.ndarray,
    objective: Objective,
    risk_aversion: float,
) -> tuple[sp.csc_matrix, np.ndarray]:
    size, w = layout.size, layout.block("w")
    quad = {
        Objective.MIN_VARIANCE: 2.0,
        Objective.TARGET_RETURN: 2.0,
        Objective.MAX_SHARPE: 2.0,
        Objective.MEAN_VARIANCE: 2.0 * risk_aversion,
    }.get(objective, 0.0)
    rows, cols = np.triu_indices(layout.n)  # Clarabel reads the upper triangle
    p = sp.csc_matrix((quad * cov[rows, cols], (rows, cols)), shape=(size, size))
    if not quad:
        p = sp.csc_matrix((size, size))
    q = np.zeros(size)
    if objective in (Objective.MEAN_VARIANCE, Objective.TARGET_VOLATILITY, Objective.MAX_RETURN):
        q[w] = -mu
    if layout.has_trade and objective != Objective.MAX_SHARPE:
        q[layout.block("t")] = costs
    # scale the objective to unit average variance: the same minimiser, fewer solver steps
    scale = 1.0 / max(float(np.mean(np.diag(cov))), 1e-300)
    return p * scale, q * scale


def _net_return_row(layout: Layout, mu: np.ndarray, costs: np.ndarray) -> sp.csr_matrix:
    row = np.zeros(layout.size)
    row[layout.block("w")] = mu
    if layout.has_trade:
        row[layout.block("t")] = -costs
    return sp.csr_matrix(row)


def _objective_groups(
    layout: Layout,
    mu: np.ndarray,
    costs: np.ndarray,
    objective: Objective,
    target_return: float | None,
    risk_free_rate: float,
) -> list[Group]:
    if objective == Objective.TARGET_RETURN:
        if target_return is None:
            raise ConfigError("objective 'target_return' needs target_return=")
        return [
            Group(
                f"target return {target_return:g}",
                -_net_return_row(layout, mu, costs),
                np.array([-target_return]),
            )
        ]
    if objective == Objective.MAX_SHARPE:
        kappa = np.zeros((1, layout.size))
        kappa[0, -1] = -1.0
        # the normalisation's scale is free (w = y / κ): unit largest excess return
        unit = 1.0 / max(float(np.abs(mu - risk_free_rate).max()), 1e-300)
        excess = _net_return_row(layout, (mu - risk_free_rate) * unit, costs * unit)
        return [
            Group("κ ≥ 0", sp.csr_matrix(kappa), np.zeros(1)),
            Group("positive excess return (max Sharpe)", excess, np.ones(1), equality=True),
        ]
    return []


def _soc(layout: Layout, cov: np.ndarray, target_volatility: float | None):
    if target_volatility is None or not target_volatility > 0:
        raise ConfigError("objective 'target_volatility' needs a positive target_volatility=")
    chol = np.linalg.cholesky(cov)
    a = sp.lil_matrix((layout.n + 1, layout.size))
    a[1:, layout.block("w")] = -chol.T
    b = np.zeros(layout.n + 1)
    b[0] = target_volatility
    return a.tocsr(), b


class _Rows:
    """The constraint rows of a problem stacked once, to test candidate weights quickly."""

    def __init__(self, groups: list[Group], layout: Layout, prev: np.ndarray) -> None:
        self.a_eq, self.b_eq, self.a_in, self.b_in = stack(groups)
        self.layout, self.prev = layout, prev

    def feasible(self, x_w: np.ndarray) -> bool:
        layout = self.layout
        x = np.zeros(layout.size)
        x[layout.block("w")] = x_w
        if layout.has_abs:
            x[layout.block("a")] = np.abs(x_w)
        if layout.has_trade:
            x[layout.block("t")] = np.abs(x_w - self.prev)
        if (
            len(self.b_eq)
            and (np.abs(self.a_eq @ x - self.b_eq) > 1e-9 * (1.0 + np.abs(self.b_eq))).any()
        ):
            return False
        return not (self.a_in @ x > self.b_in + 1e-12 * (1.0 + np.abs(self.b_in))).any()


def _scale_out(w: np.ndarray, groups: list[Group], layout: Layout, prev: np.ndarray) -> np.ndarray:
    """Scale a feasible ``w`` up to the largest feasible multiple (same Sharpe ratio)."""
    rows = _Rows(groups, layout, prev)
    lo, hi = 1.0, 2.0
    while rows.feasible(w * hi) and hi < 1e9:
        lo, hi = hi, hi * 2.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rows.feasible(w * mid) else (lo, mid)
    return w * lo


def solve_mean_variance(
    cov: np.ndarray,
    mu: np.ndarray | None = None,
    objective: str = "min_variance",
    constraints: Constraints | None = None,
    symbols: list[str] | None = None,
    betas: np.ndarray | None = None,
    previous_weights: np.ndarray | None = None,
    costs: np.ndarray | float = 0.0,
    risk_aversion: float = 1.0,
    target_return: float | None = None,
    target_volatility: float | None = None,
    risk_free_rate: float = 0.0,
) -> Solution:
    """Return the weights solving ``objective`` under ``constraints`` (see :mod:`.qp`).

    Parameters
    ----------
    cov : ndarray, shape (n, n)
        Positive-definite covariance per period.
    mu : ndarray, shape (n,), optional
        Expected returns per period (needed by every objective but min_variance).
    objective : str
        Key of :class:`Objective`.
    constraints : Constraints, optional
        Default: long-only, fully invested, no caps.
    symbols : list of str, optional
        Asset names (for restricted names and group caps); default "0", "1", ...
    betas : ndarray, optional
        Asset betas for ``constraints.beta_band``.
    previous_weights : ndarray, optional
        Weights held before (default none) for turnover caps and costs.
    costs : float or ndarray
        Cost per unit of weight traded, already divided by the holding periods.
    risk_aversion, target_return, target_volatility, risk_free_rate : float
        Parameters of the mean_variance, target_* and max_sharpe objectives.

    Raises
    ------
    InfeasibleError
        Naming the constraint group that cannot hold (with the ones before it).
    ConfigError
        On inconsistent inputs (shapes, a missing target or betas).
    """
    try:
        obj = Objective(objective)
    except ValueError:
        raise ConfigError(
            f"unknown objective {objective!r}; choose one of {[o.value for o in Objective]}"
        ) from None
    cov = np.asarray(cov, dtype="float64")
    mu_arr = None if mu is None else np.asarray(mu, dtype="float64")
    _check_inputs(cov, mu_arr, obj)
    n = cov.shape[0]
    cons = constraints or Constraints()
    names = list(symbols) if symbols is not None else [str(i) for i in range(n)]
    prev = np.zeros(n) if previous_weights is None else np.asarray(previous_weights, float)
    cost = np.broadcast_to(np.asarray(costs, dtype="float64"), (n,)).copy()
    if (cost < 0).any() or not np.isfinite(cost).all():
        raise ConfigError("transaction costs must be finite and non-negative")
    layout = Layout(
        n,
        has_abs=not cons.long_only,
        has_trade=cons.max_turnover is not None or bool(cost.any()),
        has_kappa=obj == Objective.MAX_SHARPE,
    )
    mu_v = mu_arr if mu_arr is not None else np.zeros(n)
    p, q = _objective(layout, cov, mu_v, cost, obj, risk_aversion)
    zero: np.ndarray | None = None
    solves, note = 0, ""
    while True:
        groups = constraint_groups(layout, cons, names, betas, prev, zero)
        extra = _objective_groups(layout, mu_v, cost, obj, target_return, risk_free_rate)
        soc = _soc(layout, cov, target_volatility) if obj == Objective.TARGET_VOLATILITY else None
        rows = homogenise(groups) if obj == Objective.MAX_SHARPE else groups
        x, status = solve(Problem(layout, p, q, [*rows, *extra], soc))
        solves += 1
        if not solved(status):
            _raise_unsolved(status, Problem(layout, p, q, groups, None), extra, obj)
        w = x[layout.block("w")] / (x[-1] if obj == Objective.MAX_SHARPE else 1.0)
        if obj == Objective.MAX_SHARPE and cons.budget is None:
            w = _scale_out(w, groups, layout, prev)
        held = np.abs(w) > _ZERO
        if cons.max_names is None or held.sum() <= cons.max_names or zero is not None:
            break
        keep = np.argsort(-np.abs(w), kind="stable")[: cons.max_names]
        zero = np.ones(n, dtype=bool)
        zero[keep] = False
        note = (
            f"max_names {cons.max_names}: {int(held.sum())} names held at first; kept the "
            f"{cons.max_names} largest and solved again"
        )
    w = np.where(np.abs(w) > _ZERO, w, 0.0) + 0.0
    if cons.budget is not None and abs(float(w.sum()) - cons.budget) > 1e-6:
        raise InfeasibleError(
            f"the {obj.value} solution sums to {float(w.sum()):.8g}, not the declared budget "
            f"{cons.budget:g} (solver status {status}); check the covariance scale"
        )
    return Solution(weights=w, status=status, solves=solves, note=note)


def _raise_unsolved(status: str, base: Problem, extra: list[Group], obj: Objective) -> None:
    if status == "PrimalInfeasible" or (obj == Objective.MAX_SHARPE and status == "DualInfeasible"):
        culprit = diagnose(base, [] if obj == Objective.MAX_SHARPE else extra)
        if culprit is None and obj == Objective.TARGET_VOLATILITY:
            raise InfeasibleError(
                "the target_volatility problem is infeasible: the target is below the lowest "
                "volatility the constraints allow (see the min_variance book); raise it"
            )
        if culprit is None and obj == Objective.MAX_SHARPE:
            raise InfeasibleError(
                f"the {obj.value} problem is infeasible: no book within the constraints has a "
                "positive expected excess return (net of costs), so the Sharpe ratio cannot "
                "be maximised; use min_variance, or check the expected returns"
            )
        raise InfeasibleError(
            f"the {obj.value} problem is infeasible: {culprit or 'the constraints'} cannot hold; "
            "relax that limit "
            "(or set fallback='previous' or 'cash' to keep running with a stated fallback)"
        )
    raise InfeasibleError(
        f"the {obj.value} problem was not solved (solver status {status}); check the "
        "covariance scale and the constraints, or set a fallback"
    )
