/* test_narrate: `cascade narrate` tells every liquidation of a cascade in
 * order, each with its trigger, and what it says agrees with the run's files;
 * the library's narration (cas_report_narrate) writes only to the stream it is
 * given and says what is wrong in its struct cas_err. */
#include "cascade/report.h"
#include "lib/quiet.h"
#include "lib/runs.h"

TestSuite(narrate, .init = runs_setup, .fini = runs_teardown, .timeout = 300);

/* `cascade narrate ARGS`, which must succeed: what it printed (free it). */
static char *narrate(const char *args)
{
    cr_assert_eq(run_cascade("narrate %s", args), 0, "narrate %s", args);
    char *s = slurp_file("out.txt");
    cr_assert_not_null(s);
    return s;
}

static char *errors(void)
{
    char *s = slurp_file("err.txt");
    cr_assert_not_null(s);
    return s;
}

static void squeeze(const char *dir, bool trades)
{
    cr_assert_eq(run_cascade("run '%s/configs/long-squeeze.json' -o %s --quiet %s", source_root(),
                             dir, trades ? "--set record.trades=true" : ""),
                 0);
}

/* The liquidation ids told, in the order told ("liquidation ID:" lines). */
static size_t told(const char *text, long long *ids, size_t max)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, " liquidation ")) && n < max; p++) {
        char *end;
        long long id = strtoll(p + 13, &end, 10);
        if (end != p + 13 && *end == ':')
            ids[n++] = id;
    }
    return n;
}

/* The episode of cascade `cid` (cascades.csv's episode column). */
static long long episode_of(const char *dir, long long cid)
{
    char path[256];
    snprintf(path, sizeof path, "%s/cascades.csv", dir);
    struct table c;
    table_read(&c, path);
    cr_assert(cid >= 1 && (size_t)cid < c.n_rows);
    long long e = integer(&c, (size_t)cid, "episode");
    table_free(&c);
    return e;
}

/* Check the story of cascade `cid` (or, when `episode` is above 0, of every cascade of
 * that episode) against liquidations.csv: its members, in id order, each with its
 * trigger. */
static void check_told(const char *text, const char *dir, long long cid, long long episode)
{
    char path[256];
    snprintf(path, sizeof path, "%s/liquidations.csv", dir);
    struct table l;
    table_read(&l, path);
    long long ids[512];
    size_t n = told(text, ids, 512), k = 0;
    for (size_t r = 1; r < l.n_rows; r++) {
        if (episode > 0 ? episode_of(dir, integer(&l, r, "cascade")) != episode
                        : integer(&l, r, "cascade") != cid)
            continue;
        cr_assert_lt(k, n, "liquidation %lld of cascade %lld is not told", integer(&l, r, "id"),
                     cid);
        cr_assert_eq(ids[k], integer(&l, r, "id"), "told liquidation %lld where %lld was next",
                     ids[k], integer(&l, r, "id"));
        /* its line names its trigger */
        char head[64], want[96];
        snprintf(head, sizeof head, " liquidation %lld:", ids[k]);
        const char *line = strstr(text, head), *eol = strchr(line, '\n');
        const char *trigger = cell(&l, r, "trigger");
        if (strncmp(trigger, "liquidation:", 12) == 0)
            snprintf(want, sizeof want, "set off by liquidation %s's orders", trigger + 12);
        else if (strncmp(trigger, "shock:", 6) == 0)
            snprintf(want, sizeof want, "set off by shock %s", trigger + 6);
        else
            snprintf(want, sizeof want, "set off by");
        const char *at = strstr(line, want);
        cr_assert(at && at < eol, "liquidation %lld's line lacks '%s'", ids[k], want);
        snprintf(want, sizeof want, "the mark %s crossed its liquidation price %s",
                 cell(&l, r, "mark"), cell(&l, r, "liquidation_price"));
        at = strstr(line, want);
        cr_assert(at && at < eol, "liquidation %lld's line lacks '%s'", ids[k], want);
        k++;
    }
    cr_assert_eq(k, n, "told %zu liquidations, cascade %lld (episode %lld) has %zu", n, cid,
                 episode, k);
    cr_assert_gt(k, 0);
    table_free(&l);
}

static void check_members(const char *text, const char *dir, long long cid)
{
    check_told(text, dir, cid, 0);
}

