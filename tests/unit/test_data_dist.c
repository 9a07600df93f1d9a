/*
 * test_data_dist.c - nn_data_read with ranks (nn_data_opts.dist): P ranks
 * as threads (dist_threads.h), each reading the same file, against one
 * process's nn_data_read of it.  A rank that reads its part must hold the
 * single read's rows [lo, hi), the ranks' parts one after the other, and
 * everything else (y, t, labels, the encoder and its fills, the counts,
 * the CRC) byte for byte the single read's; where the ranks read the
 * whole file, every rank's result or message is the single read's, and
 * whole names why.
 * nn_data_read_with (an encoder fitted by one process's nn_data_read on
 * another file) the same way, against one process's nn_data_read_with.
 *
 * Inputs are generated here and written to a temporary directory; the
 * expected values are the single process's, whose own reading the other
 * unit tests and tests/data.bats check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "tap.h"
#include "dist_threads.h"

static char dir[] = "/tmp/nn_dist_XXXXXX";
static char path[sizeof(dir) + 16];
/* The training file an encoder is fitted on (nn_data_read_with's cases). */
static char tpath[sizeof(dir) + 16];
/* The ranks read the file through a pipe (cat), not as a regular file. */
static int use_pipe;

/* ---- inputs ------------------------------------------------------------- */

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
	vsnprintf(b->s + b->n, (size_t)k + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static void
write_file(const char *s, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(s, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		exit(2);
	}
}

/* ---- one read per rank -------------------------------------------------- */

typedef struct job {
	const nn_data_opts *o;
	const nn_enc *enc;      /* nn_data_read_with's, or NULL */
	const nn_dist *dist;
	nn_data d;
	nn_err e;
	int rc;
} job;

static void *
run_rank(void *arg)
{
	job *j = arg;
	nn_data_opts o = *j->o;
	char cmd[sizeof(path) + 16];
	FILE *fp;

	snprintf(cmd, sizeof(cmd), "cat %s", path);
	fp = use_pipe ? popen(cmd, "r") : fopen(path, "rb");
	o.dist = j->dist;
	j->e.msg[0] = '\0';
	j->rc = fp == NULL ? -1 : j->enc != NULL ? nn_data_read_with(fp,
	    "t.csv", &o, j->enc, &j->d, &j->e) : nn_data_read(fp, "t.csv", &o,
	    &j->d, &j->e);
	if (fp != NULL && use_pipe)
		pclose(fp);
	else if (fp != NULL)
		fclose(fp);
	return NULL;
}

static int
same_bytes(const void *a, const void *b, size_t n)
{
	return n == 0 || (a != NULL && b != NULL && memcmp(a, b, n) == 0);
}

/* Everything but x: what every rank holds whole. */
static const char *
diff_common(const nn_data *a, const nn_data *r)
{
	if (a->n != r->n || a->d != r->d)
		return "n or d";
	if (a->ncols != r->ncols || a->target_col != r->target_col ||
	    a->delim != r->delim)
		return "ncols, target_col or delim";
	if (a->crc != r->crc)
		return "crc";
	if (a->nlabels != r->nlabels || a->t_integral != r->t_integral)
		return "nlabels or t_integral";
	for (size_t k = 0; k < a->nlabels; k++)
		if (strcmp(a->labels[k], r->labels[k]) != 0)
			return "labels";
	if ((a->y == NULL) != (r->y == NULL) ||
	    (a->y && !same_bytes(a->y, r->y, a->n * sizeof(*a->y))))
		return "y";
	if ((a->t == NULL) != (r->t == NULL) ||
	    (a->t && !same_bytes(a->t, r->t, a->n * sizeof(*a->t))))
		return "t";
	if ((a->target_name == NULL) != (r->target_name == NULL) ||
	    (a->target_name && strcmp(a->target_name, r->target_name) != 0))
		return "target_name";
	if ((a->feat_names == NULL) != (r->feat_names == NULL))
		return "feat_names";
	for (size_t j = 0; a->feat_names != NULL && j < a->d; j++)
		if (strcmp(a->feat_names[j], r->feat_names[j]) != 0)
			return "feat_names";
	if (a->dropped_target != r->dropped_target ||
	    a->dropped_missing != r->dropped_missing)
		return "dropped counts";
	const nn_enc *p = a->enc, *q = r->enc;
	if ((p == NULL) != (q == NULL) || (a->filled == NULL) !=
	    (r->filled == NULL))
		return "enc";
	if (p == NULL)          /* nn_data_read_with: the caller's */
		return NULL;
	if (p->missing != q->missing || p->ncols != q->ncols ||
	    p->nid != q->nid || p->nna != q->nna)
		return "enc sizes";
	if (!same_bytes(a->filled, r->filled, p->ncols * sizeof(*a->filled)))
		return "filled";
	for (size_t m = 0; m < p->ncols; m++) {
		const nn_incol *c = &p->cols[m], *k = &q->cols[m];
		if (strcmp(c->name, k->name) != 0 || c->type != k->type ||
		    c->off != k->off || c->src != k->src || c->ncat != k->ncat ||
		    c->fill_cat != k->fill_cat)
			return "enc column";
		if (!same_bytes(&c->fill, &k->fill, sizeof(c->fill)))
			return "enc fill";
		for (size_t z = 0; z < c->ncat; z++)
			if (strcmp(c->cats[z], k->cats[z]) != 0)
				return "enc categories";
	}
	for (size_t m = 0; m < p->nid; m++)
		if (strcmp(p->ids[m], q->ids[m]) != 0)
			return "enc ids";
	for (size_t m = 0; m < p->nna; m++)
		if (strcmp(p->na[m], q->na[m]) != 0)
			return "enc na";
	return NULL;
}

/* One case: the file at path read by one process, then by P ranks for P
 * in 2..4, each with 1 and 3 parts per rank (NN_CSV_THREADS), with
 * nn_data_read, or nn_data_read_with and enc when enc is not NULL.
 * whole: NULL when the ranks must read their parts, else the reason they
 * must give for reading everything. */
static void
check_enc(const char *name, const nn_data_opts *o, const nn_enc *enc,
    const char *whole)
{
	nn_data ref;
	nn_err re;
	int rrc;
	FILE *fp = fopen(path, "rb");

	re.msg[0] = '\0';
	unsetenv("NN_CSV_THREADS");
	rrc = enc != NULL ? nn_data_read_with(fp, "t.csv", o, enc, &ref, &re) :
	    nn_data_read(fp, "t.csv", o, &ref, &re);
	fclose(fp);
	for (int P = 2; P <= 4; P++)
		for (int th = 1; th <= 3; th += 2) {
			dt_board b;
			pthread_t t[DT_MAXR];
			job jb[DT_MAXR];
			const char *bad = NULL;
			size_t next = 0;
			char num[8];

			snprintf(num, sizeof(num), "%d", th);
			setenv("NN_CSV_THREADS", num, 1);
			dt_init(&b, P);
			memset(jb, 0, sizeof(jb));
			for (int r = 0; r < P; r++) {
				jb[r].o = o;
				jb[r].enc = enc;
				jb[r].dist = dt_rank(&b, r);
				if (pthread_create(&t[r], NULL, run_rank, &jb[r]) != 0)
					exit(2);
			}
			for (int r = 0; r < P; r++)
				pthread_join(t[r], NULL);
			dt_free(&b);
			unsetenv("NN_CSV_THREADS");
			for (int r = 0; r < P && bad == NULL; r++) {
				const nn_data *a = &jb[r].d;
				if (jb[r].rc != rrc) {
					bad = "status";
					tap_diag("rank %d: %d \"%s\"; one process: %d \"%s\"",
					    r, jb[r].rc, jb[r].e.msg, rrc, re.msg);
				} else if (rrc < 0) {
					if (strcmp(jb[r].e.msg, re.msg) != 0) {
						bad = "message";
						tap_diag("rank %d: %s", r, jb[r].e.msg);
						tap_diag("one process: %s", re.msg);
					}
				} else if ((bad = diff_common(a, &ref)) != NULL) {
				} else if (whole == NULL && !a->part) {
					bad = "read the whole file";
					tap_diag("rank %d: whole: %s", r, a->whole);
				} else if (whole != NULL && (a->part || a->whole == NULL ||
				    strcmp(a->whole, whole) != 0)) {
					bad = "the reason to read the whole file";
					tap_diag("rank %d: %s", r, a->part ? "part" :
					    a->whole);
				} else if (a->part && (a->lo != next || a->hi < a->lo ||
				    a->hi > ref.n || (r == P - 1 && a->hi != ref.n))) {
					bad = "lo, hi";
					tap_diag("rank %d: [%zu, %zu) of %zu, expected from "
					    "%zu", r, a->lo, a->hi, ref.n, next);
				} else if (a->part && !same_bytes(a->x, ref.x + a->lo *
				    ref.d, (a->hi - a->lo) * ref.d * sizeof(float))) {
					bad = "x rows";
				} else if (!a->part && !same_bytes(a->x, ref.x,
				    ref.n * ref.d * sizeof(float))) {
					bad = "x";
				}
				if (a->part)
					next = a->hi;
			}
			tap_ok(bad == NULL, "%s: %d ranks, %d part%s each%s%s", name, P,
			    th, th > 1 ? "s" : "", bad ? ": " : "", bad ? bad : "");
			for (int r = 0; r < P; r++)
				nn_data_free(&jb[r].d);
		}
	if (rrc == 0)
		nn_data_free(&ref);
}

static void
check(const char *name, const nn_data_opts *o, const char *whole)
{
	check_enc(name, o, NULL, whole);
}

/* ---- the cases ---------------------------------------------------------- */

static const nn_data_opts base = {
	.header = 1, .na = nn_na_default, .nna = 9, .missing = NN_MISSING_MEAN,
	.max_categories = NN_MAX_CATEGORIES,
};

/* Rows of three numbers and a class; classes "first" and "last" only in
 * the first and last rows, so only some ranks see them. */
static void
gen_classes(buf *b, size_t n, const char *eol, int final_eol)
{
	for (size_t i = 0; i < n; i++) {
		const char *cls = i < 3 ? "first" : i + 3 >= n ? "last" :
		    i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c";
		bprintf(b, "%.3f,%zu,%g,%s%s", (double)i * 0.37 - 5.0, i % 7,
		    (double)(i * i % 101) / 8.0, cls,
		    i + 1 < n || final_eol ? eol : "");
	}
}

static void
test_plain(void)
{
	buf b = { 0 };

	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 60, "\n", 1);
	write_file(b.s, b.n);
	check("classes", &base, NULL);

	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\r\n");
	gen_classes(&b, 45, "\r\n", 1);
	write_file(b.s, b.n);
	check("CR LF", &base, NULL);

	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 31, "\n", 0);
	write_file(b.s, b.n);
	check("no final newline", &base, NULL);

	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\r\n");
	gen_classes(&b, 31, "\r\n", 0);
	write_file(b.s, b.n);
	check("CR LF, no final line end", &base, NULL);

	b.n = 0;
	gen_classes(&b, 40, "\n", 1);
	write_file(b.s, b.n);
	nn_data_opts o = base;
	o.header = 0;
	check("no header", &o, NULL);

	/* two rows: most ranks get none */
	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n1,2,3,a\n4,5,6,b\n");
	write_file(b.s, b.n);
	check("two rows", &base, NULL);

	/* one data row, no header: rank 0 holds it as its first record */
	b.n = 0;
	bprintf(&b, "1,2,3,a\n");
	write_file(b.s, b.n);
	check("one row, no header", &o, NULL);

	/* a long row: the nominal starts of several ranks fall inside it,
	 * ranges without a LF */
	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n1.");
	for (int i = 0; i < 3000; i++)
		bprintf(&b, "0");
	bprintf(&b, "1,2,3,a\n");
	gen_classes(&b, 5, "\n", 1);
	write_file(b.s, b.n);
	check("a long row", &base, NULL);
	free(b.s);
}

