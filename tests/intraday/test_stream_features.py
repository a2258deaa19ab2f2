"""On a generated session: features updated bar by bar equal the batch factors on the same
bars; duplicate delivery has exactly-once effect; corrected bars give back the daily bar."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.data.synthetic import TickTruth
from mi_kernel.errors import ConfigError
from mi_kernel.features import Recipe, compute_features
from mi_kernel.features import specs as S
from mi_kernel.intraday import BarBuilder, StreamConfig, frame
from mi_kernel.intraday.features import INTRADAY, StreamingFeatures
from tests.intraday.conftest import NOISY


def _run(ticks, day, date, chunk: int, config: StreamConfig | None = None):
    bb = BarBuilder(day["symbol"].tolist(), NOISY.session_open(date), config=config)
    sf = StreamingFeatures(len(day))
    outs, feats = [], []
    for i in range(0, ticks.size, chunk):
        outs.append(bb.process(ticks[i : i + chunk]))
    outs.append(bb.close(now=int(ticks["ts_arrival"][-1])))
    for o in outs:
        if o.bars:
            feats.append(frame(sf.update(o.bars), bb.symbols))
    bars = pd.concat([frame(o.bars, bb.symbols) for o in outs if o.bars], ignore_index=True)
    fixes = [frame(o.corrections, bb.symbols) for o in outs if o.corrections]
    return bb, bars, pd.concat(feats, ignore_index=True), fixes


def test_streaming_features_equal_batch_features_on_the_same_bars(ticks, session_day) -> None:
    day, date = session_day
    _, bars, streamed, _ = _run(ticks, day, date, chunk=997)
    batch = compute_features(bars[["ts", "symbol", "close", "volume"]], INTRADAY)
    both = streamed.merge(batch, on=["ts", "symbol"], suffixes=("", "_batch"), validate="1:1")
    assert len(both) == len(bars) == len(batch)
    for name in INTRADAY.columns:
        s, b = both[name].to_numpy(), both[f"{name}_batch"].to_numpy()
        np.testing.assert_array_equal(np.isnan(s), np.isnan(b), err_msg=name)
        assert (~np.isnan(s)).sum() > len(bars) // 2, name  # most bars have a value
        np.testing.assert_allclose(s, b, rtol=1e-9, atol=1e-9, err_msg=name)


def test_exactly_once_effect_under_duplicate_delivery(ticks, session_day) -> None:
    day, date = session_day
    _, once, feats_once, _ = _run(ticks, day, date, chunk=2000)
    rng = np.random.default_rng(0)  # every message delivered again, shuffled into the feed
    again = ticks.copy()
    again["ts_arrival"] += rng.integers(0, 3_000_000_000, again.size)
    twice = np.concatenate([ticks, again])
    twice = twice[np.argsort(twice["ts_arrival"], kind="stable")]
    bb, bars, feats, _ = _run(twice, day, date, chunk=4000)
    assert bb.totals[1] >= ticks.size  # every redelivery was recognised
    key = ["ts", "symbol"]
    merged = once.merge(bars, on=key, suffixes=("", "_2"), how="outer", indicator=True)
    # the same bars, with the same content, whatever arrived late (allowed lateness 5 s)
    late_here = merged["_merge"] != "both"
    assert late_here.mean() < 0.01
    both = merged[~late_here]
    for col in ("open", "high", "low", "close", "volume", "trades"):
        np.testing.assert_array_equal(both[col], both[f"{col}_2"], err_msg=col)
    f = feats_once.merge(feats, on=key, suffixes=("", "_2")).dropna()
    assert len(f) > len(both) // 2
    np.testing.assert_allclose(f["mom_5"], f["mom_5_2"], rtol=1e-12)


def test_emitted_bars_plus_corrections_aggregate_to_the_daily_bar(ticks, session_day) -> None:
    day, date = session_day
    bb, bars, _, fixes = _run(ticks, day, date, chunk=1500)
    assert fixes, "the noisy session has ticks later than the allowed lateness"
    last_fix = pd.concat(fixes).drop_duplicates(["ts", "symbol"], keep="last")
    final = pd.concat([bars, last_fix]).drop_duplicates(["ts", "symbol"], keep="last")
    final = final.sort_values(["symbol", "ts"])
    g = final.groupby("symbol", sort=False)
    daily = day.set_index("symbol").loc[list(g.groups)]
    np.testing.assert_array_equal(g["open"].first(), daily["open"])
    np.testing.assert_array_equal(g["close"].last(), daily["close"])
    np.testing.assert_array_equal(g["high"].max(), daily["high"])
    np.testing.assert_array_equal(g["low"].min(), daily["low"])
    np.testing.assert_allclose(g["volume"].sum(), daily["volume"], rtol=0, atol=0)
    assert bb.totals[3] == np.isin(ticks["truth"], [TickTruth.BAD_PRINT, TickTruth.CROSSED]).sum()
    assert bb.totals[2] == (ticks["truth"] == TickTruth.MALFORMED).sum()


def test_recipes_the_stream_cannot_update_are_refused() -> None:
    with pytest.raises(ConfigError, match="cannot be computed bar by bar"):
        StreamingFeatures(3, Recipe("x", "1", (S.beta(20),), ranks=False))
