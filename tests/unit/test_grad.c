/*
 * test_grad.c - finite-difference checks of every gradient backprop uses:
 * each activation's derivative (leaky-relu also with another slope), each
 * loss fused with its output activation, the dense layer (w, b and input),
 * and whole networks, also with dropout (training mode, the masks fixed by
 * one seed for every evaluation), batch normalisation (training and
 * inference mode: gamma, beta, and the weights below it, whose gradient
 * passes through the normalised inputs) and skip connections.
 *
 * Central differences in float carry an error of about h^2 f''' plus
 * eps/h rounding; with h = 1e-2 on O(1) values that is ~1e-4 relative, so
 * the tolerance is 2e-2 on |a - n| / max(|a| + |n|, 1e-2): far below the
 * factor-of-two errors a wrong derivative makes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "helpers.h"
#include "tap.h"

/* Random values in [-2, 2], kept away from relu's kink at 0 (where the
 * central difference is not the derivative). */
static void
fill(nn_rng *r, float *v, size_t n)
{
	fill_uniform(r, v, n, -2.0, 2.0);
	for (size_t i = 0; i < n; i++)
		if (fabsf(v[i]) < 0.05f)
			v[i] += v[i] < 0 ? -0.1f : 0.1f;
}

static void
check_activations(nn_rng *r)
{
	enum { N = 64 };
	float z[N], a[N], dz[N], ones[N], zp[N], zm[N], ap[N], am[N];

	for (int i = 0; i < N; i++)
		ones[i] = 1.0f;
	for (int k = 0; k < NN_ACT_COUNT; k++) {
		if (k == NN_ACT_SOFTMAX)
			continue; /* checked fused with cross-entropy below */
		double worst = 0.0;
		fill(r, z, N);
		nn_act_forward((nn_act)k, a, z, 1, N);
		memset(dz, 0, sizeof(dz));
		nn_act_backward((nn_act)k, dz, ones, z, a, N);
		for (int i = 0; i < N; i++) {
			zp[i] = z[i] + FD_H;
			zm[i] = z[i] - FD_H;
		}
		nn_act_forward((nn_act)k, ap, zp, 1, N);
		nn_act_forward((nn_act)k, am, zm, 1, N);
		for (int i = 0; i < N; i++) {
			double num = ((double)ap[i] - am[i]) / (2.0 * FD_H);
			double e = relerr(dz[i], num);
			if (e > worst)
				worst = e;
		}
		tap_ok(worst < FD_TOL, "activation %s: derivative vs central "
		    "difference (worst rel. error %.2g)",
		    nn_act_name((nn_act)k), worst);
	}
}

/* Leaky-relu with slopes other than the default, through the _p calls. */
static void
check_leaky_slopes(nn_rng *r)
{
	enum { N = 64 };
	static const float slopes[] = { 0.0f, 0.3f, 1.0f };
	float z[N], a[N], dz[N], ones[N], ap[N], am[N], zp[N], zm[N];

	for (int i = 0; i < N; i++)
		ones[i] = 1.0f;
	for (size_t k = 0; k < sizeof(slopes) / sizeof(slopes[0]); k++) {
		const float p = slopes[k];
		double worst = 0.0;
		int neg_ok = 1;
		fill(r, z, N);
		nn_act_forward_p(NN_ACT_LEAKY_RELU, p, a, z, 1, N);
		memset(dz, 0, sizeof(dz));
		nn_act_backward_p(NN_ACT_LEAKY_RELU, p, dz, ones, z, a, N);
		for (int i = 0; i < N; i++) {
			zp[i] = z[i] + FD_H;
			zm[i] = z[i] - FD_H;
			if (z[i] < 0 && a[i] != p * z[i])
				neg_ok = 0;
		}
		nn_act_forward_p(NN_ACT_LEAKY_RELU, p, ap, zp, 1, N);
		nn_act_forward_p(NN_ACT_LEAKY_RELU, p, am, zm, 1, N);
		for (int i = 0; i < N; i++) {
			double e = relerr(dz[i],
			    ((double)ap[i] - am[i]) / (2.0 * FD_H));
			if (e > worst)
				worst = e;
		}
		tap_ok(worst < FD_TOL && neg_ok, "leaky-relu slope %g: f(z) = "
		    "%g z below 0, derivative vs central difference "
		    "(worst %.2g)", (double)p, (double)p, worst);
	}
}

/* Loss as a function of the output layer's pre-activation z. */
static double
loss_of_z(nn_loss l, nn_act out_act, const float *z, const uint32_t *y,
    const float *t, size_t B, size_t K)
{
	(void)out_act;  /* the loss is computed from the logits */
	return nn_loss_forward(l, z, y, t, NULL, B, K);
}