static void
test_targets(void)
{
	buf b = { 0 };
	nn_data_opts o = base;

	/* regression: the target parsed as numbers on every rank */
	bprintf(&b, "a,b,y\n");
	for (int i = 0; i < 50; i++)
		bprintf(&b, "%d,%g,%.4f\n", i, i * 0.5, i * 1.37 - 20.0);
	write_file(b.s, b.n);
	check("regression target", &base, NULL);

	/* the target named, an --id and an --ignore'd column */
	b.n = 0;
	bprintf(&b, "id,y,f1,junk,f2\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%d,%d,%g,%d,%g\n", 1000 + i, i % 4, i / 3.0, -i,
		    (i * 7 % 13) / 2.0);
	write_file(b.s, b.n);
	o.target = "y";
	o.id = "id";
	o.ignore = "junk";
	check("--target, --id, --ignore", &o, NULL);

	/* no target */
	o = base;
	o.target = "";
	check("no target", &o, NULL);

	/* numeric_only, the target by number */
	o = base;
	o.numeric_only = 1;
	o.target = "2";
	check("numeric only", &o, NULL);
	free(b.s);
}

/* Rows with missing values in every part of the file. */
static void
gen_missing(buf *b, size_t n)
{
	bprintf(b, "a,b,c,y\n");
	for (size_t i = 0; i < n; i++) {
		char a[32], bb[32];
		snprintf(a, sizeof(a), "%g", (double)(i % 9) - 2.5);
		snprintf(bb, sizeof(bb), "%zu", i % 5);
		bprintf(b, "%s,%s,%g,%s\n", i % 7 == 3 ? "NA" : a,
		    i % 11 == 5 ? "" : bb, (double)i / 4.0, i % 2 ? "yes" : "no");
	}
}

