/*
 * dnnl_gemm - W1's per-shard matrix products through OpenBLAS and through
 * oneDNN, one thread each, for scripts/bench.
 *
 *   OMP_NUM_THREADS=1 dnnl_gemm [-t SECONDS] [-r REPEAT]
 *
 * The products are those of scripts/bench.d/gemm_ceiling.c for W1
 * (784-256-128-10, two shards of 64 rows per batch of 128): per shard three
 * forward products (beta 1), three weight-gradient products in^T . dz
 * (beta 0) and two input-gradient products dz . w^T (beta 0).  Backends:
 *
 *   openblas     nn_gemm (cblas_sgemm, pinned to one thread)
 *   dnnl_sgemm   oneDNN's BLAS-like dnnl_sgemm (row-major, like nn_gemm)
 *   matmul_f32   oneDNN's matmul primitive, f32, one primitive per shape
 *                created once (transposes as strides, beta 1 as a sum
 *                post-op)
 *   matmul_bf16  the same with bf16 A and B and f32 C (fp32 accumulation);
 *                the inputs are converted to bf16 once, outside the timing,
 *                so this is the products alone: a bf16 training step would
 *                also convert (or keep bf16 copies of) weights and
 *                activations every step
 *
 * oneDNN here is Debian's build on the OpenMP runtime: OMP_NUM_THREADS=1
 * must be set (the program refuses otherwise), as nnkit's own threads would
 * each run single-threaded products.
 *
 * Output: "key value" lines: <backend>_samples_per_s (best repeat) and
 * <backend>_runs (every repeat), for each backend that could be set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <oneapi/dnnl/dnnl.h>

#include "nn.h"
#include "bench.h"

#define NSIZES 4
#define NPROD 8         /* products per shard */
#define SHARDS 2
#define ROWS 64         /* rows per shard */

static const size_t sz[NSIZES] = { 784, 256, 128, 10 };

/* One product C (M, N) = op(A) . op(B) + beta C, row-major, as nn_gemm
 * takes it. */
typedef struct prod {
	int ta, tb;
	size_t M, N, K, lda, ldb, ldc;
	float beta;
	const float *A, *B;
	float *C;
	uint16_t *Ah, *Bh;          /* bf16 copies of A and B */
	dnnl_primitive_t p32, p16;
	dnnl_memory_t m32[3], m16[3];
} prod;


/* float to bf16, rounding to nearest even (the values are finite) */
static uint16_t *
to_bf16(const float *v, size_t n)
{
	uint16_t *h = nn_xmalloc(n * sizeof(*h));

	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &v[i], sizeof(u));
		u += 0x7fffu + ((u >> 16) & 1u);
		h[i] = (uint16_t)(u >> 16);
	}
	return h;
}

/* The products of one shard, in nn-train's order, over its buffers. */
static size_t
shard_prods(prod *p, const float *w, const size_t *woff, uint64_t *st)
{
	const size_t B = ROWS, L = NSIZES - 1;
	float *x = filled(B * sz[0], 0.0f, 1.0f, st);
	float *z[NSIZES], *dz[NSIZES], *din[NSIZES];
	float *dw = filled(woff[L], -0.01f, 0.01f, st);
	size_t n = 0;

	for (size_t l = 0; l < L; l++) {
		z[l] = filled(B * sz[l + 1], -1.0f, 1.0f, st);
		dz[l] = filled(B * sz[l + 1], -0.01f, 0.01f, st);
		din[l] = l > 0 ? filled(B * sz[l], -0.01f, 0.01f, st) : NULL;
	}
	for (size_t l = 0; l < L; l++)
		p[n++] = (prod){ 0, 0, B, sz[l + 1], sz[l], sz[l], sz[l + 1],
		    sz[l + 1], 1.0f, l > 0 ? z[l - 1] : x, w + woff[l], z[l],
		    NULL, NULL, NULL, NULL, { NULL }, { NULL } };
	for (size_t l = L; l-- > 0;) {
		const float *g = l + 1 < L ? din[l + 1] : dz[l];
		p[n++] = (prod){ 1, 0, sz[l], sz[l + 1], B, sz[l], sz[l + 1],
		    sz[l + 1], 0.0f, l > 0 ? z[l - 1] : x, g, dw + woff[l],
		    NULL, NULL, NULL, NULL, { NULL }, { NULL } };
		if (l > 0)
			p[n++] = (prod){ 0, 1, B, sz[l], sz[l + 1], sz[l + 1],
			    sz[l + 1], sz[l], 0.0f, g, w + woff[l], din[l],
			    NULL, NULL, NULL, NULL, { NULL }, { NULL } };
	}
	return n;
}

