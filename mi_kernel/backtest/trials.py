"""Backtest trials counted from the run ledger, for an honest deflated Sharpe ratio.

A *trial* is one variant (strategy id + parameters + cost config + window + data hash) tried
on some data. Each backtest appends a ``backtest.trial`` entry to the hash-chained ledger when
it is tried, before the run is sealed, so variants from failed or abandoned runs count too.
:func:`ledger_trials` reads back the distinct variants on one data hash and
:func:`deflated_from_ledger` feeds their number and Sharpe dispersion to the deflated Sharpe
ratio of :mod:`mi_kernel.metrics.sharpe_stats` (annualised Sharpe ratios, as there).
"""

from __future__ import annotations

import math
import os
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
from mi_kernel.runstore.ledger import Ledger
from mi_kernel.schemas.records import AuditEntry

#: Ledger ``kind`` of a backtest trial entry.
TRIAL_KIND = "backtest.trial"

#: Columns of :func:`ledger_trials`.
TRIAL_COLUMNS = (
    "variant_id",
    "strategy_id",
    "sharpe",
    "n_obs",
    "run_id",
    "first_seen",
    "last_seen",
    "n_records",
)


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


def record_trial(
    ledger: Ledger,
    run_id: str | None,
    variant_id: str,
    strategy_id: str,
    data_hash: str,
    sharpe: float | None,
    n_obs: int,
    detail: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
) -> AuditEntry:
    """Append a ``backtest.trial`` entry to the ledger and return it.

    Parameters
    ----------
    ledger : Ledger
        The runs root's ledger (``RunStore.ledger``).
    run_id : str or None
        Run the trial was made in (None outside a run).
    variant_id : str
        From :func:`variant_id`; the entry's ``subject``.
    strategy_id, data_hash : str
        The variant's strategy and data hash (the hash is what trials are grouped by).
    sharpe : float or None
        Annualised Sharpe ratio of the trial; None or nan when it produced none (it still
        counts as a trial).
    n_obs : int
        Number of return observations behind ``sharpe``.
    detail : mapping, optional
        Extra JSON-able description (params, costs, window ...); numpy scalars are unwrapped,
        timestamps written as ISO-8601 UTC and non-finite floats stored as null.
    actor : str, optional
        Who tried it; ``$MI_ACTOR`` or ``$USER`` when omitted.

    Returns
    -------
    AuditEntry
        The appended, hash-chained entry.
    """
    body = _jsonable(dict(detail or {}))
    body.update(
        run_id=run_id,
        strategy_id=strategy_id,
        data_hash=data_hash,
        sharpe=_jsonable(None if sharpe is None else float(sharpe)),
        n_obs=int(n_obs),
    )
    who = actor or os.environ.get("MI_ACTOR", os.environ.get("USER", "unknown"))
    return ledger.append(TRIAL_KIND, variant_id, actor=who, detail=body)


def ledger_trials(ledger: Ledger, data_hash: str) -> pd.DataFrame:
    """Return one row per distinct variant tried on ``data_hash``, latest record kept.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read (a missing file means no trials).
    data_hash : str
        Only trials on this data count.

    Returns
    -------
    DataFrame
        Columns :data:`TRIAL_COLUMNS`: variant_id, strategy_id, sharpe (annualised, the latest
        record's; nan when none), n_obs, run_id (latest), first_seen, last_seen (UTC), and
        n_records (how many times the variant was recorded); ordered by first_seen.
    """
    rows: dict[str, dict[str, Any]] = {}
    for entry in ledger.find(TRIAL_KIND):
        detail = entry.detail
        if detail.get("data_hash") != data_hash:
            continue
        previous = rows.get(entry.subject)
        sharpe = detail.get("sharpe")
        rows[entry.subject] = {
            "variant_id": entry.subject,
            "strategy_id": detail.get("strategy_id"),
            "sharpe": float(sharpe) if sharpe is not None else float("nan"),
            "n_obs": detail.get("n_obs"),
            "run_id": detail.get("run_id"),
            "first_seen": previous["first_seen"] if previous else entry.ts,
            "last_seen": entry.ts,
            "n_records": previous["n_records"] + 1 if previous else 1,
        }
    table = pd.DataFrame(list(rows.values()), columns=list(TRIAL_COLUMNS))
    return table.sort_values("first_seen", kind="stable").reset_index(drop=True)


def deflated_from_ledger(
    returns: Returns,
    ledger: Ledger,
    data_hash: str,
    periods_per_year: float | None = None,
    *,
    variant_id: str | None = None,
) -> dict[str, Any]:
    """Deflate the Sharpe ratio of ``returns`` by every variant the ledger has seen on the data.

    Parameters
    ----------
    returns : Series or array of float, shape (n,)
        Per-period returns of the variant being judged.
    ledger : Ledger
        Ledger holding the ``backtest.trial`` entries.
    data_hash : str
        Data the trials are counted on.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.
    variant_id : str, optional
        The judged variant's id. When it is already in the ledger it is counted once with its
        ledger Sharpe replaced by that of ``returns``; otherwise (or when omitted) ``returns``
        count as one more trial. Omitting it after :func:`record_trial` counts the variant
        twice (one trial too many: conservative).

    Returns
    -------
    dict
        ``n_trials`` (>= 1, the judged variant included), ``n_ledger_trials``,
        ``trial_sharpe_var`` (variance, ddof=1, of the trials' annualised Sharpe ratios; 0
        with a single trial; nan when fewer than two trials have a Sharpe ratio),
        ``expected_max_sharpe`` (annualised), ``sharpe`` (annualised), ``psr`` (vs 0),
        ``dsr`` (nan when ``trial_sharpe_var`` is), ``data_hash``, ``variant_id``.
    """
    ppy = resolve_periods(returns, periods_per_year)
    own = k.sharpe(as_array(returns), ppy)
    trials = ledger_trials(ledger, data_hash)
    others = trials[trials["variant_id"] != variant_id] if variant_id else trials
    sharpes = np.append(others["sharpe"].to_numpy(dtype="float64"), own)
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
        "n_ledger_trials": len(trials),
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
