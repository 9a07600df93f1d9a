/*
 * test_train.c - what training reports and remembers, checked against
 * float64 recomputations: the loss of a confidently wrong batch (from the
 * logits, never clamped), class weights in the gradient check, and batch
 * norm's running statistics after one step, for every batch size and thread
 * count; the batch rows a deep network is given; training shared by
 * ranks (nn_dist, here threads: dist_threads.h) gives one process's bytes,
 * with every row on every rank or each rank's part of them (each rank
 * reducing and stepping its slice of the parameters: with --clip-norm,
 * stats, a checkpoint, a refused step), and so do evaluation, the scaling fit, the take of rows and cross-validation.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "dist_threads.h"
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


/* ---- ranks in one process: nn_dist over threads (dist_threads.h) -------- */

enum { MAXR = 4 };

/* One rank's work, run on the rank's own thread with its nn_dist. */
typedef struct rank_job rank_job;
struct rank_job {
	nn_dist *d;             /* NULL: the board's */
	int (*fn)(rank_job *j);
	nn_model *m;
	nn_rows rows, val;      /* this rank's: a part, or every row */
	nn_train_cfg c;
	nn_train_res res;
	double loss, acc;
	nn_cv_fold folds[3];
	int rc;
	nn_err e;
};

static void *
rank_main(void *p)
{
	rank_job *j = p;

	j->rc = j->fn(j);
	return NULL;
}

/* Run jobs[0..P) as the ranks of a board of P. */
static void
run_ranks(rank_job *jobs, int P)
{
	dt_board b;
	pthread_t th[MAXR];

	dt_init(&b, P);
	for (int k = 0; k < P; k++) {
		if (jobs[k].d == NULL)
			jobs[k].d = dt_rank(&b, k);
		pthread_create(&th[k], NULL, rank_main, &jobs[k]);
	}
	for (int k = 0; k < P; k++)
		pthread_join(th[k], NULL);
	dt_free(&b);
}

/* Where P ranks' parts of n rows begin, uneven, and with a rank that holds
 * none in all but one (variant v of two): cut (P + 1). */
static void
cuts(size_t n, int P, int v, size_t *cut)
{
	static const double frac[3][2][5] = {
		{ { 0, 0.3, 1 }, { 0, 0, 1 } },
		{ { 0, 0.45, 0.45, 1 }, { 0, 0.2, 0.9, 1 } },
		{ { 0, 0.1, 0.6, 1, 1 }, { 0, 0.05, 0.05, 0.7, 1 } },
	};

	for (int k = 0; k <= P; k++)
		cut[k] = (size_t)(frac[P - 2][v][k] * (double)n);
}

/* Rows [lo, hi) of all as a part: the features copied (a read past them is
 * the sanitizers' to find), the targets every row's (borrowed). */
static nn_rows
part_of(const nn_rows *all, size_t lo, size_t hi)
{
	nn_rows r = *all;
	const size_t bytes = (hi - lo) * all->d * sizeof(float);

	r.part = 1;
	r.lo = lo;
	r.hi = hi;
	r.x = hi > lo ? memcpy(malloc(bytes), all->x + lo * all->d, bytes) :
	    NULL;
	return r;
}

/* A classifier with batch norm and dropout, or a regression network. */
static nn_model *
dist_model(nn_task task, size_t D)
{
	size_t sc[] = { D, 16, 8, 3 }, sr[] = { D, 12, 1 };
	nn_layer_opts lc[3] = {
		{ .act = NN_ACT_RELU, .batchnorm = 1, .dropout = 0.2f },
		{ .act = NN_ACT_TANH },
		{ .act = NN_ACT_SOFTMAX },
	}, lr[2] = {
		{ .act = NN_ACT_TANH, .batchnorm = 1 },
		{ .act = NN_ACT_LINEAR },
	};
	const int reg = task == NN_TASK_REGRESSION;
	nn_err e;
	nn_rng g;
	nn_model *m = reg ? nn_model_new(2, sr, lr, &e) :
	    nn_model_new(3, sc, lc, &e);

	m->task = task;
	m->loss = reg ? NN_LOSS_MSE : NN_LOSS_CCE;
	nn_rng_seed(&g, 5);
	nn_model_init(m, &g);
	return m;
}

