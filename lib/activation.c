/*
 * activation.c - activation functions and their derivatives, by name.
 *
 * Each is a loop over a whole batch (B * width values) with the switch
 * outside the loop, so the compiler vectorises the common ones.  Backward
 * gets both the input z and the output a = f(z): most derivatives are
 * cheapest in terms of a (sigmoid: a(1 - a), tanh: 1 - a^2).
 *
 * One activation takes a parameter: leaky-relu's slope below zero, stored
 * per layer in the model.  GELU is the exact form z Phi(z) with the normal
 * CDF through erf, not the tanh approximation: erff costs about what tanhf
 * does, and the derivative Phi(z) + z phi(z) is then exact too.
 */
#include <math.h>
#include <string.h>

#include "nn_layers.h"

#define LEAKY_SLOPE 0.01f       /* the default; layers may carry another */
#define ELU_ALPHA 1.0f
#define SQRT1_2 0.70710678118654752440f         /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267794f    /* 1 / sqrt(2 pi) */

static const char *const act_names[NN_ACT_COUNT] = {
	[NN_ACT_LINEAR] = "linear",
	[NN_ACT_SIGMOID] = "sigmoid",
	[NN_ACT_TANH] = "tanh",
	[NN_ACT_RELU] = "relu",
	[NN_ACT_LEAKY_RELU] = "leaky-relu",
	[NN_ACT_ELU] = "elu",
	[NN_ACT_SWISH] = "swish",
	[NN_ACT_GELU] = "gelu",
	[NN_ACT_SOFTMAX] = "softmax",
};

const char *
nn_act_name(nn_act v)
{
	return nn_name_of(act_names, NN_ACT_COUNT, (int)v);
}

int
nn_act_lookup(const char *name, nn_act *out)
{
	int i = nn_name_find(act_names, NN_ACT_COUNT, name);

	if (i >= 0)
		*out = (nn_act)i;
	return i < 0 ? -1 : 0;
}

float
nn_act_param_default(nn_act a)
{
	return a == NN_ACT_LEAKY_RELU ? LEAKY_SLOPE : 0.0f;
}

/* Logistic function without overflow for large |z|. */
static inline float
sigmoidf(float z)
{
	if (z >= 0.0f)
		return 1.0f / (1.0f + expf(-z));
	float e = expf(z);
	return e / (1.0f + e);
}

/* Row-wise softmax of (B, k), shifted by the row maximum so exp cannot
 * overflow. */
static void
softmax_rows(float *out, const float *in, size_t B, size_t k)
{
	for (size_t i = 0; i < B; i++) {
		const float *z = in + i * k;
		float *p = out + i * k;
		float mx = z[0], sum = 0.0f;
		for (size_t j = 1; j < k; j++)
			if (z[j] > mx)
				mx = z[j];
		for (size_t j = 0; j < k; j++) {
			p[j] = expf(z[j] - mx);
			sum += p[j];
		}
		float inv = 1.0f / sum;
		for (size_t j = 0; j < k; j++)
			p[j] *= inv;
	}
}

void
nn_act_forward(nn_act a, float *out, const float *in, size_t B, size_t k)
{
	nn_act_forward_p(a, nn_act_param_default(a), out, in, B, k);
}

void
nn_act_forward_p(nn_act a, float p, float *out, const float *in, size_t B,
    size_t k)
{
	size_t n = B * k;

	switch (a) {
	case NN_ACT_LINEAR:
		if (out != in)
			memmove(out, in, n * sizeof(*out));
		break;
	case NN_ACT_SIGMOID:
		for (size_t i = 0; i < n; i++)
			out[i] = sigmoidf(in[i]);
		break;
	case NN_ACT_TANH:
		for (size_t i = 0; i < n; i++)
			out[i] = tanhf(in[i]);
		break;
	case NN_ACT_RELU:
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > 0.0f ? in[i] : 0.0f;
		break;
	case NN_ACT_LEAKY_RELU:
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > 0.0f ? in[i] : p * in[i];
		break;
	case NN_ACT_ELU:
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] > 0.0f ? in[i] : ELU_ALPHA * expm1f(in[i]);
		break;
	case NN_ACT_SWISH:
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] * sigmoidf(in[i]);
		break;
	case NN_ACT_GELU:
		for (size_t i = 0; i < n; i++)
			out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * SQRT1_2));
		break;
	case NN_ACT_SOFTMAX:
		softmax_rows(out, in, B, k);
		break;
	case NN_ACT_COUNT:
		break;
	}
}

void
nn_act_backward(nn_act a, float *din, const float *dout, const float *in,
    const float *out, size_t n)
{
	nn_act_backward_p(a, nn_act_param_default(a), din, dout, in, out, n);
}

void
nn_act_backward_p(nn_act a, float p, float *din, const float *dout,
    const float *in, const float *out, size_t n)
{
	switch (a) {
	case NN_ACT_LINEAR:
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i];
		break;
	case NN_ACT_SIGMOID:
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * out[i] * (1.0f - out[i]);
		break;
	case NN_ACT_TANH:
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			din[i] += dout[i] * (1.0f - out[i] * out[i]);
		break;
	case NN_ACT_RELU:
		NN_SIMD
		for (size_t i = 0; i < n; i++) {
			/* load first, then select: a load under the condition
			 * keeps the compiler from vectorising */
			const float d = dout[i];
			din[i] += in[i] > 0.0f ? d : 0.0f;
		}
		break;
	case NN_ACT_LEAKY_RELU:
		NN_SIMD
		for (size_t i = 0; i < n; i++) {
			const float d = dout[i];
			din[i] += in[i] > 0.0f ? d : p * d;
		}
		break;
	case NN_ACT_ELU:
		/* for z <= 0: f'(z) = alpha e^z = f(z) + alpha */
		for (size_t i = 0; i < n; i++)
			din[i] += in[i] > 0.0f ? dout[i] : dout[i] * (out[i] + ELU_ALPHA);
		break;
	case NN_ACT_SWISH:
		/* f = z s(z);  f' = s + z s (1 - s) = f + s (1 - f) */
		for (size_t i = 0; i < n; i++) {
			float s = sigmoidf(in[i]);
			din[i] += dout[i] * (out[i] + s * (1.0f - out[i]));
		}
		break;
	case NN_ACT_GELU:
		/* f = z Phi(z);  f' = Phi(z) + z phi(z) */
		for (size_t i = 0; i < n; i++) {
			float z = in[i];
			float cdf = 0.5f * (1.0f + erff(z * SQRT1_2));
			float pdf = INV_SQRT_2PI * expf(-0.5f * z * z);
			din[i] += dout[i] * (cdf + z * pdf);
		}
		break;
	case NN_ACT_SOFTMAX: /* only fused with cross-entropy: see loss.c */
	case NN_ACT_COUNT:
		break;
	}
}
