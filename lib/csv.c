/*
 * csv.c - every CSV read in nnkit, on top of libcsv; and the one writer.
 *
 * The input is read in 64 KiB chunks and fed to csv_parse.  Its field
 * callback parses a numeric column straight into the caller's float matrix
 * (no allocation per field); a text column is copied into an arena that
 * lives for one batch.  Line numbers are counted here, not guessed:
 * CSV_REPALL_NL makes libcsv report every unquoted line end (so blank lines
 * and the LF of a CR LF are seen), and a field that may hold quoted line
 * ends is scanned for them.
 *
 * Bounded memory without a row overflow buffer: nn_csv_read never hands
 * csv_parse more than it may finish.  A row can only end at a CR or LF, so
 * when a batch needs k more rows and the unparsed part of the chunk holds
 * more than k line ends, only the bytes up to the k-th line end are parsed
 * now; the rest of the chunk waits for the next call.  So a batch is filled
 * exactly, and a row never straddles two calls.  The same trick lets
 * nn_csv_open stop right after the first record.
 *
 * nn_data_read is this reader with a matrix that doubles; the target
 * column's values are interned by the field callback itself (an nn_strtab:
 * no copy or allocation per row).  On a regular file, with more than one core, it takes
 * a faster road:
 *
 *  - The header is read as usual.  Then the rest of the file is split into
 *    one byte range per core, and one thread per range counts its line ends
 *    and finds its first LF (pread into a small buffer: no copy of the file
 *    is kept, and no memory has to be zeroed for one).
 *  - The data is cut after the first LF of each range, and each part is
 *    parsed by its own libcsv parser in its own thread, reading its bytes
 *    with pread, straight into its slice of the final matrix (the line ends
 *    counted bound its rows; a row only ends at one).  An unquoted LF ends
 *    a row, so a part starts as the sequential parser stands after that
 *    LF (libcsv at a row start, no CR pending): rows, values, labels and
 *    their order are exactly the sequential ones.  The parts' labels are
 *    interned into the first part's table in order; their CRCs are joined
 *    with GF(2) arithmetic (crc_cat).
 *  - A quote can hide a LF inside a field, so a part that meets one stops
 *    every part, and the file is read again as a stream.  So does an error
 *    in a later part, whose line numbers are unknown: the stream finds the
 *    first error in file order and names its true line.  An error in the
 *    first part is the sequential reader's own.
 *
 * Pipes keep the streaming path: they may be endless.
 *
 * Ranks (nn_data_read_shard, for nn_data_read with o->dist): the data
 * bytes after the header are cut the same way into one range per rank,
 * each moved on to just after its first LF outside quotes (nn_shard: an
 * even number of quotes before it, counted by each rank in its own share
 * and summed over the ranks before), and a rank runs the split above on
 * its own range only (rank 0's first part is the header's reader), in
 * one part when the data holds a quote.  It hands its rows, its labels
 * in order and the CRC of its bytes to nn_data_read, which joins the
 * ranks; a field the numeric reader does not take sends the ranks to the
 * general reader's parts (nn_csv_open_shard), any other failure is only a
 * reason to read the whole file, which every rank then does, so messages
 * and lines are one process's.
 *
 * NN_CSV_THREADS=N (1 to 64; other values are ignored) in the environment
 * sets the number of parts and drops the minimum part size (MIN_PART), so
 * that tests can push small inputs through the split; N=1 is the stream
 * reader.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>

#include "nn_csv.h"
#include "nn_input.h"

#define CHUNK (64 * 1024)
/* Bytes per pread of a part reader and of a line count: small enough to
 * stay in cache between the read and the scans and parse of it. */
#define WINDOW (256 * 1024)
/* Smallest part worth a thread, and most threads used without
 * NN_CSV_THREADS. */
#define MIN_PART (1u << 20)
#define MAX_CORES 8
#define MAX_PARTS 64
/* A field this long is an unterminated quote or not CSV at all; refuse it
 * rather than buffer the rest of an endless input. */
#define FIELD_MAX (16u << 20)
/* Longest bad value quoted in a message. */
#define SHOW_MAX 40

enum { MODE_FIRST, MODE_DATA };

/* The bytes read in one pass over an input, and whom to tell
 * (nn_csv_set_progress).  The part readers of one file share their header
 * reader's: each adds its chunks, and the one whose chunk crosses a step
 * makes the call, unless another call is still running (then that report
 * is skipped: the next step brings a fresher figure anyway). */
typedef struct csv_progress {
	nn_progress_fn *fn;
	void *arg;
	uint64_t total;             /* 0: unknown */
	atomic_uint_least64_t done;
	atomic_flag busy;
} csv_progress;

struct nn_csv {
	/* what the per-field callback touches, together at the front */
	size_t col;              /* fields of the current row seen so far */
	size_t fastcols;         /* fields 1 .. fastcols may take the fast path:
	                            ncols - 1, or 0 while scan_nl or failed */
	unsigned long line;      /* physical line of the next byte (1-based) */
	float *dst;              /* (nnum) where the current row's numbers go */
	const int *roles;        /* (ncols) */
	size_t ncols;
	int scan_nl;             /* a field of this chunk may hold a line end */
	int failed;              /* sticky: err holds the message */
	int cr_pending;          /* last line end was a CR: a LF now is its pair */
	int allow_nonfinite;
	int text_required;       /* nn_data_read: an empty text field is an error */
	const char *const *na;   /* (nna) tokens of a missing numeric field:
	                            read as NaN; borrowed */
	size_t nna;
	int delim;               /* the field separator; 0 until detected */
	unsigned long row_line;  /* line where the current row began */

	/* the batch of the current nn_csv_read */
	float *x;                /* (max, nnum) caller's */
	size_t nnum, ntext;
	size_t max, nb;
	unsigned long *lines;    /* (linecap) */
	size_t linecap;
	size_t *toff;            /* (toffcap / ntext, ntext) offsets into arena */
	size_t toffcap;
	char *arena;
	size_t alen, acap;
	/* nn_data_read: text slot 0 is interned into `in` (the distinct target
	 * values in order of first appearance) and its index stored in y[row];
	 * neither lines nor text offsets are kept. */
	nn_strtab *in;
	uint32_t *y;             /* (max) */
	int unbounded;           /* x holds every row left: parse to the end */
	int overrun;             /* failed because the rows did not fit */

	FILE *fp;                /* NULL: pread from fd */
	int fd;
	off_t foff, fend;        /* pread: next offset; end of this reader's part */
	atomic_int *stop;        /* a part reader: set when any part meets a quote */
	int abandon;             /* failed on *stop, or on a short read (1),
	                            or on a quote of its own (2) */
	unsigned char *buf;      /* (CHUNK or WINDOW) the current chunk */
	int mode;
	size_t len, pos;         /* bytes in buf, bytes of it parsed */
	int has_cr;              /* this chunk holds a CR */
	int started;             /* a chunk has been read */
	int done;                /* end of input reached and csv_fini called */
	uint32_t crc;            /* of the bytes read from fp; with pread, of the
	                            bytes fed to libcsv */
	uint64_t nread;          /* bytes read since the reader started */
	off_t start;             /* where it started in fp or fd; -1 unknown */
	csv_progress *prog;      /* NULL, &own, or a part's header reader's */
	csv_progress own;
	struct csv_parser p;
	char *name;

	nn_strtab *cols;         /* (ncols) column names, string j = column j */

	/* The first record, while it is read by nn_csv_open; without a header
	 * it is the first data row, replayed by the first nn_csv_read. */
	char **rec;
	size_t *reclen;          /* (nrec) their lengths: a field may hold a
	                            NUL byte, which the replay must see */
	size_t nrec, reccap;
	unsigned long rec_line;
	int pending_first;

	nn_err err;
};

/* ====================================================================== */
/* Small helpers                                                          */
/* ====================================================================== */

/* Write at most SHOW_MAX bytes of s into out (size >= 4 * SHOW_MAX + 4) so
 * that the message stays on one line: control bytes become \n, \r, \t or
 * \xHH; a longer value ends in "...". */
static const char *
show(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;

	for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n' || ch == '\r' || ch == '\t') {
			*o++ = '\\';
			*o++ = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else
			*o++ = (char)ch;
	}
	if (n > SHOW_MAX) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}
#define SHOWBUF (4 * SHOW_MAX + 8)

/* Column j for a message: its header name (shown safely), or its 1-based
 * number when the input has no header (the names are then "1", "2", ...). */
static const char *
col_label(const nn_csv *c, size_t j, char *out)
{
	if (c->cols != NULL && j < nn_strtab_count(c->cols))
		return show(out, nn_strtab_str(c->cols, j),
		    nn_strtab_len(c->cols, j));
	snprintf(out, SHOWBUF, "%zu", j + 1);
	return out;
}

