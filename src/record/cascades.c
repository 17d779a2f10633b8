/* cascades: the causal forest of liquidations and the measures of each tree,
 * followed as the run goes. See include/cascade/cascades.h for what a cascade
 * is and how it is measured.
 *
 * Each cascade is in one of three states. Running: some member's orders are
 * not finished (or it was triggered in the step running now); every trade
 * and end-of-step price of its instrument may move its extreme (the step's
 * lowest and highest trades are kept per instrument, O(1) a trade, and given
 * to the running cascades at the step's end: only the extreme counts). Waiting: its
 * span is over and the price has not yet undone half the move; end-of-step
 * prices are checked against that level. Done. A member that joins a cascade
 * whose span is over (a keeper's take-over can leave the keeper itself under
 * water, to be liquidated later) sets it running again: its span then reaches
 * the new member's finish, and the steps in between count through their
 * end-of-step prices (trades are followed only while a span runs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/cascades.h"
#include "cascade/core.h"
#include "core/coreInt.h"

enum state { RUNNING, WAITING, DONE };

struct node {
    struct cas_cascade c;
    uint32_t unfinished; /* members whose orders are not finished */
    cas_step last_finish;
    enum state state;
};

struct member {
    uint32_t cascade; /* index into nodes */
    uint32_t generation;
};

struct cas_cascades {
    uint32_t n_instruments;
    double *prev_close;           /* per instrument: the price at the end of the last step */
    double *prev_index;           /* per instrument: the index then */
    double *step_low, *step_high; /* per instrument: trades in the step running now */
    cas_step step;                /* the step running now */
    struct node *nodes;
    uint32_t n_nodes, cap_nodes;
    struct member *members; /* by liquidation id - 1 */
    uint32_t n_members, cap_members;
    uint32_t *running, *waiting; /* indexes of nodes in those states */
    uint32_t n_running, cap_running, n_waiting, cap_waiting;
};

int cas_cascades_create(struct cas_cascades **out, uint32_t n, const double *initial)
{
    struct cas_cascades *cs = calloc(1, sizeof *cs);
    if (!cs || !(cs->prev_close = malloc(n * sizeof *cs->prev_close)) ||
        !(cs->prev_index = malloc(n * sizeof *cs->prev_index)) ||
        !(cs->step_low = malloc(n * sizeof *cs->step_low)) ||
        !(cs->step_high = malloc(n * sizeof *cs->step_high))) {
        cas_cascades_destroy(cs);
        return CAS_ENOMEM;
    }
    cs->n_instruments = n;
    for (uint32_t i = 0; i < n; i++) {
        cs->prev_close[i] = cs->prev_index[i] = initial[i];
        cs->step_low[i] = INFINITY;
        cs->step_high[i] = -INFINITY;
    }
    *out = cs;
    return 0;
}

void cas_cascades_destroy(struct cas_cascades *cs)
{
    if (!cs)
        return;
    free(cs->prev_close);
    free(cs->prev_index);
    free(cs->step_low);
    free(cs->step_high);
    free(cs->nodes);
    free(cs->members);
    free(cs->running);
    free(cs->waiting);
    free(cs);
}

static double sign_of(const struct cas_cascade *c)
{
    return c->side == CAS_BUY ? 1 : -1; /* a long cascade moves the price down */
}

/* A price the cascade's instrument reached in the step running now. */
static void reach(struct cas_cascade *c, double p, cas_step step)
{
    double sign = sign_of(c);
    if (isfinite(p) && sign * (c->price_extreme - p) > 0) {
        c->price_extreme = p;
        c->extreme_step = step;
        c->move_bps = sign * (c->price_start - p) / c->price_start * 1e4;
        c->recovery_steps = -1;
    }
}

/* Whether an end-of-step price after the extreme undoes half the move. */
static bool recovered(const struct cas_cascade *c, double close)
{
    double half = c->price_extreme + (c->price_start - c->price_extreme) / 2;
    return c->move_bps > 0 && sign_of(c) * (close - half) >= 0;
}

static int push(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t k)
{
    if (cas__grow((void **)v, cap, *n + 1, sizeof **v))
        return CAS_ENOMEM;
    (*v)[(*n)++] = k;
    return 0;
}

static void drop(uint32_t *v, uint32_t *n, uint32_t k)
{
    for (size_t j = 0; j < *n; j++)
        if (v[j] == k) {
            memmove(&v[j], &v[j + 1], (*n - j - 1) * sizeof *v);
            (*n)--;
            return;
        }
}

/* O(1): a trade only moves its step's low and high, which cas_cascades_step_end
 * gives each running cascade (every cascade running at a step's end has run
 * through all of its trades, or was set running with the extremes so far). */
void cas_cascades_trade(struct cas_cascades *cs, uint32_t i, double price)
{
    if (price < cs->step_low[i])
        cs->step_low[i] = price;
    if (price > cs->step_high[i])
        cs->step_high[i] = price;
}

/* Set a cascade running: this step's trades so far count. */
static int run(struct cas_cascades *cs, uint32_t k)
{
    struct node *nd = &cs->nodes[k];
    uint32_t i = nd->c.instrument;
    if (nd->state == WAITING)
        drop(cs->waiting, &cs->n_waiting, k);
    nd->state = RUNNING;
    reach(&nd->c, nd->c.side == CAS_BUY ? cs->step_low[i] : cs->step_high[i], cs->step);
    return push(&cs->running, &cs->n_running, &cs->cap_running, k);
}

