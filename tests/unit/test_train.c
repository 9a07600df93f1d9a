/*
 * test_train.c - what training reports and remembers, checked against
 * float64 recomputations: the loss of a confidently wrong batch (from the
 * logits, never clamped), class weights in the gradient check, and batch
 * norm's running statistics after one step, for every batch size and thread
 * count; the batch rows a deep network is given; training shared by
 * ranks (nn_dist) gives one process's bytes.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "nn.h"
#include "tap.h"

static double
softplus(double v)
{
	return (v > 0 ? v : 0) + log1p(exp(-fabs(v)));
}

/* z (B, K) of a one-layer network in double. */
static void
logits(const nn_model *m, const float *x, size_t B, double *z)
{
	const nn_dense *L = &m->layers[0];

	for (size_t i = 0; i < B; i++)
		for (size_t k = 0; k < L->nout; k++) {
			double s = m->params[L->b_off + k];
			for (size_t j = 0; j < L->nin; j++)
				s += (double)x[i * L->nin + j] *
				    m->params[L->w_off + j * L->nout + k];
			z[i * L->nout + k] = s;
		}
}

/* A batch the network is sure of and wrong about: -ln p in the tens. */
static void
test_exact_loss(void)
{
	enum { B = 4, D = 2 };
	size_t sb[] = { D, 1 }, sm[] = { D, 3 };
	nn_act ab[] = { NN_ACT_SIGMOID }, am[] = { NN_ACT_SOFTMAX };
	float x[B * D] = { 1, 2, 2, 1, -1, 3, 3, 3 };
	uint32_t yb[B] = { 0, 0, 0, 0 }, ym[B] = { 2, 2, 1, 2 };
	double z[B * 3], want = 0.0;
	nn_err e;
	nn_model *m = nn_model_alloc(1, sb, ab, &e);
	nn_rows r = { .n = B, .d = D, .x = x, .y = yb };

	m->task = NN_TASK_BINARY;
	m->loss = NN_LOSS_BCE;
	m->params[m->layers[0].w_off] = 20.0f;
	m->params[m->layers[0].w_off + 1] = 15.0f;
	logits(m, x, B, z);
	for (size_t i = 0; i < B; i++)
		want += softplus(z[i]);   /* -ln(1 - sigmoid(z)), class 0 */
	want /= B;
	double got = nn_evaluate(m, &r, NULL);
	tap_ok(fabs(got - want) <= 1e-6 * want && want > 30.0, "bce of a "
	    "confidently wrong batch is exact: %.9g, float64 %.9g", got, want);
	nn_model_free(m);

	m = nn_model_alloc(1, sm, am, &e);
	m->task = NN_TASK_MULTICLASS;
	m->loss = NN_LOSS_CCE;
	for (size_t j = 0; j < D; j++) {
		m->params[m->layers[0].w_off + j * 3 + 0] = 25.0f;
		m->params[m->layers[0].w_off + j * 3 + 1] = -10.0f;
	}
	r.y = ym;
	logits(m, x, B, z);
	want = 0.0;
	for (size_t i = 0; i < B; i++) {
		double mx = z[i * 3], se = 0.0;
		for (int k = 1; k < 3; k++)
			mx = z[i * 3 + k] > mx ? z[i * 3 + k] : mx;
		for (int k = 0; k < 3; k++)
			se += exp(z[i * 3 + k] - mx);
		want += mx + log(se) - z[i * 3 + ym[i]];
	}
	want /= B;
	got = nn_evaluate(m, &r, NULL);
	tap_ok(fabs(got - want) <= 1e-6 * want && want > 30.0, "cce of a "
	    "confidently wrong batch is exact: %.9g, float64 %.9g", got, want);
	nn_model_free(m);
}

