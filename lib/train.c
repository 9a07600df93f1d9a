/*
 * train.c - mini-batch gradient descent, on one thread or several.
 *
 * Every epoch reshuffles the row order with the seeded generator and takes
 * one optimizer step per mini-batch.  A batch of B rows is cut into
 * nn_train_shards(B) shards with boundaries that depend on B alone.  Each
 * shard is gathered into a contiguous (Bs, D) matrix, pushed forward and
 * backward with single-threaded GEMMs into its own gradient buffer; then the
 * shard gradients are summed in shard order, weighted Bs / B, and the
 * optimizer updates the parameters.  Threads only decide *who* computes a
 * shard or a range of the sum, never the order of any addition, so the
 * weights are bit-identical for every thread count.
 *
 * Per batch the threads meet at barriers:
 *   1. shards       thread k computes shards k, k+T, k+2T, ...
 *   2. reduce       thread k sums its range of parameters over the shards
 *                   and checks that they are finite
 *   3. update       if every loss and gradient was finite, thread k applies
 *                   the optimizer to its range
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"

/* A shard of 64 rows keeps GEMM efficient (the row count is GEMM's M and
 * the K of the weight-gradient product); at most 16 shards bounds the
 * memory of per-shard gradients to 16 parameter buffers. */
#define SHARD_ROWS 64
#define MAX_SHARDS 16
/* Below this many parameters, splitting the reduce/update across threads
 * costs more in synchronisation than it saves. */
#define PAR_PARAMS 16384

size_t
nn_train_shards(size_t B)
{
	size_t s = B / SHARD_ROWS;

	return s < 1 ? 1 : s > MAX_SHARDS ? MAX_SHARDS : s;
}

typedef struct trainer {
	nn_model *m;
	const float *x;          /* (n, D) */
	const uint32_t *y;       /* (n) or NULL */
	const float *t;          /* (n) or NULL */
	const uint32_t *perm;    /* (n) row order of this epoch */
	size_t D, bs;
	nn_optim *opt;

	/* per shard */
	size_t smax;             /* shards of a full batch */
	nn_work **work;          /* (smax) */
	float **grads;           /* (smax) each (P) */
	float **xs;              /* (smax) each (rows, D) gathered input */
	uint32_t **ys;           /* (smax) each (rows) */
	float **ts;              /* (smax) each (rows) */
	double *loss;            /* (smax) mean loss of each shard */
	int *bad_range;          /* (T) non-finite gradient seen in range */

	/* the current batch */
	size_t start, B, S;
	int do_update;

	/* threads */
	int T;
	pthread_t *th;
	pthread_barrier_t bar;
	int quit;
	/* start gate: workers wait here until every thread exists (gate 1),
	 * or leave if one could not be created (gate -1) */
	pthread_mutex_t gate_mu;
	pthread_cond_t gate_cv;
	int gate;
} trainer;

static void
shard_bounds(size_t B, size_t S, size_t s, size_t *lo, size_t *hi)
{
	*lo = B * s / S;
	*hi = B * (s + 1) / S;
}

/* Phase 1 for shard s: gather, forward, backward into grads[s]. */
static void
run_shard(trainer *tr, size_t s)
{
	nn_model *m = tr->m;
	size_t lo, hi, rows, D = tr->D;
	const int classify = m->task != NN_TASK_REGRESSION;

	shard_bounds(tr->B, tr->S, s, &lo, &hi);
	rows = hi - lo;
	for (size_t i = 0; i < rows; i++) {
		size_t r = tr->perm[tr->start + lo + i];
		memcpy(tr->xs[s] + i * D, tr->x + r * D, D * sizeof(float));
		if (classify)
			tr->ys[s][i] = tr->y[r];
		else
			tr->ts[s][i] = tr->t[r];
	}
	memset(tr->grads[s], 0, m->nparams * sizeof(float));
	nn_forward(m, tr->work[s], tr->xs[s], rows);
	/* nn_backward adds into m->grads; give it this shard's buffer through
	 * a shallow copy of the model, so shards never share a gradient. */
	nn_model view = *m;
	view.grads = tr->grads[s];
	tr->loss[s] = nn_backward(&view, tr->work[s], tr->xs[s],
	    classify ? tr->ys[s] : NULL, classify ? NULL : tr->ts[s], rows);
}

/* Phase 2 for parameters [lo, hi): the weighted sum over shards in shard
 * order.  Returns non-zero if a gradient is not finite. */
static int
reduce_range(trainer *tr, size_t lo, size_t hi)
{
	float *g = tr->m->grads;
	int bad = 0;

	if (tr->S == 1) {
		memcpy(g + lo, tr->grads[0] + lo, (hi - lo) * sizeof(float));
	} else {
		for (size_t s = 0; s < tr->S; s++) {
			size_t a, b;
			shard_bounds(tr->B, tr->S, s, &a, &b);
			const float w = (float)(b - a) / (float)tr->B;
			const float *gs = tr->grads[s];
			if (s == 0)
				for (size_t i = lo; i < hi; i++)
					g[i] = w * gs[i];
			else
				for (size_t i = lo; i < hi; i++)
					g[i] += w * gs[i];
		}
	}
	for (size_t i = lo; i < hi; i++)
		bad |= !isfinite(g[i]);
	return bad;
}

