"""The engine's Numba kernel: one clock over bars, all assets of a bar in one pass.

Arrays in, arrays out, no pandas (the pandas layer is :mod:`mi_kernel.backtest.engine`).
``T`` bars (oldest first) by ``N`` assets; every (T, N) array is C-contiguous float64 unless
said otherwise. The rules below are the specification; ``tests/backtest/reference_engine.py``
implements them again, one event at a time, and the tests require identical results.

Compile time (a first call with an empty Numba cache compiles all of this): every helper has
one signature (no literal ints reach a helper: counters start as a typed int64, constant-laden
calls are inlined), fill costs travel as tuples, not small arrays, and no array slice is
assigned (a slice assignment pulls in Numba's string formatting for its error message).

Each bar ``t`` runs these events in this order:

1. **Corporate actions** (ex-date ``t``). Dividend ``div[t, j]`` per share: a long receives
   ``shares * div * (1 - dividend_tax)`` (the withheld part is a tax), a short pays
   ``|shares| * div``. Then a split of ``split[t, j]`` new shares per old one multiplies the
   position and the remaining quantity and display size of its working orders (target and
   explicit orders that arrived before ``t``) and divides their limit and stop prices and the
   last close (so they mean the same in new shares); the queue ahead of an order stays.
2. **Risk policies** (parameters ``pol``: :data:`mi_kernel.risk.policies.KERNEL_PARAMS`, then
   the de-risk schedule; each policy is off at its neutral values), decided from the closes
   up to ``t - 1`` only. Let ``E1`` and ``E2`` be the equity after bars ``t - 1`` and
   ``t - 2`` (the initial capital before the first bar), ``P`` the running peak of the
   initial capital and the equity up to ``t - 1``, the drawdown ``D = (P - E1) / P``, the
   loss from ``a`` to ``b`` ``(a - b) / a`` (0 when ``a <= 0``) and ``G`` the gross exposure
   after bar ``t - 1`` (event 7). In this order, each recording its events:

   - kill switch: if it is on and ``t`` is its release bar it goes off (*kill reset*). If it
     is off it fires when ``D > kill_drawdown``, the loss from ``E2`` to ``E1`` exceeds
     ``kill_bar_loss`` or ``G > kill_gross`` (one event per condition beyond) and stays on
     through bar ``t + kill_reset_after - 1`` (for the rest of the run when that is inf);
   - circuit breaker (``breaker_window`` ``n`` >= 1): released likewise on its release bar;
     if off, it trips when the loss from the equity after bar ``t - 1 - n`` (the initial
     capital before the first bar) to ``E1`` exceeds ``breaker_loss``, and stays on through
     bar ``t + breaker_cooldown - 1``;
   - de-risk (schedule of (threshold, scale) levels, thresholds increasing): with ``d`` the
     number of thresholds ``<= D`` and ``l`` the current level (0 at the start), if
     ``d >= l`` the level becomes ``d``; otherwise it steps down one level at a time, not
     below ``d``, while ``D < threshold[l] - derisk_hysteresis`` (``threshold[l]`` the
     threshold of the level being left). The bar's scale ``s`` is the scale of level ``l``
     (1 at level 0).

   The bar is *blocked* while the kill switch or the circuit breaker is on.
3. **New instructions.** The book's intended weight ``W[j]`` is the last target weight
   ``target[., j]`` given (NaN = no new target; ``W`` is NaN before the first and after a
   delisting). When the row ``target[t]`` holds a weight, the pre-trade check (``pre_trade``
   1 clip, 2 refuse) looks at the book the row asks for (its weights over ``W``): its
   largest ``|w|`` against ``max_position`` and its gross ``sum |w|`` against ``max_gross``,
   beyond meaning by more than ``1e-9``. *Refuse* ignores the whole row (``W`` unchanged);
   otherwise the row's weights replace those of ``W``. The effective weight is
   ``e[j] = s * h(W)[j]``: ``h`` is the identity, or with *clip* caps ``|w|`` at
   ``max_position`` (where beyond) and then scales the whole book by ``max_gross / gross``
   (where its gross is beyond). A target order of weight ``w`` is ``w * E / px - shares``
   shares, where ``px`` is the execution reference price (open if ``fill_at`` = 0, close if
   1; the last close if the bar is missing) and ``E`` is the book's equity at those prices
   (the sleeve's own equity in sleeve mode); differences below ``1e-9`` of ``E`` in value
   are not traded (and no price to size with means no order). Every asset with an intended
   weight gets a new target order of weight ``e[j]``, replacing its working one, when the
   row gave it a weight (not refused) or ``e[j]`` differs from the weight of its last target
   order (a new scale or clip factor, or the first bar after a block). Explicit orders whose
   arrival bar is ``t`` start working. But on a blocked bar no target order is placed:
   every working target order is cancelled (replaced by a target of 0 in every asset while
   the kill switch is on with ``kill_flatten``), explicit orders arriving on ``t`` are
   dropped and working ones cancelled; the row still updates ``W``.
4. **Fills**, only where ``tradable[t, j]`` (a bar, not halted, the venue open; universe
   membership limits what a strategy may pick, not trading: a book can always sell a name
   that left the index). All sells (quantity < 0) of the bar first, then all buys. Per asset
   the orders fill in this order: the target order, then explicit orders by arrival. Each
   fill is capped by what remains of the asset's bar capacity ``min(participation * volume,
   adv_cap * ADV)`` (shared by its orders; ADV is the bar's own volume where it is NaN) and a
   sell by the borrow still available (a position may go short to ``-borrow[t, j]`` shares
   at most). Every working order of a tradable bar is looked at, even when no capacity is
   left: a stop still triggers and a queue still shrinks. Prices and quantities per order
   type:

   - market: ``px`` (open or close by ``fill_at``);
   - stop (buy; sells mirror): triggers when ``high >= stop`` and fills at ``max(open, stop)``
     on that bar; it is a market order from then on;
   - limit (buy; sells mirror): if ``open <= limit`` it fills at ``open`` like a market order;
     otherwise, if ``low <= limit``, it fills at ``limit`` from the bar volume traded at or
     through the limit, ``volume * (limit - low) / (high - low)`` (all the volume if
     ``high == low``), after the volume queued ahead of it is used up. The queue ahead of a
     newly displayed quantity is ``queue_ahead * ADV`` (of its arrival bar); it shrinks by
     that at-or-through volume on every tradable bar where the order is not marketable at
     the open;
   - iceberg: a limit order showing ``display`` shares at a time; each new tranche (once the
     shown one has filled, not merely been capped) joins the back of the queue
     (``queue_ahead * ADV`` again, the volume left in the bar serving it).

   Target buys then get the cash: a target buy takes its capacity first (as above) but is
   executed, at ``px``, after every explicit buy of the bar. When ``cash_limit`` is on and
   their notional plus costs exceed the cash, every target buy of the bar (of the sleeve, in
   sleeve mode) is scaled by the same factor and the rest of those targets is dropped (no
   cash for it; also when the factor is 0). The factor starts at cash / need and is refined
   as ``factor *= cash / need(factor)`` (at most 20 times: a minimum commission does not
   shrink with the quantity); if the need still exceeds the cash the factor is 0.
   Explicit orders are not cash-limited (a margin account). Each fill pays the cost
   formulas of :mod:`mi_kernel.backtest.costs` at its price; impact is charged on the
   asset's cumulative quantity in the bar (a fill pays the increase it causes, so the order
   of fills within a bar does not change an asset's total impact). Fills are recorded in
   that order: sells, explicit buys, target buys, delistings.
5. **Delistings.** Where ``delist[t, j]``, the position is closed at
   ``close * (1 + delist_ret)`` (the last close if the bar has none) with no trading cost,
   the asset's orders are cancelled and its intended weight forgotten.
6. **Carry and marking.** Shorts pay the borrow fee for ``years[t]`` of calendar time at the
   close (last close where the bar is missing); equity is cash plus positions at those closes.
7. **Post-trade check.** The gross exposure ``sum |shares * close| / equity`` and the
   largest ``|shares * close| / equity`` after the bar (inf with positions and equity
   ``<= 0``) are measured; with ``post_trade`` on, each beyond ``max_gross`` /
   ``max_position`` by more than ``1e-9`` is recorded as a breach event (nothing is done).

Unfilled quantity of the target order keeps working on later bars until a new target
replaces it; explicit orders work until filled, cancelled by a delisting or a blocked bar, or
past their last bar ``o_until``. Policy events are rows (bar, code, asset or -1, value,
threshold) with the codes of :data:`mi_kernel.risk.policies.EVENT_KINDS`, in the order they
happen: kill switch, circuit breaker, de-risk, pre-trade, post-trade (a limit check
records the position before the gross). Values are the measure
(a reset's value is the bars it was on, its threshold NaN); a clip or refusal of a position
names the asset of the largest ``|w|``; de-risk thresholds are the threshold crossed
(``threshold - hysteresis`` when restoring).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from mi_kernel.backtest.costs import borrow_fee, commission_fee, impact_fee, spread_fee, tax_fee

MARKET, LIMIT, STOP = 0, 1, 2
#: Order id of target-order fills and delisting close-outs in the fills array (floats: one
#: compiled signature of ``_book`` for target and explicit fills).
TARGET_ID, DELIST_ID = -1.0, -2.0
#: Cost parameter indices (mi_kernel.backtest.costs.KERNEL_PARAMS).
P_SHARE, P_BPS, P_MIN, P_SPREAD, P_IMPACT, P_BUY_TAX, P_SELL_TAX, P_DIV_TAX, P_BORROW = range(9)
#: Slots of the per-bar cost array (mi_kernel.backtest.costs.COST_SLOTS).
C_COMM, C_SPREAD, C_IMPACT, C_TAX, C_BORROW = range(5)
N_COSTS = 5
_DUST = 1e-9
_FILL_COLS = 10  # t, j, order, qty, price, commission, spread, impact, taxes, adv/sigma-free
#: Policy parameter indices (mi_kernel.risk.policies.KERNEL_PARAMS).
(
    Q_KILL_DD,
    Q_KILL_LOSS,
    Q_KILL_GROSS,
    Q_KILL_FLATTEN,
    Q_KILL_RESET,
    Q_BREAK_WINDOW,
    Q_BREAK_LOSS,
    Q_BREAK_COOLDOWN,
    Q_HYSTERESIS,
    Q_MAX_GROSS,
    Q_MAX_POS,
    Q_PRE_TRADE,
    Q_POST_TRADE,
    Q_SCHEDULE,  # first of the de-risk schedule's (threshold, scale) pairs
) = range(14)
#: Pre-trade modes (mi_kernel.risk.policies.PRE_TRADE_MODES).
PRE_OFF, PRE_CLIP, PRE_REFUSE = range(3)
#: Policy event codes (mi_kernel.risk.policies.EVENT_KINDS).
(
    EV_KILL_DRAWDOWN,
    EV_KILL_BAR_LOSS,
    EV_KILL_GROSS,
    EV_KILL_RESET,
    EV_BREAKER_TRIP,
    EV_BREAKER_RESET,
    EV_DERISK_DOWN,
    EV_DERISK_UP,
    EV_CLIP_POSITION,
    EV_CLIP_GROSS,
    EV_REFUSE_POSITION,
    EV_REFUSE_GROSS,
    EV_POST_POSITION,
    EV_POST_GROSS,
) = range(14)
#: Slots of the policy state: running equity peak, de-risk level, release bars of the kill
#: switch and the circuit breaker (-1: off; inf: latched).
S_PEAK, S_LEVEL, S_KILL, S_BREAK = range(4)
#: Rows of the per-asset weight state: the intended weight W (last target weight given), the
#: weight of the asset's last target order (NaN: none since a block) and the effective weight.
W_INTENDED, W_PLACED, W_EFFECTIVE = range(3)
_EVENT_COLS = 5  # t, code, asset (-1: the book), value, threshold
_LIMIT_TOL = 1e-9  # a limit is breached when exceeded by more than this


@njit(cache=True)
def _fill_costs(
    q: float, p: float, adv: float, sigma: float, cp: np.ndarray, before: float
) -> tuple[float, float, float, float]:
    return (
        commission_fee(q, p, cp[P_SHARE], cp[P_BPS], cp[P_MIN]),
        spread_fee(q, p, cp[P_SPREAD]),
        impact_fee(q, p, adv, sigma, cp[P_IMPACT], before),
        tax_fee(q, p, cp[P_BUY_TAX], cp[P_SELL_TAX]),
    )


@njit(cache=True)
def _limit_volume(buy: bool, limit: float, lo: float, hi: float, vol: float) -> float:
    """Bar volume traded at or through ``limit`` (uniform over the bar's range)."""
    if buy:
        if lo > limit:
            return 0.0
        frac = 1.0 if hi <= lo else min((limit - lo) / (hi - lo), 1.0)
    else:
        if hi < limit:
            return 0.0
        frac = 1.0 if hi <= lo else min((hi - limit) / (hi - lo), 1.0)
    return vol * frac


@njit(cache=True)
def _order_fill(
    k: int,
    buy: bool,
    want: float,
    op: float,
    hi: float,
    lo: float,
    px: float,
    vol: float,
    adv: float,
    o_type: np.ndarray,
    o_limit: np.ndarray,
    o_stop: np.ndarray,
    o_display: np.ndarray,
    st_triggered: np.ndarray,
    st_ahead: np.ndarray,
    st_tranche: np.ndarray,
    queue_ahead: float,
) -> tuple[float, float]:
    """Return (quantity in [0, want], price) of order ``k`` now; updates trigger, queue, tranche.

    ``want`` is already capped by the bar capacity and borrow left, so an iceberg's tranche
    counts only the shares that really fill.
    """
    kind = o_type[k]
    if kind == STOP and not st_triggered[k]:
        s = o_stop[k]
        if (buy and hi >= s) or ((not buy) and lo <= s):
            st_triggered[k] = True
            return want, (max(op, s) if buy else min(op, s))
        return 0.0, np.nan
    if kind != LIMIT:
        return want, px
    lim = o_limit[k]
    if (buy and op <= lim) or ((not buy) and op >= lim):
        return want, op
    through = _limit_volume(buy, lim, lo, hi, vol)
    if through <= 0.0:
        return 0.0, np.nan
    avail = through - st_ahead[k]
    st_ahead[k] = max(st_ahead[k] - through, 0.0)
    if avail <= 0.0:
        return 0.0, np.nan
    display = o_display[k]
    if display <= 0.0:  # plain limit order: everything it has is visible
        return min(want, avail), lim
    got = 0.0
    while avail > 0.0 and got < want:
        take = min(st_tranche[k], avail, want - got)
        got += take
        avail -= take
        st_tranche[k] -= take
        if st_tranche[k] <= 0.0:
            st_tranche[k] = display
            need = queue_ahead * adv
            used = min(need, avail)
            avail -= used
            st_ahead[k] = need - used
    return got, lim


@njit(cache=True)
def run_engine(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    tradable: np.ndarray,
    split: np.ndarray,
    div: np.ndarray,
    delist: np.ndarray,
    delist_ret: np.ndarray,
    adv: np.ndarray,
    sigma: np.ndarray,
    borrow: np.ndarray,
    years: np.ndarray,
    target: np.ndarray,
    o_t: np.ndarray,
    o_j: np.ndarray,
    o_qty: np.ndarray,
    o_type: np.ndarray,
    o_limit: np.ndarray,
    o_stop: np.ndarray,
    o_display: np.ndarray,
    o_until: np.ndarray,
    cp: np.ndarray,
    fill_at: int,
    participation: float,
    adv_cap: float,
    queue_ahead: float,
    cash_limit: bool,
    sleeves: bool,
    initial_capital: float,
    pol: np.ndarray,
) -> tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]:
    """Simulate the book; see the module docstring for the rules.

    Orders (explicit) are rows ``k`` of the ``o_*`` arrays sorted by arrival bar ``o_t``;
    target orders get ids ``-1`` in the fills. ``o_type``: 0 market, 1 limit, 2 stop;
    ``o_display`` > 0 makes a limit order an iceberg. ``pol`` (13 + 2K,) holds the risk
    policies packed by :meth:`mi_kernel.risk.policies.Policies.kernel_params`: 13 parameters
    (neutral values: off), then the K (threshold, scale) pairs of the de-risk schedule.

    Returns
    -------
    equity : (T,) book value after bar t.
    cash : (T,) cash after bar t (summed over sleeves).
    dividends : (T,) dividends received (net of shorts paid, gross of withholding).
    costs : (5, T) cost per slot (commission, spread, impact, taxes, borrow) per bar.
    positions : (T, N) shares held after bar t.
    traded : (T,) absolute traded notional per bar.
    fills : (F, 10) one row per fill: t, j, order id, signed qty, price, commission, spread,
        impact, taxes, delisting flag (1 for a delisting close-out).
    unfilled : (T,) value of target-order quantity still working after bar t.
    events : (E, 5) policy events: t, code, asset (-1: the book), value, threshold.
    scale : (T,) de-risk scale of the targets of bar t (1 without de-risking).
    """
    n_t, n_a = close.shape
    n_o = o_t.shape[0]
    o_limit, o_stop, o_display = o_limit.copy(), o_stop.copy(), o_display.copy()
    n_c = n_a if sleeves else 1
    cash = np.full(n_c, initial_capital / n_c)
    shares = np.zeros(n_a)
    last = np.full(n_a, np.nan)
    tgt = np.zeros(n_a)  # remaining signed quantity of the target order
    o_rem = o_qty.copy()
    st_trig = np.zeros(n_o, dtype=np.bool_)
    st_ahead = np.full(n_o, -1.0)  # -1: queue not yet joined
    st_tranche = o_display.copy()
    active = np.zeros(n_o, dtype=np.bool_)
    eq_out, cash_out, div_out = np.zeros(n_t), np.zeros(n_t), np.zeros(n_t)
    costs = np.zeros((N_COSTS, n_t))
    positions = np.zeros((n_t, n_a))
    traded, unfilled = np.zeros(n_t), np.zeros(n_t)
    fills = np.zeros((max(16, n_a), _FILL_COLS))
    # Counters start as a typed int64, not as the literal 0: Numba would compile every helper
    # they reach once more for the type Literal[int](0) (see _event for the same with constants).
    n_f = int(np.int64(0))
    cap_left = np.zeros(n_a)
    borrow_left = np.zeros(n_a)
    px = np.zeros(n_a)
    buy_q, buy_p = np.zeros(n_a), np.zeros(n_a)
    bar_q = np.zeros(n_a)  # shares each asset has traded in the current bar (for impact)
    nxt = 0  # next explicit order to arrive
    wts = np.full((3, n_a), np.nan)  # weight state (W_* rows)
    ps = np.array([initial_capital, 0.0, -1.0, -1.0])  # policy state (S_* slots)
    gross_out, scale_out = np.zeros(n_t), np.ones(n_t)
    events = np.zeros((16, _EVENT_COLS))
    n_e = int(np.int64(0))
    eq_ref = np.zeros(n_c)
    for t in range(n_t):
        # 1. corporate actions
        for j in range(n_a):
            c = j if sleeves else 0
            d = div[t, j]
            if d != 0.0 and shares[j] != 0.0:
                amount = shares[j] * d
                div_out[t] += amount
                cash[c] += amount
                if amount > 0.0:
                    tax = amount * cp[P_DIV_TAX]
                    cash[c] -= tax
                    costs[C_TAX, t] += tax
            r = split[t, j]
            if r != 1.0:
                shares[j] *= r
                tgt[j] *= r
                if not np.isnan(last[j]):
                    last[j] /= r
        if n_o > 0:
            for k in range(nxt):
                if active[k] and split[t, o_j[k]] != 1.0:
                    r = split[t, o_j[k]]
                    o_rem[k] *= r
                    o_limit[k] /= r
                    o_stop[k] /= r
                    o_display[k] *= r
                    st_tranche[k] *= r
        # reference prices and equity for sizing
        for j in range(n_a):
            p = open_[t, j] if fill_at == 0 else close[t, j]
            px[j] = p if not np.isnan(p) else last[j]
        for c in range(n_c):
            eq_ref[c] = cash[c]
        for j in range(n_a):
            if shares[j] != 0.0:
                eq_ref[j if sleeves else 0] += shares[j] * px[j]
        # 2. risk policies, from closes up to t - 1
        s, block, flatten, events, n_e = _policy_step(
            t, pol, ps, eq_out, gross_out, initial_capital, events, n_e
        )
        scale_out[t] = s
        # 3. new instructions
        events, n_e = _new_targets(
            t,
            target,
            px,
            eq_ref,
            shares,
            tgt,
            wts,
            s,
            block,
            flatten,
            pol,
            sleeves,
            events,
            n_e,
        )
        while nxt < n_o and o_t[nxt] <= t:
            if o_t[nxt] == t:
                active[nxt] = True
            nxt += 1
        for k in range(nxt):
            if active[k] and (o_until[k] < t or block):
                active[k] = False
        # 4. fills: capacities first
        for j in range(n_a):
            bar_q[j] = 0.0
            cap = participation * volume[t, j] if participation < np.inf else np.inf
            a = adv[t, j] if not np.isnan(adv[t, j]) else volume[t, j]
            if adv_cap < np.inf:
                cap = min(cap, adv_cap * a)
            cap_left[j] = cap if tradable[t, j] else 0.0
            borrow_left[j] = borrow[t, j] + min(shares[j], 0.0)  # shares still borrowable
        for k in range(nxt):  # join queues on arrival
            if active[k] and st_ahead[k] < 0.0:
                a = adv[t, o_j[k]] if not np.isnan(adv[t, o_j[k]]) else volume[t, o_j[k]]
                st_ahead[k] = queue_ahead * a if not np.isnan(a) else 0.0
        for side in range(2):  # 0: sells, 1: buys
            buying = side == 1
            for j in range(n_a):
                buy_q[j] = 0.0
                buy_p[j] = 0.0
            for j in range(n_a):
                if not tradable[t, j]:
                    continue
                a = adv[t, j] if not np.isnan(adv[t, j]) else volume[t, j]
                op, hi, lo = open_[t, j], high[t, j], low[t, j]
                # target order: a market order at px
                q = tgt[j]
                if q != 0.0 and (q > 0.0) == buying:
                    take = min(abs(q), cap_left[j])
                    if not buying:
                        take = min(take, max(shares[j], 0.0) + max(borrow_left[j], 0.0))
                    if take > 0.0:
                        if buying:
                            buy_q[j] += take
                            buy_p[j] = px[j]
                        else:
                            fills, n_f = _book(
                                t,
                                j,
                                TARGET_ID,
                                -take,
                                px[j],
                                a,
                                sigma[t, j],
                                cp,
                                sleeves,
                                cash,
                                shares,
                                costs,
                                fills,
                                n_f,
                                traded,
                                bar_q,
                            )
                            tgt[j] += take
                            borrow_left[j] -= max(take - max(shares[j] + take, 0.0), 0.0)
                        cap_left[j] -= take
                for k in range(nxt):
                    if not active[k] or o_j[k] != j or (o_rem[k] > 0.0) != buying:
                        continue
                    want = min(abs(o_rem[k]), cap_left[j])
                    if not buying:
                        want = min(want, max(shares[j], 0.0) + max(borrow_left[j], 0.0))
                    got, price = _order_fill(
                        k,
                        buying,
                        want,
                        op,
                        hi,
                        lo,
                        px[j],
                        volume[t, j],
                        a,
                        o_type,
                        o_limit,
                        o_stop,
                        o_display,
                        st_trig,
                        st_ahead,
                        st_tranche,
                        queue_ahead,
                    )
                    take = got
                    if take <= 0.0:
                        continue
                    cap_left[j] -= take
                    fills, n_f = _book(
                        t,
                        j,
                        float(k),
                        take if buying else -take,
                        price,
                        a,
                        sigma[t, j],
                        cp,
                        sleeves,
                        cash,
                        shares,
                        costs,
                        fills,
                        n_f,
                        traded,
                        bar_q,
                    )
                    if not buying:
                        borrow_left[j] -= max(take - max(shares[j] + take, 0.0), 0.0)
                    o_rem[k] += take if not buying else -take
                    if abs(o_rem[k]) <= 0.0:
                        active[k] = False
            if buying:
                fills, n_f = _buy_targets(
                    t,
                    buy_q,
                    buy_p,
                    adv,
                    sigma,
                    volume,
                    cp,
                    cash_limit,
                    sleeves,
                    cash,
                    shares,
                    tgt,
                    costs,
                    fills,
                    n_f,
                    traded,
                    bar_q,
                )
        # 5. delistings
        for j in range(n_a):
            if delist[t, j]:
                tgt[j] = 0.0
                wts[W_INTENDED, j], wts[W_PLACED, j] = np.nan, np.nan
                for k in range(nxt):
                    if active[k] and o_j[k] == j:
                        active[k] = False
                if shares[j] != 0.0:
                    last_px = close[t, j] if not np.isnan(close[t, j]) else last[j]
                    p = last_px * (1.0 + delist_ret[t, j])
                    if n_f >= fills.shape[0]:
                        fills = _grow(fills)
                    fills[n_f, 0], fills[n_f, 1], fills[n_f, 2] = t, j, DELIST_ID
                    fills[n_f, 3], fills[n_f, 4], fills[n_f, 9] = -shares[j], p, 1.0
                    n_f += 1
                    cash[j if sleeves else 0] += shares[j] * p
                    traded[t] += abs(shares[j] * p)
                    shares[j] = 0.0
        # 6. carry and marking
        for j in range(n_a):
            if not np.isnan(close[t, j]):
                last[j] = close[t, j]
        value = cash.sum()
        for j in range(n_a):
            if shares[j] != 0.0:
                v = shares[j] * last[j]
                value += v
                if shares[j] < 0.0:
                    fee = borrow_fee(-v, cp[P_BORROW], years[t])
                    cash[j if sleeves else 0] -= fee
                    costs[C_BORROW, t] += fee
                    value -= fee
            if tgt[j] != 0.0 and not np.isnan(last[j]):
                unfilled[t] += abs(tgt[j]) * last[j]
            positions[t, j] = shares[j]
        eq_out[t] = value
        cash_out[t] = cash.sum()
        # 7. post-trade check
        events, n_e = _post_trade(t, shares, last, value, pol, gross_out, events, n_e)
    return (
        eq_out,
        cash_out,
        div_out,
        costs,
        positions,
        traded,
        fills[:n_f],
        unfilled,
        events[:n_e],
        scale_out,
    )


