/* gnuplot: the page's figures drawn by gnuplot — run as a child process, one script per
 * figure, in a private temporary directory (TMPDIR, else /tmp) — and inlined into the page
 * as SVG with their captions (gnuplot.h).
 *
 * The child writes only to its own log in that directory and ends with _exit; the parent
 * polls the caller's `stopped` while it waits, ends gnuplot on a signal and says so. Every
 * failure fills the report's struct cas_err and returns a CAS_E* code; nothing is printed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cascade/core.h"
#include "core/coreInt.h"
#include "report/csv.h"
#include "report/gnuplot.h"
#include "report/html.h"

void cas__gp_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

bool cas__gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        char buf[4096];
        if (len > 0 && len < sizeof buf - 10) {
            snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)len, path);
            struct stat st;
            if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
                return true;
        }
        path += len + (path[len] == ':');
    }
    return false;
}

int cas__tmp_make(struct cas_report *r)
{
    const char *tmpbase = getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s/cascade-report-XXXXXX",
             tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(r->tmpdir)) {
        int rc = cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot create '%s': %s", r->tmpdir,
                                 strerror(errno));
        r->tmpdir[0] = 0;
        return rc;
    }
    return 0;
}

static FILE *tmp_open(const struct cas_report *r, const char *name, const char *mode)
{
    char *p = cas_path_join(r->tmpdir, name);
    FILE *f = p ? fopen(p, mode) : NULL;
    free(p);
    return f;
}

FILE *cas__tmp_create(const struct cas_report *r, const char *name)
{
    FILE *f = tmp_open(r, name, "w");
    if (!f)
        cas__report_err(r->err, errno == ENOMEM ? CAS_ENOMEM : CAS_EIO, NULL, 0,
                        "cannot write gnuplot's file '%s': %s", name, strerror(errno));
    return f;
}

int cas__tmp_close(const struct cas_report *r, FILE *f, const char *name)
{
    if (fclose(f) == 0)
        return 0;
    return cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot write gnuplot's file '%s': %s", name,
                           strerror(errno));
}

void cas__tmp_remove(struct cas_report *r)
{
    if (!r->tmpdir[0])
        return;
    cas__remove_flat(r->tmpdir);
    r->tmpdir[0] = 0;
}

int cas__stop_now(const struct cas_report *r)
{
    int signo = r->stopped ? r->stopped() : 0;
    if (!signo)
        return 0;
    return cas__report_err(r->err, CAS_EIO, NULL, 0, "stopped by signal %d (%s); no page written",
                           signo, strsignal(signo));
}

/* Run `gnuplot NAME.gp` in the temporary directory, its output to NAME.log.
 * 0, or CAS_EIO (with gnuplot's first complaint) or CAS_ENOTFOUND (no gnuplot). */
