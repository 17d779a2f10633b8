/* test_hardening: what a teacher opening a run directory a student sent can
 * count on (issue 21). `report` and `narrate` on a damaged run directory
 * exit 0 with a correct result, 1 with one line for a failure of the machine
 * or 2 with one line for bad input; they never crash and never leave a file;
 * the page never runs a script the run directory supplied. Every command that
 * writes follows one output-path policy, notices write errors on stdout and
 * keeps the file system's own reason for a failed write. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/config.h"
#include "cascade/core.h"
#include "cascade/sim.h"
#include "lib/runs.h"

static char text_buf[1024];

static void setup(void)
{
    runs_setup();
    setenv("TMPDIR", run_tmp, 1); /* the report's gnuplot directory goes here: counted below */
}

TestSuite(hardening, .init = setup, .fini = runs_teardown, .timeout = 240);

/* A shell command in the scratch directory, which must succeed. */
__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
    char cmd[4096], line[4096 + 300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "cd '%s' && %s", run_tmp, cmd);
    cr_assert_eq(system(line), 0, "%s", cmd);
}

/* The long squeeze (with trades.csv) in DIR of the scratch directory. */
static void squeeze(const char *dir)
{
    cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' -o %s --quiet "
                             "--set record.trades=true",
                             source_root(), dir),
                 0);
}

/* The number of entries of the scratch directory and of DIR that match GLOB. */
static int count(const char *glob)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && ls -d %s 2>/dev/null | wc -l", run_tmp, glob);
    FILE *p = popen(cmd, "r");
    int n = -1;
    cr_assert(p && fscanf(p, "%d", &n) == 1);
    pclose(p);
    return n;
}

/* `cascade ARGS` gave `status` and, unless 0, one line on stderr holding
 * `says`; and left no temporary file behind. */
static void expect(int status, const char *says, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    int got = run_cascade("%s", args);
    char *e = slurp_file("err.txt");
    cr_assert_not_null(e);
    cr_assert_eq(got, status, "cascade %s: status %d, expected %d; stderr: %s", args, got, status,
                 e);
    if (status) {
        cr_assert_eq(strncmp(e, "cascade: ", 9), 0, "cascade %s: %s", args, e);
        cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "cascade %s: not one line: %s", args, e);
        cr_assert_not_null(strstr(e, says), "cascade %s: expected '%s' in: %s", args, says, e);
    }
    free(e);
    cr_assert_eq(count("*/*.tmp-* *.tmp-* cascade-report-*"), 0, "cascade %s left a file", args);
}

/* ---- 1. narrate and a config.json shock whose side is not a string ---- */

Test(hardening, narrate_refuses_a_shock_side_that_is_not_a_string)
{
    sh("mkdir d");
    squeeze("r");
    sh("for f in liquidations cascades accounts; do head -1 r/$f.csv > d/$f.csv; done");
    write_file("d/config.json", "{\"shocks\":[{\"step\":0,\"kind\":\"market_order\",\"side\":1,"
                                "\"position\":\"close\"}]}");
    expect(2, "d/config.json: shocks[0].side: not \"buy\" or \"sell\"", "narrate d --from 0");
    /* fills of that shock in trades.csv: the same */
    sh("head -1 r/trades.csv > d/trades.csv && echo '0,BTC-PERP,100,1,sell,1,2,shock:1' >> "
       "d/trades.csv");
    expect(2, "shocks[0].side", "narrate d --from 0");
    /* the other keys narrate tells with are checked too */
    write_file("d/config.json", "{\"shocks\":[{\"step\":1e300,\"kind\":\"market_order\"}]}");
    expect(2, "shocks[0].step: not a step", "narrate d");
    write_file("d/config.json", "{\"name\":7}");
    expect(2, "d/config.json: name: not a string", "narrate d");
    write_file("d/config.json", "[1]");
    expect(2, "not a JSON object", "narrate d");
    /* a real run's config.json passes */
    expect(0, "", "narrate r --from 0 --to 10");
}

/* ---- 4. the page's embedded data is inert ---- */

/* The page's replay data, parsed (NULL if it is not JSON); the number of
 * "<script" in the page. */
static cJSON *page_data(const char *page, int *scripts)
{
    char *html = slurp_file(page);
    cr_assert_not_null(html, "no %s", page);
    *scripts = 0;
    for (const char *p = html; (p = strstr(p, "<script")); p++)
        ++*scripts;
    const char *open = "<script type=\"application/json\" id=\"replay-data\">";
    char *a = strstr(html, open), *b = a ? strstr(a, "</script>") : NULL;
    cr_assert(a && b, "no replay data in %s", page);
    *b = 0;
    cJSON *j = cJSON_ParseWithOpts(a + strlen(open), NULL, true);
    free(html);
    return j;
}

