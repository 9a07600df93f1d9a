/*
 * test_libsvm.c - the libsvm/svmlight reader: whole reads (dense and
 * sparse rows, +1/-1, multiclass and regression labels, comments, blank
 * lines, tabs, CR LF, qid), every error with its exact line:column, the
 * size limit that refuses one absurd index before allocating for it, a
 * fixed dimension (indices beyond it ignored and counted), the streaming
 * reader in batches against the whole read, and the same data as CSV
 * giving the same matrix and labels bit for bit.
 *
 * Inputs go through tmpfile() (or a pipe where the point is a stream), so
 * the reader sees a real FILE.  Expected values are written out here or
 * come from strtof, not from a previous run of the reader.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "nn.h"
#include "tap.h"

/* ---- helpers ------------------------------------------------------------ */

static FILE *
input(const char *s, size_t n)
{
	FILE *fp = tmpfile();

	if (fp == NULL || fwrite(s, 1, n, fp) != n || fseek(fp, 0, SEEK_SET) != 0) {
		perror("tmpfile");
		exit(2);
	}
	return fp;
}

/* nn_libsvm_data_read over a string; returns its status, message in e. */
static int
read_svm(const char *s, const nn_libsvm_opts *o, nn_data *d, size_t *beyond,
    nn_err *e)
{
	FILE *fp = input(s, strlen(s));
	int rc;

	e->msg[0] = '\0';
	rc = nn_libsvm_data_read(fp, "t.svm", o, d, beyond, e);
	fclose(fp);
	return rc;
}

/* The read fails with exactly this message, and leaves d empty. */
static void
check_error(const char *s, const nn_libsvm_opts *o, const char *want)
{
	nn_data d;
	nn_err e;
	int rc = read_svm(s, o, &d, NULL, &e);

	if (!tap_ok(rc == -1 && strcmp(e.msg, want) == 0 && d.x == NULL &&
	    d.n == 0, "error: %s", want))
		tap_diag("got rc %d: %s", rc, e.msg);
	nn_data_free(&d);
}

static int
same_floats(const float *a, const float *b, size_t n)
{
	return memcmp(a, b, n * sizeof(*a)) == 0;
}

static int
names_are(char **names, size_t n, const char *const *want)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(names[k], want[k]) != 0)
			return 0;
	return 1;
}

/* Growable string for generated inputs. */
typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

