/* options: the options of a command, parsed and explained from one table
 * (struct cas_cli_option in core.h, after git's parse-options): every command's
 * usage errors take one form and exit status 2, and its help lists the
 * options the parser knows. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cascade/core.h"

#define HELP_COLUMN 23 /* where an option's help text starts */

static void hint(const struct cas_command *cmd)
{
    if (cmd->hint)
        fprintf(stderr, " (%s)\n", cmd->hint);
    else
        fprintf(stderr, " (see 'cascade %s --help')\n", cmd->name);
}

int cas_usage_error(const struct cas_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cascade: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    hint(cmd);
    return CAS_PARSE_BAD;
}

int cas_cli_option_needs(const struct cas_command *cmd, const struct cas_cli_option *opt,
                         const char *as)
{
    char name[64];
    if (!as) {
        if (opt->long_name)
            snprintf(name, sizeof name, "--%s", opt->long_name);
        else
            snprintf(name, sizeof name, "-%c", opt->short_name);
        as = name;
    }
    if (opt->needs)
        return cas_usage_error(cmd, "'%s' needs %s", as, opt->needs);
    return cas_usage_error(cmd, "missing %s after '%s'", opt->arg, as);
}

/* Does `arg` name opt (as -s or --long), alone or followed by '='? The length of
 * the name when it does, else 0. */
static size_t matches(const struct cas_cli_option *opt, const char *arg)
{
    size_t len = 0;
    if (arg[1] != '-' && opt->short_name && arg[1] == opt->short_name)
        len = 2;
    else if (arg[1] == '-' && opt->long_name &&
             strncmp(arg + 2, opt->long_name, strlen(opt->long_name)) == 0)
        len = 2 + strlen(opt->long_name);
    return len && (arg[len] == 0 || arg[len] == '=') ? len : 0;
}

/* One option at argv[*i] (advancing *i past its value). */
static int take(const struct cas_command *cmd, const struct cas_cli_option *opt, size_t len,
                int argc, char **argv, int *i)
{
    const char *arg = argv[*i], *value = NULL;
    char as[64];
    snprintf(as, sizeof as, "%.*s", (int)len, arg);
    if (opt->kind == CAS_OPT_FLAG) {
        if (arg[len])
            return cas_usage_error(cmd, "unknown option '%s'", arg);
        *(bool *)opt->target = true;
        return CAS_PARSE_OK;
    }
    if (arg[len] == '=')
        value = arg + len + 1;
    else if (*i + 1 < argc)
        value = argv[++*i];
    if (!value || !*value) /* an empty value is a missing one */
        return cas_cli_option_needs(cmd, opt, as);
    if (opt->kind == CAS_OPT_STRING) {
        *(const char **)opt->target = value;
        return CAS_PARSE_OK;
    }
    return opt->fn(cmd, opt, value);
}

int cas_parse_options(const struct cas_command *cmd, int argc, char **argv)
{
    bool options = true;
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options && arg[0] == '-' && arg[1] != 0) {
            if (strcmp(arg, "--") == 0) {
                options = false;
                continue;
            }
            if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                cas_command_help(cmd, stdout);
                return CAS_PARSE_HELP;
            }
            const struct cas_cli_option *opt = cmd->options;
            size_t len = 0;
            while (opt->kind != CAS_OPT_END && !(len = matches(opt, arg)))
                opt++;
            int rc = opt->kind == CAS_OPT_END ? cas_usage_error(cmd, "unknown option '%s'", arg)
                                              : take(cmd, opt, len, argc, argv, &i);
            if (rc)
                return rc;
        } else if (n < cmd->n_args) {
            cmd->args[n++] = arg;
        } else {
            return cas_usage_error(cmd, "unexpected argument '%s'", arg);
        }
    }
    return CAS_PARSE_OK;
}

/* "  -o, --output DIR", padded to HELP_COLUMN, then the help's lines. */
static void option_help(const struct cas_cli_option *opt, FILE *f)
{
    int w = fprintf(f, "  ");
    if (opt->short_name)
        w += fprintf(f, "-%c%s", opt->short_name, opt->long_name ? ", " : "");
    if (opt->long_name)
        w += fprintf(f, "--%s", opt->long_name);
    if (opt->arg)
        w += fprintf(f, " %s", opt->arg);
    if (w > HELP_COLUMN - 1) {
        fputc('\n', f);
        w = 0;
    }
    for (const char *line = opt->help; *line;) {
        size_t len = strcspn(line, "\n");
        fprintf(f, "%*s%.*s\n", HELP_COLUMN - w, "", (int)len, line);
        w = 0;
        line += len + (line[len] == '\n');
    }
}

void cas_command_help(const struct cas_command *cmd, FILE *f)
{
    static const struct cas_cli_option help = {
        .kind = CAS_OPT_FLAG, .short_name = 'h', .long_name = "help", .help = "this help"};
    fputs(cmd->usage, f);
    for (const struct cas_cli_option *opt = cmd->options; opt->kind != CAS_OPT_END; opt++)
        option_help(opt, f);
    option_help(&help, f);
    if (cmd->epilogue)
        fprintf(f, "\n%s", cmd->epilogue);
}
