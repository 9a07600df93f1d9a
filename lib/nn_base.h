/*
 * nn_base.h - the pieces every other module leans on: error reporting,
 * allocation, range-checked number parsing, ranks, CRC-32 and the seeded
 * generator.
 *
 * Library rule (see ../shared/STYLE.md): nothing in lib/ prints or exits.
 * A function that can fail returns -1 (or NULL) and fills an nn_err with a
 * message the program prints as it is, e.g. "train.csv:17:3: expected a
 * number, got "abc"".  The single exception is running out of memory, which
 * nn_xmalloc handles in one place (it is not recoverable in a CLI tool and
 * checking it everywhere would bury the logic).
 */
#ifndef NN_BASE_H
#define NN_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NN_VERSION "0.1.0"

/* Ask the compiler to vectorise an elementwise loop (the Makefile passes
 * -fopenmp-simd; elsewhere the pragma is ignored).  Only for loops where
 * each element is computed alone, so the result is the scalar loop's. */
#define NN_SIMD _Pragma("omp simd")
/* The same for a sum into v: the vector lanes fix the order of additions,
 * which then depends on the compiled code alone, never on the data's
 * position or the thread count. */
#define NN_SIMD_PRAGMA_(x) _Pragma(#x)
#define NN_SIMD_SUM(v) NN_SIMD_PRAGMA_(omp simd reduction(+:v))
/* One copy of a function per x86-64 level (AVX-512, AVX2, baseline), the
 * one for this processor chosen when the program starts (gcc's function
 * multiversioning): the binaries stay built for baseline x86-64 while hot
 * loops run 8 or 16 lanes wide.  Only for code whose result does not depend
 * on the lane count: elementwise loops, not NN_SIMD_SUM (ISO C mode keeps
 * gcc from contracting a * b + c into an FMA, so every copy rounds alike). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_CLONES __attribute__((target_clones("arch=x86-64-v4", \
    "arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

/* ---- errors ----------------------------------------------------------- */

typedef struct nn_err {
	char msg[512];
} nn_err;

/* Format a message into e (e may be NULL). Always returns -1 so callers can
 * write `return nn_errf(e, ...);`. */
