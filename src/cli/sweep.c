/* sweep: `cascade sweep` — a spec in, many runs of `cascade run` out, one sweep.csv.
 *
 * The sweep directory holds sweep.json (the spec, base made absolute), manifest.jsonl
 * (one line per run), base.json (an inline base), runs/ID (a finished run, made whole
 * by `cascade run`'s own rename) or runs/ID.error (a failed run: its error line), and
 * sweep.csv, built only from those files in manifest order, so it is the same whatever
 * -j, sharding or resuming produced them. While a run is under way, runs/ID.log and
 * runs/ID.tmp-* exist; a resumed sweep removes those left by a killed one. Children
 * die with the sweep (PR_SET_PDEATHSIG, on Linux), so a killed sweep leaves no run behind.
 * Where the program cannot start processes (WebAssembly: CAS_CLI_PROCESSES), the runs are
 * made one after another in the sweep's own process, each with its messages in the same
 * runs/ID.log, so that the same files come out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cascade/config.h"
#include "cascade/sweep.h"
#include "cli/cli.h"
#include "core/coreInt.h"

static const char sweep_usage[] =
    "usage: cascade sweep SPEC.json [-o DIR] [-j N] [--shard K/N] [--resume] [--dry-run]\n"
    "                     [--quiet]\n"
    "       cascade sweep --merge DIR\n"
    "\n"
    "Expands the sweep in SPEC.json into runs (DIR/manifest.jsonl), makes each with\n"
    "'cascade run' into DIR/runs/ID, and writes DIR/sweep.csv: one row per run, its\n"
    "parameters and the figures of its summary.json. See docs/sweeps.md.\n"
    "\n";

static const char sweep_epilogue[] =
    "exit status: 0 every run succeeded, 1 some failed (or, for --merge, runs are\n"
    "missing), 2 bad usage or spec\n";

struct sweep_args {
    const char *spec, *output, *merge;
    long jobs;
    long shard_k, shard_n;
    bool resume, dry_run, quiet;
};

enum status { ST_TODO, ST_OK, ST_FAILED, ST_MISSING };

/* A whole number lo..hi written in decimal digits only. */
static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return false;
    long v = strtol(s, &end, 10);
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int parse_jobs(const struct cas_command *cmd, const struct cas_cli_option *opt,
                      const char *v)
{
    if (!parse_long(v, 1, 4096, opt->target))
        return cas_usage_error(cmd, "'-j' must be an integer from 1 to 4096, got '%s'", v);
    return 0;
}

static int parse_shard(const struct cas_command *cmd, const struct cas_cli_option *opt,
                       const char *v)
{
    struct sweep_args *a = opt->target;
    char k[16], n[16];
    const char *slash = strchr(v, '/');
    if (!slash || (size_t)(slash - v) >= sizeof k || strlen(slash + 1) >= sizeof n)
        return cas_usage_error(cmd, "'--shard' must be K/N, e.g. 0/4, got '%s'", v);
    memcpy(k, v, (size_t)(slash - v));
    k[slash - v] = 0;
    snprintf(n, sizeof n, "%s", slash + 1);
    if (!parse_long(n, 1, 100000, &a->shard_n))
        return cas_usage_error(cmd, "'--shard' N must be an integer from 1 to 100000, got '%s'", n);
    if (!parse_long(k, 0, a->shard_n - 1, &a->shard_k))
        return cas_usage_error(cmd,
                               "'--shard' K must be an integer from 0 to %ld (N - 1), got "
                               "'%s'",
                               a->shard_n - 1, k);
    return 0;
}