/* n rows of D features; classes from the first two (with some noise), or
 * a smooth target. */
static void
dist_data(nn_rows *r, size_t n, size_t D, int reg, uint64_t seed)
{
	nn_rng g;

	nn_rng_seed(&g, seed);
	*r = (nn_rows){ .n = n, .d = D };
	r->x = malloc(n * D * sizeof(float));
	if (reg)
		r->t = malloc(n * sizeof(float));
	else
		r->y = malloc(n * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++) {
		float *x = r->x + i * D;
		for (size_t j = 0; j < D; j++)
			x[j] = (float)(nn_rng_uniform(&g) * 2 - 1);
		if (reg)
			r->t[i] = (float)(3 * sin(2 * x[0]) + x[1] * x[2] + 10);
		else
			r->y[i] = nn_rng_uniform(&g) < 0.1 ?
			    (uint32_t)nn_rng_below(&g, 3) :
			    (uint32_t)((x[0] > 0) + (x[1] > 0.3f));
	}
}

/* The same bytes: parameters, batch norm's statistics, and the state to
 * resume from (optimizer moments, steps, epoch, rng), or none in both. */
static int
same_model(const nn_model *a, const nn_model *b)
{
	const nn_ckpt *p = a->ckpt, *q = b->ckpt;
	const size_t P = a->nparams * sizeof(float);

	if (memcmp(a->params, b->params, P) != 0 || memcmp(a->stats, b->stats,
	    a->nstats * sizeof(float)) != 0 || (p == NULL) != (q == NULL))
		return 0;
	return p == NULL || (p->t == q->t && p->epoch == q->epoch &&
	    p->row == q->row && memcmp(&p->rng, &q->rng, sizeof(p->rng)) == 0 &&
	    (p->m == NULL) == (q->m == NULL) && (p->v == NULL) == (q->v == NULL) &&
	    (p->m == NULL || memcmp(p->m, q->m, P) == 0) &&
	    (p->v == NULL || memcmp(p->v, q->v, P) == 0));
}

static int
same_res(const nn_train_res *a, const nn_train_res *b)
{
	return a->epoch == b->epoch && a->best_epoch == b->best_epoch &&
	    a->kept_best == b->kept_best && memcmp(&a->loss, &b->loss,
	    sizeof(a->loss)) == 0 && memcmp(&a->best_val, &b->best_val,
	    sizeof(a->best_val)) == 0;
}

static int
job_train(rank_job *j)
{
	j->c.dist = j->d;
	j->c.val = j->val.n ? &j->val : NULL;
	return nn_train(j->m, &j->rows, &j->c, &j->res, &j->e);
}

/* Training by 2, 3 and 4 ranks of 1 and 2 threads, each holding its part
 * of the rows (one holding none) or every row, gives one process's bytes:
 * a classifier with batch norm, dropout, adam and l2 (shards 4, 4, 2); the
 * same with validation rows (a part, or every row) and early stopping; a
 * regression with momentum and validation. */