static void
test_missing(void)
{
	static const nn_missing how[] = { NN_MISSING_MEAN, NN_MISSING_MEDIAN,
		NN_MISSING_MODE, NN_MISSING_DROP };
	static const char *const hname[] = { "mean", "median", "mode", "drop" };
	buf b = { 0 };
	nn_data_opts o = base;

	gen_missing(&b, 80);
	write_file(b.s, b.n);
	for (size_t k = 0; k < 4; k++) {
		char nm[64];
		o.missing = how[k];
		snprintf(nm, sizeof(nm), "--missing %s", hname[k]);
		check(nm, &o, NULL);
	}
	/* --missing error: the general reader names the line */
	o.missing = NN_MISSING_ERROR;
	check("--missing error", &o, NULL);   /* an error: no reason */
	/* numeric_only with missing values: its own error */
	o = base;
	o.numeric_only = 1;
	o.missing = NN_MISSING_ERROR;
	check("numeric only, a missing value", &o, NULL);

	/* a missing target in the last rows */
	b.n = 0;
	bprintf(&b, "a,y\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%d,%s\n", i, i == 28 ? "NA" : i % 2 ? "p" : "q");
	write_file(b.s, b.n);
	check("a missing target", &base, NULL);

	/* every value of a column missing */
	b.n = 0;
	bprintf(&b, "a,b,y\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%d,NA,%d\n", i, i % 2);
	write_file(b.s, b.n);
	check("an empty column", &base, NULL);  /* the general reader's error */
	free(b.s);
}