/* 0 to go on, 1 when help was printed, 2 on bad usage (message printed). */
/* clang-format off */
static int parse_args(int argc, char **argv, struct sweep_args *a)
{
    const struct cas_cli_option options[] = {
        {CAS_OPT_STRING, 'o', "output", &a->output, "DIR", "a directory",
         "the sweep directory (default sweeps/SPEC-NAME)", NULL},
        {CAS_OPT_FN, 'j', "jobs", &a->jobs, "N", "a number",
         "runs at once (default: the number of processors)", parse_jobs},
        {CAS_OPT_FN, 0, "shard", a, "K/N", "K/N",
         "make only the runs whose index is K modulo N (0 <= K < N);\n"
         "then 'cascade sweep --merge DIR' once every shard is done", parse_shard},
        {CAS_OPT_FLAG, 0, "resume", &a->resume, NULL, NULL,
         "finish a sweep in DIR: skip the runs already complete", NULL},
        {CAS_OPT_FLAG, 0, "dry-run", &a->dry_run, NULL, NULL,
         "print the manifest on stdout and run nothing", NULL},
        {CAS_OPT_STRING, 0, "merge", &a->merge, "DIR", "the sweep directory",
         "build DIR/sweep.csv from its manifest and run directories", NULL},
        {CAS_OPT_FLAG, 'q', "quiet", &a->quiet, NULL, NULL, "no progress on stderr", NULL},
        {0},
    };
    const struct cas_command cmd = {.name = "sweep", .usage = sweep_usage,
                                    .epilogue = sweep_epilogue, .options = options,
                                    .args = &a->spec, .n_args = 1};
    int rc = cas_parse_options(&cmd, argc, argv);
    if (rc)
        return rc;
    if (a->merge && (a->spec || a->output || a->shard_n || a->resume || a->dry_run || a->jobs))
        return cas_usage_error(&cmd, "'--merge DIR' takes no spec and no other option");
    if (!a->merge && !a->spec)
        return cas_usage_error(&cmd, "sweep needs a SPEC.json file");
    return 0;
}
/* clang-format on */

/* ---- files ---------------------------------------------------------------------------- */

static char *path_of(const char *dir, const char *a, const char *b)
{
    size_t n = strlen(dir) + strlen(a) + strlen(b) + 3;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s%s%s", dir, *a ? "/" : "", a, *b ? "/" : "", b);
    return p;
}

static bool exists(const char *dir, const char *a, const char *b)
{
    char *p = path_of(dir, a, b);
    struct stat st;
    bool yes = p && stat(p, &st) == 0;
    free(p);
    return yes;
}

/* The whole file, NUL-terminated (caller frees); NULL if it cannot be read. */
static char *slurp(const char *path)
{
    char *text;
    cas_read_file(path, CAS_MAX_CSV_BYTES, &text, NULL, NULL, 0); /* files the sweep wrote */
    return text;
}

/* Write text to dir/name through a temporary file renamed into place. */
static int write_atomic(const char *dir, const char *name, const char *text)
{
    char *path = cas_path_join(dir, name);
    int rc = path ? cas_write_file_atomic(path, text) : CAS_ENOMEM;
    if (rc)
        fprintf(stderr, "cascade: cannot write '%s/%s': %s\n", dir, name, strerror(errno));
    free(path);
    return rc ? -1 : 0;
}

/* The run whose id is the first len characters of name, or -1. Ids are r + digits,
 * all of one width, so the index is the number. */
static long run_of(const struct cas_sweep *sw, const char *name, size_t len)
{
    size_t idlen = strlen(sw->runs[0].id);
    if (len != idlen || name[0] != 'r' || strspn(name + 1, "0123456789") < len - 1)
        return -1;
    long i = strtol(name + 1, NULL, 10);
    return i >= 0 && (size_t)i < sw->n_runs ? i : -1;
}

/* ---- sweep.csv ---------------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *s)
{
    fputc(',', f);
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputc('"', f);
}

struct column_set {
    uint32_t n, cap;
    char **names; /* borrowed from the sweep's collect or the runs' figures */
};

static int column_add(struct column_set *c, char *name)
{
    for (uint32_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return 0;
    if (cas__grow((void **)&c->names, &c->cap, c->n + 1, sizeof *c->names) < 0)
        return -1;
    c->names[c->n++] = name;
    return 0;
}

static const char *figure(const struct cas_sweep_figures *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->names[i], name) == 0)
            return f->values[i];
    return "";
}

/* The error line of a failed run, without a final newline (caller frees). */
static char *error_of(const char *dir, const char *id)
{
    char *p = path_of(dir, "runs", id), *q = p ? malloc(strlen(p) + 8) : NULL, *text = NULL;
    if (q) {
        sprintf(q, "%s.error", p);
        text = slurp(q);
    }
    free(p);
    free(q);
    if (text)
        text[strcspn(text, "\n")] = 0;
    return text;
}

