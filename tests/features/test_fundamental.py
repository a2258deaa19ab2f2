"""Fundamental recipe: reports joined point in time (on ts_known), ratios by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError, DataError
from mi_kernel.features import compute_features
from tests.features.conftest import bars_from_closes

DATES = pd.bdate_range("2020-01-01", periods=400, tz="UTC")
PERIODS = ["2020-03-31", "2020-06-30", "2020-09-30", "2020-12-31", "2021-03-31"]


def _reports(symbol: str = "A", lag_days: int = 30) -> pd.DataFrame:
    ts = pd.to_datetime(PERIODS).tz_localize("UTC")
    return pd.DataFrame(
        {
            "ts": ts,
            "ts_known": ts + pd.Timedelta(days=lag_days),
            "symbol": symbol,
            "book_value": [100.0, 110.0, 120.0, 130.0, 140.0],
            "earnings": [1.0, 2.0, 3.0, 4.0, 5.0],
            "sales": [10.0, 20.0, 30.0, 40.0, 50.0],
            "shares": 10.0,
        }
    )


def _features(reports: pd.DataFrame, symbols: tuple[str, ...] = ("A",)) -> pd.DataFrame:
    bars = bars_from_closes({s: [10.0] * len(DATES) for s in symbols}, DATES)
    out = compute_features(bars, "fundamental", fundamentals=reports, sectors=_sectors(symbols))
    return out.set_index(["symbol", "ts"])


def _sectors(symbols: tuple[str, ...]) -> pd.Series:
    return pd.Series("Tech", index=list(symbols))


def _at(table: pd.DataFrame, day: str, symbol: str = "A") -> pd.Series:
    return table.loc[(symbol, pd.Timestamp(day, tz="UTC"))]


def test_a_report_is_used_from_its_ts_known_not_its_period_end() -> None:
    out = _features(_reports())
    assert _at(out, "2020-04-29")[["bp", "log_mcap"]].isna().all()  # nothing known yet
    first = _at(out, "2020-04-30")  # Q1 known that day (ts_known <= t)
    assert first["bp"] == pytest.approx(100 / 100)
    assert first["log_mcap"] == pytest.approx(np.log(100.0))
    assert np.isnan(first["ep"]) and np.isnan(first["eg_yoy"])  # needs 4 and 5 quarters
    assert _at(out, "2020-07-29")["bp"] == pytest.approx(1.0)  # Q2 ended, not yet public
    assert _at(out, "2020-07-30")["bp"] == pytest.approx(1.1)


def test_trailing_four_quarters_and_year_on_year_growth() -> None:
    out = _features(_reports())
    year_end = _at(out, "2021-02-01")  # Q4 2020 known on 2021-01-30 (a Saturday)
    assert year_end["ep"] == pytest.approx((1 + 2 + 3 + 4) / 100)
    assert year_end["sp"] == pytest.approx((10 + 20 + 30 + 40) / 100)
    assert year_end["roe"] == pytest.approx(10 / 130)
    assert np.isnan(year_end["eg_yoy"])
    later = _at(out, "2021-04-30")
    assert later["ep"] == pytest.approx((2 + 3 + 4 + 5) / 100)
    assert later["eg_yoy"] == pytest.approx((5 - 1) / 1)


def test_restatements_are_ignored_and_late_quarters_hold_back_later_ones() -> None:
    restated = (
        _reports().iloc[[0]].assign(ts_known=pd.Timestamp("2020-06-15", tz="UTC"), book_value=999.0)
    )
    late = _reports("B")
    late.loc[0, "ts_known"] = pd.Timestamp("2020-08-14", tz="UTC")  # Q1 after Q2 (07-30)
    out = _features(pd.concat([_reports(), restated, late]), symbols=("A", "B"))
    assert _at(out, "2020-06-16")["bp"] == pytest.approx(1.0)  # as first reported
    assert np.isnan(_at(out, "2020-08-13", "B")["bp"])  # Q2 waits for Q1
    assert _at(out, "2020-08-14", "B")["bp"] == pytest.approx(1.1)


def test_sector_neutral_columns_average_zero_within_each_sector(synthetic) -> None:
    out = compute_features(
        synthetic["bars"],
        "fundamental",
        fundamentals=synthetic["fundamentals"],
        sectors=synthetic["universe"],
    )
    assert out["bp"].notna().mean() > 0.5 and out["ep"].notna().any()
    sector = synthetic["universe"].drop_duplicates("symbol").set_index("symbol")["sector"]
    frame = out.assign(sector=out["symbol"].map(sector)).dropna(subset=["bp_sn"])
    means = frame.groupby(["ts", "sector"])["bp_sn"].mean()
    np.testing.assert_allclose(means, 0.0, atol=1e-12)
    z = frame.groupby(["ts", "sector"])["bp_z"].transform("mean")
    np.testing.assert_allclose(frame["bp_sn"], frame["bp_z"] - z, atol=1e-12)


def test_missing_inputs_name_themselves() -> None:
    bars = bars_from_closes({"A": [10.0] * 30}, DATES[:30])
    with pytest.raises(ConfigError, match=r"needs input 'fundamentals'.*synthetic_fundamentals"):
        compute_features(bars, "fundamental", sectors=_sectors(("A",)))
    with pytest.raises(ConfigError, match="needs input 'sectors'"):
        compute_features(bars, "fundamental", fundamentals=_reports())
    with pytest.raises(DataError, match=r"lack column\(s\) \['shares'\]"):
        compute_features(
            bars,
            "fundamental",
            fundamentals=_reports().drop(columns="shares"),
            sectors=_sectors(("A",)),
        )
