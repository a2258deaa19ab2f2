"""check_no_lookahead: perturb the future of every input, assert the past did not move."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    """Assert that ``func(bars, **kwargs)`` at or before ``cutoff`` ignores everything after it.

    Multiplies ``columns`` of the bars after ``cutoff`` by random factors in [0.5, 1.5]
    (seeded), and likewise the numeric values of every timed keyword input known only
    after the cutoff: a table with ``ts_known`` (fundamentals: rows known later), a table
    with ``ts`` (rows stamped later), a Series or frame on a time index (a market level,
    macro series: rows stamped later), and mappings of those (``macro={...}``). Then calls
    ``func`` on the original and the perturbed inputs and compares the rows with
    ``ts <= cutoff`` of every numeric column (NaN equals NaN).

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
        Passed to ``func``; timed inputs among them are perturbed too.

    Raises
    ------
    LeakageError
        Naming the first column and (ts, symbol) whose value at or before the cutoff moved.
    DataError
        No bar after the cutoff.
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
    moved_kwargs = {k: _perturb(v, cut, rng) for k, v in kwargs.items()}
    name = getattr(func, "__name__", func)
    base = _past(func(bars, **kwargs), cut)
    other = _past(func(moved, **moved_kwargs), cut)
    if len(base) != len(other) or not (base.index == other.index).all():
        raise LeakageError(
            f"{name} returns different rows at or before {cut} when only later data change; "
            "its row set depends on the future"
        )
    for col in base.columns:
        a, b = base[col].to_numpy(dtype="float64"), other[col].to_numpy(dtype="float64")
        same = np.isclose(a, b, rtol=rtol, atol=1e-12) | (np.isnan(a) & np.isnan(b))
        if not same.all():
            ts_bad, sym_bad = base.index[int(np.argmin(same))]
            raise LeakageError(
                f"{name} leaks the future: column {col!r} at {ts_bad} for {sym_bad} changed "
                f"when only data after {cut} were perturbed; make every value at t use data "
                "known at or before t only"
            )


def _perturb(value: Any, cut: pd.Timestamp, rng: np.random.Generator) -> Any:
    """Return ``value`` with its numeric entries known after ``cut`` scaled by U(0.5, 1.5)."""
    if isinstance(value, Mapping):
        return {k: _perturb(v, cut, rng) for k, v in value.items()}
    if not isinstance(value, pd.DataFrame | pd.Series):
        return value
    if isinstance(value, pd.DataFrame) and ("ts_known" in value.columns or "ts" in value.columns):
        stamp = to_utc(value["ts_known" if "ts_known" in value.columns else "ts"])
    elif isinstance(value.index, pd.DatetimeIndex):
        stamp = to_utc(value.index)
    else:
        return value  # not timed (e.g. sectors)
    after = (stamp > cut).to_numpy()
    if isinstance(value, pd.Series):
        series = pd.to_numeric(value, errors="coerce").astype("float64")
        return series.where(~after, series * rng.uniform(0.5, 1.5, len(series)))
    out = value.copy()
    for col in out.select_dtypes("number").columns:
        values = out[col].to_numpy(dtype="float64").copy()
        values[after] *= rng.uniform(0.5, 1.5, int(after.sum()))
        out[col] = values
    return out


def _past(table: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    out = table.assign(ts=to_utc(table["ts"]).to_numpy())
    out = out[out["ts"] <= cut].set_index(["ts", "symbol"]).sort_index()
    return out.select_dtypes("number")