Test(hardening, the_page_never_runs_a_script_from_the_run_directory)
{
    squeeze("r");
    /* a type, a trigger and a replay string that would close the data's element */
    sh("sed -i '3s/,noise,/,<\\/script><script>alert(1)<\\/script>,/' r/accounts.csv");
    sh("sed -i '2s/,shock:21,/,shock:\"21<\\/script>,/' r/liquidations.csv");
    sh("sed -i '/^{\"step\":2400,/s/\"order:[0-9]*\"/\"<\\/script><script>alert(2)<\\/script>\"/' "
       "r/replay.jsonl");
    expect(0, "", "report r");
    int scripts;
    cJSON *d = page_data("r/report.html", &scripts);
    cr_assert_not_null(d, "the replay data is not JSON");
    cr_assert_eq(scripts, 2, "the page has %d script elements, not 2", scripts);
    cr_assert_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "types"), "1")),
        "</script><script>alert(1)</script>");
    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(cJSON_GetObjectItem(d, "liqs"), "1"), "trigger")),
                     "shock:\"21</script>");
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItem(d, "steps"));
    cr_assert_not_null(strstr(text, "\"</script><script>alert(2)</script>\""),
                       "the replay string is not in the page's data");
    free(text);
    cJSON_Delete(d);
    /* numbers the data holds must be numbers: bad input, nothing written */
    squeeze("s");
    sh("sed -i '2s/,long,17,/,long,abc,/' s/liquidations.csv");
    expect(2, "s/liquidations.csv:2: 'lots' is not a number: 'abc'", "report s");
    cr_assert_eq(count("s/report.html"), 0);
    /* a replay line must be one JSON value, nothing after it */
    squeeze("t");
    sh("sed -i '1s/$/ <\\/script><script>alert(3)<\\/script>/' t/replay.jsonl");
    expect(2, "t/replay.jsonl:1: not JSON", "report t");
}

/* ---- 8. narrate --cascade is an id; narrate refuses what report refuses ---- */

Test(hardening, narrate_takes_cascade_ids_and_refuses_damaged_tables)
{
    squeeze("r");
    char *out;
    cr_assert_eq(run_cascade("narrate r --cascade 9"), 0);
    out = slurp_file("out.txt");
    cr_assert_eq(strncmp(out, "Cascade 9 of", 12), 0, "%s", out);
    free(out);
    /* reversed cascades.csv: ids out of order */
    sh("cp -r r v && (head -1 r/cascades.csv; tail -n +2 r/cascades.csv | tac) > v/cascades.csv");
    expect(2, "v/cascades.csv:2: 'id' must be 1", "narrate v --cascade 1");
    expect(2, "v/cascades.csv:2: 'id' must be 1", "report v");
    /* end_step before start_step */
    sh("rm -r v && cp -r r v && sed -i '2s/^1,1,1,shock:21,BTC-PERP,long,2400,2400,2400,/"
       "1,1,1,shock:21,BTC-PERP,long,2400,2399,2400,/' v/cascades.csv");
    expect(2, "v/cascades.csv:2: 'end_step' 2399 is before 'start_step' 2400", "narrate v");
    /* liquidations out of step order */
    sh("rm -r v && cp -r r v && sed -i '3s/^2,2400,/2,2300,/' v/liquidations.csv");
    expect(2, "v/liquidations.csv:3: 'step' 2300 is before the previous row's", "narrate v");
    /* trades out of step order */
    sh("rm -r v && cp -r r v && sed -i '3s/^[0-9]*,/999999,/' v/trades.csv");
    expect(2, "v/trades.csv:4: 'step'", "narrate v");
    /* a generation beyond the row's id */
    sh("rm -r v && cp -r r v && sed -i '2s/,1,1$/,1,5/' v/liquidations.csv");
    expect(2, "v/liquidations.csv:2: 'cascade' must be at least 1 and 'generation'", "narrate v");
    expect(2, "v/liquidations.csv:2: 'cascade' must be at least 1 and 'generation'", "report v");
}

/* ---- 12. a symlink loop is named as one ---- */

