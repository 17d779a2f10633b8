/* Fuzz target: the readers of `cascade report` — every file of a run
 * directory it reads (timeseries.csv, liquidations.csv, cascades.csv,
 * liqmap.csv, summary.json, timeseries-counterfactual.csv, accounts.csv,
 * config.json, replay.jsonl), through the headline, the tables, the trees and
 * the player's data (all of the page but gnuplot's figures) — and of a
 * sweep's summary figures. The input holds the files in that order,
 * separated by lines "=="; they are written to a scratch run directory and
 * read back; a file the input does not reach is absent. */
#include "fuzz_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "cascade/report.h"
#include "cascade/sweep.h"
#include "report/reportInt.h"

static const char *const files[] = {
    "timeseries.csv", "liquidations.csv", "cascades.csv",
    "liqmap.csv",     "summary.json",     "timeseries-counterfactual.csv",
    "accounts.csv",   "config.json",      "replay.jsonl"};
#define N_FILES (sizeof files / sizeof *files)
static char dir[64];
static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        fuzz_scratch_dir(dir, sizeof dir, "report");
        if (!(sink = fopen("/dev/null", "w")))
            abort();
    }
    char *text = fuzz_text(data, size), *parts[N_FILES], path[128];
    if (!text)
        return 0;
    size_t n = fuzz_split(text, "\n==\n", parts, N_FILES);
    for (size_t i = 0; i < N_FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (i < n)
            fuzz_write(path, parts[i], strlen(parts[i]));
        else
            unlink(path);
    }
    struct cas_err err = {0};
    cas__report_check(dir, sink, &err);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    struct cas_sweep_figures fig;
    if (cas_sweep_figures_read(&fig, path, &err) == 0)
        cas_sweep_figures_release(&fig);
    free(text);
    return 0;
}
