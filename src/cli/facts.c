/* facts: `cascade facts RUNDIR` — its options; the measures and their
 * published ranges are cas_report_facts (src/report/facts.c). */
#include <stdbool.h>
#include <stdio.h>

#include "cascade/report.h"
#include "cli/cli.h"

static const char facts_usage[] =
    "usage: cascade facts RUNDIR [--json]\n"
    "\n"
    "Prints the stylized facts of the run in RUNDIR (summary.json's 'stylized':\n"
    "1-minute log returns of the first instrument's price after the warm-up,\n"
    "record.stylized_warmup_s), one line per measure: its name, the run's value,\n"
    "the range published for BTC, whether the run is inside it (inside, outside,\n"
    "or n/a when the run was too short for the measure) and what it measures.\n"
    "The measures: the Hill tail index of the largest 5% of |r|, std / IQR of r,\n"
    "the mean autocorrelation of |r| over lags 30-120 minutes, the largest\n"
    "|autocorrelation| of r over lags 2-60, the median |mark / index - 1|, and the\n"
    "shares of funding prints at the interest rate and above 0. Sources: see\n"
    "docs/outputs.md.\n"
    "\n";

static const char facts_epilogue[] =
    "\n"
    "exit status: 0 the measures were printed (inside their ranges or not), 1 a\n"
    "failure outside the input, 2 bad usage or a RUNDIR whose summary.json is\n"
    "missing, not JSON, or without a measure (said with the file and JSON path)\n";

int cas_cli_facts(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    const struct cas_cli_option options[] = {
        {CAS_OPT_FLAG, 0, "json", &json, NULL, NULL,
         "print one JSON object instead: each measure's name,\n"
         "value, low and high bounds (null: none), whether it is\n"
         "inside (null: n/a) and what it measures",
         NULL},
        {0},
    };
    const struct cas_command cmd = {.name = "facts",
                                    .usage = facts_usage,
                                    .epilogue = facts_epilogue,
                                    .options = options,
                                    .args = &dir,
                                    .n_args = 1};
    int rc = cas_parse_options(&cmd, argc, argv);
    if (rc)
        return rc == CAS_PARSE_HELP ? 0 : rc;
    if (!dir)
        return cas_usage_error(&cmd, "facts needs a RUNDIR");
    struct cas_err err = {0};
    rc = cas_report_facts(stdout, dir, json, &err);
    return rc ? cas__cli_error(rc, &err) : 0;
}
