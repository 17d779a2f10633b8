/* replay: an order CSV fed through one book — the library side of `cascade
 * replay` (src/book/replay.c); the command's arguments and files are
 * src/cli/replay.c's. */
#ifndef CASCADE_REPLAY_H
#define CASCADE_REPLAY_H

#include <stdio.h>

#include "cascade/core.h"

/* The input's header line, and the order types a line may name. */
#define CAS_REPLAY_HEADER "id,side,type,price,qty"
#define CAS_REPLAY_TYPES "limit, market, ioc, post_only or cancel"

/* Feed the order CSV read from `in` (named in_name in messages) through one
 * book, writing every fill to `fills` and, when `final_book` is not NULL, the
 * final book to it. On bad input returns CAS_EINVAL with err->path set to
 * "IN_NAME:LINE" and err->msg saying what is wrong; output already written
 * for earlier lines stays written. Borrows every stream. */
int cas_replay(FILE *in, const char *in_name, FILE *fills, FILE *final_book, struct cas_err *err);

#endif
