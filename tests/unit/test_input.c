/*
 * test_input.c - nn_input_wrap/nn_input_open (lib/input.c): plain data
 * passes through unchanged and stays a plain FILE; gzip data, known by its
 * magic alone, reads back decompressed from a file and from a pipe, across
 * chunk boundaries and over several members; zero padding after the last
 * member is ignored; every truncation, a corrupt checksum, header or
 * trailing garbage is an error with its message from nn_input_error; the
 * CSV and model readers give that message, and the CSV reader's split path
 * (fileno, pread) is never taken on a decompressing stream.
 *
 * The gzip data is made here with zlib's deflate, the reference; the
 * expected bytes are the ones compressed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "nn.h"
#include "tap.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct buf {
	unsigned char *p;
	size_t n;
} buf;

static void __attribute__((noreturn))
die(const char *what)
{
	perror(what);
	exit(2);
}

/* s[0, n) as one gzip member, appended to b. */
static void
gz_append(buf *b, const void *s, size_t n)
{
	z_stream z;
	size_t cap = n + n / 2 + 64;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	b->p = realloc(b->p, b->n + cap);
	if (b->p == NULL)
		die("realloc");
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)n;
	z.next_out = b->p + b->n;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	b->n += cap - z.avail_out;
	deflateEnd(&z);
}

static void
append(buf *b, const void *s, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	if (b->p == NULL)
		die("realloc");
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

/* A regular file holding s[0, n), at its start. */
static FILE *
file_of(const void *s, size_t n)
{
	FILE *fp = tmpfile();

	if (fp == NULL || fwrite(s, 1, n, fp) != n || fseek(fp, 0, SEEK_SET) != 0)
		die("tmpfile");
	return fp;
}

/* A pipe holding s[0, n) (n below the pipe's capacity), its writer closed:
 * not seekable. */
static FILE *
pipe_of(const void *s, size_t n)
{
	int fd[2];
	FILE *fp;

	if (pipe(fd) < 0 || write(fd[1], s, n) != (ssize_t)n || close(fd[1]) < 0 ||
	    (fp = fdopen(fd[0], "r")) == NULL)
		die("pipe");
	return fp;
}

/* Read fp to its end into out; returns 0, or -1 on a read error. */
static int
slurp(FILE *fp, buf *out)
{
	unsigned char chunk[7000];   /* not a divisor of anything here */
	size_t k;

	out->n = 0;
	while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		append(out, chunk, k);
	return ferror(fp) ? -1 : 0;
}

static int
same(const buf *a, const void *s, size_t n)
{
	return a->n == n && (n == 0 || memcmp(a->p, s, n) == 0);
}

/* Text that compresses, not all alike: CSV rows. */
static char *
rows(size_t nrows, size_t *n)
{
	buf b = { 0 };
	nn_rng r;

	nn_rng_seed(&r, 7);
	append(&b, "x1,x2,label\n", 12);
	for (size_t i = 0; i < nrows; i++) {
		char line[96];
		int k = snprintf(line, sizeof(line), "%.6f,%.6f,%c\n",
		    nn_rng_uniform(&r), nn_rng_normal(&r),
		    "abc"[nn_rng_below(&r, 3)]);
		append(&b, line, (size_t)k);
	}
	b.p[b.n] = '\0';
	*n = b.n;
	return (char *)b.p;
}

/* Wrap fp and read it to the end: into msg, the message of the error
 * (nn_input_error), or "" when it reads without one.  Closes fp. */
static const char *
read_error(FILE *fp, char *msg, size_t size)
{
	nn_err e;
	buf out = { 0 };
	const char *why;

	if ((fp = nn_input_wrap(fp, "t.gz", &e)) == NULL) {
		snprintf(msg, size, "wrap: %s", e.msg);
		return msg;
	}
	msg[0] = '\0';
	if (slurp(fp, &out) < 0) {
		why = nn_input_error(fp);
		snprintf(msg, size, "%s%s", why ? why : "(none) ",
		    errno == EIO ? "" : " (errno not EIO)");
	}
	fclose(fp);
	free(out.p);
	return msg;
}

/* ---- plain data --------------------------------------------------------- */

static void
test_plain(void)
{
	static const char *cases[] = { "", "a", "\x1f", "\x1f\x8a,b\n1,2\n",
	    "\x1f\x1f\x8b", "x,y\n1,2\n" };
	nn_err e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *s = cases[i];
		size_t n = i == 0 ? 0 : strlen(s);
		buf out = { 0 };
		FILE *fp = file_of(s, n), *w = nn_input_wrap(fp, "t", &e);
		tap_ok(w == fp && fileno(w) >= 0 && ftello(w) == 0 &&
		    slurp(w, &out) == 0 && same(&out, s, n) &&
		    nn_input_error(w) == NULL,
		    "plain file %zu: the same FILE, at offset 0, bytes unchanged", i);
		fclose(w);
		fp = pipe_of(s, n);
		w = nn_input_wrap(fp, "t", &e);
		tap_ok(w != NULL && slurp(w, &out) == 0 && same(&out, s, n),
		    "plain pipe %zu: bytes unchanged%s", i,
		    w != fp ? " (replayed)" : "");
		if (w != NULL)
			fclose(w);
		free(out.p);
	}

	/* a regular file read from the middle (stdin after a head(1)) */
	FILE *fp = file_of("skip\n\x1f\x8a tail", 12), *w;
	buf out = { 0 };
	char line[8];
	if (fgets(line, sizeof(line), fp) == NULL)
		die("fgets");
	w = nn_input_wrap(fp, "t", &e);
	tap_ok(w == fp && ftello(w) == 5 && slurp(w, &out) == 0 &&
	    same(&out, "\x1f\x8a tail", 7),
	    "plain file from offset 5: back where it was");
	fclose(w);
	free(out.p);
}

