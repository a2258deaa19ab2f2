"""Rich synthetic text with ground truth: articles, filings and call transcripts per news item.

Every item of the synthetic ``news`` table (whose sentiment moved the price: see
:mod:`mi_kernel.data.synthetic.news`) becomes an article with a body whose event type follows
the sentiment's sign (:data:`~mi_kernel.data.synthetic.templates.BY_SIGN`), published at the
item's time. Then, deterministically from the seed:

- a share :data:`LATE_FRAC` reaches the feed late: ``known_at`` 2 to 72 hours after
  ``published_at`` (the price moved at publication; the feed saw it later);
- a share :data:`DUPLICATE_FRAC` is re-published reworded by a second wire minutes to hours
  later (label ``duplicate_of`` = the original's doc_id);
- every event but ``none`` gets an 8-K-like filing 1 hour to 3 days later, and earnings
  events a call transcript 2 hours later.

M&A stories name the acquirer (another listed symbol, by name only): both are affected.
The documents' ``tickers`` are the tags a vendor gives (the primary symbol of news; none on
filings and calls); the labels' ``tickers`` are every company the text is about.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mi_kernel.data.documents import document_table
from mi_kernel.data.synthetic.names import company_name, person, short_name
from mi_kernel.data.synthetic.templates import (
    BODIES,
    BY_SIGN,
    CALL,
    CITIES,
    CONTEXT,
    FILING,
    FILING_ITEMS,
    SYNONYMS,
    TITLES,
    EventType,
)
from mi_kernel.schemas.tables import TableName, conform

LATE_FRAC = 0.1
DUPLICATE_FRAC = 0.15
#: |sentiment| above this makes a positive or negative story (as the headline templates do).
NEUTRAL_BAND = 0.2
_EARNINGS = {EventType.EARNINGS_BEAT, EventType.EARNINGS_MISS}
_STREAM = 0xA271C1E5


def _sign(sentiment: float) -> int:
    return 1 if sentiment > NEUTRAL_BAND else -1 if sentiment < -NEUTRAL_BAND else 0


def _slots(rng: np.random.Generator, symbol: str, sector: str, ts: pd.Timestamp) -> dict[str, str]:
    est = rng.uniform(0.3, 3.0)
    name = company_name(symbol, sector)
    tagged = rng.random() < 0.6
    return {
        "name": name,
        "short": short_name(symbol),
        "tag": f"{name} (NYSE: {symbol})" if tagged else name,
        "exec": person(rng),
        "q": f"Q{(ts.month - 1) // 3 + 1} {ts.year}",
        "eps": f"{est * rng.uniform(0.85, 1.15):.2f}",
        "est": f"{est:.2f}",
        "pct": f"{rng.uniform(2, 25):.1f}",
        "prem": f"{rng.integers(15, 60)}",
        "sector": sector.lower(),
        "city": CITIES[rng.integers(len(CITIES))],
        "staff": f"{rng.integers(2, 90) * 500:,}",
        "ytd": f"{rng.uniform(-30, 40):.1f}",
        "rev": f"{rng.uniform(0.5, 40):.1f}",
        "n_countries": f"{rng.integers(3, 60)}",
        "pe": f"{rng.uniform(8, 40):.1f}",
        "founded": f"{rng.integers(1890, 2005)}",
        "inst": f"{rng.integers(40, 95)}",
        "weeks": f"{rng.integers(2, 12)}",
        "segments": f"{rng.integers(2, 6)}",
        "mcap": f"{rng.uniform(1, 300):.1f}",
        "vol": f"{rng.uniform(0.2, 30):.1f}",
        "div": f"{rng.integers(5, 90)}",
    }


def _body(rng: np.random.Generator, key: tuple[EventType, int], slots: dict[str, str]) -> list[str]:
    """Return the article's sentences: the lead, a random subset of the rest, two of context."""
    pool = BODIES[key]
    rest = rng.permutation(np.arange(1, len(pool)))[: max(2, len(pool) - 2)]
    story = [pool[j].format(**slots) for j in (0, *sorted(rest))]
    context = rng.choice(len(CONTEXT), size=2, replace=False)
    return story + [CONTEXT[j].format(**slots) for j in context]


def _reword(rng: np.random.Generator, sentences: list[str]) -> str:
    tail = list(sentences[1:])
    rng.shuffle(tail)
    out = " ".join(sentences[:1] + tail)
    for old, new in SYNONYMS:
        if rng.random() < 0.4:
            out = out.replace(old, new)
    return out


def _row(source: str, ref: str, when: pd.Timestamp, lag: pd.Timedelta, **kw: object) -> dict:
    return {"source": source, "ref": ref, "published_at": when, "known_at": when + lag, **kw}