static int write_csv(const char *dir, const struct cas_sweep *sw, const enum status *st)
{
    struct cas_sweep_figures *figs = calloc(sw->n_runs, sizeof *figs);
    struct column_set cols = {0};
    char *text = NULL;
    size_t size = 0;
    int rc = -1;
    FILE *f = figs ? open_memstream(&text, &size) : NULL;
    if (!f)
        goto done;
    for (size_t i = 0; i < sw->n_collect; i++)
        if (column_add(&cols, sw->collect[i]) < 0)
            goto done;
    for (size_t i = 0; i < sw->n_runs; i++) {
        if (st[i] != ST_OK)
            continue;
        char *p = path_of(dir, "runs", sw->runs[i].id),
             *s = p ? cas_path_join(p, "summary.json") : NULL;
        struct cas_err err = {0};
        int r = s ? cas_sweep_figures_read(&figs[i], s, &err) : -1;
        free(p);
        free(s);
        if (r < 0) {
            fprintf(stderr, "cascade: %s: %s\n", err.path, err.msg[0] ? err.msg : "out of memory");
            goto done;
        }
        for (size_t k = 0; !sw->n_collect && k < figs[i].n; k++)
            if (column_add(&cols, figs[i].names[k]) < 0)
                goto done;
    }
    fputs("id,seed,status,error", f);
    for (size_t p = 0; p < sw->n_params; p++)
        csv_field(f, sw->params[p]);
    for (uint32_t k = 0; k < cols.n; k++)
        csv_field(f, cols.names[k]);
    fputc('\n', f);
    for (size_t i = 0; i < sw->n_runs; i++) {
        char *error = st[i] == ST_FAILED ? error_of(dir, sw->runs[i].id) : NULL;
        fprintf(f, "%s,%llu,%s", sw->runs[i].id, (unsigned long long)sw->runs[i].seed,
                st[i] == ST_OK ? "ok" : "failed");
        csv_field(f, error ? error : "");
        free(error);
        for (size_t p = 0; p < sw->n_params; p++)
            csv_field(f, sw->runs[i].values[p]);
        for (uint32_t k = 0; k < cols.n; k++)
            csv_field(f, st[i] == ST_OK ? figure(&figs[i], cols.names[k]) : "");
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        goto done_closed;
    f = NULL;
    rc = write_atomic(dir, "sweep.csv", text);
    goto done_closed;
done:
    if (f)
        fclose(f);
done_closed:
    if (rc && !text)
        fprintf(stderr, "cascade: cannot write '%s/sweep.csv': out of memory\n", dir);
    free(text);
    for (size_t i = 0; figs && i < sw->n_runs; i++)
        cas_sweep_figures_release(&figs[i]);
    free(figs);
    free(cols.names);
    return rc;
}

/* ---- the state of DIR/runs ------------------------------------------------------------------ */

/* Each run's status from DIR/runs: OK (a directory with summary.json), FAILED (ID.error)
 * or MISSING. Problems (unexpected or duplicated entries) are counted and, when report,
 * listed on stderr. */
static size_t scan_runs(const char *dir, const struct cas_sweep *sw, enum status *st, bool report)
{
    char *runs = cas_path_join(dir, "runs");
    DIR *d = runs ? opendir(runs) : NULL;
    size_t problems = 0;
    for (size_t i = 0; i < sw->n_runs; i++)
        st[i] = ST_MISSING;
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        size_t len = strcspn(name, ".");
        long i = run_of(sw, name, len);
        bool error = i >= 0 && strcmp(name + len, ".error") == 0;
        bool whole = i >= 0 && name[len] == 0 && exists(runs, name, "summary.json");
        if (!error && !whole) {
            problems++;
            if (report)
                fprintf(stderr, "cascade:   unexpected 'runs/%s'%s\n", name,
                        i >= 0 && name[len] == 0 ? " (no summary.json)" : "");
            continue;
        }
        if (st[i] != ST_MISSING) {
            problems++;
            if (report)
                fprintf(stderr,
                        "cascade:   run %s is there twice (a run directory and "
                        "%s.error)\n",
                        sw->runs[i].id, sw->runs[i].id);
        }
        st[i] = whole ? ST_OK : ST_FAILED;
    }
    if (d)
        closedir(d);
    free(runs);
    return problems;
}

