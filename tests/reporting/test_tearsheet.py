"""The QuantStats tear sheet is written offline, quietly and self-contained."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mi_kernel.errors import ConfigError
from mi_kernel.reporting import DECISION_SUPPORT, strip_external_resources, tearsheet
from tests.reporting.offline_checks import external_resources, runtime_loaders, urls_in_scripts


def _series(seed: int, n: int = 300) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-01", periods=n, tz="UTC")
    return pd.Series(rng.normal(0.0005, 0.01, n), index=idx)


def test_strip_external_resources() -> None:
    html = (
        '<head><link rel="shortcut icon" href="https://qtpylib.io/favicon.ico" type="image/x-icon">'
        '<script src="https://cdn.example.com/x.js"></script><style>@import url("//fonts.x/css");'
        'body{}</style><link rel="stylesheet" href="local.css"></head>'
        '<a href="http://quantstats.io">QuantStats</a><svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    assert len(external_resources(html)) == 3
    out = strip_external_resources(html)
    assert external_resources(out) == [] and "@import" not in out
    assert 'href="local.css"' in out and "http://quantstats.io" in out and "body{}" in out


def test_tearsheet_is_written_quietly_and_offline(tmp_path: Path, capfd) -> None:
    returns, bench = _series(1), _series(2).iloc[20:]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = tearsheet(returns, bench, tmp_path / "sub" / "ts.html", title="Unit Test Sheet")
    html = path.read_text(encoding="utf-8")
    assert path.exists() and "Unit Test Sheet" in html and "<svg" in html
    assert external_resources(html) == [] and runtime_loaders(html) == []
    assert urls_in_scripts(html) == []
    assert html.index("<body") < html.index(DECISION_SUPPORT) < html.index("<h1>Unit Test Sheet")
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert [str(w.message) for w in caught] == []


def test_tearsheet_refuses_tickers_and_tiny_inputs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="never a ticker"):
        tearsheet(_series(1), "SPY", tmp_path / "x.html")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="usable dates"):
        tearsheet(_series(1, n=2), None, tmp_path / "x.html", periods_per_year=252)
    assert not (tmp_path / "x.html").exists()
