/* margin: the integer arithmetic of maintenance and initial margin, trigger
 * ticks, and the closed-form liquidation and bankruptcy prices.
 *
 * Maintenance margin of a notional N (money) in tier t, at scale s:
 *     MM(N) = ceil(N * e_t / 1e12) - cum_t,   e_t = min(mmr_t * s, 1e12)
 *     cum_0 = 0,
 *     cum_t = cum_{t-1} + ceil(F_t * e_t / 1e12) - ceil(F_t * e_{t-1} / 1e12)
 * which is Binance's cum_t = F_t * (mmr_t - mmr_{t-1}) + cum_{t-1}, with the
 * rounding chosen so that both tiers give exactly the same MM at a floor F_t:
 * MM is continuous, and nondecreasing in N. The rate is capped at 100% of the
 * notional so that a long's equity minus MM never decreases as the mark rises
 * (and a short's never increases): liquidatability is monotone in the mark,
 * which is what makes a single trigger tick per position exact.
 */
#include <math.h>

#include "exchange/exchangeInt.h"

void cas__tiers_prepare(const struct cas_instrument_spec *spec, int64_t scale_ppm, int64_t *eff,
                        cas_money *cum)
{
    for (uint32_t t = 0; t < spec->n_tiers; t++) {
        i128 e = (i128)spec->tiers[t].mmr_ppm * scale_ppm;
        eff[t] = e < 0 ? 0 : e > RATE_ONE ? RATE_ONE : (int64_t)e;
        if (t == 0) {
            cum[t] = 0;
            continue;
        }
        i128 f = spec->tiers[t].floor;
        cum[t] = cum[t - 1] +
                 (cas_money)(div_ceil(f * eff[t], RATE_ONE) - div_ceil(f * eff[t - 1], RATE_ONE));
    }
}

static uint32_t tier_of(const struct cas_instrument_spec *spec, i128 notional)
{
    uint32_t t = spec->n_tiers ? spec->n_tiers - 1 : 0;
    while (t > 0 && notional < spec->tiers[t].floor)
        t--;
    return t;
}

i128 cas__mm(const struct cas_instrument_spec *spec, const int64_t *eff, const cas_money *cum,
             i128 notional)
{
    if (spec->n_tiers == 0)
        return 0;
    uint32_t t = tier_of(spec, notional);
    return div_ceil(notional * eff[t], RATE_ONE) - cum[t];
}

cas_money cas_margin_maintenance(const struct cas_instrument_spec *spec, cas_lots lots,
                                 cas_ticks mark, int64_t scale_ppm)
{
    int64_t eff[CAS_MAX_TIERS];
    cas_money cum[CAS_MAX_TIERS];
    if (spec->n_tiers == 0 || spec->n_tiers > CAS_MAX_TIERS)
        return 0;
    cas__tiers_prepare(spec, scale_ppm, eff, cum);
    i128 mm = cas__mm(spec, eff, cum, (i128)abs_lots(lots) * mark * spec->contract_units);
    return mm > INT64_MAX ? INT64_MAX : (cas_money)mm;
}

/* Equity below maintenance at `mark`, for one position backed by `cash`. */
bool cas__liquidatable_one(const struct instrument *in, cas_lots lots, i128 cash, cas_ticks mark)
{
    i128 value = (i128)lots * mark * in->spec.contract_units;
    i128 notional = value < 0 ? -value : value;
    return cash + value < cas__mm(&in->spec, in->eff, in->cum, notional);
}

/* ---- closed forms (real numbers) ---- */

/* The mark where cash + lots*p*K = MM(p) with MM linear in a tier:
 * p = -(cash + cum_t) / (K * (lots - |lots| * e_t)), trying each tier for the
 * one whose notional range holds the root. */
static double liq_real(const struct cas_instrument_spec *spec, const int64_t *eff, double lots,
                       double cash)
{
    double k = (double)spec->contract_units, cum = 0, p = NAN, al = fabs(lots);
    for (uint32_t t = 0; t < spec->n_tiers; t++) {
        double e = (double)eff[t] / (double)RATE_ONE;
        if (t > 0)
            cum += (double)spec->tiers[t].floor * (e - (double)eff[t - 1] / (double)RATE_ONE);
        double den = k * (lots - al * e);
        if (den == 0)
            continue;
        p = -(cash + cum) / den;
        double n = al * p * k;
        bool above_next = t + 1 < spec->n_tiers && n >= (double)spec->tiers[t + 1].floor;
        if (n >= (double)spec->tiers[t].floor && !above_next)
            return p;
        if (t == 0 && n < 0)
            return p; /* no positive root: the caller decides */
    }
    return p;
}

