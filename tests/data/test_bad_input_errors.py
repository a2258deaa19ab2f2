"""Bad data inputs end in a clear error naming the input (or a regenerated cache), not a
traceback from pyarrow, yaml or pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import mi_kernel as mi
from mi_kernel import tools
from mi_kernel.data import catalog
from mi_kernel.data.synthetic import SyntheticConfig
from mi_kernel.data.synthetic.reader import load, market_dir
from mi_kernel.errors import ConfigError, DataError
from mi_kernel.runstore import RunStore


def test_a_damaged_parquet_artifact_names_the_file(store: RunStore) -> None:
    ctx = store.start("unit")
    uri = ctx.write_table(pd.DataFrame({"x": [1, 2]}), "t.parquet")
    path = ctx.resolve(uri)
    path.write_bytes(path.read_bytes()[:40] + b"garbage" * 10)
    with mi.use_run(ctx), pytest.raises(DataError, match=r"t\.parquet.*cannot be read as parquet"):
        mi.read_table(uri)


@pytest.mark.parametrize(
    "text, match",
    [
        ("entries:\n  x: [unclosed\n", r"is not valid YAML .*line 2"),
        ("- a\n- b\n", "is not an Intake 2 catalog"),
    ],
)
def test_a_malformed_catalog_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, match: str
) -> None:
    bad = tmp_path / "catalog.yml"
    bad.write_text(text)
    monkeypatch.setenv("MI_CATALOG", str(bad))
    with pytest.raises(ConfigError, match=match) as err:
        catalog.read("sp500_ohlcv")
    assert str(bad) in str(err.value)


def test_an_unknown_reader_names_the_entry_and_the_known_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = catalog.catalog_path().read_text()
    bad = tmp_path / "catalog.yml"
    bad.write_text(text.replace("mi_kernel.data.catalog:CanonicalReader", "nope.module:Nope"))
    monkeypatch.setenv("MI_CATALOG", str(bad))
    with pytest.raises(
        ConfigError, match=r"entry 'sp500_ohlcv'.*nope\.module:Nope.*CanonicalReader"
    ):
        catalog.read("sp500_ohlcv", symbols=["AAPL"])


def test_an_empty_window_says_which_dates_exist(store: RunStore) -> None:
    ctx = store.start("unit")
    with mi.use_run(ctx):
        with pytest.raises(DataError, match=r"selects no rows.*2009-08-21 \.\. 2010-08-20"):
            tools.fetch_market_data(["AAPL"], "2015-01-01", "2015-12-31", source="sp500_ohlcv")
        with pytest.raises(ConfigError, match="start 2010-06-01 is after end 2010-01-01"):
            tools.fetch_market_data(["AAPL"], "2010-06-01", "2010-01-01", source="sp500_ohlcv")


def test_an_edited_synthetic_cache_is_generated_again(tmp_path: Path) -> None:
    config = SyntheticConfig(n_symbols=4, n_days=40, seed=5)
    first = load("bars", config, cache_dir=tmp_path)
    part = next((market_dir(config, tmp_path) / "bars").rglob("*.parquet"))
    edited = pd.read_parquet(part)
    edited["close"] = edited["close"] * 2  # a well-formed but wrong file
    edited.to_parquet(part)
    with pytest.warns(UserWarning, match="does not match what was generated"):
        again = load("bars", config, cache_dir=tmp_path)
    pd.testing.assert_frame_equal(first, again)
    damaged = next((market_dir(config, tmp_path) / "bars").rglob("*.parquet"))
    damaged.write_bytes(b"not parquet")
    with pytest.warns(UserWarning, match="generated again"):
        pd.testing.assert_frame_equal(first, load("bars", config, cache_dir=tmp_path))
