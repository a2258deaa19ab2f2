"""News agent benchmark (issue 12): documents per second through the whole agent, by step.

For each corpus, ``mi_kernel.news.analyze`` is run end to end (deduplication, linking,
sentiment with VADER, rules and the trained event classifier, topics, novelty, event study
and the news features where prices share the dates), the median of ``--repeats`` warm runs;
then each step alone, once, to show where the time goes. Corpora: the Reuters-21578 stories
(80, linked to the S&P 500 and SEC names, no prices), and synthetic markets of 50 and 200
symbols over three years (articles, filings and call transcripts, with labels and bars).

Reproduce::

    .venv/bin/python benchmarks/news.py              # writes benchmarks/news.md
    .venv/bin/python benchmarks/news.py --no-write --repeats 1
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel import data, news
from mi_kernel.data.text_sources import text_for

ROOT = Path(__file__).resolve().parent
#: corpus -> (bars source whose text it is, synthetic market options)
CORPORA: dict[str, tuple[str, dict[str, Any]]] = {
    "reuters21578 (80 stories, no prices)": ("sp500_ohlcv", {}),
    "synthetic, 50 symbols": ("synthetic_bars", {}),
    "synthetic, 200 symbols": ("synthetic_bars", {"n_symbols": 200}),
}


def _inputs(source: str, options: dict[str, Any]) -> dict[str, Any]:
    text = text_for(source)
    docs = data.read(text.documents, **options)
    return {
        "documents": docs,
        "entities": pd.concat([data.read(e, **options) for e in text.entities]),
        "bars": data.read("synthetic_bars", **options) if text.linked else None,
        "labels": data.read(text.labels, **options) if text.labels else None,
    }


def _time(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _steps(x: dict[str, Any]) -> dict[str, float]:
    docs, ents, bars, labels = x["documents"], x["entities"], x["bars"], x["labels"]
    index = news.EntityIndex.build(ents)
    mentions = news.link_entities(docs, index)
    out = {
        "dedup (MinHash LSH)": _time(lambda: news.find_duplicates(docs)),
        "entity index build": _time(lambda: news.EntityIndex.build(ents)),
        "linking": _time(lambda: news.link_entities(docs, index)),
        "sentiment, Loughran-McDonald": _time(lambda: news.score_sentiment(docs, vader=False)),
        "sentiment, + VADER": _time(lambda: news.score_sentiment(docs, vader=True)),
        "events, rules": _time(lambda: news.rule_events(docs)),
        "topics (NMF)": _time(lambda: news.cluster_topics(docs, 8)),
        "novelty": _time(lambda: news.novelty(docs, mentions)),
    }
    if labels is not None:
        out["events, classifier (fit + score)"] = _time(
            lambda: news.train_event_model(docs, labels)
        )
    if bars is not None:
        sig = news.analyze(docs, ents, None, labels).signals
        out["event study"] = _time(lambda: news.event_study(sig, bars))
        out["news features"] = _time(lambda: news.news_features(bars, sig))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    load0 = os.getloadavg()[0]
    rows, steps = [], {}
    for name, (source, options) in CORPORA.items():
        x = _inputs(source, options)
        runs = [
            _time(lambda x=x: news.analyze(x["documents"], x["entities"], x["bars"], x["labels"]))
            for _ in range(args.repeats)
        ]
        sec = statistics.median(runs)
        n = len(x["documents"])
        rows.append((name, n, sec, n / sec))
        steps[name] = _steps(x)
        print(f"{name}: {n} documents, {sec:.2f} s, {n / sec:,.0f} documents/s", flush=True)
    lines = [
        "# News agent: documents per second",
        "",
        "Reproduce: `.venv/bin/python benchmarks/news.py` (writes this file). `news.analyze`",
        f"end to end, median of {args.repeats} warm runs (imports and data loading excluded).",
        "",
        "| corpus | documents | seconds | documents / s |",
        "| --- | --- | --- | --- |",
        *[f"| {c} | {n:,} | {s:.2f} | {r:,.0f} |" for c, n, s, r in rows],
        "",
        "Each step alone (seconds, one run):",
        "",
        "| step | " + " | ".join(steps) + " |",
        "| --- | " + " | ".join("---" for _ in steps) + " |",
    ]
    names = list(dict.fromkeys(k for s in steps.values() for k in s))
    for step in names:
        cells = [f"{s[step]:.3f}" if step in s else "-" for s in steps.values()]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {load0:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (other work was running on the machine).",
        "",
    ]
    if not args.no_write:
        (ROOT / "news.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
