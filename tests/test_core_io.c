/* test_core_io: the core helpers of files and commands — a whole file read
 * within a size limit, a file written whole or not at all, and a command's
 * option table parsed with its errors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/core.h"
#include "core/coreInt.h"

static char dir[64];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/cascade-core-io-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(core_io, .init = setup, .fini = teardown);

static char *in_dir(const char *name)
{
    char *p = cas_path_join(dir, name);
    cr_assert_not_null(p);
    return p;
}

static void put(const char *name, const void *data, size_t n)
{
    char *p = in_dir(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
    free(p);
}

/* The names in dir, sorted, joined by spaces. */
static void listing(char *out, size_t n)
{
    struct dirent **names;
    int k = scandir(dir, &names, NULL, alphasort);
    cr_assert_geq(k, 0);
    out[0] = 0;
    for (int i = 0; i < k; i++) {
        if (names[i]->d_name[0] != '.')
            snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "",
                     names[i]->d_name);
        free(names[i]);
    }
    free(names);
}

Test(core_io, path_join_puts_one_slash_between)
{
    char *p = cas_path_join("runs/a", "summary.json");
    cr_assert_str_eq(p, "runs/a/summary.json");
    free(p);
}

Test(core_io, read_file_reads_everything_with_its_length)
{
    static const char data[] = "line one\nline two, no newline";
    put("a.txt", data, sizeof data - 1);
    char *p = in_dir("a.txt"), *text = (char *)1;
    size_t len = 0;
    cr_assert_eq(cas_read_file(p, 1000, &text, &len, NULL, 0), 0);
    cr_assert_str_eq(text, data);
    cr_assert_eq(len, sizeof data - 1);
    free(text);
    /* bytes after a NUL are read too, and longer than the first buffer */
    static char big[10000];
    memset(big, 'x', sizeof big);
    big[5] = 0;
    put("big.bin", big, sizeof big);
    free(p);
    p = in_dir("big.bin");
    cr_assert_eq(cas_read_file(p, sizeof big, &text, &len, NULL, 0), 0);
    cr_assert_eq(len, sizeof big);
    cr_assert_eq(memcmp(text, big, sizeof big), 0);
    cr_assert_eq(text[len], 0, "NUL-terminated");
    free(text);
    /* an empty file is an empty string */
    put("empty", "", 0);
    free(p);
    p = in_dir("empty");
    cr_assert_eq(cas_read_file(p, 10, &text, NULL, NULL, 0), 0);
    cr_assert_str_eq(text, "");
    free(text);
    free(p);
}

Test(core_io, read_file_refuses_over_the_limit_and_says_why)
{
    put("b.txt", "12345678901", 11);
    char *p = in_dir("b.txt"), *text = (char *)1, why[96];
    cr_assert_eq(cas_read_file(p, 10, &text, NULL, why, sizeof why), CAS_EINVAL);
    cr_assert_null(text);
    cr_assert_str_eq(why, "11 bytes; the limit is 10 bytes");
    cr_assert_eq(errno, EFBIG);
    cr_assert_eq(cas_read_file(p, 11, &text, NULL, why, sizeof why), 0, "the limit is inclusive");
    free(text);
    free(p);
}

Test(core_io, read_file_errors_name_the_cause)
{
    char *p = in_dir("missing"), *text = (char *)1, why[96];
    cr_assert_eq(cas_read_file(p, 10, &text, NULL, why, sizeof why), CAS_EINVAL);
    cr_assert_null(text);
    cr_assert_str_eq(why, strerror(ENOENT));
    cr_assert_eq(errno, ENOENT);
    cr_assert_eq(cas_read_file(dir, 10, &text, NULL, why, sizeof why), CAS_EINVAL);
    cr_assert_str_eq(why, "not a regular file (a directory)");
    cr_assert_eq(cas_read_file(p, 10, &text, NULL, NULL, 0), CAS_EINVAL, "why may be NULL");
    free(p);
}

