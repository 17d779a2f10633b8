/* scenarios: the shipped configs found by name, and `cascade list`.
 *
 * The scenario library is the directory of the shipped configs: $CASCADE_DATADIR when set,
 * else PREFIX/share/cascade beside an installed program (bin/cascade's ../share/cascade), else
 * the configs/ of the checkout a built program sits in (build/cascade's ../configs). A run or
 * validate whose CONFIG is a bare name (letters, digits, '-', '_', '.'; not ending in .json)
 * that is not a file takes NAME.json from there. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int found(char *out, size_t n)
{
    char *real = realpath(out, NULL);
    if (!real)
        return -1;
    int rc = snprintf(out, n, "%s", real) < (int)n ? 0 : -1;
    free(real);
    return rc;
}

static const char *program_argv0;

void cas__program_set(const char *argv0)
{
    program_argv0 = argv0;
}

int cas__program_path(char *out, size_t n)
{
#ifdef __linux__
    ssize_t len = readlink("/proc/self/exe", out, n - 1);
    if (len <= 0)
        return -1;
    out[len] = 0;
    return 0;
#else
    const char *arg = program_argv0, *path = getenv("PATH");
    if (arg && strchr(arg, '/'))
        return snprintf(out, n, "%s", arg) < (int)n ? found(out, n) : -1;
    for (const char *dir = path && arg && arg[0] ? path : ""; *dir;) {
        size_t len = strcspn(dir, ":");
        if (len && snprintf(out, n, "%.*s/%s", (int)len, dir, arg) < (int)n &&
            access(out, X_OK) == 0)
            return found(out, n);
        dir += len + (dir[len] == ':');
    }
    errno = ENOENT;
    return -1;
#endif
}

int cas__scenario_dir(char *out, size_t n)
{
    const char *env = getenv("CASCADE_DATADIR");
    if (env && env[0]) {
        if (snprintf(out, n, "%s", env) >= (int)n || !is_dir(out))
            return -1;
        return found(out, n);
    }
    char exe[4096];
    if (cas__program_path(exe, sizeof exe) < 0)
        return -1;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = 0;
    /* installed: bin/../share/cascade; a checkout: build/../configs, with its default.json */
    static const char *const beside[] = {"/../share/cascade", "/../configs"};
    for (size_t k = 0; k < sizeof beside / sizeof *beside; k++) {
        char probe[4200];
        if (snprintf(out, n, "%s%s", exe, beside[k]) >= (int)n || !is_dir(out))
            continue;
        snprintf(probe, sizeof probe, "%s/default.json", out);
        if (k == 0 || is_file(probe))
            return found(out, n);
    }
    return -1;
}

bool cas__scenario_name(const char *arg)
{
    if (!arg[0] || arg[0] == '.' || strlen(arg) > 200)
        return false;
    for (const char *c = arg; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            return false;
    return true;
}

bool cas__scenario_bare(const char *arg)
{
    size_t len = strlen(arg);
    return cas__scenario_name(arg) && !(len >= 5 && strcmp(arg + len - 5, ".json") == 0);
}

int cas__scenario_find(const char *arg, char *out, size_t n)
{
    char dir[4096];
    if (!cas__scenario_bare(arg) || cas__scenario_dir(dir, sizeof dir) < 0)
        return -1;
    if (snprintf(out, n, "%s/%s.json", dir, arg) >= (int)n || !is_file(out))
        return -1;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char list_usage[] =
    "usage: cascade list\n"
    "\n"
    "Lists the shipped scenarios, which 'cascade run NAME' and 'cascade validate NAME'\n"
    "take by name when no file NAME exists: each name and its file. They are the\n"
    "configs of $CASCADE_DATADIR when set, else of PREFIX/share/cascade beside an\n"
    "installed program, else of the configs/ directory of the checkout the program\n"
    "was built in (configs/README.md tells each one's story).\n"
    "\n";

int cas_cli_list(int argc, char **argv)
{
    const struct cas_cli_option options[] = {{0}};
    const struct cas_command cmd = {.name = "list", .usage = list_usage, .options = options};
    int rc = cas_parse_options(&cmd, argc, argv);
    if (rc)
        return rc == CAS_PARSE_HELP ? 0 : rc;
    char dir[4096];
    if (cas__scenario_dir(dir, sizeof dir) < 0) {
        const char *env = getenv("CASCADE_DATADIR");
        if (env && env[0])
            fprintf(stderr, "cascade: CASCADE_DATADIR '%s' is not a directory\n", env);
        else
            fprintf(stderr, "cascade: no scenario library beside the program (no "
                            "../share/cascade or ../configs); set CASCADE_DATADIR\n");
        return 2;
    }
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "cascade: cannot read '%s': %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 || !cas__scenario_name(e->d_name))
            continue;
        if (n == cap) {
            char **grown = realloc(names, (cap = cap ? 2 * cap : 16) * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if (!(names[n] = strndup(e->d_name, len - 5)))
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t k = 0; k < n; k++) {
        printf("%-24s %s/%s.json\n", names[k], dir, names[k]);
        free(names[k]);
    }
    free(names);
    return 0;
}
