/*
 * gemm.c - the one matrix product every layer goes through.
 *
 * By default CBLAS (OpenBLAS).  OpenBLAS is pinned to one thread here: a
 * multi-threaded BLAS may split a product differently for another thread
 * count, and nnkit promises the same weights whatever --threads says.
 * Parallelism, when it comes, is ours: shards of a batch with fixed
 * boundaries, reduced in a fixed order.
 *
 * `make BLAS=none` builds a portable kernel instead: row-major i-k-j loops
 * that compilers vectorise, blocked so a tile of B stays in cache.
 */
#include <stddef.h>

#include "nn_model.h"

#ifndef NN_NO_BLAS
#include <cblas.h>

void
nn_gemm(int transa, int transb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	static int pinned;

	if (!pinned) {
		openblas_set_num_threads(1);
		pinned = 1;
	}
	if (M == 0 || N == 0)
		return;
	cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
	    transb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha,
	    A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

#else

#define KB 128 /* rows of op(B) per block: a (KB, N) panel stays in L2 */

void
nn_gemm(int transa, int transb, size_t M, size_t N, size_t K, float alpha,
    const float *A, size_t lda, const float *B, size_t ldb, float beta,
    float *C, size_t ldc)
{
	for (size_t i = 0; i < M; i++) {
		float *c = C + i * ldc;
		if (beta == 0.0f)
			for (size_t j = 0; j < N; j++)
				c[j] = 0.0f;
		else if (beta != 1.0f)
			for (size_t j = 0; j < N; j++)
				c[j] *= beta;
	}
	for (size_t k0 = 0; k0 < K; k0 += KB) {
		size_t k1 = k0 + KB < K ? k0 + KB : K;
		for (size_t i = 0; i < M; i++) {
			float *restrict c = C + i * ldc;
			for (size_t k = k0; k < k1; k++) {
				float a = alpha * (transa ? A[k * lda + i] : A[i * lda + k]);
				if (!transb) {
					const float *restrict b = B + k * ldb;
					for (size_t j = 0; j < N; j++)
						c[j] += a * b[j];
				} else {
					for (size_t j = 0; j < N; j++)
						c[j] += a * B[j * ldb + k];
				}
			}
		}
	}
}
#endif
