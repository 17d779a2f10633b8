/* test_config: parsing, defaults, every class of validation error, --set overrides, loading.
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

#define MIN_INSTRUMENTS "'instruments': [{'name': 'X', 'initial_price': 100}]"
#define MIN             "{" MIN_INSTRUMENTS "}"

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

static void expect_same(const struct cas_config *a, const struct cas_config *b)
{
    cr_assert_str_eq(a->name, b->name);
    cr_assert_eq(a->seed, b->seed);
    cr_assert_eq(a->steps, b->steps);
    cr_assert_eq(a->step_seconds, b->step_seconds);
    cr_assert_eq(a->sample_every, b->sample_every);
    cr_assert_eq(a->n_instruments, b->n_instruments);
    for (uint32_t i = 0; i < a->n_instruments; i++) {
        const struct cas_instrument_config *x = &a->instruments[i], *y = &b->instruments[i];
        cr_assert_str_eq(x->name, y->name);
        cr_assert_str_eq(x->kind, y->kind);
        cr_assert_eq(x->tick_size, y->tick_size);
        cr_assert_eq(x->lot_size, y->lot_size);
        cr_assert_eq(x->initial_price, y->initial_price);
    }
    cr_assert_eq(a->n_populations, b->n_populations);
    for (uint32_t i = 0; i < a->n_populations; i++) {
        const struct cas_population_config *x = &a->populations[i], *y = &b->populations[i];
        cr_assert_eq(x->type, y->type);
        cr_assert_eq(x->count, y->count);
        cr_assert_eq(x->instrument, y->instrument);
        for (uint32_t k = 0; k < x->type->n_params; k++)
            cr_assert_eq(x->params[k], y->params[k], "params[%u]", k);
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
    expect_idempotent("{'step_seconds': 0.1, 'seed': 0, 'instruments': [{'name': 'a',"
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
                 "unknown key 'stp' (known keys: name, seed, steps, step_seconds, record,"
                 " instruments, agents)");
    expect_error("{'zzzzzz': 5, " MIN_INSTRUMENTS "}", CAS_EINVAL, "zzzzzz",
                 "unknown key 'zzzzzz' (known keys: name, seed, steps, step_seconds, record,"
                 " instruments, agents)");
}

Test(config, unknown_key_in_record_and_instrument)
{
    expect_error("{'record': {'sample': 1}, " MIN_INSTRUMENTS "}", CAS_EINVAL, "record.sample",
                 "unknown key 'sample' (known keys: sample_every)");
    expect_error("{'instruments': [{'name': 'a', 'initial_price': 1},"
                 " {'name': 'b', 'initial_price': 1, 'tick_sise': 1}]}",
                 CAS_EINVAL, "instruments[1].tick_sise",
                 "unknown key 'tick_sise' (did you mean 'tick_size'?)");
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
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noise', 'params': {'spread': 1}}]}",
                 CAS_EINVAL, "agents[0].params.spread",
                 "unknown key 'spread' (known keys: mu, alpha, delta, sigma, window)");
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
                 "agents[0].count", "must be between 1 and 1000000, got 0");
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

Test(config, messages_never_contain_a_newline)
{
    struct cas_err err = parse_fail("{'a\\nb\\u0001': 1, " MIN_INSTRUMENTS "}", NULL, 0);
    cr_assert_str_eq(err.path, "a\\nb\\x01");
    cr_assert_str_eq(err.msg, "unknown key 'a\\nb\\x01' (known keys: name, seed, steps,"
                              " step_seconds, record, instruments, agents)");
    err = parse_fail("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'a\\nb'}]}", NULL, 0);
    cr_assert_str_eq(err.msg, "unknown agent type 'a\\nb' (known types: noise)");
    err = parse_fail("{\n\n'a'\n", NULL, 0);
    cr_assert_str_eq(err.path, "line 3");
    cr_assert_str_eq(err.msg, "invalid JSON: 'test.json' ends too early, after '{\\n\\n\"a\"'");
}

/* ---- agents and instruments ---- */

Test(config, unknown_agent_type)
{
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'noize'}]}", CAS_ENOTFOUND,
                 "agents[0].type",
                 "unknown agent type 'noize' (did you mean 'noise'? known types: noise)");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'type': 'market_maker'}]}", CAS_ENOTFOUND,
                 "agents[0].type", "unknown agent type 'market_maker' (known types: noise)");
    expect_error("{" MIN_INSTRUMENTS ", 'agents': [{'count': 2}]}", CAS_EINVAL, "agents[0].type",
                 "missing required key 'type' (known types: noise)");
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
                 "unknown instrument kind 'future' (known kinds: spot)");
    expect_error("{'instruments': [{'name': 'A', 'kind': 'spt', 'initial_price': 1}]}", CAS_EINVAL,
                 "instruments[0].kind",
                 "unknown instrument kind 'spt' (did you mean 'spot'? known kinds: spot)");
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

/* docs/config.md is written from the parameter tables: every type has a
 * section and every parameter a row with its kind and default, so the docs
 * cannot drift from the code unnoticed. */
Test(config, docs_list_every_agent_parameter_with_its_default)
{
    const char *root = getenv("CASCADE_SOURCE_ROOT");
    cr_assert_not_null(root, "CASCADE_SOURCE_ROOT is not set (run through meson test)");
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/config.md", root);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s", path);
    static char doc[1 << 17];
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    doc[n] = 0;
    fclose(f);
    size_t nt;
    const struct cas_agent_type *const *types = cas_agent_types(&nt);
    for (size_t t = 0; t < nt; t++) {
        char head[128];
        snprintf(head, sizeof head, "### `%s`", types[t]->name);
        cr_assert_not_null(strstr(doc, head), "docs/config.md lacks '%s'", head);
        for (uint32_t i = 0; i < types[t]->n_params; i++) {
            const struct cas_param_spec *p = &types[t]->params[i];
            char row[256];
            snprintf(row, sizeof row, "| `%s` | %s | `%g` |", p->name,
                     p->kind == CAS_PARAM_INT ? "integer" : "real", p->def);
            cr_assert_not_null(strstr(doc, row), "docs/config.md lacks the row '%s'", row);
        }
    }
}
