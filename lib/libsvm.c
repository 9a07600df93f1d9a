/*
 * libsvm.c - the libsvm / svmlight sparse format, read whole (training)
 * or in batches (prediction).  The format is described in nn_libsvm.h.
 *
 * The bytes come in 64 KiB chunks through a small scanner that knows the
 * line and column of the next byte.  A token is copied into a buffer of
 * TOK_MAX bytes (no number needs more; a longer one is refused, and only
 * its head is quoted), so a line may be as long as it likes: memory
 * follows the rows, never the longest line.  The input is read once, so
 * it may be a pipe.
 *
 * A whole read keeps each row sparse, as (index, value) pairs, while it
 * learns the dimension (the largest index), and densifies once at the end:
 * dense is what the rest of nnkit takes.  What the dense matrix and the
 * feature names will cost is counted as the rows come (rows so far times
 * the largest index so far), so one absurd index in a small file fails at
 * its own token, before anything of that size is allocated; the pairs
 * themselves cost 8 bytes per value actually written in the file.
 *
 * Labels are interned as written, as the CSV reader does, so that a model
 * echoes "+1" when the data said "+1"; they are sorted by value.  That
 * sort and the interning table are this file's own: csv.c keeps its copies
 * static.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_libsvm.h"

#define CHUNK (64 * 1024)
/* Bytes of a token kept: an index (10 digits), ':' and a float as
 * programs write them fit; a longer token is refused here, though
 * nn_parse_float itself takes a number of any length. */
#define TOK_MAX 128
/* Bytes of a token quoted in a message. */
#define SHOW_MAX 40
#define SHOWBUF (4 * SHOW_MAX + 8)

/* ====================================================================== */
/* The scanner                                                            */
/* ====================================================================== */

typedef struct tok {
	char s[TOK_MAX];         /* the first TOK_MAX bytes */
	size_t n;                /* its length, which may exceed TOK_MAX */
	size_t col;              /* 1-based column of its first byte */
} tok;

typedef struct pair {
	uint32_t j;              /* 0-based feature */
	float v;
} pair;

struct nn_libsvm {
	FILE *fp;
	char *name;
	size_t dim;              /* 0: none (a whole read learning it) */

	unsigned char buf[CHUNK];
	size_t pos, len;
	int eof, ioerr;          /* ioerr: errno of a failed read, or EIO */
	uint32_t crc;
	unsigned long line;      /* of the next byte, 1-based */
	size_t col;              /* of the next byte, 1-based */

	/* the row just read by next_row */
	tok lab;
	unsigned long row_line;
	pair *pairs;             /* (npairs) its indices up to dim, in order */
	size_t npairs, paircap;
	size_t row_max;          /* its largest index kept, 1-based; 0 none */
	size_t row_max_col;      /* and that token's column */
	size_t nbeyond;          /* rows with an index above dim */

	/* the batch of the last nn_libsvm_read */
	size_t nb, bcap;
	size_t *loff;            /* (bcap) label offsets into arena */
	unsigned long *lines;    /* (bcap) */
	char *arena;
	size_t alen, acap;
};

/* A token, or part of one, s of length n in a message: at most SHOW_MAX
 * bytes of the avail at s, control bytes escaped so that the message
 * stays on one line, "..." when cut. */
static const char *
show_part(char *out, const char *s, size_t n, size_t avail)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t m = n < avail ? n : avail;

	if (m > SHOW_MAX)
		m = SHOW_MAX;
	for (size_t i = 0; i < m; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') {
			*o++ = '\\';
			if (ch == '"' || ch == '\\') {
				*o++ = (char)ch;
				continue;
			}
			*o++ = 'x';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		} else
			*o++ = (char)ch;
	}
	if (n > m) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

/* A whole token in a message. */
static const char *
show(char *out, const tok *t)
{
	return show_part(out, t->s, t->n, TOK_MAX);
}

static nn_libsvm *
scanner_new(FILE *fp, const char *name, size_t dim)
{
	nn_libsvm *r = nn_xcalloc(1, sizeof(*r));

	r->fp = fp;
	r->name = nn_xstrdup(name);
	r->dim = dim;
	r->line = 1;
	r->col = 1;
	return r;
}

