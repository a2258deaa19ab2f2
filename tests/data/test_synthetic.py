"""The synthetic market: schemas, determinism, lifetimes, corporate actions, news, planted alpha."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from mi_kernel.data import synthetic
from mi_kernel.data.synthetic import (
    ALPHA_NAME,
    TABLES,
    SyntheticConfig,
    adjust_bars,
    generate,
    is_complete,
    load,
    read,
)
from mi_kernel.data.synthetic import reader as synth_reader
from mi_kernel.data.synthetic import writer as synth_writer
from mi_kernel.data.synthetic.universe import market_factors
from mi_kernel.errors import ConfigError, DataError, UnknownSymbolError
from mi_kernel.runstore.hashing import sha256_tree
from mi_kernel.schemas.tables import TABLES as SCHEMAS
from mi_kernel.schemas.tables import TableName, validate

# Busy on purpose: many listings, delistings, splits, dividends and news in a small market.
BUSY = SyntheticConfig(
    n_symbols=30,
    n_days=400,
    seed=11,
    alpha_ic=0.1,
    listing_rate=0.3,
    delisting_rate=0.3,
    split_rate=0.5,
    dividend_payer_frac=0.8,
    news_per_symbol_year=40.0,
)
CANONICAL = {
    "bars": TableName.BARS,
    "corporate_actions": TableName.CORPORATE_ACTIONS,
    "universe": TableName.UNIVERSE,
    "fundamentals": TableName.FUNDAMENTALS,
    "news": TableName.NEWS,
    "alpha": TableName.FEATURES,
}


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(BUSY, tmp_path_factory.mktemp("synthetic") / "busy")


@pytest.fixture(scope="module")
def tables(busy: Path) -> dict[str, pd.DataFrame]:
    return {name: read(busy, name) for name in TABLES}


def test_every_table_has_its_canonical_schema(tables: dict[str, pd.DataFrame]) -> None:
    assert set(tables) == set(TABLES)
    for name, df in tables.items():
        validate(df, CANONICAL[name])
        expected = SCHEMAS[CANONICAL[name]].names + ([ALPHA_NAME] if name == "alpha" else [])
        assert list(df.columns) == expected, name
        assert len(df) > 0, name
    bars = tables["bars"]
    assert bars["symbol"].str.fullmatch(r"S\d{4}").all()
    assert bars.equals(bars.sort_values(["symbol", "ts"]).reset_index(drop=True))


def test_same_config_gives_byte_identical_tables(busy: Path, tmp_path: Path) -> None:
    again = generate(BUSY, tmp_path / "again")
    assert sha256_tree(again) == sha256_tree(busy)


def test_chunk_size_does_not_change_the_data(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    small = generate(BUSY.model_copy(update={"chunk_symbols": 7}), tmp_path / "small")
    assert len(list((small / "universe").glob("*.parquet"))) == -(-BUSY.n_total // 7)
    for name in TABLES:
        pd.testing.assert_frame_equal(read(small, name), tables[name], obj=name)


def test_bars_do_not_depend_on_the_planted_alpha(tables: dict[str, pd.DataFrame], tmp_path: Path):
    noise = generate(BUSY.model_copy(update={"alpha_ic": 0.0}), tmp_path / "noise")
    pd.testing.assert_frame_equal(read(noise, "bars"), tables["bars"])


def test_ohlc_is_consistent(tables: dict[str, pd.DataFrame]) -> None:
    b = tables["bars"]
    assert (b["low"] <= b[["open", "close"]].min(axis=1)).all()
    assert (b[["open", "close"]].max(axis=1) <= b["high"]).all()
    assert (b["low"] > 0).all() and (b["volume"] >= 100).all()
    assert (b["volume"] == b["volume"].round()).all()


def test_listings_and_delistings_are_present_and_respected(
    tables: dict[str, pd.DataFrame],
) -> None:
    uni = tables["universe"].set_index("symbol")
    first_day = tables["bars"]["ts"].min()
    assert (uni["start"] == first_day).sum() == BUSY.n_symbols
    assert (uni["start"] > first_day).sum() == BUSY.n_listings >= 3, "symbols list later"
    assert uni["end"].notna().sum() >= 3, "some symbols delist during the sample"
    span = tables["bars"].groupby("symbol")["ts"].agg(["min", "max", "size"])
    assert (span["min"] == uni.loc[span.index, "start"]).all()
    gone = uni["end"].notna()
    ends = uni.loc[gone, "end"]
    assert (span.loc[ends.index, "max"] < ends).all()
    next_day = span.loc[ends.index, "max"] + pd.offsets.BDay(1)
    assert (next_day == ends).all(), "the last bar is the session before the delisting"
    sessions = pd.bdate_range(first_day, periods=BUSY.n_days, tz="UTC")
    lifetime = [
        int(((sessions >= uni.at[s, "start"]) & ((sessions < e) if pd.notna(e) else True)).sum())
        for s, e in uni["end"].items()
    ]
    assert span.loc[uni.index, "size"].tolist() == lifetime


def test_adjusting_raw_prices_recovers_the_total_return(tables: dict[str, pd.DataFrame]) -> None:
    actions = tables["corporate_actions"]
    assert actions["action"].value_counts().get("split", 0) >= 5
    assert actions["action"].value_counts().get("dividend", 0) >= 20
    adj = adjust_bars(tables["bars"], actions)
    adj["logret"] = np.log(adj["close"]).groupby(adj["symbol"]).diff()
    market, sectors = market_factors(BUSY)
    sim = synth_writer.simulate_chunk(BUSY, 0, BUSY.n_total, market, sectors)
    day = BUSY.calendar().get_indexer(adj["ts"])
    pos = adj["symbol"].str[1:].astype(int).to_numpy() - 1
    truth = sim.x[pos, day]
    ok = adj["logret"].notna().to_numpy()
    np.testing.assert_allclose(adj["logret"].to_numpy()[ok], truth[ok], atol=1e-9)
    raw = np.log(tables["bars"]["close"]).groupby(tables["bars"]["symbol"]).diff()
    assert np.abs(raw.to_numpy()[ok] - truth[ok]).max() > 0.3, "raw prices do jump on splits"


def test_adjust_bars_by_hand() -> None:
    ts = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"], utc=True)
    bars = pd.DataFrame(
        {"ts": ts, "symbol": "X", "open": [100.0, 50.0, 48.0], "high": [100.0, 50.0, 48.0]}
        | {"low": [100.0, 50.0, 48.0], "close": [100.0, 50.0, 48.0], "volume": [10.0, 20.0, 20.0]}
    )
    actions = pd.DataFrame(
        {"ts": ts[1:], "symbol": "X", "action": ["split", "dividend"], "value": [2.0, 1.0]}
    )
    adj = adjust_bars(bars, actions)
    # dividend factor 1 - 1/50 = 0.98 applies to days 1-2, split factor 1/2 to day 1
    np.testing.assert_allclose(adj["close"], [100 * 0.5 * 0.98, 50 * 0.98, 48.0])
    np.testing.assert_allclose(adj["volume"], [20.0, 20.0, 20.0])


def test_fundamentals_are_known_after_the_period_end(tables: dict[str, pd.DataFrame]) -> None:
    f = tables["fundamentals"]
    assert (f["ts_known"] >= f["ts"] + pd.Timedelta(days=20)).all()
    assert (f["ts"].dt.is_quarter_end).all()
    assert (f["ts_known"] <= tables["bars"]["ts"].max()).all()
    uni = tables["universe"].set_index("symbol")
    assert (f["ts"] >= uni.loc[f["symbol"], "start"].to_numpy()).all()
    assert (f[["book_value", "sales", "shares"]] > 0).all().all()


def test_news_sentiment_moves_the_price(tables: dict[str, pd.DataFrame]) -> None:
    news = tables["news"]
    adj = adjust_bars(tables["bars"], tables["corporate_actions"])
    adj["logret"] = np.log(adj["close"]).groupby(adj["symbol"]).diff()
    day = news["ts"].dt.normalize()
    after_close = news["ts"].dt.hour >= 21
    hit = day.where(~after_close, day + pd.offsets.BDay(1))
    rets = adj[["ts", "symbol", "logret"]]
    moved = news.assign(ts=hit).merge(rets, on=["ts", "symbol"]).dropna()
    before = news.assign(ts=hit - pd.offsets.BDay(3)).merge(rets, on=["ts", "symbol"]).dropna()
    assert len(moved) > 300
    assert moved["sentiment"].corr(moved["logret"]) > 0.3
    assert abs(before["sentiment"].corr(before["logret"])) < 0.1, "no effect days before"
    positive = news["sentiment"] > 0.2
    good = "beats|raises|wins|upgrade|buyback|record"
    assert news.loc[positive, "headline"].str.contains(good).all()


def _mean_ic(root: Path, horizon: int = 1) -> float:
    adj = adjust_bars(read(root, "bars"), read(root, "corporate_actions"))
    close = adj.pivot(index="ts", columns="symbol", values="close")
    fwd = close.shift(-horizon) / close - 1.0
    signal = read(root, "alpha").pivot(index="ts", columns="symbol", values=ALPHA_NAME)
    ok = fwd.notna() & signal.notna()
    r = fwd.where(ok).rank(axis=1)
    s = signal.where(ok).rank(axis=1)
    return float(r.corrwith(s, axis=1).dropna().mean())


@pytest.mark.parametrize(("ic", "tol"), [(0.05, 0.02), (0.0, 0.015)])
def test_planted_alpha_has_the_chosen_rank_ic(ic: float, tol: float, tmp_path: Path) -> None:
    config = SyntheticConfig(n_symbols=200, n_days=500, seed=3, alpha_ic=ic)
    assert abs(_mean_ic(generate(config, tmp_path / "m")) - ic) < tol


def test_a_failure_mid_generate_leaves_no_complete_market(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = synth_writer._write_table

    def flaky(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 9:
            raise OSError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(synth_writer, "_write_table", flaky)
    config = SyntheticConfig(n_symbols=20, n_days=60, chunk_symbols=5)
    with pytest.raises(OSError, match="disk full"):
        load("bars", config, cache_dir=tmp_path)
    assert calls["n"] == 9
    assert not list(tmp_path.rglob("_SUCCESS"))
    assert not (tmp_path / "synthetic" / config.key()).exists()
    assert list((tmp_path / "synthetic").iterdir()) == [], "the partial folder is removed"
    monkeypatch.setattr(synth_writer, "_write_table", real)
    assert len(load("bars", config, cache_dir=tmp_path)) > 0
    assert is_complete(synthetic.market_dir(config, tmp_path), config.key())


def test_load_caches_filters_and_rejects_bad_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = SyntheticConfig(n_symbols=12, n_days=300)
    monkeypatch.setenv("MI_CACHE_DIR", str(tmp_path))
    full = load("bars", config)
    assert (tmp_path / "synthetic" / config.key() / "_SUCCESS").is_file()
    monkeypatch.setattr(synth_reader, "generate", lambda *a, **k: pytest.fail("regenerated"))
    part = load("bars", config, symbols=["S0003", "S0001"], start="2015-03-02", end="2016-01-04")
    assert part["symbol"].unique().tolist() == ["S0001", "S0003"]
    assert part["ts"].min() >= pd.Timestamp("2015-03-02", tz="UTC")
    assert part["ts"].max() == pd.Timestamp("2016-01-04", tz="UTC")
    expected = full[
        full["symbol"].isin(["S0001", "S0003"])
        & full["ts"].between(
            pd.Timestamp("2015-03-02", tz="UTC"), pd.Timestamp("2016-01-04", tz="UTC")
        )
    ]
    pd.testing.assert_frame_equal(part, expected.reset_index(drop=True))
    with pytest.raises(ConfigError, match="valid tables: bars, corporate_actions"):
        load("prices", config)
    with pytest.raises(UnknownSymbolError, match=f"S9999.*S0001 .. S{config.n_total:04d}"):
        load("bars", config, symbols=["S0001", "S9999"])


def test_generate_refuses_a_folder_that_is_not_a_market(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(ConfigError, match="not a synthetic market"):
        generate(SyntheticConfig(n_symbols=2, n_days=20), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "precious"
    with pytest.raises(DataError, match="not a complete synthetic market"):
        read(tmp_path, "bars")
    market = generate(SyntheticConfig(n_symbols=2, n_days=20), tmp_path / "m")
    generate(SyntheticConfig(n_symbols=3, n_days=20), market)  # an older market is replaced
    assert read(market, "universe")["symbol"].tolist() == ["S0001", "S0002", "S0003"]


def test_config_is_frozen_strict_and_keyed_by_data() -> None:
    config = SyntheticConfig()
    with pytest.raises(ValidationError):
        SyntheticConfig(n_symbol=10)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        config.seed = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="alpha_horizon"):
        SyntheticConfig(n_days=5, alpha_horizon=5)
    assert config.key() == SyntheticConfig().key()
    assert config.key() == config.model_copy(update={"chunk_symbols": 3}).key()
    assert config.key() != SyntheticConfig(seed=8).key()
