/* runs.h: helpers for tests that run the program and read its run
 * directories — a scratch directory, `cascade ARGS` through the shell, files
 * read and written, and CSV tables looked up by column name. Header-only (static), for
 * Criterion test programs; the program and the source tree come from
 * CASCADE_BIN and CASCADE_SOURCE_ROOT, which meson test sets. */
#ifndef CASCADE_TESTS_RUNS_H
#define CASCADE_TESTS_RUNS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char run_tmp[256];

static inline void runs_setup(void)
{
    snprintf(run_tmp, sizeof run_tmp, "/tmp/cascade-test-XXXXXX");
    cr_assert_not_null(mkdtemp(run_tmp));
}

static inline void runs_teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run_tmp);
    cr_assert_eq(system(cmd), 0);
}

/* Remove NAME of the scratch directory and everything below it (a run directory a test is
 * done with, when the next would not fit beside it). */
static inline void runs_remove(const char *name)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", run_tmp, name);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static inline const char *source_root(void)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    return root;
}

/* A seed sweep's seeds and claims. The release build runs seeds 1..n and checks the claims
 * over them; the sanitized build (CASCADE_QUICK, set by tests/meson.build) runs seed 1 alone,
 * through the same code paths and with every per-run check (money, lots, books), and leaves
 * the claims about several seeds (counts, means, medians) to the release build. */
static inline bool sweep_quick(void)
{
    return getenv("CASCADE_QUICK") != NULL;
}

static inline unsigned sweep_seeds(unsigned n)
{
    return sweep_quick() ? 1 : n;
}

/* Run a shell command line in the scratch directory (stdout and stderr to out.txt and
 * err.txt there); its exit status. */
