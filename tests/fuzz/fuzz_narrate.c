/* Fuzz target: `cascade narrate` (cas_report_narrate) over a damaged run
 * directory. The input's first line is the window, "CASCADE FROM TO" (as
 * the command's --cascade, --from and --to: 0 and -1 for none); then the
 * files liquidations.csv, cascades.csv, accounts.csv, trades.csv and
 * config.json, separated by lines "=="; they are written to a scratch run
 * directory and told to /dev/null; a file the input does not reach is absent. */
#include "fuzz_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cascade/report.h"

static const char *const files[] = {"liquidations.csv", "cascades.csv", "accounts.csv",
                                    "trades.csv", "config.json"};
#define N_FILES (sizeof files / sizeof *files)
static char dir[64];
static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        fuzz_scratch_dir(dir, sizeof dir, "narrate");
        if (!(sink = fopen("/dev/null", "w")))
            abort();
    }
    char *text = fuzz_text(data, size), *parts[N_FILES + 1], path[128];
    if (!text)
        return 0;
    size_t n = fuzz_split(text, "\n==\n", parts, N_FILES + 1);
    long long cascade = 0, from = -1, to = -1, episode = 0;
    sscanf(parts[0], "%lld %lld %lld %lld", &cascade, &from, &to, &episode);
    /* what the command's options allow: --episode N or --cascade N >= 1 alone, or steps
     * >= 0 */
    cascade = cascade < 0 ? 0 : cascade;
    episode = episode < 0 || cascade > 0 ? 0 : episode;
    if (episode > 0)
        from = to = -1;
    from = from < -1 ? -1 : from;
    to = to < -1 ? -1 : to;
    if (cascade > 0)
        from = to = -1;
    if (from >= 0 && to >= 0 && to < from)
        to = from;
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (i + 1 < n)
            fuzz_write(path, parts[i + 1], strlen(parts[i + 1]));
        else
            unlink(path);
    }
    struct cas_err err = {0};
    cas_report_narrate(sink, dir, episode, cascade, from, to, &err);
    free(text);
    return 0;
}
