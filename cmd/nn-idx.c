/*
 * nn-idx - convert IDX files (the format of MNIST and Fashion-MNIST) to CSV.
 *
 * An IDX file is a 4-byte magic (two zero bytes, a type code, the number of
 * dimensions), one big-endian 32-bit size per dimension, then the values in
 * row-major order, big-endian.  The first dimension counts the records; a
 * record is everything else, flattened, and becomes one CSV row.  A second
 * file of one dimension supplies a label per record.
 *
 * The files are read in blocks of whole records (about a MiB at a time) and
 * never rewound, so 47 MB of training images cost a few MiB of memory and
 * the inputs may be pipes.  They are usually distributed gzip-compressed;
 * open_input reads them decompressed (lib/input.c).  Only whole records are
 * formatted: when an input ends early, standard output holds exactly the
 * rows read before that, and the exit status says it failed.
 *
 * The output is the expensive part (60000 images of 784 bytes are about 140
 * MB of text), so bytes and signed bytes are formatted by table lookup with a
 * fixed-size copy, other integers by a small itoa, and everything goes into
 * one large buffer written with one fwrite per MiB.  Floating-point values
 * take the shortest decimal that reads back to the same float (or double).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts/nn-idx.h"
#include "util.h"

#define DIM_MAX 0x7fffffffUL    /* IDX sizes are signed 32-bit integers */
#define WIDTH_MAX (1UL << 24)   /* values in one record: columns of a row */
#define BLOCK_BYTES (1UL << 20) /* input read size, rounded to records */
#define OUT_BYTES (1UL << 20)   /* output buffer */

/* The IDX value types.  room: the most bytes one value writes, its comma
 * included, plus what the formatter may copy past it. */
