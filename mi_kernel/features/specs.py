"""Feature specs: what one feature column is (its kernel, windows and inputs), as plain data.

A :class:`FeatureSpec` names a kernel (:class:`FeatureKind`) and its parameters; the kernels
live in :mod:`mi_kernel.features.technical`, :mod:`~mi_kernel.features.fundamental` and
:mod:`~mi_kernel.features.macro`. The builder functions below (``momentum(20)``, ...) give
each spec its conventional name, description (with units) and lookback.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class FeatureKind(StrEnum):
    """Which kernel computes a feature."""

    # technical: per symbol, from its own bars (and the market's level for betas)
    MOMENTUM = "momentum"
    REVERSAL = "reversal"
    VOLATILITY = "volatility"
    DOWNSIDE_VOL = "downside_vol"
    ZSCORE = "zscore"
    BETA = "beta"
    IDIO_VOL = "idio_vol"
    RSI = "rsi"
    MACD = "macd"
    MACD_SIGNAL = "macd_signal"
    MACD_HIST = "macd_hist"
    VOLUME_Z = "volume_z"
    AMIHUD = "amihud"
    # fundamental: from reports joined as of the day they became known
    SIZE = "size"
    BOOK_TO_PRICE = "book_to_price"
    EARNINGS_TO_PRICE = "earnings_to_price"
    SALES_TO_PRICE = "sales_to_price"
    ROE = "roe"
    EARNINGS_GROWTH = "earnings_growth"
    # macro / cross-asset: one value per date, the same for every symbol
    MACRO_LEVEL = "macro_level"
    MACRO_RETURN = "macro_return"
    # news: from documents, each counted from the first bar at or after it was known
    NEWS_SENT = "news_sent"
    NEWS_COUNT = "news_count"
    NEWS_EVENTS = "news_events"
    NEWS_NOVELTY = "news_novelty"
    NEWS_ATTENTION = "news_attention"


#: Kinds whose kernel reads bar volume as well as closes.
VOLUME_KINDS = frozenset({FeatureKind.VOLUME_Z, FeatureKind.AMIHUD})
#: Kinds computed from the fundamentals table.
FUNDAMENTAL_ORDER = (
    FeatureKind.SIZE,
    FeatureKind.BOOK_TO_PRICE,
    FeatureKind.EARNINGS_TO_PRICE,
    FeatureKind.SALES_TO_PRICE,
    FeatureKind.ROE,
    FeatureKind.EARNINGS_GROWTH,
)
FUNDAMENTAL_KINDS = frozenset(FUNDAMENTAL_ORDER)
#: Kinds joined from a macro source; the same on every symbol, so never ranked.
MACRO_KINDS = frozenset({FeatureKind.MACRO_LEVEL, FeatureKind.MACRO_RETURN})
#: Kinds computed from the news signals (``news`` input), as of when each story was known.
NEWS_KINDS = frozenset(
    {
        FeatureKind.NEWS_SENT,
        FeatureKind.NEWS_COUNT,
        FeatureKind.NEWS_EVENTS,
        FeatureKind.NEWS_NOVELTY,
        FeatureKind.NEWS_ATTENTION,
    }
)
#: Kinds computed per symbol from its own bars.
TECHNICAL_KINDS = frozenset(FeatureKind) - FUNDAMENTAL_KINDS - MACRO_KINDS - NEWS_KINDS


@dataclass(frozen=True)
class FeatureSpec:
    """One feature of a recipe.

    Attributes
    ----------
    name : str
        Column name in the feature table.
    description : str
        One line for people, with units.
    lookback : int
        Sessions of history before ``t`` the value needs; it is NaN for a symbol's first
        ``lookback`` sessions (technical kinds; 0 for joined kinds).
    kind : FeatureKind
        Kernel that computes it.
    window : int
        Kernel window in own sessions (the slow EMA span for MACD kinds).
    skip : int
        Most recent sessions skipped (momentum and reversal), e.g. 21 for 12-1 momentum.
    fast : int
        Fast EMA span (MACD kinds).
    signal : int
        Signal EMA span (MACD kinds).
    source : str
        Key of the ``macro`` input the value is joined from (macro kinds).
    column : str
        Column of that source (macro kinds).
    max_age_days : int
        Macro kinds: a value older than this many calendar days at ``t`` is NaN (stale).
    """

    name: str
    description: str
    lookback: int
    kind: FeatureKind
    window: int = 0
    skip: int = 0
    fast: int = 0
    signal: int = 0
    source: str = ""
    column: str = ""
    max_age_days: int = 0

    @property
    def cross_sectional(self) -> bool:
        """Whether the feature varies across symbols (so ranks and z-scores mean something)."""
        return self.kind not in MACRO_KINDS


def momentum(window: int, skip: int = 0, name: str | None = None) -> FeatureSpec:
    """Spec of the simple return close[t-skip] / close[t-window] - 1 over own sessions."""
    what = f"{window}-session return" + (f" skipping the last {skip}" if skip else "")
    return FeatureSpec(
        name or f"mom_{window}", f"{what} (fraction)", window, FeatureKind.MOMENTUM, window, skip
    )


def reversal(window: int, skip: int = 0) -> FeatureSpec:
    """Spec of minus the return close[t-skip] / close[t-window] - 1 (short-term reversal)."""
    name = f"rev_{window}" + (f"_{skip}" if skip else "")
    what = f"{window}-session return" + (f" skipping the last {skip}" if skip else "")
    return FeatureSpec(
        name, f"minus the {what} (fraction)", window, FeatureKind.REVERSAL, window, skip
    )


def volatility(window: int) -> FeatureSpec:
    """Spec of the sample std (ddof=1) of the last ``window`` daily log returns."""
    return FeatureSpec(
        f"vol_{window}",
        f"std of the last {window} daily log returns (per session, not annualised)",
        window,
        FeatureKind.VOLATILITY,
        window,
    )


def downside_vol(window: int) -> FeatureSpec:
    """Spec of the semi-deviation sqrt(mean(min(r, 0)^2)) of the last ``window`` log returns."""
    return FeatureSpec(
        f"dvol_{window}",
        f"root mean square of the negative parts of the last {window} daily log returns",
        window,
        FeatureKind.DOWNSIDE_VOL,
        window,
    )


def zscore(window: int) -> FeatureSpec:
    """Spec of (close - mean) / std (ddof=1) of the last ``window`` closes including t."""
    return FeatureSpec(
        f"mr_z_{window}",
        f"z-score of the close vs the mean and std of the last {window} closes",
        window - 1,
        FeatureKind.ZSCORE,
        window,
    )


def beta(window: int) -> FeatureSpec:
    """Spec of the rolling OLS beta of daily simple returns on the market's."""
    return FeatureSpec(
        f"beta_{window}",
        f"beta of the last {window} daily simple returns on the market's",
        window,
        FeatureKind.BETA,
        window,
    )


