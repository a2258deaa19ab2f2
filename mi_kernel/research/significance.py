"""Is an IC series significant? Mean, std, t-statistic and p-value, iid and Newey–West.

Daily ICs of an h-day forward return overlap by h - 1 days and are autocorrelated; the
Newey–West (Bartlett kernel) standard error corrects for that, so notebooks should read
``nw_p_value`` (with ``lags >= h - 1``) to say "significant or not".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from mi_kernel.errors import ConfigError


@dataclass(frozen=True)
class ICSummary:
    """Summary statistics and significance of one IC series (one value per date).

    Attributes
    ----------
    mean, std : float
        Mean and sample std (ddof 1) of the IC over dates with a value.
    n : int
        Dates with an IC.
    ir : float
        ``mean / std``, per date (not annualised).
    share_positive : float
        Share of dates with IC > 0.
    t_stat, p_value : float
        ``mean / (std / sqrt n)`` and its two-sided p-value (Student t, n - 1 df), assuming
        independent dates.
    nw_lags : int
        Lags of the Newey–West estimator.
    nw_t_stat, nw_p_value : float
        t-statistic with the Newey–West standard error, and its two-sided p-value.
    """

    mean: float
    std: float
    n: int
    ir: float
    share_positive: float
    t_stat: float
    p_value: float
    nw_lags: int
    nw_t_stat: float
    nw_p_value: float

    def significant(self, level: float = 0.05) -> bool:
        """Return whether the Newey–West p-value is below ``level`` (two-sided)."""
        return bool(self.nw_p_value < level)

    def to_dict(self) -> dict[str, float | int]:
        """Return the fields as a plain dict (one row of a summary table)."""
        return asdict(self)


def default_lags(n: int) -> int:
    """Return the Newey–West (1994) rule-of-thumb lag count ``floor(4 (n / 100)^(2/9))``."""
    return math.floor(4.0 * (max(n, 1) / 100.0) ** (2.0 / 9.0))


def newey_west_se(x: np.ndarray, lags: int) -> float:
    """Return the Newey–West standard error of the mean of ``x`` with Bartlett weights.

    ``var = (g_0 + 2 sum_{l=1..L} (1 - l / (L + 1)) g_l) / n`` where ``g_l`` is the lag-l
    autocovariance (divided by n); with ``lags = 0`` it is the iid ``std (ddof 0) / sqrt n``.
    """
    x = np.asarray(x, dtype="float64")
    n = len(x)
    if n < 2:
        return float("nan")
    d = x - x.mean()
    var = float(d @ d) / n
    for lag in range(1, min(int(lags), n - 1) + 1):
        var += 2.0 * (1.0 - lag / (lags + 1.0)) * float(d[lag:] @ d[:-lag]) / n
    return math.sqrt(max(var, 0.0) / n)


def ic_summary(ic: pd.Series, lags: int | None = None) -> ICSummary:
    """Summarise an IC series and test whether its mean differs from zero.

    Parameters
    ----------
    ic : Series
        IC per date (NaN dates are dropped), in date order.
    lags : int, optional
        Newey–West lags; default :func:`default_lags` of the number of dates. Pass at least
        ``h - 1`` for the IC of an h-day forward return.

    Returns
    -------
    ICSummary
        NaN statistics where fewer than 2 dates have an IC.
    """
    if lags is not None and int(lags) < 0:
        raise ConfigError(f"Newey–West lags must be >= 0, got {lags!r}")
    x = pd.Series(ic, dtype="float64").dropna().to_numpy()
    n = len(x)
    nan = float("nan")
    mean = float(x.mean()) if n else nan
    std = float(x.std(ddof=1)) if n > 1 else nan
    L = default_lags(n) if lags is None else int(lags)
    t = mean / (std / math.sqrt(n)) if n > 1 and std > 0 else nan
    se = newey_west_se(x, L)
    nw_t = mean / se if se > 0 else nan
    return ICSummary(
        mean=mean,
        std=std,
        n=n,
        ir=mean / std if n > 1 and std > 0 else nan,
        share_positive=float((x > 0).mean()) if n else nan,
        t_stat=t,
        p_value=_p(t, n),
        nw_lags=L,
        nw_t_stat=nw_t,
        nw_p_value=_p(nw_t, n),
    )


def _p(t: float, n: int) -> float:
    """Two-sided p-value of a t-statistic with n - 1 degrees of freedom."""
    if not np.isfinite(t) or n < 2:
        return float("nan")
    return float(2.0 * stats.t.sf(abs(t), df=n - 1))
