/* exchange: the venue — instruments and their books, accounts, margin, the
 * risk engine, liquidation (engine and keeper modes), the insurance fund and
 * auto-deleveraging.
 *
 * Money. Every balance is an integer number of money units (10^-d of the
 * quote currency, d = the run's money_decimals). An instrument's
 * contract_units K is the money value of one tick on one lot, an integer, so
 * the notional of q lots at m ticks is m * q * K exactly. Accounts hold cash,
 * not "entry prices": a buy of q lots at m ticks moves m*q*K from the buyer's
 * cash to the seller's, so every trade conserves money by construction and
 * equity = cash + sum(position * mark * K). Rates (fees, margin ratios,
 * funding) are parts per million and rounded by one rule: what an account
 * owes is rounded up, what it is owed is rounded down, and the difference (the
 * rounding residue) is booked to the venue's residue balance. Hence, at every
 * moment: sum(account cash) + engine job cash + insurance fund + fees +
 * residue = everything deposited. cas_exchange_check verifies it, and that
 * long lots equal short lots on every perpetual.
 *
 * Margin. Initial margin = notional / leverage (rounded up). Maintenance
 * margin of a position = ceil(notional_at_mark * mmr_ppm * scale / 1e6) -
 * cum, from the tier whose notional floor the position's notional reaches
 * (Binance's table; cum makes MM continuous across tiers). An account (cross)
 * or a position (isolated) is liquidatable when equity < maintenance margin.
 *
 * Risk engine. Each open perpetual position has a trigger tick: the highest
 * mark at which a long is liquidatable (the lowest for a short), found exactly
 * with integer arithmetic. Per instrument and side the positions are kept in
 * a heap by trigger (ties by account id), so a mark move costs O(log n +
 * liquidated), and the accounts a move crosses are liquidated in the order it
 * crosses them. A cross account with positions in several instruments is
 * re-indexed when any of their marks moves.
 *
 * Causes. Every order, liquidation and mark update happens under a cause
 * (struct cas_cause); a liquidation records the cause whose price move put
 * the account under water, so cascades can be traced as trees: a liquidation
 * whose own orders moved the mark is the parent of the ones that move set off.
 */
#ifndef CASCADE_EXCHANGE_H
#define CASCADE_EXCHANGE_H

#include "cascade/book.h"
#include "cascade/core.h"
#include "cascade/rules.h"

#define CAS_PPM 1000000
#define CAS_MAX_TIERS 16
#define CAS_NO_ACCOUNT UINT32_MAX

enum cas_instrument_kind { CAS_SPOT, CAS_PERPETUAL };
enum cas_margin_mode { CAS_CROSS, CAS_ISOLATED };
enum cas_liq_mode { CAS_LIQ_ENGINE, CAS_LIQ_KEEPER };
/* How the engine works a taken-over position into the book. */
enum cas_liq_style {
    CAS_LIQ_IOC_BANKRUPTCY, /* IOC limit at the bankruptcy price: never a shortfall;
                               what does not fill is auto-deleveraged */
    CAS_LIQ_MARKET,         /* market orders: shortfalls are paid by the insurance fund,
                               and what it cannot pay is auto-deleveraged */
};
/* How auto-deleveraging ranks the opposite positions it closes. */
enum cas_adl_rank {
    CAS_ADL_PNL_LEVERAGE, /* BitMEX: PnL% x effective leverage if PnL% > 0, else PnL% / leverage */
    CAS_ADL_PNL,          /* unrealized PnL only (Hyperliquid-like) */
};

struct cas_tier {
    cas_money floor; /* the tier applies from this notional (money units) up */
    int64_t mmr_ppm; /* maintenance margin rate */
    int32_t max_leverage;
};

