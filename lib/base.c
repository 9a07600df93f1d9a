/*
 * base.c - errors, allocation, number parsing, CRC-32 and the generator.
 *
 * Number parsing is strict on purpose: an option or field either is a
 * number in range, whole, or it is an error that says what was expected.
 * The library never calls setlocale, and neither do the programs, so strtod
 * runs in the "C" locale and "0.5" means the same everywhere.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nn_base.h"

/* ====================================================================== */
/* Errors                                                                 */
/* ====================================================================== */

int
nn_errf(nn_err *e, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ====================================================================== */
/* Allocation                                                             */
/* ====================================================================== */

/*
 * Running out of memory is the library's one fatal path: the program says
 * "PROG: out of memory (N bytes)" and exits 1, like any other error, after
 * removing the temporary file of a save in progress (atomic.c), so that no
 * half-written file outlives it.  exit, not abort: a crash (a core, status
 * 134) is for bugs, and this is a limit of the machine.
 *
 * A test build (-DNN_ALLOC_SWEEP, `make alloc-sweep`) can make the Nth
 * allocation fail: NN_FAIL_ALLOC=N.  NN_FAIL_ALLOC=count prints the number
 * of allocations made when the process exits ("alloc-sweep: N
 * allocations"), so that a test can try every N.  The normal build has
 * none of it.
 */
extern char *program_invocation_short_name;

static void __attribute__((noreturn))
oom(size_t n)
{
	nn_atomic_unlink_pending();
	fprintf(stderr, "%s: out of memory (%zu bytes)\n",
	    program_invocation_short_name, n);
	exit(1);
}

#ifdef NN_ALLOC_SWEEP
static atomic_ulong sweep_calls;
static unsigned long sweep_fail;        /* fail this call; 0: never */

static void
sweep_report(void)
{
	fprintf(stderr, "alloc-sweep: %lu allocations\n",
	    (unsigned long)atomic_load(&sweep_calls));
}

/* Read once, before main. */
static void __attribute__((constructor))
sweep_init(void)
{
	const char *v = getenv("NN_FAIL_ALLOC");

	if (v != NULL && strcmp(v, "count") == 0)
		atexit(sweep_report);
	else if (v != NULL)
		sweep_fail = strtoul(v, NULL, 10);
}

static int
sweep_fails(void)
{
	return atomic_fetch_add(&sweep_calls, 1) + 1 == sweep_fail;
}
#define SWEEP_FAILS() sweep_fails()
#else
#define SWEEP_FAILS() 0
#endif

void *
nn_xmalloc(size_t n)
{
	void *p = SWEEP_FAILS() ? NULL : malloc(n ? n : 1);

	if (p == NULL)
		oom(n);
	return p;
}

void *
nn_xcalloc(size_t n, size_t size)
{
	void *p = SWEEP_FAILS() ? NULL : calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom(size != 0 && n > SIZE_MAX / size ? SIZE_MAX : n * size);
	return p;
}

void *
nn_xrealloc(void *p, size_t n)
{
	void *q = SWEEP_FAILS() ? NULL : realloc(p, n ? n : 1);

	if (q == NULL)
		oom(n);
	return q;
}

char *
nn_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(nn_xmalloc(n), s, n);
}

int
nn_mul_size(size_t n, size_t size, size_t *out)
{
	if (size != 0 && n > SIZE_MAX / size)
		return -1;
	*out = n * size;
	return 0;
}

/* ====================================================================== */
/* Number parsing                                                         */
/* ====================================================================== */

/* Quote at most 40 characters of a bad value, so a megabyte token cannot
 * flood the terminal. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), (strlen(s) > 40 ? "..." : "")

int
nn_parse_long(const char *s, long lo, long hi, long *out, const char *what,
    nn_err *e)
{
	char *end;
	long v;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s))  /* strto* skip all */
		goto bad;
	v = strtol(s, &end, 10);
	if (*end != '\0')
		goto bad;
	if (errno == ERANGE || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	return nn_errf(e, "%s: expected an integer in [%ld, %ld], got \"%.*s%s\"",
	    what, lo, hi, SHOW(s));
}