/* A missing-value token: s[0, n) equals one of c->na. */
static int
is_na(const nn_csv *c, const char *s, size_t n)
{
	for (size_t k = 0; k < c->nna; k++)
		if (strlen(c->na[k]) == n && memcmp(c->na[k], s, n) == 0)
			return 1;
	return 0;
}

static char *
xmemdup0(const void *s, size_t n)
{
	char *p = nn_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Line ends inside a (quoted) field: LF, CR LF and a lone CR each count
 * once. */
static unsigned long
count_nl(const unsigned char *s, size_t n)
{
	unsigned long k = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n')))
			k++;
	return k;
}

/* Exact fast paths for the plain decimals that make up most numeric CSVs;
 * anything else returns 0 and goes to nn_parse_float (strtof).
 *  - A single digit, and any integer of up to 18 digits: the conversion
 *    of an integer to float rounds correctly by itself.
 *  - [-+]digits.digits, mantissa m below 2^24, at most 10 fraction digits
 *    k: m and 10^k are exact floats, so one IEEE division rounds exactly
 *    as strtof does (Clinger's fast path).
 *  - Mantissa below 2^53, k <= 18: the same in double gives the double
 *    nearest the value; rounding that to float is the float nearest the
 *    value unless the double lies exactly halfway between two floats
 *    (only then can double rounding go wrong), which goes to strtof. */
static inline __attribute__((always_inline)) int
fast_float(const unsigned char *s, size_t n, float *out)
{
	static const float p10f[] = { 1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f,
	    1e7f, 1e8f, 1e9f, 1e10f };
	static const double p10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18 };
#if FLT_EVAL_METHOD == 0
	const unsigned char *end = s + n, *d0;
	uint64_t m = 0;
	size_t nint, nfrac;
	int neg = 0;

	if (n == 1) {
		unsigned dg = (unsigned)s[0] - '0';
		if (dg > 9)
			return 0;
		*out = (float)dg;
		return 1;
	}
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (d0 = s; s < end && (unsigned)*s - '0' <= 9; s++)
		m = m * 10 + (unsigned)*s - '0';
	nint = (size_t)(s - d0);
	if (s == end) {
		/* 18 digits cannot overflow m; beyond, leave it to strtof */
		if (nint == 0 || nint > 18)
			return 0;
		float v = (float)(int64_t)m;
		*out = neg ? -v : v;
		return 1;
	}
	if (*s != '.' || nint > 18)
		return 0;
	for (d0 = ++s; s < end && (unsigned)*s - '0' <= 9; s++)
		m = m * 10 + (unsigned)*s - '0';
	nfrac = (size_t)(s - d0);
	/* m < 10^18; 10^nfrac is exact in double up to 10^22 */
	if (s != end || nint + nfrac == 0 || nint + nfrac > 18)
		return 0;
	if (m <= (1u << 24) && nfrac <= 10) {
		float v = (float)m / p10f[nfrac];
		*out = neg ? -v : v;
		return 1;
	}
	if (m > (UINT64_C(1) << 53))
		return 0;
	double dv = (double)m / p10[nfrac];
	uint64_t bits;
	memcpy(&bits, &dv, sizeof(bits));
	/* the 29 mantissa bits a float drops: exactly one half? */
	if ((bits & ((UINT64_C(1) << 29) - 1)) == (UINT64_C(1) << 28))
		return 0;
	float v = (float)dv;
	*out = neg ? -v : v;
	return 1;
#else
	(void)s, (void)n, (void)out, (void)p10f, (void)p10;
	return 0;
#endif
}

static int
fail(nn_csv *c)
{
	c->failed = 1;
	c->fastcols = 0;
	return -1;
}

/* After a change of scan_nl, failed or ncols. */
static void
set_fast(nn_csv *c)
{
	c->fastcols = c->scan_nl || c->failed || c->mode != MODE_DATA ||
	    c->ncols == 0 ? 0 : c->ncols - 1;
}

/* A big buffer that threads fill front to back: on Linux ask for huge
 * pages, so that filling it is not one page fault per 4 KiB (the kernel
 * zeroing the pages is a good part of a split read's time). */
