"""The intraday live view: a Panel app following a replayed session as it streams.

Each browser session replays a synthetic session (``n_symbols`` names, the market's last day)
at ``speed`` times real time through the in-process bus (:class:`~mi_kernel.intraday.live.
LiveReplay`: the same consume path as ``mi run intraday``) and shows, updated twice a second:
the ingest counters and the watermark, one symbol's bars (close and VWAP, and the open bar's
provisional close as a marker), the latest features per symbol (from the online store) and
the latest signals, each row marked ``final`` or ``provisional`` (the open bar as of its
``as of`` time, every 10 s of event time; its final row replaces it). The model is the ridge
trained on the previous session's replay, and the page says it is not approved. Served
offline (``pn.extension(inline=True)``) by ``dashboards/intraday_live.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from mi_kernel.data.synthetic import SyntheticConfig, TickConfig, session_ticks
from mi_kernel.intraday import (
    INTRADAY,
    IntradayStream,
    MemoryOnlineStore,
    Step,
    StreamConfig,
    choose_model,
    frame,
    replay_session,
    session_days,
)
from mi_kernel.intraday.live import LiveReplay

COUNTERS = ("accepted", "duplicate", "dead", "quarantined", "corrected")


class LiveState:
    """What the view shows, collected from the stream's steps (called from its thread)."""

    def __init__(self, symbols: list[str]) -> None:
        self.symbols = symbols
        self.pending: list[Step] = []
        self.counts = dict.fromkeys(COUNTERS, 0)

    def collect(self, step: Step) -> None:
        self.pending.append(step)  # list.append is atomic; drained by the server's thread

    def drain(self) -> dict[str, pd.DataFrame]:
        steps, self.pending = self.pending, []
        out: dict[str, list[pd.DataFrame]] = {
            "bars": [], "signals": [], "provisional_bars": [], "provisional_signals": []
        }  # fmt: skip
        for step in steps:
            for k in COUNTERS:
                self.counts[k] += step.counts.get(k, 0)
            for name in out:
                if name in step.tables:
                    out[name].append(frame(step.tables[name], self.symbols))
        return {k: pd.concat(v, ignore_index=True) for k, v in out.items() if v}


def _start(n_symbols: int, speed: float, ticks: TickConfig) -> tuple[LiveReplay, Any, str, Any]:
    history, today = session_days(SyntheticConfig(n_symbols=n_symbols), "", count=2)
    folder = Path(tempfile.mkdtemp(prefix="mi-live-"))
    past = replay_session(history, folder, ticks, batch_ms=1000.0)
    names = [f.name for f in INTRADAY.features]
    model, note = choose_model(folder / "no-ledger.jsonl", past.tables["features"],
                               past.tables["bars"], names, 5)  # fmt: skip
    date = pd.Timestamp(today["ts"].iloc[0])
    online = MemoryOnlineStore(ttl_s=3600)
    stream = IntradayStream(today["symbol"].tolist(), ticks.session_open(date), ticks.minutes,
                            StreamConfig(), model, online)  # fmt: skip
    live = LiveReplay(session_ticks(today, date, ticks), stream, speed=speed)
    return live, online, note, stream


