"""Text evidence for the strongest signals: what was known about each name at the signal's date.

:func:`signal_evidence` takes a Signal table, the documents and the news step's links
(``doc_id``, ``symbol``: :attr:`~mi_kernel.news.NewsAnalysis.signals`, one row per kept
document and company it names), keeps the ``top_n`` signals by ``|score|`` and, for each,
retrieves (:func:`mi_kernel.rag.retrieve`) the passages of the documents linked to its
symbol that were known in the ``lookback_days`` up to the signal's ``ts`` — never later.
Only those documents are embedded, so it takes seconds. A signal without such a document
gets no passages and a ``reason`` saying what was (not) known; nothing is invented.

A document's symbols are the news step's links, not its own ``tickers`` tags (filings carry
none; linking finds them by name).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mi_kernel.rag import (
    DocumentIndex,
    Embedder,
    RetrievedPassage,
    embed_passages,
    index_passages,
    retrieve,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EvidenceConfig(_Frozen):
    """Which signals get evidence, from how far back, and how many passages each."""

    top_n: int = Field(default=10, ge=1, le=500, description="strongest signals by |score|")
    lookback_days: int = Field(
        default=30, ge=1, le=3650, description="days before the signal's date a document counts"
    )
    k: int = Field(default=3, ge=1, le=20, description="passages per signal")
    question: str = Field(
        # event words rank the stories above the templates' boilerplate ("last reported
        # results 5 weeks ago") better than "what did the company announce" (tried on synthetic)
        default="Why would the stock price move: earnings beat or miss, raised or cut "
        "guidance, acquisition, lawsuit, new chief executive?",
        description="what the passages are ranked by (cosine similarity, all-MiniLM-L6-v2)",
    )


class SignalEvidence(_Frozen):
    """The passages known about one signal's symbol at its date, best first, or why none."""

    symbol: str
    asof: datetime = Field(description="the signal's ts: only documents known by then count")
    score: float
    confidence: float | None = None
    documents: int = Field(ge=0, description="linked documents known in the window")
    passages: tuple[RetrievedPassage, ...] = ()
    reason: str = Field(default="", description="why there are no passages (empty otherwise)")


class EvidenceSet(_Frozen):
    """:func:`signal_evidence`'s result: one entry per signal, strongest first."""

    config: EvidenceConfig
    signals: tuple[SignalEvidence, ...]
    documents_embedded: int = Field(ge=0)
    passages_embedded: int = Field(ge=0)


def _strongest(signals: pd.DataFrame, n: int) -> pd.DataFrame:
    order = signals["score"].abs().sort_values(ascending=False, kind="stable").index
    return signals.loc[order].head(n).reset_index(drop=True)


def _linked(documents: pd.DataFrame, links: pd.DataFrame, symbols: list[str]) -> pd.DataFrame:
    """One row per (document, symbol) among ``symbols``, with the document's columns."""
    pairs = links.loc[links["symbol"].isin(symbols), ["doc_id", "symbol"]].drop_duplicates()
    return pairs.merge(documents, on="doc_id")


def _reason(linked: pd.DataFrame, symbol: str, asof: pd.Timestamp, days: int) -> str:
    mine = linked[linked["symbol"] == symbol]
    known = mine[mine["known_at"] <= asof]
    later = len(mine) - len(known)
    after = f"; {later} later one{'s' if later != 1 else ''} not used" if later else ""
    if known.empty:
        return f"no document linked to {symbol} was known by {asof:%Y-%m-%d %H:%M} UTC{after}"
    last = known.sort_values("known_at").iloc[-1]
    return (
        f"no document linked to {symbol} was known in the {days} days to "
        f"{asof:%Y-%m-%d %H:%M} UTC; the latest, '{last['title']}', was known "
        f"{last['known_at']:%Y-%m-%d}{after}"
    )


