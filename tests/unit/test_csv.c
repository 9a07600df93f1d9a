/*
 * test_csv.c - the CSV reader and writer: parsing (header, quoting, CR LF,
 * blank lines), exact line:column in every error message, the streaming
 * reader against a whole read, text slots, target selection, label order,
 * the CRC, and nn_csv_put round trips.  The split read of a regular file
 * (NN_CSV_THREADS parts, see lib/csv.c) against the stream read of the
 * same bytes: the same data bit for bit, or the same first error.
 *
 * Inputs go through tmpfile(), so the reader sees a real FILE.  Expected
 * values come from the generators here (or strtof), not from a previous
 * run of the reader.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* nn_data_read over a string; returns its status, message in e. */
static int
read_data(const char *s, int header, const char *target, nn_data *d,
    nn_err *e)
{
	nn_data_opts o = { .header = header, .target = target, .numeric_only = 1 };
	FILE *fp = input(s, strlen(s));
	int rc;

	e->msg[0] = '\0';
	rc = nn_data_read(fp, "t.csv", &o, d, e);
	fclose(fp);
	return rc;
}

/* Growable string for generated inputs. */
typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

static void
bput(buf *b, const char *s)
{
	size_t k = strlen(s);

	if (b->n + k + 1 > b->cap) {
		b->cap = 2 * (b->n + k + 1);
		b->s = realloc(b->s, b->cap);
		if (b->s == NULL)
			exit(2);
	}
	memcpy(b->s + b->n, s, k + 1);
	b->n += k;
}

static int
same_floats(const float *a, const float *b, size_t n)
{
	return memcmp(a, b, n * sizeof(*a)) == 0;
}

/* ---- whole reads ---------------------------------------------------------- */

static void
test_basic(void)
{
	nn_data d;
	nn_err e;
	static const float want[] = { 1, 2.5f, -3, 4e-3f, 0.1f, 7 };

	int rc = read_data("a,b,c,y\n1,2.5,-3,x\n4e-3, 0.1 ,7,z\n", 1, NULL, &d,
	    &e);
	if (!tap_ok(rc == 0, "basic file reads (%s)", e.msg))
		return;
	tap_ok(d.n == 2 && d.d == 3 && d.ncols == 4 && d.target_col == 3,
	    "basic: n=%zu d=%zu ncols=%zu target_col=%ld", d.n, d.d, d.ncols,
	    d.target_col);
	tap_ok(same_floats(d.x, want, 6), "basic: values");
	tap_ok(strcmp(d.feat_names[0], "a") == 0 &&
	    strcmp(d.feat_names[2], "c") == 0 &&
	    strcmp(d.target_name, "y") == 0, "basic: names");
	tap_ok(d.nlabels == 2 && strcmp(d.labels[0], "x") == 0 &&
	    d.y[0] == 0 && d.y[1] == 1, "basic: labels");
	tap_ok(d.t == NULL && d.t_integral == 0, "basic: text target has no t");
	nn_data_free(&d);
	nn_data_free(&d);  /* safe twice */
	tap_ok(d.x == NULL && d.n == 0, "nn_data_free leaves a zeroed struct");
}

static void
test_no_header(void)
{
	nn_data d;
	nn_err e;
	FILE *fp;
	nn_csv *c;

	fp = input("5,6,7\n8,9,1\n", 12);
	c = nn_csv_open(fp, "t.csv", 0, &e);
	if (tap_ok(c != NULL, "no header: opens")) {
		tap_ok(nn_csv_ncols(c) == 3 &&
		    strcmp(nn_csv_colname(c, 0), "1") == 0 &&
		    strcmp(nn_csv_colname(c, 2), "3") == 0,
		    "no header: columns are named 1, 2, 3");
		tap_ok(nn_csv_find(c, "2") == 1 && nn_csv_find(c, "4") == -1,
		    "no header: nn_csv_find by number name");
		nn_csv_free(c);
	}
	fclose(fp);
	if (read_data("5,6,7\n8,9,1\n", 0, NULL, &d, &e) == 0) {
		static const float want[] = { 5, 6, 8, 9 };
		tap_ok(d.n == 2 && same_floats(d.x, want, 4) &&
		    strcmp(d.target_name, "3") == 0,
		    "no header: first line is data");
		tap_ok(d.t != NULL && d.t[0] == 7 && d.t[1] == 1 && d.t_integral,
		    "no header: numeric target");
		nn_data_free(&d);
	} else
		tap_ok(0, "no header: %s", e.msg);
}

static void
test_quoting(void)
{
	nn_data d;
	nn_err e;
	const char *s = "\"a,1\",\"b\"\"q\",lab\n"
	    "1,\"2\",\"x,y\"\n"
	    "3,4,\"multi\nline\r\nlabel\"\n"
	    "\n"
	    "5,6,\"\"\"quoted\"\"\"\n"
	    "7,x,z\n";

	tap_ok(read_data(s, 1, NULL, &d, &e) == -1 &&
	    strcmp(e.msg, "t.csv:8:b\"q: expected a number, got \"x\"") == 0,
	    "line numbers count quoted line ends and blank lines (%s)", e.msg);
	tap_ok(read_data(s, 1, "", &d, &e) == -1 &&
	    strcmp(e.msg, "t.csv:2:lab: expected a number, got \"x,y\"") == 0,
	    "quoted comma stays in its field (%s)", e.msg);
	s = "\"a,1\",\"b\"\"q\",lab\n1,\"2\",\"x,y\"\n3,4,\"multi\nline\r\nlabel\"\n"
	    "\n5,6,\"\"\"quoted\"\"\"\n";
	if (read_data(s, 1, NULL, &d, &e) == 0) {
		tap_ok(strcmp(d.feat_names[0], "a,1") == 0 &&
		    strcmp(d.feat_names[1], "b\"q") == 0, "quoted header names");
		tap_ok(d.nlabels == 3 && strcmp(d.labels[0], "\"quoted\"") == 0 &&
		    strcmp(d.labels[1], "multi\nline\r\nlabel") == 0 &&
		    strcmp(d.labels[2], "x,y") == 0, "quoted labels kept whole");
		tap_ok(d.n == 3 && d.x[1] == 2 && d.x[4] == 5, "quoted numbers");
		nn_data_free(&d);
	} else
		tap_ok(0, "quoting: %s", e.msg);
}

