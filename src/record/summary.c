/* summary: summary.json, the headline figures of a run, and the table of its
 * keys (docs/outputs.md lists exactly these; a test holds the table, the
 * docs and a real summary.json together).
 *
 * Figures other than per-shock amplification describe the first instrument.
 * Price figures take trades inside a step into account, so none claims a
 * move smaller than the fills show.
 */
#include <math.h>
#include <stdlib.h>

#include "cascade/fmath.h"
#include "cascade/stats.h"
#include "record/recordInt.h"

#define HILL_TAIL_MIN 5 /* returns in the tail the Hill index needs */

/* clang-format off */
const struct cas_column cas__summary_keys[] = {
    {"version", "", "cascade version that wrote the run"},
    {"name", "", "the experiment's name, from the resolved config"},
    {"seed", "", "the run's seed"},
    {"steps", "steps", "the run's length"},
    {"instrument", "", "the instrument the figures below describe (the first)"},
    {"prices.initial", "quote currency", "the configured initial price"},
    {"prices.final", "quote currency", "price at the end of the last step"},
    {"prices.min", "quote currency", "the lowest trade or end-of-step price after the book's "
                                     "opening (`opening`; `null` if the run ended in it)"},
    {"prices.max", "quote currency", "the highest trade or end-of-step price after the "
                                     "opening"},
    {"opening.steps", "steps", "the book's opening: the steps up to and including the first "
                               "at whose end every instrument's bid and ask, and every trade "
                               "of the step, lay within 1% of its reference (a perpetual's "
                               "index, a spot book's initial price); at most "
                               "⌈`opening_max_s` / `step_seconds`⌉ steps and none from the "
                               "first shock's step on. The price extremes, `dislocation` and "
                               "the report's headline leave it out"},
    {"opening.seconds", "seconds", "the same in simulated time"},
    {"opening.max_s", "seconds", "`record.opening_max_s` (60 by default; 0: no opening)"},
    {"instruments[k].name", "", "every instrument, in config order"},
    {"instruments[k].after_opening", "quote currency", "its price (mid, else last trade) at "
                                                       "the opening's end (the initial price "
                                                       "without an opening)"},
    {"instruments[k].min", "quote currency", "its lowest trade or end-of-step price after "
                                             "the opening"},
    {"instruments[k].max", "quote currency", "its highest, likewise"},
    {"book.mean_spread_ticks", "ticks", "mean of ask − bid at step ends where both sides are "
                                        "quoted"},
    {"book.mean_depth_best_lots", "lots", "mean over step ends of (lots at best bid + lots at "
                                          "best ask) / 2"},
    {"stylized.warmup_s", "seconds", "simulated time left out at the start: "
                                     "`record.stylized_warmup_s` (3600 by default); the "
                                     "figures below are measured on the steps after it"},
    {"stylized.horizon_steps", "steps", "the steps of one 1-minute return: 60 / "
                                        "`step_seconds` rounded to the nearest whole number, "
                                        "at least 1"},
    {"stylized.horizon_s", "seconds", "the length of one return, `horizon_steps` × "
                                      "`step_seconds` (60 unless `step_seconds` does not "
                                      "divide 60)"},
    {"stylized.returns", "count", "log returns of the price (mid, else last trade) at every "
                                  "step end a horizon apart, from the warm-up's end"},
    {"stylized.hill_index", "", "Hill estimator of the tail index of \\|returns\\| from "
                                "the largest 5% (⌊returns / 20⌋ of them; about 3 for real "
                                "markets' fat tails, large for Gaussian returns); null below "
                                "100 returns (fewer than 5 in the tail)"},
    {"stylized.std_over_iqr", "", "standard deviation of the returns over their "
                                  "inter-quartile range (0.74 for Gaussian returns, more "
                                  "for fat tails around a narrow body)"},
    {"stylized.excess_kurtosis", "", "m4 / m2² − 3 of the returns (0 for Gaussian returns)"},
    {"stylized.acf_absr_mean_30_120", "", "the mean of the autocorrelations of absolute "
                                          "returns at lags 30 to 120 (returns, that is "
                                          "minutes): volatility clustering over hours"},
    {"stylized.acf_r", "", "autocorrelations of returns at lags 1 to 120, an array"},
    {"stylized.acf_absr", "", "autocorrelations of absolute returns at lags 1 to 120, an "
                              "array"},
    {"stylized.basis_median_bps", "bp", "median of \\|mark / index − 1\\| at the step ends "
                                        "after the warm-up (`null` on spot), within 0.01 bp "
                                        "below 50 bp (the mean of the values in the median's "
                                        "bin of a histogram: bins of 0.01 bp below 50 bp, 1 bp "
                                        "below 1000, 10 bp below 10000)"},
    {"stylized.funding_prints", "count", "funding payments after the warm-up (`null` on "
                                         "spot)"},
    {"stylized.funding_at_interest_share", "", "the share of them paid at the interest "
                                               "rate, to the ppm the venue pays in: the "
                                               "clamp held the rate there"},
    {"stylized.funding_positive_share", "", "the share of them above 0 (longs paid shorts)"},
    {"dislocation.max_basis_bps", "bp", "largest \\|price / index − 1\\| at step ends "
                                        "after the opening (perpetuals; `null` on spot)"},
    {"dislocation.max_drawdown_bps", "bp", "largest fall of the price from a running peak, "
                                           "every trade and end-of-step price after the "
                                           "opening taken in time order"},
    {"dislocation.far_steps", "steps", "step ends after the opening at which the price was "
                                       "more than 3% from the index (perpetuals; `null` on "
                                       "spot)"},
    {"dislocation.far_longest_steps", "steps", "the longest run of such consecutive steps"},
    {"dislocation.far_unexplained_longest_steps", "steps",
     "the longest run of them in which trading was not halted and no arbitrageur (basis_arb, "
     "fundamental) was at its capital limit: a dislocation the outputs do not explain"},
    {"dislocation.recovery_steps", "steps", "from that fall's trough until the price regained "
                                            "the peak; `null` if it never did"},
    {"accounting.conserved", "bool", "total money held equals total deposited, exactly"},
    {"accounting.total_initial", "quote currency", "every account's collateral plus the "
                                                   "initial insurance fund (with market- or "
                                                   "limit-order shocks, this includes the shock "
                                                   "account's deposit of 1,000,000,000)"},
    {"accounting.total_final", "quote currency", "cash of every account and of unfinished "
                                                 "liquidations, the insurance fund, fees and "
                                                 "rounding residue at the end"},
    {"accounting.fees", "quote currency", "trading fees collected by the venue, less the rebates it paid to makers with a negative `maker_fee`"},
    {"accounting.rounding_residue", "quote currency", "what the rounding rule kept (amounts "
                                                      "owed round up, amounts owed to an "
                                                      "account round down)"},
    {"liquidations.count", "count", "every liquidation, engine and keeper, every instrument"},
    {"liquidations.notional", "quote currency", "their notional at the mark when triggered"},
    {"liquidations.engine", "count", "liquidations the venue's engine worked"},
    {"liquidations.keeper", "count", "positions keepers took over"},
    {"liquidations.adl", "count", "auto-deleveraging events"},
    {"insurance_fund.initial", "quote currency", "the fund's balance at the start"},
    {"insurance_fund.final", "quote currency", "the fund's balance at the end"},
    {"insurance_fund.min", "quote currency", "the fund's lowest balance"},
    {"cascades.count", "count", "cascades (causal trees of liquidations; see `cascades.csv`), "
                                "every instrument"},
    {"cascades.largest_size", "count", "liquidations in the largest"},
    {"cascades.largest_notional", "quote currency", "the largest notional of one cascade"},
    {"cascades.largest_move_bps", "bp", "the largest `move_bps` of `cascades.csv`"},
    {"cascades.largest_move_cascade", "", "the id of the cascade with that move (the first "
                                          "of equals); `null` without cascades"},
    {"cascades.longest_duration_steps", "steps", "the longest `duration_steps`"},
    {"cascades.max_generations", "", "the deepest tree"},
    {"cascades.episodes", "count", "episodes: cascades of one event grouped (`episode` in "
                                   "`cascades.csv`; `record.episode_gap_s`)"},
    {"cascades.largest_episode", "", "the episode with the most liquidations (then the "
                                     "larger notional, then the first); `null` without "
                                     "cascades"},
    {"cascades.largest_episode_size", "count", "its liquidations"},
    {"cascades.largest_episode_cascades", "count", "its cascades"},
    {"amplification", "", "`null`, unless the run was made with `--counterfactual`: then one "
                          "object per shock"},
    {"amplification[k].shock", "", "the shock, 1-based in config order"},
    {"amplification[k].step", "steps", "the shock's step"},
    {"amplification[k].instrument", "", "the shock's instrument, on which both moves are "
                                        "measured"},
    {"amplification[k].direction", "", "`down` (a sell or a falling index) or `up`: the "
                                       "direction the moves are measured in"},
    {"amplification[k].horizon_steps", "steps", "the window: the shock's step and the "
                                                "`record.amplification_horizon_steps` − 1 after "
                                                "it (cut at the run's end)"},
    {"amplification[k].price_start", "quote currency", "the price at the end of the step "
                                                       "before the shock"},
    {"amplification[k].price_extreme", "quote currency", "the lowest (down) or highest (up) "
                                                         "trade or end-of-step price in the "
                                                         "window"},
    {"amplification[k].price_end", "quote currency", "the price at the end of the window"},
    {"amplification[k].move_bps", "bp", "from `price_start` to `price_extreme`, in the "
                                        "shock's direction"},
    {"amplification[k].under_water_accounts", "count", "accounts below maintenance margin on "
                                                       "the instrument at the end of the "
                                                       "window"},
    {"amplification[k].without_liquidations.price_start", "quote currency",
     "the same figures in the counterfactual run: the same config and seed with forced "
     "liquidation switched off (under-water accounts keep their positions; the venue absorbs "
     "their losses)"},
    {"amplification[k].without_liquidations.price_extreme", "quote currency",
     "the counterfactual's extreme in the window"},
    {"amplification[k].without_liquidations.price_end", "quote currency",
     "the counterfactual's price at the end of the window"},
    {"amplification[k].without_liquidations.move_bps", "bp", "the counterfactual's move"},
    {"amplification[k].without_liquidations.under_water_accounts", "count",
     "accounts the counterfactual left under water at the end of the window: those liquidation "
     "would have closed"},
    {"amplification[k].factor", "", "`move_bps / without_liquidations.move_bps`: the leverage "
                                    "amplification factor (1 when nothing was liquidated; "
                                    "`null` if the counterfactual did not move)"},
    {"agents.TYPE.count", "count", "agents of that type (over all its populations)"},
    {"agents.TYPE.orders", "count", "orders of theirs the venue accepted (a stop counts when "
                                    "it fires)"},
    {"agents.TYPE.trades", "count", "fills of their orders"},
    {"agents.TYPE.liquidated", "count", "their positions taken over by liquidation"},
    {"agents.TYPE.pnl", "quote currency", "their equity at the end (at the marks) minus their "
                                          "deposits"},
    {"agents.TYPE.bought_lots", "lots", "lots their orders bought (an option dealer's: its "
                                        "hedges)"},
    {"agents.TYPE.sold_lots", "lots", "lots their orders sold"},
    {"agents.TYPE.position_lots", "lots", "their net position at the end on their population's "
                                          "instrument (long minus short; a basis arbitrageur's "
                                          "perpetual leg)"},
    {"agents.TYPE.same_type_lots", "lots", "lots of the fills between two agents of the type "
                                           "(each fill once: market makers trading with one "
                                           "another)"},
    {"agents.TYPE.takeovers", "count", "positions they took over as keepers"},
    {"agents.TYPE.takeover_bonus", "quote currency", "keepers: the discount to the mark they "
                                                     "got on those take-overs"},
    {"agents.TYPE.measures.NAME", "", "figures a type reports of itself, summed over its agents "
                                      "(only types that have some): `option_dealer` `options` and "
                                      "`hedge_lots_per_pct`, `front_runner` `entries` and "
                                      "`reached`; each documented in docs/agents/TYPE.md"},
    {"activity.rejected", "count", "orders the venue refused (initial margin, price band, "
                                   "halt, reduce-only, liquidating)"},
    {"activity.stops", "count", "stop orders triggered"},
    {"activity.fundings", "count", "funding payments made (per instrument)"},
    {"activity.start_lots", "lots", "long lots of the positions held from the start, opened "
                                    "before the first step (as many short; `holder`)"},
    {"activity.start_unmatched_lots", "lots", "lots of starting positions that found no "
                                              "opposite side and were not opened"},
    {"activity.start_topped_up", "count", "accounts the start price had put under water, "
                                          "topped up to their initial margin before the first "
                                          "step"},
    {"performance.wall_s", "seconds", "wall-clock time of the simulation loop"},
    {"performance.steps_per_s", "steps/s", "`steps / wall_s`"},
    {"performance.events_per_s", "events/s", "(orders + expiries) / `wall_s`"},
    {"performance.orders", "count", "orders the venue accepted, every type"},
    {"performance.trades", "count", "fills"},
    {"performance.expiries", "count", "resting orders cancelled when their lifetime ended"},
    {"performance.wakeups", "count", "agent wake-ups"},
    {"performance.peak_rss_mb", "MiB",
     "peak resident memory of the process (the WebAssembly program: the size of its memory)"},
};
/* clang-format on */
const size_t cas__n_summary_keys = sizeof cas__summary_keys / sizeof *cas__summary_keys;

