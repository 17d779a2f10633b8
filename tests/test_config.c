/* test_config: parsing, defaults, every class of validation error, --set overrides, loading,
 * parameters given as distributions and their draws.
 *
 * Config texts are written with single quotes for readability; the helpers turn each
 * ' into " before parsing (no test needs a literal apostrophe). Every failing parse is
 * checked for the contract that holds for all errors: a negative code equal to
 * err.code, a zeroed struct, and a path and message without a newline.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/config.h"
#include "config/configInt.h"

#define MIN_INSTRUMENTS "'instruments': [{'name': 'X', 'initial_price': 100}]"
#define MIN "{" MIN_INSTRUMENTS "}"
#define TOP_KEYS                                                                            \
    "name, seed, steps, step_seconds, money_decimals, insurance_fund, record, instruments," \
    " agents, shocks"

/* A copy of s with every ' turned into " (caller frees). */
static char *dq(const char *s)
{
    char *t = strdup(s);
    cr_assert_not_null(t);
    for (char *c = t; *c; c++)
        if (*c == '\'')
            *c = '"';
    return t;
}

static int parse_with(struct cas_config *cfg, const char *text, const char *const *sets, size_t n,
                      struct cas_err *err)
{
    char *json = dq(text);
    char *conv[16];
    cr_assert_leq(n, 16u);
    for (size_t i = 0; i < n; i++)
        conv[i] = dq(sets[i]);
    int rc = cas_config_parse(cfg, json, "test.json", (const char *const *)conv, n, err);
    for (size_t i = 0; i < n; i++)
        free(conv[i]);
    free(json);
    return rc;
}

static void parse_ok(struct cas_config *cfg, const char *text, const char *const *sets, size_t n)
{
    struct cas_err err = {0};
    int rc = parse_with(cfg, text, sets, n, &err);
    cr_assert_eq(rc, 0, "parse failed: %d at '%s': %s", rc, err.path, err.msg);
    cr_assert_not_null(cfg->resolved_json);
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* Parse text, which must fail; checks what every failure promises and returns the error. */
static struct cas_err parse_fail(const char *text, const char *const *sets, size_t n)
{
    struct cas_config cfg;
    struct cas_err err = {0};
    memset(&cfg, 0x5a, sizeof cfg);
    int rc = parse_with(&cfg, text, sets, n, &err);
    cr_assert_lt(rc, 0, "parse of %s succeeded", text);
    cr_assert_eq(err.code, rc);
    cr_assert(all_zero(&cfg, sizeof cfg), "cfg not zeroed after an error");
    cr_assert_null(strchr(err.msg, '\n'), "newline in message: %s", err.msg);
    cr_assert_null(strchr(err.path, '\n'), "newline in path: %s", err.path);
    cr_assert_neq(err.msg[0], '\0');
    return err;
}

static void expect_error(const char *text, int code, const char *path, const char *msg)
{
    struct cas_err err = parse_fail(text, NULL, 0);
    cr_assert_str_eq(err.path, path, "for %s: got path '%s'", text, err.path);
    cr_assert_str_eq(err.msg, msg, "for %s: got message '%s'", text, err.msg);
    cr_assert_eq(err.code, code, "for %s: got code %d", text, err.code);
}

static void expect_set_error(const char *set, int code, const char *path, const char *msg)
{
    struct cas_err err = parse_fail(MIN, &set, 1);
    cr_assert_str_eq(err.path, path, "for %s: got path '%s'", set, err.path);
    cr_assert_str_eq(err.msg, msg, "for %s: got message '%s'", set, err.msg);
    cr_assert_eq(err.code, code, "for %s: got code %d", set, err.code);
}

static void expect_same_spec(const struct cas_instrument_spec *x,
                             const struct cas_instrument_spec *y)
{
    cr_assert_str_eq(x->name, y->name);
    cr_assert_eq(x->kind, y->kind);
    cr_assert_eq(x->contract_units, y->contract_units);
    cr_assert_eq(x->initial_price, y->initial_price);
    cr_assert_eq(x->max_leverage, y->max_leverage);
    cr_assert_eq(x->n_tiers, y->n_tiers);
    for (uint32_t t = 0; t < x->n_tiers; t++) {
        cr_assert_eq(x->tiers[t].floor, y->tiers[t].floor, "tiers[%u]", t);
        cr_assert_eq(x->tiers[t].mmr_ppm, y->tiers[t].mmr_ppm, "tiers[%u]", t);
        cr_assert_eq(x->tiers[t].max_leverage, y->tiers[t].max_leverage, "tiers[%u]", t);
    }
    cr_assert_eq(x->maker_fee_ppm, y->maker_fee_ppm);
    cr_assert_eq(x->taker_fee_ppm, y->taker_fee_ppm);
    cr_assert_eq(x->liq_mode, y->liq_mode);
    cr_assert_eq(x->liq_style, y->liq_style);
    cr_assert_eq(x->liq_max_lots_per_step, y->liq_max_lots_per_step);
    cr_assert_eq(x->liq_ioc_penalty_ppm, y->liq_ioc_penalty_ppm);
    cr_assert_eq(x->liq_slice_ppm, y->liq_slice_ppm);
    cr_assert_eq(x->liq_slice_above, y->liq_slice_above);
    cr_assert_eq(x->liq_slice_cooldown, y->liq_slice_cooldown);
    cr_assert_eq(x->close_factor_ppm, y->close_factor_ppm);
    cr_assert_eq(x->liq_bonus_ppm, y->liq_bonus_ppm);
    cr_assert_eq(x->adl_rank, y->adl_rank);
}

static void expect_same_instrument(const struct cas_instrument_config *x,
                                   const struct cas_instrument_config *y)
{
    cr_assert_str_eq(x->name, y->name);
    cr_assert_str_eq(x->kind, y->kind);
    cr_assert_eq(x->tick_size, y->tick_size);
    cr_assert_eq(x->lot_size, y->lot_size);
    cr_assert_eq(x->initial_price, y->initial_price);
    cr_assert_str_eq(x->venue, y->venue);
    expect_same_spec(&x->spec, &y->spec);
    cr_assert_eq(x->value_on, y->value_on);
    cr_assert_eq(x->value.drift, y->value.drift);
    cr_assert_eq(x->value.vol, y->value.vol);
    cr_assert_eq(x->value.jump_rate, y->value.jump_rate);
    cr_assert_eq(x->index_source, y->index_source);
    cr_assert_eq(x->gbm.drift, y->gbm.drift);
    cr_assert_eq(x->gbm.vol, y->gbm.vol);
    cr_assert_eq(x->gbm.jump_rate, y->gbm.jump_rate);
    cr_assert_eq(x->gbm.jump_mean, y->gbm.jump_mean);
    cr_assert_eq(x->gbm.jump_sd, y->gbm.jump_sd);
    for (int g = 0; g < 2; g++) {
        const struct cas_gbm_params *a = g ? &x->value : &x->gbm, *b = g ? &y->value : &y->gbm;
        cr_assert_eq(a->msm_k, b->msm_k);
        cr_assert_eq(a->msm_m0, b->msm_m0);
        for (uint32_t k = 0; k < a->msm_k; k++)
            cr_assert_eq(a->msm_rate[k], b->msm_rate[k]);
        cr_assert_eq(a->sqv_shape, b->sqv_shape);
        cr_assert_eq(a->sqv_decay, b->sqv_decay);
        cr_assert_eq(a->sqv_c, b->sqv_c);
    }
    cr_assert_str_eq(x->index_file, y->index_file);
    cr_assert_eq(x->index_spot, y->index_spot);
    cr_assert_eq(x->n_constituents, y->n_constituents);
    for (uint32_t k = 0; k < x->n_constituents; k++) {
        cr_assert_eq(x->constituent[k], y->constituent[k]);
        cr_assert_eq(x->weight[k], y->weight[k]);
    }
    cr_assert_eq(x->outliers, y->outliers);
    cr_assert_eq(x->outlier_band, y->outlier_band);
    cr_assert_eq(x->index_by_name, y->index_by_name);
    cr_assert_eq(x->mark_method, y->mark_method);
    cr_assert_eq(x->mark_ema_steps, y->mark_ema_steps);
    cr_assert_eq(x->funding_on, y->funding_on);
    cr_assert_eq(x->funding.interval, y->funding.interval);
    cr_assert_eq(x->funding.interest, y->funding.interest);
    cr_assert_eq(x->funding.clamp, y->funding.clamp);
    cr_assert_eq(x->funding.cap, y->funding.cap);
    cr_assert_eq(x->funding.premium, y->funding.premium);
    cr_assert_eq(x->funding.impact_lots, y->funding.impact_lots);
    cr_assert_eq(x->funding.weighted, y->funding.weighted);
    cr_assert_eq(x->band_on, y->band_on);
    cr_assert_eq(x->band.pct, y->band.pct);
    cr_assert_eq(x->band.window, y->band.window);
    cr_assert_eq(x->band.action, y->band.action);
    cr_assert_eq(x->band.halt_steps, y->band.halt_steps);
    cr_assert_eq(x->dynamic_margin_on, y->dynamic_margin_on);
    cr_assert_eq(x->dynamic_margin.window, y->dynamic_margin.window);
    cr_assert_eq(x->dynamic_margin.base_vol, y->dynamic_margin.base_vol);
    cr_assert_eq(x->dynamic_margin.max_scale, y->dynamic_margin.max_scale);
}

static void expect_same(const struct cas_config *a, const struct cas_config *b)
{
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->seed, b->seed);
    cr_assert_eq(a->steps, b->steps);
    cr_assert_eq(a->step_seconds, b->step_seconds);
    cr_assert_eq(a->sample_every, b->sample_every);
    cr_assert_eq(a->money_decimals, b->money_decimals);
    cr_assert_eq(a->insurance_fund, b->insurance_fund);
    cr_assert_eq(a->n_instruments, b->n_instruments);
    for (uint32_t i = 0; i < a->n_instruments; i++)
        expect_same_instrument(&a->instruments[i], &b->instruments[i]);
    cr_assert_eq(a->n_populations, b->n_populations);
    for (uint32_t i = 0; i < a->n_populations; i++) {
        const struct cas_population_config *x = &a->populations[i], *y = &b->populations[i];
        cr_assert_eq(x->type, y->type);
        cr_assert_eq(x->count, y->count);
        cr_assert_eq(x->instrument, y->instrument);
        cr_assert_eq(x->margin, y->margin);
        for (uint32_t k = 0; k < x->type->n_params; k++) {
            cr_assert_eq(x->params[k], y->params[k], "params[%u]", k);
            cr_assert_eq(x->dists[k].kind, y->dists[k].kind, "dists[%u]", k);
            cr_assert_eq(x->dists[k].a, y->dists[k].a, "dists[%u]", k);
            cr_assert_eq(x->dists[k].b, y->dists[k].b, "dists[%u]", k);
        }
    }
    cr_assert_eq(a->n_shocks, b->n_shocks);
    for (uint32_t i = 0; i < a->n_shocks; i++) {
        const struct cas_shock_config *x = &a->shocks[i], *y = &b->shocks[i];
        cr_assert_eq(x->step, y->step, "shocks[%u]", i);
        cr_assert_eq(x->kind, y->kind, "shocks[%u]", i);
        cr_assert_eq(x->instrument, y->instrument, "shocks[%u]", i);
        cr_assert_eq(x->side, y->side, "shocks[%u]", i);
        cr_assert_eq(x->qty, y->qty, "shocks[%u]", i);
        cr_assert_eq(x->price, y->price, "shocks[%u]", i);
        cr_assert_eq(x->price_written, y->price_written, "shocks[%u]", i);
        cr_assert_eq(x->pct, y->pct, "shocks[%u]", i);
        cr_assert_eq(x->over_steps, y->over_steps, "shocks[%u]", i);
        cr_assert_eq(x->position, y->position, "shocks[%u]", i);
        cr_assert_eq(x->holders, y->holders, "shocks[%u]", i);
    }
    cr_assert_str_eq(a->resolved_json, b->resolved_json);
}

/* Parse text, then its resolved_json: both must give the same struct and text. */
static void expect_idempotent(const char *text)
{
    struct cas_config a, b;
    struct cas_err err = {0};
    parse_ok(&a, text, NULL, 0);
    int rc = cas_config_parse(&b, a.resolved_json, "resolved", NULL, 0, &err);
    cr_assert_eq(rc, 0, "resolved text rejected at '%s': %s\n%s", err.path, err.msg,
                 a.resolved_json);
    expect_same(&a, &b);
    cas_config_release(&a);
    cas_config_release(&b);
}

static uint32_t param_index(const struct cas_agent_type *t, const char *name)
{
    for (uint32_t i = 0; i < t->n_params; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return i;
    cr_assert_fail("no param %s", name);
    return 0;
}

/* ---- valid configs ---- */

Test(config, minimal_config_gets_every_default)
{
    struct cas_config cfg;
    parse_ok(&cfg, MIN, NULL, 0);
    cr_assert_str_eq(cfg.name, "experiment");
    cr_assert_eq(cfg.seed, 1);
    cr_assert_eq(cfg.steps, 86400);
    cr_assert_eq(cfg.step_seconds, 1.0);
    cr_assert_eq(cfg.sample_every, 60);
    cr_assert_eq(cfg.n_instruments, 1);
    cr_assert_str_eq(cfg.instruments[0].name, "X");
    cr_assert_str_eq(cfg.instruments[0].kind, "spot");
    cr_assert_eq(cfg.instruments[0].tick_size, 0.01);
    cr_assert_eq(cfg.instruments[0].lot_size, 1.0);
    cr_assert_eq(cfg.instruments[0].initial_price, 10000);
    cr_assert_eq(cfg.n_populations, 0);
    cr_assert_null(cfg.populations);
    cas_config_release(&cfg);
    cr_assert(all_zero(&cfg, sizeof cfg));
}

Test(config, agent_defaults_come_from_the_type_table)
{
    struct cas_config cfg;
    parse_ok(&cfg, "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}]}", NULL, 0);
    cr_assert_eq(cfg.n_populations, 1);
    const struct cas_population_config *pop = &cfg.populations[0];
    cr_assert_eq(pop->type, &cas_agent_noise);
    cr_assert_eq(pop->count, 1);
    cr_assert_eq(pop->instrument, 0);
    for (uint32_t i = 0; i < cas_agent_noise.n_params; i++)
        cr_assert_eq(pop->params[i], cas_agent_noise.params[i].def, "%s",
                     cas_agent_noise.params[i].name);
    cas_config_release(&cfg);
}

static const char full[] =
    "{'name': 'full-run_1.b', 'seed': 9007199254740991, 'steps': 5000, 'step_seconds': 0.25,"
    " 'record': {'sample_every': 7},"
    " 'instruments': [{'name': 'BTC', 'kind': 'spot', 'tick_size': 0.5, 'lot_size': 0.001,"
    "                  'initial_price': 30000.5},"
    "                 {'name': 'eth', 'tick_size': 0.01, 'initial_price': 100.07}],"
    " 'agents': [{'type': 'noise', 'count': 3, 'instrument': 'eth',"
    "             'params': {'window': 20, 'mu': 0.30000000000000004, 'delta': 1}},"
    "            {'type': 'noise', 'count': 1000000, 'params': {'sigma': 4}}]}";

Test(config, full_config_is_read_field_by_field)
{
    struct cas_config cfg;
    parse_ok(&cfg, full, NULL, 0);
    cr_assert_str_eq(cfg.name, "full-run_1.b");
    cr_assert_eq(cfg.seed, 9007199254740991ULL);
    cr_assert_eq(cfg.steps, 5000);
    cr_assert_eq(cfg.step_seconds, 0.25);
    cr_assert_eq(cfg.sample_every, 7);
    cr_assert_eq(cfg.n_instruments, 2);
    cr_assert_eq(cfg.instruments[0].tick_size, 0.5);
    cr_assert_eq(cfg.instruments[0].lot_size, 0.001);
    cr_assert_eq(cfg.instruments[0].initial_price, 60001);
    cr_assert_str_eq(cfg.instruments[1].name, "eth");
    cr_assert_eq(cfg.instruments[1].initial_price, 10007);
    cr_assert_eq(cfg.n_populations, 2);
    const struct cas_population_config *a = &cfg.populations[0], *b = &cfg.populations[1];
    const struct cas_agent_type *t = &cas_agent_noise;
    cr_assert_eq(a->count, 3);
    cr_assert_eq(a->instrument, 1);
    cr_assert_eq(a->params[param_index(t, "window")], 20);
    cr_assert_eq(a->params[param_index(t, "mu")], 0.30000000000000004);
    cr_assert_eq(a->params[param_index(t, "delta")], 1);
    cr_assert_eq(a->params[param_index(t, "sigma")], t->params[param_index(t, "sigma")].def);
    cr_assert_eq(b->count, 1000000);
    cr_assert_eq(b->instrument, 0);
    cr_assert_eq(b->params[param_index(t, "sigma")], 4);
    cas_config_release(&cfg);
}

Test(config, resolved_json_is_canonical_and_complete)
{
    struct cas_config cfg;
    parse_ok(&cfg, "{'agents': [{'type': 'noise'}], 'steps': 10, " MIN_INSTRUMENTS ", 'seed': 5}",
             NULL, 0);
    const char *keys[] = {
        "\"name\"",          "\"seed\"",        "\"steps\"", "\"step_seconds\"", "\"record\"",
        "\"sample_every\"",  "\"instruments\"", "\"kind\"",  "\"tick_size\"",    "\"lot_size\"",
        "\"initial_price\"", "\"agents\"",      "\"type\"",  "\"count\"",        "\"instrument\"",
        "\"params\"",        "\"mu\"",          "\"alpha\"", "\"delta\"",        "\"sigma\"",
        "\"window\""};
    const char *at = cfg.resolved_json;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *next = strstr(at, keys[i]);
        cr_assert_not_null(next, "%s missing or out of order in\n%s", keys[i], cfg.resolved_json);
        at = next;
    }
    /* few steps: sample_every defaults to steps rather than failing */
    cr_assert_eq(cfg.sample_every, 10);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"seed\":\t5,"));
    cr_assert_not_null(strstr(cfg.resolved_json, "\"sigma\":\t1,"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
}

Test(config, big_seed_prints_as_an_exact_integer)
{
    struct cas_config cfg;
    parse_ok(&cfg, "{'seed': 9007199254740991, " MIN_INSTRUMENTS "}", NULL, 0);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"seed\":\t9007199254740991,"), "%s",
                       cfg.resolved_json);
    cas_config_release(&cfg);
    parse_ok(&cfg, "{'seed': 9007199254740992, " MIN_INSTRUMENTS "}", NULL, 0);
    cr_assert_eq(cfg.seed, 9007199254740992ULL);
    cas_config_release(&cfg);
}

Test(config, resolved_json_parses_back_to_the_same_config)
{
    expect_idempotent(MIN);
    expect_idempotent(full);
    expect_idempotent("{'step_seconds': 0.1, 'seed': 0, 'money_decimals': 9,"
                      " 'instruments': [{'name': 'a',"
                      " 'tick_size': 0.1, 'lot_size': 1e-8, 'initial_price': 0.3}],"
                      " 'agents': [{'type': 'noise', 'params': {'mu': 1e-300, 'alpha': 0}}]}");
}

