"""Robust return z-scores known at t: median and MAD of the previous ``window`` returns.

Array convention: every function takes and returns 1-D float arrays of one symbol's
observations in time order.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

Array = NDArray[np.float64]
_MAD_TO_SIGMA = 1.4826
_CHUNK = 50_000


def past_median_scale(
    r: Array, window: int, min_periods: int, min_scale: float
) -> tuple[Array, Array]:
    """Return (median, robust scale) of ``r[t - window : t]`` for every t (t excluded).

    The scale is ``max(1.4826 * MAD, min_scale)``; both are NaN where fewer than
    ``min_periods`` finite past values exist.
    """
    n = r.size
    med = np.full(n, np.nan)
    scale = np.full(n, np.nan)
    padded = np.concatenate([np.full(window, np.nan), r])
    windows = sliding_window_view(padded, window)[:n]
    for lo in range(0, n, _CHUNK):
        block = windows[lo : lo + _CHUNK]
        finite = np.isfinite(block)
        count = finite.sum(axis=1)
        for rows, median in (
            (count == window, np.median),
            ((count >= min_periods) & (count < window), np.nanmedian),
        ):
            if not rows.any():
                continue
            w = block[rows]
            m = median(w, axis=1)
            mad = median(np.abs(w - m[:, None]), axis=1)
            idx = np.flatnonzero(rows) + lo
            med[idx] = m
            scale[idx] = np.maximum(_MAD_TO_SIGMA * mad, min_scale)
    return med, scale


def spike_mask(
    close: Array, window: int, min_periods: int, min_scale: float, z_max: float
) -> tuple[NDArray[np.bool_], Array, Array]:
    """Flag closes whose log return (vs the last finite close) has ``|robust z| > z_max``.

    A non-finite or non-positive close is flagged too (a NaN spike). A row flagged only
    because the row before it was a spike is cleared when its return measured from the last
    unflagged close is ordinary, so a spike that reverts costs one row, not two.

    Returns
    -------
    flagged : ndarray of bool
    r : ndarray of float
        Log return of each close vs the previous finite close (NaN for the first).
    z : ndarray of float
        Robust z-score of ``r`` (NaN where not computable).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        logc = np.where(close > 0, np.log(close), np.nan)
    finite = np.isfinite(logc)
    last = np.where(finite, logc, np.nan)
    idx = np.where(finite, np.arange(logc.size), -1)
    prev_idx = np.concatenate([[-1], np.maximum.accumulate(idx)[:-1]])
    prev = np.where(prev_idx >= 0, last[np.maximum(prev_idx, 0)], np.nan)
    r = logc - prev
    med, scale = past_median_scale(r, window, min_periods, min_scale)
    z = (r - med) / scale
    flagged = ~finite | (np.abs(np.nan_to_num(z, nan=0.0)) > z_max)
    _clear_reverted(flagged, logc, med, scale, z_max)
    return flagged, r, z


def _clear_reverted(
    flagged: NDArray[np.bool_], logc: Array, med: Array, scale: Array, z_max: float
) -> None:
    """Unflag (in place) a flagged row whose move from the last unflagged close is ordinary."""
    good_idx = np.where(~flagged, np.arange(flagged.size), -1)
    static_prev_good = np.concatenate([[-1], np.maximum.accumulate(good_idx)[:-1]])
    cleared = -1
    for i in np.flatnonzero(flagged):
        if i == 0 or not flagged[i - 1] or not np.isfinite(logc[i]):
            continue
        last_good = max(int(static_prev_good[i]), cleared)
        if last_good < 0:
            continue
        z = (logc[i] - logc[last_good] - med[i]) / scale[i]
        if np.isfinite(z) and abs(z) <= z_max:
            flagged[i] = False
            cleared = int(i)
