/*
 * gemm_ceiling - the GEMM-only ceiling of an MLP's training step, for
 * scripts/bench.
 *
 *   gemm_ceiling [-b BATCH] [-t SECONDS] [-r REPEAT] SIZES
 *
 * SIZES is the network as nin,h1,...,nout (W1: 784,256,128,10).  A batch of
 * BATCH rows (default 128) is cut into nn_train_shards(BATCH) shards with
 * nn-train's boundaries, and for each shard exactly the matrix products that
 * nn_forward_train and nn_backward_set make, through the same nn_gemm (so the
 * same BLAS, pinned to one thread), with the same shapes, transposes and
 * betas:
 *
 *   forward, layer l     z (Bs, nout)   = in . w + z    beta 1 (z holds the bias)
 *   backward, layer l    dw (nin, nout) = in^T . dz     beta 0 (written)
 *                        din (Bs, nin)  = dz . w^T      beta 0, not layer 1
 *
 * and nothing else: no gather, bias, activation, loss, reduction or
 * optimizer.  Each shard has its own activations and gradient buffer, as in
 * nn-train; the weights are shared.  One thread, so this is what one core
 * can do at best; T cores each running their own shards do at best T times
 * that.
 *
 * Batches are run for SECONDS (default 1) per repeat, REPEAT times (default
 * 3); the fastest repeat counts.  Output: "key value" lines: batch, shards,
 * flops_per_sample (6 x weights: what docs/performance.md counts),
 * samples_per_s, gflops, and per_repeat (every repeat's samples/s, comma
 * separated, to show the noise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "bench.h"

#define MAX_SIZES (NN_MAX_HIDDEN + 2)

/* One shard's buffers: per layer the output z (Bs, nout) and its gradient
 * dz (Bs, nout), the gradient of the input of layers above the first
 * (Bs, nin), and a gradient buffer as large as the weights. */
typedef struct shard {
	size_t rows;
	float *x;                   /* (rows, sizes[0]) */
	float *z[MAX_SIZES];        /* (rows, sizes[l + 1]) */
	float *dz[MAX_SIZES];       /* (rows, sizes[l + 1]) */
	float *din[MAX_SIZES];      /* (rows, sizes[l]); NULL for l = 0 */
	float *dw;                  /* (weights) */
} shard;


/* One shard's forward and backward products, in nn-train's order. */
static void
shard_step(shard *sh, const float *w, const size_t *woff, const size_t *sz,
    size_t L)
{
	const size_t B = sh->rows;

	for (size_t l = 0; l < L; l++) {
		const float *in = l > 0 ? sh->z[l - 1] : sh->x;
		nn_gemm(0, 0, B, sz[l + 1], sz[l], 1.0f, in, sz[l], w + woff[l],
		    sz[l + 1], 1.0f, sh->z[l], sz[l + 1]);
	}
	for (size_t l = L; l-- > 0;) {
		const float *in = l > 0 ? sh->z[l - 1] : sh->x;
		/* dz of layer l: the din of layer l + 1 (the output layer's
		 * comes from the loss; any values do) */
		const float *dz = l + 1 < L ? sh->din[l + 1] : sh->dz[l];
		nn_gemm(1, 0, sz[l], sz[l + 1], B, 1.0f, in, sz[l], dz,
		    sz[l + 1], 0.0f, sh->dw + woff[l], sz[l + 1]);
		if (l > 0)
			nn_gemm(0, 1, B, sz[l], sz[l + 1], 1.0f, dz, sz[l + 1],
			    w + woff[l], sz[l + 1], 0.0f, sh->din[l], sz[l]);
	}
}

static int
parse_sizes(const char *s, size_t *sz, size_t *n)
{
	char *end;

	*n = 0;
	for (;;) {
		long v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > 100000 || *n == MAX_SIZES)
			return -1;
		sz[(*n)++] = (size_t)v;
		if (*end == '\0')
			break;
		if (*end != ',')
			return -1;
		s = end + 1;
	}
	return *n >= 2 ? 0 : -1;
}

_Noreturn static void
usage(void)
{
	fprintf(stderr, "usage: gemm_ceiling [-b BATCH] [-t SECONDS] [-r REPEAT] "
	    "SIZES\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	size_t sz[MAX_SIZES], ns, L, woff[MAX_SIZES], W = 0, batch = 128, S;
	double secs = 1.0, best = 0.0;
	long repeat = 3;
	char per[1024] = "";
	uint64_t st = 1;
	shard sh[16];
	int c;

	while ((c = getopt(argc, argv, "b:t:r:")) != -1) {
		char *end;
		switch (c) {
		case 'b':
			batch = strtoul(optarg, &end, 10);
			if (*end != '\0' || batch < 1 || batch > 65536)
				usage();
			break;
		case 't':
			secs = strtod(optarg, &end);
			if (*end != '\0' || !(secs > 0.0 && secs <= 600.0))
				usage();
			break;
		case 'r':
			repeat = strtol(optarg, &end, 10);
			if (*end != '\0' || repeat < 1 || repeat > 50)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1 || parse_sizes(argv[optind], sz, &ns) < 0)
		usage();
	L = ns - 1;
	for (size_t l = 0; l < L; l++) {
		woff[l] = W;
		W += sz[l] * sz[l + 1];
	}
	S = nn_train_shards(batch);
	if (S > sizeof(sh) / sizeof(sh[0]))
		usage();
	float *w = filled(W, -0.05f, 0.05f, &st);
	for (size_t s = 0; s < S; s++) {
		/* nn-train's shard boundaries: B s / S .. B (s + 1) / S */
		sh[s].rows = batch * (s + 1) / S - batch * s / S;
		sh[s].x = filled(sh[s].rows * sz[0], 0.0f, 1.0f, &st);
		for (size_t l = 0; l < L; l++) {
			sh[s].z[l] = filled(sh[s].rows * sz[l + 1], -1.0f, 1.0f, &st);
			sh[s].dz[l] = filled(sh[s].rows * sz[l + 1], -0.01f, 0.01f, &st);
			sh[s].din[l] = l > 0 ?
			    filled(sh[s].rows * sz[l], -0.01f, 0.01f, &st) : NULL;
		}
		sh[s].dw = filled(W, -0.01f, 0.01f, &st);
	}
	for (size_t s = 0; s < S; s++)          /* warm the caches and BLAS */
		shard_step(&sh[s], w, woff, sz, L);
	for (long r = 0; r < repeat; r++) {
		double t0 = now(), t;
		size_t n = 0;
		do {
			for (size_t s = 0; s < S; s++)
				shard_step(&sh[s], w, woff, sz, L);
			n++;
		} while ((t = now() - t0) < secs);
		double sps = (double)(n * batch) / t;
		if (sps > best)
			best = sps;
		snprintf(per + strlen(per), sizeof(per) - strlen(per), "%s%.0f",
		    r > 0 ? "," : "", sps);
	}
	printf("batch %zu\nshards %zu\nflops_per_sample %zu\n", batch, S, 6 * W);
	printf("samples_per_s %.0f\ngflops %.2f\nper_repeat %s\n", best,
	    best * 6.0 * (double)W / 1e9, per);
	for (size_t s = 0; s < S; s++) {
		free(sh[s].x);
		for (size_t l = 0; l < L; l++) {
			free(sh[s].z[l]);
			free(sh[s].dz[l]);
			free(sh[s].din[l]);
		}
		free(sh[s].dw);
	}
	free(w);
	return 0;
}
