/*
 * trace.c - look inside one training step: the --trace listing of forward
 * and backward propagation, and the finite-difference gradient check.
 *
 * The trace recomputes the first mini-batch with the library's own layer
 * functions (nn_dense_forward, nn_act_forward, nn_loss_backward,
 * nn_dense_backward, nn_act_backward) and writes every intermediate matrix
 * to a stream the caller gives, like the lesson prints its 2-2-1 network by
 * hand.  It never prints anywhere else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_train.h"

static void
put_matrix(FILE *fp, const char *title, const float *v, size_t r, size_t c)
{
	fprintf(fp, "%s (%zu x %zu):\n", title, r, c);
	for (size_t i = 0; i < r; i++) {
		for (size_t j = 0; j < c; j++)
			fprintf(fp, "%s%.7g", j ? " " : "  ", v[i * c + j]);
		fputc('\n', fp);
	}
}

int
nn_trace(FILE *fp, const nn_model *m, const nn_rows *rows, size_t B,
    const nn_train_cfg *cfg, nn_err *e)
{
	const size_t L = m->nlayers, K = m->nout;
	const float *x = rows->x, *t = rows->t, *cw = cfg->class_w;
	const uint32_t *y = rows->y;
	const nn_optim_cfg *oc = &cfg->opt;
	float **z, **a, *dz, *da, *g, *p;
	size_t wide = m->nin;
	char title[96];
	nn_optim *o;

	/* The listing shows the plain dense step of the lesson; batch norm,
	 * dropout and skip connections add stages it does not print. */
	for (size_t l = 0; l < L; l++)
		if (m->layers[l].batchnorm || m->layers[l].dropout > 0.0f ||
		    m->layers[l].residual)
			return nn_errf(e, "--trace shows dense layers only: no "
			    "--batchnorm, --dropout or --residual");
	z = nn_xcalloc(L, sizeof(float *));
	a = nn_xcalloc(L, sizeof(float *));
	g = nn_xcalloc(m->nparams, sizeof(float));
	p = nn_xmalloc(m->nparams * sizeof(float));

	for (size_t l = 0; l < L; l++)
		if (m->layers[l].nout > wide)
			wide = m->layers[l].nout;
	dz = nn_xmalloc(B * wide * sizeof(float));
	da = nn_xmalloc(B * wide * sizeof(float));

	fprintf(fp, "== forward: %zu rows, network", B);
	fprintf(fp, " %zu", m->nin);
	for (size_t l = 0; l < L; l++)
		fprintf(fp, "-%zu", m->layers[l].nout);
	fprintf(fp, "\n");
	put_matrix(fp, "X (scaled input)", x, B, m->nin);
	if (m->task == NN_TASK_REGRESSION)
		put_matrix(fp, "target", t, B, 1);
	else {
		fprintf(fp, "class (%zu):\n ", B);
		for (size_t i = 0; i < B; i++)
			fprintf(fp, " %u", y[i]);
		fputc('\n', fp);
	}
	const float *in = x;
	for (size_t l = 0; l < L; l++) {
		const nn_dense *D = &m->layers[l];
		z[l] = nn_xmalloc(B * D->nout * sizeof(float));
		a[l] = nn_xmalloc(B * D->nout * sizeof(float));
		nn_dense_forward(z[l], in, m->params + D->w_off, m->params + D->b_off,
		    B, D->nin, D->nout);
		nn_act_forward_p(D->act, D->act_param, a[l], z[l], B, D->nout);
		snprintf(title, sizeof(title), "layer %zu: W", l + 1);
		put_matrix(fp, title, m->params + D->w_off, D->nin, D->nout);
		snprintf(title, sizeof(title), "layer %zu: b", l + 1);
		put_matrix(fp, title, m->params + D->b_off, 1, D->nout);
		snprintf(title, sizeof(title), "layer %zu: z = %s W + b", l + 1,
		    l ? "a(prev)" : "X");
		put_matrix(fp, title, z[l], B, D->nout);
		snprintf(title, sizeof(title), "layer %zu: a = %s(z)", l + 1,
		    nn_act_name(D->act));
		put_matrix(fp, title, a[l], B, D->nout);
		in = a[l];
	}
	double loss = nn_loss_forward(m->loss, z[L - 1], y, t, cw, B, K);
	fprintf(fp, "loss (%s%s, mean over %zu rows, from the logits z) = %.9g\n",
	    nn_loss_name(m->loss), cw && y ? ", class-weighted" : "", B, loss);
	if (cfg->l1 > 0.0f || cfg->l2 > 0.0f) {
		double pen = 0.0;
		for (size_t l = 0; l < L; l++) {
			const nn_dense *D = &m->layers[l];
			const float *w = m->params + D->w_off;
			for (size_t i = 0; i < D->nin * D->nout; i++)
				pen += cfg->l1 * fabs((double)w[i]) +
				    0.5 * cfg->l2 * (double)w[i] * w[i];
		}
		fprintf(fp, "penalty (l1 %g |W| + l2 %g W^2 / 2, weights only) = "
		    "%.9g\nloss + penalty = %.9g\n", cfg->l1, cfg->l2, pen,
		    loss + pen);
	}

	fprintf(fp, "== backward\n");
	/* dL/da of the output, shown for the lesson; backprop itself uses the
	 * fused dL/dz below */
	if (m->loss == NN_LOSS_BCE) {
		for (size_t i = 0; i < B; i++) {
			double av = a[L - 1][i], yv = y[i];
			da[i] = (float)(-(yv / av - (1.0 - yv) / (1.0 - av)) / (double)B);
		}
		snprintf(title, sizeof(title), "layer %zu: dL/da", L);
		put_matrix(fp, title, da, B, K);
	}
	nn_loss_backward(m->loss, dz, a[L - 1], y, t, cw, B, K);
	for (size_t l = L; l-- > 0;) {
		const nn_dense *D = &m->layers[l];
		const float *prev = l ? a[l - 1] : x;
		snprintf(title, sizeof(title), "layer %zu: dz = dL/dz", l + 1);
		put_matrix(fp, title, dz, B, D->nout);
		nn_dense_backward(l ? da : NULL, g + D->w_off, g + D->b_off, dz, prev,
		    m->params + D->w_off, B, D->nin, D->nout);
		snprintf(title, sizeof(title), "layer %zu: dW = %s^T dz", l + 1,
		    l ? "a(prev)" : "X");
		put_matrix(fp, title, g + D->w_off, D->nin, D->nout);
		snprintf(title, sizeof(title), "layer %zu: db = sum of dz", l + 1);
		put_matrix(fp, title, g + D->b_off, 1, D->nout);
		if (l > 0) {
			const nn_dense *P = &m->layers[l - 1];
			snprintf(title, sizeof(title), "layer %zu: dL/da = dz W^T", l);
			put_matrix(fp, title, da, B, P->nout);
			memset(dz, 0, B * P->nout * sizeof(float));
			nn_act_backward_p(P->act, P->act_param, dz, da, z[l - 1],
			    a[l - 1], B * P->nout);
		}
	}

	/* the step as nn_train takes it: penalties on the weights, clipping
	 * by the norm of the whole gradient, then by value */
	if (cfg->l1 > 0.0f || cfg->l2 > 0.0f) {
		fprintf(fp, "== penalties: dW += l2 W + l1 sign(W)\n");
		for (size_t l = 0; l < L; l++) {
			const nn_dense *D = &m->layers[l];
			const float *w = m->params + D->w_off;
			float *gw = g + D->w_off;
			for (size_t i = 0; i < D->nin * D->nout; i++)
				gw[i] += cfg->l2 * w[i] + (w[i] > 0.0f ? cfg->l1 :
				    w[i] < 0.0f ? -cfg->l1 : 0.0f);
			snprintf(title, sizeof(title), "layer %zu: dW with penalties",
			    l + 1);
			put_matrix(fp, title, gw, D->nin, D->nout);
		}
	}
	if (cfg->clip_norm > 0.0f) {
		double ss = 0.0;
		for (size_t i = 0; i < m->nparams; i++)
			ss += (double)g[i] * g[i];
		float sc = sqrt(ss) > cfg->clip_norm ?
		    (float)(cfg->clip_norm / sqrt(ss)) : 1.0f;
		fprintf(fp, "== clip by norm: ||g|| = %.9g, limit %g, scale %.9g\n",
		    sqrt(ss), cfg->clip_norm, sc);
		for (size_t i = 0; sc != 1.0f && i < m->nparams; i++)
			g[i] *= sc;
	}
	if (cfg->clip_value > 0.0f) {
		const float cv = cfg->clip_value;
		fprintf(fp, "== clip by value: each gradient to [-%g, %g]\n", cv, cv);
		for (size_t i = 0; i < m->nparams; i++)
			g[i] = g[i] > cv ? cv : g[i] < -cv ? -cv : g[i];
	}
	if (cfg->l1 > 0.0f || cfg->l2 > 0.0f || cfg->clip_norm > 0.0f ||
	    cfg->clip_value > 0.0f)
		for (size_t l = 0; l < L; l++) {
			const nn_dense *D = &m->layers[l];
			snprintf(title, sizeof(title), "layer %zu: dW applied", l + 1);
			put_matrix(fp, title, g + D->w_off, D->nin, D->nout);
			snprintf(title, sizeof(title), "layer %zu: db applied", l + 1);
			put_matrix(fp, title, g + D->b_off, 1, D->nout);
		}
	const float lr = (float)nn_sched_lr(&cfg->sched, oc->lr, 1,
	    cfg->epochs);
	fprintf(fp, "== update (%s, rate %g)\n", nn_optim_name(oc->kind), lr);
	memcpy(p, m->params, m->nparams * sizeof(float));
	o = nn_optim_new(oc, m->nparams);
	nn_optim_begin(o);
	nn_optim_update(o, lr, p, g, 0, m->nparams);
	nn_optim_free(o);
	for (size_t l = 0; l < L; l++) {
		const nn_dense *D = &m->layers[l];
		snprintf(title, sizeof(title), "layer %zu: W after the step", l + 1);
		put_matrix(fp, title, p + D->w_off, D->nin, D->nout);
		snprintf(title, sizeof(title), "layer %zu: b after the step", l + 1);
		put_matrix(fp, title, p + D->b_off, 1, D->nout);
	}
	for (size_t l = 0; l < L; l++) {
		free(z[l]);
		free(a[l]);
	}
	free(z);
	free(a);
	free(dz);
	free(da);
	free(g);
	free(p);
	if (ferror(fp))
		return nn_errf(e, "write error");
	return 0;
}

