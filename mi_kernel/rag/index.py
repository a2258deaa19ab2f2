"""Index documents for retrieval: split into passages, embed them, store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from mi_kernel.rag.models import RagConfig
from mi_kernel.rag.passages import split_passages
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
        if embedder is None:
            from mi_kernel.rag.embed import MiniLM

            embedder = MiniLM()
        index = DocumentIndex(store or NumpyStore(), embedder, config or RagConfig())
    cfg = index.config
    passages = split_passages(documents, cfg.sentences_per_passage, cfg.max_chars)
    if len(passages):
        index.store.add(passages, index.embedder.embed(passages["text"].tolist()))
    index.passages += len(passages)
    return index
