/* run: one run behind one handle, for embedders that see plain C types only (Python's
 * ctypes, R's .C, Julia's ccall). The handle owns a config, its simulation and, when asked
 * for, the recorder of its timeseries.csv (the file `cascade run` writes, byte for byte).
 * Everything else is read through the simulation (cas_run_sim and sim.h's getters).
 *
 *     struct cas_run *r = cas_run_open("configs/long-squeeze.json", sets, 1, "ts.csv",
 *                                      error, sizeof error);
 *     while (cas_run_advance(r, 10000) > 0)
 *         ;
 *     printf("%llu liquidations\n", (unsigned long long)cas_run_liquidations(r));
 *     cas_run_close(r);
 */
#ifndef CASCADE_RUN_H
#define CASCADE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/sim.h"

struct cas_run;

/* Load the config at `config` (NULL: the built-in default), apply n_sets "PATH=VALUE"
 * overrides (as --set), and make its simulation; with `timeseries` not NULL, record the
 * time series to that file (created or truncated). NULL on failure, with one line in
 * error (error_size bytes; may be 0): "CONFIG: PATH: message", as the program says it. */
struct cas_run *cas_run_open(const char *config, const char *const *sets, size_t n_sets,
                             const char *timeseries, char *error, size_t error_size);

/* Run up to `steps` more steps, stopping after the config's last: the steps run (0 once
 * the run is over), or a negative CAS_E* code (CAS_ENOMEM). */
int64_t cas_run_advance(struct cas_run *run, int64_t steps);

/* The config's name and number of steps; the quote currency per tick of an instrument
 * (a price in ticks times it is a price); the fills and liquidations so far. */
const char *cas_run_name(const struct cas_run *run);
int64_t cas_run_steps(const struct cas_run *run);
double cas_run_tick_size(const struct cas_run *run, uint32_t instrument);
uint64_t cas_run_trades(const struct cas_run *run);
uint64_t cas_run_liquidations(const struct cas_run *run);

/* The simulation, for sim.h's getters (prices, marks, index, funding, books, agents). */
struct cas_sim *cas_run_sim(struct cas_run *run);

/* Free the handle and everything it owns; 0, or CAS_EIO when the time series could not be
 * written whole (a full disk). NULL is a no-op. */
int cas_run_close(struct cas_run *run);

#endif
