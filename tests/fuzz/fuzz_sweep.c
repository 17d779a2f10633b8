/* Fuzz target: a sweep spec's text through parsing, expansion and the manifest. */
#include "fuzz_common.h"

#include "cascade/sweep.h"

static void fuzz_one(char *text)
{
    struct cas_sweep sw;
    struct cas_err err = {0};
    if (cas_sweep_parse(&sw, text, "fuzz.json", NULL, &err) == 0) {
        free(cas_sweep_manifest(&sw));
        cas_sweep_release(&sw);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_on_text(data, size, fuzz_one);
}
