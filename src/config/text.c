/* text: the config module's text in and out: files and JSON text to trees, --set
 * overrides, trees back to text, and the one-line pieces of messages (escaped user text,
 * exact numbers, did-you-mean).
 *
 * A syntax error is located by line from cJSON's error position. An override walks the
 * tree along its path, creating missing objects but never array entries, so an index
 * names an entry the text already has. Nothing here validates the schema: an override
 * may add any key, and config.c rejects what it does not know.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configInt.h"
#include "core/coreInt.h"

enum {
    SNIPPET_LEN = 16 /* bytes of input shown at a JSON syntax error */
};

/* ---- message pieces ---------------------------------------------------------------------- */

const char *cas__escape(char *out, size_t size, const char *s, size_t max_in)
{
    size_t o = 0, i = 0;
    for (; s[i] && i < max_in; i++) {
        unsigned char c = (unsigned char)s[i];
        char seq[8];
        if (c == '\n')
            strcpy(seq, "\\n");
        else if (c == '\t')
            strcpy(seq, "\\t");
        else if (c == '\'' || c == '\\')
            snprintf(seq, sizeof seq, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            snprintf(seq, sizeof seq, "\\x%02x", c);
        else
            snprintf(seq, sizeof seq, "%c", c);
        size_t n = strlen(seq);
        if (o + n + 4 > size) { /* keep room for "..." and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, seq, n);
        o += n;
    }
    out[o] = '\0';
    return out;
}

void cas__append(char *out, size_t size, const char *fmt, ...)
{
    size_t len = strlen(out);
    if (len + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + len, size - len, fmt, ap);
    va_end(ap);
}

struct cas__numtext cas__num(double v)
{
    struct cas__numtext t;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(t.s, sizeof t.s, "%.*g", prec, v);
        if (strtod(t.s, NULL) == v)
            break;
    }
    return t;
}

const char *cas__json_kind(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsBool(v))
        return "a boolean";
    return "null";
}

/* ---- did-you-mean ------------------------------------------------------------------------ */

static int fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
 * substring), ignoring ASCII case; both strings are at most CAS__WORD_MAX bytes. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[3][CAS__WORD_MAX + 1]; /* rows i-2, i-1, i, indexed by i % 3 */
    for (size_t j = 0; j <= lb; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *cur = row[i % 3], *up = row[(i - 1) % 3], *up2 = row[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = fold(a[i - 1]) != fold(b[j - 1]);
            cur[j] = min3(up[j] + 1, cur[j - 1] + 1, up[j - 1] + cost);
            if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) &&
                fold(a[i - 2]) == fold(b[j - 1]) && up2[j - 2] + 1 < cur[j])
                cur[j] = up2[j - 2] + 1;
        }
    }
    return row[la % 3][lb];
}

static void suggest(struct cas__choices *c, const char *cand)
{
    size_t lw = strlen(c->word);
    if (lw > CAS__WORD_MAX || strlen(cand) > CAS__WORD_MAX)
        return;
    size_t limit = lw / 3 > 1 ? lw / 3 : 1;
    size_t d = distance(c->word, cand);
    if (d <= limit && (!c->best || d < c->best_d)) {
        c->best = cand;
        c->best_d = d;
    }
}

static void list_add(struct cas__choices *c, const char *cand)
{
    char esc[CAS__WORD_MAX];
    size_t len = strlen(c->list);
    if (c->full)
        return;
    cas__escape(esc, sizeof esc, cand, SIZE_MAX);
    if (len + strlen(esc) + 2 + 6 >= sizeof c->list) { /* keep room for ", ..." */
        cas__append(c->list, sizeof c->list, "%s...", len ? ", " : "");
        c->full = true;
        return;
    }
    cas__append(c->list, sizeof c->list, "%s%s", len ? ", " : "", esc);
}

void cas__choices_add(struct cas__choices *c, const char *candidate)
{
    suggest(c, candidate);
    list_add(c, candidate);
}

const char *cas__choices_hint(char *out, size_t size, const struct cas__choices *c,
                              const char *label, bool always_list)
{
    bool show_list = c->list[0] && (always_list || !c->best);
    char esc[CAS__WORD_MAX];
    out[0] = '\0';
    if (!c->best && !show_list)
        return out;
    cas__append(out, size, " (");
    if (c->best)
        cas__append(out, size, "did you mean '%s'?%s",
                    cas__escape(esc, sizeof esc, c->best, SIZE_MAX), show_list ? " " : "");
    if (show_list)
        cas__append(out, size, "%s: %s", label, c->list);
    cas__append(out, size, ")");
    return out;
}

