"""Backtest trials in the ledger: recorded when tried, read back to deflate the Sharpe ratio.

Each backtest appends a ``backtest.trial`` entry to the hash-chained ledger when it is tried,
before the run is sealed, so variants from failed or abandoned runs count too.
:func:`ledger_trials` reads back the distinct variants on one data hash and
:func:`prior_sharpes` hands their Sharpe ratios to the backtest as plain numbers
(:func:`mi_kernel.backtest.trials.deflate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mi_kernel.backtest.trials import _jsonable, deflate, variant_id
from mi_kernel.governance.ledger import Ledger
from mi_kernel.governance.roles import current_identity
from mi_kernel.metrics.performance import Returns
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
        Who tried it; the acting identity when omitted.

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
    who = actor or current_identity()
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


def prior_sharpes(ledger: Ledger, data_hash: str) -> dict[str, float]:
    """Annualised Sharpe ratio of every variant the ledger has seen on ``data_hash``."""
    t = ledger_trials(ledger, data_hash)
    return dict(zip(t["variant_id"], t["sharpe"].astype("float64"), strict=True))


def deflated_from_ledger(
    returns: Returns,
    ledger: Ledger,
    data_hash: str,
    periods_per_year: float | None = None,
    *,
    variant_id: str | None = None,
) -> dict[str, Any]:
    """:func:`~mi_kernel.backtest.trials.deflate` by the trials the ledger holds on the data."""
    return deflate(
        returns,
        prior_sharpes(ledger, data_hash),
        periods_per_year,
        variant_id=variant_id,
        data_hash=data_hash,
    )


__all__ = [
    "TRIAL_COLUMNS",
    "TRIAL_KIND",
    "deflated_from_ledger",
    "ledger_trials",
    "prior_sharpes",
    "record_trial",
    "variant_id",
]
