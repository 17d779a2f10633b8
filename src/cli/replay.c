/* replay: feed an order CSV through one book, printing its fills and final book.
 *
 * Every line is checked in full before it reaches the book, so a bad line
 * stops the replay with one message naming FILE:LINE and nothing of that line
 * applied. The final book is written under a temporary name beside its
 * destination and renamed only when the whole replay succeeded, so a failed
 * run never leaves a partial file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/book.h"
#include "cli/cli.h"

#define HEADER "id,side,type,price,qty"
#define USAGE "usage: cascade replay ORDERS.csv [--final-book FILE]"
#define TYPES "limit, market, ioc, post_only or cancel"
#define CLIP 40 /* longest piece of input quoted in a message */

enum kind { KIND_LIMIT, KIND_MARKET, KIND_IOC, KIND_POST_ONLY, KIND_CANCEL };

static const char *const kind_names[] = {"limit", "market", "ioc", "post_only", "cancel"};

static const enum cas_order_type kind_types[] = {CAS_LIMIT, CAS_MARKET, CAS_IOC, CAS_POST_ONLY};

/* One parsed input line. */
struct line {
    uint64_t id;
    enum cas_side side;
    bool has_side;
    enum kind kind;
    cas_ticks price;
    cas_lots qty;
};

/* Where we are in the input, for messages. */
struct source {
    const char *name;
    long line;
    struct cas_err *err;
};