Test(hardening, a_symlink_loop_is_reported_as_a_loop)
{
    squeeze("r");
    sh("rm r/timeseries.csv && ln -s timeseries.csv r/timeseries.csv");
    expect(2, "r/timeseries.csv: cannot open: Too many levels of symbolic links", "report r");
    sh("rm r/liquidations.csv && ln -s liquidations.csv r/liquidations.csv");
    expect(2, "r/liquidations.csv: cannot open: Too many levels of symbolic links", "narrate r");
}

/* ---- 13. numbers too large for an integer are refused, not converted ---- */

Test(hardening, numbers_beyond_an_integer_are_refused_not_converted)
{
    squeeze("r");
    sh("cp -r r v && sed -i '1s/^{\"step\":2340,/{\"step\":1e300,/' v/replay.jsonl");
    expect(2, "v/replay.jsonl:1: 'step' is not a step", "report v");
    sh("rm -r v && cp -r r v && sed -i 's/\"replay\":.*\\[\\]/\"replay\": [[0, 1e300]]/' "
       "v/config.json && grep -q 1e300 v/config.json");
    expect(2, "v/config.json: record.replay: not a list of [from, to] steps", "report v");
    sh("rm -r v && cp -r r v && sed -i '2s/^1,1,1,shock:21,BTC-PERP,long,2400,2400,2400,/"
       "1,1,1,shock:21,BTC-PERP,long,2400,2400,1e300,/' v/cascades.csv");
    expect(2, "v/cascades.csv:2: 'finish_step'", "report v");
    /* and a liqmap whose steps run backwards still draws (every index clamped) */
    sh("rm -r v && cp -r r v && (head -1 r/liqmap.csv; tail -n +2 r/liqmap.csv | tac) > "
       "v/liqmap.csv");
    expect(0, "", "report v");
}

/* ---- 7. \u0000 in a JSON string is refused, not truncated ---- */

Test(hardening, a_nul_escape_in_a_json_string_is_refused)
{
    write_file("n.json", "{\"name\":\"ab\\u0000/../x\",\n\"steps\":10}\n");
    expect(2, "n.json: line 1: a string holds \\u0000", "validate n.json");
    expect(2, "a string holds \\u0000", "run n.json -o out --quiet");
    cr_assert_eq(count("runs out"), 0, "run left a directory");
    write_file("x.json", "{\"steps\":10}");
    expect(2, "--set name: a string holds \\u0000", "validate x.json --set 'name=\"a\\u0000\"'");
    write_file("s.json", "{\"base\":{\"name\":\"a\\u0000\"},\"parameters\":{\"steps\":[5]}}");
    expect(2, "s.json: line 1: a string holds \\u0000", "sweep s.json --dry-run");
    /* an escaped backslash before u0000 is no NUL: the name then holds a backslash, refused
     * for the characters a name may hold, not for a NUL */
    write_file("b.json", "{\"name\":\"ab\\\\u0000\",\"steps\":10}");
    int status = run_cascade("validate b.json");
    char *e = slurp_file("err.txt");
    cr_assert_null(strstr(e, "NUL"), "%s", e);
    cr_assert_eq(status, 2);
    free(e);
}

/* ---- 9. a sweep's parameter paths are checked before any run ---- */

Test(hardening, a_sweep_s_parameter_paths_are_checked_up_front)
{
    char spec[1024];
    snprintf(spec, sizeof spec,
             "{\"base\":\"%s/configs/default.json\",\"parameters\":{\"agents[0]].x\":[1,2],"
             "\"nosuchkey\":[3]}}",
             source_root());
    write_file("bad.json", spec);
    expect(2, "bad.json: parameters.agents[0]].x: ", "sweep bad.json --dry-run");
    expect(2, "bad.json: parameters.agents[0]].x: ", "sweep bad.json -o sw --quiet");
    cr_assert_eq(count("sw"), 0, "the sweep made its directory");
    snprintf(spec, sizeof spec,
             "{\"base\":\"%s/configs/default.json\",\"parameters\":{\"nosuchkey\":[3]}}",
             source_root());
    write_file("bad.json", spec);
    expect(2, "bad.json: parameters.nosuchkey: unknown key 'nosuchkey'",
           "sweep bad.json --dry-run");
    /* a value out of range at a good path is a failed run, not a bad spec */
    snprintf(spec, sizeof spec,
             "{\"base\":\"%s/configs/default.json\",\"parameters\":{\"steps\":[0]}}",
             source_root());
    write_file("point.json", spec);
    expect(0, "", "sweep point.json --dry-run");
}

/* ---- 10. a failed write's own reason is kept ---- */