static int gnuplot_run(const struct cas_report *r, const char *name, const char *title)
{
    char script[64], log[64];
    int rc;
    if ((rc = cas__stop_now(r)))
        return rc;
    snprintf(script, sizeof script, "%s.gp", name);
    snprintf(log, sizeof log, "%s.log", name);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot start gnuplot: %s",
                               strerror(errno));
    if (pid == 0) {
        int fd;
        if (chdir(r->tmpdir) != 0 || (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
            _exit(126);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return cas__report_err(r->err, CAS_EIO, NULL, 0, "waiting for gnuplot: %s",
                                   strerror(errno));
        if (r->stopped && r->stopped()) { /* end gnuplot, then say so */
            kill(pid, SIGTERM);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return cas__stop_now(r);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return cas__report_err(r->err, CAS_ENOTFOUND, NULL, 0, CAS__NEEDS_GNUPLOT);
    /* gnuplot's first non-blank line of complaint, for the one-line message. */
    char first[200] = "";
    FILE *f = tmp_open(r, log, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            char *s = line + strspn(line, " \t^");
            if (*s) {
                snprintf(first, sizeof first, "%s", s);
                break;
            }
        }
        fclose(f);
    }
    if (WIFEXITED(status))
        return cas__report_err(r->err, CAS_EIO, NULL, 0,
                               "gnuplot failed on the figure '%s' (exit status %d)%s%s", title,
                               WEXITSTATUS(status), first[0] ? ": " : "", first);
    return cas__report_err(r->err, CAS_EIO, NULL, 0,
                           "gnuplot failed on the figure '%s' (killed by signal %d)", title,
                           WTERMSIG(status));
}

/* Copy gnuplot's SVG into the page: without its XML declaration, with the
 * figure's title as its <title>, and every id (and reference to one) prefixed
 * with "figN-" so that eight inlined SVGs do not share ids. */
static int inline_svg(const struct cas_report *r, FILE *html, int num, const char *name,
                      const char *title)
{
    char file[64];
    snprintf(file, sizeof file, "%s.svg", name);
    FILE *f = tmp_open(r, file, "r");
    if (!f)
        return cas__report_err(r->err, CAS_EIO, NULL, 0, "gnuplot wrote no figure '%s'", title);
    char *svg = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&svg, &cap, 0, f);
    fclose(f);
    const char *p = len > 0 ? strstr(svg, "<svg") : NULL;
    if (!p) {
        free(svg);
        return cas__report_err(r->err, CAS_EIO, NULL, 0, "gnuplot wrote no SVG for the figure '%s'",
                               title);
    }
    static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
    char prefix[16];
    snprintf(prefix, sizeof prefix, "fig%d-", num);
    fputs("<svg class=\"fig\" role=\"img\" aria-label=\"", html);
    cas__html_text(html, title);
    fputc('"', html);
    p += 4;
    while (*p) {
        if (strncmp(p, "<title>Gnuplot</title>", 22) == 0) {
            fputs("<title>", html);
            cas__html_text(html, title);
            fputs("</title>", html);
            p += 22;
            continue;
        }
        bool matched = false;
        for (size_t k = 0; k < sizeof refs / sizeof *refs && !matched; k++) {
            size_t n = strlen(refs[k]);
            /* "id=" only as a whole attribute name; the references anywhere. */
            if (strncmp(p, refs[k], n) == 0 && (k > 1 || !isalnum((unsigned char)p[-1]))) {
                fwrite(p, 1, n, html);
                fputs(prefix, html);
                p += n;
                matched = true;
            }
        }
        if (!matched)
            fputc(*p++, html);
    }
    free(svg);
    return 0;
}

FILE *cas__script_begin(const struct cas_report *r, const char *name, const char *title)
{
    char file[64];
    snprintf(file, sizeof file, "%s.gp", name);
    FILE *gp = cas__tmp_create(r, file);
    if (!gp)
        return NULL;
    fprintf(gp,
            "set terminal svg size 900,360 dynamic enhanced font 'Arial,12'\n"
            "set output '%s.svg'\n"
            "set datafile missing 'NaN'\n"
            "set border lc rgb '#444444'\n"
            "set grid lc rgb '#dddddd' lt 1\n"
            "set key below horizontal\n"
            "set title ",
            name);
    cas__gp_string(gp, title);
    fputs(" noenhanced font 'Arial,14'\n", gp);
    return gp;
}

int cas__figure_end(const struct cas_report *r, FILE *gp, FILE *html, int num, const char *name,
                    const char *title, const char *caption, const char *note)
{
    if (fclose(gp) != 0)
        return cas__report_err(r->err, CAS_EIO, NULL, 0, "cannot write gnuplot's script: %s",
                               strerror(errno));
    int rc;
    if (!CAS__GNUPLOT) {
        if ((rc = cas__stop_now(r)))
            return rc;
        fprintf(html, "<figure id=\"fig%d\" class=\"undrawn\" data-title=\"", num);
        cas__html_text(html, title);
        fputs("\">\n<p class=\"undrawn\">", html);
        cas__html_text(html, title);
        fputs(": drawn by gnuplot in the native program's page; this build (WebAssembly) "
              "cannot start it.</p>\n",
              html);
    } else {
        if ((rc = gnuplot_run(r, name, title)))
            return rc;
        fprintf(html, "<figure id=\"fig%d\">\n", num);
        if ((rc = inline_svg(r, html, num, name, title)))
            return rc;
    }
    fputs("<figcaption", html);
    if (r->facts && r->facts[0]) {
        fputs(" data-facts=\"", html);
        cas__html_text(html, r->facts);
        fputc('"', html);
        r->facts[0] = 0;
    }
    fprintf(html, "><b>Figure %d.</b> ", num);
    cas__html_text(html, caption);
    if (note) {
        fputs(" <span class=\"note\">", html);
        cas__html_text(html, note);
        fputs("</span>", html);
    }
    fputs("</figcaption>\n</figure>\n", html);
    return 0;
}
