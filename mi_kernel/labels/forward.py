"""Forward-return labels in the ``labels`` schema, with the end timestamp splitters purge on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.labels.spec import LabelKind, LabelSpec, parse_label_def
from mi_kernel.schemas import validate
from mi_kernel.schemas.tables import to_utc

BPS = 1e4


def forward_returns(bars: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Compute the forward simple return over ``horizon`` of each symbol's own sessions.

    Parameters
    ----------
    bars : DataFrame
        Bars table (``ts``, ``symbol``, ``close`` are used).
    horizon : int
        Sessions ahead, >= 1, counted in the symbol's own bars (a gap is skipped).

    Returns
    -------
    DataFrame
        ``labels`` schema, sorted by (symbol, ts): ``ts``; ``symbol``; ``ts_end``, the
        timestamp of the close at session t + horizon; ``label`` = (close[t+h] / close[t] - 1)
        x 1e4, in basis points. The last ``horizon`` sessions of each symbol have no future
        close, hence no label, and are not in the table. A non-positive or missing close
        gives a NaN label (kept, so it stays visible).

    Raises
    ------
    ConfigError
        If ``horizon`` < 1.
    DataError
        Missing columns or duplicate (symbol, ts) rows.
    """
    if int(horizon) != horizon or horizon < 1:
        raise ConfigError(f"label horizon must be an integer >= 1 session, got {horizon!r}")
    h = int(horizon)
    missing = [c for c in ("ts", "symbol", "close") if c not in bars.columns]
    if missing:
        raise DataError(f"bars lack column(s) {missing} needed for labels; pass a 'bars' table")
    frame = pd.DataFrame(
        {
            "ts": to_utc(bars["ts"]).dt.as_unit("ns").reset_index(drop=True),
            "symbol": bars["symbol"].astype(str).reset_index(drop=True),
            "close": pd.to_numeric(bars["close"]).astype("float64").reset_index(drop=True),
        }
    ).sort_values(["symbol", "ts"], kind="stable", ignore_index=True)
    if frame.duplicated(["symbol", "ts"]).any():
        raise DataError("bars have duplicate (symbol, ts) rows; deduplicate them first")
    sym = frame["symbol"].to_numpy()
    start = np.arange(max(len(frame) - h, 0))
    # Rows are grouped by symbol, so equal symbols h rows apart mean h own sessions apart.
    start = start[sym[start] == sym[start + h]]
    close = frame["close"].to_numpy()
    c0, c1 = close[start], close[start + h]
    with np.errstate(divide="ignore", invalid="ignore"):
        label = np.where((c0 > 0) & (c1 > 0), (c1 / c0 - 1.0) * BPS, np.nan)
    out = pd.DataFrame(
        {
            "ts": frame["ts"].iloc[start].reset_index(drop=True),
            "symbol": frame["symbol"].iloc[start].reset_index(drop=True),
            "ts_end": frame["ts"].iloc[start + h].reset_index(drop=True),
            "label": label,
        }
    )
    return validate(out, "labels")


def make_labels(bars: pd.DataFrame, label_def: str | LabelSpec) -> pd.DataFrame:
    """Compute the labels of a definition: bps returns, or 1.0 / 0.0 for ``fwd_up_*``.

    A classification label is 1.0 where the forward return is positive, 0.0 where it is not,
    and NaN where the return is NaN.
    """
    spec = label_def if isinstance(label_def, LabelSpec) else parse_label_def(label_def)
    out = forward_returns(bars, spec.horizon)
    if spec.kind == LabelKind.CLASSIFICATION:
        up = (out["label"] > 0).astype("float64").where(out["label"].notna())
        out = out.assign(label=up)
    return out
