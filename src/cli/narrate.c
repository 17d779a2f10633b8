/* narrate: `cascade narrate RUNDIR` — its options; the telling is
 * cas_report_narrate (src/report/narrate.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cascade/report.h"
#include "cli/cli.h"

static const char narrate_usage[] =
    "usage: cascade narrate RUNDIR [--episode N | --cascade N | --from STEP --to STEP]\n"
    "\n"
    "Tells the largest episode of the run in RUNDIR on stdout (the cascades one event\n"
    "set off: the episode column of cascades.csv), event by event: the shock, each\n"
    "liquidation in order (account, agent type, side, position, leverage, the mark\n"
    "against its liquidation price, what triggered it, how its orders filled, what\n"
    "the insurance fund paid, ADL), what each agent type did meanwhile (with\n"
    "trades.csv: run with --set record.trades=true), and the price figures of its\n"
    "largest move (of the cascade, with --cascade).\n"
    "\n";

/* A value of --cascade (at least 1), --from or --to (at least 0). */
static int parse_count(const struct cas_command *cmd, const struct cas_cli_option *opt,
                       const char *s, long long min)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno || v < min)
        return cas_cli_option_needs(cmd, opt, NULL);
    *(long long *)opt->target = v;
    return 0;
}

static int parse_cascade(const struct cas_command *cmd, const struct cas_cli_option *opt,
                         const char *s)
{
    return parse_count(cmd, opt, s, 1);
}

static int parse_step(const struct cas_command *cmd, const struct cas_cli_option *opt,
                      const char *s)
{
    return parse_count(cmd, opt, s, 0);
}

int cas_cli_narrate(int argc, char **argv)
{
    const char *dir = NULL;
    long long episode = 0, cascade = 0, from = -1, to = -1;
    const struct cas_cli_option options[] = {
        {CAS_OPT_FN, 0, "episode", &episode, "N", "an episode, 1 or more",
         "the episode N (default: the largest, by liquidations,\n"
         "then notional)",
         parse_cascade},
        {CAS_OPT_FN, 0, "cascade", &cascade, "N", "a cascade id, 1 or more",
         "instead, the one cascade whose id is N", parse_cascade},
        {CAS_OPT_FN, 0, "from", &from, "STEP", "a step, 0 or more",
         "instead, every shock and liquidation from step STEP on\n"
         "(inclusive; from the first step without it)",
         parse_step},
        {CAS_OPT_FN, 0, "to", &to, "STEP", "a step, 0 or more",
         "... up to step STEP (inclusive; to the end without it)", parse_step},
        {0},
    };
    const struct cas_command cmd = {
        .name = "narrate", .usage = narrate_usage, .options = options, .args = &dir, .n_args = 1};
    int rc = cas_parse_options(&cmd, argc, argv);
    if (rc)
        return rc == CAS_PARSE_HELP ? 0 : rc;
    if (!dir)
        return cas_usage_error(&cmd, "narrate needs a RUNDIR");
    if ((cascade > 0) + (episode > 0) + (from >= 0 || to >= 0) > 1)
        return cas_usage_error(&cmd, "give one of --episode, --cascade and --from/--to");
    if (from >= 0 && to >= 0 && to < from) {
        fprintf(stderr, "cascade: --to %lld is before --from %lld\n", to, from);
        return 2;
    }
    struct cas_err err = {0};
    rc = cas_report_narrate(stdout, dir, episode, cascade, from, to, &err);
    return rc ? cas__cli_error(rc, &err) : 0;
}
