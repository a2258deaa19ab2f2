"""The Portfolio Console: what-if on a sealed run's book (dashboards/portfolio_console.py).

Change the optimizer, the covariance, the limits or the cost assumptions, re-optimise, and see
weights, risk, exposures, stress, turnover and expected costs move against the run's own
book; see how the cost of the book grows with its size. A what-if is computed in memory
(:mod:`mi_kernel.backtest.whatif`); the sealed run is only read. "Save" writes it as a new,
sealed ad-hoc run that records what it was built from.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mi_kernel.backtest import whatif as wi
from mi_kernel.errors import MIError
from mi_kernel.runstore import RunStore

#: (runs root, run id, capital) -> the run's inputs and its book re-measured. Sealed runs never
#: change, so every session of the server shares them (the page opens without recomputing).
_BASES: dict[tuple[str, str, float], tuple[wi.WhatIfInputs, wi.WhatIf]] = {}


def base_of(store: RunStore, run_id: str, capital: float) -> tuple[wi.WhatIfInputs, wi.WhatIf]:
    """The run's what-if inputs and its own book re-measured (cached per sealed run)."""
    key = (str(store.root), run_id, capital)
    if key not in _BASES:
        inputs = wi.load_inputs(store, run_id, capital=capital)
        _BASES[key] = (inputs, wi.what_if(inputs))
    return _BASES[key]


def book_runs(store: RunStore) -> list[str]:
    """Sealed runs that built a book from signals, newest first."""
    return [m.run_id for m in store.having("portfolio/targets.parquet", "signals/latest.json")]


def weights_frame(result: wi.WhatIf, base: pd.Series, n: int = 12) -> pd.DataFrame:
    """The largest positions of the what-if next to the run's book (long form, for bars)."""
    both = pd.DataFrame({"what-if": result.weights, "run's book": base}).fillna(0.0)
    top = both["what-if"].abs().sort_values(ascending=False).index[:n]
    out = both.loc[top].rename_axis("symbol").reset_index()
    return out.melt(id_vars="symbol", var_name="book", value_name="weight")


def _table(df: pd.DataFrame, index: bool = False) -> Any:
    """A small static table (every column shown, numbers as formatted)."""
    import panel as pn

    return pn.pane.DataFrame(df, index=index, sizing_mode="fixed", float_format="{:,.4f}".format)


