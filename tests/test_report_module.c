/* test_report_module: the report module on its own, through its API
 * (include/cascade/report.h), on a run directory written by hand: two
 * instruments, a cascade on the second. Which instrument the page describes,
 * bad input refused with CAS_EINVAL and the file and line in the error, the
 * library writing nothing to stderr or stdout and not exiting, and the page's
 * captions saying what these files hold. */
#include <unistd.h>

#include "cascade/report.h"
#include "lib/quiet.h"
#include "lib/runs.h"

TestSuite(report_module, .init = runs_setup, .fini = runs_teardown, .timeout = 120);

static void put(const char *dir, const char *file, const char *text)
{
    char name[512];
    snprintf(name, sizeof name, "%s/%s", dir, file);
    write_file(name, text);
}

static const char ts_head[] =
    "step,time_s,instrument,bid,ask,mid,last,low,high,mark,index,spread_ticks,bid_qty,ask_qty,"
    "depth_1pct,depth_5pct,volume,trades,oi_long,oi_short,funding_rate,mmr_scale,liquidations,"
    "liquidated_notional,insurance_fund,adl,halted\n";

/* Spot S flat at 100; perpetual P falls from 100 to 80 at step 29 and is at
 * 90 at the end (step 49); one long cascade of two liquidations on P. */
static void write_run(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", run_tmp, dir);
    cr_assert_eq(system(cmd), 0);
    char ts[16384];
    size_t len = (size_t)snprintf(ts, sizeof ts, "%s", ts_head);
    for (int k = 0; k < 5; k++) {
        int step = 9 + 10 * k;
        double p = step < 29 ? 100 : step == 29 ? 80 : 90;
        len += (size_t)snprintf(ts + len, sizeof ts - len,
                                "%d,%d,S,99,101,100.0,100,99,101,100,,2,5,5,50,200,3,3,0,0,,,0,0,"
                                "1000,0,0\n",
                                step, step + 1);
        len += (size_t)snprintf(ts + len, sizeof ts - len,
                                "%d,%d,P,%g,%g,%g,%g,%g,%g,%g,100.00,2,5,5,40,150,4,4,%d,%d,"
                                "0.0001,1.000000,%d,%s,1000,0,0\n",
                                step, step + 1, p - 1, p + 1, p, p, p - 2, p + 1, p, 10 - k, 10 - k,
                                step == 29 ? 2 : 0, step == 29 ? "1600" : "0");
    }
    put(dir, "timeseries.csv", ts);
    put(dir, "liquidations.csv",
        "id,step,account,instrument,side,lots,mark,fill_vwap,worst_fill,bankruptcy,"
        "liquidation_price,leverage,mode,filled_lots,adl_lots,insurance_change,finished,"
        "finish_step,trigger,cascade,generation\n"
        "1,25,3,P,long,10,95,90.00,88,85.00,95.50,10,engine,10,0,-5,1,26,shock:1,1,1\n"
        "2,26,4,P,long,10,88,80.00,78,79.00,88.40,12,engine,10,0,-5,1,28,liquidation:1,1,2\n");
    put(dir, "cascades.csv",
        "id,episode,root_liquidation,root_cause,instrument,side,start_step,end_step,finish_step,"
        "duration_steps,generations,liquidations,notional,price_start,price_extreme,extreme_step,"
        "index_at_extreme,gap_to_index_bps,price_end,move_bps,recovery_half_steps\n"
        "1,1,1,shock:1,P,long,25,26,28,4,2,2,1830,100.0,78.0,28,100.00,-2200.00,80.0,2200.00,21\n");
    put(dir, "summary.json",
        "{\"version\": \"0\", \"name\": \"hand\", \"seed\": 1, \"steps\": 50, \"instrument\": \"S\","
        " \"prices\": {\"initial\": 100}, \"insurance_fund\": {\"initial\": 1000, \"final\": 990},"
        " \"agents\": {}}\n");
}