struct cas_instrument_spec {
    char name[64];
    enum cas_instrument_kind kind;
    cas_money contract_units; /* K: money per tick per lot, >= 1 */
    cas_ticks initial_price;
    /* perpetuals only below; spot instruments trade without margin */
    int32_t max_leverage;
    struct cas_tier tiers[CAS_MAX_TIERS]; /* ascending floors, tiers[0].floor == 0 */
    uint32_t n_tiers;
    int64_t maker_fee_ppm, taker_fee_ppm; /* >= 0 */
    enum cas_liq_mode liq_mode;
    enum cas_liq_style liq_style;
    cas_lots liq_max_lots_per_step; /* engine throttle; 0 = no limit */
    int64_t liq_ioc_penalty_ppm;    /* IOC style: limit this far beyond the bankruptcy price
                                       (dYdX's fillable price); the fund pays the difference */
    int64_t liq_slice_ppm;          /* engine: work at most this share of the taken-over
                                       position per slice (Hyperliquid 20%); 0 = all at once */
    cas_money liq_slice_above;      /* ...only for positions of at least this notional */
    cas_step liq_slice_cooldown;    /* steps between slices */
    int64_t close_factor_ppm;       /* keeper: at most this share of a position per request */
    int64_t liq_bonus_ppm;          /* keeper: discount to the mark the keeper gets */
    enum cas_adl_rank adl_rank;
};

/* What set something in motion. Liquidation ids are 1-based; 0 means none. */
enum cas_cause_kind {
    CAS_CAUSE_NONE,
    CAS_CAUSE_ORDER,       /* an agent's order (id) */
    CAS_CAUSE_LIQUIDATION, /* the orders of liquidation `id` */
    CAS_CAUSE_SHOCK,       /* configured shock number `id` */
    CAS_CAUSE_INDEX,       /* a move of the index (exogenous process) */
    CAS_CAUSE_FUNDING,     /* a funding payment */
    CAS_CAUSE_MARGIN,      /* a change of margin rates (dynamic margin) */
    CAS_CAUSE_CARRIED,     /* liquidation `id`'s orders carried to another market: an order
                              answering them (an arbitrage desk's), or an index move that
                              such orders made on its spot books */
};

struct cas_cause {
    enum cas_cause_kind kind;
    uint64_t id;
};

struct cas_liquidation {
    uint64_t id; /* 1, 2, ... in the order they happen */
    cas_step step;
    uint32_t account;
    uint32_t instrument;
    enum cas_side side; /* the side of the liquidated position (CAS_BUY = long) */
    cas_lots lots;      /* lots taken over (engine) or transferred (keeper) */
    cas_ticks mark;     /* mark when it was triggered */
    cas_money notional; /* lots x mark x contract units, held to INT64_MAX */
    double bankruptcy;  /* bankruptcy price in ticks */
    double liquidation; /* the position's liquidation price in ticks just before it was
                               taken (other positions held at their marks); NaN when none */
    int32_t leverage;   /* the account's leverage setting */
    enum cas_liq_mode mode;
    uint32_t keeper;        /* keeper mode: the keeper's account */
    struct cas_cause cause; /* the move that put the account under water */
};

/* When an engine job is finished: its fills and what the fund gained (or paid). */
struct cas_liquidation_done {
    uint64_t id;
    cas_step step;
    cas_lots filled;            /* lots closed in the book */
    cas_lots adl;               /* lots closed by auto-deleveraging */
    double fill_vwap;           /* ticks; NaN if nothing filled in the book */
    cas_money insurance_change; /* + surplus paid in, - shortfall paid out */
};

struct cas_adl_event {
    uint64_t liquidation;
    uint32_t account; /* the deleveraged counterparty */
    uint32_t instrument;
    cas_lots lots;
    double price; /* the bankruptcy price, ticks */
};

/* The journal: what the exchange did to its books, one event per change, in the order the
 * books saw them, for a recorder that shows a step from the inside (replay.jsonl). An
 * order submitted comes before its fills, with what it filled and left resting; a fill
 * takes lots from the maker's side; a cancel takes a resting order out (cancelled by its
 * account, expired, or cancelled by its account's liquidation); a liquidation's trigger
 * and its end change no book but say where in the sequence they came. */
enum cas_journal_kind { CAS_J_ORDER, CAS_J_FILL, CAS_J_CANCEL, CAS_J_LIQUIDATION, CAS_J_FINISHED };

struct cas_journal_event {
    uint8_t kind;       /* enum cas_journal_kind */
    uint8_t side;       /* enum cas_side: an order's, a fill's taker's, a cancelled order's */
    uint8_t type;       /* enum cas_order_type: an order's (after the band made a market IOC) */
    uint8_t cause_kind; /* enum cas_cause_kind: the cause an order or cancel came under */
    uint32_t instrument;
    uint32_t account;        /* orders and cancels; CAS_NO_ACCOUNT for the engine's orders */
    cas_ticks price;         /* a market order's: 0 */
    cas_lots qty;            /* submitted, filled, or taken out */
    cas_lots filled, rested; /* an order's: traded, and left resting */
    uint64_t cause_id;
    uint64_t id; /* an order's, a fill's taker order's, a liquidation's */
};