/* Central differences in float: h = 1e-2 keeps rounding (eps / h ~ 1e-5)
 * and truncation (h^2 f''' ~ 1e-4) both small against the factor-of-two
 * errors a wrong derivative makes; the smaller steps are for kinks. */
static const float GC_H[6] = { 3e-2f, 1e-2f, 3e-3f, 1e-3f, 3e-4f, 1e-4f };
#define GC_MAX 64   /* parameters checked per layer: spread evenly */

int
nn_gradcheck(nn_model *m, const nn_rows *rows, const float *cw, size_t B,
    double *worst, double *rel, nn_err *e)
{
	const float *x = rows->x, *t = rows->t;
	const uint32_t *y = rows->y;
	nn_work *w = nn_work_new(m, B);
	/* training mode with one seed throughout: the same dropout mask and
	 * batch statistics in every evaluation, so the loss is one smooth
	 * function of the parameters */
	const uint64_t seed = NN_STREAM_GRADCHECK;
	float *keep_b = nn_xmalloc(m->nparams * sizeof(float));
	nn_rng r;
	(void)e;

	/* Fresh biases are exactly 0, so a row whose inputs to a relu layer
	 * are all 0 (dead or dropped units) sits exactly on the kink, where
	 * no difference quotient is the derivative.  Checking at biases moved
	 * slightly off 0 tests the same code; they are restored after. */
	memcpy(keep_b, m->params, m->nparams * sizeof(float));
	nn_rng_seed(&r, seed);
	for (size_t l = 0; l < m->nlayers; l++)
		for (size_t j = 0; j < m->layers[l].nout; j++)
			m->params[m->layers[l].b_off + j] += (float)(0.05 * nn_rng_normal(&r));

	nn_forward_train(m, w, x, B, seed);
	nn_zero_grad(m);
	nn_backward(m, w, x, y, t, cw, B);
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *D = &m->layers[l];
		/* every parameter of the layer: w, b, and gamma, beta */
		size_t end = l + 1 < m->nlayers ? m->layers[l + 1].w_off : m->nparams;
		size_t lo = D->w_off, n = end - lo;
		size_t step = n > GC_MAX ? n / GC_MAX : 1;
		worst[l] = 0.0;
		double dd = 0.0, ss = 0.0;   /* ||a - n||^2, ||a||^2 + ||n||^2 */
		for (size_t i = lo; i < lo + n; i += step) {
			double an = m->grads[i], best = INFINITY, bnum = 0.0;
			float keep = m->params[i];
			/* A relu kink between w - h and w + h spoils one step
			 * size but rarely all of them; the difference quotient
			 * closest to backprop's is the one the kink did not
			 * touch. */
			for (int k = 0; k < 6; k++) {
				float h = GC_H[k];
				m->params[i] = keep + h;
				nn_forward_train(m, w, x, B, seed);
				double lp = nn_loss_forward(m->loss, nn_work_logits(w),
				    y, t, cw, B, m->nout);
				m->params[i] = keep - h;
				nn_forward_train(m, w, x, B, seed);
				double lm = nn_loss_forward(m->loss, nn_work_logits(w),
				    y, t, cw, B, m->nout);
				m->params[i] = keep;
				double num = (lp - lm) / (2.0 * h);
				double s = fabs(num) + fabs(an);
				double r = fabs(num - an) / (s > 1e-3 ? s : 1e-3);
				if (r < best) {
					best = r;
					bnum = num;
				}
			}
			if (best > worst[l])
				worst[l] = best;
			dd += (an - bnum) * (an - bnum);
			ss += an * an + bnum * bnum;
		}
		rel[l] = ss > 0.0 ? sqrt(dd / ss) : 0.0;
	}
	memcpy(m->params, keep_b, m->nparams * sizeof(float));
	free(keep_b);
	nn_work_free(w);
	return 0;
}