static int merge(const char *dir, const struct cas_sweep *sw, const char *manifest, bool quiet)
{
    char *mpath = cas_path_join(dir, "manifest.jsonl"), *have = mpath ? slurp(mpath) : NULL;
    enum status *st = calloc(sw->n_runs, sizeof *st);
    int rc = 1;
    if (!st)
        goto done;
    if (!have || strcmp(have, manifest) != 0) {
        fprintf(stderr, "cascade: '%s' %s\n", mpath,
                have ? "does not match the sweep's spec (sweep.json)" : "cannot be read");
        goto done;
    }
    size_t problems = scan_runs(dir, sw, st, false), missing = 0, failed = 0;
    for (size_t i = 0; i < sw->n_runs; i++) {
        missing += st[i] == ST_MISSING;
        failed += st[i] == ST_FAILED;
    }
    if (problems || missing) {
        fprintf(stderr,
                "cascade: cannot merge '%s': %zu run%s missing, %zu unexpected or "
                "duplicated entr%s in runs/:\n",
                dir, missing, missing == 1 ? "" : "s", problems, problems == 1 ? "y" : "ies");
        for (size_t i = 0; i < sw->n_runs; i++)
            if (st[i] == ST_MISSING)
                fprintf(stderr, "cascade:   missing run %s\n", sw->runs[i].id);
        scan_runs(dir, sw, st, true);
        goto done;
    }
    if (write_csv(dir, sw, st) < 0)
        goto done;
    if (failed)
        fprintf(stderr, "cascade: %zu of %zu runs failed; see '%s/sweep.csv'\n", failed, sw->n_runs,
                dir);
    else if (!quiet)
        fprintf(stderr, "cascade: %zu runs; wrote '%s/sweep.csv'\n", sw->n_runs, dir);
    rc = failed ? 1 : 0;
done:
    free(st);
    free(have);
    free(mpath);
    return rc;
}

static int cli_merge(const char *dir)
{
    char *spath = cas_path_join(dir, "sweep.json"), *text = spath ? slurp(spath) : NULL;
    struct cas_sweep sw;
    struct cas_err err = {0};
    char *manifest = NULL;
    int rc = 1;
    if (!text) {
        fprintf(stderr, "cascade: cannot read '%s': %s\n", spath ? spath : dir, strerror(errno));
        goto done;
    }
    if (cas_sweep_parse(&sw, text, spath, NULL, &err) < 0) {
        fprintf(stderr, "cascade: %s: %s: %s\n", spath, err.path, err.msg);
        goto done;
    }
    if ((manifest = cas_sweep_manifest(&sw)))
        rc = merge(dir, &sw, manifest, false);
    else
        fputs("cascade: out of memory\n", stderr);
    cas_sweep_release(&sw);
done:
    free(manifest);
    free(text);
    free(spath);
    return rc;
}

/* ---- running --------------------------------------------------------------------------- */

struct runner {
    const char *dir;
    const struct cas_sweep *sw;
    char exe[4096];
    const char *base; /* as the child sees it, from inside dir */
    size_t n_todo, done, failed;
    double start;
    bool show;
};

static void progress(const struct runner *r)
{
    double elapsed = cas__now_s() - r->start;
    double eta = r->done ? elapsed / (double)r->done * (double)(r->n_todo - r->done) : 0;
    cas_progress_bar(stderr, (double)r->done, (double)r->n_todo,
                     "%zu/%zu runs  %zu failed  ETA %.0fs ", r->done, r->n_todo, r->failed, eta);
}

/* The arguments of `cascade run` for a run, from inside the sweep directory (argv[0]
 * "cascade"); NULL when out of memory. Freed by free_run_argv. */
static char **run_argv(const struct runner *r, const struct cas_sweep_run *run, size_t *argc)
{
    char out[64], seed[32];
    snprintf(out, sizeof out, "runs/%s", run->id);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)run->seed);
    const struct cas_sweep *sw = r->sw;
    size_t n = 0, cap = 10 + 2 * (sw->n_sets + sw->n_params);
    char **argv = calloc(cap, sizeof *argv);
    if (!argv)
        return NULL;
    const char *fixed[] = {"cascade", "run", r->base, "-o", out, "--seed", seed};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        argv[n++] = strdup(fixed[i]);
    for (size_t i = 0; i < sw->n_sets; i++) {
        argv[n++] = strdup("--set");
        argv[n++] = strdup(sw->sets[i]);
    }
    for (size_t p = 0; p < sw->n_params; p++) {
        size_t len = strlen(sw->params[p]) + strlen(run->values[p]) + 2;
        argv[n++] = strdup("--set");
        if ((argv[n++] = malloc(len)))
            snprintf(argv[n - 1], len, "%s=%s", sw->params[p], run->values[p]);
    }
    argv[n++] = strdup("--quiet");
    argv[n] = NULL;
    bool whole = true;
    for (size_t i = 0; i < n; i++)
        whole &= argv[i] != NULL;
    *argc = n;
    if (!whole) {
        for (size_t i = 0; i < n; i++)
            free(argv[i]);
        free(argv);
        return NULL;
    }
    return argv;
}

