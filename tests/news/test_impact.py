"""The event study: the window starts at the first bar at or after known_at."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel import news


def test_event_study_by_hand() -> None:
    dates = pd.DatetimeIndex(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-06"], tz="UTC")
    close = {"A": [100.0, 110.0, 121.0, 121.0], "B": [100.0, 100.0, 100.0, 100.0]}
    bars = pd.DataFrame(
        [(t, s, c) for s, cs in close.items() for t, c in zip(dates, cs, strict=True)],
        columns=["ts", "symbol", "close"],
    )
    signals = pd.DataFrame(
        {
            "doc_id": ["x", "y"],
            "symbol": ["A", "A"],
            # x: known during Jan 1 -> t0 = Jan 2; y: known exactly at the Jan 3 bar -> t0 = Jan 3
            "ts_known": pd.to_datetime(["2020-01-01 10:00", "2020-01-03 00:00"], utc=True),
            "sentiment": [0.8, -0.4],
        }
    )
    study = news.event_study(signals, bars, horizon=2).set_index("doc_id")
    assert study.loc["x", "t0"] == dates[1] and study.loc["y", "t0"] == dates[2]
    # abnormal = own return - mean of (A, B): A +10 %, B 0 -> +5 % on Jan 2 and Jan 3
    assert np.isnan(study.loc["x", "reaction"])  # no return before the first bar
    assert study.loc["x", "drift"] == pytest.approx(0.05 + 0.05)
    assert study.loc["y", "reaction"] == pytest.approx(0.05)
    assert study.loc["y", "drift"] == pytest.approx(0.05 + 0.0)
    assert study.loc["y", "signed_drift"] == pytest.approx(-0.05)
    summary = news.impact_summary(study.reset_index(), "symbol")
    assert summary.loc[0, "n"] == 2


def test_synthetic_news_is_priced_before_the_feed_knows_it(analysis: news.NewsAnalysis) -> None:
    # the synthetic market moves on publication: the reaction bar carries it, the tradable
    # drift after known_at does not (an efficient market, honestly measured)
    s = analysis.study
    assert s is not None
    summary = news.impact_summary(s.assign(all="all"), "all").iloc[0]
    assert summary["t_reaction"] > 5
    assert abs(summary["t_drift"]) < 3
