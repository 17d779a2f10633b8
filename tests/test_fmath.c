/* test_fmath: the project's own mathematical functions (src/core/fmath.c)
 * against correctly rounded references, and outputs that do not depend on
 * glibc's choice of FMA code paths. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cascade/fmath.h"

TestSuite(fmath, .timeout = 900);

/* |got - want| in units of want's last place (ulp of the binade; subnormals by the smallest). */
static double ulps(double got, double want)
{
    if (got == want)
        return 0;
    if (isnan(got) || isnan(want))
        return INFINITY;
    double w = fabs(want), u = w < 0x1p-1022 ? 0x1p-1074 : nextafter(w, INFINITY) - w;
    return fabs(got - want) / u;
}

/* tests/data/fmath_reference.txt: "NAME X Y" with Y the correctly rounded value
 * (mpmath, 200 bits; scripts/gen-fmath.py reference). The bounds are those
 * include/cascade/fmath.h states. */
Test(fmath, within_the_stated_error_of_correctly_rounded_references)
{
    char path[1024], name[16], xs[64], ys[64];
    snprintf(path, sizeof path, "%s/tests/data/fmath_reference.txt", getenv("CASCADE_SOURCE_ROOT"));
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    int n = 0, seen[7] = {0};
    static const char *const names[] = {"exp", "exp2", "log", "log1p", "cos", "erfc", "lgamma"};
    while (fscanf(f, "%15s %63s %63s", name, xs, ys) == 3) {
        double x = strtod(xs, NULL), y = strtod(ys, NULL), got = NAN, bound = 1;
        int k = 0;
        while (k < 7 && strcmp(name, names[k]) != 0)
            k++;
        cr_assert_lt(k, 7, "unknown function '%s'", name);
        seen[k]++;
        switch (k) {
        case 0: got = cas_exp(x); break;
        case 1: got = cas_exp2(x); break;
        case 2: got = cas_log(x); break;
        case 3: got = cas_log1p(x); break;
        case 4: got = cas_cos(x); break;
        case 5: got = cas_erfc(x), bound = 2; break;
        default: got = cas_lgamma(x); break;
        }
        if (k == 6) /* lgamma: relative to max(1, |value|) */
            cr_assert_leq(fabs(got - y), 4e-15 * fmax(1, fabs(y)), "lgamma(%a) = %a, want %a", x,
                          got, y);
        else
            cr_assert_leq(ulps(got, y), bound, "%s(%a) = %a, want %a (%.1f ulp)", name, x, got, y,
                          ulps(got, y));
        n++;
    }
    fclose(f);
    cr_assert_gt(n, 3000);
    for (int k = 0; k < 7; k++)
        cr_assert_gt(seen[k], 100, "too few references for %s", names[k]);
}

Test(fmath, special_values_follow_c)
{
    cr_assert_eq(cas_exp(INFINITY), INFINITY);
    cr_assert_eq(cas_exp(-INFINITY), 0.0);
    cr_assert_eq(cas_exp(0), 1.0);
    cr_assert_eq(cas_exp(710), INFINITY);
    cr_assert_eq(cas_exp(-746), 0.0);
    cr_assert(isnan(cas_exp(NAN)));
    cr_assert_eq(cas_exp2(10), 1024.0);
    cr_assert_eq(cas_exp2(-1074), 0x1p-1074);
    cr_assert_eq(cas_log(1), 0.0);
    cr_assert_eq(cas_log(0), -INFINITY);
    cr_assert(isnan(cas_log(-1)));
    cr_assert_eq(cas_log(INFINITY), INFINITY);
    cr_assert_eq(cas_log1p(0), 0.0);
    cr_assert_eq(cas_log1p(-1), -INFINITY);
    cr_assert(isnan(cas_log1p(-2)));
    cr_assert_eq(cas_cos(0), 1.0);
    cr_assert(isnan(cas_cos(0x1p21)));
    cr_assert_eq(cas_erfc(-INFINITY), 2.0);
    cr_assert_eq(cas_erfc(INFINITY), 0.0);
    cr_assert_eq(cas_erfc(0), 1.0);
    cr_assert_eq(cas_lgamma(1), cas_lgamma(1)); /* not NaN */
    cr_assert(isnan(cas_lgamma(0.5)));
    for (int d = 0; d <= 22; d++) {
        char text[32];
        snprintf(text, sizeof text, "1e%d", d);
        cr_assert_eq(cas_pow10(d), strtod(text, NULL), "10^%d", d);
        snprintf(text, sizeof text, "1e-%d", d);
        cr_assert_eq(cas_pow10(-d), strtod(text, NULL), "10^-%d", d);
    }
}

