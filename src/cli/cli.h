/* cli: the subcommands of the cascade program; each returns the exit status
 * (0 ok, 1 runtime failure, 2 bad usage or input) and prints its own errors
 * on stderr as one line starting "cascade: ". */
#ifndef CASCADE_CLI_H
#define CASCADE_CLI_H

#include <stdio.h>

#include "cascade/core.h"
#include "cascade/replay.h" /* cas_replay, once declared here */

int cas_cli_run(int argc, char **argv);
int cas_cli_validate(int argc, char **argv);
int cas_cli_replay(int argc, char **argv);
int cas_cli_report(int argc, char **argv);
int cas_cli_sweep(int argc, char **argv);
int cas_cli_narrate(int argc, char **argv);
int cas_cli_facts(int argc, char **argv);
int cas_cli_list(int argc, char **argv);
/* `cascade run ARGS...` (argv[0] "run") made in this process with its messages to log
 * and its run directory's path not printed: a sweep's run where no process can be
 * started (sweep.c). The exit status. */
int cas__cli_run_logged(int argc, char **argv, FILE *log);

/* Whether the program can start processes (fork and exec): not as WebAssembly, where a
 * sweep makes its runs one after another in its own process and `report` cannot run
 * gnuplot. */
#ifdef __EMSCRIPTEN__
#define CAS_CLI_PROCESSES 0
#else
#define CAS_CLI_PROCESSES 1
#endif

/* The program's own file (scenarios.c): /proc/self/exe on Linux, else the argv[0] main was
 * given (cas__program_set) made absolute, looked up in PATH when it has no '/' (under
 * node, the script's path). 0, or -1 with errno set. */
int cas__program_path(char *out, size_t n);
void cas__program_set(const char *argv0);

/* The scenario library (scenarios.c): the directory of the shipped configs
 * ($CASCADE_DATADIR, else ../share/cascade or ../configs beside the program) into out:
 * 0, or -1 when there is none. */
int cas__scenario_dir(char *out, size_t n);
/* Whether arg can name a shipped scenario: letters, digits, '-', '_', '.', not first '.'. */
bool cas__scenario_name(const char *arg);
/* ... and is a bare name: not ending in .json (a file name, never looked up). */
bool cas__scenario_bare(const char *arg);
/* The file of the shipped scenario a bare name names (NAME.json there) into out: 0, or -1. */
int cas__scenario_find(const char *arg, char *out, size_t n);

/* Shared by the commands (files.c). */
/* True when `path` does not exist or is an empty directory. */
bool cas__dir_is_empty(const char *path);
/* mkdir -p: 0, or -1 with errno set. When existed is not NULL, *existed is the
 * length of the part of path that was there before: the directories this call
 * made (or, on failure, those it made before failing) are the ones below it. */
int cas__mkdirs(const char *path, size_t *existed);
/* Remove the empty directory path and then its parents, deepest first, while
 * they are longer than keep bytes (keep from cas__mkdirs); one that is not
 * there is passed over; stops at the first that cannot be removed. */
void cas__rmdirs(const char *path, size_t keep);
/* SIGINT, SIGTERM and SIGHUP set a flag instead of killing the process, so
 * that a command can remove what it has half written; it polls the flag with
 * cas__signal_caught (0 or the signal) and ends with cas__signal_die, which
 * ends the process by that signal (a shell reports status 128 + N). */
void cas__signals_catch(void);
int cas__signal_caught(void);
void cas__signal_die(void);
#ifdef __EMSCRIPTEN__
/* The environment node was given (CASCADE_DATADIR, PATH, TMPDIR...), set in the program's,
 * which emscripten otherwise fills with defaults of its own. */
void cas__environ_import(void);
#endif
/* isatty, which under node (WebAssembly) asks node. */
bool cas__is_terminal(int fd);
/* Monotonic seconds, for progress and performance figures only. */
double cas__now_s(void);
/* A library call's error as the command's one line on stderr: "cascade: PATH: MSG", or
 * "cascade: MSG" when err's path is empty (the code's text when there is no message); and
 * the exit status it calls for: 2 for bad input (CAS_EINVAL), else 1. */
int cas__cli_error(int code, const struct cas_err *err);

#endif
