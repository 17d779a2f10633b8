/* exchangeInt: the data structures behind the exchange (private to src/exchange).
 *
 * Accounts and positions are dense arrays: position (a, i) is pos[a * n_inst +
 * i]. An account's money is `cash`; an isolated perpetual position keeps its
 * own `cash` (its margin plus its trade flows), which returns to the account
 * when the position closes. Engine jobs hold what they took over (lots and
 * cash). Invariant (cas_exchange_check): sum(account cash) + sum(position
 * cash) + sum(job cash) + fund + fees + residue == deposited, and on every
 * perpetual the long lots equal the short lots, jobs included.
 *
 * Risk heaps. Per instrument, heap[CAS_BUY] holds the long positions keyed by
 * trigger (the highest liquidatable mark; a max-heap) and heap[CAS_SELL] the
 * shorts (the lowest liquidatable mark; a min-heap); ties go to the lower
 * account id. They are indexed heaps: a position knows its slot (heap_idx), so
 * a change of lots or backing cash re-keys it in O(log n) with no stale
 * entries. A position is in its heap iff it is perpetual, open, not being
 * liquidated, not in the keeper set, has a trigger in [1, CAS_BOOK_MAX_PRICE],
 * and belongs to an isolated account or to a cross account with exactly one
 * open perpetual position. Cross accounts with open positions on two or more
 * perpetuals live instead in the `multi` list and are checked by a full
 * computation whenever a mark moves or one of them changes.
 *
 * Open positions. Per instrument, `open` lists the accounts with a position
 * open there (lots != 0), in no order; a position knows its slot (open_idx).
 * It has room for every account (grown with them), so adding never fails.
 * What must visit every open position (funding, dynamic margin, ADL, the
 * scans of the check) walks it instead of every account.
 *
 * Order ids are ((account + 1) << 39) | seq (seq wraps after 2^39 orders), so
 * 2^24 - 2 accounts fit below bit 63, which the sim keeps for stop ids; the
 * engine's orders use account ENGINE_ACCOUNT, and never rest (they are IOC or
 * market), so every maker of a fill is an account known from its id.
 */
#ifndef CASCADE_EXCHANGE_INT_H
#define CASCADE_EXCHANGE_INT_H

#include "cascade/exchange.h"

#define NIL UINT32_MAX
#define SEQ_BITS CAS_ORDER_SEQ_BITS
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define ENGINE_ACCOUNT CAS_ENGINE_ACCOUNT
#define MAX_ACCOUNTS (ENGINE_ACCOUNT - 1u) /* 2^24 - 2 */
#define MAXP CAS_BOOK_MAX_PRICE
#define TRIGGER_NONE_LONG ((cas_ticks)0)
#define TRIGGER_NONE_SHORT INT64_MAX
#define RATE_ONE ((int64_t)1000000000000) /* ppm x ppm: a rate of 100% at scale 1x */

__extension__ typedef __int128 i128; /* products of money, ticks and lots; a scalar type */

struct position {
    cas_lots lots;      /* signed: > 0 long */
    cas_money cost;     /* integer cost basis of the open lots, same sign as lots */
    cas_money realized; /* realized PnL of closed lots: their proceeds minus their cost
                           basis (before fees and funding), cumulative */
    cas_money cash;     /* isolated perpetual: the position's own cash; else 0 */
    cas_lots open[2];   /* lots resting in the book per side */
    cas_ticks trigger;  /* valid while heap_idx != NIL */
    uint32_t heap_idx;  /* slot in inst->heap[heap_side], NIL when absent */
    enum cas_side heap_side;
    uint32_t open_idx; /* slot in inst->open, NIL when flat */
    bool liquidating;  /* an engine job holds what was taken from it */
    bool in_set;       /* keeper mode: listed as liquidatable */
};

struct account {
    cas_money cash;
    cas_money fees_paid, funding_paid;
    int32_t leverage;
    bool own_maker_fee; /* maker_fee_ppm replaces the instrument's maker fee */
    int64_t maker_fee_ppm;
    enum cas_margin_mode mode;
    uint32_t n_perp;    /* open perpetual positions */
    uint32_t multi_idx; /* slot in ex->multi, NIL when not there */
    uint32_t liquidations;
    uint32_t live_jobs;
};

struct heap_entry {
    cas_ticks trigger;
    uint32_t account;
};

