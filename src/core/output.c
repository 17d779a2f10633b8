/* output: paths, and files written whole or not at all (a temporary beside the
 * destination, renamed into place only once complete).
 *
 * The temporary is written through a stdio stream whose writes this file does
 * itself (fopencookie, a GNU extension glibc, musl and emscripten have), so that
 * the first failed write's own error (ENOSPC, EDQUOT, EFBIG...) is kept and given
 * by commit: stdio only remembers that one failed, and the errno of a write
 * inside fprintf is gone by the time the caller asks. Without it (meson's
 * gnu_extensions disabled, or a C library without fopencookie) the stream is
 * POSIX's fdopen, and commit gives the errno of the close that failed, or EIO. */
#if CAS_HAVE_FOPENCOOKIE
#define _GNU_SOURCE /* fopencookie */
#endif
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/core.h"
#include "core/coreInt.h"

char *cas_path_join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

#if CAS_HAVE_FOPENCOOKIE
/* The stream's writes: all of it, or less with the first error kept in the file. */
static ssize_t cookie_write(void *cookie, const char *buf, size_t size)
{
    struct cas_atomic_file *a = cookie;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(a->fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (!a->error)
                a->error = n < 0 ? errno : ENOSPC;
            errno = a->error;
            /* short of size: stdio marks the stream in error. Not -1: glibc 2.36
             * takes it for a huge count in fwrite and reads past the buffer. */
            return (ssize_t)done;
        }
        done += (size_t)n;
    }
    return (ssize_t)size;
}

static int cookie_close(void *cookie)
{
    struct cas_atomic_file *a = cookie;
    int rc = close(a->fd);
    if (rc != 0 && !a->error)
        a->error = errno;
    a->fd = -1;
    return rc;
}

static FILE *open_stream(struct cas_atomic_file *a)
{
    cookie_io_functions_t io = {.write = cookie_write, .close = cookie_close};
    return fopencookie(a, "w", io);
}
#else
static FILE *open_stream(struct cas_atomic_file *a)
{
    return fdopen(a->fd, "w"); /* fclose closes a->fd */
}
#endif

/* clang-format off */
static const char *kind_of(mode_t m)
{
    return S_ISLNK(m) ? "a symbolic link" : S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}
/* clang-format on */

int cas_output_check(const char *path, const char *const *inputs, size_t n, char *why,
                     size_t why_len)
{
    struct stat st, in;
    if (lstat(path, &st) != 0)
        return 0; /* absent (or unreachable: the write says why) */
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, why_len, "it is %s", kind_of(st.st_mode));
        return CAS_EINVAL;
    }
    for (size_t k = 0; k < n; k++)
        if (inputs[k] && stat(inputs[k], &in) == 0 && in.st_dev == st.st_dev &&
            in.st_ino == st.st_ino) {
            snprintf(why, why_len, "it is the input '%s'", inputs[k]);
            return CAS_EINVAL;
        }
    return 0;
}

int cas_atomic_open(struct cas_atomic_file *a, const char *path)
{
    size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
    *a = (struct cas_atomic_file){.path = path, .tmp = malloc(n), .fd = -1};
    if (!a->tmp) {
        errno = ENOMEM;
        return CAS_ENOMEM;
    }
    snprintf(a->tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(a->tmp);
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0) {
        a->fd = fd;
        if (fchmod(fd, 0666 & ~mask) != 0 || !(a->f = open_stream(a))) {
            int e = errno;
            close(fd);
            unlink(a->tmp);
            errno = e;
        }
    }
    if (!a->f) {
        int e = errno;
        free(a->tmp);
        *a = (struct cas_atomic_file){.path = path, .fd = -1};
        errno = e;
        return CAS_EIO;
    }
    return 0;
}

int cas_atomic_commit(struct cas_atomic_file *a)
{
    bool ok = !ferror(a->f);
    errno = 0;
    if (fclose(a->f) != 0 || !ok || a->error) {
        int closing = errno; /* without fopencookie, the last flush's reason */
        ok = false;
        /* the write's own reason, ENOSPC say */
        errno = a->error ? a->error : closing ? closing : EIO;
    }
    if (ok && rename(a->tmp, a->path) != 0)
        ok = false;
    int e = errno;
    if (!ok)
        unlink(a->tmp);
    free(a->tmp);
    *a = (struct cas_atomic_file){.path = a->path, .fd = -1};
    errno = e;
    return ok ? 0 : CAS_EIO;
}

void cas_atomic_discard(struct cas_atomic_file *a)
{
    if (!a->f)
        return;
    fclose(a->f);
    unlink(a->tmp);
    free(a->tmp);
    *a = (struct cas_atomic_file){.path = a->path, .fd = -1};
}

int cas_write_file_atomic(const char *path, const char *text)
{
    struct cas_atomic_file a;
    int rc = cas_atomic_open(&a, path);
    if (rc)
        return rc;
    fputs(text, a.f);
    return cas_atomic_commit(&a);
}

void cas__remove_flat(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = cas_path_join(path, e->d_name);
        if (p)
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(path);
}
