"""Point-in-time restriction windows, holdings conflicts, and post-trade surveillance."""

from __future__ import annotations

import pandas as pd
import pytest

from mi_kernel import compliance
from mi_kernel.compliance import Book, RestrictionList, surveil
from mi_kernel.errors import ConfigError

T = pd.Timestamp


def _windows() -> RestrictionList:
    return RestrictionList.from_records(
        [
            {"symbol": "AAA", "start": "2024-01-10", "end": "2024-01-20", "kind": "blackout",
             "reason": "earnings"},
            {"symbol": "BBB", "start": "2024-01-15", "kind": "insider", "reason": "deal team",
             "announced": "2024-01-12"},
            {"symbol": "CCC", "start": "2024-01-05", "end": "2024-01-30", "kind": "restricted",
             "announced": "2024-01-25"},
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    "day, restricted",
    [
        ("2024-01-09", set()),  # before any window starts
        ("2024-01-10", {"AAA"}),  # first day of the blackout
        ("2024-01-16", {"AAA", "BBB"}),
        ("2024-01-21", {"BBB"}),  # the blackout ended; the insider window is open-ended
        ("2024-01-24", {"BBB"}),  # CCC's window started on the 5th but is not known until the 25th
        ("2024-01-25", {"BBB", "CCC"}),
        ("2025-06-01", {"BBB"}),
    ],
)
def test_windows_restrict_only_while_known_and_open(day: str, restricted: set[str]) -> None:
    assert _windows().active(T(day, tz="UTC")) == restricted


@pytest.mark.parametrize(
    "row, match",
    [
        (
            {"symbol": "A", "start": "2024-02-01", "end": "2024-01-01"},
            "end 2024-01-01 is before start",
        ),
        ({"symbol": "A", "start": "2024-01-01", "kind": "embargo"}, "kind"),
        ({"symbol": " ", "start": "2024-01-01"}, "symbol is empty"),
        ({"start": "2024-01-01"}, "symbol"),
    ],
)
def test_bad_rows_are_refused_naming_the_row(row: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        RestrictionList.from_records([row])


def test_pretrade_check_uses_windows_at_each_date_and_holdings() -> None:
    weights = pd.DataFrame(
        {"ts": [T("2024-01-09", tz="UTC"), T("2024-01-11", tz="UTC"), T("2024-01-11", tz="UTC")],
         "symbol": ["AAA", "AAA", "DDD"], "weight": [0.01, 0.01, 0.01]}
    )  # fmt: skip
    book = Book(name="b", max_position=0.05)
    result = compliance.check(weights, book, windows=_windows())
    [v] = result.violations
    assert (v.rule, v.subject, v.ts) == ("window", "AAA", T("2024-01-11", tz="UTC"))
    assert "blackout window (earnings)" in v.message
    holdings = pd.DataFrame({"symbol": ["DDD"], "holder": ["PA: j.doe"]})
    conflicts = compliance.check(weights, book, holdings=holdings).violations
    assert [(c.rule, c.subject) for c in conflicts] == [("holdings_conflict", "DDD")]
    latest = weights.iloc[1:].drop(columns="ts")
    assert compliance.check(latest, book, windows=_windows(), asof="2024-01-09").ok
    assert not compliance.check(latest, book, windows=_windows(), asof="2024-01-12").ok


def _book_frames(clean: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    days = pd.bdate_range("2024-01-02", periods=6, tz="UTC")
    names = [f"S{i}" for i in range(20)]
    held = pd.DataFrame(
        [(d, s, 0.04) for d in days for s in names], columns=["ts", "symbol", "weight"]
    )
    fills = pd.DataFrame(
        {"ts": [days[0], days[3]], "symbol": ["S1", "S2"], "quantity": [100.0, 50.0]}
    )
    if not clean:
        drift = held["ts"].isin(days[2:5]) & (held["symbol"] == "S0")  # a 3-day breach
        held.loc[drift, "weight"] = [0.50, 0.60, 0.55]
        fills = pd.concat([fills, pd.DataFrame({
            "ts": [T("2024-01-16", tz="UTC"), days[3], days[4]], "symbol": ["AAA", "S5", "S5"],
            "quantity": [10.0, 1000.0, -990.0]})], ignore_index=True)  # fmt: skip
    return fills, held


def test_surveillance_finds_each_kind_and_nothing_on_a_clean_book() -> None:
    book = Book(name="b", max_position=0.05, max_gross=2.0, max_sector=2.0, max_net=2.0)
    fills, held = _book_frames(clean=True)
    assert surveil(fills, held, book, _windows()).empty
    fills, held = _book_frames(clean=False)
    found = surveil(fills, held, book, _windows())
    rules = set(found["rule"])
    assert rules == {"limit:position", "restricted_window_trade", "concentration", "round_trip"}
    [breach] = found[found["rule"] == "limit:position"].to_dict("records")  # one episode
    assert "0.6" in breach["detail"] and "worst of 3 day(s)" in breach["detail"]
    trip = found[found["rule"] == "round_trip"].iloc[0]
    assert trip["symbol"] == "S5" and "+1,000 then -990" in trip["detail"]
    assert found["finding_id"].is_unique and found["finding_id"].str.len().eq(16).all()
    again = surveil(fills, held, book, _windows())
    assert again["finding_id"].tolist() == found["finding_id"].tolist()  # stable ids


def test_a_loose_round_trip_is_not_flagged() -> None:
    when = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-20"], utc=True)
    fills = pd.DataFrame({"ts": when, "symbol": ["X"] * 3, "quantity": [1000.0, -400.0, 400.0]})
    held = pd.DataFrame(columns=["ts", "symbol", "weight"])
    assert compliance.surveillance.round_trips(fills, 5, 0.05).empty
    with pytest.raises(ConfigError, match="weights lack columns"):
        surveil(fills, held.drop(columns="weight"), Book(name="b"))