Test(report_module, the_page_describes_the_largest_cascade_s_instrument)
{
    write_run("h");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/h", run_tmp);
    struct cas_report *r = NULL;
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), 0);
    cr_assert_str_eq(cas_report_instrument(r), "P", "the cascade's instrument, not the first");
    cr_assert_eq(cas_report_n_instruments(r), 2);
    cas_report_free(r);
    cr_assert_eq(cas_report_read(&r, dir, "S", NULL), 0);
    cr_assert_str_eq(cas_report_instrument(r), "S");
    cas_report_free(r);
    r = NULL;
    cr_assert_eq(cas_report_read(&r, dir, "Q", NULL), CAS_EINVAL, "no instrument Q");
    cr_assert_null(r);
    cr_assert_eq(cas_report_n_figures(), 8);
    cr_assert_str_eq(cas_report_figure(0), "prices, liquidations and cascades");
    cr_assert_null(cas_report_figure(8));
}

Test(report_module, bad_input_is_refused_with_einval)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s/h", run_tmp);
    struct cas_report *r = NULL;
    write_run("h");
    put("h", "summary.json", "{\"version\": ");
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), CAS_EINVAL, "summary.json is not JSON");
    write_run("h");
    put("h", "cascades.csv", "id,root_cause\n1,shock:1\n");
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), CAS_EINVAL,
                 "cascades.csv lacks its columns");
    write_run("h");
    char path[700];
    snprintf(path, sizeof path, "%s/liquidations.csv", dir);
    cr_assert_eq(remove(path), 0);
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), CAS_EINVAL, "no liquidations.csv");
    cr_assert_eq(cas_report_read(&r, "/nonexistent/run", NULL, NULL), CAS_EINVAL);
    cr_assert_null(r);
}

Test(report_module, captions_say_what_the_files_hold)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP report_module: gnuplot is not installed; scripts/test installs it");
    write_run("h");
    char dir[600], out[700];
    snprintf(dir, sizeof dir, "%s/h", run_tmp);
    snprintf(out, sizeof out, "%s/page.html", run_tmp);
    struct cas_report *r = NULL;
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), 0);
    cr_assert_eq(cas_report_write(r, NULL, out, NULL, NULL), 0);
    cas_report_free(r);
    char *html = slurp_file(out);
    cr_assert_not_null(html);
    /* the cascade: 100 -> 78, 2200 bp down; 20 minutes (1200 steps) later the run is over:
     * the last row (step 49) at 90 has regained (90 - 78) / 22 = 55% of it */
    cr_assert_not_null(strstr(html, "2 liquidations on P"), "%s", html);
    cr_assert_not_null(strstr(html, "took the price from 100 to 78 (2200 bp down)"));
    cr_assert_not_null(strstr(html, "had regained 55% of that move"));
    cr_assert_not_null(strstr(html, "1600 of notional was liquidated on P in all"));
    cr_assert_not_null(strstr(html, "Open interest went from 10 lots at the first row to 6 at "
                                    "the end (down)"));
    cr_assert_not_null(strstr(html, "<tr><td>S</td><td>spot</td>"), "instrument S described");
    free(html);
    /* the spot instrument's page: nobody liquidated there */
    cr_assert_eq(cas_report_read(&r, dir, "S", NULL), 0);
    cr_assert_eq(cas_report_write(r, NULL, out, NULL, NULL), 0);
    cas_report_free(r);
    html = slurp_file(out);
    cr_assert_not_null(strstr(html, "Nobody was liquidated on S."));
    free(html);
}

/* The library says what is wrong in the struct cas_err it is given: a damaged run directory
 * makes cas_report_read return CAS_EINVAL with the file and line in err, and nothing is
 * written to stderr or stdout; were it to exit, quiet.h would fail the test. */
