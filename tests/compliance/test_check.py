"""The book, the rules and check(): hand-made breaches with the messages a person reads."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from mi_kernel.compliance import RULES, Book, RuleName, Violation, check
from mi_kernel.errors import ConfigError

D1 = pd.Timestamp("2024-01-31", tz="UTC")
D2 = pd.Timestamp("2024-02-29", tz="UTC")
SECTORS = {"AAPL": "Tech", "MSFT": "Tech", "XOM": "Energy", "BAC": "Financials"}


def _weights(rows: dict[str, float], ts: pd.Timestamp | None = D1) -> pd.DataFrame:
    df = pd.DataFrame({"symbol": list(rows), "weight": list(rows.values())})
    return df if ts is None else df.assign(ts=ts)[["ts", "symbol", "weight"]]


def _only(rule: str, weights: pd.DataFrame, book: Book) -> list[Violation]:
    return RULES[rule](weights, book)


def test_book_defaults_and_parsing() -> None:
    book = Book.model_validate({"restricted": ["BAC", "C"], "max_position": 0.02})
    assert book.restricted == ("BAC", "C")
    assert (book.max_gross, book.max_net, book.min_net, book.max_sector) == (2.0, 1.0, -1.0, 1.0)
    assert book.sector_of("AAPL") == "Unknown"


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"max_position": 0.0}, "max_position"),
        ({"max_sector": -0.1}, "max_sector"),
        ({"max_gross": 0.0}, "max_gross"),
        ({"min_net": 0.2, "max_net": 0.1}, "min_net 0.2 is above max_net 0.1"),
        ({"max_net": float("nan")}, "max_net"),
        ({"construction": {}}, "construction"),
    ],
)
def test_book_validation(fields: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Book.model_validate(fields)


def test_book_is_frozen() -> None:
    with pytest.raises(ValidationError):
        Book().max_gross = 3.0  # type: ignore[misc]


def test_position_rule_message() -> None:
    (v,) = _only("position", _weights({"AAPL": 0.035, "MSFT": -0.02}), Book(max_position=0.02))
    assert (v.rule, v.subject, v.value, v.limit, v.ts) == ("position", "AAPL", 0.035, 0.02, D1)
    assert v.message == "AAPL weight 0.035 exceeds max_position 0.02 on 2024-01-31"


def test_short_positions_count_by_magnitude() -> None:
    (v,) = _only("position", _weights({"XOM": -0.05}), Book(max_position=0.02))
    assert v.value == -0.05 and "XOM weight -0.05 exceeds" in v.message


def test_restricted_rule_ignores_zero_weights() -> None:
    book = Book(restricted=("BAC", "C"))
    (v,) = _only("restricted", _weights({"BAC": -0.01, "C": 0.0, "AAPL": 0.1}), book)
    assert (v.subject, v.limit) == ("BAC", 0.0)
    assert v.message == "BAC is restricted but has weight -0.01 (must be 0) on 2024-01-31"


def test_sector_rule_caps_gross_not_net() -> None:
    book = Book(max_sector=0.3, sectors=SECTORS)
    hedged = _weights({"AAPL": 0.2, "MSFT": -0.2, "XOM": 0.1, "ZZZ": 0.25, "YYY": 0.1})
    found = _only("sector", hedged, book)
    assert [(v.subject, round(v.value, 12)) for v in found] == [("Tech", 0.4), ("Unknown", 0.35)]
    assert (
        found[0].message == "sector 'Tech' gross exposure 0.4 exceeds max_sector 0.3 on 2024-01-31"
    )


def test_gross_and_net_rules() -> None:
    book = Book(max_gross=1.0, max_net=0.1, min_net=-0.05)
    (g,) = _only("gross", _weights({"A": 0.6, "B": -0.5}), book)
    assert (g.subject, g.value, g.limit) == ("book", pytest.approx(1.1), 1.0)
    assert g.message.startswith("book gross exposure 1.1 exceeds max_gross 1")
    (hi,) = _only("net", _weights({"A": 0.6, "B": -0.4}), book)
    assert hi.limit == 0.1 and "exceeds max_net 0.1" in hi.message
    (lo,) = _only("net", _weights({"A": 0.1, "B": -0.4}), book)
    assert lo.limit == -0.05 and "is below min_net -0.05" in lo.message


def test_limits_have_a_tolerance_of_1e_9() -> None:
    book = Book(max_position=0.02, max_gross=0.02)
    assert check(_weights({"A": 0.02 + 5e-10}), book).ok
    assert not check(_weights({"A": 0.02 + 5e-9}), book).ok


def test_check_every_date_and_name_it() -> None:
    book = Book(max_position=0.05, max_net=0.2, min_net=-0.2)
    ok_day = _weights({"A": 0.05, "B": -0.05}, D1)
    bad_day = _weights({"A": 0.08, "B": 0.2}, D2)
    result = check(pd.concat([bad_day, ok_day]), book)
    assert not result.ok
    assert [(v.rule, v.subject, v.ts) for v in result.violations] == [
        ("position", "A", D2),
        ("position", "B", D2),
        ("net", "book", D2),
    ]
    assert all(v.message.endswith("on 2024-02-29") for v in result.violations)


def test_check_without_ts_is_one_book() -> None:
    result = check(_weights({"AAPL": 0.5, "BAC": 0.1}, ts=None), Book(restricted=("BAC",)))
    (v,) = result.violations
    assert v.ts is None and v.message == "BAC is restricted but has weight 0.1 (must be 0)"


def test_to_dict_contract() -> None:
    assert check(_weights({"A": 0.01}), Book()).to_dict() == {"ok": True, "violations": []}
    out = check(_weights({"A": 1.5}), Book()).to_dict()
    assert json.loads(json.dumps(out)) == out
    assert out["ok"] is False
    assert out["violations"][0] == {
        "rule": "position",
        "subject": "A",
        "value": 1.5,
        "limit": 1.0,
        "ts": "2024-01-31T00:00:00+00:00",
        "message": "A weight 1.5 exceeds max_position 1 on 2024-01-31",
    }


def test_registry_order() -> None:
    assert list(RULES) == [r.value for r in RuleName]


def test_unusable_tables_raise_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\['weight'\]"):
        check(pd.DataFrame({"symbol": ["A"]}), Book())
    with pytest.raises(ConfigError, match="NaN"):
        check(_weights({"A": float("nan")}), Book())
    with pytest.raises(ConfigError, match="'A' more than once"):
        check(pd.concat([_weights({"A": 0.1}), _weights({"A": 0.2})]), Book())