/* ---- JSON text ----------------------------------------------------------------------------- */

/* Report a syntax error at end (cJSON's guess at its position) as "line N" and a snippet.
 * When cJSON runs off the end of the text it points at the terminating NUL; such an error
 * shows the last bytes of the text instead. */
static int json_error(const char *text, const char *end, const char *source, struct cas_err *err)
{
    size_t len = strlen(text), last = len, line = 1;
    size_t pos = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
    char path[32], near[4 * SNIPPET_LEN + 8], src[64];
    while (last > 0 && strchr(" \t\r\n", text[last - 1]))
        last--; /* last: one past the final non-blank byte */
    cas__escape(src, sizeof src, source, SIZE_MAX);
    if (last == 0)
        return cas_err_set(err, CAS_EINVAL, "line 1", "invalid JSON: '%s' is empty", src);
    /* cJSON refuses nesting past CJSON_NESTING_LIMIT: say so rather than "invalid JSON" */
    size_t depth = 0;
    for (size_t i = 0, in_string = 0; i < pos && depth < CJSON_NESTING_LIMIT; i++) {
        char ch = text[i];
        if (in_string)
            in_string = ch == '\\' ? (i++, 1) : ch != '"';
        else if (ch == '"')
            in_string = 1;
        else if (ch == '[' || ch == '{')
            depth++;
        else if ((ch == ']' || ch == '}') && depth > 0)
            depth--;
    }
    bool too_deep = depth >= CJSON_NESTING_LIMIT, at_end = !too_deep && pos >= last;
    for (size_t i = 0; i < (at_end ? last - 1 : pos); i++)
        line += text[i] == '\n';
    snprintf(path, sizeof path, "line %zu", line);
    if (too_deep)
        return cas_err_set(err, CAS_EINVAL, path,
                           "arrays and objects nested deeper than %d levels, the limit",
                           CJSON_NESTING_LIMIT);
    size_t from = !at_end ? pos : last > SNIPPET_LEN ? last - SNIPPET_LEN : 0;
    cas__escape(near, sizeof near, text + from, at_end ? last - from : SNIPPET_LEN);
    if (at_end)
        return cas_err_set(err, CAS_EINVAL, path, "invalid JSON: '%s' ends too early, after '%s%s'",
                           src, from > 0 ? "..." : "", near);
    return cas_err_set(err, CAS_EINVAL, path, "invalid JSON near '%s%s'", near,
                       len - pos > SNIPPET_LEN ? "..." : "");
}

/* Where JSON text has the escape \u0000 inside a string, or NULL. cJSON keeps
 * strings NUL-terminated, so such a string would silently end there ("ab\u0000/x"
 * read as "ab"): what is checked would not be what was written. */
static const char *nul_escape(const char *text)
{
    bool in_string = false;
    for (const char *p = text; *p; p++) {
        if (!in_string)
            in_string = *p == '"';
        else if (*p == '"')
            in_string = false;
        else if (*p == '\\') {
            if (p[1] == 'u' && strncmp(p + 2, "0000", 4) == 0)
                return p;
            if (p[1])
                p++;
        }
    }
    return NULL;
}

static int nul_error(const char *text, const char *at, const char *subject, struct cas_err *err)
{
    char path[160];
    if (subject)
        snprintf(path, sizeof path, "%s", subject);
    else {
        size_t line = 1;
        for (const char *q = text; q < at; q++)
            line += *q == '\n';
        snprintf(path, sizeof path, "line %zu", line);
    }
    return cas_err_set(err, CAS_EINVAL, path,
                       "a string holds \\u0000 (a NUL character), which no value may contain");
}

int cas__config_read_text(cJSON **root, const char *text, const char *source, struct cas_err *err)
{
    const char *end = NULL;
    char src[64];
    if (!text)
        return cas_err_set(err, CAS_EINVAL, "", "no config text was given");
    *root = cJSON_ParseWithOpts(text, &end, true);
    if (!*root)
        return json_error(text, end, source, err);
    const char *nul = nul_escape(text);
    if (nul) {
        cJSON_Delete(*root);
        *root = NULL;
        return nul_error(text, nul, NULL, err);
    }
    if (cJSON_IsObject(*root))
        return 0;
    int rc =
        cas_err_set(err, CAS_EINVAL, "line 1", "the top level of '%s' must be an object, got %s",
                    cas__escape(src, sizeof src, source, SIZE_MAX), cas__json_kind(*root));
    cJSON_Delete(*root);
    *root = NULL;
    return rc;
}

