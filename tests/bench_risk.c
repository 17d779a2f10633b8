/* bench_risk: the risk engine's cost per trade as the number of accounts grows.
 *
 * For N = 1e3 .. 1e6 cross accounts, each holding a leveraged position of
 * 10 lots (leverage 2..41, so liquidation prices are spread over the
 * range), repeatedly trade one lot between a random long and its short
 * counterparty and back, alternating the price between two ticks: every
 * trade settles two positions (re-indexing both in the risk heaps), moves
 * the mark (the last price), and runs the risk check, which crosses no
 * trigger: the steady state. Prints one line per N,
 * risk_ns_per_trade_accounts_N=<ns>, which should grow like log N at most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cascade/exchange.h"
#include "cascade/rng.h"

#define PRICE 10000
#define LOTS 10
#define TRADES 200000

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int order(struct cas_exchange *ex, uint32_t a, enum cas_side side, cas_ticks price,
                 cas_lots qty)
{
    struct cas_order o = {
        .account = a, .instrument = 0, .side = side, .type = CAS_LIMIT, .price = price, .qty = qty};
    struct cas_submit_result res;
    enum cas_reject rej;
    uint64_t id;
    return cas_exchange_submit(ex, &o, (struct cas_cause){CAS_CAUSE_ORDER, a}, &id, &res, &rej);
}

/* `buyer` buys qty from `seller` at price; 0 on success. */
static int trade(struct cas_exchange *ex, uint32_t buyer, uint32_t seller, cas_ticks price,
                 cas_lots qty)
{
    int rc = order(ex, seller, CAS_SELL, price, qty);
    return rc ? rc : order(ex, buyer, CAS_BUY, price, qty);
}

/* Accounts 2k (long) and 2k+1 (short) trade LOTS at PRICE; collateral is
 * twice the initial margin so that one more lot a tick off the mark passes. */
static int setup(struct cas_exchange *ex, uint32_t n)
{
    for (uint32_t a = 0; a < n; a++) {
        int32_t lev = 2 + (int32_t)((a / 2 * 2654435761u) % 40);
        cas_money im = (cas_money)PRICE * LOTS / lev;
        uint32_t id;
        if (cas_exchange_open_account(ex, im * 2, CAS_CROSS, lev, &id))
            return -1;
    }
    for (uint32_t a = 0; a + 1 < n; a += 2)
        if (trade(ex, a, a + 1, PRICE, LOTS))
            return -1;
    return 0;
}

/* clang-format off */
static int run(uint32_t n)
{
    struct cas_instrument_spec s = {.kind = CAS_PERPETUAL, .contract_units = 1,
                                    .initial_price = PRICE, .max_leverage = 100, .n_tiers = 1,
                                    .liq_mode = CAS_LIQ_ENGINE};
    s.tiers[0] = (struct cas_tier){.floor = 0, .mmr_ppm = 5000, .max_leverage = 100};
    struct cas_exchange *ex;
    if (cas_exchange_create(&ex, &s, 1, 0, NULL, NULL, NULL))
        return -1;
    int rc = setup(ex, n);
    struct cas_rng rng;
    cas_rng_init(&rng, 42, n);
    uint32_t *pick = malloc(TRADES / 2 * sizeof *pick);
    if (rc || !pick)
        goto done;
    for (uint32_t k = 0; k < TRADES / 2; k++)
        pick[k] = cas_rng_bounded(&rng, n / 2) * 2;
    double t0 = now_ns();
    for (uint32_t k = 0; k < TRADES / 2 && rc == 0; k++) {
        uint32_t l = pick[k];
        rc = trade(ex, l, l + 1, PRICE + 1, 1); /* both grow by one lot */
        if (rc == 0)
            rc = trade(ex, l + 1, l, PRICE, 1); /* and shrink back */
    }
    double ns = (now_ns() - t0) / TRADES;
    struct cas_exchange_totals t;
    cas_exchange_totals(ex, &t);
    if (rc == 0 && (t.liquidations != 0 || t.held != t.deposited))
        rc = -1;
    if (rc == 0)
        printf("risk_ns_per_trade_accounts_%u=%.1f\n", n, ns);
done:
    free(pick);
    cas_exchange_destroy(ex);
    return rc;
}
/* clang-format on */

int main(void)
{
    uint32_t sizes[] = {1000, 10000, 100000, 1000000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        if (run(sizes[k])) {
            fprintf(stderr, "bench_risk: run with %u accounts failed\n", sizes[k]);
            return 1;
        }
    }
    return 0;
}
