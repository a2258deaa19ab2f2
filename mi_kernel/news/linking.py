"""Entity linking: find the companies a document mentions, by name, alias or ticker.

Aliases come from each entity's name: the name as written, without its legal suffix
("Inc.", "Corp.", "Holdings Inc.", ...), and its first word when that word is distinctive
(at least 4 letters, not a common word, and owned by one entity only). Tickers count only
where the text marks them as tickers: ``(NYSE: XYZ)``, ``(Nasdaq: XYZ)``, ``$XYZ``,
``<XYZ>``. An alias matches a run of capitalised words exactly (case-sensitive on the first
letter, so "apple pie" is not Apple). Matching is a lookup of every 1- to 6-word window.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from mi_kernel.news.text import full_text

_SUFFIX = re.compile(
    r"(?:,?\s+(?:inc|corp|corporation|co|company|ltd|limited|plc|llc|lp|sa|ag|nv|group|"
    r"holdings?|class [a-c]|the|cl [a-c]|cos|trust|reit)\.?)+$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Za-z0-9&'][A-Za-z0-9&'.-]*")
_TICKER = re.compile(
    r"\((?:NYSE|Nasdaq|NASDAQ|AMEX|NYSE American)\s*:\s*([A-Z][A-Z0-9.]{0,5})\)"
    r"|\$([A-Z][A-Z0-9.]{0,5})\b|<([A-Z][A-Z0-9.]{0,5})>"
)
#: First words too common to stand for a company alone.
COMMON = frozenset(
    {
        "american",
        "first",
        "general",
        "national",
        "united",
        "international",
        "new",
        "global",
        "china",
        "capital",
        "bank",
        "energy",
        "power",
        "data",
        "pacific",
        "southern",
        "northern",
        "western",
        "eastern",
        "central",
        "great",
        "best",
        "home",
        "health",
        "life",
        "real",
        "service",
        "services",
        "financial",
        "technology",
        "systems",
        "media",
        "group",
        "trust",
        "west",
        "east",
        "north",
        "south",
        "royal",
        "public",
        "union",
        "standard",
        "state",
        "hudson",
        "nyse",
        "nasdaq",
        "amex",
        "reuters",
    }
)
MAX_WORDS = 6


def _norm(text: str) -> str:
    return " ".join(w.strip(".,'").lower() for w in text.split())


def aliases(name: str) -> list[str]:
    """Return the normalised aliases of a company name (full, without suffix)."""
    base = _SUFFIX.sub("", name.strip())
    return list(dict.fromkeys(a for a in (_norm(name), _norm(base)) if a))


@dataclass(frozen=True)
class EntityIndex:
    """Alias -> symbols lookup built from an ``entities`` table (:meth:`build`)."""

    alias_to_symbols: dict[str, tuple[str, ...]]
    tickers: frozenset[str]

    @classmethod
    def build(
        cls, entities: pd.DataFrame, first_words: tuple[str, ...] = ("synthetic", "sp500")
    ) -> EntityIndex:
        """Index the entities' aliases; an alias shared by several symbols maps to all.

        First-word aliases are taken only from entities whose ``source`` is in
        ``first_words``: the SEC's 10,000 names would make "Grace" or "Portland" companies.
        """
        table: dict[str, set[str]] = defaultdict(set)
        firsts: dict[str, set[str]] = defaultdict(set)
        sources = entities["source"].astype(str).to_numpy()
        for sym, name, src in zip(entities["symbol"], entities["name"], sources, strict=True):
            for a in aliases(str(name)):
                if " " in a or (len(a) >= 3 and a.isalpha()):
                    table[a].add(str(sym))
            first = _norm(_SUFFIX.sub("", str(name))).split(" ")[0] if str(name).strip() else ""
            ok = len(first) >= 4 and first.isalpha() and first not in COMMON
            if ok and src in first_words:
                firsts[first].add(str(sym))
        for first, syms in firsts.items():
            if len(syms) == 1 and first not in table:
                table[first] = syms
        mapped = {k: tuple(sorted(v)) for k, v in table.items()}
        return cls(mapped, frozenset(entities["symbol"].astype(str)))

    def find(self, text: str) -> Counter[str]:
        """Count the mentions of each symbol in ``text`` (longest alias wins at a position)."""
        found: Counter[str] = Counter()
        for m in _TICKER.finditer(text):
            tick = next(g for g in m.groups() if g)
            if tick in self.tickers:
                found[tick] += 1
        words = _WORDS.findall(text)
        norm = [w.strip(".,'").lower() for w in words]
        i = 0
        while i < len(words):
            step = 1
            if words[i][:1].isupper():
                for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
                    syms = self.alias_to_symbols.get(" ".join(norm[i : i + n]))
                    if syms:
                        found.update(syms)
                        step = n
                        break
            i += step
        return found


def link_entities(documents: pd.DataFrame, index: EntityIndex) -> pd.DataFrame:
    """Return the mentions of every document: doc_id, symbol, mentions (count).

    A document's own ``tickers`` tags are not used: linking reads the text only.
    """
    rows = [
        (doc, sym, n)
        for doc, text in full_text(documents).items()
        for sym, n in sorted(index.find(text).items())
    ]
    out = pd.DataFrame(rows, columns=["doc_id", "symbol", "mentions"])
    return out.astype({"mentions": "int64"})