static void *
big_xalloc(size_t n)
{
	void *p;

	if (n < (8u << 20) || posix_memalign(&p, 2u << 20, n) != 0)
		return nn_xmalloc(n);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

/* ====================================================================== */
/* libcsv callbacks                                                       */
/* ====================================================================== */

/* MODE_FIRST: keep the fields of the first record as strings. */
static void
first_field(void *s, size_t n, void *data)
{
	nn_csv *c = data;

	c->cr_pending = 0;
	if (c->col++ == 0)
		c->row_line = c->line;
	if (c->scan_nl)
		c->line += count_nl(s, n);
	if (c->nrec == c->reccap) {
		c->reccap = c->reccap ? 2 * c->reccap : 16;
		c->rec = nn_xrealloc(c->rec, c->reccap * sizeof(*c->rec));
		c->reclen = nn_xrealloc(c->reclen, c->reccap *
		    sizeof(*c->reclen));
	}
	c->reclen[c->nrec] = n;
	c->rec[c->nrec++] = xmemdup0(s, n);
}

static void
line_end(nn_csv *c, int ch)
{
	if (ch == '\r') {
		c->line++;
		c->cr_pending = 1;
	} else if (ch == '\n') {
		if (!c->cr_pending)
			c->line++;
		c->cr_pending = 0;
	} else
		c->cr_pending = 0;
}

static void
first_row(int ch, void *data)
{
	nn_csv *c = data;

	line_end(c, ch);
	if (c->col == 0)
		return;          /* blank line */
	c->col = 0;
	c->rec_line = c->row_line;
	c->nb = 1;
}

static void
grow_batch(nn_csv *c)
{
	if (c->in != NULL)
		return;          /* nn_data_read keeps neither */
	if (c->nb == c->linecap) {
		c->linecap = c->linecap ? 2 * c->linecap : 64;
		c->lines = nn_xrealloc(c->lines, c->linecap * sizeof(*c->lines));
	}
	if (c->ntext && (c->nb + 1) * c->ntext > c->toffcap) {
		size_t cap = c->toffcap ? 2 * c->toffcap : 64 * c->ntext;
		while (cap < (c->nb + 1) * c->ntext)
			cap *= 2;
		c->toff = nn_xrealloc(c->toff, cap * sizeof(*c->toff));
		c->toffcap = cap;
	}
}

/* A numeric field the fast path did not take: a number in another
 * spelling, or an error. */
static void
slow_number(nn_csv *c, const char *s, size_t n, unsigned long line, size_t j,
    int r)
{
	char sb[SHOWBUF], cb[SHOWBUF];
	float v;

	if (c->nna > 0 && is_na(c, s, n)) {
		c->dst[r] = NAN;
		return;
	}
	if (nn_parse_float(s, n, &v) == 0) {
		if (!isfinite(v) && !c->allow_nonfinite) {
			nn_errf(&c->err, "%s:%lu:%s: not a finite number: %s",
			    c->name, line, col_label(c, j, cb), show(sb, s, n));
			fail(c);
			return;
		}
		c->dst[r] = v;
		return;
	}
	if (blank(s, n))
		nn_errf(&c->err, "%s:%lu:%s: empty field", c->name, line,
		    col_label(c, j, cb));
	else
		nn_errf(&c->err, "%s:%lu:%s: expected a number, got \"%s\"",
		    c->name, line, col_label(c, j, cb), show(sb, s, n));
	fail(c);
}

static void
text_field(nn_csv *c, const char *s, size_t n, unsigned long line, size_t j,
    int r)
{
	size_t k = (size_t)(-2 - r);
	char cb[SHOWBUF];

	if (c->text_required && blank(s, n)) {
		nn_errf(&c->err, "%s:%lu:%s: empty field", c->name, line,
		    col_label(c, j, cb));
		fail(c);
		return;
	}
	if (c->in != NULL) {
		/* as a C string: a NUL byte ends the value, as in the arena */
		long v = nn_strtab_intern(c->in, s, strnlen(s, n));
		if (v < 0) {
			nn_errf(&c->err, "%s:%lu:%s: too many distinct target "
			    "values", c->name, c->row_line, col_label(c, j, cb));
			fail(c);
			return;
		}
		c->y[c->nb] = (uint32_t)v;
		return;
	}

	if (c->alen + n + 1 > c->acap) {
		while (c->alen + n + 1 > c->acap)
			c->acap *= 2;
		c->arena = nn_xrealloc(c->arena, c->acap);
	}
	memcpy(c->arena + c->alen, s, n);
	c->arena[c->alen + n] = '\0';
	c->toff[c->nb * c->ntext + k] = c->alen;
	c->alen += n + 1;
}

/* MODE_DATA, every case: a row's first field, a chunk with quotes, text
 * and skipped columns, numbers the fast path does not take, errors. */
static void __attribute__((noinline))
data_field_full(nn_csv *c, const char *s, size_t n, size_t j)
{
	unsigned long line = c->line;
	int r;

	c->cr_pending = 0;
	if (c->failed)
		return;
	if (c->scan_nl)
		c->line += count_nl((const unsigned char *)s, n);
	if (j == 0) {
		if (c->nb >= c->max) {
			/* cannot happen: pump() never feeds past the batch, and
			 * an unbounded read is given room for every line */
			nn_errf(&c->err, "%s:%lu: internal error: batch overrun",
			    c->name, line);
			c->overrun = 1;
			fail(c);
			return;
		}
		c->row_line = line;
		c->dst = c->nnum ? c->x + c->nb * c->nnum : NULL;
		grow_batch(c);
		for (size_t k = 0; c->in == NULL && k < c->ntext; k++)
			c->toff[c->nb * c->ntext + k] = 0;
	}
	if (j >= c->ncols)
		return;          /* ragged: reported at the row's end */
	r = c->roles[j];
	if (r >= 0) {
		if (!fast_float((const unsigned char *)s, n, &c->dst[r]))
			slow_number(c, s, n, line, j, r);
	} else if (r != NN_COL_SKIP)
		text_field(c, s, n, line, j, r);
}

/* MODE_DATA: the hot path, once per field.  Kept small so that the call
 * from libcsv stays cheap: a plain number in the middle of a row, a single
 * digit cheapest of all.  (A row's first field takes the full path, which
 * also clears cr_pending: only it can follow a line end.) */
static void
data_field(void *s, size_t n, void *data)
{
	nn_csv *c = data;
	const unsigned char *u = s;
	size_t j = c->col++;
	int r;

	if (j - 1 < c->fastcols && (r = c->roles[j]) >= 0) {
		if (n == 1 && (unsigned)u[0] - '0' <= 9) {
			c->dst[r] = (float)((unsigned)u[0] - '0');
			return;
		}
		if (fast_float(u, n, &c->dst[r]))
			return;
	}
	data_field_full(c, s, n, j);
}

static void
data_row(int ch, void *data)
{
	nn_csv *c = data;
	size_t m = c->col;

	line_end(c, ch);
	if (m == 0)
		return;          /* blank line */
	c->col = 0;
	if (c->failed)
		return;
	if (m != c->ncols) {
		nn_errf(&c->err, "%s:%lu: expected %zu fields, got %zu", c->name,
		    c->row_line, c->ncols, m);
		fail(c);
		return;
	}
	if (c->in == NULL)
		c->lines[c->nb] = c->row_line;
	c->nb++;
}

/* ====================================================================== */
/* Feeding libcsv                                                         */
/* ====================================================================== */

/* Bytes of s[0, n) up to and including the k-th line end (k >= 1; a CR LF
 * is one), or n if there are fewer. */
static size_t
span_lines(const unsigned char *s, size_t n, size_t k, int has_cr)
{
	const unsigned char *p = s, *end = s + n, *q;

	if (!has_cr) {
		while (k-- > 0) {
			if ((q = memchr(p, '\n', (size_t)(end - p))) == NULL)
				return n;
			p = q + 1;
		}
		return (size_t)(p - s);
	}
	while (p < end) {
		if (*p == '\n' || *p == '\r') {
			if (*p == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			if (--k == 0)
				return (size_t)(p - s);
		} else
			p++;
	}
	return n;
}

/* pread exactly n bytes at off into s.  Returns 0, or -1 with errno set
 * (0 when the file ended first). */
static int
pread_full(int fd, void *s, size_t n, off_t off)
{
	for (size_t done = 0; done < n; ) {
		ssize_t got = pread(fd, (char *)s + done, n - done, off + (off_t)done);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = 0;
			return -1;
		}
		done += (size_t)got;
	}
	return 0;
}

/* A part reader gives up: another part (or this one) met a quote, or the
 * file changed under it.  The caller reads the file again as a stream. */
static int
abandon(nn_csv *c, int quote)
{
	if (c->stop != NULL)
		atomic_store_explicit(c->stop, 1, memory_order_relaxed);
	c->abandon = quote ? 2 : 1;
	nn_errf(&c->err, "%s: interrupted", c->name);
	return fail(c);
}

/* n more bytes read: a call when they cross a step (see csv_progress),
 * or at the end of a stream (the size is known then).  One atomic add per
 * chunk of 64 KiB or more: nothing next to parsing. */
static void
progress_add(csv_progress *p, size_t n, int end)
{
	uint64_t was = atomic_fetch_add_explicit(&p->done, n,
	    memory_order_relaxed);

	if ((!end && (was + n) / NN_PROGRESS_STEP == was / NN_PROGRESS_STEP) ||
	    atomic_flag_test_and_set_explicit(&p->busy, memory_order_acquire))
		return;
	p->fn(p->arg, was + n, end ? was + n : p->total);
	atomic_flag_clear_explicit(&p->busy, memory_order_release);
}

/* The next chunk: read from fp, or with pread up to the end of the part. */
static int
refill(nn_csv *c)
{
	size_t n;

	if (c->fp == NULL) {
		n = c->fend - c->foff < WINDOW ? (size_t)(c->fend - c->foff) : WINDOW;
		if (c->stop != NULL &&
		    atomic_load_explicit(c->stop, memory_order_relaxed))
			return abandon(c, 0);
		if (pread_full(c->fd, c->buf, n, c->foff) < 0) {
			if (errno == 0)          /* it shrank */
				return abandon(c, 0);
			nn_errf(&c->err, "%s: %s", c->name, strerror(errno));
			return fail(c);
		}
		c->foff += (off_t)n;
		if (c->stop != NULL && n && memchr(c->buf, '"', n) != NULL)
			return abandon(c, 1);
	} else {
		/* End of file is sticky, as C says: a terminal's Ctrl-D comes
		 * once, and glibc's fread of a whole chunk would read past it
		 * (one more Ctrl-D needed). */
		n = feof(c->fp) ? 0 : fread(c->buf, 1, CHUNK, c->fp);
		if (n == 0 && ferror(c->fp)) {
			const char *why = nn_input_error(c->fp);   /* gzip's */
			nn_errf(&c->err, "%s: %s", c->name,
			    why != NULL ? why : strerror(errno));
			return fail(c);
		}
		c->crc = nn_crc32(c->crc, c->buf, n);
	}
	c->nread += n;
	if (c->prog != NULL)
		progress_add(c->prog, n, c->fp != NULL && n == 0);
	c->pos = 0;
	c->len = n;
	/* A field can only hold a line end if it is quoted: if the parser is
	 * not inside a quoted field and the chunk has no quote, skip the
	 * per-field scan. */
	c->scan_nl = c->p.quoted || (n && memchr(c->buf, '"', n) != NULL);
	set_fast(c);
	c->has_cr = !c->unbounded && n && memchr(c->buf, '\r', n) != NULL;
	return 0;
}

static void
parse_error(nn_csv *c, const char *what, int at_start)
{
	unsigned long line = c->line;

	if (c->failed)
		return;          /* keep the first error */
	/* The field in progress may already span quoted line ends: name the
	 * line of the offending byte, or (at_start) where the field began. */
	if (!at_start && c->p.entry_buf != NULL)
		line += count_nl(c->p.entry_buf, c->p.entry_pos);
	char cb[SHOWBUF];

	nn_errf(&c->err, "%s:%lu:%s: malformed CSV: %s", c->name, line,
	    col_label(c, c->col, cb), what);
	fail(c);
}

/* The start of an input, in its first chunk: lines before the first
 * record that are blank or begin with '#' are comments (a file often says
 * where it came from), skipped and counted; then, unless the caller chose
 * one, the field separator is the one of comma, tab, semicolon and pipe
 * that the first record's line holds most often outside quotes (a tie goes
 * to that order; none at all: comma, a file of one column). */
static void
start_input(nn_csv *c)
{
	static const char cand[] = ",\t;|";
	size_t p = c->pos, count[4] = { 0 }, best = 0;
	int quoted = 0;

	while (p < c->len && (c->buf[p] == '#' || c->buf[p] == '\n' ||
	    c->buf[p] == '\r')) {
		const unsigned char *lf = memchr(c->buf + p, '\n', c->len - p);
		if (lf == NULL)
			break;
		if (c->buf[p] != '\r' || p + 1 == (size_t)(lf - c->buf))
			c->line++;
		p = (size_t)(lf - c->buf) + 1;
	}
	c->pos = p;
	if (c->delim == 0) {
		for (size_t i = p; i < c->len; i++) {
			unsigned char ch = c->buf[i];
			if (ch == '"')
				quoted = !quoted;
			else if (!quoted && (ch == '\n' || ch == '\r'))
				break;
			else if (!quoted)
				for (int k = 0; k < 4; k++)
					count[k] += ch == (unsigned char)cand[k];
		}
		for (int k = 1; k < 4; k++)
			if (count[k] > count[best])
				best = (size_t)k;
		c->delim = cand[best];
	}
	csv_set_delim(&c->p, (unsigned char)c->delim);
}

/* Parse until the batch holds want rows (an unbounded read: every row
 * left), or to the end of the input. */
static int
pump(nn_csv *c, size_t want)
{
	void (*f)(void *, size_t, void *) =
	    c->mode == MODE_DATA ? data_field : first_field;
	void (*r)(int, void *) = c->mode == MODE_DATA ? data_row : first_row;

	while ((c->unbounded || c->nb < want) && !c->failed && !c->done) {
		if (c->pos == c->len) {
			int fresh = !c->started;
			c->started = 1;
			if (refill(c) < 0)
				return -1;
			if (c->len == 0) {
				c->done = 1;
				if (csv_fini(&c->p, f, r, c) != 0)
					parse_error(c, "unterminated quoted field", 1);
				break;
			}
			/* skip a UTF-8 byte order mark */
			if (fresh && c->len >= 3 && memcmp(c->buf, "\xef\xbb\xbf", 3) == 0)
				c->pos = 3;
			if (fresh)
				start_input(c);
			if (c->fp == NULL)
				c->crc = nn_crc32(c->crc, c->buf, c->pos);
		}
		size_t avail = c->len - c->pos, need = want - c->nb, feed = avail;
		if (!c->unbounded && need < avail)
			feed = span_lines(c->buf + c->pos, avail, need, c->has_cr);
		if (c->fp == NULL)
			c->crc = nn_crc32(c->crc, c->buf + c->pos, feed);
		if (csv_parse(&c->p, c->buf + c->pos, feed, f, r, c) != feed) {
			parse_error(c, csv_strerror(csv_error(&c->p)), 0);
			break;
		}
		c->pos += feed;
		/* libcsv grows its field buffer by blk_size at a time: make
		 * that geometric, so a long quoted field is not quadratic. */
		if (c->p.entry_size > c->p.blk_size)
			csv_set_blk_size(&c->p, c->p.entry_size);
		if (c->p.entry_pos > FIELD_MAX && !c->failed) {
			char cb[SHOWBUF];
			nn_errf(&c->err, "%s:%lu:%s: field longer than %u MiB "
			    "(unterminated quote?)", c->name, c->line,
			    col_label(c, c->col, cb), FIELD_MAX >> 20);
			fail(c);
		}
	}
	return c->failed ? -1 : 0;
}

/* ====================================================================== */
/* Streaming reader                                                       */
/* ====================================================================== */

/* The column names into c->cols, in order: a name met twice is an
 * error. */
static int
index_names(nn_csv *c, char **names)
{
	char sb[SHOWBUF];

	if (c->ncols > UINT32_MAX / 4) {
		nn_errf(&c->err, "%s:%lu: too many columns (%zu)", c->name,
		    c->rec_line, c->ncols);
		return fail(c);
	}
	for (size_t j = 0; j < c->ncols; j++) {
		size_t n = strlen(names[j]);
		if (nn_strtab_intern(c->cols, names[j], n) != (long)j) {
			nn_errf(&c->err, "%s:%lu: duplicate column name \"%s\"",
			    c->name, c->rec_line, show(sb, names[j], n));
			return fail(c);
		}
	}
	return 0;
}

/* A reader with its parser, not yet at any input. */
static nn_csv *
csv_new(const char *name, nn_err *e)
{
	nn_csv *c = nn_xcalloc(1, sizeof(*c));

	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
		nn_errf(e, "%s: cannot start the CSV parser", name);
		free(c);
		return NULL;
	}
	csv_set_blk_size(&c->p, 4096);
	c->name = nn_xstrdup(name);
	c->cols = nn_strtab_new();
	c->line = 1;
	c->acap = 256;
	c->arena = nn_xmalloc(c->acap);
	return c;
}