static void
test_whole(void)
{
	buf b = { 0 };
	nn_data_opts o = base;

	/* a quote: read whole, the same data */
	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 40, "\n", 1);
	bprintf(&b, "1,2,3,\"a\"\n");
	write_file(b.s, b.n);
	check("a quote", &base, NULL);

	/* a string column: every rank's data the general reader's */
	b.n = 0;
	bprintf(&b, "x,color,y\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%d,%s,%d\n", i, i % 3 ? "red" : "blue", i % 2);
	write_file(b.s, b.n);
	check("a string column", &base, NULL);

	/* a typo in the last rows: the general reader's error, with its line */
	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 50, "\n", 1);
	bprintf(&b, "1,2,oops,a\n");
	write_file(b.s, b.n);
	check("a typo in the last part", &base, NULL);
	o.numeric_only = 1;
	check("a typo in the last part, numeric only", &o, NULL);

	/* --categorical: the general reader */
	o = base;
	o.categorical = "x2";
	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 30, "\n", 1);
	write_file(b.s, b.n);
	check("--categorical", &o, NULL);

	/* through a pipe: every rank reads it all */
	use_pipe = 1;
	check("a pipe", &base, "not a plain file: a pipe, or compressed");
	use_pipe = 0;

	/* only a header; nothing at all: one process's message */
	write_file("x1,x2,class\n", 12);
	check("only a header", &base, NULL);
	write_file("", 0);
	check("an empty file", &base, NULL);

	/* a ragged row in the middle: the error */
	b.n = 0;
	bprintf(&b, "x1,x2,x3,class\n");
	gen_classes(&b, 20, "\n", 1);
	bprintf(&b, "1,2,a\n");
	gen_classes(&b, 20, "\n", 1);
	write_file(b.s, b.n);
	check("a ragged row", &base, NULL);
	free(b.s);
}

/* ---- quotes and the general reader in parts ----------------------------- */

static void
test_quotes(void)
{
	buf b = { 0 };
	nn_data_opts o = base;

	/* quoted numbers and a quoted text feature with commas and "" */
	bprintf(&b, "\"x\",\"name, full\",y\n");
	for (int i = 0; i < 70; i++)
		bprintf(&b, "\"%d.5\",\"%s, \"\"%c\"\"\",%s\n", i % 13,
		    i % 4 ? "Smith" : "Jones", 'a' + i % 3, i % 2 ? "p" : "q");
	write_file(b.s, b.n);
	check("quoted fields, commas and \"\" inside", &base, NULL);

	/* only numbers, some quoted: the numeric road in one part a rank */
	b.n = 0;
	bprintf(&b, "a,b,y\n");
	for (int i = 0; i < 60; i++)
		bprintf(&b, i % 5 ? "%d,%d,%d\n" : "\"%d\",%d,\"%d\"\n", i, i % 7,
		    i % 3);
	write_file(b.s, b.n);
	check("quoted numbers", &base, NULL);

	/* a quoted field holding many line ends: the nominal cuts of 2 to 4
	 * ranks fall inside it, and move on past it */
	b.n = 0;
	bprintf(&b, "note,x,y\n\"a\",1,p\n\"");
	for (int i = 0; i < 200; i++)
		bprintf(&b, "line %d, \"\"quoted\"\"\n", i);
	bprintf(&b, "end\",2,q\n");
	for (int i = 0; i < 10; i++)
		bprintf(&b, "\"n%d\",%d,%s\n", i % 3, i, i % 2 ? "p" : "q");
	write_file(b.s, b.n);
	check("a line end inside a quoted field", &base, NULL);
	b.n = 0;
	bprintf(&b, "note,x,y\r\n\"a\r\nb\",1,p\r\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "\"r\r\n%d\",%d,%s\r\n", i % 4, i, i % 3 ? "p" : "q");
	write_file(b.s, b.n);
	check("quoted CR LF", &base, NULL);

	/* an unterminated quote in the last part: one process's message */
	b.n = 0;
	bprintf(&b, "x,y\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%d,%s\n", i, i % 2 ? "p" : "q");
	bprintf(&b, "1,\"p\n");
	write_file(b.s, b.n);
	check("an unterminated quote", &base, NULL);
	b.n = 0;
	bprintf(&b, "x,y\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%d,%s\n", i, i == 35 ? "a\"b" : i % 2 ? "p" : "q");
	write_file(b.s, b.n);
	check("a quote inside a field", &base, NULL);
	(void)o;
	free(b.s);
}