/* A 2-d memory descriptor of op(X) (rows, cols) for X stored row-major with
 * leading dimension ld, transposed or not. */
static int
md2(dnnl_memory_desc_t *md, size_t rows, size_t cols, size_t ld, int trans,
    dnnl_data_type_t dt)
{
	dnnl_dims_t d = { (dnnl_dim_t)rows, (dnnl_dim_t)cols };
	dnnl_dims_t s = { trans ? 1 : (dnnl_dim_t)ld, trans ? (dnnl_dim_t)ld : 1 };

	return dnnl_memory_desc_init_by_strides(md, 2, d, dt, s) ==
	    dnnl_success ? 0 : -1;
}

/* The matmul primitive of p with A and B of type dt; its memories over
 * p's buffers. */
static int
make_matmul(dnnl_engine_t eng, prod *p, dnnl_data_type_t dt)
{
	dnnl_memory_desc_t a, b, c;
	dnnl_matmul_desc_t d;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_post_ops_t po = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_primitive_t *prim = dt == dnnl_f32 ? &p->p32 : &p->p16;
	dnnl_memory_t *m = dt == dnnl_f32 ? p->m32 : p->m16;
	void *A = dt == dnnl_f32 ? (void *)p->A : (void *)p->Ah;
	void *B = dt == dnnl_f32 ? (void *)p->B : (void *)p->Bh;
	int ok;

	ok = md2(&a, p->M, p->K, p->lda, p->ta, dt) == 0 &&
	    md2(&b, p->K, p->N, p->ldb, p->tb, dt) == 0 &&
	    md2(&c, p->M, p->N, p->ldc, 0, dnnl_f32) == 0 &&
	    dnnl_matmul_desc_init(&d, &a, &b, NULL, &c) == dnnl_success &&
	    dnnl_primitive_attr_create(&attr) == dnnl_success;
	if (ok && p->beta != 0.0f)
		ok = dnnl_post_ops_create(&po) == dnnl_success &&
		    dnnl_post_ops_append_sum(po, p->beta) == dnnl_success &&
		    dnnl_primitive_attr_set_post_ops(attr, po) == dnnl_success;
	ok = ok && dnnl_primitive_desc_create(&pd, &d, attr, eng, NULL) ==
	    dnnl_success && dnnl_primitive_create(prim, pd) == dnnl_success &&
	    dnnl_memory_create(&m[0], &a, eng, A) == dnnl_success &&
	    dnnl_memory_create(&m[1], &b, eng, B) == dnnl_success &&
	    dnnl_memory_create(&m[2], &c, eng, p->C) == dnnl_success;
	if (pd != NULL)
		dnnl_primitive_desc_destroy(pd);
	if (po != NULL)
		dnnl_post_ops_destroy(po);
	if (attr != NULL)
		dnnl_primitive_attr_destroy(attr);
	return ok ? 0 : -1;
}

enum { OPENBLAS, DNNL_SGEMM, MATMUL_F32, MATMUL_BF16, NBACK };
static const char *const names[NBACK] = {
	"openblas", "dnnl_sgemm", "matmul_f32", "matmul_bf16",
};