Test(config, release_is_idempotent)
{
    struct cas_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cas_config_release(&cfg);
    parse_ok(&cfg, MIN, NULL, 0);
    cas_config_release(&cfg);
    cas_config_release(&cfg);
    cr_assert(all_zero(&cfg, sizeof cfg));
}

/* ---- unknown keys ---- */

Test(config, unknown_key_at_top_level)
{
    expect_error("{'stepz': 5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "stepz",
                 "unknown key 'stepz' (did you mean 'steps'?)");
    /* 'stp' is 2 edits from 'steps', beyond the max(1, 3/3) allowed */
    expect_error("{'stp': 5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "stp",
                 "unknown key 'stp' (known keys: " TOP_KEYS ")");
    expect_error("{'zzzzzz': 5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "zzzzzz",
                 "unknown key 'zzzzzz' (known keys: " TOP_KEYS ")");
}

Test(config, unknown_key_in_record_and_instrument)
{
    expect_error("{'record': {'sample': 1}, " MIN_INSTRUMENTS "}", CAS_EINVAL, "record.sample",
                 "unknown key 'sample' (known keys: sample_every, trades, liqmap, "
                 "stylized_warmup_s, opening_max_s, episode_gap_s, "
                 "amplification_horizon_steps, replay_window_steps, ...)");
    expect_error("{'instruments': [{'name': 'a', 'initial_price': 1},"
                 " {'name': 'b', 'initial_price': 1, 'tick_sise': 1}]}",
                 CAS_EINVAL, "instruments[1].tick_sise",
                 "unknown key 'tick_sise' (did you mean 'tick_size'?)");
}

/* record.replay: pairs of steps, in range and in order; the horizons at most steps; the
 * stylized facts' warm-up a number of seconds, 0 or more. */
Test(config, record_replay_ranges_and_horizons)
{
    expect_error("{'steps': 100, 'record': {'replay': [[1, 2], [5]]}, " MIN_INSTRUMENTS "}",
                 CAS_EINVAL, "record.replay[1]",
                 "must be a pair of steps [FROM, TO], got an array");
    expect_error("{'steps': 100, 'record': {'replay': [[1, 100]]}, " MIN_INSTRUMENTS "}",
                 CAS_ERANGE, "record.replay[0][1]", "must be between 0 and 99, got 100");
    expect_error("{'steps': 100, 'record': {'replay': [[7, 3]]}, " MIN_INSTRUMENTS "}", CAS_ERANGE,
                 "record.replay[0]", "TO (3) is before FROM (7)");
    expect_error(
        "{'steps': 100, 'record': {'amplification_horizon_steps': 101}, " MIN_INSTRUMENTS "}",
        CAS_ERANGE, "record.amplification_horizon_steps", "must not exceed 'steps' (100), got 101");
    expect_error("{'record': {'stylized_warmup_s': -1}, " MIN_INSTRUMENTS "}", CAS_ERANGE,
                 "record.stylized_warmup_s", "must be between 0 and 1000000000, got -1");
    expect_error("{'record': {'stylized_warmup_s': 'an hour'}, " MIN_INSTRUMENTS "}", CAS_EINVAL,
                 "record.stylized_warmup_s", "must be a number, got a string");
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    char text[] = "{\"steps\": 1000, \"record\": {\"replay\": [[10, 20], [30, 30]]}, "
                  "\"instruments\": [{\"name\": \"X\", \"initial_price\": 100}]}";
    cr_assert_eq(cas_config_parse(&cfg, text, NULL, NULL, 0, &err), 0, "%s: %s", err.path, err.msg);
    cr_assert_eq(cfg.n_replay, 2);
    cr_assert_eq(cfg.replay[1][0], 30);
    cr_assert_eq(cfg.replay_window, 60);
    cr_assert_eq(cfg.stylized_warmup_s, 3600);
    cr_assert_eq(cfg.amplification_horizon, 600);
    cr_assert_not_null(strstr(cfg.resolved_json, "[[10, 20], [30, 30]]"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
}

Test(config, unknown_key_in_agent)
{
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'cuont': 2}]}", CAS_EINVAL,
                 "agents[0].cuont", "unknown key 'cuont' (did you mean 'count'?)");
}

Test(config, unknown_param_suggests_from_the_type_table)
{
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'},"
                 " {'type': 'noise', 'params': {'mmu': 1}}]}",
                 CAS_EINVAL, "agents[1].params.mmu", "unknown key 'mmu' (did you mean 'mu'?)");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'MU': 1}}]}",
                 CAS_EINVAL, "agents[0].params.MU", "unknown key 'MU' (did you mean 'mu'?)");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'sgima': 1}}]}",
                 CAS_EINVAL, "agents[0].params.sgima",
                 "unknown key 'sgima' (did you mean 'sigma'?)");
    /* the list is the type's table, in its order */
    char msg[256] = "unknown key 'spread' (known keys: ";
    for (uint32_t i = 0; i < cas_agent_noise.n_params; i++)
        snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s", i ? ", " : "",
                 cas_agent_noise.params[i].name);
    strcat(msg, ")");
    cr_assert_not_null(strstr(msg, "mu, alpha, delta, sigma, window"));
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'spread': 1}}]}",
                 CAS_EINVAL, "agents[0].params.spread", msg);
}

Test(config, duplicate_key_is_rejected)
{
    expect_error("{'steps': 5, 'steps': 6, " MIN_INSTRUMENTS "}", CAS_EINVAL, "steps",
                 "duplicate key 'steps'; keep only one");
}

/* ---- types, ranges, integers ---- */

Test(config, wrong_type)
{
    expect_error("{'step_seconds': '1', " MIN_INSTRUMENTS "}", CAS_EINVAL, "step_seconds",
                 "must be a number, got a string");
    expect_error("{'steps': true, " MIN_INSTRUMENTS "}", CAS_EINVAL, "steps",
                 "must be an integer, got a boolean");
    expect_error("{'name': 5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "name",
                 "must be a string, got a number");
    expect_error("{'record': [], " MIN_INSTRUMENTS "}", CAS_EINVAL, "record",
                 "must be an object, got an array");
    expect_error("{'instruments': {}}", CAS_EINVAL, "instruments",
                 "must be an array, got an object");
    expect_error("{'instruments': [3]}", CAS_EINVAL, "instruments[0]",
                 "must be an object, got a number");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'mu': null}}]}",
                 CAS_EINVAL, "agents[0].params.mu", "must be a number, got null");
}

Test(config, out_of_range)
{
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'count': 0}]}", CAS_ERANGE,
                 "agents[0].count", "must be between 1 and 16777213, got 0");
    expect_error("{'steps': 1000000001, " MIN_INSTRUMENTS "}", CAS_ERANGE, "steps",
                 "must be between 1 and 1000000000, got 1000000001");
    expect_error("{'seed': -1, " MIN_INSTRUMENTS "}", CAS_ERANGE, "seed",
                 "must be between 0 and 9007199254740992, got -1");
    expect_error("{'step_seconds': 0, " MIN_INSTRUMENTS "}", CAS_ERANGE, "step_seconds",
                 "must be greater than 0 and at most 86400, got 0");
    expect_error("{'instruments': [{'name': 'a', 'initial_price': -2}]}", CAS_ERANGE,
                 "instruments[0].initial_price", "must be greater than 0, got -2");
    expect_error("{'instruments': [{'name': 'a', 'initial_price': 1, 'lot_size': 2e9}]}",
                 CAS_ERANGE, "instruments[0].lot_size",
                 "must be greater than 0 and at most 1000000000, got 2000000000");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'delta': 0}}]}",
                 CAS_ERANGE, "agents[0].params.delta",
                 "must be greater than 0 and at most 1, got 0");
    expect_error("{'steps': 1e999, " MIN_INSTRUMENTS "}", CAS_ERANGE, "steps",
                 "is too large; write a finite number");
}

Test(config, integers_must_be_exact)
{
    expect_error("{'steps': 1.5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "steps",
                 "must be an integer, got 1.5");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'window': 2.5}}]}",
                 CAS_EINVAL, "agents[0].params.window", "must be an integer, got 2.5");
    struct cas_config cfg;
    parse_ok(&cfg, "{'steps': 1e3, " MIN_INSTRUMENTS "}", NULL, 0);
    cr_assert_eq(cfg.steps, 1000);
    cas_config_release(&cfg);
}

Test(config, names_are_checked)
{
    expect_error("{'name': 'a b', " MIN_INSTRUMENTS "}", CAS_EINVAL, "name",
                 "contains ' '; use only letters, digits, '.', '_' and '-'");
    expect_error("{'name': '', " MIN_INSTRUMENTS "}", CAS_EINVAL, "name",
                 "must not be empty; use letters, digits, '.', '_' and '-'");
    expect_error("{'name': '"
                 "0123456789012345678901234567890123456789012345678901234567890123"
                 "', " MIN_INSTRUMENTS "}",
                 CAS_EINVAL, "name", "is 64 characters long; the limit is 63");
    expect_error("{'instruments': [{'initial_price': 1}]}", CAS_EINVAL, "instruments[0].name",
                 "missing required key 'name'");
}

/* ---- invalid JSON ---- */

Test(config, invalid_json_reports_the_line)
{
    expect_error("{\n  'steps': 5,\n  'seed': ,\n  'name': 'x'\n}", CAS_EINVAL, "line 3",
                 "invalid JSON near ',\\n  \"name\": \"x\"\\n...'");
    expect_error("{'steps': 5} x", CAS_EINVAL, "line 1", "invalid JSON near 'x'");
    expect_error("{'steps': 5", CAS_EINVAL, "line 1",
                 "invalid JSON: 'test.json' ends too early, after '{\"steps\": 5'");
    expect_error("{\n  'a': 1,\n}\n\n", CAS_EINVAL, "line 3",
                 "invalid JSON: 'test.json' ends too early, after '{\\n  \"a\": 1,\\n}'");
}

Test(config, empty_text_is_invalid_json)
{
    expect_error("", CAS_EINVAL, "line 1", "invalid JSON: 'test.json' is empty");
    expect_error("  \n ", CAS_EINVAL, "line 1", "invalid JSON: 'test.json' is empty");
}

Test(config, top_level_must_be_an_object)
{
    expect_error("[1]", CAS_EINVAL, "line 1",
                 "the top level of 'test.json' must be an object, got an array");
}

/* "(known types: a, b)": the registry's names, as messages list them. */
static const char *known_types(char *out, size_t size)
{
    size_t n;
    const struct cas_agent_type *const *types = cas_agent_types(&n);
    snprintf(out, size, "known types: ");
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? ", " : "", types[i]->name);
    return out;
}

Test(config, messages_never_contain_a_newline)
{
    char msg[256], known[160];
    struct cas_err err = parse_fail("{'a\\nb\\u0001': 1, " MIN_INSTRUMENTS "}", NULL, 0);
    cr_assert_str_eq(err.path, "a\\nb\\x01");
    cr_assert_str_eq(err.msg, "unknown key 'a\\nb\\x01' (known keys: " TOP_KEYS ")");
    err = parse_fail("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'a\\nb'}]}", NULL, 0);
    snprintf(msg, sizeof msg, "unknown agent type 'a\\nb' (%s)", known_types(known, sizeof known));
    cr_assert_str_eq(err.msg, msg);
    err = parse_fail("{\n\n'a'\n", NULL, 0);
    cr_assert_str_eq(err.path, "line 3");
    cr_assert_str_eq(err.msg, "invalid JSON: 'test.json' ends too early, after '{\\n\\n\"a\"'");
}

/* ---- agents and instruments ---- */

Test(config, unknown_agent_type)
{
    char msg[256], known[160];
    known_types(known, sizeof known);
    cr_assert(strncmp(known, "known types: noise", 18) == 0, "%s", known);
    snprintf(msg, sizeof msg, "unknown agent type 'noize' (did you mean 'noise'? %s)", known);
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noize'}]}", CAS_ENOTFOUND,
                 "agents[0].type", msg);
    snprintf(msg, sizeof msg, "unknown agent type 'zzz' (%s)", known);
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'zzz'}]}", CAS_ENOTFOUND,
                 "agents[0].type", msg);
    snprintf(msg, sizeof msg, "missing required key 'type' (%s)", known);
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'count': 2}]}", CAS_EINVAL, "agents[0].type",
                 msg);
}

Test(config, unknown_instrument_name)
{
    expect_error("{'instruments': [{'name': 'BTC', 'initial_price': 1},"
                 " {'name': 'ETH', 'initial_price': 1}],"
                 " 'agents': [{'type': 'noise', 'instrument': 'ETC'}]}",
                 CAS_ENOTFOUND, "agents[0].instrument",
                 "unknown instrument 'ETC' (did you mean 'BTC'? known instruments: BTC, ETH)");
    expect_error("{'instruments': [{'name': 'BTC', 'initial_price': 1}],"
                 " 'agents': [{'type': 'noise', 'instrument': 'gold'}]}",
                 CAS_ENOTFOUND, "agents[0].instrument",
                 "unknown instrument 'gold' (known instruments: BTC)");
}

Test(config, did_you_mean_ties_go_to_the_first_candidate)
{
    expect_error("{'instruments': [{'name': 'ab1', 'initial_price': 1},"
                 " {'name': 'ab2', 'initial_price': 1}],"
                 " 'agents': [{'type': 'noise', 'instrument': 'ab3'}]}",
                 CAS_ENOTFOUND, "agents[0].instrument",
                 "unknown instrument 'ab3' (did you mean 'ab1'? known instruments: ab1, ab2)");
    expect_error("{'instruments': [{'name': 'ab2', 'initial_price': 1},"
                 " {'name': 'ab1', 'initial_price': 1}],"
                 " 'agents': [{'type': 'noise', 'instrument': 'ab3'}]}",
                 CAS_ENOTFOUND, "agents[0].instrument",
                 "unknown instrument 'ab3' (did you mean 'ab2'? known instruments: ab2, ab1)");
}

Test(config, duplicate_instrument_name)
{
    expect_error("{'instruments': [{'name': 'A', 'initial_price': 1},"
                 " {'name': 'B', 'initial_price': 1}, {'name': 'A', 'initial_price': 2}]}",
                 CAS_EEXIST, "instruments[2].name",
                 "duplicate instrument name 'A' (instruments[0] has it); rename one");
}

Test(config, instrument_kind_lists_allowed_values)
{
    expect_error("{'instruments': [{'name': 'A', 'kind': 'future', 'initial_price': 1}]}",
                 CAS_EINVAL, "instruments[0].kind",
                 "unknown instrument kind 'future' (known kinds: spot, perpetual)");
    expect_error("{'instruments': [{'name': 'A', 'kind': 'spt', 'initial_price': 1}]}", CAS_EINVAL,
                 "instruments[0].kind",
                 "unknown instrument kind 'spt' (did you mean 'spot'? known kinds: spot,"
                 " perpetual)");
}

Test(config, initial_price_is_a_whole_number_of_ticks)
{
    expect_error("{'instruments': [{'name': 'A', 'initial_price': 100.005}]}", CAS_EINVAL,
                 "instruments[0].initial_price",
                 "must be a multiple of tick_size 0.01, got 100.005 (10000.5 ticks)");
    expect_error("{'instruments': [{'name': 'A', 'tick_size': 1, 'initial_price': 2e12}]}",
                 CAS_ERANGE, "instruments[0].initial_price",
                 "is 2000000000000 ticks of 1; it must be 1 to 1099511627776 (2^40) ticks");
    expect_error("{'instruments': [{'name': 'A'}]}", CAS_EINVAL, "instruments[0].initial_price",
                 "missing required key 'initial_price'; give the opening price");
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'instruments': [{'name': 'A', 'tick_size': 1, 'initial_price': 1099511627776}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].initial_price, 1099511627776LL);
    cas_config_release(&cfg);
}

Test(config, sample_every_cannot_exceed_steps)
{
    expect_error("{'steps': 100, 'record': {'sample_every': 101}, " MIN_INSTRUMENTS "}", CAS_ERANGE,
                 "record.sample_every", "must not exceed 'steps' (100), got 101");
    expect_error("{'record': {'sample_every': 0}, " MIN_INSTRUMENTS "}", CAS_ERANGE,
                 "record.sample_every", "must be at least 1, got 0");
}

Test(config, instruments_are_required_and_bounded)
{
    expect_error("{'instruments': []}", CAS_ERANGE, "instruments",
                 "must have at least 1 entry, got 0");
    expect_error("{}", CAS_EINVAL, "instruments",
                 "missing required key 'instruments'; list at least one instrument");
    char text[8192] = "{'instruments': [";
    for (int i = 0; i < 65; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "%s{'name': 'i%d', 'initial_price': 1}", i ? ", " : "", i);
    strcat(text, "]}");
    expect_error(text, CAS_ERANGE, "instruments", "must have at most 64 entries, got 65");
}

/* ---- --set ---- */

Test(config, set_plain_number)
{
    const char *sets[] = {"steps=1000", "steps=2000"};
    struct cas_config cfg;
    parse_ok(&cfg, "{'steps': 5, " MIN_INSTRUMENTS "}", sets, 2);
    cr_assert_eq(cfg.steps, 2000, "later --set wins");
    cas_config_release(&cfg);
}

Test(config, set_nested_paths)
{
    const char *sets[] = {"agents[0].params.mu=0.5", "instruments[0].initial_price=250",
                          "record.sample_every=9"};
    struct cas_config cfg;
    parse_ok(&cfg, "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}]}", sets, 3);
    cr_assert_eq(cfg.populations[0].params[param_index(&cas_agent_noise, "mu")], 0.5);
    cr_assert_eq(cfg.instruments[0].initial_price, 25000);
    cr_assert_eq(cfg.sample_every, 9, "record was created by --set");
    cas_config_release(&cfg);
}

Test(config, set_string_values)
{
    const char *sets[] = {"name=run-2", "instruments[0].name='Y'", "agents[0].instrument=Y"};
    struct cas_config cfg;
    parse_ok(&cfg, "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}]}", sets, 3);
    cr_assert_str_eq(cfg.name, "run-2");
    cr_assert_str_eq(cfg.instruments[0].name, "Y");
    cas_config_release(&cfg);
    const char *quoted[] = {"steps='12'"};
    struct cas_err err = parse_fail(MIN, quoted, 1);
    cr_assert_str_eq(err.path, "steps");
    cr_assert_str_eq(err.msg, "must be an integer, got a string");
}

Test(config, set_json_object_value)
{
    const char *sets[] = {"agents=[{'type': 'noise', 'count': 4, 'params': {'sigma': 3}}]",
                          "record={'sample_every': 2}"};
    struct cas_config cfg;
    parse_ok(&cfg, MIN, sets, 2);
    cr_assert_eq(cfg.n_populations, 1);
    cr_assert_eq(cfg.populations[0].count, 4);
    cr_assert_eq(cfg.populations[0].params[param_index(&cas_agent_noise, "sigma")], 3);
    cr_assert_eq(cfg.sample_every, 2);
    cas_config_release(&cfg);
    const char *entry[] = {"instruments[0]={'name': 'Z', 'initial_price': 5}"};
    parse_ok(&cfg, MIN, entry, 1);
    cr_assert_str_eq(cfg.instruments[0].name, "Z");
    cr_assert_eq(cfg.instruments[0].initial_price, 500);
    cas_config_release(&cfg);
}