/* The lots the orders of the liquidations told took (trades.csv, cause liquidation:ID),
 * and the narration's "Meanwhile" line saying so. */
static void check_meanwhile(const char *text, const char *dir)
{
    long long ids[512];
    size_t n = told(text, ids, 512);
    char path[256];
    snprintf(path, sizeof path, "%s/trades.csv", dir);
    struct table t;
    table_read(&t, path);
    const char *from = strstr(text, "Meanwhile, in step");
    cr_assert_not_null(from);
    long long a, b;
    int got = sscanf(from, "Meanwhile, in steps %lld-%lld", &a, &b);
    if (got != 2) {
        cr_assert_eq(sscanf(from, "Meanwhile, in step %lld", &a), 1);
        b = a;
    }
    long long mine = 0, others = 0;
    for (size_t r = 1; r < t.n_rows; r++) {
        long long step = integer(&t, r, "step");
        const char *cause = cell(&t, r, "cause");
        if (step < a || step > b || strncmp(cause, "liquidation:", 12) != 0)
            continue;
        long long id = strtoll(cause + 12, NULL, 10);
        bool is_mine = false;
        for (size_t k = 0; k < n; k++)
            is_mine |= ids[k] == id;
        *(is_mine ? &mine : &others) += integer(&t, r, "qty");
    }
    char want[160];
    snprintf(want, sizeof want, "the liquidations told above: their orders took %lld lots", mine);
    cr_assert(mine == 0 || strstr(from, want), "no '%s' in:\n%s", want, from);
    snprintf(want, sizeof want, "other liquidations (not told here): their orders took %lld lots",
             others);
    cr_assert(others == 0 || strstr(from, want), "no '%s' in:\n%s", want, from);
    cr_assert(others > 0 || !strstr(from, "other liquidations"));
    table_free(&t);
}

/* The largest episode of cascades.csv (most liquidations, then notional, then the first):
 * its id, its liquidations and cascades. */
static long long largest_episode(const struct table *c, long long *liqs, long long *cascades)
{
    long long best = 0, best_n = -1;
    double best_v = -1;
    for (long long e = 1;; e++) {
        long long n = 0, k = 0;
        double v = 0;
        for (size_t r = 1; r < c->n_rows; r++)
            if (integer(c, r, "episode") == e) {
                n += integer(c, r, "liquidations");
                v += num(c, r, "notional");
                k++;
            }
        if (k == 0)
            break;
        if (n > best_n || (n == best_n && v > best_v)) {
            best = e, best_n = n, best_v = v;
            *liqs = n, *cascades = k;
        }
    }
    return best;
}

/* By default narrate tells the largest episode whole: every liquidation of its cascades in
 * order with its trigger, the shock, what each type did (the lots of the liquidations told
 * apart from others'), and the figures of its cascade of the largest move. */
Test(narrate, the_largest_episode_of_long_squeeze_every_liquidation_in_order)
{
    squeeze("r", true);
    char *text = narrate("r");
    struct table c;
    table_read(&c, "r/cascades.csv");
    long long liqs = 0, cascades = 0, e = largest_episode(&c, &liqs, &cascades);
    cr_assert_geq(liqs, 20, "long-squeeze's shock liquidates a crowd: %lld", liqs);
    cr_assert_gt(cascades, 1, "in several cascades");
    char want[256];
    snprintf(want, sizeof want,
             "Episode %lld of long-squeeze (seed 1), the largest: %lld liquidations in %lld "
             "cascades on BTC-PERP",
             e, liqs, cascades);
    cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
    check_told(text, "r", 0, e);
    check_meanwhile(text, "r");
    cr_assert_not_null(strstr(text, "shock 21: a market sell of 1000 lots on BTC-PERP, the shock"
                                    " account closing its long"),
                       "%s", text);
    cr_assert_not_null(strstr(text, "  market_maker "));
    size_t moved = 0;
    for (size_t r = 1; r < c.n_rows; r++)
        if (integer(&c, r, "episode") == e &&
            (!moved || num(&c, r, "move_bps") > num(&c, moved, "move_bps")))
            moved = r;
    snprintf(want, sizeof want,
             "The episode's largest move, cascade %s's on BTC-PERP: from %s at the end of step "
             "%lld to %s in step %s (%s bp down)",
             cell(&c, moved, "id"), cell(&c, moved, "price_start"),
             integer(&c, moved, "start_step") - 1, cell(&c, moved, "price_extreme"),
             cell(&c, moved, "extreme_step"), cell(&c, moved, "move_bps"));
    cr_assert_not_null(strstr(text, want), "no '%s' in:\n%s", want, text);
    table_free(&c);
    free(text);

    /* --episode N tells the same; --cascade N tells that one, its lots apart */
    char args[32];
    snprintf(args, sizeof args, "r --episode %lld", e);
    text = narrate(args);
    check_told(text, "r", 0, e);
    free(text);
    text = narrate("r --cascade 1");
    cr_assert_not_null(strstr(text, "Cascade 1 of long-squeeze (seed 1):"));
    check_members(text, "r", 1);
    check_meanwhile(text, "r");
    free(text);
}

