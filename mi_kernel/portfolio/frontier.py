"""The efficient frontier: minimum variance for a grid of target returns, same constraints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.portfolio.constraints import Constraints
from mi_kernel.portfolio.mean_variance import solve_mean_variance


def efficient_frontier(
    cov: pd.DataFrame,
    mu: pd.Series,
    constraints: Constraints | None = None,
    n_points: int = 20,
    periods_per_year: float | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trace the frontier from the minimum-variance book to the highest attainable return.

    Parameters
    ----------
    cov : DataFrame
        Covariance per period.
    mu : Series
        Expected return per period of every asset of ``cov``.
    constraints : Constraints, optional
        Shared by every point.
    n_points : int, default 20
        Points on the frontier (≥ 2).
    periods_per_year : float, optional
        Annualise ``return`` (× periods) and ``volatility`` (× √periods) when given.

    Returns
    -------
    (points, weights)
        ``points``: one row per point with return, volatility, sharpe; ``weights``: one row
        per point, one column per asset.
    """
    if n_points < 2:
        raise ConfigError(f"n_points must be at least 2, got {n_points}")
    names = [str(s) for s in cov.index]
    c, m = cov.to_numpy(dtype="float64"), mu.reindex(cov.index).to_numpy(dtype="float64")
    low = solve_mean_variance(c, m, "min_variance", constraints, names).weights
    high = solve_mean_variance(c, m, "max_return", constraints, names).weights
    targets = np.linspace(float(m @ low), float(m @ high), n_points)
    books = [low]
    for r in targets[1:-1]:
        books.append(
            solve_mean_variance(
                c, m, "target_return", constraints, names, target_return=float(r)
            ).weights
        )
    books.append(high)
    w = np.vstack(books)
    ret = w @ m
    vol = np.sqrt(np.einsum("ij,jk,ik->i", w, c, w))
    if periods_per_year:
        ret, vol = ret * periods_per_year, vol * np.sqrt(periods_per_year)
    points = pd.DataFrame(
        {
            "return": ret,
            "volatility": vol,
            "sharpe": np.divide(ret, vol, out=np.full_like(ret, np.nan), where=vol > 0),
        }
    )
    return points, pd.DataFrame(w, columns=cov.index.copy())
