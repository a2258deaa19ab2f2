"""The peers of the backtest-engine benchmark: vectorbt, backtrader and bt on shared inputs.

Each function takes the arrays built once by ``backtest_engine.py`` (same prices, same signal
arrays, same target weights) and returns the peer's result in one form: per-sleeve final
values (SMA sleeves) or the final book value (momentum). Timing is the caller's business.

vectorbt 1.0.0 does not import with plotly 7 (its default template names mapbox properties
plotly 7 removed); :func:`import_vectorbt` installs a ``Template`` subclass that drops
every key containing "mapbox" before vectorbt builds its templates. Nothing else changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

FEE = 0.001  # 10 bps of notional, every peer


def import_vectorbt() -> Any:
    """Import vectorbt under plotly 7 (see the module docstring) and return the module."""
    import plotly.graph_objs as go

    base = go.layout.Template

    def strip(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if "mapbox" not in k}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj

    if not getattr(base, "_mapbox_free", False):

        class Template(base):  # type: ignore[misc, valid-type]
            _mapbox_free = True

            def __init__(self, arg: Any = None, **kw: Any) -> None:
                super().__init__(strip(arg), **kw)

        go.layout.Template = Template
    import vectorbt as vbt

    return vbt


# -- vectorbt -----------------------------------------------------------------------------
def vbt_sma(vbt: Any, d: dict[str, Any]) -> Any:
    """``Portfolio.from_signals``: one column per symbol, its own cash (no cash sharing)."""
    return vbt.Portfolio.from_signals(
        d["close_df"], d["entries"], d["exits"], fees=FEE, init_cash=d["sleeve"], freq="1D"
    )


def vbt_momentum(vbt: Any, d: dict[str, Any]) -> Any:
    """``Portfolio.from_orders`` with target-percent sizes, one group sharing its cash."""
    return vbt.Portfolio.from_orders(
        d["close_df"],
        size=d["mom_wide"],
        size_type="targetpercent",
        group_by=True,
        cash_sharing=True,
        call_seq="auto",
        fees=FEE,
        init_cash=d["capital"],
        freq="1D",
    )


# -- backtrader ---------------------------------------------------------------------------
def backtrader_sma(d: dict[str, Any]) -> dict[str, Any]:
    """One strategy over N feeds; each feed is a sleeve of capital / N, filled at the close.

    ``cheat_on_close`` fills a market order at the close of the bar that issued it (the
    order is processed on the next bar, at the issuing bar's close), the same price
    vectorbt and ours use with lag 0. A buy spends the sleeve's cash including the
    commission: size = cash / (close x (1 + fee)), vectorbt's rule.
    """
    import backtrader as btr

    class Feed(btr.feeds.PandasData):  # type: ignore[misc]
        lines = ("entry", "exit")
        params = (("entry", -1), ("exit", -1), ("openinterest", None))

    class SmaSleeves(btr.Strategy):  # type: ignore[misc]
        params = (("sleeve", 1.0), ("fee", FEE))

        def __init__(self) -> None:
            n = len(self.datas)
            self.cash = [self.p.sleeve] * n
            self.held = [False] * n
            self.col = {data._name: j for j, data in enumerate(self.datas)}
            self.final: list[float] = []

        def next(self) -> None:
            for j, data in enumerate(self.datas):
                if data.entry[0] > 0.5 and not self.held[j]:
                    size = self.cash[j] / (data.close[0] * (1.0 + self.p.fee))
                    self.buy(data=data, size=size)
                    self.held[j] = True
                elif data.exit[0] > 0.5 and self.held[j]:
                    self.close(data=data)
                    self.held[j] = False

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                ex = order.executed
                self.cash[self.col[order.data._name]] -= ex.size * ex.price + ex.comm

        def stop(self) -> None:
            self.final = [
                self.cash[j] + self.getposition(data).size * data.close[0]
                for j, data in enumerate(self.datas)
            ]

    cerebro = btr.Cerebro(stdstats=False)
    cerebro.broker.setcash(d["capital"])
    cerebro.broker.set_coc(True)
    cerebro.broker.set_checksubmit(False)
    cerebro.broker.setcommission(commission=FEE)
    naive = d["dates"].tz_convert(None)
    for j, sym in enumerate(d["symbols"]):
        frame = pd.DataFrame(
            {
                "open": d["open"][:, j],
                "high": d["high"][:, j],
                "low": d["low"][:, j],
                "close": d["close"][:, j],
                "volume": d["volume"][:, j],
                "entry": d["entries"].to_numpy()[:, j].astype(float),
                "exit": d["exits"].to_numpy()[:, j].astype(float),
            },
            index=naive,
        )
        cerebro.adddata(Feed(dataname=frame), name=sym)
    cerebro.addstrategy(SmaSleeves, sleeve=d["sleeve"])
    strat = cerebro.run()[0]
    return {"sleeves": strat.final, "total": cerebro.broker.getvalue()}


# -- bt -----------------------------------------------------------------------------------
def _bt_prices(d: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(d["close"], index=d["dates"].tz_convert(None), columns=d["symbols"])


def bt_sma(d: dict[str, Any]) -> dict[str, Any]:
    """A parent giving each of N child strategies 1 / N once; a child trades its symbol.

    A child's ``WeighTarget`` holds its symbol's 1.0 (entry) / 0.0 (exit) rows only, so it
    rebalances on signal bars and nowhere else; ``Rebalance`` spends the child's whole
    value including the commission (bt solves outlay = amount), as vectorbt does.
    """
    import bt

    prices = _bt_prices(d)
    target = d["sma_target"]
    children = []
    for j, sym in enumerate(d["symbols"]):
        w = pd.DataFrame({sym: target[:, j]}, index=prices.index).dropna()
        algos = [bt.algos.WeighTarget(w), bt.algos.Rebalance()]
        children.append(bt.Strategy(f"sleeve_{sym}", algos))
    share = {c.name: 1.0 / len(children) for c in children}
    parent = bt.Strategy(
        "sma_sleeves",
        [bt.algos.RunOnce(), bt.algos.WeighSpecified(**share), bt.algos.Rebalance()],
        children=children,
    )
    test = bt.Backtest(
        parent,
        prices,
        initial_capital=d["capital"],
        commissions=lambda q, p: abs(q) * p * FEE,
        integer_positions=False,
    )
    res = bt.run(test)
    strat = res.backtests["sma_sleeves"].strategy
    sleeves = [strat.children[f"sleeve_{sym}"].value for sym in d["symbols"]]
    return {"sleeves": sleeves, "total": strat.value}


def bt_momentum(d: dict[str, Any]) -> dict[str, Any]:
    """Month-end rebalance to equal weights on the symbols ours selected (top decile)."""
    import bt

    prices = _bt_prices(d)
    selected = pd.DataFrame(
        np.nan_to_num(d["mom_wide"].to_numpy()) > 0, index=prices.index, columns=d["symbols"]
    )
    strat = bt.Strategy(
        "momentum",
        [
            bt.algos.RunMonthly(run_on_end_of_period=True),
            bt.algos.SelectWhere(selected),
            bt.algos.WeighEqually(),
            bt.algos.Rebalance(),
        ],
    )
    test = bt.Backtest(
        strat,
        prices,
        initial_capital=d["capital"],
        commissions=lambda q, p: abs(q) * p * FEE,
        integer_positions=False,
    )
    res = bt.run(test)
    return {"total": res.backtests["momentum"].strategy.value}
