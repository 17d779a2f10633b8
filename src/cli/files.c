/* files: small filesystem, signal, clock and error helpers shared by the commands. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

/* Every standard stream is a terminal to emscripten's isatty: node knows. In a browser
 * (the lab's Web Worker, build-wasm/lab.html) there is no node: stderr is a terminal when
 * the page asks for the progress bar (the module's "progress" option), which it draws. */
/* clang-format off: JavaScript */
EM_JS(int, node_isatty, (int fd), {
    if (typeof process == "object" && process.versions && process.versions.node)
        return require("tty").isatty(fd) ? 1 : 0;
    return fd == 2 && Module["progress"] ? 1 : 0;
})

/* node's environment (none in a browser) as NAME=VALUE strings one after another, each
 * ended by a NUL, into buf when it fits in size bytes; the size it needs. */
EM_JS(int, node_environ, (char *buf, int size), {
    var text = "", nul = String.fromCharCode(0);
    var env = typeof process == "object" && process.env ? process.env : {};
    for (var name in env)
        text += name + "=" + env[name] + nul;
    var need = lengthBytesUTF8(text) + 1;
    if (need <= size)
        stringToUTF8(text, buf, size);
    return need;
})
/* clang-format on */

void cas__environ_import(void)
{
    int need = node_environ(NULL, 0);
    char *text = malloc((size_t)need);
    if (!text || node_environ(text, need) != need) {
        free(text);
        return;
    }
    for (char *p = text; *p; p += strlen(p) + 1) {
        char *eq = strchr(p, '=');
        if (!eq)
            continue;
        *eq = 0;
        setenv(p, eq + 1, 1);
        *eq = '=';
    }
    free(text);
}
#endif

bool cas__is_terminal(int fd)
{
#ifdef __EMSCRIPTEN__
    return node_isatty(fd);
#else
    return isatty(fd);
#endif
}

bool cas__dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT; /* missing counts as empty; a file does not */
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty;
}

int cas__mkdirs(const char *path, size_t *existed)
{
    char buf[4096];
    size_t len = strlen(path);
    if (existed)
        *existed = len;
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    bool made = false;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = 0;
        if (mkdir(buf, 0777) == 0) {
            if (!made && existed) { /* the first made: what existed is its parent */
                char *slash = strrchr(buf, '/');
                *existed = slash ? (size_t)(slash - buf) : 0;
            }
            made = true;
        } else if (errno != EEXIST) {
            return -1;
        }
        *p = c;
        if (!c)
            return 0;
    }
}

void cas__rmdirs(const char *path, size_t keep)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (size_t len = strlen(buf); len > keep;) {
        if (rmdir(buf) != 0 && errno != ENOENT && errno != ENAMETOOLONG)
            return; /* not empty, or not ours to remove: what is above it stays too */
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return;
        *slash = 0;
        len = (size_t)(slash - buf);
    }
}

/* ---- signals ---- */

static volatile sig_atomic_t caught;

static void on_signal(int signo)
{
    if (!caught)
        caught = signo;
}

void cas__signals_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocked waitpid returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int cas__signal_caught(void)
{
    return caught;
}

void cas__signal_die(void)
{
    int signo = caught;
    if (!signo)
        return;
    signal(signo, SIG_DFL);
    raise(signo);
    _exit(128 + signo); /* not reached: the default action ends the process */
}

double cas__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cas__cli_error(int code, const struct cas_err *err)
{
    const char *msg = err->msg[0] ? err->msg : cas_strerror(code);
    if (err->path[0])
        fprintf(stderr, "cascade: %s: %s\n", err->path, msg);
    else
        fprintf(stderr, "cascade: %s\n", msg);
    return code == CAS_EINVAL ? 2 : 1;
}
