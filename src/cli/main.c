/* main: the cascade program — dispatches to the subcommands; only here is an
 * exit status chosen. Whatever a command printed on stdout must have reached
 * it: a write error there (a full disk, /dev/full, a closed pipe's EPIPE
 * aside from SIGPIPE) is a failure, exit status 1, for every command. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "usage: cascade <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [CONFIG] [-o DIR] [--seed N] [--steps N] [--set PATH=VALUE ...]\n"
    "      [--counterfactual] [--quiet]\n"
    "                         run an experiment (the built-in default without CONFIG)\n"
    "                         and write its run directory; --counterfactual runs it\n"
    "                         again without forced liquidation and compares the moves\n"
    "  validate CONFIG [--set PATH=VALUE ...]\n"
    "                         check a config without running it\n"
    "  replay ORDERS.csv [--final-book FILE]\n"
    "                         feed an order stream through one book; fills to stdout\n"
    "  report RUNDIR [RUNDIR_B] [-o FILE] [--instrument NAME]\n"
    "                         write RUNDIR/report.html: one self-contained page of\n"
    "                         figures and tables about the run (needs gnuplot); with\n"
    "                         two run directories, one page comparing them\n"
    "  narrate RUNDIR [--cascade N] [--from STEP --to STEP]\n"
    "                         tell a cascade (the largest by default) event by event\n"
    "  facts RUNDIR [--json]  the run's stylized facts beside their published ranges\n"
    "  sweep SPEC.json [-o DIR] [-j N] [--shard K/N] [--resume] [--dry-run]\n"
    "  sweep --merge DIR      run a parameter sweep into DIR (docs/sweeps.md)\n"
    "  list                   the shipped scenarios, which run and validate take by name\n"
    "  --help, -h             this help; 'cascade <command> --help' for a command's own\n"
    "  --version              the version\n"
    "\n"
    "exit status: 0 ok, 1 runtime failure, 2 bad usage or input\n"
    "configs and outputs: see README.md, docs/config.md and docs/outputs.md\n";

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"run", cas_cli_run},       {"validate", cas_cli_validate}, {"replay", cas_cli_replay},
    {"report", cas_cli_report}, {"narrate", cas_cli_narrate},   {"facts", cas_cli_facts},
    {"sweep", cas_cli_sweep},   {"list", cas_cli_list},
};

#define N_COMMANDS (sizeof commands / sizeof *commands)

/* The command's status, or 1 when its stdout could not be written (said once:
 * a command that failed has said why already). */
static int flushed(int rc)
{
    errno = 0;
    bool bad = fflush(stdout) != 0;
    bad |= ferror(stdout) != 0;
    if (bad && rc == 0) {
        fprintf(stderr, "cascade: cannot write to standard output: %s\n",
                strerror(errno ? errno : EIO));
        return 1;
    }
    return bad && rc != 2 ? 1 : rc;
}

int main(int argc, char **argv)
{
    cas__program_set(argv[0]);
#ifdef __EMSCRIPTEN__
    cas__environ_import();
#endif
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return flushed(0);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("cascade %s\n", CAS_VERSION);
        return flushed(0);
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return flushed(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "cascade: unknown command '%s' (commands: ", cmd);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(stderr, "%s%s", commands[i].name, i + 1 < N_COMMANDS ? ", " : "");
    fputs("; see 'cascade --help')\n", stderr);
    return 2;
}
