"""Sample dates and label-window ends of a CV split, as positions in the sorted unique dates.

Positions make every rule a comparison of integers: sample ``i`` has date position ``p[i]``
and label-end position ``e[i] >= p[i]`` (the last unique date at or before its ``ts_end``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from mi_kernel.errors import ConfigError

IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class SampleDates:
    """Per-sample date positions of a split.

    Attributes
    ----------
    pos : ndarray of int, shape (n_samples,)
        Position of each sample's date among the ``n_dates`` sorted unique dates.
    end : ndarray of int, shape (n_samples,)
        Position of the last unique date its label uses (>= ``pos``).
    n_dates : int
        Number of unique dates.
    """

    pos: IntArray
    end: IntArray
    n_dates: int


def _sortable(values: Any, what: str) -> NDArray[Any]:
    """Return timestamps as int64 UTC nanoseconds (naive = UTC); leave numbers as they are."""
    if isinstance(values, pd.Series | pd.Index) and values.dtype.kind == "M":
        stamps = pd.DatetimeIndex(values)
    else:
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise ConfigError(f"{what} must be one-dimensional, got shape {arr.shape}")
        if arr.dtype.kind not in "MO":
            if arr.dtype.kind == "f" and np.isnan(arr).any():
                raise ConfigError(f"{what} contains NaN; drop those samples")
            return arr
        try:
            stamps = pd.DatetimeIndex(pd.to_datetime(arr, utc=True))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{what} must be timestamps or numbers: {exc}") from exc
    stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
    if stamps.hasnans:
        raise ConfigError(f"{what} contains missing timestamps (NaT); drop those samples")
    return stamps.as_unit("ns").asi8


def from_x(X: Any, name: str) -> Any | None:
    """Return ``X``'s index level or column ``name`` if it has one."""
    index = getattr(X, "index", None)
    if isinstance(index, pd.MultiIndex) and name in index.names:
        return index.get_level_values(name)
    if isinstance(index, pd.Index) and index.name == name:
        return index
    if isinstance(X, pd.DataFrame) and name in X.columns:
        return X[name]
    return None


def sample_dates(X: Any, groups: Any, label_end: Any, label_horizon: int) -> SampleDates:
    """Resolve sample dates and label ends from the arguments of ``split``.

    Dates come from ``groups``, else from an index level or column ``"ts"`` of ``X``. Label
    ends come from ``label_end``, else from an index level or column ``"ts_end"`` of ``X``,
    else are ``label_horizon`` unique dates after each sample's date (capped at the last).
    """
    if int(label_horizon) != label_horizon or label_horizon < 0:
        raise ConfigError(f"label_horizon must be an integer >= 0, got {label_horizon!r}")
    raw = groups if groups is not None else from_x(X, "ts")
    if raw is None:
        raise ConfigError(
            "purged splitters split by date: pass the sample timestamps as groups=..., or give "
            "X an index level or column named 'ts'"
        )
    times = _sortable(raw, "groups (sample timestamps)")
    if X is not None and hasattr(X, "__len__") and len(X) != len(times):
        raise ConfigError(f"groups has {len(times)} entries but X has {len(X)} samples")
    dates, pos = np.unique(times, return_inverse=True)
    pos = pos.astype(np.intp).ravel()
    raw_end = label_end if label_end is not None else from_x(X, "ts_end")
    if raw_end is None:
        end = np.minimum(pos + int(label_horizon), len(dates) - 1).astype(np.intp)
    else:
        ends = _sortable(raw_end, "label_end")
        if len(ends) != len(times):
            raise ConfigError(f"label_end has {len(ends)} entries for {len(times)} samples")
        if np.any(ends < times):
            raise ConfigError("label_end is before the sample timestamp for some samples")
        end = (np.searchsorted(dates, ends, side="right") - 1).astype(np.intp)
    return SampleDates(pos=pos, end=end, n_dates=len(dates))
