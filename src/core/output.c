/* output: paths, and files written whole or not at all (a temporary beside the
 * destination, renamed into place only once complete). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/core.h"

char *cas_path_join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

int cas_atomic_open(struct cas_atomic_file *a, const char *path)
{
    size_t n = strlen(path) + sizeof ".tmp-XXXXXX";
    *a = (struct cas_atomic_file){.path = path, .tmp = malloc(n)};
    if (!a->tmp) {
        errno = ENOMEM;
        return CAS_ENOMEM;
    }
    snprintf(a->tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(a->tmp);
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0 && (fchmod(fd, 0666 & ~mask) != 0 || !(a->f = fdopen(fd, "w")))) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        errno = e;
    }
    if (!a->f) {
        int e = errno;
        free(a->tmp);
        a->tmp = NULL;
        errno = e;
        return CAS_EIO;
    }
    return 0;
}

int cas_atomic_commit(struct cas_atomic_file *a)
{
    bool ok = !ferror(a->f);
    if (fclose(a->f) != 0)
        ok = false;
    else if (!ok)
        errno = EIO;
    if (ok && rename(a->tmp, a->path) != 0)
        ok = false;
    int e = errno;
    if (!ok)
        unlink(a->tmp);
    free(a->tmp);
    *a = (struct cas_atomic_file){.path = a->path};
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
    *a = (struct cas_atomic_file){.path = a->path};
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