/* ---- --set overrides --------------------------------------------------------------------- */

/* One step of a --set path: a key, or an index in brackets. */
struct step {
    bool is_index;
    char key[CAS__WORD_MAX + 1];
    size_t index;
    size_t start, end; /* the step's bytes in the path, leading '.' included */
};

/* Read the step at path[*pos] into s; false with the reason in why. */
static bool next_step(const char *path, size_t len, size_t *pos, struct step *s, char *why,
                      size_t why_size)
{
    size_t p = *pos, k = 0;
    s->start = p;
    s->is_index = path[p] == '[';
    if (s->is_index) {
        s->index = 0;
        for (p++; p < len && path[p] >= '0' && path[p] <= '9' && k < 9; p++, k++)
            s->index = s->index * 10 + (size_t)(path[p] - '0');
        if (k == 0 || p >= len || path[p] != ']') {
            snprintf(why, why_size, "bad index; write [N] with N a whole number");
            return false;
        }
        p++;
    } else {
        if (p > 0 && path[p++] != '.') {
            snprintf(why, why_size, "expected '.' or '[' after ']'");
            return false;
        }
        for (; p < len && path[p] != '.' && path[p] != '[' && k < CAS__WORD_MAX; p++)
            s->key[k++] = path[p];
        s->key[k] = '\0';
        if (k == 0 || (p < len && path[p] != '.' && path[p] != '[')) {
            snprintf(why, why_size, "%s", k ? "key too long" : "empty key in the path");
            return false;
        }
    }
    s->end = *pos = p;
    return true;
}

/* Whether cur can take step s: an object for a key, an array holding the index. */
static int check_step(const cJSON *cur, const struct step *s, const char *path, char *why,
                      size_t why_size)
{
    char what[128];
    cas__escape(what, sizeof what, path, s->start);
    if (!s->is_index && !cJSON_IsObject(cur)) {
        snprintf(why, why_size, "'%s' is %s, not an object", what, cas__json_kind(cur));
        return CAS_EINVAL;
    }
    if (!s->is_index)
        return 0;
    if (!cJSON_IsArray(cur)) {
        snprintf(why, why_size, "'%s' is %s, not an array", what, cas__json_kind(cur));
        return CAS_EINVAL;
    }
    int n = cJSON_GetArraySize(cur);
    if (s->index >= (size_t)n) {
        snprintf(why, why_size, "'%s' has %d entr%s; index %zu is out of range", what, n,
                 n == 1 ? "y" : "ies", s->index);
        return CAS_ENOTFOUND;
    }
    return 0;
}

/* Move cur one step down, creating a missing object unless an index follows it. */
static int descend(cJSON **cur, const struct step *s, bool index_next, const char *path, char *why,
                   size_t why_size)
{
    char what[128];
    int rc = check_step(*cur, s, path, why, why_size);
    if (rc)
        return rc;
    if (s->is_index) {
        *cur = cJSON_GetArrayItem(*cur, (int)s->index);
        return 0;
    }
    cJSON *child = cJSON_GetObjectItemCaseSensitive(*cur, s->key);
    if (!child && index_next) {
        snprintf(why, why_size, "'%s' does not exist, so it has no entries",
                 cas__escape(what, sizeof what, path, s->end));
        return CAS_ENOTFOUND;
    }
    if (!child && !(child = cJSON_AddObjectToObject(*cur, s->key))) {
        snprintf(why, why_size, "out of memory");
        return CAS_ENOMEM;
    }
    *cur = child;
    return 0;
}

/* Put value at the last step s under cur; takes ownership of value in every case. */
static int place(cJSON *cur, const struct step *s, cJSON *value, const char *path, char *why,
                 size_t why_size)
{
    int rc = check_step(cur, s, path, why, why_size);
    bool ok = false;
    if (rc == 0 && s->is_index)
        ok = cJSON_ReplaceItemInArray(cur, (int)s->index, value);
    else if (rc == 0 && cJSON_GetObjectItemCaseSensitive(cur, s->key))
        ok = cJSON_ReplaceItemInObjectCaseSensitive(cur, s->key, value);
    else if (rc == 0)
        ok = cJSON_AddItemToObject(cur, s->key, value);
    if (rc == 0 && !ok) {
        snprintf(why, why_size, "out of memory");
        rc = CAS_ENOMEM;
    }
    if (rc)
        cJSON_Delete(value);
    return rc;
}

