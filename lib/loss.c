/*
 * loss.c - losses and their gradients, fused with the output activation.
 *
 * Sigmoid + binary cross-entropy and softmax + categorical cross-entropy
 * both have the gradient p - y with respect to the pre-activation z: exact,
 * cheap and free of the 0/0 that differentiating log(p) and the activation
 * separately would meet when p saturates.  So backward here returns dL/dz
 * for the output layer, and the output activation's own derivative is never
 * used.  The loss value is likewise computed from z (softplus, log-sum-exp)
 * rather than from p: p rounds to 0 or 1 in float long before the loss is
 * infinite, and a clamped log would under-report a confidently wrong batch
 * to the log, early stopping and the plateau schedule.
 */
#include <math.h>
#include <string.h>

#include "nn_layers.h"

static const char *const loss_names[NN_LOSS_COUNT] = {
	[NN_LOSS_BCE] = "bce", [NN_LOSS_CCE] = "cce", [NN_LOSS_MSE] = "mse",
	[NN_LOSS_MAE] = "mae", [NN_LOSS_HUBER] = "huber",
};
const char *
nn_loss_name(nn_loss l)
{
	return nn_name_of(loss_names, NN_LOSS_COUNT, (int)l);
}

int
nn_loss_lookup(const char *name, nn_loss *out)
{
	int i = nn_name_find(loss_names, NN_LOSS_COUNT, name);

	if (i >= 0)
		*out = (nn_loss)i;
	return i < 0 ? -1 : 0;
}

/* Row i's weight: its class's, or 1. */
static inline double
row_w(const float *cw, const uint32_t *y, size_t i)
{
	return cw != NULL && y != NULL ? (double)cw[y[i]] : 1.0;
}

/* softplus(v) = ln(1 + e^v), without overflow for large v or loss of the
 * small result for very negative v. */
static inline double
softplus(double v)
{
	return (v > 0.0 ? v : 0.0) + log1p(exp(-fabs(v)));
}

double
nn_loss_forward(nn_loss l, const float *z, const uint32_t *y,
    const float *t, const float *cw, size_t B, size_t K)
{
	double sum = 0.0;

	if (B == 0)
		return 0.0;
	switch (l) {
	case NN_LOSS_BCE:
		/* K == 1: -ln sigmoid(z) = softplus(-z) for class 1,
		 * -ln(1 - sigmoid(z)) = softplus(z) for class 0 */
		for (size_t i = 0; i < B; i++)
			sum += row_w(cw, y, i) * softplus(y[i] ? -(double)z[i] : z[i]);
		return sum / (double)B;
	case NN_LOSS_CCE:
		/* -ln softmax(z)_y = logsumexp(z) - z_y, shifted by the row's
		 * largest logit so no exp overflows */
		for (size_t i = 0; i < B; i++) {
			const float *r = z + i * K;
			double mx = r[0], se = 0.0;
			for (size_t k = 1; k < K; k++)
				if (r[k] > mx)
					mx = r[k];
			for (size_t k = 0; k < K; k++)
				se += exp((double)r[k] - mx);
			sum += row_w(cw, y, i) * (mx + log(se) - (double)r[y[i]]);
		}
		return sum / (double)B;
	case NN_LOSS_MSE:
		for (size_t i = 0; i < B * K; i++) {
			double d = (double)z[i] - t[i];
			sum += d * d;
		}
		return sum / (double)(B * K);
	case NN_LOSS_MAE:
		for (size_t i = 0; i < B * K; i++)
			sum += fabs((double)z[i] - t[i]);
		return sum / (double)(B * K);
	case NN_LOSS_HUBER:
		/* quadratic near zero, linear beyond |d| = 1: MSE's smooth
		 * minimum with MAE's indifference to outliers */
		for (size_t i = 0; i < B * K; i++) {
			double d = fabs((double)z[i] - t[i]);
			sum += d <= 1.0 ? 0.5 * d * d : d - 0.5;
		}
		return sum / (double)(B * K);
	case NN_LOSS_COUNT:
		break;
	}
	return NAN;
}

void
nn_loss_backward(nn_loss l, float *dz, const float *out, const uint32_t *y,
    const float *t, const float *cw, size_t B, size_t K)
{
	float inv;

	if (B == 0)
		return;
	inv = 1.0f / (float)B;
	switch (l) {
	case NN_LOSS_BCE:
		for (size_t i = 0; i < B; i++)
			dz[i] = (out[i] - (y[i] ? 1.0f : 0.0f)) * inv;
		break;
	case NN_LOSS_CCE:
		for (size_t i = 0; i < B * K; i++)
			dz[i] = out[i] * inv;
		for (size_t i = 0; i < B; i++)
			dz[i * K + y[i]] -= inv;
		break;
	case NN_LOSS_MSE:
		inv = 2.0f / (float)(B * K);
		for (size_t i = 0; i < B * K; i++)
			dz[i] = (out[i] - t[i]) * inv;
		break;
	case NN_LOSS_MAE:
		inv = 1.0f / (float)(B * K);
		for (size_t i = 0; i < B * K; i++) {
			float d = out[i] - t[i];
			dz[i] = d > 0.0f ? inv : d < 0.0f ? -inv : 0.0f;
		}
		break;
	case NN_LOSS_HUBER:
		inv = 1.0f / (float)(B * K);
		for (size_t i = 0; i < B * K; i++) {
			float d = out[i] - t[i];
			dz[i] = (d > 1.0f ? 1.0f : d < -1.0f ? -1.0f : d) * inv;
		}
		break;
	case NN_LOSS_COUNT:
		break;
	}
	/* class weights scale a row's whole gradient, as its loss */
	if (cw != NULL && y != NULL)
		for (size_t i = 0; i < B; i++)
			for (size_t k = 0; k < K; k++)
				dz[i * K + k] *= cw[y[i]];
}
