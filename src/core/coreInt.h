/* coreInt: what the library's modules share of core/ and no embedder needs; private to
 * src/ (the tests include it too). */
#ifndef CASCADE_CORE_INT_H
#define CASCADE_CORE_INT_H

#include "cascade/core.h"

/* The number of elements of an array (not of a pointer). */
#define N_OF(a) (sizeof(a) / sizeof *(a))

/* Make the array *v (of *cap elements of `size` bytes) hold at least `need`, doubling
 * from 16 up to 2^31 elements; *v and *cap change only on success. 0 or CAS_ENOMEM. */
int cas__grow(void **v, uint32_t *cap, uint32_t need, size_t size);
/* The same, with the elements it adds zeroed (tables indexed by an id). */
int cas__grow_zeroed(void **v, uint32_t *cap, uint32_t need, size_t size);

/* "FILE:LINE" into where (size >= 32), as an error's path names a line of an input file;
 * a file name too long for it loses its head ("...tail:LINE"), never the line number
 * (err.c). */
void cas__file_line(char *where, size_t size, const char *file, long line);

/* A config's error as one line, "CONFIG: PATH: MESSAGE" (the PATH left out when it is empty
 * or the config itself; "<default>" for no config; the code's text when there is no
 * message), for the program's stderr and an embedder's error buffer alike (err.c). */
void cas__config_error(char *out, size_t size, const char *config, const struct cas_err *err);

/* Remove a flat directory of ours (a temporary directory holding files only): every
 * entry, then the directory; a file at path is unlinked. Failures are passed over: it
 * clears up after an error or a signal (output.c). */
void cas__remove_flat(const char *path);

#endif