static void
test_dist_train(void)
{
	enum { N = 700, NV = 300, D = 4 };
	static const char *const what[3] = {
		"batch norm, dropout, adam, l2",
		"validation and early stopping",
		"regression, momentum, validation",
	};

	for (int cs = 0; cs < 3; cs++) {
		const int reg = cs == 2;
		const nn_task task = reg ? NN_TASK_REGRESSION : NN_TASK_MULTICLASS;
		nn_rows all, vall;
		nn_train_cfg base;
		nn_train_res rref;
		nn_err e;
		nn_model *ref = dist_model(task, D);

		dist_data(&all, N, D, reg, 11);
		dist_data(&vall, NV, D, reg, 12);
		nn_train_defaults(&base);
		base.epochs = cs == 1 ? 40 : 3;
		base.batch = reg ? 150 : 256;
		nn_optim_defaults(&base.opt, reg ? NN_OPTIM_MOMENTUM : NN_OPTIM_ADAM);
		base.opt.lr = reg ? 0.01f : cs == 1 ? 0.05f : 0.001f;
		base.l2 = reg ? 0.0f : 1e-3f;
		if (cs == 1) {
			base.patience = 2;
			base.min_delta = 0.01;
		}
		base.val = cs > 0 ? &vall : NULL;
		int rc = nn_train(ref, &all, &base, &rref, &e);
		if (cs == 1)
			tap_ok(rc == 0 && rref.epoch < base.epochs && rref.kept_best,
			    "one process stops early (epoch %zu of %zu, the best %zu "
			    "kept)", rref.epoch, base.epochs, rref.best_epoch);
		for (int P = 2; P <= MAXR; P++)
			for (int T = 1; T <= 2; T++)
				for (int whole = 0; whole <= (cs == 0 && P < 4); whole++) {
					rank_job j[MAXR];
					size_t cut[MAXR + 1], vcut[MAXR + 1];
					int ok = 1;

					cuts(N, P, T - 1, cut);
					cuts(NV, P, 2 - T, vcut);
					for (int k = 0; k < P; k++) {
						j[k] = (rank_job){ .fn = job_train, .c = base,
						    .m = dist_model(task, D) };
						j[k].c.threads = T;
						j[k].rows = whole ? all :
						    part_of(&all, cut[k], cut[k + 1]);
						/* validation: a part with one thread, every
						 * row with two */
						if (cs > 0)
							j[k].val = T == 1 ? part_of(&vall, vcut[k],
							    vcut[k + 1]) : vall;
					}
					run_ranks(j, P);
					for (int k = 0; k < P; k++) {
						ok &= j[k].rc == 0 && same_model(j[k].m, ref) &&
						    same_res(&j[k].res, &rref);
						if (!whole)
							free(j[k].rows.x);
						if (cs > 0 && T == 1)
							free(j[k].val.x);
						nn_model_free(j[k].m);
					}
					tap_ok(ok, "%d ranks of %d thread%s, %s rows%s: "
					    "one process's bytes (%s)", P, T, T > 1 ? "s" : "",
					    whole ? "every rank all" : "each rank its part of the",
					    cs == 0 ? "" : T == 1 ? ", validation parts" :
					    ", validation whole", what[cs]);
				}
		nn_model_free(ref);
		nn_rows_free(&all);
		nn_rows_free(&vall);
	}
}

static int
job_eval(rank_job *j)
{
	return nn_evaluate_dist(j->m, &j->rows, j->d, &j->loss, &j->acc, &j->e);
}

/* nn_evaluate_dist over 2, 3 and 4 ranks, on parts and on every row: the
 * bytes of nn_evaluate's loss and accuracy (5 batches of up to 1024). */
static void
test_dist_evaluate(void)
{
	enum { N = 5000, D = 4 };

	for (int reg = 0; reg <= 1; reg++) {
		nn_rows all;
		nn_model *m = dist_model(reg ? NN_TASK_REGRESSION :
		    NN_TASK_MULTICLASS, D);
		double acc, loss;

		dist_data(&all, N, D, reg, 21);
		loss = nn_evaluate(m, &all, &acc);
		for (int P = 2; P <= MAXR; P++)
			for (int v = 0; v < 3; v++) {
				rank_job j[MAXR];
				size_t cut[MAXR + 1];
				int ok = 1;

				cuts(N, P, v % 2, cut);
				for (int k = 0; k < P; k++) {
					j[k] = (rank_job){ .fn = job_eval, .m = m };
					j[k].rows = v < 2 ? part_of(&all, cut[k], cut[k + 1]) :
					    all;
				}
				run_ranks(j, P);
				for (int k = 0; k < P; k++) {
					ok &= j[k].rc == 0 && memcmp(&j[k].loss, &loss,
					    sizeof(loss)) == 0 && memcmp(&j[k].acc, &acc,
					    sizeof(acc)) == 0;
					if (v < 2)
						free(j[k].rows.x);
				}
				tap_ok(ok, "nn_evaluate_dist, %d ranks, %s: nn_evaluate's "
				    "bytes (%s, loss %.6g)", P, v == 0 ? "uneven parts" :
				    v == 1 ? "parts, one empty" : "every rank all rows",
				    reg ? "regression" : "classification", loss);
			}
		nn_model_free(m);
		nn_rows_free(&all);
	}
}