static void
test_crlf_blank(void)
{
	nn_data d;
	nn_err e;

	if (read_data("\r\na,b\r\n\r\n1,2\r\n  \r\n3,4\r\n\n", 1, NULL, &d, &e) == 0) {
		static const float want[] = { 1, 3 };
		tap_ok(d.n == 2 && same_floats(d.x, want, 2) && d.t[1] == 4,
		    "CR LF and blank lines");
		nn_data_free(&d);
	} else
		tap_ok(0, "CR LF: %s", e.msg);
	tap_ok(read_data("a,b\r\n\r\n1,2\r\n3\r\n", 1, NULL, &d, &e) == -1 &&
	    strcmp(e.msg, "t.csv:4: expected 2 fields, got 1") == 0,
	    "CR LF line numbers (%s)", e.msg);
	tap_ok(read_data("a,b\r1,2\r3,x\r", 1, "a", &d, &e) == -1 &&
	    strcmp(e.msg, "t.csv:3:b: expected a number, got \"x\"") == 0,
	    "lone CR ends a line (%s)", e.msg);
	tap_ok(read_data("a,b\n1,2", 1, NULL, &d, &e) == 0 && d.n == 1 &&
	    d.t[0] == 2, "last line without a line end");
	nn_data_free(&d);
	tap_ok(read_data("\xef\xbb\xbf" "a,b\n1,2\n", 1, "a", &d, &e) == 0 &&
	    strcmp(d.target_name, "a") == 0, "UTF-8 byte order mark skipped");
	nn_data_free(&d);
}

/* ---- errors --------------------------------------------------------------- */

static const struct {
	const char *in;
	int header;
	const char *target;
	const char *msg;
} errors[] = {
	{ "", 1, NULL, "t.csv: empty input" },
	{ "\n\r\n  \n", 1, NULL, "t.csv: empty input" },
	{ "", 0, NULL, "t.csv: empty input" },
	{ "a,b\n", 1, NULL, "t.csv: no data rows" },
	{ "a,b\n\n\n", 1, NULL, "t.csv: no data rows" },
	{ "a,b,c\n1,2,3\n4,5\n", 1, NULL, "t.csv:3: expected 3 fields, got 2" },
	{ "a,b\n1,2\n4,5,6\n", 1, NULL, "t.csv:3: expected 2 fields, got 3" },
	{ "1,2\n\n4,5,6\n", 0, NULL, "t.csv:3: expected 2 fields, got 3" },
	{ "a,b\n1,abc\n", 1, "a", "t.csv:2:b: expected a number, got \"abc\"" },
	{ "a,b\n1,2\n3,4x\n", 1, "", "t.csv:3:b: expected a number, got \"4x\"" },
	{ "a,b\n1,\"1\n2\"\n", 1, "a",
	  "t.csv:2:b: expected a number, got \"1\\n2\"" },
	{ "a,b\n1,0123456789012345678901234567890123456789xyz\n", 1, "a",
	  "t.csv:2:b: expected a number, got "
	  "\"0123456789012345678901234567890123456789...\"" },
	{ "a,b\nnan,1\n", 1, NULL, "t.csv:2:a: not a finite number: nan" },
	{ "a,b\n1,2\n-inf,1\n", 1, NULL, "t.csv:3:a: not a finite number: -inf" },
	{ "a,b\n1e39,1\n", 1, NULL, "t.csv:2:a: not a finite number: 1e39" },
	{ "a,b,c\n1,,2\n", 1, NULL, "t.csv:2:b: empty field" },
	{ "a,b,c\n1,\" \",2\n", 1, NULL, "t.csv:2:b: empty field" },
	{ "a,b,c\n1,2,\n", 1, "a", "t.csv:2:c: empty field" },
	{ "a,b,c\n1,2,\"\"\n", 1, NULL, "t.csv:2:c: empty field" },
	{ "a,b,c\n1,2,\" \"\n3,x,4\n", 1, NULL, "t.csv:2:c: empty field" },
	{ "a,b,c\n1,2,3\n1,2,\n3,x,4\n", 1, "c", "t.csv:3:c: empty field" },
	{ "a,b\n1,\"2\"x\n", 1, NULL,
	  "t.csv:2:b: malformed CSV: error parsing data while strict checking enabled" },
	{ "a,b\n1,\"x\ny\"z\n", 1, NULL,
	  "t.csv:3:b: malformed CSV: error parsing data while strict checking enabled" },
	{ "a,b\n1,2\"\n", 1, NULL,
	  "t.csv:2:b: malformed CSV: error parsing data while strict checking enabled" },
	{ "a,b\n1,2,3\n1,\"2\"x\n", 1, NULL,
	  "t.csv:2: expected 2 fields, got 3" },
	{ "a,b\n1,\"2\n\n3\n", 1, NULL,
	  "t.csv:2:b: malformed CSV: unterminated quoted field" },
	{ "\"a\nb,c\n", 1, NULL,
	  "t.csv:1:1: malformed CSV: unterminated quoted field" },
	{ "x,y,x\n1,2,3\n", 1, NULL, "t.csv:1: duplicate column name \"x\"" },
	{ "\n\nx,\"\",\"\"\n1,2,3\n", 1, NULL, "t.csv:3: duplicate column name \"\"" },
	{ "a,b\n1,2\n", 1, "foo", "t.csv: no column \"foo\"" },
	{ "a,b\n1,2\n", 1, "9", "t.csv: column 9 out of range (2 columns)" },
	{ "a,b\n1,2\n", 1, "0", "t.csv: column 0 out of range (2 columns)" },
	{ "a,b\n1,2\n", 1, "99999999999999999999999",
	  "t.csv: column 99999999999999999999999 out of range (2 columns)" },
	{ "a,b\n1,2\n", 1, "-1", "t.csv: no column \"-1\"" },
	{ "a,b\n1,2\n", 1, " 1", "t.csv: no column \" 1\"" },
};

static void
test_errors(void)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		nn_data d;
		nn_err e;
		int rc = read_data(errors[i].in, errors[i].header, errors[i].target,
		    &d, &e);
		tap_ok(rc == -1 && strcmp(e.msg, errors[i].msg) == 0 &&
		    d.x == NULL && d.n == 0 && d.labels == NULL,
		    "error row %zu: %s", i, rc == -1 ? e.msg : "(no error)");
		if (rc == 0)
			nn_data_free(&d);
	}
}

/* An unterminated quote must not swallow an endless input. */
static void
test_long_field(void)
{
	size_t n = (17u << 20) + 10;
	char *s = malloc(n + 1);
	nn_data d;
	nn_err e;

	memcpy(s, "a,b\n1,\"", 7);
	memset(s + 7, 'x', n - 7);
	s[n] = '\0';
	for (size_t i = 1000; i < n; i += 1000)
		s[i] = '\n';
	tap_ok(read_data(s, 1, NULL, &d, &e) == -1 &&
	    strcmp(e.msg, "t.csv:2:b: field longer than 16 MiB "
	    "(unterminated quote?)") == 0, "long field: %s", e.msg);
	free(s);
}

