/* fmt: decimal formatting for the writers, byte-identical to printf and several
 * times faster.
 *
 * Every function writes into a caller's buffer of at least CAS_FMT_MAX bytes,
 * adds a terminating NUL, and returns the length written (without the NUL).
 */
#ifndef CASCADE_FMT_H
#define CASCADE_FMT_H

#include <stddef.h>
#include <stdint.h>

#define CAS_FMT_MAX 344 /* "%.20f" of -DBL_MAX, and its NUL */

/* x with `decimals` (0 to 20, clamped) digits after the point, exactly as
 * snprintf's "%.*f" writes it. Integer arithmetic when |x| * 10^decimals is
 * below 2^49 and not within 0.1 of a rounding tie (then the double's exact
 * value provably rounds to the same digits); snprintf otherwise. */
size_t cas_fmt_fixed(char *buf, double x, int decimals);

/* v in decimal, as "%lld" / "%llu". */
size_t cas_fmt_i64(char *buf, int64_t v);
size_t cas_fmt_u64(char *buf, uint64_t v);

/* v / 10^decimals written exactly with `decimals` (0 to 18, clamped) digits
 * after the point (no point when 0): integer money and fixed-point amounts. */
size_t cas_fmt_scaled(char *buf, int64_t v, int decimals);

#endif