/* Backprop and finite differences agree with class weights. */
static void
test_gradcheck_weights(void)
{
	enum { B = 40, D = 2 };
	size_t sizes[] = { D, 6, 1 };
	nn_act acts[] = { NN_ACT_TANH, NN_ACT_SIGMOID };
	float x[B * D], cw[2] = { 1.0f, 3.0f };
	uint32_t y[B];
	double worst[2], rel[2];
	nn_err e;
	nn_rng rng;
	nn_model *m = nn_model_alloc(2, sizes, acts, &e);
	nn_rows r = { .n = B, .d = D, .x = x, .y = y };

	nn_rng_seed(&rng, 5);
	m->task = NN_TASK_BINARY;
	m->loss = NN_LOSS_BCE;
	nn_model_init(m, &rng);
	for (size_t i = 0; i < B; i++) {
		x[i * D] = (float)nn_rng_normal(&rng);
		x[i * D + 1] = (float)nn_rng_normal(&rng);
		y[i] = (uint32_t)nn_rng_below(&rng, 2);
	}
	nn_gradcheck(m, &r, cw, B, worst, rel, &e);
	tap_ok(rel[0] < 1e-3 && rel[1] < 1e-3, "gradcheck with class weights "
	    "1 and 3: relative errors %.3g, %.3g", rel[0], rel[1]);
	nn_model_free(m);
}

/* One step on B identical rows: the batch's variance is 0, so the running
 * variance goes from 1 to exactly 0.9 and the running mean to 0.1 z, for
 * every batch size (one shard or many) and thread count. */
static void
test_bn_one_step(void)
{
	static const size_t bs[] = { 32, 128, 1024 };
	enum { D = 3, H = 4 };

	for (size_t b = 0; b < sizeof(bs) / sizeof(bs[0]); b++) {
		const size_t B = bs[b];
		float *x = malloc(B * D * sizeof(float)), first[2 * H];
		uint32_t *y = malloc(B * sizeof(uint32_t));
		int same = 1, exact = 1;

		for (size_t i = 0; i < B; i++) {
			x[i * D] = 0.5f;
			x[i * D + 1] = -1.25f;
			x[i * D + 2] = 2.0f;
			y[i] = 1;
		}
		for (int T = 1; T <= 3; T++) {
			size_t sizes[] = { D, H, 1 };
			nn_layer_opts lo[2] = {
				{ .act = NN_ACT_RELU, .batchnorm = 1 },
				{ .act = NN_ACT_SIGMOID },
			};
			nn_err e;
			nn_rng rng;
			nn_model *m = nn_model_new(2, sizes, lo, &e);
			nn_rows r = { .n = B, .d = D, .x = x, .y = y };
			nn_train_cfg c;
			nn_train_res res;
			double z[H];

			m->task = NN_TASK_BINARY;
			m->loss = NN_LOSS_BCE;
			nn_rng_seed(&rng, 3);
			nn_model_init(m, &rng);
			logits(m, x, 1, z);   /* layer 1's z of the row */
			nn_train_defaults(&c);
			c.epochs = 1;
			c.batch = B;
			c.threads = T;
			nn_train(m, &r, &c, &res, &e);
			const float *st = m->stats + m->layers[0].s_off;
			for (size_t j = 0; j < H; j++)
				exact &= st[H + j] == 0.9f &&
				    fabs(st[j] - 0.1 * z[j]) <= 1e-6 * (fabs(z[j]) + 1);
			if (T == 1)
				memcpy(first, st, sizeof(first));
			else
				same &= memcmp(first, st, sizeof(first)) == 0;
			nn_model_free(m);
		}
		tap_ok(exact && same, "batch norm after one step of %zu identical "
		    "rows: running variance 0.9 old + 0.1 new exactly, mean 0.1 z, "
		    "the same for 1, 2 and 3 threads", B);
		free(x);
		free(y);
	}
}

/* The rows of a batch for a budget: all asked for a small network, fewer
 * for a deep one -- its work buffers within the budget -- and never none;
 * evaluation of a deep network gives the loss of a shallow one. */