static void
test_read_error(void)
{
	FILE *fp = fopen("/", "r");
	nn_data_opts o = { .header = 1, .numeric_only = 1 };
	nn_data d;
	nn_err e;

	if (fp == NULL) {
		tap_ok(1, "read error: cannot fopen a directory here (skipped)");
		return;
	}
	tap_ok(nn_data_read(fp, "dir", &o, &d, &e) == -1 &&
	    strcmp(e.msg, "dir: Is a directory") == 0, "read error: %s", e.msg);
	fclose(fp);
}

/* ---- streaming ------------------------------------------------------------ */

/* A file with quoted line ends, blank lines and CR LF, large enough to
 * cross several 64 KiB chunks.  Returns the number of rows; fills the
 * expected line of each row and the expected matrix (rows, 3). */
static size_t
gen_stream(buf *b, unsigned long *lines, float *x, size_t rows)
{
	char row[256];
	unsigned long line = 1;
	nn_rng r;

	nn_rng_seed(&r, 7);
	bput(b, "id,a,\"b\nc\",d\n");
	line += 2;
	for (size_t i = 0; i < rows; i++) {
		int k = (int)nn_rng_below(&r, 4);
		float a = (float)nn_rng_below(&r, 2000) / 8 - 100;
		lines[i] = line;
		x[3 * i] = a;
		x[3 * i + 1] = (float)i;
		x[3 * i + 2] = (float)k;
		switch (k) {
		case 0:
			snprintf(row, sizeof(row), "r%zu,%.3f,%zu,%d\n", i, a, i, k);
			line += 1;
			break;
		case 1:
			snprintf(row, sizeof(row), "\"r%zu\nx\",%.3f,\"%zu\",%d\r\n",
			    i, a, i, k);
			line += 2;
			break;
		case 2:
			snprintf(row, sizeof(row), "\"r%zu,\r\n\"\"y\"\"\",%.3f,%zu,%d\n\n",
			    i, a, i, k);
			line += 3;
			break;
		default:
			snprintf(row, sizeof(row), "r%zu, %.3f ,%zu,\"%d\"\r\n\r\n",
			    i, a, i, k);
			line += 2;
		}
		bput(b, row);
	}
	return rows;
}

static void
test_stream(void)
{
	enum { ROWS = 9000 };
	static const size_t maxes[] = { 1, 3, 1000, ROWS + 5 };
	static unsigned long lines[ROWS];
	static float want[ROWS * 3];
	buf b = { 0 };
	nn_data d;
	nn_err e;

	gen_stream(&b, lines, want, ROWS);
	tap_ok(b.n > 3 * 65536, "stream input spans several chunks (%zu bytes)",
	    b.n);
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		size_t max = maxes[m], n = 0, calls = 0;
		int roles[4] = { NN_COL_TEXT(0), 0, 1, 2 };
		float *x = malloc(max * 3 * sizeof(*x));
		float *all = malloc(ROWS * 3 * sizeof(*all));
		int ok = 1, text_ok = 1;
		long k;
		FILE *fp = input(b.s, b.n);
		nn_csv *c = nn_csv_open(fp, "s.csv", 1, &e);

		if (c == NULL || nn_csv_set_roles(c, roles, 3, 1, 0, &e) < 0) {
			tap_ok(0, "stream max=%zu: %s", max, e.msg);
			continue;
		}
		tap_ok(strcmp(nn_csv_colname(c, 2), "b\nc") == 0 &&
		    nn_csv_find(c, "b\nc") == 2, "stream: quoted header name");
		while ((k = nn_csv_read(c, x, max, &e)) > 0) {
			calls++;
			if ((size_t)k > max || n + (size_t)k > ROWS) {
				ok = 0;
				break;
			}
			if ((size_t)k < max && n + (size_t)k != ROWS)
				ok = 0;  /* a short batch only at the end */
			memcpy(all + 3 * n, x, (size_t)k * 3 * sizeof(*x));
			for (long i = 0; i < k; i++) {
				char id[32];
				const char *t = nn_csv_text(c, (size_t)i, 0);
				size_t r = n + (size_t)i;
				int kind = (int)want[3 * r + 2];
				if (nn_csv_line(c, (size_t)i) != lines[r])
					ok = 0;
				snprintf(id, sizeof(id), kind == 1 ? "r%zu\nx" :
				    kind == 2 ? "r%zu,\r\n\"y\"" : "r%zu", r);
				if (t == NULL || strcmp(t, id) != 0)
					text_ok = 0;
			}
			n += (size_t)k;
		}
		tap_ok(k == 0 && ok && n == ROWS && same_floats(all, want, ROWS * 3),
		    "stream max=%zu: %zu rows in %zu reads, lines and values match",
		    max, n, calls);
		tap_ok(text_ok, "stream max=%zu: text slot", max);
		tap_ok(nn_csv_read(c, x, max, &e) == 0, "stream max=%zu: 0 at end",
		    max);
		tap_ok(nn_csv_crc(c) == nn_crc32(0, b.s, b.n),
		    "stream max=%zu: crc of all bytes", max);
		nn_csv_free(c);
		fclose(fp);
		free(x);
		free(all);
	}
	/* the same file as a whole data set, target by number (the text id) */
	if (read_data(b.s, 1, "1", &d, &e) == 0) {
		int ok = d.n == ROWS && d.d == 3 && d.target_col == 0 &&
		    d.nlabels == ROWS && d.t == NULL &&
		    same_floats(d.x, want, ROWS * 3);
		for (size_t i = 0; ok && i < ROWS; i++) {
			char id[32];
			int kind = (int)want[3 * i + 2];
			snprintf(id, sizeof(id), kind == 1 ? "r%zu\nx" :
			    kind == 2 ? "r%zu,\r\n\"y\"" : "r%zu", i);
			ok = strcmp(d.labels[d.y[i]], id) == 0;
		}
		tap_ok(ok, "stream file as nn_data, target by number");
		tap_ok(d.crc == nn_crc32(0, b.s, b.n), "nn_data crc");
		nn_data_free(&d);
	} else
		tap_ok(0, "stream file as nn_data: %s", e.msg);
	/* an error deep in the file names its exact line */
	{
		char *bad = malloc(b.n + 64);
		unsigned long line;
		memcpy(bad, b.s, b.n);
		bad[b.n] = '\0';
		/* last row: replace its row by a ragged one */
		char *p = bad + b.n;
		strcpy(p, "q,1\n");
		line = 1;
		for (char *s = bad; s < p; s++)
			line += *s == '\n' || (*s == '\r' && s[1] != '\n');
		char msg[64];
		snprintf(msg, sizeof(msg), "t.csv:%lu: expected 4 fields, got 2",
		    line);
		tap_ok(read_data(bad, 1, "id", &d, &e) == -1 &&
		    strcmp(e.msg, msg) == 0, "line number at the end: %s", e.msg);
		free(bad);
	}
	free(b.s);
}

