/*
 * fann_w1 - workload W1 in FANN (Fast Artificial Neural Network library),
 * for scripts/bench.
 *
 *   fann_w1 TRAIN.csv TEST.csv EPOCHS SEED
 *
 * FANN 2.2 has no softmax, no relu and no Adam, so this is the nearest FANN
 * net, not the same model: 784-256-128-10, hidden FANN_SIGMOID_SYMMETRIC
 * (tanh; FANN_LINEAR_PIECE, a relu clipped at 1, reached only 31% after one
 * epoch), sigmoid outputs against one-hot targets, squared error,
 * FANN_TRAIN_INCREMENTAL (plain SGD, one sample at a time, rate 0.1).
 * Weight count and so flops per sample are those of W1.  The CSV is read by
 * nnkit's own reader (lib/libnnkit.a, libcsv) and min-max scaled as nn-train
 * --scale minmax does; only fann_train_epoch is timed.
 *
 * Output: "key value" lines (samples_per_s, train_s, acc_1, acc_EPOCHS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <floatfann.h>

#include "nn.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void
load(const char *path, nn_data *d)
{
	nn_data_opts o = { .header = 1, .target = "label" };
	nn_err e;
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		fprintf(stderr, "fann_w1: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (nn_data_read(fp, path, &o, d, &e) < 0) {
		fprintf(stderr, "fann_w1: %s\n", e.msg);
		exit(1);
	}
	fclose(fp);
}

/* The data as FANN wants it, features scaled with lo/f, one-hot targets. */
static struct fann_train_data *
to_fann(const nn_data *d, const float *lo, const float *f)
{
	struct fann_train_data *t;

	t = fann_create_train((unsigned)d->n, (unsigned)d->d, 10);
	if (t == NULL)
		exit(1);
	for (size_t i = 0; i < d->n; i++) {
		for (size_t j = 0; j < d->d; j++)
			t->input[i][j] = (d->x[i * d->d + j] - lo[j]) * f[j];
		for (size_t k = 0; k < 10; k++)
			t->output[i][k] = 0.0f;
		/* labels are "0".."9", sorted, so the index is the digit */
		t->output[i][d->y[i]] = 1.0f;
	}
	return t;
}

static double
accuracy(struct fann *ann, const struct fann_train_data *t)
{
	size_t ok = 0;

	for (unsigned i = 0; i < t->num_data; i++) {
		fann_type *o = fann_run(ann, t->input[i]);
		unsigned best = 0;

		for (unsigned k = 1; k < 10; k++)
			if (o[k] > o[best])
				best = k;
		ok += t->output[i][best] == 1.0f;
	}
	return (double)ok / t->num_data;
}

int
main(int argc, char **argv)
{
	nn_data tr = { 0 }, te = { 0 };
	struct fann_train_data *ftr, *fte;
	struct fann *ann;
	float *lo, *f;
	double total = 0.0;
	long epochs, seed;
	char *end;

	if (argc != 5) {
		fprintf(stderr, "usage: fann_w1 TRAIN.csv TEST.csv EPOCHS SEED\n");
		return 2;
	}
	epochs = strtol(argv[3], &end, 10);
	if (*end != '\0' || epochs < 1 || epochs > 1000) {
		fprintf(stderr, "fann_w1: bad EPOCHS \"%s\"\n", argv[3]);
		return 2;
	}
	seed = strtol(argv[4], &end, 10);
	if (*end != '\0' || seed < 0) {
		fprintf(stderr, "fann_w1: bad SEED \"%s\"\n", argv[4]);
		return 2;
	}
	load(argv[1], &tr);
	load(argv[2], &te);
	if (tr.d != 784 || te.d != 784 || tr.nlabels != 10 || te.nlabels != 10) {
		fprintf(stderr, "fann_w1: expected 784 features and 10 classes\n");
		return 1;
	}
	/* min-max per column from the training set, as nn-train does */
	lo = malloc(tr.d * sizeof *lo);
	f = malloc(tr.d * sizeof *f);
	if (lo == NULL || f == NULL)
		return 1;
	for (size_t j = 0; j < tr.d; j++) {
		float a = tr.x[j], b = tr.x[j];

		for (size_t i = 1; i < tr.n; i++) {
			float v = tr.x[i * tr.d + j];
			a = v < a ? v : a;
			b = v > b ? v : b;
		}
		lo[j] = a;
		f[j] = b > a ? (float)(1.0 / ((double)b - a)) : 1.0f;
	}
	ftr = to_fann(&tr, lo, f);
	fte = to_fann(&te, lo, f);

	ann = fann_create_standard(4, 784, 256, 128, 10);
	if (ann == NULL)
		return 1;
	fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
	fann_set_activation_function_output(ann, FANN_SIGMOID);
	fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
	fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
	fann_set_learning_rate(ann, 0.1f);
	/* FANN draws with rand(): seed it for a repeatable start and order */
	srand((unsigned)seed);
	fann_randomize_weights(ann, -0.05f, 0.05f);

	for (long e = 1; e <= epochs; e++) {
		double t0;

		fann_shuffle_train_data(ftr);
		t0 = now();
		fann_train_epoch(ann, ftr);
		total += now() - t0;
		if (e == 1 || e == epochs)
			printf("acc_%ld %.4f\n", e, accuracy(ann, fte));
	}
	printf("epochs %ld\n", epochs);
	printf("train_s %.3f\n", total);
	printf("samples_per_s %.1f\n", (double)tr.n * (double)epochs / total);

	fann_destroy(ann);
	fann_destroy_train(ftr);
	fann_destroy_train(fte);
	nn_data_free(&tr);
	nn_data_free(&te);
	free(lo);
	free(f);
	return 0;
}