class LiveView:
    """The widgets of one browser session and how a tick of the server updates them."""

    def __init__(self, live: LiveReplay, online: Any, stream: IntradayStream) -> None:
        import panel as pn
        from bokeh.models import ColumnDataSource
        from bokeh.plotting import figure

        self.live, self.online, self.stream = live, online, stream
        self.state = LiveState(stream.symbols)
        stream.listeners.append(self.state.collect)
        self.bars: list[pd.DataFrame] = []
        self.pick = pn.widgets.Select(name="symbol", options=stream.symbols,
                                      value=stream.symbols[0])  # fmt: skip
        self.source = ColumnDataSource({"ts": [], "close": [], "vwap": []})
        opts: dict[str, Any] = {"x_axis_type": "datetime", "height": 300,
                                "title": "close and VWAP"}  # fmt: skip
        opts["sizing_mode"] = "stretch_width"
        self.fig = figure(**opts)
        self.fig.line("ts", "close", source=self.source, legend_label="close", line_width=2)
        self.fig.line("ts", "vwap", source=self.source, legend_label="vwap", color="orange")
        self.open_bar = ColumnDataSource({"ts": [], "close": []})
        self.fig.scatter("ts", "close", source=self.open_bar, legend_label="open bar (provisional)",
                         size=9, color="firebrick")  # fmt: skip
        self.latest: pd.DataFrame | None = None  # the latest signal per symbol, final or not
        self.counters = pn.pane.Markdown("waiting for the first bars ...")
        # plain HTML tables: read-only, and replaced twice a second. (Tabulator's JavaScript
        # races a data update against its first render: "reading 'firstChild'" of null.)
        table = {"index": False, "height": 320, "sizing_mode": "stretch_width"}
        self.features = pn.pane.DataFrame(pd.DataFrame(), **table)
        self.signals = pn.pane.DataFrame(pd.DataFrame(), **table)
        self.pick.param.watch(self.redraw_symbol, "value")

    @staticmethod
    def _columns(bars: pd.DataFrame) -> dict[str, Any]:
        return {c: bars[c].to_numpy() for c in ("ts", "close", "vwap")}

    def redraw_symbol(self, *_: Any) -> None:
        mine = [b[b["symbol"] == self.pick.value] for b in self.bars]
        data = pd.concat(mine) if mine else pd.DataFrame(columns=["ts", "close", "vwap"])
        self.source.data = self._columns(data)
        self.open_bar.data = {"ts": [], "close": []}

    def tick(self) -> None:
        """Show what the stream produced since the last tick."""
        new = self.state.drain()
        if "bars" in new:
            self.bars.append(new["bars"][["ts", "symbol", "close", "vwap"]])
            mine = new["bars"][new["bars"]["symbol"] == self.pick.value]
            if len(mine):
                self.source.stream(self._columns(mine))
        if "provisional_bars" in new:
            mine = new["provisional_bars"][new["provisional_bars"]["symbol"] == self.pick.value]
            if len(mine):
                self.open_bar.data = {"ts": mine["ts"].iloc[-1:], "close": mine["close"].iloc[-1:]}
        self._signals(new)
        rows = [r for r in (self.online.get(s) for s in self.stream.symbols) if r is not None]
        if rows:
            table = pd.DataFrame(rows)
            table.insert(2, "bar", _marks(table))
            self.features.object = table[["symbol", "ts", "bar", *INTRADAY.columns]].round(4)
        wm = self.stream.builder.watermark
        wm_text = pd.Timestamp(wm, tz="UTC").strftime("%H:%M:%S") if wm > 0 else "-"
        counts = " · ".join(f"{k}: {v:,}" for k, v in self.state.counts.items())
        n_bars = sum(map(len, self.bars))
        done = "" if self.live.running else " · replay finished"
        self.counters.object = f"watermark: {wm_text} UTC · bars: {n_bars:,} · {counts}{done}"

    def _signals(self, new: dict[str, pd.DataFrame]) -> None:
        """Keep the newest bar's signal per symbol, a final one over a provisional one."""
        parts = [
            new[name].assign(bar=state)
            for name, state in (("signals", "final"), ("provisional_signals", "provisional"))
            if name in new
        ]
        if not parts:
            return
        if self.latest is not None:
            parts.insert(0, self.latest)
        both = pd.concat(parts, ignore_index=True)
        both["_final"] = both["bar"] == "final"
        both = both.sort_values(["ts", "_final"], kind="stable")
        self.latest = both.drop_duplicates("symbol", keep="last").drop(columns="_final")
        cols = ["ts", "symbol", "bar", "score", "confidence", "top_features"]
        self.signals.object = self.latest.sort_values("symbol")[cols].round(6)

    def layout(self, note: str) -> Any:
        import panel as pn

        return pn.Column(
            pn.pane.Markdown("## mi · intraday live replay"),
            pn.pane.Markdown(f"**Model.** {note}"),
            self.counters,
            self.pick,
            pn.pane.Bokeh(self.fig, sizing_mode="stretch_width"),
            pn.Row(
                pn.Column(
                    "### Latest features (online store; provisional = the open bar)", self.features
                ),
                pn.Column("### Latest signals", self.signals),
            ),
            sizing_mode="stretch_width",
        )


def _marks(rows: pd.DataFrame) -> pd.Series:
    """``final``, or ``provisional as of HH:MM:SS`` (the largest event time in the bar)."""
    if "provisional" not in rows or "ts_as_of" not in rows:
        return pd.Series("final", index=rows.index)
    as_of = pd.to_datetime(rows["ts_as_of"], utc=True).dt.strftime("%H:%M:%S")
    prov = rows["provisional"].fillna(False).astype(bool)
    return ("provisional as of " + as_of).where(prov, "final")


def build_intraday_live(n_symbols: int = 20, speed: float = 300.0) -> Any:
    """Return the live view (a Panel column) and start its replay."""
    import panel as pn

    pn.extension(inline=True)
    live, online, note, stream = _start(n_symbols, speed, TickConfig(trades_per_day=400))
    view = LiveView(live, online, stream)
    live.start()
    callback = pn.state.add_periodic_callback(view.tick, period=500)

    def stop(_ctx: Any) -> None:
        callback.stop()
        live.stop()

    pn.state.on_session_destroyed(stop)
    return view.layout(note)


__all__ = ["LiveState", "LiveView", "build_intraday_live"]