/* In a child limited to 64 KiB files (SIGXFSZ ignored: the write fails with EFBIG, as a full
 * disk fails with ENOSPC), a megabyte through cas_atomic_*: commit's errno, as the exit status. */
static int atomic_write_errno(const char *path)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {64 << 10, 64 << 10};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(255);
        struct cas_atomic_file a;
        if (cas_atomic_open(&a, path) != 0)
            _exit(254);
        /* one block larger than the limit, nothing after it: the failed write leaves
         * stdio's buffer empty, so that closing the stream succeeds and only the
         * failed write knows why */
        static char block[1 << 20];
        memset(block, 'x', sizeof block);
        fwrite(block, 1, sizeof block, a.f);
        _exit(cas_atomic_commit(&a) == CAS_EIO ? errno : 0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Test(hardening, a_failed_write_keeps_its_own_reason)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big.txt", run_tmp);
    int e = atomic_write_errno(path);
#if CAS_HAVE_FOPENCOOKIE
    cr_assert_eq(e, EFBIG, "commit gave errno %d (%s), not EFBIG", e, strerror(e));
#else /* -Dgnu_extensions=disabled: stdio keeps no reason; the commit fails all the same */
    cr_assert(e == EFBIG || e == EIO, "commit gave errno %d (%s), not EFBIG or EIO", e,
              strerror(e));
#endif
    cr_assert_eq(count("big.txt*"), 0, "the temporary was left");
}

/* ---- 6. write errors on stdout are noticed ---- */

/* `cascade ARGS` with stdout on /dev/full: exit status 1 and one line saying so. */
static void to_full(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >/dev/full 2>err.txt", run_tmp,
             getenv("CASCADE_BIN"), args);
    int status = system(cmd);
    cr_assert(WIFEXITED(status));
    char *e = slurp_file("err.txt");
    cr_assert_eq(WEXITSTATUS(status), 1, "cascade %s >/dev/full: status %d; stderr: %s", args,
                 WEXITSTATUS(status), e);
    cr_assert_eq(strncmp(e, "cascade: ", 9), 0, "%s", e);
    cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "not one line: %s", e);
    cr_assert_not_null(strstr(e, "No space left on device"), "%s", e);
    free(e);
}

Test(hardening, write_errors_on_stdout_are_noticed)
{
    squeeze("r");
    char args[1024];
    to_full("narrate r");
    snprintf(args, sizeof args, "validate '%s/configs/default.json'", source_root());
    to_full(args);
    snprintf(text_buf, sizeof text_buf,
             "{\"base\":\"%s/configs/default.json\","
             "\"parameters\":{\"steps\":[10,20]}}",
             source_root());
    write_file("s.json", text_buf);
    to_full("sweep s.json --dry-run");
    to_full("report r -o r/page.html");
    cr_assert_eq(count("r/page.html"), 1, "the page was not written");
    to_full("--help");
    to_full("run --help");
}

/* ---- 2. report stops cleanly on a signal ---- */

Test(hardening, a_signal_stops_report_and_leaves_nothing)
{
    squeeze("r");
    /* a gnuplot that takes its time, so that the signal comes while the page is written */
    sh("mkdir bin && printf '#!/bin/sh\\ntrap \"exit 1\" TERM\\nsleep 3 & wait\\nexec gnuplot "
       "\"$@\"\\n' > bin/gnuplot && chmod +x bin/gnuplot");
    for (int k = 0; k < 3; k++) {
        int signo = k == 0 ? SIGTERM : k == 1 ? SIGINT : SIGHUP;
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "cd '%s' || exit 1; (PATH=\"$PWD/bin:$PATH\" exec '%s' report r 2>err.txt) & "
                 "pid=$!; "
                 "sleep 0.5; kill -%d $pid; wait $pid; echo $? > status.txt",
                 run_tmp, getenv("CASCADE_BIN"), signo);
        cr_assert_eq(system(cmd), 0);
        char status[16];
        read_into("status.txt", status, sizeof status);
        cr_assert_eq(atoi(status), 128 + signo, "status %s after signal %d", status, signo);
        cr_assert_eq(count("r/*.tmp-* r/report.html cascade-report-*"), 0,
                     "report left a file after signal %d", signo);
        char *e = slurp_file("err.txt");
        cr_assert_not_null(strstr(e, "stopped by signal"), "%s", e);
        free(e);
    }
}

/* ---- 3. one output-path policy ---- */

