/*
 * optim.c - optimizers as flat loops over the parameter buffer.
 *
 * Every update is elementwise, so a step can be split into disjoint ranges
 * (one per thread) and give exactly the bytes one sequential loop gives.
 * The step counter and Adam's bias corrections are computed once per step
 * in nn_optim_begin, outside the ranges.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_train.h"

static const char *const opt_names[NN_OPTIM_COUNT] = {
	[NN_OPTIM_SGD] = "sgd", [NN_OPTIM_MOMENTUM] = "momentum",
	[NN_OPTIM_NESTEROV] = "nesterov", [NN_OPTIM_ADAM] = "adam",
	[NN_OPTIM_ADAMW] = "adamw", [NN_OPTIM_RMSPROP] = "rmsprop",
	[NN_OPTIM_ADAGRAD] = "adagrad",
};

const char *
nn_optim_name(nn_optim_kind v)
{
	return nn_name_of(opt_names, NN_OPTIM_COUNT, (int)v);
}

int
nn_optim_lookup(const char *name, nn_optim_kind *out)
{
	int i = nn_name_find(opt_names, NN_OPTIM_COUNT, name);

	if (i >= 0)
		*out = (nn_optim_kind)i;
	return i < 0 ? -1 : 0;
}

/* The one home of every optimizer default.  The rate: plain and momentum
 * SGD take steps proportional to the gradient, so 0.1 suits standardised
 * inputs; the adaptive methods move each parameter by about the rate
 * whatever its gradient's scale, so they want a small one (Adagrad's
 * accumulator shrinks its steps over time, so it starts larger). */
void
nn_optim_defaults(nn_optim_cfg *c, nn_optim_kind kind)
{
	c->kind = kind;
	switch (kind) {
	case NN_OPTIM_SGD:
	case NN_OPTIM_MOMENTUM:
	case NN_OPTIM_NESTEROV:
		c->lr = 0.1f;
		break;
	case NN_OPTIM_ADAGRAD:
		c->lr = 0.01f;
		break;
	default:
		c->lr = 0.001f;
		break;
	}
	c->momentum = 0.9f;
	c->beta1 = 0.9f;
	/* RMSprop's usual decay is 0.9 (Hinton's lecture, Keras, PyTorch's
	 * alpha 0.99 aside); Adam's second-moment decay 0.999 */
	c->beta2 = kind == NN_OPTIM_RMSPROP ? 0.9f : 0.999f;
	c->eps = 1e-8f;
	c->weight_decay = 0.0f;
}

nn_optim *
nn_optim_new(const nn_optim_cfg *c, size_t n)
{
	nn_optim *o = nn_xcalloc(1, sizeof(*o));

	o->c = *c;
	o->n = n;
	switch (c->kind) {
	case NN_OPTIM_MOMENTUM:
	case NN_OPTIM_NESTEROV:
		o->m = nn_xcalloc(n, sizeof(float));
		break;
	case NN_OPTIM_ADAM:
	case NN_OPTIM_ADAMW:
		o->m = nn_xcalloc(n, sizeof(float));
		o->v = nn_xcalloc(n, sizeof(float));
		break;
	case NN_OPTIM_RMSPROP:
	case NN_OPTIM_ADAGRAD:
		o->v = nn_xcalloc(n, sizeof(float));
		break;
	default:
		break;
	}
	return o;
}

void
nn_optim_free(nn_optim *o)
{
	if (o == NULL)
		return;
	free(o->m);
	free(o->v);
	free(o);
}

void
nn_optim_begin(nn_optim *o)
{
	o->t++;
}

/* Adam's step over [lo, hi) with this step's constants; AdamW (decoupled)
 * shrinks the weights instead of adding wd p to the gradient.  Two
 * branch-free loops rather than one with a test inside, so they vectorise:
 * elementwise, with a square root and a division per parameter, this was a
 * fifth of a training step at 4 lanes; the AVX-512 copy does 16 at a time,
 * and every copy gives the scalar loop's bytes. */
