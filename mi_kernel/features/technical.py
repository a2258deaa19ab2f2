"""Technical feature kernels: per symbol, from its own bars and the market's level.

Each kernel takes :class:`TechInputs` (panels whose rows are consecutive sessions, see
:mod:`mi_kernel.features.sessions`) and a :class:`~mi_kernel.features.specs.FeatureSpec`,
and returns a panel of the same shape. The value at row ``k`` uses rows ``<= k`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property

import numpy as np

from mi_kernel.errors import DataError
from mi_kernel.features import rolling
from mi_kernel.features.panel import Array
from mi_kernel.features.specs import FeatureKind, FeatureSpec


def lagged_ratio(x: Array, recent: int, past: int) -> Array:
    """Return ``x[k - recent] / x[k - past] - 1`` along axis 0 (``recent < past``), NaN-padded."""
    out = np.full(x.shape, np.nan)
    n = x.shape[0]
    if past < n:
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(x[past - recent : n - recent], x[: n - past], out=out[past:])
        out[past:] -= 1.0
    return out


def _positive(x: Array) -> Array:
    """``x`` with non-positive and infinite values set to NaN (copied only if needed)."""
    bad = (x <= 0) | np.isinf(x)
    return np.where(bad, np.nan, x) if bad.any() else x


class TechInputs:
    """Panels the technical kernels read, with derived series computed once, on demand.

    Parameters
    ----------
    close : ndarray, shape (n_rows, n_symbols)
        Closes; non-positive or non-finite ones are treated as missing (NaN).
    volume : ndarray or None
        Volumes in shares, same shape (needed by volume kinds only).
    market_level : ndarray, shape (n_rows, 1) or (n_rows, n_symbols)
        Market level seen at each row; its change over the same rows as a symbol's
        return is that symbol's market return (gaps included).
    threads : int
        Threads the rolling kernels split the symbols over.
    """

    def __init__(
        self, close: Array, volume: Array | None, market_level: Array, threads: int = 1
    ) -> None:
        self.threads = threads
        self.close = _positive(close)
        self.volume = volume
        self.market_level = _positive(market_level)
        self._ema: dict[int, Array] = {}
        self._regression: dict[int, tuple[Array, Array]] = {}

    @cached_property
    def ret(self) -> Array:
        """Simple return since the previous own session."""
        return lagged_ratio(self.close, 0, 1)

    @cached_property
    def logret(self) -> Array:
        """Log return since the previous own session."""
        return np.log1p(self.ret)

    @cached_property
    def market_ret(self) -> Array:
        """Market simple return over the same rows as :attr:`ret` (one column, or one each)."""
        return lagged_ratio(self.market_level, 0, 1)

    @cached_property
    def volume_panel(self) -> Array:
        """Volumes in shares."""
        if self.volume is None:
            raise DataError("this feature needs bar volumes; pass bars with a 'volume' column")
        return self.volume

    @cached_property
    def log_volume(self) -> Array:
        """log(1 + volume); negative volumes are missing."""
        v = self.volume_panel
        return np.log1p(v if not (v < 0).any() else np.where(v >= 0, v, np.nan))

    @cached_property
    def illiquidity(self) -> Array:
        """Daily Amihud ratio |ret| / (close x volume) x 1e6; NaN without dollar volume."""
        dollars = self.close * self.volume_panel
        out = np.abs(self.ret)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(out, dollars, out=out)
        out *= 1e6
        np.copyto(out, np.nan, where=~(dollars > 0))
        return out

    @cached_property
    def down_squared(self) -> Array:
        """min(log return, 0) squared."""
        down = np.minimum(self.logret, 0.0)
        down *= down
        return down

    def regression(self, window: int) -> tuple[Array, Array]:
        """Rolling (beta, residual std) of returns on the market's, computed once per window."""
        if window not in self._regression:
            self._regression[window] = rolling.rolling_beta(
                self.ret, self.market_ret, window, self.threads
            )
        return self._regression[window]

    def ema(self, span: int) -> Array:
        """EMA of the closes with ``span`` (alpha = 2 / (span + 1)), from the first close."""
        if span not in self._ema:
            self._ema[span] = rolling.ewm(self.close, 2.0 / (span + 1.0), 1, self.threads)
        return self._ema[span]

    def macd_lines(self, fast: int, slow: int, signal: int) -> tuple[Array, Array]:
        """MACD line (valid from ``slow`` sessions on) and its signal line, in price units."""
        line = self.ema(fast) - self.ema(slow)
        started = rolling.ewm(
            self.close, 1.0, slow, self.threads
        )  # NaN until `slow` closes since a (re)start
        line[np.isnan(started)] = np.nan
        return line, rolling.ewm(line, 2.0 / (signal + 1.0), signal, self.threads)

    def release(self, keep: frozenset[str]) -> None:
        """Forget the derived series not named in ``keep`` (see :data:`USES`)."""
        for name in _CACHED:
            if name not in keep:
                self.__dict__.pop(name, None)
        if "regression" not in keep:
            self._regression.clear()
        if "ema" not in keep:
            self._ema.clear()