Test(hardening, outputs_go_only_to_a_regular_file_or_nowhere_yet)
{
    squeeze("r");
    sh("mkfifo fifo && ln -s r/x.html link && mkdir dir && cp r/summary.json before.json");
    expect(2, "cannot write the page to 'fifo': it is a FIFO", "report r -o fifo");
    expect(2, "cannot write the page to 'link': it is a symbolic link", "report r -o link");
    expect(2, "cannot write the page to 'dir': it is a directory", "report r -o dir");
    expect(2, "cannot write the page to '/dev/null': it is a character device",
           "report r -o /dev/null");
    expect(2, "it is the input 'r/summary.json'", "report r -o r/summary.json");
    expect(2, "it is the input 'r/timeseries.csv'", "report r -o ./r/../r/timeseries.csv");
    sh("cmp r/summary.json before.json && ln r/timeseries.csv hard.csv");
    expect(2, "it is the input 'r/timeseries.csv'", "report r -o hard.csv");
    expect(0, "", "report r -o fine.html");
    expect(0, "", "report r -o fine.html"); /* a regular file is replaced */
    /* replay's final book: the same policy, and never its own orders */
    write_file("orders.csv", "side,type,price,qty\nbuy,limit,100,1\n");
    expect(2, "cannot write the final book to 'orders.csv': it is the input 'orders.csv'",
           "replay orders.csv --final-book orders.csv");
    expect(2, "it is a symbolic link", "replay orders.csv --final-book link");
    /* run and sweep write directories: a symbolic link there is refused too */
    sh("mkdir empty && ln -s empty elink");
    expect(2, "output 'elink' is a symbolic link", "run -o elink --steps 100 --quiet");
}

/* ---- 5. run says why it cannot create a file of its run directory ---- */

Test(hardening, run_says_why_it_cannot_create_a_file)
{
    /* an -o path of 4080 bytes: its temporary directory fits, a file inside does not */
    char path[4200];
    size_t n = (size_t)snprintf(path, sizeof path, "%s", run_tmp);
    while (n < 4080 - 201)
        n += (size_t)snprintf(path + n, sizeof path - n, "/%0200d", 0);
    n += (size_t)snprintf(path + n, sizeof path - n, "/");
    while (n < 4080)
        path[n++] = 'x';
    path[n] = 0;
    expect(1, "cannot create '", "run -o '%s' --steps 100 --quiet", path);
    char *e = slurp_file("err.txt");
    cr_assert_not_null(strstr(e, "File name too long"), "%s", e);
    free(e);
    cr_assert_eq(count("0*"), 0, "run left the parents it made");
}

/* ---- 11. the documented limits are the validator's ---- */

/* Cell k (from 0) of the table row of `doc` that starts with `head`, into out. */
static void doc_cell(const char *doc, const char *head, int k, char *out, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/%s", source_root(), doc);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "no %s", path);
    const char *row = strstr(text, head);
    cr_assert_not_null(row, "%s has no row '%s'", doc, head);
    for (int c = 0; c < k; c++) {
        row = strchr(row + 1, '|');
        cr_assert_not_null(row, "%s: row '%s' has no cell %d", doc, head, k);
    }
    size_t len = strcspn(row + 1, "|\n");
    snprintf(out, n, "%.*s", (int)len, row + 1);
    free(text);
}

/* The numbers of a cell, in order ("1 – 16777213", "16,777,213", "1e9"): at most max. */
static size_t numbers(const char *cell, double *v, size_t max)
{
    size_t n = 0;
    char digits[64];
    for (const char *p = cell; *p && n < max;) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        size_t k = 0;
        while (k + 1 < sizeof digits && ((*p >= '0' && *p <= '9') || *p == ',' || *p == 'e'))
            if (*p++ != ',')
                digits[k++] = p[-1];
        digits[k] = 0;
        v[n++] = strtod(digits, NULL);
        if (*p == '^') /* 2^24: the exponent is no limit of its own */
            while (*p && *p != ' ')
                p++;
    }
    return n;
}

/* Whether a config with `agents` populations, each `count` agents, `shocks` shocks and
 * `steps` steps passes the validator (and, for the total, cas_sim_create's check). */