@njit(cache=True)
def _grow(fills: np.ndarray) -> np.ndarray:
    # element loops, not slice assignment: a slice assignment compiles Numba's
    # shape-mismatch message formatting (strings, about 2 s of a cold compile)
    bigger = np.zeros((2 * fills.shape[0], fills.shape[1]))
    for i in range(fills.shape[0]):
        for c in range(fills.shape[1]):
            bigger[i, c] = fills[i, c]
    return bigger


@njit(cache=True)
def _book(
    t: int,
    j: int,
    k: float,
    q: float,
    p: float,
    adv: float,
    sigma: float,
    cp: np.ndarray,
    sleeves: bool,
    cash: np.ndarray,
    shares: np.ndarray,
    costs: np.ndarray,
    fills: np.ndarray,
    n_f: int,
    traded: np.ndarray,
    bar_q: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Execute one fill of ``q`` shares of asset ``j`` at ``p``; append it to ``fills``."""
    comm, spread, impact, tax = _fill_costs(q, p, adv, sigma, cp, bar_q[j])
    bar_q[j] += abs(q)
    c = j if sleeves else 0
    cash[c] -= q * p + (comm + spread + impact + tax)
    shares[j] += q
    costs[C_COMM, t] += comm
    costs[C_SPREAD, t] += spread
    costs[C_IMPACT, t] += impact
    costs[C_TAX, t] += tax
    traded[t] += abs(q * p)
    if n_f >= fills.shape[0]:
        fills = _grow(fills)
    fills[n_f, 0], fills[n_f, 1], fills[n_f, 2], fills[n_f, 3], fills[n_f, 4] = t, j, k, q, p
    fills[n_f, 5], fills[n_f, 6], fills[n_f, 7], fills[n_f, 8] = comm, spread, impact, tax
    return fills, n_f + 1


@njit(cache=True)
def _target_need(
    t: int,
    buy_q: np.ndarray,
    buy_p: np.ndarray,
    scale: np.ndarray,
    adv: np.ndarray,
    sigma: np.ndarray,
    volume: np.ndarray,
    cp: np.ndarray,
    sleeves: bool,
    bar_q: np.ndarray,
) -> np.ndarray:
    """Cash each book needs for its target buys scaled by ``scale``: notional plus costs."""
    need = np.zeros(scale.shape[0])
    for j in range(buy_q.shape[0]):
        c = j if sleeves else 0
        q = buy_q[j] * scale[c]
        if q > 0.0:
            a = adv[t, j] if not np.isnan(adv[t, j]) else volume[t, j]
            comm, spread, impact, tax = _fill_costs(q, buy_p[j], a, sigma[t, j], cp, bar_q[j])
            need[c] += q * buy_p[j] + (comm + spread + impact + tax)
    return need


@njit(cache=True)
def _over(need: float, cash: float) -> bool:
    return need > 0.0 and need > cash + 1e-12 * abs(cash)


@njit(cache=True)
def _buy_targets(
    t: int,
    buy_q: np.ndarray,
    buy_p: np.ndarray,
    adv: np.ndarray,
    sigma: np.ndarray,
    volume: np.ndarray,
    cp: np.ndarray,
    cash_limit: bool,
    sleeves: bool,
    cash: np.ndarray,
    shares: np.ndarray,
    tgt: np.ndarray,
    costs: np.ndarray,
    fills: np.ndarray,
    n_f: int,
    traded: np.ndarray,
    bar_q: np.ndarray,
) -> tuple[np.ndarray, int]:
    """Fill the bar's target buys, scaled (per sleeve or book) to the cash when limited.

    The scale starts at cash / need and is refined (``scale *= cash / need(scale)``, at most
    20 times) because fixed minimum commissions do not shrink with the quantity; a book whose
    scaled buys still need more than its cash buys nothing.
    """
    n_a = buy_q.shape[0]
    n_c = cash.shape[0]
    scale = np.ones(n_c)
    if cash_limit:
        need = _target_need(t, buy_q, buy_p, scale, adv, sigma, volume, cp, sleeves, bar_q)
        for _ in range(20):
            done = True
            for c in range(n_c):
                if _over(need[c], cash[c]):
                    scale[c] *= max(cash[c], 0.0) / need[c]
                    done = False
            if done:
                break
            need = _target_need(t, buy_q, buy_p, scale, adv, sigma, volume, cp, sleeves, bar_q)
        for c in range(n_c):
            if _over(need[c], cash[c]):
                scale[c] = 0.0
    for j in range(n_a):
        if buy_q[j] <= 0.0:
            continue
        s = scale[j if sleeves else 0]
        q = buy_q[j] * s
        if q > 0.0:
            a = adv[t, j] if not np.isnan(adv[t, j]) else volume[t, j]
            fills, n_f = _book(
                t,
                j,
                TARGET_ID,
                q,
                buy_p[j],
                a,
                sigma[t, j],
                cp,
                sleeves,
                cash,
                shares,
                costs,
                fills,
                n_f,
                traded,
                bar_q,
            )
        tgt[j] = tgt[j] - q if s >= 1.0 else 0.0
    return fills, n_f


# -- risk policies (events 2, 3 and 7) ------------------------------------------------------
# Inlined where it is called: its callers pass event codes and assets as constants, and
# Numba compiles a separate function for every literal argument (18 of them) otherwise.
@njit(cache=True, inline="always")
def _event(
    events: np.ndarray, n_e: int, t: int, kind: int, j: int, value: float, limit: float
) -> tuple[np.ndarray, int]:
    """Append the policy event (t, kind, j, value, limit) to ``events``."""
    if n_e >= events.shape[0]:
        events = _grow(events)
    events[n_e, 0], events[n_e, 1], events[n_e, 2] = t, kind, j
    events[n_e, 3], events[n_e, 4] = value, limit
    return events, n_e + 1


@njit(cache=True)
def _loss(before: float, after: float) -> float:
    """Loss from ``before`` to ``after`` as a fraction of ``before`` (0 when it is <= 0)."""
    return (before - after) / before if before > 0.0 else 0.0


@njit(cache=True)
def _threshold(pol: np.ndarray, level: int) -> float:
    """Drawdown threshold of de-risk level ``level`` (1 = the first row of the schedule)."""
    return pol[Q_SCHEDULE + 2 * (level - 1)]


@njit(cache=True)
def _derisk_level(level: int, dd: float, pol: np.ndarray) -> int:
    """The de-risk level after a drawdown of ``dd``: deeper at once, back with hysteresis."""
    n_levels = (pol.shape[0] - Q_SCHEDULE) // 2
    deep = 0
    while deep < n_levels and dd >= _threshold(pol, deep + 1):
        deep += 1
    if deep >= level:
        return deep
    while level > deep and dd < _threshold(pol, level) - pol[Q_HYSTERESIS]:
        level -= 1
    return level


@njit(cache=True)
def _policy_step(
    t: int,
    pol: np.ndarray,
    ps: np.ndarray,
    equity: np.ndarray,
    gross: np.ndarray,
    capital: float,
    events: np.ndarray,
    n_e: int,
) -> tuple[float, bool, bool, np.ndarray, int]:
    """2. Update the policy state ``ps`` from closes up to ``t - 1``.

    Returns the bar's de-risk scale, whether it is blocked, whether the book is flattened,
    and the events.
    """
    e1 = equity[t - 1] if t >= 1 else capital
    e2 = equity[t - 2] if t >= 2 else capital
    ps[S_PEAK] = max(ps[S_PEAK], e1)
    dd = (ps[S_PEAK] - e1) / ps[S_PEAK]
    # kill switch
    if ps[S_KILL] >= 0.0 and t >= ps[S_KILL]:
        events, n_e = _event(events, n_e, t, EV_KILL_RESET, -1, pol[Q_KILL_RESET], np.nan)
        ps[S_KILL] = -1.0
    if ps[S_KILL] < 0.0:
        fired = False
        if dd > pol[Q_KILL_DD]:
            events, n_e = _event(events, n_e, t, EV_KILL_DRAWDOWN, -1, dd, pol[Q_KILL_DD])
            fired = True
        bar_loss = _loss(e2, e1)
        if bar_loss > pol[Q_KILL_LOSS]:
            events, n_e = _event(events, n_e, t, EV_KILL_BAR_LOSS, -1, bar_loss, pol[Q_KILL_LOSS])
            fired = True
        g = gross[t - 1] if t >= 1 else 0.0
        if g > pol[Q_KILL_GROSS]:
            events, n_e = _event(events, n_e, t, EV_KILL_GROSS, -1, g, pol[Q_KILL_GROSS])
            fired = True
        if fired:
            ps[S_KILL] = t + pol[Q_KILL_RESET]
    # circuit breaker
    if ps[S_BREAK] >= 0.0 and t >= ps[S_BREAK]:
        events, n_e = _event(events, n_e, t, EV_BREAKER_RESET, -1, pol[Q_BREAK_COOLDOWN], np.nan)
        ps[S_BREAK] = -1.0
    window = int(pol[Q_BREAK_WINDOW])
    if window >= 1 and ps[S_BREAK] < 0.0:
        b = t - 1 - window
        loss = _loss(equity[b] if b >= 0 else capital, e1)
        if loss > pol[Q_BREAK_LOSS]:
            events, n_e = _event(events, n_e, t, EV_BREAKER_TRIP, -1, loss, pol[Q_BREAK_LOSS])
            ps[S_BREAK] = t + pol[Q_BREAK_COOLDOWN]
    # de-risk
    scale = 1.0
    if pol.shape[0] > Q_SCHEDULE:
        old = int(ps[S_LEVEL])
        level = _derisk_level(old, dd, pol)
        if level > old:
            events, n_e = _event(events, n_e, t, EV_DERISK_DOWN, -1, dd, _threshold(pol, level))
        elif level < old:
            back = _threshold(pol, level + 1) - pol[Q_HYSTERESIS]
            events, n_e = _event(events, n_e, t, EV_DERISK_UP, -1, dd, back)
        ps[S_LEVEL] = level
        if level > 0:
            scale = pol[Q_SCHEDULE + 2 * level - 1]  # the scale of the level's row
    killed = ps[S_KILL] >= 0.0
    block = killed or ps[S_BREAK] >= 0.0
    return scale, block, killed and pol[Q_KILL_FLATTEN] > 0.0, events, n_e


@njit(cache=True)
def _pre_trade(
    t: int, target: np.ndarray, intended: np.ndarray, pol: np.ndarray, events: np.ndarray, n_e: int
) -> tuple[bool, np.ndarray, int]:
    """3. Check the book row ``target[t]`` asks for; return whether the row is accepted."""
    gross, big, arg = 0.0, 0.0, -1
    for j in range(intended.shape[0]):
        w = target[t, j] if not np.isnan(target[t, j]) else intended[j]
        if not np.isnan(w):
            gross += abs(w)
            if abs(w) > big:
                big, arg = abs(w), j
    mp, mg = pol[Q_MAX_POS], pol[Q_MAX_GROSS]
    if int(pol[Q_PRE_TRADE]) == PRE_REFUSE:
        refused = False
        if big > mp + _LIMIT_TOL:
            events, n_e = _event(events, n_e, t, EV_REFUSE_POSITION, arg, big, mp)
            refused = True
        if gross > mg + _LIMIT_TOL:
            events, n_e = _event(events, n_e, t, EV_REFUSE_GROSS, -1, gross, mg)
            refused = True
        return not refused, events, n_e
    if big > mp + _LIMIT_TOL:
        events, n_e = _event(events, n_e, t, EV_CLIP_POSITION, arg, big, mp)
    clipped = 0.0
    for j in range(intended.shape[0]):
        w = target[t, j] if not np.isnan(target[t, j]) else intended[j]
        if not np.isnan(w):
            clipped += mp if abs(w) > mp + _LIMIT_TOL else abs(w)
    if clipped > mg + _LIMIT_TOL:
        events, n_e = _event(events, n_e, t, EV_CLIP_GROSS, -1, clipped, mg)
    return True, events, n_e


@njit(cache=True)
def _effective(intended: np.ndarray, pol: np.ndarray, scale: float, eff: np.ndarray) -> None:
    """Fill ``eff`` with the effective weights ``scale * h(W)`` (NaN where W is NaN)."""
    n_a = intended.shape[0]
    if int(pol[Q_PRE_TRADE]) != PRE_CLIP:
        for j in range(n_a):
            eff[j] = scale * intended[j]
        return
    mp, gross = pol[Q_MAX_POS], 0.0
    for j in range(n_a):
        w = intended[j]
        eff[j] = (mp if w > 0.0 else -mp) if abs(w) > mp + _LIMIT_TOL else w
        if not np.isnan(w):
            gross += abs(eff[j])
    f = pol[Q_MAX_GROSS] / gross if gross > pol[Q_MAX_GROSS] + _LIMIT_TOL else 1.0
    for j in range(n_a):
        eff[j] = scale * (eff[j] * f)


@njit(cache=True)
def _size(w: float, e: float, p: float, held: float) -> float:
    """Shares of a target order of weight ``w`` of equity ``e`` at ``p`` (0: nothing)."""
    if np.isnan(p) or p <= 0.0:
        return 0.0  # no price to size with (the pandas layer refuses this)
    delta = w * e / p - held
    return delta if abs(delta) * p > _DUST * abs(e) else 0.0


@njit(cache=True)
def _new_targets(
    t: int,
    target: np.ndarray,
    px: np.ndarray,
    eq_ref: np.ndarray,
    shares: np.ndarray,
    tgt: np.ndarray,
    wts: np.ndarray,
    scale: float,
    block: bool,
    flatten: bool,
    pol: np.ndarray,
    sleeves: bool,
    events: np.ndarray,
    n_e: int,
) -> tuple[np.ndarray, int]:
    """3. Merge the row into the intended weights and (re)place the target orders."""
    intended, placed, eff = wts[W_INTENDED], wts[W_PLACED], wts[W_EFFECTIVE]
    n_a = intended.shape[0]
    has_row = False
    for j in range(n_a):
        if not np.isnan(target[t, j]):
            has_row = True
    accepted = True
    if has_row and int(pol[Q_PRE_TRADE]) != PRE_OFF:
        accepted, events, n_e = _pre_trade(t, target, intended, pol, events, n_e)
    if has_row and accepted:
        for j in range(n_a):
            if not np.isnan(target[t, j]):
                intended[j] = target[t, j]
    if block:
        for j in range(n_a):
            placed[j] = np.nan
            e = eq_ref[j if sleeves else 0]
            tgt[j] = _size(0.0, e, px[j], shares[j]) if flatten else 0.0
        return events, n_e
    _effective(intended, pol, scale, eff)
    for j in range(n_a):
        if np.isnan(intended[j]):
            continue
        if (accepted and not np.isnan(target[t, j])) or eff[j] != placed[j]:
            tgt[j] = _size(eff[j], eq_ref[j if sleeves else 0], px[j], shares[j])
            placed[j] = eff[j]
    return events, n_e


@njit(cache=True)
def _post_trade(
    t: int,
    shares: np.ndarray,
    last: np.ndarray,
    equity: float,
    pol: np.ndarray,
    gross: np.ndarray,
    events: np.ndarray,
    n_e: int,
) -> tuple[np.ndarray, int]:
    """7. Measure the gross exposure after bar ``t`` into ``gross``; flag breaches."""
    total, big, arg = 0.0, 0.0, -1
    for j in range(shares.shape[0]):
        if shares[j] != 0.0:
            v = abs(shares[j] * last[j])
            total += v
            if v > big:
                big, arg = v, j
    if equity > 0.0:
        g, m = total / equity, big / equity
    else:
        g, m = (np.inf if total > 0.0 else 0.0), (np.inf if big > 0.0 else 0.0)
    gross[t] = g
    if pol[Q_POST_TRADE] > 0.0:
        if m > pol[Q_MAX_POS] + _LIMIT_TOL:
            events, n_e = _event(events, n_e, t, EV_POST_POSITION, arg, m, pol[Q_MAX_POS])
        if g > pol[Q_MAX_GROSS] + _LIMIT_TOL:
            events, n_e = _event(events, n_e, t, EV_POST_GROSS, -1, g, pol[Q_MAX_GROSS])
    return events, n_e
