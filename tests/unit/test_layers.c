/*
 * test_layers.c - batch normalisation, dropout, skip connections and
 * weight initialisation: each against an independent computation in
 * double (statistics, the running averages), finite differences
 * (nn_bn_backward), or the property that defines it (dropout's mask values
 * and rate, determinism by seed, identity paths).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "helpers.h"
#include "tap.h"

/* A model of the given hidden options (every hidden layer alike), widths
 * sizes[0..nl], output linear (regression). */
static nn_model *
model(size_t nl, const size_t *sizes, nn_layer_opts hid, nn_err *e)
{
	nn_layer_opts lo[8];

	for (size_t l = 0; l < nl; l++)
		lo[l] = hid;
	memset(&lo[nl - 1], 0, sizeof(lo[0]));
	lo[nl - 1].act = NN_ACT_LINEAR;
	return nn_model_new(nl, sizes, lo, e);
}

/* ====================================================================== */
/* Batch normalisation                                                    */
/* ====================================================================== */

static void
test_bn_forward(nn_rng *r)
{
	enum { B = 37, N = 5 };
	float z[B * N], out[B * N], xhat[B * N], mean[N], var[N], rstd[N];
	float gamma[N], beta[N], rm[N], rv[N];
	double worst_m = 0, worst_v = 0, worst_s = 0, worst_i = 0;

	fill_uniform(r, z, B * N, -3.0, 5.0);
	for (int i = 0; i < B; i++)     /* columns on very different scales */
		for (int j = 0; j < N; j++)
			z[i * N + j] = z[i * N + j] * (float)(j * j + 1) + (float)(100 * j);
	fill_uniform(r, gamma, N, 0.5, 2.0);
	fill_uniform(r, beta, N, -1.0, 1.0);
	nn_bn_forward_train(out, xhat, mean, var, rstd, z, gamma, beta, B, N);
	for (int j = 0; j < N; j++) {
		double s = 0, ss = 0, os = 0, oss = 0;
		for (int i = 0; i < B; i++)
			s += z[i * N + j];
		s /= B;
		for (int i = 0; i < B; i++)
			ss += (z[i * N + j] - s) * (z[i * N + j] - s);
		ss /= B;
		if (fabs(mean[j] - s) / (fabs(s) + 1) > worst_m)
			worst_m = fabs(mean[j] - s) / (fabs(s) + 1);
		if (fabs(var[j] - ss) / ss > worst_v)
			worst_v = fabs(var[j] - ss) / ss;
		/* the output column has mean beta and sd gamma (up to eps) */
		for (int i = 0; i < B; i++)
			os += out[i * N + j];
		os /= B;
		for (int i = 0; i < B; i++)
			oss += (out[i * N + j] - os) * (out[i * N + j] - os);
		oss = sqrt(oss / B);
		double d = fabs(os - beta[j]) + fabs(oss - gamma[j] *
		    sqrt(ss / (ss + NN_BN_EPS)));
		if (d > worst_s)
			worst_s = d;
	}
	tap_ok(worst_m < 1e-6 && worst_v < 1e-5, "batchnorm train: mean and "
	    "(biased) variance of each column as computed in double (worst "
	    "rel. %.2g, %.2g)", worst_m, worst_v);
	tap_ok(worst_s < 1e-4, "batchnorm train: each output column has mean "
	    "beta and sd gamma (worst %.2g)", worst_s);

	/* inference with the batch's own statistics as running ones gives
	 * the same output */
	memcpy(rm, mean, sizeof(rm));
	memcpy(rv, var, sizeof(rv));
	float out2[B * N], xhat2[B * N], rstd2[N];
	nn_bn_forward_infer(out2, xhat2, rstd2, z, gamma, beta, rm, rv, B, N);
	for (int i = 0; i < B * N; i++)
		if (fabs(out2[i] - out[i]) > worst_i)
			worst_i = fabs(out2[i] - out[i]);
	tap_ok(worst_i < 1e-5, "batchnorm inference with running = batch "
	    "statistics equals training output (worst %.2g)", worst_i);

	/* in place: xhat may be z */
	float zc[B * N];
	memcpy(zc, z, sizeof(zc));
	nn_bn_forward_train(out2, zc, mean, var, rstd, zc, gamma, beta, B, N);
	tap_ok(memcmp(out2, out, sizeof(out)) == 0 &&
	    memcmp(zc, xhat, sizeof(zc)) == 0, "batchnorm: xhat may overwrite z");
}

