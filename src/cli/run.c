/* run: `cascade run` and `cascade validate` — config in, run directory out.
 *
 * A run directory appears whole or not at all: everything is written into a
 * temporary sibling directory that is renamed into place once every file is
 * complete, and removed on any failure. Bad input is found (config loaded and
 * every agent initialised) before anything is created on disk.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cascade/record.h"
#include "cascade/sim.h"
#include "cli/cli.h"
#include "core/coreInt.h"

#define MAX_SETS 256

/* Where the messages of `cascade run` and `cascade validate` go: stderr, or the log of a
 * run that a sweep makes in its own process (cas__cli_run_logged). */
static FILE *msgs;

static const char run_usage[] =
    "usage: cascade run [CONFIG] [-o DIR] [--seed N] [--steps N] [--set PATH=VALUE ...]\n"
    "                   [--counterfactual] [--quiet]\n"
    "\n"
    "Runs the experiment in CONFIG (the built-in default, configs/default.json,\n"
    "without it) and writes a run directory: config.json, timeseries.csv,\n"
    "liquidations.csv, cascades.csv, accounts.csv and summary.json; liqmap.csv\n"
    "unless record.liqmap is false, replay.jsonl unless record.replay_window_steps\n"
    "is 0 and record.replay empty, trades.csv with record.trades, and\n"
    "timeseries-counterfactual.csv with --counterfactual (docs/outputs.md). Prints\n"
    "the run directory's path on stdout; progress goes to stderr when it is a\n"
    "terminal, and a one-line summary to stderr unless --quiet. A CONFIG that is no\n"
    "file but the name of a shipped scenario ('cascade list') runs that scenario:\n"
    "'cascade run long-squeeze'.\n"
    "\n";

static const char validate_usage[] =
    "usage: cascade validate CONFIG [--set PATH=VALUE ...]\n"
    "\n"
    "Loads CONFIG, applies the overrides and checks every value and every agent's\n"
    "parameters, without running anything. Exit status 0 if it is valid, 2 if not.\n"
    "CONFIG may name a shipped scenario, as for 'cascade run'.\n"
    "\n";

struct run_args {
    const char *config;
    const char *output;
    const char *sets[MAX_SETS];
    size_t n_sets;
    char seed_set[64], steps_set[64];
    char scenario[4352]; /* CONFIG's file in the scenario library, when it named one */
    bool quiet;
    bool counterfactual;
};

