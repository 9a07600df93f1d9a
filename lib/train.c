/*
 * train.c - mini-batch gradient descent.
 *
 * Every epoch reshuffles the row order with the seeded generator, gathers
 * each mini-batch into a contiguous buffer (so the layers see one (B, D)
 * matrix and run GEMM on it), and takes one SGD step per batch.  Nothing
 * here depends on the thread count or the clock: the same data, seed and
 * settings give the same weights, bit for bit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"

/* Sum of squares of the gradient buffer: one pass that also tells whether
 * any gradient has gone non-finite (NaN and Inf propagate into the sum). */
static double
grad_sumsq(const float *g, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += (double)g[i] * g[i];
	return s;
}

int
nn_train(nn_model *m, const float *x, const uint32_t *y, const float *t,
    size_t n, const nn_train_cfg *cfg, double *loss_out, nn_err *e)
{
	const size_t D = m->nin, bs = cfg->batch < n ? cfg->batch : n;
	const int classify = m->task != NN_TASK_REGRESSION;
	nn_rng rng;
	nn_work *w;
	uint32_t *perm, *yb = NULL;
	float *xb, *tb = NULL;
	double loss = 0.0;
	int rc = 0;

	if (n == 0 || bs == 0 || cfg->epochs == 0)
		return nn_errf(e, "nothing to train on");
	nn_rng_seed(&rng, cfg->seed);
	w = nn_work_new(m, bs);
	perm = nn_xmalloc(n * sizeof(*perm));
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	xb = nn_xmalloc(bs * D * sizeof(*xb));      /* (bs, D) */
	if (classify)
		yb = nn_xmalloc(bs * sizeof(*yb));       /* (bs) */
	else
		tb = nn_xmalloc(bs * sizeof(*tb));       /* (bs) */

	for (size_t ep = 1; ep <= cfg->epochs && rc == 0; ep++) {
		double sum = 0.0;
		size_t nb = 0;
		nn_rng_shuffle(&rng, perm, n);
		for (size_t s = 0; s < n; s += bs, nb++) {
			size_t B = n - s < bs ? n - s : bs;
			for (size_t i = 0; i < B; i++) {
				size_t r = perm[s + i];
				memcpy(xb + i * D, x + r * D, D * sizeof(*xb));
				if (classify)
					yb[i] = y[r];
				else
					tb[i] = t[r];
			}
			nn_forward(m, w, xb, B);
			nn_zero_grad(m);
			double l = nn_backward(m, w, xb, yb, tb, B);
			if (!isfinite(l) || !isfinite(grad_sumsq(m->grads, m->nparams))) {
				rc = nn_errf(e, "%s is not finite at epoch %zu, batch %zu "
				    "(try a lower learning rate)",
				    isfinite(l) ? "gradient" : "loss", ep, nb + 1);
				break;
			}
			/* SGD: one flat loop over every parameter */
			for (size_t i = 0; i < m->nparams; i++)
				m->params[i] -= cfg->lr * m->grads[i];
			sum += l * (double)B;
		}
		if (rc != 0)
			break;
		loss = sum / (double)n;
		if (cfg->on_epoch != NULL && cfg->on_epoch(cfg->ctx, ep, loss) != 0)
			break;
	}
	free(perm);
	free(xb);
	free(yb);
	free(tb);
	nn_work_free(w);
	if (rc == 0 && loss_out != NULL)
		*loss_out = loss;
	return rc;
}
