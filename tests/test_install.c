/* test_install: what `meson install` puts in place is a library a C program links and a
 * program that runs (docs/embedding.md). Installs this build into a DESTDIR of the scratch
 * directory, builds examples/embed/squeeze.c against it with pkg-config and runs it. The
 * release build only (tests/meson.build): a sanitized library needs its runtime linked. */
#include "lib/runs.h"

TestSuite(install, .init = runs_setup, .fini = runs_teardown, .timeout = 300);

/* Install this build into root/ of the scratch directory, as `DESTDIR=root meson install`. */
static void install(void)
{
    const char *build = getenv("CASCADE_BUILD_ROOT");
    cr_assert_not_null(build, "CASCADE_BUILD_ROOT is not set (run through meson test)");
    cr_assert_eq(
        run_sh("meson install -C '%s' --no-rebuild --destdir \"$PWD/root\" --quiet", build), 0,
        "meson install failed");
}

/* summary.json's performance.trades: the run's fills, every instrument's. */
static double performance_trades(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "no %s", path);
    const char *perf = strstr(text, "\"performance\"");
    cr_assert_not_null(perf);
    const char *at = strstr(perf, "\"trades\": ");
    cr_assert_not_null(at);
    double v = strtod(at + strlen("\"trades\": "), NULL);
    free(text);
    return v;
}

/* The example's line for a run equals what `cascade run` writes in summary.json for it:
 * liquidations, the lowest trade, the mark at the end (long-squeeze, seed 2). The installed
 * headers declare nothing of the library's private `cas__` names, the program and both
 * libraries are in place with a versioned shared object, and the installed program runs. */
Test(install, the_installed_library_builds_and_runs_the_embedding_example)
{
    install();
    cr_assert_eq(run_sh("test -x \"$(find root -path '*/bin/cascade')\" && "
                        "find root -name 'libcascade.so.0.*' | grep -q . && "
                        "find root -name libcascade.a | grep -q . && "
                        "find root -name cascade.pc | grep -q . && "
                        "test -f \"$(find root -path '*/include/cascade/sim.h')\""),
                 0, "a file is missing from the installation");
    cr_assert_eq(
        run_sh("grep -rl 'cas__' \"$(dirname \"$(find root -path '*/include/cascade/sim.h')\")\""),
        1, "an installed header declares a private name");
    cr_assert_eq(run_sh("export PKG_CONFIG_SYSROOT_DIR=\"$PWD/root\" "
                        "PKG_CONFIG_PATH=\"$PWD/$(dirname \"$(find root -name cascade.pc)\")\" && "
                        "cc -std=c17 -Wall -Wextra -Werror '%s/examples/embed/squeeze.c' "
                        "$(pkg-config --cflags --libs cascade) -o squeeze",
                        source_root()),
                 0, "the example does not build against the installed library");
    cr_assert_eq(run_sh("LD_LIBRARY_PATH=\"$PWD/$(dirname \"$(find root -name libcascade.so)\")\" "
                        "./squeeze '%s/configs/long-squeeze.json' 2 > line.txt",
                        source_root()),
                 0, "the example did not run");
    cr_assert_eq(
        run_cascade("run '%s/configs/long-squeeze.json' --seed 2 -o ls2 -q", source_root()), 0);
    char line[512], want[512];
    read_into("line.txt", line, sizeof line);
    snprintf(want, sizeof want,
             "long-squeeze seed 2: 4800 steps, %.0f trades, %.0f liquidations, lowest trade "
             "%.2f, mark at the end %.2f\n",
             performance_trades("ls2"), summary_num("ls2", "count"), summary_num("ls2", "min"),
             summary_num("ls2", "final"));
    cr_log_info("%s", line);
    cr_assert_str_eq(line, want);
    cr_assert_eq(run_sh("\"$(find root -path '*/bin/cascade')\" --version"), 0);
    /* the scenario library beside the installed program: a shipped scenario by name */
    cr_assert_eq(run_sh("\"$(find root -path '*/bin/cascade')\" list > list.txt && "
                        "\"$(find root -path '*/bin/cascade')\" run long-squeeze --steps 2500 "
                        "-o by-name -q"),
                 0, "the installed program does not find the shipped scenarios");
    char list[4096], want_line[1024];
    read_into("list.txt", list, sizeof list);
    snprintf(want_line, sizeof want_line, "/share/cascade/long-squeeze.json\n");
    cr_assert_not_null(strstr(list, want_line), "%s", list);
    cr_assert_not_null(strstr(list, "/share/cascade/btc-perp.json\n"), "%s", list);
    cr_assert_lt(summary_num("by-name", "min"), 60000);
}

/* The manual pages: cascade(1) and one per command, in man1, which `man -l` renders, each
 * naming every option its command's --help lists (they are made from it, scripts/man.py). */