int nn_errf(nn_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- allocation ------------------------------------------------------- */

/* malloc/calloc/realloc that never return NULL: on failure they remove the
 * temporary files of saves in progress (nn_atomic_unlink_pending), print
 * "PROG: out of memory (N bytes)" and exit 1.  This is the one fatal path
 * of the library.  A test build (-DNN_ALLOC_SWEEP) fails the Nth call of
 * any of them when NN_FAIL_ALLOC=N, and with NN_FAIL_ALLOC=count prints
 * "alloc-sweep: N allocations" on stderr at exit (base.c). */
void *nn_xmalloc(size_t n);
void *nn_xcalloc(size_t n, size_t size);
void *nn_xrealloc(void *p, size_t n);
char *nn_xstrdup(const char *s);
/* n*size with overflow check; returns 0 and sets *out on success, -1 on
 * overflow. */
int nn_mul_size(size_t n, size_t size, size_t *out);

/* ---- atomic save (atomic.c) ------------------------------------------- */

/* Replace the file at path so that no reader, and no crash, ever sees it
 * half written:
 *
 *	nn_atomic a;
 *	if (nn_atomic_open(&a, path, e) < 0)
 *		return -1;
 *	if (write_it(a.fp) < 0) {
 *		nn_atomic_abort(&a);
 *		return nn_errf(e, "%s: write: %s", path, strerror(errno));
 *	}
 *	return nn_atomic_commit(&a, e);
 *
 * What a save may replace (lib/atomic.c says why):
 *   - nothing, or a regular file the user may write; a file whose mode lets
 *     nobody write it (0444) is refused even for root ("m.nn: Permission
 *     denied (a read-only file, mode 0444; refusing to replace it)");
 *   - through symbolic links, the file they lead to, replaced beside
 *     itself; the links stay;
 *   - never a directory ("d: Is a directory"), device, FIFO or socket
 *     ("out -> /dev/null: a character device, not a regular file; refusing
 *     to replace it").
 * The replaced file's permission bits are kept (and owner and group, where
 * the system allows); a new file gets what open(2) would give (0666 less
 * the umask, or the directory's default ACL).
 *
 * nn_atomic_open checks all that, removes what earlier saves of the same
 * target left when killed (their writer's process is gone), and creates
 * DIR/.NAME.nnkit-tmp.PID.XXXXXX beside the target (so the rename never
 * crosses file systems).  Commit: fflush, the stream's error flag, fsync,
 * fclose, the policy again, rename over the target, fsync the directory.
 * Any failure leaves the target as it was: an existing target is
 * hard-linked to DIR/.NAME.nnkit-old.PID.XXXXXX for the commit, so that a
 * failed fsync of the directory after the rename can put it back.  The
 * struct is the caller's (on the stack); open fills it (a failed open
 * leaves it empty), and commit or abort empties it, always, success or not.
 *
 * Messages name the path and the step: "m.nn: fsync: Input/output error",
 * "m.nn: write: No space left on device", "m.nn: fsync of its directory .:
 * Input/output error (nothing saved)".  The checks fail as opening path
 * would ("nodir/m.nn: No such file or directory", "/dev/full/x: Not a
 * directory").  Only where the file system has no hard links does a failed
 * directory sync leave the new file in place ("m.nn: saved, but syncing
 * its directory failed: open DIR/: Permission denied"); EINVAL from fsync,
 * how a file system says it cannot sync directories, is no error. */
typedef struct nn_atomic {
	FILE *fp;        /* write the new contents here; never fclose it */
	char *path;      /* the target as given (a copy), for messages */
	char *dest;      /* where the rename goes: path, or the file its
	                    symbolic links lead to */
	char *tmp;       /* the temporary file; for a signal handler that must
	                    remove it, copy the string (commit frees it) */
} nn_atomic;

/* Whether a save to path could succeed, as far as can be known before
 * writing, with no side effect: the policy above, and a directory that
 * exists and may be written.  For a program to call before a long run
 * (nn-train), so that a bad -o fails in a second, not after an hour.
 * Returns 0, or -1 with the message nn_atomic_open would give. */
int nn_atomic_check(const char *path, nn_err *e);
int nn_atomic_open(nn_atomic *a, const char *path, nn_err *e);
/* Finish and put in place; frees a's contents.  Returns 0 or -1. */
int nn_atomic_commit(nn_atomic *a, nn_err *e);
/* Close and remove the temporary file; path is untouched.  Safe on a
 * zeroed or emptied struct; keeps errno, so a caller can report the error
 * that made it give up. */
void nn_atomic_abort(nn_atomic *a);
/* Commit a[0 .. n) as a set (nn-split's TRAIN and TEST): every file is
 * flushed, synced and closed, and every target checked again, before the
 * first rename.  If a rename or a directory's fsync still fails, the
 * targets renamed already get their old files back (or are removed when
 * they had none), so a failed set leaves every target as it was.  Only on
 * a file system without hard links can an old file not be put back: a
 * target renamed before a failed rename is removed then, rather than left
 * new beside old ones, and the message says so ("test.csv: rename: ...
 * (removed the new train.csv, written with it)").  Every temporary file is
 * gone either way. */
int nn_atomic_commit_all(nn_atomic *a, size_t n, nn_err *e);
/* Remove the temporary file of every save opened and not yet committed or
 * aborted, and forget them: the out-of-memory exit calls it, so that no
 * temporary file outlives the process.  Async-signal-safe. */
void nn_atomic_unlink_pending(void);

/* ---- number parsing ----------------------------------------------------- */

/* Whole string must be a decimal integer in [lo, hi].  Leading/trailing
 * spaces are refused.  Return 0 or -1 with a message "WHAT: expected an
 * integer in [lo, hi], got "s"". */
int nn_parse_long(const char *s, long lo, long hi, long *out,
    const char *what, nn_err *e);
/* Whole string must be a finite number in [lo, hi]. */
int nn_parse_double(const char *s, double lo, double hi, double *out,
    const char *what, nn_err *e);
/* Parse a float from [s, s+n) exactly as strtof would (round to nearest),
 * independent of the locale, whatever its length.  Leading and trailing blanks are allowed; the
 * rest must be a number ("nan"/"inf" are accepted and reported by the
 * caller as non-finite).  Returns 0 on success, -1 if not a number. */
int nn_parse_float(const char *s, size_t n, float *out);
/* A 64-bit unsigned seed (decimal). */
int nn_parse_seed(const char *s, uint64_t *out, const char *what, nn_err *e);

/* ---- name tables --------------------------------------------------------- */

/* Enumerations are stored in files and given on command lines by name, never
 * by number.  Each module keeps a table names[n] indexed by its enum; these
 * two do the rest.  nn_name_of: names[i], or "?" when i is out of range.
 * nn_name_find: the index of name, or -1. */
const char *nn_name_of(const char *const *names, int n, int i);
int nn_name_find(const char *const *names, int n, const char *name);

/* ---- string table (strtab.c) ------------------------------------------ */

/* Strings numbered 0, 1, 2, ... in the order they were first added, found
 * again by their bytes: class labels, column names.  A string is s[0, n)
 * (any bytes; the table keeps a copy with a NUL after it, so a string
 * without NUL bytes reads back as a C string).  Interning a string already
 * there allocates nothing: CSV ingest calls it once per row. */
typedef struct nn_strtab nn_strtab;

/* Most strings one table holds. */
#define NN_STRTAB_MAX (UINT32_MAX / 4)

/* An empty table.  Owned by the caller: nn_strtab_free (NULL is fine). */
nn_strtab *nn_strtab_new(void);
void nn_strtab_free(nn_strtab *t);
/* The index of s[0, n), added as the next index when new; -1 only when the
 * table is full (NN_STRTAB_MAX strings) -- the caller says what of. */
long nn_strtab_intern(nn_strtab *t, const char *s, size_t n);
/* The index of s[0, n), or -1; never adds. */
long nn_strtab_find(const nn_strtab *t, const char *s, size_t n);
size_t nn_strtab_count(const nn_strtab *t);
/* String i, NUL-terminated, and its length; NULL and 0 when i >= count.
 * Borrowed: valid until nn_strtab_free (the copies never move). */
const char *nn_strtab_str(const nn_strtab *t, size_t i);
size_t nn_strtab_len(const nn_strtab *t, size_t i);

/* ---- ranks (dist.c): one piece of work shared by several processes ----- */

/* The transport between ranks, supplied by the program (nn-train-mpi: MPI);
 * the library never calls one itself.  Every call is collective: every rank
 * makes it, in the same order.  A call returns 0, or -1 with a message (a
 * rank failed or timed out); the work then stops with that message. */
typedef struct nn_dist {
	int rank, size;         /* 0 <= rank < size */
	/* For i in [0, k): make buf[i] (len[i] bytes) on every rank equal to
	 * rank root[i]'s. */
	int (*share)(void *ctx, void *const *buf, const size_t *len,
	    const int *root, size_t k, nn_err *e);
	/* *v becomes the largest *v of all ranks. */
	int (*max)(void *ctx, int *v, nn_err *e);
	/* All to all: send holds, for q = 0..size-1 in turn, scount[q] items
	 * of `item` bytes for rank q (the own rank's included); recv gets, for
	 * q in turn, the rcount[q] items rank q sent this one.  rcount[q]
	 * equals rank q's scount[rank]: every rank knows what it receives. */
	int (*swap)(void *ctx, const void *send, const size_t *scount,
	    void *recv, const size_t *rcount, size_t item, nn_err *e);
	void *ctx;
} nn_dist;

/* Several ranks: d != NULL && d->size > 1. */
int nn_dist_on(const nn_dist *d);
/* Every rank's len bytes at mine, in rank order: *all (owned, free) holds
 * them one after the other, lens[r] (size entries, caller's) rank r's.  A
 * rank may give 0 bytes. */
int nn_dist_gather(const nn_dist *d, const void *mine, size_t len,
    void **all, size_t *lens, nn_err *e);
/* A computation over the rows in rank order, as one process would run it
 * over all of them: rank 0 calls step(ctx, acc) on the acc (len bytes) it
 * starts with, hands acc to rank 1, which goes on from it, and so on; every
 * rank ends with the last rank's acc.  For sums in double whose bytes must
 * not depend on the number of ranks. */
int nn_dist_chain(const nn_dist *d, void *acc, size_t len,
    void (*step)(void *ctx, void *acc), void *ctx, nn_err *e);
/* v[0..n) becomes the sum over the ranks (integers: any order). */
int nn_dist_sum(const nn_dist *d, uint64_t *v, size_t n, nn_err *e);
/* *before: the sum of v over the ranks below this one; *total: over all. */
int nn_dist_scan(const nn_dist *d, uint64_t v, uint64_t *before,
    uint64_t *total, nn_err *e);

/* ---- CRC-32 (IEEE 802.3, as zlib/PNG) ----------------------------------- */

uint32_t nn_crc32(uint32_t crc, const void *buf, size_t n);

/* ---- random numbers ------------------------------------------------------ */

/* xoshiro256** with explicit state, seeded through splitmix64.  Never
 * rand(): the same seed gives the same stream on every platform. */
typedef struct nn_rng {
	uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_u64(nn_rng *r);
double nn_rng_uniform(nn_rng *r);            /* [0, 1) */
double nn_rng_normal(nn_rng *r);             /* N(0, 1) */
uint64_t nn_rng_below(nn_rng *r, uint64_t n); /* [0, n), unbiased */
void nn_rng_shuffle(nn_rng *r, uint32_t *a, size_t n);

#endif
