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

typedef int64_t cas_ticks; /* price, in ticks of the instrument */
typedef int64_t cas_lots;  /* quantity, in lots of the instrument */
typedef int64_t cas_money; /* money, in integer units of the quote currency */
typedef int64_t cas_step;  /* simulation step number, from 0 */

#define CAS_VERSION "0.1.0"

/* Error codes, defined once with their text (libuv's UV_ERRNO_MAP). */
#define CAS_ERRNO_MAP(X)             \
    X(EINVAL, -1, "invalid input")   \
    X(ENOMEM, -2, "out of memory")   \
    X(EIO, -3, "input/output error") \
    X(ENOTFOUND, -4, "not found")    \
    X(EEXIST, -5, "already exists")  \
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

/* a + b held to [INT64_MIN, INT64_MAX]: for totals of notionals (lots x mark x
 * units), which a runaway price can push past the range of money, where a
 * total is reported and a true sum cannot be. Balances never use it: they are
 * conserved exactly. */
static inline cas_money cas_money_add_held(cas_money a, cas_money b)
{
    cas_money s;
    if (!__builtin_add_overflow(a, b, &s))
        return s;
    return b > 0 ? INT64_MAX : INT64_MIN;
}

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

/* "DIR/FILE", malloc'ed (free it); NULL when out of memory. */
char *cas_path_join(const char *dir, const char *file);

/* Read the whole of `path`, opened as cas_open_input does (a regular file of at
 * most `limit` bytes), into *text: NUL-terminated, malloc'ed (the caller frees
 * it), its length in *len when len is not NULL. 0; or, with *text NULL, errno
 * set and why (which may be NULL) saying so in a few words: CAS_EINVAL when it
 * cannot be opened (missing, not a regular file, over the limit), CAS_EIO when
 * reading fails, CAS_ENOMEM. */
int cas_read_file(const char *path, int64_t limit, char **text, size_t *len, char *why,
                  size_t why_len);

/* The output-path policy of every command that writes a file (docs/limits.md,
 * "Outputs"): the destination is a regular file or absent; a symbolic link, a
 * device, a FIFO, a socket or a directory there is refused, and so is any of
 * the n files `inputs` names (the same file by device and inode, whatever the
 * path: a command never writes over a file it reads). 0, or CAS_EINVAL with
 * why saying what is there ("it is a symbolic link", "it is the input 'X'"). */
int cas_output_check(const char *path, const char *const *inputs, size_t n, char *why,
                     size_t why_len);

/* A file written whole or not at all: written to a temporary "PATH.tmp-XXXXXX"
 * beside path (mode 0666 less the umask, as fopen makes it), renamed into
 * place by commit; discard, or a failed commit, removes the temporary and
 * leaves whatever was at path untouched. */
struct cas_atomic_file {
    const char *path; /* borrowed */
    char *tmp;
    FILE *f;   /* write the contents here */
    int fd;    /* the temporary's descriptor, under f: for fchmod only */
    int error; /* the first failed write's errno (commit gives it), 0 */
};

/* 0, or CAS_EIO / CAS_ENOMEM with errno set and nothing created. The stream
 * keeps a pointer to *a: a stays where it is until commit or discard. */
int cas_atomic_open(struct cas_atomic_file *a, const char *path);
/* Close and rename into place: 0, or CAS_EIO with errno set (temporary removed):
 * the first failed write's own errno (ENOSPC on a full disk), never a generic EIO
 * in its place. */
int cas_atomic_commit(struct cas_atomic_file *a);
/* Close and remove the temporary. */
void cas_atomic_discard(struct cas_atomic_file *a);
/* `text` as the whole of path, through the three above: 0, or CAS_EIO /
 * CAS_ENOMEM with errno set. */
int cas_write_file_atomic(const char *path, const char *text);

/* A progress bar on f: "\r[=====     ] " for done of total, then `fmt`'s
 * text; cas_progress_clear wipes the line. For a terminal only. */
void cas_progress_bar(FILE *f, double done, double total, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void cas_progress_clear(FILE *f);

/* ---- the options of a command, as a table (git's parse-options) ----
 *
 * A command declares its options in an array ended by {0}; cas_parse_options
 * walks argv with it, fills the targets and the positional arguments, prints
 * the help (from the table) or the one-line usage errors, and returns what the
 * command returns next. An option is `-s`, `--long`, with its value as the
 * next argument or after '=' (`-o DIR`, `--output=DIR`); `--` ends the options
 * and `-` alone is an argument. */
struct cas_command;
struct cas_cli_option;

/* Check and store a value: 0, or 2 after cas_usage_error (or cas_cli_option_needs). */
typedef int cas_cli_option_fn(const struct cas_command *cmd, const struct cas_cli_option *opt,
                              const char *value);

enum cas_cli_option_kind {
    CAS_OPT_END,    /* the {0} that ends a table */
    CAS_OPT_FLAG,   /* sets *(bool *)target; takes no value */
    CAS_OPT_STRING, /* *(const char **)target = the value */
    CAS_OPT_FN,     /* fn(cmd, opt, value); target is fn's to use */
};

struct cas_cli_option {
    enum cas_cli_option_kind kind;
    char short_name;       /* 'o' for -o, or 0 */
    const char *long_name; /* "output" for --output, or NULL */
    void *target;
    const char *arg;   /* the value's name in the help ("DIR"); NULL for a flag */
    const char *needs; /* a missing value: "'-o' needs NEEDS"; when NULL,
                            * "missing ARG after '--long'" */
    const char *help;  /* its lines in the help, separated by '\n' */
    cas_cli_option_fn *fn;
};

struct cas_command {
    const char *name;     /* "run"; errors end "(see 'cascade run --help')" */
    const char *hint;     /* when not NULL, errors end "(HINT)" instead */
    const char *usage;    /* the help before the options: usage lines and description */
    const char *epilogue; /* the help after the options, or NULL */
    const struct cas_cli_option *options;
    const char **args; /* where the positional arguments go, in order */
    int n_args;        /* how many may be given */
};

enum { CAS_PARSE_OK, CAS_PARSE_HELP, CAS_PARSE_BAD };

/* Parse argv[1 .. argc - 1]. CAS_PARSE_OK; CAS_PARSE_HELP when -h or --help
 * printed the help on stdout; CAS_PARSE_BAD (2, the exit status) after one
 * line on stderr. */
int cas_parse_options(const struct cas_command *cmd, int argc, char **argv);
/* The command's help: usage, the options of its table, the epilogue. */
void cas_command_help(const struct cas_command *cmd, FILE *f);
/* "cascade: WHAT (see 'cascade NAME --help')" on stderr; returns 2. */
int cas_usage_error(const struct cas_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The option's missing-value message (see struct cas_cli_option) naming it as
 * `as` was typed (NULL: as --long, or else -s); returns 2. */
int cas_cli_option_needs(const struct cas_command *cmd, const struct cas_cli_option *opt,
                         const char *as);

#endif