/* JSON numbers: finite values with 10 significant digits, null otherwise. */
static void put_num(FILE *f, const char *key, double v, const char *sep)
{
    if (isfinite(v))
        fprintf(f, "\"%s\": %.10g%s", key, v, sep);
    else
        fprintf(f, "\"%s\": null%s", key, sep);
}

static void put_money_key(FILE *f, const char *key, cas_money m, int decimals, const char *sep)
{
    fprintf(f, "\"%s\": ", key);
    cas__put_money(f, m, decimals);
    fputs(sep, f);
}

#define STYLIZED_LAGS 120 /* summary.json's acf_r and acf_absr: lags 1..120 */

static void put_array(FILE *f, const char *key, const double *ret, size_t n, bool absolute,
                      const char *sep)
{
    double acf[STYLIZED_LAGS];
    cas_stats_acfs(ret, n, absolute, STYLIZED_LAGS, acf);
    fprintf(f, "\"%s\": [", key);
    for (size_t lag = 1; lag <= STYLIZED_LAGS; lag++) {
        double v = acf[lag - 1];
        if (isfinite(v))
            fprintf(f, "%s%.6g", lag > 1 ? ", " : "", v);
        else
            fprintf(f, "%snull", lag > 1 ? ", " : "");
    }
    fprintf(f, "]%s", sep);
}

