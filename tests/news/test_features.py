"""The news recipe: ts_known semantics, no look-ahead, honest on noise and on a planted effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mi_kernel import data, features, labels, news, research
from mi_kernel.errors import ConfigError, LeakageError
from mi_kernel.features.specs import news as news_spec

from .conftest import MARKET, Text

UTC = "UTC"


def _bars(dates: list[str], symbols: list[str]) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product(
        [pd.DatetimeIndex(dates, tz=UTC), symbols], names=["ts", "symbol"]
    )
    out = idx.to_frame(index=False)
    return out.assign(open=10.0, high=10.0, low=10.0, close=10.0, volume=1e6)


def test_news_features_by_hand() -> None:
    bars = _bars(["2020-01-01", "2020-01-02", "2020-01-03"], ["A", "B"])
    signals = pd.DataFrame(
        {
            # known during the session of Jan 1: counts from the next bar (Jan 2) on
            "ts_known": pd.to_datetime(["2020-01-01 15:00", "2020-01-02 00:00"], utc=True),
            "symbol": ["A", "A"],
            "sentiment": [0.5, -1.0],
            "relevance": [1.0, 0.5],
            "novelty": [1.0, 0.2],
            "is_event": [1.0, 0.0],
        }
    )
    K = features.FeatureKind
    recipe = features.Recipe(
        name="news_by_hand",
        version="0",
        features=(
            news_spec(K.NEWS_SENT, 1),
            news_spec(K.NEWS_COUNT, 1),
            news_spec(K.NEWS_COUNT, 2),
            news_spec(K.NEWS_EVENTS, 2),
            news_spec(K.NEWS_NOVELTY, 1),
            news_spec(K.NEWS_NOVELTY, 2),
            news_spec(K.NEWS_ATTENTION, 1, baseline=2),
        ),
        ranks=False,
    )
    f = news.news_features(bars, signals, recipe).set_index(["ts", "symbol"])
    a = f.xs("A", level="symbol")
    assert list(a["news_count_1"]) == [0.0, 1.5, 0.0]
    assert list(a["news_count_2"]) == [0.0, 1.5, 1.5]
    assert list(a["news_events_2"]) == [0.0, 1.0, 1.0]
    assert a["news_sent"].iloc[1] == pytest.approx((0.5 - 0.5) / 1.5)
    assert a["news_sent"].iloc[2] == pytest.approx(0.0)  # decay scales both sums alike
    assert a["news_novelty_2"].iloc[1] == pytest.approx((1.0 + 0.1) / 1.5)
    assert np.isnan(a["news_novelty_1"].iloc[0])
    assert (f.xs("B", level="symbol")["news_count_2"] == 0.0).all()
    assert list(f.columns) == recipe.columns
    # attention on Jan 2: log(1 + 1.5) - log(1 + 1.5 x 1/2)
    assert a["news_attention"].iloc[1] == pytest.approx(np.log(2.5) - np.log(1.75))


def test_the_news_recipe_is_in_the_factor_library(text: Text) -> None:
    recipe = features.get_recipe("news")
    assert recipe.inputs == ("news",)
    assert list(features.recipe_info("news")["name"]) == recipe.columns
    with pytest.raises(ConfigError, match="news"):
        features.compute_features(text.bars, "news")


def test_no_lookahead(analysis: news.NewsAnalysis, text: Text) -> None:
    signals = analysis.signals
    features.check_no_lookahead(news.news_features, text.bars, news=signals)
    features.check_no_lookahead(news.news_features, text.bars, "2016-03-01", news=signals)


def test_the_check_catches_a_feature_that_uses_publication_time(
    analysis: news.NewsAnalysis, text: Text
) -> None:
    # a feature that believes a story two days before the feed had it leaks
    def early(bars: pd.DataFrame, news: pd.DataFrame) -> pd.DataFrame:
        shifted = news.assign(ts_known=news["ts_known"] - pd.Timedelta(days=2))
        return news_features_of(bars, shifted)

    news_features_of = news.news_features
    with pytest.raises(LeakageError):
        features.check_no_lookahead(early, text.bars, news=analysis.signals)


@settings(max_examples=8, deadline=None)
@given(st.floats(min_value=0.02, max_value=0.98))
def test_features_as_of_a_date_use_only_documents_known_then(
    analysis: news.NewsAnalysis, text: Text, q: float
) -> None:
    signals = analysis.signals
    asof = signals["ts_known"].quantile(q)
    full = news.news_features(text.bars, signals)
    seen = news.news_features(text.bars, signals[signals["ts_known"] <= asof])
    past = full["ts"] <= asof
    pd.testing.assert_frame_equal(full[past], seen[past])


def _ic(feats: pd.DataFrame, bars: pd.DataFrame, column: str) -> research.ICSummary:
    fwd = labels.forward_returns(bars, 1)[["ts", "symbol", "label"]]
    m = feats.merge(fwd, on=["ts", "symbol"]).rename(columns={column: "score"})
    m = m[m["news_count_20"] > 0]  # names with news in the last month
    return research.ic_summary(research.ic_by_date(m, "label"))


@pytest.fixture(scope="module")
def noise_bars() -> pd.DataFrame:
    # the same names and dates, prices that no story ever moved
    return data.read("synthetic_bars", **{**MARKET, "news_per_symbol_year": 0.0})


def test_nothing_significant_on_noise(
    analysis: news.NewsAnalysis, noise_bars: pd.DataFrame
) -> None:
    feats = news.news_features(noise_bars, analysis.signals)
    for col in ("news_sent", "news_attention"):
        assert not _ic(feats, noise_bars, col).significant(0.05), col


def test_a_planted_news_drift_is_found(
    analysis: news.NewsAnalysis, noise_bars: pd.DataFrame
) -> None:
    # plant a post-news drift: 50 bp x sentiment on each of the 3 bars from the first bar
    # at or after known_at (a reaction a point-in-time reader can trade)
    bars = noise_bars
    dates = pd.DatetimeIndex(sorted(bars["ts"].unique()))
    symbols = pd.Index(sorted(bars["symbol"].unique()))
    sig = analysis.signals
    t0 = dates.searchsorted(pd.DatetimeIndex(sig["ts_known"]), side="left")
    col = symbols.get_indexer(sig["symbol"])
    shock = np.zeros((len(dates) + 3, len(symbols)))
    for h in range(3):
        np.add.at(shock, (t0 + h, col), 0.005 * sig["sentiment"] * sig["relevance"])
    factor = np.exp(np.cumsum(shock[: len(dates)], axis=0))
    f = factor[dates.get_indexer(bars["ts"]), symbols.get_indexer(bars["symbol"])]
    planted = bars.assign(**{c: bars[c] * f for c in ("open", "high", "low", "close")})
    feats = news.news_features(planted, sig)
    ic = _ic(feats, planted, "news_sent")
    assert ic.significant(0.01) and ic.mean > 0.02


def test_panel_and_table_paths_agree(analysis: news.NewsAnalysis, text: Text) -> None:
    table = news.news_features(text.bars, analysis.signals)
    panel = features.compute_panel(features.to_panel(text.bars), "news", news=analysis.signals)
    back = features.from_panel(panel).sort_values(["symbol", "ts"]).reset_index(drop=True)
    cols = features.get_recipe("news").columns
    got = back.merge(table, on=["ts", "symbol"], suffixes=("", "_table"))
    assert len(got) == len(table)
    for c in cols:
        np.testing.assert_allclose(got[c], got[f"{c}_table"], rtol=1e-12, equal_nan=True)


def test_the_news_recipe_reaches_the_model_only_where_the_text_is_the_bars_own() -> None:
    from mi_kernel.errors import ParameterError
    from mi_kernel.pipeline.validate import validate_pipeline

    validate_pipeline("synthetic", {"recipe_id": "news", "features": ""})  # its own news
    with pytest.raises(ParameterError, match=r"recipe_id=news: .*'sp500_ohlcv' has no text"):
        validate_pipeline("demo", {"recipe_id": "news", "features": ""})


def test_core_news_is_the_core_and_news_recipes_side_by_side(
    analysis: news.NewsAnalysis, text: Text
) -> None:
    signals = analysis.signals
    recipe = features.get_recipe("core_news")
    assert recipe.inputs == ("news",)
    with pytest.raises(ConfigError, match="news"):
        features.compute_features(text.bars, "core_news")
    both = features.compute_features(text.bars, "core_news", news=signals)
    core = features.compute_features(text.bars, "core")
    alone = features.compute_features(text.bars, "news", news=signals)
    assert list(both.columns[2:]) == recipe.columns
    for part in (core, alone):
        raw = [c for c in part.columns[2:] if not c.endswith("_rank")]
        got = both.merge(part, on=["ts", "symbol"], suffixes=("", "_part"))
        assert len(got) == len(part)
        for c in raw:
            np.testing.assert_allclose(got[c], got[f"{c}_part"], rtol=1e-12, equal_nan=True)
    # the news features get cross-sectional ranks too: in (0, 1] where the raw value is known
    ranks = both["news_count_20_rank"].dropna()
    assert len(ranks) and ranks.between(0, 1).all()


def test_core_news_has_no_lookahead(analysis: news.NewsAnalysis, text: Text) -> None:
    features.check_no_lookahead(
        features.compute_features, text.bars, recipe_id="core_news", news=analysis.signals
    )
    features.check_no_lookahead(
        features.compute_features,
        text.bars,
        "2016-03-01",
        recipe_id="core_news",
        news=analysis.signals,
    )


def test_core_news_reaches_the_model_only_where_the_text_is_the_bars_own() -> None:
    from mi_kernel.errors import ParameterError
    from mi_kernel.pipeline.validate import validate_pipeline

    validate_pipeline("synthetic", {"recipe_id": "core_news", "features": ""})
    with pytest.raises(ParameterError, match=r"recipe_id=core_news: .*'sp500_ohlcv' has no text"):
        validate_pipeline("demo", {"recipe_id": "core_news", "features": ""})