static void
test_stream_errors(void)
{
	nn_err e;
	float x[8];
	int roles[3] = { 0, NN_COL_SKIP, 1 }, bad1[3] = { 0, 0, 1 },
	    bad2[3] = { 0, NN_COL_SKIP, 5 }, bad3[3] = { 0, NN_COL_SKIP, NN_COL_TEXT(1) };
	FILE *fp = input("1,2,3\n4,abc,5\n6,7,\n", 19);
	nn_csv *c = nn_csv_open(fp, "s.csv", 0, &e);

	if (!tap_ok(c != NULL, "stream errors: open"))
		return;
	tap_ok(nn_csv_set_roles(c, bad1, 2, 0, 0, &e) == -1 &&
	    nn_csv_set_roles(c, bad2, 2, 0, 0, &e) == -1 &&
	    nn_csv_set_roles(c, bad3, 2, 1, 0, &e) == -1,
	    "set_roles refuses a bad map (%s)", e.msg);
	tap_ok(nn_csv_set_roles(c, roles, 2, 0, 0, &e) == 0, "set_roles");
	tap_ok(nn_csv_read(c, x, 2, &e) == 2 && x[0] == 1 && x[1] == 3 &&
	    x[2] == 4 && x[3] == 5 && nn_csv_line(c, 1) == 2,
	    "skipped column is not parsed");
	tap_ok(nn_csv_read(c, x, 2, &e) == -1 &&
	    strcmp(e.msg, "s.csv:3:3: empty field") == 0, "stream: %s", e.msg);
	tap_ok(nn_csv_read(c, x, 2, &e) == -1, "stream: errors are sticky");
	nn_csv_free(c);
	fclose(fp);

	fp = input("a,b\nnan,-inf\n", 13);
	c = nn_csv_open(fp, "s.csv", 1, &e);
	int r2[2] = { 0, 1 };
	tap_ok(c != NULL && nn_csv_set_roles(c, r2, 2, 0, 1, &e) == 0 &&
	    nn_csv_read(c, x, 4, &e) == 1 && isnan(x[0]) && isinf(x[1]) &&
	    x[1] < 0, "allow_nonfinite accepts nan and -inf");
	nn_csv_free(c);
	fclose(fp);
}

/* A number is a number whatever its length: as strtof reads it. */
static void
test_long_numbers(void)
{
	char b[300], want[300];
	float v, w;
	int ok = 1;

	/* 0.5 with 60 decimals; 1e37 with 30 of them; 1e-101 (0 as a
	 * float); 0.1 followed by 250 zeros and a 1 */
	snprintf(b, sizeof(b), "%.60f", 0.5);
	ok &= nn_parse_float(b, strlen(b), &v) == 0 && v == 0.5f;
	snprintf(b, sizeof(b), "%.30f", 1e37);
	ok &= nn_parse_float(b, strlen(b), &v) == 0 && v == strtof(b, NULL);
	snprintf(b, sizeof(b), "0.%0100d", 1);
	ok &= nn_parse_float(b, strlen(b), &v) == 0 && v == 0.0f;
	snprintf(b, sizeof(b), "0.1%0250d", 1);
	snprintf(want, sizeof(want), "  %s\t", b);
	w = strtof(b, NULL);
	ok &= nn_parse_float(want, strlen(want), &v) == 0 && v == w &&
	    v == 0.1f;
	tap_ok(ok, "nn_parse_float: numbers of 64 to 250 characters, as "
	    "strtof reads them");
	memset(b, '1', 200);
	b[150] = 'x';
	tap_ok(nn_parse_float(b, 200, &v) == -1 &&
	    nn_parse_float("1\0002", 3, &v) == -1,
	    "nn_parse_float: a long token that is not a number is refused, "
	    "and a NUL byte in a field");
}

/* A NUL byte inside a numeric field is an error on every line, the first
 * one of a file without a header (kept by nn_csv_open, then replayed)
 * included. */
static void
test_nul_number(void)
{
	static const char line1[] = "1\0garbage,2\n3,4\n5,6\n";
	static const char line3[] = "3,4\n5,6\n1\0garbage,2\n";
	const struct { const char *s, *want; } cases[] = {
		{ line1, "n.csv:1:1: expected a number" },
		{ line3, "n.csv:3:1: expected a number" },
	};
	int roles[2] = { 0, 1 };
	float x[8];
	nn_err e;

	for (size_t i = 0; i < 2; i++) {
		FILE *fp = input(cases[i].s, sizeof(line1) - 1);
		nn_csv *c = nn_csv_open(fp, "n.csv", 0, &e);
		long got = 0;

		e.msg[0] = '\0';
		if (c != NULL && nn_csv_set_roles(c, roles, 2, 0, 0, &e) == 0)
			while ((got = nn_csv_read(c, x, 4, &e)) > 0)
				;
		tap_ok(c != NULL && got == -1 && strncmp(e.msg, cases[i].want,
		    strlen(cases[i].want)) == 0, "a NUL byte in a number on line "
		    "%d of a file without a header: \"%s\"", i ? 3 : 1, e.msg);
		nn_csv_free(c);
		fclose(fp);
	}
}

/* ---- numbers -------------------------------------------------------------- */