/* The largest episode: the most liquidations, then the larger notional, then the first. */
struct episode {
    uint64_t id, cascades, liquidations;
    cas_money notional;
};

static struct episode largest_episode(const struct cas_recorder *r, uint64_t *count)
{
    struct episode best = {0}, e = {0};
    size_t n = cas_cascades_count(r->cascades);
    *count = 0;
    for (size_t k = 0; k <= n; k++) {
        const struct cas_cascade *c = k < n ? cas_cascades_get(r->cascades, k) : NULL;
        if (!c || c->episode != e.id) {
            if (e.id && (e.liquidations > best.liquidations ||
                         (e.liquidations == best.liquidations && e.notional > best.notional)))
                best = e;
            if (!c)
                break;
            e = (struct episode){c->episode, 0, 0, 0};
            *count = c->episode;
        }
        e.cascades++;
        e.liquidations += c->liquidations;
        e.notional = cas_money_add_held(e.notional, c->notional);
    }
    return best;
}

static void write_cascades(FILE *f, const struct cas_recorder *r)
{
    cas_cascades_episodes(r->cascades, r->episode_gap);
    size_t n = cas_cascades_count(r->cascades);
    uint64_t size = 0, largest = 0;
    cas_money notional = 0;
    double move = 0;
    cas_step duration = 0;
    uint32_t generations = 0;
    for (size_t k = 0; k < n; k++) {
        const struct cas_cascade *c = cas_cascades_get(r->cascades, k);
        size = c->liquidations > size ? c->liquidations : size;
        notional = c->notional > notional ? c->notional : notional;
        if (!largest || c->move_bps > move) {
            move = c->move_bps;
            largest = c->id;
        }
        if (c->finish >= 0 && c->finish - c->start + 1 > duration)
            duration = c->finish - c->start + 1;
        generations = c->generations > generations ? c->generations : generations;
    }
    fprintf(f, "  \"cascades\": {\"count\": %zu, \"largest_size\": %llu, ", n,
            (unsigned long long)size);
    put_money_key(f, "largest_notional", notional, r->cfg->money_decimals, ", ");
    put_num(f, "largest_move_bps", n ? move : NAN, ", ");
    if (largest)
        fprintf(f, "\"largest_move_cascade\": %llu, ", (unsigned long long)largest);
    else
        fputs("\"largest_move_cascade\": null, ", f);
    fprintf(f, "\"longest_duration_steps\": %lld, \"max_generations\": %u, ", (long long)duration,
            generations);
    uint64_t episodes;
    struct episode e = largest_episode(r, &episodes);
    fprintf(f, "\"episodes\": %llu, ", (unsigned long long)episodes);
    if (e.id)
        fprintf(f,
                "\"largest_episode\": %llu, \"largest_episode_size\": %llu, "
                "\"largest_episode_cascades\": %llu},\n",
                (unsigned long long)e.id, (unsigned long long)e.liquidations,
                (unsigned long long)e.cascades);
    else
        fputs("\"largest_episode\": null, \"largest_episode_size\": 0, "
              "\"largest_episode_cascades\": 0},\n",
              f);
}