static bool is_count(const char *s)
{
    if (!*s || strlen(s) > 19)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int add_set(const struct cas_command *cmd, const struct cas_cli_option *opt, const char *v)
{
    struct run_args *a = opt->target;
    if (a->n_sets == MAX_SETS - 2)
        return cas_usage_error(cmd, "too many '--set' options");
    a->sets[a->n_sets++] = v;
    return 0;
}

/* --seed N and --steps N, as the overrides "seed=N" and "steps=N". */
/* clang-format off */
static int set_count(const struct cas_command *cmd, const struct cas_cli_option *opt, const char *v)
{
    bool seed = strcmp(opt->long_name, "seed") == 0;
    if (!is_count(v))
        return cas_usage_error(cmd, seed ? "'--seed' must be a non-negative integer, got '%s'"
                                         : "'--steps' must be a positive integer, got '%s'", v);
    snprintf(opt->target, sizeof ((struct run_args *)0)->seed_set, "%s=%s", opt->long_name, v);
    return 0;
}

#define SET_OPTION(a)                                                                       \
    {CAS_OPT_FN, 0, "set", (a), "PATH=VALUE", "PATH=VALUE",                                 \
     "override one config value, e.g. --set agents[0].params.mu=0.5\n"                      \
     "(VALUE is JSON, or else a string); repeatable", add_set}

/* 0 to go on, 1 when help was printed, 2 on bad usage (message printed). */
static int parse_args(int argc, char **argv, struct run_args *a, bool validate)
{
    const struct cas_cli_option run_options[] = {
        {CAS_OPT_STRING, 'o', "output", &a->output, "DIR", "a directory",
         "run directory to create (default runs/NAME-seedSEED,\n"
         "with -2, -3 ... appended if that exists); must not\n"
         "exist or be empty", NULL},
        {CAS_OPT_FN, 0, "seed", a->seed_set, "N", "a number",
         "run seed, overriding the config's \"seed\"", set_count},
        {CAS_OPT_FN, 0, "steps", a->steps_set, "N", "a number",
         "number of steps, overriding the config's \"steps\"", set_count},
        SET_OPTION(a),
        {CAS_OPT_FLAG, 0, "counterfactual", &a->counterfactual, NULL, NULL,
         "run the same config and seed a second time with forced\n"
         "liquidation switched off, and report per shock the move\n"
         "with liquidations over the move without, within\n"
         "record.amplification_horizon_steps (summary.json:\n"
         "amplification; its time series goes to\n"
         "timeseries-counterfactual.csv)", NULL},
        {CAS_OPT_FLAG, 'q', "quiet", &a->quiet, NULL, NULL, "no progress or summary on stderr",
         NULL},
        {0},
    };
    const struct cas_cli_option validate_options[] = {SET_OPTION(a), {0}};
    const char *args[1] = {NULL};
    const struct cas_command cmd = {
        .name = validate ? "validate" : "run",
        .usage = validate ? validate_usage : run_usage,
        .options = validate ? validate_options : run_options,
        .args = args,
        .n_args = 1,
    };
    int rc = cas_parse_options(&cmd, argc, argv);
    a->config = args[0];
    if (rc)
        return rc;
    if (validate && !a->config)
        return cas_usage_error(&cmd, "validate needs a CONFIG file");
    /* A bare name that is not a file: a shipped scenario (cascade list) */
    if (a->config && access(a->config, F_OK) != 0 && errno == ENOENT &&
        cas__scenario_find(a->config, a->scenario, sizeof a->scenario) == 0)
        a->config = a->scenario;
    /* The explicit flags win over --set: they come last. */
    if (a->seed_set[0])
        a->sets[a->n_sets++] = a->seed_set;
    if (a->steps_set[0])
        a->sets[a->n_sets++] = a->steps_set;
    return 0;
}
/* clang-format on */

static void print_config_error(const char *config, const struct cas_err *err)
{
    char line[sizeof err->path + sizeof err->msg + 4096]; /* the config's name: up to PATH_MAX */
    cas__config_error(line, sizeof line, config, err);
    fprintf(msgs, "cascade: %s\n", line);
}

/* Load the config and build the sim: what can be wrong with the input shows here. */
static int prepare(const struct run_args *a, struct cas_config *cfg, struct cas_sim **sim,
                   const struct cas_sim_observer *obs)
{
    struct cas_err err = {0};
    if (cas_config_load(cfg, a->config, a->sets, a->n_sets, &err) < 0) {
        if (a->config && cas__scenario_bare(a->config) && access(a->config, F_OK) != 0 &&
            errno == ENOENT)
            fprintf(msgs,
                    "cascade: %s: no such file, and no shipped scenario of that name (see "
                    "'cascade list')\n",
                    a->config);
        else
            print_config_error(a->config, &err);
        return 2;
    }
    int rc = cas_sim_create(sim, cfg, obs, &err);
    if (rc < 0) {
        print_config_error(a->config, &err);
        cas_config_release(cfg);
        return rc == CAS_ENOMEM ? 1 : 2;
    }
    return 0;
}

/* The arguments, the config and the sim: 0 to go on; else the exit status, or
 * -1 when the help was printed. */
static int begin(int argc, char **argv, bool validate, struct run_args *a, struct cas_config *cfg,
                 struct cas_sim **sim)
{
    int rc = parse_args(argc, argv, a, validate);
    if (rc)
        return rc == CAS_PARSE_HELP ? -1 : rc;
    return prepare(a, cfg, sim, NULL);
}

int cas_cli_validate(int argc, char **argv)
{
    msgs = stderr;
    struct run_args a = {0};
    struct cas_config cfg = {0};
    struct cas_sim *sim = NULL;
    int rc = begin(argc, argv, true, &a, &cfg, &sim);
    if (rc)
        return rc < 0 ? 0 : rc;
    printf("%s: ok (%u instrument%s, %u agents, %lld steps)\n", a.config, cfg.n_instruments,
           cfg.n_instruments == 1 ? "" : "s", cas_sim_n_agents(sim), (long long)cfg.steps);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    return 0;
}

/* ---- the run directory ---- */

/* The directory to create: -o as given, or runs/NAME-seedSEED[-K]. */
static int choose_output(const struct run_args *a, const struct cas_config *cfg, char *out,
                         size_t n)
{
    struct stat st;
    if (a->output) {
        size_t len = strlen(a->output);
        if (len >= n) {
            fprintf(msgs,
                    "cascade: the output directory's path (-o) is %zu bytes long; "
                    "the limit is %zu\n",
                    len, n - 1);
            return 2;
        }
        snprintf(out, n, "%s", a->output);
        while (len > 1 && out[len - 1] == '/')
            out[--len] = 0;
        if (lstat(out, &st) == 0 && S_ISLNK(st.st_mode)) { /* the output-path policy */
            fprintf(msgs, "cascade: output '%s' is a symbolic link; choose another with -o\n", out);
            return 2;
        }
        if (stat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
            fprintf(msgs,
                    "cascade: output '%s' exists and is not a directory; "
                    "choose another with -o\n",
                    out);
            return 2;
        }
        if (stat(out, &st) == 0 && !cas__dir_is_empty(out)) {
            fprintf(msgs,
                    "cascade: output directory '%s' exists and is not empty; "
                    "remove it or choose another with -o\n",
                    out);
            return 2;
        }
        return 0;
    }
    snprintf(out, n, "runs/%s-seed%llu", cfg->name, (unsigned long long)cfg->seed);
    size_t base = strlen(out);
    for (int k = 2; stat(out, &st) == 0; k++)
        snprintf(out + base, n - base, "-%d", k);
    return 0;
}

static const char *const run_files[] = {
    "timeseries.csv", "liquidations.csv", "cascades.csv", "liqmap.csv",
    "trades.csv",     "summary.json",     "config.json",  "timeseries-counterfactual.csv",
    "accounts.csv",   "replay.jsonl"};

static void remove_tmp(const char *tmp)
{
    for (size_t i = 0; i < sizeof run_files / sizeof *run_files; i++) {
        char *p = cas_path_join(tmp, run_files[i]);
        if (p)
            unlink(p);
        free(p);
    }
    rmdir(tmp);
}

/* Create DIR/FILE for writing; NULL after saying why (out of inodes, a path
 * too long for the system...). */
static FILE *open_in(const char *dir, const char *file)
{
    char *p = cas_path_join(dir, file);
    FILE *f = p ? fopen(p, "w") : NULL;
    if (!f)
        fprintf(msgs, "cascade: cannot create '%s/%s': %s\n", dir, file,
                p ? strerror(errno) : "out of memory");
    free(p);
    return f;
}

static void progress(cas_step done, cas_step total, double elapsed)
{
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    cas_progress_bar(
        msgs, (double)done, (double)total, "%3d%% %lld/%lld steps  %.0f steps/s  ETA %.0fs ",
        (int)(100.0 * (double)done / (double)total), (long long)done, (long long)total, rate, eta);
}

static int simulate(struct cas_sim *sim, const struct cas_config *cfg, bool show)
{
    double start = cas__now_s(), last_shown = start;
    for (cas_step s = 0; s < cfg->steps; s++) {
        if (cas__signal_caught()) {
            fprintf(msgs, "%scascade: stopped by signal %d (%s) at step %lld\n", show ? "\n" : "",
                    cas__signal_caught(), strsignal(cas__signal_caught()), (long long)s);
            return 1;
        }
        int rc = cas_sim_step(sim);
        if (rc < 0) {
            fprintf(msgs, "%scascade: step %lld: %s\n", show ? "\n" : "", (long long)s,
                    cas_strerror(rc));
            return 1;
        }
        if (show && (s & 1023) == 0 && cas__now_s() - last_shown > 0.2) {
            last_shown = cas__now_s();
            progress(s + 1, cfg->steps, last_shown - start);
        }
    }
    if (show)
        cas_progress_clear(msgs);
    return 0;
}

static double peak_rss_mb(void)
{
#ifdef __EMSCRIPTEN__
    /* no getrusage: the WebAssembly memory, which only grows, is the peak */
    return (double)__builtin_wasm_memory_size(0) * 65536.0 / (1024.0 * 1024.0);
#else
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
#endif
}

/* The counterfactual run: same config and seed, liquidation off; its time
 * series goes to timeseries-counterfactual.csv in `dir` (*out to be
 * destroyed by the caller). */
static int run_counterfactual(const struct cas_config *cfg, const char *dir, bool show,
                              struct cas_recorder **out)
{
    FILE *sink = open_in(dir, "timeseries-counterfactual.csv");
    struct cas_sim *sim = NULL;
    int rc = 1;
    if (!sink)
        return 2; /* said */
    if (cas_recorder_create(out, cfg, sink, NULL) < 0)
        goto done;
    struct cas_sim_observer obs = cas_recorder_observer(*out);
    if (cas_sim_create(&sim, cfg, &obs, NULL) < 0)
        goto done;
    cas_sim_disable_liquidation(sim);
    if (show)
        fputs("cascade: the counterfactual run, without liquidations\n", msgs);
    rc = simulate(sim, cfg, show);
done:
    cas_sim_destroy(sim);
    if (sink && fclose(sink) != 0)
        rc = 1;
    return rc;
}

static int write_outputs(const char *tmp, const struct cas_config *cfg,
                         const struct cas_recorder *rec, const struct cas_sim *sim,
                         const struct cas_run_perf *perf, const struct cas_recorder *cf)
{
    FILE *f = open_in(tmp, "liquidations.csv");
    if (!f)
        return 1; /* said */
    int rc = cas_recorder_write_liquidations(rec, f);
    if (fclose(f) != 0 || rc < 0)
        return CAS_EIO;
    if (!(f = open_in(tmp, "cascades.csv")))
        return 1; /* said */
    rc = cas_recorder_write_cascades(rec, f);
    if (fclose(f) != 0 || rc < 0)
        return CAS_EIO;
    if (!(f = open_in(tmp, "accounts.csv")))
        return 1; /* said */
    rc = cas_recorder_write_accounts(rec, sim, f);
    if (fclose(f) != 0 || rc < 0)
        return CAS_EIO;
    if (!(f = open_in(tmp, "summary.json")))
        return 1; /* said */
    rc = cas_recorder_write_summary(rec, sim, perf, cf, f);
    if (fclose(f) != 0 || rc < 0)
        return CAS_EIO;
    if (!(f = open_in(tmp, "config.json")))
        return 1; /* said */
    fputs(cfg->resolved_json, f);
    fputc('\n', f);
    return fclose(f) != 0 ? CAS_EIO : 0;
}

/* `cascade run`: the path of the run directory to paths (NULL: not printed), every
 * message to msgs. */
static int run(int argc, char **argv, FILE *paths)
{
    struct run_args a = {0};
    struct cas_config cfg = {0};
    struct cas_sim *sim = NULL;
    struct cas_recorder *rec = NULL, *cf = NULL;
    FILE *ts = NULL, *lm = NULL, *tr = NULL, *rp = NULL;
    char out[4096], tmp[4200];

    /* Validate the config and every agent before touching the disk; the sim
     * built to do so is the one that runs. */
    int rc = begin(argc, argv, false, &a, &cfg, &sim);
    if (rc)
        return rc < 0 ? 0 : rc;
    bool show = !a.quiet && msgs == stderr && cas__is_terminal(2);
    if ((rc = choose_output(&a, &cfg, out, sizeof out)))
        goto out_sim;

    /* From here on a signal must not leave anything behind: it is polled, and the
     * temporary directory and the parents made for it are removed. */
    cas__signals_catch();
    char *slash = strrchr(out, '/');
    size_t existed = strlen(out); /* the parents of out made here are longer than this */
    if (slash && slash != out) {
        *slash = 0;
        int mk = cas__mkdirs(out, &existed);
        if (mk < 0) {
            fprintf(msgs, "cascade: cannot create '%s': %s\n", out, strerror(errno));
            cas__rmdirs(out, existed);
            *slash = '/';
            rc = 1;
            goto out_sim;
        }
        *slash = '/';
    }
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
    if (!mkdtemp(tmp)) {
        fprintf(msgs, "cascade: cannot create '%s': %s\n", tmp, strerror(errno));
        rc = 1;
        goto out_parents;
    }
    rc = 1;
    struct cas_err err = {0};
    if (!(ts = open_in(tmp, "timeseries.csv")) || cas_recorder_create(&rec, &cfg, ts, &err) < 0)
        goto out_tmp;
    if (cfg.record_liqmap) {
        if (!(lm = open_in(tmp, "liqmap.csv")))
            goto out_tmp;
        cas_recorder_set_liqmap(rec, lm);
    }
    if (cfg.record_trades) {
        if (!(tr = open_in(tmp, "trades.csv")))
            goto out_tmp;
        cas_recorder_set_trades(rec, tr);
    }
    if (cfg.replay_window > 0 || cfg.n_replay > 0) {
        if (!(rp = open_in(tmp, "replay.jsonl")))
            goto out_tmp;
        cas_recorder_set_replay(rec, rp);
    }
    struct cas_sim_observer obs = cas_recorder_observer(rec);
    cas_sim_observe(sim, &obs);

    double start = cas__now_s();
    if (simulate(sim, &cfg, show))
        goto out_tmp;
    struct cas_run_perf perf = {cas__now_s() - start, peak_rss_mb()};
    int cf_rc = a.counterfactual ? run_counterfactual(&cfg, tmp, show, &cf) : 0;
    if (cf_rc == 1)
        fprintf(msgs, "cascade: the counterfactual run failed\n");
    if (cf_rc)
        goto out_tmp;
    int closed = fclose(ts) | (lm ? fclose(lm) : 0) | (tr ? fclose(tr) : 0) | (rp ? fclose(rp) : 0);
    ts = lm = tr = rp = NULL;
    int wrote = closed != 0 ? CAS_EIO : write_outputs(tmp, &cfg, rec, sim, &perf, cf);
    if (wrote < 0)
        fprintf(msgs, "cascade: cannot write the run directory '%s': %s\n", out, strerror(errno));
    if (wrote != 0)
        goto out_tmp; /* said */
    if (cas__signal_caught()) {
        fprintf(msgs, "cascade: stopped by signal %d (%s) before the outputs were in place\n",
                cas__signal_caught(), strsignal(cas__signal_caught()));
        goto out_tmp;
    }
    if (rename(tmp, out) != 0) {
        fprintf(msgs, "cascade: cannot rename '%s' to '%s': %s\n", tmp, out, strerror(errno));
        goto out_tmp;
    }
    if (!a.quiet) {
        struct cas_sim_counters c = cas_sim_counters(sim);
        fprintf(msgs,
                "cascade: ran '%s' (seed %llu): %lld steps, %llu orders, %llu trades "
                "in %.2f s\n",
                cfg.name, (unsigned long long)cfg.seed, (long long)cfg.steps,
                (unsigned long long)c.orders, (unsigned long long)c.trades, perf.wall_s);
    }
    if (paths)
        fprintf(paths, "%s\n", out);
    rc = 0;
    goto out_sim;

out_tmp:
    if (err.msg[0])
        fprintf(msgs, "cascade: %s\n", err.msg);
    if (ts)
        fclose(ts);
    if (lm)
        fclose(lm);
    if (tr)
        fclose(tr);
    if (rp)
        fclose(rp);
    remove_tmp(tmp);
out_parents:
    if (slash && slash != out) {
        *slash = 0;
        cas__rmdirs(out, existed);
        *slash = '/';
    }
out_sim:
    cas_recorder_destroy(cf);
    cas_recorder_destroy(rec);
    cas_sim_destroy(sim);
    cas_config_release(&cfg);
    if (rc)
        cas__signal_die(); /* ends the process when a signal stopped the run */
    return rc;
}

int cas_cli_run(int argc, char **argv)
{
    msgs = stderr;
    return run(argc, argv, stdout);
}

int cas__cli_run_logged(int argc, char **argv, FILE *log)
{
    msgs = log;
    int rc = run(argc, argv, NULL);
    msgs = stderr;
    return rc;
}
