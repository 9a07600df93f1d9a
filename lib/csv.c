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
 * nn_data_read is this reader with a matrix that doubles, plus a hash table
 * that interns the target column's values.
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "nn_csv.h"

#define CHUNK (64 * 1024)
/* A field this long is an unterminated quote or not CSV at all; refuse it
 * rather than buffer the rest of an endless input. */
#define FIELD_MAX (16u << 20)
/* Longest bad value quoted in a message. */
#define SHOW_MAX 40

enum { MODE_FIRST, MODE_DATA };

struct nn_csv {
	/* what the per-field callback touches, together at the front */
	size_t col;              /* fields of the current row seen so far */
	unsigned long line;      /* physical line of the next byte (1-based) */
	float *dst;              /* (nnum) where the current row's numbers go */
	const int *roles;        /* (ncols) */
	size_t ncols;
	int scan_nl;             /* a field of this chunk may hold a line end */
	int failed;              /* sticky: err holds the message */
	int cr_pending;          /* last line end was a CR: a LF now is its pair */
	int allow_nonfinite;
	int text_required;       /* nn_data_read: an empty text field is an error */
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

	FILE *fp;
	char *name;
	int mode;
	unsigned char *buf;      /* (CHUNK) the current chunk */
	size_t len, pos;         /* bytes in buf, bytes of it parsed */
	int has_cr;              /* this chunk holds a CR */
	int started;             /* a chunk has been read */
	int done;                /* end of input reached and csv_fini called */
	uint32_t crc;
	struct csv_parser p;

	char **names;            /* (ncols) */
	uint32_t *nhash;         /* (nhcap) column index + 1, 0 = empty */
	size_t nhcap;

	/* The first record, while it is read by nn_csv_open; without a header
	 * it is the first data row, replayed by the first nn_csv_read. */
	char **rec;
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

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
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

/* Exact fast path for the plain decimals that make up most numeric CSVs:
 * [-+]digits[.digits] with an integer mantissa below 2^24 and at most 10
 * fraction digits.  Both m and 10^k are then exact floats, so one IEEE
 * division rounds exactly as strtof does (Clinger's fast path).  Anything
 * else returns 0 and goes to nn_parse_float. */
static inline __attribute__((always_inline)) int
fast_float(const unsigned char *s, size_t n, float *out)
{
	static const float p10[] = { 1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f,
	    1e7f, 1e8f, 1e9f, 1e10f };
#if FLT_EVAL_METHOD == 0
	const unsigned char *end = s + n;
	uint64_t m = 0;
	int neg = 0, ndig = 0, frac = 0;

	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		m = m * 10 + (uint64_t)(*s - '0'), ndig++;
	if (s < end && *s == '.')
		for (s++; s < end && *s >= '0' && *s <= '9'; s++)
			m = m * 10 + (uint64_t)(*s - '0'), ndig++, frac++;
	/* 18 digits cannot overflow m; beyond, leave it to strtof */
	if (s != end || ndig == 0 || ndig > 18 || frac > 10 || m > (1u << 24))
		return 0;
	float v = frac ? (float)m / p10[frac] : (float)m;
	*out = neg ? -v : v;
	return 1;
#else
	(void)s, (void)n, (void)out, (void)p10;
	return 0;
#endif
}

static int
fail(nn_csv *c)
{
	c->failed = 1;
	return -1;
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
	}
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
	char sb[SHOWBUF];
	float v;

	if (nn_parse_float(s, n, &v) == 0) {
		if (!isfinite(v) && !c->allow_nonfinite) {
			nn_errf(&c->err, "%s:%lu:%zu: not a finite number: %s",
			    c->name, line, j + 1, show(sb, s, n));
			fail(c);
			return;
		}
		c->dst[r] = v;
		return;
	}
	if (blank(s, n))
		nn_errf(&c->err, "%s:%lu:%zu: empty field", c->name, line, j + 1);
	else
		nn_errf(&c->err, "%s:%lu:%zu: expected a number, got \"%s\"",
		    c->name, line, j + 1, show(sb, s, n));
	fail(c);
}

