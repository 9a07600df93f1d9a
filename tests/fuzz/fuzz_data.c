/*
 * fuzz_data.c - the general data reader nn_data_read (lib/data.c) with
 * nn-train's defaults (a header, the last column the target, its
 * missing-value tokens, --missing mean, --max-categories 100), and
 * nn_data_read_with under the encoder it fitted.
 *
 * Properties:
 *  - Both roads give one result.  A memory stream takes the general road;
 *    the same bytes in a regular file take the numeric road when every
 *    feature is a number (in four parts: NN_CSV_THREADS=4), and the
 *    general one when not.  The data set, its encoder and its fill counts,
 *    or the error message, must be the same (tests/data.bats: a pipe and a
 *    file train the same weights).
 *  - The encoder a read fitted reads the same bytes back into the same
 *    matrix, labels and rows, the target named as nn-train names it for
 *    its --val file.
 */
#include <math.h>

#include "fuzz.h"

/* nn-train's; nn_na_default_n is no constant expression */
static nn_data_opts train = {
	.header = 1, .na = nn_na_default,
	.missing = NN_MISSING_MEAN, .max_categories = NN_MAX_CATEGORIES,
};

/* Which part of two encoders differs, or NULL. */
static const char *
enc_diff(const nn_enc *a, const nn_enc *b)
{
	if (a == NULL || b == NULL)
		return a == b ? NULL : "encoder: one is NULL";
	if (a->missing != b->missing || a->ncols != b->ncols)
		return "encoder: missing or ncols";
	for (size_t j = 0; j < a->ncols; j++) {
		const nn_incol *p = &a->cols[j], *q = &b->cols[j];
		if (strcmp(p->name, q->name) != 0 || p->type != q->type ||
		    p->off != q->off || p->src != q->src)
			return "encoder: a column's name, type, offset or source";
		if (memcmp(&p->fill, &q->fill, sizeof(p->fill)) != 0 ||
		    p->fill_cat != q->fill_cat)
			return "encoder: a column's fill";
		if (p->ncat != q->ncat || !fuzz_same_strs(p->cats, q->cats,
		    p->ncat))
			return "encoder: a column's categories";
	}
	if (a->nid != b->nid || !fuzz_same_strs(a->ids, b->ids, a->nid))
		return "encoder: ID columns";
	if (a->nna != b->nna || !fuzz_same_strs(a->na, b->na, a->nna))
		return "encoder: missing-value tokens";
	return NULL;
}

static void
check_set(const nn_data *d)
{
	size_t D = 0;

	FUZZ_CHECK(d->n > 0, "a set of no rows");
	FUZZ_CHECK(d->enc != NULL && d->filled != NULL, "no encoder");
	for (size_t j = 0; j < d->enc->ncols; j++) {
		const nn_incol *c = &d->enc->cols[j];
		FUZZ_CHECK(c->off == D, "column %zu at %zu, not %zu", j, c->off,
		    D);
		D += nn_incol_width(c);
		FUZZ_CHECK(c->type != NN_CTYPE_NUMERIC || isfinite(c->fill),
		    "column %zu: fill %g", j, (double)c->fill);
		FUZZ_CHECK(c->type != NN_CTYPE_CATEGORICAL ||
		    (c->ncat > 0 && c->fill_cat < c->ncat), "column %zu: "
		    "fill category %u of %zu", j, c->fill_cat, c->ncat);
	}
	FUZZ_CHECK(D == d->d, "the encoder is %zu wide, the set %zu", D, d->d);
	for (size_t i = 0; i < d->n * d->d; i++)
		FUZZ_CHECK(isfinite(d->x[i]), "x[%zu] = %g", i, (double)d->x[i]);
	for (size_t i = 0; d->y != NULL && i < d->n; i++)
		FUZZ_CHECK(d->y[i] < d->nlabels, "row %zu: label %u of %zu", i,
		    d->y[i], d->nlabels);
}

/* a, read from the bytes, read again with its encoder. */
static void
reread(const uint8_t *data, size_t size, const nn_data *a)
{
	FILE *fp = fuzz_mem(data, size);
	nn_data_opts vo = train;
	nn_data w;
	nn_err e;
	int rc;

	/* as nn-train reads its --val file */
	vo.target = a->target_name;
	FUZZ_CHECK(fp != NULL, "fmemopen");
	rc = nn_data_read_with(fp, "fuzz.csv", &vo, a->enc, &w, &e);
	fclose(fp);
	FUZZ_CHECK(rc == 0, "read with its own encoder: %s", e.msg);
	FUZZ_CHECK(w.n == a->n && w.d == a->d, "with its own encoder: %zu x "
	    "%zu, first %zu x %zu", w.n, w.d, a->n, a->d);
	FUZZ_CHECK(fuzz_same_bytes(w.x, a->x, a->n * a->d * sizeof(float)),
	    "with its own encoder: another matrix");
	FUZZ_CHECK(w.nlabels == a->nlabels &&
	    fuzz_same_strs(w.labels, a->labels, a->nlabels) &&
	    fuzz_same_bytes(w.y, a->y, a->y ? a->n * sizeof(*a->y) : 0),
	    "with its own encoder: other labels");
	FUZZ_CHECK(w.crc == a->crc && w.dropped_target == a->dropped_target,
	    "with its own encoder: crc or rows left out");
	nn_data_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	nn_data a, b;
	nn_err ea, eb;
	FILE *fp;
	int ra, rb;
	const char *diff;

	if (!init) {
		setenv("NN_CSV_THREADS", "4", 1);
		train.nna = nn_na_default_n;
		init = 1;
	}
	fp = fuzz_mem(data, size);
	FUZZ_CHECK(fp != NULL, "fmemopen");
	ra = nn_data_read(fp, "fuzz.csv", &train, &a, &ea);
	fclose(fp);
	fp = fuzz_file(data, size);
	rb = nn_data_read(fp, "fuzz.csv", &train, &b, &eb);
	fclose(fp);

	FUZZ_CHECK(ra == rb, "a stream %s, a file %s", ra == 0 ? "reads" :
	    ea.msg, rb == 0 ? "reads" : eb.msg);
	if (ra < 0) {
		FUZZ_CHECK(strcmp(ea.msg, eb.msg) == 0, "a stream says %s, a "
		    "file %s", ea.msg, eb.msg);
		return 0;
	}
	check_set(&a);
	diff = fuzz_data_diff(&a, &b);
	FUZZ_CHECK(diff == NULL, "a stream and a file differ in %s", diff);
	diff = enc_diff(a.enc, b.enc);
	FUZZ_CHECK(diff == NULL, "a stream and a file differ in the %s", diff);
	FUZZ_CHECK(fuzz_same_bytes(a.filled, b.filled, a.enc->ncols *
	    sizeof(*a.filled)), "a stream and a file fill other counts");
	/* A target named "" cannot be named: to nn_data_read_with that is
	 * "no target column" (nn-train's --val then finds none). */
	if (a.target_name == NULL || a.target_name[0] != '\0')
		reread(data, size, &a);
	nn_data_free(&a);
	nn_data_free(&b);
	return 0;
}
