"""The text evidence of the strongest signals, for people: per symbol, the cited passages known
at the signal's date, or the reason there are none.

Reads the evidence step's ``evidence/evidence.json`` (a dumped
:class:`~mi_kernel.news.EvidenceSet`) as plain JSON: the report and the dashboards show what
the run wrote without importing the text stack.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

_CSS = (
    "<style>.mi-ev{font:13px/1.5 system-ui,sans-serif;margin:6px 0 12px}.mi-ev h4{margin:10px 0 "
    "2px;font-size:14px}.mi-ev .m{color:#57606a}.mi-ev blockquote{margin:2px 0 8px 12px;"
    "padding:2px 10px;border-left:3px solid #d0d7de;color:#24292f}.mi-ev code{font-size:12px}"
    ".mi-ev .none{color:#57606a;font-style:italic}</style>"
)
_NONE = "This run gathered no text evidence: it has no evidence step (evidence/evidence.json)."


def _when(iso: str) -> str:
    return iso[:16].replace("T", " ") + " UTC"


def _cite(p: dict[str, Any]) -> str:
    c = p["citation"]
    return f"{c['doc_id']}:{c['start']}-{c['end']}"


def evidence_rows(evidence: dict[str, Any] | None) -> pd.DataFrame:
    """One row per cited passage (or per signal without one, with the reason), strongest
    signal first: symbol, as of, score, known at, title, passage, citation, ref, similarity."""
    rows: list[dict[str, Any]] = []
    for s in (evidence or {}).get("signals", []):
        head = {"symbol": s["symbol"], "as of": s["asof"][:10], "score": f"{s['score']:+.1f}"}
        for p in s["passages"]:
            c = p["citation"]
            rows.append(head | {"known at": _when(c["known_at"]), "title": c["title"],
                                "passage": p["text"], "citation": _cite(p), "ref": c["ref"],
                                "similarity": round(float(p["score"]), 2)})  # fmt: skip
        if not s["passages"]:
            rows.append(head | {"passage": f"(none: {s['reason']})"})
    cols = ["symbol", "as of", "score", "known at", "title", "passage", "citation", "ref",
            "similarity"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols).fillna("")


def evidence_html(evidence: dict[str, Any] | None) -> str:
    """Per symbol: a heading with the signal, then each passage quoted under its title, the
    time it was known, its reference and citation (document id and character span), or the
    stated reason there is none."""
    if not evidence:
        return f'{_CSS}<div class="mi-ev"><p class="none">{html.escape(_NONE)}</p></div>'
    cfg = evidence.get("config", {})
    days = cfg.get("lookback_days")
    parts = []
    for s in evidence.get("signals", []):
        e = html.escape
        head = (
            f"<h4>{e(s['symbol'])} <span class='m'>score {s['score']:+.1f}, as of "
            f"{e(_when(s['asof']))}; {s['documents']} linked document"
            f"{'s' if s['documents'] != 1 else ''} known in the {days} days before</span></h4>"
        )
        body = "".join(
            f"<div><b>{e(p['citation']['title'])}</b> <span class='m'>known "
            f"{e(_when(p['citation']['known_at']))} · {e(p['citation']['ref'])} · "
            f"<code>{e(_cite(p))}</code> · similarity {float(p['score']):.2f}</span>"
            f"<blockquote>{e(p['text'])}</blockquote></div>"
            for p in s["passages"]
        )
        if not s["passages"]:
            body = f"<p class='none'>No evidence: {e(s['reason'])}.</p>"
        parts.append(head + body)
    if not parts:
        parts = ["<p class='none'>No signals were scored in this run.</p>"]
    return f'{_CSS}<div class="mi-ev">{"".join(parts)}</div>'


def evidence_note(evidence: dict[str, Any] | None) -> str:
    """One sentence: how many of the strongest signals have evidence, and from what."""
    if not evidence:
        return _NONE
    sigs = evidence.get("signals", [])
    cited = sum(bool(s["passages"]) for s in sigs)
    cfg = evidence.get("config", {})
    return (
        f"{cited} of the {len(sigs)} strongest signals have text evidence: passages of the "
        f"documents linked to the name and known in the {cfg.get('lookback_days')} days up to "
        "the signal's date (never later), ranked by similarity to "
        f'"{cfg.get("question", "")}"; each is quoted with its document and character span.'
    )


__all__ = ["evidence_html", "evidence_note", "evidence_rows"]