Test(config, set_bad_index)
{
    expect_set_error("agents[3].count=2", CAS_ENOTFOUND, "--set agents[3].count",
                     "'agents' does not exist, so it has no entries");
    struct cas_err err;
    const char *sets[] = {"agents[3].count=2"};
    err = parse_fail("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}]}", sets, 1);
    cr_assert_str_eq(err.path, "--set agents[3].count");
    cr_assert_str_eq(err.msg, "'agents' has 1 entry; index 3 is out of range");
    cr_assert_eq(err.code, CAS_ENOTFOUND);
    expect_set_error("instruments[x]=1", CAS_EINVAL, "--set instruments[x]",
                     "bad index; write [N] with N a whole number");
    expect_set_error("instruments[0].name[0]=1", CAS_EINVAL, "--set instruments[0].name[0]",
                     "'instruments[0].name' is a string, not an array");
    expect_set_error("instruments.name=1", CAS_EINVAL, "--set instruments.name",
                     "'instruments' is an array, not an object");
}

Test(config, set_malformed)
{
    expect_set_error("steps", CAS_EINVAL, "--set steps",
                     "missing '='; write PATH=VALUE, e.g. steps=1000");
    expect_set_error("=5", CAS_EINVAL, "--set =5", "empty path; write PATH=VALUE, e.g. steps=1000");
    expect_set_error("record..x=5", CAS_EINVAL, "--set record..x", "empty key in the path");
    expect_set_error("[0]=5", CAS_EINVAL, "--set [0]",
                     "the path must start with a key, e.g. agents[0].count");
    expect_set_error("instruments[0]name=5", CAS_EINVAL, "--set instruments[0]name",
                     "expected '.' or '[' after ']'");
}

Test(config, set_of_unknown_key_is_rejected_by_validation)
{
    expect_set_error("record.sample_evry=5", CAS_EINVAL, "record.sample_evry",
                     "unknown key 'sample_evry' (did you mean 'sample_every'?)");
    const char *sets[] = {"agents[0].params.muu=1"};
    struct cas_err err =
        parse_fail("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}]}", sets, 1);
    cr_assert_str_eq(err.path, "agents[0].params.muu");
    cr_assert_str_eq(err.msg, "unknown key 'muu' (did you mean 'mu'?)");
}

/* ---- loading ---- */

Test(config, load_of_a_missing_file_is_an_io_error)
{
    struct cas_config cfg;
    struct cas_err err = {0};
    memset(&cfg, 0x5a, sizeof cfg);
    int rc = cas_config_load(&cfg, "/nonexistent/cascade.json", NULL, 0, &err);
    cr_assert_eq(rc, CAS_EIO);
    cr_assert_str_eq(err.path, "/nonexistent/cascade.json");
    cr_assert_str_eq(err.msg, "cannot read: No such file or directory");
    cr_assert(all_zero(&cfg, sizeof cfg));
    rc = cas_config_load(&cfg, "/", NULL, 0, &err);
    cr_assert_eq(rc, CAS_EIO, "a directory cannot be read");
}

Test(config, load_reads_a_whole_file)
{
    char path[] = "/tmp/test_config_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    char *json = dq("{'instruments': [{'name': 'A', 'initial_price': 3}], 'name': 'from-file'");
    fputs(json, f);
    for (int i = 0; i < 20000; i++) /* past any one read's buffer */
        fputs("          ", f);
    fputs("}\n", f);
    fclose(f);
    free(json);
    struct cas_config cfg;
    struct cas_err err = {0};
    const char *sets[] = {"seed=7"};
    int rc = cas_config_load(&cfg, path, sets, 1, &err);
    unlink(path);
    cr_assert_eq(rc, 0, "%s: %s", err.path, err.msg);
    cr_assert_str_eq(cfg.name, "from-file");
    cr_assert_eq(cfg.seed, 7);
    cas_config_release(&cfg);
}

Test(config, load_without_a_path_parses_the_embedded_default)
{
    struct cas_config a, b;
    struct cas_err ea = {0}, eb = {0};
    int ra = cas_config_load(&a, NULL, NULL, 0, &ea);
    int rb = cas_config_parse(&b, cas__default_config, "<default>", NULL, 0, &eb);
    cr_assert_eq(ra, rb);
    if (ra == 0) {
        expect_same(&a, &b);
    } else {
        cr_assert_str_eq(ea.path, eb.path);
        cr_assert_str_eq(ea.msg, eb.msg);
    }
    cas_config_release(&a);
    cas_config_release(&b);
}

Test(config, a_null_err_is_allowed)
{
    struct cas_config cfg;
    cr_assert_eq(cas_config_parse(&cfg, "{}", "x", NULL, 0, NULL), CAS_EINVAL);
    cr_assert(all_zero(&cfg, sizeof cfg));
}

/* ---- money, contract units ---- */

Test(config, money_decimals_and_insurance_fund)
{
    struct cas_config cfg;
    parse_ok(&cfg, MIN, NULL, 0);
    cr_assert_eq(cfg.money_decimals, 6);
    cr_assert_eq(cfg.insurance_fund, 0);
    cr_assert_eq(cfg.n_shocks, 0);
    cr_assert_null(cfg.shocks);
    cas_config_release(&cfg);
    parse_ok(&cfg, "{'money_decimals': 2, 'insurance_fund': 1234.56, " MIN_INSTRUMENTS "}", NULL,
             0);
    cr_assert_eq(cfg.money_decimals, 2);
    cr_assert_eq(cfg.insurance_fund, 123456);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"insurance_fund\":\t1234.56,"), "%s",
                       cfg.resolved_json);
    cas_config_release(&cfg);
    expect_error("{'money_decimals': 2, 'insurance_fund': 0.001, " MIN_INSTRUMENTS "}", CAS_EINVAL,
                 "insurance_fund", "must be a multiple of 0.01 (money_decimals 2), got 0.001");
    expect_error("{'money_decimals': 0, 'insurance_fund': 0.5, " MIN_INSTRUMENTS "}", CAS_EINVAL,
                 "insurance_fund", "must be a multiple of 1 (money_decimals 0), got 0.5");
    expect_error("{'insurance_fund': -1, " MIN_INSTRUMENTS "}", CAS_ERANGE, "insurance_fund",
                 "must be at least 0, got -1");
    expect_error("{'insurance_fund': 1e10, " MIN_INSTRUMENTS "}", CAS_ERANGE, "insurance_fund",
                 "is 1e+16 money units of 10^-6; the limit is 9007199254740992 (2^53)");
    expect_error("{'money_decimals': 10, " MIN_INSTRUMENTS "}", CAS_ERANGE, "money_decimals",
                 "must be between 0 and 9, got 10");
    expect_error("{'money_decimals': 2.5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "money_decimals",
                 "must be an integer, got 2.5");
}

Test(config, contract_units_are_tick_times_lot_in_money_units)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'instruments': [{'name': 'A', 'tick_size': 0.5, 'lot_size': 0.001,"
             " 'initial_price': 60000}, {'name': 'B', 'initial_price': 1}]}",
             NULL, 0);
    const struct cas_instrument_spec *a = &cfg.instruments[0].spec, *b = &cfg.instruments[1].spec;
    cr_assert_eq(a->contract_units, 500);
    cr_assert_str_eq(a->name, "A");
    cr_assert_eq(a->kind, CAS_SPOT);
    cr_assert_eq(a->initial_price, 120000);
    cr_assert_eq(b->contract_units, 10000);
    cas_config_release(&cfg);
    parse_ok(&cfg,
             "{'money_decimals': 9, 'instruments': [{'name': 'A', 'tick_size': 0.1,"
             " 'lot_size': 1e-8, 'initial_price': 1}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].spec.contract_units, 1);
    cas_config_release(&cfg);
    expect_error("{'instruments': [{'name': 'A', 'tick_size': 0.1, 'lot_size': 1e-8,"
                 " 'initial_price': 1}]}",
                 CAS_EINVAL, "instruments[0].lot_size",
                 "gives contract_units of 0.001 money units (tick_size x lot_size x 10^6); it"
                 " must be a whole number >= 1: set money_decimals to 9");
    expect_error("{'money_decimals': 0, 'instruments': [{'name': 'A', 'initial_price': 1}]}",
                 CAS_EINVAL, "instruments[0].lot_size",
                 "gives contract_units of 0.01 money units (tick_size x lot_size x 10^0); it must"
                 " be a whole number >= 1: set money_decimals to 2");
    expect_error("{'instruments': [{'name': 'A', 'tick_size': 0.01, 'lot_size': 1e-10,"
                 " 'initial_price': 1}]}",
                 CAS_EINVAL, "instruments[0].lot_size",
                 "gives contract_units of 1e-06 money units (tick_size x lot_size x 10^6); it"
                 " must be a whole number >= 1: use a larger lot_size or tick_size");
    expect_error("{'money_decimals': 9, 'instruments': [{'name': 'A', 'tick_size': 1e6,"
                 " 'lot_size': 1e3, 'initial_price': 1e6}]}",
                 CAS_ERANGE, "instruments[0].lot_size",
                 "gives contract_units of 1e+18 money units (tick_size x lot_size x 10^9); the"
                 " limit is 2^53: lower money_decimals");
}

/* ---- perpetuals ---- */

#define PERP "{'name': 'P', 'kind': 'perpetual', 'initial_price': 100"
/* A config of one perpetual with the keys in REST (a text starting with ", " or empty). */
#define ONE_PERP(REST) "{'instruments': [" PERP REST "}]}"

Test(config, perpetual_gets_every_default)
{
    struct cas_config cfg;
    parse_ok(&cfg, ONE_PERP(""), NULL, 0);
    const struct cas_instrument_config *p = &cfg.instruments[0];
    const struct cas_instrument_spec *s = &p->spec;
    cr_assert_str_eq(p->kind, "perpetual");
    cr_assert_eq(s->kind, CAS_PERPETUAL);
    cr_assert_str_eq(p->venue, "");
    cr_assert_eq(p->index_source, CAS_INDEX_GBM);
    cr_assert_eq(p->gbm.vol, 0.5 * sqrt(1 / 31536000.0));
    cr_assert_eq(p->gbm.drift, 0);
    cr_assert_eq(p->gbm.jump_rate, 0);
    cr_assert_eq(p->gbm.jump_mean, 0);
    cr_assert_eq(p->gbm.jump_sd, 0.05);
    cr_assert_eq(p->mark_method, CAS_MARK_INDEX_EMA);
    cr_assert_eq(p->mark_ema_steps, 150);
    cr_assert(p->funding_on);
    cr_assert_eq(p->funding.interval, 8 * 3600);
    cr_assert_eq(p->funding.interest, 0.0001);
    cr_assert_eq(p->funding.clamp, 0.0005);
    cr_assert_eq(p->funding.cap, 0.0075);
    cr_assert_eq(p->funding.premium, CAS_PREMIUM_IMPACT);
    cr_assert_eq(p->funding.impact_lots, 10);
    cr_assert_not(p->funding.weighted);
    cr_assert_eq(s->max_leverage, 20);
    cr_assert_eq(s->n_tiers, 1);
    cr_assert_eq(s->tiers[0].floor, 0);
    cr_assert_eq(s->tiers[0].mmr_ppm, 5000);
    cr_assert_eq(s->tiers[0].max_leverage, 20);
    cr_assert_eq(s->maker_fee_ppm, 200);
    cr_assert_eq(s->taker_fee_ppm, 500);
    cr_assert_eq(s->liq_mode, CAS_LIQ_ENGINE);
    cr_assert_eq(s->liq_style, CAS_LIQ_IOC_BANKRUPTCY);
    cr_assert_eq(s->liq_max_lots_per_step, 0);
    cr_assert_eq(s->liq_ioc_penalty_ppm, 0);
    cr_assert_eq(s->liq_slice_ppm, 0);
    cr_assert_eq(s->liq_slice_above, 0);
    cr_assert_eq(s->liq_slice_cooldown, 0);
    cr_assert_eq(s->close_factor_ppm, 500000);
    cr_assert_eq(s->liq_bonus_ppm, 50000);
    cr_assert_eq(s->adl_rank, CAS_ADL_PNL_LEVERAGE);
    cr_assert_not(p->band_on);
    cr_assert_not(p->dynamic_margin_on);
    cas_config_release(&cfg);
}

Test(config, durations_and_annual_figures_become_per_step)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'step_seconds': 60, 'instruments': [" PERP ", 'index': {'vol_annual': 0.8,"
             " 'drift_annual': 0.1, 'jumps_per_day': 2, 'jump_mean': -0.02, 'jump_sd': 0.1},"
             " 'mark': {'ema_seconds': 150}, 'funding': {'interval_hours': 8},"
             " 'liquidation': {'slice_cooldown_seconds': 30},"
             " 'price_band': {'pct': 0.1, 'window_seconds': 300, 'halt_seconds': 20},"
             " 'dynamic_margin': {'window_seconds': 3600, 'base_vol_annual': 0.6}}]}",
             NULL, 0);
    const struct cas_instrument_config *p = &cfg.instruments[0];
    cr_assert_eq(p->gbm.vol, 0.8 * sqrt(60 / 31536000.0));
    cr_assert_eq(p->gbm.drift, 0.1 * 60 / 31536000.0);
    cr_assert_eq(p->gbm.jump_rate, 2 * 60 / 86400.0);
    cr_assert_eq(p->gbm.jump_mean, -0.02);
    cr_assert_eq(p->gbm.jump_sd, 0.1);
    cr_assert_eq(p->mark_ema_steps, 3, "150 s / 60 s = 2.5 rounds to 3");
    cr_assert_eq(p->funding.interval, 480);
    cr_assert_eq(p->spec.liq_slice_cooldown, 1, "30 s / 60 s = 0.5 rounds to 1");
    cr_assert(p->band_on);
    cr_assert_eq(p->band.pct, 0.1);
    cr_assert_eq(p->band.window, 5);
    cr_assert_eq(p->band.action, CAS_BAND_REJECT);
    cr_assert_eq(p->band.halt_steps, 1, "20 s is less than a step: at least one");
    cr_assert(p->dynamic_margin_on);
    cr_assert_eq(p->dynamic_margin.window, 60);
    cr_assert_eq(p->dynamic_margin.base_vol, 0.6 * sqrt(60 / 31536000.0));
    cr_assert_eq(p->dynamic_margin.max_scale, 3);
    /* the resolved text keeps the figures as written, not the rounded steps */
    cr_assert_not_null(strstr(cfg.resolved_json, "\"ema_seconds\":\t150"), "%s", cfg.resolved_json);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"vol_annual\":\t0.8,"));
    cas_config_release(&cfg);
    parse_ok(&cfg, "{'step_seconds': 600, 'instruments': [" PERP ", 'mark': {'ema_seconds': 10}}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].mark_ema_steps, 1, "at least one step");
    cas_config_release(&cfg);
}

Test(config, funding_interval_must_be_whole_steps)
{
    expect_error("{'step_seconds': 7, 'instruments': [" PERP "}]}", CAS_EINVAL,
                 "instruments[0].funding.interval_hours",
                 "is 4114.285714285715 steps of 7 s; it must be a whole number of steps >= 1:"
                 " change interval_hours or step_seconds");
    expect_error("{'step_seconds': 7200, 'instruments': [" PERP ", 'funding':"
                 " {'interval_hours': 1}}]}",
                 CAS_EINVAL, "instruments[0].funding.interval_hours",
                 "is 0.5 steps of 7200 s; it must be a whole number of steps >= 1: change"
                 " interval_hours or step_seconds");
    struct cas_config cfg;
    parse_ok(&cfg, "{'step_seconds': 7, 'instruments': [" PERP ", 'funding': false}]}", NULL, 0);
    cr_assert_not(cfg.instruments[0].funding_on, "no funding, no interval to check");
    cr_assert_not_null(strstr(cfg.resolved_json, "\"funding\":\tfalse"));
    cas_config_release(&cfg);
}

Test(config, funding_keys_convert)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             ONE_PERP(", 'funding': {'interval_hours': 1, 'interest': -0.0001,"
                      " 'clamp': 0, 'cap': 0, 'premium': 'mid', 'impact_lots': 0.5,"
                      " 'weighting': 'linear'}"),
             NULL, 0);
    const struct cas_funding_params *f = &cfg.instruments[0].funding;
    cr_assert_eq(f->interval, 3600);
    cr_assert_eq(f->interest, -0.0001);
    cr_assert_eq(f->clamp, 0);
    cr_assert_eq(f->cap, 0);
    cr_assert_eq(f->premium, CAS_PREMIUM_MID);
    cr_assert_eq(f->impact_lots, 0.5);
    cr_assert(f->weighted);
    cas_config_release(&cfg);
    expect_error(ONE_PERP(", 'funding': {'weighting': 'lineer'}"), CAS_EINVAL,
                 "instruments[0].funding.weighting",
                 "unknown weighting 'lineer' (did you mean 'linear'? known weightings: equal,"
                 " linear)");
    expect_error(ONE_PERP(", 'funding': {'intrest': 0}"), CAS_EINVAL,
                 "instruments[0].funding.intrest",
                 "unknown key 'intrest' (did you mean 'interest'?)");
    expect_error(ONE_PERP(", 'funding': true"), CAS_EINVAL, "instruments[0].funding",
                 "must be an object or false, got true; write {} for the defaults");
    expect_error(ONE_PERP(", 'funding': {'cap': 2}"), CAS_ERANGE, "instruments[0].funding.cap",
                 "must be between 0 and 1, got 2");
}