static void
test_work_rows(void)
{
	enum { DEEP = 20000, N = 1500 };
	size_t *sizes = calloc(DEEP + 1, sizeof(*sizes)), small[] = { 2, 4, 1 };
	nn_act *acts = calloc(DEEP, sizeof(*acts));
	float *x = malloc(N * sizeof(*x));
	uint32_t *y = malloc(N * sizeof(*y));
	nn_act as[] = { NN_ACT_RELU, NN_ACT_SIGMOID };
	nn_err e;
	nn_model *m, *s;
	size_t rows;

	for (size_t l = 0; l <= DEEP; l++)
		sizes[l] = 1;
	for (size_t l = 0; l < DEEP; l++)
		acts[l] = l + 1 < DEEP ? NN_ACT_RELU : NN_ACT_SIGMOID;
	m = nn_model_alloc(DEEP, sizes, acts, &e);
	s = nn_model_alloc(2, small, as, &e);
	tap_ok(nn_work_rows(s, 2, NN_WORK_BUDGET, 1024) == 1024,
	    "nn_work_rows: a small network takes every row asked for");
	rows = nn_work_rows(m, 1, NN_WORK_BUDGET, 1024);
	/* per row: z and a of every layer, 3 gradient rows, the input */
	tap_ok(rows < 1024 && rows * (2 * DEEP + 3 + 1) * sizeof(float) <=
	    NN_WORK_BUDGET && (rows + 1) * (2 * DEEP + 3 + 1) *
	    sizeof(float) > NN_WORK_BUDGET, "nn_work_rows: %zu rows of a "
	    "%d-layer network fill the budget", rows, DEEP);
	tap_ok(nn_work_rows(m, 1, 1, 1024) == 1, "nn_work_rows: at least 1 row");

	/* weights 1, biases 0: relu passes x > 0 through, then sigmoid */
	for (size_t l = 0; l < DEEP; l++)
		m->params[m->layers[l].w_off] = 1.0f;
	for (size_t i = 0; i < N; i++) {
		x[i] = (float)(i % 7) * 0.25f + 0.1f;
		y[i] = i % 3 == 0;
	}
	double want = 0.0;
	for (size_t i = 0; i < N; i++)
		want += y[i] ? log1p(exp(-(double)x[i])) :
		    softplus((double)x[i]);
	want /= N;
	nn_rows r = { .n = N, .d = 1, .x = x, .y = y };
	double got = nn_evaluate(m, &r, NULL);
	tap_ok(fabs(got - want) <= 1e-5 * want, "nn_evaluate of %d layers in "
	    "batches of %zu: %.9g, want %.9g", DEEP, nn_work_rows(m, 0,
	    NN_WORK_BUDGET, 1024), got, want);
	nn_model_free(m);
	nn_model_free(s);
	free(sizes);
	free(acts);
	free(x);
	free(y);
}


/* ---- ranks in one process: nn_dist over threads ---------------------------- */

/* Ranks simulated by threads: share() copies from the root's buffer, max()
 * takes the largest value; a barrier around each, as a transport would
 * block. */
enum { MAXR = 4, MAXBUF = 64 };
typedef struct board {
	pthread_barrier_t bar;
	void *const *buf[MAXR];
	int v[MAXR];
} board;
typedef struct rank_ctx {
	board *b;
	int rank;
	nn_dist d;
	nn_model *m;
	const nn_rows *r;
	nn_train_cfg c;
	int rc;
} rank_ctx;

static int
t_share(void *ctx, void *const *buf, const size_t *len, const int *root,
    size_t k, nn_err *e)
{
	rank_ctx *c = ctx;

	(void)e;
	c->b->buf[c->rank] = buf;
	pthread_barrier_wait(&c->b->bar);
	for (size_t i = 0; i < k; i++)
		if (root[i] != c->rank)
			memcpy(buf[i], c->b->buf[root[i]][i], len[i]);
	pthread_barrier_wait(&c->b->bar);
	return 0;
}