Test(report_module, a_damaged_run_directory_is_an_error_not_a_message)
{
    write_run("h");
    put("h", "liquidations.csv",
        "id,step,account,instrument,side,lots,mark,fill_vwap,worst_fill,bankruptcy,"
        "liquidation_price,leverage,mode,filled_lots,adl_lots,insurance_change,finished,"
        "finish_step,trigger,cascade,generation\n"
        "1,25,3,P,long,10,95,90.00,88,85.00,95.50,10,engine,10,0,-5,1,26,shock:1,1,1\n"
        "2,26,4,P,long,10,abc,80.00,78,79.00,88.40,12,engine,10,0,-5,1,28,liquidation:1,1,2\n");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/h", run_tmp);
    snprintf(path, sizeof path, "%s/liquidations.csv:3", dir);
    struct cas_report *r = NULL;
    struct cas_err err = {0};
    struct quiet q;
    quiet_begin(&q);
    int rc = cas_report_read(&r, dir, NULL, &err);
    char *said = quiet_end(&q);
    cr_assert_eq(rc, CAS_EINVAL);
    cr_assert_null(r);
    cr_assert_eq(err.code, CAS_EINVAL);
    cr_assert_str_eq(err.path, path, "the file and line: %s", err.path);
    cr_assert_str_eq(err.msg, "'mark' is not a number: 'abc'");
    cr_assert_str_empty(said, "the library wrote: %s", said);
    free(said);

    /* a directory that is not there: the message names it, with no path */
    memset(&err, 0, sizeof err);
    quiet_begin(&q);
    rc = cas_report_read(&r, "/nonexistent/run", NULL, &err);
    said = quiet_end(&q);
    cr_assert_eq(rc, CAS_EINVAL);
    cr_assert_str_empty(err.path);
    cr_assert_str_eq(err.msg,
                     "'/nonexistent/run' is not a run directory (No such file or directory)");
    cr_assert_str_empty(said, "the library wrote: %s", said);
    free(said);
}

/* Writing the page: a replay.jsonl line that is not JSON is CAS_EINVAL at its file and line,
 * no page is written, and nothing is said on stderr or stdout. Before the trees are read,
 * the figures run gnuplot: with no gnuplot on the PATH the call is CAS_ENOTFOUND instead,
 * with the message the command prints. */
Test(report_module, writing_the_page_is_an_error_not_a_message)
{
    write_run("h");
    put("h", "replay.jsonl", "{\"step\": 1,\n");
    char dir[600], out[700], path[700];
    snprintf(dir, sizeof dir, "%s/h", run_tmp);
    snprintf(out, sizeof out, "%s/page.html", run_tmp);
    snprintf(path, sizeof path, "%s/replay.jsonl:1", dir);
    struct cas_report *r = NULL;
    struct cas_err err = {0};
    struct quiet q;
    cr_assert_eq(cas_report_read(&r, dir, NULL, NULL), 0);
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        quiet_begin(&q);
        int rc = cas_report_write(r, NULL, out, NULL, &err);
        char *said = quiet_end(&q);
        cr_assert_eq(rc, CAS_EINVAL);
        cr_assert_str_eq(err.path, path, "the file and line: %s", err.path);
        cr_assert_str_eq(err.msg, "not JSON (or a NUL byte)");
        cr_assert_str_empty(said, "the library wrote: %s", said);
        free(said);
        cr_assert_eq(access(out, F_OK), -1, "no page");
    }
    cr_assert_eq(setenv("PATH", "/nonexistent", 1), 0);
    memset(&err, 0, sizeof err);
    quiet_begin(&q);
    int rc = cas_report_write(r, NULL, out, NULL, &err);
    char *said = quiet_end(&q);
    cas_report_free(r);
    cr_assert_eq(rc, CAS_ENOTFOUND);
    cr_assert_str_eq(err.msg, "report needs gnuplot (apt-get install gnuplot-nox)");
    cr_assert_str_empty(said, "the library wrote: %s", said);
    free(said);
    cr_assert_eq(access(out, F_OK), -1, "no page");
}
