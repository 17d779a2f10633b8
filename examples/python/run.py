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


# Each function the example calls: its result's type and its arguments' (include/cascade/run.h
# and sim.h); ctypes would otherwise take every value for a C int.
RUN, SIM = ctypes.c_void_p, ctypes.c_void_p
SIGNATURES = {
    "cas_run_open": (RUN, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t,
                           ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]),
    "cas_run_advance": (ctypes.c_int64, [RUN, ctypes.c_int64]),
    "cas_run_name": (ctypes.c_char_p, [RUN]),
    "cas_run_steps": (ctypes.c_int64, [RUN]),
    "cas_run_tick_size": (ctypes.c_double, [RUN, ctypes.c_uint32]),
    "cas_run_trades": (ctypes.c_uint64, [RUN]),
    "cas_run_liquidations": (ctypes.c_uint64, [RUN]),
    "cas_run_sim": (SIM, [RUN]),
    "cas_run_close": (ctypes.c_int, [RUN]),
    "cas_sim_mark": (ctypes.c_int64, [SIM, ctypes.c_uint32]),
    "cas_sim_now": (ctypes.c_int64, [SIM]),
}


def load():
    lib = ctypes.CDLL(os.environ.get("CASCADE_LIB") or "libcascade.so.0")
    for name, (restype, argtypes) in SIGNATURES.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
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