/* ---- gzip data ---------------------------------------------------------- */

static void
test_gzip(void)
{
	size_t n, half;
	char *s = rows(20000, &n);       /* ~ 500 KiB: many chunks */
	buf gz = { 0 }, two = { 0 }, pad = { 0 }, out = { 0 };
	nn_err e;
	FILE *fp, *w;

	gz_append(&gz, s, n);
	fp = file_of(gz.p, gz.n);
	w = nn_input_wrap(fp, "t.gz", &e);
	tap_ok(w != NULL && w != fp && fileno(w) < 0, "gzip file: a stream "
	    "without a descriptor");
	tap_ok(w != NULL && slurp(w, &out) == 0 && same(&out, s, n) &&
	    nn_input_error(w) == NULL, "gzip file: %zu bytes from %zu", n, gz.n);
	if (w != NULL)
		fclose(w);

	/* members: one cut in the middle of a row, an empty one, the rest */
	half = n / 2 + 3;
	gz_append(&two, s, half);
	gz_append(&two, "", 0);
	gz_append(&two, s + half, n - half);
	w = nn_input_wrap(file_of(two.p, two.n), "t.gz", &e);
	tap_ok(w != NULL && slurp(w, &out) == 0 && same(&out, s, n),
	    "three gzip members read as their concatenation");
	if (w != NULL)
		fclose(w);

	/* zero padding after the last member */
	append(&pad, two.p, two.n);
	append(&pad, "\0\0\0\0\0\0\0\0", 8);
	w = nn_input_wrap(file_of(pad.p, pad.n), "t.gz", &e);
	tap_ok(w != NULL && slurp(w, &out) == 0 && same(&out, s, n),
	    "zero bytes after the last member are ignored");
	if (w != NULL)
		fclose(w);

	/* a pipe (small enough for the pipe's buffer) */
	buf small = { 0 };
	size_t sn = 3000;
	gz_append(&small, s, sn);
	gz_append(&small, s + sn, sn);
	fp = pipe_of(small.p, small.n);
	w = nn_input_wrap(fp, "<stdin>", &e);
	tap_ok(w != NULL && w != fp && slurp(w, &out) == 0 &&
	    same(&out, s, 2 * sn), "gzip from a pipe, two members");
	if (w != NULL)
		fclose(w);

	free(s);
	free(gz.p);
	free(two.p);
	free(pad.p);
	free(small.p);
	free(out.p);
}

/* ---- errors ------------------------------------------------------------- */