static int
job_scale(rank_job *j)
{
	return nn_scale_fit_rows(j->m, &j->rows, j->d, &j->e);
}

/* nn_scale_fit_rows over 2, 3 and 4 ranks' parts: nn_scale_fit's bytes,
 * standard and minmax, on columns of magnitudes from 1e-8 to 1e8, around
 * 1e6, a constant one, and one whose mean hangs on the order of the rows:
 * values in [0, 1) with 2^60 and -2^60 in rows 500 and 501 (the sum before
 * them rounds away with 2^60, partly: added in another order, or in sums
 * per rank, the mean differs in float too). */
static void
test_dist_scale(void)
{
	enum { N = 1001, D = 4 };
	nn_rows all = { .n = N, .d = D };
	nn_rng g;

	all.x = malloc(N * D * sizeof(float));
	nn_rng_seed(&g, 31);
	for (size_t i = 0; i < N; i++) {
		all.x[i * D] = (float)(nn_rng_uniform(&g) *
		    pow(10.0, (double)nn_rng_below(&g, 17) - 8.0));
		all.x[i * D + 1] = (float)(nn_rng_normal(&g) * 1e3 + 1e6);
		all.x[i * D + 2] = 7.5f;
		all.x[i * D + 3] = i == 500 ? 0x1p60f : i == 501 ? -0x1p60f :
		    (float)nn_rng_uniform(&g);
	}
	for (int sk = NN_SCALE_STANDARD; sk <= NN_SCALE_MINMAX; sk++) {
		nn_model *ref = dist_model(NN_TASK_MULTICLASS, D);

		ref->scale = (nn_scale)sk;
		nn_scale_fit(ref, all.x, N);
		for (int P = 2; P <= MAXR; P++)
			for (int v = 0; v < 2; v++) {
				rank_job j[MAXR];
				size_t cut[MAXR + 1];
				int ok = 1;

				cuts(N, P, v, cut);
				for (int k = 0; k < P; k++) {
					j[k] = (rank_job){ .fn = job_scale,
					    .m = dist_model(NN_TASK_MULTICLASS, D),
					    .rows = part_of(&all, cut[k], cut[k + 1]) };
					j[k].m->scale = (nn_scale)sk;
				}
				run_ranks(j, P);
				for (int k = 0; k < P; k++) {
					ok &= j[k].rc == 0 && memcmp(j[k].m->offset,
					    ref->offset, D * sizeof(float)) == 0 &&
					    memcmp(j[k].m->factor, ref->factor,
					    D * sizeof(float)) == 0;
					free(j[k].rows.x);
					nn_model_free(j[k].m);
				}
				tap_ok(ok, "nn_scale_fit_rows, %d ranks' parts (%s): "
				    "nn_scale_fit's bytes, %s", P, v ? "one empty" :
				    "uneven", nn_scale_name((nn_scale)sk));
			}
		nn_model_free(ref);
	}
	nn_rows_free(&all);
}

/* nn_rows_take of increasing rows from each rank's part: a part of the
 * take from every row, the rows this rank held, every target. */