/* Rows with a numeric, a text and a date-like column, a class; the
 * colours "early" and "late" only in the first and last rows; missing
 * values (every 7th number, every 5th colour) when miss. */
static void
gen_text(buf *b, size_t n, int miss, int header)
{
	if (header)
		bprintf(b, "num,colour,day,class\n");
	for (size_t i = 0; i < n; i++) {
		const char *col = i < 4 ? "early" : i + 4 >= n ? "late" :
		    i % 3 == 0 ? "red" : i % 3 == 1 ? "green" : "blue";
		char num[32];
		snprintf(num, sizeof(num), "%g", (double)(i % 9) * 0.75 - 1.0);
		bprintf(b, "%s,%s,2024-%02zu-%02zu,%s\n",
		    miss && i % 7 == 2 ? "NA" : num,
		    miss && i % 5 == 4 ? "" : col, 1 + i % 4, 1 + i % 3,
		    i % 4 == 0 ? "x" : i % 4 == 1 ? "y" : "z");
	}
}

static void
test_general(void)
{
	static const nn_missing how[] = { NN_MISSING_MEAN, NN_MISSING_MEDIAN,
		NN_MISSING_MODE, NN_MISSING_DROP };
	static const char *const hname[] = { "mean", "median", "mode", "drop" };
	buf b = { 0 };
	nn_data_opts o = base;

	gen_text(&b, 90, 0, 1);
	write_file(b.s, b.n);
	check("text and date columns, categories in some parts", &base, NULL);
	o.categorical = "num";
	check("text columns, --categorical on a numeric one", &o, NULL);
	o = base;
	o.target = "";
	check("text columns, no target", &o, NULL);
	o = base;
	o.target = "colour";
	o.id = "day";
	check("a text target, an --id", &o, NULL);
	o = base;
	o.ignore = "colour";
	check("--ignore the text column", &o, NULL);  /* a date is text too */
	o = base;
	o.max_categories = 5;
	check("more categories than --max-categories", &o, NULL);
	o.max_categories = 12;
	check("--max-categories 12", &o, NULL);

	b.n = 0;
	gen_text(&b, 100, 1, 1);
	write_file(b.s, b.n);
	o = base;
	for (size_t k = 0; k < 4; k++) {
		char nm[64];
		o.missing = how[k];
		snprintf(nm, sizeof(nm), "text columns, --missing %s", hname[k]);
		check(nm, &o, NULL);
	}
	o.missing = NN_MISSING_ERROR;
	check("text columns, --missing error", &o, NULL);
	o = base;
	o.missing = NN_MISSING_MEDIAN;
	o.categorical = "num";
	check("--categorical with missing values, --missing median", &o, NULL);

	/* a tie between categories for the fill: the first wins */
	b.n = 0;
	bprintf(&b, "c,y\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%s,%d\n", i == 20 ? "NA" : i % 2 ? "b" : "a", i % 2);
	write_file(b.s, b.n);
	check("a tie for the most frequent category", &base, NULL);

	/* a missing target, text features */
	b.n = 0;
	gen_text(&b, 60, 0, 1);
	bprintf(&b, "1,red,2024-01-01,NA\n");
	gen_text(&b, 6, 0, 0);
	write_file(b.s, b.n);
	check("text columns, a missing target", &base, NULL);

	/* no header */
	b.n = 0;
	gen_text(&b, 50, 1, 0);
	write_file(b.s, b.n);
	o = base;
	o.header = 0;
	check("text columns, no header", &o, NULL);
	o.missing = NN_MISSING_DROP;
	check("text columns, no header, --missing drop", &o, NULL);
	free(b.s);
}

