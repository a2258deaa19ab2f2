"""Tokens and shingles: the one tokenizer every NLP step shares (no NLTK data needed)."""

from __future__ import annotations

import re

import pandas as pd

_WORD = re.compile(r"[A-Za-z][A-Za-z'&-]*[A-Za-z]|[A-Za-z]")


def tokens(text: str) -> list[str]:
    """Return the lower-case words of ``text`` (letters, inner apostrophes and hyphens)."""
    return [w.lower() for w in _WORD.findall(text)]


def shingles(text: str, k: int = 3) -> set[str]:
    """Return the set of ``k``-word shingles of ``text``; numbers count as words."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]+|\d+(?:[.,]\d+)*", text)]
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def full_text(documents: pd.DataFrame) -> pd.Series:
    """Return title and body joined (index = doc_id): what every text step reads."""
    text = documents["title"].fillna("") + ". " + documents["body"].fillna("")
    return pd.Series(text.to_numpy(), index=documents["doc_id"].to_numpy())


__all__ = ["full_text", "shingles", "tokens"]