static int
t_max(void *ctx, int *v, nn_err *e)
{
	rank_ctx *c = ctx;
	int m = *v;

	(void)e;
	c->b->v[c->rank] = *v;
	pthread_barrier_wait(&c->b->bar);
	for (int r = 0; r < c->d.size; r++)
		if (c->b->v[r] > m)
			m = c->b->v[r];
	pthread_barrier_wait(&c->b->bar);
	*v = m;
	return 0;
}

static void *
rank_main(void *p)
{
	rank_ctx *c = p;
	nn_train_res res;
	nn_err e;

	c->c.dist = &c->d;
	c->rc = nn_train(c->m, c->r, &c->c, &res, &e);
	return NULL;
}

/* A network with batch norm and dropout, trained by one process and by 2
 * and 3 ranks of 1 and 2 threads: the same parameters, statistics and
 * optimizer moments, bit for bit. */
static void
test_dist_ranks(void)
{
	enum { N = 700, D = 4, K = 3 };
	float *x = malloc(N * D * sizeof(float));
	uint32_t *y = malloc(N * sizeof(uint32_t));
	size_t sizes[] = { D, 16, 8, K };
	nn_layer_opts lo[3] = {
		{ .act = NN_ACT_RELU, .batchnorm = 1, .dropout = 0.2f },
		{ .act = NN_ACT_TANH },
		{ .act = NN_ACT_SOFTMAX },
	};
	nn_rng g;
	nn_err e;
	nn_model *ref = NULL;
	nn_rows r = { .n = N, .d = D, .x = x, .y = y };
	nn_train_cfg base;
	nn_train_res res;

	nn_rng_seed(&g, 11);
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < D; j++)
			x[i * D + j] = (float)(nn_rng_uniform(&g) * 2 - 1);
		y[i] = (uint32_t)((x[i * D] > 0) + (x[i * D + 1] > 0.3f));
	}
	nn_train_defaults(&base);
	base.epochs = 3;
	base.batch = 200;       /* 3 shards, a last batch of 100 (1 shard) */
	base.opt.kind = NN_OPTIM_ADAM;
	nn_optim_defaults(&base.opt, NN_OPTIM_ADAM);
	base.l2 = 1e-3f;

	for (int mk = 0; mk < 1 + 2 * 2; mk++) {
		/* mk 0: one process; then 2 and 3 ranks, 1 and 2 threads */
		int P = mk == 0 ? 1 : mk <= 2 ? 2 : 3, T = mk == 0 ? 1 : 1 + (mk + 1) % 2;
		nn_model *m[MAXR];
		rank_ctx rc[MAXR];
		pthread_t th[MAXR];
		board b;
		int ok = 1;

		pthread_barrier_init(&b.bar, NULL, (unsigned)P);
		for (int k = 0; k < P; k++) {
			nn_rng ri;
			m[k] = nn_model_new(3, sizes, lo, &e);
			m[k]->task = NN_TASK_MULTICLASS;
			m[k]->loss = NN_LOSS_CCE;
			nn_rng_seed(&ri, 5);
			nn_model_init(m[k], &ri);
			rc[k] = (rank_ctx){ .b = &b, .rank = k, .m = m[k], .r = &r,
			    .c = base };
			rc[k].c.threads = T;
			rc[k].d = (nn_dist){ .rank = k, .size = P, .share = t_share,
			    .max = t_max, .ctx = &rc[k] };
		}
		if (mk == 0) {
			nn_train(m[0], &r, &base, &res, &e);
			ref = m[0];
			pthread_barrier_destroy(&b.bar);
			continue;
		}
		for (int k = 0; k < P; k++)
			pthread_create(&th[k], NULL, rank_main, &rc[k]);
		for (int k = 0; k < P; k++)
			pthread_join(th[k], NULL);
		for (int k = 0; k < P; k++) {
			ok &= rc[k].rc == 0 &&
			    memcmp(m[k]->params, ref->params, ref->nparams * sizeof(float)) == 0 &&
			    memcmp(m[k]->stats, ref->stats, ref->nstats * sizeof(float)) == 0 &&
			    m[k]->ckpt != NULL && ref->ckpt != NULL &&
			    memcmp(m[k]->ckpt->m, ref->ckpt->m, ref->nparams * sizeof(float)) == 0 &&
			    memcmp(m[k]->ckpt->v, ref->ckpt->v, ref->nparams * sizeof(float)) == 0 &&
			    m[k]->ckpt->t == ref->ckpt->t;
			nn_model_free(m[k]);
		}
		tap_ok(ok, "nn_dist: %d ranks of %d thread%s train one process's "
		    "bytes (batch norm, dropout, adam, l2; 3 shards and 1)", P, T,
		    T > 1 ? "s" : "");
		pthread_barrier_destroy(&b.bar);
	}
	nn_model_free(ref);
	free(x);
	free(y);
}