Test(narrate, a_range_of_steps_tells_every_liquidation_in_it)
{
    squeeze("r", true);
    char *text = narrate("r --from 2400 --to 2400");
    struct table l;
    table_read(&l, "r/liquidations.csv");
    size_t in_step = 0;
    for (size_t r = 1; r < l.n_rows; r++)
        in_step += integer(&l, r, "step") == 2400;
    long long ids[512];
    cr_assert_eq(told(text, ids, 512), in_step);
    char want[64];
    snprintf(want, sizeof want, "%zu liquidations in these steps.", in_step);
    cr_assert_not_null(strstr(text, want), "no '%s'", want);
    cr_assert_not_null(strstr(text, "shock 21:"));
    table_free(&l);
    free(text);
}

/* News is told as a move of the value, with its ramp; an index jump as a jump. */
Test(narrate, news_and_index_jumps_are_told_as_what_they_move)
{
    write_file(
        "news.json",
        "{\"steps\": 50, \"instruments\": [{\"name\": \"S\", \"initial_price\": 100},"
        " {\"name\": \"P\", \"kind\": \"perpetual\", \"initial_price\": 100}],"
        " \"agents\": [{\"type\": \"noise\", \"count\": 5}],"
        " \"shocks\": [{\"step\": 10, \"kind\": \"news\", \"pct\": -0.03, \"over_steps\": 20},"
        " {\"step\": 20, \"kind\": \"news\", \"pct\": 0.5},"
        " {\"step\": 30, \"kind\": \"index_jump\", \"instrument\": \"P\", \"pct\": -0.1}]}");
    cr_assert_eq(run_cascade("run news.json -o r --quiet"), 0);
    char *text = narrate("r --from 0");
    cr_assert_not_null(strstr(text, "step 10     shock 1: news moves the value of S by -3% over 20"
                                    " steps\n"),
                       "%s", text);
    cr_assert_not_null(strstr(text, "step 20     shock 2: news moves the value of S by +50%\n"),
                       "%s", text);
    cr_assert_not_null(strstr(text, "step 30     shock 3: the index of P jumps by -10%\n"), "%s",
                       text);
    free(text);
}

Test(narrate, without_trades_it_says_what_is_missing)
{
    squeeze("r", false);
    char *text = narrate("r");
    cr_assert_not_null(strstr(text, "needs trades.csv: run with --set record.trades=true"));
    cr_assert_null(strstr(text, "Meanwhile"));
    free(text);
    cr_assert_eq(run_cascade("run '%s/configs/no-leverage.json' -o c --quiet", source_root()), 0);
    text = narrate("c");
    cr_assert_not_null(strstr(text, "Nobody was liquidated"));
    free(text);
}

/* Bad input: one line, exit status 2. */
static void refused(const char *args, const char *says)
{
    cr_assert_eq(run_cascade("narrate %s", args), 2, "narrate %s", args);
    char *e = errors();
    cr_assert_not_null(strstr(e, says), "expected '%s' in: %s", says, e);
    cr_assert_eq(strncmp(e, "cascade: ", 9), 0);
    cr_assert_eq(strchr(e, '\n'), e + strlen(e) - 1, "not one line: %s", e);
    free(e);
}