static void
test_dist_take(void)
{
	enum { N = 60, D = 2 };
	nn_rows all, whole;
	uint32_t idx[N];
	size_t k = 0;
	nn_rng g;
	int ok = 1;

	dist_data(&all, N, D, 0, 41);
	nn_rng_seed(&g, 42);
	for (uint32_t i = 0; i < N; i++)
		if (nn_rng_uniform(&g) < 0.4)
			idx[k++] = i;
	nn_rows_take(&whole, &all, idx, k);
	for (int P = 2; P <= MAXR; P++)
		for (int v = 0; v < 2; v++) {
			size_t cut[MAXR + 1];
			cuts(N, P, v, cut);
			for (int r = 0; r < P; r++) {
				nn_rows part = part_of(&all, cut[r], cut[r + 1]), out;
				size_t lo = 0, hi = 0;
				for (size_t i = 0; i < k; i++) {
					lo += idx[i] < cut[r];
					hi += idx[i] < cut[r + 1];
				}
				nn_rows_take(&out, &part, idx, k);
				ok &= out.n == k && out.part && out.lo == lo &&
				    out.hi == hi && memcmp(out.y, whole.y,
				    k * sizeof(uint32_t)) == 0 && (hi == lo ||
				    memcmp(out.x, whole.x + lo * D,
				    (hi - lo) * D * sizeof(float)) == 0);
				nn_rows_free(&out);
				free(part.x);
			}
		}
	tap_ok(ok, "nn_rows_take of %zu increasing rows from the parts of 2, 3 "
	    "and 4 ranks: each the rows it held of the take, every target", k);
	nn_rows_free(&whole);
	nn_rows_free(&all);
}

/* nn_cv's model: standard scaling fitted on the fold's training rows,
 * over the ranks when they are shared out. */
static nn_model *
cv_make(void *ctx, const nn_rows *train)
{
	rank_job *j = ctx;
	nn_model *m = dist_model(NN_TASK_MULTICLASS, train->d);
	nn_err e;

	m->scale = NN_SCALE_STANDARD;
	if (nn_scale_fit_rows(m, train, j != NULL ? j->d : NULL, &e) < 0)
		j->rc = -1;
	return m;
}

static int
job_cv(rank_job *j)
{
	j->c.dist = j->d;
	return nn_cv(cv_make, j, &j->rows, 3, 3, &j->c, j->folds, &j->e) ||
	    j->rc;
}

/* nn_cv on 2, 3 and 4 ranks' parts: one process's folds, byte for byte. */
static void
test_dist_cv(void)
{
	enum { N = 300, D = 4 };
	nn_rows all;
	nn_train_cfg base;
	nn_cv_fold ref[3];
	nn_err e;
	int rc;

	dist_data(&all, N, D, 0, 51);
	nn_train_defaults(&base);
	base.epochs = 2;
	base.batch = 64;
	rc = nn_cv(cv_make, NULL, &all, 3, 3, &base, ref, &e);
	for (int P = 2; P <= MAXR; P++) {
		rank_job j[MAXR];
		size_t cut[MAXR + 1];
		int ok = rc == 0;

		cuts(N, P, P % 2, cut);
		for (int k = 0; k < P; k++)
			j[k] = (rank_job){ .fn = job_cv, .c = base,
			    .rows = part_of(&all, cut[k], cut[k + 1]) };
		run_ranks(j, P);
		for (int k = 0; k < P; k++) {
			ok &= j[k].rc == 0;
			for (int f = 0; f < 3; f++)
				ok &= j[k].folds[f].ntrain == ref[f].ntrain &&
				    j[k].folds[f].nval == ref[f].nval &&
				    memcmp(&j[k].folds[f].val_loss, &ref[f].val_loss,
				    sizeof(double)) == 0 &&
				    memcmp(&j[k].folds[f].val_acc, &ref[f].val_acc,
				    sizeof(double)) == 0;
			free(j[k].rows.x);
		}
		tap_ok(ok, "nn_cv on %d ranks' parts: one process's folds", P);
	}
	nn_rows_free(&all);
}

/* A transport that fails at every rank's third swap. */
static int fail_at[DT_MAXR];

static int
failing_swap(void *ctx, const void *send, const size_t *scount, void *recv,
    const size_t *rcount, size_t item, nn_err *e)
{
	const dt_rank_ctx *c = ctx;

	if (++fail_at[c->rank] == 3)
		return nn_errf(e, "swap: rank %d lost its link", c->rank);
	return dt_swap(ctx, send, scount, recv, rcount, item, e);
}

/* A failing swap ends nn_train with -1 and the transport's message on
 * every rank (2 threads each: none is left waiting); so do parts that
 * leave a gap. */