def _derived(
    rng: np.random.Generator,
    i: int,
    event: EventType,
    sentences: list[str],
    slots: dict[str, str],
    ts: pd.Timestamp,
) -> list[dict]:
    """The filing (every event but none) and the call transcript (earnings) of one story."""
    if event == EventType.NONE:
        return []
    sym = slots["symbol"]
    item = FILING_ITEMS[event]
    when = ts + pd.Timedelta(seconds=float(rng.uniform(3600, 259200)))
    rest = " ".join(sentences[-2:])
    fbody = " ".join(s.format(item=item, first=sentences[0], rest=rest, **slots) for s in FILING)
    out = [
        _row(
            "synthetic_filing",
            f"synthetic/8-K/{sym}/{i:06d}",
            when,
            pd.Timedelta(minutes=10),
            title=f"{slots['name']} 8-K: {item}",
            body=fbody,
            tickers=[],
        )
    ]
    if event in _EARNINGS:
        said = {"first": sentences[0], "second": sentences[1], "third": sentences[2], "rest": rest}
        out.append(
            _row(
                "synthetic_call",
                f"synthetic/call/{sym}/{i:06d}",
                ts + pd.Timedelta(hours=2),
                pd.Timedelta(hours=1),
                title=f"{slots['short']} {slots['q']} earnings call transcript",
                body=" ".join(s.format(**said, **slots) for s in CALL),
                tickers=[],
            )
        )
    return out


def _story(i: int, item: tuple, sectors: pd.Series, seed: int) -> tuple[list[dict], list[dict]]:
    """Rows and ground truth of news item ``i``: the article, its duplicate, filing and call."""
    rng = np.random.default_rng([seed, _STREAM, i])
    ts, sym, _, sent = pd.Timestamp(item[0]), str(item[1]), item[2], float(item[3])
    sign = _sign(sent)
    event = BY_SIGN[sign][rng.integers(3)]
    key = (event, sign if event != EventType.NONE else 0)
    slots = _slots(rng, sym, str(sectors.get(sym, "Industrials")), ts)
    slots["symbol"] = sym
    about = [sym]
    if event == EventType.M_AND_A:
        others = sectors.index[sectors.index != sym]
        buyer = str(others[int(rng.integers(len(others)))])
        slots["other"] = company_name(buyer, str(sectors[buyer]))
        about.append(buyer)
    late = rng.random() < LATE_FRAC
    lag = pd.Timedelta(seconds=float(rng.uniform(7200, 259200) if late else rng.uniform(0, 120)))
    sentences = _body(rng, key, slots)
    ref = f"synthetic/wire-a/{sym}/{i:06d}"
    title = TITLES[key][0].format(**slots)
    rows = [
        _row("synthetic_news", ref, ts, lag, title=title, body=" ".join(sentences), tickers=[sym])
    ]
    truth: list[dict] = [{"ref": ref}]
    if rng.random() < DUPLICATE_FRAC:
        when = ts + pd.Timedelta(seconds=float(rng.uniform(300, 21600)))
        dref = f"synthetic/wire-b/{sym}/{i:06d}"
        lag2 = pd.Timedelta(seconds=float(rng.uniform(0, 120)))
        title2 = TITLES[key][1].format(**slots)
        copy = _reword(rng, sentences)
        rows.append(
            _row("synthetic_news", dref, when, lag2, title=title2, body=copy, tickers=[sym])
        )
        truth.append({"ref": dref, "of": ref})
    derived = _derived(rng, i, event, sentences, slots, ts)
    rows += derived
    truth += [{"ref": r["ref"]} for r in derived]
    for t in truth:
        t.update(event=str(event), sentiment=sent, tickers=about)
    return rows, truth


def synthetic_documents(
    news: pd.DataFrame, universe: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(documents, document_labels)`` for a synthetic market's news table.

    ``news`` is the market's ``news`` table (ts, symbol, headline, sentiment) and ``universe``
    its universe (symbol, sector). Deterministic: the same inputs give identical tables.
    """
    sectors = universe.drop_duplicates("symbol").set_index("symbol")["sector"]
    news = news.sort_values(["ts", "symbol"], kind="stable").reset_index(drop=True)
    cols = news[["ts", "symbol", "headline", "sentiment"]]
    rows: list[dict] = []
    truth: list[dict] = []
    for i, item in enumerate(cols.itertuples(index=False, name=None)):
        r, t = _story(i, item, sectors, seed)
        rows += r
        truth += t
    docs = document_table(rows)
    ids = dict(zip(docs["ref"], docs["doc_id"], strict=True))
    labels = pd.DataFrame(
        {
            "doc_id": [ids[t["ref"]] for t in truth],
            "event": [t["event"] for t in truth],
            "sentiment": [t["sentiment"] for t in truth],
            "tickers": [t["tickers"] for t in truth],
            "duplicate_of": [ids[t["of"]] if "of" in t else None for t in truth],
        }
    )
    order = pd.Series(np.arange(len(docs)), index=docs["doc_id"])
    labels = labels.iloc[np.argsort(order[labels["doc_id"]].to_numpy(), kind="stable")]
    return docs, conform(labels, TableName.DOCUMENT_LABELS)
