"""Company names of the synthetic symbols (``S0001`` -> "Alderwick Therapeutics Inc."), seed-free.

A name is a bijection of the symbol's number, so names are unique for every market size, and
the same symbol has the same name in every market. The short name (the first word) is how the
press usually says it; both are the aliases entity linking learns.
"""

from __future__ import annotations

import numpy as np

_HEADS = (
    "Alder", "Bram", "Cal", "Dun", "Elm", "Fen", "Gar", "Hal", "Ivor", "Jas", "Kel", "Lor",
    "Mar", "Nor", "Orin", "Pell", "Quen", "Ros", "Sel", "Tarn", "Ulm", "Vess", "Wex", "Yar",
    "Zen", "Ash", "Bel", "Cor", "Dar", "Est",
)  # fmt: skip
_TAILS = (
    "wick", "ford", "mere", "ton", "vale", "brook", "stead", "crest", "haven", "field",
    "gate", "mont", "ridge", "shaw", "wood", "den", "holt", "lyn", "port", "worth",
)  # fmt: skip
_INFIX = ("", "an", "er", "is", "o", "u", "el", "ar", "en", "ith")
_NOUN = {
    "Communication Services": "Media",
    "Consumer Discretionary": "Brands",
    "Consumer Staples": "Foods",
    "Energy": "Energy",
    "Financials": "Financial",
    "Health Care": "Therapeutics",
    "Industrials": "Industries",
    "Information Technology": "Systems",
    "Materials": "Materials",
    "Real Estate": "Properties",
    "Utilities": "Power",
}
_SUFFIX = ("Inc.", "Corp.", "Holdings Inc.", "Group plc", "Co.")


def short_name(symbol: str) -> str:
    """Return the one-word name of a synthetic symbol (``S0001`` -> ``Bramwick``)."""
    i = int(symbol.lstrip("S"))
    head = _HEADS[i % len(_HEADS)]
    tail = _TAILS[(i // len(_HEADS)) % len(_TAILS)]
    infix = _INFIX[(i // (len(_HEADS) * len(_TAILS))) % len(_INFIX)]
    return head + infix + tail


def company_name(symbol: str, sector: str) -> str:
    """Return the legal name of a synthetic symbol, e.g. ``Bramwick Therapeutics Inc.``."""
    i = int(symbol.lstrip("S"))
    return f"{short_name(symbol)} {_NOUN.get(sector, 'Holdings')} {_SUFFIX[i % len(_SUFFIX)]}"


_FIRST = ("Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas")
_LAST = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Brennan", "Kowalski", "Silva", "Haddad")


def person(rng: np.random.Generator) -> str:
    """Draw a person's name."""
    return f"{_FIRST[rng.integers(len(_FIRST))]} {_LAST[rng.integers(len(_LAST))]}"
