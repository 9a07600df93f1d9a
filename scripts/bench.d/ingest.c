/*
 * ingest - how fast nnkit reads a training CSV into memory, for scripts/bench.
 *
 *   ingest FILE [REPEAT]
 *
 * Times nn_data_read (libcsv, numbers parsed into the float matrix, labels
 * interned, CRC-32 of the input) on FILE, REPEAT times (default 3), each from
 * a fresh fopen; the file is expected to be in the page cache (scripts/bench
 * reads it once first), so this is parsing speed, not disk speed.
 *
 * Output: "key value" lines: bytes, rows, best_s, mb_per_s (1 MB = 1e6 bytes,
 * from the best run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nn.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	/* what nn-train reads with: its missing-value tokens and policy */
	nn_data_opts o = { .header = 1, .target = NULL, .na = nn_na_default,
	    .nna = nn_na_default_n, .missing = NN_MISSING_MEAN,
	    .max_categories = NN_MAX_CATEGORIES };
	double best = -1.0;
	long repeat = 3;
	size_t rows = 0;
	struct stat st;
	char *end;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: ingest FILE [REPEAT]\n");
		return 2;
	}
	if (argc == 3) {
		repeat = strtol(argv[2], &end, 10);
		if (*end != '\0' || repeat < 1 || repeat > 100) {
			fprintf(stderr, "ingest: bad REPEAT \"%s\"\n", argv[2]);
			return 2;
		}
	}
	if (stat(argv[1], &st) < 0) {
		fprintf(stderr, "ingest: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (long r = 0; r < repeat; r++) {
		nn_data d = { 0 };
		nn_err e;
		double t0 = now(), t;
		FILE *fp = fopen(argv[1], "r");

		if (fp == NULL) {
			fprintf(stderr, "ingest: %s: %s\n", argv[1], strerror(errno));
			return 1;
		}
		if (nn_data_read(fp, argv[1], &o, &d, &e) < 0) {
			fprintf(stderr, "ingest: %s\n", e.msg);
			return 1;
		}
		fclose(fp);
		t = now() - t0;
		rows = d.n;
		nn_data_free(&d);
		if (best < 0.0 || t < best)
			best = t;
	}
	printf("bytes %lld\n", (long long)st.st_size);
	printf("rows %zu\n", rows);
	printf("best_s %.4f\n", best);
	printf("mb_per_s %.1f\n", (double)st.st_size / 1e6 / best);
	return 0;
}
