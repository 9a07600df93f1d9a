/*
 * gemm.c - the one matrix product every layer goes through.
 *
 * By default CBLAS (OpenBLAS).  OpenBLAS is pinned to one thread here: a
 * multi-threaded BLAS may split a product differently for another thread
 * count, and nnkit promises the same weights whatever --threads says.
 * Parallelism, when it comes, is ours: shards of a batch with fixed
 * boundaries, reduced in a fixed order.
 *
 * `make BLAS=dnnl` calls oneDNN's dnnl_sgemm instead, `make BLAS=none`
 * builds a portable kernel (both below).
 */
#include <stddef.h>

#include "nn_layers.h"

#if defined(NN_DNNL)
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

/* oneDNN's BLAS-like sgemm: row-major, like nn_gemm.  On W1's shard shapes
 * it measured faster than OpenBLAS on one thread (docs/performance.md).
 * Debian builds oneDNN on OpenMP, whose thread count is a per-thread
 * setting: every thread that calls it sets 1 for itself, the first time,
 * for the reason OpenBLAS is pinned below. */
static _Thread_local int pinned;

void
nn_gemm(int transa, int transb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	if (!pinned) {
		omp_set_num_threads(1);
		pinned = 1;
	}
	if (M == 0 || N == 0)
		return;
	/* it fails only on arguments that nn_gemm's callers never pass */
	(void)dnnl_sgemm(transa ? 'T' : 'N', transb ? 'T' : 'N',
	    (dnnl_dim_t)M, (dnnl_dim_t)N, (dnnl_dim_t)K, alpha, A,
	    (dnnl_dim_t)lda, B, (dnnl_dim_t)ldb, beta, C, (dnnl_dim_t)ldc);
}

#elif !defined(NN_NO_BLAS)
#include <cblas.h>
#include <pthread.h>

static pthread_once_t pinned = PTHREAD_ONCE_INIT;

/* OpenBLAS (its pthread build, Debian's default) starts a pool of threads
 * when it is loaded, and they spin, calling sched_yield, for some 10^8
 * cycles before they sleep: in a run of a few milliseconds (a small
 * network, a trial of nn-tune) a core is kept busy for nothing, and a
 * second trial on it runs at half speed.  nnkit never gives OpenBLAS a
 * thread, so the pool is ended here. */
void blas_thread_shutdown_(void) __attribute__((weak));

static void
pin_one_thread(void)
{
	openblas_set_num_threads(1);
	if (blas_thread_shutdown_ != NULL)
		blas_thread_shutdown_();
}

void
nn_gemm(int transa, int transb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	/* once, whichever thread gets here first */
	pthread_once(&pinned, pin_one_thread);
	if (M == 0 || N == 0)
		return;
	cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
	    transb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha,
	    A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

#else

#include <stdlib.h>

/* The portable kernel.  op(A) and op(B) are first copied into panels with
 * unit stride (so transposes cost one copy, not a strided inner loop);
 * then each 4 x 16 tile of C is accumulated in registers over all of K:
 * 4 rows times 16 columns is 16 SSE registers, and the inner j loop is
 * elementwise, so compilers vectorise it at any -O2.  Function
 * multiversioning lets the same code use AVX2/AVX-512 where the processor
 * has them.  Deterministic: the order of the k sum is fixed. */

#define MR 4
#define NR 16

NN_CLONES static void
tile(size_t mr, size_t nr, size_t K, float alpha, const float *restrict a,
    size_t lda, const float *restrict bp, float *restrict C, size_t ldc)
{
	float acc[MR][NR];

	for (size_t r = 0; r < MR; r++)
		for (size_t j = 0; j < NR; j++)
			acc[r][j] = 0.0f;
	for (size_t k = 0; k < K; k++) {
		const float *b = bp + k * NR;   /* (K, NR) panel */
		for (size_t r = 0; r < MR; r++) {
			const float av = a[r * lda + k];
			NN_SIMD
			for (size_t j = 0; j < NR; j++)
				acc[r][j] += av * b[j];
		}
	}
	for (size_t r = 0; r < mr; r++)
		for (size_t j = 0; j < nr; j++)
			C[r * ldc + j] += alpha * acc[r][j];
}

void
nn_gemm(int transa, int transb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	/* a: op(A) as (M rounded up to MR, K) rows; bp: one (K, NR) panel */
	size_t Mr = (M + MR - 1) / MR * MR;
	float *a = nn_xcalloc(Mr * (K ? K : 1), sizeof(float));
	float *bp = nn_xmalloc((K ? K : 1) * NR * sizeof(float));

	for (size_t i = 0; i < M; i++) {
		float *c = C + i * ldc;
		if (beta == 0.0f)
			for (size_t j = 0; j < N; j++)
				c[j] = 0.0f;
		else if (beta != 1.0f)
			for (size_t j = 0; j < N; j++)
				c[j] *= beta;
		for (size_t k = 0; k < K; k++)
			a[i * K + k] = transa ? A[k * lda + i] : A[i * lda + k];
	}
	for (size_t j0 = 0; j0 < N; j0 += NR) {
		size_t nr = N - j0 < NR ? N - j0 : NR;
		for (size_t k = 0; k < K; k++)
			for (size_t j = 0; j < NR; j++)
				bp[k * NR + j] = j >= nr ? 0.0f : transb ?
				    B[(j0 + j) * ldb + k] : B[k * ldb + j0 + j];
		for (size_t i0 = 0; i0 < M; i0 += MR) {
			size_t mr = M - i0 < MR ? M - i0 : MR;
			tile(mr, nr, K, alpha, a + i0 * K, K, bp, C + i0 * ldc + j0,
			    ldc);
		}
	}
	free(a);
	free(bp);
}
#endif
