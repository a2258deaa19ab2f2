"""Risk decomposition of a book: marginal risk and Euler risk contributions."""

from __future__ import annotations

import numpy as np
import pandas as pd


def risk_decomposition(weights: pd.Series, cov: pd.DataFrame) -> pd.DataFrame:
    """Return the risk of each position of ``weights`` under ``cov``.

    Parameters
    ----------
    weights : Series
        Weight per symbol (every symbol must be in ``cov``).
    cov : DataFrame
        Covariance per period.

    Returns
    -------
    DataFrame
        One row per symbol with ``weight``; ``marginal_risk`` ``(Σw)_i / σ_p`` (change of the
        book's volatility per unit of weight); ``risk_contribution`` ``w_i (Σw)_i`` (sums to
        the book's variance ``wᵀΣw``); ``risk_share`` (contribution / variance, sums to 1;
        NaN for a riskless book).
    """
    w = weights.reindex(cov.index).fillna(0.0).to_numpy(dtype="float64")
    marginal_var = cov.to_numpy(dtype="float64") @ w
    variance = float(w @ marginal_var)
    vol = float(np.sqrt(max(variance, 0.0)))
    contrib = w * marginal_var
    return pd.DataFrame(
        {
            "weight": w,
            "marginal_risk": marginal_var / vol if vol > 0 else np.full(len(w), np.nan),
            "risk_contribution": contrib,
            "risk_share": contrib / variance if variance > 0 else np.full(len(w), np.nan),
        },
        index=cov.index.copy(),
    )
