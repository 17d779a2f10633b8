/* reportInt: the report module's entry for its fuzz harness; private to src/ and tests/. */
#ifndef CASCADE_REPORT_INT_H
#define CASCADE_REPORT_INT_H

#include <stdio.h>

/* Read the run directory as cas_report_read does and write the headline, the
 * instruments, the agents, the cascade table, the trees and the player's data
 * (all but gnuplot's figures) to html: the fuzz target of the report's readers
 * (tests/fuzz/fuzz_report.c). 0, or the status reading gave (message printed). */
int cas__report_check(const char *rundir, FILE *html);

#endif
