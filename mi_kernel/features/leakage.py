"""check_no_lookahead: perturb the future, assert the past did not move."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.errors import DataError, LeakageError
from mi_kernel.schemas.tables import to_utc

_PRICES = ("open", "high", "low", "close", "volume")


def check_no_lookahead(
    func: Callable[..., pd.DataFrame],
    bars: pd.DataFrame,
    cutoff: pd.Timestamp | str | None = None,
    *,
    columns: Sequence[str] = _PRICES,
    seed: int = 0,
    rtol: float = 1e-9,
    **kwargs: Any,
) -> None:
    """Assert that ``func(bars)`` at or before ``cutoff`` ignores every bar after it.

    Multiplies ``columns`` of the bars after ``cutoff`` by random factors in [0.5, 1.5]
    (seeded), calls ``func`` on the original and the perturbed bars, and compares the rows
    with ``ts <= cutoff`` of every non-key column (NaN equals NaN).

    Parameters
    ----------
    func : callable
        ``func(bars, **kwargs)`` returning a long table with ``ts`` and ``symbol``
        (e.g. :func:`compute_features`).
    bars : DataFrame
        Bars table.
    cutoff : Timestamp or str, optional
        Last timestamp whose values must not change; default the median date.
    columns : sequence of str
        Bar columns to perturb (those present are used).
    seed : int, default 0
        Seed of the perturbation.
    rtol : float, default 1e-9
        Relative tolerance of the comparison.
    **kwargs
        Passed to ``func``.

    Raises
    ------
    LeakageError
        Naming the first column and (ts, symbol) whose value at or before the cutoff moved.
    """
    ts = to_utc(bars["ts"]).reset_index(drop=True)
    dates = ts.drop_duplicates().sort_values()
    cut = dates.iloc[len(dates) // 2] if cutoff is None else to_utc(pd.Series([cutoff])).iloc[0]
    later = (ts > cut).to_numpy()
    if not later.any():
        raise DataError(f"no bars after the cutoff {cut}; choose an earlier cutoff")
    rng = np.random.default_rng(seed)
    moved = bars.reset_index(drop=True).copy()
    for col in (c for c in columns if c in moved.columns):
        shock = rng.uniform(0.5, 1.5, int(later.sum()))
        moved.loc[later, col] = moved.loc[later, col].to_numpy() * shock
    base = _past(func(bars, **kwargs), cut)
    other = _past(func(moved, **kwargs), cut)
    if len(base) != len(other) or not (base.index == other.index).all():
        raise LeakageError(
            f"{getattr(func, '__name__', func)} returns different rows at or before {cut} "
            "when only later bars change; its row set depends on the future"
        )
    for col in base.columns:
        a, b = base[col].to_numpy(dtype="float64"), other[col].to_numpy(dtype="float64")
        same = np.isclose(a, b, rtol=rtol, atol=1e-12) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            ts_bad, sym_bad = base.index[int(np.argmin(same))]
            raise LeakageError(
                f"{getattr(func, '__name__', func)} leaks the future: column {col!r} at "
                f"{ts_bad} for {sym_bad} changed when only bars after {cut} were perturbed; "
                "make every value at t use data at or before t only"
            )


def _past(table: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    out = table.assign(ts=to_utc(table["ts"]).to_numpy())
    out = out[out["ts"] <= cut].set_index(["ts", "symbol"]).sort_index()
    return out.select_dtypes("number")