/* Every spelling the reader takes must give exactly strtof's value. */
static void
test_numbers(void)
{
	enum { N = 20000 };
	static const char *fixed[] = { "0", "-0", "+5", "16777215", "16777216",
	    "16777217", "123456789", "0.1", "-0.3", ".5", "5.", "1e3", "1E-3",
	    "0x10", "3.4028234e38", "1e-45", "0.0000001", "12345.678",
	    "9999999.9", "1.00000000001", "  7  ", "000000000000000000000012",
	    "16777217.0", "16777219.00", "33554434.0", "-16777217.000",
	    "123456789012345678", "1234567890123456789", "9007199254740993",
	    "9007199254740993.0", "0.1234567890123456", "-0.0", "4294967295",
	    "0.000000000000000000001", "0.0000000000000000000001",
	    "0.00000000000000000000001", "99999999999999999.9", "+.5",
	    "1.", "00.00" };
	size_t nf = sizeof(fixed) / sizeof(fixed[0]);
	buf b = { 0 };
	char **src = malloc((N + nf) * sizeof(*src));
	nn_rng r;
	nn_data d;
	nn_err e;

	nn_rng_seed(&r, 11);
	bput(&b, "v,y\n");
	for (size_t i = 0; i < N + nf; i++) {
		char s[64];
		if (i < nf)
			snprintf(s, sizeof(s), "%s", fixed[i]);
		else {
			int ip = (int)nn_rng_below(&r, 8), fp = (int)nn_rng_below(&r, 12);
			int neg = (int)nn_rng_below(&r, 2);
			char *p = s;
			if (neg)
				*p++ = '-';
			for (int k = 0; k < ip; k++)
				*p++ = (char)('0' + nn_rng_below(&r, 10));
			if (fp || ip == 0) {
				*p++ = '.';
				for (int k = 0; k < fp || (ip == 0 && k == 0); k++)
					*p++ = (char)('0' + nn_rng_below(&r, 10));
			}
			*p = '\0';
		}
		if (i >= nf && i % 4 == 3) {
			/* long mantissas (double path), some of them a float
			 * midpoint in [2^24, 2^30) with trailing zeros */
			int nd = 12 + (int)nn_rng_below(&r, 8), dot;
			char digits[32];
			if (nn_rng_below(&r, 4) == 0) {
				int k = 24 + (int)nn_rng_below(&r, 6);
				uint64_t half = (uint64_t)1 << (k - 24);
				uint64_t m = ((uint64_t)1 << k) +
				    (2 * nn_rng_below(&r, 1u << 23) + 1) * half;
				snprintf(digits, sizeof(digits), "%llu", (unsigned long long)m);
				nd = (int)strlen(digits);
				snprintf(s, sizeof(s), "%s.%.*s", digits,
				    (int)nn_rng_below(&r, 4), "000");
			} else {
				for (int k = 0; k < nd; k++)
					digits[k] = (char)('0' + nn_rng_below(&r, 10));
				char *p = s;
				dot = (int)nn_rng_below(&r, (uint64_t)nd + 1);
				if (nn_rng_below(&r, 2))
					*p++ = '-';
				memcpy(p, digits, (size_t)dot);
				p += dot;
				*p++ = '.';
				memcpy(p, digits + dot, (size_t)(nd - dot));
				p[nd - dot] = '\0';
			}
		} else if (i >= nf && i % 2) {
			/* near the fast path's limits: mantissa up to 2^24 + 9,
			 * 0 to 12 fraction digits */
			uint64_t m = (1u << 24) + 10 - nn_rng_below(&r, 1u << 20);
			int f = (int)nn_rng_below(&r, 13);
			char digits[32];
			snprintf(digits, sizeof(digits), "%013llu", (unsigned long long)m);
			size_t nd = strlen(digits);
			snprintf(s, sizeof(s), "%.*s.%s", (int)(nd - (size_t)f), digits,
			    digits + nd - f);
		}
		src[i] = strdup(s);
		bput(&b, s);
		bput(&b, ",0\n");
	}
	if (read_data(b.s, 1, NULL, &d, &e) == 0) {
		nn_data d2;
		size_t bad = 0, first = 0;
		for (size_t i = 0; i < N + nf; i++) {
			float v = strtof(src[i], NULL);
			if (memcmp(&v, &d.x[i], sizeof(v)) != 0 && bad++ == 0)
				first = i;
		}
		tap_ok(bad == 0, "%zu numbers equal strtof bit for bit (%zu differ, "
		    "first \"%s\")", N + nf, bad, bad ? src[first] : "");
		setenv("NN_CSV_THREADS", "3", 1);
		tap_ok(read_data(b.s, 1, NULL, &d2, &e) == 0 && d2.n == d.n &&
		    same_floats(d.x, d2.x, d.n), "the same numbers read in 3 parts");
		unsetenv("NN_CSV_THREADS");
		nn_data_free(&d2);
		nn_data_free(&d);
	} else
		tap_ok(0, "numbers: %s", e.msg);
	for (size_t i = 0; i < N + nf; i++)
		free(src[i]);
	free(src);
	free(b.s);
}

/* ---- targets and labels ------------------------------------------------- */