/* Read the first record: the column names, or the first data row. */
static nn_csv *
open_first(nn_csv *c, int header, nn_err *e)
{
	int rc;

	c->mode = MODE_FIRST;
	if (pump(c, 1) < 0)
		goto bad;
	if (c->nrec == 0) {
		nn_errf(&c->err, "%s: empty input", c->name);
		goto bad;
	}
	c->nb = 0;
	c->ncols = c->nrec;
	if (header) {
		rc = index_names(c, c->rec);
		for (size_t j = 0; j < c->nrec; j++)
			free(c->rec[j]);
		free(c->rec);
		free(c->reclen);
		c->rec = NULL;
		c->reclen = NULL;
		c->nrec = c->reccap = 0;
	} else {
		char **num = nn_xmalloc(c->ncols * sizeof(*num));
		for (size_t j = 0; j < c->ncols; j++) {
			char b[32];
			snprintf(b, sizeof(b), "%zu", j + 1);
			num[j] = nn_xstrdup(b);
		}
		rc = index_names(c, num);
		for (size_t j = 0; j < c->ncols; j++)
			free(num[j]);
		free(num);
		c->pending_first = 1;
	}
	if (rc < 0)
		goto bad;
	c->mode = MODE_DATA;
	set_fast(c);
	return c;
bad:
	if (e != NULL)
		*e = c->err;
	nn_csv_free(c);
	return NULL;
}

nn_csv *
nn_csv_open(FILE *fp, const char *name, int header, nn_err *e)
{
	return nn_csv_open_d(fp, name, header, 0, e);
}

nn_csv *
nn_csv_open_d(FILE *fp, const char *name, int header, int delim, nn_err *e)
{
	nn_csv *c = csv_new(name, e);

	if (c == NULL)
		return NULL;
	c->delim = delim;
	c->fp = fp;
	c->start = fileno(fp) >= 0 ? ftello(fp) : -1;
	c->buf = nn_xmalloc(CHUNK);
	return open_first(c, header, e);
}

/* nn_csv_open on the bytes [from, to) of the file fd, with pread. */
static nn_csv *
open_pread(int fd, off_t from, off_t to, const char *name, int header,
    int delim, nn_err *e)
{
	nn_csv *c = csv_new(name, e);

	if (c == NULL)
		return NULL;
	c->delim = delim;
	c->fd = fd;
	c->foff = from;
	c->fend = to;
	c->start = from;
	c->buf = nn_xmalloc(WINDOW);
	return open_first(c, header, e);
}

void
nn_csv_free(nn_csv *c)
{
	if (c == NULL)
		return;
	csv_free(&c->p);
	nn_strtab_free(c->cols);
	for (size_t j = 0; j < c->nrec; j++)
		free(c->rec[j]);
	free(c->rec);
	free(c->reclen);
	free((void *)c->roles);
	free(c->lines);
	free(c->toff);
	free(c->arena);
	free(c->buf);
	free(c->name);
	free(c);
}

int
nn_csv_delim(const nn_csv *c)
{
	return c->delim ? c->delim : ',';
}

void
nn_csv_set_na(nn_csv *c, const char *const *na, size_t n)
{
	c->na = na;
	c->nna = n;
}

int
nn_csv_is_na(const nn_csv *c, const char *s)
{
	return c->nna > 0 && is_na(c, s, strlen(s));
}

size_t
nn_csv_ncols(const nn_csv *c)
{
	return c->ncols;
}

const char *
nn_csv_colname(const nn_csv *c, size_t j)
{
	return nn_strtab_str(c->cols, j);
}

long
nn_csv_find(const nn_csv *c, const char *name)
{
	return nn_strtab_find(c->cols, name, strlen(name));
}

int
nn_csv_set_roles(nn_csv *c, const int *roles, size_t nnum, size_t ntext,
    int allow_nonfinite, nn_err *e)
{
	unsigned char *seen;
	size_t nseen = 0;

	if (nnum > (size_t)INT32_MAX || ntext > (size_t)INT32_MAX - 2)
		return nn_errf(e, "%s: too many columns", c->name);
	seen = nn_xcalloc(nnum + ntext + 1, 1);
	for (size_t j = 0; j < c->ncols; j++) {
		int r = roles[j];
		size_t slot;
		if (r == NN_COL_SKIP)
			continue;
		if (r >= 0 && (size_t)r < nnum)
			slot = (size_t)r;
		else if (r <= -2 && (size_t)(-2 - (long)r) < ntext)
			slot = nnum + (size_t)(-2 - (long)r);
		else {
			free(seen);
			return nn_errf(e, "%s: column %zu: bad role %d", c->name,
			    j + 1, r);
		}
		if (seen[slot]++) {
			free(seen);
			return nn_errf(e, "%s: column %zu: role %d given twice",
			    c->name, j + 1, r);
		}
		if (r >= 0)
			nseen++;
	}
	free(seen);
	if (nseen != nnum)
		return nn_errf(e, "%s: %zu numeric columns assigned, expected %zu",
		    c->name, nseen, nnum);
	int *copy = nn_xmalloc((c->ncols ? c->ncols : 1) * sizeof(*copy));
	memcpy(copy, roles, c->ncols * sizeof(*copy));
	free((void *)c->roles);
	c->roles = copy;
	c->nnum = nnum;
	c->ntext = ntext;
	c->allow_nonfinite = allow_nonfinite;
	return 0;
}