static void
test_dist_fail(void)
{
	enum { N = 300, D = 4, P = 3 };
	nn_rows all;
	nn_train_cfg base;
	dt_board b;
	int ok = 1, gap = 1;

	dist_data(&all, N, D, 0, 61);
	nn_train_defaults(&base);
	base.epochs = 2;
	base.batch = 128;
	base.threads = 2;
	for (int bad = 0; bad <= 1; bad++) {
		rank_job j[P];
		nn_dist d[P];
		const size_t cut[P + 1] = { 0, 100, 200, N };

		dt_init(&b, P);
		for (int k = 0; k < P; k++) {
			d[k] = *dt_rank(&b, k);
			d[k].swap = failing_swap;
			fail_at[k] = 0;
			j[k] = (rank_job){ .fn = job_train, .c = base, .d = &d[k],
			    .m = dist_model(NN_TASK_MULTICLASS, D),
			    .rows = part_of(&all, cut[k] + (size_t)(bad && k == 2),
			    cut[k + 1]) };
		}
		run_ranks(j, P);
		for (int k = 0; k < P; k++) {
			if (bad)
				gap &= j[k].rc == -1 && strstr(j[k].e.msg,
				    "rank 2 holds rows 201 to 300, not from row 200") !=
				    NULL;
			else
				ok &= j[k].rc == -1 && strstr(j[k].e.msg,
				    "lost its link") != NULL;
			free(j[k].rows.x);
			nn_model_free(j[k].m);
		}
		dt_free(&b);
	}
	tap_ok(ok, "a swap that fails: nn_train returns -1 with its message "
	    "on every rank");
	tap_ok(gap, "parts with a gap: every rank refuses them, naming it");
	nn_rows_free(&all);
}

/* Wider than dist_model: 17859 parameters, 5 blocks of the reduce, so
 * the ranks' slices hold several blocks (and threads split them). */
static nn_model *
wide_model(size_t D)
{
	size_t sz[] = { D, 64, 256, 3 };
	nn_layer_opts lo[3] = {
		{ .act = NN_ACT_RELU, .batchnorm = 1 },
		{ .act = NN_ACT_TANH },
		{ .act = NN_ACT_SOFTMAX },
	};
	nn_err e;
	nn_rng g;
	nn_model *m = nn_model_new(3, sz, lo, &e);

	m->task = NN_TASK_MULTICLASS;
	m->loss = NN_LOSS_CCE;
	nn_rng_seed(&g, 7);
	nn_model_init(m, &g);
	return m;
}

/* What a run reports per epoch (cfg->stats), and where it stops itself. */
enum { SE = 4, SL = 3 };
typedef struct stat_rec {
	double g[SE][SL], w[SE][SL], u[SE][SL];
	size_t ne;
	size_t stop_ep, stop_batch;     /* set *stop after this batch; 0: never */
	volatile int stop;
} stat_rec;

static int
rec_epoch(void *ctx, const nn_epoch *ep)
{
	stat_rec *r = ctx;

	if (ep->grad_norm != NULL && r->ne < SE) {
		memcpy(r->g[r->ne], ep->grad_norm, ep->nlayers * sizeof(double));
		memcpy(r->w[r->ne], ep->weight_norm, ep->nlayers * sizeof(double));
		memcpy(r->u[r->ne], ep->update_ratio, ep->nlayers * sizeof(double));
	}
	r->ne++;
	return 0;
}

static void
rec_batch(void *ctx, size_t epoch, size_t batch, size_t nbatch, double loss)
{
	stat_rec *r = ctx;

	(void)nbatch;
	(void)loss;
	if (epoch == r->stop_ep && batch == r->stop_batch)
		r->stop = 1;
}

/* Each rank reduces and steps only its slice of the parameter blocks: a
 * wide model (5 blocks: slices of 1 to 3 blocks) and dist_model (1 block:
 * ranks with no block at all), under 2, 3 and 4 ranks of 1 and 2 threads,
 * give one process's bytes with --clip-norm (the norm summed over every
 * rank's blocks, in block order) and l1 and l2 (penalties on the slices);
 * with stats (the gradient gathered: one process's norms and ratios, every
 * epoch); stopped by a signal in the middle of an epoch (the checkpoint's
 * optimizer moments gathered from the slices). */