/* ---- amplification ---- */

bool cas__shock_down(const struct cas_shock_config *sh)
{
    if (sh->kind == CAS_SHOCK_INDEX_JUMP || sh->kind == CAS_SHOCK_NEWS)
        return sh->pct < 0;
    return sh->side == CAS_SELL;
}

static double move_bps(const struct shock_move *m, bool down)
{
    return (down ? m->start - m->extreme : m->extreme - m->start) / m->start * 1e4;
}

static void put_move(FILE *f, const struct shock_move *m, bool down, double tick, const char *sep)
{
    put_num(f, "price_start", m->start * tick, ", ");
    put_num(f, "price_extreme", m->extreme * tick, ", ");
    put_num(f, "price_end", m->end * tick, ", ");
    put_num(f, "move_bps", move_bps(m, down), ", ");
    fprintf(f, "\"under_water_accounts\": %u%s", m->under_water, sep);
}

static void write_amplification(FILE *f, const struct cas_recorder *r,
                                const struct cas_recorder *cf)
{
    const struct cas_config *cfg = r->cfg;
    if (!cf) {
        fputs("  \"amplification\": null,\n", f);
        return;
    }
    fputs("  \"amplification\": [", f);
    for (uint32_t k = 0; k < cfg->n_shocks; k++) {
        const struct cas_shock_config *sh = &cfg->shocks[k];
        const struct cas_instrument_config *ins = &cfg->instruments[sh->instrument];
        const struct shock_move *with = &r->shocks[k], *without = &cf->shocks[k];
        bool down = cas__shock_down(sh);
        cas_step h = cfg->steps - sh->step < cfg->amplification_horizon
                         ? cfg->steps - sh->step
                         : cfg->amplification_horizon;
        fprintf(f,
                "%s{\"shock\": %u, \"step\": %lld, \"instrument\": \"%s\", "
                "\"direction\": \"%s\", \"horizon_steps\": %lld, ",
                k ? ", " : "", k + 1, (long long)sh->step, ins->name, down ? "down" : "up",
                (long long)h);
        put_move(f, with, down, ins->tick_size, ", ");
        fputs("\"without_liquidations\": {", f);
        put_move(f, without, down, ins->tick_size, "}, ");
        double a = move_bps(with, down), b = move_bps(without, down);
        put_num(f, "factor", b > 0 ? a / b : NAN, "}");
    }
    fputs("],\n", f);
}