/* Feed the first record, kept by nn_csv_open, through the data path with
 * its own line numbers. */
static void
replay_first(nn_csv *c)
{
	unsigned long line = c->line;
	int cr = c->cr_pending, scan = c->scan_nl;

	c->pending_first = 0;
	c->line = c->rec_line;
	c->scan_nl = 1;
	set_fast(c);
	for (size_t j = 0; j < c->nrec; j++)
		data_field(c->rec[j], c->reclen[j], c);
	data_row(-1, c);
	c->line = line;
	c->cr_pending = cr;
	c->scan_nl = scan;
	set_fast(c);
	for (size_t j = 0; j < c->nrec; j++)
		free(c->rec[j]);
	c->nrec = 0;
}

long
nn_csv_read(nn_csv *c, float *x, size_t max, nn_err *e)
{
	if (c->roles == NULL && !c->failed) {
		nn_errf(&c->err, "%s: nn_csv_read before nn_csv_set_roles",
		    c->name);
		fail(c);
	}
	c->x = x;
	c->max = max > LONG_MAX ? LONG_MAX : max;
	c->nb = 0;
	c->arena[0] = '\0';      /* offset 0: an unassigned text slot */
	c->alen = 1;
	if (!c->failed && c->max > 0) {
		if (c->pending_first)
			replay_first(c);
		pump(c, c->max);
	}
	if (c->failed) {
		c->nb = 0;
		if (e != NULL)
			*e = c->err;
		return -1;
	}
	return (long)c->nb;
}

const char *
nn_csv_text(const nn_csv *c, size_t i, size_t k)
{
	if (i >= c->nb || k >= c->ntext || c->in != NULL)
		return NULL;
	return c->arena + c->toff[i * c->ntext + k];
}

unsigned long
nn_csv_line(const nn_csv *c, size_t i)
{
	return i < c->nb && c->in == NULL ? c->lines[i] : 0;
}

void
nn_csv_set_progress(nn_csv *c, nn_progress_fn *fn, void *arg)
{
	struct stat st;
	off_t end = -1;

	if (fn == NULL) {
		c->prog = NULL;
		return;
	}
	if (c->fp == NULL)
		end = c->fend;
	else if (fileno(c->fp) >= 0 && fstat(fileno(c->fp), &st) == 0 &&
	    S_ISREG(st.st_mode))
		end = st.st_size;
	c->own.fn = fn;
	c->own.arg = arg;
	c->own.total = c->start >= 0 && end > c->start ?
	    (uint64_t)(end - c->start) : 0;
	atomic_init(&c->own.done, c->nread);
	atomic_flag_clear(&c->own.busy);
	c->prog = &c->own;
}

uint32_t
nn_csv_crc(const nn_csv *c)
{
	return c->crc;
}

/* ====================================================================== */
/* Whole data sets                                                        */
/* ====================================================================== */

typedef struct label {
	const char *s;
	float v;
	uint32_t old;
} label;

static int
cmp_num(const void *a, const void *b)
{
	const label *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return strcmp(x->s, y->s);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(((const label *)a)->s, ((const label *)b)->s);
}

/* Sort the labels of t (numerically when every one is a finite number)
 * into d->labels, remap y, and fill t when the target is numeric. */
void
nn_data_labels(nn_data *d, const nn_strtab *t)
{
	size_t n = nn_strtab_count(t);
	label *l = nn_xmalloc((n ? n : 1) * sizeof(*l));
	uint32_t *map = nn_xmalloc((n ? n : 1) * sizeof(*map));
	int numeric = 1, integral = 1;

	for (size_t k = 0; k < n; k++) {
		l[k].s = nn_strtab_str(t, k);
		l[k].old = (uint32_t)k;
		if (nn_parse_float(l[k].s, nn_strtab_len(t, k), &l[k].v) != 0 ||
		    !isfinite(l[k].v))
			numeric = 0;
		else if (l[k].v != truncf(l[k].v))
			integral = 0;
	}
	qsort(l, n, sizeof(*l), numeric ? cmp_num : cmp_str);
	d->nlabels = n;
	d->labels = nn_xmalloc((n ? n : 1) * sizeof(*d->labels));
	for (size_t k = 0; k < n; k++) {
		d->labels[k] = xmemdup0(l[k].s, nn_strtab_len(t, l[k].old));
		map[l[k].old] = (uint32_t)k;
	}
	for (size_t i = 0; i < d->n; i++)
		d->y[i] = map[d->y[i]];
	if (numeric) {
		d->t = nn_xmalloc((d->n ? d->n : 1) * sizeof(*d->t));
		for (size_t i = 0; i < d->n; i++)
			d->t[i] = l[d->y[i]].v;
		d->t_integral = integral;
	}
	free(map);
	free(l);
}

/* The target column: a name, else a 1-based number; -1 for none. */
static int
find_target(const nn_csv *c, const char *name, const char *target, long *tc,
    nn_err *e)
{
	char sb[SHOWBUF];
	size_t j = 0;
	const char *p;

	if (target == NULL) {
		*tc = (long)c->ncols - 1;
		return 0;
	}
	if (*target == '\0') {
		*tc = -1;
		return 0;
	}
	if ((*tc = nn_csv_find(c, target)) >= 0)
		return 0;
	for (p = target; *p >= '0' && *p <= '9'; p++)
		if (j <= c->ncols)
			j = j * 10 + (size_t)(*p - '0');
	if (*p != '\0')
		return nn_errf(e, "%s: no column \"%s\"", name,
		    show(sb, target, strlen(target)));
	if (j < 1 || j > c->ncols)
		return nn_errf(e, "%s: column %s out of range (%zu columns)", name,
		    show(sb, target, strlen(target)), c->ncols);
	*tc = (long)j - 1;
	return 0;
}

/* Roles for a data set: the target is text slot 0, every other column not
 * in skip (ncols flags, or NULL) a feature in file order.  Sets *tc (target
 * column or -1) and *d. */
static int
data_roles(nn_csv *c, const char *name, const nn_data_opts *o,
    const unsigned char *skip, long *tc, size_t *d, nn_err *e)
{
	int *roles, rc;
	size_t f = 0;

	if (find_target(c, name, o->target, tc, e) < 0)
		return -1;
	roles = nn_xmalloc(c->ncols * sizeof(*roles));
	for (size_t j = 0; j < c->ncols; j++)
		roles[j] = (long)j == *tc ? NN_COL_TEXT(0) :
		    skip != NULL && skip[j] ? NN_COL_SKIP : (int)f++;
	*d = f;
	rc = nn_csv_set_roles(c, roles, *d, *tc >= 0, 0, e);
	free(roles);
	c->text_required = 1;
	nn_csv_set_na(c, o->na, o->nna);
	return rc;
}

/* Fill out from n rows read into x (n, d) and y (n); takes x, y and the
 * labels of in.  A shard (one rank's rows, nn_data_read_shard) may hold no
 * rows, and its y stays indices into in: the labels are sorted once every
 * rank's are known. */
static int
data_finish(nn_csv *c, const char *name, long tc, size_t d, float *x,
    uint32_t *y, size_t n, const nn_strtab *in, uint32_t crc, int shard,
    nn_data *out, nn_err *e)
{
	if (n == 0 && !shard) {
		free(x);
		free(y);
		return nn_errf(e, "%s: no data rows", name);
	}
	out->n = n;
	out->d = d;
	out->x = nn_xrealloc(x, n * d * sizeof(float) + (!d || !n));
	out->ncols = c->ncols;
	out->target_col = tc;
	out->delim = nn_csv_delim(c);
	out->feat_names = nn_xmalloc((d ? d : 1) * sizeof(*out->feat_names));
	for (size_t j = 0, f = 0; j < c->ncols; j++) {
		if ((long)j == tc)
			out->target_name = nn_xstrdup(nn_csv_colname(c, j));
		else if (c->roles[j] >= 0)
			out->feat_names[f++] = nn_xstrdup(nn_csv_colname(c, j));
	}
	if (tc >= 0) {
		out->y = nn_xrealloc(y, n * sizeof(*y) + !n);
		if (!shard)
			nn_data_labels(out, in);
	} else
		free(y);
	out->crc = crc;
	return 0;
}

