/* index: the index price — a GBM with Poisson jumps, a CSV path, or spot prices (one
 * book's, or a weighted composite of several with the venue's outlier rule).
 *
 * The index is a real number of ticks, always > 0. GBM draws only from the
 * index's own stream, so its path depends on nothing else in the run. A PATH
 * index owns its array of per-step prices; past the last row the price holds.
 * Shocks (cas_index_jump) scale the level multiplicatively and persist: GBM
 * evolves from the shocked price, and a PATH index keeps the factor for all
 * later steps.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/fmath.h"
#include "cascade/rules.h"
#include "core/coreInt.h"

void cas_index_init_gbm(struct cas_index *ix, double p0, const struct cas_gbm_params *p,
                        const struct cas_rng *rng)
{
    memset(ix, 0, sizeof *ix);
    ix->source = CAS_INDEX_GBM;
    ix->price = p0;
    ix->gbm = *p;
    ix->activity = 1.0;
    ix->rng = *rng;
    ix->path_scale = 1.0;
}

void cas_index_init_spot(struct cas_index *ix, double p0)
{
    memset(ix, 0, sizeof *ix);
    ix->source = CAS_INDEX_SPOT;
    ix->price = p0;
    ix->path_scale = 1.0;
}

void cas_index_set(struct cas_index *ix, double price)
{
    ix->price = price;
}

/* The plain median of p[n], n >= 1: the middle price, or the mean of the middle two. */
static double median_of(const double *p, size_t n)
{
    double v[CAS_MAX_CONSTITUENTS];
    size_t m = n < CAS_MAX_CONSTITUENTS ? n : CAS_MAX_CONSTITUENTS;
    for (size_t i = 0; i < m; i++) { /* insertion sort: a handful of prices */
        size_t j = i;
        for (; j > 0 && v[j - 1] > p[i]; j--)
            v[j] = v[j - 1];
        v[j] = p[i];
    }
    return m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

double cas_index_composite(const double *prices, const double *weights, size_t n,
                           enum cas_index_outliers rule, double band, double *used)
{
    if (n == 1) {
        if (used)
            used[0] = weights[0];
        return prices[0];
    }
    double med = median_of(prices, n), lo = med * (1 - band), hi = med * (1 + band);
    double sum = 0, wsum = 0;
    for (size_t i = 0; i < n && i < CAS_MAX_CONSTITUENTS; i++) {
        double p = prices[i];
        if (used)
            used[i] = 0;
        if (rule == CAS_OUTLIERS_CLAMP)
            p = p < lo ? lo : p > hi ? hi : p;
        else if (rule == CAS_OUTLIERS_DROP && (p < lo || p > hi))
            continue;
        if (used)
            used[i] = weights[i];
        sum += weights[i] * p;
        wsum += weights[i];
    }
    return wsum > 0 ? sum / wsum : med;
}

/* The index is held within [DBL_MIN, 2^40] ticks: positive (an underflow would make the
 * log price -inf and freeze the process) and no higher than the book's and the exchange's
 * price limit, CAS_BOOK_MAX_PRICE, so that marks and agents' prices derived from it fit. */
static double held(double p)
{
    return p < DBL_MIN ? DBL_MIN : p > (double)CAS_BOOK_MAX_PRICE ? (double)CAS_BOOK_MAX_PRICE : p;
}

/* The multifractal clock's step: at the first, every multiplier drawn from its stationary
 * law (m0 or 2 - m0, even odds); after, multiplier i drawn afresh with probability
 * msm_rate[i]. Each multiplier takes one or two draws, in order. Returns the product. */
static double msm_step(struct cas_index *ix)
{
    const struct cas_gbm_params *g = &ix->gbm;
    double a = 1.0;
    for (uint32_t i = 0; i < g->msm_k; i++) {
        if (!ix->clocks_drawn || cas_rng_double(&ix->rng) < g->msm_rate[i])
            ix->msm_m[i] = cas_rng_bernoulli(&ix->rng, 0.5) ? g->msm_m0 : 2.0 - g->msm_m0;
        a *= ix->msm_m[i];
    }
    return a;
}

/* The square-root clock's step: at the first, v drawn from its stationary law
 * Gamma(shape, 1 / shape); after, from its exact transition (struct cas_gbm_params), a
 * Poisson draw and then a gamma draw. Returns v. */
static double sqv_step(struct cas_index *ix)
{
    const struct cas_gbm_params *g = &ix->gbm;
    if (!ix->clocks_drawn)
        return ix->sqv = cas_rng_gamma(&ix->rng, g->sqv_shape) / g->sqv_shape;
    uint64_t n = cas_rng_poisson(&ix->rng, ix->sqv * g->sqv_decay / (2.0 * g->sqv_c));
    ix->sqv = 2.0 * g->sqv_c * cas_rng_gamma(&ix->rng, g->sqv_shape + (double)n);
    return ix->sqv;
}

/* One GBM step in log space: drift - a vol^2/2 + sqrt(a) vol Z, with a the clocks'
 * activity (the product of those configured; 1 without one), plus N ~ Poisson(rate) jumps
 * of Normal(jump_mean, jump_sd) each. Draw order is fixed: the multifractal clock's, the
 * square-root clock's, Z, N, jumps. */
static double gbm_step(struct cas_index *ix)
{
    const struct cas_gbm_params *g = &ix->gbm;
    double vol = g->vol;
    if (g->msm_k || g->sqv_shape > 0) { /* vol * sqrt(a): without a clock, as it always was */
        ix->activity = g->msm_k ? msm_step(ix) : 1.0;
        if (g->sqv_shape > 0)
            ix->activity *= sqv_step(ix);
        ix->clocks_drawn = true;
        vol *= sqrt(ix->activity);
    }
    double r = g->drift - 0.5 * vol * vol + vol * cas_rng_normal(&ix->rng, 0.0, 1.0);
    uint64_t jumps = cas_rng_poisson(&ix->rng, g->jump_rate);
    for (uint64_t i = 0; i < jumps; i++)
        r += cas_rng_normal(&ix->rng, g->jump_mean, g->jump_sd);
    return held(ix->price * cas_exp(r));
}

double cas_index_advance(struct cas_index *ix, cas_step step)
{
    switch (ix->source) {
    case CAS_INDEX_GBM: ix->price = gbm_step(ix); break;
    case CAS_INDEX_PATH:
        if (ix->path_len > 0) {
            cas_step i = step < 0 ? 0 : step >= ix->path_len ? ix->path_len - 1 : step;
            ix->price = held(ix->path[i] * ix->path_scale);
        }
        break;
    case CAS_INDEX_SPOT: break;
    }
    return ix->price;
}

void cas_index_jump(struct cas_index *ix, double pct)
{
    ix->price = held(ix->price * (1.0 + pct));
    ix->path_scale *= 1.0 + pct;
}

void cas_index_release(struct cas_index *ix)
{
    free(ix->path);
    ix->path = NULL;
    ix->path_len = 0;
}

/* ---- CSV path loading ---- */

struct path_reader {
    const char *file;
    FILE *fp;
    char *line;
    size_t cap;
    long lineno;
    double *prices;
    uint32_t len, alloc; /* a path holds at most 2^31 prices (cas__grow's doubling) */
};

static int path_error(const struct path_reader *r, struct cas_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int path_error(const struct path_reader *r, struct cas_err *err, const char *fmt, ...)
{
    char where[sizeof err->path], msg[sizeof err->msg];
    cas__file_line(where, sizeof where, r->file, r->lineno);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cas_err_set(err, CAS_EINVAL, where, "%s", msg);
}

/* Read the next line without its line ending; false at end of file. */
static bool read_line(struct path_reader *r)
{
    ssize_t n = getline(&r->line, &r->cap, r->fp);
    if (n < 0)
        return false;
    r->lineno++;
    while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
        r->line[--n] = '\0';
    return true;
}

static int push_price(struct path_reader *r, double ticks)
{
    if (cas__grow((void **)&r->prices, &r->alloc, r->len + 1, sizeof *r->prices) < 0)
        return CAS_ENOMEM;
    r->prices[r->len++] = ticks;
    return 0;
}

/* Parse one "step,price" row: the step must be the next one expected. */
static int parse_row(struct path_reader *r, double tick_size, struct cas_err *err)
{
    char *comma = strchr(r->line, ',');
    if (!comma || strchr(comma + 1, ','))
        return path_error(r, err, "expected two fields 'step,price', got '%s'", r->line);
    *comma = '\0';
    const char *step_text = r->line, *price_text = comma + 1;
    char *end;
    errno = 0;
    long long step = strtoll(step_text, &end, 10);
    if (!isdigit((unsigned char)step_text[0]) || *end || errno || step != r->len)
        return path_error(r, err, "step must be %lld, got '%s'", (long long)r->len, step_text);
    errno = 0;
    double price = strtod(price_text, &end);
    if (end == price_text || *end || errno || !isfinite(price) || !(price > 0))
        return path_error(r, err, "price must be a positive number, got '%s'", price_text);
    if (!(price / tick_size <= (double)CAS_BOOK_MAX_PRICE))
        return path_error(r, err, "price %s is %.17g ticks; the limit is 2^40 ticks", price_text,
                          price / tick_size);
    if (push_price(r, price / tick_size) < 0)
        return cas_err_set(err, CAS_ENOMEM, r->file, "cannot hold the path in memory");
    return 0;
}

static int read_path(struct path_reader *r, double tick_size, struct cas_err *err)
{
    if (!read_line(r)) {
        r->lineno = 1;
        return path_error(r, err, "header must be '%s', got an empty file", "step,price");
    }
    if (strcmp(r->line, "step,price") != 0)
        return path_error(r, err, "header must be 'step,price', got '%s'", r->line);
    while (read_line(r)) {
        if (r->line[0] == '\0')
            continue; /* blank lines carry nothing; steps are still checked */
        int rc = parse_row(r, tick_size, err);
        if (rc < 0)
            return rc;
    }
    if (ferror(r->fp))
        return cas_err_set(err, CAS_EIO, r->file, "cannot read '%s'", r->file);
    if (r->len == 0)
        return path_error(r, err, "no rows after the header '%s'", "step,price");
    return 0;
}

int cas_index_load_path(struct cas_index *ix, const char *file, double tick_size,
                        struct cas_err *err)
{
    memset(ix, 0, sizeof *ix);
    ix->source = CAS_INDEX_PATH;
    ix->path_scale = 1.0;
    if (!(tick_size > 0) || !isfinite(tick_size))
        return cas_err_set(err, CAS_EINVAL, file, "tick size must be positive, got '%g'",
                           tick_size);
    struct path_reader r = {.file = file};
    char why[96];
    r.fp = cas_open_input(file, CAS_MAX_CSV_BYTES, why, sizeof why);
    if (!r.fp)
        return cas_err_set(err, CAS_EIO, file, "cannot read the index path '%s': %s", file, why);
    int rc = read_path(&r, tick_size, err);
    fclose(r.fp);
    free(r.line);
    if (rc < 0) {
        free(r.prices);
        return rc;
    }
    ix->path = r.prices;
    ix->path_len = r.len;
    ix->price = r.prices[0];
    return 0;
}
