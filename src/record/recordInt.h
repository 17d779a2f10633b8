/* record internals: the recorder's state, shared by the event handlers
 * (recorder.c), the output tables (columns.c) and summary.json (summary.c).
 *
 * One step convention everywhere: an event that happens in step S is
 * labelled S; a row of timeseries.csv labelled S describes the market at the
 * end of step S and counts what happened after the previous row up to and
 * including step S.
 */
#ifndef CASCADE_RECORD_INT_H
#define CASCADE_RECORD_INT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cascade/cascades.h"
#include "cascade/fmt.h"
#include "cascade/record.h"

/* Per instrument. */
struct series {
    /* since the last row of timeseries.csv */
    cas_lots volume;
    uint64_t trades, liquidations, adl;
    cas_money liquidated;     /* notional at the mark */
    double row_low, row_high; /* trade extremes, ticks; +-INFINITY when none */
    int decimals;             /* of the tick size, for printing prices */
    /* during the book's opening: the step's trade extremes, ticks; after it: the price at
     * its end and every trade and end-of-step price since (summary.json's instruments) */
    double step_low, step_high;
    double opened, low, high;
};

struct liq_row {
    struct cas_liquidation liq;
    struct cas_liquidation_done done;
    bool finished;
    double worst_fill; /* ticks: the lowest sale of a long's orders (highest buy of a
                               short's); NaN before any fill */
};

/* One shock's move within its amplification window, in one run. */
struct shock_move {
    bool started;
    double start, extreme, end; /* ticks */
    uint32_t under_water;       /* accounts under water at the window's end */
};

/* The largest fall from a running peak, fed every trade and end-of-step
 * price of one instrument in time order. */
struct drawdown {
    double peak, best, best_peak;
    cas_step trough_step, recovery; /* recovery: -1 until the price regains best_peak */
};

/* replay.jsonl (replay.c). */
struct cas__replay;
int cas__replay_create(struct cas__replay **out, const struct cas_config *cfg, FILE *f);
void cas__replay_destroy(struct cas__replay *p);
/* A liquidation triggered or finished on the instrument in this step: the step is written
 * with the steps around it (its events come from the sim's journal). */
void cas__replay_liquidation(struct cas__replay *p, uint32_t instrument);
/* The journal the sim appends the step's changes of the books to (cas_sim_observer). */
struct cas_journal *cas__replay_journal(struct cas__replay *p);
void cas__replay_step(struct cas__replay *p, const struct cas_recorder *r,
                      const struct cas_sim *sim, cas_step step);
bool cas__replay_failed(const struct cas__replay *p);

/* What one keeper account did, for summary.json's agents (the lots each
 * agent bought and sold are the sim's: struct cas_agent_stats). */
struct account_flow {
    uint64_t takeovers; /* keeper: positions taken over */
    double bonus;       /* keeper: money units of discount to the mark on them */
};

/* summary.json's stylized facts: the first instrument after the warm-up
 * (record.stylized_warmup_s), followed step by step in memory that grows with
 * minutes, not steps. */
/* The bins of the basis histogram: 0.01 bp wide below 50 bp, 1 bp below 1000 bp, 10 bp
 * below 10000 bp, and one for the rest (cas__basis_bin). */
#define CAS__BASIS_BINS (5000 + 950 + 900 + 1)
struct stylized {
    cas_step warmup; /* steps left out: ceil(record.stylized_warmup_s / step_seconds) */
    cas_step minute; /* steps of one return: 60 s / step_seconds rounded, at least 1 */
    double *prices;  /* the price at the end of steps warmup - 1 + k minute (k = 0, 1, ...;
                        the initial price for k = 0 when warmup is 0) */
    uint32_t n_prices, cap_prices;
    /* perpetual: |mark / index - 1| in bp at each step's end after the warm-up, counted
     * in bins (cas__basis_bin) with their sum; NULL on spot */
    uint32_t *basis_n;
    double *basis_sum;
    uint64_t basis_steps;
    /* perpetual: funding payments after the warm-up; those paid at the interest rate
     * (to the ppm the venue pays in) and those above 0 */
    uint64_t fundings, at_interest, positive;
};

/* The bin of a basis in bp (NaN: the last). */
size_t cas__basis_bin(double bps);

struct cas_recorder {
    const struct cas_config *cfg;
    FILE *ts;
    FILE *liqmap;               /* optional */
    FILE *trades;               /* optional */
    struct cas__replay *replay; /* optional */
    cas_step *map_seen;         /* per instrument: step of the last map written */
    struct series *series;
    cas_step step;     /* the step running now */
    bool has_perp;     /* some instrument is a perpetual (can liquidate) */
    int time_decimals; /* of step_seconds, for timeseries.csv's time */
    /* first instrument, over every step */
    double spread_sum, depth_sum;
    double spread0;   /* the first instrument's spread at this step's end; -1 none */
    double max_basis; /* max |price / index - 1| at step ends (perpetuals) */
    /* step ends at which the first perpetual's price was more than CAS__FAR from its
     * index; the longest run of them; and the longest run in which neither a halt nor an
     * arbitrageur at its capital limit says why */
    cas_step far_steps, far_run, far_longest;
    cas_step unexplained_run, unexplained_longest;
    uint64_t spread_steps;
    /* the book's opening (record.opening_max_s): the steps up to and including the first
     * whose end every instrument's book meets calm (recorder.c), at most `opening_cap`
     * steps; the figures below and summary.json's instruments begin after it */
    cas_step opening_cap, opening; /* opening: its steps once over, else -1 */
    cas_step episode_gap;          /* record.episode_gap_s in steps (cas_cascades_episodes) */
    struct drawdown dd;
    double final; /* the first instrument's price at the end of the last step */
    struct liq_row *liqs;
    size_t n_liqs;
    uint32_t cap_liqs;
    struct cas_cascades *cascades;
    double *prev_close;    /* per instrument: the price at the end of the previous step */
    double *close, *index; /* per instrument: scratch for the step's end */
    struct shock_move *shocks;
    struct account_flow *flows; /* by account */
    uint32_t cap_flows;
    struct stylized sty;
    bool out_of_memory;
};