/* s = sum(out * R) as a function of z, gamma, beta. */
static double
bn_s(const float *z, const float *gamma, const float *beta, const float *rm,
    const float *rv, const float *R, size_t B, size_t n, int train)
{
	float *out = malloc(B * n * sizeof(float)), *xh = malloc(B * n * sizeof(float));
	float mean[8], var[8], rstd[8];
	double s = 0;

	if (train)
		nn_bn_forward_train(out, xh, mean, var, rstd, z, gamma, beta, B, n);
	else
		nn_bn_forward_infer(out, xh, rstd, z, gamma, beta, rm, rv, B, n);
	for (size_t i = 0; i < B * n; i++)
		s += (double)out[i] * R[i];
	free(out);
	free(xh);
	return s;
}

static void
test_bn_backward(nn_rng *r)
{
	enum { B = 6, N = 4 };
	float z[B * N], gamma[N], beta[N], rm[N], rv[N], R[B * N];
	float out[B * N], xhat[B * N], mean[N], var[N], rstd[N];
	float dz[B * N], dg[N], db[N];

	fill_uniform(r, z, B * N, -2.0, 2.0);
	fill_uniform(r, gamma, N, 0.5, 1.5);
	fill_uniform(r, beta, N, -0.5, 0.5);
	fill_uniform(r, rm, N, -0.5, 0.5);
	fill_uniform(r, rv, N, 0.5, 2.0);
	fill_uniform(r, R, B * N, -1.0, 1.0);
	for (int train = 1; train >= 0; train--) {
		struct { const char *name; float *v, *g; size_t n; } parts[] = {
			{ "z (inputs)", z, dz, B * N }, { "gamma", gamma, dg, N },
			{ "beta", beta, db, N },
		};
		if (train)
			nn_bn_forward_train(out, xhat, mean, var, rstd, z, gamma,
			    beta, B, N);
		else
			nn_bn_forward_infer(out, xhat, rstd, z, gamma, beta, rm,
			    rv, B, N);
		memset(dg, 0, sizeof(dg));
		memset(db, 0, sizeof(db));
		nn_bn_backward(dz, dg, db, R, xhat, gamma, rstd, B, N, train);
		for (size_t p = 0; p < 3; p++) {
			double worst = 0;
			for (size_t i = 0; i < parts[p].n; i++) {
				float keep = parts[p].v[i];
				parts[p].v[i] = keep + FD_H;
				double sp = bn_s(z, gamma, beta, rm, rv, R, B, N, train);
				parts[p].v[i] = keep - FD_H;
				double sm = bn_s(z, gamma, beta, rm, rv, R, B, N, train);
				parts[p].v[i] = keep;
				double e = relerr(parts[p].g[i],
				    (sp - sm) / (2.0 * FD_H));
				if (e > worst)
					worst = e;
			}
			tap_ok(worst < FD_TOL, "batchnorm %s backward: "
			    "d/d%s vs central difference (worst %.2g)",
			    train ? "training" : "inference", parts[p].name,
			    worst);
		}
	}
	/* training mode: the gradient through the batch mean sums to zero
	 * over each column (shifting a whole column changes nothing) */
	nn_bn_forward_train(out, xhat, mean, var, rstd, z, gamma, beta, B, N);
	nn_bn_backward(dz, dg, db, R, xhat, gamma, rstd, B, N, 1);
	double worst = 0;
	for (int j = 0; j < N; j++) {
		double s = 0;
		for (int i = 0; i < B; i++)
			s += dz[i * N + j];
		if (fabs(s) > worst)
			worst = fabs(s);
	}
	tap_ok(worst < 1e-5, "batchnorm training: dz sums to 0 in each column "
	    "(worst %.2g)", worst);
}