_CACHED = ("ret", "logret", "market_ret", "log_volume", "illiquidity", "down_squared")


def _moments(x: TechInputs, series: Array, window: int, what: int) -> Array:
    return rolling.rolling_moments(series, window, 1, what, x.threads)[0]


def _momentum(x: TechInputs, spec: FeatureSpec) -> Array:
    return lagged_ratio(x.close, spec.skip, spec.window)


def _reversal(x: TechInputs, spec: FeatureSpec) -> Array:
    out = lagged_ratio(x.close, spec.skip, spec.window)
    np.negative(out, out=out)
    return out


def _volatility(x: TechInputs, spec: FeatureSpec) -> Array:
    return _moments(x, x.logret, spec.window, rolling.STD)


def _downside_vol(x: TechInputs, spec: FeatureSpec) -> Array:
    return _moments(x, x.down_squared, spec.window, rolling.ROOT_MEAN)


def _zscore(x: TechInputs, spec: FeatureSpec) -> Array:
    return _moments(x, x.close, spec.window, rolling.ZSCORE)


def _beta(x: TechInputs, spec: FeatureSpec) -> Array:
    return x.regression(spec.window)[0]


def _idio_vol(x: TechInputs, spec: FeatureSpec) -> Array:
    return x.regression(spec.window)[1]


def _rsi(x: TechInputs, spec: FeatureSpec) -> Array:
    return rolling.rsi(x.close, spec.window, x.threads)


def _macd(x: TechInputs, spec: FeatureSpec) -> Array:
    line, signal = x.macd_lines(spec.fast, spec.window, spec.signal)
    value = {
        FeatureKind.MACD: line,
        FeatureKind.MACD_SIGNAL: signal,
        FeatureKind.MACD_HIST: line - signal,
    }[spec.kind]
    return value / x.close


def _volume_z(x: TechInputs, spec: FeatureSpec) -> Array:
    return _moments(x, x.log_volume, spec.window, rolling.ZSCORE)


def _amihud(x: TechInputs, spec: FeatureSpec) -> Array:
    return _moments(x, x.illiquidity, spec.window, rolling.MEAN)


#: Kernel registry: technical feature kind -> function of (inputs, spec) returning a panel.
TECHNICAL: dict[FeatureKind, Callable[[TechInputs, FeatureSpec], Array]] = {
    FeatureKind.MOMENTUM: _momentum,
    FeatureKind.REVERSAL: _reversal,
    FeatureKind.VOLATILITY: _volatility,
    FeatureKind.DOWNSIDE_VOL: _downside_vol,
    FeatureKind.ZSCORE: _zscore,
    FeatureKind.BETA: _beta,
    FeatureKind.IDIO_VOL: _idio_vol,
    FeatureKind.RSI: _rsi,
    FeatureKind.MACD: _macd,
    FeatureKind.MACD_SIGNAL: _macd,
    FeatureKind.MACD_HIST: _macd,
    FeatureKind.VOLUME_Z: _volume_z,
    FeatureKind.AMIHUD: _amihud,
}


_LOGRET, _BETA = frozenset({"ret", "logret"}), frozenset({"ret", "market_ret", "regression"})
#: Derived series of :class:`TechInputs` each kind reads, with what they are computed from.
USES: dict[FeatureKind, frozenset[str]] = {
    FeatureKind.VOLATILITY: _LOGRET,
    FeatureKind.DOWNSIDE_VOL: _LOGRET | {"down_squared"},
    FeatureKind.BETA: _BETA,
    FeatureKind.IDIO_VOL: _BETA,
    FeatureKind.MACD: frozenset({"ema"}),
    FeatureKind.MACD_SIGNAL: frozenset({"ema"}),
    FeatureKind.MACD_HIST: frozenset({"ema"}),
    FeatureKind.VOLUME_Z: frozenset({"log_volume"}),
    FeatureKind.AMIHUD: frozenset({"ret", "illiquidity"}),
}


def technical_block(
    specs: Sequence[FeatureSpec], threads: int = 1
) -> Callable[..., dict[str, Array]]:
    """Return a block function computing ``specs`` from panels ``close`` (and ``volume``).

    The result suits :meth:`mi_kernel.features.sessions.Sessions.apply`; its rolling
    kernels split the symbols over ``threads`` threads.
    """

    # Features reading derived series first, each series forgotten after its last reader, so
    # the block's peak is its outputs plus about one series (the values do not depend on the
    # order: every kernel reads only the inputs).
    order = sorted(specs, key=lambda s: not USES.get(s.kind))
    later = [
        frozenset().union(*(USES.get(s.kind, frozenset()) for s in order[i + 1 :]))
        for i in range(len(order))
    ]

    def block(panels: Mapping[str, Array], level: Array) -> dict[str, Array]:
        inputs = TechInputs(panels["close"], panels.get("volume"), level, threads)
        values = {}
        for spec, keep in zip(order, later, strict=True):
            values[spec.name] = TECHNICAL[spec.kind](inputs, spec)
            inputs.release(keep)
        return {s.name: values[s.name] for s in specs}

    return block