/* ---- from a stream ------------------------------------------------------ */

static int
read_stream(FILE *fp, const char *name, const nn_data_opts *o,
    const unsigned char *skip, nn_data *out, nn_err *e)
{
	nn_strtab *in = NULL;
	nn_csv *c;
	size_t d, cap, n = 0, rowbytes, bytes;
	long tc, k;
	float *x = NULL;
	uint32_t *y = NULL;
	int rc = -1;

	if ((c = nn_csv_open_d(fp, name, o->header, o->delim, e)) == NULL)
		return -1;
	nn_csv_set_progress(c, o->progress, o->progress_arg);
	if (data_roles(c, name, o, skip, &tc, &d, e) < 0)
		goto out;
	if (nn_mul_size(d, sizeof(float), &rowbytes) < 0)
		goto toobig;
	/* Start near 1 MiB and double. */
	cap = rowbytes ? (1u << 20) / rowbytes : 1024;
	if (cap < 16)
		cap = 16;
	if (nn_mul_size(cap, rowbytes, &bytes) < 0)
		goto toobig;
	x = nn_xmalloc(bytes + 1);
	y = nn_xmalloc(cap * sizeof(*y));
	c->in = in = nn_strtab_new();
	for (;;) {
		if (n == cap) {
			if (nn_mul_size(cap, 2, &cap) < 0 ||
			    nn_mul_size(cap, rowbytes, &bytes) < 0 ||
			    cap > SIZE_MAX / sizeof(*y))
				goto toobig;
			x = nn_xrealloc(x, bytes + 1);
			y = nn_xrealloc(y, cap * sizeof(*y));
		}
		c->y = y + n;
		if ((k = nn_csv_read(c, x + n * d, cap - n, e)) < 0)
			goto out;
		if (k == 0)
			break;
		n += (size_t)k;
	}
	rc = data_finish(c, name, tc, d, x, y, n, in, nn_csv_crc(c), 0, out, e);
	x = NULL;
	y = NULL;
	goto out;
toobig:
	nn_errf(e, "%s: data set too large for memory", name);
out:
	nn_strtab_free(in);
	free(x);
	free(y);
	nn_csv_free(c);
	return rc;
}

/* ---- CRC-32 of a concatenation ------------------------------------------ */

/* The CRC register as a polynomial over GF(2), reflected: bit 31 holds the
 * coefficient of x^0, bit 0 that of x^31.  a * b modulo the CRC
 * polynomial. */
static uint32_t
gf2_mulmod(uint32_t a, uint32_t b)
{
	uint32_t p = 0;

	for (uint32_t bit = 0x80000000u; bit != 0; bit >>= 1) {
		if (a & bit)
			p ^= b;
		b = b & 1 ? (b >> 1) ^ 0xedb88320u : b >> 1;   /* b *= x */
	}
	return p;
}

/* CRC-32 of A followed by B, from crc(A), crc(B) and the length of B:
 * crc(A) shifted through 8 |B| zero bits (times x^(8|B|)), plus crc(B).
 * The pre- and post-inversions of the two CRCs cancel in that sum (the
 * identity behind zlib's crc32_combine). */
static uint32_t
crc_cat(uint32_t crc_a, uint32_t crc_b, size_t len_b)
{
	uint32_t sq = 0x00800000u;    /* x^8 */
	uint32_t r = 0x80000000u;     /* 1 */

	for (; len_b != 0; len_b >>= 1) {
		if (len_b & 1)
			r = gf2_mulmod(r, sq);
		sq = gf2_mulmod(sq, sq);
	}
	return gf2_mulmod(r, crc_a) ^ crc_b;
}

/* ---- splitting a regular file -------------------------------------------- */

/* One byte range of the file, counted by one thread. */
typedef struct range {
	int fd;
	off_t at;                /* file offset of its first byte */
	size_t n;                /* bytes */
	unsigned char *buf;      /* (WINDOW) scratch */
	/* results */
	int err;                 /* errno of a failed read; -1 if it shrank */
	size_t first_lf;         /* 1 + offset of its first LF; 0 if none */
	size_t pre;              /* line ends in [0, first_lf) */
	size_t tot;              /* line ends in all of it */
} range;

/* Line ends in s[0, n): every LF and every CR, less one for each LF right
 * after a CR (in s, or at the end of the previous span when *cr is set).
 * So a CR LF counts once however the spans cut it, and a CR at the very
 * end counts: only an upper bound on rows is needed. */
static size_t
count_le(const unsigned char *s, size_t n, int *cr)
{
	const unsigned char *p, *end = s + n;
	size_t k = 0;

	if (n == 0)
		return 0;
	for (p = s; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		k++;
	if (*cr && s[0] == '\n')
		k--;
	for (p = s; (p = memchr(p, '\r', (size_t)(end - p))) != NULL; p++)
		k += p + 1 == end || p[1] != '\n';
	*cr = end[-1] == '\r';
	return k;
}

static void *
count_range(void *arg)
{
	range *r = arg;
	int cr = 0;

	for (size_t done = 0; done < r->n; ) {
		size_t m = r->n - done < WINDOW ? r->n - done : WINDOW;
		const unsigned char *lf;
		if (pread_full(r->fd, r->buf, m, r->at + (off_t)done) < 0) {
			r->err = errno ? errno : -1;
			return NULL;
		}
		if (r->first_lf == 0 && (lf = memchr(r->buf, '\n', m)) != NULL) {
			size_t k = (size_t)(lf - r->buf) + 1;
			r->first_lf = done + k;
			r->tot += count_le(r->buf, k, &cr);
			r->pre = r->tot;
			r->tot += count_le(lf + 1, m - k, &cr);
		} else
			r->tot += count_le(r->buf, m, &cr);
		done += m;
	}
	return NULL;
}

/* Run fn on items 0 .. n-1 (each size bytes), item 0 here and the others
 * in threads; an item whose thread cannot start runs here too. */
static void
run_all(void *(*fn)(void *), void *items, size_t size, int n)
{
	pthread_t t[MAX_PARTS];
	int up[MAX_PARTS];

	for (int i = 1; i < n; i++)
		up[i] = pthread_create(&t[i], NULL, fn,
		    (char *)items + (size_t)i * size) == 0;
	fn(items);
	for (int i = 1; i < n; i++) {
		if (up[i])
			pthread_join(t[i], NULL);
		else
			fn((char *)items + (size_t)i * size);
	}
}

/* How many parts for a file of size bytes: NN_CSV_THREADS if set (see the
 * top), else one per core, at most MAX_CORES, each at least MIN_PART
 * bytes. */
static int
nparts(off_t size)
{
	const char *s = getenv("NN_CSV_THREADS");
	long n;

	if (s != NULL && nn_parse_long(s, 1, MAX_PARTS, &n, "", NULL) == 0)
		return (int)n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n > MAX_CORES)
		n = MAX_CORES;
	if (n > size / MIN_PART)
		n = (long)(size / MIN_PART);
	return n < 1 ? 1 : (int)n;
}

/* One part of the file, parsed by one thread. */
typedef struct part {
	nn_csv *c;
	nn_strtab *in;           /* its labels in order (part 0's: every
	                            part's, once joined) */
	size_t first;            /* row of the matrix where it starts */
	size_t bound;            /* room for rows: its line ends (+ 1) */
	float *x;                /* (bound, d) its slice of the matrix */
	uint32_t *y;             /* (bound) */
	long rows;               /* read, or -1 */
	nn_err err;
} part;

static void *
parse_part(void *arg)
{
	part *p = arg;

	p->c->unbounded = 1;
	p->c->in = p->in;
	p->c->y = p->y;
	p->rows = nn_csv_read(p->c, p->x, p->bound, &p->err);
	return NULL;
}

/* A reader of the data rows in [from, to) of the file of proto; from is
 * just after a LF. */
static nn_csv *
open_part(const nn_csv *proto, off_t from, off_t to)
{
	nn_csv *c = csv_new(proto->name, NULL);
	int *roles;

	if (c == NULL)
		return NULL;
	c->fd = proto->fd;
	c->foff = from;
	c->fend = to;
	c->stop = proto->stop;
	c->prog = proto->prog;
	c->buf = nn_xmalloc(WINDOW);
	c->started = 1;          /* not the input's start: no byte order mark */
	c->mode = MODE_DATA;
	c->ncols = proto->ncols;
	roles = nn_xmalloc(c->ncols * sizeof(*roles));
	memcpy(roles, proto->roles, c->ncols * sizeof(*roles));
	c->roles = roles;
	c->nnum = proto->nnum;
	c->ntext = proto->ntext;
	c->allow_nonfinite = proto->allow_nonfinite;
	c->text_required = proto->text_required;
	c->na = proto->na;
	c->nna = proto->nna;
	c->delim = proto->delim;
	csv_set_delim(&c->p, (unsigned char)c->delim);
	set_fast(c);
	return c;
}