/* Kept by its owner (cas_exchange_journal); the owner empties it (n = 0) when it likes. */
struct cas_journal {
    struct cas_journal_event *ev;
    uint32_t n, cap;
    bool failed; /* out of memory: events were lost */
};

struct cas_exchange_observer {
    void *ctx;
    /* every fill; accounts are CAS_NO_ACCOUNT for the engine's own orders */
    void (*on_fill)(void *ctx, uint32_t instrument, const struct cas_fill *fill,
                    uint32_t taker_account, uint32_t maker_account, struct cas_cause cause);
    void (*on_liquidation)(void *ctx, const struct cas_liquidation *liq);
    void (*on_liquidation_done)(void *ctx, const struct cas_liquidation_done *done);
    void (*on_adl)(void *ctx, const struct cas_adl_event *adl);
    /* Not an event but a question: what the mark methods read besides the book and the
     * last trade, asked each time the exchange computes a mark or samples its basis. The
     * venue owns these figures (its index, its funding clock) and the exchange keeps no
     * copy: the index (ticks), the predicted funding rate (a fraction per interval) and
     * the fraction of the funding interval left. NULL reads zeros. */
    void (*mark_context)(void *ctx, uint32_t instrument, double *index, double *funding_rate,
                         double *time_to_funding);
};

struct cas_exchange;

/* Order ids: ((account + 1) << CAS_ORDER_SEQ_BITS) | sequence, so an id names
 * the account that sent it; the venue's own liquidation orders use
 * CAS_ENGINE_ACCOUNT. */
#define CAS_ORDER_SEQ_BITS 39
#define CAS_ENGINE_ACCOUNT UINT32_C(0xFFFFFF)
static inline uint32_t cas_order_account(uint64_t id)
{
    return (uint32_t)((id >> CAS_ORDER_SEQ_BITS) - 1);
}

/* Create a venue; specs are copied. insurance_fund is its initial balance
 * (counted as deposited). A NULL observer is allowed. marks, if not NULL, is
 * one mark method per instrument (src/rules/mark.c; copied): the exchange then
 * computes each mark itself after every batch of fills, from its book, its
 * last trade and what the observer's mark_context answers. With NULL
 * marks an instrument's mark is its last trade, or what cas_exchange_set_mark
 * set. */
int cas_exchange_create(struct cas_exchange **out, const struct cas_instrument_spec *specs,
                        uint32_t n, cas_money insurance_fund,
                        const struct cas_exchange_observer *observer, const struct cas_mark *marks,
                        struct cas_err *err);
void cas_exchange_destroy(struct cas_exchange *ex);

/* Open an account with `collateral` deposited (>= 0), a margin mode and a
 * leverage (>= 1; capped per instrument by its max_leverage and tier). */
/* Make room for `n` accounts in all at once (optional: opening grows the
 * arrays by doubling, which copies them). 0, CAS_ERANGE or CAS_ENOMEM. */
int cas_exchange_reserve_accounts(struct cas_exchange *ex, uint32_t n);
int cas_exchange_open_account(struct cas_exchange *ex, cas_money collateral,
                              enum cas_margin_mode mode, int32_t leverage, uint32_t *id);

/* Open a position that existed before the run: `buyer` goes long and `seller`
 * short `lots` on a perpetual at `price` ticks, as if they had traded with
 * each other then (price x lots x K of cash moves from buyer to seller; no
 * book, no fee, no margin check, no risk run: the caller checks the accounts
 * afterwards and runs the engine by moving the mark). Both keep whatever
 * unrealized profit or loss the mark gives that price, so money stays
 * conserved. 0 or CAS_EINVAL (not a perpetual, the same account, an unknown
 * or liquidating account, lots or price out of range). */
int cas_exchange_open_position(struct cas_exchange *ex, uint32_t instrument, uint32_t buyer,
                               uint32_t seller, cas_ticks price, cas_lots lots);

/* Change an account's leverage setting (>= 1; capped per instrument when used, as at
 * opening). It applies to what the account does from now on: the initial margin of its
 * next orders and the margin set aside for what an isolated position opens; margin
 * already set aside stays. 0 or CAS_EINVAL (no such account, leverage < 1). */