Test(config, mark_method_and_index_sources)
{
    struct cas_config cfg;
    const char *methods[] = {"last", "mid", "index_ema", "median", "fair"};
    for (int m = 0; m < 5; m++) {
        char text[256];
        snprintf(text, sizeof text, ONE_PERP(", 'mark': {'method': '%s'}"), methods[m]);
        parse_ok(&cfg, text, NULL, 0);
        cr_assert_eq(cfg.instruments[0].mark_method, (enum cas_mark_method)m, "%s", methods[m]);
        cas_config_release(&cfg);
    }
    expect_error(ONE_PERP(", 'mark': {'method': 'lats'}"), CAS_EINVAL, "instruments[0].mark.method",
                 "unknown mark method 'lats' (did you mean 'last'? known methods: last, mid,"
                 " index_ema, median, fair)");
    expect_error(ONE_PERP(", 'mark': {'ema_seconds': 0}"), CAS_ERANGE,
                 "instruments[0].mark.ema_seconds",
                 "must be greater than 0 and at most 1000000000, got 0");
    /* an index may follow a spot instrument listed after the perpetual */
    parse_ok(&cfg,
             "{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'S'}},"
             " {'name': 'S', 'initial_price': 100}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].index_source, CAS_INDEX_SPOT);
    cr_assert_eq(cfg.instruments[0].index_spot, 1);
    cas_config_release(&cfg);
    /* or a weighted set of them; the hedge book is the heaviest */
    parse_ok(&cfg,
             "{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
             " [{'instrument': 'A', 'weight': 0.2}, {'instrument': 'B', 'weight': 0.5},"
             " {'instrument': 'C'}], 'outliers': 'drop', 'outlier_band': 0.05}},"
             " {'name': 'A', 'initial_price': 100}, {'name': 'B', 'initial_price': 100},"
             " {'name': 'C', 'initial_price': 100}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].n_constituents, 3);
    cr_assert_eq(cfg.instruments[0].constituent[1], 2);
    cr_assert_eq(cfg.instruments[0].weight[0], 0.2);
    cr_assert_eq(cfg.instruments[0].weight[2], 1, "a weight defaults to 1");
    cr_assert_eq(cfg.instruments[0].index_spot, 3, "C weighs 1, the most");
    cr_assert_eq(cfg.instruments[0].outliers, CAS_OUTLIERS_DROP);
    cr_assert_eq(cfg.instruments[0].outlier_band, 0.05);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"outliers\":\t\"drop\""));
    cas_config_release(&cfg);
    expect_idempotent("{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
                      " [{'instrument': 'A', 'weight': 0.2}, {'instrument': 'B'}]}},"
                      " {'name': 'A', 'initial_price': 100}, {'name': 'B', 'initial_price': 9}]}");
    expect_idempotent("{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'A'}},"
                      " {'name': 'A', 'initial_price': 100}]}");
    parse_ok(&cfg,
             "{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
             " [{'instrument': 'A'}]}}, {'name': 'A', 'initial_price': 100}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].outliers, CAS_OUTLIERS_CLAMP, "Binance's newer text");
    cas_config_release(&cfg);
    /* two heaviest books of equal weight: the hedge book is the first of them */
    parse_ok(&cfg,
             "{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
             " [{'instrument': 'A', 'weight': 1}, {'instrument': 'C', 'weight': 2},"
             " {'instrument': 'B', 'weight': 2}]}}, {'name': 'A', 'initial_price': 100},"
             " {'name': 'B', 'initial_price': 100}, {'name': 'C', 'initial_price': 100}]}",
             NULL, 0);
    cr_assert_eq(cfg.instruments[0].index_spot, 3, "C, listed before B");
    cr_assert_eq(cfg.instruments[0].outlier_band, 0.01);
    cas_config_release(&cfg);
    parse_ok(&cfg, ONE_PERP(", 'index': {'source': 'path', 'file': 'data/p.csv'}"), NULL, 0);
    cr_assert_eq(cfg.instruments[0].index_source, CAS_INDEX_PATH);
    cr_assert_str_eq(cfg.instruments[0].index_file, "data/p.csv", "text: relative to the cwd");
    cas_config_release(&cfg);
}

Test(config, index_errors)
{
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'Q'}},"
                 " {'name': 'Q', 'kind': 'perpetual', 'initial_price': 1}]}",
                 CAS_EINVAL, "instruments[0].index.instrument",
                 "'Q' is a perpetual; the index must follow a spot instrument");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'SS'}},"
                 " {'name': 'S', 'initial_price': 1}]}",
                 CAS_ENOTFOUND, "instruments[0].index.instrument",
                 "unknown spot instrument 'SS' (did you mean 'S'? known spot instruments: S)");
    expect_error(ONE_PERP(", 'index': {'source': 'spot', 'instrument': 'P'}"), CAS_EINVAL,
                 "instruments[0].index.instrument",
                 "'P' is a perpetual; the index must follow a spot instrument");
    expect_error(ONE_PERP(", 'index': {'source': 'spot', 'instrument': 'Z'}"), CAS_ENOTFOUND,
                 "instruments[0].index.instrument",
                 "unknown instrument 'Z'; add a spot instrument for the index to follow, or use"
                 " source 'gbm' or 'path'");
    expect_error(ONE_PERP(", 'index': {'source': 'spot'}"), CAS_EINVAL,
                 "instruments[0].index.instrument",
                 "missing required key 'instrument'; name the spot instrument to follow, or "
                 "list 'constituents'");
#define SPOTS " {'name': 'A', 'initial_price': 1}, {'name': 'B', 'initial_price': 1}]}"
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'A',"
                 " 'constituents': [{'instrument': 'B'}]}}," SPOTS,
                 CAS_EINVAL, "instruments[0].index.constituents",
                 "give either 'instrument' (one spot book) or 'constituents', not both");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'instrument': 'A',"
                 " 'outliers': 'drop'}}," SPOTS,
                 CAS_EINVAL, "instruments[0].index.outliers",
                 "an index of one spot book has no outliers; list 'constituents' instead of "
                 "'instrument'");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
                 " [{'instrument': 'A'}, {'instrument': 'B'}, {'instrument': 'A'}]}}," SPOTS,
                 CAS_EEXIST, "instruments[0].index.constituents[2].instrument",
                 "'A' is already constituents[0]; list each spot book once");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
                 " [{'instrument': 'A', 'weight': 0}]}}," SPOTS,
                 CAS_ERANGE, "instruments[0].index.constituents[0].weight",
                 "must be greater than 0 and at most 1000000000, got 0");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
                 " [{'instrument': 'B'}, {'book': 'A'}]}}," SPOTS,
                 CAS_EINVAL, "instruments[0].index.constituents[1].book",
                 "unknown key 'book' (known keys: instrument, weight)");
    expect_error("{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents':"
                 " [{'instrument': 'B'}], 'outliers': 'cap'}}," SPOTS,
                 CAS_EINVAL, "instruments[0].index.outliers",
                 "unknown outlier rule 'cap' (known rules: clamp, drop, none)");
    expect_error(
        "{'instruments': [" PERP ", 'index': {'source': 'spot', 'constituents': []}}," SPOTS,
        CAS_ERANGE, "instruments[0].index.constituents", "must have at least 1 entry, got 0");
    expect_error(ONE_PERP(", 'index': {'outliers': 'drop'}"), CAS_EINVAL,
                 "instruments[0].index.outliers",
                 "'outliers' is only for source 'spot'; remove it or change 'source'");
#undef SPOTS
    expect_error(ONE_PERP(", 'index': {'source': 'path', 'vol_annual': 1, 'file': 'x'}"),
                 CAS_EINVAL, "instruments[0].index.vol_annual",
                 "'vol_annual' is only for source 'gbm'; remove it or change 'source'");
    expect_error(ONE_PERP(", 'index': {'file': 'x'}"), CAS_EINVAL, "instruments[0].index.file",
                 "'file' is only for source 'path'; remove it or change 'source'");
    expect_error(ONE_PERP(", 'index': {'source': 'path'}"), CAS_EINVAL, "instruments[0].index.file",
                 "missing required key 'file'; give a CSV file with header step,price");
    expect_error(ONE_PERP(", 'index': {'source': 'csv'}"), CAS_EINVAL,
                 "instruments[0].index.source",
                 "unknown index source 'csv' (known sources: gbm, path, spot)");
    expect_error(ONE_PERP(", 'index': {'vol_annual': -0.1}"), CAS_ERANGE,
                 "instruments[0].index.vol_annual", "must be between 0 and 100, got -0.1");
}

Test(config, spot_instruments_reject_perpetual_keys)
{
    const char *keys[] = {"venue", "index",       "mark",       "funding",       "margin",
                          "fees",  "liquidation", "price_band", "dynamic_margin"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        char text[256], path[64], msg[128];
        snprintf(text, sizeof text,
                 "{'instruments': [{'name': 'S', 'initial_price': 1, '%s': {}}]}", keys[k]);
        snprintf(path, sizeof path, "instruments[0].%s", keys[k]);
        snprintf(msg, sizeof msg,
                 "'%s' is only for perpetuals; set 'kind' to 'perpetual' or remove it", keys[k]);
        expect_error(text, CAS_EINVAL, path, msg);
    }
    expect_error("{'instruments': [{'name': 'S', 'initial_price': 1, 'fess': {}}]}", CAS_EINVAL,
                 "instruments[0].fess", "unknown key 'fess' (did you mean 'fees'?)");
}

/* ---- a spot instrument's value ---- */

#define SPOT_VALUE(V) \
    "{'step_seconds': 60, 'instruments': [{'name': 'S', 'initial_price': 100" V "}]}"

/* Without a "value" object a spot instrument's value is constant and the resolved config
 * says nothing of it (so every run without one writes the config.json it wrote before
 * values existed); with one it is a GBM whose annual figures convert as the index's do, and
 * the object is written back as given. */
Test(config, spot_value_converts_like_the_index_and_is_written_back)
{
    struct cas_config cfg;
    parse_ok(&cfg, SPOT_VALUE(""), NULL, 0);
    cr_assert_not(cfg.instruments[0].value_on);
    cr_assert_eq(cfg.instruments[0].value.vol, 0);
    cr_assert_eq(cfg.instruments[0].value.drift, 0);
    cr_assert_null(strstr(cfg.resolved_json, "\"value\""), "%s", cfg.resolved_json);
    cas_config_release(&cfg);

    parse_ok(&cfg,
             "{'step_seconds': 60, 'instruments': [{'name': 'S', 'initial_price': 100,"
             " 'value': {'vol_annual': 0.8, 'drift_annual': -0.2}}, " PERP ","
             " 'index': {'vol_annual': 0.8, 'drift_annual': -0.2}}]}",
             NULL, 0);
    const struct cas_instrument_config *v = &cfg.instruments[0], *ix = &cfg.instruments[1];
    cr_assert(v->value_on);
    cr_assert_eq(v->value.vol, ix->gbm.vol, "per step as the index: %.17g", v->value.vol);
    cr_assert_eq(v->value.drift, ix->gbm.drift);
    cr_assert_float_eq(v->value.vol, 0.8 * sqrt(60 / 31536000.0), 1e-15);
    cr_assert_float_eq(v->value.drift, -0.2 * 60 / 31536000.0, 1e-18);
    cr_assert_eq(v->value.jump_rate, 0, "a value has no jumps: news moves it");
    cr_assert_not(ix->value_on, "a perpetual's value is its index");
    cr_assert_not_null(strstr(cfg.resolved_json, "\"value\":\t{"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);

    parse_ok(&cfg, SPOT_VALUE(", 'value': {}"), NULL, 0);
    cr_assert(cfg.instruments[0].value_on);
    cr_assert_eq(cfg.instruments[0].value.vol, 0, "an empty object: no volatility");
    cr_assert_eq(cfg.instruments[0].value.drift, 0);
    cas_config_release(&cfg);

    expect_idempotent(SPOT_VALUE(", 'value': {'vol_annual': 0.35}"));
    expect_idempotent(SPOT_VALUE(", 'value': {'drift_annual': 1e-3}"));
    expect_idempotent(SPOT_VALUE(", 'value': {}"));
}

/* A multifractal clock on an index or a spot value: horizons evenly spaced in log from the
 * shortest to the longest, each a rate per step; written back only when given. */
Test(config, multifractal_clock_of_an_index_or_a_value)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'step_seconds': 2, 'instruments': [{'name': 'S', 'initial_price': 100,"
             " 'value': {'vol_annual': 0.5, 'multifractal': {}}}, " PERP ","
             " 'index': {'multifractal': {'components': 3, 'm0': 1.7, 'shortest_s': 1,"
             " 'longest_s': 400}}}]}",
             NULL, 0);
    const struct cas_gbm_params *v = &cfg.instruments[0].value, *ix = &cfg.instruments[1].gbm;
    cr_assert_eq(v->msm_k, 5, "the defaults: 5 components");
    cr_assert_eq(v->msm_m0, 1.6);
    cr_assert_float_eq(v->msm_rate[0], 2 / 300.0, 1e-15, "the shortest horizon, 300 s");
    cr_assert_float_eq(v->msm_rate[4], 2 / 172800.0, 1e-15, "the longest, two days");
    cr_assert_eq(ix->msm_k, 3);
    cr_assert_eq(ix->msm_m0, 1.7);
    cr_assert_eq(ix->msm_rate[0], 1, "a horizon shorter than a step: drawn every step");
    cr_assert_float_eq(ix->msm_rate[1], 2 / 20.0, 1e-12, "sqrt(1 x 400) = 20 s");
    cr_assert_float_eq(ix->msm_rate[2], 2 / 400.0, 1e-15);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"longest_s\":\t400"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
    parse_ok(&cfg, ONE_PERP(""), NULL, 0);
    cr_assert_eq(cfg.instruments[0].gbm.msm_k, 0, "no clock unless asked for");
    cr_assert_null(strstr(cfg.resolved_json, "multifractal"));
    cas_config_release(&cfg);
    expect_idempotent(SPOT_VALUE(", 'value': {'multifractal': {'m0': 1.5, 'longest_s': 3600}}"));
    expect_idempotent(ONE_PERP(", 'index': {'multifractal': {'components': 8}}"));
}

Test(config, multifractal_errors)
{
    expect_error(ONE_PERP(", 'index': {'multifractal': {'components': 9}}"), CAS_ERANGE,
                 "instruments[0].index.multifractal.components", "must be between 1 and 8, got 9");
    expect_error(ONE_PERP(", 'index': {'multifractal': {'components': 2.5}}"), CAS_EINVAL,
                 "instruments[0].index.multifractal.components", "must be an integer, got 2.5");
    expect_error(ONE_PERP(", 'index': {'multifractal': {'m0': 2}}"), CAS_ERANGE,
                 "instruments[0].index.multifractal.m0",
                 "must be at least 1 and less than 2, got 2");
    expect_error(ONE_PERP(", 'index': {'multifractal': {'shortest_s': 600, 'longest_s': 60}}"),
                 CAS_EINVAL, "instruments[0].index.multifractal.longest_s",
                 "must be at least 'shortest_s' (600), got 60");
    expect_error(SPOT_VALUE(", 'value': {'multifractal': {'m00': 1.5}}"), CAS_EINVAL,
                 "instruments[0].value.multifractal.m00", "unknown key 'm00' (did you mean 'm0'?)");
    expect_error(ONE_PERP(", 'index': {'source': 'path', 'file': 'x.csv', 'multifractal': {}}"),
                 CAS_EINVAL, "instruments[0].index.multifractal",
                 "'multifractal' is only for source 'gbm'; remove it or change 'source'");
}

/* A square-root clock on an index or a spot value: its defaults (three hours, shape 0.3),
 * its transition's constants per step (decay exp(-dt / life), c = (1 - decay) / (2 shape)),
 * written back only when given. */
Test(config, square_root_clock_of_an_index_or_a_value)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'step_seconds': 2, 'instruments': [{'name': 'S', 'initial_price': 100,"
             " 'value': {'vol_annual': 0.5, 'square_root': {}}}, " PERP ","
             " 'index': {'multifractal': {'components': 2}, 'square_root': {'mean_life_s': 600,"
             " 'shape': 2}}}]}",
             NULL, 0);
    const struct cas_gbm_params *v = &cfg.instruments[0].value, *ix = &cfg.instruments[1].gbm;
    cr_assert_eq(v->sqv_shape, 0.3, "the default shape");
    cr_assert_float_eq(v->sqv_decay, exp(-2 / 10800.0), 1e-15, "the default life, three hours");
    cr_assert_float_eq(v->sqv_c, (1 - exp(-2 / 10800.0)) / 0.6, 1e-15);
    cr_assert_eq(ix->sqv_shape, 2);
    cr_assert_float_eq(ix->sqv_decay, exp(-2 / 600.0), 1e-15);
    cr_assert_float_eq(ix->sqv_c, (1 - exp(-2 / 600.0)) / 4, 1e-15);
    cr_assert_eq(ix->msm_k, 2, "both clocks at once");
    cr_assert_not_null(strstr(cfg.resolved_json, "\"mean_life_s\":\t600"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
    parse_ok(&cfg, ONE_PERP(""), NULL, 0);
    cr_assert_eq(cfg.instruments[0].gbm.sqv_shape, 0, "no clock unless asked for");
    cr_assert_null(strstr(cfg.resolved_json, "square_root"));
    cas_config_release(&cfg);
    expect_idempotent(SPOT_VALUE(", 'value': {'square_root': {'shape': 0.5}}"));
    expect_idempotent(ONE_PERP(", 'index': {'square_root': {'mean_life_s': 3600}}"));
    expect_error(ONE_PERP(", 'index': {'square_root': {'shape': 0}}"), CAS_ERANGE,
                 "instruments[0].index.square_root.shape",
                 "must be greater than 0 and at most 1000000, got 0");
    expect_error(ONE_PERP(", 'index': {'square_root': {'mean_life_s': -1}}"), CAS_ERANGE,
                 "instruments[0].index.square_root.mean_life_s",
                 "must be greater than 0 and at most 1000000000, got -1");
    expect_error(SPOT_VALUE(", 'value': {'square_root': {'shap': 1}}"), CAS_EINVAL,
                 "instruments[0].value.square_root.shap",
                 "unknown key 'shap' (did you mean 'shape'?)");
    expect_error(ONE_PERP(", 'index': {'source': 'path', 'file': 'x.csv', 'square_root': {}}"),
                 CAS_EINVAL, "instruments[0].index.square_root",
                 "'square_root' is only for source 'gbm'; remove it or change 'source'");
}

Test(config, spot_value_errors)
{
    expect_error(SPOT_VALUE(", 'value': {'vol_anual': 0.5}"), CAS_EINVAL,
                 "instruments[0].value.vol_anual",
                 "unknown key 'vol_anual' (did you mean 'vol_annual'?)");
    expect_error(SPOT_VALUE(", 'value': {'vol_annual': -0.1}"), CAS_ERANGE,
                 "instruments[0].value.vol_annual", "must be between 0 and 100, got -0.1");
    expect_error(SPOT_VALUE(", 'value': {'drift_annual': 101}"), CAS_ERANGE,
                 "instruments[0].value.drift_annual", "must be between -100 and 100, got 101");
    expect_error(SPOT_VALUE(", 'value': 0.5"), CAS_EINVAL, "instruments[0].value",
                 "must be an object, got a number");
    expect_error(ONE_PERP(", 'value': {'vol_annual': 0.5}"), CAS_EINVAL, "instruments[0].value",
                 "'value' is only for spot instruments; a perpetual's value is its 'index'");
    expect_error(SPOT_VALUE(", 'valeu': {}"), CAS_EINVAL, "instruments[0].valeu",
                 "unknown key 'valeu' (did you mean 'value'?)");
}

Test(config, margin_tiers_convert_to_money_and_ppm)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'money_decimals': 2, 'instruments': [" PERP ", 'margin': {'max_leverage': 125,"
             " 'tiers': [{'notional': 0, 'mmr': 0.004, 'max_leverage': 125},"
             " {'notional': 50000, 'mmr': 0.005, 'max_leverage': 100},"
             " {'notional': 250000.5, 'mmr': 0.01, 'max_leverage': 50}]}}]}",
             NULL, 0);
    const struct cas_instrument_spec *s = &cfg.instruments[0].spec;
    cr_assert_eq(s->max_leverage, 125);
    cr_assert_eq(s->n_tiers, 3);
    cr_assert_eq(s->tiers[0].floor, 0);
    cr_assert_eq(s->tiers[1].floor, 5000000);
    cr_assert_eq(s->tiers[2].floor, 25000050);
    cr_assert_eq(s->tiers[0].mmr_ppm, 4000);
    cr_assert_eq(s->tiers[1].mmr_ppm, 5000);
    cr_assert_eq(s->tiers[2].mmr_ppm, 10000);
    cr_assert_eq(s->tiers[2].max_leverage, 50);
    cas_config_release(&cfg);
    parse_ok(&cfg, ONE_PERP(", 'margin': {'max_leverage': 5}"), NULL, 0);
    cr_assert_eq(cfg.instruments[0].spec.tiers[0].max_leverage, 5, "the default tier follows");
    cas_config_release(&cfg);
}

#define TIERS(T) ONE_PERP(", 'margin': {'max_leverage': 100, 'tiers': [" T "]}")
#define T0 "{'notional': 0, 'mmr': 0.005, 'max_leverage': 100}"

Test(config, margin_tier_errors)
{
    expect_error(TIERS(T0 ", {'notional': 50000, 'mmr': 0.01, 'max_leverage': 50},"
                          " {'notional': 50000, 'mmr': 0.01, 'max_leverage': 50}"),
                 CAS_EINVAL, "instruments[0].margin.tiers[2].notional",
                 "must be greater than the previous tier's 50000, got 50000");
    expect_error(TIERS("{'notional': 10, 'mmr': 0.005, 'max_leverage': 100}"), CAS_EINVAL,
                 "instruments[0].margin.tiers[0].notional",
                 "the first tier must start at 0, got 10");
    expect_error(TIERS(T0 ", {'notional': 5, 'mmr': 0.004, 'max_leverage': 100}"), CAS_EINVAL,
                 "instruments[0].margin.tiers[1].mmr",
                 "must be at least the previous tier's 0.005, got 0.004");
    expect_error(TIERS("{'notional': 0, 'mmr': 0.005, 'max_leverage': 50},"
                       " {'notional': 5, 'mmr': 0.005, 'max_leverage': 60}"),
                 CAS_EINVAL, "instruments[0].margin.tiers[1].max_leverage",
                 "must be at most the previous tier's 50, got 60");
    expect_error(TIERS("{'notional': 0, 'mmr': 0.005, 'max_leverage': 125}"), CAS_ERANGE,
                 "instruments[0].margin.tiers[0].max_leverage",
                 "must be at most margin.max_leverage (100), got 125");
    expect_error(TIERS("{'notional': 0, 'mmr': 0.01, 'max_leverage': 100}"), CAS_ERANGE,
                 "instruments[0].margin.tiers[0].mmr",
                 "must be below 1/max_leverage = 0.01 of this tier (maintenance must be below"
                 " initial margin), got 0.01; lower mmr or max_leverage");
    expect_error(TIERS("{'notional': 0, 'mmr': 0.0050005, 'max_leverage': 100}"), CAS_EINVAL,
                 "instruments[0].margin.tiers[0].mmr",
                 "must be a whole number of parts per million (0.000001), got 0.0050005");
    expect_error(TIERS("{'notional': 0, 'mmr': 1, 'max_leverage': 1}"), CAS_ERANGE,
                 "instruments[0].margin.tiers[0].mmr",
                 "must be greater than 0 and less than 1, got 1");
    expect_error(TIERS("{'notional': 0, 'max_leverage': 100}"), CAS_EINVAL,
                 "instruments[0].margin.tiers[0].mmr",
                 "missing required key 'mmr'; a tier has notional, mmr and max_leverage");
    expect_error(TIERS("{'notional': 0.0000001, 'mmr': 0.005, 'max_leverage': 100}"), CAS_EINVAL,
                 "instruments[0].margin.tiers[0].notional",
                 "must be a multiple of 0.000001 (money_decimals 6), got 1e-07");
    expect_error(TIERS(""), CAS_ERANGE, "instruments[0].margin.tiers",
                 "must have at least 1 entry, got 0");
    char text[4096] = "";
    for (int t = 0; t < 17; t++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "%s{'notional': %d, 'mmr': 0.005, 'max_leverage': 100}", t ? ", " : "", t);
    char conf[8192];
    snprintf(conf, sizeof conf, TIERS("%s"), text);
    expect_error(conf, CAS_ERANGE, "instruments[0].margin.tiers",
                 "must have at most 16 entries, got 17");
    expect_error(ONE_PERP(", 'margin': {'max_leverage': 200}"), CAS_ERANGE,
                 "instruments[0].margin.max_leverage",
                 "is 200, which the default tier's mmr 0.005 does not allow (maintenance must be"
                 " below initial margin): give 'tiers' or at most 199");
    expect_error(ONE_PERP(", 'margin': {'max_leverage': 1001}"), CAS_ERANGE,
                 "instruments[0].margin.max_leverage", "must be between 1 and 1000, got 1001");
}

Test(config, fees_and_liquidation_convert)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             ONE_PERP(", 'fees': {'maker': 0, 'taker': 0.00075},"
                      " 'liquidation': {'mode': 'keeper', 'style': 'market',"
                      " 'max_lots_per_step': 7, 'ioc_penalty': 0.015, 'slice': 0.2,"
                      " 'slice_above': 100000, 'slice_cooldown_seconds': 30,"
                      " 'close_factor': 1, 'bonus': 0, 'adl_rank': 'pnl'}"),
             NULL, 0);
    const struct cas_instrument_spec *s = &cfg.instruments[0].spec;
    cr_assert_eq(s->maker_fee_ppm, 0);
    cr_assert_eq(s->taker_fee_ppm, 750);
    cr_assert_eq(s->liq_mode, CAS_LIQ_KEEPER);
    cr_assert_eq(s->liq_style, CAS_LIQ_MARKET);
    cr_assert_eq(s->liq_max_lots_per_step, 7);
    cr_assert_eq(s->liq_ioc_penalty_ppm, 15000);
    cr_assert_eq(s->liq_slice_ppm, 200000);
    cr_assert_eq(s->liq_slice_above, 100000000000LL);
    cr_assert_eq(s->liq_slice_cooldown, 30);
    cr_assert_eq(s->close_factor_ppm, 1000000);
    cr_assert_eq(s->liq_bonus_ppm, 0);
    cr_assert_eq(s->adl_rank, CAS_ADL_PNL);
    cas_config_release(&cfg);
    expect_error(ONE_PERP(", 'fees': {'taker': 0.02}"), CAS_ERANGE, "instruments[0].fees.taker",
                 "must be between 0 and 0.01, got 0.02");
    expect_error(ONE_PERP(", 'fees': {'maker': 0.00000015}"), CAS_EINVAL,
                 "instruments[0].fees.maker",
                 "must be a whole number of parts per million (0.000001), got 1.5e-07");
    expect_error(ONE_PERP(", 'liquidation': {'style': 'ioc'}"), CAS_EINVAL,
                 "instruments[0].liquidation.style",
                 "unknown liquidation style 'ioc' (known styles: ioc_bankruptcy, market)");
    expect_error(ONE_PERP(", 'liquidation': {'close_factor': 0}"), CAS_ERANGE,
                 "instruments[0].liquidation.close_factor",
                 "must be greater than 0 and at most 1, got 0");
    expect_error(ONE_PERP(", 'liquidation': {'max_lots_per_step': 1.5}"), CAS_EINVAL,
                 "instruments[0].liquidation.max_lots_per_step", "must be an integer, got 1.5");
    expect_error(ONE_PERP(", 'liquidation': {'adl': 'pnl'}"), CAS_EINVAL,
                 "instruments[0].liquidation.adl",
                 "unknown key 'adl' (known keys: mode, style,"
                 " max_lots_per_step, ioc_penalty, slice, slice_above, slice_cooldown_seconds,"
                 " close_factor, bonus, adl_rank)");
}

Test(config, price_band_and_dynamic_margin_switch_on_and_off)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             ONE_PERP(", 'price_band': {'pct': 0.05, 'action': 'halt'}, 'dynamic_margin': {}"),
             NULL, 0);
    const struct cas_instrument_config *p = &cfg.instruments[0];
    cr_assert(p->band_on);
    cr_assert_eq(p->band.pct, 0.05);
    cr_assert_eq(p->band.window, 300);
    cr_assert_eq(p->band.action, CAS_BAND_HALT);
    cr_assert_eq(p->band.halt_steps, 300);
    cr_assert(p->dynamic_margin_on);
    cr_assert_eq(p->dynamic_margin.window, 3600);
    cr_assert_eq(p->dynamic_margin.base_vol, 0.5 * sqrt(1 / 31536000.0));
    cr_assert_eq(p->dynamic_margin.max_scale, 3);
    cas_config_release(&cfg);
    parse_ok(&cfg, ONE_PERP(", 'price_band': false, 'dynamic_margin': false"), NULL, 0);
    cr_assert_not(cfg.instruments[0].band_on);
    cr_assert_not(cfg.instruments[0].dynamic_margin_on);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"price_band\":\tfalse"));
    cr_assert_not_null(strstr(cfg.resolved_json, "\"dynamic_margin\":\tfalse"));
    cas_config_release(&cfg);
    expect_error(ONE_PERP(", 'price_band': {}"), CAS_EINVAL, "instruments[0].price_band.pct",
                 "missing required key 'pct'; give the band's half-width, e.g. 0.05");
    expect_error(ONE_PERP(", 'price_band': {'pct': 1}"), CAS_ERANGE,
                 "instruments[0].price_band.pct", "must be greater than 0 and less than 1, got 1");
    expect_error(ONE_PERP(", 'price_band': 0.05"), CAS_EINVAL, "instruments[0].price_band",
                 "must be an object or false, got a number");
    expect_error(ONE_PERP(", 'dynamic_margin': {'window_seconds': 1}"), CAS_ERANGE,
                 "instruments[0].dynamic_margin.window_seconds",
                 "is 1 step of 1 s; the volatility window needs at least 2 steps");
    expect_error(ONE_PERP(", 'dynamic_margin': {'max_scale': 0.5}"), CAS_ERANGE,
                 "instruments[0].dynamic_margin.max_scale", "must be between 1 and 1000, got 0.5");
}

