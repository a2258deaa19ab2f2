"""What identifies a backtest variant, and its Sharpe ratio deflated by the other trials.

A *trial* is one variant (strategy id + parameters + cost config + window + data hash) tried
on some data. The backtest is handed the Sharpe ratios of the variants already tried on the
same data as plain numbers (:mod:`mi_kernel.governance.trials` reads them from the ledger and
records each new trial there); :func:`deflate` feeds their number and dispersion to the
deflated Sharpe ratio of :mod:`mi_kernel.metrics.sharpe_stats` (annualised Sharpe ratios).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import _kernels as k
from mi_kernel.metrics.performance import Returns, as_array, resolve_periods
from mi_kernel.metrics.sharpe_stats import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    probabilistic_sharpe_ratio,
)
from mi_kernel.runstore.hashing import sha256_json


def _jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON data: numpy scalars unwrapped, non-finite floats None."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(v) for key, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, pd.Timestamp | datetime):
        return _stamp(value)
    if hasattr(value, "model_dump"):
        return _jsonable(value.model_dump(mode="json"))
    return str(value)


def _stamp(value: Any) -> str | None:
    """Return a window bound as an ISO-8601 UTC string (naive stamps are taken as UTC)."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.isoformat()


def variant_id(
    strategy_id: str,
    params: Mapping[str, Any] | None,
    costs: Any,
    start: Any,
    end: Any,
    data_hash: str,
) -> str:
    """Return the id of a backtest variant: sha256 of its canonical JSON description.

    Parameters
    ----------
    strategy_id : str
        Registered strategy key or ``model:<version>``.
    params : mapping, optional
        Strategy parameters (None and ``{}`` are the same variant).
    costs : Costs, mapping or None
        Cost configuration; a pydantic model is dumped first. Pass the validated
        :class:`~mi_kernel.backtest.Costs` so that defaults spelled out or left out hash alike.
    start, end : str, Timestamp or None
        Backtest window; normalised to ISO-8601 UTC so "2020-01-01" and a UTC Timestamp of
        the same instant give the same id.
    data_hash : str
        Content hash of the data the variant ran on (e.g. ``sha256_frame`` of the bars).

    Returns
    -------
    str
        64 hexadecimal characters.
    """
    return sha256_json(
        {
            "strategy_id": strategy_id,
            "params": _jsonable(dict(params or {})),
            "costs": _jsonable(costs if costs is not None else {}),
            "start": _stamp(start),
            "end": _stamp(end),
            "data_hash": data_hash,
        }
    )


def deflate(
    returns: Returns,
    prior: Mapping[str, float],
    periods_per_year: float | None = None,
    *,
    variant_id: str | None = None,
    data_hash: str | None = None,
) -> dict[str, Any]:
    """Deflate the Sharpe ratio of ``returns`` by the variants already tried on the same data.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Per-period returns of the variant being judged.
    prior : mapping of str to float
        Annualised Sharpe ratio of every variant tried on the data, by variant id (nan for a
        trial that produced none; it still counts).
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.
    variant_id : str, optional
        The judged variant's id. When it is in ``prior`` it is counted once, with its Sharpe
        ratio replaced by that of ``returns``; otherwise ``returns`` count as one more trial.
    data_hash : str, optional
        Echoed in the result.

    Returns
    -------
    dict
        ``n_trials`` (>= 1, the judged variant included), ``n_ledger_trials`` (len(prior)),
        ``trial_sharpe_var`` (variance, ddof=1, of the trials' annualised Sharpe ratios; 0
        with a single trial; nan when fewer than two trials have a Sharpe ratio),
        ``expected_max_sharpe`` (annualised), ``sharpe`` (annualised), ``psr`` (vs 0),
        ``dsr`` (nan when ``trial_sharpe_var`` is), ``data_hash``, ``variant_id``.
    """
    ppy = resolve_periods(returns, periods_per_year)
    own = k.sharpe(as_array(returns), ppy)
    others = [float(s) for vid, s in prior.items() if vid != variant_id]
    sharpes = np.append(np.asarray(others, dtype="float64"), own)
    n_trials = int(sharpes.size)
    finite = sharpes[np.isfinite(sharpes)]
    if n_trials == 1:
        variance = 0.0
    elif finite.size >= 2:
        variance = float(np.var(finite, ddof=1))
    else:
        variance = float("nan")
    if not math.isfinite(own):
        raise ConfigError(
            f"the Sharpe ratio of these {as_array(returns).size} returns is undefined "
            "(too short or constant); nothing to deflate"
        )
    finite_var = math.isfinite(variance)
    return {
        "n_trials": n_trials,
        "n_ledger_trials": len(prior),
        "trial_sharpe_var": variance,
        "expected_max_sharpe": expected_max_sharpe(n_trials, variance) if finite_var else math.nan,
        "sharpe": own,
        "psr": probabilistic_sharpe_ratio(returns, 0.0, ppy),
        "dsr": (
            deflated_sharpe_ratio(returns, n_trials, variance, periods_per_year=ppy)
            if finite_var
            else math.nan
        ),
        "data_hash": data_hash,
        "variant_id": variant_id,
    }
