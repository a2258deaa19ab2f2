"""Regime-conditional signal weights: each signal's past mean IC per regime, blended by P(k|t)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError


@dataclass(frozen=True, eq=False)
class RegimeWeights:
    """Signal weights conditional on regimes, using only ICs known before each date.

    Attributes
    ----------
    per_regime : DataFrame
        Index = dates; columns MultiIndex (state, signal): ``w_k(t)``, the probability-weighted
        mean IC of the signal in regime k over the ICs known at t. Where regime k has too
        little history, the unconditional mean is used.
    blended : DataFrame
        Index = dates, columns = signals: ``sum_k P(k | t) w_k(t)``; NaN where the
        probabilities at t are unknown or no IC is known yet.
    unconditional : DataFrame
        Index = dates, columns = signals: the expanding mean IC known at t (the regime-blind
        benchmark).
    """

    per_regime: pd.DataFrame
    blended: pd.DataFrame
    unconditional: pd.DataFrame


def regime_weights(
    ic: pd.DataFrame,
    probabilities: pd.DataFrame,
    lag: int = 1,
    min_weight: float = 20.0,
    normalize: bool = False,
) -> RegimeWeights:
    """Weight signals by their mean IC in each regime, blended by the regime probabilities.

    Parameters
    ----------
    ic : DataFrame, shape (n_dates, n_signals)
        Daily IC of each signal (index = dates, one column per signal), e.g. columns of
        :func:`mi_kernel.models.daily_ic` results. NaN = no IC that day.
    probabilities : DataFrame, shape (n_dates, n_states)
        Filtered regime probabilities (e.g. ``RegimeResult.probabilities``); rows with NaN
        contribute to no regime.
    lag : int, default 1
        Rows after which an IC is known: the IC dated s (a forward return over h sessions
        from s) is known at s + h, so pass ``lag = h``. ``w_k(t)`` uses ICs dated <= t - lag.
    min_weight : float, default 20
        Minimum probability mass (about the number of days) of past ICs in a regime before
        its own mean is used instead of the unconditional mean.
    normalize : bool, default False
        If True, divide each date's blended weights by their sum of absolute values.

    Returns
    -------
    RegimeWeights

    Notes
    -----
    ``w_k(t) = sum_{s <= t-lag} P(k|s) IC_s / sum_{s <= t-lag} P(k|s)`` over dates with an IC.
    The probabilities at s are filtered (known at s), the ICs known by t, so no weight
    uses information from after t.
    """
    if int(lag) < 0:
        raise ConfigError(f"lag must be >= 0 rows, got {lag!r}")
    if not isinstance(ic, pd.DataFrame) or not isinstance(probabilities, pd.DataFrame):
        raise DataError("ic and probabilities must be DataFrames indexed by date")
    dates = ic.index.intersection(probabilities.index).sort_values()
    if len(dates) == 0:
        raise DataError(
            "ic and probabilities share no date; index both by the same (UTC) timestamps"
        )
    ics = ic.loc[dates].astype("float64")
    proba = probabilities.loc[dates].astype("float64")
    p_known = proba.fillna(0.0).to_numpy()
    has_ic = ics.notna().to_numpy(dtype="float64")
    values = ics.fillna(0.0).to_numpy()
    uncond = _past(values, lag) / _past(has_ic, lag).clip(min=1e-300)
    uncond[_past(has_ic, lag) == 0] = np.nan
    per: dict[tuple[str, str], np.ndarray] = {}
    blended = np.zeros_like(values)
    for k, state in enumerate(proba.columns):
        pk = p_known[:, [k]]
        mass = _past(pk * has_ic, lag)
        w = np.where(mass >= min_weight, _past(pk * values, lag) / np.maximum(mass, 1e-300), uncond)
        for j, sig in enumerate(ics.columns):
            per[(str(state), str(sig))] = w[:, j]
        blended += pk * w
    blended[proba.isna().any(axis=1).to_numpy()] = np.nan
    if normalize:
        total = np.nansum(np.abs(blended), axis=1, keepdims=True)
        blended = np.where(total > 0, blended / np.where(total > 0, total, 1.0), np.nan)
    per_regime = pd.DataFrame(per, index=dates)
    per_regime.columns = pd.MultiIndex.from_tuples(per, names=["state", "signal"])
    return RegimeWeights(
        per_regime=per_regime,
        blended=pd.DataFrame(blended, index=dates, columns=ics.columns),
        unconditional=pd.DataFrame(uncond, index=dates, columns=ics.columns),
    )


def _past(values: np.ndarray, lag: int) -> np.ndarray:
    """Return the cumulative sum over rows <= t - lag (zeros for the first ``lag`` rows)."""
    total = np.cumsum(values, axis=0)
    if lag == 0:
        return total
    out = np.zeros_like(total)
    out[lag:] = total[:-lag]
    return out