/* Where one process fails, every rank gives its message. */
static void
test_general_errors(void)
{
	buf b = { 0 };
	nn_data_opts o = base;

	/* a typo in the numeric column, in the last rank's part */
	gen_text(&b, 80, 0, 1);
	bprintf(&b, "oops,red,2024-01-01,x\n");
	write_file(b.s, b.n);
	check("text columns, a typo in the last part", &base, NULL);

	/* a number not finite */
	b.n = 0;
	gen_text(&b, 40, 0, 1);
	bprintf(&b, "inf,red,2024-01-01,x\n");
	write_file(b.s, b.n);
	check("text columns, a number not finite", &base, NULL);

	/* a column every value of which is missing */
	b.n = 0;
	bprintf(&b, "a,b,y\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%s,NA,%d\n", i % 2 ? "u" : "v", i % 2);
	write_file(b.s, b.n);
	check("text columns, an empty column", &base, NULL);

	/* every target missing; every row dropped */
	b.n = 0;
	bprintf(&b, "a,y\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%s,NA\n", i % 2 ? "u" : "v");
	write_file(b.s, b.n);
	check("text columns, no target values", &base, NULL);
	b.n = 0;
	bprintf(&b, "a,b,y\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%s,%s,%d\n", i % 2 ? "u" : "NA", i % 2 ? "NA" : "1",
		    i % 2);
	write_file(b.s, b.n);
	o.missing = NN_MISSING_DROP;
	check("text columns, every row dropped", &o, NULL);

	/* a ragged row among text columns */
	b.n = 0;
	gen_text(&b, 30, 0, 1);
	bprintf(&b, "1,red\n");
	gen_text(&b, 30, 0, 0);
	write_file(b.s, b.n);
	check("text columns, a ragged row", &base, NULL);
	free(b.s);
}

/* ---- nn_data_read_with: a fitted encoder ------------------------------- */

/* A training file: a numeric column, a categorical one, a numeric one
 * with missing values (miss: the token written), a class; n rows. */
static void
gen_train(buf *b, size_t n, int holes, const char *miss)
{
	bprintf(b, "num,colour,size,class\n");
	for (size_t i = 0; i < n; i++) {
		const char *col = i % 3 == 0 ? "red" : i % 3 == 1 ? "green" :
		    "blue";
		bprintf(b, "%g,%s,", (double)(i % 9) * 0.75 - 1.0,
		    holes && i % 5 == 4 ? "" : col);
		if (holes && i % 6 == 1)
			bprintf(b, "%s,", miss);
		else
			bprintf(b, "%zu,", i % 5 + (i % 3 == 0));
		bprintf(b, "%s\n", i % 3 == 0 ? "x" : i % 3 == 1 ? "y" : "z");
	}
}

/* The encoder of one process's nn_data_read of the training file s
 * (into *d, which owns it). */
static const nn_enc *
fit(const char *what, const buf *s, const nn_data_opts *o, nn_data *d)
{
	FILE *fp = fopen(tpath, "wb");
	nn_err e;
	int rc;

	if (fp == NULL || fwrite(s->s, 1, s->n, fp) != s->n || fclose(fp) != 0) {
		perror(tpath);
		exit(2);
	}
	fp = fopen(tpath, "rb");
	e.msg[0] = '\0';
	rc = fp == NULL ? -1 : nn_data_read(fp, "train.csv", o, d, &e);
	if (fp != NULL)
		fclose(fp);
	if (rc < 0) {
		tap_diag("%s: %s", what, e.msg);
		exit(2);
	}
	return d->enc;
}

/* The file read with the encoder: the columns in another order and an
 * extra one (note: quoted, commas, a line end inside every 4th), missing
 * values (miss: the token) in both numeric columns and the colour,
 * colours training never saw ("purple", and "early"/"late" in the first
 * and last rows only), quoted numbers and colours, a missing target in
 * the middle and near the end, targets "first" and "last" only in the
 * first and last rows (or numbers, numeric != 0: integers when 1).  eol
 * ends every row, the last one only when final. */
