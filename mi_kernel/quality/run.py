"""Run the registered quality checks over a bars frame: clean rows, quarantine, score.

Score (in [0, 1])::

    score = row_weight * n_clean / n_input
          + (1 - row_weight) * mean over applicable checks of credit(check)

    credit = 1 if the check found nothing, 0.5 if it only warned, 0 if it quarantined rows.

A check that does not apply (``unknown_symbol`` without ``expected_symbols``) is left out of
the mean. An empty input scores 0 with one ``empty`` error anomaly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

import mi_kernel.quality.checks_rows
import mi_kernel.quality.checks_series  # noqa: F401  (registers the series checks)
from mi_kernel.quality.prepare import prepare
from mi_kernel.quality.registry import CheckContext, CheckOutput, Stage, selected_checks
from mi_kernel.quality.types import Anomaly, QualityConfig, QualityResult, Severity
from mi_kernel.schemas.tables import TABLES, TableName, conform, validate

_BARS = TABLES[TableName.BARS].names
_CREDIT = {"none": 1.0, Severity.WARNING: 0.5, Severity.ERROR: 0.0}


def _error_anomalies(name: str, flagged: pd.Series, bars: pd.DataFrame) -> list[Anomaly]:
    """Aggregate a check's quarantined rows into one error anomaly per symbol."""
    if flagged.empty:
        return []
    rows = bars.set_index("row_id").loc[flagged.index, ["ts", "symbol"]]
    rows = rows.assign(reason=flagged.to_numpy()).sort_values("ts", na_position="first")
    out = []
    for sym, grp in rows.groupby(rows["symbol"].fillna("\0"), sort=True):
        more = f" (and {len(grp) - 1} more row(s))" if len(grp) > 1 else ""
        ts = grp["ts"].iloc[0]
        out.append(
            Anomaly(
                check=name,
                severity=Severity.ERROR,
                symbol=None if sym == "\0" else str(sym),
                ts=None if pd.isna(ts) else ts,
                detail=f"{grp['reason'].iloc[0]}{more}; quarantined",
                n_rows=len(grp),
            )
        )
    return out


def _quarantine_table(
    flagged: dict[str, pd.Series], bars: pd.DataFrame, raw: pd.DataFrame
) -> pd.DataFrame:
    """Build the canonical quarantine table: one row per row_id, checks and reasons joined."""
    parts = [
        pd.DataFrame({"row_id": s.index.to_numpy(dtype="int64"), "check": n, "reason": s.values})
        for n, s in flagged.items()
        if not s.empty
    ]
    if not parts:
        empty = pd.DataFrame(
            {f.name: pd.Series(dtype=object) for f in TABLES[TableName.QUARANTINE]}
        )
        empty["row_id"] = empty["row_id"].astype("int64")
        return conform(empty, "quarantine")
    long = pd.concat(parts, ignore_index=True)
    q = long.groupby("row_id", sort=True).agg({"check": ",".join, "reason": "; ".join})
    ids = q.index.to_numpy(dtype="int64")
    keys = bars.set_index("row_id").loc[ids]
    json_rows = raw.iloc[ids].to_json(orient="records", date_format="iso", lines=True)
    q = q.assign(
        ts=keys["ts"].to_numpy(),
        symbol=keys["symbol"].to_numpy(),
        row=json_rows.splitlines() if ids.size else [],
    ).reset_index()
    return conform(q, "quarantine")


def _run_stage(
    specs: list, ctx: CheckContext
) -> tuple[dict[str, pd.Series], list[Anomaly], dict[str, object]]:
    flagged: dict[str, pd.Series] = {}
    anomalies: list[Anomaly] = []
    credit: dict[str, object] = {}
    for spec in specs:
        out: CheckOutput = spec.func(ctx)
        errors = _error_anomalies(spec.name, out.flagged, ctx.bars)
        anomalies += errors + list(out.warnings)
        flagged[spec.name] = out.flagged
        if out.applicable:
            credit[spec.name] = (
                Severity.ERROR if errors else Severity.WARNING if out.warnings else "none"
            )
    return flagged, anomalies, credit


def score(n_input: int, n_clean: int, credits: Sequence[float], row_weight: float) -> float:
    """Return the quality score (module docstring): weighted clean-row and check shares."""
    if n_input == 0:
        return 0.0
    check_share = float(np.mean(credits)) if len(credits) else 1.0
    return float(row_weight * n_clean / n_input + (1.0 - row_weight) * check_share)


def run_checks(
    bars: pd.DataFrame,
    expected_symbols: Sequence[str] | None = None,
    config: QualityConfig | None = None,
) -> QualityResult:
    """Run every selected check over ``bars``; quarantine bad rows, never drop them silently.

    Parameters
    ----------
    bars : DataFrame
        Bars, canonical or messy (naive timestamps, ints, numeric strings are conformed);
        columns ts, symbol, open, high, low, close and optionally volume.
    expected_symbols : sequence of str, optional
        The universe the data should cover; rows of other symbols are quarantined.
    config : QualityConfig, optional
        Thresholds and the checks to run (defaults: every registered check).

    Returns
    -------
    QualityResult
        Every input row is either in ``clean`` or (once) in ``quarantine``.

    Raises
    ------
    SchemaError
        If a required column is missing.
    """
    cfg = config or QualityConfig()
    prepared = prepare(bars)
    raw = bars.reset_index(drop=True)
    if prepared.empty:
        empty = Anomaly("empty", Severity.ERROR, None, None, "the bars table has no rows", 0)
        return QualityResult(
            0.0, [empty], conform(prepared[_BARS], "bars"), _quarantine_table({}, prepared, raw)
        )
    expected = None if expected_symbols is None else frozenset(map(str, expected_symbols))
    specs = selected_checks(cfg)
    row_ctx = CheckContext(prepared, raw, cfg, expected)
    flagged, anomalies, credit = _run_stage([s for s in specs if s.stage is Stage.ROW], row_ctx)
    bad_ids = pd.Index(
        np.concatenate([s.index.to_numpy() for s in flagged.values()] or [np.empty(0, "int64")])
    )
    survivors = prepared[~prepared["row_id"].isin(bad_ids)]
    survivors = survivors.sort_values(["symbol", "ts"], kind="stable").reset_index(drop=True)
    series_ctx = CheckContext(survivors, raw, cfg, expected)
    f2, a2, c2 = _run_stage([s for s in specs if s.stage is Stage.SERIES], series_ctx)
    flagged |= f2
    anomalies += a2
    credit |= c2
    quarantine = _quarantine_table(flagged, prepared, raw)
    clean = survivors[~survivors["row_id"].isin(quarantine["row_id"])]
    clean = validate(clean[_BARS].reset_index(drop=True), "bars")
    credits = [_CREDIT[c] for c in credit.values()]  # type: ignore[index]
    return QualityResult(
        score=score(len(prepared), len(clean), credits, cfg.row_weight),
        anomalies=anomalies,
        clean=clean,
        quarantine=quarantine,
    )