struct risk_heap {
    struct heap_entry *v;
    uint32_t n, cap;
};

struct set_entry {
    uint32_t account;
    struct cas_cause cause; /* the move that made it liquidatable */
};

struct instrument {
    struct cas_instrument_spec spec;
    struct cas_book *book;
    cas_ticks mark, last;
    struct cas_mark mark_rule; /* its method and basis EMA, when the venue gave one */
    int64_t scale_ppm;
    int64_t eff[CAS_MAX_TIERS];   /* mmr x scale per tier, capped at RATE_ONE */
    cas_money cum[CAS_MAX_TIERS]; /* cum amounts at this scale (see margin.c) */
    struct risk_heap heap[2];
    uint32_t *open; /* accounts with lots != 0 here, in no order; room for cap_acct */
    uint32_t n_open;
    struct set_entry *set; /* keeper: liquidatable accounts, ascending */
    uint32_t set_n, set_cap;
    cas_ticks band_lo, band_hi;
    bool halted;
    bool mark_moved;   /* since the last multi-account scan */
    cas_lots liq_used; /* engine lots worked this step */
    cas_lots oi[2];    /* long and short lots of accounts and live jobs, kept as
                                    they change (oi_move; check.c recomputes them) */
};

struct job {
    uint64_t id; /* the liquidation id */
    uint32_t account, instrument;
    cas_lots lots, lots0;  /* signed; remaining and taken over */
    cas_money cash, cash0; /* current and taken over */
    cas_lots filled, adl;
    double fill_value; /* sum of price x lots of book fills */
    cas_lots slice, slice_left;
    cas_step next_slice;
    bool live;
};

struct cas_exchange {
    struct instrument *inst;
    uint32_t n_inst;
    struct account *acct;
    struct position *pos;
    uint32_t n_acct, cap_acct;
    uint64_t seq;
    cas_money deposited, fund, fund_min, fees, residue;
    cas_money pools; /* account + position + live-job cash, kept as it changes
                                   (check.c recomputes it): held = pools + fund + fees +
                                   residue, in O(1) for every timeseries row */
    struct cas_exchange_observer obs;
    struct cas_journal *journal; /* optional: every change of a book (cas_exchange_journal) */
    bool has_marks;              /* marks by each instrument's mark_rule, else the last trade */
    cas_step step;
    struct cas_cause cause; /* what is happening now */
    uint64_t funding_count;
    /* counters */
    uint64_t n_liq, n_engine, n_keeper, n_adl;
    cas_money liq_notional;
    /* engine jobs: slots, a FIFO of ready ones, those waiting for a later step */
    struct job *jobs;
    uint32_t n_jobs, cap_jobs;
    uint32_t *ready, n_ready, ready_head, cap_ready;
    uint32_t *waiting, n_waiting, cap_waiting;
    /* cross accounts with several perpetual positions */
    uint32_t *multi, n_multi, cap_multi;
    uint32_t n_watched; /* entries in every risk heap and keeper set (check.c recounts) */
    bool multi_dirty;
    bool no_liquidation; /* counterfactual runs: the risk engine liquidates nobody */
    /* the taker of the book submit in progress */
    uint32_t taker, taker_job, fill_inst;
    /* scratch */
    struct cas_level_info *levels;
    uint32_t cap_levels;
    uint32_t *scratch;
    uint32_t cap_scratch;
    bool in_risk;
};

static inline struct position *pos_at(const struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    return &ex->pos[(size_t)a * ex->n_inst + i];
}

static inline bool is_perp(const struct cas_exchange *ex, uint32_t i)
{
    return ex->inst[i].spec.kind == CAS_PERPETUAL;
}

static inline enum cas_side opposite(enum cas_side s)
{
    return s == CAS_BUY ? CAS_SELL : CAS_BUY;
}

static inline cas_lots abs_lots(cas_lots x)
{
    return x < 0 ? -x : x;
}

/* The account whose sequence of ids holds `id` (no range check), and the
 * same checked against the accounts open (CAS_NO_ACCOUNT if none). */
static inline uint32_t owner_of(uint64_t id)
{
    return (uint32_t)(id >> SEQ_BITS) - 1u;
}

static inline uint32_t cas__order_owner(const struct cas_exchange *ex, uint64_t id)
{
    uint64_t hi = id >> SEQ_BITS;
    return hi == 0 || hi - 1 >= ex->n_acct ? CAS_NO_ACCOUNT : (uint32_t)(hi - 1);
}

