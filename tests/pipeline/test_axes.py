"""Sweep axes: listed values and ranges, and one line naming the axis and the fix for each
spelling mistake, before any run exists."""

from __future__ import annotations

import pytest

from mi_kernel.cli import main
from mi_kernel.errors import ConfigError
from mi_kernel.pipeline.axes import Range, RangeKind, parse_axis, parse_dimension, space
from mi_kernel.runstore import RunStore


def test_ranges_and_listed_values() -> None:
    assert parse_dimension("embargo=int:3..10") == ("embargo", Range(RangeKind.INT, 3, 10))
    assert parse_dimension("x=float:-0.5..0.5") == ("x", Range(RangeKind.FLOAT, -0.5, 0.5))
    assert parse_dimension("alpha=log:1e-3..1") == ("alpha", Range(RangeKind.LOG, 0.001, 1.0))
    assert parse_dimension("n=int:3..3") == ("n", Range(RangeKind.INT, 3, 3))  # one value
    assert parse_dimension("estimators=[ridge],[lgbm]") == ("estimators", ["ridge", "lgbm"])
    assert parse_dimension("label=int:5") == ("label", ["int:5"])  # no "..": a plain value
    assert space(["embargo=int:3..10", "estimators=[ridge],[lgbm]"]) == {
        "embargo": Range(RangeKind.INT, 3, 10),
        "estimators": ["ridge", "lgbm"],
    }
    assert Range(RangeKind.INT, 3, 10).ends() == ["3", "10"]
    assert Range(RangeKind.LOG, 0.001, 1).show(0.0123456789) == "0.0123457"


@pytest.mark.parametrize(
    ("axis", "message"),
    [
        ("embargo=int:10..3", "write -p embargo=int:3..10 instead of int:10..3"),
        (
            "embargo=int:a..b",
            "the ends of a range are numbers, low..high, e.g. -p embargo=int:3..10",
        ),
        ("embargo=int:1.5..3", "an int range has whole-number ends"),
        ("embargo=int:3..10..12", "the ends of a range are numbers"),
        ("x=float:nan..1", "the ends of a range are finite, e.g. -p x=float:0.1..0.9"),
        ("alpha=log:0..1", "a log range has ends above 0, e.g. -p alpha=log:0.001..1"),
    ],
)
def test_a_bad_range_names_the_axis_and_the_fix(axis: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dimension(axis)
    text = str(caught.value)
    assert text.startswith(f"sweep axis {axis!r}") and message in text and "\n" not in text


def test_a_range_needs_a_study() -> None:
    with pytest.raises(
        ConfigError, match=r"is a range: search it with --trials N.*-p embargo=3,10"
    ):
        parse_axis("embargo=int:3..10")
    with pytest.raises(ConfigError, match="twice"):
        space(["a=int:1..2", "a=3,4"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-p", "embargo=int:10..3", "--trials", "3"], "write -p embargo=int:3..10"),
        (["-p", "embargo=int:3..10"], "is a range: search it with --trials N"),
        (["-p", "embargo=int:3..10", "--trials", "0"], "--trials 0: a study runs at least one"),
        (["-p", "embargo=5,10", "--seed", "3"], "--seed 3 seeds a study: give --trials N too"),
    ],
)
def test_mi_sweep_refuses_a_bad_study_in_one_line_before_any_run(
    argv: list[str], message: str, store: RunStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--runs-root", str(store.root), "sweep", "demo", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mi: error: ") and message in err[0], err
    assert not store.root.exists() or not store.run_ids()
