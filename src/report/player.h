/* player: the report's replay player (player.c), for the cascade sections
 * (cascade_page.c), which read replay.jsonl. */
#ifndef CASCADE_REPORT_PLAYER_H
#define CASCADE_REPORT_PLAYER_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "cascade/core.h"
#include "report/csv.h"

/* A line of replay.jsonl, parsed and checked (docs/outputs.md). */
struct cas__replay_step {
    long long step;
    cJSON *json;
};

struct cas__player {
    /* put before every id the player writes and before its address's key "replay": "" (or
     * NULL) on a page of one run, whose ids docs/outputs.md gives; lowercase letters and
     * dashes only ("b-" for the second run of a page of two) */
    const char *prefix;
    const char *instrument;
    const struct cas__replay_step *steps; /* in step order */
    size_t n_steps;
    long long start;                  /* the step it opens at without #replay */
    const struct cas_rows *liq, *acc; /* liquidations.csv, accounts.csv (maybe no rows) */
    struct {
        const char *cascade; /* its id */
        long long step;      /* where its button goes */
    } jumps[3];
    size_t n_jumps;
};

/* The player's style sheet, for the page's cascade sections, its selectors of ids
 * prefixed as the player's ids are (struct cas__player's prefix). */
void cas__player_style(FILE *html, const char *prefix);

/* Write the player's section (nothing without steps): 0, or a CAS_E* code with err (which
 * may be NULL) filled. */
int cas__report_player(FILE *html, const struct cas__player *pl, struct cas_err *err);

#endif