Test(config, set_reaches_the_venue_rules)
{
    const char *sets[] = {"instruments[0].funding=false", "instruments[0].fees.taker=0.001",
                          "instruments[0].price_band={'pct': 0.02}"};
    struct cas_config cfg;
    parse_ok(&cfg, ONE_PERP(", 'venue': 'binance'"), sets, 3);
    cr_assert_not(cfg.instruments[0].funding_on);
    cr_assert_eq(cfg.instruments[0].spec.taker_fee_ppm, 1000);
    cr_assert_eq(cfg.instruments[0].band.pct, 0.02);
    cr_assert_eq(cfg.instruments[0].band.window, 300, "the profile's window stays");
    cas_config_release(&cfg);
}

/* ---- venue profiles ---- */

static const char *const venues[] = {"binance", "bitmex", "bybit", "hyperliquid", "dydx"};

static void parse_venue(struct cas_config *cfg, const char *venue)
{
    char text[256];
    snprintf(text, sizeof text, ONE_PERP(", 'venue': '%s'"), venue);
    parse_ok(cfg, text, NULL, 0);
    cr_assert_str_eq(cfg->instruments[0].venue, venue, "the profile's name is its file's name");
}

Test(config, every_venue_profile_loads)
{
    struct cas_config cfg;
    for (size_t v = 0; v < sizeof venues / sizeof *venues; v++) {
        parse_venue(&cfg, venues[v]);
        cas_config_release(&cfg);
    }
}

Test(config, venue_profiles_carry_their_distinguishing_rules)
{
    struct cas_config cfg;
    const struct cas_instrument_config *p = NULL;

    parse_venue(&cfg, "binance");
    p = &cfg.instruments[0];
    cr_assert_eq(p->mark_method, CAS_MARK_MEDIAN);
    cr_assert_eq(p->funding.interval, 8 * 3600);
    cr_assert_eq(p->funding.interest, 0.0001);
    cr_assert_eq(p->funding.clamp, 0.0005);
    cr_assert_eq(p->funding.premium, CAS_PREMIUM_IMPACT);
    cr_assert_eq(p->spec.max_leverage, 125);
    cr_assert_geq(p->spec.n_tiers, 4);
    cr_assert_eq(p->spec.tiers[1].floor, 50000000000LL, "50k quote at 6 decimals");
    cr_assert_eq(p->spec.tiers[1].mmr_ppm, 5000);
    cr_assert_eq(p->spec.liq_style, CAS_LIQ_IOC_BANKRUPTCY);
    cr_assert_eq(p->spec.adl_rank, CAS_ADL_PNL_LEVERAGE);
    cr_assert(p->band_on);
    cas_config_release(&cfg);

    parse_venue(&cfg, "bitmex");
    p = &cfg.instruments[0];
    cr_assert_eq(p->mark_method, CAS_MARK_FAIR);
    cr_assert_eq(p->funding.cap, 0.00375);
    cr_assert_eq(p->spec.adl_rank, CAS_ADL_PNL_LEVERAGE);
    cr_assert_eq(p->spec.liq_style, CAS_LIQ_MARKET);
    cas_config_release(&cfg);

    parse_venue(&cfg, "bybit");
    p = &cfg.instruments[0];
    cr_assert(p->funding.weighted);
    cr_assert_eq(p->mark_method, CAS_MARK_INDEX_EMA);
    cas_config_release(&cfg);

    parse_venue(&cfg, "hyperliquid");
    p = &cfg.instruments[0];
    cr_assert_eq(p->funding.interval, 3600);
    cr_assert_eq(p->funding.interest, 0.0000125);
    cr_assert_eq(p->funding.cap, 0.04);
    cr_assert_eq(p->mark_method, CAS_MARK_MEDIAN);
    cr_assert_eq(p->spec.liq_style, CAS_LIQ_MARKET);
    cr_assert_eq(p->spec.liq_slice_ppm, 200000);
    cr_assert_eq(p->spec.liq_slice_above, 100000000000LL);
    cr_assert_eq(p->spec.liq_slice_cooldown, 30);
    cr_assert_eq(p->spec.max_leverage, 50);
    /* maintenance is half the initial margin at maximum leverage */
    cr_assert_eq(p->spec.tiers[0].mmr_ppm * 2 * p->spec.max_leverage, 1000000);
    cas_config_release(&cfg);

    parse_venue(&cfg, "dydx");
    p = &cfg.instruments[0];
    cr_assert_eq(p->spec.liq_style, CAS_LIQ_IOC_BANKRUPTCY);
    cr_assert_eq(p->spec.liq_ioc_penalty_ppm, 15000);
    cr_assert_eq(p->spec.tiers[0].mmr_ppm, 30000);
    cr_assert_eq(p->spec.max_leverage, 20);
    cas_config_release(&cfg);
}

Test(config, instrument_keys_override_the_profile_key_by_key)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             ONE_PERP(", 'venue': 'hyperliquid', 'funding': {'cap': 0.01},"
                      " 'liquidation': {'slice': 0.5}, 'fees': {'taker': 0.001}"),
             NULL, 0);
    const struct cas_instrument_config *p = &cfg.instruments[0];
    cr_assert_eq(p->funding.cap, 0.01, "overridden");
    cr_assert_eq(p->funding.interval, 3600, "the profile's, beside the override");
    cr_assert_eq(p->funding.interest, 0.0000125);
    cr_assert_eq(p->spec.liq_slice_ppm, 500000);
    cr_assert_eq(p->spec.liq_slice_above, 100000000000LL);
    cr_assert_eq(p->spec.liq_style, CAS_LIQ_MARKET);
    cr_assert_eq(p->spec.taker_fee_ppm, 1000);
    cr_assert_eq(p->spec.maker_fee_ppm, 150);
    cr_assert_eq(p->spec.max_leverage, 50, "rules the instrument does not mention stay");
    cas_config_release(&cfg);
    /* arrays replace; false switches a profile's rule off */
    parse_ok(&cfg,
             ONE_PERP(", 'venue': 'binance', 'price_band': false, 'margin': {'tiers':"
                      " [{'notional': 0, 'mmr': 0.002, 'max_leverage': 125}]}"),
             NULL, 0);
    p = &cfg.instruments[0];
    cr_assert_not(p->band_on);
    cr_assert_eq(p->spec.n_tiers, 1);
    cr_assert_eq(p->spec.tiers[0].mmr_ppm, 2000);
    cr_assert_eq(p->spec.max_leverage, 125);
    cr_assert_eq(p->mark_method, CAS_MARK_MEDIAN);
    cas_config_release(&cfg);
    /* an object replaces a profile's false */
    parse_ok(&cfg, ONE_PERP(", 'venue': 'bitmex', 'price_band': {'pct': 0.1}"), NULL, 0);
    cr_assert(cfg.instruments[0].band_on);
    cas_config_release(&cfg);
}

Test(config, resolved_venue_rules_are_merged_and_complete)
{
    struct cas_config cfg;
    parse_ok(&cfg, ONE_PERP(", 'venue': 'dydx', 'fees': {'maker': 0}"), NULL, 0);
    const char *keys[] = {"\"venue\":\t\"dydx\"", "\"index\"",
                          "\"source\":\t\"gbm\"", "\"mark\"",
                          "\"funding\"",          "\"interval_hours\":\t1,",
                          "\"margin\"",           "\"tiers\"",
                          "\"mmr\":\t0.03,",      "\"fees\"",
                          "\"maker\":\t0,",       "\"taker\":\t0.0005",
                          "\"liquidation\"",      "\"ioc_penalty\":\t0.015,",
                          "\"price_band\"",       "\"dynamic_margin\""};
    const char *at = cfg.resolved_json;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *next = strstr(at, keys[i]);
        cr_assert_not_null(next, "%s missing or out of order in\n%s", keys[i], cfg.resolved_json);
        at = next;
    }
    cas_config_release(&cfg);
    /* spot instruments get none of the venue rules */
    parse_ok(&cfg, MIN, NULL, 0);
    cr_assert_null(strstr(cfg.resolved_json, "\"mark\""), "%s", cfg.resolved_json);
    cr_assert_null(strstr(cfg.resolved_json, "\"venue\""));
    cas_config_release(&cfg);
}

Test(config, unknown_venue_suggests_a_profile)
{
    expect_error(ONE_PERP(", 'venue': 'binanse'"), CAS_ENOTFOUND, "instruments[0].venue",
                 "unknown venue 'binanse' (did you mean 'binance'? known venues: binance, bitmex,"
                 " bybit, dydx, hyperliquid); give a known venue or the path of a profile file"
                 " ending in .json");
    expect_error(ONE_PERP(", 'venue': 3"), CAS_EINVAL, "instruments[0].venue",
                 "must be a venue name, the path of a profile file or a profile object, got a"
                 " number");
}

Test(config, a_profile_written_in_place)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             ONE_PERP(", 'venue': {'name': 'mine', 'description': 'test',"
                      " 'fees': {'taker': 0.001}}, 'fees': {'maker': 0.0001}"),
             NULL, 0);
    cr_assert_str_eq(cfg.instruments[0].venue, "mine");
    cr_assert_eq(cfg.instruments[0].spec.taker_fee_ppm, 1000);
    cr_assert_eq(cfg.instruments[0].spec.maker_fee_ppm, 100);
    cas_config_release(&cfg);
    expect_error(ONE_PERP(", 'venue': {'name': 'mine', 'fees': {'taker': 1}}"), CAS_ERANGE,
                 "instruments[0].venue.fees.taker", "must be between 0 and 0.01, got 1");
    expect_error(ONE_PERP(", 'venue': {'fees': {}}"), CAS_EINVAL, "instruments[0].venue.name",
                 "missing required key 'name'; name the venue");
    expect_error(ONE_PERP(", 'venue': {'name': 'x', 'index': {}}"), CAS_EINVAL,
                 "instruments[0].venue.index",
                 "unknown key 'index' (known keys: name, description, mark, funding, margin, fees,"
                 " liquidation, price_band, dynamic_margin)");
    /* the value at fault is the instrument's: reported at the instrument */
    expect_error(ONE_PERP(", 'venue': {'name': 'x', 'fees': {'maker': 0}}, 'fees': {'taker': 1}"),
                 CAS_ERANGE, "instruments[0].fees.taker", "must be between 0 and 0.01, got 1");
}

