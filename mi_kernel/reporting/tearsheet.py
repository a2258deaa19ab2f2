"""QuantStats HTML tear sheet: offline, quiet, self-contained.

QuantStats is imported only when a tear sheet is written. It receives pandas Series (never a
ticker string, which would make it download), runs on the non-interactive Agg backend with
its prints, warnings and font-manager logs silenced, and the written HTML is stripped of
every external resource (favicon, scripts, stylesheets) so it renders without a network. The
page opens with the decision-support notice (:mod:`mi_kernel.reporting.notice`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from mi_kernel.errors import ConfigError
from mi_kernel.metrics import infer_periods_per_year
from mi_kernel.reporting.notice import add_notice

#: Tags that would load an external resource: <script src=http…>, <link href=http…>, <img …>.
_EXTERNAL_TAG = re.compile(
    r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^>]*>"
    r"(?:\s*</script>)?",
    re.IGNORECASE,
)
_EXTERNAL_IMPORT = re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]*;", re.IGNORECASE)
_QUIET_LOGGERS = ("matplotlib", "matplotlib.font_manager", "quantstats", "yfinance")


def strip_external_resources(html: str) -> str:
    """Remove every tag or CSS import that would fetch a resource over http(s)."""
    return _EXTERNAL_IMPORT.sub("", _EXTERNAL_TAG.sub("", html))


@contextlib.contextmanager
def _quiet_agg() -> Iterator[None]:
    """Silence prints, warnings and library logs; draw on the Agg backend; restore after."""
    import matplotlib
    import matplotlib.pyplot as plt

    previous_backend = matplotlib.get_backend()
    levels = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    sink = io.StringIO()
    try:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        plt.switch_backend("Agg")
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        plt.close("all")
        if previous_backend.lower() != "agg":
            plt.switch_backend(previous_backend)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _naive(series: pd.Series, name: str) -> pd.Series:
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise ConfigError(f"{name} must be a pandas Series with a DatetimeIndex (never a ticker)")
    out = series.dropna().astype("float64").rename(name)
    index = pd.DatetimeIndex(out.index)
    if index.tz is not None:
        out.index = index.tz_convert("UTC").tz_localize(None)
    return out


def tearsheet(
    returns: pd.Series,
    benchmark: pd.Series | None = None,
    path: str | Path = "tearsheet.html",
    title: str = "Strategy",
    periods_per_year: float | None = None,
    benchmark_title: str = "Benchmark",
) -> Path:
    """Write a self-contained QuantStats HTML tear sheet, notice on top; return its path.

    Parameters
    ----------
    returns : Series of float
        Per-period strategy returns with a DatetimeIndex (UTC).
    benchmark : Series of float, optional
        Benchmark per-period returns; both series are cut to their common dates.
    path : str or Path
        Output HTML file; parent folders are created.
    title : str
        Title shown at the top of the report.
    periods_per_year : float, optional
        Annualisation factor; inferred from the index when omitted.
    benchmark_title : str
        The benchmark's name on the page (e.g. "S&P 500").
    """
    strategy = _naive(returns, "Strategy")
    bench = None if benchmark is None else _naive(benchmark, "Benchmark")
    if bench is not None:
        common = strategy.index.intersection(bench.index)
        strategy, bench = strategy.loc[common], bench.loc[common]
    if len(strategy) < 3:
        raise ConfigError(f"returns have {len(strategy)} usable dates; a tear sheet needs >= 3")
    ppy = periods_per_year or infer_periods_per_year(strategy.index)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _quiet_agg():
        import quantstats as qs

        qs.reports.html(
            strategy,
            benchmark=bench,
            output=str(out),
            title=title,
            periods_per_year=round(ppy),
            benchmark_title=benchmark_title,
            strategy_title="Strategy",
        )
    page = strip_external_resources(out.read_text(encoding="utf-8"))
    out.write_text(add_notice(page), encoding="utf-8")
    return out