int
nn_parse_double(const char *s, double lo, double hi, double *out,
    const char *what, nn_err *e)
{
	char *end;
	double v;

	errno = 0;
	if (*s == '\0' || isspace((unsigned char)*s))  /* strto* skip all */
		goto bad;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		goto bad;
	if (v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	return nn_errf(e, "%s: expected a number in [%g, %g], got \"%.*s%s\"",
	    what, lo, hi, SHOW(s));
}

int
nn_parse_seed(const char *s, uint64_t *out, const char *what, nn_err *e)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		goto bad;
	*out = v;
	return 0;
bad:
	return nn_errf(e, "%s: expected a non-negative integer seed, got \"%.*s%s\"",
	    what, SHOW(s));
}

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
nn_parse_float(const char *s, size_t n, float *out)
{
	char sbuf[64], *buf = sbuf, *end;
	const char *p = s, *q = s + n;
	size_t len;
	int rc = 0;

	while (p < q && blank(*p))
		p++;
	while (q > p && blank(q[-1]))
		q--;
	len = (size_t)(q - p);
	if (len == 0)
		return -1;
	/* strtof wants a C string.  Any length is a number if strtof takes
	 * it whole ("0.000...1" with a hundred zeros, 1 and 63 zeros): it
	 * rounds exactly however many digits come.  Most fit on the stack. */
	if (len >= sizeof(sbuf))
		buf = nn_xmalloc(len + 1);
	memcpy(buf, p, len);
	buf[len] = '\0';
	/* strtof accepts hex floats and "infinity"; that is fine, but refuse a
	 * leading '+' followed by nothing and similar by checking end (a NUL
	 * byte inside the field ends strtof early: refused too). */
	*out = strtof(buf, &end);
	if (end != buf + len)
		rc = -1;
	if (buf != sbuf)
		free(buf);
	return rc;
}

/* ====================================================================== */
/* Name tables                                                            */
/* ====================================================================== */

const char *
nn_name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n && names[i] != NULL ? names[i] : "?";
}

int
nn_name_find(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* ====================================================================== */
/* CRC-32                                                                 */
/* ====================================================================== */

static uint32_t crc_table[8][256];
static int crc_ready;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
			    crc_table[0][crc_table[t - 1][i] & 0xff];
	crc_ready = 1;
}

/* Slicing-by-8: eight bytes per step, so checksumming a large CSV costs
 * little next to parsing it. */
uint32_t
nn_crc32(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
		    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][p[4]] ^ crc_table[2][p[5]] ^
		    crc_table[1][p[6]] ^ crc_table[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* ====================================================================== */
/* Random numbers: xoshiro256** seeded by splitmix64                      */
/* ====================================================================== */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void
nn_rng_seed(nn_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
nn_rng_u64(nn_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double
nn_rng_uniform(nn_rng *r)
{
	return (double)(nn_rng_u64(r) >> 11) * 0x1.0p-53;
}

/* Box-Muller without caching the second value, so the stream position is a
 * simple function of the calls made (what resume will need). */
double
nn_rng_normal(nn_rng *r)
{
	double u1, u2;

	do
		u1 = nn_rng_uniform(r);
	while (u1 <= 0.0);
	u2 = nn_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

uint64_t
nn_rng_below(nn_rng *r, uint64_t n)
{
	uint64_t x, lim;

	if (n <= 1)
		return 0;
	/* Reject the top partial range so every value is equally likely. */
	lim = UINT64_MAX - UINT64_MAX % n;
	do
		x = nn_rng_u64(r);
	while (x >= lim);
	return x % n;
}

void
nn_rng_shuffle(nn_rng *r, uint32_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)nn_rng_below(r, i);
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}
