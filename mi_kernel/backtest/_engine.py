"""The engine's Numba kernel: one clock over bars, all assets of a bar in one pass.

Arrays in, arrays out, no pandas (the pandas layer is :mod:`mi_kernel.backtest.engine`).
``T`` bars (oldest first) by ``N`` assets; every (T, N) array is C-contiguous float64 unless
said otherwise. The rules below are the specification; ``tests/backtest/reference_engine.py``
implements them again, one event at a time, and the tests require identical results.

Each bar ``t`` runs these events in this order:

1. **Corporate actions** (ex-date ``t``). Dividend ``div[t, j]`` per share: a long receives
   ``shares * div * (1 - dividend_tax)`` (the withheld part is a tax), a short pays
   ``|shares| * div``. Then a split of ``split[t, j]`` new shares per old one multiplies the
   position and the remaining quantity and display size of its working orders (target and
   explicit orders that arrived before ``t``) and divides their limit and stop prices and the
   last close (so they mean the same in new shares); the queue ahead of an order stays.
2. **New instructions.** A target weight ``target[t, j]`` (NaN = no new target) replaces the
   asset's working target order by ``w * E / px - shares`` shares, where ``px`` is the
   execution reference price (open if ``fill_at`` = 0, close if 1; the last close if the bar is
   missing) and ``E`` is the book's equity at those prices (the sleeve's own equity in sleeve
   mode). Differences below ``1e-9`` of ``E`` in value are not traded. Explicit orders whose
   arrival bar is ``t`` start working.
3. **Fills**, only where ``tradable[t, j]`` (a bar, not halted, the venue open; universe
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
4. **Delistings.** Where ``delist[t, j]``, the position is closed at
   ``close * (1 + delist_ret)`` (the last close if the bar has none) with no trading cost,
   and the asset's orders are cancelled.
5. **Carry and marking.** Shorts pay the borrow fee for ``years[t]`` of calendar time at the
   close (last close where the bar is missing); equity is cash plus positions at those closes.

Unfilled quantity of the target order keeps working on later bars until a new target
replaces it; explicit orders work until filled, cancelled by a delisting, or past their
last bar ``o_until``.
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


@njit(cache=True)
def _fill_costs(
    q: float, p: float, adv: float, sigma: float, cp: np.ndarray, before: float
) -> np.ndarray:
    out = np.zeros(4)
    out[0] = commission_fee(q, p, cp[P_SHARE], cp[P_BPS], cp[P_MIN])
    out[1] = spread_fee(q, p, cp[P_SPREAD])
    out[2] = impact_fee(q, p, adv, sigma, cp[P_IMPACT], before)
    out[3] = tax_fee(q, p, cp[P_BUY_TAX], cp[P_SELL_TAX])
    return out


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
) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]:
    """Simulate the book; see the module docstring for the rules.

    Orders (explicit) are rows ``k`` of the ``o_*`` arrays sorted by arrival bar ``o_t``;
    target orders get ids ``-1`` in the fills. ``o_type``: 0 market, 1 limit, 2 stop;
    ``o_display`` > 0 makes a limit order an iceberg.

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
    n_f = 0
    cap_left = np.zeros(n_a)
    borrow_left = np.zeros(n_a)
    px = np.zeros(n_a)
    buy_q, buy_p = np.zeros(n_a), np.zeros(n_a)
    bar_q = np.zeros(n_a)  # shares each asset has traded in the current bar (for impact)
    nxt = 0  # next explicit order to arrive
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
        eq_ref = cash.copy()
        for j in range(n_a):
            if shares[j] != 0.0:
                eq_ref[j if sleeves else 0] += shares[j] * px[j]
        # 2. new instructions
        for j in range(n_a):
            w = target[t, j]
            if not np.isnan(w):
                e = eq_ref[j if sleeves else 0]
                if np.isnan(px[j]) or px[j] <= 0.0:
                    tgt[j] = 0.0  # no price to size with (the pandas layer refuses this)
                else:
                    delta = w * e / px[j] - shares[j]
                    tgt[j] = delta if abs(delta) * px[j] > _DUST * abs(e) else 0.0
        while nxt < n_o and o_t[nxt] <= t:
            if o_t[nxt] == t:
                active[nxt] = True
            nxt += 1
        for k in range(nxt):
            if active[k] and o_until[k] < t:
                active[k] = False
        # 3. fills: capacities first
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
                    if buying:
                        fills, n_f = _book(
                            t,
                            j,
                            float(k),
                            take,
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
                    else:
                        fills, n_f = _book(
                            t,
                            j,
                            float(k),
                            -take,
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
        # 4. delistings
        for j in range(n_a):
            if delist[t, j]:
                tgt[j] = 0.0
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
        # 5. carry and marking
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
    return eq_out, cash_out, div_out, costs, positions, traded, fills[:n_f], unfilled


@njit(cache=True)
def _grow(fills: np.ndarray) -> np.ndarray:
    bigger = np.zeros((2 * fills.shape[0], fills.shape[1]))
    bigger[: fills.shape[0]] = fills
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
    fc = _fill_costs(q, p, adv, sigma, cp, bar_q[j])
    bar_q[j] += abs(q)
    c = j if sleeves else 0
    cash[c] -= q * p + fc.sum()
    shares[j] += q
    costs[C_COMM, t] += fc[0]
    costs[C_SPREAD, t] += fc[1]
    costs[C_IMPACT, t] += fc[2]
    costs[C_TAX, t] += fc[3]
    traded[t] += abs(q * p)
    if n_f >= fills.shape[0]:
        fills = _grow(fills)
    fills[n_f, 0], fills[n_f, 1], fills[n_f, 2], fills[n_f, 3], fills[n_f, 4] = t, j, k, q, p
    fills[n_f, 5:9] = fc
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
            need[c] += q * buy_p[j] + _fill_costs(q, buy_p[j], a, sigma[t, j], cp, bar_q[j]).sum()
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