static void
test_dist_slices(void)
{
	enum { N = 700, D = 4 };
	static const char *const what[3] = {
		"clip-norm, l1, l2", "stats", "stopped in epoch 2, checkpoint",
	};
	nn_rows all;

	dist_data(&all, N, D, 0, 71);
	for (int wide = 1; wide >= 0; wide--)
		for (int cs = 0; cs < 3; cs++) {
			nn_train_cfg base;
			nn_train_res rref;
			stat_rec sref = { .stop_ep = cs == 2 ? 2 : 0, .stop_batch = 2 };
			nn_err e;
			nn_model *ref = wide ? wide_model(D) : dist_model(
			    NN_TASK_MULTICLASS, D);
			int all_ok = 1;

			nn_train_defaults(&base);
			base.epochs = 3;
			base.batch = 256;           /* shards 4, 4, 2 */
			nn_optim_defaults(&base.opt, NN_OPTIM_ADAM);
			base.opt.lr = 0.01f;
			base.l1 = 1e-4f;
			base.l2 = 1e-3f;
			base.clip_norm = 0.05f;     /* below the norm: it clips */
			base.stats = cs == 1;
			base.on_epoch = rec_epoch;
			base.on_batch = rec_batch;
			base.ctx = &sref;
			base.stop = &sref.stop;
			int rc = nn_train(ref, &all, &base, &rref, &e);
			if (cs == 2)
				all_ok &= rc == 0 && rref.stopped && rref.row == 512 &&
				    ref->ckpt != NULL && ref->ckpt->m != NULL;
			for (int P = 2; P <= MAXR; P++)
				for (int T = 1; T <= 2; T++) {
					rank_job j[MAXR];
					stat_rec sr[MAXR];
					size_t cut[MAXR + 1];
					int ok = rc == 0;

					cuts(N, P, 0, cut);
					for (int k = 0; k < P; k++) {
						sr[k] = (stat_rec){ .stop_ep = sref.stop_ep,
						    .stop_batch = sref.stop_batch };
						j[k] = (rank_job){ .fn = job_train, .c = base,
						    .m = wide ? wide_model(D) :
						    dist_model(NN_TASK_MULTICLASS, D) };
						j[k].c.threads = T;
						j[k].c.ctx = &sr[k];
						j[k].c.stop = &sr[k].stop;
						/* one thread: a part each; two: every row */
						j[k].rows = T == 2 ? all :
						    part_of(&all, cut[k], cut[k + 1]);
					}
					run_ranks(j, P);
					for (int k = 0; k < P; k++) {
						ok &= j[k].rc == 0 && same_model(j[k].m, ref) &&
						    same_res(&j[k].res, &rref) &&
						    j[k].res.stopped == rref.stopped &&
						    j[k].res.row == rref.row &&
						    sr[k].ne == sref.ne &&
						    memcmp(sr[k].g, sref.g, sizeof(sref.g)) == 0 &&
						    memcmp(sr[k].w, sref.w, sizeof(sref.w)) == 0 &&
						    memcmp(sr[k].u, sref.u, sizeof(sref.u)) == 0;
						if (T == 1)
							free(j[k].rows.x);
						nn_model_free(j[k].m);
					}
					tap_ok(ok, "%s model (%zu block%s), %d ranks of %d "
					    "thread%s: one process's bytes (%s)", wide ? "wide" :
					    "small", (ref->nparams + 4095) / 4096,
					    wide ? "s" : "", P, T, T > 1 ? "s" : "", what[cs]);
				}
			if (cs == 1)
				all_ok &= sref.ne == 3 && sref.g[0][0] > 0.0 &&
				    sref.u[2][1] > 0.0;
			tap_ok(all_ok, "%s model, one process: %s", wide ? "wide" :
			    "small", cs == 0 ? "trains" : cs == 1 ? "reports norms" :
			    "stops after batch 2 of epoch 2, at row 512, checkpoint "
			    "with moments");
			nn_model_free(ref);
		}
	nn_rows_free(&all);
}