static inline int run_sh_v(const char *fmt, va_list ap)
{
    char line[12288], cmd[12800];
    vsnprintf(line, sizeof line, fmt, ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && ( %s ) >out.txt 2>err.txt", run_tmp, line);
    int status = system(cmd);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

__attribute__((format(printf, 1, 2))) static inline int run_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = run_sh_v(fmt, ap);
    va_end(ap);
    return status;
}

/* Run `cascade ARGS` in the scratch directory (stdout and stderr to out.txt
 * and err.txt there); its exit status. */
static inline int run_cascade_v(const char *fmt, va_list ap)
{
    char args[8192];
    vsnprintf(args, sizeof args, fmt, ap);
    const char *bin = getenv("CASCADE_BIN");
    cr_assert_not_null(bin, "CASCADE_BIN is not set (run through meson test)");
    return run_sh("'%s' %s", bin, args);
}

__attribute__((format(printf, 1, 2))) static inline int run_cascade(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int status = run_cascade_v(fmt, ap);
    va_end(ap);
    return status;
}

/* The first n - 1 bytes of a file of the scratch directory (or an absolute
 * path) into buf, NUL-terminated; empty when it cannot be read. */
static inline void read_into(const char *path, char *buf, size_t n)
{
    char full[2048];
    if (path[0] == '/')
        snprintf(full, sizeof full, "%s", path);
    else
        snprintf(full, sizeof full, "%s/%s", run_tmp, path);
    FILE *f = fopen(full, "r");
    size_t len = f ? fread(buf, 1, n - 1, f) : 0;
    buf[len] = 0;
    if (f)
        fclose(f);
}

/* Write `text` to NAME in the scratch directory. */
static inline void write_file(const char *name, const char *text)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", run_tmp, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* A whole file (NUL-terminated; free it), *len its size when len is not NULL;
 * NULL when it cannot be read. A relative path is taken from the scratch
 * directory. */
static inline char *slurp_file_len(const char *path, size_t *len)
{
    char full[2048];
    int n_full = path[0] == '/' ? snprintf(full, sizeof full, "%s", path)
                                : snprintf(full, sizeof full, "%s/%s", run_tmp, path);
    if (n_full < 0 || (size_t)n_full >= sizeof full)
        return NULL;
    FILE *f = fopen(full, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!buf || got != (size_t)n) {
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (len)
        *len = (size_t)n;
    return buf;
}

static inline char *slurp_file(const char *path)
{
    return slurp_file_len(path, NULL);
}

/* A number of DIR/summary.json: the value of the first `"KEY": ` (give an
 * unambiguous key); NaN for null. */
static inline double summary_num(const char *dir, const char *key)
{
    char path[1024], pat[128];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    char *s = slurp_file(path);
    cr_assert_not_null(s, "no %s", path);
    const char *at = strstr(s, pat);
    cr_assert_not_null(at, "%s has no %s", path, key);
    double v = strncmp(at + strlen(pat), "null", 4) == 0 ? NAN : strtod(at + strlen(pat), NULL);
    free(s);
    return v;
}

/* A CSV table: every field of every line, split in place. */
struct table {
    char *text;
    char ***rows;  /* rows[r][c]; rows[0] is the header */
    size_t n_rows; /* header included */
    size_t n_cols;
};

static inline void table_free(struct table *t)
{
    for (size_t r = 0; r < t->n_rows; r++)
        free(t->rows[r]);
    free(t->rows);
    free(t->text);
    memset(t, 0, sizeof *t);
}

/* Read a CSV of the scratch directory; every line must have the header's
 * number of fields. */
static inline void table_read(struct table *t, const char *path)
{
    memset(t, 0, sizeof *t);
    t->text = slurp_file(path);
    cr_assert_not_null(t->text, "cannot read %s", path);
    size_t cap = 0;
    for (char *line = t->text; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert_not_null(nl, "%s: last line has no newline", path);
        *nl = 0;
        size_t n = 1;
        for (char *p = line; *p; p++)
            n += *p == ',';
        char **fields = malloc(n * sizeof *fields);
        size_t k = 0;
        for (char *p = line;; p++) {
            fields[k++] = p;
            p = strchr(p, ',');
            if (!p)
                break;
            *p = 0;
        }
        if (t->n_rows == 0)
            t->n_cols = n;
        cr_assert_eq(n, t->n_cols, "%s:%zu: %zu fields, header has %zu", path, t->n_rows + 1, n,
                     t->n_cols);
        if (t->n_rows == cap) {
            cap = cap ? 2 * cap : 1024;
            t->rows = realloc(t->rows, cap * sizeof *t->rows);
        }
        t->rows[t->n_rows++] = fields;
        line = nl + 1;
    }
    cr_assert_gt(t->n_rows, 0, "%s is empty", path);
}

static inline size_t col(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->n_cols; c++)
        if (strcmp(t->rows[0][c], name) == 0)
            return c;
    cr_assert_fail("no column '%s'", name);
    return 0;
}

/* Field (r, name) as text, a number (NaN when empty) or an integer. */
static inline const char *cell(const struct table *t, size_t r, const char *name)
{
    return t->rows[r][col(t, name)];
}

static inline double num(const struct table *t, size_t r, const char *name)
{
    const char *s = cell(t, r, name);
    return *s ? strtod(s, NULL) : NAN;
}

static inline long long integer(const struct table *t, size_t r, const char *name)
{
    return strtoll(cell(t, r, name), NULL, 10);
}

static inline int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir that end in suffix ("" for every name), sorted, each strdup'd; how
 * many (at most cap). */
static inline size_t list_dir(const char *dir, const char *suffix, char **names, size_t cap)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    size_t n = 0, ls = strlen(suffix);
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < ls || strcmp(e->d_name + len - ls, suffix) != 0)
            continue;
        cr_assert_lt(n, cap, "more than %zu entries in %s", cap, dir);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return n;
}

/* Cut summary.json's "performance" object (its wall-clock figures) and the separator before
 * it out of s, the text of `path`. */
static inline void strip_performance(char *s, const char *path)
{
    char *key = strstr(s, "\"performance\"");
    cr_assert_not_null(key, "%s has no \"performance\" object", path);
    char *end = strchr(key, '{');
    cr_assert_not_null(end);
    for (int depth = 0; *end; end++) {
        depth += *end == '{';
        depth -= *end == '}';
        if (depth == 0)
            break;
    }
    cr_assert_eq(*end, '}', "unbalanced \"performance\" object in %s", path);
    char *from = key;
    while (from > s && (from[-1] == ' ' || from[-1] == '\n'))
        from--;
    if (from > s && from[-1] == ',')
        from--;
    memmove(from, end + 1, strlen(end + 1) + 1);
}

#endif