#if CAS_CLI_PROCESSES
/* In the child: die with the sweep, run `cascade run` from inside dir, stderr to the log. */
static void exec_run(const struct runner *r, const struct cas_sweep_run *run, pid_t parent)
{
    char log[64];
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        _exit(127);
#endif
    if (getppid() != parent || chdir(r->dir) != 0)
        _exit(127);
    snprintf(log, sizeof log, "runs/%s.log", run->id);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666), null = open("/dev/null", O_RDWR);
    if (fd < 0 || null < 0 || dup2(fd, 2) < 0 || dup2(null, 1) < 0 || dup2(null, 0) < 0)
        _exit(127);
    size_t argc;
    char **argv = run_argv(r, run, &argc);
    if (!argv)
        _exit(127);
    execv(r->exe, argv);
    fprintf(stderr, "cascade: cannot run '%s': %s\n", r->exe, strerror(errno));
    _exit(127);
}
#endif

/* After a run ended (code its exit status, or -1 when the signal signo ended it): a
 * failure's first stderr line goes to runs/ID.error. */
static void finish_run(struct runner *r, const struct cas_sweep_run *run, int code, int signo)
{
    char name[64], line[1024] = "";
    snprintf(name, sizeof name, "runs/%s.log", run->id);
    char *log = cas_path_join(r->dir, name), *text = log ? slurp(log) : NULL;
    snprintf(name, sizeof name, "runs/%s", run->id);
    bool ok = code == 0 && exists(r->dir, name, "summary.json");
    /* a run the sweep's own stop ended is not a failure: it is simply not made (--resume) */
    bool stopped = !ok && cas__signal_caught() && signo;
    if (!ok && !stopped) {
        const char *first = text ? text : "";
        if (strncmp(first, "cascade: ", 9) == 0)
            first += 9;
        snprintf(line, sizeof line, "%.*s", (int)strcspn(first, "\n"), first);
        if (!line[0] && signo)
            snprintf(line, sizeof line, "killed by signal %d", signo);
        else if (!line[0])
            snprintf(line, sizeof line, "exit status %d and no error message", code);
        strcat(line, "\n");
        snprintf(name, sizeof name, "runs/%s.error", run->id);
        write_atomic(r->dir, name, line);
        r->failed++;
    }
    if (log)
        unlink(log);
    free(log);
    free(text);
    r->done += !stopped;
}

