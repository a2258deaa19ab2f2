"""Vector stores of passages, searched as of a date: what was known at ``asof``, nothing later.

Three backends behind one small interface (:class:`VectorStore`):

- :class:`NumpyStore` (the embedded default): an exact, in-memory cosine index; the as-of
  filter is a boolean mask on a known_at array, so a query at 100k passages is one
  matrix-vector product (see ``benchmarks/rag.md``).
- :class:`~mi_kernel.rag.chroma.ChromaStore`: the vector database. ``url=`` (or
  ``MI_CHROMA_URL``) is a Chroma server (``chroma run``, from the same package); ``path=``
  or nothing is the same engine embedded in-process. HNSW, so near-exact; see its module.
- :class:`QdrantStore`: Qdrant through ``qdrant-client``. ``url=`` (or ``MI_QDRANT_URL``)
  talks to a Qdrant server or cluster; ``path=`` or ``":memory:"`` is Qdrant's local mode,
  the same client API run in-process. The as-of filter is a payload range filter
  ``known_at <= asof`` on a numeric field (epoch seconds), indexed on a server. Local mode
  evaluates filters in a Python loop over every point, too slow past ~10k passages for
  interactive use (measured in ``benchmarks/rag.md``); it is here for the server-compatible
  path and for small persistent collections.

Vectors are unit length (cosine similarity = dot product).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError

QDRANT_URL_ENV = "MI_QDRANT_URL"
CHROMA_URL_ENV = "MI_CHROMA_URL"  # read by mi_kernel.rag.chroma too
_PAYLOAD = ("passage_id", "doc_id", "start", "end", "text", "tickers", "source", "title", "ref")
_NS = 1_000_000_000


@dataclass(frozen=True)
class Hit:
    """A stored passage and its cosine similarity to the query."""

    score: float
    payload: dict[str, Any]


class VectorStore(Protocol):
    """Passages with unit vectors; searched among those known at a date."""

    def add(self, passages: pd.DataFrame, vectors: np.ndarray) -> None:
        """Store ``passages`` (columns of :func:`~mi_kernel.rag.passages.split_passages`)."""

    def search(
        self, vector: np.ndarray, asof: pd.Timestamp, k: int, tickers: Sequence[str] = ()
    ) -> list[Hit]:
        """Return the ``k`` passages most similar to ``vector`` with known_at <= asof."""

    def __len__(self) -> int: ...


def _epoch_ns(ts: pd.Series | pd.Timestamp) -> Any:
    if isinstance(ts, pd.Timestamp):
        return ts.tz_convert("UTC").as_unit("ns").value
    return ts.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()


def _payloads(passages: pd.DataFrame) -> list[dict[str, Any]]:
    cols = {c: passages[c].tolist() for c in _PAYLOAD}
    known = _epoch_ns(passages["known_at"])
    published = _epoch_ns(passages["published_at"])
    return [
        {
            **{c: v[i] for c, v in cols.items()},
            "known_at": float(known[i] / _NS),  # epoch seconds: what the range filter reads
            "published_at": float(published[i] / _NS),
            "known_at_ns": int(known[i]),  # exact, for the citation
            "published_at_ns": int(published[i]),
        }
        for i in range(len(passages))
    ]


def _check(passages: pd.DataFrame, vectors: np.ndarray, dim: int | None) -> np.ndarray:
    vecs = np.asarray(vectors, dtype=np.float32)
    if vecs.ndim != 2 or len(vecs) != len(passages) or (dim is not None and vecs.shape[1] != dim):
        raise ConfigError(
            f"vectors of shape {vecs.shape} do not match {len(passages)} passages"
            + (f" of width {dim}" if dim is not None else "")
        )
    return vecs


@dataclass
class NumpyStore:
    """Exact cosine search in memory; the as-of filter is a mask on known_at."""

    _vectors: list[np.ndarray] = field(default_factory=list)
    _known_ns: list[np.ndarray] = field(default_factory=list)
    _payload: list[dict[str, Any]] = field(default_factory=list)
    _matrix: np.ndarray | None = None
    _known: np.ndarray | None = None
    _by_ticker: dict[str, np.ndarray] | None = None

    def add(self, passages: pd.DataFrame, vectors: np.ndarray) -> None:
        """Store ``passages`` and their unit ``vectors`` (n, d)."""
        dim = self._vectors[0].shape[1] if self._vectors else None
        self._vectors.append(_check(passages, vectors, dim))
        self._known_ns.append(np.asarray(_epoch_ns(passages["known_at"]), dtype=np.int64))
        self._payload += _payloads(passages)
        self._matrix = self._known = self._by_ticker = None

    def _arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._matrix is None or self._known is None:
            self._matrix = np.concatenate(self._vectors) if self._vectors else np.zeros((0, 1))
            self._known = np.concatenate(self._known_ns) if self._known_ns else np.zeros(0, "i8")
            self._vectors, self._known_ns = [self._matrix], [self._known]
        return self._matrix, self._known

    def _ticker_mask(self, tickers: Sequence[str]) -> np.ndarray:
        if self._by_ticker is None:
            rows: dict[str, list[int]] = {}
            for i, p in enumerate(self._payload):
                for t in p["tickers"]:
                    rows.setdefault(t, []).append(i)
            self._by_ticker = {t: np.array(r, dtype=np.int64) for t, r in rows.items()}
        mask = np.zeros(len(self._payload), dtype=bool)
        for t in tickers:
            mask[self._by_ticker.get(t, np.zeros(0, np.int64))] = True
        return mask

    def search(
        self, vector: np.ndarray, asof: pd.Timestamp, k: int, tickers: Sequence[str] = ()
    ) -> list[Hit]:
        """Return the ``k`` most similar passages with known_at <= asof (any of ``tickers``)."""
        matrix, known = self._arrays()
        ok = known <= _epoch_ns(asof)
        if tickers:
            ok &= self._ticker_mask(tickers)
        n_ok = int(ok.sum())
        if n_ok == 0:
            return []
        scores = matrix @ np.asarray(vector, dtype=np.float32)  # all rows: cheaper than a gather
        scores[~ok] = -np.inf
        k = min(k, n_ok)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [Hit(float(scores[i]), self._payload[i]) for i in top]

    def __len__(self) -> int:
        return len(self._payload)


class QdrantStore:
    """Passages in a Qdrant collection: a server (``url``) or local mode (``path``/``:memory:``).

    Parameters
    ----------
    url
        A Qdrant server, e.g. ``http://localhost:6333``; default ``$MI_QDRANT_URL``.
    path
        Local mode: a folder to persist to, or ``":memory:"``. Used when no url is given.
    collection
        The collection's name; created (cosine, ``dim`` wide) when missing.
    """

    def __init__(
        self,
        url: str | None = None,
        path: str | None = ":memory:",
        collection: str = "mi_passages",
        dim: int = 384,
        api_key: str | None = None,
    ) -> None:
        from qdrant_client import QdrantClient, models

        self.url = url or os.environ.get(QDRANT_URL_ENV) or None
        self.collection, self.dim = collection, dim
        if self.url:
            self.client = QdrantClient(url=self.url, api_key=api_key)
        elif path == ":memory:" or not path:
            self.client = QdrantClient(location=":memory:")
        else:
            self.client = QdrantClient(path=path)
        if not self.client.collection_exists(collection):
            self.client.create_collection(
                collection,
                vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE),
            )
            if self.url:  # local mode ignores payload indexes (and warns)
                for name, kind in (("known_at", models.PayloadSchemaType.FLOAT),
                                   ("tickers", models.PayloadSchemaType.KEYWORD)):  # fmt: skip
                    self.client.create_payload_index(
                        collection_name=collection, field_name=name, field_schema=kind
                    )

    def add(self, passages: pd.DataFrame, vectors: np.ndarray, batch: int = 512) -> None:
        """Upsert ``passages``; a passage's point id is a UUID5 of its passage_id."""
        from qdrant_client import models

        vecs = _check(passages, vectors, self.dim)
        payloads = _payloads(passages)
        for lo in range(0, len(payloads), batch):
            points = [
                models.PointStruct(
                    id=str(uuid.uuid5(uuid.NAMESPACE_URL, p["passage_id"])),
                    vector=vecs[lo + i].tolist(),
                    payload=p,
                )
                for i, p in enumerate(payloads[lo : lo + batch])
            ]
            self.client.upsert(self.collection, points=points, wait=True)

    def search(
        self, vector: np.ndarray, asof: pd.Timestamp, k: int, tickers: Sequence[str] = ()
    ) -> list[Hit]:
        """Return the ``k`` most similar passages with known_at <= asof (any of ``tickers``)."""
        from qdrant_client import models

        must: list[Any] = [
            models.FieldCondition(key="known_at", range=models.Range(lte=_epoch_ns(asof) / _NS))
        ]
        if tickers:
            must.append(
                models.FieldCondition(key="tickers", match=models.MatchAny(any=list(tickers)))
            )
        res = self.client.query_points(
            self.collection,
            query=np.asarray(vector, dtype=np.float32).tolist(),
            query_filter=models.Filter(must=must),
            limit=k,
            with_payload=True,
        )
        return [Hit(float(p.score), dict(p.payload or {})) for p in res.points]

    def __len__(self) -> int:
        return int(self.client.count(self.collection, exact=True).count)


