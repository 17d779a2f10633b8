/* test_readme: README.md's walk-through, as a new user types it. Every `build/cascade ...`
 * line of its ```sh blocks runs, in the order the README gives them, in one scratch
 * directory that has the checkout's configs/ and examples/ (the lines are written for the
 * top of a checkout) and the program in place of build/cascade; each must succeed, and
 * the files the README then talks about must be there. The other lines of those blocks
 * (scripts/demo, scripts/test, the cluster scripts, chromium) are the business of
 * scripts/test itself, tests/slurm and test_report. */
#include "lib/runs.h"

TestSuite(readme, .init = runs_setup, .fini = runs_teardown, .timeout = 600);

#define MAX_LINES 64

/* The `build/cascade` lines of the README's sh blocks, continuation lines joined; their
 * number. */
static size_t walkthrough(char lines[][1024], size_t max)
{
    char path[1024], buf[1024];
    snprintf(path, sizeof path, "%s/README.md", source_root());
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot read %s", path);
    size_t n = 0;
    bool in_sh = false, cont = false, keep = false;
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = 0;
        if (strncmp(buf, "```", 3) == 0) {
            in_sh = !in_sh && strcmp(buf, "```sh") == 0;
            cont = false;
            continue;
        }
        if (!in_sh)
            continue;
        size_t len = strlen(buf);
        bool more = len > 0 && buf[len - 1] == '\\';
        if (more)
            buf[len - 1] = 0;
        char *comment = strstr(buf, " #"); /* the README's comments, not the shell's */
        if (comment)
            *comment = 0;
        if (cont) { /* a continuation: part of the line before, if that one is kept */
            if (keep) {
                size_t used = strlen(lines[n - 1]);
                snprintf(lines[n - 1] + used, 1024 - used, " %s", buf);
            }
        } else {
            keep = strncmp(buf, "build/cascade ", 14) == 0 && n < max;
            if (keep)
                snprintf(lines[n++], 1024, "%s", buf + 14);
        }
        cont = more;
    }
    fclose(f);
    return n;
}

Test(readme, every_cascade_command_of_the_walkthrough_runs_in_order)
{
    static char lines[MAX_LINES][1024];
    size_t n = walkthrough(lines, MAX_LINES);
    /* run x4, validate, --help, the squeeze and its control, the narrated run and three
     * narrations, the report, the replay: 14 when last counted */
    cr_assert_geq(n, 14, "only %zu build/cascade lines found in README.md's sh blocks", n);
    cr_assert_eq(run_sh("ln -s '%s/configs' configs && ln -s '%s/examples' examples", source_root(),
                        source_root()),
                 0);
    const char *bin = getenv("CASCADE_BIN");
    cr_assert_not_null(bin);
    for (size_t k = 0; k < n; k++) {
        int rc = run_sh("'%s' %s", bin, lines[k]);
        char err[2048];
        read_into("err.txt", err, sizeof err);
        cr_log_info("cascade %s: exit %d", lines[k], rc);
        cr_assert_eq(rc, 0, "README.md's 'build/cascade %s' exits %d: %s", lines[k], rc, err);
    }
    /* what the README says the commands leave behind */
    static const char *const made[] = {"runs/default-seed1/summary.json",
                                       "runs/day1/timeseries.csv",
                                       "runs/long-squeeze-seed1/cascades.csv",
                                       "runs/squeeze/liquidations.csv",
                                       "runs/squeeze/report.html",
                                       "runs/control/summary.json",
                                       "runs/told/trades.csv",
                                       "fills.csv",
                                       "book.csv"};
    for (size_t k = 0; k < sizeof made / sizeof *made; k++)
        cr_assert_eq(run_sh("test -s '%s'", made[k]), 0, "%s was not made", made[k]);
    char fills[512];
    read_into("fills.csv", fills, sizeof fills);
    cr_assert_str_eq(fills,
                     "taker_id,maker_id,price,qty\n6,1,99,5\n6,2,98,1\n8,3,101,4\n8,4,102,4\n",
                     "examples/replay/orders.csv's fills, as the README describes them");
}
