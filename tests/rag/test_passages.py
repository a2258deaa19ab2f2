"""Passages: exact char spans into the body, ids, the documents contract."""

from __future__ import annotations

from itertools import pairwise

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel.errors import SchemaError
from mi_kernel.rag.passages import passage_spans, sentence_spans, split_passages
from tests.rag.corpus import make_corpus

BODY = (
    "Acme Inc. agreed to buy Beta Corp. for $1.5 million. The deal closes in May. "
    '"It is a good fit," said J. Smith. U.S. regulators must approve it! Will they? Yes.'
)


def test_sentences_keep_abbreviations_numbers_and_quotes_whole() -> None:
    assert [BODY[s:e] for s, e in sentence_spans(BODY)] == [
        "Acme Inc. agreed to buy Beta Corp. for $1.5 million.",
        "The deal closes in May.",
        '"It is a good fit," said J. Smith.',
        "U.S. regulators must approve it!",
        "Will they?",
        "Yes.",
    ]


def test_passages_group_sentences_and_respect_max_chars() -> None:
    assert [BODY[s:e] for s, e in passage_spans(BODY, sentences=3, max_chars=1000)] == [
        'Acme Inc. agreed to buy Beta Corp. for $1.5 million. The deal closes in May. "It is a '
        'good fit," said J. Smith.',
        "U.S. regulators must approve it! Will they? Yes.",
    ]
    spans = passage_spans(BODY, sentences=3, max_chars=40)
    assert all(e - s <= 40 for s, e in spans)
    assert " ".join(BODY[s:e] for s, e in spans) == BODY  # nothing lost, nothing repeated


_WORDS = st.sampled_from(["Acme", "rose", "3.5", "U.S.", "Inc.", "said", "$12", "x" * 70, "the"])
_ENDS = st.sampled_from([".", "!", "?", "", ",", '."'])
_TEXT = st.lists(
    st.tuples(st.lists(_WORDS, min_size=1, max_size=12), _ENDS, st.sampled_from([" ", "  ", "\n"])),
    max_size=15,
).map(lambda parts: "".join(" ".join(w) + end + sep for w, end, sep in parts))


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.integers(1, 4), st.integers(30, 300))
def test_spans_tile_the_text_in_order_without_overlap(text: str, k: int, max_chars: int) -> None:
    spans = passage_spans(text, k, max_chars)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in pairwise(spans))
    assert all(e - s <= max_chars for s, e in spans)
    # every non-space character is in exactly one passage
    covered = {i for s, e in spans for i in range(s, e)}
    assert {i for i, c in enumerate(text) if not c.isspace()} <= covered


def test_split_passages_carries_offsets_ids_and_the_documents_fields() -> None:
    docs, _ = make_corpus(6, seed=1)
    p = split_passages(docs, sentences=2)
    bodies = docs.set_index("doc_id")["body"]
    for row in p.itertuples():
        assert bodies[row.doc_id][row.start : row.end] == row.text
        assert row.passage_id == f"{row.doc_id}:{row.start}-{row.end}"
    merged = p.merge(docs, on="doc_id", suffixes=("", "_doc"))
    assert (merged["known_at"] == merged["known_at_doc"]).all()
    assert [list(t) for t in merged["tickers"]] == [list(t) for t in merged["tickers_doc"]]
    assert set(p["doc_id"]) == set(docs["doc_id"])


def test_the_documents_contract_is_checked() -> None:
    docs, _ = make_corpus(3, seed=2)
    with pytest.raises(SchemaError, match="lack columns"):
        split_passages(docs.drop(columns="known_at"))
    with pytest.raises(SchemaError, match="tz-aware UTC"):
        split_passages(docs.assign(known_at=docs["known_at"].dt.tz_localize(None)))
    early = docs.assign(known_at=docs["published_at"] - pd.Timedelta(seconds=1))
    with pytest.raises(SchemaError, match="known_at before published_at"):
        split_passages(early)
    with pytest.raises(SchemaError, match="repeat"):
        split_passages(pd.concat([docs, docs]))