static void
check_losses(nn_rng *r)
{
	enum { B = 5, K = 4 };
	static const struct { nn_loss l; nn_act act; size_t K; } cases[] = {
		{ NN_LOSS_BCE, NN_ACT_SIGMOID, 1 },
		{ NN_LOSS_CCE, NN_ACT_SOFTMAX, K },
		{ NN_LOSS_MSE, NN_ACT_LINEAR, 1 },
		{ NN_LOSS_MSE, NN_ACT_LINEAR, 3 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t k = cases[c].K;
		float z[B * K], o[B * K], dz[B * K], t[B * K];
		uint32_t y[B];
		double worst = 0.0;

		fill(r, z, B * k);
		fill(r, t, B * k);
		for (int i = 0; i < B; i++)
			y[i] = (uint32_t)nn_rng_below(r, k > 1 ? k : 2);
		nn_act_forward(cases[c].act, o, z, B, k);
		nn_loss_backward(cases[c].l, dz, o, y, t, NULL, B, k);
		for (size_t i = 0; i < B * k; i++) {
			float keep = z[i];
			z[i] = keep + FD_H;
			double lp = loss_of_z(cases[c].l, cases[c].act, z, y, t, B, k);
			z[i] = keep - FD_H;
			double lm = loss_of_z(cases[c].l, cases[c].act, z, y, t, B, k);
			z[i] = keep;
			double e = relerr(dz[i], (lp - lm) / (2.0 * FD_H));
			if (e > worst)
				worst = e;
		}
		tap_ok(worst < FD_TOL, "loss %s with %s output, K=%zu: "
		    "dL/dz vs central difference (worst %.2g)",
		    nn_loss_name(cases[c].l), nn_act_name(cases[c].act), k,
		    worst);
	}
}

/* The dense layer alone, through the scalar s = sum(out * R) whose gradient
 * with respect to out is R. */
static double
dense_s(const float *in, const float *w, const float *b, const float *R,
    size_t B, size_t nin, size_t nout)
{
	float *out = malloc(B * nout * sizeof(*out));
	double s = 0.0;

	nn_dense_forward(out, in, w, b, B, nin, nout);
	for (size_t i = 0; i < B * nout; i++)
		s += (double)out[i] * R[i];
	free(out);
	return s;
}

static void
check_dense(nn_rng *r)
{
	enum { B = 4, NIN = 3, NOUT = 5 };
	float in[B * NIN], w[NIN * NOUT], b[NOUT], R[B * NOUT];
	float din[B * NIN], dw[NIN * NOUT], db[NOUT];
	struct { const char *name; float *v, *g; size_t n; } parts[] = {
		{ "w", w, dw, NIN * NOUT }, { "b", b, db, NOUT }, { "input", in, din, B * NIN },
	};

	fill(r, in, B * NIN);
	fill(r, w, NIN * NOUT);
	fill(r, b, NOUT);
	fill(r, R, B * NOUT);
	memset(dw, 0, sizeof(dw));
	memset(db, 0, sizeof(db));
	nn_dense_backward(din, dw, db, R, in, w, B, NIN, NOUT);
	for (size_t p = 0; p < 3; p++) {
		double worst = 0.0;
		for (size_t i = 0; i < parts[p].n; i++) {
			float keep = parts[p].v[i];
			parts[p].v[i] = keep + FD_H;
			double sp = dense_s(in, w, b, R, B, NIN, NOUT);
			parts[p].v[i] = keep - FD_H;
			double sm = dense_s(in, w, b, R, B, NIN, NOUT);
			parts[p].v[i] = keep;
			double e = relerr(parts[p].g[i],
			    (sp - sm) / (2.0 * FD_H));
			if (e > worst)
				worst = e;
		}
		tap_ok(worst < FD_TOL, "dense layer: d/d%s vs central "
		    "difference (worst %.2g)", parts[p].name, worst);
	}
	/* backward adds into dw: a second call doubles it */
	float dw1 = dw[0];
	nn_dense_backward(NULL, dw, db, R, in, w, B, NIN, NOUT);
	tap_ok(fabsf(dw[0] - 2 * dw1) <= 1e-5f * fabsf(dw1) + 1e-6f,
	    "dense backward accumulates into the gradient buffer");
	/* beta 0 writes: over garbage, the bytes of adding into zeros */
	float dw0[NIN * NOUT], db0[NOUT], dw2[NIN * NOUT], db2[NOUT];
	memset(dw0, 0, sizeof(dw0));
	memset(db0, 0, sizeof(db0));
	nn_dense_backward(NULL, dw0, db0, R, in, w, B, NIN, NOUT);
	for (size_t i = 0; i < NIN * NOUT; i++)
		dw2[i] = NAN;
	for (size_t i = 0; i < NOUT; i++)
		db2[i] = NAN;
	nn_dense_backward_beta(NULL, dw2, db2, R, in, w, B, NIN, NOUT, 0.0f);
	tap_ok(memcmp(dw0, dw2, sizeof(dw0)) == 0 &&
	    memcmp(db0, db2, sizeof(db0)) == 0,
	    "dense backward with beta 0 writes what adding into zeros gives");
}

/* A whole network: every parameter's gradient from backprop against the
 * central difference of the batch loss. */
static void
check_network(nn_rng *r, nn_act hidden, nn_task task)
{
	enum { B = 6, D = 3 };
	size_t K = task == NN_TASK_MULTICLASS ? 3 : 1;
	size_t sizes[] = { D, 5, 4, K };
	nn_act acts[] = { hidden, hidden, task_out_act(task) };
	nn_err e;
	nn_model *m = nn_model_alloc(3, sizes, acts, &e);
	float x[B * D], t[B];
	uint32_t y[B];
	double worst = 0.0;

	m->task = task;
	m->loss = task_loss(task);
	nn_model_init(m, r);
	for (size_t i = 0; i < m->nparams; i++)   /* nonzero biases too */
		m->params[i] += (float)(0.1 * nn_rng_normal(r));
	fill(r, x, B * D);
	fill(r, t, B);
	for (int i = 0; i < B; i++)
		y[i] = (uint32_t)nn_rng_below(r, K > 1 ? K : 2);
	nn_work *w = nn_work_new(m, B);
	nn_forward(m, w, x, B);
	nn_zero_grad(m);
	nn_backward(m, w, x, y, t, NULL, B);
	for (size_t i = 0; i < m->nparams; i++) {
		float keep = m->params[i];
		m->params[i] = keep + FD_H;
		nn_forward(m, w, x, B);
		double lp = nn_loss_forward(m->loss, nn_work_logits(w), y, t,
		    NULL, B, K);
		m->params[i] = keep - FD_H;
		nn_forward(m, w, x, B);
		double lm = nn_loss_forward(m->loss, nn_work_logits(w), y, t,
		    NULL, B, K);
		m->params[i] = keep;
		double er = relerr(m->grads[i], (lp - lm) / (2.0 * FD_H));
		if (er > worst)
			worst = er;
	}
	tap_ok(worst < FD_TOL, "network 3-5-4-%zu %s, %s: all %zu parameter "
	    "gradients vs central difference (worst %.2g)", K,
	    nn_act_name(hidden), nn_task_name(task), m->nparams, worst);
	nn_work_free(w);
	nn_model_free(m);
}

/* The batch loss of a network in either mode; train uses one seed for
 * every call, so every evaluation sees the same dropout masks. */
static double
net_loss(const nn_model *m, nn_work *w, const float *x, const uint32_t *y,
    const float *t, size_t B, int train)
{
	if (train)
		nn_forward_train(m, w, x, B, 777);
	else
		nn_forward(m, w, x, B);
	return nn_loss_forward(m->loss, nn_work_logits(w), y, t, NULL, B,
	    m->nout);
}

/* A network with layer options: every parameter (gamma and beta too)
 * against central differences.  The best of two step sizes counts, so a
 * kink of leaky-relu between p - h and p + h does not (a wrong derivative
 * is wrong at both). */
static void
check_network_opts(nn_rng *r, const char *what, size_t nl,
    const size_t *sizes, const nn_layer_opts *lo, nn_task task, int train)
{
	enum { B = 6, MAXD = 8 };
	static const float hs[2] = { 1e-2f, 1e-3f };
	const size_t D = sizes[0], K = sizes[nl];
	nn_err e;
	nn_model *m = nn_model_new(nl, sizes, lo, &e);
	float x[B * MAXD], t[B * MAXD];
	uint32_t y[B];
	double worst = 0.0;

	if (m == NULL) {
		tap_ok(0, "%s: %s", what, e.msg);
		return;
	}
	m->task = task;
	m->loss = task_loss(task);
	nn_model_init(m, r);
	for (size_t i = 0; i < m->nparams; i++)   /* nonzero biases, beta */
		m->params[i] += (float)(0.1 * nn_rng_normal(r));
	for (size_t l = 0; l < nl; l++)           /* running statistics */
		for (size_t j = 0; m->layers[l].batchnorm && j < sizes[l + 1]; j++) {
			m->stats[m->layers[l].s_off + j] =
			    (float)(nn_rng_uniform(r) - 0.5);
			m->stats[m->layers[l].s_off + sizes[l + 1] + j] =
			    (float)(0.5 + 1.5 * nn_rng_uniform(r));
		}
	fill(r, x, B * D);
	fill(r, t, B * K);
	for (int i = 0; i < B; i++)
		y[i] = (uint32_t)nn_rng_below(r, K > 1 ? K : 2);
	nn_work *w = nn_work_new(m, B);
	net_loss(m, w, x, y, t, B, train);
	nn_zero_grad(m);
	nn_backward(m, w, x, y, t, NULL, B);
	for (size_t i = 0; i < m->nparams; i++) {
		float keep = m->params[i];
		double best = INFINITY;
		for (int k = 0; k < 2; k++) {
			m->params[i] = keep + hs[k];
			double lp = net_loss(m, w, x, y, t, B, train);
			m->params[i] = keep - hs[k];
			double lm = net_loss(m, w, x, y, t, B, train);
			double er = relerr(m->grads[i], (lp - lm) / (2.0 * hs[k]));
			if (er < best)
				best = er;
		}
		m->params[i] = keep;
		if (best > worst)
			worst = best;
	}
	tap_ok(worst < FD_TOL, "network %s, %s, %s mode: all %zu parameter "
	    "gradients vs central difference (worst %.2g)", what,
	    nn_task_name(task), train ? "training" : "inference", m->nparams,
	    worst);
	nn_work_free(w);
	nn_model_free(m);
}

static void
check_networks_with_options(nn_rng *r)
{
	const size_t s3[] = { 3, 5, 4, 1 }, s3k[] = { 3, 5, 4, 3 };
	const size_t sres[] = { 3, 4, 4, 4, 1 };
	const nn_layer_opts lin = { .act = NN_ACT_LINEAR };
	const nn_layer_opts sig = { .act = NN_ACT_SIGMOID };
	const nn_layer_opts smx = { .act = NN_ACT_SOFTMAX };
	const nn_layer_opts leaky = { .act = NN_ACT_LEAKY_RELU, .act_param = 0.3f };
	const nn_layer_opts drop = { .act = NN_ACT_TANH, .dropout = 0.4f };
	const nn_layer_opts bn = { .act = NN_ACT_TANH, .batchnorm = 1 };
	const nn_layer_opts bng = { .act = NN_ACT_GELU, .batchnorm = 1 };
	const nn_layer_opts res = { .act = NN_ACT_TANH, .residual = 1 };
	const nn_layer_opts tnh = { .act = NN_ACT_TANH };
	const nn_layer_opts all = { .act = NN_ACT_GELU, .batchnorm = 1,
		.dropout = 0.3f, .residual = 1 };
	const nn_layer_opts allnr = { .act = NN_ACT_SWISH, .batchnorm = 1,
		.dropout = 0.3f };

	nn_layer_opts a[] = { leaky, leaky, sig };
	check_network_opts(r, "3-5-4-1 leaky-relu slope 0.3", 3, s3, a,
	    NN_TASK_BINARY, 0);
	nn_layer_opts b[] = { drop, drop, lin };
	check_network_opts(r, "3-5-4-1 tanh, dropout 0.4", 3, s3, b,
	    NN_TASK_REGRESSION, 1);
	check_network_opts(r, "3-5-4-1 tanh, dropout 0.4", 3, s3, b,
	    NN_TASK_REGRESSION, 0);
	nn_layer_opts c[] = { bn, bng, sig };
	check_network_opts(r, "3-5-4-1 batchnorm tanh, gelu", 3, s3, c,
	    NN_TASK_BINARY, 1);
	check_network_opts(r, "3-5-4-1 batchnorm tanh, gelu", 3, s3, c,
	    NN_TASK_BINARY, 0);
	nn_layer_opts d[] = { tnh, res, res, lin };
	check_network_opts(r, "3-4-4-4-1 tanh, residual 4-4 twice", 4, sres, d,
	    NN_TASK_REGRESSION, 0);
	nn_layer_opts f[] = { allnr, all, all, sig };
	check_network_opts(r, "3-4-4-4-1 batchnorm + dropout + residual "
	    "(gelu, swish)", 4, sres, f, NN_TASK_BINARY, 1);
	nn_layer_opts g[] = { allnr, allnr, smx };
	check_network_opts(r, "3-5-4-3 batchnorm + dropout (swish)", 3, s3k, g,
	    NN_TASK_MULTICLASS, 1);
}

int
main(void)
{
	nn_rng r;

	nn_rng_seed(&r, 42);
	check_activations(&r);
	check_leaky_slopes(&r);
	check_losses(&r);
	check_dense(&r);
	check_network(&r, NN_ACT_TANH, NN_TASK_MULTICLASS);
	check_network(&r, NN_ACT_SIGMOID, NN_TASK_BINARY);
	check_network(&r, NN_ACT_ELU, NN_TASK_REGRESSION);
	check_network(&r, NN_ACT_SWISH, NN_TASK_MULTICLASS);
	check_network(&r, NN_ACT_GELU, NN_TASK_BINARY);
	check_networks_with_options(&r);
	return tap_done();
}