static void
text_field(nn_csv *c, const char *s, size_t n, unsigned long line, size_t j,
    int r)
{
	size_t k = (size_t)(-2 - r);

	if (c->text_required && blank(s, n)) {
		nn_errf(&c->err, "%s:%lu:%zu: empty field", c->name, line, j + 1);
		fail(c);
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

	if (c->failed)
		return;
	if (c->scan_nl)
		c->line += count_nl((const unsigned char *)s, n);
	if (j == 0) {
		if (c->nb >= c->max) {
			/* cannot happen: pump() never feeds past the batch */
			nn_errf(&c->err, "%s:%lu: internal error: batch overrun",
			    c->name, line);
			fail(c);
			return;
		}
		c->row_line = line;
		c->dst = c->nnum ? c->x + c->nb * c->nnum : NULL;
		grow_batch(c);
		for (size_t k = 0; k < c->ntext; k++)
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
 * from libcsv stays cheap: a plain number in the middle of a row. */
static void
data_field(void *s, size_t n, void *data)
{
	nn_csv *c = data;
	size_t j = c->col++;
	int r;

	c->cr_pending = 0;
	if (j != 0 && j < c->ncols && !(c->scan_nl | c->failed) &&
	    (r = c->roles[j]) >= 0 && fast_float(s, n, &c->dst[r]))
		return;
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
	c->lines[c->nb++] = c->row_line;
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

static int
refill(nn_csv *c)
{
	size_t n = fread(c->buf, 1, CHUNK, c->fp);

	if (n == 0 && ferror(c->fp)) {
		nn_errf(&c->err, "%s: %s", c->name, strerror(errno));
		return fail(c);
	}
	c->crc = nn_crc32(c->crc, c->buf, n);
	c->pos = 0;
	c->len = n;
	/* A field can only hold a line end if it is quoted: if the parser is
	 * not inside a quoted field and the chunk has no quote, skip the
	 * per-field scan. */
	c->scan_nl = c->p.quoted || memchr(c->buf, '"', n) != NULL;
	c->has_cr = memchr(c->buf, '\r', n) != NULL;
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
	nn_errf(&c->err, "%s:%lu:%zu: malformed CSV: %s", c->name, line,
	    c->col + 1, what);
	fail(c);
}

/* Parse until the batch holds want rows, or to the end of the input. */
static int
pump(nn_csv *c, size_t want)
{
	void (*f)(void *, size_t, void *) =
	    c->mode == MODE_DATA ? data_field : first_field;
	void (*r)(int, void *) = c->mode == MODE_DATA ? data_row : first_row;

	while (c->nb < want && !c->failed && !c->done) {
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
		}
		size_t avail = c->len - c->pos, need = want - c->nb, feed = avail;
		if (need < avail)
			feed = span_lines(c->buf + c->pos, avail, need, c->has_cr);
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
			nn_errf(&c->err, "%s:%lu:%zu: field longer than %u MiB "
			    "(unterminated quote?)", c->name, c->line, c->col + 1,
			    FIELD_MAX >> 20);
			fail(c);
		}
	}
	return c->failed ? -1 : 0;
}

/* ====================================================================== */
/* Streaming reader                                                       */
/* ====================================================================== */

/* Column-name hash: open addressing, ncols <= nhcap / 2. */
static long
name_slot(const nn_csv *c, const char *s, int *found)
{
	size_t mask = c->nhcap - 1, i = (size_t)hash_str(s) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t v = c->nhash[i];
		if (v == 0) {
			*found = 0;
			return (long)i;
		}
		if (strcmp(c->names[v - 1], s) == 0) {
			*found = 1;
			return (long)i;
		}
	}
}

static int
index_names(nn_csv *c)
{
	char sb[SHOWBUF];
	int found;

	if (c->ncols > UINT32_MAX / 4) {
		nn_errf(&c->err, "%s:%lu: too many columns (%zu)", c->name,
		    c->rec_line, c->ncols);
		return fail(c);
	}
	for (c->nhcap = 16; c->nhcap < 2 * c->ncols; c->nhcap *= 2)
		;
	c->nhash = nn_xcalloc(c->nhcap, sizeof(*c->nhash));
	for (size_t j = 0; j < c->ncols; j++) {
		long i = name_slot(c, c->names[j], &found);
		if (found) {
			nn_errf(&c->err, "%s:%lu: duplicate column name \"%s\"",
			    c->name, c->rec_line,
			    show(sb, c->names[j], strlen(c->names[j])));
			return fail(c);
		}
		c->nhash[i] = (uint32_t)j + 1;
	}
	return 0;
}

nn_csv *
nn_csv_open(FILE *fp, const char *name, int header, nn_err *e)
{
	nn_csv *c = nn_xcalloc(1, sizeof(*c));

	c->fp = fp;
	c->name = nn_xstrdup(name);
	c->buf = nn_xmalloc(CHUNK);
	c->line = 1;
	c->acap = 256;
	c->arena = nn_xmalloc(c->acap);
	if (csv_init(&c->p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
		nn_errf(e, "%s: cannot start the CSV parser", name);
		free(c->arena);
		free(c->buf);
		free(c->name);
		free(c);
		return NULL;
	}
	csv_set_blk_size(&c->p, 4096);
	c->mode = MODE_FIRST;
	if (pump(c, 1) < 0)
		goto bad;
	if (c->nrec == 0) {
		nn_errf(&c->err, "%s: empty input", name);
		goto bad;
	}
	c->nb = 0;
	c->ncols = c->nrec;
	if (header) {
		c->names = c->rec;
		c->rec = NULL;
		c->nrec = 0;
	} else {
		c->names = nn_xmalloc(c->ncols * sizeof(*c->names));
		for (size_t j = 0; j < c->ncols; j++) {
			char num[32];
			snprintf(num, sizeof(num), "%zu", j + 1);
			c->names[j] = nn_xstrdup(num);
		}
		c->pending_first = 1;
	}
	if (index_names(c) < 0)
		goto bad;
	c->mode = MODE_DATA;
	return c;
bad:
	if (e != NULL)
		*e = c->err;
	nn_csv_free(c);
	return NULL;
}

void
nn_csv_free(nn_csv *c)
{
	if (c == NULL)
		return;
	csv_free(&c->p);
	for (size_t j = 0; c->names != NULL && j < c->ncols; j++)
		free(c->names[j]);
	free(c->names);
	for (size_t j = 0; j < c->nrec; j++)
		free(c->rec[j]);
	free(c->rec);
	free(c->nhash);
	free((void *)c->roles);
	free(c->lines);
	free(c->toff);
	free(c->arena);
	free(c->buf);
	free(c->name);
	free(c);
}

size_t
nn_csv_ncols(const nn_csv *c)
{
	return c->ncols;
}

const char *
nn_csv_colname(const nn_csv *c, size_t j)
{
	return j < c->ncols ? c->names[j] : NULL;
}

long
nn_csv_find(const nn_csv *c, const char *name)
{
	int found;
	long i = name_slot(c, name, &found);

	return found ? (long)c->nhash[i] - 1 : -1;
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
	for (size_t j = 0; j < c->nrec; j++)
		data_field(c->rec[j], strlen(c->rec[j]), c);
	data_row(-1, c);
	c->line = line;
	c->cr_pending = cr;
	c->scan_nl = scan;
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
	if (i >= c->nb || k >= c->ntext)
		return NULL;
	return c->arena + c->toff[i * c->ntext + k];
}

unsigned long
nn_csv_line(const nn_csv *c, size_t i)
{
	return i < c->nb ? c->lines[i] : 0;
}

uint32_t
nn_csv_crc(const nn_csv *c)
{
	return c->crc;
}

/* ====================================================================== */
/* Whole data sets                                                        */
/* ====================================================================== */

/* Distinct target values in order of first appearance, with a hash table
 * (open addressing, load <= 1/2) from value to index. */
typedef struct interner {
	char **s;
	uint64_t *h;             /* (n) hash of s[i] */
	size_t n, cap;
	uint32_t *tab;           /* (tcap) index + 1, 0 = empty */
	size_t tcap;
} interner;

static void
intern_rehash(interner *t, size_t tcap)
{
	free(t->tab);
	t->tab = nn_xcalloc(tcap, sizeof(*t->tab));
	t->tcap = tcap;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = (size_t)t->h[k] & (tcap - 1);
		while (t->tab[i] != 0)
			i = (i + 1) & (tcap - 1);
		t->tab[i] = (uint32_t)k + 1;
	}
}

/* Index of s, added if new; -1 if there are too many distinct values. */
static long
intern(interner *t, const char *s)
{
	uint64_t h = hash_str(s);
	size_t i;

	if (t->tcap == 0)
		intern_rehash(t, 64);
	for (i = (size_t)h & (t->tcap - 1); t->tab[i] != 0;
	    i = (i + 1) & (t->tcap - 1)) {
		uint32_t k = t->tab[i] - 1;
		if (t->h[k] == h && strcmp(t->s[k], s) == 0)
			return (long)k;
	}
	if (t->n >= UINT32_MAX / 4)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->s = nn_xrealloc(t->s, t->cap * sizeof(*t->s));
		t->h = nn_xrealloc(t->h, t->cap * sizeof(*t->h));
	}
	t->s[t->n] = nn_xstrdup(s);
	t->h[t->n] = h;
	t->tab[i] = (uint32_t)t->n + 1;
	t->n++;
	if (2 * t->n > t->tcap)
		intern_rehash(t, 2 * t->tcap);
	return (long)t->n - 1;
}

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