static void
test_labels(void)
{
	nn_data d;
	nn_err e;

	/* numeric labels sort as numbers */
	if (read_data("x,y\n1,10\n2,9\n3,-1\n4,9\n5,2.5\n", 1, NULL, &d, &e) == 0) {
		tap_ok(d.nlabels == 4 && strcmp(d.labels[0], "-1") == 0 &&
		    strcmp(d.labels[1], "2.5") == 0 && strcmp(d.labels[2], "9") == 0 &&
		    strcmp(d.labels[3], "10") == 0, "numeric labels sort by value");
		tap_ok(d.y[0] == 3 && d.y[1] == 2 && d.y[2] == 0 && d.y[3] == 2 &&
		    d.y[4] == 1, "y remapped to sorted labels");
		tap_ok(d.t != NULL && d.t[0] == 10 && d.t[4] == 2.5f &&
		    !d.t_integral, "t filled, not integral");
		nn_data_free(&d);
	} else
		tap_ok(0, "labels: %s", e.msg);
	/* one non-number: all sort as strings, no t */
	if (read_data("x,y\n1,10\n2,9\n3,b\n4,9\n", 1, NULL, &d, &e) == 0) {
		tap_ok(d.nlabels == 3 && strcmp(d.labels[0], "10") == 0 &&
		    strcmp(d.labels[1], "9") == 0 && strcmp(d.labels[2], "b") == 0 &&
		    d.t == NULL && !d.t_integral, "string labels sort by strcmp");
		nn_data_free(&d);
	} else
		tap_ok(0, "labels: %s", e.msg);
	/* "nan" in a target is not a finite number: string labels */
	if (read_data("x,y\n1,1\n2,nan\n", 1, NULL, &d, &e) == 0) {
		tap_ok(d.t == NULL && strcmp(d.labels[0], "1") == 0,
		    "nan target: string labels, no t");
		nn_data_free(&d);
	} else
		tap_ok(0, "labels: %s", e.msg);
	if (read_data("x,y\n1,1.0\n2,1\n3,-2\n", 1, NULL, &d, &e) == 0) {
		tap_ok(d.nlabels == 3 && d.t_integral && d.t[0] == 1 && d.y[0] == 2 &&
		    strcmp(d.labels[0], "-2") == 0 && strcmp(d.labels[1], "1") == 0 &&
		    strcmp(d.labels[2], "1.0") == 0,
		    "integral t; equal values keep distinct labels in strcmp order");
		nn_data_free(&d);
	} else
		tap_ok(0, "labels: %s", e.msg);
	/* target by name, by number, a name made of digits wins */
	if (read_data("a,b,c\n1,2,3\n", 1, "a", &d, &e) == 0) {
		tap_ok(d.target_col == 0 && d.d == 2 &&
		    strcmp(d.feat_names[0], "b") == 0 && d.x[0] == 2 && d.x[1] == 3,
		    "target by name; features keep their order");
		nn_data_free(&d);
	}
	if (read_data("a,b,c\n1,2,3\n", 1, "2", &d, &e) == 0) {
		tap_ok(d.target_col == 1 && strcmp(d.target_name, "b") == 0 &&
		    d.x[0] == 1 && d.x[1] == 3, "target by number");
		nn_data_free(&d);
	}
	if (read_data("3,1,x\n7,8,9\n", 1, "3", &d, &e) == 0) {
		tap_ok(d.target_col == 0 && d.t[0] == 7,
		    "a column named \"3\" wins over column number 3");
		nn_data_free(&d);
	}
	if (read_data("a,b\n1,2\n", 1, "", &d, &e) == 0) {
		tap_ok(d.target_col == -1 && d.target_name == NULL && d.d == 2 &&
		    d.y == NULL && d.labels == NULL && d.t == NULL,
		    "empty target: every column a feature");
		nn_data_free(&d);
	}
	/* many distinct labels (hash table growth) */
	{
		buf b = { 0 };
		char row[64];
		int ok;
		bput(&b, "x,y\n");
		for (int i = 0; i < 5000; i++) {
			snprintf(row, sizeof(row), "%d,k%d\n", i, (i * 7919) % 3000);
			bput(&b, row);
		}
		if (read_data(b.s, 1, NULL, &d, &e) == 0) {
			ok = d.nlabels == 3000;
			for (size_t k = 1; ok && k < d.nlabels; k++)
				ok = strcmp(d.labels[k - 1], d.labels[k]) < 0;
			for (size_t i = 0; ok && i < d.n; i++) {
				snprintf(row, sizeof(row), "k%d", (int)((i * 7919) % 3000));
				ok = strcmp(d.labels[d.y[i]], row) == 0;
			}
			tap_ok(ok, "3000 distinct labels interned and sorted");
			nn_data_free(&d);
		} else
			tap_ok(0, "many labels: %s", e.msg);
		free(b.s);
	}
}

/* ---- split reads ---------------------------------------------------------- */

/* nn_data_read of s through a regular file in `threads` parts (1: the
 * stream reader), from offset skip. */
static int
read_parts(const char *s, size_t n, size_t skip, int threads, int header,
    const char *target, nn_data *d, nn_err *e)
{
	nn_data_opts o = { .header = header, .target = target, .numeric_only = 1 };
	FILE *fp = input(s, n);
	char num[16];
	int rc;

	snprintf(num, sizeof(num), "%d", threads);
	setenv("NN_CSV_THREADS", num, 1);
	if (fseek(fp, (long)skip, SEEK_SET) != 0)
		exit(2);
	e->msg[0] = '\0';
	rc = nn_data_read(fp, "t.csv", &o, d, e);
	unsetenv("NN_CSV_THREADS");
	fclose(fp);
	return rc;
}

static int
same_strs(char *const *a, char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* Every field of two data sets, floats bit for bit. */
static int
same_data(const nn_data *a, const nn_data *b)
{
	if (a->n != b->n || a->d != b->d || a->ncols != b->ncols ||
	    a->target_col != b->target_col || a->nlabels != b->nlabels ||
	    a->t_integral != b->t_integral || a->crc != b->crc ||
	    (a->t == NULL) != (b->t == NULL) ||
	    (a->target_name == NULL) != (b->target_name == NULL))
		return 0;
	if (!same_floats(a->x, b->x, a->n * a->d) ||
	    !same_strs(a->feat_names, b->feat_names, a->d))
		return 0;
	if (a->target_name == NULL)
		return 1;
	return strcmp(a->target_name, b->target_name) == 0 &&
	    same_strs(a->labels, b->labels, a->nlabels) &&
	    memcmp(a->y, b->y, a->n * sizeof(*a->y)) == 0 &&
	    (a->t == NULL || same_floats(a->t, b->t, a->n));
}

/* The stream reader and every split of s agree: the same data, or the same
 * error.  Returns the number of disagreeing splits; *what names the first. */
static int
agree(const char *s, size_t n, size_t skip, int header, const char *target,
    char *what, size_t wn)
{
	static const int threads[] = { 2, 3, 4, 5, 8, 13, 64 };
	nn_data ref, d;
	nn_err eref, e;
	int rref = read_parts(s, n, skip, 1, header, target, &ref, &eref), bad = 0;

	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		int rc = read_parts(s, n, skip, threads[i], header, target, &d, &e);
		int ok = rc == rref && (rc == 0 ? same_data(&ref, &d) :
		    strcmp(e.msg, eref.msg) == 0);
		if (!ok && bad++ == 0)
			snprintf(what, wn, "%d parts: %s / %s", threads[i],
			    rc == 0 ? "ok" : e.msg, rref == 0 ? "ok" : eref.msg);
		if (rc == 0)
			nn_data_free(&d);
	}
	if (rref == 0)
		nn_data_free(&ref);
	if (!bad)
		snprintf(what, wn, "%s", rref == 0 ? "ok" : eref.msg);
	return bad;
}

/* A quote-free file: every kind of line end, blank lines, maybe a byte
 * order mark and no line end at the end.  Row i is "i,a,b,label". */
static void
gen_plain(buf *b, nn_rng *r, size_t rows, int header, int numeric, int bom,
    int last_end)
{
	static const char *ends[] = { "\n", "\n", "\n", "\r\n", "\r", "\n\n",
	    "\r\n  \r\n", "\n \t\n", "\r\r\n" };
	static const char *words[] = { "cat", "dog", "émeu", "a b", "zebra" };
	static const char *nums[] = { "3", "-1", "2.5", "10", "7" };
	char row[128];

	if (bom)
		bput(b, "\xef\xbb\xbf");
	if (header)
		bput(b, "id,a,b,y\r\n");
	for (size_t i = 0; i < rows; i++) {
		int k = (int)nn_rng_below(r, 5);
		snprintf(row, sizeof(row), "%zu,%.6f,%d,%s", i,
		    (double)nn_rng_below(r, 100000) / 64 - 500,
		    (int)nn_rng_below(r, 256), numeric ? nums[k] : words[k]);
		bput(b, row);
		if (i + 1 < rows || last_end)
			bput(b, ends[nn_rng_below(r, sizeof(ends) / sizeof(ends[0]))]);
	}
}