/* The liquidation price from rates already scaled (an instrument's eff). */
static double liq_price(const struct cas_instrument_spec *spec, const int64_t *eff, cas_lots lots,
                        cas_money cash)
{
    if (lots == 0 || spec->n_tiers == 0 || spec->n_tiers > CAS_MAX_TIERS)
        return NAN;
    double p = liq_real(spec, eff, (double)lots, (double)cash);
    if (lots > 0 && !(p > 0))
        return NAN;
    return p;
}

double cas_margin_liquidation_price(const struct cas_instrument_spec *spec, cas_lots lots,
                                    cas_money cash, int64_t scale_ppm)
{
    int64_t eff[CAS_MAX_TIERS];
    cas_money cum[CAS_MAX_TIERS];
    if (lots == 0 || spec->n_tiers == 0 || spec->n_tiers > CAS_MAX_TIERS)
        return NAN;
    cas__tiers_prepare(spec, scale_ppm, eff, cum);
    return liq_price(spec, eff, lots, cash);
}

double cas_margin_bankruptcy_price(const struct cas_instrument_spec *spec, cas_lots lots,
                                   cas_money cash)
{
    if (lots == 0)
        return NAN;
    double p = -(double)cash / ((double)lots * (double)spec->contract_units);
    if (lots > 0 && !(p > 0))
        return NAN;
    return p;
}

/* ---- trigger ticks ---- */

/* pred is "liquidatable at p" for a long and "not liquidatable at p" for a
 * short: true on [1, t] and false above, for some t in [0, MAXP]. */
static bool pred(const struct instrument *in, cas_lots lots, i128 cash, cas_ticks p)
{
    bool liq = cas__liquidatable_one(in, lots, cash, p);
    return lots > 0 ? liq : !liq;
}

/* Bisection of (lo, hi) given pred(lo) (or lo == 0) and !pred(hi) (or
 * hi == MAXP + 1): the last p where pred holds. */