/* The book's opening and every instrument's prices after it. */
static void write_opening(FILE *f, const struct cas_recorder *r)
{
    const struct cas_config *cfg = r->cfg;
    cas_step n = r->opening >= 0 ? r->opening : r->step;
    fprintf(f, "  \"opening\": {\"steps\": %lld, ", (long long)n);
    put_num(f, "seconds", (double)n * cfg->step_seconds, ", ");
    put_num(f, "max_s", cfg->opening_max_s, "},\n  \"instruments\": [");
    for (uint32_t i = 0; i < cfg->n_instruments; i++) {
        const struct series *s = &r->series[i];
        double tick = cfg->instruments[i].tick_size;
        bool over = r->opening >= 0;
        fprintf(f, "%s{\"name\": \"%s\", ", i ? ", " : "", cfg->instruments[i].name);
        put_num(f, "after_opening", over ? s->opened * tick : NAN, ", ");
        put_num(f, "min", s->low * tick, ", ");
        put_num(f, "max", s->high * tick, "}");
    }
    fputs("],\n", f);
}

static void write_dislocation(FILE *f, const struct cas_recorder *r)
{
    fputs("  \"dislocation\": {", f);
    put_num(f, "max_basis_bps",
            r->cfg->instruments[0].spec.kind == CAS_PERPETUAL ? r->max_basis * 1e4 : NAN, ", ");
    put_num(f, "max_drawdown_bps", r->dd.best * 1e4, ", ");
    if (r->cfg->instruments[0].spec.kind == CAS_PERPETUAL)
        fprintf(f,
                "\"far_steps\": %lld, \"far_longest_steps\": %lld, "
                "\"far_unexplained_longest_steps\": %lld, ",
                (long long)r->far_steps, (long long)r->far_longest,
                (long long)r->unexplained_longest);
    else
        fputs("\"far_steps\": null, \"far_longest_steps\": null, "
              "\"far_unexplained_longest_steps\": null, ",
              f);
    if (r->dd.best > 0 && r->dd.recovery >= 0)
        fprintf(f, "\"recovery_steps\": %lld},\n", (long long)r->dd.recovery);
    else
        fputs("\"recovery_steps\": null},\n", f);
}