static void
test_errors(void)
{
	static const char trunc[] = "truncated gzip data (unexpected end of file)";
	size_t n, bad = 0, at = 0;
	char *s = rows(300, &n), msg[600], first[600] = "";
	buf gz = { 0 }, c = { 0 };
	nn_err e;

	gz_append(&gz, s, n);
	/* every cut from just after the magic to one byte short */
	for (size_t k = 2; k < gz.n; k++) {
		read_error(file_of(gz.p, k), msg, sizeof(msg));
		if (strcmp(msg, trunc) != 0 && bad++ == 0) {
			at = k;
			snprintf(first, sizeof(first), "%s", msg);
		}
	}
	tap_ok(bad == 0, "every truncation (%zu cuts) is \"%s\"%s%s", gz.n - 2,
	    trunc, bad ? "; first miss: " : "", first);
	if (bad)
		tap_diag("cut at %zu of %zu", at, gz.n);
	/* a truncated second member */
	append(&c, gz.p, gz.n);
	append(&c, gz.p, gz.n / 2);
	tap_ok(strcmp(read_error(file_of(c.p, c.n), msg, sizeof(msg)), trunc)
	    == 0, "a truncated second member: %s", msg);

	c.n = 0;
	append(&c, gz.p, gz.n);
	c.p[c.n - 6] ^= 0x55;            /* the CRC-32 in the trailer */
	read_error(file_of(c.p, c.n), msg, sizeof(msg));
	tap_ok(strcmp(msg, "corrupt gzip data: incorrect data check") == 0,
	    "a wrong CRC: %s", msg);
	c.p[c.n - 6] ^= 0x55;
	c.p[2] = 7;                      /* compression method */
	read_error(file_of(c.p, c.n), msg, sizeof(msg));
	tap_ok(strcmp(msg, "corrupt gzip data: unknown compression method") == 0,
	    "an unknown method: %s", msg);
	c.p[2] = 8;
	append(&c, "\0\0junk", 6);
	read_error(file_of(c.p, c.n), msg, sizeof(msg));
	tap_ok(strcmp(msg, "corrupt gzip data: trailing garbage after the "
	    "compressed data") == 0, "garbage after the padding: %s", msg);
	c.n -= 6;
	/* a second member whose header names method 9 */
	append(&c, "\x1f\x8b\x09\0\0\0\0\0\0\x03xyz", 13);
	read_error(file_of(c.p, c.n), msg, sizeof(msg));
	tap_ok(strcmp(msg, "corrupt gzip data: unknown compression method") == 0,
	    "a bad second member: %s", msg);

	tap_ok(nn_input_open("no/such/file.gz", &e) == NULL &&
	    strcmp(e.msg, "no/such/file.gz: No such file or directory") == 0,
	    "a missing file: %s", e.msg);
	free(s);
	free(gz.p);
	free(c.p);
}

/* ---- the readers -------------------------------------------------------- */

static void
test_readers(void)
{
	nn_data_opts o = { .header = 1, .numeric_only = 1 };
	nn_data plain, d;
	size_t n;
	char *s = rows(40000, &n);       /* ~ 1 MiB */
	buf gz = { 0 };
	nn_err e;
	FILE *fp;
	int rc;

	/* NN_CSV_THREADS would split a regular file; a gzip stream must
	 * still be read as a stream, to the same data */
	setenv("NN_CSV_THREADS", "4", 1);
	fp = file_of(s, n);
	rc = nn_data_read(fp, "t.csv", &o, &plain, &e);
	fclose(fp);
	gz_append(&gz, s, n);
	fp = nn_input_wrap(file_of(gz.p, gz.n), "t.csv.gz", &e);
	tap_ok(rc == 0 && fp != NULL &&
	    nn_data_read(fp, "t.csv.gz", &o, &d, &e) == 0 && d.n == plain.n &&
	    d.n == 40000 && d.crc == plain.crc &&
	    memcmp(d.x, plain.x, d.n * d.d * sizeof(float)) == 0 &&
	    memcmp(d.y, plain.y, d.n * sizeof(*d.y)) == 0,
	    "nn_data_read of gzip data (NN_CSV_THREADS=4): the plain read's "
	    "rows, labels and CRC");
	if (fp != NULL)
		fclose(fp);
	nn_data_free(&d);
	nn_data_free(&plain);

	fp = nn_input_wrap(file_of(gz.p, gz.n - 100), "t.csv.gz", &e);
	rc = fp != NULL ? nn_data_read(fp, "t.csv.gz", &o, &d, &e) : 0;
	tap_ok(rc < 0 && strcmp(e.msg, "t.csv.gz: truncated gzip data "
	    "(unexpected end of file)") == 0, "nn_data_read of truncated gzip "
	    "data: %s", e.msg);
	if (fp != NULL)
		fclose(fp);
	unsetenv("NN_CSV_THREADS");

	/* the start of a model file (magic, version 1), cut short */
	char head[4096] = "NNKITMDL\1";
	gz.n = 0;
	gz_append(&gz, head, sizeof(head));
	fp = nn_input_wrap(file_of(gz.p, gz.n - 10), "m.nn.gz", &e);
	tap_ok(fp != NULL && nn_model_read(fp, "m.nn.gz", &e) == NULL &&
	    strcmp(e.msg, "m.nn.gz: truncated gzip data (unexpected end of "
	    "file)") == 0, "nn_model_read of truncated gzip data: %s", e.msg);
	if (fp != NULL)
		fclose(fp);
	free(s);
	free(gz.p);
}

int
main(void)
{
	test_plain();
	test_gzip();
	test_errors();
	test_readers();
	return tap_done();
}
