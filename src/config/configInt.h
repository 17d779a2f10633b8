/* configInt: what config.c (the schema) and text.c (text in and out) share; private to config/.
 *
 * Every piece of user text that enters an error path or message goes through
 * cas__escape, which keeps it printable ASCII on one line. Every number shown or
 * written goes through cas__num, whose text reads back as exactly the same double.
 */
#ifndef CASCADE_CONFIG_INT_H
#define CASCADE_CONFIG_INT_H

#include <cjson/cJSON.h>

#include "cascade/config.h"

enum {
    CAS__WORD_MAX = 64 /* names longer than this get no did-you-mean */
};

#define CAS__MSG_SIZE sizeof(((struct cas_err *)0)->msg)

/* Copy at most max_in bytes of s into out[size >= 8], escaping quotes, backslashes and
 * anything not printable ASCII; "..." ends text cut for lack of room. Returns out. */
const char *cas__escape(char *out, size_t size, const char *s, size_t max_in);

/* Append to the NUL-terminated text in out[size], truncating. */
void cas__append(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v (valid JSON for a
 * finite v); use as cas__num(v).s within one expression. */
struct cas__numtext {
    char s[32];
};
struct cas__numtext cas__num(double v);

/* "a string", "a number", "an object", "an array", "a boolean" or "null". */
const char *cas__json_kind(const cJSON *v);

/* The candidates for a word the user wrote: the nearest within max(1, len/3) edits
 * (optimal string alignment, ASCII case ignored; ties go to the first added), and all
 * of them as a list for the message. Start from {.word = w}. */
struct cas__choices {
    const char *word;
    const char *best; /* borrowed from the last cas__choices_add that won */
    size_t best_d;
    char list[100]; /* "a, b, c", ending in "..." when it outgrew the buffer */
    bool full;
};
void cas__choices_add(struct cas__choices *c, const char *candidate);

/* " (did you mean 'x'? LABEL: a, b)" into out: the suggestion if there is one, and the
 * list when there is no suggestion or always_list; "" when neither applies. */
const char *cas__choices_hint(char *out, size_t size, const struct cas__choices *c,
                              const char *label, bool always_list);

/* Parse text into *root, which must be an object (free it with cJSON_Delete). A syntax
 * error is reported at "line N" with a snippet; source names the text in messages. */
int cas__config_read_text(cJSON **root, const char *text, const char *source, struct cas_err *err);

/* Apply one "PATH=VALUE" override to root (see cas_config_parse). */
int cas__config_apply_set(cJSON *root, const char *set, struct cas_err *err);

#endif