/* Walk path[0..len) from root and put value there; takes ownership of value. */
static int set_at(cJSON *root, const char *path, size_t len, cJSON *value, char *why,
                  size_t why_size)
{
    cJSON *cur = root;
    struct step s;
    size_t pos = 0;
    int rc = 0;
    if (path[0] == '[') {
        snprintf(why, why_size, "the path must start with a key, e.g. agents[0].count");
        rc = CAS_EINVAL;
    }
    while (rc == 0) {
        if (!next_step(path, len, &pos, &s, why, why_size))
            rc = CAS_EINVAL;
        else if (pos == len)
            return place(cur, &s, value, path, why, why_size);
        else
            rc = descend(&cur, &s, path[pos] == '[', path, why, why_size);
    }
    cJSON_Delete(value);
    return rc;
}

/* VALUE is JSON if it parses as JSON, else taken as a string. */
int cas__config_apply_set(cJSON *root, const char *set, struct cas_err *err)
{
    const char *eq = strchr(set, '=');
    char subject[128], esc[120], why[CAS__MSG_SIZE];
    if (!eq || eq == set) {
        snprintf(subject, sizeof subject, "--set %s", cas__escape(esc, sizeof esc, set, SIZE_MAX));
        return cas_err_set(err, CAS_EINVAL, subject, "%s; write PATH=VALUE, e.g. steps=1000",
                           eq ? "empty path" : "missing '='");
    }
    size_t len = (size_t)(eq - set);
    snprintf(subject, sizeof subject, "--set %s", cas__escape(esc, sizeof esc, set, len));
    cJSON *value = cJSON_ParseWithOpts(eq + 1, NULL, true);
    if (value && nul_escape(eq + 1)) {
        cJSON_Delete(value);
        return nul_error(eq + 1, NULL, subject, err);
    }
    if (!value)
        value = cJSON_CreateString(eq + 1);
    if (!value)
        return cas_err_set(err, CAS_ENOMEM, subject, "out of memory");
    int rc = set_at(root, set, len, value, why, sizeof why);
    return rc ? cas_err_set(err, rc, subject, "%s", why) : 0;
}

/* ---- files ------------------------------------------------------------------------------- */

char *cas__dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

int cas__read_file(const char *path, const char *err_path, const char *what, char **out,
                   struct cas_err *err)
{
    uint32_t cap = 1 << 16; /* CAS_MAX_JSON_BYTES keeps it far below 2^31 */
    size_t len = 0, n;
    char *buf = malloc(cap), why[96];
    FILE *f = cas_open_input(path, CAS_MAX_JSON_BYTES, why, sizeof why);
    const char *sp = *what ? " " : "";
    int rc = 0;
    if (!f) {
        rc = cas_err_set(err, CAS_EIO, err_path, "cannot read%s%s: %s", sp, what, why);
        goto free_buf;
    }
    if (!buf)
        goto no_memory;
    while ((n = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += n;
        if (len > (size_t)CAS_MAX_JSON_BYTES) { /* it grew while being read */
            char lim[32];
            rc = cas_err_set(err, CAS_EIO, err_path, "cannot read%s%s: more than %s", sp, what,
                             cas_bytes_text(lim, sizeof lim, CAS_MAX_JSON_BYTES));
            goto close;
        }
        if (len + 1 == cap && cas__grow((void **)&buf, &cap, cap + 1, 1) < 0)
            goto no_memory;
    }
    if (ferror(f)) {
        rc = cas_err_set(err, CAS_EIO, err_path, "cannot read%s%s: %s", sp, what, strerror(errno));
        goto close;
    }
    buf[len] = '\0';
    if (strlen(buf) != len)
        rc = cas_err_set(err, CAS_EINVAL, err_path,
                         "%s%scontains a NUL byte at offset %zu; it must be JSON text", what, sp,
                         strlen(buf));
    goto close;
no_memory:
    rc = cas_err_set(err, CAS_ENOMEM, err_path, "out of memory");
close:
    fclose(f);
free_buf:
    if (rc)
        free(buf);
    *out = rc ? NULL : buf;
    return rc;
}

/* ---- trees to text ----------------------------------------------------------------------- */

cJSON *cas__put(struct cas__build *b, cJSON *parent, const char *key, cJSON *item)
{
    bool ok = item && parent && !b->failed &&
              (key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item));
    if (!ok) {
        cJSON_Delete(item);
        b->failed = true;
        return NULL;
    }
    return item;
}

cJSON *cas__raw_int(double v)
{
    char s[400]; /* %.0f of any finite double fits */
    snprintf(s, sizeof s, "%.0f", v);
    return cJSON_CreateRaw(s);
}

cJSON *cas__raw_real(double v)
{
    return cJSON_CreateRaw(cas__num(v).s);
}
