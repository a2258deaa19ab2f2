"""Pipeline parameters are checked before a run starts: a line per bad parameter, no run folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from mi_kernel.cli import main
from mi_kernel.errors import ConfigError, ParameterError
from mi_kernel.pipeline import load_pipeline
from mi_kernel.pipeline.validate import (
    MIN_CROSS_SECTION,
    check_parameters,
    one_line,
    validate_parameters,
    validate_pipeline,
)
from tests.conftest import SMALL


@pytest.mark.parametrize("name", ["demo", "synthetic"])
def test_the_declared_pipelines_pass_every_check(name: str) -> None:
    spec = load_pipeline(name)
    assert check_parameters(spec, spec.parameters, changed=None) == []


def test_the_small_demo_of_the_notebook_tests_passes() -> None:
    params = validate_pipeline("demo", SMALL)
    assert params["symbols"][:2] == ["AAPL", "MSFT"] and params["n_splits"] == 3


BAD = [  # (overrides, the parameter the line names, what it says)
    ({"source": "nasdaq"}, "source=nasdaq", "use a bars source: bokeh_ohlcv"),
    ({"source": "fama_french"}, "source=fama_french", "holds factors, not bars"),
    (
        {"symbols": "AAPL,MSFTT,IBM"},
        "symbols=AAPL,MSFTT,IBM",
        "no MSFTT (MSFTT: did you mean MSFT?)",
    ),
    ({"symbols": "AAPL"}, "symbols=AAPL", f"name at least {MIN_CROSS_SECTION}"),
    ({"symbols": "AAPL,MSFT"}, "symbols=AAPL,MSFT", "rank symbols against each other"),
    ({"start": "2030-01-01"}, "start=2030-01-01", "after the last bar: sp500_ohlcv has bars from"),
    ({"end": "2009-01-01"}, "end=2009-01-01", "before the first bar"),
    ({"start": "2010-05-01", "end": "2010-01-01"}, "start=2010-05-01", "after end=2010-01-01"),
    ({"start": "2010-13-45"}, "start=2010-13-45", "is not a date; write it as YYYY-MM-DD"),
    ({"asof": "2009-01-01"}, "asof=2009-01-01", "outside the window's sessions"),
    ({"oos_start": "2012-01-01"}, "oos_start=2012-01-01", "outside the window's sessions"),
    ({"estimators": "ridge,xgboost"}, "estimators=ridge,xgboost", "unknown estimator 'xgboost'"),
    ({"estimators": "logistic"}, "estimators=logistic", "use a fwd_up_* label"),
    ({"estimators": ""}, "estimators=", "name at least one"),
    ({"label_def": "fwd_5d"}, "label_def=fwd_5d", "cannot parse label definition"),
    ({"embargo": "-2"}, "embargo=-2", "greater than or equal to 0"),
    ({"n_splits": "1"}, "n_splits=1", "greater than or equal to 2"),
    ({"embargo": "60"}, "n_splits=5, embargo=60, label_def=fwd_ret_5d", "lower n_splits, embargo"),
    (
        {"start": "2010-06-01", "oos_start": "2010-07-01"},
        "n_splits=5, embargo=5",
        "widen the window",
    ),
    ({"recipe_id": "magic"}, "recipe_id=magic", "unknown feature recipe 'magic'"),
    ({"features": "mom_5,xx"}, "features=mom_5,xx", "recipe 'core' has no column(s) xx"),
    ({"sector_source": "sp500_index"}, "sector_source=sp500_index", "has no sectors"),
    ({"baselines": "buy_and_hold"}, "baselines=buy_and_hold", "unknown strategy 'buy_and_hold'"),
    ({"costs": "{commission_bps: 0}"}, 'costs={"commission_bps": 0}', "leave out commission_per"),
    ({"execution": "{fill_at: noon}"}, 'execution={"fill_at": "noon"}', "fill_at: Input should"),
    ({"book": "{name: x, max_posiiton: 0.1}"}, "book=", "max_posiiton: Extra inputs"),
]


@pytest.mark.parametrize(("overrides", "names", "says"), BAD, ids=[str(b[0]) for b in BAD])
def test_a_bad_parameter_is_one_line_naming_it_and_the_fix(
    overrides: dict[str, str], names: str, says: str
) -> None:
    with pytest.raises(ParameterError) as info:
        validate_pipeline("demo", overrides)
    lines = str(info.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{names}") and says in lines[0], lines[0]


def test_several_bad_parameters_are_one_line_each() -> None:
    with pytest.raises(ParameterError) as info:
        validate_pipeline("demo", {"source": "nasdaq", "label_def": "fwd_5d"})
    lines = str(info.value).splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["source", "label_def"]


def test_unknown_parameters_and_unreadable_values_fail_before_the_checks() -> None:
    with pytest.raises(ConfigError, match=r"has no parameter\(s\) \['colour'\]"):
        validate_pipeline("demo", {"colour": "red"})
    with pytest.raises(ConfigError, match="not a valid int"):
        validate_pipeline("demo", {"n_splits": "many"})


def test_a_window_can_start_before_the_data_and_good_overrides_pass() -> None:
    good = {"symbols": "AAPL,MSFT,IBM", "start": "2000-01-01", "estimators": "ridge,hgb"}
    assert validate_pipeline("demo", good | {"costs": "{base: zero}"})["costs"] == {"base": "zero"}


def test_checks_of_unchanged_defaults_are_left_to_the_test_of_the_declared_pipelines() -> None:
    """The heavy registry checks run for the parameters a run changes (and what depends on
    them): the declared defaults are checked by the first test of this module."""
    spec = load_pipeline("demo")
    params = spec.resolve_parameters({}) | {"estimators": ["xgboost"]}
    assert check_parameters(spec, params, changed=set()) == []
    assert check_parameters(spec, params, changed={"label_def"})[0].startswith("estimators=")
    with pytest.raises(ParameterError, match="unknown estimator"):
        validate_parameters(spec, params)  # changed=None: every check


def test_one_line_folds_a_pydantic_report() -> None:
    text = (
        "invalid execution {'fill_at': 'noon'}: 1 validation error for Execution\nfill_at\n"
        "  Input should be 'close' or 'open' [type=literal_error, input_value='noon']\n"
        "    For further information visit https://errors.pydantic.dev/2.14/v/literal_error"
    )
    assert one_line(text) == (
        "invalid execution {'fill_at': 'noon'}; fill_at: Input should be 'close' or 'open'"
    )
    assert one_line("plain message") == "plain message"


@pytest.mark.parametrize(
    ("param", "first"),
    [
        ("symbols=AAPL", "mi: error: symbols=AAPL: 1 symbol(s) trade in the window"),
        ("start=2030-01-01", "mi: error: start=2030-01-01: is after the last bar"),
        ("source=nasdaq", "mi: error: source=nasdaq: is unknown"),
        ("estimators=xgboost", "mi: error: estimators=xgboost: unknown estimator 'xgboost'"),
    ],
)
def test_mi_run_refuses_before_any_run_folder_exists(
    tmp_path: Path, param: str, first: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "runs"
    assert main(["--runs-root", str(root), "run", "demo", "-p", param]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(first), err
    assert not root.exists() or not any(root.rglob("*")), sorted(root.rglob("*"))