static bool valid(double count, int pops, int instruments, int shocks, double steps, bool sim)
{
    size_t cap = 1 << 20, n = 0;
    char *t = malloc(cap);
    n += (size_t)snprintf(t + n, cap - n, "{\"steps\":%.0f,\"instruments\":[", steps);
    for (int k = 0; k < instruments; k++)
        n += (size_t)snprintf(t + n, cap - n, "%s{\"name\":\"I%d\",\"initial_price\":100}",
                              k ? "," : "", k);
    n += (size_t)snprintf(t + n, cap - n, "],\"agents\":[");
    for (int k = 0; k < pops; k++)
        n += (size_t)snprintf(t + n, cap - n,
                              "%s{\"type\":\"noise\",\"count\":%.0f,"
                              "\"instrument\":\"I0\"}",
                              k ? "," : "", count);
    n += (size_t)snprintf(t + n, cap - n, "],\"shocks\":[");
    for (int k = 0; k < shocks; k++)
        n += (size_t)snprintf(t + n, cap - n,
                              "%s{\"step\":0,\"kind\":\"market_order\","
                              "\"instrument\":\"I0\",\"side\":\"buy\",\"qty\":1}",
                              k ? "," : "");
    snprintf(t + n, cap - n, "]}");
    struct cas_config cfg;
    struct cas_err err = {0};
    bool parsed = cas_config_parse(&cfg, t, "limits", NULL, 0, &err) == 0, ok = parsed;
    free(t);
    if (ok && sim) {
        struct cas_sim *s = NULL;
        ok = cas_sim_create(&s, &cfg, NULL, &err) == 0;
        cas_sim_destroy(s);
    }
    if (parsed)
        cas_config_release(&cfg);
    return ok;
}

Test(hardening, the_documented_limits_are_the_validator_s)
{
    char a[512], b[512];
    double lim[4], conf[4];
    /* agents in a population: limits.md and config.md say the same, and the validator agrees */
    doc_cell("limits.md", "| agents in a population (`count`) |", 1, a, sizeof a);
    doc_cell("config.md", "| `count` | integer |", 3, b, sizeof b);
    cr_assert_eq(numbers(a, lim, 2), 2, "limits.md: %s", a);
    cr_assert_eq(numbers(b, conf, 2), 2, "config.md: %s", b);
    cr_assert(lim[0] == conf[0] && lim[1] == conf[1], "limits.md '%s', config.md '%s'", a, b);
    cr_assert(valid(lim[1], 1, 1, 0, 10, false) && !valid(lim[1] + 1, 1, 1, 0, 10, false),
              "the validator's count is not %.0f", lim[1]);
    cr_assert(!valid(lim[0] - 1, 1, 1, 0, 10, false));
    /* agents in all */
    doc_cell("limits.md", "| agents in all |", 1, a, sizeof a);
    doc_cell("config.md", "| `count` | integer |", 5, b, sizeof b);
    cr_assert_geq(numbers(a, lim, 1), 1);
    cr_assert_eq(numbers(b, conf, 1), 1, "config.md: %s", b);
    cr_assert_eq(lim[0], conf[0], "agents in all: limits.md '%s', config.md '%s'", a, b);
    double half = floor((lim[0] + 1) / 2); /* two populations, one agent too many together */
    cr_assert(!valid(half, 2, 1, 0, 10, true), "%.0f agents in all were accepted", 2 * half);
    /* instruments, populations, shocks, steps */
    static const struct {
        const char *limits, *config;
    } rows[] = {{"| instruments |", "| `instruments` | array |"},
                {"| agent populations |", "| `agents` | array |"},
                {"| shocks |", "| `shocks` | array |"},
                {"| `steps` |", "| `steps` | integer |"}};
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        doc_cell("limits.md", rows[k].limits, 1, a, sizeof a);
        doc_cell("config.md", rows[k].config, 3, b, sizeof b);
        cr_assert_eq(numbers(a, lim, 2), 2, "limits.md: %s", a);
        cr_assert_eq(numbers(b, conf, 2), 2, "config.md: %s", b);
        cr_assert(lim[0] == conf[0] && lim[1] == conf[1], "%s: limits.md '%s', config.md '%s'",
                  rows[k].limits, a, b);
        double hi = lim[1];
        bool ok =
            k == 0   ? valid(1, 1, (int)hi, 0, 10, false) && !valid(1, 1, (int)hi + 1, 0, 10, false)
            : k == 1 ? valid(1, (int)hi, 1, 0, 10, false) && !valid(1, (int)hi + 1, 1, 0, 10, false)
            : k == 2 ? valid(1, 1, 1, (int)hi, 10, false) && !valid(1, 1, 1, (int)hi + 1, 10, false)
                     : valid(1, 1, 1, 0, hi, false) && !valid(1, 1, 1, 0, hi + 1, false);
        cr_assert(ok, "%s: the validator's limit is not %.0f", rows[k].limits, hi);
    }
}
