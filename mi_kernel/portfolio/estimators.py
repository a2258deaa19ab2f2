"""Optimizers as scikit-learn estimators: ``fit(returns)`` sets ``weights_``.

* :class:`MeanVariance` — every objective of :mod:`mi_kernel.portfolio.qp` on a registered
  covariance and expected returns (historical, equilibrium, or given at ``fit``), under the
  shared :class:`Constraints`, with turnover caps and costs per unit traded.
* :class:`RiskParity` — equal risk contributions or risk budgets (skfolio's
  ``RiskBudgeting``), long-only, with position, restricted and group caps.
* :class:`HRP` — skfolio's hierarchical risk parity with position caps and restricted names.
* :class:`EqualWeight`, :class:`InverseVolatility` — naive allocations (skfolio).

Every fitted estimator also sets ``covariance_`` (the covariance used), ``risk_``
(:func:`risk_decomposition` of the weights) and ``fallback_`` (None, or the reason a
stated fallback replaced an infeasible problem). Fallbacks: ``"raise"`` (default, the
error names the constraint), ``"previous"`` (keep the previous weights: no trade) or
``"cash"`` (hold nothing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from skfolio.moments import BaseCovariance
from skfolio.optimization import EqualWeighted, HierarchicalRiskParity
from skfolio.optimization import InverseVolatility as _SkInverseVolatility
from skfolio.optimization import RiskBudgeting as _SkRiskBudgeting
from skfolio.prior import EmpiricalPrior
from sklearn.base import BaseEstimator

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.constraints import Constraints, as_constraints
from mi_kernel.portfolio.decomposition import risk_decomposition
from mi_kernel.portfolio.expected import aligned, equilibrium_returns, historical_mean
from mi_kernel.portfolio.mean_variance import solve_mean_variance
from mi_kernel.portfolio.moments import check_covariance, check_returns, estimate_covariance
from mi_kernel.portfolio.qp import InfeasibleError

_FALLBACKS = ("raise", "previous", "cash")
#: Clarabel tolerances for skfolio's cvxpy problems (its defaults leave ~1e-5 in the weights)
_TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


class _Fixed(BaseCovariance):
    """A skfolio covariance estimator that returns a given matrix (to share our estimates)."""

    def __init__(self, matrix: Any = None) -> None:
        super().__init__()
        self.matrix = matrix

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> _Fixed:
        self._set_covariance(np.asarray(self.matrix, dtype="float64"))
        return self


def _series(values: Any, names: pd.Index, what: str) -> np.ndarray | None:
    return None if values is None else aligned(values, names, what)


class _Base(BaseEstimator):
    """Shared fit plumbing: returns, covariance, constraints, fallback, risk."""

    covariance: str
    covariance_params: dict[str, Any] | None
    constraints: Constraints | dict[str, Any] | None
    fallback: str

    def _prepare(
        self, X: pd.DataFrame, cov: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        if self.fallback not in _FALLBACKS:
            raise ConfigError(f"unknown fallback {self.fallback!r}; choose one of {_FALLBACKS}")
        returns = check_returns(X, min_periods=2)
        if cov is None:
            cov = estimate_covariance(
                returns, self.covariance, **dict(self.covariance_params or {})
            )
        else:
            cov = cov.loc[returns.columns, returns.columns]
            cov = pd.DataFrame(
                check_covariance(cov.to_numpy(), returns.columns),
                index=returns.columns,
                columns=returns.columns,
            )
        return returns, cov

    def _finish(self, weights: np.ndarray, cov: pd.DataFrame, fallback: str | None) -> None:
        self.weights_ = pd.Series(weights, index=cov.index.copy(), name="weight")
        self.covariance_ = cov
        self.fallback_ = fallback
        self.risk_ = risk_decomposition(self.weights_, cov)

    def _fall_back(self, exc: InfeasibleError, previous: np.ndarray | None, n: int) -> np.ndarray:
        if self.fallback == "raise":
            raise exc
        if self.fallback == "previous":
            return np.zeros(n) if previous is None else previous.copy()
        return np.zeros(n)


class MeanVariance(_Base):
    """Mean-variance optimizer (see :mod:`mi_kernel.portfolio.qp` for the objectives).

    Parameters
    ----------
    objective : str, default "min_variance"
        min_variance, mean_variance, max_sharpe, target_return, target_volatility, max_return.
    covariance : str, default "ledoit_wolf"
        Key of :data:`mi_kernel.portfolio.COVARIANCES`.
    covariance_params : dict, optional
        Parameters of that estimator.
    expected_returns : {"historical", "equilibrium"}, default "historical"
        Used when ``fit`` gets no ``mu``; equilibrium reverse-optimises ``benchmark_weights``
        (default: equal weights) with ``risk_aversion``.
    risk_aversion : float, default 1.0
    target_return, target_volatility : float, optional
        Per period, for the target objectives.
    risk_free_rate : float, default 0.0
        Per period, for max_sharpe.
    constraints : Constraints or dict, optional
    transaction_costs : float, default 0.0
        Cost per unit of weight traded (fraction: 0.001 = 10 bps); ``fit`` may give a
        per-asset vector instead.
    holding_periods : float, default 1.0
        Periods a trade is expected to be held: costs are divided by it, to compare with
        per-period expected returns.
    fallback : {"raise", "previous", "cash"}, default "raise"
    """

    def __init__(
        self,
        objective: str = "min_variance",
        covariance: str = "ledoit_wolf",
        covariance_params: dict[str, Any] | None = None,
        expected_returns: str = "historical",
        risk_aversion: float = 1.0,
        target_return: float | None = None,
        target_volatility: float | None = None,
        risk_free_rate: float = 0.0,
        constraints: Constraints | dict[str, Any] | None = None,
        transaction_costs: float = 0.0,
        holding_periods: float = 1.0,
        fallback: str = "raise",
    ) -> None:
        self.objective = objective
        self.covariance = covariance
        self.covariance_params = covariance_params
        self.expected_returns = expected_returns
        self.risk_aversion = risk_aversion
        self.target_return = target_return
        self.target_volatility = target_volatility
        self.risk_free_rate = risk_free_rate
        self.constraints = constraints
        self.transaction_costs = transaction_costs
        self.holding_periods = holding_periods
        self.fallback = fallback

    def _mu(self, returns: pd.DataFrame, cov: pd.DataFrame, bench: Any) -> pd.Series:
        if self.expected_returns == "historical":
            return historical_mean(returns)
        if self.expected_returns == "equilibrium":
            w = bench if bench is not None else pd.Series(1.0 / len(cov), index=cov.index)
            return equilibrium_returns(cov, w, self.risk_aversion)
        raise ConfigError(
            f"unknown expected_returns {self.expected_returns!r}; choose 'historical' or "
            "'equilibrium', or pass mu= to fit (e.g. signal-implied or Black-Litterman returns)"
        )

    def fit(
        self,
        X: pd.DataFrame,
        y: Any = None,
        *,
        mu: pd.Series | None = None,
        cov: pd.DataFrame | None = None,
        betas: pd.Series | None = None,
        previous_weights: pd.Series | None = None,
        transaction_costs: pd.Series | None = None,
        benchmark_weights: pd.Series | None = None,
    ) -> MeanVariance:
        """Solve on the returns ``X`` (ts x symbol); data given here overrides the estimates."""
        if not self.holding_periods > 0:
            raise ConfigError(f"holding_periods must be positive, got {self.holding_periods}")
        returns, cov_ = self._prepare(X, cov)
        names = cov_.index
        mu_ = (
            self._mu(returns, cov_, benchmark_weights)
            if mu is None
            else pd.Series(_series(mu, names, "mu"), index=names)
        )
        prev = (
            _series(previous_weights.reindex(names).fillna(0.0), names, "previous_weights")
            if previous_weights is not None
            else None
        )
        unit = _series(transaction_costs, names, "transaction_costs")
        costs = (self.transaction_costs if unit is None else unit) / self.holding_periods
        cons = as_constraints(self.constraints)
        self.expected_returns_ = mu_
        try:
            sol = solve_mean_variance(
                cov_.to_numpy(),
                mu_.to_numpy(),
                self.objective,
                cons,
                [str(s) for s in names],
                betas=_series(betas, names, "betas"),
                previous_weights=prev,
                costs=costs,
                risk_aversion=self.risk_aversion,
                target_return=self.target_return,
                target_volatility=self.target_volatility,
                risk_free_rate=self.risk_free_rate,
            )
            self.note_ = sol.note
            self._finish(sol.weights, cov_, None)
        except InfeasibleError as exc:
            self.note_ = str(exc)
            self._finish(self._fall_back(exc, prev, len(names)), cov_, str(exc))
        return self


def _caps(cons: Constraints, names: pd.Index, who: str) -> tuple[np.ndarray, np.ndarray]:
    if not cons.long_only or cons.budget != 1.0:
        raise ConfigError(
            f"{who} builds long-only, fully invested books: set long_only=True, "
            "budget=1 (use mean-variance for long/short books)"
        )
    unsupported = [
        k
        for k in ("beta_band", "max_turnover", "max_names", "max_gross")
        if getattr(cons, k) is not None
    ]
    if unsupported:
        raise ConfigError(
            f"{who} does not support the constraint(s) {unsupported}; "
            "use a mean-variance objective for them"
        )
    hi = np.full(len(names), cons.max_position)
    hi[np.isin(names.astype(str), list(cons.restricted))] = 0.0
    return np.zeros(len(names)), hi


def _linear_groups(cons: Constraints, names: pd.Index) -> dict[str, Any]:
    """Group caps as skfolio groups + linear constraints (labels made parser-safe)."""
    rows, exprs = [], []
    for kind in ("sector", "country"):
        mapping, caps = cons.group_caps(kind)
        labels = [mapping.get(str(s), "Unknown") for s in names]
        for i, (group, cap) in enumerate(sorted(caps.items())):
            if group in labels:
                tag = f"{kind[0]}{i}"
                rows.append([tag if lab == group else "none" for lab in labels])
                exprs.append(f"{tag} <= {cap!r}")
    return {"groups": rows, "linear_constraints": exprs} if rows else {}


class RiskParity(_Base):
    """Equal risk contributions (or ``risk_budget``) via skfolio's ``RiskBudgeting``.

    Parameters
    ----------
    covariance, covariance_params, constraints, fallback
        As :class:`MeanVariance` (long-only; position, restricted and group caps).
    risk_budget : dict, optional
        Symbol -> budget (normalised to sum 1); default equal.
    """

    def __init__(
        self,
        covariance: str = "ledoit_wolf",
        covariance_params: dict[str, Any] | None = None,
        risk_budget: dict[str, float] | None = None,
        constraints: Constraints | dict[str, Any] | None = None,
        fallback: str = "raise",
    ) -> None:
        self.covariance = covariance
        self.covariance_params = covariance_params
        self.risk_budget = risk_budget
        self.constraints = constraints
        self.fallback = fallback

    def fit(self, X: pd.DataFrame, y: Any = None, *, cov: pd.DataFrame | None = None) -> RiskParity:
        """Solve on the returns ``X`` (ts x symbol)."""
        returns, cov_ = self._prepare(X, cov)
        cons = as_constraints(self.constraints)
        lo, hi = _caps(cons, cov_.index, "risk_parity")
        budget = None
        if self.risk_budget is not None:
            budget = _series(self.risk_budget, cov_.index, "risk_budget")
            if budget is None or bool(np.any(budget <= 0)):
                raise ConfigError("risk_budget must be positive for every asset")
        model = _SkRiskBudgeting(
            risk_budget=budget,
            min_weights=lo,
            max_weights=hi,
            prior_estimator=EmpiricalPrior(covariance_estimator=_Fixed(cov_.to_numpy())),
            raise_on_failure=True,
            **_linear_groups(cons, cov_.index),
        )
        try:
            model.fit(returns.to_numpy())
            self._finish(np.asarray(model.weights_, dtype="float64"), cov_, None)
        except Exception as exc:
            err = InfeasibleError(f"risk_parity could not be solved under the constraints: {exc}")
            self._finish(self._fall_back(err, None, len(cov_)), cov_, str(err))
        return self


class HRP(_Base):
    """Hierarchical risk parity (skfolio), long-only with position caps and restricted names."""

    def __init__(
        self,
        covariance: str = "ledoit_wolf",
        covariance_params: dict[str, Any] | None = None,
        constraints: Constraints | dict[str, Any] | None = None,
        fallback: str = "raise",
    ) -> None:
        self.covariance = covariance
        self.covariance_params = covariance_params
        self.constraints = constraints
        self.fallback = fallback

    def fit(self, X: pd.DataFrame, y: Any = None, *, cov: pd.DataFrame | None = None) -> HRP:
        """Allocate on the returns ``X`` (ts x symbol)."""
        returns, cov_ = self._prepare(X, cov)
        cons = as_constraints(self.constraints)
        lo, hi = _caps(cons, cov_.index, "hrp")
        if _linear_groups(cons, cov_.index):
            raise ConfigError(
                "hrp does not support sector or country caps; use risk_parity "
                "or a mean-variance objective"
            )
        if hi.sum() < 1.0 - 1e-12:
            err = InfeasibleError(
                f"hrp is infeasible: max_position {cons.max_position:g} "
                f"× {int((hi > 0).sum())} allowed names < 1"
            )
            self._finish(self._fall_back(err, None, len(cov_)), cov_, str(err))
            return self
        model = HierarchicalRiskParity(
            min_weights=lo,
            max_weights=hi,
            prior_estimator=EmpiricalPrior(covariance_estimator=_Fixed(cov_.to_numpy())),
        ).fit(returns.to_numpy())
        self._finish(np.asarray(model.weights_, dtype="float64"), cov_, None)
        return self


class _Naive(_Base):
    """A skfolio naive allocation on the registered covariance (no constraints)."""

    def __init__(self, covariance: str = "sample", fallback: str = "raise") -> None:
        self.covariance = covariance
        self.covariance_params = None
        self.constraints = None
        self.fallback = fallback

    def _model(self, cov: pd.DataFrame) -> Any:
        raise NotImplementedError

    def fit(self, X: pd.DataFrame, y: Any = None, *, cov: pd.DataFrame | None = None) -> Any:
        """Allocate on the returns ``X`` (ts x symbol)."""
        returns, cov_ = self._prepare(X, cov)
        model = self._model(cov_).fit(returns.to_numpy())
        self._finish(np.asarray(model.weights_, dtype="float64"), cov_, None)
        return self


class EqualWeight(_Naive):
    """``1/n`` over the assets (skfolio ``EqualWeighted``)."""

    def _model(self, cov: pd.DataFrame) -> Any:
        return EqualWeighted()


class InverseVolatility(_Naive):
    """Weights proportional to ``1/σ_i`` of the covariance (skfolio ``InverseVolatility``)."""

    def _model(self, cov: pd.DataFrame) -> Any:
        return _SkInverseVolatility(
            prior_estimator=EmpiricalPrior(covariance_estimator=_Fixed(cov.to_numpy()))
        )