#if CAS_CLI_PROCESSES
static int run_all(struct runner *r, const size_t *todo, long jobs)
{
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    size_t *slot_run = calloc((size_t)jobs, sizeof *slot_run), next = 0, running = 0;
    pid_t self = getpid();
    if (!pids || !slot_run) {
        free(pids);
        free(slot_run);
        fputs("cascade: out of memory\n", stderr);
        return 1;
    }
    fflush(NULL);
    cas__signals_catch();
    bool stopping = false;
    while (next < r->n_todo || running) {
        if (cas__signal_caught() && !stopping) {
            /* each run removes its own temporary directory when it gets the signal */
            stopping = true;
            for (long s = 0; s < jobs; s++)
                if (pids[s])
                    kill(pids[s], cas__signal_caught());
        }
        for (long s = 0; s < jobs && next < r->n_todo && !stopping; s++) {
            if (pids[s])
                continue;
            const struct cas_sweep_run *run = &r->sw->runs[todo[next]];
            /* the child takes the default action of a stopping signal from the start: block
             * them across fork, reset them in the child, then let pending ones in */
            sigset_t stop_set, old_set;
            sigemptyset(&stop_set);
            sigaddset(&stop_set, SIGINT);
            sigaddset(&stop_set, SIGTERM);
            sigaddset(&stop_set, SIGHUP);
            sigprocmask(SIG_BLOCK, &stop_set, &old_set);
            pid_t pid = fork();
            if (pid == 0) {
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                signal(SIGHUP, SIG_DFL);
                sigprocmask(SIG_SETMASK, &old_set, NULL);
                exec_run(r, run, self);
            }
            sigprocmask(SIG_SETMASK, &old_set, NULL);
            if (pid < 0) {
                fprintf(stderr, "cascade: cannot start a run: %s\n", strerror(errno));
                break;
            }
            pids[s] = pid;
            slot_run[s] = todo[next++];
            running++;
        }
        if (!running)
            break;
        int wstatus;
        pid_t pid = waitpid(-1, &wstatus, 0);
        if (pid < 0 && errno == EINTR)
            continue;
        for (long s = 0; pid > 0 && s < jobs; s++) {
            if (pids[s] != pid)
                continue;
            pids[s] = 0;
            running--;
            finish_run(r, &r->sw->runs[slot_run[s]], WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1,
                       WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
            if (r->show)
                progress(r);
        }
    }
    if (r->show)
        cas_progress_clear(stderr);
    free(pids);
    free(slot_run);
    if (stopping)
        fprintf(stderr,
                "cascade: sweep stopped by signal %d (%s); %zu runs made, the others "
                "are not: --resume finishes it\n",
                cas__signal_caught(), strsignal(cas__signal_caught()), r->done);
    return next < r->n_todo || stopping ? 1 : 0;
}

#else
static void free_run_argv(char **argv)
{
    for (size_t i = 0; argv && argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* One run in this process, from inside dir, its messages in runs/ID.log: 0, or -1 when it
 * could not be started (said). */
static int run_here(struct runner *r, const struct cas_sweep_run *run)
{
    char here[4096], log[64];
    size_t argc;
    char **argv = run_argv(r, run, &argc);
    if (!argv || !getcwd(here, sizeof here) || chdir(r->dir) != 0) {
        fprintf(stderr, "cascade: cannot start a run: %s\n",
                argv ? strerror(errno) : "out of memory");
        free_run_argv(argv);
        return -1;
    }
    snprintf(log, sizeof log, "runs/%s.log", run->id);
    FILE *f = fopen(log, "w");
    int code = f ? cas__cli_run_logged((int)argc - 1, argv + 1, f) : 127;
    if (f && fclose(f) != 0 && code == 0)
        code = 1;
    free_run_argv(argv);
    if (chdir(here) != 0) {
        fprintf(stderr, "cascade: cannot return to '%s': %s\n", here, strerror(errno));
        return -1;
    }
    finish_run(r, run, code, 0);
    return 0;
}

/* Without processes: every run one after another, in this process. */
static int run_all(struct runner *r, const size_t *todo, long jobs)
{
    if (jobs > 1)
        fprintf(stderr,
                "cascade: this build of cascade cannot start processes (WebAssembly): the "
                "runs are made one after another, not %ld at once\n",
                jobs);
    size_t next = 0;
    while (next < r->n_todo) {
        if (run_here(r, &r->sw->runs[todo[next]]) < 0)
            break;
        next++;
        if (r->show)
            progress(r);
    }
    if (r->show)
        cas_progress_clear(stderr);
    return next < r->n_todo ? 1 : 0;
}
#endif

/* Clear what a killed sweep left of the runs about to be made: logs, temporary run
 * directories, error files (failed runs are made again). A complete run directory of a
 * run in todo is an error unless resuming (it is then dropped from todo). */
static int prepare_runs(const char *dir, const struct cas_sweep *sw, const struct sweep_args *a,
                        size_t *todo, size_t *n_todo)
{
    char *runs = cas_path_join(dir, "runs");
    DIR *d = runs ? opendir(runs) : NULL;
    bool *mine = calloc(sw->n_runs, sizeof *mine), *whole = calloc(sw->n_runs, sizeof *whole);
    int rc = 2;
    if (!d || !mine || !whole) {
        fprintf(stderr, "cascade: cannot read '%s/runs': %s\n", dir, strerror(errno));
        goto done;
    }
    long k = a->shard_n ? a->shard_k : 0, n = a->shard_n ? a->shard_n : 1;
    for (size_t i = (size_t)k; i < sw->n_runs; i += (size_t)n)
        mine[i] = true;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strcspn(e->d_name, ".");
        long i = run_of(sw, e->d_name, len);
        if (i < 0 || !mine[i])
            continue;
        if (e->d_name[len] == 0 && exists(runs, e->d_name, "summary.json")) {
            whole[i] = true;
            continue;
        }
        if (!a->resume) {
            fprintf(stderr, "cascade: '%s/runs/%s' exists; use --resume to finish the sweep\n", dir,
                    e->d_name);
            goto done;
        }
        char *p = cas_path_join(runs, e->d_name);
        if (p)
            cas__remove_flat(p);
        free(p);
    }
    *n_todo = 0;
    for (size_t i = 0; i < sw->n_runs; i++) {
        if (mine[i] && whole[i] && !a->resume) {
            fprintf(stderr, "cascade: '%s/runs/%s' exists; use --resume to finish the sweep\n", dir,
                    sw->runs[i].id);
            goto done;
        }
        if (mine[i] && !whole[i])
            todo[(*n_todo)++] = i;
    }
    rc = 0;
done:
    if (d)
        closedir(d);
    free(runs);
    free(mine);
    free(whole);
    return rc;
}

/* Validate the base config with the spec's "set" applied (not the parameters: a bad
 * point is a failed run, not a bad spec). */
static int check_base(const char *spec, const struct cas_sweep *sw)
{
    struct cas_config cfg;
    struct cas_err err = {0};
    int rc = sw->base_path ? cas_config_load(&cfg, sw->base_path, (const char *const *)sw->sets,
                                             sw->n_sets, &err)
                           : cas_config_parse(&cfg, sw->base_text, "base",
                                              (const char *const *)sw->sets, sw->n_sets, &err);
    if (rc == 0) {
        cas_config_release(&cfg);
        return 0;
    }
    if (sw->base_path && strcmp(err.path, sw->base_path) == 0) /* the file itself */
        fprintf(stderr, "cascade: %s: base '%s': %s\n", spec, sw->base_path, err.msg);
    else if (err.path[0])
        fprintf(stderr, "cascade: %s: base: %s: %s\n", spec, err.path, err.msg);
    else
        fprintf(stderr, "cascade: %s: base: %s\n", spec, err.msg);
    return rc == CAS_ENOMEM ? 1 : 2;
}

/* Every parameter's path must name a place the config has: the base with the
 * spec's "set" and that parameter at the first run's value is loaded, and a
 * path the config cannot take (malformed, or a key it does not know) makes
 * the spec bad, before any run; a value out of range stays a failed run. */
static int check_params(const char *spec, const struct cas_sweep *sw)
{
    const char **sets = calloc(sw->n_sets + 1, sizeof *sets);
    if (!sets) {
        fputs("cascade: out of memory\n", stderr);
        return 1;
    }
    for (size_t k = 0; k < sw->n_sets; k++) /* sw->sets is NULL without a "set" */
        sets[k] = sw->sets[k];
    int rc = 0;
    for (size_t p = 0; rc == 0 && p < sw->n_params && sw->n_runs; p++) {
        size_t len = strlen(sw->params[p]) + strlen(sw->runs[0].values[p]) + 2;
        char *set = malloc(len);
        if (!set) {
            fputs("cascade: out of memory\n", stderr);
            rc = 1;
            break;
        }
        snprintf(set, len, "%s=%s", sw->params[p], sw->runs[0].values[p]);
        sets[sw->n_sets] = set;
        struct cas_config cfg;
        struct cas_err err = {0};
        int r = sw->base_path
                    ? cas_config_load(&cfg, sw->base_path, sets, sw->n_sets + 1, &err)
                    : cas_config_parse(&cfg, sw->base_text, "base", sets, sw->n_sets + 1, &err);
        if (r == 0)
            cas_config_release(&cfg);
        else if (r == CAS_ENOMEM)
            rc = 1, fputs("cascade: out of memory\n", stderr);
        else if (strncmp(err.path, "--set ", 6) == 0 || strncmp(err.msg, "unknown key", 11) == 0) {
            /* the place named once: the parameter, then where inside it, if elsewhere */
            bool elsewhere = strncmp(err.path, "--set ", 6) != 0 && strcmp(err.path, sw->params[p]);
            fprintf(stderr, "cascade: %s: parameters.%s: %s%s%s\n", spec, sw->params[p],
                    elsewhere ? err.path : "", elsewhere ? ": " : "", err.msg);
            rc = 2;
        }
        free(set);
    }
    free(sets);
    return rc;
}

/* DIR: new, or (resuming or sharding) one holding the same manifest. */
static int prepare_dir(const char *dir, const struct cas_sweep *sw, const char *manifest,
                       const struct sweep_args *a)
{
    struct stat st;
    if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) { /* the output-path policy */
        fprintf(stderr, "cascade: sweep output '%s' is a symbolic link; choose another with -o\n",
                dir);
        return 2;
    }
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "cascade: sweep output '%s' exists and is not a directory; choose "
                "another with -o\n",
                dir);
        return 2;
    }
    if (!cas__dir_is_empty(dir)) {
        char *mpath = cas_path_join(dir, "manifest.jsonl"), *have = mpath ? slurp(mpath) : NULL;
        bool same = have && strcmp(have, manifest) == 0;
        free(have);
        free(mpath);
        if (!a->resume && !a->shard_n) {
            fprintf(stderr,
                    "cascade: sweep directory '%s' exists and is not empty; use "
                    "--resume to finish it, or choose another with -o\n",
                    dir);
            return 2;
        }
        if (!same) {
            fprintf(stderr, "cascade: sweep directory '%s' holds %s\n", dir,
                    exists(dir, "manifest.jsonl", "") ? "another sweep (its manifest.jsonl "
                                                        "differs)"
                                                      : "no manifest.jsonl");
            return 2;
        }
    }
    char *runs = cas_path_join(dir, "runs");
    int mk = runs ? cas__mkdirs(runs, NULL) : -1;
    free(runs);
    if (mk < 0) {
        fprintf(stderr, "cascade: cannot create '%s/runs': %s\n", dir, strerror(errno));
        return 1;
    }
    size_t n = strlen(sw->normalized) + 2;
    char *spec = malloc(n);
    if (!spec)
        return 1;
    snprintf(spec, n, "%s\n", sw->normalized);
    int rc = write_atomic(dir, "sweep.json", spec);
    free(spec);
    if (rc == 0 && sw->base_text) {
        n = strlen(sw->base_text) + 2;
        if ((spec = malloc(n))) {
            snprintf(spec, n, "%s\n", sw->base_text);
            rc = write_atomic(dir, "base.json", spec);
        }
        free(spec);
    }
    if (rc == 0)
        rc = write_atomic(dir, "manifest.jsonl", manifest);
    return rc ? 1 : 0;
}

