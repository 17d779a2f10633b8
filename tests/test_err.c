/* test_err: the error module — every code has its own text, and cas_err_set
 * fills what it is given, truncating rather than overflowing. */
#include <criterion/criterion.h>
#include <string.h>

#include "cascade/core.h"
#include "core/coreInt.h"

Test(err, every_code_has_its_own_text)
{
    static const int codes[] = {
#define CAS__ERR_CODE(name, value, text) value,
        CAS_ERRNO_MAP(CAS__ERR_CODE)
#undef CAS__ERR_CODE
    };
    size_t n = sizeof codes / sizeof *codes;
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++) {
        cr_assert_lt(codes[i], 0, "codes are negative");
        const char *t = cas_strerror(codes[i]);
        cr_assert_str_neq(t, "unknown error");
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(t, cas_strerror(codes[j]), "codes %d and %d share a text", codes[i],
                              codes[j]);
    }
    cr_assert_str_eq(cas_strerror(CAS_ERANGE), "value out of range");
    cr_assert_str_eq(cas_strerror(0), "success");
    cr_assert_str_eq(cas_strerror(-99), "unknown error");
}

Test(err, cas_err_set_fills_and_returns_the_code)
{
    struct cas_err err;
    memset(&err, 'x', sizeof err);
    cr_assert_eq(
        cas_err_set(&err, CAS_EINVAL, "agents[0].params.mu", "got %d, want %s", 3, "'a number'"),
        CAS_EINVAL);
    cr_assert_eq(err.code, CAS_EINVAL);
    cr_assert_str_eq(err.path, "agents[0].params.mu");
    cr_assert_str_eq(err.msg, "got 3, want 'a number'");
    /* no error struct: only the code */
    cr_assert_eq(cas_err_set(NULL, CAS_EIO, "x", "y"), CAS_EIO);
    /* no path: empty */
    cas_err_set(&err, CAS_ENOMEM, NULL, "out of memory");
    cr_assert_str_eq(err.path, "");
    /* too long: truncated, still terminated */
    char path[400], msg[400];
    memset(path, 'p', sizeof path - 1), path[sizeof path - 1] = 0;
    memset(msg, 'm', sizeof msg - 1), msg[sizeof msg - 1] = 0;
    cas_err_set(&err, CAS_ERANGE, path, "%s", msg);
    cr_assert_eq(strlen(err.path), sizeof err.path - 1);
    cr_assert_eq(strlen(err.msg), sizeof err.msg - 1);
}

Test(err, cas_check_failed_says_why_and_returns_false)
{
    char why[16] = "untouched";
    cr_assert_not(cas_check_failed(why, sizeof why, "level %d of %s", 7, "the book"));
    cr_assert_str_eq(why, "level 7 of the ", "truncated to the buffer, terminated");
    cr_assert_not(cas_check_failed(NULL, 0, "nowhere to say %d", 1));
    char zero[4] = "abc";
    cr_assert_not(cas_check_failed(zero, 0, "x"));
    cr_assert_str_eq(zero, "abc", "a zero-length buffer is left alone");
}

/* An input file's line as an error path: "FILE:LINE"; a name too long for the path keeps
 * its tail and the line number (the replay reader once cut the number off instead). */
Test(err, file_line_keeps_the_line_number_of_a_long_name)
{
    char where[sizeof((struct cas_err){0}).path], name[300];
    cas__file_line(where, sizeof where, "orders.csv", 12);
    cr_assert_str_eq(where, "orders.csv:12");
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = 0;
    name[sizeof name - 2] = 'z';
    cas__file_line(where, sizeof where, name, 1234567);
    cr_assert_eq(strlen(where), sizeof where - 1);
    cr_assert_eq(strncmp(where, "...", 3), 0);
    cr_assert_eq(strcmp(where + strlen(where) - 9, "z:1234567"), 0, "%s", where);
}

/* One line for the program's stderr and an embedder's buffer alike: the path left out when
 * it is empty or names the config itself, "<default>" for no config, the code's text when
 * there is no message, and cut to the buffer, never past it. */
Test(err, config_error_is_one_line)
{
    char out[128];
    struct cas_err e = {0};
    cas_err_set(&e, CAS_EINVAL, "agents[2].count", "must be at least 1");
    cas__config_error(out, sizeof out, "a.json", &e);
    cr_assert_str_eq(out, "a.json: agents[2].count: must be at least 1");
    cas__config_error(out, sizeof out, NULL, &e);
    cr_assert_str_eq(out, "<default>: agents[2].count: must be at least 1");
    cas_err_set(&e, CAS_EIO, "a.json", "cannot read");
    cas__config_error(out, sizeof out, "a.json", &e);
    cr_assert_str_eq(out, "a.json: cannot read");
    struct cas_err bare = {.code = CAS_ENOMEM};
    cas__config_error(out, sizeof out, "a.json", &bare);
    char want[128];
    snprintf(want, sizeof want, "a.json: %s", cas_strerror(CAS_ENOMEM));
    cr_assert_str_eq(out, want);
    char small[8] = "xxxxxxx";
    cas__config_error(small, 5, "a.json", &e);
    cr_assert_str_eq(small, "a.js");
    cr_assert_eq(small[5], 'x', "written past the size given");
}