Test(core_io, write_file_atomic_replaces_the_file_and_leaves_no_temporary)
{
    put("out.csv", "old\n", 4);
    char *p = in_dir("out.csv"), *text, names[256];
    cr_assert_eq(cas_write_file_atomic(p, "new,contents\n"), 0);
    cr_assert_eq(cas_read_file(p, 100, &text, NULL, NULL, 0), 0);
    cr_assert_str_eq(text, "new,contents\n");
    free(text);
    listing(names, sizeof names);
    cr_assert_str_eq(names, "out.csv");
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    mode_t mask = umask(0);
    umask(mask);
    cr_assert_eq(st.st_mode & 0777, 0666 & ~mask, "made as fopen makes a file");
    free(p);
}

Test(core_io, a_discarded_file_leaves_the_old_one_untouched)
{
    put("book.csv", "old\n", 4);
    char *p = in_dir("book.csv"), *text, names[256];
    struct cas_atomic_file a;
    cr_assert_eq(cas_atomic_open(&a, p), 0);
    fputs("half a book", a.f);
    fflush(a.f);
    listing(names, sizeof names);
    cr_assert_not_null(strstr(names, "book.csv.tmp-"), "written beside it: %s", names);
    cas_atomic_discard(&a);
    cr_assert_eq(cas_read_file(p, 100, &text, NULL, NULL, 0), 0);
    cr_assert_str_eq(text, "old\n");
    free(text);
    listing(names, sizeof names);
    cr_assert_str_eq(names, "book.csv");
    free(p);
}

Test(core_io, a_failed_commit_leaves_no_partial_file)
{
    /* the destination is a directory that is not empty: the rename fails */
    char *p = in_dir("sub"), *q = in_dir("sub/keep"), names[256];
    cr_assert_eq(mkdir(p, 0777), 0);
    put("sub/keep", "k", 1);
    struct cas_atomic_file a;
    cr_assert_eq(cas_atomic_open(&a, p), 0);
    fputs("contents", a.f);
    cr_assert_eq(cas_atomic_commit(&a), CAS_EIO);
    cr_assert_neq(errno, 0);
    listing(names, sizeof names);
    cr_assert_str_eq(names, "sub", "no temporary left: %s", names);
    cr_assert_eq(access(q, F_OK), 0);
    free(q);
    free(p);
    /* a directory that does not exist: nothing is created */
    p = in_dir("none/out.csv");
    cr_assert_eq(cas_write_file_atomic(p, "x"), CAS_EIO);
    cr_assert_eq(errno, ENOENT);
    listing(names, sizeof names);
    cr_assert_str_eq(names, "sub");
    free(p);
}

/* ---- the option table ---- */

struct opts {
    const char *output, *args[2];
    bool quiet;
    long count;
    int calls;
};

static int take_count(const struct cas_command *cmd, const struct cas_cli_option *opt,
                      const char *v)
{
    struct opts *o = opt->target;
    o->calls++;
    char *end;
    o->count = strtol(v, &end, 10);
    if (*end || o->count < 1)
        return cas_usage_error(cmd, "'--count' must be 1 or more, got '%s'", v);
    return 0;
}

/* Parse `args` (NULL-terminated) with a small table into *o; stderr and
 * stdout of the call go to err and out. */