/* clang-format off */
int cas_cascades_liquidation(struct cas_cascades *cs, const struct cas_liquidation *l)
{
    bool caused = l->cause.kind == CAS_CAUSE_LIQUIDATION || l->cause.kind == CAS_CAUSE_CARRIED;
    uint64_t parent = caused ? l->cause.id : 0;
    if (l->id > UINT32_MAX ||
        cas__grow((void **)&cs->members, &cs->cap_members, (uint32_t)l->id, sizeof *cs->members))
        return CAS_ENOMEM;
    struct member *m = &cs->members[l->id - 1];
    cs->n_members = l->id > cs->n_members ? (uint32_t)l->id : cs->n_members;
    if (parent >= 1 && parent < l->id) {
        *m = (struct member){cs->members[parent - 1].cascade,
                             cs->members[parent - 1].generation + 1};
    } else {
        if (cas__grow((void **)&cs->nodes, &cs->cap_nodes, cs->n_nodes + 1, sizeof *cs->nodes))
            return CAS_ENOMEM;
        double start = cs->prev_close[l->instrument];
        cs->nodes[cs->n_nodes] = (struct node){
            .c = {.id = cs->n_nodes + 1, .root = l->id, .cause = l->cause,
                  .instrument = l->instrument, .side = l->side, .start = l->step,
                  .end = l->step, .finish = -1, .price_start = start, .price_extreme = start,
                  .extreme_step = l->step, .index_at_extreme = NAN,
                  .index_start = cs->prev_index[l->instrument], .price_end = start,
                  .recovery_steps = -1},
            .state = DONE, .last_finish = l->step};
        *m = (struct member){(uint32_t)cs->n_nodes++, 1};
    }
    struct node *nd = &cs->nodes[m->cascade];
    struct cas_cascade *c = &nd->c;
    c->liquidations++;
    c->notional = cas_money_add_held(c->notional, l->notional);
    c->end = l->step > c->end ? l->step : c->end;
    c->finish = -1;
    c->generations = m->generation > c->generations ? m->generation : c->generations;
    nd->unfinished++;
    return nd->state == RUNNING ? 0 : run(cs, m->cascade);
}
/* clang-format on */

void cas_cascades_finished(struct cas_cascades *cs, uint64_t id, cas_step step)
{
    if (id < 1 || id > cs->n_members)
        return;
    struct node *nd = &cs->nodes[cs->members[id - 1].cascade];
    if (nd->unfinished > 0)
        nd->unfinished--;
    nd->last_finish = step > nd->last_finish ? step : nd->last_finish;
}

void cas_cascades_step_end(struct cas_cascades *cs, cas_step step, const double *close,
                           const double *index)
{
    for (size_t k = 0; k < cs->n_running;) {
        uint32_t n = cs->running[k];
        struct node *nd = &cs->nodes[n];
        struct cas_cascade *c = &nd->c;
        uint32_t i = c->instrument;
        reach(c, c->side == CAS_BUY ? cs->step_low[i] : cs->step_high[i], step);
        reach(c, close[i], step);
        if (c->extreme_step == step)
            c->index_at_extreme = index[i];
        if (c->recovery_steps < 0 && step > c->extreme_step && recovered(c, close[i]))
            c->recovery_steps = step - c->extreme_step;
        c->price_end = close[i];
        if (nd->unfinished > 0) {
            k++;
            continue;
        }
        c->finish = nd->last_finish;
        nd->state = c->recovery_steps < 0 && c->move_bps > 0 ? WAITING : DONE;
        cs->running[k] = cs->running[--cs->n_running];
        if (nd->state == WAITING && push(&cs->waiting, &cs->n_waiting, &cs->cap_waiting, n))
            nd->state = DONE; /* out of memory: no recovery will be found */
    }
    for (size_t k = 0; k < cs->n_waiting;) {
        struct node *nd = &cs->nodes[cs->waiting[k]];
        struct cas_cascade *c = &nd->c;
        if (step > c->extreme_step && recovered(c, close[c->instrument])) {
            c->recovery_steps = step - c->extreme_step;
            nd->state = DONE;
            cs->waiting[k] = cs->waiting[--cs->n_waiting];
        } else {
            k++;
        }
    }
    for (uint32_t i = 0; i < cs->n_instruments; i++) {
        cs->prev_close[i] = close[i];
        cs->prev_index[i] = index[i];
        cs->step_low[i] = INFINITY;
        cs->step_high[i] = -INFINITY;
    }
    cs->step = step + 1;
}

void cas_cascades_episodes(struct cas_cascades *cs, cas_step gap)
{
    uint64_t episode = 0;
    bool working = false; /* some cascade of the episode is unfinished */
    cas_step busy = 0;    /* else the last finish step of its cascades */
    for (size_t k = 0; k < cs->n_nodes; k++) {
        struct cas_cascade *c = &cs->nodes[k].c;
        if (!episode || (!working && c->start > busy + gap)) {
            episode++;
            working = false;
            busy = c->start;
        }
        c->episode = episode;
        working |= c->finish < 0;
        busy = c->finish > busy ? c->finish : busy;
    }
}

size_t cas_cascades_count(const struct cas_cascades *cs)
{
    return cs->n_nodes;
}

const struct cas_cascade *cas_cascades_get(const struct cas_cascades *cs, size_t k)
{
    return k < cs->n_nodes ? &cs->nodes[k].c : NULL;
}

uint64_t cas_cascades_of(const struct cas_cascades *cs, uint64_t id)
{
    return id >= 1 && id <= cs->n_members ? cs->members[id - 1].cascade + 1 : 0;
}

uint32_t cas_cascades_generation(const struct cas_cascades *cs, uint64_t id)
{
    return id >= 1 && id <= cs->n_members ? cs->members[id - 1].generation : 0;
}
