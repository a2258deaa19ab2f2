"""A plain-Python reference of the engine kernel, one event at a time.

Written from the rules in the docstring of :mod:`mi_kernel.backtest._engine` (the
specification), not from its loops: Python floats, lists and small mutable records, no NumPy
inside the bar loop and no Numba. :func:`run_reference` takes the arguments of
:func:`mi_kernel.backtest._engine.run_engine` and returns the same ten outputs, so the tests
can require the two to agree.

Each bar is one call per event of the specification, in its order: corporate actions, risk
policies, new instructions, fills (sells, then buys, then the cash-limited target buys),
delistings, carry and marking, the post-trade check. The cost formulas are the ones written
in :mod:`mi_kernel.backtest.costs`, re-typed here on scalars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mi_kernel.risk.policies import EVENT_KINDS, KERNEL_PARAMS

MARKET, LIMIT, STOP = 0, 1, 2
TARGET_ID, DELIST_ID = -1, -2
BPS = 1e-4
DUST = 1e-9  # differences below this fraction of equity are not traded
INF = math.inf
LIMIT_TOL = 1e-9  # a hard limit is breached when exceeded by more than this
EVENT = {kind: code for code, kind in enumerate(EVENT_KINDS)}  # (policy, action, measure)


# -- cost formulas (mi_kernel.backtest.costs), one fill at a time -------------------------
@dataclass(frozen=True)
class CostRates:
    """The kernel's cost parameter vector, by name."""

    per_share: float
    commission_bps: float
    minimum: float
    half_spread_bps: float
    impact_coef: float
    buy_tax_bps: float
    sell_tax_bps: float
    dividend_tax: float
    borrow_bps: float

    def fill(
        self, q: float, p: float, adv: float, sigma: float, before: float = 0.0
    ) -> list[float]:
        """Commission, half spread, impact and tax of buying ``q`` (< 0: selling) at ``p``.

        ``before``: shares the asset already traded in the bar (impact is the square-root
        law on the bar's cumulative quantity; this fill pays the increase).
        """
        a = abs(q)
        commission = max(self.per_share * a + self.commission_bps * BPS * a * p, self.minimum)
        spread = self.half_spread_bps * BPS * a * p
        impact = 0.0
        if adv > 0 and sigma > 0:
            cum = (before + a) ** 1.5 - before**1.5
            impact = self.impact_coef * sigma * p * cum / math.sqrt(adv)
        rate = self.buy_tax_bps if q > 0 else self.sell_tax_bps
        return [commission if a > 0 else 0.0, spread, impact, rate * BPS * a * p]

    def borrow(self, short_value: float, years: float) -> float:
        """Borrow fee of a short worth ``short_value`` held for ``years``."""
        return self.borrow_bps * BPS * short_value * years


# -- state --------------------------------------------------------------------------------
@dataclass
class Order:
    """An explicit order while it works (quantities signed: + buy, - sell)."""

    id: int
    asset: int
    remaining: float
    kind: int
    limit: float
    stop: float
    display: float  # > 0: an iceberg showing this many shares at a time
    until: int
    triggered: bool = False
    ahead: float = 0.0  # shares queued ahead of the displayed quantity
    shown: float = 0.0  # shares of the iceberg's current tranche still displayed

    @property
    def buy(self) -> bool:
        return self.remaining > 0


@dataclass
class Bar:
    """One asset's bar (prices NaN where there is none)."""

    open: float
    high: float
    low: float
    close: float
    volume: float
    adv: float  # ADV known before the bar; the bar's own volume where there is no history
    sigma: float
    tradable: bool


@dataclass
class Outputs:
    """What the kernel returns, collected bar by bar."""

    equity: list[float] = field(default_factory=list)
    cash: list[float] = field(default_factory=list)
    dividends: list[float] = field(default_factory=list)
    costs: list[list[float]] = field(default_factory=list)  # per bar: the five slots
    positions: list[list[float]] = field(default_factory=list)
    traded: list[float] = field(default_factory=list)
    fills: list[list[float]] = field(default_factory=list)
    unfilled: list[float] = field(default_factory=list)
    events: list[list[float]] = field(default_factory=list)  # t, code, asset, value, limit
    scale: list[float] = field(default_factory=list)
    gross: list[float] = field(default_factory=list)  # gross exposure after each bar (not out)


