"""The NumPy MiniLM against published reference values and the properties of a sentence encoder."""

from __future__ import annotations

import numpy as np
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.rag import MiniLM

# First five dimensions of all-MiniLM-L6-v2("hello world") as published in fastembed's test
# suite (tests/test_text_onnx_embeddings.py, CANONICAL_VECTOR_VALUES), computed there with the
# ONNX export of the same weights; fastembed checks them with atol=1e-3, we with 1e-4.
HELLO_WORLD_5 = np.array([-0.034478, 0.03102, 0.00673, 0.02611, -0.039362])

PARAPHRASES = [
    ("Acme agreed to buy Beta for $300 million.", "Beta will be acquired by Acme in a $300M deal."),
    ("The chief executive resigned on Monday.", "On Monday the CEO stepped down."),
    ("Quarterly revenue rose 12 percent.", "Sales for the quarter were up 12%."),
    ("The plant will be built in Denver.", "A new factory is planned for Denver."),
    ("Regulators sued the bank for fraud.", "The bank faces a fraud lawsuit from regulators."),
]


def test_matches_the_published_reference_embedding(minilm: MiniLM) -> None:
    v = minilm.embed(["hello world", "flag embedding"])
    assert v.shape == (2, 384) and v.dtype == np.float32
    np.testing.assert_allclose(v[0, :5], HELLO_WORLD_5, atol=1e-4)


def test_rows_are_unit_length_and_independent_of_batching(minilm: MiniLM) -> None:
    texts = [t for pair in PARAPHRASES for t in pair] + ["short", "a much longer text " * 6]
    together = minilm.embed(texts)
    alone = np.vstack([minilm.embed([t]) for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # padding to the batch's longest text must not change any row
    np.testing.assert_allclose(together, alone, atol=2e-6)
    np.testing.assert_allclose(MiniLM(batch_size=3).embed(texts), together, atol=2e-6)


def test_paraphrases_are_closer_than_any_unrelated_pair(minilm: MiniLM) -> None:
    left = minilm.embed([a for a, _ in PARAPHRASES])
    right = minilm.embed([b for _, b in PARAPHRASES])
    sim = left @ right.T
    para = np.diag(sim)
    unrelated = sim[~np.eye(len(PARAPHRASES), dtype=bool)]
    assert para.min() > 0.6 and unrelated.max() < 0.4, sim
    assert (para[:, None] > sim).sum() == len(PARAPHRASES) * (len(PARAPHRASES) - 1)


def test_long_texts_are_truncated_at_256_word_pieces(minilm: MiniLM) -> None:
    long = "revenue " * 600
    assert minilm.token_counts([long, "hello world"]).tolist() == [256, 4]
    # the words past the limit cannot change the vector
    np.testing.assert_allclose(
        minilm.embed([long]), minilm.embed([long + "lawsuit fraud recall"]), atol=1e-6
    )


def test_missing_weights_file_and_bad_batch_size_are_config_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        MiniLM(path=tmp_path / "absent.zip").embed(["x"])
    with pytest.raises(ConfigError, match="batch_size"):
        MiniLM(batch_size=0).embed(["x"])