/* A scratch directory for files that configs refer to. */
struct scratch {
    char dir[64];
    char files[8][128];
    int n;
};

static void scratch_init(struct scratch *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/test_config_XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir));
}

/* Write text (with ' turned into ") to DIR/name; returns the full path. */
static const char *scratch_write(struct scratch *s, const char *name, const char *text)
{
    cr_assert_lt(s->n, 8);
    char *path = s->files[s->n++], joined[sizeof s->files[0]];
    snprintf(joined, sizeof joined, "%s/%s", s->dir, name);
    memcpy(path, joined, sizeof joined);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    char *json = dq(text);
    fputs(json, f);
    free(json);
    fclose(f);
    return path;
}

static void scratch_remove(struct scratch *s)
{
    for (int i = 0; i < s->n; i++)
        unlink(s->files[i]);
    rmdir(s->dir);
}

static int load_with(struct cas_config *cfg, const char *path, struct cas_err *err)
{
    memset(cfg, 0x5a, sizeof *cfg);
    int rc = cas_config_load(cfg, path, NULL, 0, err);
    if (rc) {
        cr_assert(all_zero(cfg, sizeof *cfg));
        cr_assert_eq(err->code, rc);
    }
    return rc;
}

Test(config, profile_files_are_found_beside_the_config)
{
    struct scratch s;
    struct cas_config cfg;
    struct cas_err err = {0};
    scratch_init(&s);
    scratch_write(&s, "slow.json",
                  "{'name': 'slow', 'description': 'a test venue',"
                  " 'funding': {'interval_hours': 24}, 'fees': {'taker': 0.001}}");
    const char *exp = scratch_write(&s, "exp.json",
                                    ONE_PERP(", 'venue': 'slow.json', 'fees': {'maker': 0},"
                                             " 'index': {'source': 'path', 'file': 'p.csv'}"));
    int rc = load_with(&cfg, exp, &err);
    cr_assert_eq(rc, 0, "%s: %s", err.path, err.msg);
    const struct cas_instrument_config *p = &cfg.instruments[0];
    cr_assert_str_eq(p->venue, "slow");
    cr_assert_eq(p->funding.interval, 24 * 3600);
    cr_assert_eq(p->spec.taker_fee_ppm, 1000);
    cr_assert_eq(p->spec.maker_fee_ppm, 0);
    char csv[128];
    snprintf(csv, sizeof csv, "%s/p.csv", s.dir);
    cr_assert_str_eq(p->index_file, csv);
    /* the resolved text needs neither the profile nor the config's directory */
    struct cas_config again;
    rc = cas_config_parse(&again, cfg.resolved_json, "resolved", NULL, 0, &err);
    cr_assert_eq(rc, 0, "%s: %s\n%s", err.path, err.msg, cfg.resolved_json);
    expect_same(&cfg, &again);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"venue\":\t{"), "%s", cfg.resolved_json);
    cas_config_release(&again);
    cas_config_release(&cfg);
    /* text is resolved against the working directory */
    cr_assert_eq(chdir(s.dir), 0);
    parse_ok(&cfg, ONE_PERP(", 'venue': 'slow.json'"), NULL, 0);
    cr_assert_str_eq(cfg.instruments[0].venue, "slow");
    cas_config_release(&cfg);
    scratch_remove(&s);
}

Test(config, errors_in_a_profile_file_name_the_profile)
{
    struct scratch s;
    struct cas_config cfg;
    struct cas_err err = {0};
    scratch_init(&s);
    scratch_write(&s, "bad.json",
                  "{'name': 'bad', 'mark': {'method': 'lst'},"
                  " 'margin': {'max_leverage': 10}}");
    scratch_write(&s, "broken.json", "{'name': 'broken',\n 'mark': }");
    scratch_write(&s, "extra.json", "{'name': 'extra', 'fee': {}}");
    const char *exp = scratch_write(&s, "exp.json", ONE_PERP(", 'venue': 'bad.json'"));
    const char *fixed = scratch_write(&s, "fixed.json",
                                      ONE_PERP(", 'venue': 'bad.json', 'mark': {'method': 'last'},"
                                               " 'margin': {'max_leverage': 2000}"));
    const char *broken = scratch_write(&s, "exp2.json", ONE_PERP(", 'venue': 'broken.json'"));
    const char *extra = scratch_write(&s, "exp3.json", ONE_PERP(", 'venue': 'extra.json'"));
    const char *missing = scratch_write(&s, "exp4.json", ONE_PERP(", 'venue': 'none.json'"));

    cr_assert_eq(load_with(&cfg, exp, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "venue 'bad.json': mark.method");
    cr_assert_str_eq(err.msg, "unknown mark method 'lst' (did you mean 'last'? known methods:"
                              " last, mid, index_ema, median, fair)");
    /* the instrument overrides the bad value: it is never checked; the instrument's own
     * bad value is reported at the instrument */
    cr_assert_eq(load_with(&cfg, fixed, &err), CAS_ERANGE);
    cr_assert_str_eq(err.path, "instruments[0].margin.max_leverage");
    cr_assert_eq(load_with(&cfg, broken, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "venue 'broken.json': line 2");
    cr_assert_str_eq(err.msg, "invalid JSON near '}'");
    cr_assert_eq(load_with(&cfg, extra, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "venue 'extra.json': fee");
    cr_assert_str_eq(err.msg, "unknown key 'fee' (did you mean 'fees'?)");
    cr_assert_eq(load_with(&cfg, missing, &err), CAS_EIO);
    cr_assert_str_eq(err.path, "instruments[0].venue");
    cr_assert_str_eq(err.msg, "cannot read venue profile 'none.json': No such file or directory");
    scratch_remove(&s);
}

Test(config, a_built_in_profile_value_overridden_into_conflict_names_the_profile)
{
    /* binance's tiers allow 125x: lowering max_leverage makes its first tier wrong */
    expect_error(ONE_PERP(", 'venue': 'binance', 'margin': {'max_leverage': 50}"), CAS_ERANGE,
                 "venue 'binance': margin.tiers[0].max_leverage",
                 "must be at most margin.max_leverage (50), got 125");
    expect_error("{'step_seconds': 7, 'instruments': [" PERP ", 'venue': 'hyperliquid'}]}",
                 CAS_EINVAL, "venue 'hyperliquid': funding.interval_hours",
                 "is 514.2857142857143 steps of 7 s; it must be a whole number of steps >= 1:"
                 " change interval_hours or step_seconds");
}

/* ---- agents' margin ---- */

Test(config, population_margin_mode)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'},"
             " {'type': 'noise', 'margin': 'isolated'}]}",
             NULL, 0);
    cr_assert_eq(cfg.populations[0].margin, CAS_CROSS);
    cr_assert_eq(cfg.populations[1].margin, CAS_ISOLATED);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"margin\":\t\"isolated\""));
    cas_config_release(&cfg);
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'margin': 'isolate'}]}",
                 CAS_EINVAL, "agents[0].margin",
                 "unknown margin mode 'isolate' (did you mean 'isolated'? known modes: cross,"
                 " isolated)");
}

/* A population's own maker fee: parts per million, negative for a rebate, written back
 * only when given (every config without one writes the config.json it wrote before). */
Test(config, population_maker_fee)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'},"
             " {'type': 'market_maker', 'maker_fee': -0.00001}]}",
             NULL, 0);
    cr_assert_not(cfg.populations[0].own_maker_fee);
    cr_assert(cfg.populations[1].own_maker_fee);
    cr_assert_eq(cfg.populations[1].maker_fee_ppm, -10);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"maker_fee\":\t-1e-05"), "%s",
                       cfg.resolved_json);
    cas_config_release(&cfg);
    expect_idempotent("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'maker_fee': 0.0001}]}");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'maker_fee': -0.002}]}",
                 CAS_ERANGE, "agents[0].maker_fee", "must be between -0.001 and 0.01, got -0.002");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'maker_fee': 1e-7}]}",
                 CAS_EINVAL, "agents[0].maker_fee",
                 "must be a whole number of parts per million (0.000001), got 1e-07");
}

/* ---- parameters given as distributions ---- */

/* A config of one noise population whose params object is PARAMS. */
#define NOISE(params) "{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': " params "}]}"

/* The shortest %.15g..%.17g text of v, as the config's messages print numbers. */
static const char *num(char *out, size_t size, double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    return out;
}

static const char dists_config[] =
    NOISE("{'delta': 0.2, 'mu': {'dist': 'constant', 'value': 0.5},"
          " 'alpha': {'high': 0.09, 'dist': 'uniform', 'low': 0.01},"
          " 'collateral': {'sd': 100, 'mean': 1000, 'dist': 'normal'},"
          " 'leverage': {'dist': 'lognormal', 'mu': 1, 'sigma': 0.5},"
          " 'window': {'dist': 'exponential', 'mean': 40},"
          " 'sigma': {'dist': 'constant', 'value': 3}}");

Test(config, each_distribution_kind_is_read_with_its_central_value)
{
    struct cas_config cfg;
    parse_ok(&cfg, dists_config, NULL, 0);
    const struct cas_population_config *pop = &cfg.populations[0];
    const struct cas_agent_type *t = &cas_agent_noise;
    const struct cas_dist *d = pop->dists;
    uint32_t mu = param_index(t, "mu"), alpha = param_index(t, "alpha"),
             delta = param_index(t, "delta"), coll = param_index(t, "collateral"),
             lev = param_index(t, "leverage"), win = param_index(t, "window"),
             sigma = param_index(t, "sigma");
    cr_assert_eq(d[delta].kind, CAS_DIST_CONSTANT, "a plain number is a constant");
    cr_assert_eq(d[delta].a, 0.2);
    cr_assert_eq(pop->params[delta], 0.2);
    cr_assert_eq(d[mu].kind, CAS_DIST_CONSTANT);
    cr_assert_eq(d[mu].a, 0.5);
    cr_assert_eq(pop->params[mu], 0.5);
    cr_assert_eq(d[alpha].kind, CAS_DIST_UNIFORM);
    cr_assert_eq(d[alpha].a, 0.01);
    cr_assert_eq(d[alpha].b, 0.09);
    cr_assert_eq(pop->params[alpha], 0.5 * (0.01 + 0.09), "a uniform's centre is its midpoint");
    cr_assert_eq(d[coll].kind, CAS_DIST_NORMAL);
    cr_assert_eq(d[coll].a, 1000);
    cr_assert_eq(d[coll].b, 100);
    cr_assert_eq(pop->params[coll], 1000);
    cr_assert_eq(d[lev].kind, CAS_DIST_LOGNORMAL);
    cr_assert_eq(d[lev].a, 1);
    cr_assert_eq(d[lev].b, 0.5);
    /* exp(1.125) = 3.08, rounded: leverage is an integer */
    cr_assert_eq(pop->params[lev], 3, "got %g", pop->params[lev]);
    cr_assert_eq(d[win].kind, CAS_DIST_EXPONENTIAL);
    cr_assert_eq(d[win].a, 40);
    cr_assert_eq(pop->params[win], 40);
    cr_assert_eq(d[sigma].kind, CAS_DIST_CONSTANT);
    cr_assert_eq(pop->params[sigma], 3);
    cas_config_release(&cfg);
}

Test(config, a_left_out_param_is_the_constant_default)
{
    struct cas_config cfg;
    parse_ok(&cfg, NOISE("{}"), NULL, 0);
    for (uint32_t i = 0; i < cas_agent_noise.n_params; i++) {
        const struct cas_dist *d = &cfg.populations[0].dists[i];
        cr_assert_eq(d->kind, CAS_DIST_CONSTANT);
        cr_assert_eq(d->a, cas_agent_noise.params[i].def);
        cr_assert_eq(d->b, 0);
    }
    cr_assert_null(strstr(cfg.resolved_json, "dist"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
}

/* An INT param's central value is rounded and a lognormal's is its mean, clipped. */
Test(config, central_values_of_int_params_are_rounded)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             NOISE("{'window': {'dist': 'uniform', 'low': 1, 'high': 4},"
                   " 'sigma': {'dist': 'normal', 'mean': 2.4, 'sd': 1},"
                   " 'mu': {'dist': 'lognormal', 'mu': 0, 'sigma': 2}}"),
             NULL, 0);
    const struct cas_population_config *pop = &cfg.populations[0];
    const struct cas_agent_type *t = &cas_agent_noise;
    cr_assert_eq(pop->params[param_index(t, "window")], 3, "round(2.5) is 3");
    cr_assert_eq(pop->params[param_index(t, "sigma")], 2);
    cr_assert_eq(pop->params[param_index(t, "mu")], exp(2.0));
    cas_config_release(&cfg);
}

/* Each text must appear in the resolved text after the one before. */
static void expect_in_order(const char *text, const char *const *parts, size_t n)
{
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        const char *next = strstr(at, parts[i]);
        cr_assert_not_null(next, "'%s' missing or out of order in\n%s", parts[i], text);
        at = next + strlen(parts[i]);
    }
}

/* clang-format off */
Test(config, resolved_distributions_are_objects_in_canonical_order)
{
    struct cas_config cfg;
    parse_ok(&cfg, dists_config, NULL, 0);
    const char *parts[] = {
        "\"mu\":\t{",          "\"dist\":\t\"constant\"",  "\"value\":\t0.5",
        "\"alpha\":\t{",       "\"dist\":\t\"uniform\"",   "\"low\":\t0.01",
        "\"high\":\t0.09",     "\"delta\":\t0.2,",         "\"sigma\":\t{",
        "\"dist\":\t\"constant\"", "\"value\":\t3",        "\"window\":\t{",
        "\"dist\":\t\"exponential\"", "\"mean\":\t40",     "\"collateral\":\t{",
        "\"dist\":\t\"normal\"", "\"mean\":\t1000",        "\"sd\":\t100",
        "\"leverage\":\t{",    "\"dist\":\t\"lognormal\"", "\"mu\":\t1",
        "\"sigma\":\t0.5"};
    expect_in_order(cfg.resolved_json, parts, sizeof parts / sizeof *parts);
    cas_config_release(&cfg);
}
/* clang-format on */

/* Plain numbers resolve exactly as they did before distributions existed. */
Test(config, plain_params_resolve_as_plain_numbers)
{
    struct cas_config cfg;
    parse_ok(&cfg, NOISE("{'mu': 0.30000000000000004, 'window': 20, 'collateral': 5e5}"), NULL, 0);
    const char *parts[] = {"\"params\":\t{",           "\"mu\":\t0.30000000000000004,",
                           "\"alpha\":\t0.05,",        "\"delta\":\t0.05,",
                           "\"sigma\":\t1,",           "\"window\":\t20,",
                           "\"collateral\":\t500000,", "\"leverage\":\t1\n"};
    expect_in_order(cfg.resolved_json, parts, sizeof parts / sizeof *parts);
    cas_config_release(&cfg);
}

Test(config, resolved_distributions_parse_back_to_the_same_config)
{
    expect_idempotent(dists_config);
    expect_idempotent(NOISE("{'delta': {'dist': 'uniform', 'low': 1e-300, 'high': 1},"
                            " 'mu': {'dist': 'normal', 'mean': 0.1, 'sd': 0},"
                            " 'alpha': {'dist': 'lognormal', 'mu': -3.3, 'sigma': 0.7},"
                            " 'leverage': {'dist': 'constant', 'value': 1000},"
                            " 'window': {'dist': 'uniform', 'low': 1.5, 'high': 1.5},"
                            " 'collateral': {'dist': 'exponential', 'mean': 0.1}}"));
    /* the same through --set */
    const char *sets[] = {"agents[0].params.leverage={'dist': 'normal', 'mean': 5, 'sd': 2}"};
    struct cas_config a, b;
    struct cas_err err = {0};
    parse_ok(&a, NOISE("{}"), sets, 1);
    cr_assert_eq(a.populations[0].dists[param_index(&cas_agent_noise, "leverage")].kind,
                 CAS_DIST_NORMAL);
    cr_assert_eq(cas_config_parse(&b, a.resolved_json, "resolved", NULL, 0, &err), 0, "%s: %s",
                 err.path, err.msg);
    expect_same(&a, &b);
    cas_config_release(&a);
    cas_config_release(&b);
}

Test(config, distribution_keys_are_all_required)
{
    expect_error(NOISE("{'leverage': {'dist': 'normal', 'mean': 5}}"), CAS_EINVAL,
                 "agents[0].params.leverage.sd", "required for a normal distribution");
    expect_error(NOISE("{'leverage': {'dist': 'normal', 'sd': 5}}"), CAS_EINVAL,
                 "agents[0].params.leverage.mean", "required for a normal distribution");
    expect_error(NOISE("{'alpha': {'dist': 'uniform', 'high': 1}}"), CAS_EINVAL,
                 "agents[0].params.alpha.low", "required for a uniform distribution");
    expect_error(NOISE("{'alpha': {'dist': 'uniform', 'low': 1}}"), CAS_EINVAL,
                 "agents[0].params.alpha.high", "required for a uniform distribution");
    expect_error(NOISE("{'alpha': {'dist': 'lognormal', 'mu': 1}}"), CAS_EINVAL,
                 "agents[0].params.alpha.sigma", "required for a lognormal distribution");
    expect_error(NOISE("{'alpha': {'dist': 'lognormal', 'sigma': 1}}"), CAS_EINVAL,
                 "agents[0].params.alpha.mu", "required for a lognormal distribution");
    expect_error(NOISE("{'window': {'dist': 'exponential'}}"), CAS_EINVAL,
                 "agents[0].params.window.mean", "required for an exponential distribution");
    expect_error(NOISE("{'window': {'dist': 'constant'}}"), CAS_EINVAL,
                 "agents[0].params.window.value", "required for a constant distribution");
    expect_error(NOISE("{'window': {'mean': 3}}"), CAS_EINVAL, "agents[0].params.window.dist",
                 "missing required key 'dist' (known distributions: constant, uniform, normal,"
                 " lognormal, exponential)");
    expect_error(NOISE("{'window': {}}"), CAS_EINVAL, "agents[0].params.window.dist",
                 "missing required key 'dist' (known distributions: constant, uniform, normal,"
                 " lognormal, exponential)");
}