static void write_venue(FILE *f, const struct cas_config *cfg, const struct cas_sim *sim)
{
    struct cas_exchange_totals t;
    cas_exchange_totals(cas_sim_exchange(sim), &t);
    int d = cfg->money_decimals;
    fprintf(f, "  \"accounting\": {\"conserved\": %s, ", t.deposited == t.held ? "true" : "false");
    put_money_key(f, "total_initial", t.deposited, d, ", ");
    put_money_key(f, "total_final", t.held, d, ", ");
    put_money_key(f, "fees", t.fees, d, ", ");
    put_money_key(f, "rounding_residue", t.residue, d, "},\n");
    fprintf(f, "  \"liquidations\": {\"count\": %llu, ", (unsigned long long)t.liquidations);
    put_money_key(f, "notional", t.liquidated_notional, d, ", ");
    fprintf(f, "\"engine\": %llu, \"keeper\": %llu, \"adl\": %llu},\n",
            (unsigned long long)t.engine, (unsigned long long)t.keeper, (unsigned long long)t.adl);
    fputs("  \"insurance_fund\": {", f);
    put_money_key(f, "initial", cfg->insurance_fund, d, ", ");
    put_money_key(f, "final", t.insurance_fund, d, ", ");
    put_money_key(f, "min", t.insurance_min, d, "},\n");
}

/* Per agent type, over its populations: count, orders, trades, liquidations
 * and PnL (equity at the end minus the deposit, quote currency). */
