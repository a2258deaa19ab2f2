"""Retrieve the passages most similar to a question among those known at a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.rag.index import DocumentIndex
from mi_kernel.rag.models import Citation, RetrievedPassage
from mi_kernel.rag.store import Hit
from mi_kernel.schemas.tables import utc_bound


def _utc(payload: dict[str, Any], field: str) -> datetime:
    """A payload timestamp as a datetime, floored to the microsecond (never later than it)."""
    ns = payload.get(f"{field}_ns")
    ns = int(ns) if ns is not None else round(float(payload[field]) * 1e9)
    return pd.Timestamp(ns, unit="ns", tz="UTC").floor("us").to_pydatetime()


def to_passage(hit: Hit) -> RetrievedPassage:
    """A store hit as a cited passage."""
    p = hit.payload
    citation = Citation(
        doc_id=p["doc_id"],
        passage_id=p["passage_id"],
        start=int(p["start"]),
        end=int(p["end"]),
        title=p["title"],
        source=p["source"],
        ref=p["ref"],
        published_at=_utc(p, "published_at"),
        known_at=_utc(p, "known_at"),
    )
    return RetrievedPassage(
        text=p["text"], score=hit.score, tickers=tuple(p["tickers"]), citation=citation
    )


def asof_timestamp(asof: object) -> pd.Timestamp:
    """Parse an as-of date: naive means UTC, a bare date its midnight (as every date bound)."""
    ts = utc_bound(asof, "asof")
    if ts is None:
        raise ConfigError("asof is required: the date at which the evidence must be known")
    return ts


def retrieve(
    index: DocumentIndex,
    question: str,
    asof: object,
    k: int | None = None,
    tickers: Sequence[str] = (),
) -> list[RetrievedPassage]:
    """Return the ``k`` passages most similar to ``question`` known at ``asof``, best first.

    ``asof`` is a timestamp or ISO date (naive = UTC; a bare date is its midnight); a passage
    is visible when its document's known_at <= asof. ``tickers`` keeps passages
    tagged with any of them.
    """
    [q] = index.embedder.embed([question])
    return search_passages(index, q, asof_timestamp(asof), k or index.config.k, tickers)


def search_passages(
    index: DocumentIndex,
    vector: np.ndarray,
    asof: pd.Timestamp,
    k: int,
    tickers: Sequence[str] = (),
) -> list[RetrievedPassage]:
    """:func:`retrieve` for an already embedded question (a unit vector) and a UTC ``asof``."""
    return [to_passage(h) for h in index.store.search(vector, asof, k, tickers)]