Test(config, distribution_names_and_keys_are_checked)
{
    expect_error(NOISE("{'mu': {'dist': 'nromal', 'mean': 1, 'sd': 1}}"), CAS_EINVAL,
                 "agents[0].params.mu.dist",
                 "unknown distribution 'nromal' (did you mean 'normal'? known distributions:"
                 " constant, uniform, normal, lognormal, exponential)");
    expect_error(NOISE("{'mu': {'dist': 3}}"), CAS_EINVAL, "agents[0].params.mu.dist",
                 "must be a string, got a number");
    expect_error(NOISE("{'mu': {'dist': 'normal', 'mean': 1, 'sd': 1, 'sdd': 2}}"), CAS_EINVAL,
                 "agents[0].params.mu.sdd", "unknown key 'sdd' (did you mean 'sd'?)");
    expect_error(NOISE("{'mu': {'dist': 'uniform', 'low': 1, 'high': 2, 'mean': 1}}"), CAS_EINVAL,
                 "agents[0].params.mu.mean", "unknown key 'mean' (known keys: dist, low, high)");
    expect_error(NOISE("{'mu': {'dist': 'exponential', 'mean': 1, 'mean': 2}}"), CAS_EINVAL,
                 "agents[0].params.mu.mean", "duplicate key 'mean'; keep only one");
    expect_error(NOISE("{'mu': {'dist': 'constant', 'value': '1'}}"), CAS_EINVAL,
                 "agents[0].params.mu.value", "must be a number, got a string");
    expect_error(NOISE("{'mu': {'dist': 'normal', 'mean': 1, 'sd': null}}"), CAS_EINVAL,
                 "agents[0].params.mu.sd", "must be a number, got null");
    /* the population's index and the param's name are both in the path */
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise'}, {'type': 'noise',"
                 " 'params': {'leverage': {'dist': 'lognormal', 'mu': 1, 'sigmaa': 1}}}]}",
                 CAS_EINVAL, "agents[1].params.leverage.sigmaa",
                 "unknown key 'sigmaa' (did you mean 'sigma'?)");
    const char *set = "agents[0].params.leverage={'dist': 'normal', 'mean': 5}";
    struct cas_err err = parse_fail(NOISE("{}"), &set, 1);
    cr_assert_str_eq(err.path, "agents[0].params.leverage.sd");
    cr_assert_str_eq(err.msg, "required for a normal distribution");
}

Test(config, constants_and_uniform_bounds_lie_within_the_range)
{
    expect_error(NOISE("{'leverage': {'dist': 'constant', 'value': 0}}"), CAS_ERANGE,
                 "agents[0].params.leverage.value", "must be between 1 and 1000, got 0");
    expect_error(NOISE("{'leverage': {'dist': 'constant', 'value': 2.5}}"), CAS_EINVAL,
                 "agents[0].params.leverage.value", "must be an integer, got 2.5");
    expect_error(NOISE("{'leverage': {'dist': 'uniform', 'low': 0, 'high': 5}}"), CAS_ERANGE,
                 "agents[0].params.leverage.low", "must be between 1 and 1000, got 0");
    expect_error(NOISE("{'leverage': {'dist': 'uniform', 'low': 1, 'high': 1000.5}}"), CAS_ERANGE,
                 "agents[0].params.leverage.high", "must be between 1 and 1000, got 1000.5");
    expect_error(NOISE("{'delta': {'dist': 'uniform', 'low': 0, 'high': 0.5}}"), CAS_ERANGE,
                 "agents[0].params.delta.low", "must be greater than 0 and at most 1, got 0");
    expect_error(NOISE("{'leverage': {'dist': 'uniform', 'low': 5, 'high': 3}}"), CAS_ERANGE,
                 "agents[0].params.leverage.high", "must be at least 'low' (5), got 3");
    /* a uniform of an INT param may have real bounds; a single point is allowed */
    struct cas_config cfg;
    parse_ok(&cfg,
             NOISE("{'leverage': {'dist': 'uniform', 'low': 1.5, 'high': 9.5},"
                   " 'delta': {'dist': 'uniform', 'low': 0.5, 'high': 0.5}}"),
             NULL, 0);
    cas_config_release(&cfg);
}

Test(config, means_lie_within_the_range)
{
    char msg[192], n[32];
    expect_error(NOISE("{'delta': {'dist': 'normal', 'mean': 1.5, 'sd': 0.1}}"), CAS_ERANGE,
                 "agents[0].params.delta.mean", "must be greater than 0 and at most 1, got 1.5");
    expect_error(NOISE("{'delta': {'dist': 'normal', 'mean': 0.5, 'sd': -0.1}}"), CAS_ERANGE,
                 "agents[0].params.delta.sd", "must be at least 0, got -0.1");
    expect_error(NOISE("{'delta': {'dist': 'lognormal', 'mu': -1, 'sigma': -0.1}}"), CAS_ERANGE,
                 "agents[0].params.delta.sigma", "must be at least 0, got -0.1");
    snprintf(msg, sizeof msg,
             "the mean exp(mu + sigma^2/2) of the lognormal must be between 1 and 1000, got %s",
             num(n, sizeof n, exp(-1.0)));
    expect_error(NOISE("{'leverage': {'dist': 'lognormal', 'mu': -1, 'sigma': 0}}"), CAS_ERANGE,
                 "agents[0].params.leverage", msg);
    expect_error(NOISE("{'collateral': {'dist': 'lognormal', 'mu': 1, 'sigma': 40}}"), CAS_ERANGE,
                 "agents[0].params.collateral",
                 "the mean exp(mu + sigma^2/2) of the lognormal must be between 0 and"
                 " 1000000000000, got inf");
    expect_error(NOISE("{'window': {'dist': 'exponential', 'mean': 0}}"), CAS_ERANGE,
                 "agents[0].params.window.mean", "must be greater than 0, got 0");
    expect_error(NOISE("{'window': {'dist': 'exponential', 'mean': 0.5}}"), CAS_ERANGE,
                 "agents[0].params.window.mean", "must be between 1 and 1000000, got 0.5");
    expect_error(NOISE("{'window': {'dist': 'exponential', 'mean': 2e6}}"), CAS_ERANGE,
                 "agents[0].params.window.mean", "must be between 1 and 1000000, got 2000000");
    /* only the mean must fit: a lognormal mu below the range, a wide normal are fine */
    struct cas_config cfg;
    parse_ok(&cfg,
             NOISE("{'leverage': {'dist': 'lognormal', 'mu': -0.5, 'sigma': 1.5},"
                   " 'delta': {'dist': 'normal', 'mean': 1, 'sd': 100}}"),
             NULL, 0);
    cas_config_release(&cfg);
}

/* ---- cas_param_draw ---- */

enum { DRAWS = 200000 };

static const struct cas_param_spec wide = {"x", CAS_PARAM_REAL, 0, -1e9, 1e9, false, "", ""};

/* Mean and standard deviation of DRAWS draws of d from a fixed stream. */
static void moments(const struct cas_param_spec *spec, const struct cas_dist *d, double *mean,
                    double *sd)
{
    struct cas_rng r;
    cas_rng_init(&r, 20240601, 7);
    double sum = 0, sq = 0;
    for (int i = 0; i < DRAWS; i++) {
        double x = cas_param_draw(spec, d, &r);
        sum += x;
        sq += x * x;
    }
    *mean = sum / DRAWS;
    *sd = sqrt(sq / DRAWS - *mean * *mean);
}

static void expect_moments(const struct cas_dist *d, double mean, double sd)
{
    double m, s;
    moments(&wide, d, &m, &s);
    /* 2e5 draws: the sample mean is within 0.01 sd of the truth at about 4.5 sigma */
    cr_assert(fabs(m - mean) < 0.01 * sd, "kind %d: mean %g, expected %g", d->kind, m, mean);
    cr_assert(fabs(s - sd) < 0.02 * sd, "kind %d: sd %g, expected %g", d->kind, s, sd);
}

Test(config, draws_have_the_distributions_moments)
{
    expect_moments(&(struct cas_dist){CAS_DIST_UNIFORM, 2, 6}, 4, 4 / sqrt(12));
    expect_moments(&(struct cas_dist){CAS_DIST_NORMAL, 10, 2}, 10, 2);
    double s2 = 0.5 * 0.5;
    expect_moments(&(struct cas_dist){CAS_DIST_LOGNORMAL, 0.3, 0.5}, exp(0.3 + s2 / 2),
                   sqrt((exp(s2) - 1) * exp(0.6 + s2)));
    expect_moments(&(struct cas_dist){CAS_DIST_EXPONENTIAL, 3, 0}, 3, 3);
}

Test(config, draws_are_clipped_to_the_range)
{
    const struct cas_param_spec open01 = {"x", CAS_PARAM_REAL, 0.5, 0, 1, true, "", ""};
    const struct cas_dist d = {CAS_DIST_NORMAL, 0.5, 10};
    struct cas_rng r;
    cas_rng_init(&r, 3, 4);
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 10000; i++) {
        double x = cas_param_draw(&open01, &d, &r);
        cr_assert(x > 0 && x <= 1, "draw %g outside (0, 1]", x);
        lo = fmin(lo, x);
        hi = fmax(hi, x);
    }
    cr_assert_eq(lo, nextafter(0.0, 1.0), "an open minimum clips to the next double above it");
    cr_assert_eq(hi, 1.0);
    /* a lognormal far above the range sits at its maximum */
    cr_assert_eq(cas_param_draw(&open01, &(struct cas_dist){CAS_DIST_LOGNORMAL, 800, 0}, &r), 1);
}

Test(config, int_draws_are_rounded_into_the_range)
{
    const struct cas_param_spec one_ten = {"n", CAS_PARAM_INT, 5, 1, 10, false, "", ""};
    struct cas_rng r;
    cas_rng_init(&r, 11, 12);
    int seen[11] = {0};
    for (int i = 0; i < 20000; i++) {
        double x = cas_param_draw(&one_ten, &(struct cas_dist){CAS_DIST_NORMAL, 5, 4}, &r);
        cr_assert(x == floor(x) && x >= 1 && x <= 10, "draw %g", x);
        seen[(int)x]++;
    }
    for (int k = 1; k <= 10; k++)
        cr_assert_gt(seen[k], 0, "never drew %d", k);
    /* uniform [1, 3) rounds to 1, 2, 3 with 1/4, 1/2, 1/4 */
    int n[4] = {0};
    for (int i = 0; i < 40000; i++)
        n[(int)cas_param_draw(&one_ten, &(struct cas_dist){CAS_DIST_UNIFORM, 1, 3}, &r)]++;
    cr_assert(abs(n[1] - 10000) < 500 && abs(n[2] - 20000) < 500 && abs(n[3] - 10000) < 500,
              "%d %d %d", n[1], n[2], n[3]);
    /* an open minimum of 0: a draw near 0 rounds to 0, which is out, so it becomes 1 */
    const struct cas_param_spec positive = {"n", CAS_PARAM_INT, 1, 0, 100, true, "", ""};
    for (int i = 0; i < 100; i++)
        cr_assert_eq(cas_param_draw(&positive, &(struct cas_dist){CAS_DIST_NORMAL, 0.2, 0.1}, &r),
                     1);
}

Test(config, a_constant_draws_nothing_from_the_stream)
{
    struct cas_rng r, copy;
    cas_rng_init(&r, 99, 5);
    copy = r;
    const struct cas_param_spec lev = {"n", CAS_PARAM_INT, 1, 1, 1000, false, "", ""};
    cr_assert_eq(cas_param_draw(&lev, &(struct cas_dist){CAS_DIST_CONSTANT, 7, 0}, &r), 7);
    cr_assert_eq(cas_param_draw(&wide, &(struct cas_dist){CAS_DIST_CONSTANT, -2.5, 0}, &r), -2.5);
    cr_assert_eq(cas_rng_u32(&r), cas_rng_u32(&copy), "the stream moved");
    cr_assert_eq(cas_param_draw(&wide, &(struct cas_dist){CAS_DIST_CONSTANT, 1, 0}, NULL), 1);
    /* every other kind does draw */
    copy = r;
    cas_param_draw(&wide, &(struct cas_dist){CAS_DIST_UNIFORM, 1, 1}, &r);
    cr_assert_neq(r.state, copy.state);
}

Test(config, draws_repeat_for_the_same_stream)
{
    const struct cas_dist d = {CAS_DIST_LOGNORMAL, 0, 1};
    struct cas_rng a, b;
    cas_rng_init(&a, 5, 6);
    cas_rng_init(&b, 5, 6);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(cas_param_draw(&wide, &d, &a), cas_param_draw(&wide, &d, &b));
}

/* ---- shocks ---- */

#define SHOCK_INSTRUMENTS \
    "'steps': 100, 'instruments': [{'name': 'S', 'initial_price': 100}, " PERP "}]"

/* Whose order a market-order shock is survives the resolved config. */
Test(config, closing_shocks_resolve_to_themselves)
{
    expect_idempotent("{" SHOCK_INSTRUMENTS ", 'agents': [{'type': 'noise'}], 'shocks': ["
                      "{'step': 1, 'kind': 'market_order', 'side': 'sell', 'qty': 3,"
                      " 'position': 'close', 'holders': 0},"
                      "{'step': 2, 'kind': 'market_order', 'side': 'buy', 'qty': 3,"
                      " 'position': 'close'}]}");
}

Test(config, shocks_are_read_and_sorted_by_step_stably)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{" SHOCK_INSTRUMENTS ", 'shocks': ["
             "{'step': 50, 'kind': 'index_jump', 'instrument': 'P', 'pct': -0.2},"
             "{'step': 10, 'kind': 'market_order', 'side': 'sell', 'qty': 5},"
             "{'step': 50, 'kind': 'market_order', 'instrument': 'P', 'side': 'buy',"
             " 'qty': 1e3},"
             "{'step': 0, 'kind': 'index_jump', 'instrument': 'P', 'pct': 10},"
             "{'step': 99, 'kind': 'market_order', 'side': 'buy', 'qty': 1}]}",
             NULL, 0);
    cr_assert_eq(cfg.n_shocks, 5);
    const struct cas_shock_config *s = cfg.shocks;
    cr_assert_eq(s[0].step, 0);
    cr_assert_eq(s[0].pct, 10);
    cr_assert_eq(s[1].step, 10);
    cr_assert_eq(s[1].kind, CAS_SHOCK_MARKET_ORDER);
    cr_assert_eq(s[1].instrument, 0, "the first instrument by default");
    cr_assert_eq(s[1].side, CAS_SELL);
    cr_assert_eq(s[1].qty, 5);
    cr_assert_eq(s[2].step, 50);
    cr_assert_eq(s[2].kind, CAS_SHOCK_INDEX_JUMP, "equal steps keep the written order");
    cr_assert_eq(s[2].instrument, 1);
    cr_assert_eq(s[2].pct, -0.2);
    cr_assert_eq(s[3].step, 50);
    cr_assert_eq(s[3].kind, CAS_SHOCK_MARKET_ORDER);
    cr_assert_eq(s[3].side, CAS_BUY);
    cr_assert_eq(s[3].qty, 1000);
    cr_assert_eq(s[4].step, 99);
    cr_assert_eq(s[4].position, CAS_SHOCK_OPEN, "a market order opens by default");
    cr_assert_eq(s[4].holders, UINT32_MAX);
    cas_config_release(&cfg);
}

#define SHOCK(S)                                                             \
    "{" SHOCK_INSTRUMENTS ", 'shocks': [{'step': 1, 'kind': 'market_order'," \
    " 'side': 'buy', 'qty': 1}, " S "]}"

Test(config, shock_errors)
{
    expect_error(SHOCK("{'step': 100, 'kind': 'market_order', 'side': 'buy', 'qty': 1}"),
                 CAS_ERANGE, "shocks[1].step", "must be between 0 and 99, got 100");
    expect_error(SHOCK("{'kind': 'market_order', 'side': 'buy', 'qty': 1}"), CAS_EINVAL,
                 "shocks[1].step", "missing required key 'step'; give the step it happens at");
    expect_error(SHOCK("{'step': 1, 'side': 'buy', 'qty': 1}"), CAS_EINVAL, "shocks[1].kind",
                 "missing required key 'kind' (known kinds: market_order, limit_order,"
                 " index_jump, news)");
    expect_error(SHOCK("{'step': 1, 'kind': 'jump'}"), CAS_EINVAL, "shocks[1].kind",
                 "unknown shock kind 'jump' (known kinds: market_order, limit_order, index_jump,"
                 " news)");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'qty': 1}"), CAS_EINVAL,
                 "shocks[1].side", "missing required key 'side' (known sides: buy, sell)");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'short', 'qty': 1}"),
                 CAS_EINVAL, "shocks[1].side", "unknown side 'short' (known sides: buy, sell)");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy'}"), CAS_EINVAL,
                 "shocks[1].qty", "missing required key 'qty'; give the order's size in lots");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 0}"), CAS_ERANGE,
                 "shocks[1].qty", "must be between 1 and 1000000000000, got 0");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1,"
                       " 'pct': 0.1}"),
                 CAS_EINVAL, "shocks[1].pct",
                 "'pct' is only for kinds 'index_jump' and 'news'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'P', 'side': 'buy',"
                       " 'pct': 0.1}"),
                 CAS_EINVAL, "shocks[1].side",
                 "'side' is only for kinds 'market_order' and 'limit_order'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'pct': 0.1}"), CAS_EINVAL,
                 "shocks[1].instrument",
                 "'S' is a spot instrument; an index_jump needs a perpetual (it moves the"
                 " perpetual's index)");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'P', 'pct': -1}"),
                 CAS_ERANGE, "shocks[1].pct", "must be greater than -1 and at most 10, got -1");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'P'}"), CAS_EINVAL,
                 "shocks[1].pct",
                 "missing required key 'pct'; give the jump as a fraction, e.g. -0.1 for a 10%"
                 " drop");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'Q', 'pct': 0.1}"),
                 CAS_ENOTFOUND, "shocks[1].instrument",
                 "unknown instrument 'Q' (did you mean 'S'? known instruments: S, P)");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'P', 'pc': 0.1}"),
                 CAS_EINVAL, "shocks[1].pc", "unknown key 'pc' (did you mean 'pct'?)");
    expect_error(SHOCK("3"), CAS_EINVAL, "shocks[1]", "must be an object, got a number");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1,"
                       " 'position': 'long'}"),
                 CAS_EINVAL, "shocks[1].position",
                 "unknown position 'long' (known positions: open, close)");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 99, 'position': 'open'}"),
                 CAS_EINVAL, "shocks[1].position",
                 "'position' is only for kind 'market_order'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1,"
                       " 'holders': 0}"),
                 CAS_EINVAL, "shocks[1].holders",
                 "'holders' is only for \"position\": \"close\"; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1,"
                       " 'position': 'close', 'holders': 0}"),
                 CAS_EINVAL, "shocks[1].holders", "the config has no agents to close with");
    expect_error("{" SHOCK_INSTRUMENTS ", 'agents': [{'type': 'noise', 'count': 1}],"
                 " 'shocks': [{'step': 1, 'kind': 'market_order', 'side': 'sell', 'qty': 1,"
                 " 'position': 'close', 'holders': 1}]}",
                 CAS_ERANGE, "shocks[0].holders", "must be between 0 and 0, got 1");
    char text[100000] = "{" SHOCK_INSTRUMENTS ", 'shocks': [";
    for (int i = 0; i < 1025; i++)
        strcat(text, i ? ", {'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1}"
                       : "{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1}");
    strcat(text, "]}");
    expect_error(text, CAS_ERANGE, "shocks", "must have at most 1024 entries, got 1025");
}

/* News: a move of a spot instrument's value, at once by default or spread over steps,
 * written back with both keys so that the resolved config runs the same shock. */