typedef struct adam_k {
	float b1, b2, c1, c2, eps;  /* betas, 1 - betas, epsilon */
	float step, rbc2;           /* lr / (1 - b1^t), 1 / sqrt(1 - b2^t) */
	float wd, lr;               /* weight decay, this step's rate */
} adam_k;

NN_CLONES static void
adam_range(const adam_k *k, int decoupled, float *restrict p,
    float *restrict m, float *restrict v, const float *restrict g, size_t lo,
    size_t hi)
{
	const float b1 = k->b1, b2 = k->b2, c1 = k->c1, c2 = k->c2;
	const float eps = k->eps, step = k->step, rbc2 = k->rbc2, wd = k->wd;

	if (decoupled) {
		const float shrink = 1.0f - k->lr * wd;
		NN_SIMD
		for (size_t i = lo; i < hi; i++) {
			float gi = g[i];
			p[i] *= shrink;
			m[i] = b1 * m[i] + c1 * gi;
			v[i] = b2 * v[i] + c2 * gi * gi;
			p[i] -= step * m[i] / (sqrtf(v[i]) * rbc2 + eps);
		}
	} else {
		NN_SIMD
		for (size_t i = lo; i < hi; i++) {
			float gi = g[i] + wd * p[i];
			m[i] = b1 * m[i] + c1 * gi;
			v[i] = b2 * v[i] + c2 * gi * gi;
			p[i] -= step * m[i] / (sqrtf(v[i]) * rbc2 + eps);
		}
	}
}

void
nn_optim_update(const nn_optim *o, float lr, float *restrict p,
    const float *restrict g, size_t lo, size_t hi)
{
	const nn_optim_cfg *c = &o->c;
	const float wd = c->weight_decay, mu = c->momentum;
	const float b1 = c->beta1, b2 = c->beta2, eps = c->eps;
	float *restrict m = o->m, *restrict v = o->v;

	switch (c->kind) {
	case NN_OPTIM_SGD:
		for (size_t i = lo; i < hi; i++)
			p[i] -= lr * (g[i] + wd * p[i]);
		break;
	case NN_OPTIM_MOMENTUM:
		/* v <- mu v + g;  p <- p - lr v   (PyTorch's form) */
		for (size_t i = lo; i < hi; i++) {
			m[i] = mu * m[i] + (g[i] + wd * p[i]);
			p[i] -= lr * m[i];
		}
		break;
	case NN_OPTIM_NESTEROV:
		/* look ahead along the velocity: p <- p - lr (g + mu v) */
		for (size_t i = lo; i < hi; i++) {
			float gi = g[i] + wd * p[i];
			m[i] = mu * m[i] + gi;
			p[i] -= lr * (gi + mu * m[i]);
		}
		break;
	case NN_OPTIM_ADAM:
	case NN_OPTIM_ADAMW: {
		/* bias corrections: the moments start at zero, so early
		 * averages are scaled up by 1 / (1 - beta^t) */
		const double t = (double)o->t;
		const adam_k k = { .b1 = b1, .b2 = b2, .c1 = 1.0f - b1,
		    .c2 = 1.0f - b2, .eps = eps, .wd = wd, .lr = lr,
		    .step = lr / (float)(1.0 - pow(b1, t)),
		    .rbc2 = (float)(1.0 / sqrt(1.0 - pow(b2, t))) };
		adam_range(&k, c->kind == NN_OPTIM_ADAMW, p, m, v, g, lo, hi);
		break;
	}
	case NN_OPTIM_RMSPROP:
		for (size_t i = lo; i < hi; i++) {
			float gi = g[i] + wd * p[i];
			v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
			p[i] -= lr * gi / (sqrtf(v[i]) + eps);
		}
		break;
	case NN_OPTIM_ADAGRAD:
		for (size_t i = lo; i < hi; i++) {
			float gi = g[i] + wd * p[i];
			v[i] += gi * gi;
			p[i] -= lr * gi / (sqrtf(v[i]) + eps);
		}
		break;
	case NN_OPTIM_COUNT:
		break;
	}
}