static int bad_line(const struct source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fill src->err for the current line and return CAS_EINVAL. */
static int bad_line(const struct source *src, const char *fmt, ...)
{
    if (!src->err)
        return CAS_EINVAL;
    char path[sizeof src->err->path];
    snprintf(path, sizeof path, "%s:%ld", src->name, src->line);
    char msg[sizeof src->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cas_err_set(src->err, CAS_EINVAL, path, "%s", msg);
}

/* Input text as quoted in a message: cut after CLIP characters. */
static const char *clip(const char *s, char buf[CLIP + 4])
{
    snprintf(buf, CLIP + 4, "%.*s%s", CLIP, s, strlen(s) > CLIP ? "..." : "");
    return buf;
}

/* ---- fields ----------------------------------------------------------- */

/* Digits only, no sign or space; false when s is not such a number or overflows. */
static bool parse_digits(const char *s, uint64_t *v, bool *overflow)
{
    *v = 0;
    *overflow = false;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (*v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            *v = *v * 10 + d;
    }
    return true;
}

static int parse_id(const struct source *src, const char *s, uint64_t *id)
{
    char q[CLIP + 4];
    bool overflow;
    if (!*s)
        return bad_line(src, "missing id");
    if (!parse_digits(s, id, &overflow))
        return bad_line(src, "bad id '%s' (expected an unsigned integer)", clip(s, q));
    if (overflow)
        return bad_line(src, "id '%s' out of range (at most %" PRIu64 ")", clip(s, q),
                        UINT64_MAX);
    return 0;
}

/* An integer in [1, max] named `what` (price or qty). */
static int parse_amount(const struct source *src, const char *what, const char *s,
                        int64_t max, int64_t *v)
{
    char q[CLIP + 4];
    bool negative = *s == '-';
    uint64_t u;
    bool overflow;
    if (!parse_digits(s + negative, &u, &overflow))
        return bad_line(src, "bad %s '%s' (expected an integer)", what, clip(s, q));
    if (negative || overflow || u < 1 || u > (uint64_t)max)
        return bad_line(src, "%s '%s' out of range (expected 1 to %" PRId64 ")", what,
                        clip(s, q), max);
    *v = (int64_t)u;
    return 0;
}

static int parse_side(const struct source *src, const char *s, struct line *ln)
{
    char q[CLIP + 4];
    ln->has_side = *s != '\0';
    if (!strcmp(s, "buy"))
        ln->side = CAS_BUY;
    else if (!strcmp(s, "sell"))
        ln->side = CAS_SELL;
    else if (ln->has_side)
        return bad_line(src, "unknown side '%s' (expected buy or sell)", clip(s, q));
    return 0;
}

static int parse_kind(const struct source *src, const char *s, enum kind *kind)
{
    char q[CLIP + 4];
    for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++) {
        if (!strcmp(s, kind_names[i])) {
            *kind = (enum kind)i;
            return 0;
        }
    }
    if (!*s)
        return bad_line(src, "missing type (expected " TYPES ")");
    return bad_line(src, "unknown type '%s' (expected " TYPES ")", clip(s, q));
}

/* Price and qty: required or forbidden depending on the type. */
static int parse_amounts(const struct source *src, const char *price, const char *qty,
                         struct line *ln)
{
    char q[CLIP + 4];
    const char *type = kind_names[ln->kind];
    bool priced = ln->kind != KIND_MARKET && ln->kind != KIND_CANCEL;
    if (!priced && *price)
        return bad_line(src, "unexpected price '%s' for type '%s' (leave it empty)",
                        clip(price, q), type);
    if (priced && !*price)
        return bad_line(src, "missing price for type '%s'", type);
    if (ln->kind == KIND_CANCEL && *qty)
        return bad_line(src, "unexpected qty '%s' for type 'cancel' (leave it empty)",
                        clip(qty, q));
    if (ln->kind != KIND_CANCEL && !*qty)
        return bad_line(src, "missing qty for type '%s'", type);
    int rc = 0;
    if (priced)
        rc = parse_amount(src, "price", price, CAS_BOOK_MAX_PRICE, &ln->price);
    if (!rc && ln->kind != KIND_CANCEL)
        rc = parse_amount(src, "qty", qty, CAS_BOOK_MAX_QTY, &ln->qty);
    return rc;
}

/* Split text (a line without its end) into exactly five fields and parse them. */
static int parse_line(const struct source *src, char *text, struct line *ln)
{
    char *f[5];
    int n = 0;
    for (char *p = text;; p++) {
        if (*p != ',' && *p != '\0')
            continue;
        if (n < 5)
            f[n] = text;
        n++;
        if (*p == '\0')
            break;
        *p = '\0';
        text = p + 1;
    }
    if (n != 5)
        return bad_line(src, "expected 5 fields (" HEADER "), got %d", n);
    *ln = (struct line){.price = 0};
    int rc = parse_id(src, f[0], &ln->id);
    if (!rc)
        rc = parse_side(src, f[1], ln);
    if (!rc)
        rc = parse_kind(src, f[2], &ln->kind);
    if (!rc && !ln->has_side && ln->kind != KIND_CANCEL)
        rc = bad_line(src, "missing side (expected buy or sell)");
    if (!rc)
        rc = parse_amounts(src, f[3], f[4], ln);
    return rc;
}

/* ---- applying lines --------------------------------------------------- */

static void print_fill(void *ctx, const struct cas_fill *f)
{
    fprintf((FILE *)ctx, "%" PRIu64 ",%" PRIu64 ",%" PRId64 ",%" PRId64 "\n", f->taker_id,
            f->maker_id, f->price, f->qty);
}

/* The book refused an order as out of range: say whether lots or price. */
static int explain_range(const struct source *src, const struct cas_book *book,
                         const struct line *ln)
{
    cas_lots resting = ln->side == CAS_BUY ? cas_book_qty_to(book, CAS_BUY, 1)
                                           : cas_book_qty_to(book, CAS_SELL, CAS_BOOK_MAX_PRICE);
    if (ln->qty > INT64_MAX - resting)
        return bad_line(src, "too many lots resting on the %s side (at most %" PRId64 ")",
                        ln->side == CAS_BUY ? "buy" : "sell", INT64_MAX);
    return bad_line(src, "price %" PRId64 " is more than %" PRId64
                         " ticks away from other resting orders",
                    ln->price, CAS_BOOK_MAX_SPAN);
}

static int apply(const struct source *src, struct cas_book *book, const struct line *ln,
                 FILE *fills)
{
    if (ln->kind == KIND_CANCEL) {
        cas_book_cancel(book, ln->id); /* an id that is not resting is no error */
        return 0;
    }
    struct cas_submit_result res;
    int rc = cas_book_submit(book, ln->id, ln->side, kind_types[ln->kind], ln->price, ln->qty,
                             print_fill, fills, &res);
    switch (rc) {
    case 0:
        return 0;
    case CAS_EEXIST:
        return bad_line(src, "id %" PRIu64 " is already resting", ln->id);
    case CAS_ERANGE:
        return explain_range(src, book, ln);
    case CAS_ENOMEM:
        return cas_err_set(src->err, rc, "", "out of memory");
    default:
        return bad_line(src, "order rejected: %s", cas_strerror(rc));
    }
}

/* Strip the line end; true when nothing is left. */
static bool chomp(char *text, size_t *len)
{
    if (*len && text[*len - 1] == '\n')
        text[--*len] = '\0';
    if (*len && text[*len - 1] == '\r')
        text[--*len] = '\0';
    return *len == 0;
}

/* One line after the header: blank lines are allowed only at the end. */
static int replay_line(struct source *src, struct cas_book *book, char *text, size_t len,
                       long *blank, FILE *fills)
{
    if (strlen(text) != len)
        return bad_line(src, "line contains a nul byte");
    if (chomp(text, &len)) {
        if (!*blank)
            *blank = src->line;
        return 0;
    }
    if (*blank) {
        src->line = *blank;
        return bad_line(src, "blank line before the end of the input");
    }
    struct line ln;
    int rc = parse_line(src, text, &ln);
    return rc ? rc : apply(src, book, &ln, fills);
}

static int check_header(struct source *src, char *text, ssize_t len)
{
    char q[CLIP + 4];
    src->line = 1;
    if (len < 0)
        return bad_line(src, "empty file (expected header '" HEADER "')");
    size_t n = (size_t)len;
    chomp(text, &n);
    if (strlen(text) != n || strcmp(text, HEADER))
        return bad_line(src, "bad header '%s' (expected '" HEADER "')", clip(text, q));
    return 0;
}

/* Where and under which side name print_level writes. */
struct book_out {
    FILE *f;
    const char *side;
};

static bool print_level(void *ctx, const struct cas_level_info *level)
{
    const struct book_out *out = ctx;
    fprintf(out->f, "%s,%" PRId64 ",%" PRId64 ",%" PRIu32 "\n", out->side, level->price,
            level->qty, level->orders);
    return true;
}

static void write_book(const struct cas_book *book, FILE *f)
{
    fputs("side,price,qty,orders\n", f);
    struct book_out bids = {f, "buy"}, asks = {f, "sell"};
    cas_book_levels(book, CAS_BUY, print_level, &bids);
    cas_book_levels(book, CAS_SELL, print_level, &asks);
}

static int read_error(const struct source *src)
{
    return cas_err_set(src->err, CAS_EIO, src->name, "cannot read: %s", strerror(errno));
}

static int read_all(struct source *src, struct cas_book *book, FILE *in, FILE *fills)
{
    char *text = NULL;
    size_t cap = 0;
    long blank = 0;
    ssize_t len = getline(&text, &cap, in);
    int rc = len < 0 && ferror(in) ? read_error(src) : check_header(src, text, len);
    if (!rc)
        fputs("taker_id,maker_id,price,qty\n", fills);
    while (!rc && (len = getline(&text, &cap, in)) >= 0) {
        src->line++;
        rc = replay_line(src, book, text, (size_t)len, &blank, fills);
    }
    if (!rc && ferror(in))
        rc = read_error(src);
    free(text);
    return rc;
}

int cas_replay(FILE *in, const char *in_name, FILE *fills, FILE *final_book,
               struct cas_err *err)
{
    struct source src = {.name = in_name, .err = err};
    struct cas_book *book = cas_book_create(NULL);
    if (!book)
        return cas_err_set(err, CAS_ENOMEM, "", "out of memory");
    int rc = read_all(&src, book, in, fills);
    if (!rc && final_book)
        write_book(book, final_book);
    cas_book_destroy(book);
    if (!rc && (fflush(fills) || ferror(fills)))
        rc = cas_err_set(err, CAS_EIO, "", "cannot write fills: %s", strerror(errno));
    if (!rc && final_book && (fflush(final_book) || ferror(final_book)))
        rc = cas_err_set(err, CAS_EIO, "", "cannot write the final book: %s", strerror(errno));
    return rc;
}

/* ---- the subcommand --------------------------------------------------- */

static const char help[] =
    USAGE "\n"
    "\n"
    "Feed the orders in ORDERS.csv (- for standard input) through one order book\n"
    "and print every fill on standard output as CSV: taker_id,maker_id,price,qty,\n"
    "one row per fill in execution order, at the resting order's price.\n"
    "\n"
    "ORDERS.csv starts with the header " HEADER "; side is buy or sell\n"
    "(may be empty for cancel); type is " TYPES ";\n"
    "price is in ticks (empty for market and cancel); qty is in lots (empty for\n"
    "cancel, which names the id of a resting order). The unfilled rest of a market\n"
    "or ioc order is dropped; a post_only order that would trade is rejected whole.\n"
    "\n"
    "  --final-book FILE  also write the final book to FILE: side,price,qty,orders\n"
    "                     per level, bids then asks, each best first\n"
    "  -h, --help         show this help\n"
    "\n"
    "Exit status: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

enum { ARGS_OK, ARGS_HELP, ARGS_BAD };

struct args {
    const char *orders;
    const char *final_book;
};

/* One line on stderr: what is wrong, the offending argument if any, the usage. */
static int usage_error(const char *what, const char *arg)
{
    if (arg)
        fprintf(stderr, "cascade: %s '%s' (" USAGE ")\n", what, arg);
    else
        fprintf(stderr, "cascade: %s (" USAGE ")\n", what);
    return ARGS_BAD;
}

static bool is_final_book(const char *arg)
{
    return !strcmp(arg, "--final-book") || !strcmp(arg, "--final-book=");
}

static int parse_args(int argc, char **argv, struct args *a)
{
    bool options = true;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool option = options && arg[0] == '-' && arg[1] != '\0';
        if (option && !strcmp(arg, "--"))
            options = false;
        else if (option && (!strcmp(arg, "--help") || !strcmp(arg, "-h")))
            return ARGS_HELP;
        else if (option && !strcmp(arg, "--final-book") && i + 1 < argc)
            a->final_book = argv[++i];
        else if (option && !strncmp(arg, "--final-book=", 13) && arg[13])
            a->final_book = arg + 13;
        else if (option && is_final_book(arg))
            return usage_error("missing FILE after", "--final-book");
        else if (option)
            return usage_error("unknown option", arg);
        else if (a->orders)
            return usage_error("unexpected argument", arg);
        else
            a->orders = arg;
    }
    if (!a->orders)
        return usage_error("missing ORDERS file", NULL);
    return ARGS_OK;
}

