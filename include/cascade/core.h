/* core: integer domain types and the error type shared by every module.
 *
 * Prices are integer ticks, quantities integer lots, money integer units; no
 * float ever enters the book or an account. Actions return int: 0 on success or
 * one of the negative CAS_E* codes below; details travel in an optional
 * struct cas_err whose path names the offending input (a JSON path such as
 * "agents[0].params.mu", or "FILE:LINE").
 */
#ifndef CASCADE_CORE_H
#define CASCADE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef int64_t cas_ticks;  /* price, in ticks of the instrument */
typedef int64_t cas_lots;   /* quantity, in lots of the instrument */
typedef int64_t cas_money;  /* money, in integer units of the quote currency */
typedef int64_t cas_step;   /* simulation step number, from 0 */

#define CAS_VERSION "0.1.0"

/* Error codes, defined once with their text (libuv's UV_ERRNO_MAP). */
#define CAS_ERRNO_MAP(X)                                   \
    X(EINVAL, -1, "invalid input")                         \
    X(ENOMEM, -2, "out of memory")                         \
    X(EIO, -3, "input/output error")                       \
    X(ENOTFOUND, -4, "not found")                          \
    X(EEXIST, -5, "already exists")                        \
    X(ERANGE, -6, "value out of range")

enum {
#define CAS__ERR_ENUM(name, code, text) CAS_##name = code,
    CAS_ERRNO_MAP(CAS__ERR_ENUM)
#undef CAS__ERR_ENUM
};

struct cas_err {
    int code;
    char path[128]; /* JSON path or FILE:LINE of the bad input; may be empty */
    char msg[192];  /* lowercase, no final period, subject in quotes */
};

/* The text of an error code ("unknown error" for codes not in the map). */
const char *cas_strerror(int code);

/* Fill err (which may be NULL) and return code: `return cas_err_set(err,
 * CAS_EINVAL, "agents[0].count", "must be at least %d", 1);` */
int cas_err_set(struct cas_err *err, int code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* For the invariant checks (cas_book_check, cas_exchange_check): write why a
 * check failed into why (which may be NULL) and return false:
 * `return cas_check_failed(why, len, "level %lld: ...", ...);`. */
bool cas_check_failed(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Library-internal: make the array *v (of *cap elements of `size` bytes) hold
 * at least `need`, doubling from 16; *v and *cap change only on success.
 * 0 or CAS_ENOMEM. */
int cas__grow(void **v, uint32_t *cap, uint32_t need, size_t size);

/* Input size limits (docs/limits.md): a JSON file (config, venue profile,
 * sweep spec, summary.json) and a CSV file (index path, replay orders, the
 * CSV files `cascade report` reads). */
#define CAS_MAX_JSON_BYTES ((int64_t)16 << 20)
#define CAS_MAX_CSV_BYTES ((int64_t)4 << 30)

/* Open `path` for reading if it is a regular file of at most `limit` bytes,
 * without blocking on a FIFO. NULL when it is not, with why (which may be
 * NULL) saying so in a few words ("not a regular file (a FIFO)", "5368709120 bytes; the
 * limit is 4 GiB", or strerror's text). */
FILE *cas_open_input(const char *path, int64_t limit, char *why, size_t why_len);

/* A byte count as text: "123 bytes", "16 MiB", "4 GiB" (exact when whole). */
const char *cas_bytes_text(char *out, size_t size, int64_t n);

#endif
