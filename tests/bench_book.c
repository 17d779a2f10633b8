/* bench_book: book operations per second on a fixed, documented workload.
 *
 * Workload: 1,000,000 operations from a fixed seed (splitmix64, seed 1): 60%
 * limit orders, 30% cancels of a uniformly chosen live order, 10% market
 * orders; each side equally likely. The mid price random-walks by -1, 0 or +1
 * tick per operation from 100,000; a limit buy is priced at mid - U[-2, 40]
 * and a limit sell at mid + U[-2, 40], so some limits cross; limit and market
 * sizes are U[1, 10] lots. Ids are sequential. About 1,300 orders rest on
 * average (printed on stderr). The stream is
 * generated before timing by running it once through a book, so that every
 * cancel names an order live at that point. Each timed run replays the same
 * stream on a fresh book (default capacity hints, so growth is included),
 * with a fill callback that counts fills; only the book calls are timed
 * (CLOCK_MONOTONIC). Five runs; the median is printed on stdout as
 * book_ops_per_sec=N and book_ns_per_op=X.Y, details on stderr.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cascade/book.h"

#define OPS 1000000
#define RUNS 5

enum op_kind { OP_LIMIT, OP_CANCEL, OP_MARKET };

struct op {
    uint64_t id;
    cas_ticks price;
    cas_lots qty;
    unsigned char kind;
    unsigned char side;
};

static uint64_t rng_state = 1;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static int64_t uniform(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next() % (uint64_t)(hi - lo + 1));
}

/* Live orders during generation: ids in an array, each id's slot in pos[]. */
struct live {
    uint64_t *ids;
    uint32_t *pos;
    size_t n;
};

static void live_add(struct live *l, uint64_t id)
{
    l->pos[id] = (uint32_t)l->n;
    l->ids[l->n++] = id;
}

static void live_remove(struct live *l, uint64_t id)
{
    uint32_t i = l->pos[id];
    l->ids[i] = l->ids[--l->n];
    l->pos[l->ids[i]] = i;
}

static void drop_filled_maker(void *ctx, const struct cas_fill *f)
{
    if (f->maker_left == 0)
        live_remove(ctx, f->maker_id);
}

/* clang-format off */
static struct op next_op(struct live *l, uint64_t *next_id, cas_ticks mid)
{
    int r = (int)uniform(0, 99);
    unsigned char side = (unsigned char)uniform(CAS_BUY, CAS_SELL);
    if (r < 30 && l->n)
        return (struct op){.id = l->ids[rng_next() % l->n], .kind = OP_CANCEL};
    if (r < 40)
        return (struct op){.id = (*next_id)++, .qty = uniform(1, 10), .kind = OP_MARKET,
                           .side = side};
    cas_ticks off = uniform(-2, 40);
    return (struct op){.id = (*next_id)++, .price = side == CAS_BUY ? mid - off : mid + off,
                       .qty = uniform(1, 10), .kind = OP_LIMIT, .side = side};
}
/* clang-format on */

/* Build the stream by running it through a book; returns the average number
 * of live orders. */
static double generate(struct op *ops)
{
    struct live l = {malloc(OPS * sizeof *l.ids), malloc((OPS + 1) * sizeof *l.pos), 0};
    struct cas_book *book = cas_book_create(NULL);
    if (!l.ids || !l.pos || !book) {
        fprintf(stderr, "bench_book: out of memory\n");
        exit(1);
    }
    uint64_t next_id = 1;
    double avg_live = 0;
    cas_ticks mid = 100000;
    for (size_t i = 0; i < OPS; i++) {
        ops[i] = next_op(&l, &next_id, mid);
        avg_live += (double)l.n / OPS;
        mid += uniform(-1, 1);
        const struct op *o = &ops[i];
        if (o->kind == OP_CANCEL) {
            cas_book_cancel(book, o->id);
            live_remove(&l, o->id);
            continue;
        }
        struct cas_submit_result res;
        cas_book_submit(book, o->id, o->side, o->kind == OP_LIMIT ? CAS_LIMIT : CAS_MARKET,
                        o->price, o->qty, drop_filled_maker, &l, &res);
        if (res.rested)
            live_add(&l, o->id);
    }
    char why[256] = "live orders and book disagree";
    if (!cas_book_check(book, why, sizeof why) || cas_book_orders(book) != l.n) {
        fprintf(stderr, "bench_book: book check failed: %s\n", why);
        exit(1);
    }
    cas_book_destroy(book);
    free(l.ids);
    free(l.pos);
    return avg_live;
}

static void count_fill(void *ctx, const struct cas_fill *f)
{
    (void)f;
    ++*(uint64_t *)ctx;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* One timed replay on a fresh book; seconds, or a negative value if an op failed. */
static double run_once(const struct op *ops, uint64_t *fills)
{
    struct cas_book *book = cas_book_create(NULL);
    if (!book)
        return -1;
    int failed = 0;
    struct cas_submit_result res;
    double t0 = now();
    for (size_t i = 0; i < OPS; i++) {
        const struct op *o = &ops[i];
        if (o->kind == OP_CANCEL)
            failed |= cas_book_cancel(book, o->id);
        else
            failed |=
                cas_book_submit(book, o->id, o->side, o->kind == OP_LIMIT ? CAS_LIMIT : CAS_MARKET,
                                o->price, o->qty, count_fill, fills, &res);
    }
    double t = now() - t0;
    cas_book_destroy(book);
    return failed ? -1 : t;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    struct op *ops = malloc(OPS * sizeof *ops);
    if (!ops) {
        fprintf(stderr, "bench_book: out of memory\n");
        return 1;
    }
    double live = generate(ops);
    double secs[RUNS];
    uint64_t fills = 0;
    for (int r = 0; r < RUNS; r++) {
        secs[r] = run_once(ops, &fills);
        if (secs[r] < 0) {
            fprintf(stderr, "bench_book: an operation failed on replay\n");
            return 1;
        }
        fprintf(stderr, "run %d: %.3f ms\n", r + 1, secs[r] * 1e3);
    }
    qsort(secs, RUNS, sizeof *secs, by_value);
    double median = secs[RUNS / 2];
    fprintf(stderr, "ops %d, fills per run %" PRIu64 ", live orders on average %.0f\n", OPS,
            fills / RUNS, live);
    printf("book_ops_per_sec=%.0f\n", OPS / median);
    printf("book_ns_per_op=%.1f\n", median * 1e9 / OPS);
    free(ops);
    return 0;
}
