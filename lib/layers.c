/*
 * layers.c - the layers, forward and backward side by side: dense, batch
 * normalisation, dropout.
 *
 * Dimension letters as in nn_model.h: B rows, nin/nout a dense layer's
 * inputs and outputs, n the columns of a batch-normalised or dropped-out
 * matrix.
 *
 * Whole mini-batches through one GEMM each: the per-sample loop of a
 * textbook implementation would run the same arithmetic at a fraction of
 * the speed, because GEMM reuses every weight across the B rows.  Batch
 * normalisation sums its columns in double, row after row, so the
 * statistics of a shard of many rows lose nothing to float rounding and
 * depend only on the rows, never on a thread count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_layers.h"

/* ====================================================================== */
/* Dense                                                                  */
/* ====================================================================== */

void
nn_dense_forward(float *out, const float *in, const float *w, const float *b,
    size_t B, size_t nin, size_t nout)
{
	/* out (B, nout) starts as the bias in every row, then += in . w */
	for (size_t i = 0; i < B; i++)
		memcpy(out + i * nout, b, nout * sizeof(*out));
	nn_gemm(0, 0, B, nout, nin, 1.0f, in, nin, w, nout, 1.0f, out, nout);
}

void
nn_dense_backward(float *din, float *dw, float *db, const float *dout,
    const float *in, const float *w, size_t B, size_t nin, size_t nout)
{
	nn_dense_backward_beta(din, dw, db, dout, in, w, B, nin, nout, 1.0f);
}

void
nn_dense_backward_beta(float *din, float *dw, float *db, const float *dout,
    const float *in, const float *w, size_t B, size_t nin, size_t nout,
    float beta)
{
	/* dw (nin, nout) = in^T (nin, B) . dout (B, nout) + beta dw: with beta
	 * 0 the GEMM writes dw, as it would add into a zeroed one */
	nn_gemm(1, 0, nin, nout, B, 1.0f, in, nin, dout, nout, beta, dw, nout);
	/* db (nout) += sum over rows of dout, from 0 when writing: the same
	 * additions, so the same bytes, as adding into a zeroed db */
	if (beta == 0.0f)
		memset(db, 0, nout * sizeof(*db));
	for (size_t i = 0; i < B; i++) {
		const float *d = dout + i * nout;
		NN_SIMD
		for (size_t j = 0; j < nout; j++)
			db[j] += d[j];
	}
	/* din (B, nin) = dout (B, nout) . w^T (nout, nin) */
	if (din != NULL)
		nn_gemm(0, 1, B, nin, nout, 1.0f, dout, nout, w, nout, 0.0f, din, nin);
}

/* ====================================================================== */
/* Batch normalisation                                                    */
/* ====================================================================== */

/* xhat = (z - mean) * rstd; out = gamma xhat + beta, row by row. */
static void
bn_apply(float *out, float *xhat, const float *z, const float *mean,
    const float *rstd, const float *gamma, const float *beta, size_t B,
    size_t n)
{
	for (size_t i = 0; i < B; i++) {
		const float *zr = z + i * n;
		float *xr = xhat + i * n, *o = out + i * n;
		for (size_t j = 0; j < n; j++) {
			float xh = (zr[j] - mean[j]) * rstd[j];
			xr[j] = xh;
			o[j] = gamma[j] * xh + beta[j];
		}
	}
}

void
nn_bn_forward_train(float *out, float *xhat, float *mean, float *var,
    float *rstd, const float *z, const float *gamma, const float *beta,
    size_t B, size_t n)
{
	double *s = nn_xcalloc(2 * n, sizeof(double)), *ss = s + n;

	/* two passes, mean then squared deviations: no cancellation */
	for (size_t i = 0; i < B; i++)
		for (size_t j = 0; j < n; j++)
			s[j] += z[i * n + j];
	for (size_t j = 0; j < n; j++)
		s[j] /= (double)B;
	for (size_t i = 0; i < B; i++)
		for (size_t j = 0; j < n; j++) {
			double d = z[i * n + j] - s[j];
			ss[j] += d * d;
		}
	for (size_t j = 0; j < n; j++) {
		double v = ss[j] / (double)B;
		mean[j] = (float)s[j];
		var[j] = (float)v;
		rstd[j] = (float)(1.0 / sqrt(v + (double)NN_BN_EPS));
	}
	free(s);
	bn_apply(out, xhat, z, mean, rstd, gamma, beta, B, n);
}

void
nn_bn_forward_infer(float *out, float *xhat, float *rstd, const float *z,
    const float *gamma, const float *beta, const float *rm, const float *rv,
    size_t B, size_t n)
{
	for (size_t j = 0; j < n; j++)
		rstd[j] = (float)(1.0 / sqrt((double)rv[j] + (double)NN_BN_EPS));
	bn_apply(out, xhat, z, rm, rstd, gamma, beta, B, n);
}

/* With the batch statistics, every z of a column moves the mean and the
 * variance, so (dxhat = dout gamma, sums over the B rows):
 *   dz = rstd (dxhat - sum(dxhat) / B - xhat sum(dxhat xhat) / B)
 * With running statistics the layer is affine: dz = dout gamma rstd. */
void
nn_bn_backward(float *dz, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, size_t B,
    size_t n, int train)
{
	double *sd = nn_xcalloc(2 * n, sizeof(double)), *sdx = sd + n;

	for (size_t i = 0; i < B; i++)
		for (size_t j = 0; j < n; j++) {
			double d = dout[i * n + j];
			sd[j] += d;
			sdx[j] += d * xhat[i * n + j];
		}
	for (size_t j = 0; j < n; j++) {
		dgamma[j] += (float)sdx[j];
		dbeta[j] += (float)sd[j];
	}
	if (train) {
		/* sums of dxhat and dxhat xhat are gamma times those of dout */
		for (size_t j = 0; j < n; j++) {
			sd[j] *= gamma[j] / (double)B;
			sdx[j] *= gamma[j] / (double)B;
		}
		for (size_t i = 0; i < B; i++)
			for (size_t j = 0; j < n; j++) {
				size_t k = i * n + j;
				double dxh = (double)dout[k] * gamma[j];
				dz[k] = (float)(rstd[j] * (dxh - sd[j] -
				    xhat[k] * sdx[j]));
			}
	} else {
		for (size_t i = 0; i < B; i++)
			for (size_t j = 0; j < n; j++)
				dz[i * n + j] = dout[i * n + j] * gamma[j] * rstd[j];
	}
	free(sd);
}

/* ====================================================================== */
/* Dropout                                                                */
/* ====================================================================== */

void
nn_dropout_forward(float *out, float *mask, const float *in, float p,
    nn_rng *r, size_t n)
{
	const float keep = (float)(1.0 / (1.0 - (double)p));

	for (size_t i = 0; i < n; i++) {
		mask[i] = nn_rng_uniform(r) < (double)p ? 0.0f : keep;
		out[i] = in[i] * mask[i];
	}
}