/* A gradient that is not finite while the loss is (the L2 penalty of a
 * huge weight on an input that is always 0): the step is refused, nothing
 * moves, the layer is named -- with --clip-norm (the norm in double) and
 * without (a finiteness check alone), on one shard and two, 1 and 2
 * threads.  And training leaves the caller's floating-point mode alone
 * (it flushes subnormals to zero only while it runs a step). */
static void
test_nonfinite_grad(void)
{
	static const size_t bs[] = { 32, 128 };
	enum { N = 128, D = 2 };
	float x[N * D];
	uint32_t y[N];
	int all = 1, mode = 1;

	for (size_t i = 0; i < N; i++) {
		x[i * D] = (float)(i % 5) * 0.5f - 1.0f;
		x[i * D + 1] = 0.0f;
		y[i] = i % 2;
	}
	for (size_t b = 0; b < 2; b++)
		for (int clip = 0; clip <= 1; clip++)
			for (int T = 1; T <= 2; T++) {
				size_t sizes[] = { D, 1 };
				nn_act a[] = { NN_ACT_SIGMOID };
				nn_err e;
				nn_model *m = nn_model_alloc(1, sizes, a, &e);
				nn_rows r = { .n = N, .d = D, .x = x, .y = y };
				nn_train_cfg c;
				nn_train_res res;
				float before[D + 1];

				m->task = NN_TASK_BINARY;
				m->loss = NN_LOSS_BCE;
				m->params[m->layers[0].w_off] = 0.5f;
				m->params[m->layers[0].w_off + 1] = 3e38f;
				memcpy(before, m->params, sizeof(before));
				nn_train_defaults(&c);
				c.epochs = 1;
				c.batch = bs[b];
				c.threads = T;
				c.l2 = 10.0f;
				c.clip_norm = clip ? 1.0f : 0.0f;
#if defined(__SSE__)
				const unsigned csr = _mm_getcsr();
#endif
				int rc = nn_train(m, &r, &c, &res, &e);
#if defined(__SSE__)
				mode &= _mm_getcsr() == csr;
#endif
				all &= rc < 0 && res.bad_epoch == 1 &&
				    res.bad_batch == 1 && res.bad_layer == 1 &&
				    strstr(e.msg, "gradient is not finite") != NULL &&
				    memcmp(before, m->params, sizeof(before)) == 0;
				nn_model_free(m);
			}
	tap_ok(all, "a non-finite gradient under a finite loss: no step, "
	    "layer 1 named, with and without --clip-norm, 1 and 2 shards, "
	    "1 and 2 threads");
	tap_ok(mode, "training gives the caller its floating-point mode back");
}

int
main(void)
{
	test_exact_loss();
	test_gradcheck_weights();
	test_bn_one_step();
	test_work_rows();
	test_dist_ranks();
	test_nonfinite_grad();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