class PortfolioConsole:
    """State and widgets of the console for one runs root."""

    def __init__(self, store: RunStore) -> None:
        import panel as pn

        from mi_kernel.portfolio import COVARIANCES, OPTIMIZERS

        self.store = store
        runs = book_runs(store)
        self.run = pn.widgets.Select(label="Run", options=runs, value=runs[0] if runs else None)
        self.method = pn.widgets.Select(
            label="Optimizer", options=sorted(str(getattr(m, "value", m)) for m in OPTIMIZERS)
        )
        self.covariance = pn.widgets.Select(
            label="Covariance", options=sorted(str(getattr(c, "value", c)) for c in COVARIANCES)
        )
        self.long_only = pn.widgets.Checkbox(label="Long only (fully invested)")
        self.max_position = pn.widgets.FloatSlider(
            label="Max position", start=0.005, end=0.2, step=0.005, value=0.02
        )
        self.preselect = pn.widgets.FloatSlider(
            label="Share of scored names kept per side", start=0.05, end=1.0, step=0.05, value=0.2
        )
        self.spread = pn.widgets.FloatInput(label="Spread (bps)", value=5.0, step=1.0, start=0.0)
        self.commission = pn.widgets.FloatInput(
            label="Commission (bps)", value=1.0, step=0.5, start=0.0
        )
        self.impact = pn.widgets.FloatInput(
            label="Impact coefficient", value=0.1, step=0.05, start=0.0
        )
        self.capital = pn.widgets.Select(
            label="Capital", options={"1 million": 1e6, "10 million": 1e7, "100 million": 1e8}
        )
        self.go = pn.widgets.Button(label="Re-optimise", button_type="primary")
        self.note = pn.widgets.TextInput(label="Note for the saved run", placeholder="why")
        self.save = pn.widgets.Button(label="Save as a new run", button_type="default")
        self.message = pn.pane.Alert("", alert_type="light", visible=False)
        self.body = pn.Column(sizing_mode="stretch_width")
        self.inputs: wi.WhatIfInputs | None = None
        self.base: wi.WhatIf | None = None
        self.result: wi.WhatIf | None = None
        self.run.param.watch(lambda e: self.load(), "value")
        self.capital.param.watch(lambda e: self.load(), "value")
        self.go.on_click(lambda e: self.recompute())
        self.save.on_click(lambda e: self.save_run())

    def side(self) -> list[Any]:
        return [
            "## Portfolio what-if",
            self.run,
            self.capital,
            "**Construction**",
            self.method,
            self.covariance,
            self.long_only,
            self.max_position,
            self.preselect,
            "**Cost assumptions**",
            self.commission,
            self.spread,
            self.impact,
            self.go,
            "---",
            self.note,
            self.save,
        ]

    def _say(self, text: str, kind: Any = "info") -> None:
        self.message.object, self.message.alert_type, self.message.visible = text, kind, True

    def load(self) -> None:
        """Read the chosen run's inputs; set the widgets to the run's own choices."""
        if not self.run.value:
            self._say(f"No sealed run with a book under `{self.store.root}`: `make demo`.")
            return
        self.inputs, self.base = base_of(self.store, self.run.value, float(self.capital.value))
        d = self.inputs.definition
        if d.optimizer is not None:
            self.method.value = str(d.optimizer.method)
            self.covariance.value = str(d.optimizer.covariance)
            self.long_only.value = bool(d.optimizer.long_only)
            self.preselect.value = float(d.optimizer.preselect or 1.0)
        self.max_position.value = float(d.max_position)
        c = self.inputs.costs
        self.spread.value, self.commission.value = c.spread_bps, c.commission_bps
        self.impact.value = c.impact_coef
        self.result = self.base
        self._say(
            f"Run `{self.run.value}`: its book re-measured. Change the construction or the "
            "costs and re-optimise; the run itself is only read.",
            "light",
        )
        self.render()

    def changes(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "covariance": self.covariance.value,
            "long_only": self.long_only.value,
            "max_position": self.max_position.value,
            "preselect": self.preselect.value,
        }

    def costs(self) -> dict[str, float]:
        return {
            "spread_bps": float(self.spread.value or 0.0),
            "commission_bps": float(self.commission.value or 0.0),
            "impact_coef": float(self.impact.value or 0.0),
        }

    def recompute(self) -> None:
        if self.inputs is None:
            return
        try:
            self.result = wi.what_if(self.inputs, self.changes(), self.costs())
        except MIError as exc:
            self._say(f"Not re-optimised: {exc}", "warning")
            return
        self._say(
            f"What-if: {self.method.value} on {self.covariance.value}, max position "
            f"{self.max_position.value:.1%}{', long only' if self.long_only.value else ''}.",
            "success",
        )
        self.render()

    def save_run(self) -> None:
        if self.inputs is None or self.result is None:
            return
        try:
            run_id = wi.save_what_if(self.store, self.inputs, self.result, self.note.value or "")
        except MIError as exc:
            self._say(f"Not saved: {exc}", "danger")
            return
        self._say(f"Saved as run `{run_id}` (sealed; based on `{self.inputs.run_id}`).", "success")

    def render(self) -> None:
        import hvplot.pandas  # noqa: F401
        import panel as pn

        assert self.inputs is not None and self.result is not None
        inp, res = self.inputs, self.result
        bars = weights_frame(res, inp.book).hvplot.barh(
            x="symbol",
            y="weight",
            by="book",
            title="Largest positions: what-if vs the run's book",
            height=420,
            width=560,
            legend="bottom_right",
        )
        sectors = res.risk.sectors.reset_index().rename(columns={"index": "sector"})
        var = res.risk.var.pivot_table(
            index="method", columns=["horizon", "level"], values="var"
        ).round(4)
        var.columns = [f"VaR {c[0]}d {c[1]:.0%}" for c in var.columns]
        stress = res.risk.stress
        curve = wi.cost_curve(inp, res)
        cost_plot = curve.hvplot.line(
            x="capital",
            y="cost_bps",
            logx=True,
            title="Cost of building this book from cash",
            xlabel="capital",
            ylabel="bps of capital",
            height=300,
            width=520,
        ) * curve.hvplot.scatter(x="capital", y="cost_bps", logx=True)
        capacity = wi.capacity(self.store, inp.run_id)
        capacity_view: Any = (
            capacity.hvplot.line(
                x="capital",
                y="sharpe",
                logx=True,
                title="Capacity: the model's backtest Sharpe vs capital",
                height=300,
                width=520,
            )
            if len(capacity)
            else pn.pane.Markdown("_The run measured no capacity curve._")
        )
        self.body.objects = [
            pn.Row(
                pn.Column("### The book", _table(res.comparison(inp, self.base), index=True)),
                bars,
            ),
            pn.Tabs(
                (
                    "Risk",
                    pn.Column(
                        "**Value at risk, share of the book**",
                        _table(var, index=True),
                        "**Sectors**",
                        _table(sectors),
                    ),
                ),
                (
                    "Stress",
                    _table(stress, index=True)
                    if stress is not None
                    else pn.pane.Markdown("_No scenario was replayed._"),
                ),
                ("Costs and capacity", pn.Row(cost_plot, capacity_view)),
                dynamic=False,
            ),
        ]


def build_portfolio_console(store: RunStore) -> Any:
    """Return the Portfolio Console page for ``store``."""
    import panel as pn

    from mi_kernel.viz.layout import console_page

    pn.extension("tabulator", inline=True)
    console = PortfolioConsole(store)
    try:
        console.load()
    except MIError as exc:
        console._say(f"Cannot open the run: {exc}", "danger")
    body = pn.Column(console.message, console.body, sizing_mode="stretch_width")
    return console_page("portfolio_console", console.side(), body)


__all__ = ["PortfolioConsole", "book_runs", "build_portfolio_console", "weights_frame"]
