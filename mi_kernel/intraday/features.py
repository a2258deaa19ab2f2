"""Streaming features: the rolling factors of a recipe, updated one bar at a time.

:class:`StreamingFeatures` keeps, per symbol, the last few closes and log volumes and the
recursive state of Wilder's RSI, and computes each feature for the bars just emitted. It
implements the batch definitions of :mod:`mi_kernel.features.technical` (windows count the
symbol's own bars; a value is NaN until the window is full), so on the same bars it gives
what ``features.compute_features(bars, recipe)`` gives (tested to 1e-9). Kinds it supports:
momentum, reversal, volatility, zscore, rsi, volume_z. :meth:`StreamingFeatures.peek` gives
the features of provisional bars (as if they closed now) without moving the state.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mi_kernel.errors import ConfigError
from mi_kernel.features import Recipe
from mi_kernel.features import specs as S
from mi_kernel.features.specs import FeatureKind, FeatureSpec

#: The intraday recipe: short-horizon factors over N-minute bars (windows in bars).
INTRADAY = Recipe(
    name="intraday",
    version="1",
    features=(
        S.momentum(5),
        S.momentum(15),
        S.reversal(1),
        S.volatility(15),
        S.zscore(20),
        S.rsi(14),
        S.volume_z(20),
    ),
    ranks=False,
    description="short-horizon technical factors over intraday bars (windows in bars)",
)
SUPPORTED = frozenset(
    {FeatureKind.MOMENTUM, FeatureKind.REVERSAL, FeatureKind.VOLATILITY, FeatureKind.ZSCORE,
     FeatureKind.RSI, FeatureKind.VOLUME_Z}
)  # fmt: skip


def _rows_needed(spec: FeatureSpec) -> int:
    if spec.kind in (FeatureKind.MOMENTUM, FeatureKind.REVERSAL, FeatureKind.VOLATILITY):
        return spec.window + 1
    return spec.window if spec.kind != FeatureKind.RSI else 2


def _std(x: np.ndarray) -> np.ndarray:
    """Row-wise sample std (ddof=1) with exactly 0 for a constant row (as the batch kernel)."""
    sd = x.std(axis=1, ddof=1)
    return np.where((x == x[:, :1]).all(axis=1), 0.0, sd)


class StreamingFeatures:
    """Per-symbol rolling state of a recipe's technical features.

    Parameters
    ----------
    n_symbols : int
        Symbols are indices ``0 .. n_symbols - 1``.
    recipe : Recipe
        Its features must be of the supported kinds; cross-sectional transforms are not
        computed here (``ranks=False``).
    """

    def __init__(self, n_symbols: int, recipe: Recipe = INTRADAY) -> None:
        bad = [f.name for f in recipe.features if f.kind not in SUPPORTED]
        if bad or recipe.transforms:
            raise ConfigError(
                f"recipe {recipe.name!r} cannot be computed bar by bar: features {bad} and "
                f"transforms {recipe.transforms}; use the kinds {sorted(SUPPORTED)}, ranks=False"
            )
        self.recipe = recipe
        self.specs: Sequence[FeatureSpec] = recipe.features
        self.depth = max(_rows_needed(s) for s in self.specs)
        self.close = np.full((n_symbols, self.depth), np.nan)
        self.logvol = np.full((n_symbols, self.depth), np.nan)
        self.count = np.zeros(n_symbols, np.int64)
        rsi = sorted({s.window for s in self.specs if s.kind == FeatureKind.RSI})
        self.rsi_windows = rsi
        self.rsi = np.zeros((len(rsi), 3, n_symbols))  # gain, loss, changes seen

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    def state(self) -> dict[str, np.ndarray]:
        return {k: getattr(self, k).copy() for k in ("close", "logvol", "count", "rsi")}

    def restore(self, state: dict[str, np.ndarray]) -> StreamingFeatures:
        for k, v in state.items():
            setattr(self, k, np.array(v))
        return self

    def update(self, bars: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Take emitted bars (columns ``ts``, ``symbol``, ``close``, ``volume``; in time
        order per symbol) and return their features: ``ts``, ``symbol`` and one column per
        feature, row for row."""
        n = len(bars["ts"])
        out = {name: np.full(n, np.nan) for name in self.names}
        ts = np.asarray(bars["ts"])
        for t in np.unique(ts):  # one step per bar time; symbols are unique within it
            rows = np.flatnonzero(ts == t)
            sym = np.asarray(bars["symbol"])[rows]
            self._push(sym, np.asarray(bars["close"])[rows], np.asarray(bars["volume"])[rows])
            for name, values in self._values(sym).items():
                out[name][rows] = values
        return {"ts": ts, "symbol": np.asarray(bars["symbol"]), **out}

    def peek(self, bars: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Return the features :meth:`update` would give for ``bars`` (provisional bars: as if
        they closed now) and leave the state as it was."""
        saved = self.state()
        try:
            return self.update(bars)
        finally:
            self.restore(saved)

    def _push(self, sym: np.ndarray, close: np.ndarray, volume: np.ndarray) -> None:
        prev = self.close[sym, -1]
        self.close[sym, :-1] = self.close[sym, 1:]
        self.close[sym, -1] = np.where((close > 0) & np.isfinite(close), close, np.nan)
        self.logvol[sym, :-1] = self.logvol[sym, 1:]
        self.logvol[sym, -1] = np.log1p(np.where(volume >= 0, volume, np.nan))
        self.count[sym] += 1
        d = self.close[sym, -1] - prev
        for i, w in enumerate(self.rsi_windows):
            gain, loss, seen = self.rsi[i, 0, sym], self.rsi[i, 1, sym], self.rsi[i, 2, sym]
            ok = np.isfinite(d)
            up, down = np.where(d > 0, d, 0.0), np.where(d < 0, -d, 0.0)
            seen = np.where(ok, seen + 1, 0)
            seeding = seen <= w
            gain = np.where(seeding, gain + up / w, (gain * (w - 1) + up) / w)
            loss = np.where(seeding, loss + down / w, (loss * (w - 1) + down) / w)
            self.rsi[i, 0, sym] = np.where(ok, gain, 0.0)
            self.rsi[i, 1, sym] = np.where(ok, loss, 0.0)
            self.rsi[i, 2, sym] = seen

    def _values(self, sym: np.ndarray) -> dict[str, np.ndarray]:
        c, lv, count = self.close[sym], self.logvol[sym], self.count[sym]
        out = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            for s in self.specs:
                if s.kind in (FeatureKind.MOMENTUM, FeatureKind.REVERSAL):
                    v = c[:, -1 - s.skip] / c[:, -1 - s.window] - 1.0
                    v = -v if s.kind == FeatureKind.REVERSAL else v
                    v = np.where(count > s.window, v, np.nan)
                elif s.kind == FeatureKind.VOLATILITY:
                    r = np.log(c[:, -s.window :] / c[:, -s.window - 1 : -1])
                    v = np.where(count > s.window, _std(r), np.nan)
                elif s.kind == FeatureKind.RSI:
                    i = self.rsi_windows.index(s.window)
                    gain, loss, seen = self.rsi[i, 0, sym], self.rsi[i, 1, sym], self.rsi[i, 2, sym]
                    v = np.where(loss > 0, 100.0 - 100.0 / (1.0 + gain / loss),
                                 np.where(gain > 0, 100.0, 50.0))  # fmt: skip
                    v = np.where(seen >= s.window, v, np.nan)
                else:
                    x = (c if s.kind == FeatureKind.ZSCORE else lv)[:, -s.window :]
                    sd = _std(x)
                    v = np.where(sd > 0, (x[:, -1] - x.mean(axis=1)) / sd, np.nan)
                    v = np.where(count >= s.window, v, np.nan)
                out[s.name] = v
        return out