int cas_exchange_set_leverage(struct cas_exchange *ex, uint32_t account, int32_t leverage);
/* Give an account a maker fee of its own, in parts per million of the notional (-10000 ..
 * 10000; < 0 a rebate, paid out of the fees the venue holds), in place of each
 * instrument's: a venue's fee tier or liquidity-provider programme. Rounded as every fee
 * is, up (a rebate toward zero). 0 or CAS_EINVAL. */
int cas_exchange_set_maker_fee(struct cas_exchange *ex, uint32_t account, int64_t ppm);

/* Deposit `amount` (>= 0) more into an account: a cross account's cash, or
 * an isolated account's margin on `instrument` when it holds a position there
 * (else its cash). Counted as deposited; the account's positions are
 * re-indexed. 0 or CAS_EINVAL. */
int cas_exchange_deposit(struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                         cas_money amount);

struct cas_order {
    uint32_t account;
    uint32_t instrument;
    enum cas_side side;
    enum cas_order_type type;
    cas_ticks price; /* ignored for CAS_MARKET */
    cas_lots qty;
    bool reduce_only; /* may only shrink the position; clipped to it */
};

/* Why an order was not accepted (cas_exchange_submit returns CAS_EINVAL). */
enum cas_reject {
    CAS_REJECT_NONE,
    CAS_REJECT_MARGIN,      /* the position it could open needs more initial margin */
    CAS_REJECT_LIQUIDATING, /* the account is being liquidated */
    CAS_REJECT_REDUCE_ONLY, /* reduce-only with nothing to reduce */
    CAS_REJECT_BAND,        /* outside the price band (set by cas_exchange_set_band) */
    CAS_REJECT_HALTED,      /* trading on the instrument is halted */
    CAS_REJECT_SIZE,        /* money is kept in 64 bits: its notional at the price it is
                               checked at passes CAS_ORDER_MAX_NOTIONAL, or the account's
                               cash is already past CAS_CASH_MAX either way */
};

/* The bounds of CAS_REJECT_SIZE, in money units: an order's notional (2^59) and the cash
 * an account may hold when it sends one (2^61), far beyond any market's (a lot worth
 * 5.8e11 quote at 6 decimals), so that fills and their sums stay within 64 bits. */
#define CAS_ORDER_MAX_NOTIONAL ((cas_money)1 << 59)
#define CAS_CASH_MAX ((cas_money)1 << 61)

/* Submit an order for an account under a cause. It is matched at once;
 * trades settle, marks are recomputed by their methods, and the risk
 * engine liquidates whom the move put under water (which trades too: the
 * cascade runs to its end inside this call, except for throttled engine jobs,
 * which continue at the next cas_exchange_begin_step). On success *id is the
 * order's id and *res what became of it. A refused order returns CAS_EINVAL
 * with *reject saying why, and changes nothing. */
int cas_exchange_submit(struct cas_exchange *ex, const struct cas_order *order,
                        struct cas_cause cause, uint64_t *id, struct cas_submit_result *res,
                        enum cas_reject *reject);

/* Cancel a resting order of any account: 0 or CAS_ENOTFOUND. */
int cas_exchange_cancel(struct cas_exchange *ex, uint64_t order_id);

/* The account that owns an order id, or CAS_NO_ACCOUNT for the engine's. */
uint32_t cas_exchange_order_owner(const struct cas_exchange *ex, uint64_t order_id);

/* Start step `step`: continue throttled engine liquidations. */
int cas_exchange_begin_step(struct cas_exchange *ex, cas_step step, struct cas_cause cause);

/* Set an instrument's mark (for an exogenous move: index, shock) and run the
 * risk engine under `cause`. */
int cas_exchange_set_mark(struct cas_exchange *ex, uint32_t instrument, cas_ticks mark,
                          struct cas_cause cause);
/* Recompute the mark by the instrument's method (after a change of what the
 * observer's mark_context answers) and
 * run the risk engine under `cause`, as cas_exchange_set_mark does. */
int cas_exchange_update_mark(struct cas_exchange *ex, uint32_t instrument, struct cas_cause cause);
/* Once per step: feed the mark method's basis EMA (cas_mark_sample). */
void cas_exchange_sample_mark(struct cas_exchange *ex, uint32_t instrument);

/* Pay funding on a perpetual at `rate_ppm` of each position's notional at the
 * mark: longs pay shorts when positive. Then run the risk engine. */
