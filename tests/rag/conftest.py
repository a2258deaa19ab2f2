"""One small synthetic corpus and its MiniLM index, and a Chroma server, once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from mi_kernel.rag import DocumentIndex, MiniLM, index_documents
from tests.rag.chroma_server import chroma_server
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


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server (``chroma run``) on 127.0.0.1 at a free port; stopped by its PID."""
    with chroma_server(tmp_path_factory.mktemp("chroma")) as url:
        yield url
