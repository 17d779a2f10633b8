/* err: error codes' texts and the helper that fills a struct cas_err. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cascade/core.h"
#include "core/coreInt.h"

const char *cas_strerror(int code)
{
    switch (code) {
#define CAS__ERR_CASE(name, value, text) \
    case value: return text;
        CAS_ERRNO_MAP(CAS__ERR_CASE)
#undef CAS__ERR_CASE
    case 0: return "success";
    default: return "unknown error";
    }
}

int cas_err_set(struct cas_err *err, int code, const char *path, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->path, sizeof err->path, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

bool cas_check_failed(char *why, size_t why_len, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

void cas__config_error(char *out, size_t size, const char *config, const struct cas_err *err)
{
    if (!out || size == 0)
        return;
    const char *src = config ? config : "<default>";
    const char *msg = err->msg[0] ? err->msg : cas_strerror(err->code);
    if (err->path[0] && strcmp(err->path, src) != 0)
        snprintf(out, size, "%s: %s: %s", src, err->path, msg);
    else
        snprintf(out, size, "%s: %s", src, msg);
}

void cas__file_line(char *where, size_t size, const char *file, long line)
{
    char num[24];
    size_t nlen = (size_t)snprintf(num, sizeof num, ":%ld", line);
    size_t flen = strlen(file), room = size - 1 - nlen, hlen = 0;
    if (flen > room) {
        memcpy(where, "...", 3);
        hlen = 3;
        file += flen - (room - hlen);
        flen = room - hlen;
    }
    memcpy(where + hlen, file, flen);
    memcpy(where + hlen + flen, num, nlen + 1);
}