static void
test_split(void)
{
	static const struct {
		size_t rows;
		int header, numeric, bom, last_end;
		const char *target;
	} v[] = {
		{ 300, 1, 0, 0, 1, NULL }, { 300, 1, 1, 1, 0, NULL },
		{ 300, 0, 1, 0, 1, NULL }, { 300, 0, 0, 1, 0, "4" },
		{ 300, 1, 1, 0, 1, "" }, { 300, 1, 1, 0, 1, "b" },
		{ 7, 1, 0, 0, 1, NULL }, { 1, 1, 1, 0, 0, NULL },
		{ 1, 0, 1, 0, 1, NULL }, { 0, 1, 1, 0, 1, NULL },
		{ 5000, 1, 0, 0, 1, NULL },
	};
	char what[1200];
	nn_rng r;

	nn_rng_seed(&r, 21);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		buf b = { 0 };
		bput(&b, "");
		gen_plain(&b, &r, v[i].rows, v[i].header, v[i].numeric, v[i].bom,
		    v[i].last_end);
		tap_ok(agree(b.s, b.n, 0, v[i].header, v[i].target, what,
		    sizeof(what)) == 0, "split case %zu (%zu rows): %s", i,
		    v[i].rows, what);
		free(b.s);
	}
	/* only LFs, no blank lines: the parts need no moving */
	{
		buf b = { 0 };
		char row[64];
		bput(&b, "a,b,y\n");
		for (int i = 0; i < 2000; i++) {
			snprintf(row, sizeof(row), "%d,%d,%d\n", i, i % 7, i % 3);
			bput(&b, row);
		}
		tap_ok(agree(b.s, b.n, 0, 1, NULL, what, sizeof(what)) == 0,
		    "split, LF only: %s", what);
		free(b.s);
	}
	/* quotes anywhere: read as a stream */
	{
		buf b = { 0 };
		unsigned long lines[2000];
		static float want[2000 * 3];
		gen_stream(&b, lines, want, 2000);
		tap_ok(agree(b.s, b.n, 0, 1, "1", what, sizeof(what)) == 0,
		    "split, quoted fields everywhere: %s", what);
		free(b.s);
	}
}

/* Each error at each place: the stream's message (the first error in file
 * order, with its line); and the line checked by counting here. */
static void
test_split_errors(void)
{
	static const char *bad[] = { "%zu,abc,1,x", "%zu,1", "%zu,,1,x",
	    "%zu,nan,1,x", "%zu,1,2,x,4", "%zu,1,2,", "%zu,1\"2,3,x",
	    "%zu,\"1\n2\",3,x", "\"%zu,1,2,x" };
	static const size_t at[] = { 0, 1, 150, 298, 299 };
	char what[1200], row[64];
	int fails = 0, cases = 0;
	nn_rng r;

	nn_rng_seed(&r, 5);
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		for (size_t a = 0; a < sizeof(at) / sizeof(at[0]); a++) {
			buf b = { 0 };
			char *s;
			gen_plain(&b, &r, 300, 1, 0, 0, 1);
			/* replace row at[a]: "N," at a line start */
			snprintf(row, sizeof(row), "%zu,", at[a]);
			for (s = b.s; *s != '\0'; s++)
				if ((s == b.s || s[-1] == '\n' || s[-1] == '\r') &&
				    strncmp(s, row, strlen(row)) == 0)
					break;
			if (*s == '\0')
				exit(2);
			size_t off = (size_t)(s - b.s), end = off + strcspn(s, "\r\n");
			buf c = { 0 };
			bput(&c, "");
			c.s = realloc(c.s, b.n + 64);
			memcpy(c.s, b.s, off);
			int m = snprintf(c.s + off, 64, bad[k], at[a]);
			memcpy(c.s + off + m, b.s + end, b.n - end + 1);
			c.n = off + (size_t)m + b.n - end;
			cases++;
			if (agree(c.s, c.n, 0, 1, NULL, what, sizeof(what)) != 0 &&
			    fails++ == 0)
				tap_ok(0, "split error %zu at row %zu: %s", k, at[a], what);
			free(b.s);
			free(c.s);
		}
	tap_ok(fails == 0, "split errors: %d cases, %d differ from the stream",
	    cases, fails);

	/* an error near the end of a plain file, so in a later part, and an
	 * earlier one that must win */
	{
		buf b = { 0 };
		nn_data d;
		nn_err e;
		char msg[96];
		bput(&b, "a,b,y\n");
		for (int i = 0; i < 1000; i++) {
			snprintf(row, sizeof(row), i == 900 ? "%d,x%d,1\n" :
			    i == 950 ? "%d\n" : "%d,%d,0\n", i, i);
			bput(&b, row);
		}
		snprintf(msg, sizeof(msg), "t.csv:%d:b: expected a number, got "
		    "\"x900\"", 900 + 2);
		tap_ok(read_parts(b.s, b.n, 0, 2, 1, NULL, &d, &e) == -1 &&
		    strcmp(e.msg, msg) == 0, "error in the 2nd of 2 parts: %s",
		    e.msg);
		b.s[b.n - 3] = ';';   /* also a bad last row */
		tap_ok(read_parts(b.s, b.n, 0, 7, 1, NULL, &d, &e) == -1 &&
		    strcmp(e.msg, msg) == 0, "the first of two errors: %s", e.msg);
		memcpy(b.s + 6, "q\n", 2);   /* and row 0 ragged: part 0 */
		tap_ok(read_parts(b.s, b.n, 0, 2, 1, NULL, &d, &e) == -1 &&
		    strcmp(e.msg, "t.csv:2:a: expected a number, got \"q\"") == 0,
		    "error in part 0: %s", e.msg);
		free(b.s);
	}
}