/* A non-finite gradient (the L2 penalty of a huge weight on a hidden unit
 * that is always 0) in layer 2 of 3, in rank 1's slice (15 blocks: rank 0
 * holds the floats below 28672, the weight is float 57340): under 2 ranks
 * of 1 and 2 threads, with and without --clip-norm, every rank refuses the
 * step, names layer 2 (the gradient gathered from its slice's owner; rank
 * 0's own slice of layer 2 is finite) as one process does, and moves no
 * parameter. */
/* The end of layer l's parameters. */
static size_t
m_end(const nn_model *m, size_t l)
{
	return l + 1 < m->nlayers ? m->layers[l + 1].w_off : m->nparams;
}

static void
test_dist_nonfinite(void)
{
	enum { N = 128, D = 2, H = 8192, P = 2 };
	static float x[N * D];
	static uint32_t y[N];
	int ok = 1;

	for (size_t i = 0; i < N; i++) {
		x[i * D] = (float)(i % 5) * 0.5f - 1.0f;
		x[i * D + 1] = (float)(i % 3) - 1.0f;
		y[i] = i % 2;
	}
	for (int clip = 0; clip <= 1; clip++)
		for (int T = 0; T <= 2; T++) {      /* T 0: one process */
			rank_job j[P];
			const int np = T ? P : 1;
			size_t w2 = 0;
			float *before = NULL;

			for (int k = 0; k < np; k++) {
				size_t sizes[] = { D, H, 4, 1 };
				nn_act a[] = { NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SIGMOID };
				nn_err e;
				nn_model *m = nn_model_alloc(3, sizes, a, &e);
				m->task = NN_TASK_BINARY;
				m->loss = NN_LOSS_BCE;
				/* the last hidden unit is always 0 (relu of -1); its
				 * weight (w is (nin, nout)) to layer 2's unit 0 is huge */
				m->params[m->layers[0].b_off + H - 1] = -1.0f;
				w2 = m->layers[1].w_off + (H - 1) * 4;
				m->params[w2] = 3e38f;
				if (before == NULL)
					before = memcpy(malloc(m->nparams * sizeof(float)),
					    m->params, m->nparams * sizeof(float));
				j[k] = (rank_job){ .fn = job_train, .m = m,
				    .rows = { .n = N, .d = D, .x = x, .y = y } };
				nn_train_defaults(&j[k].c);
				j[k].c.epochs = 1;
				j[k].c.batch = 128;     /* 2 shards: one per rank */
				j[k].c.threads = T ? T : 1;
				j[k].c.l2 = 10.0f;
				j[k].c.clip_norm = clip ? 1.0f : 0.0f;
			}
			if (T)
				run_ranks(j, P);
			else
				j[0].rc = nn_train(j[0].m, &j[0].rows, &j[0].c,
				    &j[0].res, &j[0].e);
			for (int k = 0; k < np; k++) {
				const size_t np0 = j[k].m->nparams;
				ok &= w2 >= np0 / 2 && w2 < m_end(j[k].m, 1) &&
				    j[k].rc < 0 &&
				    j[k].res.bad_epoch == 1 && j[k].res.bad_batch == 1 &&
				    j[k].res.bad_layer == 2 &&
				    strstr(j[k].e.msg, "gradient is not finite") != NULL &&
				    memcmp(before, j[k].m->params, np0 * sizeof(float)) == 0;
				nn_model_free(j[k].m);
			}
			free(before);
		}
	tap_ok(ok, "a non-finite gradient in rank 1's slice: one process and "
	    "2 ranks of 1 and 2 threads refuse the step and name layer 2, with "
	    "and without --clip-norm");
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
	test_dist_train();
	test_dist_evaluate();
	test_dist_scale();
	test_dist_take();
	test_dist_cv();
	test_dist_fail();
	test_dist_slices();
	test_dist_nonfinite();
	test_nonfinite_grad();
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