def idio_vol(window: int) -> FeatureSpec:
    """Spec of the residual std (ddof=2) of the rolling OLS of returns on the market's."""
    return FeatureSpec(
        f"ivol_{window}",
        f"std of the residuals of the last {window} daily returns regressed on the market's",
        window,
        FeatureKind.IDIO_VOL,
        window,
    )


def rsi(window: int = 14) -> FeatureSpec:
    """Spec of Wilder's relative strength index over ``window`` sessions, in [0, 100]."""
    return FeatureSpec(
        f"rsi_{window}",
        f"Wilder's RSI of the closes over {window} sessions (0 to 100)",
        window,
        FeatureKind.RSI,
        window,
    )


def macd(fast: int = 12, slow: int = 26, signal: int = 9) -> tuple[FeatureSpec, ...]:
    """Specs of the MACD line, its signal line and histogram, each divided by the close."""
    tag = f"EMA{fast} - EMA{slow} of the closes"
    line = FeatureSpec(
        "macd", f"({tag}) / close", slow - 1, FeatureKind.MACD, slow, fast=fast, signal=signal
    )
    lookback = slow + signal - 2
    return (
        line,
        replace(
            line,
            name="macd_signal",
            description=f"EMA{signal} of ({tag}), / close",
            lookback=lookback,
            kind=FeatureKind.MACD_SIGNAL,
        ),
        replace(
            line,
            name="macd_hist",
            description="macd - macd_signal (both / close)",
            lookback=lookback,
            kind=FeatureKind.MACD_HIST,
        ),
    )