/* The orders file (a regular file within CAS_MAX_CSV_BYTES), or stdin for "-"; NULL after
 * a message. */
static FILE *open_orders(const char *path)
{
    if (!strcmp(path, "-"))
        return stdin;
    char why[96];
    FILE *in = cas_open_input(path, CAS_MAX_CSV_BYTES, why, sizeof why);
    if (!in)
        fprintf(stderr, "cascade: cannot open '%s': %s\n", path, why);
    return in;
}

/* An output file written under a temporary name and renamed into place. */
struct outfile {
    const char *path;
    char *tmp;
    FILE *f;
};

static bool outfile_open(struct outfile *o, const char *path)
{
    size_t n = strlen(path) + 32;
    o->path = path;
    o->tmp = malloc(n);
    if (!o->tmp) {
        fprintf(stderr, "cascade: out of memory\n");
        return false;
    }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0 && !(o->f = fdopen(fd, "w"))) {
        close(fd);
        unlink(o->tmp);
    }
    if (!o->f) {
        fprintf(stderr, "cascade: cannot create '%s': %s\n", path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
    }
    return o->f != NULL;
}

/* Close and rename into place; on failure remove the temporary file. */
static bool outfile_commit(struct outfile *o)
{
    bool ok = fclose(o->f) == 0 && rename(o->tmp, o->path) == 0;
    if (!ok) {
        fprintf(stderr, "cascade: cannot write '%s': %s\n", o->path, strerror(errno));
        unlink(o->tmp);
    }
    free(o->tmp);
    return ok;
}

static void outfile_discard(struct outfile *o)
{
    fclose(o->f);
    unlink(o->tmp);
    free(o->tmp);
}

static int run(const struct args *a, FILE *in)
{
    struct outfile book = {0};
    if (a->final_book && !outfile_open(&book, a->final_book))
        return 2;
    struct cas_err err = {0};
    int rc = cas_replay(in, a->orders, stdout, book.f, &err);
    if (rc) {
        if (err.path[0])
            fprintf(stderr, "cascade: %s: %s\n", err.path, err.msg);
        else
            fprintf(stderr, "cascade: %s\n", err.msg);
        if (book.f)
            outfile_discard(&book);
        return rc == CAS_EINVAL ? 2 : 1;
    }
    return book.f && !outfile_commit(&book) ? 1 : 0;
}

int cas_cli_replay(int argc, char **argv)
{
    struct args a = {0};
    switch (parse_args(argc, argv, &a)) {
    case ARGS_HELP:
        fputs(help, stdout);
        return fflush(stdout) ? 1 : 0;
    case ARGS_BAD:
        return 2;
    }
    FILE *in = open_orders(a.orders);
    if (!in)
        return 2;
    int status = run(&a, in);
    if (in != stdin)
        fclose(in);
    return status;
}
