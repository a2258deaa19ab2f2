"""Canonical tables: one schema each, checked at boundaries (not in every function).

Every table is long (one row per timestamp x symbol where it has both), timestamps are
timezone-aware UTC. ``validate`` raises :class:`SchemaError` naming what is wrong;
``conform`` first coerces the dtypes a reader can fix without guessing (naive or
other-zone timestamps to UTC, ints to floats) and then validates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pandas as pd
import pyarrow as pa

from mi_kernel.errors import ConfigError, SchemaError

UTC_TS = pa.timestamp("ns", tz="UTC")


class TableName(StrEnum):
    BARS = "bars"
    CORPORATE_ACTIONS = "corporate_actions"
    UNIVERSE = "universe"
    FUNDAMENTALS = "fundamentals"
    NEWS = "news"
    FEATURES = "features"
    LABELS = "labels"
    SIGNALS = "signals"
    WEIGHTS = "weights"
    ORDERS = "orders"
    FILLS = "fills"
    QUARANTINE = "quarantine"
    FACTORS = "factors"
    DOCUMENTS = "documents"
    DOCUMENT_LABELS = "document_labels"
    ENTITIES = "entities"


TABLES: dict[TableName, pa.Schema] = {
    TableName.BARS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("open", pa.float64()),
            ("high", pa.float64()),
            ("low", pa.float64()),
            ("close", pa.float64()),
            ("volume", pa.float64()),
        ]
    ),
    # action: "split" (value = new shares per old share) or "dividend" (value = cash per share),
    # effective on the ex-date ts.
    TableName.CORPORATE_ACTIONS: pa.schema(
        [("ts", UTC_TS), ("symbol", pa.string()), ("action", pa.string()), ("value", pa.float64())]
    ),
    # Point-in-time membership: a symbol is a member on [start, end); end is null while listed.
    TableName.UNIVERSE: pa.schema(
        [
            ("symbol", pa.string()),
            ("start", UTC_TS),
            ("end", UTC_TS),
            ("sector", pa.string()),
        ]
    ),
    # ts = fiscal period end; ts_known = when the figure became public (use this for joins).
    TableName.FUNDAMENTALS: pa.schema(
        [
            ("ts", UTC_TS),
            ("ts_known", UTC_TS),
            ("symbol", pa.string()),
            ("book_value", pa.float64()),
            ("earnings", pa.float64()),
            ("sales", pa.float64()),
            ("shares", pa.float64()),
        ]
    ),
    TableName.NEWS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("headline", pa.string()),
            ("sentiment", pa.float64()),
        ]
    ),
    # Feature Row: ts, symbol, then one float64 column per feature (checked by prefix-free rule).
    TableName.FEATURES: pa.schema([("ts", UTC_TS), ("symbol", pa.string())]),
    # ts_end: the last timestamp whose data the label uses (splitters purge on it).
    TableName.LABELS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("ts_end", UTC_TS),
            ("label", pa.float64()),
        ]
    ),
    TableName.SIGNALS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("score", pa.float64()),
            ("confidence", pa.float64()),
            ("model_version", pa.string()),
            ("top_features", pa.string()),
        ]
    ),
    TableName.WEIGHTS: pa.schema(
        [("ts", UTC_TS), ("symbol", pa.string()), ("weight", pa.float64())]
    ),
    TableName.ORDERS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("quantity", pa.float64()),
            ("order_type", pa.string()),  # market | limit | stop | iceberg
            ("limit_price", pa.float64()),
            ("stop_price", pa.float64()),
            ("display", pa.float64()),  # iceberg: shares shown at a time
            ("expires", UTC_TS),  # last bar the order works (null: until filled)
        ]
    ),
    TableName.FILLS: pa.schema(
        [
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("quantity", pa.float64()),
            ("price", pa.float64()),
            ("commission", pa.float64()),
            ("spread_cost", pa.float64()),
            ("impact_cost", pa.float64()),
            ("tax_cost", pa.float64()),
            ("order_id", pa.int64()),  # row of the orders table; -1 target order, -2 delisting
        ]
    ),
    # Factor returns (long): ts = when the period's return became known (its end).
    TableName.FACTORS: pa.schema(
        [("ts", UTC_TS), ("factor", pa.string()), ("value", pa.float64())]
    ),
    # Text documents of every source in one schema (news, filings, call transcripts, corpora):
    # doc_id = stable content hash; known_at >= published_at (when our feed had it); tickers =
    # the tags the source gave (entity linking finds the rest); ref = url-like reference.
    TableName.DOCUMENTS: pa.schema(
        [
            ("doc_id", pa.string()),
            ("source", pa.string()),
            ("published_at", UTC_TS),
            ("known_at", UTC_TS),
            ("title", pa.string()),
            ("body", pa.string()),
            ("tickers", pa.list_(pa.string())),
            ("ref", pa.string()),
        ]
    ),
    # Ground truth of generated documents: event type, sentiment in [-1, 1], the tickers the
    # text is about, and the doc_id of the story a duplicate rewords (null for originals).
    TableName.DOCUMENT_LABELS: pa.schema(
        [
            ("doc_id", pa.string()),
            ("event", pa.string()),
            ("sentiment", pa.float64()),
            ("tickers", pa.list_(pa.string())),
            ("duplicate_of", pa.string()),
        ]
    ),
    # Reference data for entity linking: one row per (symbol, name); cik may be null.
    TableName.ENTITIES: pa.schema(
        [
            ("symbol", pa.string()),
            ("name", pa.string()),
            ("cik", pa.string()),
            ("exchange", pa.string()),
            ("source", pa.string()),
        ]
    ),
    # Rows removed by a quality gate: the original row (as JSON) and the reason.
    TableName.QUARANTINE: pa.schema(
        [
            ("row_id", pa.int64()),
            ("check", pa.string()),
            ("reason", pa.string()),
            ("ts", UTC_TS),
            ("symbol", pa.string()),
            ("row", pa.string()),
        ]
    ),
}

#: Tables whose schema lists only the key columns; every other column must be float64.
_OPEN_TABLES = {TableName.FEATURES}


def _is_float(dtype: Any) -> bool:
    return pd.api.types.is_float_dtype(dtype)


def _matches(series: pd.Series, field: pa.Field) -> bool:
    t = field.type
    if pa.types.is_timestamp(t):
        return isinstance(series.dtype, pd.DatetimeTZDtype) and str(series.dtype.tz) == "UTC"
    if pa.types.is_string(t):
        return pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(
            series.dtype
        )
    if pa.types.is_floating(t):
        return _is_float(series.dtype)
    if pa.types.is_integer(t):
        return pd.api.types.is_integer_dtype(series.dtype)
    return True


def validate(df: pd.DataFrame, table: str | TableName) -> pd.DataFrame:
    """Check ``df`` against the canonical schema of ``table``; return it unchanged.

    Raises
    ------
    SchemaError
        Naming every missing column and every column of the wrong dtype.
    """
    name = TableName(table)
    schema = TABLES[name]
    missing = [f.name for f in schema if f.name not in df.columns]
    wrong = [
        f"{f.name} is {df[f.name].dtype}, expected {f.type}"
        for f in schema
        if f.name in df.columns and not _matches(df[f.name], f)
    ]
    if name in _OPEN_TABLES:
        wrong += [
            f"{c} is {df[c].dtype}, expected float64"
            for c in df.columns
            if c not in schema.names and not _is_float(df[c].dtype)
        ]
    if missing or wrong:
        parts = []
        if missing:
            parts.append(f"missing columns {missing}")
        if wrong:
            parts.append("; ".join(wrong))
        raise SchemaError(
            f"table {name.value!r} does not match its canonical schema: {', '.join(parts)}. "
            f"Expected columns {schema.names}; use mi_kernel.schemas.conform() to coerce dtypes."
        )
    return df


def utc_bound(value: object, name: str) -> pd.Timestamp | None:
    """Parse a date bound (``start``/``end``): None or "" → None, naive → UTC, else converted.

    Raises ConfigError naming the parameter when ``value`` is not a date.
    """
    if value is None or (isinstance(value, str) and not value):
        return None
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(
            f"{name}={value!r} is not a date; use ISO format, e.g. 2010-01-31"
        ) from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def to_utc(values: pd.Series | pd.Index) -> pd.Series:
    """Return timestamps as tz-aware UTC; naive values are taken to be UTC."""
    s = pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype) and str(s.dtype.tz) == "UTC":
        return s  # already canonical: nothing to convert
    s = pd.to_datetime(s, utc=False)
    if s.dt.tz is None:
        return s.dt.tz_localize("UTC")
    return s.dt.tz_convert("UTC")


def conform(df: pd.DataFrame, table: str | TableName, *, copy: bool = True) -> pd.DataFrame:
    """Coerce fixable dtypes (timestamps to UTC, numbers to float64), order columns, validate.

    Parameters
    ----------
    df : DataFrame
    table : str or TableName
    copy : bool, default True
        True: the result owns its data (one copy of ``df``). False: columns already in their
        canonical dtype are shared with ``df``, for a caller that owns ``df`` and drops it
        (a reader); ``df`` itself is never modified. Either way a column already canonical,
        columns already in order and a default index are not copied again.
    """
    name = TableName(table)
    schema = TABLES[name]
    out = df.copy(deep=copy)
    for f in schema:
        if f.name in out.columns:
            _coerce(out, f.name, f.type)
    if name in _OPEN_TABLES:
        for c in out.columns:
            if c not in schema.names and _numeric_not_float64(out[c]):
                out[c] = out[c].astype("float64")
        order = schema.names + [c for c in out.columns if c not in schema.names]
    else:
        order = [c for c in schema.names if c in out.columns]
    if list(out.columns) != order:
        out = out[order]
    if not out.index.equals(pd.RangeIndex(len(out))) or not isinstance(out.index, pd.RangeIndex):
        out = out.reset_index(drop=True)
    return validate(out, name)


def _numeric_not_float64(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and s.dtype != "float64"


def _coerce(out: pd.DataFrame, column: str, kind: pa.DataType) -> None:
    """Give ``out[column]`` its canonical dtype in place (replacing the column if needed)."""
    s = out[column]
    if pa.types.is_timestamp(kind):
        utc = to_utc(s)
        if utc.dtype != "datetime64[ns, UTC]":
            utc = utc.astype("datetime64[ns, UTC]")
        if utc is not s:
            out[column] = utc
    elif pa.types.is_floating(kind) and _numeric_not_float64(s):
        out[column] = s.astype("float64")
    elif pa.types.is_string(kind) and (s.dtype != object or s.isna().any()):
        out[column] = s.astype(object).where(s.notna(), None)