@dataclass
class PolicyState:
    """What the risk policies remember from bar to bar."""

    peak: float  # running peak of equity (from the initial capital)
    level: int = 0  # de-risk level: 0 = full size, k = the k-th row of the schedule
    kill_until: float | None = None  # bar the kill switch is released (inf: never); None: off
    breaker_until: float | None = None  # bar the circuit breaker lifts; None: off
    # per bar, decided by the policies for the instructions
    scale: float = 1.0
    blocked: bool = False
    flatten: bool = False


COMMISSION, SPREAD, IMPACT, TAXES, BORROW = range(5)


class ReferenceEngine:
    """The book and its working orders, advanced one bar (and one event) at a time."""

    def __init__(self, inputs: dict[str, Any]) -> None:
        self.x = {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}
        x = self.x
        self.n_t, self.n_a = len(x["close"]), len(x["close"][0]) if x["close"] else 0
        self.rates = CostRates(*x["cp"])
        books = self.n_a if x["sleeves"] else 1
        self.cash = [x["initial_capital"] / books] * books
        self.shares = [0.0] * self.n_a
        self.last_close = [math.nan] * self.n_a
        self.target = [0.0] * self.n_a  # remaining signed quantity of each target order
        self.pending = [  # explicit orders not yet arrived, by arrival bar
            Order(
                id=k,
                asset=x["o_j"][k],
                remaining=x["o_qty"][k],
                kind=x["o_type"][k],
                limit=x["o_limit"][k],
                stop=x["o_stop"][k],
                display=x["o_display"][k],
                until=x["o_until"][k],
                shown=x["o_display"][k],
            )
            for k in range(len(x["o_t"]))
        ]
        self.arrival = list(x["o_t"])
        self.working: list[Order] = []
        self.out = Outputs()
        fixed = len(KERNEL_PARAMS)  # then the de-risk schedule, (threshold, scale) pairs
        self.pol = dict(zip(KERNEL_PARAMS, x["pol"][:fixed], strict=True))
        self.schedule = list(zip(x["pol"][fixed::2], x["pol"][fixed + 1 :: 2], strict=True))
        self.policy = PolicyState(peak=x["initial_capital"])
        self.intended = [math.nan] * self.n_a  # last target weight per asset
        self.placed = [math.nan] * self.n_a  # weight of each asset's last target order
        # per bar: costs by slot, traded notional, dividends, reference prices, capacity left
        self.costs = [0.0] * 5
        self.traded = self.dividends = 0.0
        self.px = [math.nan] * self.n_a
        self.room = [0.0] * self.n_a

    # -- helpers ---------------------------------------------------------------------------
    def book_of(self, j: int) -> int:
        return j if self.x["sleeves"] else 0

    def bar(self, t: int, j: int) -> Bar:
        x = self.x
        adv = x["adv"][t][j]
        if math.isnan(adv):
            adv = x["volume"][t][j]
        return Bar(
            x["open_"][t][j],
            x["high"][t][j],
            x["low"][t][j],
            x["close"][t][j],
            x["volume"][t][j],
            adv,
            x["sigma"][t][j],
            bool(x["tradable"][t][j]),
        )

    def execute(self, t: int, j: int, order_id: int, q: float, p: float) -> None:
        """Trade ``q`` shares of asset ``j`` at ``p``: pay for them and their costs, record."""
        b = self.bar(t, j)
        fees = self.rates.fill(q, p, b.adv, b.sigma, self.bar_traded[j])
        self.bar_traded[j] += abs(q)
        self.cash[self.book_of(j)] -= q * p + sum(fees)
        self.shares[j] += q
        for slot, fee in enumerate(fees):
            self.costs[slot] += fee
        self.traded += abs(q * p)
        self.out.fills.append([t, j, order_id, q, p, *fees, 0.0])

    # -- the bar ---------------------------------------------------------------------------
    def run(self) -> tuple[np.ndarray, ...]:
        for t in range(self.n_t):
            self.costs = [0.0] * 5
            self.traded = 0.0
            self.bar_traded = [0.0] * self.n_a
            self.dividends = 0.0
            self.corporate_actions(t)
            self.risk_policies(t)
            self.new_instructions(t)
            self.fills(t)
            self.delistings(t)
            self.carry_and_mark(t)
            self.post_trade_check(t)
        o = self.out
        return (
            np.array(o.equity, dtype=float),
            np.array(o.cash, dtype=float),
            np.array(o.dividends, dtype=float),
            np.array(o.costs, dtype=float).reshape(self.n_t, 5).T,
            np.array(o.positions, dtype=float).reshape(self.n_t, self.n_a),
            np.array(o.traded, dtype=float),
            np.array(o.fills, dtype=float).reshape(len(o.fills), 10),
            np.array(o.unfilled, dtype=float),
            np.array(o.events, dtype=float).reshape(len(o.events), 5),
            np.array(o.scale, dtype=float),
        )

    def corporate_actions(self, t: int) -> None:
        """1. Dividends on the ex-date (longs receive net of withholding, shorts pay), splits."""
        for j in range(self.n_a):
            d = self.x["div"][t][j]
            if d != 0 and self.shares[j] != 0:
                amount = self.shares[j] * d  # a short pays: amount < 0
                self.dividends += amount
                self.cash[self.book_of(j)] += amount
                if amount > 0:
                    withheld = amount * self.rates.dividend_tax
                    self.cash[self.book_of(j)] -= withheld
                    self.costs[TAXES] += withheld
            ratio = self.x["split"][t][j]
            if ratio != 1:
                self.shares[j] *= ratio
                self.target[j] *= ratio
                self.last_close[j] /= ratio  # the last close, in new shares
                for o in self.working:
                    if o.asset == j:
                        o.remaining *= ratio
                        o.shown *= ratio
                        o.display *= ratio
                        o.limit /= ratio
                        o.stop /= ratio

    def reference_price(self, t: int, j: int) -> float:
        b = self.bar(t, j)
        p = b.open if self.x["fill_at"] == 0 else b.close
        return self.last_close[j] if math.isnan(p) else p

    def event(self, t: int, kind: tuple[str, str, str], j: int, value: float, limit: float) -> None:
        self.out.events.append([t, EVENT[kind], j, value, limit])

    def risk_policies(self, t: int) -> None:
        """2. Kill switch, circuit breaker and de-risk level, from closes up to ``t - 1``."""
        pol, st, capital = self.pol, self.policy, self.x["initial_capital"]
        history = self.out.equity  # equity after each bar so far
        e1 = history[t - 1] if t >= 1 else capital
        e2 = history[t - 2] if t >= 2 else capital
        st.peak = max(st.peak, e1)
        drawdown = (st.peak - e1) / st.peak

        def loss(before: float, after: float) -> float:
            return (before - after) / before if before > 0 else 0.0

        if st.kill_until is not None and t >= st.kill_until:
            self.event(t, ("kill_switch", "reset", "bars"), -1, pol["kill_reset_after"], math.nan)
            st.kill_until = None
        if st.kill_until is None:
            gross = self.out.gross[t - 1] if t >= 1 else 0.0
            conditions = [
                ("drawdown", drawdown, pol["kill_drawdown"]),
                ("bar_loss", loss(e2, e1), pol["kill_bar_loss"]),
                ("gross", gross, pol["kill_gross"]),
            ]
            beyond = [(m, v, limit) for m, v, limit in conditions if v > limit]
            for measure, value, limit in beyond:
                self.event(t, ("kill_switch", "halt", measure), -1, value, limit)
            if beyond:
                st.kill_until = t + pol["kill_reset_after"]
        if st.breaker_until is not None and t >= st.breaker_until:
            cooldown = pol["breaker_cooldown"]
            self.event(t, ("circuit_breaker", "reset", "bars"), -1, cooldown, math.nan)
            st.breaker_until = None
        window = int(pol["breaker_window"])
        if window >= 1 and st.breaker_until is None:
            start = t - 1 - window
            lost = loss(history[start] if start >= 0 else capital, e1)
            if lost > pol["breaker_loss"]:
                kind = ("circuit_breaker", "trip", "window_loss")
                self.event(t, kind, -1, lost, pol["breaker_loss"])
                st.breaker_until = t + pol["breaker_cooldown"]
        st.scale = 1.0
        if self.schedule:
            thresholds = [threshold for threshold, _ in self.schedule]
            deep = sum(1 for threshold in thresholds if drawdown >= threshold)
            level, back = st.level, pol["derisk_hysteresis"]
            if deep >= level:
                level = deep
            while level > deep and drawdown < thresholds[level - 1] - back:
                level -= 1
            if level > st.level:
                limit = thresholds[level - 1]
                self.event(t, ("derisk", "scale_down", "drawdown"), -1, drawdown, limit)
            elif level < st.level:
                limit = thresholds[level] - back
                self.event(t, ("derisk", "scale_up", "drawdown"), -1, drawdown, limit)
            st.level = level
            st.scale = self.schedule[level - 1][1] if level > 0 else 1.0
        self.out.scale.append(st.scale)
        st.flatten = st.kill_until is not None and pol["kill_flatten"] > 0
        st.blocked = st.kill_until is not None or st.breaker_until is not None

    def new_instructions(self, t: int) -> None:
        """3. Targets (after the policies) become target orders; explicit orders arrive."""
        self.px = [self.reference_price(t, j) for j in range(self.n_a)]
        equity = list(self.cash)
        for j in range(self.n_a):
            if self.shares[j] != 0:
                equity[self.book_of(j)] += self.shares[j] * self.px[j]
        row = self.x["target"][t]
        given = [j for j in range(self.n_a) if not math.isnan(row[j])]
        accepted = True
        if given and self.pol["pre_trade"] != 0:
            accepted = self.pre_trade_check(t, row)
        if accepted:
            for j in given:
                self.intended[j] = row[j]
        if self.policy.blocked:
            for j in range(self.n_a):
                self.placed[j] = math.nan
                e = equity[self.book_of(j)]
                flat = self.order_size(0.0, e, self.px[j], self.shares[j])
                self.target[j] = flat if self.policy.flatten else 0.0
        else:
            weights = self.effective_weights()
            for j in range(self.n_a):
                if math.isnan(self.intended[j]):
                    continue
                # NaN (no order since a block) differs from every weight
                if (accepted and j in given) or weights[j] != self.placed[j]:
                    e = equity[self.book_of(j)]
                    self.target[j] = self.order_size(weights[j], e, self.px[j], self.shares[j])
                    self.placed[j] = weights[j]
        for k, arrive in enumerate(self.arrival):
            if arrive == t:
                order = self.pending[k]
                order.ahead = self.queue_length(t, order.asset)
                self.working.append(order)
        self.working = [o for o in self.working if o.until >= t]
        if self.policy.blocked:
            self.working = []  # arrivals dropped, working orders cancelled

    @staticmethod
    def order_size(w: float, e: float, p: float, held: float) -> float:
        """Shares to trade to hold weight ``w`` of equity ``e`` at price ``p``."""
        if math.isnan(p) or p <= 0:
            return 0.0  # no price to size with
        delta = w * e / p - held
        return 0.0 if abs(delta) * p <= DUST * abs(e) else delta

    def pre_trade_check(self, t: int, row: list[float]) -> bool:
        """The book the row asks for against the hard limits; False: the row is refused."""
        book = [row[j] if not math.isnan(row[j]) else self.intended[j] for j in range(self.n_a)]
        sizes = [(abs(w), j) for j, w in enumerate(book) if not math.isnan(w)]
        gross = sum(a for a, _ in sizes)
        largest, where = 0.0, -1
        for a, j in sizes:
            if a > largest:
                largest, where = a, j
        most, cap = self.pol["max_position"], self.pol["max_gross"]
        if self.pol["pre_trade"] == 2:  # refuse
            refused = False
            if largest > most + LIMIT_TOL:
                self.event(t, ("hard_limits", "refuse", "position"), where, largest, most)
                refused = True
            if gross > cap + LIMIT_TOL:
                self.event(t, ("hard_limits", "refuse", "gross"), -1, gross, cap)
                refused = True
            return not refused
        if largest > most + LIMIT_TOL:
            self.event(t, ("hard_limits", "clip", "position"), where, largest, most)
        clipped = sum(most if a > most + LIMIT_TOL else a for a, _ in sizes)
        if clipped > cap + LIMIT_TOL:
            self.event(t, ("hard_limits", "clip", "gross"), -1, clipped, cap)
        return True

    def effective_weights(self) -> list[float]:
        """The intended weights after the clip (if on) and the de-risk scale."""
        scale = self.policy.scale
        if self.pol["pre_trade"] != 1:
            return [scale * w for w in self.intended]
        most, cap = self.pol["max_position"], self.pol["max_gross"]
        capped = [math.copysign(most, w) if abs(w) > most + LIMIT_TOL else w for w in self.intended]
        gross = sum(abs(w) for w in capped if not math.isnan(w))
        factor = cap / gross if gross > cap + LIMIT_TOL else 1.0
        return [scale * (w * factor) for w in capped]

    def queue_length(self, t: int, j: int) -> float:
        """Shares queued ahead of a newly displayed limit quantity."""
        adv = self.bar(t, j).adv
        return 0.0 if math.isnan(adv) else self.x["queue_ahead"] * adv

    def capacity(self, t: int, j: int) -> float:
        """Shares asset ``j`` may trade in bar ``t`` (all its orders together)."""
        b = self.bar(t, j)
        if not b.tradable:
            return 0.0
        cap = INF
        if self.x["participation"] < INF:
            cap = self.x["participation"] * b.volume
        if self.x["adv_cap"] < INF:
            cap = min(cap, self.x["adv_cap"] * b.adv)
        return cap

    def sell_room(self, t: int, j: int) -> float:
        """Shares that may still be sold: down to ``-borrow`` at most."""
        return max(self.shares[j] + self.x["borrow"][t][j], 0.0)

    def fills(self, t: int) -> None:
        """3. Sells of every asset, then buys, then the (cash-limited) target buys."""
        self.room = [self.capacity(t, j) for j in range(self.n_a)]
        for buying in (False, True):
            target_buys: list[tuple[int, float]] = []
            for j in range(self.n_a):
                if not self.bar(t, j).tradable:
                    continue
                reserved = self.fill_target(t, j, buying)
                if reserved > 0:
                    target_buys.append((j, reserved))
                for order in [o for o in self.working if o.asset == j and o.buy == buying]:
                    self.fill_order(t, order)
            if buying:
                self.fill_target_buys(t, target_buys)

    def fill_target(self, t: int, j: int, buying: bool) -> float:
        """Fill the target order of ``j`` on this side; a buy is only reserved (returned)."""
        q = self.target[j]
        if q == 0 or (q > 0) != buying:
            return 0.0
        take = min(abs(q), self.room[j])
        if not buying:
            take = min(take, self.sell_room(t, j))
        if take <= 0:
            return 0.0
        self.room[j] -= take
        if buying:
            return take
        self.execute(t, j, TARGET_ID, -take, self.px[j])
        self.target[j] += take
        return 0.0

    def fill_target_buys(self, t: int, buys: list[tuple[int, float]]) -> None:
        """Target buys at the reference price, scaled down to the cash of their book."""
        scale = [1.0] * len(self.cash)

        def need() -> list[float]:
            out = [0.0] * len(self.cash)
            for j, q in buys:
                b, qs = self.bar(t, j), q * scale[self.book_of(j)]
                if qs > 0:
                    fees = self.rates.fill(qs, self.px[j], b.adv, b.sigma, self.bar_traded[j])
                    out[self.book_of(j)] += qs * self.px[j] + sum(fees)
            return out

        def over(n: float, cash: float) -> bool:
            return n > 0 and n > cash + 1e-12 * abs(cash)

        if self.x["cash_limit"]:
            n = need()
            for _ in range(20):  # a minimum commission does not shrink with the quantity
                short = [c for c in range(len(self.cash)) if over(n[c], self.cash[c])]
                if not short:
                    break
                for c in short:
                    scale[c] *= max(self.cash[c], 0.0) / n[c]
                n = need()
            for c in range(len(self.cash)):
                if over(n[c], self.cash[c]):
                    scale[c] = 0.0
        for j, q in buys:
            s = scale[self.book_of(j)]
            if q * s > 0:
                self.execute(t, j, TARGET_ID, q * s, self.px[j])
            # what the cash did not pay for is dropped, not carried to the next bar
            self.target[j] = self.target[j] - q if s >= 1 else 0.0

    def fill_order(self, t: int, order: Order) -> None:
        """One explicit order: what the bar lets it fill, capped by capacity and borrow."""
        j = order.asset
        cap = min(abs(order.remaining), self.room[j])
        if not order.buy:
            cap = min(cap, self.sell_room(t, j))
        q, price = self.order_fill(t, order, cap)
        if q <= 0:
            return
        self.room[j] -= q
        signed = q if order.buy else -q
        self.execute(t, j, order.id, signed, price)
        order.remaining -= signed
        if order.remaining == 0:
            self.working.remove(order)

    def order_fill(self, t: int, order: Order, most: float) -> tuple[float, float]:
        """Shares (at most ``most``) and price the bar gives ``order`` by its type."""
        b = self.bar(t, order.asset)
        buy = order.buy
        if order.kind == STOP and not order.triggered:
            crossed = b.high >= order.stop if buy else b.low <= order.stop
            if not crossed:
                return 0.0, math.nan
            order.triggered = True  # a market order from now on
            return most, max(b.open, order.stop) if buy else min(b.open, order.stop)
        if order.kind != LIMIT:
            return most, self.px[order.asset]
        lim = order.limit
        if (buy and b.open <= lim) or (not buy and b.open >= lim):
            return most, b.open  # marketable at the open
        volume = through_volume(buy, lim, b)
        if volume <= 0:
            return 0.0, math.nan
        # the volume at or through the limit first serves the queue ahead
        served = min(order.ahead, volume)
        order.ahead -= served
        volume -= served
        if order.display <= 0:
            return min(most, volume), lim
        got = 0.0
        while volume > 0 and got < most:
            take = min(order.shown, volume, most - got)
            got += take
            volume -= take
            order.shown -= take
            if order.shown <= 0:  # tranche done: the next one joins the back of the queue
                order.shown = order.display
                order.ahead = self.x["queue_ahead"] * b.adv
                served = min(order.ahead, volume)
                order.ahead -= served
                volume -= served
        return got, lim

    def delistings(self, t: int) -> None:
        """4. Close delisted positions at close x (1 + delisting return); cancel orders."""
        for j in range(self.n_a):
            if not self.x["delist"][t][j]:
                continue
            self.target[j] = 0.0
            self.intended[j] = self.placed[j] = math.nan
            self.working = [o for o in self.working if o.asset != j]
            q = self.shares[j]
            if q != 0:
                close = self.x["close"][t][j]
                last = close if not math.isnan(close) else self.last_close[j]
                p = last * (1 + self.x["delist_ret"][t][j])
                self.cash[self.book_of(j)] += q * p
                self.traded += abs(q * p)
                self.out.fills.append([t, j, DELIST_ID, -q, p, 0.0, 0.0, 0.0, 0.0, 1.0])
                self.shares[j] = 0.0

    def carry_and_mark(self, t: int) -> None:
        """5. Shorts pay borrow for the bar's calendar time; mark at the (last) close."""
        for j in range(self.n_a):
            close = self.x["close"][t][j]
            if not math.isnan(close):
                self.last_close[j] = close
            if self.shares[j] < 0:
                fee = self.rates.borrow(-self.shares[j] * self.last_close[j], self.x["years"][t])
                self.cash[self.book_of(j)] -= fee
                self.costs[BORROW] += fee
        value = sum(self.cash)
        unfilled = 0.0
        for j in range(self.n_a):
            if self.shares[j] != 0:
                value += self.shares[j] * self.last_close[j]
            if self.target[j] != 0 and not math.isnan(self.last_close[j]):
                unfilled += abs(self.target[j]) * self.last_close[j]
        o = self.out
        o.equity.append(value)
        o.cash.append(sum(self.cash))
        o.dividends.append(self.dividends)
        o.costs.append(self.costs)
        o.positions.append(list(self.shares))
        o.traded.append(self.traded)
        o.unfilled.append(unfilled)

    def post_trade_check(self, t: int) -> None:
        """7. Gross and largest position at the close; flag those beyond the hard limits."""
        equity = self.out.equity[-1]
        values = [
            (abs(self.shares[j] * self.last_close[j]), j)
            for j in range(self.n_a)
            if self.shares[j] != 0
        ]
        total = sum(v for v, _ in values)
        largest, where = 0.0, -1
        for v, j in values:
            if v > largest:
                largest, where = v, j
        if equity > 0:
            gross, position = total / equity, largest / equity
        else:
            gross = INF if total > 0 else 0.0
            position = INF if largest > 0 else 0.0
        self.out.gross.append(gross)
        if self.pol["post_trade"] > 0:
            most, cap = self.pol["max_position"], self.pol["max_gross"]
            if position > most + LIMIT_TOL:
                self.event(t, ("hard_limits", "breach", "position"), where, position, most)
            if gross > cap + LIMIT_TOL:
                self.event(t, ("hard_limits", "breach", "gross"), -1, gross, cap)


def through_volume(buy: bool, limit: float, b: Bar) -> float:
    """Bar volume traded at or through ``limit``, spread uniformly over the bar's range."""
    if (buy and b.low > limit) or (not buy and b.high < limit):
        return 0.0
    if b.high <= b.low:
        return b.volume
    inside = (limit - b.low) if buy else (b.high - limit)
    return b.volume * min(inside / (b.high - b.low), 1.0)


def run_reference(**inputs: Any) -> tuple[np.ndarray, ...]:
    """Run the reference on ``run_engine``'s keyword arguments; return its ten outputs."""
    return ReferenceEngine(inputs).run()