static cas_ticks bisect(const struct instrument *in, cas_lots lots, i128 cash, cas_ticks lo,
                        cas_ticks hi)
{
    while (hi - lo > 1) {
        cas_ticks mid = lo + (hi - lo) / 2;
        if (pred(in, lots, cash, mid))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The last p in [1, MAXP] where pred holds (0 if none): galloping from the
 * guess, then bisection, so a good guess costs a few evaluations and a bad
 * one at most ~2 log2(MAXP). The invariant: pred(lo) (or lo == 0) and
 * !pred(hi) (or hi == MAXP + 1). */
static cas_ticks last_true(const struct instrument *in, cas_lots lots, i128 cash, cas_ticks g)
{
    cas_ticks lo, hi, step = 1;
    g = g < 1 ? 1 : g > MAXP ? MAXP : g;
    if (pred(in, lots, cash, g)) {
        for (lo = g;; step *= 2) {
            if (lo + step > MAXP) {
                hi = MAXP + 1;
                break;
            }
            if (!pred(in, lots, cash, lo + step)) {
                hi = lo + step;
                break;
            }
            lo += step;
        }
    } else {
        for (hi = g;; step *= 2) {
            if (hi - step < 1) {
                lo = 0;
                break;
            }
            if (pred(in, lots, cash, hi - step)) {
                lo = hi - step;
                break;
            }
            hi -= step;
        }
    }
    return bisect(in, lots, cash, lo, hi);
}

/* The trigger of a position: the highest liquidatable mark of a long
 * (TRIGGER_NONE_LONG if none), the lowest of a short (TRIGGER_NONE_SHORT if
 * none up to MAXP). `exhaustive` searches the whole range by bisection
 * without a guess: the check's independent recomputation. */
cas_ticks cas__trigger(const struct instrument *in, cas_lots lots, i128 cash, bool exhaustive)
{
    if (lots == 0)
        return TRIGGER_NONE_SHORT; /* never indexed: a flat position has no trigger */
    cas_ticks t;
    if (exhaustive) {
        t = bisect(in, lots, cash, 0, MAXP + 1);
    } else {
        double c = cash > (i128)INT64_MAX   ? (double)INT64_MAX
                   : cash < (i128)INT64_MIN ? (double)INT64_MIN
                                            : (double)(int64_t)cash;
        double p = liq_real(&in->spec, in->eff, (double)lots, c);
        cas_ticks g = !(p >= 1) ? 1 : p >= (double)MAXP ? MAXP : (cas_ticks)p;
        t = last_true(in, lots, cash, g);
    }
    if (lots > 0)
        return t; /* 0 = none */
    return t >= MAXP ? TRIGGER_NONE_SHORT : t + 1;
}

/* How far, in ticks, a position's trigger can lie from the liquidation price
 * the closed form gives it (cas_margin_liquidation_price), for any position
 * on the side: the integer MM differs from the real one by less than
 * n_tiers + 1 money units (one ceiling, and one per tier in cum), and equity
 * minus MM moves by at least K (1 - e_max) per tick on a long of one lot (K
 * (1 + e) >= K on a short), so the roots lie within (n_tiers + 2) / slope
 * ticks, plus one for the tick the trigger is rounded to. Infinite when a
 * long's rate reaches 100% (equity minus MM can then be flat). */
double cas__trigger_margin(const struct instrument *in, enum cas_side side)
{
    double slope = (double)in->spec.contract_units;
    if (side == CAS_BUY) {
        int64_t emax = 0;
        for (uint32_t t = 0; t < in->spec.n_tiers; t++)
            emax = in->eff[t] > emax ? in->eff[t] : emax;
        slope *= 1 - (double)emax / (double)RATE_ONE;
    }
    return slope > 0 ? ((double)in->spec.n_tiers + 2) / slope + 1 : INFINITY;
}

/* ---- initial margin ---- */

int32_t cas__leverage(const struct instrument *in, int32_t account_lev, i128 notional)
{
    int32_t lev = account_lev;
    if (in->spec.max_leverage > 0 && in->spec.max_leverage < lev)
        lev = in->spec.max_leverage;
    if (in->spec.n_tiers > 0) {
        int32_t tl = in->spec.tiers[tier_of(&in->spec, notional)].max_leverage;
        if (tl > 0 && tl < lev)
            lev = tl;
    }
    return lev < 1 ? 1 : lev;
}

i128 cas__initial(const struct instrument *in, int32_t account_lev, cas_lots lots, cas_ticks price)
{
    i128 n = (i128)abs_lots(lots) * price * in->spec.contract_units;
    return div_ceil(n, cas__leverage(in, account_lev, n));
}

/* ---- whether positions and accounts are liquidatable, and their prices ---- */

/* Cash backing position (a, i) alone: the position's cash (isolated) or the
 * account's (cross). */
cas_money cas__backing_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    return is_perp(ex, i) && ex->acct[a].mode == CAS_ISOLATED ? pos_at(ex, a, i)->cash
                                                              : ex->acct[a].cash;
}

/* A cross account: cash + sum(lots * mark * K) < sum(MM) over its perpetuals. */
bool cas__account_liquidatable(const struct cas_exchange *ex, uint32_t a)
{
    i128 eq = ex->acct[a].cash, mm = 0;
    bool any = false;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        const struct instrument *in = &ex->inst[j];
        if (!is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units;
        eq += v;
        mm += cas__mm(&in->spec, in->eff, in->cum, v < 0 ? -v : v);
        any = true;
    }
    return any && eq < mm;
}

/* Whether position (a, i) is liquidatable: its own test if isolated, its
 * account's if cross. */
bool cas__position_liquidatable(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    const struct position *p = pos_at(ex, a, i);
    if (!is_perp(ex, i) || p->lots == 0)
        return false;
    if (ex->acct[a].mode == CAS_CROSS)
        return cas__account_liquidatable(ex, a);
    return cas__liquidatable_one(&ex->inst[i], p->lots, p->cash, ex->inst[i].mark);
}

/* The cash that a cross position's price formulas see: the account's cash
 * plus the other perpetual positions at their marks, less (with_mm) their
 * maintenance margin (Binance's WB - TMM_other + UPNL_other). */
static cas_money cross_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i, bool with_mm)
{
    i128 c = ex->acct[a].cash;
    for (uint32_t j = 0; j < ex->n_inst; j++) {
        const struct position *p = pos_at(ex, a, j);
        const struct instrument *in = &ex->inst[j];
        if (j == i || !is_perp(ex, j) || p->lots == 0)
            continue;
        i128 v = (i128)p->lots * in->mark * in->spec.contract_units;
        c += v;
        if (with_mm)
            c -= cas__mm(&in->spec, in->eff, in->cum, v < 0 ? -v : v);
    }
    return (cas_money)c;
}

void cas__position_view(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                        struct cas_position_view *out)
{
    *out = (struct cas_position_view){.liquidation = NAN, .bankruptcy = NAN};
    if (account >= ex->n_acct || instrument >= ex->n_inst)
        return;
    const struct position *p = pos_at(ex, account, instrument);
    const struct instrument *in = &ex->inst[instrument];
    out->lots = p->lots;
    out->realized_pnl = p->realized;
    if (p->lots == 0)
        return;
    out->entry = (double)p->cost / ((double)p->lots * (double)in->spec.contract_units);
    if (!is_perp(ex, instrument))
        return;
    bool iso = ex->acct[account].mode == CAS_ISOLATED;
    out->margin = iso ? p->cash + p->cost : 0; /* what was put in, plus realized flows */
    cas_money liq = iso ? p->cash : cross_cash(ex, account, instrument, true);
    cas_money bk = iso ? p->cash : cross_cash(ex, account, instrument, false);
    /* the instrument's rates are those cas_margin_liquidation_price would prepare */
    out->liquidation = liq_price(&in->spec, in->eff, p->lots, liq);
    out->bankruptcy = cas_margin_bankruptcy_price(&in->spec, p->lots, bk);
}