/* nn_bn_update against the formula in double: the running statistics move
 * once, by the mean and unbiased variance of all the batch's rows, however
 * the batch was cut into shards (a 1-row shard included). */
static void
test_bn_update(nn_rng *r)
{
	size_t sizes[] = { 3, 4, 2 };
	nn_layer_opts hid = { .act = NN_ACT_TANH, .batchnorm = 1 };
	nn_err e;
	nn_model *m = model(2, sizes, hid, &e);
	enum { S = 3, NB = 13 };
	size_t rows[S] = { 7, 1, 5 }, nz = 0;
	nn_work *w[S];
	float x[7 * 3];
	double em[4], ev[4], z[NB][4];

	if (m == NULL) {
		tap_ok(0, "model: %s", e.msg);
		return;
	}
	nn_model_init(m, r);
	for (int s = 0; s < S; s++) {
		w[s] = nn_work_new(m, rows[s]);
		fill_uniform(r, x, rows[s] * 3, -2.0, 2.0);
		nn_forward_train(m, w[s], x, rows[s], 99 + s);
		/* z of layer 1 in double */
		const nn_dense *L = &m->layers[0];
		for (size_t i = 0; i < rows[s]; i++, nz++)
			for (size_t j = 0; j < 4; j++) {
				z[nz][j] = m->params[L->b_off + j];
				for (size_t k = 0; k < 3; k++)
					z[nz][j] += (double)x[i * 3 + k] *
					    m->params[L->w_off + k * 4 + j];
			}
	}
	for (size_t j = 0; j < 4; j++) {
		double mu = 0, v = 0;
		for (size_t i = 0; i < NB; i++)
			mu += z[i][j];
		mu /= NB;
		for (size_t i = 0; i < NB; i++)
			v += (z[i][j] - mu) * (z[i][j] - mu);
		v /= NB - 1;
		em[j] = 0.9 * 0.0 + 0.1 * mu;
		ev[j] = 0.9 * 1.0 + 0.1 * v;
	}
	nn_bn_update(m, w, rows, S);
	double worst = 0;
	const float *st = m->stats + m->layers[0].s_off;
	for (int j = 0; j < 4; j++) {
		double d1 = fabs(st[j] - em[j]), d2 = fabs(st[4 + j] - ev[j]) / ev[j];
		if (d1 > worst)
			worst = d1;
		if (d2 > worst)
			worst = d2;
	}
	tap_ok(worst < 1e-5, "nn_bn_update: running mean and variance follow "
	    "0.9 old + 0.1 batch (unbiased), pooled over shards of 7, 1 and 5 "
	    "rows (worst %.2g)", worst);

	/* and prediction uses them: nn_forward of a row equals the formula
	 * with the running statistics */
	nn_work *wi = nn_work_new(m, 1);
	const float *o = nn_forward(m, wi, x, 1);
	double hsum = m->params[m->layers[1].b_off];
	const nn_dense *L = &m->layers[0];
	for (size_t j = 0; j < 4; j++) {
		double z = m->params[L->b_off + j];
		for (size_t k = 0; k < 3; k++)
			z += (double)x[k] * m->params[L->w_off + k * 4 + j];
		double u = m->params[L->g_off + j] * (z - st[j]) /
		    sqrt(st[4 + j] + NN_BN_EPS) + m->params[L->g_off + 4 + j];
		hsum += tanh(u) * m->params[m->layers[1].w_off + j * 2];
	}
	tap_ok(fabs(o[0] - hsum) < 1e-5, "nn_forward normalises with the running "
	    "statistics (%.7g vs %.7g)", o[0], hsum);
	nn_work_free(wi);
	for (int s = 0; s < S; s++)
		nn_work_free(w[s]);

	/* an inference forward does not feed nn_bn_update */
	float before[8];
	memcpy(before, m->stats, sizeof(before));
	w[0] = nn_work_new(m, 7);
	nn_forward(m, w[0], x, 5);
	rows[0] = 5;
	nn_bn_update(m, w, rows, 1);
	tap_ok(memcmp(before, m->stats, sizeof(before)) == 0,
	    "nn_bn_update ignores a work whose last forward was inference");
	nn_work_free(w[0]);
	nn_model_free(m);
}

