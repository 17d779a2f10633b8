/* test_teaching: every command the lessons in docs/teaching/ give runs, as a
 * student would type it, from a copy of the repository's top (configs/ and
 * runs/), with `cascade` on the PATH; each exercise in a fresh directory. */
#include <dirent.h>

#include "lib/runs.h"

TestSuite(teaching, .init = runs_setup, .fini = runs_teardown, .timeout = 900);

/* Run the ```sh blocks of one page, line by line; returns how many ran. */
static int run_page(const char *dir, const char *page)
{
    char path[2400];
    snprintf(path, sizeof path, "%s/%s", dir, page);
    char *text = slurp_file(path);
    cr_assert_not_null(text, "cannot read %s", path);
    int ran = 0;
    char work[1024];
    snprintf(work, sizeof work, "%s/%s.d", run_tmp, page);
    const char *bin = getenv("CASCADE_BIN");
    cr_assert_not_null(bin);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/bin' '%s' && ln -sf '%s' '%s/bin/cascade' && ln -sfn '%s/configs' "
             "'%s/configs'",
             run_tmp, work, bin, run_tmp, source_root(), work);
    cr_assert_eq(system(cmd), 0);
    bool in_block = false;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = 0;
        if (strncmp(line, "```", 3) == 0) {
            in_block = !in_block && strcmp(line, "```sh") == 0;
            continue;
        }
        if (!in_block || !*line || line[0] == '#')
            continue;
        snprintf(cmd, sizeof cmd, "cd '%s' && PATH='%s/bin':\"$PATH\" %s >out.txt 2>err.txt", work,
                 run_tmp, line);
        int status = system(cmd);
        char errpath[1200];
        snprintf(errpath, sizeof errpath, "%s/err.txt", work);
        char *err = slurp_file(errpath);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: '%s' failed: %s", page, line,
                  err ? err : "");
        free(err);
        ran++;
    }
    cr_assert(!in_block, "%s: an unclosed ```sh block", page);
    free(text);
    return ran;
}

Test(teaching, every_command_of_every_exercise_runs)
{
    if (system("command -v gnuplot >/dev/null 2>&1") != 0)
        cr_skip_test("SKIP teaching: gnuplot is not installed; scripts/test installs it");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/docs/teaching", source_root());
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no docs/teaching");
    int pages = 0, commands = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 4 || e->d_name[0] < '0' || e->d_name[0] > '9' ||
            strcmp(e->d_name + len - 3, ".md") != 0)
            continue;
        int n = run_page(dir, e->d_name);
        cr_assert_gt(n, 0, "%s gives no command", e->d_name);
        cr_log_info("%s: %d commands ran", e->d_name, n);
        pages++;
        commands += n;
    }
    closedir(d);
    cr_assert_eq(pages, 8, "one exercise per mechanism and the lab's: 8 pages, found %d", pages);
    cr_assert_gt(commands, 20);
}
