/* bench_sim: one config's event counts and the time of its simulation loop.
 *
 * Usage: bench_sim CONFIG PREFIX [RUNS]. Runs the config's steps with no
 * recorder RUNS times (default 5) and prints PREFIX_orders, PREFIX_cancels
 * (the agents' cancellations plus the lifetimes that ended: every order taken
 * off the book other than by a fill), PREFIX_fills, PREFIX_steps and
 * PREFIX_loop_ms (the fastest run's loop, in milliseconds), one `name=value`
 * per line, as scripts/bench prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cascade/config.h"
#include "cascade/sim.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_sim CONFIG PREFIX [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    if (cas_config_load(&cfg, argv[1], NULL, 0, &err) < 0) {
        fprintf(stderr, "bench_sim: %s: %s: %s\n", argv[1], err.path, err.msg);
        return 2;
    }
    double best = -1;
    struct cas_sim_counters c = {0};
    for (int r = 0; r < (runs > 0 ? runs : 1); r++) {
        struct cas_sim *sim;
        if (cas_sim_create(&sim, &cfg, NULL, &err) < 0) {
            fprintf(stderr, "bench_sim: %s: %s\n", err.path, err.msg);
            cas_config_release(&cfg);
            return 1;
        }
        double start = now_s();
        for (cas_step t = 0; t < cfg.steps; t++) {
            if (cas_sim_step(sim) < 0) {
                fprintf(stderr, "bench_sim: step %lld failed\n", (long long)t);
                cas_sim_destroy(sim);
                cas_config_release(&cfg);
                return 1;
            }
        }
        double wall = now_s() - start;
        best = best < 0 || wall < best ? wall : best;
        c = cas_sim_counters(sim);
        cas_sim_destroy(sim);
    }
    const char *p = argv[2];
    printf("%s_orders=%llu\n", p, (unsigned long long)c.orders);
    printf("%s_cancels=%llu\n", p, (unsigned long long)(c.cancels + c.expiries));
    printf("%s_fills=%llu\n", p, (unsigned long long)c.trades);
    printf("%s_steps=%lld\n", p, (long long)cfg.steps);
    printf("%s_loop_ms=%.1f\n", p, best * 1e3);
    cas_config_release(&cfg);
    return 0;
}