static const struct idx_type {
	unsigned char code;
	const char *name;
	size_t size;
	size_t room;
	int is_float;
} types[] = {
	{ 0x08, "unsigned byte", 1, 4, 0 },   /* "255," by a 4-byte copy */
	{ 0x09, "signed byte", 1, 8, 0 },     /* "-128," by an 8-byte copy */
	{ 0x0B, "short", 2, 8, 0 },           /* "-32768," */
	{ 0x0C, "int", 4, 12, 0 },            /* "-2147483648," */
	{ 0x0D, "float", 4, 32, 1 },          /* "-1.17549435e-38," */
	{ 0x0E, "double", 8, 32, 1 },         /* "-2.2250738585072014e-308," */
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

/* One open IDX file. */
typedef struct idx {
	const char *name;        /* for messages */
	FILE *fp;
	const struct idx_type *t;
	unsigned ndims;
	uint32_t count;          /* the first dimension: records */
	size_t width;            /* values per record: product of the others */
	size_t recbytes;         /* width * t->size */
	unsigned char *buf;      /* (block, recbytes) */
} idx;

/* The output buffer; rows go out in blocks of OUT_BYTES. */
typedef struct sink {
	char *buf, *p, *end;
} sink;

/* A decimal byte and its comma, copied as one 4- or 8-byte unit. */
typedef struct cell {
	char s[7];
	unsigned char n;         /* length of s that counts */
} cell;

typedef struct tables {
	cell u8[256];            /* by value */
	cell s8[256];            /* by the byte as stored */
} tables;





/* ---- output ------------------------------------------------------------ */

static void
sink_flush(sink *s)
{
	size_t n = (size_t)(s->p - s->buf);

	if (n > 0 && fwrite(s->buf, 1, n, stdout) != n) {
		if (errno == EPIPE)
			exit(0);
		err(1, "stdout");
	}
	s->p = s->buf;
}

/* Make room for at least n bytes (n <= OUT_BYTES). */
static void
sink_need(sink *s, size_t n)
{
	if ((size_t)(s->end - s->p) < n)
		sink_flush(s);
}

/* Append a string of any length. */
static void
sink_puts(sink *s, const char *str, size_t n)
{
	while (n > 0) {
		size_t k = (size_t)(s->end - s->p);
		if (k == 0) {
			sink_flush(s);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(s->p, str, k);
		s->p += k;
		str += k;
		n -= k;
	}
}

/* Decimal digits of v at p, then a comma; returns the end.  Writes at most
 * 11 bytes. */
static char *
put_uint(char *p, uint32_t v)
{
	char tmp[10];
	int i = 10;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(p, tmp + i, (size_t)(10 - i));
	p += 10 - i;
	*p++ = ',';
	return p;
}

static char *
put_int(char *p, int32_t v)
{
	if (v < 0) {
		*p++ = '-';
		return put_uint(p, 0U - (uint32_t)v);
	}
	return put_uint(p, (uint32_t)v);
}

static void
tables_init(tables *tb)
{
	memset(tb, 0, sizeof(*tb));
	for (int v = 0; v < 256; v++) {
		int sv = v < 128 ? v : v - 256;
		tb->u8[v].n = (unsigned char)(put_int(tb->u8[v].s, v) - tb->u8[v].s);
		tb->s8[v].n = (unsigned char)(put_int(tb->s8[v].s, sv) - tb->s8[v].s);
	}
}

/* ---- values ------------------------------------------------------------ */

static uint32_t
be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

static float
get_float(const unsigned char *b)
{
	uint32_t u = be32(b);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static double
get_double(const unsigned char *b)
{
	uint64_t u = (uint64_t)be32(b) << 32 | be32(b + 4);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* The shortest of %.6g ... %.9g (floats) or %.15g ... %.17g (doubles) that
 * reads back to the same value -- the last always does.  %g drops trailing
 * zeros, so values with fewer digits come out short too. */
static char *
put_real(char *p, double v, int is_double)
{
	int prec = is_double ? 15 : 6, last = is_double ? 17 : 9, n;

	for (;; prec++) {
		n = snprintf(p, 32, "%.*g", prec, v);
		if (prec == last)
			break;
		if (is_double ? strtod(p, NULL) == v :
		    strtof(p, NULL) == (float)v)
			break;
	}
	p += n;
	*p++ = ',';
	return p;
}

/* Append n values of type t from src, each with its comma.  The caller has
 * made room for n * t->room bytes. */
static char *
put_values(char *p, const tables *tb, const struct idx_type *t,
    const unsigned char *src, size_t n)
{
	size_t i;

	switch (t->code) {
	case 0x08:
		for (i = 0; i < n; i++) {
			const cell *c = &tb->u8[src[i]];
			memcpy(p, c->s, 4);
			p += c->n;
		}
		break;
	case 0x09:
		for (i = 0; i < n; i++) {
			const cell *c = &tb->s8[src[i]];
			memcpy(p, c, 8);
			p += c->n;
		}
		break;
	case 0x0B:
		for (i = 0; i < n; i++, src += 2)
			p = put_int(p, (int16_t)(uint16_t)(src[0] << 8 | src[1]));
		break;
	case 0x0C:
		for (i = 0; i < n; i++, src += 4)
			p = put_int(p, (int32_t)be32(src));
		break;
	case 0x0D:
		for (i = 0; i < n; i++, src += 4)
			p = put_real(p, get_float(src), 0);
		break;
	case 0x0E:
		for (i = 0; i < n; i++, src += 8)
			p = put_real(p, get_double(src), 1);
		break;
	}
	return p;
}

/* Index of the first NaN or infinity among n values, or -1. */
static long
find_nonfinite(const struct idx_type *t, const unsigned char *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (t->code == 0x0D && !isfinite(get_float(src + 4 * i)))
			return (long)i;
		if (t->code == 0x0E && !isfinite(get_double(src + 8 * i)))
			return (long)i;
	}
	return -1;
}

/* One CSV row: the record's values, then its label if there is one. */
static void
put_row(sink *s, const tables *tb, const idx *img, const unsigned char *rec,
    const idx *lab, const unsigned char *label)
{
	size_t j = 0, k;

	while (j < img->width) {
		k = (size_t)(s->end - s->p) / img->t->room;
		if (k == 0) {
			sink_flush(s);
			continue;
		}
		if (k > img->width - j)
			k = img->width - j;
		s->p = put_values(s->p, tb, img->t, rec + j * img->t->size, k);
		j += k;
	}
	if (lab != NULL) {
		sink_need(s, lab->t->room);
		s->p = put_values(s->p, tb, lab->t, label, 1);
	}
	s->p[-1] = '\n';         /* the last comma */
}

/* ---- input ------------------------------------------------------------- */

/* Print "FILE: msg" after writing out the complete rows, and exit 1. */
static void __attribute__((noreturn, format(printf, 3, 4)))
fail(sink *s, const idx *f, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	sink_flush(s);
	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errx(1, "%s: %s", f->name, msg);
}

/* A read came up short: an error, or the end of the data. */
static void __attribute__((noreturn))
fail_read(sink *s, const idx *f, uint64_t want, uint64_t got)
{
	if (ferror(f->fp))
		fail(s, f, "%s", input_error(f->fp));
	fail(s, f, "truncated: expected %llu records, got %llu",
	    (unsigned long long)want, (unsigned long long)got);
}

/* Read and check the header; on success f->count, width and recbytes are
 * set. */
static void
read_header(sink *s, idx *f)
{
	unsigned char h[4] = { 0 }, d[4];
	size_t i;

	if (fread(h, 1, 4, f->fp) != 4 || h[0] != 0 || h[1] != 0) {
		if (ferror(f->fp))
			fail(s, f, "%s", input_error(f->fp));
		fail(s, f, "not an IDX file");
	}
	for (i = 0; i < NTYPES && types[i].code != h[2]; i++)
		continue;
	if (i == NTYPES)
		fail(s, f, "unknown IDX type code 0x%02X (0x08, 0x09, 0x0B, "
		    "0x0C, 0x0D or 0x0E)", h[2]);
	f->t = &types[i];
	f->ndims = h[3];
	if (f->ndims == 0)
		fail(s, f, "the IDX header declares no dimensions");
	f->width = 1;
	for (i = 0; i < f->ndims; i++) {
		if (fread(d, 1, 4, f->fp) != 4) {
			if (ferror(f->fp))
				fail(s, f, "%s", input_error(f->fp));
			fail(s, f, "truncated header: %zu of %u dimensions",
			    i, f->ndims);
		}
		uint32_t v = be32(d);
		if (v == 0)
			fail(s, f, "dimension %zu is 0", i + 1);
		if (v > DIM_MAX)
			fail(s, f, "dimension %zu is %lu, more than %lu", i + 1,
			    (unsigned long)v, DIM_MAX);
		if (i == 0) {
			f->count = v;
			continue;
		}
		/* width <= 2^24 and v < 2^31: the product fits in 64 bits */
		if ((uint64_t)f->width * v > WIDTH_MAX)
			fail(s, f, "a record of more than %lu values "
			    "(dimension %zu is %lu)", WIDTH_MAX, i + 1,
			    (unsigned long)v);
		f->width *= v;
	}
	f->recbytes = f->width * f->t->size;
}

static void
open_idx(sink *s, idx *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->fp = open_input(path, &f->name);
	read_header(s, f);
}

/* After the last record the file must end. */
static void
check_end(sink *s, const idx *f)
{
	if (getc(f->fp) != EOF)
		fail(s, f, "more data after the %lu records the header "
		    "declares", (unsigned long)f->count);
	if (ferror(f->fp))
		fail(s, f, "%s", input_error(f->fp));
}

/* ---- main -------------------------------------------------------------- */

static void
put_header(sink *s, const char *prefix, size_t width, int labels)
{
	size_t plen = strlen(prefix);

	for (size_t j = 1; j <= width; j++) {
		sink_puts(s, prefix, plen);
		sink_need(s, 12);
		s->p = put_uint(s->p, (uint32_t)j);
	}
	if (labels)
		sink_puts(s, "label,", 6);
	s->p[-1] = '\n';
}

int
main(int argc, char **argv)
{
	const char *prefix = NULL;
	long n = COUNT_MAX;
	int header = 1, ch;
	idx img, lab, *labp = NULL;
	uint64_t want, done;
	size_t block;
	tables tb;
	sink s;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case 'n':
			n = opt_long(optarg, 1, COUNT_MAX, "-n");
			break;
		case OPT_NO_HEADER:
			header = 0;
			break;
		case OPT_PREFIX:
			prefix = optarg;
			if (*prefix == '\0' || strpbrk(prefix, ",\"\r\n") != NULL)
				errx(2, "--prefix: expected a column name without "
				    "commas, quotes or line breaks, got \"%.40s%s\"",
				    prefix, strlen(prefix) > 40 ? "..." : "");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		opt_missing(&options, "IMAGES");
	if (argc > 2)
		opt_extra(argv[2]);
	if (!header && prefix != NULL)
		errx(2, "--prefix: names header columns, but --no-header is "
		    "given");
	if (argc == 2 && strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
		errx(2, "IMAGES and LABELS cannot both be standard input");

	s.buf = nn_xmalloc(OUT_BYTES);
	s.p = s.buf;
	s.end = s.buf + OUT_BYTES;
	tables_init(&tb);

	open_idx(&s, &img, argv[0]);
	if (argc == 2) {
		labp = &lab;
		open_idx(&s, &lab, argv[1]);
		if (lab.ndims != 1)
			fail(&s, &lab, "a label file has one dimension, this "
			    "one has %u", lab.ndims);
		if (lab.count != img.count)
			errx(1, "%s has %lu records but %s has %lu labels",
			    img.name, (unsigned long)img.count, lab.name,
			    (unsigned long)lab.count);
	}

	/* Whole records, about BLOCK_BYTES at a time. */
	want = (uint64_t)n < img.count ? (uint64_t)n : img.count;
	block = BLOCK_BYTES / img.recbytes;
	if (block == 0)
		block = 1;
	if (block > want)
		block = (size_t)want;
	img.buf = nn_xmalloc(block * img.recbytes);
	if (labp != NULL)
		lab.buf = nn_xmalloc(block * lab.recbytes);

	if (header)
		put_header(&s, prefix ? prefix : IDX_PREFIX, img.width, labp != NULL);
	for (done = 0; done < want; ) {
		size_t nrec = want - done < block ? (size_t)(want - done) : block;
		size_t gi = fread(img.buf, img.recbytes, nrec, img.fp);
		size_t gl = labp ? fread(lab.buf, lab.recbytes, nrec, lab.fp) :
		    gi;
		size_t g = gi < gl ? gi : gl;
		for (size_t r = 0; r < g; r++) {
			const unsigned char *rec = img.buf + r * img.recbytes;
			const unsigned char *label = labp ? lab.buf + r *
			    lab.recbytes : NULL;
			long bad;
			if (img.t->is_float &&
			    (bad = find_nonfinite(img.t, rec, img.width)) >= 0)
				fail(&s, &img, "record %llu, value %ld: not a "
				    "finite number", (unsigned long long)(done +
				    r + 1), bad + 1);
			if (labp && lab.t->is_float &&
			    find_nonfinite(lab.t, label, 1) >= 0)
				fail(&s, &lab, "record %llu: not a finite number",
				    (unsigned long long)(done + r + 1));
			put_row(&s, &tb, &img, rec, labp, label);
		}
		if (gi < nrec)
			fail_read(&s, &img, want, done + gi);
		if (gl < nrec)
			fail_read(&s, &lab, want, done + gl);
		done += g;
	}
	if (want == img.count) {
		check_end(&s, &img);
		if (labp != NULL)
			check_end(&s, &lab);
	}
	sink_flush(&s);
	free(s.buf);
	free(img.buf);
	if (img.fp != stdin)
		fclose(img.fp);
	if (labp != NULL) {
		free(lab.buf);
		if (lab.fp != stdin)
			fclose(lab.fp);
	}
	close_stdout();
	return 0;
}