Test(install, the_manual_pages_render_with_every_option_of_the_help)
{
    install();
    static const char *const pages[] = {"",        "-run",     "-validate", "-replay",
                                        "-report", "-narrate", "-facts",    "-sweep"};
    for (size_t k = 0; k < sizeof pages / sizeof *pages; k++) {
        cr_assert_eq(run_sh("p=$(find root -path '*/man1/cascade%s.1') && test -f \"$p\" && "
                            "MANWIDTH=200 LC_ALL=C.UTF-8 man -l \"$p\" > page.txt",
                            pages[k]),
                     0, "cascade%s.1 is not installed in man1 or does not render", pages[k]);
        cr_assert_eq(run_cascade("%s --help", pages[k][0] ? pages[k] + 1 : ""), 0);
        char help[8192], page[32768];
        read_into("out.txt", help, sizeof help);
        read_into("page.txt", page, sizeof page);
        cr_assert(strstr(page, "SYNOPSIS") && strstr(page, "SEE ALSO"), "cascade%s.1", pages[k]);
        int options = 0;
        for (char *line = strtok(help, "\n"); line; line = strtok(NULL, "\n")) {
            if (strncmp(line, "  -", 3) != 0)
                continue;
            char *end = strstr(line + 2, "  ");
            if (end)
                *end = 0;
            cr_assert_not_null(strstr(page, line + 2), "cascade%s.1 does not name '%s'", pages[k],
                               line + 2);
            options++;
        }
        cr_assert_gt(options, 0, "cascade%s --help lists no option", pages[k]);
    }
}

/* The bash completion, installed where bash-completion looks, offers the commands and each
 * command's options as --help lists them. */
Test(install, bash_completes_the_commands_and_their_options)
{
    install();
    cr_assert_eq(run_sh("f=$(find root -path '*/bash-completion/completions/cascade.bash') && "
                        "bash -c 'source \"$0\"; "
                        "COMP_WORDS=(cascade r); COMP_CWORD=1; _cascade; echo \"${COMPREPLY[*]}\"; "
                        "COMP_WORDS=(cascade sweep --re); COMP_CWORD=2; _cascade; "
                        "echo \"${COMPREPLY[*]}\"' \"$f\" > completions.txt"),
                 0, "the completion is not installed or does not load");
    char got[512];
    read_into("completions.txt", got, sizeof got);
    cr_assert_str_eq(got, "run replay report\n--resume\n");
}

/* Debian's python3 (the one python3-pandas installs for), else the first on the PATH. */
#define PYTHON "\"$(command -v /usr/bin/python3 || command -v python3)\""

/* examples/python/run.py drives the installed shared library with ctypes (cas_run_*,
 * cascade/run.h): its figures are `cascade run`'s for the same run, the time series it has
 * the library write is `cascade run`'s timeseries.csv byte for byte, and with pandas
 * installed (scripts/test installs python3-pandas) it reads that file back. A config that
 * does not load is one line from the library, exit 2, and no file left behind. */
Test(install, the_python_example_runs_a_config_through_the_shared_library)
{
    install();
    cr_assert_eq(
        run_cascade("run '%s/configs/long-squeeze.json' --seed 2 -o ls2 -q", source_root()), 0);
    cr_assert_eq(
        run_sh("LD_LIBRARY_PATH=\"$PWD/$(dirname \"$(find root -name libcascade.so.0)\")\" " PYTHON
               " '%s/examples/python/run.py' '%s/configs/long-squeeze.json' 2 "
               "ts.csv",
               source_root(), source_root()),
        0, "run.py failed");
    char got[1024], want[512];
    read_into("out.txt", got, sizeof got);
    snprintf(want, sizeof want,
             "long-squeeze: 4800 steps, %.0f trades, %.0f liquidations, mark at the end %.2f\n",
             performance_trades("ls2"), summary_num("ls2", "count"), summary_num("ls2", "final"));
    cr_log_info("%s", got);
    cr_assert_eq(strncmp(got, want, strlen(want)), 0, "got %s, want %s", got, want);
    cr_assert_eq(run_sh("cmp ts.csv ls2/timeseries.csv"), 0,
                 "the library's time series differs from cascade run's");
    if (run_sh(PYTHON " -c 'import pandas'") == 0)
        cr_assert_not_null(strstr(got, "ts.csv: "), "pandas did not read the time series: %s", got);
    cr_assert_eq(
        run_sh("LD_LIBRARY_PATH=\"$PWD/$(dirname \"$(find root -name libcascade.so.0)\")\" " PYTHON
               " '%s/examples/python/run.py' '%s/configs/long-squeeze.json' "
               "not-a-seed bad.csv",
               source_root(), source_root()),
        2);
    read_into("err.txt", got, sizeof got);
    cr_assert_not_null(strstr(got, "run.py: "), "%s", got);
    cr_assert_not_null(strstr(got, "seed"), "%s", got);
    cr_assert_neq(run_sh("test -e bad.csv"), 0, "a failed open left its file");
}