/* Sort the labels (numerically when every one is a finite number), remap
 * y, and fill t when the target is numeric. */
static void
finish_labels(nn_data *d, interner *t)
{
	label *l = nn_xmalloc((t->n ? t->n : 1) * sizeof(*l));
	uint32_t *map = nn_xmalloc((t->n ? t->n : 1) * sizeof(*map));
	int numeric = 1, integral = 1;

	for (size_t k = 0; k < t->n; k++) {
		l[k].s = t->s[k];
		l[k].old = (uint32_t)k;
		if (nn_parse_float(t->s[k], strlen(t->s[k]), &l[k].v) != 0 ||
		    !isfinite(l[k].v))
			numeric = 0;
		else if (l[k].v != truncf(l[k].v))
			integral = 0;
	}
	qsort(l, t->n, sizeof(*l), numeric ? cmp_num : cmp_str);
	d->nlabels = t->n;
	d->labels = nn_xmalloc((t->n ? t->n : 1) * sizeof(*d->labels));
	for (size_t k = 0; k < t->n; k++) {
		d->labels[k] = t->s[l[k].old];
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
	free(t->s);              /* the strings now belong to d->labels */
	t->s = NULL;
	t->n = 0;
	free(map);
	free(l);
}

static void
intern_free(interner *t)
{
	for (size_t k = 0; k < t->n; k++)
		free(t->s[k]);
	free(t->s);
	free(t->h);
	free(t->tab);
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

int
nn_data_read(FILE *fp, const char *name, const nn_data_opts *o,
    nn_data *out, nn_err *e)
{
	interner in = { 0 };
	nn_csv *c;
	int *roles = NULL;
	size_t d, cap, n = 0, rowbytes, bytes;
	long tc, k;
	float *x = NULL;
	uint32_t *y = NULL;

	memset(out, 0, sizeof(*out));
	if ((c = nn_csv_open(fp, name, o->header, e)) == NULL)
		return -1;
	if (find_target(c, name, o->target, &tc, e) < 0)
		goto bad;
	d = c->ncols - (tc >= 0);
	roles = nn_xmalloc(c->ncols * sizeof(*roles));
	for (size_t j = 0, f = 0; j < c->ncols; j++)
		roles[j] = (long)j == tc ? NN_COL_TEXT(0) : (int)f++;
	if (nn_csv_set_roles(c, roles, d, tc >= 0, 0, e) < 0)
		goto bad;
	c->text_required = 1;
	if (nn_mul_size(d, sizeof(float), &rowbytes) < 0)
		goto toobig;
	/* Start near 1 MiB and double. */
	cap = rowbytes ? (1u << 20) / rowbytes : 1024;
	if (cap < 16)
		cap = 16;
	if (nn_mul_size(cap, rowbytes, &bytes) < 0)
		goto toobig;
	x = nn_xmalloc(bytes);
	y = nn_xmalloc(cap * sizeof(*y));
	for (;;) {
		if (n == cap) {
			if (nn_mul_size(cap, 2, &cap) < 0 ||
			    nn_mul_size(cap, rowbytes, &bytes) < 0 ||
			    cap > SIZE_MAX / sizeof(*y))
				goto toobig;
			x = nn_xrealloc(x, bytes);
			y = nn_xrealloc(y, cap * sizeof(*y));
		}
		if ((k = nn_csv_read(c, x + n * d, cap - n, e)) < 0)
			goto bad;
		if (k == 0)
			break;
		for (long i = 0; tc >= 0 && i < k; i++) {
			const char *s = nn_csv_text(c, (size_t)i, 0);
			long v;
			if ((v = intern(&in, s)) < 0) {
				nn_errf(e, "%s:%lu:%ld: too many distinct target "
				    "values", name, nn_csv_line(c, (size_t)i), tc + 1);
				goto bad;
			}
			y[n + (size_t)i] = (uint32_t)v;
		}
		n += (size_t)k;
	}
	if (n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto bad;
	}
	out->n = n;
	out->d = d;
	out->x = nn_xrealloc(x, n * rowbytes);
	x = NULL;
	out->ncols = c->ncols;
	out->target_col = tc;
	out->feat_names = nn_xmalloc((d ? d : 1) * sizeof(*out->feat_names));
	for (size_t j = 0, f = 0; j < c->ncols; j++) {
		if ((long)j == tc)
			out->target_name = nn_xstrdup(c->names[j]);
		else
			out->feat_names[f++] = nn_xstrdup(c->names[j]);
	}
	if (tc >= 0) {
		out->y = nn_xrealloc(y, n * sizeof(*y));
		y = NULL;
		finish_labels(out, &in);
	}
	free(y);
	out->crc = nn_csv_crc(c);
	intern_free(&in);
	free(roles);
	nn_csv_free(c);
	return 0;
toobig:
	nn_errf(e, "%s: data set too large for memory", name);
bad:
	intern_free(&in);
	free(x);
	free(y);
	free(roles);
	nn_csv_free(c);
	nn_data_free(out);
	return -1;
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
	size_t n = strlen(s);
	int q = n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t');

	if (!q && strpbrk(s, ",\"\r\n") == NULL)
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