/* ====================================================================== */
/* Dropout                                                                */
/* ====================================================================== */

static void
test_dropout(void)
{
	enum { N = 200000 };
	float *in = malloc(N * sizeof(float)), *out = malloc(N * sizeof(float));
	float *mask = malloc(N * sizeof(float)), *mask2 = malloc(N * sizeof(float));
	nn_rng r;
	size_t dropped = 0, other = 0;
	double sum = 0;
	const float p = 0.3f, keep = (float)(1.0 / (1.0 - 0.3f));

	for (int i = 0; i < N; i++)
		in[i] = 1.0f;
	nn_rng_seed(&r, 5);
	nn_dropout_forward(out, mask, in, p, &r, N);
	for (int i = 0; i < N; i++) {
		if (mask[i] == 0.0f)
			dropped++;
		else if (mask[i] != keep)
			other++;
		sum += out[i];
	}
	tap_ok(other == 0, "dropout mask holds only 0 and 1/(1-p)");
	tap_ok(fabs((double)dropped / N - p) < 0.005, "dropout drops a fraction "
	    "p = %.2f (%.4f of %d)", (double)p, (double)dropped / N, N);
	tap_ok(fabs(sum / N - 1.0) < 0.01, "inverted dropout keeps the mean "
	    "(%.4f)", sum / N);
	nn_rng_seed(&r, 5);
	nn_dropout_forward(out, mask2, in, p, &r, N);
	tap_ok(memcmp(mask, mask2, N * sizeof(float)) == 0, "same seed, same mask");
	nn_rng_seed(&r, 6);
	nn_dropout_forward(out, mask2, in, p, &r, N);
	tap_ok(memcmp(mask, mask2, N * sizeof(float)) != 0, "another seed, "
	    "another mask");
	nn_rng_seed(&r, 6);
	nn_dropout_forward(out, mask2, in, 0.0f, &r, N);
	other = 0;
	for (int i = 0; i < N; i++)
		other += mask2[i] != 1.0f || out[i] != in[i];
	tap_ok(other == 0, "p = 0 keeps everything unchanged");
	free(in);
	free(out);
	free(mask);
	free(mask2);
}

/* A network with dropout: training outputs depend on the seed alone,
 * prediction has no dropout, a network without dropout or batchnorm
 * trains exactly as it predicts. */
static void
test_forward_modes(nn_rng *r)
{
	enum { B = 9, D = 3 };
	size_t sizes[] = { D, 8, 8, 2 };
	nn_layer_opts hid = { .act = NN_ACT_TANH, .dropout = 0.5f };
	nn_layer_opts plain = { .act = NN_ACT_TANH };
	nn_err e;
	nn_model *m = model(3, sizes, hid, &e), *p = model(3, sizes, plain, &e);
	nn_work *w = nn_work_new(m, B), *wp = nn_work_new(p, B);
	float x[B * D], o1[B * 2], o2[B * 2], o3[B * 2];

	nn_model_init(m, r);
	memcpy(p->params, m->params, m->nparams * sizeof(float));
	fill_uniform(r, x, B * D, -1.0, 1.0);
	memcpy(o1, nn_forward_train(m, w, x, B, 7), sizeof(o1));
	memcpy(o2, nn_forward_train(m, w, x, B, 7), sizeof(o2));
	memcpy(o3, nn_forward_train(m, w, x, B, 8), sizeof(o3));
	tap_ok(memcmp(o1, o2, sizeof(o1)) == 0, "dropout network: same seed, "
	    "same training output");
	tap_ok(memcmp(o1, o3, sizeof(o1)) != 0, "dropout network: another seed, "
	    "another training output");
	memcpy(o1, nn_forward(m, w, x, B), sizeof(o1));
	memcpy(o2, nn_forward(p, wp, x, B), sizeof(o2));
	tap_ok(memcmp(o1, o2, sizeof(o1)) == 0, "prediction ignores dropout "
	    "(same output as the network without it)");
	memcpy(o3, nn_forward_train(p, wp, x, B, 123), sizeof(o3));
	tap_ok(memcmp(o2, o3, sizeof(o2)) == 0, "without dropout and batchnorm "
	    "training and prediction compute the same");
	nn_work_free(w);
	nn_work_free(wp);
	nn_model_free(m);
	nn_model_free(p);
}