static void
param_range(const trainer *tr, int k, int T, size_t *lo, size_t *hi)
{
	size_t P = tr->m->nparams;

	if (P < PAR_PARAMS) {       /* thread 0 does it all */
		*lo = 0;
		*hi = k == 0 ? P : 0;
		return;
	}
	*lo = P * (size_t)k / (size_t)T;
	*hi = P * (size_t)(k + 1) / (size_t)T;
}

/* One thread's share of a batch; k in [0, T). */
static void
batch_part(trainer *tr, int k, int phase)
{
	size_t lo, hi;

	switch (phase) {
	case 1:
		for (size_t s = (size_t)k; s < tr->S; s += (size_t)tr->T)
			run_shard(tr, s);
		break;
	case 2:
		param_range(tr, k, tr->T, &lo, &hi);
		tr->bad_range[k] = reduce_range(tr, lo, hi);
		break;
	case 3:
		param_range(tr, k, tr->T, &lo, &hi);
		if (tr->do_update)
			nn_optim_update(tr->opt, tr->m->params, tr->m->grads, lo, hi);
		break;
	}
}

typedef struct worker_arg {
	trainer *tr;
	int k;
} worker_arg;

static void *
worker(void *p)
{
	worker_arg *a = p;
	trainer *tr = a->tr;
	int go;

	pthread_mutex_lock(&tr->gate_mu);
	while (tr->gate == 0)
		pthread_cond_wait(&tr->gate_cv, &tr->gate_mu);
	go = tr->gate > 0;
	pthread_mutex_unlock(&tr->gate_mu);
	if (!go)
		return NULL;
	for (;;) {
		pthread_barrier_wait(&tr->bar);          /* batch ready */
		if (tr->quit)
			break;
		batch_part(tr, a->k, 1);
		pthread_barrier_wait(&tr->bar);
		batch_part(tr, a->k, 2);
		pthread_barrier_wait(&tr->bar);          /* main decides */
		pthread_barrier_wait(&tr->bar);
		batch_part(tr, a->k, 3);
		pthread_barrier_wait(&tr->bar);          /* batch done */
	}
	return NULL;
}

/* Run one batch on all threads; returns 0, or -1 if the loss or a gradient
 * is not finite (nothing updated then). */
static int
run_batch(trainer *tr, double *loss)
{
	const int T = tr->T;
	double l = 0.0;
	int bad = 0;

	if (T > 1)
		pthread_barrier_wait(&tr->bar);
	batch_part(tr, 0, 1);
	if (T > 1)
		pthread_barrier_wait(&tr->bar);
	batch_part(tr, 0, 2);
	if (T > 1)
		pthread_barrier_wait(&tr->bar);
	for (size_t s = 0; s < tr->S; s++) {
		size_t a, b;
		shard_bounds(tr->B, tr->S, s, &a, &b);
		l += tr->loss[s] * (double)(b - a);
	}
	for (int k = 0; k < T; k++)
		bad |= tr->bad_range[k];
	l /= (double)tr->B;
	tr->do_update = isfinite(l) && !bad;
	if (tr->do_update)
		nn_optim_begin(tr->opt);
	if (T > 1)
		pthread_barrier_wait(&tr->bar);
	batch_part(tr, 0, 3);
	if (T > 1)
		pthread_barrier_wait(&tr->bar);
	*loss = l;
	if (!isfinite(l))
		return -2;
	return bad ? -1 : 0;
}

