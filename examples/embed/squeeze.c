/* squeeze: run a cascade config through the library and print what happened.
 *
 *   cc squeeze.c $(pkg-config --cflags --libs cascade) -o squeeze
 *   ./squeeze CONFIG.json [SEED]
 *
 * Loads the config (with its seed replaced when SEED is given), follows the run
 * with an observer that counts trades and liquidations and keeps the lowest
 * trade of the first instrument, steps it to its end and prints one line. The
 * same figures as `cascade run`'s summary.json (docs/embedding.md). */
#include <stdio.h>
#include <stdlib.h>

#include <cascade/config.h>
#include <cascade/sim.h>

struct tally {
    unsigned long long trades, liquidations;
    cas_ticks low;
};

static void on_trade(void *ctx, uint32_t instrument, const struct cas_fill *fill,
                     struct cas_cause cause)
{
    struct tally *t = ctx;
    (void)cause;
    t->trades++;
    if (instrument == 0 && (t->low == 0 || fill->price < t->low))
        t->low = fill->price;
}

static void on_liquidation(void *ctx, const struct cas_liquidation *liq)
{
    struct tally *t = ctx;
    (void)liq;
    t->liquidations++;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: squeeze CONFIG.json [SEED]\n");
        return 2;
    }
    char set[64];
    const char *sets[1] = {set};
    if (argc == 3)
        snprintf(set, sizeof set, "seed=%s", argv[2]);
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    if (cas_config_load(&cfg, argv[1], sets, argc == 3 ? 1 : 0, &err) < 0) {
        fprintf(stderr, "squeeze: %s: %s: %s\n", argv[1], err.path, err.msg);
        return 2;
    }
    struct tally t = {0};
    struct cas_sim_observer obs = {
        .ctx = &t, .on_trade = on_trade, .on_liquidation = on_liquidation};
    struct cas_sim *sim = NULL;
    if (cas_sim_create(&sim, &cfg, &obs, &err) < 0) {
        fprintf(stderr, "squeeze: %s: %s: %s\n", argv[1], err.path, err.msg);
        cas_config_release(&cfg);
        return 2;
    }
    int rc = 0;
    while (rc == 0 && cas_sim_now(sim) < cfg.steps)
        rc = cas_sim_step(sim);
    if (rc == 0) {
        double tick = cfg.instruments[0].tick_size;
        printf("%s seed %llu: %lld steps, %llu trades, %llu liquidations, lowest trade %.2f, "
               "mark at the end %.2f\n",
               cfg.name, (unsigned long long)cfg.seed, (long long)cas_sim_now(sim), t.trades,
               t.liquidations, (double)t.low * tick, (double)cas_sim_mark(sim, 0) * tick);
    } else {
        fprintf(stderr, "squeeze: %s\n", cas_strerror(rc));
    }
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return rc == 0 ? 0 : 1;
}
