"""Values of retrieval and answering: config, hits, citations, answers (pydantic, frozen)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RagConfig(_Frozen):
    """Knobs of passage splitting, retrieval and the extractive answer.

    ``min_score`` is the cosine similarity (all-MiniLM-L6-v2) below which the best passage is
    not evidence: on our synthetic filings questions, the answer passage scores 0.5–0.8 and
    passages about something else below 0.3.
    """

    k: int = Field(default=5, ge=1, le=100, description="passages retrieved")
    min_score: float = Field(default=0.4, ge=-1.0, le=1.0, description="refuse below this")
    max_sentences: int = Field(default=3, ge=1, le=20, description="sentences in the answer")
    answer_passages: int = Field(default=3, ge=1, le=100, description="passages answer reads")
    sentences_per_passage: int = Field(default=3, ge=1, le=50)
    max_chars: int = Field(default=1000, ge=50, le=20_000, description="passage's most chars")


class Citation(_Frozen):
    """Where a piece of evidence is: ``body[start:end]`` of document ``doc_id``."""

    doc_id: str
    passage_id: str
    start: int = Field(ge=0, description="passage's first character in the body")
    end: int = Field(ge=0, description="one past the passage's last character")
    title: str
    source: str
    ref: str
    published_at: datetime
    known_at: datetime

    @model_validator(mode="after")
    def _span(self) -> Citation:
        if self.end < self.start:
            raise ValueError(f"citation span {self.start}-{self.end} ends before it starts")
        return self


class RetrievedPassage(_Frozen):
    """A passage returned for a question, with its cosine similarity and citation."""

    text: str
    score: float
    tickers: tuple[str, ...] = ()
    citation: Citation


class AnswerSentence(_Frozen):
    """One sentence of an extractive answer: ``body[start:end] == text`` of the cited document."""

    text: str
    score: float
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    citation: Citation


class AnswerStatus(StrEnum):
    """Whether the evidence sufficed."""

    ANSWERED = "answered"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"


class Answer(_Frozen):
    """An extractive answer as of a date: the best sentences, each with its citation.

    With ``status == insufficient_evidence`` ``sentences`` is empty and ``reason`` says why
    (nothing known at ``asof``, or the best score below ``min_score``).
    """

    question: str
    asof: datetime
    status: AnswerStatus
    text: str
    reason: str = ""
    sentences: tuple[AnswerSentence, ...] = ()
    passages: tuple[RetrievedPassage, ...] = ()
    best_score: float | None = None
    min_score: float
    summary: str | None = Field(default=None, description="the LLM hook's summary, if any")
