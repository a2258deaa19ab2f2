"""Answer a question as of a date from indexed documents: extractive, cited, or a refusal.

No language model is needed: the answer is the sentences of the top passages most similar to
the question, each with the span of the document it comes from. It refuses ("insufficient
evidence") when nothing is known at ``asof`` or when the best passage scores below
``RagConfig.min_score``. A user may plug in a summariser (an LLM call of their choosing, see
:class:`Summarizer`); it reads only the cited passages and is never required.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from mi_kernel.rag.index import DocumentIndex
from mi_kernel.rag.models import Answer, AnswerSentence, AnswerStatus, RagConfig, RetrievedPassage
from mi_kernel.rag.passages import sentence_spans
from mi_kernel.rag.retrieve import asof_timestamp, search_passages


class Summarizer(Protocol):
    """Optional LLM hook: summarise the cited passages into an answer to the question.

    Any callable ``(question, passages) -> str``; it should cite passages by
    ``passage.citation.passage_id``. Called only when the evidence suffices.
    """

    def __call__(self, question: str, passages: Sequence[RetrievedPassage]) -> str: ...


def _refuse(question: str, asof: object, reason: str, cfg: RagConfig,
            passages: Sequence[RetrievedPassage] = ()) -> Answer:  # fmt: skip
    return Answer(
        question=question,
        asof=asof_timestamp(asof).floor("us").to_pydatetime(),
        status=AnswerStatus.INSUFFICIENT_EVIDENCE,
        text=f"Insufficient evidence: {reason}",
        reason=reason,
        passages=tuple(passages),
        best_score=passages[0].score if passages else None,
        min_score=cfg.min_score,
    )


def _best_sentences(
    index: DocumentIndex, q: np.ndarray, passages: Sequence[RetrievedPassage], cfg: RagConfig
) -> list[AnswerSentence]:
    """Score every sentence of ``passages`` against the question; keep the best ones."""
    found: list[tuple[RetrievedPassage, int, int]] = []
    seen: set[str] = set()
    for p in passages:
        for s, e in sentence_spans(p.text):
            if (text := p.text[s:e]) not in seen:  # a reworded duplicate story is said once
                seen.add(text)
                found.append((p, s, e))
    vecs = index.embedder.embed([p.text[s:e] for p, s, e in found])
    scores = vecs @ q
    out: list[AnswerSentence] = []
    for i in np.argsort(-scores, kind="stable")[: cfg.max_sentences]:
        if out and scores[i] < cfg.min_score:
            break  # the best sentence always; the others only when they are evidence too
        p, s, e = found[i]
        base = p.citation.start
        out.append(AnswerSentence(text=p.text[s:e], score=float(scores[i]), start=base + s,
                                  end=base + e, citation=p.citation))  # fmt: skip
    return out


def answer_question(
    index: DocumentIndex,
    question: str,
    asof: object,
    tickers: Sequence[str] = (),
    summarizer: Summarizer | None = None,
    config: RagConfig | None = None,
) -> Answer:
    """Answer ``question`` from the documents known at ``asof``, citing every sentence.

    Parameters
    ----------
    index
        From :func:`~mi_kernel.rag.index.index_documents`.
    question
        Free text.
    asof
        Timestamp or ISO date (naive = UTC, a bare date is its midnight): only documents with
        known_at <= asof are evidence.
    tickers
        Keep only passages of documents tagged with any of these.
    summarizer
        Optional LLM hook (:class:`Summarizer`); its text goes in ``Answer.summary``.
    config
        Default: the index's.

    Returns
    -------
    Answer
        ``answered`` with sentences (text, similarity, char span in the body, citation), or
        ``insufficient_evidence`` with the reason.
    """
    cfg = config or index.config
    ts = asof_timestamp(asof)
    [q] = index.embedder.embed([question])
    passages = search_passages(index, q, ts, cfg.k, tickers)
    if not passages:
        scope = f" tagged {list(tickers)}" if tickers else ""
        return _refuse(question, ts, f"no document{scope} is known at {ts.isoformat()}", cfg)
    best = passages[0].score
    if best < cfg.min_score:
        reason = (f"the best passage known at {ts.isoformat()} scores {best:.2f}, below "
                  f"min_score {cfg.min_score:.2f}: the documents do not answer this")  # fmt: skip
        return _refuse(question, ts, reason, cfg, passages)
    top = [p for p in passages[: cfg.answer_passages] if p.score >= cfg.min_score]
    sentences = _best_sentences(index, q, top, cfg)
    cited = [p for p in top if any(s.citation == p.citation for s in sentences)]
    text = " ".join(f"{s.text} [{s.citation.passage_id}]" for s in sentences)
    return Answer(
        question=question,
        asof=ts.floor("us").to_pydatetime(),
        status=AnswerStatus.ANSWERED,
        text=text,
        sentences=tuple(sentences),
        passages=tuple(passages),
        best_score=best,
        min_score=cfg.min_score,
        summary=summarizer(question, cited) if summarizer is not None else None,
    )