static void default_output(const char *spec, char *out, size_t n)
{
    const char *name = strrchr(spec, '/');
    name = name ? name + 1 : spec;
    size_t len = strlen(name);
    if (len > 5 && strcmp(name + len - 5, ".json") == 0)
        len -= 5;
    snprintf(out, n, "sweeps/%.*s", (int)len, name);
}

static int sweep(const struct sweep_args *a, const struct cas_sweep *sw, const char *manifest)
{
    char dir[4096];
    struct runner r = {.sw = sw, .dir = dir, .start = cas__now_s()};
    r.show = !a->quiet && cas__is_terminal(2);
    if (a->output)
        snprintf(dir, sizeof dir, "%s", a->output);
    else
        default_output(a->spec, dir, sizeof dir);
    if (CAS_CLI_PROCESSES && cas__program_path(r.exe, sizeof r.exe) < 0) {
#ifdef __linux__
        const char *from = "/proc/self/exe";
#else
        const char *from = "argv[0]";
#endif
        fprintf(stderr, "cascade: cannot find the cascade program (%s): %s\n", from,
                strerror(errno));
        return 1;
    }
    r.base = sw->base_path ? sw->base_path : "base.json";
    size_t *todo = malloc(sw->n_runs * sizeof *todo);
    int rc = todo ? prepare_dir(dir, sw, manifest, a) : 1;
    if (rc == 0)
        rc = prepare_runs(dir, sw, a, todo, &r.n_todo);
    if (rc == 0) {
        long jobs = a->jobs ? a->jobs : CAS_CLI_PROCESSES ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
        rc = run_all(&r, todo, jobs < 1 ? 1 : jobs);
    }
    free(todo);
    if (rc) {
        cas__signal_die(); /* ends the process when a signal stopped the sweep */
        return rc;
    }
    if (a->shard_n > 1) {
        if (!a->quiet || r.failed)
            fprintf(stderr,
                    "cascade: shard %ld/%ld: %zu runs made, %zu failed; when every "
                    "shard is done: cascade sweep --merge %s\n",
                    a->shard_k, a->shard_n, r.done, r.failed, dir);
        return r.failed ? 1 : 0;
    }
    return merge(dir, sw, manifest, a->quiet);
}

int cas_cli_sweep(int argc, char **argv)
{
    struct sweep_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == CAS_PARSE_HELP ? 0 : rc;
    if (a.merge)
        return cli_merge(a.merge);
    struct cas_sweep sw;
    struct cas_err err = {0};
    if ((rc = cas_sweep_load(&sw, a.spec, &err)) < 0) {
        if (err.path[0] && strcmp(err.path, a.spec) != 0)
            fprintf(stderr, "cascade: %s: %s: %s\n", a.spec, err.path, err.msg);
        else
            fprintf(stderr, "cascade: %s: %s\n", a.spec, err.msg);
        return rc == CAS_ENOMEM ? 1 : 2;
    }
    char *manifest = cas_sweep_manifest(&sw);
    if (!manifest) {
        fputs("cascade: out of memory\n", stderr);
        rc = 1;
    } else if ((rc = check_base(a.spec, &sw)) == 0 && (rc = check_params(a.spec, &sw)) == 0) {
        if (a.dry_run)
            fputs(manifest, stdout);
        else
            rc = sweep(&a, &sw, manifest);
    }
    free(manifest);
    cas_sweep_release(&sw);
    return rc;
}
