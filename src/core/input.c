/* input: opening and reading an input file safely: a regular file of bounded
 * size only, so that /dev/zero, a FIFO or a directory gets an error, never a
 * hang or an unbounded read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/core.h"

const char *cas_bytes_text(char *out, size_t size, int64_t n)
{
    if (n >= ((int64_t)1 << 30) && n % ((int64_t)1 << 30) == 0)
        snprintf(out, size, "%lld GiB", (long long)(n >> 30));
    else if (n >= (1 << 20) && n % (1 << 20) == 0)
        snprintf(out, size, "%lld MiB", (long long)(n >> 20));
    else
        snprintf(out, size, "%lld bytes", (long long)n);
    return out;
}

/* clang-format off */
static const char *kind_of(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a file";
}
/* clang-format on */

FILE *cas_open_input(const char *path, int64_t limit, char *why, size_t why_len)
{
    char scratch[8];
    if (!why) {
        why = scratch;
        why_len = sizeof scratch;
    }
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        snprintf(why, why_len, "%s", strerror(e));
        errno = e;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "not a regular file (%s)", kind_of(st.st_mode));
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    if (st.st_size > limit) {
        char a[32], b[32];
        snprintf(why, why_len, "%s; the limit is %s", cas_bytes_text(a, sizeof a, st.st_size),
                 cas_bytes_text(b, sizeof b, limit));
        close(fd);
        errno = EFBIG;
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    FILE *f = flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        snprintf(why, why_len, "%s", strerror(errno));
        close(fd);
    }
    return f;
}

int cas_read_file(const char *path, int64_t limit, char **text, size_t *len, char *why,
                  size_t why_len)
{
    *text = NULL;
    FILE *f = cas_open_input(path, limit, why, why_len);
    if (!f)
        return CAS_EINVAL;
    size_t cap = 0, used = 0, got = 1;
    char *buf = NULL;
    while (got > 0) {
        if (used + 1 >= cap) {
            char *bigger = realloc(buf, cap = cap ? 2 * cap : 4096);
            if (!bigger)
                break;
            buf = bigger;
        }
        used += got = fread(buf + used, 1, cap - 1 - used, f);
    }
    int e = errno, rc = got > 0 ? CAS_ENOMEM : ferror(f) ? CAS_EIO : 0;
    fclose(f);
    if (rc) {
        free(buf);
        if (why)
            snprintf(why, why_len, "%s", strerror(rc == CAS_ENOMEM ? ENOMEM : e));
        errno = rc == CAS_ENOMEM ? ENOMEM : e;
        return rc;
    }
    buf[used] = 0;
    *text = buf;
    if (len)
        *len = used;
    return 0;
}