#define CAS__FAR 0.03 /* "far from its index": summary.json's dislocation.far_* */
/* The book's opening is over at the end of the first step in which every instrument's bid,
 * ask and trades lie within this fraction of its reference (the index of a perpetual, the
 * initial price of a spot book). */
#define CAS__CALM 0.01

/* Whether shock k moves its instrument down (a sell, a falling index). */
bool cas__shock_down(const struct cas_shock_config *sh);

/* Printing: a price (ticks) with `dec` decimals of the quote currency; empty
 * when NaN. Money units with the run's decimals. */
void cas__put_money(FILE *f, cas_money m, int decimals);
/* The decimals of x (a tick size, a step length): the fewest, up to 12, that
 * write it exactly. */
int cas__decimals_of(double x);

/* A CSV row being built (columns.c): the columns append to buf and the row
 * reaches its stream in one fwrite; text that does not fit is flushed first. */
struct line {
    FILE *f;
    size_t n;
    char buf[4096];
};

/* Appending to a line (columns.c, replay.c). */
void cas__line_flush(struct line *l);
void cas__line_long_str(struct line *l, const char *s, size_t k); /* flushes, then writes */
/* Room for k bytes at the line's end (k at most the buffer), flushing first if need be. */
static inline char *cas__line_room(struct line *l, size_t k)
{
    if (l->n + k > sizeof l->buf)
        cas__line_flush(l);
    return l->buf + l->n;
}
static inline void cas__line_char(struct line *l, char c)
{
    *cas__line_room(l, 1) = c;
    l->n++;
}
static inline void cas__line_str(struct line *l, const char *s)
{
    size_t k = strlen(s);
    if (k > sizeof l->buf) {
        cas__line_long_str(l, s, k);
        return;
    }
    memcpy(cas__line_room(l, k), s, k);
    l->n += k;
}
/* The price `ticks` with `dec` decimals of the quote currency; nothing when NaN. */
static inline size_t cas__fmt_price(char *buf, double ticks,
                                    const struct cas_instrument_config *ins, int dec)
{
    return isnan(ticks) ? 0 : cas_fmt_fixed(buf, ticks * ins->tick_size, dec);
}
/* A price in ticks with dec decimals of the quote currency (nothing when NaN); integers;
 * a cause as KIND:ID (its kind's name, cas__cause_names). */
static inline void cas__line_price(struct line *l, double ticks,
                                   const struct cas_instrument_config *ins, int dec)
{
    l->n += cas__fmt_price(cas__line_room(l, CAS_FMT_MAX), ticks, ins, dec);
}
static inline void cas__line_int(struct line *l, long long v)
{
    l->n += cas_fmt_i64(cas__line_room(l, CAS_FMT_MAX), v);
}
static inline void cas__line_uint(struct line *l, unsigned long long v)
{
    l->n += cas_fmt_u64(cas__line_room(l, CAS_FMT_MAX), v);
}
extern const char *const cas__cause_names[];
static inline void cas__line_cause(struct line *l, struct cas_cause c)
{
    cas__line_str(l, cas__cause_names[c.kind]);
    cas__line_char(l, ':');
    cas__line_uint(l, c.id);
}

/* An output column: its header name, unit and meaning (as docs/outputs.md
 * gives them) and how a row's value is written (no separator). */
struct column {
    struct cas_column doc;
    void (*put)(struct line *f, const void *row);
};

/* Write a CSV header or one row from a column table. */
void cas__put_header(FILE *f, const struct column *cols, size_t n);
void cas__put_row(FILE *f, const struct column *cols, size_t n, const void *row);

/* The row contexts the tables' put functions receive. */
struct ts_row {
    const struct cas_recorder *r;
    const struct cas_sim *sim;
    uint32_t i;
    const struct cas_instrument_config *ins;
    const struct series *s;
    cas_ticks bid, ask;
    bool has_bid, has_ask;
    cas_lots desk_lots; /* cas_sim_desks, once for the row's two columns */
    cas_money desk_equity;
    uint32_t n_desks;
};
struct liq_out {
    const struct cas_recorder *r;
    const struct liq_row *row;
};
struct cascade_out {
    const struct cas_recorder *r;
    const struct cas_cascade *c;
};
struct trade_out {
    const struct cas_recorder *r;
    uint32_t i;
    const struct cas_fill *f;
    struct cas_cause cause;
};
struct liqmap_out {
    const struct cas_recorder *r;
    uint32_t i;
    const struct cas_liq_map *m;
    int bin;
};

struct account_out {
    const struct cas_recorder *r;
    uint32_t account, agent, population; /* agent UINT32_MAX: the shock account */
    cas_money deposit;
    struct cas_account_view end;  /* the account at the end of the run */
    struct cas_position_view pos; /* its position on the population's instrument (agents) */
};

extern const struct column cas__ts_columns[], cas__liq_columns[], cas__cascade_columns[],
    cas__trade_columns[], cas__liqmap_columns[], cas__account_columns[];
extern const size_t cas__n_ts_columns, cas__n_liq_columns, cas__n_cascade_columns,
    cas__n_trade_columns, cas__n_liqmap_columns, cas__n_account_columns;
extern const struct cas_column cas__summary_keys[];
extern const size_t cas__n_summary_keys;

#endif
