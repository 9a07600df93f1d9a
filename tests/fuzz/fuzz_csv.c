/*
 * fuzz_csv.c - the numeric CSV reader nn_data_read_fast (lib/csv.c), both
 * ways it reads: a stream (here a memory stream, which has no descriptor)
 * and, on a regular file, the parallel part reader, which NN_CSV_THREADS=4
 * makes cut even a few bytes into four parts.
 *
 * The property is the one lib/csv.c promises: the parts give exactly what
 * the stream gives -- the same rows, values, labels and CRC, or the same
 * error message.  Two sets of options per input: nn-train's (a header,
 * the last column the target, nn-train's missing-value tokens), and no
 * header, no target, no missing-value tokens.  Under the second, the
 * streaming reader nn-predict uses (nn_csv_open/read, every column a
 * number) reads the same rows in batches of BATCH, a batch ending before
 * the chunk does.
 */
#include "fuzz.h"

#define BATCH 3

/* The streaming reader against read_fast's result (rc, *r, re). */
static void
stream_batches(const uint8_t *data, size_t size, int rc, const nn_data *r,
    const nn_err *re)
{
	FILE *fp = fuzz_mem(data, size);
	size_t n = 0, ncols;
	unsigned long last = 0;
	int *roles;
	float *x;
	nn_csv *c;
	nn_err e;
	long k;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	if ((c = nn_csv_open(fp, "fuzz.csv", 0, &e)) == NULL) {
		FUZZ_CHECK(rc < 0 && strcmp(e.msg, re->msg) == 0, "open says %s, "
		    "read_fast %s", e.msg, rc < 0 ? re->msg : "reads");
		fclose(fp);
		return;
	}
	ncols = nn_csv_ncols(c);
	roles = nn_xmalloc((ncols ? ncols : 1) * sizeof(*roles));
	for (size_t j = 0; j < ncols; j++)
		roles[j] = (int)j;
	FUZZ_CHECK(nn_csv_set_roles(c, roles, ncols, 0, 0, &e) == 0, "roles: "
	    "%s", e.msg);
	x = nn_xmalloc(BATCH * (ncols ? ncols : 1) * sizeof(*x));
	while ((k = nn_csv_read(c, x, BATCH, &e)) > 0) {
		FUZZ_CHECK(k <= BATCH, "%ld rows in a batch of %d", k, BATCH);
		for (long i = 0; i < k; i++, n++) {
			FUZZ_CHECK(nn_csv_line(c, (size_t)i) > last, "row %zu on "
			    "line %lu, after line %lu", n + 1,
			    nn_csv_line(c, (size_t)i), last);
			last = nn_csv_line(c, (size_t)i);
			if (rc < 0)      /* it must fail where read_fast did */
				continue;
			FUZZ_CHECK(n < r->n && r->d == ncols, "row %zu of %zu, "
			    "%zu columns of %zu", n + 1, r->n, ncols, r->d);
			FUZZ_CHECK(memcmp(x + (size_t)i * ncols, r->x + n * ncols,
			    ncols * sizeof(*x)) == 0, "row %zu: other values",
			    n + 1);
		}
	}
	if (k < 0)
		FUZZ_CHECK(rc < 0 && strcmp(e.msg, re->msg) == 0, "the stream "
		    "says %s, read_fast %s", e.msg, rc < 0 ? re->msg : "reads");
	else if (n == 0)
		FUZZ_CHECK(rc < 0 && strstr(re->msg, "no data rows") != NULL,
		    "the stream reads no rows, read_fast %s",
		    rc < 0 ? re->msg : "some");
	else
		FUZZ_CHECK(rc == 0 && n == r->n && nn_csv_crc(c) == r->crc &&
		    nn_csv_delim(c) == r->delim, "the stream reads %zu rows, "
		    "read_fast %s", n, rc < 0 ? re->msg : "others");
	free(x);
	free(roles);
	nn_csv_free(c);
	fclose(fp);
}

static void
read_both(const uint8_t *data, size_t size, const nn_data_opts *o,
    int batches)
{
	nn_data a, b;
	nn_err ea, eb;
	FILE *fp;
	int ra, rb;
	const char *diff;

	fp = fuzz_mem(data, size);
	FUZZ_CHECK(fp != NULL, "fmemopen");
	ra = nn_data_read_fast(fp, "fuzz.csv", o, NULL, &a, &ea);
	fclose(fp);
	fp = fuzz_file(data, size);
	rb = nn_data_read_fast(fp, "fuzz.csv", o, NULL, &b, &eb);
	fclose(fp);

	FUZZ_CHECK(ra == rb, "header %d: the stream %s, the parts %s",
	    o->header, ra == 0 ? "reads" : ea.msg, rb == 0 ? "read" : eb.msg);
	if (ra < 0)
		FUZZ_CHECK(strcmp(ea.msg, eb.msg) == 0, "header %d: the stream "
		    "says %s, the parts %s", o->header, ea.msg, eb.msg);
	else {
		FUZZ_CHECK(a.n > 0, "no rows read");
		diff = fuzz_data_diff(&a, &b);
		FUZZ_CHECK(diff == NULL, "header %d: the stream and the parts "
		    "differ in %s", o->header, diff);
		for (size_t i = 0; a.y != NULL && i < a.n; i++)
			FUZZ_CHECK(a.y[i] < a.nlabels, "row %zu: label %u of %zu",
			    i, a.y[i], a.nlabels);
	}
	if (batches)
		stream_batches(data, size, ra, &a, &ea);
	nn_data_free(&a);
	nn_data_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	nn_data_opts train = {
		.header = 1, .na = nn_na_default, .nna = nn_na_default_n,
		.missing = NN_MISSING_MEAN, .max_categories = NN_MAX_CATEGORIES,
	};
	nn_data_opts bare = { .header = 0, .target = "" };

	if (!init) {
		setenv("NN_CSV_THREADS", "4", 1);
		init = 1;
	}
	read_both(data, size, &train, 0);
	read_both(data, size, &bare, 1);
	return 0;
}