def volume_z(window: int) -> FeatureSpec:
    """Spec of the z-score of log(1 + volume) vs its last ``window`` sessions including t."""
    return FeatureSpec(
        f"volume_z_{window}",
        f"z-score of log(1 + volume) vs its mean and std over the last {window} sessions",
        window - 1,
        FeatureKind.VOLUME_Z,
        window,
    )


def amihud(window: int) -> FeatureSpec:
    """Spec of Amihud illiquidity: mean |return| per million of dollar volume."""
    return FeatureSpec(
        f"amihud_{window}",
        f"mean over {window} sessions of |daily return| / (close x volume) x 1e6",
        window,
        FeatureKind.AMIHUD,
        window,
    )


_FUNDAMENTAL_TEXT = {
    FeatureKind.SIZE: ("log_mcap", "log of market cap = close x latest known shares"),
    FeatureKind.BOOK_TO_PRICE: ("bp", "latest known book value / market cap"),
    FeatureKind.EARNINGS_TO_PRICE: ("ep", "trailing 4-quarter earnings / market cap"),
    FeatureKind.SALES_TO_PRICE: ("sp", "trailing 4-quarter sales / market cap"),
    FeatureKind.ROE: ("roe", "trailing 4-quarter earnings / latest known book value"),
    FeatureKind.EARNINGS_GROWTH: (
        "eg_yoy",
        "latest quarter's earnings vs the same quarter a year earlier, / |earlier| (fraction)",
    ),
}


def fundamental(kind: FeatureKind) -> FeatureSpec:
    """Spec of a fundamental ratio, joined as of the date each report became known."""
    name, text = _FUNDAMENTAL_TEXT[kind]
    return FeatureSpec(name, f"{text}; reports used from their ts_known on", 0, kind)


def macro_level(
    source: str, column: str, max_age_days: int, name: str | None = None
) -> FeatureSpec:
    """Spec of the latest value of ``macro[source][column]`` stamped at or before t."""
    return FeatureSpec(
        name or f"{source}_{column}".lower(),
        f"latest {source} {column} stamped at or before t (NaN if > {max_age_days} days old)",
        0,
        FeatureKind.MACRO_LEVEL,
        source=source,
        column=column,
        max_age_days=max_age_days,
    )


def macro_return(
    source: str, column: str, window: int, max_age_days: int, name: str | None = None
) -> FeatureSpec:
    """Spec of the ``window``-observation return of ``macro[source][column]`` as of t."""
    return FeatureSpec(
        name or f"{source}_{column}_ret_{window}".lower(),
        f"{window}-observation return of {source} {column}, latest at or before t (fraction)",
        0,
        FeatureKind.MACRO_RETURN,
        window=window,
        source=source,
        column=column,
        max_age_days=max_age_days,
    )


_NEWS_TEXT = {
    FeatureKind.NEWS_COUNT: (
        "news_count_{w}",
        "stories in the last {w} sessions, each weighted "
        "by the symbol's share of its company mentions",
    ),
    FeatureKind.NEWS_EVENTS: (
        "news_events_{w}",
        "stories reporting an event (not 'none') in the last {w} sessions, relevance-weighted",
    ),
    FeatureKind.NEWS_NOVELTY: (
        "news_novelty_{w}",
        "relevance-weighted mean novelty (1 - the "
        "largest similarity to earlier stories) over the last {w} sessions",
    ),
}


def news(kind: FeatureKind, window: int, baseline: int = 0) -> FeatureSpec:
    """Spec of a news feature; every story counts from the first bar at or after its ts_known.

    ``window`` is the half-life in sessions for ``NEWS_SENT``, the trailing window for counts
    and novelty, the short window for ``NEWS_ATTENTION`` (whose ``baseline`` window, stored in
    ``fast``, is the longer one it is compared with).
    """
    if kind == FeatureKind.NEWS_SENT:
        text = (
            f"relevance-weighted mean story sentiment, decayed with a {window}-session half-life "
            "(0 without news)"
        )
        return FeatureSpec("news_sent", text, 0, kind, window)
    if kind == FeatureKind.NEWS_ATTENTION:
        text = (
            f"log(1 + stories in {window} sessions) - log(1 + the {baseline}-session count "
            f"scaled to {window} sessions): abnormal attention"
        )
        return FeatureSpec("news_attention", text, 0, kind, window, fast=baseline)
    name, text = _NEWS_TEXT[kind]
    return FeatureSpec(name.format(w=window), text.format(w=window), 0, kind, window)
