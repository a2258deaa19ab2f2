"""The ``documents`` table: every text source in one schema, with stable content ids.

A document id is the first 16 hex digits of the sha256 of its source, reference, publication
time, title and body: the same story read twice gets the same id, an edited one a new id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pandas as pd

from mi_kernel.schemas.tables import TABLES, TableName, conform

#: Columns of the documents table, in order.
COLUMNS = tuple(TABLES[TableName.DOCUMENTS].names)


def document_id(source: str, ref: str, published_at: pd.Timestamp, title: str, body: str) -> str:
    """Return the stable content hash of one document (16 hex digits)."""
    text = "\x1f".join((source, ref, published_at.isoformat(), title, body))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def document_table(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """Build a conformed ``documents`` table from dicts without ``doc_id`` (it is computed).

    Each row needs ``source``, ``published_at``, ``known_at`` (UTC timestamps), ``title``,
    ``body``, ``tickers`` (list of str) and ``ref``. Rows are sorted by (known_at, doc_id).
    """
    frame = pd.DataFrame(list(rows), columns=[c for c in COLUMNS if c != "doc_id"])
    for col in ("published_at", "known_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame.insert(
        0,
        "doc_id",
        [
            document_id(s, r, p, t, b)
            for s, r, p, t, b in zip(
                frame["source"],
                frame["ref"],
                frame["published_at"],
                frame["title"],
                frame["body"],
                strict=True,
            )
        ],
    )
    frame["tickers"] = [list(map(str, t)) for t in frame["tickers"]]
    frame = frame.sort_values(["known_at", "doc_id"], kind="stable")
    return conform(frame, TableName.DOCUMENTS)


def known_as_of(documents: pd.DataFrame, asof: pd.Timestamp | str) -> pd.DataFrame:
    """Return the documents known at ``asof`` (``known_at <= asof``): what a reader then saw."""
    cut = pd.Timestamp(asof)
    cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut.tz_convert("UTC")
    return documents[documents["known_at"] <= cut].reset_index(drop=True)