def signal_evidence(
    signals: pd.DataFrame,
    documents: pd.DataFrame,
    links: pd.DataFrame,
    config: EvidenceConfig | None = None,
    embedder: Embedder | None = None,
) -> EvidenceSet:
    """Retrieve the cited text evidence for the strongest signals, point in time.

    Parameters
    ----------
    signals
        Signal table (ts, symbol, score, confidence, ...): one row per (ts, symbol).
    documents
        The documents table (doc_id, source, published_at, known_at, title, body, tickers,
        ref; UTC timestamps).
    links
        Which document names which company: columns ``doc_id`` and ``symbol``.
    config
        Signals kept, window and passages per signal (:class:`EvidenceConfig`).
    embedder
        Default all-MiniLM-L6-v2, loaded only when there is something to embed.

    Returns
    -------
    EvidenceSet
        Per signal (strongest first): its passages with citations (doc_id, span in the
        body, title, ref, known_at) and similarity, or an empty tuple and the reason.
    """
    cfg = config or EvidenceConfig()
    top = _strongest(signals, cfg.top_n)
    linked = _linked(documents, links, top["symbol"].tolist())
    chosen = linked[_in_window(linked, top, cfg.lookback_days)]
    docs = (
        chosen.groupby("doc_id", sort=False)
        .agg({**{c: "first" for c in documents.columns if c != "doc_id"}, "symbol": list})
        .reset_index()
    )
    docs["tickers"] = docs.pop("symbol")  # the links, so the ticker filter finds filings too
    passages = embed_passages(docs[documents.columns], embedder) if len(docs) else None
    index = index_passages(passages, embedder=embedder) if passages is not None else None
    confidence = top["confidence"] if "confidence" in top else pd.Series(float("nan"), top.index)
    out = [
        _one(index, linked, chosen, str(sym), pd.Timestamp(ts), float(score), float(conf), cfg)
        for sym, ts, score, conf in zip(
            top["symbol"], top["ts"], top["score"], confidence, strict=True
        )
    ]
    return EvidenceSet(
        config=cfg,
        signals=tuple(out),
        documents_embedded=len(docs),
        passages_embedded=0 if passages is None else len(passages),
    )


def _in_window(linked: pd.DataFrame, top: pd.DataFrame, days: int) -> pd.Series:
    """Rows of ``linked`` known in the ``days`` up to the ts of a top signal of their symbol."""
    ok = pd.Series(False, index=linked.index)
    for end in pd.DatetimeIndex(top["ts"].unique()):
        group = top[top["ts"] == end]
        ok |= linked["symbol"].isin(group["symbol"]) & linked["known_at"].between(
            end - pd.Timedelta(days=days), end, inclusive="right"
        )
    return ok


def _one(
    index: DocumentIndex | None,
    linked: pd.DataFrame,
    chosen: pd.DataFrame,
    symbol: str,
    ts: pd.Timestamp,
    score: float,
    confidence: float,
    cfg: EvidenceConfig,
) -> SignalEvidence:
    """The evidence of one signal: its symbol's passages known in (ts - lookback, ts]."""
    start = ts - pd.Timedelta(days=cfg.lookback_days)
    mine = chosen[(chosen["symbol"] == symbol) & chosen["known_at"].between(start, ts, "right")]
    found: list[RetrievedPassage] = []
    if index is not None and len(mine):
        found = retrieve(index, cfg.question, ts, cfg.k, tickers=[symbol])
        found = [p for p in found if p.citation.known_at > start]
    reason = "" if found else _reason(linked, symbol, ts, cfg.lookback_days)
    if not found and len(mine):
        reason = f"the {len(mine)} documents linked to {symbol} in the window have no text"
    return SignalEvidence(
        symbol=symbol,
        asof=ts.to_pydatetime(),
        score=score,
        confidence=None if pd.isna(confidence) else confidence,
        documents=int(mine["doc_id"].nunique()),
        passages=tuple(found),
        reason=reason,
    )
