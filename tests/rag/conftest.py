"""One small synthetic corpus and its MiniLM index, built once per test session."""

from __future__ import annotations

import pandas as pd
import pytest

from mi_kernel.rag import DocumentIndex, MiniLM, index_documents
from tests.rag.corpus import Question, make_corpus


@pytest.fixture(scope="session")
def minilm() -> MiniLM:
    """The real all-MiniLM-L6-v2 embedder (weights read from the installed package)."""
    return MiniLM()


@pytest.fixture(scope="session")
def corpus() -> tuple[pd.DataFrame, list[Question]]:
    """70 documents (10 of each event kind) and one question per document."""
    return make_corpus(70, seed=7)


@pytest.fixture(scope="session")
def index(minilm: MiniLM, corpus: tuple[pd.DataFrame, list[Question]]) -> DocumentIndex:
    """The corpus split, embedded and stored in the exact in-memory index."""
    return index_documents(corpus[0], embedder=minilm)
