"""Infer how many return periods make a year from a timestamp index (never a silent 252)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError

_DAY_NS = 86_400e9

#: (lowest, highest median spacing in days, periods per year) for regular calendars.
_REGULAR: tuple[tuple[float, float, float], ...] = (
    (5.0, 8.0, 52.0),
    (27.0, 32.0, 12.0),
    (88.0, 93.0, 4.0),
    (360.0, 367.0, 1.0),
)


def infer_periods_per_year(index: pd.Index) -> float:
    """Infer the number of periods per year from the spacing of a timestamp index.

    Daily data is 252 periods a year when it skips weekends (business days) and 365 when it
    trades every day (more than 5 % of its stamps fall on a weekend); weekly is 52, monthly 12,
    quarterly 4, yearly 1. Intraday data uses the observed number of stamps per year.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Timestamps of the return observations (at least three, any order).

    Returns
    -------
    float
        Periods per year.

    Raises
    ------
    ConfigError
        If ``index`` is not a DatetimeIndex, has fewer than three stamps, or has an irregular
        spacing; pass ``periods_per_year`` explicitly then.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise ConfigError(
            f"cannot infer periods_per_year from a {type(index).__name__}; "
            "pass a Series with a DatetimeIndex or give periods_per_year explicitly"
        )
    stamps = index.unique().sort_values()
    if len(stamps) < 3:
        raise ConfigError(
            f"cannot infer periods_per_year from {len(stamps)} timestamps; "
            "pass at least three or give periods_per_year explicitly"
        )
    deltas = np.diff(stamps.asi8) / _DAY_NS
    median = float(np.median(deltas))
    if median < 0.9:
        span_years = (stamps.asi8[-1] - stamps.asi8[0]) / _DAY_NS / 365.25
        return float(round((len(stamps) - 1) / span_years))
    if median <= 1.5:
        weekend_share = float(np.mean(stamps.dayofweek >= 5))
        return 365.0 if weekend_share > 0.05 else 252.0
    for low, high, periods in _REGULAR:
        if low <= median <= high:
            return periods
    raise ConfigError(
        f"cannot infer periods_per_year: the median spacing of the index is {median:.2f} days, "
        "which is not daily, weekly, monthly, quarterly or yearly; give periods_per_year explicitly"
    )
