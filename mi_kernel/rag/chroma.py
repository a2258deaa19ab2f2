"""Passages in Chroma: embedded in-process, or a Chroma server through the same client API.

:class:`ChromaStore` talks to ``chromadb``: ``url=`` (or ``MI_CHROMA_URL``) is a server, e.g.
``chroma run --host 127.0.0.1 --port 8000 --path folder`` from the same package;
``path=`` persists an embedded database to a folder; neither keeps it in memory. The index is
Chroma's HNSW graph on inner products of unit vectors (cosine similarity), so results are
approximate: recall against the exact index is measured in ``benchmarks/rag.md``.

The as-of rule, ``known_at <= asof``, is applied to every hit. Chroma evaluates a metadata
filter by scanning its metadata table (its cost grows with the rows the filter keeps: ~0.3 s
for half of 100k passages), so a search first asks for the nearest ``4k`` passages without the
date filter and keeps those known at ``asof``; only when fewer than ``k`` survive (an early
``asof``, or past ``256`` asked) does it ask Chroma again with the filter
``known_at_ns <= asof``, which then keeps few rows. The top ``k`` known at ``asof`` among the
nearest ``m`` are the top ``k`` known at ``asof`` overall, so both paths return the same
passages (up to the index's approximation).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.rag.store import CHROMA_URL_ENV, Hit, _check, _epoch_ns, _payloads

#: HNSW settings: inner product of unit vectors; a wide graph and search beam for recall.
HNSW = {"space": "ip", "max_neighbors": 32, "ef_construction": 200, "ef_search": 400}
_FIRST, _LAST = 4, 256  # the unfiltered over-fetch: from 4k passages up to 256


def _metadata(payload: dict[str, Any]) -> dict[str, Any]:
    # Chroma refuses empty lists and None as metadata values: leave such keys out
    return {k: v for k, v in payload.items() if v is not None and v != []}


def _hits(res: Any) -> list[Hit]:
    out = []
    for dist, meta in zip(res["distances"][0], res["metadatas"][0], strict=True):
        payload = dict(meta)
        payload.setdefault("tickers", [])
        out.append(Hit(1.0 - float(dist), payload))  # ip distance is 1 - dot
    return out


def _client(url: str | None, path: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"Chroma url {url!r}: give it as http://host:port")
        https = parts.scheme == "https"
        return chromadb.HttpClient(host=parts.hostname, port=parts.port or (443 if https else 80),
                                   ssl=https, settings=settings)  # fmt: skip
    if path:
        return chromadb.PersistentClient(path=path, settings=settings)
    return chromadb.EphemeralClient(settings=settings)


class ChromaStore:
    """Passages in a Chroma collection: a server (``url``), a folder (``path``) or memory.

    Parameters
    ----------
    url
        A Chroma server, e.g. ``http://127.0.0.1:8000``; default ``$MI_CHROMA_URL``.
    path
        Embedded: a folder to persist to. With neither url nor path, in memory.
    collection
        The collection's name; created when missing. Default ``mi_passages``, or a fresh
        name in memory (Chroma shares one in-memory database within a process).
    dim
        The vectors' width (384 for MiniLM).
    """

    def __init__(
        self,
        url: str | None = None,
        path: str | None = None,
        collection: str | None = None,
        dim: int = 384,
    ) -> None:
        self.url = url or os.environ.get(CHROMA_URL_ENV) or None
        self.dim = dim
        self.client = _client(self.url, path)
        fresh = f"mi_passages_{uuid.uuid4().hex[:12]}"
        self.name = collection or ("mi_passages" if self.url or path else fresh)
        self.collection = self.client.get_or_create_collection(
            self.name, configuration={"hnsw": dict(HNSW)}, embedding_function=None
        )

    def add(self, passages: pd.DataFrame, vectors: np.ndarray, batch: int = 2048) -> None:
        """Upsert ``passages``; a passage's id in Chroma is its passage_id."""
        vecs = _check(passages, vectors, self.dim)
        payloads = _payloads(passages)
        batch = min(batch, int(self.client.get_max_batch_size()))
        for lo in range(0, len(payloads), batch):
            part = payloads[lo : lo + batch]
            self.collection.upsert(
                ids=[p["passage_id"] for p in part],
                embeddings=vecs[lo : lo + len(part)],
                metadatas=[_metadata(p) for p in part],
            )

    def _query(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[Hit]:
        res = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where,
            include=["metadatas", "distances"],
        )
        return _hits(res)

    def search(
        self, vector: np.ndarray, asof: pd.Timestamp, k: int, tickers: Sequence[str] = ()
    ) -> list[Hit]:
        """Return the ``k`` most similar passages with known_at <= asof (any of ``tickers``)."""
        total = len(self)
        if total == 0 or k < 1:
            return []
        cutoff = int(_epoch_ns(asof))
        named = [{"tickers": {"$contains": str(t)}} for t in tickers]
        by_ticker: dict[str, Any] | None = (
            None if not named else named[0] if len(named) == 1 else {"$or": named}
        )
        n = min(_FIRST * k, total)
        while True:  # unfiltered by date: the nearest n, then keep those known at asof
            hits = self._query(vector, n, by_ticker)
            known = [h for h in hits if h.payload["known_at_ns"] <= cutoff]
            if len(known) >= k or len(hits) < n or n == total:
                return known[:k]
            if n >= _LAST:
                break
            n = min(4 * n, _LAST, total)
        by_date = {"known_at_ns": {"$lte": cutoff}}
        where = by_date if by_ticker is None else {"$and": [by_date, by_ticker]}
        return [h for h in self._query(vector, k, where) if h.payload["known_at_ns"] <= cutoff]

    def __len__(self) -> int:
        return int(self.collection.count())