static void
gen_with(buf *b, size_t n, const char *eol, int final, int numeric,
    const char *miss)
{
	bprintf(b, "size,note,colour,num,class%s", eol);
	for (size_t i = 0; i < n; i++) {
		const char *col = i < 2 ? "early" : i + 2 >= n ? "late" :
		    i % 8 == 5 ? "purple" : i % 3 == 0 ? "red" : i % 3 == 1 ?
		    "green" : "blue";
		const char *cls = i < 3 ? "first" : i + 3 >= n ? "last" :
		    i % 3 == 0 ? "x" : i % 3 == 1 ? "y" : "z";
		if (i % 6 == 2)
			bprintf(b, "%s,", miss);
		else
			bprintf(b, "%zu,", i % 7);
		if (i % 4 == 1)
			bprintf(b, "\"note %zu, line%sand \"\"more\"\"\",", i, eol);
		else
			bprintf(b, "n%zu,", i);
		if (i % 5 == 3)
			bprintf(b, "%s,", miss);
		else
			bprintf(b, i % 4 == 2 ? "\"%s\"," : "%s,", col);
		if (i % 7 == 4)
			bprintf(b, "%s,", miss);
		else
			bprintf(b, i % 4 == 3 ? "\"%g\"," : "%g,", (double)(i % 11) *
			    0.5 - 2.0);
		if (i == n / 2 || i + 2 == n)
			bprintf(b, "NA");
		else if (numeric == 1)
			bprintf(b, "%zu", i < 3 ? 7 : i + 3 >= n ? 9 : i % 4);
		else if (numeric)
			bprintf(b, "%g", (double)(i % 13) * 0.25 - 1.0);
		else
			bprintf(b, "%s", cls);
		bprintf(b, "%s", i + 1 < n || final ? eol : "");
	}
}

static void
test_with(void)
{
	static const char *const na3[] = { "", "NA", "-" };
	static const nn_missing how[] = { NN_MISSING_MEAN, NN_MISSING_MEDIAN,
		NN_MISSING_MODE };
	static const char *const hname[] = { "mean", "median", "mode" };
	buf tb = { 0 }, b = { 0 };
	nn_data_opts o = base, w = base;
	nn_data tr;
	const nn_enc *enc;
	char nm[96];

	w.target = "class";
	gen_train(&tb, 60, 1, "NA");
	for (size_t k = 0; k < 3; k++) {
		o.missing = how[k];
		enc = fit("train", &tb, &o, &tr);
		b.n = 0;
		gen_with(&b, 70, "\n", 1, 0, "NA");
		write_file(b.s, b.n);
		snprintf(nm, sizeof(nm), "with an encoder (--missing %s)",
		    hname[k]);
		check_enc(nm, &w, enc, NULL);
		b.n = 0;
		gen_with(&b, 55, "\r\n", 0, 0, "NA");
		write_file(b.s, b.n);
		snprintf(nm, sizeof(nm), "with an encoder (--missing %s), CR LF, "
		    "no final line end", hname[k]);
		check_enc(nm, &w, enc, NULL);
		nn_data_free(&tr);
	}

	o = base;
	enc = fit("train", &tb, &o, &tr);
	b.n = 0;
	gen_with(&b, 64, "\n", 0, 0, "");
	write_file(b.s, b.n);
	check_enc("with an encoder, empty fields missing", &w, enc, NULL);
	w.target = NULL;
	check_enc("with an encoder, no target", &w, enc, NULL);
	w.target = "class";
	b.n = 0;
	gen_with(&b, 48, "\n", 1, 1, "NA");
	write_file(b.s, b.n);
	check_enc("with an encoder, integer target", &w, enc, NULL);
	b.n = 0;
	gen_with(&b, 48, "\r\n", 1, 2, "NA");
	write_file(b.s, b.n);
	check_enc("with an encoder, regression target", &w, enc, NULL);
	/* through a pipe: every rank reads it all */
	use_pipe = 1;
	check_enc("with an encoder, a pipe", &w, enc,
	    "not a plain file: a pipe, or compressed");
	use_pipe = 0;
	/* three rows, the second without a target: most ranks get none */
	b.n = 0;
	gen_with(&b, 3, "\n", 1, 0, "NA");
	write_file(b.s, b.n);
	check_enc("with an encoder, two rows kept of three", &w, enc, NULL);
	b.n = 0;
	bprintf(&b, "num,colour,size,class\n1,red,2,x\n2,purple,NA,NA\n"
	    "3,blue,1,y\n");
	write_file(b.s, b.n);
	check_enc("with an encoder, a missing target", &w, enc, NULL);
	nn_data_free(&tr);

	/* the missing-value tokens the encoder learned ("-"), not the
	 * reader's */
	o = base;
	o.na = na3;
	o.nna = 3;
	b.n = 0;
	gen_train(&b, 40, 1, "-");
	enc = fit("train", &b, &o, &tr);
	b.n = 0;
	gen_with(&b, 66, "\n", 1, 0, "-");
	write_file(b.s, b.n);
	check_enc("with an encoder, its own missing-value tokens", &w, enc,
	    NULL);
	nn_data_free(&tr);

	/* --missing error, no value missing: parts; a missing target is no
	 * error */
	o = base;
	o.missing = NN_MISSING_ERROR;
	b.n = 0;
	gen_train(&b, 40, 0, "NA");
	enc = fit("train", &b, &o, &tr);
	b.n = 0;
	bprintf(&b, "class,num,colour,size\n");
	for (int i = 0; i < 50; i++)
		bprintf(&b, "%s,%d,%s,%d\n", i == 44 ? "NA" : i % 2 ? "x" : "y",
		    i, i % 3 ? "red" : "\"teal, blue\"", i % 4);
	write_file(b.s, b.n);
	check_enc("with a --missing error encoder, no value missing", &w, enc,
	    NULL);
	nn_data_free(&tr);
	free(tb.s);
	free(b.s);
}