Test(config, news_shocks_are_read_and_written_back)
{
    static const char text[] =
        "{" SHOCK_INSTRUMENTS ", 'shocks': ["
        "{'step': 5, 'kind': 'news', 'instrument': 'S', 'pct': -0.03, 'over_steps': 600},"
        "{'step': 7, 'kind': 'news', 'pct': 0.5}]}";
    struct cas_config cfg;
    parse_ok(&cfg, text, NULL, 0);
    cr_assert_eq(cfg.n_shocks, 2);
    const struct cas_shock_config *s = cfg.shocks;
    cr_assert_eq(s[0].kind, CAS_SHOCK_NEWS);
    cr_assert_eq(s[0].instrument, 0);
    cr_assert_eq(s[0].pct, -0.03);
    cr_assert_eq(s[0].over_steps, 600);
    cr_assert_eq(s[1].instrument, 0, "the first instrument by default");
    cr_assert_eq(s[1].pct, 0.5);
    cr_assert_eq(s[1].over_steps, 1, "at once by default");
    cr_assert_not_null(strstr(cfg.resolved_json, "\"over_steps\":\t600"), "%s", cfg.resolved_json);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"over_steps\":\t1\n"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
    expect_idempotent(text);
}

Test(config, news_shock_errors)
{
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'instrument': 'P', 'pct': -0.1}"), CAS_EINVAL,
                 "shocks[1].instrument",
                 "'P' is a perpetual; news moves a spot instrument's value (use 'index_jump' to"
                 " move a perpetual's index)");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': -1}"), CAS_ERANGE, "shocks[1].pct",
                 "must be greater than -1, got -1");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 1e999}"), CAS_ERANGE, "shocks[1].pct",
                 "is too large; write a finite number");
    expect_error(SHOCK("{'step': 1, 'kind': 'news'}"), CAS_EINVAL, "shocks[1].pct",
                 "missing required key 'pct'; give the move of the value as a fraction, e.g. -0.03"
                 " for a 3% fall");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 0.1, 'over_steps': 0}"), CAS_ERANGE,
                 "shocks[1].over_steps", "must be between 1 and 1000000000, got 0");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 0.1, 'over_steps': 2.5}"), CAS_EINVAL,
                 "shocks[1].over_steps", "must be an integer, got 2.5");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 0.1, 'over_steps': '60'}"), CAS_EINVAL,
                 "shocks[1].over_steps", "must be an integer, got a string");
    expect_error(SHOCK("{'step': 1, 'kind': 'index_jump', 'instrument': 'P', 'pct': 0.1,"
                       " 'over_steps': 5}"),
                 CAS_EINVAL, "shocks[1].over_steps",
                 "'over_steps' is only for kind 'news'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 0.1, 'side': 'sell'}"), CAS_EINVAL,
                 "shocks[1].side",
                 "'side' is only for kinds 'market_order' and 'limit_order'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'news', 'pct': 0.1, 'over_step': 5}"), CAS_EINVAL,
                 "shocks[1].over_step", "unknown key 'over_step' (did you mean 'over_steps'?)");
    expect_error(SHOCK("{'step': 1, 'kind': 'nwes', 'pct': 0.1}"), CAS_EINVAL, "shocks[1].kind",
                 "unknown shock kind 'nwes' (did you mean 'news'? known kinds: market_order,"
                 " limit_order, index_jump, news)");
}

/* An index that follows a spot book is set from that book at the start of every step: a
 * jump would last one step and vanish. The news belongs on the book. */
Test(config, index_jump_on_an_index_that_follows_spot_is_refused)
{
    expect_error("{'steps': 100, 'instruments': [{'name': 'S', 'initial_price': 100}, " PERP ","
                 " 'index': {'source': 'spot', 'instrument': 'S'}}], 'shocks': [{'step': 1,"
                 " 'kind': 'index_jump', 'instrument': 'P', 'pct': -0.1}]}",
                 CAS_EINVAL, "shocks[0].instrument",
                 "the index of 'P' follows its spot book 'S', which would undo the jump at the"
                 " next step; use a 'news' shock on 'S'");
    expect_error("{'steps': 100, 'instruments': [{'name': 'S', 'initial_price': 100},"
                 " {'name': 'T', 'initial_price': 100}, " PERP ", 'index': {'source': 'spot',"
                 " 'constituents': [{'instrument': 'S'}, {'instrument': 'T', 'weight': 2}]}}],"
                 " 'shocks': [{'step': 1, 'kind': 'index_jump', 'instrument': 'P', 'pct': -0.1}]}",
                 CAS_EINVAL, "shocks[0].instrument",
                 "the index of 'P' follows 2 spot books ('T' weighs most), which would undo the"
                 " jump at the next step; use 'news' shocks on them");
}

/* A limit order's price is quote currency, stored in ticks of its instrument, and
 * written back as given. */
Test(config, limit_order_shocks_are_read_in_ticks_of_their_instrument)
{
    struct cas_config cfg;
    parse_ok(&cfg,
             "{'steps': 100, 'instruments': [{'name': 'S', 'initial_price': 100},"
             " {'name': 'H', 'tick_size': 0.5, 'initial_price': 100}], 'shocks': ["
             "{'step': 3, 'kind': 'limit_order', 'instrument': 'H', 'side': 'sell', 'qty': 7,"
             " 'price': 101.5},"
             "{'step': 0, 'kind': 'limit_order', 'side': 'buy', 'qty': 2, 'price': 99.99}]}",
             NULL, 0);
    cr_assert_eq(cfg.n_shocks, 2);
    const struct cas_shock_config *s = cfg.shocks;
    cr_assert_eq(s[0].kind, CAS_SHOCK_LIMIT_ORDER);
    cr_assert_eq(s[0].instrument, 0, "the first instrument by default");
    cr_assert_eq(s[0].side, CAS_BUY);
    cr_assert_eq(s[0].qty, 2);
    cr_assert_eq(s[0].price, 9999, "99.99 is 9999 ticks of 0.01");
    cr_assert_eq(s[1].step, 3);
    cr_assert_eq(s[1].instrument, 1);
    cr_assert_eq(s[1].side, CAS_SELL);
    cr_assert_eq(s[1].qty, 7);
    cr_assert_eq(s[1].price, 203, "101.5 is 203 ticks of 0.5");
    cr_assert_not_null(strstr(cfg.resolved_json, "\"price\":\t99.99"), "%s", cfg.resolved_json);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"price\":\t101.5"), "%s", cfg.resolved_json);
    cas_config_release(&cfg);
}

Test(config, limit_order_shock_errors)
{
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1}"), CAS_EINVAL,
                 "shocks[1].price",
                 "missing required key 'price'; give the limit price in quote currency");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 99.995}"),
                 CAS_EINVAL, "shocks[1].price",
                 "must be a multiple of tick_size 0.01, got 99.995 (9999.5 ticks)");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 0}"),
                 CAS_ERANGE, "shocks[1].price", "must be greater than 0, got 0");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 'high'}"),
                 CAS_EINVAL, "shocks[1].price", "must be a number, got a string");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 1e11}"),
                 CAS_ERANGE, "shocks[1].price",
                 "is 10000000000000 ticks of 0.01; it must be 1 to 1099511627776 (2^40) ticks");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'price': 100}"),
                 CAS_EINVAL, "shocks[1].qty",
                 "missing required key 'qty'; give the order's size in lots");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'qty': 1, 'price': 100}"), CAS_EINVAL,
                 "shocks[1].side", "missing required key 'side' (known sides: buy, sell)");
    expect_error(SHOCK("{'step': 1, 'kind': 'market_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 100}"),
                 CAS_EINVAL, "shocks[1].price",
                 "'price' is only for kind 'limit_order'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'price': 100, 'pct': 0.1}"),
                 CAS_EINVAL, "shocks[1].pct",
                 "'pct' is only for kinds 'index_jump' and 'news'; remove it");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_oder', 'side': 'buy', 'qty': 1,"
                       " 'price': 100}"),
                 CAS_EINVAL, "shocks[1].kind",
                 "unknown shock kind 'limit_oder' (did you mean 'limit_order'? known kinds:"
                 " market_order, limit_order, index_jump, news)");
    expect_error(SHOCK("{'step': 1, 'kind': 'limit_order', 'side': 'buy', 'qty': 1,"
                       " 'prize': 100}"),
                 CAS_EINVAL, "shocks[1].prize", "unknown key 'prize' (did you mean 'price'?)");
}

/* ---- a whole perpetual experiment reads back from its resolved text ---- */

static const char perp_full[] =
    "{'name': 'perp', 'steps': 7200, 'step_seconds': 2, 'money_decimals': 4,"
    " 'insurance_fund': 250000.5,"
    " 'instruments': [{'name': 'BTC', 'tick_size': 0.5, 'lot_size': 0.001,"
    "                  'initial_price': 60000},"
    "                 {'name': 'BTC-PERP', 'kind': 'perpetual', 'tick_size': 0.1,"
    "                  'lot_size': 0.001, 'initial_price': 60000.3, 'venue': 'binance',"
    "                  'index': {'source': 'spot', 'instrument': 'BTC'},"
    "                  'mark': {'method': 'index_ema', 'ema_seconds': 61},"
    "                  'funding': {'interest': 0.00011, 'weighting': 'linear'},"
    "                  'liquidation': {'mode': 'keeper', 'slice_above': 12345.6789},"
    "                  'dynamic_margin': {'window_seconds': 999, 'base_vol_annual': 0.3}},"
    "                 {'name': 'ETH-PERP', 'kind': 'perpetual', 'initial_price': 3000,"
    "                  'venue': 'hyperliquid', 'price_band': {'pct': 0.07, 'action': 'halt'},"
    "                  'index': {'vol_annual': 1.1, 'jumps_per_day': 0.3, 'jump_mean': -0.01}},"
    "                 {'name': 'SOL-PERP', 'kind': 'perpetual', 'initial_price': 150,"
    "                  'index': {'source': 'path', 'file': 'paths/sol.csv'}, 'funding': false}],"
    " 'agents': [{'type': 'noise', 'instrument': 'BTC-PERP', 'margin': 'isolated'}],"
    " 'shocks': [{'step': 3600, 'kind': 'index_jump', 'instrument': 'ETH-PERP', 'pct': -0.15},"
    "            {'step': 10, 'kind': 'market_order', 'instrument': 'BTC-PERP',"
    "             'side': 'sell', 'qty': 500},"
    "            {'step': 0, 'kind': 'limit_order', 'instrument': 'BTC-PERP',"
    "             'side': 'buy', 'qty': 20, 'price': 59999.7}]}";

Test(config, resolved_perpetual_config_parses_back_to_the_same_config)
{
    expect_idempotent(perp_full);
    const char *sets[] = {"instruments[1].margin.max_leverage=125",
                          "instruments[2].fees={'maker': 0.0003}"};
    struct cas_config a, b;
    struct cas_err err = {0};
    parse_ok(&a, perp_full, sets, 2);
    cr_assert_eq(a.instruments[2].spec.maker_fee_ppm, 300);
    cr_assert_eq(a.instruments[2].spec.taker_fee_ppm, 450, "hyperliquid's taker fee stays");
    cr_assert_eq(a.insurance_fund, 2500005000LL);
    cr_assert_eq(a.instruments[1].spec.liq_slice_above, 123456789);
    cr_assert_eq(a.instruments[1].spec.contract_units, 1);
    cr_assert_eq(cas_config_parse(&b, a.resolved_json, "resolved", NULL, 0, &err), 0, "%s: %s",
                 err.path, err.msg);
    expect_same(&a, &b);
    cas_config_release(&a);
    cas_config_release(&b);
}

/* The text of the source tree's file at rel (docs/...), in a static buffer. */
static const char *read_doc(const char *rel, char *path, size_t size)
{
    static char doc[1 << 17];
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    snprintf(path, size, "%s/%s", root, rel);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = 0;
    fclose(f);
    return doc;
}

/* docs/agents/TYPE.md is written from the parameter tables: every type has a
 * page and every parameter a row with its kind and default, so the docs
 * cannot drift from the code unnoticed. */
Test(config, docs_list_every_agent_parameter_with_its_default)
{
    size_t nt;
    const struct cas_agent_type *const *types = cas_agent_types(&nt);
    for (size_t t = 0; t < nt; t++) {
        char path[1024], rel[128];
        snprintf(rel, sizeof rel, "docs/agents/%s.md", types[t]->name);
        const char *doc = read_doc(rel, path, sizeof path);
        char head[128];
        snprintf(head, sizeof head, "# `%s`", types[t]->name);
        cr_assert_not_null(strstr(doc, head), "%s lacks '%s'", path, head);
        for (uint32_t i = 0; i < types[t]->n_params; i++) {
            const struct cas_param_spec *p = &types[t]->params[i];
            char row[256];
            snprintf(row, sizeof row, "| `%s` | %s | `%g` |", p->name,
                     p->kind == CAS_PARAM_INT ? "integer" : "real", p->def);
            cr_assert_not_null(strstr(doc, row), "%s lacks the row '%s'", path, row);
        }
        if (types[t]->takes_orders)
            cr_assert_not_null(strstr(doc, "| `orders` | list of orders | `[]` |"),
                               "%s lacks the row of its script, `orders`", path);
    }
}

/* record.trades is a boolean, false by default, and resolves as written. */
Test(config, record_trades_flag)
{
    struct cas_config cfg = {0};
    struct cas_err err = {0};
    const char *on = "{\"record\": {\"trades\": true}, \"instruments\": [{\"name\": \"X\","
                     " \"initial_price\": 100}]}";
    cr_assert_eq(cas_config_parse(&cfg, on, "t", NULL, 0, &err), 0, "%s", err.msg);
    cr_assert(cfg.record_trades);
    cr_assert_not_null(strstr(cfg.resolved_json, "\"trades\":\ttrue"));
    cas_config_release(&cfg);
    const char *off = "{\"instruments\": [{\"name\": \"X\", \"initial_price\": 100}]}";
    cr_assert_eq(cas_config_parse(&cfg, off, "t", NULL, 0, &err), 0, "%s", err.msg);
    cr_assert(!cfg.record_trades);
    cas_config_release(&cfg);
    const char *bad = "{\"record\": {\"trades\": 1}, \"instruments\": [{\"name\": \"X\","
                      " \"initial_price\": 100}]}";
    cr_assert_eq(cas_config_parse(&cfg, bad, "t", NULL, 0, &err), CAS_EINVAL);
    cr_assert_str_eq(err.path, "record.trades");
}

/* ---- docs/config.md against the venue rules' table (src/config/rules.c) ---- */

/* v as docs/config.md writes it: %g with a bare exponent (1e9) and a real minus sign. */
static const char *doc_num(char *out, size_t size, double v)
{
    char t[24], *e; /* %g of a double is at most 13 characters */
    snprintf(t, sizeof t, "%g", fabs(v));
    if ((e = strstr(t, "e+")) != NULL) {
        char *d = e + 2;
        while (*d == '0')
            d++;
        memmove(e + 1, d, strlen(d) + 1);
    }
    snprintf(out, size, "%s%s", v < 0 ? "\u2212" : "", t);
    return out;
}

/* The doc's range cell of f, or its beginning (the doc may add a clause after a comma). */
static void doc_range(char *out, size_t size, const struct cas__field *f)
{
    const struct cas__range *r = &f->range;
    char lo[32], hi[32];
    doc_num(lo, sizeof lo, r->min);
    doc_num(hi, sizeof hi, r->max);
    out[0] = 0;
    if (f->kind == CAS__F_CUSTOM)
        snprintf(out, size, "%s", f->doc_range);
    else if (f->kind == CAS__F_CHOICE)
        for (size_t i = 0; i < f->n_names; i++)
            snprintf(out + strlen(out), size - strlen(out), "%s`%s`", i ? ", " : "", f->names[i]);
    else if (isinf(r->max))
        snprintf(out, size, "\u2265 %s", lo);
    else if (r->min_open)
        snprintf(out, size, "> %s and %s %s", lo, r->max_open ? "<" : "\u2264", hi);
    else
        snprintf(out, size, "%s \u2013 %s", lo, hi);
    if (f->kind == CAS__F_PPM)
        snprintf(out + strlen(out), size - strlen(out), ", whole ppm");
}

/* "| `key` | type | default | range" of f's row in its rule's table. */
static void doc_row(char *out, size_t size, const struct cas__field *f)
{
    static const char *const types[] = {[CAS__F_INTEGER] = "integer", [CAS__F_CHOICE] = "string"};
    char def[160], range[160], num[32];
    const char *type = f->kind == CAS__F_CUSTOM                                   ? f->doc_type
                       : f->kind < sizeof types / sizeof *types && types[f->kind] ? types[f->kind]
                                                                                  : "real";
    if (f->kind == CAS__F_CUSTOM)
        snprintf(def, sizeof def, "%s", f->doc_default);
    else if (f->required)
        snprintf(def, sizeof def, "**required**");
    else if (f->kind == CAS__F_CHOICE)
        snprintf(def, sizeof def, "`\"%s\"`", f->names[(size_t)f->def]);
    else
        snprintf(def, sizeof def, "`%s`", doc_num(num, sizeof num, f->def));
    doc_range(range, sizeof range, f);
    snprintf(out, size, "| `%s` | %s | %s | %s", f->key, type, def, range);
}

/* The rows of the first table after the heading at `at`, one per line into rows[]. */
static size_t doc_table(const char *at, char rows[][512], size_t max)
{
    size_t n = 0;
    const char *line = strstr(at, "\n| key |");
    cr_assert_not_null(line, "no table after '%.60s'", at);
    line = strchr(line + 1, '\n') + 1; /* the header's separator row */
    for (line = strchr(line, '\n') + 1; strncmp(line, "| `", 3) == 0 && n < max; n++) {
        const char *end = strchr(line, '\n');
        snprintf(rows[n], 512, "%.*s", (int)(end - line), line);
        line = end + 1;
    }
    return n;
}

/* Every rule of the table has its row in the instruments table, and a section whose table
 * lists exactly its keys, in order, each with its type, default and range: so a default or
 * a range changed in the code or in the docs alone fails here. */
Test(config, docs_list_every_venue_rule_with_its_keys_defaults_and_ranges)
{
    static const char *const sw_type[] = {"object", "object or `false`", "object or `false`"};
    static const char *const sw_def[] = {"`{}`", "`{}` (on)", "`false` (off)"};
    char path[1024], want[512], head[128], rows[CAS__MAX_RULE_FIELDS + 1][512];
    const char *doc = read_doc("docs/config.md", path, sizeof path);
    for (size_t k = 0; k < cas__n_rules; k++) {
        const struct cas__rule *r = &cas__rules[k];
        snprintf(want, sizeof want, "\n| `%s` | %s | %s | perpetuals only | | %s |\n", r->key,
                 sw_type[r->sw], sw_def[r->sw], r->doc);
        cr_assert_not_null(strstr(doc, want), "%s lacks the row '%s'", path, want + 1);
        snprintf(head, sizeof head, "\n### `instruments[i].%s`\n", r->key);
        const char *at = strstr(doc, head);
        cr_assert_not_null(at, "%s lacks the heading '%s'", path, head + 1);
        size_t n = doc_table(at, rows, CAS__MAX_RULE_FIELDS + 1);
        cr_assert_eq(n, r->n_fields, "%s: %s has %zu rows, the code %zu keys", path, head + 1, n,
                     r->n_fields);
        for (size_t j = 0; j < n; j++) {
            doc_row(want, sizeof want, &r->fields[j]);
            size_t len = strlen(want);
            cr_assert(strncmp(rows[j], want, len) == 0 &&
                          (rows[j][len] == ',' || strncmp(rows[j] + len, " |", 2) == 0),
                      "%s: the row\n  %s\nshould begin\n  %s", path, rows[j], want);
        }
    }
}