/* Where rank r of nr's nominal share of the data bytes [start, size)
 * begins: the bytes split evenly, as the ranges of read_split. */
static off_t
rank_nominal(off_t start, off_t size, int r, int nr)
{
	size_t len = (size_t)(size - start), q = len / (size_t)nr,
	    rem = len % (size_t)nr;

	return start + (off_t)((size_t)r * q + ((size_t)r < rem ? (size_t)r :
	    rem));
}

/* Where rank r of nr starts (nn_shard): just after the first LF at or
 * after its nominal start with an even number of quotes before it in the
 * data (quotes: their number before the nominal start), or at size when
 * none follows; rank 0 at start, rank nr at size.  -1 on a read error
 * (errno). */
static off_t
rank_cut(int fd, off_t start, off_t size, int r, int nr, uint64_t quotes)
{
	unsigned char b[4096];
	unsigned odd = (unsigned)(quotes & 1);
	off_t at;

	if (r == 0)
		return start;
	if (r >= nr)
		return size;
	for (at = rank_nominal(start, size, r, nr); at < size; ) {
		size_t m = (size_t)(size - at) < sizeof(b) ? (size_t)(size - at) :
		    sizeof(b);
		if (pread_full(fd, b, m, at) < 0)
			return -1;
		for (size_t i = 0; i < m; i++) {
			odd ^= b[i] == '"';
			if (b[i] == '\n' && !odd)
				return at + (off_t)i + 1;
		}
		at += (off_t)m;
	}
	return size;
}

int
nn_shard_plan(FILE *fp, const char *name, const nn_data_opts *o,
    nn_shard *sp)
{
	struct stat st;
	int fd = fileno(fp);
	off_t at, from, to;
	unsigned char *b;
	nn_csv *c;

	sp->quotes = sp->before = sp->total = 0;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (at = ftello(fp)) < 0)
		return NN_WHOLE_NOTREG;
	if (at >= st.st_size)
		return NN_WHOLE_ERROR;  /* empty: the whole read says so */
	if ((c = open_pread(fd, at, st.st_size, name, o->header, o->delim,
	    NULL)) == NULL)
		return NN_WHOLE_ERROR;
	sp->at = at;
	sp->start = c->foff - (off_t)(c->len - c->pos);
	sp->size = st.st_size;
	nn_csv_free(c);
	from = rank_nominal(sp->start, sp->size, sp->rank, sp->nr);
	to = rank_nominal(sp->start, sp->size, sp->rank + 1, sp->nr);
	b = nn_xmalloc(WINDOW);
	while (from < to) {
		size_t m = (size_t)(to - from) < WINDOW ? (size_t)(to - from) :
		    WINDOW;
		uint64_t k = 0;
		if (pread_full(fd, b, m, from) < 0) {
			free(b);
			return errno == 0 ? NN_WHOLE_CHANGED : NN_WHOLE_ERROR;
		}
		for (size_t i = 0; i < m; i++)
			k += b[i] == '"';
		sp->quotes += k;
		from += (off_t)m;
	}
	free(b);
	return 0;
}

int
nn_shard_cut(FILE *fp, nn_shard *sp)
{
	int fd = fileno(fp);

	if ((sp->from = rank_cut(fd, sp->start, sp->size, sp->rank, sp->nr,
	    sp->before)) < 0 ||
	    (sp->to = rank_cut(fd, sp->start, sp->size, sp->rank + 1, sp->nr,
	    sp->before + sp->quotes)) < 0)
		return errno == 0 ? NN_WHOLE_CHANGED : NN_WHOLE_ERROR;
	return 0;
}

nn_csv *
nn_csv_open_shard(FILE *fp, const char *name, const nn_data_opts *o,
    const nn_shard *sp, nn_err *e)
{
	int fd = fileno(fp);
	nn_csv *h, *c;

	if (sp->rank == 0)
		return open_pread(fd, sp->at, sp->to, name, o->header, o->delim,
		    e);
	if ((h = open_pread(fd, sp->at, sp->size, name, o->header, o->delim,
	    e)) == NULL)
		return NULL;
	if ((c = csv_new(name, e)) == NULL) {
		nn_csv_free(h);
		return NULL;
	}
	c->fd = fd;
	c->foff = sp->from;
	c->fend = sp->to;
	c->start = sp->from;
	c->buf = nn_xmalloc(WINDOW);
	c->started = 1;          /* not the input's start: no byte order mark */
	c->mode = MODE_DATA;
	c->ncols = h->ncols;
	for (size_t j = 0; j < h->ncols; j++)
		nn_strtab_intern(c->cols, nn_strtab_str(h->cols, j),
		    nn_strtab_len(h->cols, j));
	c->delim = h->delim;
	csv_set_delim(&c->p, (unsigned char)c->delim);
	set_fast(c);
	nn_csv_free(h);
	return c;
}

/* One rank's read of its byte range (nn_data_read_shard): what it hands
 * on besides its rows. */
typedef struct shard {
	const nn_shard *sp;      /* its range */
	nn_strtab *labels;       /* its target values, in order of first
	                            appearance (owned) */
	uint64_t bytes;          /* the bytes its CRC covers */
	int why;                 /* NN_WHOLE_* when read_split returns 1 */
} shard;

/*
 * The file fd from offset at to size, in want parts (0: as many as the
 * range's size asks for).  Returns 0, -1 on error, or 1: read it as a
 * stream instead (a quote after the header, an error in a later part, or
 * the file changed).
 *
 * With sh, only the rank's own range [from, to) of the data bytes (see
 * nn_shard) is parsed, in parts as a whole file would be, or in one when
 * the data holds a quote (the parts' cuts ignore quotes); rank 0's first
 * part is the header's reader as without.  Every failure is then 1 (the
 * ranks read the whole file, or their parts with the general reader),
 * and y stays indices into the rank's own labels.
 */