class StoreBackend(StrEnum):
    """Where passages are stored."""

    NUMPY = "numpy"
    CHROMA = "chroma"
    QDRANT = "qdrant"


def _backend(backend: StoreBackend | str | None, url: str | None, path: str | None) -> StoreBackend:
    if backend:
        try:
            return StoreBackend(backend)
        except ValueError as exc:
            raise ConfigError(
                f"backend={backend!r}; use one of {[b.value for b in StoreBackend]}"
            ) from exc
    if os.environ.get(CHROMA_URL_ENV):
        return StoreBackend.CHROMA
    if url or path or os.environ.get(QDRANT_URL_ENV):
        return StoreBackend.QDRANT
    return StoreBackend.NUMPY


def open_store(
    backend: StoreBackend | str | None = None,
    url: str | None = None,
    path: str | None = None,
    collection: str | None = None,
    dim: int = 384,
) -> VectorStore:
    """Open a passage store.

    With no arguments: a Chroma server if ``MI_CHROMA_URL`` is set, else a Qdrant server if
    ``MI_QDRANT_URL`` is set, else the exact in-memory NumPy index. ``backend="chroma"``
    without url is Chroma embedded (at ``path``, or in memory); ``backend="qdrant"`` without
    url is Qdrant's local mode (at ``path``, default in memory; a bare ``url`` or ``path``
    means Qdrant too). ``collection`` and ``dim`` (vector width) name and shape the collection.
    """
    kind = _backend(backend, url, path)
    if kind is StoreBackend.NUMPY:
        if url or path:
            raise ConfigError(
                "the numpy backend is in memory: drop url/path or use backend='chroma'"
            )
        return NumpyStore()
    if kind is StoreBackend.CHROMA:
        from mi_kernel.rag.chroma import ChromaStore

        return ChromaStore(url=url, path=path, collection=collection, dim=dim)
    url = url or os.environ.get(QDRANT_URL_ENV) or None
    return QdrantStore(url=url, path=path or ":memory:", collection=collection or "mi_passages",
                       dim=dim)  # fmt: skip
