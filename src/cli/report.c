/* report: `cascade report` — its arguments; the page is the report module's
 * (include/cascade/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/report.h"
#include "cli/cli.h"

static const char report_usage[] =
    "usage: cascade report RUNDIR [-o FILE] [--instrument NAME]\n"
    "       cascade report RUN_A RUN_B [-o FILE] [--instrument NAME]\n"
    "\n"
    "Writes one self-contained HTML page about the run in RUNDIR (a directory\n"
    "written by 'cascade run'): headline figures, the prices of one instrument\n"
    "(the largest cascade's, or NAME) with its liquidations and cascades,\n"
    "liquidated notional, the liquidation\n"
    "map, depth, open interest and funding, the insurance fund, the distribution\n"
    "and autocorrelations of returns, the largest cascades, what each agent type\n"
    "did, the largest cascades drawn as trees over their price paths, and a\n"
    "replay player (from replay.jsonl). The figures are inline SVG drawn by\n"
    "gnuplot (Debian package gnuplot-nox); the player is one inline script; the\n"
    "page needs no network and no other file. Prints the page's path on stdout.\n"
    "The WebAssembly program (scripts/lab), which cannot start gnuplot, writes the\n"
    "same page with each figure's caption but not its drawing.\n"
    "\n"
    "With two run directories, one page compares them: both headlines and their\n"
    "differences, both price paths and both liquidated notionals (by minute), the\n"
    "agents, and for each run, in a section labelled by its directory's name, its\n"
    "largest cascades, their trees and its replay player (say, a squeeze against\n"
    "its control). #replay=STEP.K in the address drives the first run's player,\n"
    "#b-replay=STEP.K the second's.\n"
    "\n";

/* The files of a run directory report reads: the page never goes over one. */
static const char *const run_files[] = {
    "timeseries.csv", "liquidations.csv", "cascades.csv",
    "liqmap.csv",     "summary.json",     "accounts.csv",
    "config.json",    "replay.jsonl",     "timeseries-counterfactual.csv"};
#define N_RUN_FILES (sizeof run_files / sizeof *run_files)

/* The output-path policy (cas_output_check) against both runs' files: 0, or 1/2 (said). */
static int check_output(const char *out, const char *const *runs)
{
    char *inputs[2 * N_RUN_FILES] = {NULL}, why[4200];
    size_t n = 0;
    int rc = 0;
    for (size_t r = 0; r < 2 && runs[r]; r++)
        for (size_t k = 0; k < N_RUN_FILES && rc == 0; k++)
            if (!(inputs[n++] = cas_path_join(runs[r], run_files[k])))
                rc = 1;
    if (rc)
        fputs("cascade: out of memory\n", stderr);
    else if (cas_output_check(out, (const char *const *)inputs, n, why, sizeof why)) {
        fprintf(stderr, "cascade: cannot write the page to '%s': %s\n", out, why);
        rc = 2;
    }
    for (size_t k = 0; k < n; k++)
        free(inputs[k]);
    return rc;
}

int cas_cli_report(int argc, char **argv)
{
    const char *runs[2] = {NULL, NULL}, *output = NULL, *instrument = NULL;
    const struct cas_cli_option options[] = {
        {CAS_OPT_STRING, 'o', "output", &output, "FILE", "a file",
         "where to write the page (default RUNDIR/report.html;\n"
         "for two runs RUN_A/compare-NAME_B.html)",
         NULL},
        {CAS_OPT_STRING, 0, "instrument", &instrument, "NAME", "a name",
         "the instrument the headline and the figures describe\n"
         "(default: the instrument of the largest cascade, or the\n"
         "first); a table describes every instrument",
         NULL},
        {0},
    };
    const struct cas_command cmd = {
        .name = "report", .usage = report_usage, .options = options, .args = runs, .n_args = 2};
    int rc = cas_parse_options(&cmd, argc, argv);
    if (rc)
        return rc == CAS_PARSE_HELP ? 0 : rc;
    const char *rundir = runs[0], *rundir2 = runs[1];
    if (!rundir)
        return cas_usage_error(&cmd, "report needs a run directory");
    char *out = output ? NULL : cas_report_default_path(rundir, rundir2);
    if (!output && !out) {
        fputs("cascade: out of memory\n", stderr);
        return 1;
    }
    /* A signal from here on stops the page at its next figure and removes
     * what it had written (the page's temporary, gnuplot's directory). */
    cas__signals_catch();
    struct cas_report *r = NULL, *r2 = NULL;
    struct cas_err err = {0};
    if ((rc = check_output(output ? output : out, runs)))
        goto done;
    if ((rc = cas_report_read(&r, rundir, instrument, &err)) ||
        (rundir2 && (rc = cas_report_read(&r2, rundir2, instrument, &err)))) {
        rc = cas__cli_error(rc, &err);
        goto done;
    }
    if (cas__signal_caught()) {
        fprintf(stderr, "cascade: stopped by signal %d (%s); no page written\n",
                cas__signal_caught(), strsignal(cas__signal_caught()));
        rc = 1;
        goto done;
    }
    if ((rc = cas_report_write(r, r2, output ? output : out, cas__signal_caught, &err))) {
        rc = cas__cli_error(rc, &err);
        goto done;
    }
    printf("%s\n", output ? output : out);
done:
    cas_report_free(r);
    cas_report_free(r2);
    free(out);
    if (rc)
        cas__signal_die(); /* ends the process when a signal stopped the page */
    return rc;
}
