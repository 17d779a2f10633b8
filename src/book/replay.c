/* replay: an order CSV fed through one book, its fills and final book written
 * as CSV (the work of `cascade replay`; include/cascade/replay.h).
 *
 * Every line is checked in full before it reaches the book, so a bad line
 * stops the replay with one message naming FILE:LINE and nothing of that line
 * applied.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cascade/book.h"
#include "cascade/replay.h"
#include "core/coreInt.h"

#define HEADER CAS_REPLAY_HEADER
#define TYPES CAS_REPLAY_TYPES
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
    cas__file_line(path, sizeof path, src->name, src->line);
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
        return bad_line(src, "id '%s' out of range (at most %" PRIu64 ")", clip(s, q), UINT64_MAX);
    return 0;
}

/* An integer in [1, max] named `what` (price or qty). */
static int parse_amount(const struct source *src, const char *what, const char *s, int64_t max,
                        int64_t *v)
{
    char q[CLIP + 4];
    bool negative = *s == '-';
    uint64_t u;
    bool overflow;
    if (!parse_digits(s + negative, &u, &overflow))
        return bad_line(src, "bad %s '%s' (expected an integer)", what, clip(s, q));
    if (negative || overflow || u < 1 || u > (uint64_t)max)
        return bad_line(src, "%s '%s' out of range (expected 1 to %" PRId64 ")", what, clip(s, q),
                        max);
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
        return bad_line(src, "unexpected price '%s' for type '%s' (leave it empty)", clip(price, q),
                        type);
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
    return bad_line(
        src, "price %" PRId64 " is more than %" PRId64 " ticks away from other resting orders",
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
    case 0: return 0;
    case CAS_EEXIST: return bad_line(src, "id %" PRIu64 " is already resting", ln->id);
    case CAS_ERANGE: return explain_range(src, book, ln);
    case CAS_ENOMEM: return cas_err_set(src->err, rc, "", "out of memory");
    default: return bad_line(src, "order rejected: %s", cas_strerror(rc));
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
    fprintf(out->f, "%s,%" PRId64 ",%" PRId64 ",%" PRIu32 "\n", out->side, level->price, level->qty,
            level->orders);
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

int cas_replay(FILE *in, const char *in_name, FILE *fills, FILE *final_book, struct cas_err *err)
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
