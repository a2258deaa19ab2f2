"""Signals to target weights: rank the scores of each date and hold the tails equally weighted.

Per date, the ``n`` names with a finite score are ordered by score (highest first; ties
broken by symbol, ascending, so the result never depends on row order) and
``k = max(1, floor(top_frac * n))`` names are picked per side:

* ``long_short``: the top ``k`` long at ``+gross / 2 / k`` each and the bottom ``k`` short at
  ``-gross / 2 / k`` each (``k`` is at most ``n // 2``, so a date with one name is flat);
* ``long_only``: the top ``k`` long at ``gross / k`` each.

``max_weight`` then clips every ``|weight|``; the clipped excess is **not** redistributed, so a
side may sum to less than its target (cash). Names with a NaN score are excluded from the
ranking and kept with weight 0.0, as are the names not picked: every input row appears once
in the output, so "no position" is explicit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.schemas import validate
from mi_kernel.schemas.tables import to_utc

_EPS = 1e-9


class Construction(StrEnum):
    """Registered ways of turning ranked scores into weights."""

    LONG_SHORT = "long_short"
    LONG_ONLY = "long_only"


def _long_short(rank: np.ndarray, n: np.ndarray, k: np.ndarray, gross: float) -> np.ndarray:
    k = np.minimum(k, n // 2)
    size = np.divide(gross / 2.0, k, out=np.zeros(k.shape), where=k > 0)
    return np.where(rank < k, size, 0.0) - np.where(rank >= n - k, size, 0.0)


def _long_only(rank: np.ndarray, n: np.ndarray, k: np.ndarray, gross: float) -> np.ndarray:
    k = np.minimum(k, n)
    size = np.divide(gross, k, out=np.zeros(k.shape), where=k > 0)
    return np.where(rank < k, size, 0.0)


#: Registry: method name -> ``(rank, n, k, gross) -> weight`` on aligned row arrays.
CONSTRUCTIONS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray, float], np.ndarray]] = {
    Construction.LONG_SHORT: _long_short,
    Construction.LONG_ONLY: _long_only,
}


def _utc(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").reset_index(drop=True)
    return to_utc(values).reset_index(drop=True)


def _validate(
    signals: pd.DataFrame, method: str, top_frac: float, gross: float, max_weight: float | None
) -> None:
    if method not in CONSTRUCTIONS:
        raise ConfigError(
            f"unknown construction method {method!r}; choose one of {sorted(CONSTRUCTIONS)}"
        )
    upper = 0.5 if method == Construction.LONG_SHORT else 1.0
    if not (0.0 < top_frac <= upper):
        raise ConfigError(f"top_frac must be in (0, {upper}] for {method}, got {top_frac}")
    if not (math.isfinite(gross) and gross > 0):
        raise ConfigError(f"gross must be a positive number, got {gross}")
    if max_weight is not None and not (max_weight > 0):
        raise ConfigError(f"max_weight must be positive or None, got {max_weight}")
    missing = [c for c in ("ts", "symbol", "score") if c not in signals.columns]
    if missing:
        raise ConfigError(
            f"signals lack column(s) {missing}; a signals table needs ts, symbol and score"
        )
    if signals.duplicated(["ts", "symbol"]).any():
        first = signals[signals.duplicated(["ts", "symbol"])].iloc[0]
        raise ConfigError(
            f"signals have duplicate (ts, symbol) rows, e.g. ({first['ts']}, {first['symbol']!r});"
            " keep one score per pair"
        )


def signals_to_weights(
    signals: pd.DataFrame,
    method: str = "long_short",
    top_frac: float = 0.1,
    gross: float = 1.0,
    max_weight: float | None = None,
) -> pd.DataFrame:
    """Turn scores into equal-weighted tail portfolios, one book per date.

    Parameters
    ----------
    signals : DataFrame
        Columns ts, symbol, score (others are ignored); one row per (ts, symbol), any
        number of dates.
    method : {"long_short", "long_only"}, default "long_short"
        Key of :data:`CONSTRUCTIONS` (see the module docstring).
    top_frac : float, default 0.1
        Fraction of the scored names of a date held per side, in (0, 0.5] for
        ``long_short`` and (0, 1] for ``long_only``.
    gross : float, default 1.0
        Target sum of ``|weight|`` per date, before ``max_weight`` clipping.
    max_weight : float, optional
        Cap on ``|weight|`` per name; the excess is dropped, not redistributed.

    Returns
    -------
    DataFrame
        Canonical weights table (ts, symbol, weight), one row per input row, sorted by
        ts then symbol; weights are fractions of equity.

    Raises
    ------
    ConfigError
        On an unknown method, an out-of-range parameter, missing columns or duplicate rows.
    """
    _validate(signals, method, top_frac, gross, max_weight)
    frame = pd.DataFrame(
        {
            "ts": _utc(signals["ts"]),
            "symbol": signals["symbol"].astype(str).reset_index(drop=True).astype(object),
            "score": pd.to_numeric(signals["score"], errors="coerce")
            .reset_index(drop=True)
            .astype("float64"),
        }
    )
    frame = frame.assign(valid=np.isfinite(frame["score"]))
    # valid rows first, highest score first, ties by symbol: the rank is the position in a date
    ordered = frame.sort_values(
        ["ts", "valid", "score", "symbol"], ascending=[True, False, False, True], kind="stable"
    )
    rank = ordered.groupby("ts", sort=False).cumcount().to_numpy()
    n = ordered.groupby("ts", sort=False)["valid"].transform("sum").to_numpy(dtype="int64")
    k = np.maximum(1, np.floor(top_frac * n + _EPS).astype("int64"))
    weight = CONSTRUCTIONS[method](rank, n, k, gross)
    weight = np.where(ordered["valid"].to_numpy(), weight, 0.0)
    if max_weight is not None:
        weight = np.clip(weight, -max_weight, max_weight)
    out = ordered[["ts", "symbol"]].assign(weight=weight + 0.0)  # + 0.0 turns -0.0 into 0.0
    out = out.sort_values(["ts", "symbol"], kind="stable").reset_index(drop=True)
    return validate(out, "weights")