/* ====================================================================== */
/* Skip connections                                                       */
/* ====================================================================== */

static void
test_residual(nn_rng *r)
{
	enum { B = 4, D = 5 };
	size_t sizes[] = { D, D, D, 1 };
	nn_layer_opts hid = { .act = NN_ACT_RELU, .residual = 1 };
	nn_err e;
	nn_model *m = model(3, sizes, hid, &e);
	nn_work *w = nn_work_new(m, B);
	float x[B * D];
	const float *o;
	double worst = 0;

	/* hidden weights and biases zero: relu(0) = 0, so both hidden
	 * layers pass their input through; the output sums it */
	memset(m->params, 0, m->nparams * sizeof(float));
	for (size_t k = 0; k < D; k++)
		m->params[m->layers[2].w_off + k] = 1.0f;
	fill_uniform(r, x, B * D, -1.0, 1.0);
	o = nn_forward(m, w, x, B);
	for (int i = 0; i < B; i++) {
		double s = 0;
		for (int k = 0; k < D; k++)
			s += x[i * D + k];
		if (fabs(o[i] - s) > worst)
			worst = fabs(o[i] - s);
	}
	tap_ok(worst < 1e-6, "residual layers with zero weights are the "
	    "identity (worst %.2g)", worst);
	nn_work_free(w);
	nn_model_free(m);

	size_t bad[] = { D, D + 1, 1 };
	m = model(2, bad, hid, &e);
	tap_ok(m == NULL && strstr(e.msg, "as many outputs as inputs") != NULL,
	    "residual on a %d -> %d layer refused: \"%s\"", D, D + 1,
	    m ? "" : e.msg);
	nn_model_free(m);
}

/* ====================================================================== */
/* nn_model_new's checks and initialisation                               */
/* ====================================================================== */