static int
run(int k, prod *p, size_t n, dnnl_stream_t st)
{
	for (size_t i = 0; i < n; i++) {
		prod *q = &p[i];
		if (k == OPENBLAS) {
			nn_gemm(q->ta, q->tb, q->M, q->N, q->K, 1.0f, q->A,
			    q->lda, q->B, q->ldb, q->beta, q->C, q->ldc);
		} else if (k == DNNL_SGEMM) {
			if (dnnl_sgemm(q->ta ? 'T' : 'N', q->tb ? 'T' : 'N',
			    (dnnl_dim_t)q->M, (dnnl_dim_t)q->N, (dnnl_dim_t)q->K,
			    1.0f, q->A, (dnnl_dim_t)q->lda, q->B,
			    (dnnl_dim_t)q->ldb, q->beta, q->C,
			    (dnnl_dim_t)q->ldc) != dnnl_success)
				return -1;
		} else {
			dnnl_memory_t *m = k == MATMUL_F32 ? q->m32 : q->m16;
			dnnl_exec_arg_t args[3] = { { DNNL_ARG_SRC, m[0] },
			    { DNNL_ARG_WEIGHTS, m[1] }, { DNNL_ARG_DST, m[2] } };
			if (dnnl_primitive_execute(k == MATMUL_F32 ? q->p32 :
			    q->p16, st, 3, args) != dnnl_success)
				return -1;
		}
	}
	return k >= MATMUL_F32 && dnnl_stream_wait(st) != dnnl_success ? -1 : 0;
}

_Noreturn static void
usage(void)
{
	fprintf(stderr, "usage: OMP_NUM_THREADS=1 dnnl_gemm [-t SECONDS] "
	    "[-r REPEAT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	double secs = 1.0;
	long repeat = 3;
	size_t woff[NSIZES], W = 0, n = 0;
	prod p[SHARDS * NPROD];
	uint64_t rs = 1;
	dnnl_engine_t eng;
	dnnl_stream_t st;
	const char *omp = getenv("OMP_NUM_THREADS");
	int c, have[NBACK] = { 1, 1, 1, 1 };

	while ((c = getopt(argc, argv, "t:r:")) != -1) {
		char *end;
		if (c == 't') {
			secs = strtod(optarg, &end);
			if (*end != '\0' || !(secs > 0.0 && secs <= 600.0))
				usage();
		} else if (c == 'r') {
			repeat = strtol(optarg, &end, 10);
			if (*end != '\0' || repeat < 1 || repeat > 50)
				usage();
		} else {
			usage();
		}
	}
	if (optind != argc || omp == NULL || strcmp(omp, "1") != 0)
		usage();
	for (size_t l = 0; l + 1 < NSIZES; l++) {
		woff[l] = W;
		W += sz[l] * sz[l + 1];
	}
	woff[NSIZES - 1] = W;
	float *w = filled(W, -0.05f, 0.05f, &rs);
	for (size_t s = 0; s < SHARDS; s++)
		n += shard_prods(p + n, w, woff, &rs);
	if (dnnl_engine_create(&eng, dnnl_cpu, 0) != dnnl_success ||
	    dnnl_stream_create(&st, eng, dnnl_stream_default_flags) !=
	    dnnl_success) {
		fprintf(stderr, "dnnl_gemm: no oneDNN CPU engine\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t an = p[i].ta ? p[i].K * p[i].lda : p[i].M * p[i].lda;
		size_t bn = p[i].tb ? p[i].N * p[i].ldb : p[i].K * p[i].ldb;
		p[i].Ah = to_bf16(p[i].A, an);
		p[i].Bh = to_bf16(p[i].B, bn);
		if (make_matmul(eng, &p[i], dnnl_f32) < 0)
			have[MATMUL_F32] = 0;
		if (make_matmul(eng, &p[i], dnnl_bf16) < 0)
			have[MATMUL_BF16] = 0;
	}
	for (int k = 0; k < NBACK; k++) {
		double best = 0.0;
		char runs[512] = "";
		if (!have[k] || run(k, p, n, st) < 0) {  /* warm-up */
			fprintf(stderr, "dnnl_gemm: %s: cannot be set up here\n",
			    names[k]);
			continue;
		}
		for (long r = 0; r < repeat; r++) {
			double t0 = now(), t;
			size_t it = 0;
			do {
				run(k, p, n, st);
				it++;
			} while ((t = now() - t0) < secs);
			double sps = (double)(it * SHARDS * ROWS) / t;
			if (sps > best)
				best = sps;
			snprintf(runs + strlen(runs), sizeof(runs) - strlen(runs),
			    "%s%.0f", r > 0 ? "," : "", sps);
		}
		printf("%s_samples_per_s %.0f\n%s_runs %s\n", names[k], best,
		    names[k], runs);
	}
	/* the process ends here: oneDNN's objects go with it */
	free(w);
	return 0;
}