int cas_exchange_pay_funding(struct cas_exchange *ex, uint32_t instrument, int64_t rate_ppm);

/* Scale every maintenance rate of an instrument (dynamic margin); 1e6 = 1x.
 * Re-indexes its positions and runs the risk engine under CAS_CAUSE_MARGIN. */
int cas_exchange_set_mmr_scale(struct cas_exchange *ex, uint32_t instrument, int64_t scale_ppm);

/* Price band: orders on the instrument that would rest or trade outside
 * [lo, hi] ticks are refused (lo = 0, hi = INT64_MAX switch it off); a halted
 * instrument refuses every order (liquidation orders wait while halted). */
void cas_exchange_set_band(struct cas_exchange *ex, uint32_t instrument, cas_ticks lo,
                           cas_ticks hi);
void cas_exchange_set_halt(struct cas_exchange *ex, uint32_t instrument, bool halted);
/* Whether trading on the instrument is halted; false for an unknown instrument. */
bool cas_exchange_halted(const struct cas_exchange *ex, uint32_t instrument);
/* The instrument's maintenance scale (1e6 = 1x, cas_exchange_set_mmr_scale); 0 for an
 * unknown instrument. */
int64_t cas_exchange_mmr_scale(const struct cas_exchange *ex, uint32_t instrument);

/* Counterfactual runs: from now on nobody is liquidated, in either mode;
 * under-water accounts keep their positions and their losses (equity may go
 * negative: the venue absorbs them). Money is still conserved. */
void cas_exchange_disable_liquidation(struct cas_exchange *ex);

/* Keeper mode: the accounts currently liquidatable on an instrument (up to
 * max, in account order); returns how many were written. */
uint32_t cas_exchange_liquidatable(const struct cas_exchange *ex, uint32_t instrument,
                                   uint32_t *accounts, uint32_t max);

/* Accounts with a position on the instrument that is liquidatable now (equity
 * below maintenance margin), in either mode, also when liquidation is
 * disabled: the accounts a counterfactual run leaves under water. From the
 * risk heaps (the positions past the mark's trigger), the keeper set and the
 * multi-position accounts: O(those), not O(accounts). */
uint32_t cas_exchange_count_under_water(const struct cas_exchange *ex, uint32_t instrument);

/* The accounts whose position on perpetual `instrument` is in the risk heap
 * of `side` (CAS_BUY: the longs) with a trigger tick in [lo, hi], in
 * ascending account order: written to *accounts, grown as needed (the caller
 * frees it; *cap its room), *n of them. The heaps hold every open isolated
 * position and every cross account's only perpetual position that some mark
 * in [1, CAS_BOOK_MAX_PRICE] liquidates, except those being liquidated or
 * listed for keepers; a long is liquidatable at marks up to its trigger, a
 * short from its trigger up. O(found log found + the entries beyond the far
 * end of the range), not O(accounts). 0, CAS_EINVAL or CAS_ENOMEM. */
int cas_exchange_triggered(const struct cas_exchange *ex, uint32_t instrument, enum cas_side side,
                           cas_ticks lo, cas_ticks hi, uint32_t **accounts, uint32_t *n,
                           uint32_t *cap);

/* The accounts that may hold a position on perpetual `instrument` whose
 * liquidation price (cas_exchange_position's) lies in [lo, hi] ticks, in
 * ascending account order, written as cas_exchange_triggered writes: every
 * account that does, and perhaps some near the window. From the heaps, with
 * the triggers widened by how far a trigger tick can lie from the
 * real-valued price, plus the keeper set and the multi-position accounts;
 * every open position when that margin is unbounded (a maintenance rate of
 * 100%) or the window reaches the ends of the price range. What the
 * liquidation map reads (src/sim/venue.c). 0, CAS_EINVAL or CAS_ENOMEM. */
int cas_exchange_liquidation_candidates(const struct cas_exchange *ex, uint32_t instrument,
                                        double lo, double hi, uint32_t **accounts, uint32_t *n,
                                        uint32_t *cap);

/* Keeper mode: `keeper` takes over up to `lots` (clipped to the close factor
 * of the position) of `target`'s position at the mark minus the bonus (plus,
 * for a short). 0, CAS_ENOTFOUND (target not liquidatable), or CAS_EINVAL
 * (keeper lacks the margin). *taken receives the lots transferred. */
