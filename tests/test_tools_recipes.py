"""compute_features finds a recipe's extra inputs (fundamentals, sectors, macro) by itself."""

from __future__ import annotations

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel import data, tools
from mi_kernel.runstore import RunStore, sha256_frame


def test_recipes_get_their_inputs_from_the_bars_lineage(store: RunStore) -> None:
    ctx = mi.session(runs_root=str(store.root))
    bars_uri = tools.fetch_market_data(None, None, None, source="synthetic_bars")
    for recipe in ("technical", "fundamental", "macro"):
        uri = tools.compute_features(bars_uri, recipe)
        table = mi.read_table(uri)
        values = table.drop(columns=["ts", "symbol"])
        assert values.notna().any().any(), recipe
        meta = mi.read_meta(uri)
        assert meta["recipe_id"] == recipe and len(meta["recipe_digest"]) == 16
    fundamentals = mi.read_table(f"run://{ctx.run_id}/features/fundamental.parquet")
    assert {"bp", "ep", "roe", "bp_sn"} <= set(fundamentals.columns)
    inputs = {i.name: i for i in store.seal(ctx.run_id).inputs}  # every catalog read, hashed
    assert {"synthetic_bars", "synthetic_fundamentals", "fama_french", "factor_etfs"} <= set(inputs)
    assert inputs["synthetic_fundamentals"].sha256 == sha256_frame(data.load_fundamentals())
    assert isinstance(fundamentals["ts"].iloc[0], pd.Timestamp)


def test_the_news_recipe_reads_the_news_steps_signals_it_is_given(store: RunStore) -> None:
    from mi_kernel import news
    from mi_kernel.errors import ConfigError

    ctx = mi.session(runs_root=str(store.root))
    bars_uri = tools.fetch_market_data(None, None, None, source="synthetic_bars")
    bars = mi.read_table(bars_uri)
    symbol, day = bars["symbol"].iloc[0], bars["ts"].iloc[40]
    stories = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "ts_known": [day - pd.Timedelta(hours=3), day],
            "symbol": symbol,
            "source": "wire",
            "event": ["none", "earnings_beat"],
            "sentiment": [0.5, -0.25],
            "relevance": 1.0,
            "novelty": 1.0,
            "is_event": [0.0, 1.0],
        }
    )
    news_uri = ctx.write_table(stories, "news/signals.parquet")
    with pytest.raises(ConfigError, match="pass news_uri="):
        tools.compute_features(bars_uri, "news")
    uri = tools.compute_features(bars_uri, "news", news_uri=news_uri)
    got = mi.read_table(uri)
    want = news.news_features(bars, stories)
    cols = [c for c in want.columns if c not in ("ts", "symbol")]
    assert cols and mi.read_meta(uri)["news_uri"] == news_uri
    pd.testing.assert_frame_equal(  # stored as float32, as every feature table
        got[cols].reset_index(drop=True), want[cols].astype("float32").astype("float64")
    )
    assert got.loc[got["symbol"] == symbol, cols].abs().sum().sum() > 0
