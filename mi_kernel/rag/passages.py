"""Split documents into passages with character offsets into their body.

A passage is up to ``sentences`` consecutive sentences of one document's body (fewer when they
would pass ``max_chars``), identified by ``passage_id = f"{doc_id}:{start}-{end}"`` where
``body[start:end]`` is exactly the passage's text. A sentence longer than ``max_chars`` is cut
at whitespace. ``max_chars=1000`` keeps a passage within the embedder's 256 word pieces for
English prose (about 4 characters a piece); the embedder truncates anything longer.

Input contract (the documents table): doc_id (str, unique), source (str), published_at and
known_at (UTC timestamps, known_at >= published_at), title (str), body (str), tickers
(list[str]), ref (str).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from mi_kernel.errors import ConfigError, SchemaError

DOCUMENT_COLUMNS = ("doc_id", "source", "published_at", "known_at", "title", "body", "tickers",
                    "ref")  # fmt: skip
PASSAGE_COLUMNS = ("passage_id", "doc_id", "start", "end", "text", "known_at", "published_at",
                   "tickers", "source", "title", "ref")  # fmt: skip

# A sentence ends at . ! or ? (optionally closed by a quote or bracket) followed by whitespace
# and an upper-case letter, digit, quote or bracket; "$1.5 million" and "U.S. rules" do not end one.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?(?=\s+[A-Z0-9\"'(\[$])")
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Inc|Corp|Co|Ltd|No|vs|St|Jr|Sr)|\b[A-Z])\.$")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if _ABBREV.search(text[start : m.start() + 1]):
            continue  # "Acme Inc. said", "J. Smith": not a sentence end
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(text)))
    return [t for s, e in spans if (t := _trim(text, s, e))[1] > t[0]]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_long(text: str, span: tuple[int, int], max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut a span longer than ``max_chars`` at whitespace (mid-word only if it has none)."""
    start, end = span
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars + 1)
        cut = cut if cut > start else start + max_chars
        yield _trim(text, start, cut)
        start = _trim(text, cut, end)[0]
    if end > start:
        yield start, end


def passage_spans(text: str, sentences: int = 3, max_chars: int = 1000) -> list[tuple[int, int]]:
    """Spans of passages of ``text``: up to ``sentences`` sentences and ``max_chars`` each."""
    if sentences < 1 or max_chars < 1:
        raise ConfigError(f"sentences={sentences} and max_chars={max_chars} must be positive")
    pieces = [p for s in sentence_spans(text) for p in _cut_long(text, s, max_chars)]
    out: list[tuple[int, int]] = []
    group: list[tuple[int, int]] = []
    for piece in pieces:
        if group and (len(group) == sentences or piece[1] - group[0][0] > max_chars):
            out.append((group[0][0], group[-1][1]))
            group = []
        group.append(piece)
    if group:
        out.append((group[0][0], group[-1][1]))
    return out


def check_documents(documents: pd.DataFrame) -> pd.DataFrame:
    """Validate the documents contract; return it with timestamps as UTC. Raise SchemaError."""
    missing = [c for c in DOCUMENT_COLUMNS if c not in documents.columns]
    if missing:
        raise SchemaError(
            f"documents lack columns {missing}; expected {list(DOCUMENT_COLUMNS)} "
            "(see mi_kernel.rag.passages)"
        )
    docs = documents.reset_index(drop=True)
    for col in ("published_at", "known_at"):
        ts = docs[col]
        if not isinstance(ts.dtype, pd.DatetimeTZDtype):
            raise SchemaError(f"documents.{col} must be tz-aware UTC timestamps, got {ts.dtype}")
        docs[col] = ts.dt.tz_convert("UTC").dt.as_unit("ns")
    early = docs["known_at"] < docs["published_at"]
    if early.any():
        raise SchemaError(
            f"documents {docs.loc[early, 'doc_id'].head(3).tolist()} have known_at before "
            "published_at: a document cannot be known before it is published"
        )
    dup = docs["doc_id"].duplicated()
    if dup.any():
        raise SchemaError(f"doc_id values repeat: {docs.loc[dup, 'doc_id'].head(3).tolist()}")
    return docs


def split_passages(
    documents: pd.DataFrame, sentences: int = 3, max_chars: int = 1000
) -> pd.DataFrame:
    """Split each document's body into passages.

    Parameters
    ----------
    documents
        The documents table (see the module docstring).
    sentences, max_chars
        Most sentences and characters in one passage.

    Returns
    -------
    pandas.DataFrame
        One row per passage, columns :data:`PASSAGE_COLUMNS`; ``start``/``end`` are character
        offsets into the document's body; known_at, published_at, tickers, source, title and
        ref are the document's.
    """
    docs = check_documents(documents)
    rows: list[tuple[int, int, int]] = []
    for i, body in enumerate(docs["body"].fillna("").astype(str)):
        rows += [(i, s, e) for s, e in passage_spans(body, sentences, max_chars)]
    at = np.array([r[0] for r in rows], dtype=np.int64)
    start = np.array([r[1] for r in rows], dtype=np.int64)
    end = np.array([r[2] for r in rows], dtype=np.int64)
    src = docs.iloc[at].reset_index(drop=True)
    bodies = src["body"].astype(str).tolist()
    out = pd.DataFrame(
        {
            "passage_id": [
                f"{d}:{s}-{e}" for d, s, e in zip(src["doc_id"], start, end, strict=True)
            ],
            "doc_id": src["doc_id"].astype(str),
            "start": start,
            "end": end,
            "text": [b[s:e] for b, s, e in zip(bodies, start, end, strict=True)],
            "known_at": src["known_at"],
            "published_at": src["published_at"],
            "tickers": [list(t) if t is not None else [] for t in src["tickers"]],
            "source": src["source"].astype(str),
            "title": src["title"].astype(str),
            "ref": src["ref"].astype(str),
        }
    )
    return out
