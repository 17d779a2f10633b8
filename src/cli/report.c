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
    "\n"
    "With two run directories, one page compares them: both headlines and their\n"
    "differences, both price paths on one figure, the agents and the largest\n"
    "cascades of each (say, a squeeze against its control).\n"
    "\n"
    "  -o, --output FILE    where to write the page (default RUNDIR/report.html;\n"
    "                       for two runs RUN_A/compare-NAME_B.html)\n"
    "  --instrument NAME    the instrument the headline and the figures describe\n"
    "                       (default: the instrument of the largest cascade, or the\n"
    "                       first); a table describes every instrument\n";

int cas_cli_report(int argc, char **argv)
{
    const char *rundir = NULL, *rundir2 = NULL, *output = NULL, *instrument = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(report_usage, stdout);
            return 0;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "cascade: '%s' needs a file (see 'cascade report --help')\n",
                        arg);
                return 2;
            }
            output = argv[++i];
        } else if (strncmp(arg, "--output=", 9) == 0) {
            output = arg + 9;
        } else if (cas__is_option(arg, "--instrument")) {
            if (!(instrument = cas__option_value(argc, argv, &i, "--instrument")) || !*instrument) {
                fputs("cascade: '--instrument' needs a name (see 'cascade report --help')\n",
                      stderr);
                return 2;
            }
        } else if (arg[0] == '-' && arg[1] != 0) {
            fprintf(stderr, "cascade: unknown option '%s' (see 'cascade report --help')\n", arg);
            return 2;
        } else if (!rundir) {
            rundir = arg;
        } else if (!rundir2) {
            rundir2 = arg;
        } else {
            fprintf(stderr, "cascade: unexpected argument '%s' (see 'cascade report --help')\n",
                    arg);
            return 2;
        }
    }
    if (!rundir) {
        fputs("cascade: report needs a run directory (see 'cascade report --help')\n", stderr);
        return 2;
    }
    if (output && !*output) {
        fputs("cascade: '-o' needs a file (see 'cascade report --help')\n", stderr);
        return 2;
    }
    char *out = output ? NULL : cas_report_default_path(rundir, rundir2);
    if (!output && !out) {
        fputs("cascade: out of memory\n", stderr);
        return 1;
    }
    struct cas_report *r = NULL, *r2 = NULL;
    int rc;
    if ((rc = cas_report_read(&r, rundir, instrument)) ||
        (rundir2 && (rc = cas_report_read(&r2, rundir2, instrument))) ||
        (rc = cas_report_write(r, r2, output ? output : out)))
        goto done;
    printf("%s\n", output ? output : out);
done:
    cas_report_free(r);
    cas_report_free(r2);
    free(out);
    return rc;
}
