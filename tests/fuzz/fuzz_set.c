/* Fuzz target: `--set PATH=VALUE` overrides (one per input line, at most 8)
 * applied to the embedded default config, then validated. */
#include "fuzz_common.h"

#include "cascade/config.h"
#include "config/configInt.h"

static void fuzz_one(char *text)
{
    char *sets[8];
    size_t n = 0, parts = fuzz_split(text, "\n", sets, 8);
    for (size_t i = 0; i < parts; i++) /* empty lines (a trailing newline) are no override */
        if (*sets[i])
            sets[n++] = sets[i];
    struct cas_config cfg;
    struct cas_err err = {0};
    if (cas_config_parse(&cfg, cas__default_config, "<default>", (const char *const *)sets, n,
                         &err) == 0)
        cas_config_release(&cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_on_text(data, size, fuzz_one);
}