static void write_agents(FILE *f, const struct cas_recorder *r, const struct cas_sim *sim)
{
    const struct cas_config *cfg = r->cfg;
    size_t nt;
    const struct cas_agent_type *const *types = cas_agent_types(&nt);
    fputs("  \"agents\": {", f);
    bool first = true;
    for (size_t t = 0; t < nt; t++) {
        uint64_t count = 0, orders = 0, trades = 0, liquidated = 0, takeovers = 0;
        cas_money pnl = 0;
        cas_lots bought = 0, sold = 0, position = 0, same = 0;
        double bonus = 0;
        uint32_t g = 0;
        for (uint32_t p = 0; p < cfg->n_populations; p++) {
            const struct cas_population_config *pop = &cfg->populations[p];
            for (uint32_t k = 0; k < pop->count; k++, g++) {
                if (pop->type != types[t])
                    continue;
                struct cas_agent_stats st;
                struct cas_account_view v;
                uint32_t acct = cas_sim_agent_account(sim, g);
                struct cas_position_view pos;
                cas_sim_agent_stats(sim, g, &st);
                cas_exchange_account(cas_sim_exchange(sim), acct, &v);
                cas_exchange_position(cas_sim_exchange(sim), acct, pop->instrument, &pos);
                count++, orders += st.orders, trades += st.trades, liquidated += st.liquidated;
                pnl += v.equity - st.deposit;
                position += pos.lots;
                bought += st.bought, sold += st.sold, same += st.same_type;
                if (acct < r->cap_flows) {
                    const struct account_flow *fl = &r->flows[acct];
                    takeovers += fl->takeovers;
                    bonus += fl->bonus;
                }
            }
        }
        if (count == 0)
            continue;
        fprintf(f,
                "%s\"%s\": {\"count\": %llu, \"orders\": %llu, \"trades\": %llu, "
                "\"liquidated\": %llu, ",
                first ? "" : ", ", types[t]->name, (unsigned long long)count,
                (unsigned long long)orders, (unsigned long long)trades,
                (unsigned long long)liquidated);
        put_money_key(f, "pnl", pnl, cfg->money_decimals, ", ");
        fprintf(f,
                "\"bought_lots\": %lld, \"sold_lots\": %lld, \"position_lots\": %lld, "
                "\"same_type_lots\": %lld, \"takeovers\": %llu, ",
                (long long)bought, (long long)sold, (long long)position, (long long)same,
                (unsigned long long)takeovers);
        put_money_key(f, "takeover_bonus", (cas_money)llround(bonus), cfg->money_decimals, "");
        if (types[t]->n_measures > 0) {
            fputs(", \"measures\": {", f);
            for (uint32_t k = 0; k < types[t]->n_measures; k++) {
                double sum = 0;
                uint32_t a = 0;
                for (uint32_t p = 0; p < cfg->n_populations; p++)
                    for (uint32_t j = 0; j < cfg->populations[p].count; j++, a++)
                        if (cfg->populations[p].type == types[t])
                            sum += cas_sim_agent_measure(sim, a, k);
                put_num(f, types[t]->measures[k].name, sum,
                        k + 1 < types[t]->n_measures ? ", " : "}");
            }
        }
        fputc('}', f);
        first = false;
    }
    fputs("},\n", f);
}

/* The 1-minute log returns of the first instrument's price from the warm-up's end
 * (struct stylized); a new array (free it). */
static double *stylized_returns(const struct cas_recorder *r, size_t *n_ret)
{
    size_t n = r->sty.n_prices;
    *n_ret = n > 1 ? n - 1 : 0;
    double *ret = malloc((*n_ret ? *n_ret : 1) * sizeof *ret);
    for (size_t i = 0; ret && i < *n_ret; i++)
        ret[i] = cas_log(r->sty.prices[i + 1] / r->sty.prices[i]);
    return ret;
}

/* The lower median of the basis (the ceil(n / 2)-th smallest of n step ends): the mean
 * of the values in its bin, so within a bin's width of it (0.01 bp below 50 bp) and
 * exact when they are equal; NaN when no step was counted. */
static double basis_median(const struct stylized *st)
{
    if (!st->basis_n || st->basis_steps == 0)
        return NAN;
    uint64_t half = (st->basis_steps + 1) / 2, seen = 0;
    for (size_t k = 0; k < CAS__BASIS_BINS; k++)
        if ((seen += st->basis_n[k]) >= half)
            return st->basis_sum[k] / st->basis_n[k];
    return NAN; /* not reached: the bins add up to basis_steps */
}