int cas_exchange_keeper_liquidate(struct cas_exchange *ex, uint32_t keeper, uint32_t target,
                                  uint32_t instrument, cas_lots lots, cas_lots *taken);

/* ---- what agents and the recorder may read ---- */

struct cas_position_view {
    cas_lots lots;          /* signed: > 0 long */
    double entry;           /* average entry price, ticks (0 when flat) */
    cas_money realized_pnl; /* cumulative PnL of closed lots (proceeds minus cost basis,
                                 before fees and funding) */
    cas_money margin;       /* isolated: the position's margin; cross: 0 */
    double liquidation;     /* liquidation price, ticks (NaN when none) */
    double bankruptcy;      /* bankruptcy price, ticks (NaN when none) */
};

struct cas_account_view {
    cas_money cash;                    /* cross cash, excluding isolated margins */
    cas_money equity;                  /* at the current marks, all positions */
    cas_money maintenance;             /* total maintenance margin */
    cas_money initial;                 /* total initial margin of open positions */
    cas_money fees_paid, funding_paid; /* cumulative; funding received counts negative */
    uint32_t liquidations;             /* times liquidated */
    bool liquidating;
};

void cas_exchange_account(const struct cas_exchange *ex, uint32_t account,
                          struct cas_account_view *out);
void cas_exchange_position(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                           struct cas_position_view *out);

/* What an agent's view needs of its account, without margin arithmetic: the
 * position's lots and entry price on `instrument` (as cas_exchange_position
 * gives them), the account's equity (as cas_exchange_account gives it) and
 * whether it is being liquidated. Zeros for an unknown account or instrument. */
struct cas_holding {
    cas_lots lots;
    double entry;
    cas_money equity;
    bool liquidating;
};
void cas_exchange_holding(const struct cas_exchange *ex, uint32_t account, uint32_t instrument,
                          struct cas_holding *out);

const struct cas_book *cas_exchange_book(const struct cas_exchange *ex, uint32_t instrument);

/* Append every change of a book to *journal from now on (NULL: stop); it must outlive the
 * exchange or be taken back first. */
void cas_exchange_journal(struct cas_exchange *ex, struct cas_journal *journal);
cas_ticks cas_exchange_mark(const struct cas_exchange *ex, uint32_t instrument);
cas_ticks cas_exchange_last(const struct cas_exchange *ex, uint32_t instrument);
uint32_t cas_exchange_n_accounts(const struct cas_exchange *ex);

struct cas_exchange_totals {
    cas_money deposited; /* collateral of every account + initial insurance fund */
    cas_money held;      /* cash + isolated margins + engine jobs + fund + fees + residue */
    cas_money insurance_fund, insurance_min;
    cas_money fees, residue;
    cas_lots open_interest[2]; /* summed over perpetuals: long lots, short lots */
    uint64_t liquidations, engine, keeper, adl;
    cas_money liquidated_notional; /* at the mark when triggered */
};
void cas_exchange_totals(const struct cas_exchange *ex, struct cas_exchange_totals *out);
/* Long and short lots open on one instrument. */
void cas_exchange_open_interest(const struct cas_exchange *ex, uint32_t instrument, cas_lots *longs,
                                cas_lots *shorts);

/* Verify conservation of money and lots, the risk heaps against a full scan,
 * and every book; false with a one-line reason when something is off. */
bool cas_exchange_check(const struct cas_exchange *ex, char *why, size_t why_len);

/* ---- margin arithmetic, public so that tests can check it on paper ---- */

/* Maintenance margin of |lots| at `mark` ticks for the spec's tiers. */
cas_money cas_margin_maintenance(const struct cas_instrument_spec *spec, cas_lots lots,
                                 cas_ticks mark, int64_t scale_ppm);
/* Liquidation price in ticks of a single position (isolated, or the only
 * position of a cross account) given the cash backing it: the mark at which
 * cash + lots*mark*K = maintenance(mark); NaN when it has none (lots 0, or a
 * long over-collateralised down to price 0). Bankruptcy: the same with zero
 * maintenance. */
double cas_margin_liquidation_price(const struct cas_instrument_spec *spec, cas_lots lots,
                                    cas_money cash, int64_t scale_ppm);
double cas_margin_bankruptcy_price(const struct cas_instrument_spec *spec, cas_lots lots,
                                   cas_money cash);

#endif
