/* Fuzz target: a config file's text through parsing and validation, then,
 * when it validates and is small enough to be quick, a few steps of the
 * simulation it describes. Whatever validation accepts must run: a step that
 * fails for a reason other than memory is a finding (abort). */
#include "fuzz_common.h"

#include "cascade/config.h"
#include "cascade/sim.h"

#define MAX_AGENTS 400
#define MAX_STEPS 20

static void fuzz_one(char *text)
{
    struct cas_config cfg;
    struct cas_err err = {0};
    if (cas_config_parse(&cfg, text, "fuzz.json", NULL, 0, &err) != 0)
        return;
    uint64_t agents = 0;
    for (uint32_t i = 0; i < cfg.n_populations; i++)
        agents += cfg.populations[i].count;
    struct cas_sim *sim = NULL;
    if (agents <= MAX_AGENTS && cas_sim_create(&sim, &cfg, NULL, &err) == 0) {
        for (int s = 0; s < MAX_STEPS && s < cfg.steps; s++) {
            int rc = cas_sim_step(sim);
            if (rc && rc != CAS_ENOMEM) {
                fprintf(stderr, "validated config failed at step %d: %s: %s\n", s, err.path,
                        err.msg);
                abort();
            }
            if (rc)
                break;
        }
        cas_sim_destroy(sim);
    }
    cas_config_release(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_on_text(data, size, fuzz_one);
}
