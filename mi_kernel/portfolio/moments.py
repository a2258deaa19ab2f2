"""Covariance estimators, registered by name (scikit-learn style: ``fit(X)`` sets ``covariance_``).

``sample``, ``ledoit_wolf``, ``oas`` and ``ew`` are skfolio's estimators (which equal
:mod:`sklearn.covariance` on the same returns); ``factor`` is :class:`FactorCovariance`, a
factor-model covariance ``B Σ_f Bᵀ + D`` from given factor returns (time-series regressions)
or from the first principal components of the returns (statistical factors).

Every estimator is validated by :func:`estimate_covariance`, which returns a symmetric,
positive-definite frame or raises a :class:`~mi_kernel.errors.DataError` naming the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from skfolio.moments import OAS, EmpiricalCovariance, EWCovariance, LedoitWolf
from sklearn.base import BaseEstimator

from mi_kernel.errors import ConfigError, DataError


class CovarianceName(StrEnum):
    """Registered covariance estimators."""

    SAMPLE = "sample"
    LEDOIT_WOLF = "ledoit_wolf"
    OAS = "oas"
    EW = "ew"
    FACTOR = "factor"


class FactorCovariance(BaseEstimator):
    """Factor-model covariance: exposures × factor covariance × exposuresᵀ + specific risk.

    Parameters
    ----------
    n_factors : int, default 5
        Number of statistical factors (principal components of the demeaned returns) used
        when ``fit`` gets no factor returns.
    ddof : int, default 1
        Delta degrees of freedom of the factor covariance and the residual variances.

    Attributes
    ----------
    covariance_ : ndarray, shape (n_assets, n_assets)
        ``B @ cov_f @ B.T + diag(specific_variance_)``.
    loadings_ : ndarray, shape (n_assets, n_factors)
        Exposure of each asset to each factor (OLS slopes with an intercept).
    factor_covariance_ : ndarray, shape (n_factors, n_factors)
    specific_variance_ : ndarray, shape (n_assets,)
        Variance of each asset's regression residual.
    """

    def __init__(self, n_factors: int = 5, ddof: int = 1) -> None:
        self.n_factors = n_factors
        self.ddof = ddof

    def fit(self, X: Any, y: Any = None) -> FactorCovariance:
        """Estimate the model from returns ``X`` and optional factor returns ``y``.

        Parameters
        ----------
        X : array-like, shape (n_periods, n_assets)
            Asset returns, no NaN.
        y : array-like, shape (n_periods, n_factors), optional
            Factor returns on the same periods; None = statistical factors.
        """
        x = np.asarray(X, dtype="float64")
        t = x.shape[0]
        if y is None:
            if not 1 <= self.n_factors < min(x.shape):
                raise ConfigError(
                    f"n_factors must be in [1, {min(x.shape) - 1}] for returns of shape "
                    f"{x.shape}, got {self.n_factors}"
                )
            centred = x - x.mean(axis=0)
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            factors = centred @ vt[: self.n_factors].T
        else:
            factors = np.asarray(y, dtype="float64").reshape(t, -1)
        design = np.column_stack([np.ones(t), factors])
        coef, *_ = np.linalg.lstsq(design, x, rcond=None)
        resid = x - design @ coef
        self.loadings_ = coef[1:].T
        self.factor_covariance_ = np.atleast_2d(np.cov(factors, rowvar=False, ddof=self.ddof))
        dof = max(t - design.shape[1], 1) if self.ddof else t
        self.specific_variance_ = (resid**2).sum(axis=0) / dof
        self.covariance_ = self.loadings_ @ self.factor_covariance_ @ self.loadings_.T + np.diag(
            self.specific_variance_
        )
        return self


#: Registry: name -> factory(**params) of an unfitted covariance estimator.
COVARIANCES: dict[str, Callable[..., Any]] = {
    CovarianceName.SAMPLE: EmpiricalCovariance,
    CovarianceName.LEDOIT_WOLF: LedoitWolf,
    CovarianceName.OAS: OAS,
    CovarianceName.EW: EWCovariance,
    CovarianceName.FACTOR: FactorCovariance,
}


def make_covariance(name: str = "ledoit_wolf", **params: Any) -> Any:
    """Return the unfitted covariance estimator registered as ``name``.

    Raises
    ------
    ConfigError
        On an unknown name or a parameter the estimator does not take.
    """
    if name not in COVARIANCES:
        raise ConfigError(f"unknown covariance {name!r}; choose one of {sorted(COVARIANCES)}")
    if name != CovarianceName.FACTOR:
        # skfolio would silently clip a non-PD matrix to the nearest PD one: we refuse instead
        params = {"nearest": False, **params}
    try:
        return COVARIANCES[name](**params)
    except TypeError as exc:
        raise ConfigError(f"covariance {name!r} does not take {sorted(params)}: {exc}") from exc


def check_returns(returns: pd.DataFrame, min_periods: int = 2) -> pd.DataFrame:
    """Return ``returns`` as float64 after checking shape, names and values.

    Raises
    ------
    DataError
        If ``returns`` is not a wide frame, is shorter than ``min_periods`` rows, repeats a
        column, or holds NaN / inf (naming the columns and how to fix them).
    """
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] == 0:
        raise DataError("returns must be a wide DataFrame (ts x symbol) with at least one column")
    if returns.shape[0] < min_periods:
        raise DataError(
            f"returns have {returns.shape[0]} row(s); at least {min_periods} are needed for "
            "this estimate — pass a longer window"
        )
    if returns.columns.duplicated().any():
        dup = sorted(set(returns.columns[returns.columns.duplicated()].astype(str)))
        raise DataError(f"returns have duplicate columns {dup[:10]}; keep one per symbol")
    values = returns.to_numpy(dtype="float64")
    bad = ~np.isfinite(values).all(axis=0)
    if bad.any():
        names = [str(c) for c in returns.columns[bad]]
        raise DataError(
            f"returns of {names[:10]}{' ...' if len(names) > 10 else ''} contain NaN or inf; "
            "drop those columns or fill the gaps (e.g. .fillna(0.0)) before estimating"
        )
    return returns.astype("float64")


def check_covariance(cov: np.ndarray, names: pd.Index, tol: float = 1e-12) -> np.ndarray:
    """Return ``cov`` symmetrised after checking it is finite and positive definite.

    Raises
    ------
    DataError
        If the matrix holds NaN / inf, is not square, or is not positive definite (naming
        its smallest eigenvalue and how to fix it: a shrinkage estimator, fewer assets or a
        longer window).
    """
    c = np.asarray(cov, dtype="float64")
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] != len(names):
        raise DataError(f"covariance must be square over {len(names)} assets, got {c.shape}")
    if not np.isfinite(c).all():
        raise DataError("covariance holds NaN or inf; check the returns window")
    c = (c + c.T) / 2.0
    smallest = float(np.linalg.eigvalsh(c)[0])
    scale = max(float(np.abs(np.diag(c)).max()), tol)
    if smallest <= tol * scale:
        raise DataError(
            f"covariance of {len(names)} assets is not positive definite (smallest eigenvalue "
            f"{smallest:.3g}): use a shrinkage estimator (ledoit_wolf, oas), fewer assets, "
            "or a window longer than the number of assets"
        )
    return c


def estimate_covariance(
    returns: pd.DataFrame, method: str = "ledoit_wolf", factors: Any = None, **params: Any
) -> pd.DataFrame:
    """Estimate the covariance of ``returns`` with the registered estimator ``method``.

    Parameters
    ----------
    returns : DataFrame, shape (n_periods, n_assets)
        Simple per-period returns, no NaN.
    method : str, default "ledoit_wolf"
        Key of :data:`COVARIANCES`.
    factors : array-like, optional
        Factor returns for ``method="factor"`` (rows aligned with ``returns``).
    **params
        Parameters of the estimator (e.g. ``half_life=40`` for "ew").

    Returns
    -------
    DataFrame
        Symmetric positive-definite covariance, indexed and columned by symbol, in the
        units of ``returns`` per period.
    """
    r = check_returns(returns)
    est = make_covariance(method, **params)
    if factors is not None and method != CovarianceName.FACTOR:
        raise ConfigError(f"factors are only used by the 'factor' covariance, not {method!r}")
    est.fit(r.to_numpy(), factors) if method == CovarianceName.FACTOR else est.fit(r.to_numpy())
    cov = check_covariance(est.covariance_, r.columns)
    return pd.DataFrame(cov, index=r.columns.copy(), columns=r.columns.copy())