static int
read_split(int fd, off_t at, off_t size, int want, const char *name,
    const nn_data_opts *o, const unsigned char *skip, shard *sh, nn_data *out,
    nn_err *e)
{
	range rg[MAX_PARTS];
	part pt[MAX_PARTS];
	off_t cut[MAX_PARTS + 1], start, from, to;
	size_t lep[MAX_PARTS + 1], acc = 0, d, rowbytes, bytes, total = 0, n;
	int np = 0, nrg, rc = -1, hdr = 1;
	float *x = NULL;
	uint32_t *y = NULL;
	atomic_int stop;
	uint32_t crc;
	unsigned char extra;
	long tc;
	nn_csv *c;

	memset(rg, 0, sizeof(rg));
	memset(pt, 0, sizeof(pt));
	atomic_init(&stop, 0);
	if ((c = open_pread(fd, at, size, name, o->header, o->delim, e)) == NULL)
		return -1;
	nn_csv_set_progress(c, o->progress, o->progress_arg);
	if (data_roles(c, name, o, skip, &tc, &d, e) < 0)
		goto out;
	if (nn_mul_size(d, sizeof(float), &rowbytes) < 0)
		goto toobig;
	/* From here the header's reader is part 0's (rank 0's). */
	start = c->foff - (off_t)(c->len - c->pos);
	from = start;
	to = size;
	if (sh != NULL && sh->sp->total > 0) {
		want = 1;        /* a quote: one part, no stop on quotes */
	} else {
		c->stop = &stop;
		if (memchr(c->buf + c->pos, '"', c->len - c->pos) != NULL) {
			rc = 1;
			goto field;
		}
	}
	if (sh != NULL) {
		if (sh->sp->start != start) {
			rc = 1;
			goto changed;
		}
		from = sh->sp->from;
		to = sh->sp->to;
		hdr = sh->sp->rank == 0;
		if (c->prog != NULL) {   /* this rank's bytes only */
			c->own.total = (uint64_t)(to - (hdr ? at : from));
			if (!hdr)
				atomic_store(&c->own.done, 0);
		}
	}
	if (want <= 0)
		want = nparts(to - from);

	/* Count the line ends of each range; cut after the first LF of each
	 * range but the first.  lep[k]: line ends in [from, cut[k]). */
	nrg = to - from < want ? (int)(to - from) : want;
	for (int i = 0; i < nrg; i++) {
		size_t len = (size_t)(to - from), q = len / (size_t)nrg,
		    rem = len % (size_t)nrg;
		rg[i].fd = fd;
		rg[i].at = from + (off_t)((size_t)i * q +
		    ((size_t)i < rem ? (size_t)i : rem));
		rg[i].n = q + ((size_t)i < rem);
		rg[i].buf = nn_xmalloc(WINDOW);
	}
	run_all(count_range, rg, sizeof(*rg), nrg);
	for (int i = 0; i < nrg; i++)
		if (rg[i].err != 0) {
			if (rg[i].err > 0)
				nn_errf(e, "%s: %s", name, strerror(rg[i].err));
			rc = rg[i].err > 0 ? -1 : 1;
			goto changed;
		}
	cut[0] = from;
	lep[0] = 0;
	for (int i = 0; i < nrg; i++) {
		off_t at_lf = rg[i].at + (off_t)rg[i].first_lf;
		if (i > 0 && rg[i].first_lf != 0 && at_lf < to) {
			cut[++np] = at_lf;
			lep[np] = acc + rg[i].pre;
		}
		acc += rg[i].tot;
	}
	cut[++np] = to;
	lep[np] = acc;

	for (int k = 0; k < np; k++) {
		part *p = &pt[k];
		p->bound = lep[k + 1] > lep[k] ? lep[k + 1] - lep[k] : 0;
		p->bound += (k == np - 1) + (k == 0 && hdr && c->pending_first);
		if (p->bound == 0)
			p->bound = 1;
		p->first = total;
		if (total > SIZE_MAX - p->bound)
			goto toobig;
		total += p->bound;
	}
	if (nn_mul_size(total, rowbytes, &bytes) < 0 ||
	    total > SIZE_MAX / sizeof(*y))
		goto toobig;
	x = big_xalloc(bytes + 1);
	y = big_xalloc(total * sizeof(*y) + 1);
	for (int k = 0; k < np; k++) {
		part *p = &pt[k];
		p->x = x + p->first * d;
		p->y = y + p->first;
		p->in = nn_strtab_new();
		if ((k > 0 || !hdr) &&
		    (p->c = open_part(c, cut[k], cut[k + 1])) == NULL) {
			rc = 1;
			goto field;
		}
	}
	/* part 0 ends at cut[1], maybe inside its current chunk */
	if (hdr) {
		pt[0].c = c;
		c->fend = cut[1];
		if (c->foff > cut[1]) {
			c->len -= (size_t)(c->foff - cut[1]);
			c->foff = cut[1];
		}
	}
	run_all(parse_part, pt, sizeof(*pt), np);

	/* The first failure in file order: part 0 is the sequential reader,
	 * so its error stands; a later part's lines are unknown (and so are
	 * a shard's: every rank reads the whole file). */
	for (int k = 0; k < np; k++) {
		if (pt[k].rows >= 0)
			continue;
		if (k > 0 || sh != NULL || pt[0].c->abandon || pt[0].c->overrun)
			rc = 1;
		else if (e != NULL)
			*e = pt[0].err;
		for (int q = 0; q < np; q++)
			if (pt[q].c->abandon)
				goto changed;
		goto field;
	}
	if (to == size && pread(fd, &extra, 1, size) > 0) {   /* it grew */
		rc = 1;
		goto changed;
	}
	/* Join the parts: their labels into part 0's table in order, their
	 * rows down onto the previous part's end, their CRCs. */
	n = (size_t)pt[0].rows;
	crc = pt[0].c->crc;
	for (int k = 1; k < np; k++) {
		part *p = &pt[k];
		size_t r = (size_t)p->rows;
		size_t nl = nn_strtab_count(p->in);
		uint32_t *map = nn_xmalloc((nl ? nl : 1) * sizeof(*map));
		for (size_t i = 0; i < nl; i++) {
			long v = nn_strtab_intern(pt[0].in, nn_strtab_str(p->in, i),
			    nn_strtab_len(p->in, i));
			if (v < 0) {
				free(map);
				rc = 1;
				goto field;
			}
			map[i] = (uint32_t)v;
		}
		for (size_t i = 0; tc >= 0 && i < r; i++)
			y[n + i] = map[p->y[i]];
		free(map);
		if (p->first != n)
			memmove(x + n * d, p->x, r * rowbytes);
		n += r;
		crc = crc_cat(crc, p->c->crc, (size_t)(cut[k + 1] - cut[k]));
	}
	rc = data_finish(c, name, tc, d, x, y, n, pt[0].in, crc, sh != NULL,
	    out, e);
	x = NULL;
	y = NULL;
	if (rc == 0 && sh != NULL) {
		sh->labels = pt[0].in;
		pt[0].in = NULL;
		sh->bytes = (uint64_t)(to - (hdr ? at : from));
	}
	goto out;
toobig:
	nn_errf(e, "%s: data set too large for memory", name);
	goto out;
changed:
	if (sh != NULL)
		sh->why = NN_WHOLE_CHANGED;
	goto out;
field:
	if (sh != NULL)
		sh->why = NN_WHOLE_GENERAL;
out:
	for (int k = 0; k < MAX_PARTS; k++) {
		free(rg[k].buf);
		nn_strtab_free(pt[k].in);
		if (pt[k].c != c)
			nn_csv_free(pt[k].c);
	}
	free(x);
	free(y);
	nn_csv_free(c);
	return rc;
}

int
nn_data_read_fast(FILE *fp, const char *name, const nn_data_opts *o,
    const unsigned char *skip, nn_data *out, nn_err *e)
{
	struct stat st;
	int fd = fileno(fp), np, rc;
	off_t at;

	memset(out, 0, sizeof(*out));
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (at = ftello(fp)) >= 0 && at < st.st_size &&
	    (np = nparts(st.st_size - at)) > 1) {
		nn_crc32(0, NULL, 0);   /* build its tables before threads race */
		rc = read_split(fd, at, st.st_size, np, name, o, skip, NULL, out,
		    e);
		if (rc <= 0) {
			if (rc == 0)
				(void)fseeko(fp, st.st_size, SEEK_SET);
			else
				nn_data_free(out);
			return rc;
		}
		nn_data_free(out);
		if (fseeko(fp, at, SEEK_SET) != 0) {
			nn_errf(e, "%s: %s", name, strerror(errno));
			return -1;
		}
	}
	if (read_stream(fp, name, o, skip, out, e) < 0) {
		nn_data_free(out);
		return -1;
	}
	return 0;
}

int
nn_data_read_shard(FILE *fp, const char *name, const nn_data_opts *o,
    const unsigned char *skip, const nn_shard *sp, nn_data *out,
    nn_strtab **labels, uint64_t *bytes, nn_err *e)
{
	int rc;
	shard sh = { .sp = sp, .why = NN_WHOLE_GENERAL };

	memset(out, 0, sizeof(*out));
	*labels = NULL;
	*bytes = 0;
	nn_crc32(0, NULL, 0);           /* build its tables before threads race */
	rc = read_split(fileno(fp), (off_t)sp->at, (off_t)sp->size, 0, name, o,
	    skip, &sh, out, e);
	if (rc == 0) {
		*labels = sh.labels;
		*bytes = sh.bytes;
		(void)fseeko(fp, (off_t)sp->size, SEEK_SET);
		return 0;
	}
	nn_data_free(out);
	return rc < 0 ? NN_WHOLE_ERROR : sh.why;
}

uint32_t
nn_crc32_cat(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
	return crc_cat(crc_a, crc_b, (size_t)len_b);
}

void
nn_data_free(nn_data *d)
{
	if (d == NULL)
		return;
	free(d->x);
	for (size_t j = 0; d->feat_names != NULL && j < d->d; j++)
		free(d->feat_names[j]);
	free(d->feat_names);
	free(d->target_name);
	for (size_t k = 0; d->labels != NULL && k < d->nlabels; k++)
		free(d->labels[k]);
	free(d->labels);
	free(d->y);
	free(d->t);
	nn_enc_free(d->enc);
	free(d->filled);
	memset(d, 0, sizeof(*d));
}

/* ====================================================================== */
/* Writing                                                                */
/* ====================================================================== */

/* Quote when the reader would otherwise change the value: a comma, quote
 * or line end, or blanks at either end (libcsv trims those from unquoted
 * fields). */
int
nn_csv_put(FILE *fp, const char *s)
{
	return nn_csv_put_d(fp, s, ',');
}

int
nn_csv_put_d(FILE *fp, const char *s, int delim)
{
	size_t n = strlen(s);
	int q = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t');

	if (!q && strpbrk(s, "\"\r\n") == NULL && strchr(s, delim) == NULL)
		return fwrite(s, 1, n, fp) == n ? 0 : -1;
	if (putc('"', fp) == EOF)
		return -1;
	for (; *s; s++) {
		if (*s == '"' && putc('"', fp) == EOF)
			return -1;
		if (putc(*s, fp) == EOF)
			return -1;
	}
	return putc('"', fp) == EOF ? -1 : 0;
}