static void
test_split_misc(void)
{
	char what[1200];
	nn_data d, d2;
	nn_err e;
	nn_rng r;
	buf b = { 0 };

	nn_rng_seed(&r, 9);
	/* a quote in the header only: still split; one in the last row or
	 * one hiding a line end: read as a stream */
	bput(&b, "\"id\",\"a\",\"b\",\"y\"\n");
	gen_plain(&b, &r, 400, 0, 0, 0, 1);
	tap_ok(agree(b.s, b.n, 0, 1, NULL, what, sizeof(what)) == 0,
	    "quoted header: %s", what);
	bput(&b, "400,1,2,\"q,\"\"r\"\"\"\n401,1,2,\"two\nlines\"\n402,1,2,x\n");
	tap_ok(agree(b.s, b.n, 0, 1, NULL, what, sizeof(what)) == 0,
	    "quotes at the end: %s", what);
	tap_ok(read_parts(b.s, b.n, 0, 4, 1, NULL, &d, &e) == 0 && d.n == 403 &&
	    strcmp(d.labels[d.y[400]], "q,\"r\"") == 0 &&
	    strcmp(d.labels[d.y[401]], "two\nlines") == 0 &&
	    d.crc == nn_crc32(0, b.s, b.n), "quoted labels read whole");
	nn_data_free(&d);
	free(b.s);

	/* reading starts where fp stands */
	memset(&b, 0, sizeof(b));
	bput(&b, "junk,\"\n");
	size_t skip = b.n;
	gen_plain(&b, &r, 500, 1, 1, 0, 1);
	tap_ok(agree(b.s, b.n, skip, 1, NULL, what, sizeof(what)) == 0,
	    "from the middle of a file: %s", what);
	tap_ok(read_parts(b.s, b.n, skip, 3, 1, NULL, &d, &e) == 0 &&
	    d.crc == nn_crc32(0, b.s + skip, b.n - skip) && d.n == 500,
	    "crc of the bytes read (%s)", e.msg);
	nn_data_free(&d);
	free(b.s);

	/* a quote met by a part reader in a later chunk (256 KiB), in part 0
	 * and in the last part: every part stops, the stream reads it */
	for (int q = 0; q < 2; q++) {
		memset(&b, 0, sizeof(b));
		gen_plain(&b, &r, q ? 40000 : 13000, 1, 0, 0, 1);
		bput(&b, "40000,1,2,\"x\ny\"\n");
		if (q == 0)
			gen_plain(&b, &r, 27000, 0, 0, 0, 1);
		tap_ok(agree(b.s, b.n, 0, 1, NULL, what, sizeof(what)) == 0,
		    "a quote %s, %zu bytes: %s", q ? "at the end" : "at 1/3", b.n,
		    what);
		free(b.s);
	}
	/* CR LF cut by the end of a 256 KiB chunk of the line count */
	memset(&b, 0, sizeof(b));
	bput(&b, "a,b\r\n");
	for (int i = 0; i < 110000; i++)
		bput(&b, "1,2\r\n");
	tap_ok(agree(b.s, b.n, 0, 1, NULL, what, sizeof(what)) == 0,
	    "CR LF across chunks: %s", what);
	free(b.s);

	/* large enough to be split without NN_CSV_THREADS on a multi-core
	 * machine (2 MiB a part) */
	memset(&b, 0, sizeof(b));
	gen_plain(&b, &r, 150000, 1, 0, 0, 1);
	{
		nn_data_opts o = { .header = 1, .numeric_only = 1 };
		FILE *fp = input(b.s, b.n);
		unsetenv("NN_CSV_THREADS");
		int rc = nn_data_read(fp, "t.csv", &o, &d, &e);
		fclose(fp);
		tap_ok(rc == 0 && read_parts(b.s, b.n, 0, 1, 1, NULL, &d2, &e) == 0 &&
		    same_data(&d, &d2) && d.n == 150000 &&
		    d.crc == nn_crc32(0, b.s, b.n),
		    "%zu bytes, default parts: as the stream", b.n);
		if (rc == 0)
			nn_data_free(&d);
		nn_data_free(&d2);
	}
	free(b.s);
}

/* ---- writing -------------------------------------------------------------- */

static void
test_put(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "plain" }, { "", "" }, { "in side", "in side" },
		{ "a,b", "\"a,b\"" }, { "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" }, { "cr\r", "\"cr\r\"" },
		{ " lead", "\" lead\"" }, { "trail ", "\"trail \"" },
		{ "\ttab", "\"\ttab\"" }, { "3.25", "3.25" },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	FILE *fp = tmpfile();
	char *text;
	size_t len;
	nn_err e;

	for (size_t i = 0; i < n; i++) {
		char out[64];
		FILE *m = fmemopen(out, sizeof(out), "w");
		int rc = nn_csv_put(m, cases[i].in);
		long w = ftell(m);
		fclose(m);
		out[w < 0 ? 0 : w] = '\0';
		tap_ok(rc == 0 && strcmp(out, cases[i].out) == 0,
		    "nn_csv_put case %zu", i);
	}
	/* round trip: one row of every case, then read back as text */
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc(',', fp);
		nn_csv_put(fp, cases[i].in);
	}
	putc('\n', fp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			putc(',', fp);
		nn_csv_put(fp, "x");
	}
	fputs("\n", fp);
	len = (size_t)ftell(fp);
	rewind(fp);
	text = malloc(len);
	if (fread(text, 1, len, fp) != len)
		exit(2);
	rewind(fp);
	nn_csv *c = nn_csv_open(fp, "w.csv", 0, &e);
	int *roles = malloc(n * sizeof(*roles));
	for (size_t i = 0; i < n; i++)
		roles[i] = NN_COL_TEXT((int)i);
	int ok = c != NULL && nn_csv_set_roles(c, roles, 0, n, 0, &e) == 0 &&
	    nn_csv_read(c, NULL, 5, &e) == 2;
	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(nn_csv_text(c, 0, i), cases[i].in) == 0 &&
		    strcmp(nn_csv_text(c, 1, i), "x") == 0;
	tap_ok(ok, "nn_csv_put round trip through the reader");
	tap_ok(c != NULL && nn_csv_read(c, NULL, 5, &e) == 0 &&
	    nn_csv_crc(c) == nn_crc32(0, text, len), "round trip crc");
	nn_csv_free(c);
	free(roles);
	free(text);
	fclose(fp);
	tap_ok(nn_csv_put(stdin, "x") == -1, "nn_csv_put reports a write error");
}

int
main(void)
{
	test_basic();
	test_no_header();
	test_quoting();
	test_crlf_blank();
	test_errors();
	test_read_error();
	test_long_field();
	test_stream();
	test_stream_errors();
	test_nul_number();
	test_long_numbers();
	test_numbers();
	test_labels();
	test_split();
	test_split_errors();
	test_split_misc();
	test_put();
	return tap_done();
}