static void __attribute__((format(printf, 2, 3)))
bprintf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + (size_t)k + 1 > b->cap) {
		b->cap = 2 * (b->n + (size_t)k + 1);
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			exit(2);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

/* ---- good files ---------------------------------------------------------- */

static void
test_dense(void)
{
	const char *s = "1 1:0.5 2:-1 3:2e3\n0 1:1 2:2 3:3\n";
	const float want[] = { 0.5f, -1, 2000, 1, 2, 3 };
	const char *const feats[] = { "1", "2", "3" };
	const char *const labels[] = { "0", "1" };
	nn_data d;
	nn_err e;
	int rc = read_svm(s, NULL, &d, NULL, &e);

	tap_ok(rc == 0 && d.n == 2 && d.d == 3, "dense: 2 rows, 3 features");
	tap_ok(rc == 0 && same_floats(d.x, want, 6), "dense: values");
	tap_ok(rc == 0 && names_are(d.feat_names, 3, feats),
	    "dense: features named 1 .. d");
	tap_ok(rc == 0 && strcmp(d.target_name, "label") == 0 &&
	    d.ncols == 4 && d.target_col == 3,
	    "dense: the layout of a CSV with the label last");
	tap_ok(rc == 0 && d.nlabels == 2 && names_are(d.labels, 2, labels) &&
	    d.y[0] == 1 && d.y[1] == 0, "dense: labels and y");
	tap_ok(rc == 0 && d.t != NULL && d.t[0] == 1 && d.t[1] == 0 &&
	    d.t_integral, "dense: t and t_integral");
	tap_ok(rc == 0 && d.crc == nn_crc32(0, s, strlen(s)),
	    "dense: crc of the bytes");
	nn_data_free(&d);
}

static void
test_sparse(void)
{
	/* the zeros between indices, a row with no feature at all, and the
	 * +1/-1 labels of the LIBSVM binary sets, kept as written and sorted
	 * by value */
	const char *s = "+1 3:1 7:2\n-1 2:5\n+1\n";
	float want[21] = { 0 };
	const char *const labels[] = { "-1", "+1" };
	nn_data d;
	nn_err e;
	int rc = read_svm(s, NULL, &d, NULL, &e);

	want[2] = 1;
	want[6] = 2;
	want[7 + 1] = 5;
	tap_ok(rc == 0 && d.n == 3 && d.d == 7, "sparse: d is the largest index");
	tap_ok(rc == 0 && same_floats(d.x, want, 21), "sparse: zeros between");
	tap_ok(rc == 0 && d.nlabels == 2 && names_are(d.labels, 2, labels),
	    "sparse: \"+1\" and \"-1\" kept as written, sorted by value");
	tap_ok(rc == 0 && d.y[0] == 1 && d.y[1] == 0 && d.y[2] == 1 &&
	    d.t[0] == 1 && d.t[1] == -1 && d.t[2] == 1, "sparse: y and t");
	nn_data_free(&d);
}

static void
test_multiclass(void)
{
	const char *s = "3 1:1\n10 1:2\n1 1:3\n2 1:4\n10 1:5\n";
	const char *const labels[] = { "1", "2", "3", "10" };
	nn_data d;
	nn_err e;
	int rc = read_svm(s, NULL, &d, NULL, &e);

	tap_ok(rc == 0 && d.nlabels == 4 && names_are(d.labels, 4, labels),
	    "multiclass: labels sorted numerically (10 after 3)");
	tap_ok(rc == 0 && d.y[0] == 2 && d.y[1] == 3 && d.y[2] == 0 &&
	    d.y[3] == 1 && d.y[4] == 3 && d.t_integral, "multiclass: y");
	nn_data_free(&d);
}

static void
test_regression(void)
{
	const char *s = "0.5 1:1\n-2.25 1:2\n3 1:3\n1e-3 1:4\n";
	nn_data d;
	nn_err e;
	int rc = read_svm(s, NULL, &d, NULL, &e);

	tap_ok(rc == 0 && d.t != NULL && d.t[0] == 0.5f && d.t[1] == -2.25f &&
	    d.t[2] == 3 && d.t[3] == strtof("1e-3", NULL) && !d.t_integral,
	    "regression: t as written, not integral");
	nn_data_free(&d);
}

static void
test_layout(void)
{
	/* comments (a whole line, after a row, glued to a token), blank and
	 * blank-looking lines, tabs, CR LF, no final line end */
	const char *s = "# a header comment\n\n1 1:1 # trailing\r\n\t \n"
	    "0\t2:3#glued\r\n  \t# indented comment\n1#label then comment\n"
	    "0 1:4\t 2:5";
	const float want[] = { 1, 0, 0, 3, 0, 0, 4, 5 };
	const char *s2 = "1 qid:3 1:1 2:2\n0 qid:0 2:1\n";
	const float want2[] = { 1, 2, 0, 1 };
	nn_data d;
	nn_err e;
	int rc = read_svm(s, NULL, &d, NULL, &e);

	tap_ok(rc == 0 && d.n == 4 && d.d == 2 && same_floats(d.x, want, 8),
	    "comments, blank lines, tabs, CR LF, no final LF");
	if (rc != 0)
		tap_diag("%s", e.msg);
	nn_data_free(&d);
	rc = read_svm(s2, NULL, &d, NULL, &e);
	tap_ok(rc == 0 && d.n == 2 && d.d == 2 && same_floats(d.x, want2, 4),
	    "qid:N right after the label is skipped");
	nn_data_free(&d);
}

static void
test_spellings(void)
{
	/* Interned as written, as the CSV reader does: "1" and "+1" are two
	 * labels of the same value, ordered by strcmp between themselves. */
	const char *const labels[] = { "0", "+1", "1" };
	nn_data d;
	nn_err e;
	int rc = read_svm("1 1:1\n+1 1:2\n0 1:3\n", NULL, &d, NULL, &e);

	tap_ok(rc == 0 && d.nlabels == 3 && names_are(d.labels, 3, labels),
	    "equal values written differently stay apart, by strcmp");
	nn_data_free(&d);
}

/* ---- errors -------------------------------------------------------------- */

static void
test_errors(void)
{
	char big[400], want[400], sevens[41];

	check_error("1 1:1\nabc 1:1\n", NULL,
	    "t.svm:2:1: bad label \"abc\": expected a number");
	check_error("1:0.5 2:1\n", NULL,
	    "t.svm:1:1: bad label \"1:0.5\": expected a number (is the label "
	    "missing?)");
	check_error("1 1:1\n  nan 1:1\n", NULL,
	    "t.svm:2:3: label \"nan\" is non-finite");
	check_error("1e50 1:1\n", NULL,
	    "t.svm:1:1: label \"1e50\" is out of range for a float");
	check_error("1 a:1\n", NULL,
	    "t.svm:1:3: bad index \"a\" in \"a:1\": expected an integer in "
	    "[1, 2147483647]");
	check_error("1 -3:1\n", NULL,
	    "t.svm:1:3: bad index \"-3\" in \"-3:1\": expected an integer in "
	    "[1, 2147483647]");
	check_error("1 1:1\n0 0:1\n", NULL,
	    "t.svm:2:3: bad index \"0\" in \"0:1\": indices start at 1");
	check_error("1 2147483648:1\n", NULL,
	    "t.svm:1:3: bad index \"2147483648\" in \"2147483648:1\": expected "
	    "an integer in [1, 2147483647]");
	check_error("1 1:1 3:1 2:1\n", NULL,
	    "t.svm:1:11: index 2 after 3 in \"2:1\": indices must increase "
	    "along a row");
	check_error("1 2:1\t2:1\n", NULL,
	    "t.svm:1:7: index 2 after 2 in \"2:1\": indices must increase "
	    "along a row");
	check_error("1 1:1 abc\n", NULL,
	    "t.svm:1:7: expected INDEX:VALUE, got \"abc\"");
	check_error("1 1:x\n", NULL,
	    "t.svm:1:3: bad value \"x\" in \"1:x\": expected a number");
	check_error("1 1:\n", NULL,
	    "t.svm:1:3: bad value \"\" in \"1:\": expected a number");
	check_error("1 1:1:1\n", NULL,
	    "t.svm:1:3: bad value \"1:1\" in \"1:1:1\": expected a number");
	check_error("1 1:1\n1 1:inf\n", NULL,
	    "t.svm:2:3: value \"inf\" in \"1:inf\" is non-finite");
	check_error("1 1:-1e39\n", NULL,
	    "t.svm:1:3: value \"-1e39\" in \"1:-1e39\" is out of range for a "
	    "float");
	check_error("1 1:1\r0 1:1\n", NULL,
	    "t.svm:1:6: a carriage return not followed by a line feed");
	check_error("1 1:1 qid:2\n", NULL,
	    "t.svm:1:7: \"qid:2\" after a feature: a query id comes right "
	    "after the label");
	check_error("1 qid:x 1:1\n", NULL,
	    "t.svm:1:3: bad query id \"qid:x\": expected a non-negative "
	    "integer");
	check_error("1 1:\x01\n", NULL,
	    "t.svm:1:3: bad value \"\\x01\" in \"1:\\x01\": expected a number");
	check_error("# nothing\n\n   \n", NULL, "t.svm: no data rows");
	check_error("", NULL, "t.svm: no data rows");

	/* a token longer than any number: refused, quoted cut */
	memcpy(big, "1 1:", 4);
	memset(big + 4, '7', 300);
	big[304] = '\0';
	memset(sevens, '7', 40);
	sevens[40] = '\0';
	snprintf(want, sizeof(want), "t.svm:1:3: bad value \"%s...\" in "
	    "\"1:%.38s...\": expected a number", sevens, sevens);
	check_error(big, NULL, want);
}

/* ---- the size limit ------------------------------------------------------ */

static void
test_limit(void)
{
	nn_libsvm_opts small = { .dim = 0, .max_bytes = 100 };
	nn_data d;
	nn_err e;
	int rc;

	/* One absurd index in a tiny file: refused at its token, nothing of
	 * that size allocated (an allocation of 88 GB would abort the test). */
	check_error("1 1:1\n0 5:1 2000000000:1\n", NULL,
	    "t.svm:2:7: index 2000000000: 2 rows of 2000000000 features would "
	    "take 96000000000 bytes dense, more than the limit of 2147483648");
	/* The same within a limit the test sets: 2 features cost 80 bytes of
	 * names and 8 a row; the third row crosses 100. */
	check_error("1 1:1 2:1\n1 2:1\n\n  1 1:1\n", &small,
	    "t.svm:4:3: 3 rows of 2 features would take 104 bytes dense, more "
	    "than the limit of 100");
	check_error("1 1:1\n0 1:1 3:1\n", &small,
	    "t.svm:2:7: index 3: 2 rows of 3 features would take 144 bytes "
	    "dense, more than the limit of 100");
	rc = read_svm("1 1:1 2:1\n1 2:1\n", &small, &d, NULL, &e);
	tap_ok(rc == 0 && d.n == 2 && d.d == 2, "limit: 96 of 100 bytes is read");
	nn_data_free(&d);
}

static void
test_fixed_dim(void)
{
	nn_libsvm_opts o = { .dim = 2, .max_bytes = 0 };
	const float want[] = { 1, 0, 0, 2, 0, 0 };
	const char *const feats[] = { "1", "2" };
	size_t beyond = 99;
	nn_data d;
	nn_err e;
	int rc = read_svm("1 1:1 3:5\n0 2:2\n1 9:1\n", &o, &d, &beyond, &e);

	tap_ok(rc == 0 && d.n == 3 && d.d == 2 && same_floats(d.x, want, 6) &&
	    names_are(d.feat_names, 2, feats) && d.ncols == 3 &&
	    d.target_col == 2, "fixed dim: indices beyond it ignored");
	tap_ok(rc == 0 && beyond == 2, "fixed dim: rows beyond it counted");
	nn_data_free(&d);
	/* ignored, but still checked */
	check_error("1 3:5 2:1\n", &o,
	    "t.svm:1:7: index 2 after 3 in \"2:1\": indices must increase "
	    "along a row");
	check_error("1 3:x\n", &o,
	    "t.svm:1:3: bad value \"x\" in \"3:x\": expected a number");
}

/* ---- streaming ------------------------------------------------------------ */

static void
test_stream(void)
{
	const char *s = "# c\n+1 1:1 2:2\n\n-1 3:3\n+1 2:1 5:9\r\n-1\n7 1:7\n";
	const float want[] = { 1, 2, 0, 0, 0, 3, 0, 1, 0, 0, 0, 0, 7, 0, 0 };
	const char *const labs[] = { "+1", "-1", "+1", "-1", "7" };
	const unsigned long lines[] = { 2, 4, 5, 6, 7 };
	float x[2 * 3];
	float got[5 * 3];
	const char *lab[5];
	unsigned long line[5];
	size_t n = 0;
	int ok = 1, calls = 0;
	FILE *fp = input(s, strlen(s));
	nn_libsvm *r;
	nn_err e;
	long k;

	tap_ok(nn_libsvm_open(fp, "t.svm", 0, &e) == NULL &&
	    strcmp(e.msg, "t.svm: a libsvm reader needs at least one feature")
	    == 0, "stream: dimension 0 refused");
	r = nn_libsvm_open(fp, "t.svm", 3, &e);
	while ((k = nn_libsvm_read(r, x, 2, &e)) > 0) {
		calls++;
		for (long i = 0; i < k && n < 5; i++, n++) {
			memcpy(got + 3 * n, x + 3 * i, 3 * sizeof(float));
			lab[n] = nn_libsvm_label(r, (size_t)i);
			line[n] = nn_libsvm_line(r, (size_t)i);
			/* borrowed until the next read: compare now */
			ok = ok && strcmp(lab[n], labs[n]) == 0 &&
			    line[n] == lines[n];
		}
	}
	tap_ok(k == 0 && n == 5 && calls == 3, "stream: 5 rows in batches of 2");
	tap_ok(same_floats(got, want, 15), "stream: rows dense, zeros between");
	tap_ok(ok, "stream: labels as written, physical lines");
	tap_ok(nn_libsvm_beyond(r) == 1, "stream: one row beyond dimension 3");
	tap_ok(nn_libsvm_crc(r) == nn_crc32(0, s, strlen(s)),
	    "stream: crc of every byte");
	tap_ok(nn_libsvm_read(r, x, 2, &e) == 0, "stream: 0 again at the end");
	nn_libsvm_free(r);
	fclose(fp);

	/* an error after a good batch names its line */
	s = "1 1:1\n1 1:1\n1 1:1\n0 2:1 1:1\n";
	fp = input(s, strlen(s));
	r = nn_libsvm_open(fp, "t.svm", 2, &e);
	k = nn_libsvm_read(r, x, 2, &e);
	tap_ok(k == 2 && nn_libsvm_read(r, x, 2, &e) == -1 &&
	    strcmp(e.msg, "t.svm:4:7: index 1 after 2 in \"1:1\": indices "
	    "must increase along a row") == 0, "stream: error in batch 2");
	nn_libsvm_free(r);
	fclose(fp);
	nn_libsvm_free(NULL);
}

/* A long random sparse file through a pipe (read once, in chunks that
 * cut tokens anywhere), streamed against the whole read. */
static void
test_pipe(void)
{
	nn_rng rng;
	buf b = { 0 };
	size_t rows = 3000, dim = 40, n = 0;
	nn_data d;
	nn_err e;
	int fd[2], ok = 1;
	float *x = malloc(100 * dim * sizeof(float));
	FILE *in, *fp;
	nn_libsvm *r;
	long k;
	pid_t pid;

	nn_rng_seed(&rng, 42);
	for (size_t i = 0; i < rows; i++) {
		bprintf(&b, "%d", (int)nn_rng_below(&rng, 5) - 2);
		for (size_t j = 1; j <= dim; j++)
			if (nn_rng_uniform(&rng) < 0.2)
				bprintf(&b, " %zu:%.9g", j,
				    nn_rng_normal(&rng) * 100);
		bprintf(&b, i % 7 == 0 ? " # row %zu\r\n" : "\n", i);
	}
	bprintf(&b, "0 %zu:1\n", dim);   /* so that the whole read learns dim */
	rows++;
	if (read_svm(b.s, NULL, &d, NULL, &e) != 0 || d.d != dim) {
		tap_ok(0, "pipe: whole read: %s", e.msg);
		return;
	}
	if (pipe(fd) != 0 || (pid = fork()) < 0)
		exit(2);
	if (pid == 0) {          /* the writer */
		close(fd[0]);
		for (size_t off = 0; off < b.n; ) {
			ssize_t w = write(fd[1], b.s + off, b.n - off < 777 ?
			    b.n - off : 777);
			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	in = fdopen(fd[0], "r");
	r = nn_libsvm_open(in, "<stdin>", dim, &e);
	while ((k = nn_libsvm_read(r, x, 100, &e)) > 0) {
		for (long i = 0; i < k; i++, n++) {
			ok = ok && n < rows &&
			    same_floats(x + (size_t)i * dim, d.x + n * dim, dim);
			ok = ok && strcmp(nn_libsvm_label(r, (size_t)i),
			    d.labels[d.y[n]]) == 0;
		}
	}
	tap_ok(k == 0 && n == rows && ok, "pipe: the stream equals the whole read");
	tap_ok(nn_libsvm_crc(r) == d.crc, "pipe: the same crc");
	nn_libsvm_free(r);
	fclose(in);

	/* the same data as CSV (label last, as nn-train takes it): the same
	 * matrix and labels, bit for bit */
	{
		buf c = { 0 };
		nn_data dc;
		nn_data_opts co = { .header = 1, .numeric_only = 1 };
		for (size_t j = 1; j <= dim; j++)
			bprintf(&c, "f%zu,", j);
		bprintf(&c, "label\n");
		for (size_t i = 0; i < rows; i++) {
			for (size_t j = 0; j < dim; j++)
				bprintf(&c, "%.9g,", (double)d.x[i * dim + j]);
			bprintf(&c, "%s\n", d.labels[d.y[i]]);
		}
		fp = input(c.s, c.n);
		ok = nn_data_read(fp, "t.csv", &co, &dc, &e) == 0 &&
		    dc.n == d.n && dc.d == d.d &&
		    same_floats(dc.x, d.x, d.n * d.d) &&
		    dc.nlabels == d.nlabels;
		for (size_t k2 = 0; ok && k2 < d.nlabels; k2++)
			ok = strcmp(dc.labels[k2], d.labels[k2]) == 0;
		for (size_t i = 0; ok && i < d.n; i++)
			ok = dc.y[i] == d.y[i] && dc.t[i] == d.t[i];
		tap_ok(ok, "the same data as CSV: same x, labels, y, t");
		nn_data_free(&dc);
		fclose(fp);
		free(c.s);
	}
	nn_data_free(&d);
	free(b.s);
	free(x);
}

int
main(void)
{
	test_dense();
	test_sparse();
	test_multiclass();
	test_regression();
	test_layout();
	test_spellings();
	test_errors();
	test_limit();
	test_fixed_dim();
	test_stream();
	test_pipe();
	return tap_done();
}