/* Where one process fails, every rank gives its message. */
static void
test_with_errors(void)
{
	buf tb = { 0 }, b = { 0 };
	nn_data_opts o = base, w = base;
	nn_data tr;
	const nn_enc *enc;

	w.target = "class";
	gen_train(&tb, 50, 1, "NA");
	enc = fit("train", &tb, &o, &tr);

	/* not a number in a numeric column, in the last rank's part */
	gen_with(&b, 60, "\n", 1, 0, "NA");
	bprintf(&b, "3,n,red,oops,x\n");
	write_file(b.s, b.n);
	check_enc("with an encoder, a typo in the last part", &w, enc, NULL);
	/* not finite, in the first part */
	b.n = 0;
	bprintf(&b, "num,colour,size,class\n1,red,inf,x\n");
	for (int i = 0; i < 40; i++)
		bprintf(&b, "%d,red,%d,y\n", i, i % 3);
	write_file(b.s, b.n);
	check_enc("with an encoder, a number not finite", &w, enc, NULL);
	/* "-" is no missing value to this encoder: not a number */
	b.n = 0;
	gen_with(&b, 40, "\n", 1, 0, "-");
	write_file(b.s, b.n);
	check_enc("with an encoder, a token it does not know", &w, enc, NULL);
	/* a ragged row in the middle; an unterminated quote at the end */
	b.n = 0;
	gen_with(&b, 30, "\n", 1, 0, "NA");
	bprintf(&b, "1,n,red\n");
	gen_with(&b, 30, "\n", 1, 0, "NA");
	write_file(b.s, b.n);
	check_enc("with an encoder, a ragged row", &w, enc, NULL);
	b.n = 0;
	gen_with(&b, 40, "\n", 1, 0, "NA");
	bprintf(&b, "1,\"n,red,2,x\n");
	write_file(b.s, b.n);
	check_enc("with an encoder, an unterminated quote", &w, enc, NULL);
	/* a column of the model's missing; no target column */
	b.n = 0;
	bprintf(&b, "num,size,class\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%d,%d,x\n", i, i % 3);
	write_file(b.s, b.n);
	check_enc("with an encoder, a column missing", &w, enc, NULL);
	w.target = "label";
	b.n = 0;
	gen_with(&b, 30, "\n", 1, 0, "NA");
	write_file(b.s, b.n);
	check_enc("with an encoder, no such target", &w, enc, NULL);
	w.target = "class";
	/* only a header; every target missing; nothing at all */
	write_file("num,colour,size,class\n", 22);
	check_enc("with an encoder, only a header", &w, enc, NULL);
	b.n = 0;
	bprintf(&b, "num,colour,size,class\n");
	for (int i = 0; i < 30; i++)
		bprintf(&b, "%d,red,%d,NA\n", i, i % 3);
	write_file(b.s, b.n);
	check_enc("with an encoder, every target missing", &w, enc, NULL);
	write_file("", 0);
	check_enc("with an encoder, an empty file", &w, enc, NULL);
	nn_data_free(&tr);

	/* --missing error: a missing value in the last part */
	o.missing = NN_MISSING_ERROR;
	b.n = 0;
	gen_train(&b, 40, 0, "NA");
	enc = fit("train", &b, &o, &tr);
	b.n = 0;
	bprintf(&b, "num,colour,size,class\n");
	for (int i = 0; i < 60; i++)
		bprintf(&b, "%d,%s,%s,%s\n", i, i % 3 ? "red" : "blue",
		    i == 57 ? "NA" : "2", i % 2 ? "x" : "y");
	write_file(b.s, b.n);
	check_enc("with a --missing error encoder, a value missing", &w, enc,
	    NULL);
	nn_data_free(&tr);
	free(tb.s);
	free(b.s);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/t.csv", dir);
	snprintf(tpath, sizeof(tpath), "%s/train.csv", dir);
	test_plain();
	test_targets();
	test_missing();
	test_whole();
	test_quotes();
	test_general();
	test_general_errors();
	test_with();
	test_with_errors();
	unlink(path);
	unlink(tpath);
	rmdir(dir);
	return tap_done();
}