/* Both names of the switches: glibc before 2.33 ("_Usable") and after. */
static const char no_fma[] =
    "GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX2_Usable,-FMA_Usable,-FMA4_Usable";

static bool cpu_has_fma(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[4096];
    bool fma = false;
    while (f && !fma && fgets(line, sizeof line, f))
        fma = strncmp(line, "flags", 5) == 0 && strstr(line, " fma ");
    if (f)
        fclose(f);
    return fma;
}

/* The output of `ENV PROGRAM ARG` (at most n - 1 bytes). */
static void output_of(const char *env, const char *program, const char *arg, char *out, size_t n)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "env %s '%s' %s", env, program, arg);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = 0;
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
}

/* tests/fp_probe.c: glibc's own results change with its FMA paths switched
 * off (so the switch works here), the simulation's draws, a million-step GBM
 * index for 20 seeds and Black-Scholes values do not. */
Test(fmath, draws_do_not_depend_on_glibc_fma_paths)
{
    const char *probe = getenv("CASCADE_FP_PROBE");
    cr_assert_not_null(probe, "CASCADE_FP_PROBE is not set (run through meson test)");
    static char with[4096], without[4096];
    if (cpu_has_fma()) {
        output_of("", probe, "libm", with, sizeof with);
        output_of(no_fma, probe, "libm", without, sizeof without);
        cr_assert_str_neq(with, without,
                          "glibc's results did not change: the switch had no effect");
    }
    output_of("", probe, "cascade", with, sizeof with);
    output_of(no_fma, probe, "cascade", without, sizeof without);
    cr_assert_str_eq(with, without);
    cr_assert_not_null(strstr(with, "gbm 20 "));
}

/* A file's text without summary.json's "performance" line (wall-clock figures). */
static char *text_sans_performance(const char *path)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "missing %s", path);
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap), line[1 << 16];
    buf[0] = 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "\"performance\""))
            continue;
        n = strlen(line);
        while (len + n + 1 > cap)
            buf = realloc(buf, cap *= 2);
        memcpy(buf + len, line, n + 1);
        len += n;
    }
    fclose(f);
    return buf;
}

/* Every scenario of configs/, run in full with glibc's FMA paths on and off: every
 * output file byte-identical (summary.json but for its wall-clock line). The sanitized
 * build (CASCADE_QUICK) runs each for its first hour: the paths are the same, its days
 * five times slower. */
Test(fmath, every_scenario_is_byte_identical_with_fma_paths_on_and_off)
{
    const char *bin = getenv("CASCADE_BIN"), *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(bin);
    char tmp[] = "/tmp/cascade-fma-XXXXXX", dir[1024], cmd[4096];
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(dir, sizeof dir, "%s/configs", root);
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int scenarios = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        scenarios++;
        const char *envs[2] = {"", no_fma};
        const char *steps = getenv("CASCADE_QUICK") ? "--steps 3600" : "";
        for (int k = 0; k < 2; k++) {
            snprintf(cmd, sizeof cmd, "env %s '%s' run -q %s '%s/%s' -o '%s/%.*s-%d' >/dev/null",
                     envs[k], bin, steps, dir, e->d_name, tmp, (int)len - 5, e->d_name, k);
            cr_assert_eq(system(cmd), 0, "%s", cmd);
        }
        static const char *const files[] = {"timeseries.csv", "liquidations.csv", "cascades.csv",
                                            "liqmap.csv",     "summary.json",     "config.json"};
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            char a[2048], b[2048];
            snprintf(a, sizeof a, "%s/%.*s-0/%s", tmp, (int)len - 5, e->d_name, files[i]);
            snprintf(b, sizeof b, "%s/%.*s-1/%s", tmp, (int)len - 5, e->d_name, files[i]);
            if (strcmp(files[i], "liqmap.csv") == 0 && access(a, F_OK) != 0)
                continue; /* record.liqmap off */
            char *ta = text_sans_performance(a), *tb = text_sans_performance(b);
            cr_assert(strcmp(ta, tb) == 0, "%s differs with FMA paths off", a);
            free(ta);
            free(tb);
        }
    }
    closedir(d);
    cr_assert_geq(scenarios, 9);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    cr_assert_eq(system(cmd), 0);
}
