/* replay: `cascade replay ORDERS.csv` — its arguments and files; the book
 * work is cas_replay's (include/cascade/replay.h).
 *
 * The final book is written under a temporary name beside its destination and
 * renamed only when the whole replay succeeded, so a failed run never leaves a
 * partial file behind.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cascade/replay.h"
#include "cli/cli.h"

#define HEADER CAS_REPLAY_HEADER
#define TYPES CAS_REPLAY_TYPES
#define USAGE "usage: cascade replay ORDERS.csv [--final-book FILE]"

static const char usage[] =
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
          "\n";

static const char epilogue[] = "Exit status: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

struct args {
    const char *orders;
    const char *final_book;
};

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

static int run(const struct args *a, FILE *in)
{
    struct cas_atomic_file book = {0};
    char why[4200];
    const char *inputs[1] = {strcmp(a->orders, "-") ? a->orders : NULL};
    if (a->final_book && cas_output_check(a->final_book, inputs, 1, why, sizeof why)) {
        fprintf(stderr, "cascade: cannot write the final book to '%s': %s\n", a->final_book, why);
        return 2;
    }
    if (a->final_book && cas_atomic_open(&book, a->final_book)) {
        fprintf(stderr, "cascade: cannot create '%s': %s\n", a->final_book, strerror(errno));
        return 2;
    }
    struct cas_err err = {0};
    int rc = cas_replay(in, a->orders, stdout, book.f, &err);
    if (rc) {
        if (err.path[0])
            fprintf(stderr, "cascade: %s: %s\n", err.path, err.msg);
        else
            fprintf(stderr, "cascade: %s\n", err.msg);
        cas_atomic_discard(&book);
        return rc == CAS_EINVAL ? 2 : 1;
    }
    if (book.f && cas_atomic_commit(&book)) {
        fprintf(stderr, "cascade: cannot write '%s': %s\n", a->final_book, strerror(errno));
        return 1;
    }
    return 0;
}

/* clang-format off */
int cas_cli_replay(int argc, char **argv)
{
    struct args a = {0};
    const struct cas_cli_option options[] = {
        {CAS_OPT_STRING, 0, "final-book", &a.final_book, "FILE", NULL,
         "also write the final book to FILE: side,price,qty,orders\n"
         "per level, bids then asks, each best first", NULL},
        {0},
    };
    const struct cas_command cmd = {.name = "replay", .hint = USAGE, .usage = usage,
                                    .epilogue = epilogue, .options = options,
                                    .args = &a.orders, .n_args = 1};
    switch (cas_parse_options(&cmd, argc, argv)) {
    case CAS_PARSE_HELP:
        return 0; /* main checks that the help reached stdout */
    case CAS_PARSE_BAD:
        return 2;
    }
    if (!a.orders)
        return cas_usage_error(&cmd, "missing ORDERS file");
    FILE *in = open_orders(a.orders);
    if (!in)
        return 2;
    int status = run(&a, in);
    if (in != stdin)
        fclose(in);
    return status;
}
/* clang-format on */