static void write_stylized(FILE *f, const struct cas_recorder *r, const double *ret, size_t n)
{
    const struct cas_config *cfg = r->cfg;
    const struct stylized *st = &r->sty;
    fputs("  \"stylized\": {", f);
    put_num(f, "warmup_s", cfg->stylized_warmup_s, ", ");
    fprintf(f, "\"horizon_steps\": %lld, ", (long long)st->minute);
    put_num(f, "horizon_s", (double)st->minute * cfg->step_seconds, ", ");
    fprintf(f, "\"returns\": %zu, ", n);
    /* fewer than HILL_TAIL_MIN returns in the tail: one or two ratios would stand for it */
    put_num(f, "hill_index", n / 20 >= HILL_TAIL_MIN ? cas_stats_hill(ret, n, n / 20) : NAN, ", ");
    put_num(f, "std_over_iqr", cas_stats_std_over_iqr(ret, n), ", ");
    put_num(f, "excess_kurtosis", cas_stats_excess_kurtosis(ret, n), ", ");
    put_num(f, "acf_absr_mean_30_120", cas_stats_acf_mean(ret, n, true, 30, 120), ", ");
    put_array(f, "acf_r", ret, n, false, ", ");
    put_array(f, "acf_absr", ret, n, true, ", ");
    put_num(f, "basis_median_bps", basis_median(st), ", ");
    double prints = (double)st->fundings;
    if (cfg->instruments[0].spec.kind != CAS_PERPETUAL)
        fputs("\"funding_prints\": null, ", f);
    else
        fprintf(f, "\"funding_prints\": %llu, ", (unsigned long long)st->fundings);
    put_num(f, "funding_at_interest_share", prints > 0 ? (double)st->at_interest / prints : NAN,
            ", ");
    put_num(f, "funding_positive_share", prints > 0 ? (double)st->positive / prints : NAN, "},\n");
}

int cas_recorder_write_summary(const struct cas_recorder *r, const struct cas_sim *sim,
                               const struct cas_run_perf *perf,
                               const struct cas_recorder *counterfactual, FILE *f)
{
    const struct cas_config *cfg = r->cfg;
    double tick = cfg->instruments[0].tick_size;
    size_t n_ret;
    double *ret = stylized_returns(r, &n_ret);
    if (!ret)
        return CAS_ENOMEM;
    struct cas_sim_counters c = cas_sim_counters(sim);
    double steps = (double)r->step;

    fprintf(f, "{\n  \"version\": \"%s\",\n  \"name\": \"%s\",\n", CAS_VERSION, cfg->name);
    fprintf(f, "  \"seed\": %llu,\n  \"steps\": %lld,\n  \"instrument\": \"%s\",\n",
            (unsigned long long)cfg->seed, (long long)cfg->steps, cfg->instruments[0].name);
    fputs("  \"prices\": {", f);
    put_num(f, "initial", (double)cfg->instruments[0].initial_price * tick, ", ");
    put_num(f, "final", r->final * tick, ", ");
    put_num(f, "min", r->series[0].low * tick, ", ");
    put_num(f, "max", r->series[0].high * tick, "},\n");
    write_opening(f, r);
    fputs("  \"book\": {", f);
    put_num(f, "mean_spread_ticks", r->spread_steps ? r->spread_sum / (double)r->spread_steps : NAN,
            ", ");
    put_num(f, "mean_depth_best_lots", steps > 0 ? r->depth_sum / steps : NAN, "},\n");
    write_stylized(f, r, ret, n_ret);
    write_dislocation(f, r);
    write_venue(f, cfg, sim);
    write_cascades(f, r);
    write_amplification(f, r, counterfactual);
    write_agents(f, r, sim);
    fprintf(f,
            "  \"activity\": {\"rejected\": %llu, \"stops\": %llu, \"fundings\": %llu, "
            "\"start_lots\": %llu, \"start_unmatched_lots\": %llu, \"start_topped_up\": %llu},\n",
            (unsigned long long)c.rejected, (unsigned long long)c.stops,
            (unsigned long long)c.fundings, (unsigned long long)c.seeded_lots,
            (unsigned long long)c.unmatched_lots, (unsigned long long)c.topped_up);
    fputs("  \"performance\": {", f);
    put_num(f, "wall_s", perf->wall_s, ", ");
    put_num(f, "steps_per_s", perf->wall_s > 0 ? steps / perf->wall_s : NAN, ", ");
    put_num(f, "events_per_s",
            perf->wall_s > 0 ? (double)(c.orders + c.expiries) / perf->wall_s : NAN, ", ");
    fprintf(f, "\"orders\": %llu, \"trades\": %llu, \"expiries\": %llu, \"wakeups\": %llu, ",
            (unsigned long long)c.orders, (unsigned long long)c.trades,
            (unsigned long long)c.expiries, (unsigned long long)c.wakeups);
    put_num(f, "peak_rss_mb", perf->peak_rss_mb, "}\n}\n");
    free(ret);
    return ferror(f) || r->out_of_memory ? CAS_EIO : 0;
}
