"""Index documents for retrieval: split into passages, embed them, store them.

Embedding is the slow part (see ``benchmarks/rag.md``), so it can be done once and kept:
:func:`embed_passages` returns the passages with a ``vector`` column, a table a run can store
as an artifact; :func:`index_passages` loads such a table into a store without embedding
anything again. :func:`index_documents` does both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from mi_kernel.errors import SchemaError
from mi_kernel.rag.models import RagConfig
from mi_kernel.rag.passages import PASSAGE_COLUMNS, split_passages
from mi_kernel.rag.store import NumpyStore, VectorStore


class Embedder(Protocol):
    """Turns texts into unit vectors (n, dim); :class:`~mi_kernel.rag.embed.MiniLM` is one."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class DocumentIndex:
    """Passages of a set of documents in a vector store, with the embedder that made them."""

    store: VectorStore
    embedder: Embedder
    config: RagConfig = field(default_factory=lambda: RagConfig())
    passages: int = 0


def _default_embedder() -> Embedder:
    from mi_kernel.rag.embed import MiniLM

    return MiniLM()


def _new_index(
    store: VectorStore | None, embedder: Embedder | None, config: RagConfig | None
) -> DocumentIndex:
    # `store is None`, not `store or ...`: an empty store has len 0 and is falsy
    return DocumentIndex(
        NumpyStore() if store is None else store,
        embedder or _default_embedder(),
        config or RagConfig(),
    )


def embed_passages(
    documents: pd.DataFrame, embedder: Embedder | None = None, config: RagConfig | None = None
) -> pd.DataFrame:
    """Split ``documents`` into passages and embed them.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~mi_kernel.rag.passages.split_passages` plus ``vector``: each
        row's unit embedding, float32 of the embedder's width (384 for MiniLM).
    """
    cfg = config or RagConfig()
    passages = split_passages(documents, cfg.sentences_per_passage, cfg.max_chars)
    vectors = (embedder or _default_embedder()).embed(passages["text"].tolist())
    return passages.assign(vector=list(np.asarray(vectors, dtype=np.float32)))


def index_passages(
    passages: pd.DataFrame,
    store: VectorStore | None = None,
    embedder: Embedder | None = None,
    config: RagConfig | None = None,
    index: DocumentIndex | None = None,
) -> DocumentIndex:
    """Put embedded passages (from :func:`embed_passages`) into a store; embed nothing.

    ``embedder`` must be the one that made the vectors: it embeds the questions.
    """
    missing = [c for c in (*PASSAGE_COLUMNS, "vector") if c not in passages.columns]
    if missing:
        raise SchemaError(
            f"embedded passages lack columns {missing}: make them with embed_passages"
        )
    if index is None:
        index = _new_index(store, embedder, config)
    if len(passages):
        vectors = np.stack([np.asarray(v, dtype=np.float32) for v in passages["vector"]])
        index.store.add(passages.drop(columns="vector"), vectors)
    index.passages += len(passages)
    return index


def index_documents(
    documents: pd.DataFrame,
    store: VectorStore | None = None,
    embedder: Embedder | None = None,
    config: RagConfig | None = None,
    index: DocumentIndex | None = None,
) -> DocumentIndex:
    """Split ``documents`` into passages, embed them and add them to a store.

    Parameters
    ----------
    documents
        The documents table (doc_id, source, published_at, known_at, title, body, tickers, ref).
    store
        Where the passages go; default the exact in-memory index
        (:func:`~mi_kernel.rag.store.open_store` opens a Qdrant one).
    embedder
        Default all-MiniLM-L6-v2 (:class:`~mi_kernel.rag.embed.MiniLM`), loaded on first use.
    config
        Passage sizes and retrieval knobs (:class:`~mi_kernel.rag.models.RagConfig`).
    index
        An index to add to (its store, embedder and config are used); documents already
        indexed must not be passed again.

    Returns
    -------
    DocumentIndex
        To pass to :func:`~mi_kernel.rag.retrieve.retrieve` and
        :func:`~mi_kernel.rag.answer.answer_question`.
    """
    if index is None:
        index = _new_index(store, embedder, config)
    table = embed_passages(documents, index.embedder, index.config)
    return index_passages(table, index=index)