int
nn_train(nn_model *m, const float *x, const uint32_t *y, const float *t,
    size_t n, const nn_train_cfg *cfg, double *loss_out, nn_err *e)
{
	const size_t D = m->nin, bs = cfg->batch < n ? cfg->batch : n;
	const int classify = m->task != NN_TASK_REGRESSION;
	trainer tr = { 0 };
	worker_arg *args = NULL;
	nn_rng rng;
	uint32_t *perm;
	double loss = 0.0;
	int rc = 0;

	if (n == 0 || bs == 0 || cfg->epochs == 0)
		return nn_errf(e, "nothing to train on");
	tr.m = m;
	tr.x = x;
	tr.y = y;
	tr.t = t;
	tr.D = D;
	tr.bs = bs;
	tr.smax = nn_train_shards(bs);
	/* more threads than shards or parameter ranges would only wait */
	tr.T = cfg->threads < 1 ? 1 : cfg->threads;
	if ((size_t)tr.T > tr.smax && m->nparams < PAR_PARAMS)
		tr.T = (int)tr.smax;
	if (tr.T > MAX_SHARDS)
		tr.T = MAX_SHARDS;
	tr.opt = nn_optim_new(&cfg->opt, m->nparams);

	/* The largest shard of any batch size up to bs: the last, smaller
	 * batch of an epoch has fewer shards, and its shards can be larger
	 * than those of a full batch. */
	size_t rows = 0;
	for (size_t b = 1; b <= bs; b++) {
		size_t S = nn_train_shards(b), r = (b + S - 1) / S;
		if (r > rows)
			rows = r;
	}
	size_t smax_any = 1;
	for (size_t b = 1; b <= bs; b++)
		if (nn_train_shards(b) > smax_any)
			smax_any = nn_train_shards(b);
	tr.smax = smax_any;
	tr.work = nn_xcalloc(tr.smax, sizeof(*tr.work));
	tr.grads = nn_xcalloc(tr.smax, sizeof(*tr.grads));
	tr.xs = nn_xcalloc(tr.smax, sizeof(*tr.xs));
	tr.ys = nn_xcalloc(tr.smax, sizeof(*tr.ys));
	tr.ts = nn_xcalloc(tr.smax, sizeof(*tr.ts));
	tr.loss = nn_xcalloc(tr.smax, sizeof(*tr.loss));
	tr.bad_range = nn_xcalloc((size_t)tr.T, sizeof(*tr.bad_range));
	for (size_t s = 0; s < tr.smax; s++) {
		tr.work[s] = nn_work_new(m, rows);
		tr.grads[s] = nn_xmalloc(m->nparams * sizeof(float));
		tr.xs[s] = nn_xmalloc(rows * D * sizeof(float));
		if (classify)
			tr.ys[s] = nn_xmalloc(rows * sizeof(uint32_t));
		else
			tr.ts[s] = nn_xmalloc(rows * sizeof(float));
	}
	perm = nn_xmalloc(n * sizeof(*perm));
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	tr.perm = perm;

	if (tr.T > 1) {
		int made = 1;
		pthread_barrier_init(&tr.bar, NULL, (unsigned)tr.T);
		pthread_mutex_init(&tr.gate_mu, NULL);
		pthread_cond_init(&tr.gate_cv, NULL);
		tr.th = nn_xcalloc((size_t)tr.T, sizeof(*tr.th));
		args = nn_xcalloc((size_t)tr.T, sizeof(*args));
		for (; made < tr.T; made++) {
			args[made].tr = &tr;
			args[made].k = made;
			if (pthread_create(&tr.th[made], NULL, worker, &args[made]) != 0)
				break;
		}
		/* Fewer threads than asked is no error: the result does not
		 * depend on the count.  Release the ones made and go on alone. */
		pthread_mutex_lock(&tr.gate_mu);
		tr.gate = made == tr.T ? 1 : -1;
		pthread_cond_broadcast(&tr.gate_cv);
		pthread_mutex_unlock(&tr.gate_mu);
		if (made < tr.T) {
			for (int k = 1; k < made; k++)
				pthread_join(tr.th[k], NULL);
			pthread_barrier_destroy(&tr.bar);
			tr.T = 1;
		}
	}

	nn_rng_seed(&rng, cfg->seed);
	for (size_t ep = 1; ep <= cfg->epochs && rc == 0; ep++) {
		double sum = 0.0;
		size_t nb = 0;
		nn_rng_shuffle(&rng, perm, n);
		for (size_t s = 0; s < n; s += bs, nb++) {
			double l;
			int r;
			tr.start = s;
			tr.B = n - s < bs ? n - s : bs;
			tr.S = nn_train_shards(tr.B);
			if ((r = run_batch(&tr, &l)) < 0) {
				rc = nn_errf(e, "%s is not finite at epoch %zu, batch %zu "
				    "(try a lower learning rate)",
				    r == -2 ? "loss" : "gradient", ep, nb + 1);
				break;
			}
			sum += l * (double)tr.B;
		}
		if (rc != 0)
			break;
		loss = sum / (double)n;
		if (cfg->on_epoch != NULL && cfg->on_epoch(cfg->ctx, ep, loss) != 0)
			break;
	}

	if (tr.T > 1) {
		tr.quit = 1;
		pthread_barrier_wait(&tr.bar);
		for (int k = 1; k < tr.T; k++)
			pthread_join(tr.th[k], NULL);
		pthread_barrier_destroy(&tr.bar);
	}
	if (tr.th != NULL) {
		pthread_mutex_destroy(&tr.gate_mu);
		pthread_cond_destroy(&tr.gate_cv);
	}
	free(tr.th);
	free(args);
	for (size_t s = 0; s < tr.smax; s++) {
		nn_work_free(tr.work[s]);
		free(tr.grads[s]);
		free(tr.xs[s]);
		free(tr.ys[s]);
		free(tr.ts[s]);
	}
	free(tr.work);
	free(tr.grads);
	free(tr.xs);
	free(tr.ys);
	free(tr.ts);
	free(tr.loss);
	free(tr.bad_range);
	free(perm);
	nn_optim_free(tr.opt);
	if (rc == 0 && loss_out != NULL)
		*loss_out = loss;
	return rc;
}
