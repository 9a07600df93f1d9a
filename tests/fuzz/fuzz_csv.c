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
 * header, no target, no missing-value tokens.
 */
#include "fuzz.h"

static void
read_both(const uint8_t *data, size_t size, const nn_data_opts *o)
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
	read_both(data, size, &train);
	read_both(data, size, &bare);
	return 0;
}