/* Position or job lots on instrument i went from `before` to `after`. */
static inline void oi_move(struct cas_exchange *ex, uint32_t i, cas_lots before, cas_lots after)
{
    cas_lots *oi = ex->inst[i].oi;
    oi[0] += (after > 0 ? after : 0) - (before > 0 ? before : 0);
    oi[1] += (after < 0 ? -after : 0) - (before < 0 ? -before : 0);
}

/* Position (a, i)'s lots may have gone to or from zero: keep inst->open. */
static inline void open_note(struct cas_exchange *ex, uint32_t a, uint32_t i)
{
    struct position *p = pos_at(ex, a, i);
    struct instrument *in = &ex->inst[i];
    if (p->lots != 0 && p->open_idx == NIL) {
        p->open_idx = in->n_open;
        in->open[in->n_open++] = a;
    } else if (p->lots == 0 && p->open_idx != NIL) {
        uint32_t last = in->open[--in->n_open];
        in->open[p->open_idx] = last;
        pos_at(ex, last, i)->open_idx = p->open_idx;
        p->open_idx = NIL;
    }
}

/* Both fit in 64 bits, where a division is one instruction instead of a call
 * to __divmodti4; the quotient and remainder are the same. */
/* The journal's next event, or NULL when there is no journal or it is out of memory. */
struct cas_journal_event *cas__journal_grow(struct cas_journal *j);
static inline struct cas_journal_event *cas__journal_push(struct cas_exchange *ex)
{
    struct cas_journal *j = ex->journal;
    if (!j || j->failed)
        return NULL;
    if (j->n < j->cap)
        return &j->ev[j->n++];
    return cas__journal_grow(j);
}

static inline bool fits64(i128 num, i128 den)
{
    return num >= INT64_MIN && num <= INT64_MAX && den >= 1 && den <= INT64_MAX;
}

/* Floor and ceiling division; den > 0. */
static inline i128 div_floor(i128 num, i128 den)
{
    if (fits64(num, den)) {
        int64_t n = (int64_t)num, d = (int64_t)den, q = n / d;
        return (n % d != 0 && n < 0) ? q - 1 : q;
    }
    i128 q = num / den;
    return (num % den != 0 && num < 0) ? q - 1 : q;
}

static inline i128 div_ceil(i128 num, i128 den)
{
    if (fits64(num, den)) {
        int64_t n = (int64_t)num, d = (int64_t)den, q = n / d;
        return (n % d != 0 && n > 0) ? q + 1 : q;
    }
    i128 q = num / den;
    return (num % den != 0 && num > 0) ? q + 1 : q;
}

/* lots x price x contract units in money, held to [0, INT64_MAX] (lots >= 0):
 * the notional of a position, which a runaway price can take past 64 bits. */
static inline cas_money notional_held(cas_lots lots, cas_ticks price, int64_t units)
{
    i128 n = (i128)lots * price * units;
    return n > INT64_MAX ? INT64_MAX : n < 0 ? 0 : (cas_money)n;
}

/* a * b / c truncated toward zero (c > 0), exactly as (i128)a * b / c. */
static inline int64_t mul_div(int64_t a, int64_t b, int64_t c)
{
    int64_t p;
    if (!__builtin_mul_overflow(a, b, &p))
        return p / c;
    return (int64_t)((i128)a * b / c);
}

/* The files of the module, each using only those listed after it (no file
 * calls up): exchange.c (the public entry points) -> liquidate.c (the risk
 * loop, engine jobs, ADL, keepers) -> orders.c (ids, the book, fills,
 * settlement, margin at submission) -> risk.c (the risk index) -> margin.c
 * (margin arithmetic and the liquidation tests); check.c reads them all. */

/* ---- margin.c: integer margin arithmetic, liquidation tests and prices ---- */
void cas__tiers_prepare(const struct cas_instrument_spec *spec, int64_t scale_ppm, int64_t *eff,
                        cas_money *cum);
i128 cas__mm(const struct cas_instrument_spec *spec, const int64_t *eff, const cas_money *cum,
             i128 notional);
