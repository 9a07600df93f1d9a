/*
 * fuzz_libsvm.c - the libsvm readers (lib/libsvm.c): the whole-set reader
 * nn_libsvm_data_read, learning the dimension and against a small one, and
 * the streaming reader nn_libsvm_open/read against that one.
 *
 * Properties: the stream and the whole-set reader at the same dimension
 * read the same rows (values, labels, rows beyond the dimension, CRC) or
 * fail with the same message ("no data rows" being the stream's empty
 * end); and a set read at its learned dimension, cut to the small one, is
 * what the small one reads.
 */
#include "fuzz.h"

#define DIM 3           /* the small dimension, a model's */
#define BATCH 2         /* rows per nn_libsvm_read: batches end mid-input */
/* Dense limit of the learned read: an index of 2^31 - 1 is valid, and its
 * 8 GiB would be the allocator's failure, not the reader's. */
#define LIMIT ((size_t)1 << 22)

/* The whole set at dimension dim (0: learned); the rc. */
static int
read_set(const uint8_t *data, size_t size, size_t dim, nn_data *d,
    size_t *beyond, nn_err *e)
{
	nn_libsvm_opts o = { .dim = dim, .max_bytes = LIMIT };
	FILE *fp = fuzz_mem(data, size);
	int rc;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	rc = nn_libsvm_data_read(fp, "fuzz.svm", &o, d, beyond, e);
	fclose(fp);
	if (rc == 0) {
		FUZZ_CHECK(d->n > 0 && d->x != NULL && d->y != NULL,
		    "a set of no rows");
		FUZZ_CHECK(dim == 0 || d->d == dim, "d %zu at dim %zu", d->d,
		    dim);
		for (size_t i = 0; i < d->n; i++)
			FUZZ_CHECK(d->y[i] < d->nlabels, "row %zu: label %u of %zu",
			    i, d->y[i], d->nlabels);
	}
	return rc;
}

/* The stream at DIM against the set read at DIM (rc, *s, e). */
static void
stream_vs_set(const uint8_t *data, size_t size, int rc, const nn_data *s,
    size_t sbeyond, const nn_err *se)
{
	FILE *fp = fuzz_mem(data, size);
	float x[BATCH * DIM];
	size_t n = 0;
	nn_err e;
	long k;
	nn_libsvm *r;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	r = nn_libsvm_open(fp, "fuzz.svm", DIM, &e);
	FUZZ_CHECK(r != NULL, "open: %s", e.msg);
	while ((k = nn_libsvm_read(r, x, BATCH, &e)) > 0) {
		FUZZ_CHECK(k <= BATCH, "%ld rows in a batch of %d", k, BATCH);
		for (long i = 0; i < k; i++, n++) {
			const char *lab = nn_libsvm_label(r, (size_t)i);
			if (rc < 0)      /* the stream must fail where it did */
				continue;
			FUZZ_CHECK(n < s->n, "the stream reads row %zu, the set "
			    "fewer", n + 1);
			FUZZ_CHECK(lab != NULL && strcmp(lab,
			    s->labels[s->y[n]]) == 0, "row %zu: label", n + 1);
			FUZZ_CHECK(memcmp(x + i * DIM, s->x + n * DIM,
			    sizeof(float) * DIM) == 0, "row %zu: values", n + 1);
			FUZZ_CHECK(nn_libsvm_line(r, (size_t)i) > 0, "row %zu: "
			    "line 0", n + 1);
		}
	}
	if (k < 0)
		FUZZ_CHECK(rc < 0 && strcmp(e.msg, se->msg) == 0,
		    "the stream fails: %s; the set: %s", e.msg,
		    rc < 0 ? se->msg : "reads");
	else if (n == 0)
		FUZZ_CHECK(rc < 0 && strstr(se->msg, "no data rows") != NULL,
		    "the stream ends empty; the set: %s",
		    rc < 0 ? se->msg : "reads");
	else {
		FUZZ_CHECK(rc == 0 && n == s->n, "the stream reads %zu rows; the "
		    "set: %s", n, rc < 0 ? se->msg : "more");
		FUZZ_CHECK(nn_libsvm_beyond(r) == sbeyond, "beyond: %zu, %zu",
		    nn_libsvm_beyond(r), sbeyond);
		FUZZ_CHECK(nn_libsvm_crc(r) == s->crc, "crc");
	}
	nn_libsvm_free(r);
	fclose(fp);
}

/* The set at its learned dimension (l), cut to DIM, is the set at DIM. */
static void
learned_vs_small(const nn_data *l, size_t lbeyond, const nn_data *s,
    size_t sbeyond)
{
	size_t over = 0;

	FUZZ_CHECK(lbeyond == 0, "rows beyond a learned dimension");
	FUZZ_CHECK(l->n == s->n, "rows: %zu learned, %zu at %d", l->n, s->n,
	    DIM);
	FUZZ_CHECK(l->nlabels == s->nlabels &&
	    fuzz_same_strs(l->labels, s->labels, l->nlabels) &&
	    memcmp(l->y, s->y, l->n * sizeof(*l->y)) == 0, "labels");
	FUZZ_CHECK(l->crc == s->crc, "crc");
	for (size_t i = 0; i < l->n; i++) {
		int beyond = 0;
		for (size_t j = 0; j < l->d || j < DIM; j++) {
			float v = j < l->d ? l->x[i * l->d + j] : 0.0f;
			if (j >= DIM)
				beyond |= v != 0.0f;
			else
				FUZZ_CHECK(memcmp(&v, &s->x[i * DIM + j],
				    sizeof(v)) == 0, "row %zu, feature %zu",
				    i + 1, j + 1);
		}
		over += (size_t)beyond;
	}
	/* an explicit 0 beyond DIM counts too: at most */
	FUZZ_CHECK(over <= sbeyond, "%zu rows beyond %d, %zu counted", over,
	    DIM, sbeyond);
	FUZZ_CHECK(l->d > DIM || sbeyond == 0, "%zu rows beyond %d, the "
	    "largest index %zu", sbeyond, DIM, l->d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_data l, s;
	size_t lbeyond, sbeyond;
	nn_err le, se;
	int lrc = read_set(data, size, 0, &l, &lbeyond, &le);
	int src = read_set(data, size, DIM, &s, &sbeyond, &se);

	stream_vs_set(data, size, src, &s, sbeyond, &se);
	if (lrc == 0) {
		FUZZ_CHECK(src == 0, "learned reads, at %d: %s", DIM, se.msg);
		learned_vs_small(&l, lbeyond, &s, sbeyond);
	} else if (strstr(le.msg, "more than the limit") == NULL)
		FUZZ_CHECK(src < 0 && strcmp(le.msg, se.msg) == 0,
		    "learned fails: %s; at %d: %s", le.msg, DIM,
		    src < 0 ? se.msg : "reads");
	nn_data_free(&l);
	nn_data_free(&s);
	return 0;
}