/* clang-format off */
static int parse(struct opts *o, const char *const *args, char *out, char *err, size_t n)
{
    const struct cas_cli_option options[] = {
        {CAS_OPT_STRING, 'o', "output", &o->output, "DIR", "a directory",
         "where to write\nsecond line", NULL},
        {CAS_OPT_FLAG, 'q', "quiet", &o->quiet, NULL, NULL, "say nothing", NULL},
        {CAS_OPT_FN, 0, "count", o, "N", NULL, "how many", take_count},
        {0},
    };
    const struct cas_command cmd = {.name = "demo", .usage = "usage: cascade demo [A [B]]\n\n",
                                    .epilogue = "the end\n", .options = options,
                                    .args = o->args, .n_args = 2};
    char *argv[16] = {"demo"};
    int argc = 1;
    while (args[argc - 1])
        argv[argc] = (char *)args[argc - 1], argc++;
    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    cr_assert(fo && fe);
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    int rc = cas_parse_options(&cmd, argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    rewind(fo);
    rewind(fe);
    out[fread(out, 1, n - 1, fo)] = 0;
    err[fread(err, 1, n - 1, fe)] = 0;
    fclose(fo);
    fclose(fe);
    return rc;
}
/* clang-format on */

Test(core_io, options_fill_their_targets_in_every_spelling)
{
    char out[2048], err[2048];
    struct opts o = {0};
    const char *args[] = {"a", "-o", "d1", "--count=3", "-q", "--", "-b", NULL};
    cr_assert_eq(parse(&o, args, out, err, sizeof out), CAS_PARSE_OK, "%s", err);
    cr_assert_str_eq(o.output, "d1");
    cr_assert(o.quiet);
    cr_assert_eq(o.count, 3);
    cr_assert_str_eq(o.args[0], "a");
    cr_assert_str_eq(o.args[1], "-b", "after --, a dash starts an argument");
    cr_assert_str_eq(err, "");
    o = (struct opts){0};
    const char *more[] = {"--output=d2", "-", "--count", "4", NULL};
    cr_assert_eq(parse(&o, more, out, err, sizeof out), CAS_PARSE_OK, "%s", err);
    cr_assert_str_eq(o.output, "d2");
    cr_assert_str_eq(o.args[0], "-", "a dash alone is an argument");
    cr_assert_eq(o.count, 4);
    cr_assert_eq(o.calls, 1);
}

Test(core_io, option_errors_are_one_line_and_exit_status_2)
{
    static const struct {
        const char *args[4];
        const char *err;
    } cases[] = {
        {{"--bogus", NULL}, "cascade: unknown option '--bogus' (see 'cascade demo --help')\n"},
        {{"--quiet=yes", NULL},
         "cascade: unknown option '--quiet=yes' (see 'cascade demo --help')\n"},
        {{"a", "b", "c", NULL}, "cascade: unexpected argument 'c' (see 'cascade demo --help')\n"},
        {{"-o", NULL}, "cascade: '-o' needs a directory (see 'cascade demo --help')\n"},
        {{"--output=", NULL},
         "cascade: '--output' needs a directory (see 'cascade demo --help')\n"},
        {{"--count", NULL}, "cascade: missing N after '--count' (see 'cascade demo --help')\n"},
        {{"--count", "0", NULL},
         "cascade: '--count' must be 1 or more, got '0' (see 'cascade demo --help')\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[2048], err[2048];
        struct opts o = {0};
        cr_assert_eq(parse(&o, cases[i].args, out, err, sizeof out), CAS_PARSE_BAD, "case %zu", i);
        cr_assert_eq(CAS_PARSE_BAD, 2, "the exit status of bad usage");
        cr_assert_str_eq(err, cases[i].err, "case %zu", i);
        cr_assert_str_eq(out, "", "case %zu", i);
    }
}

Test(core_io, help_comes_from_the_table)
{
    char out[2048], err[2048];
    struct opts o = {0};
    const char *args[] = {"-q", "--help", "--bogus", NULL};
    cr_assert_eq(parse(&o, args, out, err, sizeof out), CAS_PARSE_HELP);
    cr_assert_str_eq(out, "usage: cascade demo [A [B]]\n"
                          "\n"
                          "  -o, --output DIR     where to write\n"
                          "                       second line\n"
                          "  -q, --quiet          say nothing\n"
                          "  --count N            how many\n"
                          "  -h, --help           this help\n"
                          "\n"
                          "the end\n");
    cr_assert_str_eq(err, "");
}

Test(core_io, grow_doubles_and_refuses_past_2_to_the_31)
{
    char *v = NULL;
    uint32_t cap = 0;
    cr_assert_eq(cas__grow((void **)&v, &cap, 17, 1), 0);
    cr_assert_eq(cap, 32, "doubling from 16");
    char *kept = v;
    /* a doubling past 2^31 would wrap the capacity: refused before any allocation */
    cr_assert_eq(cas__grow((void **)&v, &cap, (UINT32_C(1) << 31) + 1, 1), CAS_ENOMEM);
    cr_assert_eq(cap, 32, "unchanged on failure");
    cr_assert_eq(v, kept, "unchanged on failure");
    free(v);
}