Test(narrate, bad_input_is_one_line_and_exit_2)
{
    refused("", "narrate needs a RUNDIR");
    refused("nowhere", "'nowhere' is not a run directory (no liquidations.csv)");
    squeeze("r", false);
    refused("r --cascade 999", "there is no cascade 999");
    refused("r --cascade 0", "'--cascade' needs a cascade id");
    refused("r --from 10 --to 5", "--to 5 is before --from 10");
    refused("r --cascade 1 --from 3", "give one of --episode, --cascade and --from/--to");
    refused("r --episode 1 --cascade 1", "give one of --episode, --cascade and --from/--to");
    refused("r --episode 99", "there is no episode 99");
    refused("r --bogus", "unknown option '--bogus'");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cd '%s' && sed -i '3s/^[0-9]*,[0-9]*,/3,x,/' r/liquidations.csv",
             run_tmp);
    cr_assert_eq(system(cmd), 0);
    refused("r", "r/liquidations.csv:3: 'step' is not a number: 'x'");
}

/* cas_report_narrate on a damaged run directory: CAS_EINVAL with the file and line in the
 * error, the narration stream untouched, nothing on stderr or stdout (were it to exit,
 * quiet.h would fail the test); on a sound one, 0 and the telling on the stream alone. */
Test(narrate, the_library_says_what_is_wrong_in_its_error_not_on_stderr)
{
    squeeze("r", false);
    char dir[600], path[700], cmd[800];
    snprintf(dir, sizeof dir, "%s/r", run_tmp);
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    struct cas_err err = {0};
    struct quiet q;
    quiet_begin(&q);
    int rc = cas_report_narrate(out, dir, 0, 0, -1, -1, &err);
    char *said = quiet_end(&q);
    cr_assert_eq(rc, 0, "%s: %s", err.path, err.msg);
    cr_assert_str_empty(said, "the library wrote: %s", said);
    free(said);
    cr_assert_gt(ftell(out), 0, "the narration went to its stream");
    fclose(out);

    snprintf(cmd, sizeof cmd, "cd '%s' && sed -i '3s/^[0-9]*,[0-9]*,/3,x,/' r/liquidations.csv",
             run_tmp);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/liquidations.csv:3", dir);
    out = tmpfile();
    cr_assert_not_null(out);
    quiet_begin(&q);
    rc = cas_report_narrate(out, dir, 0, 0, -1, -1, &err);
    said = quiet_end(&q);
    cr_assert_eq(rc, CAS_EINVAL);
    cr_assert_eq(err.code, CAS_EINVAL);
    cr_assert_str_eq(err.path, path, "the file and line: %s", err.path);
    cr_assert_str_eq(err.msg, "'step' is not a number: 'x'");
    cr_assert_str_empty(said, "the library wrote: %s", said);
    free(said);
    cr_assert_eq(ftell(out), 0, "nothing told of a damaged run");
    fclose(out);
}

/* Counts agree with their nouns (issue 22: "1 liquidations", "1 steps", "steps 2400-2400"):
 * every cascade of long-squeeze's seed 1 is headed "N liquidation(s) in G generation(s)"
 * in the number's form, and one that starts and finishes in the same step says "in step S"
 * (cascade 1 there: one liquidation, set off by the shock, done within its step). */
Test(narrate, counts_agree_with_their_nouns)
{
    squeeze("g", true);
    struct table c;
    table_read(&c, "g/cascades.csv");
    size_t single = 0;
    for (size_t r = 1; r < c.n_rows; r++) {
        char args[64], want[160];
        snprintf(args, sizeof args, "g --cascade %s", cell(&c, r, "id"));
        char *text = narrate(args);
        long long n = integer(&c, r, "liquidations"), g = integer(&c, r, "generations");
        snprintf(want, sizeof want, ": %lld liquidation%s in %lld generation%s on ", n,
                 n == 1 ? "" : "s", g, g == 1 ? "" : "s");
        cr_assert_not_null(strstr(text, want), "cascade %s: no '%s' in: %.200s", cell(&c, r, "id"),
                           want, text);
        if (strcmp(cell(&c, r, "start_step"), cell(&c, r, "finish_step")) == 0) {
            snprintf(want, sizeof want, ", in step %s (episode ", cell(&c, r, "start_step"));
            cr_assert_not_null(strstr(text, want), "cascade %s: no '%s'", cell(&c, r, "id"), want);
            cr_assert_not_null(strstr(text, "Meanwhile, in step "), "cascade %s",
                               cell(&c, r, "id"));
            single++;
        }
        cr_assert_null(strstr(text, " 1 steps"), "cascade %s: '1 steps'", cell(&c, r, "id"));
        free(text);
    }
    cr_assert_gt(single, 0, "no cascade of seed 1 starts and finishes in one step");
    table_free(&c);
}
