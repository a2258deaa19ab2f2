"""Retrieval and extractive answers on a synthetic corpus whose answers are known."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import ConfigError, SchemaError
from mi_kernel.rag import (
    AnswerStatus,
    DocumentIndex,
    MiniLM,
    RetrievedPassage,
    answer_question,
    embed_passages,
    index_documents,
    index_passages,
    retrieve,
    split_passages,
)
from tests.rag.corpus import Question, make_corpus

pytestmark = pytest.mark.xdist_group("rag_index")  # one worker builds the index

Corpus = tuple[pd.DataFrame, list[Question]]
LATER = "2030-01-01"  # every document is known by then
#: stated bar: at least 90% of questions find their answer document in the top 5 (measured: 100%)
RECALL_AT_5 = 0.9


def test_recall_at_5_on_templated_questions(index: DocumentIndex, corpus: Corpus) -> None:
    _, questions = corpus
    found = [q.doc_id in {p.citation.doc_id for p in retrieve(index, q.text, LATER)}
             for q in questions]  # fmt: skip
    assert sum(found) / len(found) >= RECALL_AT_5, [
        q.text for q, f in zip(questions, found, strict=True) if not f
    ]


def test_answers_cite_spans_that_contain_their_sentences(
    index: DocumentIndex, corpus: Corpus
) -> None:
    docs, questions = corpus
    bodies = docs.set_index("doc_id")["body"]
    sample = questions[::5]  # 14 questions, two of each kind of fact
    stated = 0
    for q in sample:
        a = answer_question(index, q.text, LATER)
        assert a.status is AnswerStatus.ANSWERED and a.sentences, q.text
        for s in a.sentences:
            body = bodies[s.citation.doc_id]
            assert body[s.start : s.end] == s.text
            assert s.text in body[s.citation.start : s.citation.end]
            assert (
                s.citation.passage_id == f"{s.citation.doc_id}:{s.citation.start}-{s.citation.end}"
            )
            assert s.citation.passage_id in a.text
        stated += any(s.text == q.fact and s.citation.doc_id == q.doc_id for s in a.sentences)
    assert stated == len(sample)  # the fact sentence is among the answer's sentences


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "How do I bake sourdough bread?", "Who wrote Hamlet?"],
)
def test_refuses_when_the_documents_do_not_answer(index: DocumentIndex, question: str) -> None:
    a = answer_question(index, question, LATER)
    assert a.status is AnswerStatus.INSUFFICIENT_EVIDENCE and not a.sentences
    assert a.best_score is not None and a.best_score < a.min_score
    assert a.text.startswith("Insufficient evidence") and "min_score" in a.reason


def test_refuses_when_nothing_is_known_at_the_date(index: DocumentIndex, corpus: Corpus) -> None:
    docs, questions = corpus
    before = docs["known_at"].min() - pd.Timedelta(seconds=1)
    a = answer_question(index, questions[0].text, before)
    assert a.status is AnswerStatus.INSUFFICIENT_EVIDENCE and a.best_score is None
    assert "no document is known" in a.reason and a.passages == ()


def test_a_document_is_evidence_from_its_known_at_not_its_published_at(
    index: DocumentIndex, corpus: Corpus
) -> None:
    docs, questions = corpus
    q = next(
        q for q in questions if q.known_at > docs.set_index("doc_id").loc[q.doc_id, "published_at"]
    )
    just_before = q.known_at - pd.Timedelta(microseconds=1)
    cited_before = {p.citation.doc_id for p in retrieve(index, q.text, just_before, k=20)}
    cited_at = {p.citation.doc_id for p in retrieve(index, q.text, q.known_at, k=5)}
    assert q.doc_id not in cited_before and q.doc_id in cited_at


@settings(max_examples=25, deadline=None)
@given(day=st.integers(-10, 380), pick=st.integers(0, 69))
def test_no_answer_cites_a_document_unknown_at_asof(
    index: DocumentIndex, corpus: Corpus, day: int, pick: int
) -> None:
    docs, questions = corpus
    asof = pd.Timestamp("2023-01-01", tz="UTC") + pd.Timedelta(hours=day * 24 + 7)
    passages = retrieve(index, questions[pick].text, asof, k=10)
    known = docs.set_index("doc_id")["known_at"]
    assert all(known[p.citation.doc_id] <= asof for p in passages)
    assert all(pd.Timestamp(p.citation.known_at) <= asof for p in passages)
    visible = int((split_passages(docs)["known_at"] <= asof).sum())
    assert len(passages) == min(10, visible)  # and nothing known is hidden


def test_the_llm_hook_reads_only_cited_passages_and_only_when_answering(
    index: DocumentIndex, corpus: Corpus
) -> None:
    _, questions = corpus
    calls: list[tuple[str, list[str]]] = []

    def summarise(question: str, passages: Sequence[RetrievedPassage]) -> str:
        calls.append((question, [p.citation.passage_id for p in passages]))
        return "summary"

    a = answer_question(index, questions[3].text, LATER, summarizer=summarise)
    assert a.summary == "summary" and len(calls) == 1
    assert set(calls[0][1]) == {s.citation.passage_id for s in a.sentences}
    refused = answer_question(index, "Who wrote Hamlet?", LATER, summarizer=summarise)
    assert refused.summary is None and len(calls) == 1


def test_asof_is_required_and_parsed(index: DocumentIndex) -> None:
    with pytest.raises(ConfigError, match="asof"):
        retrieve(index, "x", None)
    with pytest.raises(ConfigError, match="not a date"):
        retrieve(index, "x", "last tuesday")
    a = answer_question(index, "Who wrote Hamlet?", "2023-06-30")
    assert a.asof == pd.Timestamp("2023-06-30", tz="UTC")
    assert a.model_dump(mode="json")["status"] == "insufficient_evidence"


def test_embedded_passages_kept_as_parquet_index_without_embedding_again(
    minilm: MiniLM, tmp_path: Path
) -> None:
    docs, questions = make_corpus(8, seed=21)
    table = embed_passages(docs, minilm)
    assert np.stack(table["vector"]).shape == (len(table), 384)
    table.to_parquet(tmp_path / "passages.parquet")

    class Counting:
        def __init__(self) -> None:
            self.texts: list[str] = []

        def embed(self, texts: list[str]) -> np.ndarray:
            self.texts += texts
            return minilm.embed(texts)

    counting = Counting()
    kept = index_passages(pd.read_parquet(tmp_path / "passages.parquet"), embedder=counting)
    assert counting.texts == [] and kept.passages == len(table)
    fresh = index_documents(docs, embedder=minilm)
    for q in questions[:3]:
        a, b = retrieve(kept, q.text, LATER), retrieve(fresh, q.text, LATER)
        assert [p.citation for p in a] == [p.citation for p in b]
        np.testing.assert_allclose([p.score for p in a], [p.score for p in b], atol=1e-6)
    assert counting.texts == [q.text for q in questions[:3]]  # the questions only
    with pytest.raises(SchemaError, match="vector"):
        index_passages(table.drop(columns="vector"), embedder=counting)
