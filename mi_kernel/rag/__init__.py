"""Retrieval-augmented answers over filings and news, as of a date, with citations.

    index = index_documents(documents)                  # split, embed (MiniLM), store
    # or embed once, keep the table as an artifact, index it later without embedding:
    table = embed_passages(documents); index = index_passages(table)
    answer = answer_question(index, "Who agreed to acquire Beta?", asof="2024-03-31")
    answer.status, answer.text, answer.sentences[0].citation

Embeddings are all-MiniLM-L6-v2 computed in NumPy (:mod:`mi_kernel.rag.embed`), stored in
an exact in-memory index, in Chroma (:mod:`mi_kernel.rag.chroma`, embedded or a server at
``MI_CHROMA_URL``) or in Qdrant (:mod:`mi_kernel.rag.store`, ``MI_QDRANT_URL``). Only
passages of documents known at ``asof`` are evidence. Importing this package loads no
weights: the model is read on first use.
"""

from __future__ import annotations

from mi_kernel.rag.answer import Summarizer, answer_question
from mi_kernel.rag.chroma import ChromaStore
from mi_kernel.rag.embed import MiniLM
from mi_kernel.rag.index import (
    DocumentIndex,
    Embedder,
    embed_passages,
    index_documents,
    index_passages,
)
from mi_kernel.rag.models import (
    Answer,
    AnswerSentence,
    AnswerStatus,
    Citation,
    RagConfig,
    RetrievedPassage,
)
from mi_kernel.rag.passages import split_passages
from mi_kernel.rag.retrieve import retrieve
from mi_kernel.rag.store import (
    CHROMA_URL_ENV,
    QDRANT_URL_ENV,
    NumpyStore,
    QdrantStore,
    StoreBackend,
    VectorStore,
    open_store,
)

__all__ = [
    "CHROMA_URL_ENV",
    "QDRANT_URL_ENV",
    "Answer",
    "AnswerSentence",
    "AnswerStatus",
    "ChromaStore",
    "Citation",
    "DocumentIndex",
    "Embedder",
    "MiniLM",
    "NumpyStore",
    "QdrantStore",
    "RagConfig",
    "RetrievedPassage",
    "StoreBackend",
    "Summarizer",
    "VectorStore",
    "answer_question",
    "embed_passages",
    "index_documents",
    "index_passages",
    "open_store",
    "retrieve",
    "split_passages",
]
