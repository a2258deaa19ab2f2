"""Event extraction by rules: a regular expression per event type, first match wins.

The rules read the title and the first 400 characters of the body (the lead says what
happened; later sentences quote context). The event types are the synthetic generator's
(:class:`~mi_kernel.data.synthetic.templates.EventType`), a taxonomy that fits real wires too.
"""

from __future__ import annotations

import re

import pandas as pd

from mi_kernel.data.synthetic.templates import EventType

LEAD_CHARS = 400

E = EventType
#: (event, pattern) in priority order: the first that matches the lead labels the document.
RULES: tuple[tuple[EventType, re.Pattern[str]], ...] = (
    (
        E.M_AND_A,
        re.compile(
            r"\b(acquir\w*|acquisition|merger|merge|takeover|buyout|tender offer|to buy|"
            r"stake in)\b"
        ),
    ),
    (
        E.EARNINGS_BEAT,
        re.compile(
            r"\b(beats?|tops?|exceed\w*|above|ahead of)\b[^.]{0,60}\b(estimates?|forecasts?|"
            r"consensus|expectations)\b"
        ),
    ),
    (
        E.EARNINGS_MISS,
        re.compile(
            r"\b(miss\w*|falls? short|below|short of)\b[^.]{0,60}\b(estimates?|forecasts?|"
            r"consensus|expectations)\b"
        ),
    ),
    (
        E.GUIDANCE,
        re.compile(
            r"\b(rais\w*|lift\w*|cut\w*|lower\w*|reaffirm\w*)\b[^.]{0,40}\b(outlook|guidance|"
            r"forecast)\b"
        ),
    ),
    (
        E.LITIGATION,
        re.compile(r"\b(lawsuit|sued|sues|litigation|complaint|class action|court)\b"),
    ),
    (
        E.MANAGEMENT_CHANGE,
        re.compile(
            r"\b(names?|named|appoint\w*|resign\w*|steps? down|successor)\b[^.]{0,60}"
            r"\b(chief executive|ceo|chief financial|cfo|president|chairman)\b"
        ),
    ),
)


def rule_events(documents: pd.DataFrame) -> pd.DataFrame:
    """Label every document with the first rule its lead matches (``none`` if no rule does).

    Returns
    -------
    DataFrame
        doc_id, event (str).
    """
    lead = (documents["title"] + ". " + documents["body"].str.slice(0, LEAD_CHARS)).str.lower()
    events = [next((str(e) for e, rx in RULES if rx.search(text)), str(E.NONE)) for text in lead]
    return pd.DataFrame({"doc_id": documents["doc_id"].to_numpy(), "event": events})