bool cas__liquidatable_one(const struct instrument *in, cas_lots lots, i128 cash, cas_ticks mark);
cas_ticks cas__trigger(const struct instrument *in, cas_lots lots, i128 cash, bool exhaustive);
double cas__trigger_margin(const struct instrument *in, enum cas_side side);
int32_t cas__leverage(const struct instrument *in, int32_t account_lev, i128 notional);
i128 cas__initial(const struct instrument *in, int32_t account_lev, cas_lots lots, cas_ticks price);
cas_money cas__backing_cash(const struct cas_exchange *ex, uint32_t a, uint32_t i);
bool cas__account_liquidatable(const struct cas_exchange *ex, uint32_t a);
bool cas__position_liquidatable(const struct cas_exchange *ex, uint32_t a, uint32_t i);
void cas__position_view(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                        struct cas_position_view *out);

/* ---- risk.c: the risk index (heaps, multi list, keeper set) ---- */
void cas__heap_remove(struct cas_exchange *ex, uint32_t i, uint32_t a);
void cas__reindex(struct cas_exchange *ex, uint32_t a, uint32_t i);
void cas__reindex_instrument(struct cas_exchange *ex, uint32_t i);
int cas__heap_range(const struct cas_exchange *ex, uint32_t i, enum cas_side s, cas_ticks lo,
                    cas_ticks hi, uint32_t **out, uint32_t *n, uint32_t *cap);
void cas__account_refresh(struct cas_exchange *ex, uint32_t a);
void cas__touch(struct cas_exchange *ex, uint32_t a, uint32_t i);
void cas__set_add(struct cas_exchange *ex, uint32_t i, uint32_t a);
void cas__set_remove(struct cas_exchange *ex, uint32_t i, uint32_t a);
void cas__set_verify(struct cas_exchange *ex, uint32_t i);
const struct set_entry *cas__set_find(const struct cas_exchange *ex, uint32_t i, uint32_t a);

/* ---- orders.c: ids, the book, fills and settlement ---- */
cas_money cas__pay(struct cas_exchange *ex, i128 num, i128 den, cas_money *receive);
void cas__fund_pay(struct cas_exchange *ex, cas_money amount);
void cas__emit_fill(struct cas_exchange *ex, uint32_t i, const struct cas_fill *f, uint32_t taker,
                    uint32_t maker);
void cas__refresh_mark(struct cas_exchange *ex, uint32_t i);
void cas__sample_mark(struct cas_exchange *ex, uint32_t i);
void cas__position_change(struct cas_exchange *ex, uint32_t a, uint32_t i, cas_lots dq,
                          cas_money flow, cas_money fee, bool cover_bad_debt);
int cas__book_submit(struct cas_exchange *ex, uint32_t i, uint32_t account, uint32_t job,
                     enum cas_side side, enum cas_order_type type, cas_ticks price, cas_lots qty,
                     uint64_t *id, struct cas_submit_result *res);
int cas__job_submit(struct cas_exchange *ex, uint32_t j, enum cas_side side,
                    enum cas_order_type type, cas_ticks price, cas_lots qty,
                    struct cas_submit_result *res);
bool cas__margin_ok(const struct cas_exchange *ex, uint32_t a, uint32_t i, enum cas_side side,
                    cas_lots q, cas_ticks price, int64_t fee_ppm);
bool cas__band_apply(const struct instrument *in, enum cas_side side, enum cas_order_type *type,
                     cas_ticks *price);
int cas__cancel(struct cas_exchange *ex, uint64_t order_id);
void cas__cancel_account_orders(struct cas_exchange *ex, uint32_t a, uint32_t only_inst);

/* ---- liquidate.c: the risk loop, engine jobs, ADL, keepers ---- */
int cas__risk_run(struct cas_exchange *ex);
int cas__liquidate_engine(struct cas_exchange *ex, uint32_t a, uint32_t i);
int cas__work_job(struct cas_exchange *ex, uint32_t j);
int cas__jobs_resume(struct cas_exchange *ex, cas_step step);
struct cas__ranked {
    double rank;
    uint32_t account;
};
int cas__adl_ranks(const struct cas_exchange *ex, uint32_t i, bool job_long, struct cas__ranked **r,
                   uint32_t *n, uint32_t *cap);
void cas__adl_queue(struct cas__ranked *r, uint32_t n);
uint32_t cas__adl_next(struct cas__ranked *r, uint32_t *n);
int cas__keeper_liquidate(struct cas_exchange *ex, uint32_t keeper, uint32_t target,
                          uint32_t instrument, cas_lots lots, cas_lots *taken);

#endif