static int
refill(nn_libsvm *r)
{
	size_t k;

	if (r->eof)
		return 0;
	errno = 0;
	/* fread only comes back short at the end of the input or on an
	 * error, pipe or not */
	k = fread(r->buf, 1, CHUNK, r->fp);
	if (k < CHUNK) {
		if (ferror(r->fp))
			r->ioerr = errno ? errno : EIO;
		r->eof = 1;
	}
	r->crc = nn_crc32(r->crc, r->buf, k);
	r->pos = 0;
	r->len = k;
	return k > 0;
}

/* The next byte, not consumed, or EOF. */
static inline int
peek(nn_libsvm *r)
{
	if (r->pos == r->len && !refill(r))
		return EOF;
	return r->buf[r->pos];
}

static inline void
advance(nn_libsvm *r)
{
	r->pos++;
	r->col++;
}

static void
skip_blanks(nn_libsvm *r)
{
	int ch;

	while ((ch = peek(r)) == ' ' || ch == '\t')
		advance(r);
}

/* Up to the LF (kept for line_end): the rest of a comment. */
static void
skip_comment(nn_libsvm *r)
{
	int ch;

	while ((ch = peek(r)) != EOF && ch != '\n')
		advance(r);
}

/* Everything up to a blank, a line end or a comment. */
static void
get_token(nn_libsvm *r, tok *t)
{
	int ch;

	t->n = 0;
	t->col = r->col;
	while ((ch = peek(r)) != EOF && ch != ' ' && ch != '\t' &&
	    ch != '\n' && ch != '\r' && ch != '#') {
		if (t->n < TOK_MAX)
			t->s[t->n] = (char)ch;
		t->n++;
		advance(r);
	}
}

/* At a line end or the end of the input: step over LF, CR LF or nothing.
 * A CR alone is refused rather than read as a blank: a file with old Mac
 * line ends would otherwise be one long row. */
static int
line_end(nn_libsvm *r, nn_err *e)
{
	int ch = peek(r);

	if (ch == '\r') {
		size_t col = r->col;
		advance(r);
		if ((ch = peek(r)) != '\n' && ch != EOF)
			return nn_errf(e, "%s:%lu:%zu: a carriage return not "
			    "followed by a line feed", r->name, r->line, col);
	}
	if (ch == '\n')
		advance(r);
	r->line++;
	r->col = 1;
	return 0;
}

/* ====================================================================== */
/* One row                                                                */
/* ====================================================================== */

