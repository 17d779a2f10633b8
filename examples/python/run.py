#!/usr/bin/env python3
"""run.py CONFIG [SEED [TIMESERIES.csv]]: run a cascade config through the installed
shared library with ctypes (Python's standard library; no package to build) and print
its headline figures; with TIMESERIES.csv, the run's time series is written there (the
timeseries.csv `cascade run` writes) and, when pandas is installed (Debian's
python3-pandas), read back into a DataFrame.

The library is found as the linker finds it (`libcascade.so.0`), or at $CASCADE_LIB.
See docs/embedding.md."""
import ctypes
import os
import sys


def load():
    lib = ctypes.CDLL(os.environ.get("CASCADE_LIB") or "libcascade.so.0")
    run_p, sim_p = ctypes.c_void_p, ctypes.c_void_p
    lib.cas_run_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
                                 ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.cas_run_open.restype = run_p
    lib.cas_run_advance.argtypes = [run_p, ctypes.c_int64]
    lib.cas_run_advance.restype = ctypes.c_int64
    lib.cas_run_name.argtypes = [run_p]
    lib.cas_run_name.restype = ctypes.c_char_p
    lib.cas_run_steps.argtypes = [run_p]
    lib.cas_run_steps.restype = ctypes.c_int64
    lib.cas_run_tick_size.argtypes = [run_p, ctypes.c_uint32]
    lib.cas_run_tick_size.restype = ctypes.c_double
    lib.cas_run_trades.argtypes = [run_p]
    lib.cas_run_trades.restype = ctypes.c_uint64
    lib.cas_run_liquidations.argtypes = [run_p]
    lib.cas_run_liquidations.restype = ctypes.c_uint64
    lib.cas_run_sim.argtypes = [run_p]
    lib.cas_run_sim.restype = sim_p
    lib.cas_run_close.argtypes = [run_p]
    lib.cas_run_close.restype = ctypes.c_int
    lib.cas_sim_mark.argtypes = [sim_p, ctypes.c_uint32]
    lib.cas_sim_mark.restype = ctypes.c_int64
    lib.cas_sim_now.argtypes = [sim_p]
    lib.cas_sim_now.restype = ctypes.c_int64
    return lib


def main():
    if not 2 <= len(sys.argv) <= 4:
        sys.exit(__doc__)
    config = sys.argv[1]
    sets = [f"seed={sys.argv[2]}"] if len(sys.argv) > 2 else []
    timeseries = sys.argv[3] if len(sys.argv) > 3 else None
    lib = load()
    c_sets = (ctypes.c_char_p * max(len(sets), 1))(*[s.encode() for s in sets])
    error = ctypes.create_string_buffer(512)
    run = lib.cas_run_open(config.encode(), c_sets, len(sets),
                           timeseries.encode() if timeseries else None, error, len(error))
    if not run:
        print(f"run.py: {error.value.decode()}", file=sys.stderr)
        return 2
    while True:
        done = lib.cas_run_advance(run, 10000)
        if done < 0:
            print("run.py: out of memory", file=sys.stderr)
            lib.cas_run_close(run)
            return 1
        if done == 0:
            break
    sim = lib.cas_run_sim(run)
    tick = lib.cas_run_tick_size(run, 0)
    print(f"{lib.cas_run_name(run).decode()}: {lib.cas_sim_now(sim)} steps, "
          f"{lib.cas_run_trades(run)} trades, {lib.cas_run_liquidations(run)} liquidations, "
          f"mark at the end {lib.cas_sim_mark(sim, 0) * tick:.2f}")
    if lib.cas_run_close(run) != 0:
        print(f"run.py: cannot write {timeseries}", file=sys.stderr)
        return 1
    if timeseries:
        try:
            import pandas
        except ImportError:
            print(f"{timeseries} written (install python3-pandas to read it into a DataFrame)")
            return 0
        ts = pandas.read_csv(timeseries)
        first = ts[ts["instrument"] == ts["instrument"].iloc[0]]
        print(f"{timeseries}: {len(ts)} rows; lowest trade {first['low'].min():.2f}, "
              f"largest open interest {first['oi_long'].max()} lots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
