/* Fuzz target: an order CSV through `cascade replay`'s reader and one book. */
#include "fuzz_common.h"

#include "cascade/replay.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    if (size == 0)
        return 0;
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in)
        return 0;
    struct cas_err err = {0};
    cas_replay(in, "fuzz.csv", sink, sink, &err);
    fclose(in);
    return 0;
}