/* The digits s[0, n), a decimal integer <= max, into *v. */
static int
parse_uint(const char *s, size_t n, unsigned long long max,
    unsigned long long *v)
{
	unsigned long long x = 0;

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = 10 * x + (unsigned long long)(s[i] - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

/* A number that is not finite: written so ("nan", "inf": each has an n),
 * or too large for a float ("1e50"). */
static const char *
why_nonfinite(const char *s, size_t n)
{
	return memchr(s, 'n', n) || memchr(s, 'N', n) ? "non-finite" :
	    "out of range for a float";
}

static int
parse_label(nn_libsvm *r, const tok *t, nn_err *e)
{
	char sb[SHOWBUF];
	float v;

	if (t->n > TOK_MAX || nn_parse_float(t->s, t->n, &v) != 0)
		return nn_errf(e, "%s:%lu:%zu: bad label \"%s\": expected a "
		    "number%s", r->name, r->line, t->col, show(sb, t),
		    memchr(t->s, ':', t->n < TOK_MAX ? t->n : TOK_MAX) ?
		    " (is the label missing?)" : "");
	if (!isfinite(v))
		return nn_errf(e, "%s:%lu:%zu: label \"%s\" is %s", r->name,
		    r->line, t->col, show(sb, t),
		    why_nonfinite(t->s, t->n));
	return 0;
}

/* "index:value" (or "qid:N" first) into r->pairs.  *prev: the row's last
 * index, 0 before the first. */
static int
parse_feature(nn_libsvm *r, const tok *t, size_t *prev, nn_err *e)
{
	char sb[SHOWBUF], sv[SHOWBUF];
	size_t kept = t->n < TOK_MAX ? t->n : TOK_MAX, il, vl;
	const char *colon = memchr(t->s, ':', kept), *vs;
	unsigned long long idx;
	float v;

	if (colon == NULL)
		return nn_errf(e, "%s:%lu:%zu: expected INDEX:VALUE, got \"%s\"",
		    r->name, r->line, t->col, show(sb, t));
	il = (size_t)(colon - t->s);
	vs = colon + 1;
	vl = t->n - il - 1;      /* true length; only kept - il - 1 are here */
	if (il == 3 && memcmp(t->s, "qid", 3) == 0) {
		if (*prev != 0)
			return nn_errf(e, "%s:%lu:%zu: \"%s\" after a feature: a "
			    "query id comes right after the label", r->name,
			    r->line, t->col, show(sb, t));
		if (t->n > TOK_MAX ||
		    parse_uint(vs, vl, (unsigned long long)INT64_MAX, &idx) < 0)
			return nn_errf(e, "%s:%lu:%zu: bad query id \"%s\": "
			    "expected a non-negative integer", r->name, r->line,
			    t->col, show(sb, t));
		return 0;
	}
	if (parse_uint(t->s, il, NN_LIBSVM_MAX_INDEX, &idx) < 0 || idx == 0)
		return nn_errf(e, "%s:%lu:%zu: bad index \"%s\" in \"%s\": %s",
		    r->name, r->line, t->col, show_part(sv, t->s, il, il),
		    show(sb, t), il == 1 && t->s[0] == '0' ?
		    "indices start at 1" :
		    "expected an integer in [1, 2147483647]");
	if (idx <= *prev)
		return nn_errf(e, "%s:%lu:%zu: index %llu after %zu in \"%s\": "
		    "indices must increase along a row", r->name, r->line,
		    t->col, idx, *prev, show(sb, t));
	if (t->n > TOK_MAX || nn_parse_float(vs, vl, &v) != 0)
		return nn_errf(e, "%s:%lu:%zu: bad value \"%s\" in \"%s\": "
		    "expected a number", r->name, r->line, t->col,
		    show_part(sv, vs, vl, kept - il - 1), show(sb, t));
	if (!isfinite(v))
		return nn_errf(e, "%s:%lu:%zu: value \"%s\" in \"%s\" is %s",
		    r->name, r->line, t->col, show_part(sv, vs, vl, kept - il - 1),
		    show(sb, t), why_nonfinite(vs, vl));
	*prev = (size_t)idx;
	if (r->dim != 0 && idx > r->dim)
		return 1;        /* beyond the model: checked, not kept */
	if (r->npairs == r->paircap) {
		r->paircap = r->paircap ? 2 * r->paircap : 64;
		r->pairs = nn_xrealloc(r->pairs, r->paircap * sizeof(*r->pairs));
	}
	r->pairs[r->npairs++] = (pair){ (uint32_t)(idx - 1), v };
	r->row_max = (size_t)idx;
	r->row_max_col = t->col;
	return 0;
}

static int
io_error(const nn_libsvm *r, nn_err *e)
{
	return nn_errf(e, "%s: %s", r->name, strerror(r->ioerr));
}

/* The next row into r->lab, r->pairs, r->row_*: 1, 0 at the end of the
 * input, -1 on error. */
static int
next_row(nn_libsvm *r, nn_err *e)
{
	size_t prev = 0;
	int ch, rc, beyond = 0;
	tok t;

	for (;;) {               /* blank lines and comment lines */
		skip_blanks(r);
		if ((ch = peek(r)) == EOF)
			return r->ioerr ? io_error(r, e) : 0;
		if (ch == '#')
			skip_comment(r);
		else if (ch != '\n' && ch != '\r')
			break;
		if (line_end(r, e) < 0)
			return -1;
	}
	r->row_line = r->line;
	get_token(r, &r->lab);
	if (parse_label(r, &r->lab, e) < 0)
		return -1;
	r->npairs = 0;
	r->row_max = 0;
	for (;;) {
		skip_blanks(r);
		if ((ch = peek(r)) == '#')
			skip_comment(r);
		if (ch == EOF || ch == '\n' || ch == '\r' || ch == '#')
			break;
		get_token(r, &t);
		if ((rc = parse_feature(r, &t, &prev, e)) < 0)
			return -1;
		beyond |= rc;
	}
	if (r->ioerr)            /* the row may be cut: not a row */
		return io_error(r, e);
	if (line_end(r, e) < 0)
		return -1;
	r->nbeyond += (size_t)beyond;
	return 1;
}

/* ====================================================================== */
/* Streaming                                                              */
/* ====================================================================== */

nn_libsvm *
nn_libsvm_open(FILE *fp, const char *name, size_t dim, nn_err *e)
{
	if (dim == 0) {
		nn_errf(e, "%s: a libsvm reader needs at least one feature", name);
		return NULL;
	}
	return scanner_new(fp, name, dim);
}

void
nn_libsvm_free(nn_libsvm *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->pairs);
	free(r->loff);
	free(r->lines);
	free(r->arena);
	free(r);
}

long
nn_libsvm_read(nn_libsvm *r, float *x, size_t max, nn_err *e)
{
	size_t i;
	int rc;

	if (max > r->bcap) {
		r->loff = nn_xrealloc(r->loff, max * sizeof(*r->loff));
		r->lines = nn_xrealloc(r->lines, max * sizeof(*r->lines));
		r->bcap = max;
	}
	r->nb = 0;
	r->alen = 0;
	for (i = 0; i < max; i++) {
		float *row = x + i * r->dim;     /* (dim) */
		size_t n;
		if ((rc = next_row(r, e)) < 0)
			return -1;
		if (rc == 0)
			break;
		memset(row, 0, r->dim * sizeof(*row));
		for (size_t k = 0; k < r->npairs; k++)
			row[r->pairs[k].j] = r->pairs[k].v;
		/* the label, NUL-terminated, into the batch's arena (a label
		 * passed parse_label, so it fits in TOK_MAX) */
		n = r->lab.n;
		if (r->alen + n + 1 > r->acap) {
			while (r->alen + n + 1 > r->acap)
				r->acap = r->acap ? 2 * r->acap : 4096;
			r->arena = nn_xrealloc(r->arena, r->acap);
		}
		memcpy(r->arena + r->alen, r->lab.s, n);
		r->arena[r->alen + n] = '\0';
		r->loff[i] = r->alen;
		r->alen += n + 1;
		r->lines[i] = r->row_line;
		r->nb = i + 1;
	}
	return (long)i;
}

const char *
nn_libsvm_label(const nn_libsvm *r, size_t i)
{
	return i < r->nb ? r->arena + r->loff[i] : NULL;
}

unsigned long
nn_libsvm_line(const nn_libsvm *r, size_t i)
{
	return i < r->nb ? r->lines[i] : 0;
}

size_t
nn_libsvm_beyond(const nn_libsvm *r)
{
	return r->nbeyond;
}

uint32_t
nn_libsvm_crc(const nn_libsvm *r)
{
	return r->crc;
}

/* ====================================================================== */
/* Whole data sets                                                        */
/* ====================================================================== */

/* Bytes of n rows of d features once dense, with their names. */
static double
dense_bytes(size_t n, size_t d)
{
	return (double)n * (double)d * sizeof(float) +
	    (double)d * NN_LIBSVM_NAME_BYTES;
}

/* Would one more row (r's) cross the limit?  d: the dimension so far. */
static int
check_size(const nn_libsvm *r, size_t n, size_t d, size_t limit, nn_err *e)
{
	size_t nd = r->row_max > d ? r->row_max : d;
	double need = dense_bytes(n + 1, nd);

	if (need <= (double)limit)
		return 0;
	if (nd > d)              /* this row's last kept index did it */
		return nn_errf(e, "%s:%lu:%zu: index %zu: %zu row%s of %zu "
		    "features would take %.0f bytes dense, more than the limit "
		    "of %zu", r->name, r->row_line, r->row_max_col, nd, n + 1,
		    n + 1 == 1 ? "" : "s", nd, need, limit);
	return nn_errf(e, "%s:%lu:%zu: %zu rows of %zu feature%s would take "
	    "%.0f bytes dense, more than the limit of %zu", r->name,
	    r->row_line, r->lab.col, n + 1, nd, nd == 1 ? "" : "s", need, limit);
}

int
nn_libsvm_data_read(FILE *fp, const char *name, const nn_libsvm_opts *o,
    nn_data *out, size_t *beyond, nn_err *e)
{
	const size_t dim = o != NULL ? o->dim : 0;
	const size_t limit = o != NULL && o->max_bytes != 0 ? o->max_bytes :
	    NN_LIBSVM_MAX_BYTES;
	nn_libsvm *r = scanner_new(fp, name, dim);
	nn_strtab *in = nn_strtab_new();   /* the labels met so far */
	size_t n = 0, ncap = 0, nnz = 0, zcap = 0, d = dim;
	size_t *start = NULL;    /* (ncap + 1) row i: z[start[i], start[i + 1]) */
	pair *z = NULL;          /* (zcap) every row's pairs */
	uint32_t *y = NULL;      /* (ncap) */
	int rc;

	memset(out, 0, sizeof(*out));
	if (beyond != NULL)
		*beyond = 0;
	while ((rc = next_row(r, e)) > 0) {
		if (check_size(r, n, d, limit, e) < 0)
			goto fail;
		if (r->row_max > d)
			d = r->row_max;
		/* the check bounds n * d, not n (a row may have no index) */
		if (n == ncap) {
			if (nn_mul_size(ncap ? ncap : 512, 2, &ncap) < 0 ||
			    ncap >= SIZE_MAX / sizeof(*start))
				goto toobig;
			start = nn_xrealloc(start, (ncap + 1) * sizeof(*start));
			y = nn_xrealloc(y, ncap * sizeof(*y));
		}
		if (zcap - nnz < r->npairs) {
			/* at most n * d pairs, which the check bounds */
			while (zcap - nnz < r->npairs)
				zcap = zcap ? 2 * zcap : 4096;
			z = nn_xrealloc(z, zcap * sizeof(*z));
		}
		if (n == 0)
			start[0] = 0;
		if (r->npairs > 0)       /* z is NULL until a row has a pair */
			memcpy(z + nnz, r->pairs, r->npairs * sizeof(*z));
		nnz += r->npairs;
		long k = nn_strtab_intern(in, r->lab.s, r->lab.n);
		if (k < 0) {
			nn_errf(e, "%s:%lu: too many distinct labels", name,
			    r->row_line);
			goto fail;
		}
		y[n++] = (uint32_t)k;
		start[n] = nnz;
	}
	if (rc < 0)
		goto fail;
	if (n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto fail;
	}

	/* densify: n * d and the names were checked against the limit */
	out->n = n;
	out->d = d;
	out->x = nn_xcalloc(n * d != 0 ? n * d : 1, sizeof(float));
	for (size_t i = 0; i < n; i++)
		for (size_t k = start[i]; k < start[i + 1]; k++)
			out->x[i * d + z[k].j] = z[k].v;
	out->feat_names = nn_xmalloc((d ? d : 1) * sizeof(*out->feat_names));
	for (size_t j = 0; j < d; j++) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%zu", j + 1);
		out->feat_names[j] = nn_xstrdup(buf);
	}
	out->target_name = nn_xstrdup("label");
	out->ncols = d + 1;
	out->target_col = (long)d;
	out->y = nn_xrealloc(y, n * sizeof(*y));
	y = NULL;
	nn_data_labels(out, in);   /* every label is a number: sorted so */
	out->crc = r->crc;
	if (beyond != NULL)
		*beyond = r->nbeyond;
	free(start);
	free(z);
	nn_strtab_free(in);
	nn_libsvm_free(r);
	return 0;
toobig:
	nn_errf(e, "%s: data set too large for memory", name);
fail:
	free(start);
	free(z);
	free(y);
	nn_strtab_free(in);
	nn_libsvm_free(r);
	return -1;
}