static void
test_new_checks(void)
{
	size_t sizes[] = { 3, 4, 1 };
	static const struct {
		nn_layer_opts hid, out;
		const char *want;
	} bad[] = {
		{ { .act = NN_ACT_RELU, .dropout = 1.0f }, { 0 }, "[0, 1)" },
		{ { .act = NN_ACT_RELU, .dropout = -0.1f }, { 0 }, "[0, 1)" },
		{ { .act = NN_ACT_RELU, .dropout = NAN }, { 0 }, "[0, 1)" },
		{ { .act = NN_ACT_LEAKY_RELU, .act_param = 1.5f }, { 0 }, "slope" },
		{ { .act = NN_ACT_LEAKY_RELU, .act_param = -0.5f }, { 0 }, "slope" },
		{ { .act = NN_ACT_RELU }, { .dropout = 0.5f }, "output layer" },
		{ { .act = NN_ACT_RELU }, { .batchnorm = 1 }, "output layer" },
		{ { .act = NN_ACT_RELU }, { .residual = 1 }, "output layer" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nn_layer_opts lo[2] = { bad[i].hid, bad[i].out };
		nn_err e;
		nn_model *m = nn_model_new(2, sizes, lo, &e);
		tap_ok(m == NULL && strstr(e.msg, bad[i].want) != NULL,
		    "nn_model_new refuses bad layer options %zu: \"%s\"", i + 1,
		    m ? "(accepted)" : e.msg);
		nn_model_free(m);
	}
	/* a slope on another activation is dropped, the layout counts
	 * gamma and beta */
	nn_layer_opts lo[2] = { { .act = NN_ACT_TANH, .act_param = 0.5f,
		.batchnorm = 1 }, { .act = NN_ACT_SIGMOID } };
	nn_err e;
	nn_model *m = nn_model_new(2, sizes, lo, &e);
	tap_ok(m != NULL && m->layers[0].act_param == 0.0f &&
	    m->nparams == 3 * 4 + 4 + 2 * 4 + 4 + 1 && m->nstats == 8 &&
	    m->layers[0].g_off == 16 && m->layers[1].w_off == 24 &&
	    m->params[16] == 1.0f && m->params[20] == 0.0f &&
	    m->stats[0] == 0.0f && m->stats[4] == 1.0f,
	    "batchnorm layout: w, b, gamma (1), beta (0); running mean 0, "
	    "variance 1");
	nn_model_free(m);
}

static void
test_init(void)
{
	enum { N = 300 };
	size_t sizes[] = { N, 2 * N, 1 };
	static const struct { nn_init k; nn_act act; double sd; } cases[] = {
		{ NN_INIT_HE, NN_ACT_TANH, 0 }, { NN_INIT_XAVIER, NN_ACT_RELU, 0 },
		{ NN_INIT_LECUN, NN_ACT_RELU, 0 }, { NN_INIT_UNIFORM, NN_ACT_RELU, 0 },
		{ NN_INIT_AUTO, NN_ACT_RELU, 0 }, { NN_INIT_AUTO, NN_ACT_GELU, 0 },
		{ NN_INIT_AUTO, NN_ACT_TANH, 0 },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		nn_act acts[2] = { cases[c].act, NN_ACT_SIGMOID };
		nn_err e;
		nn_model *m = nn_model_alloc(2, sizes, acts, &e);
		nn_rng r;
		double nin = N, nout = 2 * N, s = 0, ss = 0, want, mx = 0;
		size_t n = (size_t)N * 2 * N;
		nn_init k = cases[c].k;

		if (k == NN_INIT_AUTO)
			k = cases[c].act == NN_ACT_TANH ? NN_INIT_XAVIER : NN_INIT_HE;
		want = k == NN_INIT_HE ? sqrt(2 / nin) : k == NN_INIT_LECUN ?
		    sqrt(1 / nin) : k == NN_INIT_XAVIER ? sqrt(2 / (nin + nout)) :
		    sqrt(6 / (nin + nout)) / sqrt(3.0);
		nn_rng_seed(&r, 11);
		for (size_t i = 0; i < m->nparams; i++)
			m->params[i] = 9.0f;
		nn_model_init_with(m, &r, cases[c].k);
		for (size_t i = 0; i < n; i++) {
			s += m->params[i];
			ss += (double)m->params[i] * m->params[i];
			if (fabs(m->params[i]) > mx)
				mx = fabs(m->params[i]);
		}
		double sd = sqrt(ss / (double)n - (s / (double)n) * (s / (double)n));
		int biases = 1;
		for (size_t j = 0; j < 2 * N; j++)
			biases &= m->params[m->layers[0].b_off + j] == 0.0f;
		tap_ok(fabs(sd / want - 1) < 0.01 && fabs(s / (double)n) < 0.01 *
		    want && biases && (k != NN_INIT_UNIFORM ||
		    mx <= sqrt(6 / (nin + nout))),
		    "init %s on %s %d -> %d: sd %.5f, expected %.5f, mean ~0, "
		    "biases 0%s", nn_init_name(cases[c].k),
		    nn_act_name(cases[c].act), N, 2 * N, sd, want,
		    k == NN_INIT_UNIFORM ? ", within the Glorot limit" : "");
		nn_model_free(m);
	}
	nn_init k;
	tap_ok(nn_init_lookup("lecun", &k) == 0 && k == NN_INIT_LECUN &&
	    nn_init_lookup("zero", &k) < 0 && strcmp(nn_init_name(NN_INIT_HE),
	    "he") == 0, "init names: lookup and name agree; zero is not one");
}

int
main(void)
{
	nn_rng r;

	nn_rng_seed(&r, 2024);
	test_bn_forward(&r);
	test_bn_backward(&r);
	test_bn_update(&r);
	test_dropout();
	test_forward_modes(&r);
	test_residual(&r);
	test_new_checks();
	test_init();
	return tap_done();
}
