/*
 * train.c - mini-batch gradient descent, on one thread or several.
 *
 * Every epoch shuffles the rows 0..n-1 afresh with the seeded generator (so
 * an epoch's order depends only on the generator's state, which a
 * checkpoint stores) and takes one optimizer step per mini-batch.  A batch of
 * B rows is cut into nn_train_shards(B) shards with boundaries that depend on
 * B alone.  Each shard is gathered into a contiguous (Bs, D) matrix, pushed
 * forward and backward with single-threaded GEMMs into its own gradient
 * buffer; then the shard gradients are summed in shard order, weighted
 * Bs / B, and the optimizer updates the parameters.  Threads only decide
 * *who* computes a shard or a block of the sum, never the order of any
 * addition, so the weights are bit-identical for every thread count.
 *
 * Per batch the threads meet at barriers:
 *   1. shards    thread k computes shards k, k+T, k+2T, ...
 *   2. reduce    thread k sums its blocks of parameters over the shards,
 *                adds the L1/L2 penalties, and keeps each block's sum of
 *                squares (blocks have a fixed size, so the gradient norm is
 *                summed in the same order whatever T is)
 *   3. update    if every loss and gradient was finite, thread k clips and
 *                applies the optimizer to its blocks
 *
 * Several ranks (cfg->dist) each compute their shards; then each rank
 * reduces and updates only its own slice of the blocks, and the ranks
 * exchange the slices (a reduce-scatter of the gradients, an all-gather of
 * the parameters: see grad_swap).  When the rows are shared out to the ranks
 * (nn_rows.part), each batch first fetches the rows of this rank's shards
 * from the ranks that hold them (fetch_rows): one all-to-all per batch,
 * worked out on both sides from the shuffle every rank draws alike.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "nn_csv.h"
#include "nn_train.h"

/* A shard of 64 rows keeps GEMM efficient (the row count is GEMM's M and
 * the K of the weight-gradient product); at most 16 shards bounds the
 * memory of per-shard gradients to 16 parameter buffers. */
#define SHARD_ROWS 64
#define MAX_SHARDS 16
/* Parameters are reduced and updated in blocks of this many. */
#define BLK 4096
/* Below this many parameters, splitting the reduce/update across threads
 * costs more in synchronisation than it saves. */
#define PAR_PARAMS 16384

size_t
nn_train_shards(size_t B)
{
	size_t s = B / SHARD_ROWS;

	return s < 1 ? 1 : s > MAX_SHARDS ? MAX_SHARDS : s;
}

/* ====================================================================== */
/* Schedules                                                              */
/* ====================================================================== */

static const char *const sched_names[NN_SCHED_COUNT] = {
	[NN_SCHED_CONSTANT] = "constant", [NN_SCHED_STEP] = "step",
	[NN_SCHED_EXPONENTIAL] = "exponential", [NN_SCHED_INVERSE] = "inverse",
	[NN_SCHED_COSINE] = "cosine", [NN_SCHED_PLATEAU] = "plateau",
};

const char *
nn_sched_name(nn_sched_kind v)
{
	return nn_name_of(sched_names, NN_SCHED_COUNT, (int)v);
}

int
nn_sched_lookup(const char *name, nn_sched_kind *out)
{
	int i = nn_name_find(sched_names, NN_SCHED_COUNT, name);

	if (i >= 0)
		*out = (nn_sched_kind)i;
	return i < 0 ? -1 : 0;
}

double
nn_sched_lr(const nn_sched *s, double base, size_t e, size_t E)
{
	double k = (double)(e - 1), lr = base;

	if (s->warmup > 0 && e <= s->warmup)
		return base * (double)e / (double)(s->warmup + 1);
	switch (s->kind) {
	case NN_SCHED_STEP:
		lr = base * pow(s->gamma, floor(k / (double)(s->step ? s->step : 1)));
		break;
	case NN_SCHED_EXPONENTIAL:
		lr = base * pow(s->gamma, k);
		break;
	case NN_SCHED_INVERSE:
		lr = base / (1.0 + s->gamma * k);
		break;
	case NN_SCHED_COSINE:
		lr = base * 0.5 * (1.0 + cos(3.14159265358979323846 * k /
		    (double)(E > 0 ? E : 1)));
		break;
	default:
		break;
	}
	return lr;
}

double
nn_sched_gamma_default(nn_sched_kind k)
{
	return k == NN_SCHED_INVERSE ? 0.01 : k == NN_SCHED_EXPONENTIAL ? 0.95 :
	    0.5;
}

void
nn_train_defaults(nn_train_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->epochs = 100;
	c->batch = 32;
	nn_optim_defaults(&c->opt, NN_OPTIM_SGD);
	c->sched.kind = NN_SCHED_CONSTANT;
	c->sched.step = 10;
	c->sched.gamma = nn_sched_gamma_default(NN_SCHED_CONSTANT);
	c->seed = 1;
	c->threads = 1;
}

/* ====================================================================== */
/* Rows shared out to ranks                                               */
/* ====================================================================== */

/* The rows of r this rank holds. */
static size_t
rows_held(const nn_rows *r)
{
	return r->part ? r->hi - r->lo : r->n;
}

/* Without ranks, rows with part must be all of them. */
static int
rows_whole(const nn_rows *r, nn_err *e)
{
	if (r->part && (r->lo != 0 || r->hi != r->n))
		return nn_errf(e, "rows %zu to %zu of %zu, and no other ranks to "
		    "hold the rest", r->lo, r->hi, r->n);
	return 0;
}

/* Where the rows of r are among the ranks of d (collective): own (size + 1)
 * gets each rank's first row, then n.  1 when the rows are shared out, 0
 * when every rank holds every row; -1 when the ranks fail, or hold
 * different row counts, or some hold a part and some all, or the parts do
 * not follow one another in rank order (e says which: every rank sees the
 * same and fails alike). */
static int
rows_owners(const nn_rows *r, const nn_dist *d, size_t *own, nn_err *e)
{
	const int N = d->size;
	const uint64_t mine[4] = { r->part != 0, r->part ? r->lo : 0,
	    r->part ? r->hi : r->n, r->n };
	size_t *lens = nn_xmalloc((size_t)N * sizeof(*lens));
	void *all;
	int parts = 0, rc = -1;

	if (nn_dist_gather(d, mine, sizeof(mine), &all, lens, e) < 0) {
		free(lens);
		return -1;
	}
	own[0] = 0;
	for (int k = 0; k < N; k++) {
		uint64_t q[4];
		memcpy(q, (unsigned char *)all + (size_t)k * sizeof(q), sizeof(q));
		if (q[3] != r->n) {
			nn_errf(e, "ranks: rank %d has %llu rows, rank %d %zu", k,
			    (unsigned long long)q[3], d->rank, r->n);
			goto out;
		}
		if (q[0] && (q[1] != own[k] || q[2] < q[1] || q[2] > r->n)) {
			nn_errf(e, "ranks: rank %d holds rows %llu to %llu, not "
			    "from row %zu on", k, (unsigned long long)q[1],
			    (unsigned long long)q[2], own[k]);
			goto out;
		}
		parts += q[0] != 0;
		own[k + 1] = q[0] ? (size_t)q[2] : own[k];
	}
	if (parts > 0 && parts < N)
		nn_errf(e, "ranks: %d of %d hold a part of the rows, the others "
		    "all", parts, N);
	else if (parts > 0 && own[N] != r->n)
		nn_errf(e, "ranks: they hold %zu of the %zu rows", own[N], r->n);
	else
		rc = parts > 0;
out:
	free(all);
	free(lens);
	return rc;
}

/* ====================================================================== */
/* The trainer                                                            */
/* ====================================================================== */

/* ====================================================================== */
/* A barrier that spins before it sleeps                                  */
/* ====================================================================== */

/* A mini-batch of W1 takes well under a millisecond per thread, and the
 * threads meet four times in it: a futex barrier's sleep and wake-up costs
 * tens of microseconds each time.  This one spins first, then yields, then
 * naps, so a thread that waits long (while the main thread validates an
 * epoch) costs almost nothing. */
typedef struct spin_barrier {
	atomic_uint count;
	atomic_uint gen;
	unsigned n;
} spin_barrier;

static void
sb_init(spin_barrier *b, unsigned n)
{
	atomic_init(&b->count, 0);
	atomic_init(&b->gen, 0);
	b->n = n;
}

static void
sb_wait(spin_barrier *b)
{
	unsigned g = atomic_load_explicit(&b->gen, memory_order_acquire);

	if (atomic_fetch_add_explicit(&b->count, 1, memory_order_acq_rel) + 1 == b->n) {
		atomic_store_explicit(&b->count, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&b->gen, 1, memory_order_acq_rel);
		return;
	}
	for (unsigned i = 0; atomic_load_explicit(&b->gen, memory_order_acquire) == g; i++) {
		if (i < 4000)
			continue;
		if (i < 4200) {
			sched_yield();
			continue;
		}
		struct timespec nap = { 0, 50000 };
		nanosleep(&nap, NULL);
	}
}

typedef struct trainer {
	nn_model *m;
	const nn_train_cfg *cfg;
	const float *x;          /* (n, D) */
	const uint32_t *y;       /* (n) or NULL */
	const float *t;          /* (n) or NULL */
	float lr;                /* this epoch's rate */
	const uint32_t *perm;    /* (n) row order of this epoch */
	size_t D, bs, P;
	nn_optim *opt;
	uint64_t seed;           /* the shuffle seed, mixed into dropout masks */
	size_t epoch;            /* current epoch, 1-based */

	/* per shard */
	size_t smax;             /* most shards of any batch */
	nn_work **work;          /* (smax) */
	float **grads;           /* (smax) each (P); on several ranks only
	                            this rank's shards' (others NULL) */
	float **xs;              /* (smax) each (rows, D) gathered input */
	uint32_t **ys;           /* (smax) each (rows) */
	float **ts;              /* (smax) each (rows) */
	double *loss;            /* (smax) mean loss of each shard */
	size_t *correct;         /* (smax) rows classified right */

	/* several processes (cfg->dist with size > 1), else R = 0, N = 1 */
	const nn_dist *dist;
	int R, N;
	/* rows shared out to the ranks (nn_rows.part): x holds this rank's
	 * rows [own[R], own[R + 1]); fetch_rows fills xs before phase 1 */
	int part;
	size_t *own;             /* (N + 1) each rank's first row, then n */
	int *who;                /* (bs) the rank holding each row of the batch */
	float *sendx, *recvx;    /* (bs, D) rows for other ranks, from them */
	size_t *scount, *rcount, *cur;  /* (N) each: rows to, from, cursors */
	unsigned char **info;    /* (smax) each (INFO_HEAD + 4 nstats): a
	                            shard's loss, correct rows and batch norm
	                            statistics, as they travel between ranks */
	void **xbuf;             /* (smax + 2 N) what share() moves */
	size_t *xlen;
	int *xroot;
	/* the gradients' reduce-scatter (grad_swap): rank q owns the blocks
	 * [sb[q], sb[q + 1]), i.e. the floats [soff(q), soff(q + 1)) */
	size_t *sb;              /* (N + 1) */
	float *gsend;            /* this rank's shards' slices for each rank
	                            (when it computes two shards or more) */
	float *grecv;            /* (smax, own slice) every shard's own slice */
	size_t *gscount, *grcount;  /* (N) each: floats to, from */

	/* per parameter block; this rank reduces and updates [blo, bhi) */
	size_t nblk, blo, bhi;
	const float **src;       /* (smax) shard s's gradient over this rank's
	                            blocks: src[s][i - base] is float i's */
	size_t base;
	double *blk_ss;          /* (nblk) sum of squares of the gradient */
	int *blk_bad;            /* (nblk) a non-finite gradient */
	float clip_scale;        /* applied in phase 3 */

	/* the current batch */
	size_t start, B, S;
	int do_update;

	/* threads */
	int T;
	pthread_t *th;
	spin_barrier bar;
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

/* A seed for shard s's dropout masks: unique per epoch, batch and shard,
 * independent of the thread count. */
static uint64_t
shard_seed(const trainer *tr, size_t s)
{
	uint64_t z = tr->seed ^ 0x9e3779b97f4a7c15ULL * (tr->epoch + 1);

	z ^= 0xbf58476d1ce4e5b9ULL * (tr->start + 1);
	z ^= 0x94d049bb133111ebULL * (s + 1);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Rows of out (B, K) whose predicted class (nn_out_class) is y's. */
static size_t
count_correct(const float *out, const uint32_t *y, size_t B, size_t K)
{
	size_t ok = 0;

	for (size_t i = 0; i < B; i++)
		ok += nn_out_class(out + i * K, K) == y[i];
	return ok;
}

/* A shard's info: the loss (double), the rows right (u64), then batch
 * norm's statistics. */
#define INFO_HEAD 16

/* Subnormal numbers (below 2^-126 in magnitude) cost a microcode assist per
 * instruction on many processors.  Training makes them: Adam's first moment
 * decays by beta1 each step for inputs that are rarely non-zero (5% of W1's
 * 235146 were subnormal after 2500 steps), weights decay under --l2.  Each phase of a
 * training step therefore runs with the SSE unit flushing them to zero
 * (FTZ: results; DAZ: inputs), and puts the caller's mode back after: the
 * weights then differ from strict IEEE arithmetic only where a value fell
 * below 2^-126, they stay the same for every thread count (every thread
 * computes in this mode), and nothing outside training changes (inference,
 * nn-predict).  Elsewhere than on SSE (x86) this is a no-op. */
typedef unsigned fp_mode;

static fp_mode
fp_flush_enter(void)
{
#if defined(__SSE__)
	const unsigned old = _mm_getcsr();

	_mm_setcsr(old | 0x8000u | 0x0040u);    /* FTZ | DAZ */
	return old;
#else
	return 0;
#endif
}

static void
fp_flush_leave(fp_mode old)
{
#if defined(__SSE__)
	_mm_setcsr(old);
#else
	(void)old;
#endif
}

/* Phase 1 for shard s: gather, forward, backward into grads[s]. */
static void
run_shard(trainer *tr, size_t s)
{
	nn_model *m = tr->m;
	size_t lo, hi, rows, D = tr->D, K = m->nout;
	const int classify = m->task != NN_TASK_REGRESSION;
	const fp_mode fp = fp_flush_enter();

	shard_bounds(tr->B, tr->S, s, &lo, &hi);
	rows = hi - lo;
	for (size_t i = 0; i < rows; i++) {
		size_t r = tr->perm[tr->start + lo + i];
		if (!tr->part)          /* else fetch_rows did */
			memcpy(tr->xs[s] + i * D, tr->x + r * D, D * sizeof(float));
		if (classify)
			tr->ys[s][i] = tr->y[r];
		else
			tr->ts[s][i] = tr->t[r];
	}
	const float *out = nn_forward_train(m, tr->work[s], tr->xs[s], rows,
	    shard_seed(tr, s));
	tr->correct[s] = classify ? count_correct(out, tr->ys[s], rows, K) : 0;
	/* nn_backward_set writes m->grads (no zeroing pass over the P floats
	 * first); give it this shard's buffer through a shallow copy of the
	 * model, so shards never share a gradient. */
	nn_model view = *m;
	view.grads = tr->grads[s];
	tr->loss[s] = nn_backward_set(&view, tr->work[s], tr->xs[s],
	    classify ? tr->ys[s] : NULL, classify ? NULL : tr->ts[s],
	    tr->cfg->class_w, rows);
	fp_flush_leave(fp);
}

/* Add the L1/L2 penalties' gradients to the weights within [lo, hi).  The
 * sign of the weight is taken without a branch (l1 - 0, 0 - l1 or 0 - 0:
 * exactly l1, -l1 or 0), so the loop vectorises: with a branch on the sign,
 * which is random, a --l2 run of W1 spent 40% of its time here. */
NN_CLONES static void
add_penalties(trainer *tr, size_t lo, size_t hi)
{
	const nn_model *m = tr->m;
	const float l1 = tr->cfg->l1, l2 = tr->cfg->l2;
	float *g = m->grads;
	const float *p = m->params;

	for (size_t l = 0; l < m->nlayers; l++) {
		size_t a = m->layers[l].w_off;
		size_t b = a + m->layers[l].nin * m->layers[l].nout;
		if (a < lo)
			a = lo;
		if (b > hi)
			b = hi;
		NN_SIMD
		for (size_t i = a; i < b; i++) {
			const float pi = p[i];
			const float sgn = (pi > 0.0f ? l1 : 0.0f) -
			    (pi < 0.0f ? l1 : 0.0f);
			g[i] += l2 * pi + sgn;
		}
	}
}

/* What phase 3 needs of block b's gradient [lo, hi): whether it is finite
 * and, when --clip-norm needs the norm, its sum of squares (in double, in an
 * order fixed by the block, never by the threads).  Without clipping only
 * finiteness counts, and a float sum of g * 0 says it (0, or NaN when a g is
 * infinite or NaN) at a quarter of the cost of the squares in double. */
static void
block_check(trainer *tr, size_t b, size_t lo, size_t hi)
{
	const float *g = tr->m->grads;

	if (tr->cfg->clip_norm > 0.0f) {
		double ss = 0.0;
		NN_SIMD_SUM(ss)
		for (size_t i = lo; i < hi; i++)
			ss += (double)g[i] * g[i];
		tr->blk_ss[b] = ss;
		tr->blk_bad[b] = !isfinite(ss);
	} else {
		float z = 0.0f;
		NN_SIMD_SUM(z)
		for (size_t i = lo; i < hi; i++)
			z += g[i] * 0.0f;
		tr->blk_ss[b] = 0.0;
		tr->blk_bad[b] = z != 0.0f;
	}
}

/* Shard s's weight in the batch's mean gradient: its share of the rows. */
static float
shard_weight(const trainer *tr, size_t s)
{
	size_t a, z;

	shard_bounds(tr->B, tr->S, s, &a, &z);
	return (float)(z - a) / (float)tr->B;
}

/* Phase 2 for block b: the weighted sum over shards in shard order, then
 * what phase 3 must know of it.  The first two shards are summed in one pass
 * (w0 g0 + w1 g1 rounds as g = w0 g0; g += w1 g1 does); the rest are added
 * one by one, so the order of additions is that of the shard index alone. */
static void
reduce_block(trainer *tr, size_t b)
{
	size_t lo = b * BLK, hi = lo + BLK < tr->P ? lo + BLK : tr->P;
	const size_t n = hi - lo, o = lo - tr->base;
	float *g = tr->m->grads + lo;           /* (n) */
	const fp_mode fp = fp_flush_enter();

	if (tr->S == 1) {
		memcpy(g, tr->src[0] + o, n * sizeof(float));
	} else {
		const float w0 = shard_weight(tr, 0), w1 = shard_weight(tr, 1);
		const float *g0 = tr->src[0] + o, *g1 = tr->src[1] + o;
		NN_SIMD
		for (size_t i = 0; i < n; i++)
			g[i] = w0 * g0[i] + w1 * g1[i];
		for (size_t s = 2; s < tr->S; s++) {
			const float w = shard_weight(tr, s);
			const float *gs = tr->src[s] + o;
			NN_SIMD
			for (size_t i = 0; i < n; i++)
				g[i] += w * gs[i];
		}
	}
	if (tr->cfg->l1 > 0.0f || tr->cfg->l2 > 0.0f)
		add_penalties(tr, lo, hi);
	block_check(tr, b, lo, hi);
	fp_flush_leave(fp);
}

/* Phase 3 for block b: clip, then step. */
static void
update_block(trainer *tr, size_t b)
{
	float *g = tr->m->grads;
	size_t lo = b * BLK, hi = lo + BLK < tr->P ? lo + BLK : tr->P;
	const float cv = tr->cfg->clip_value, sc = tr->clip_scale;
	const fp_mode fp = fp_flush_enter();

	if (sc != 1.0f)
		for (size_t i = lo; i < hi; i++)
			g[i] *= sc;
	if (cv > 0.0f)
		for (size_t i = lo; i < hi; i++)
			g[i] = g[i] > cv ? cv : g[i] < -cv ? -cv : g[i];
	nn_optim_update(tr->opt, tr->lr, tr->m->params, g, lo, hi);
	fp_flush_leave(fp);
}

/* Thread k's blocks of this rank's [blo, bhi) (all of them on one rank). */
static void
block_range(const trainer *tr, int k, size_t *lo, size_t *hi)
{
	const size_t n = tr->bhi - tr->blo;

	if (tr->P < PAR_PARAMS) {       /* thread 0 does it all */
		*lo = tr->blo;
		*hi = k == 0 ? tr->bhi : tr->blo;
		return;
	}
	*lo = tr->blo + n * (size_t)k / (size_t)tr->T;
	*hi = tr->blo + n * (size_t)(k + 1) / (size_t)tr->T;
}

/* One thread's share of a batch phase; k in [0, T). */
static void
batch_part(trainer *tr, int k, int phase)
{
	size_t lo, hi;

	if (phase == 1) {
		/* this rank's shards R, R + N, ...; its threads deal them */
		const size_t N = (size_t)tr->N;
		for (size_t s = (size_t)tr->R + N * (size_t)k; s < tr->S;
		    s += N * (size_t)tr->T)
			run_shard(tr, s);
		return;
	}
	block_range(tr, k, &lo, &hi);
	for (size_t b = lo; b < hi; b++)
		if (phase == 2)
			reduce_block(tr, b);
		else if (tr->do_update)
			update_block(tr, b);
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
		sb_wait(&tr->bar);          /* batch ready */
		if (tr->quit)
			break;
		batch_part(tr, a->k, 1);
		sb_wait(&tr->bar);
		if (tr->N > 1)
			sb_wait(&tr->bar);  /* the ranks exchange */
		batch_part(tr, a->k, 2);
		sb_wait(&tr->bar);          /* main decides */
		sb_wait(&tr->bar);
		batch_part(tr, a->k, 3);
		sb_wait(&tr->bar);          /* batch done */
	}
	return NULL;
}

static void
sync_threads(trainer *tr)
{
	if (tr->T > 1)
		sb_wait(&tr->bar);
}

/* Per-layer norms of the weights (not biases) of v: out (nlayers). */
static void
layer_norms(const nn_model *m, const float *v, const float *sub, double *out)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		double ss = 0.0;
		for (size_t i = L->w_off; i < L->w_off + L->nin * L->nout; i++) {
			double d = sub ? (double)v[i] - sub[i] : v[i];
			ss += d * d;
		}
		out[l] = sqrt(ss);
	}
}

/* ---- several ranks: reduce-scatter, then all-gather ------------------
 *
 * Rank q owns the parameter blocks [sb[q], sb[q + 1]): it alone sums them
 * over the shards (phase 2) and steps them (phase 3).  After phase 1 one
 * swap hands each owner its slice of every shard's gradient (grad_swap);
 * after phase 2 each block's finiteness and sum of squares, and each
 * shard's loss and statistics, go to every rank (share_checks), so all
 * decide alike; after phase 3 the owners' slices of the parameters go to
 * every rank (share_slices).  The additions are those of one process, in
 * its order; only who makes them changes.  A rank receives
 * (S - its shards) P / N floats of gradient and (N - 1) P / N of
 * parameters a step, instead of (S - its shards) P. */

/* The first float of rank q's slice (q = N: P). */
static size_t
soff(const trainer *tr, size_t q)
{
	const size_t f = tr->sb[q] * BLK;

	return f < tr->P ? f : tr->P;
}

/* Shards of the current batch that rank q computes: q, q + N, ... */
static size_t
shards_of(const trainer *tr, size_t q)
{
	const size_t N = (size_t)tr->N;

	return tr->S > q ? (tr->S - q + N - 1) / N : 0;
}

/* After phase 1: every shard's gradient over this rank's blocks into
 * grecv, shard by shard from the ranks that computed them, and src
 * pointing at them.  What rank q gets from this one is, for each shard
 * this one computed (in shard order), the floats of q's slice; what it
 * gets from q arrives, in q order, as q's shards in shard order, so shard
 * j N + q's slice lies whole in grecv.  Returns 0 or -1 (e says why). */
static int
grad_swap(trainer *tr, nn_err *e)
{
	const size_t N = (size_t)tr->N, R = (size_t)tr->R;
	const size_t mine = shards_of(tr, R), len = soff(tr, R + 1) - soff(tr, R);
	const float *send = tr->gsend;
	size_t at = 0;

	for (size_t q = 0; q < N; q++) {
		tr->gscount[q] = mine * (soff(tr, q + 1) - soff(tr, q));
		tr->grcount[q] = shards_of(tr, q) * len;
		for (size_t j = 0; j < shards_of(tr, q); j++)
			tr->src[j * N + q] = tr->grecv + (at + j) * len;
		at += shards_of(tr, q);
	}
	/* one shard: its gradient is already its slices in rank order */
	if (mine == 1) {
		send = tr->grads[R];
	} else if (mine > 1) {
		float *p = tr->gsend;
		for (size_t q = 0; q < N; q++)
			for (size_t s = R; s < tr->S; s += N) {
				const size_t a = soff(tr, q), n = soff(tr, q + 1) - a;
				memcpy(p, tr->grads[s] + a, n * sizeof(float));
				p += n;
			}
	}
	return tr->dist->swap(tr->dist->ctx, send, tr->gscount, tr->grecv,
	    tr->grcount, sizeof(float), e);
}

/* After phase 2: each shard's loss, rows right and batch norm statistics
 * from the rank that computed it, each block's blk_ss and blk_bad from its
 * owner, to every rank.  Returns 0 or -1 (e says why). */
static int
share_checks(trainer *tr, nn_err *e)
{
	const nn_model *m = tr->m;
	const size_t S = tr->S, N = (size_t)tr->N;
	const size_t ilen = INFO_HEAD + m->nstats * sizeof(float);
	size_t k = 0;

	for (size_t s = 0; s < S; s++, k++) {
		unsigned char *in = tr->info[s];
		if ((int)(s % N) == tr->R) {
			uint64_t ok = tr->correct[s];
			memcpy(in, &tr->loss[s], 8);
			memcpy(in + 8, &ok, 8);
			if (m->nstats)
				nn_work_bn_get(m, tr->work[s], (float *)(void *)(in +
				    INFO_HEAD));
		}
		tr->xbuf[k] = in;
		tr->xlen[k] = ilen;
		tr->xroot[k] = (int)(s % N);
	}
	for (size_t q = 0; q < N; q++, k += 2) {
		const size_t a = tr->sb[q], n = tr->sb[q + 1] - a;
		tr->xbuf[k] = tr->blk_ss + a;
		tr->xlen[k] = n * sizeof(*tr->blk_ss);
		tr->xbuf[k + 1] = tr->blk_bad + a;
		tr->xlen[k + 1] = n * sizeof(*tr->blk_bad);
		tr->xroot[k] = tr->xroot[k + 1] = (int)q;
	}
	if (tr->dist->share(tr->dist->ctx, tr->xbuf, tr->xlen, tr->xroot, k,
	    e) < 0)
		return -1;
	for (size_t s = 0; s < S; s++) {
		const unsigned char *in = tr->info[s];
		uint64_t ok;
		if ((int)(s % N) == tr->R)
			continue;
		memcpy(&tr->loss[s], in, 8);
		memcpy(&ok, in + 8, 8);
		tr->correct[s] = (size_t)ok;
		if (m->nstats)
			nn_work_bn_set(m, tr->work[s], (const float *)(const void *)(in +
			    INFO_HEAD));
	}
	return 0;
}

/* All-gather: v[0..P) and, unless NULL, w[0..P) on every rank become their
 * slices' owners' (what one process holds: params after a step, the
 * reduced gradient, the optimizer's moments).  Returns 0 or -1. */
static int
share_slices(trainer *tr, float *v, float *w, nn_err *e)
{
	const size_t N = (size_t)tr->N;
	size_t k = 0;

	for (size_t q = 0; q < N; q++)
		for (int i = 0; i < 2; i++) {
			float *x = i ? w : v;
			if (x == NULL)
				continue;
			tr->xbuf[k] = x + soff(tr, q);
			tr->xlen[k] = (soff(tr, q + 1) - soff(tr, q)) * sizeof(float);
			tr->xroot[k++] = (int)q;
		}
	return tr->dist->share(tr->dist->ctx, tr->xbuf, tr->xlen, tr->xroot, k,
	    e);
}

/* The rank holding row r: the last q with own[q] <= r (ranks holding no
 * rows share their first row with the next). */
static int
row_owner(const size_t *own, int N, size_t r)
{
	int lo = 0, hi = N - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (own[mid] <= r)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Before phase 1 with rows shared out: the rows of this rank's shards into
 * xs, its own copied, the others' in one swap.  Every rank knows the
 * batch's rows (perm) and who holds each (own), so each works out alone
 * what it sends whom and gets from whom: rank c gets from this one the rows
 * of c's shards this one holds, in shard order and row order within a
 * shard -- the order in which c, walking its shards, expects them.
 * Returns 0 or -1 (e says why). */
static int
fetch_rows(trainer *tr, nn_err *e)
{
	const size_t D = tr->D, N = (size_t)tr->N, R = (size_t)tr->R;
	const size_t row = D * sizeof(float), lo = tr->own[R];
	const uint32_t *perm = tr->perm + tr->start;
	size_t *sc = tr->scount, *rc = tr->rcount, *cur = tr->cur, off;

	memset(sc, 0, N * sizeof(*sc));
	memset(rc, 0, N * sizeof(*rc));
	for (size_t s = 0; s < tr->S; s++) {
		size_t a, b, c = s % N;
		shard_bounds(tr->B, tr->S, s, &a, &b);
		for (size_t i = a; i < b; i++) {
			size_t q = (size_t)row_owner(tr->own, tr->N, perm[i]);
			tr->who[i] = (int)q;
			if (q == R && c != R)
				sc[c]++;
			else if (c == R && q != R)
				rc[q]++;
		}
	}
	off = 0;
	for (size_t q = 0; q < N; off += sc[q++])
		cur[q] = off;
	for (size_t s = 0; s < tr->S; s++) {
		size_t a, b, c = s % N;
		if (c == R)
			continue;
		shard_bounds(tr->B, tr->S, s, &a, &b);
		for (size_t i = a; i < b; i++)
			if ((size_t)tr->who[i] == R)
				memcpy(tr->sendx + cur[c]++ * D, tr->x +
				    (perm[i] - lo) * D, row);
	}
	if (tr->dist->swap(tr->dist->ctx, tr->sendx, sc, tr->recvx, rc, row,
	    e) < 0)
		return -1;
	off = 0;
	for (size_t q = 0; q < N; off += rc[q++])
		cur[q] = off;
	for (size_t s = R; s < tr->S; s += N) {
		size_t a, b;
		shard_bounds(tr->B, tr->S, s, &a, &b);
		for (size_t i = a; i < b; i++) {
			size_t q = (size_t)tr->who[i];
			const float *src = q == R ? tr->x + (perm[i] - lo) * D :
			    tr->recvx + cur[q]++ * D;
			memcpy(tr->xs[s] + (i - a) * D, src, row);
		}
	}
	return 0;
}

/* Run one batch on all threads.  Returns 0; -2 if the loss is not finite,
 * -1 if a gradient is not finite (nothing updated then); -3 if the ranks
 * could not exchange (e says why).  On several ranks, m->grads is whole
 * after a step only with cfg->stats (which reads it), or after a refused
 * one (to name the layer); elsewhere it holds this rank's slice. */
static int
run_batch(trainer *tr, double *loss, size_t *correct, size_t *bad_layer,
    nn_err *e)
{
	double l = 0.0, ss = 0.0;
	int bad = 0;

	int xrc = 0;

	/* the workers wait for the batch meanwhile */
	if (tr->part && fetch_rows(tr, e) < 0)
		return -3;
	sync_threads(tr);
	batch_part(tr, 0, 1);
	sync_threads(tr);
	if (tr->N > 1) {        /* the workers wait at the barrier meanwhile */
		xrc = grad_swap(tr, e);
		sync_threads(tr);
	}
	batch_part(tr, 0, 2);
	sync_threads(tr);
	if (tr->N > 1 && xrc == 0)
		xrc = share_checks(tr, e);
	*correct = 0;
	for (size_t s = 0; s < tr->S; s++) {
		size_t a, b;
		shard_bounds(tr->B, tr->S, s, &a, &b);
		l += tr->loss[s] * (double)(b - a);
		*correct += tr->correct[s];
	}
	l /= (double)tr->B;
	for (size_t b = 0; b < tr->nblk; b++) {
		ss += tr->blk_ss[b];
		bad |= tr->blk_bad[b];
	}
	tr->clip_scale = 1.0f;
	if (tr->cfg->clip_norm > 0.0f && sqrt(ss) > tr->cfg->clip_norm)
		tr->clip_scale = (float)(tr->cfg->clip_norm / sqrt(ss));
	tr->do_update = isfinite(l) && !bad && xrc == 0;
	if (tr->do_update)
		nn_optim_begin(tr->opt);
	/* batch norm's running statistics: once per step, shard by shard in
	 * order, on this thread while the workers wait */
	if (tr->do_update && tr->m->nstats > 0) {
		size_t rows[MAX_SHARDS];
		for (size_t s = 0; s < tr->S; s++) {
			size_t a, b;
			shard_bounds(tr->B, tr->S, s, &a, &b);
			rows[s] = b - a;
		}
		nn_bn_update(tr->m, tr->work, rows, tr->S);
	}
	sync_threads(tr);
	batch_part(tr, 0, 3);
	sync_threads(tr);
	*loss = l;
	if (xrc < 0)
		return -3;
	if (tr->N > 1 && (tr->do_update || bad) && share_slices(tr,
	    tr->do_update ? tr->m->params : NULL, tr->cfg->stats || !tr->do_update ?
	    tr->m->grads : NULL, e) < 0)
		return -3;
	if (!tr->do_update) {
		/* name the layer: the one nearest the output with a non-finite
		 * gradient (backprop runs from the output down) */
		const nn_model *m = tr->m;
		*bad_layer = m->nlayers;
		for (size_t ly = m->nlayers; bad && ly-- > 0;) {
			const nn_dense *L = &m->layers[ly];
			/* every parameter of the layer: w, b, gamma, beta */
			size_t end = ly + 1 < m->nlayers ? m->layers[ly + 1].w_off :
			    m->nparams, i;
			for (i = L->w_off; i < end && isfinite(m->grads[i]); i++)
				;
			if (i < end) {
				*bad_layer = ly + 1;
				break;
			}
		}
		return isfinite(l) ? -1 : -2;
	}
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ====================================================================== */
/* Set-up, the epoch loop, checkpoint                                     */
/* ====================================================================== */

/* On several ranks: the slices and what the exchanges need. */
static void
trainer_ranks(trainer *tr)
{
	const size_t N = (size_t)tr->N, R = (size_t)tr->R;
	size_t len, mine = 0;

	tr->info = nn_xcalloc(tr->smax, sizeof(*tr->info));
	for (size_t s = 0; s < tr->smax; s++)
		tr->info[s] = nn_xmalloc(INFO_HEAD + tr->m->nstats * sizeof(float));
	tr->xbuf = nn_xcalloc(tr->smax + 2 * N, sizeof(*tr->xbuf));
	tr->xlen = nn_xcalloc(tr->smax + 2 * N, sizeof(*tr->xlen));
	tr->xroot = nn_xcalloc(tr->smax + 2 * N, sizeof(*tr->xroot));
	tr->sb = nn_xmalloc((N + 1) * sizeof(*tr->sb));
	for (size_t q = 0; q <= N; q++)
		tr->sb[q] = tr->nblk * q / N;
	tr->blo = tr->sb[R];
	tr->bhi = tr->sb[R + 1];
	tr->base = soff(tr, R);
	len = soff(tr, R + 1) - tr->base;
	for (size_t s = R; s < tr->smax; s += N)
		mine++;
	tr->grecv = nn_xcalloc(tr->smax * len + 1, sizeof(float));
	if (mine > 1)
		tr->gsend = nn_xmalloc(mine * tr->P * sizeof(float));
	tr->gscount = nn_xmalloc(N * sizeof(size_t));
	tr->grcount = nn_xmalloc(N * sizeof(size_t));
}

static void
trainer_init(trainer *tr, nn_model *m, const nn_train_cfg *cfg, size_t bs)
{
	const int classify = m->task != NN_TASK_REGRESSION;
	size_t rows = 0;

	if (m->grads == NULL)           /* a model read from a file */
		nn_zero_grad(m);
	tr->m = m;
	tr->cfg = cfg;
	tr->D = m->nin;
	tr->P = m->nparams;
	tr->bs = bs;
	tr->seed = cfg->seed ^ NN_STREAM_SHUFFLE;
	tr->nblk = (tr->P + BLK - 1) / BLK;
	/* The largest shard and the most shards of any batch size up to
	 * bs: the last, smaller batch of an epoch has fewer shards, and its
	 * shards can be larger than those of a full batch. */
	tr->smax = 1;
	for (size_t b = 1; b <= bs; b++) {
		size_t S = nn_train_shards(b), r = (b + S - 1) / S;
		if (r > rows)
			rows = r;
		if (S > tr->smax)
			tr->smax = S;
	}
	/* more threads than shards or blocks would only wait */
	tr->T = cfg->threads < 1 ? 1 : cfg->threads;
	if ((size_t)tr->T > tr->smax && tr->P < PAR_PARAMS)
		tr->T = (int)tr->smax;
	if (tr->T > MAX_SHARDS)
		tr->T = MAX_SHARDS;
	tr->opt = nn_optim_new(&cfg->opt, tr->P);
	tr->dist = cfg->dist;
	tr->R = tr->dist != NULL && tr->dist->size > 1 ? tr->dist->rank : 0;
	tr->N = tr->dist != NULL && tr->dist->size > 1 ? tr->dist->size : 1;
	tr->src = nn_xcalloc(tr->smax, sizeof(*tr->src));
	tr->blo = 0;
	tr->bhi = tr->nblk;
	if (tr->N > 1)
		trainer_ranks(tr);
	tr->work = nn_xcalloc(tr->smax, sizeof(*tr->work));
	tr->grads = nn_xcalloc(tr->smax, sizeof(*tr->grads));
	tr->xs = nn_xcalloc(tr->smax, sizeof(*tr->xs));
	tr->ys = nn_xcalloc(tr->smax, sizeof(*tr->ys));
	tr->ts = nn_xcalloc(tr->smax, sizeof(*tr->ts));
	tr->loss = nn_xcalloc(tr->smax, sizeof(*tr->loss));
	tr->correct = nn_xcalloc(tr->smax, sizeof(*tr->correct));
	tr->blk_ss = nn_xcalloc(tr->nblk, sizeof(*tr->blk_ss));
	tr->blk_bad = nn_xcalloc(tr->nblk, sizeof(*tr->blk_bad));
	for (size_t s = 0; s < tr->smax; s++) {
		tr->work[s] = nn_work_new(m, rows);
		/* on several ranks, only for the shards this one computes */
		if (s % (size_t)tr->N == (size_t)tr->R)
			tr->grads[s] = nn_xmalloc(tr->P * sizeof(float));
		if (tr->N == 1)
			tr->src[s] = tr->grads[s];
		tr->xs[s] = nn_xmalloc(rows * tr->D * sizeof(float));
		if (classify)
			tr->ys[s] = nn_xmalloc(rows * sizeof(uint32_t));
		else
			tr->ts[s] = nn_xmalloc(rows * sizeof(float));
	}
}

static void
threads_start(trainer *tr, worker_arg **args)
{
	int made = 1;

	if (tr->T <= 1)
		return;
	sb_init(&tr->bar, (unsigned)tr->T);
	pthread_mutex_init(&tr->gate_mu, NULL);
	pthread_cond_init(&tr->gate_cv, NULL);
	tr->th = nn_xcalloc((size_t)tr->T, sizeof(*tr->th));
	*args = nn_xcalloc((size_t)tr->T, sizeof(**args));
	for (; made < tr->T; made++) {
		(*args)[made].tr = tr;
		(*args)[made].k = made;
		if (pthread_create(&tr->th[made], NULL, worker, &(*args)[made]) != 0)
			break;
	}
	/* Fewer threads than asked is no error: the result does not depend on
	 * the count.  Release the ones made and go on alone. */
	pthread_mutex_lock(&tr->gate_mu);
	tr->gate = made == tr->T ? 1 : -1;
	pthread_cond_broadcast(&tr->gate_cv);
	pthread_mutex_unlock(&tr->gate_mu);
	if (made < tr->T) {
		for (int k = 1; k < made; k++)
			pthread_join(tr->th[k], NULL);
		tr->T = 1;
	}
}

static void
trainer_free(trainer *tr)
{
	if (tr->T > 1) {
		tr->quit = 1;
		sb_wait(&tr->bar);
		for (int k = 1; k < tr->T; k++)
			pthread_join(tr->th[k], NULL);
	}
	if (tr->th != NULL) {
		pthread_mutex_destroy(&tr->gate_mu);
		pthread_cond_destroy(&tr->gate_cv);
	}
	free(tr->th);
	for (size_t s = 0; s < tr->smax; s++) {
		nn_work_free(tr->work[s]);
		free(tr->grads[s]);
		free(tr->xs[s]);
		free(tr->ys[s]);
		free(tr->ts[s]);
	}
	free(tr->work);
	free(tr->grads);
	free(tr->xs);
	free(tr->ys);
	free(tr->ts);
	free(tr->loss);
	free(tr->correct);
	free(tr->blk_ss);
	free(tr->blk_bad);
	for (size_t s = 0; tr->info != NULL && s < tr->smax; s++)
		free(tr->info[s]);
	free(tr->info);
	free(tr->xbuf);
	free(tr->xlen);
	free(tr->xroot);
	free(tr->sb);
	free(tr->gsend);
	free(tr->grecv);
	free(tr->gscount);
	free(tr->grcount);
	free(tr->src);
	free(tr->own);
	free(tr->who);
	free(tr->sendx);
	free(tr->recvx);
	free(tr->scount);
	free(tr->rcount);
	free(tr->cur);
	nn_optim_free(tr->opt);
}

/* With rows shared out: the trainer takes own (N + 1, rows_owners's) and
 * the buffers of fetch_rows. */
static void
trainer_part(trainer *tr, size_t *own)
{
	const size_t N = (size_t)tr->N;

	tr->part = 1;
	tr->own = own;
	tr->who = nn_xmalloc(tr->bs * sizeof(*tr->who));
	tr->sendx = nn_xmalloc(tr->bs * tr->D * sizeof(float));
	tr->recvx = nn_xmalloc(tr->bs * tr->D * sizeof(float));
	tr->scount = nn_xmalloc(N * sizeof(size_t));
	tr->rcount = nn_xmalloc(N * sizeof(size_t));
	tr->cur = nn_xmalloc(N * sizeof(size_t));
}

static float *
dup_floats(const float *v, size_t n)
{
	return v ? memcpy(nn_xmalloc(n * sizeof(float)), v, n * sizeof(float)) : NULL;
}

/* Store the state to resume from in m->ckpt. */
static void
save_ckpt(nn_model *m, const nn_optim *o, const nn_rng *rng, size_t epoch,
    size_t row)
{
	nn_ckpt *c = m->ckpt;

	if (c == NULL)
		c = m->ckpt = nn_xcalloc(1, sizeof(*c));
	free(c->m);
	free(c->v);
	c->opt = o->c;
	c->t = o->t;
	c->m = dup_floats(o->m, o->n);
	c->v = dup_floats(o->v, o->n);
	c->epoch = epoch;
	c->row = row;
	c->rng = *rng;
}

/* Early stopping and the plateau schedule, on the validation loss. */
typedef struct watch {
	double best;             /* lowest validation loss so far */
	size_t best_epoch, bad;
	float *best_params;      /* (P + nstats) weights, then batch norm's
	                            running statistics, of the best epoch; only
	                            with patience */
	double plateau_best;
	size_t plateau_bad;
} watch;

/* After epoch ep with validation loss v: 1 if patience has run out.  May
 * lower *lr_factor (reduce-on-plateau). */
static int
watch_epoch(watch *w, const nn_model *m, const nn_train_cfg *cfg, size_t ep,
    double v, double *lr_factor)
{
	int stop = 0;

	if (v < w->best - cfg->min_delta || w->best_epoch == 0) {
		w->best = v;
		w->best_epoch = ep;
		w->bad = 0;
		if (w->best_params != NULL) {
			memcpy(w->best_params, m->params, m->nparams * sizeof(float));
			if (m->nstats)
				memcpy(w->best_params + m->nparams, m->stats,
				    m->nstats * sizeof(float));
		}
	} else if (++w->bad >= cfg->patience && cfg->patience > 0) {
		stop = 1;
	}
	if (cfg->sched.kind == NN_SCHED_PLATEAU) {
		if (v < w->plateau_best - cfg->min_delta) {
			w->plateau_best = v;
			w->plateau_bad = 0;
		} else if (++w->plateau_bad >= cfg->sched.step) {
			*lr_factor *= cfg->sched.gamma;
			w->plateau_bad = 0;
		}
	}
	return stop;
}

/* Whether to stop now (cfg->stop): on several ranks, when any rank's flag
 * is set -- they must stop after the same batch -- and then every rank's
 * flag holds the largest.  -1 when the ranks cannot agree (e says why). */
static int
stop_now(const trainer *tr, const nn_train_cfg *cfg, nn_err *e)
{
	int v;

	if (cfg->stop == NULL)
		return 0;
	v = *cfg->stop;
	if (tr->N > 1) {
		if (tr->dist->max(tr->dist->ctx, &v, e) < 0)
			return -1;
		if (v != 0)
			*cfg->stop = v;
	}
	return v != 0;
}

int
nn_train(nn_model *m, const nn_rows *rows, const nn_train_cfg *cfg,
    nn_train_res *res, nn_err *e)
{
	const size_t n = rows->n;
	const size_t bs = cfg->batch < n ? cfg->batch : n;
	const size_t L = m->nlayers;
	const nn_rows *val = cfg->val != NULL && cfg->val->n > 0 ? cfg->val : NULL;
	trainer tr = { 0 };
	worker_arg *args = NULL;
	watch wt = { .best = INFINITY, .plateau_best = INFINITY };
	nn_rng rng, rng_epoch;
	uint32_t *perm;
	size_t *own = NULL;
	int part = 0;
	size_t e0 = 0, row0 = 0, done = 0, stop_row = 0;
	double loss = 0.0, lr_factor = 1.0;
	double *gn = NULL, *wn = NULL, *ur = NULL;
	float *prev = NULL;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (n == 0 || bs == 0 || cfg->epochs == 0)
		return nn_errf(e, "nothing to train on");
	if (n > UINT32_MAX)
		return nn_errf(e, "too many rows (%zu)", n);
	if (cfg->resume && m->ckpt == NULL)
		return nn_errf(e, "no training state to resume from");
	if (nn_dist_on(cfg->dist)) {
		own = nn_xmalloc(((size_t)cfg->dist->size + 1) * sizeof(*own));
		if ((part = rows_owners(rows, cfg->dist, own, e)) < 0) {
			free(own);
			return -1;
		}
	} else if (rows_whole(rows, e) < 0) {
		return -1;
	}
	trainer_init(&tr, m, cfg, bs);
	if (part)
		trainer_part(&tr, own);
	else
		free(own);
	tr.x = rows->x;
	tr.y = rows->y;
	tr.t = rows->t;
	nn_rng_seed(&rng, tr.seed);
	if (cfg->resume) {
		const nn_ckpt *c = m->ckpt;
		if (c->m && tr.opt->m)
			memcpy(tr.opt->m, c->m, tr.P * sizeof(float));
		if (c->v && tr.opt->v)
			memcpy(tr.opt->v, c->v, tr.P * sizeof(float));
		tr.opt->t = c->t;
		rng = c->rng;
		e0 = (size_t)c->epoch;
		row0 = (size_t)c->row < n ? (size_t)c->row : 0;
	}
	if (cfg->stats) {
		gn = nn_xcalloc(L, sizeof(double));
		wn = nn_xcalloc(L, sizeof(double));
		ur = nn_xcalloc(L, sizeof(double));
		prev = nn_xmalloc(tr.P * sizeof(float));
	}
	if (val != NULL && cfg->patience > 0)
		wt.best_params = nn_xmalloc((m->nparams + m->nstats) *
		    sizeof(float));
	perm = nn_xmalloc(n * sizeof(*perm));
	tr.perm = perm;
	threads_start(&tr, &args);

	const size_t E = e0 + cfg->epochs;
	for (size_t ep = e0 + 1; ep <= E && rc == 0; ep++) {
		double sum = 0.0, t0 = now();
		size_t nb = 0, correct = 0, steps = 0, seen = 0;
		tr.epoch = ep;
		tr.lr = (float)(nn_sched_lr(&cfg->sched, cfg->opt.lr, ep, E) *
		    lr_factor);
		if (cfg->stats)
			for (size_t l = 0; l < L; l++)
				gn[l] = ur[l] = 0.0;
		rng_epoch = rng;
		for (size_t i = 0; i < n; i++)
			perm[i] = (uint32_t)i;
		nn_rng_shuffle(&rng, perm, n);
		for (size_t s = ep == e0 + 1 ? row0 : 0; s < n; s += bs, nb++) {
			double l;
			size_t ok, bad_layer = 0;
			int r;
			tr.start = s;
			tr.B = n - s < bs ? n - s : bs;
			tr.S = nn_train_shards(tr.B);
			if (cfg->stats)
				memcpy(prev, m->params, tr.P * sizeof(float));
			if ((r = run_batch(&tr, &l, &ok, &bad_layer, e)) == -3) {
				rc = -1;
				break;
			}
			if (r < 0) {
				res->bad_epoch = ep;
				res->bad_batch = s / bs + 1;
				res->bad_layer = bad_layer;
				rc = nn_errf(e, "%s is not finite at epoch %zu, batch %zu, "
				    "layer %zu (lower the learning rate, or clip with "
				    "--clip-norm)", r == -2 ? "loss" : "gradient", ep,
				    s / bs + 1, bad_layer);
				break;
			}
			sum += l * (double)tr.B;
			if (cfg->on_batch != NULL)
				cfg->on_batch(cfg->ctx, ep, s / bs + 1, (n + bs - 1) / bs, l);
			correct += ok;
			seen += tr.B;
			steps++;
			if (cfg->stats) {
				double a[L], b[L];
				layer_norms(m, m->grads, NULL, a);
				layer_norms(m, m->params, prev, b);
				layer_norms(m, m->params, NULL, wn);
				for (size_t k = 0; k < L; k++) {
					gn[k] += a[k];
					ur[k] += wn[k] > 0.0 ? b[k] / wn[k] : 0.0;
				}
			}
			if ((r = stop_now(&tr, cfg, e)) < 0) {
				rc = -1;
				break;
			}
			if (r && s + tr.B < n) {
				res->stopped = 1;
				stop_row = s + tr.B;
				break;
			}
		}
		if (rc != 0)
			break;
		if (res->stopped) {
			done = ep - 1;
			rng = rng_epoch;   /* resume re-draws this epoch's order */
			break;
		}
		done = ep;
		loss = seen ? sum / (double)seen : 0.0;
		nn_epoch info = {
			.epoch = ep, .loss = loss, .lr = tr.lr,
			.acc = m->task == NN_TASK_REGRESSION ? NAN :
			    (double)correct / (double)(seen ? seen : 1),
			.val_loss = NAN, .val_acc = NAN,
			.seconds = now() - t0, .nlayers = L,
		};
		int early = 0;
		if (val != NULL) {
			/* with ranks, shared out among them */
			if (nn_evaluate_dist(m, val, cfg->dist, &info.val_loss,
			    &info.val_acc, e) < 0) {
				rc = -1;
				break;
			}
			early = watch_epoch(&wt, m, cfg, ep, info.val_loss, &lr_factor);
		}
		if (cfg->stats) {
			for (size_t k = 0; k < L; k++) {
				gn[k] /= (double)(steps ? steps : 1);
				ur[k] /= (double)(steps ? steps : 1);
			}
			info.grad_norm = gn;
			info.weight_norm = wn;
			info.update_ratio = ur;
		}
		int r;
		int quit = cfg->on_epoch != NULL && cfg->on_epoch(cfg->ctx, &info) != 0;
		/* every rank ends where any would (the callback's reasons may be
		 * its own: a clock, a file) */
		if (tr.N > 1 && tr.dist->max(tr.dist->ctx, &quit, e) < 0) {
			rc = -1;
			break;
		}
		if (quit || early)
			break;
		if ((r = stop_now(&tr, cfg, e)) < 0) {
			rc = -1;
			break;
		}
		if (r) {
			res->stopped = 1;
			break;
		}
	}
	/* the checkpoint holds one process's moments: each rank has stepped
	 * only its slice of them */
	if (rc == 0 && tr.N > 1 && (tr.opt->m != NULL || tr.opt->v != NULL) &&
	    share_slices(&tr, tr.opt->m, tr.opt->v, e) < 0)
		rc = -1;
	if (rc == 0) {
		save_ckpt(m, tr.opt, &rng, done, stop_row);
		res->loss = loss;
		res->epoch = done;
		res->row = stop_row;
		res->best_epoch = wt.best_epoch;
		res->best_val = wt.best_epoch ? wt.best : NAN;
		/* With early stopping the model is the best epoch's.  Its
		 * optimizer moments belong to a later epoch, so the checkpoint
		 * goes: such a model is fine-tuned with --init-from, not
		 * resumed.  A stop by signal keeps the checkpoint instead. */
		if (wt.best_params != NULL && !res->stopped &&
		    wt.best_epoch != done) {
			memcpy(m->params, wt.best_params, m->nparams * sizeof(float));
			if (m->nstats)
				memcpy(m->stats, wt.best_params + m->nparams,
				    m->nstats * sizeof(float));
			nn_ckpt_free(m->ckpt);
			m->ckpt = NULL;
			res->kept_best = 1;
		}
	}
	trainer_free(&tr);
	free(args);
	free(perm);
	free(gn);
	free(wn);
	free(ur);
	free(prev);
	free(wt.best_params);
	return rc;
}

/* ====================================================================== */
/* Evaluation                                                             */
/* ====================================================================== */

/* Evaluation runs in blocks of this many of the n rows: at most 1024,
 * fewer when the network is deep.  One rule for nn_evaluate and
 * nn_evaluate_dist, whose sums must be the same bytes. */
static size_t
eval_rows(const nn_model *m, size_t n)
{
	return nn_work_rows(m, 0, NN_WORK_BUDGET, n < 1024 ? (n ? n : 1) : 1024);
}

/* Rows [s, s + B) of r, x at bx (B, D): the block's term of the loss sum
 * (its mean loss times B, one value, so no compiler fuses the product into
 * the caller's addition differently in the two callers); *ok the rows
 * right. */
static double
eval_block(const nn_model *m, nn_work *w, const nn_rows *r, const float *bx,
    size_t s, size_t B, size_t *ok)
{
	const size_t K = m->nout;
	const int classify = m->task != NN_TASK_REGRESSION;
	const float *out = nn_forward(m, w, bx, B);
	double v = nn_loss_forward(m->loss, nn_work_logits(w),
	    classify ? r->y + s : NULL, classify ? NULL : r->t + s, NULL, B, K);

	*ok = classify ? count_correct(out, r->y + s, B, K) : 0;
	return v * (double)B;
}

double
nn_evaluate(const nn_model *m, const nn_rows *r, double *acc)
{
	const size_t n = r->n, EB = eval_rows(m, n), D = m->nin;
	nn_work *w = nn_work_new(m, EB);
	const int classify = m->task != NN_TASK_REGRESSION;
	double sum = 0.0;
	size_t ok = 0;

	for (size_t s = 0; s < n; s += EB) {
		size_t B = n - s < EB ? n - s : EB, k;
		double v = eval_block(m, w, r, r->x + s * D, s, B, &k);
		sum += v;
		ok += k;
	}
	nn_work_free(w);
	if (acc != NULL)
		*acc = classify && n ? (double)ok / (double)n : NAN;
	return n ? sum / (double)n : NAN;
}

/* Rows [a, b) and [c, d) in common. */
static size_t
overlap(size_t a, size_t b, size_t c, size_t d)
{
	size_t lo = a > c ? a : c, hi = b < d ? b : d;

	return hi > lo ? hi - lo : 0;
}

/* Round j of nn_evaluate_dist on rows shared out: rank c evaluates block
 * j N + c, whose rows come from the ranks holding them; rows of one rank
 * are consecutive, so what this rank sends lies in one run of its x, and
 * what it gets arrives in row order.  xb (EB, D) receives the block. */
static int
eval_fetch(const nn_rows *r, const nn_dist *d, const size_t *own, size_t EB,
    size_t j, float *xb, size_t *sc, size_t *rc, nn_err *e)
{
	const size_t N = (size_t)d->size, R = (size_t)d->rank, n = r->n;
	const size_t lo = own[R], hi = own[R + 1], D = r->d;
	const size_t first = j * N * EB;        /* the round's first row */
	const size_t mb = first + R * EB;       /* this rank's block */
	const float *send = r->x;

	for (size_t c = 0; c < N; c++) {
		size_t cb = first + c * EB;
		cb = cb < n ? cb : n;
		sc[c] = overlap(cb, cb + EB < n ? cb + EB : n, lo, hi);
		rc[c] = mb < n ? overlap(mb, mb + EB < n ? mb + EB : n, own[c],
		    own[c + 1]) : 0;
	}
	if (overlap(first, first + N * EB, lo, hi) > 0)
		send = r->x + ((first > lo ? first : lo) - lo) * D;
	return d->swap(d->ctx, send, sc, xb, rc, D * sizeof(float), e);
}

int
nn_evaluate_dist(const nn_model *m, const nn_rows *r, const nn_dist *d,
    double *loss, double *acc, nn_err *e)
{
	const size_t n = r->n, EB = eval_rows(m, n), D = m->nin;
	const int classify = m->task != NN_TASK_REGRESSION;
	size_t N, R, nb, mine, *own, *sc, *rc, *lens, ok = 0;
	double *res, sum = 0.0;
	float *xb = NULL;
	void *all = NULL;
	nn_work *w;
	int part, ret = -1;

	if (!nn_dist_on(d) || n == 0) {
		if (rows_whole(r, e) < 0)
			return -1;
		*loss = nn_evaluate(m, r, acc);
		return 0;
	}
	N = (size_t)d->size;
	R = (size_t)d->rank;
	own = nn_xmalloc((N + 1) * sizeof(*own));
	if ((part = rows_owners(r, d, own, e)) < 0) {
		free(own);
		return -1;
	}
	nb = (n + EB - 1) / EB;
	mine = nb > R ? (nb - R + N - 1) / N : 0;
	res = nn_xmalloc((mine ? mine : 1) * 2 * sizeof(*res));
	sc = nn_xmalloc(N * sizeof(*sc));
	rc = nn_xmalloc(N * sizeof(*rc));
	lens = nn_xmalloc(N * sizeof(*lens));
	w = nn_work_new(m, EB);
	if (part)
		xb = nn_xmalloc(EB * D * sizeof(float));
	/* block b on rank b % N; the rounds fetch one block per rank */
	for (size_t j = 0; j * N < nb; j++) {
		const size_t b = j * N + R, s = b * EB;
		const size_t B = b < nb ? (n - s < EB ? n - s : EB) : 0;
		size_t k;
		if (part && eval_fetch(r, d, own, EB, j, xb, sc, rc, e) < 0)
			goto out;
		if (B == 0)
			continue;
		res[2 * j] = eval_block(m, w, r, part ? xb : r->x + s * D, s, B,
		    &k);
		res[2 * j + 1] = (double)k;     /* exact below 2^53 */
	}
	if (nn_dist_gather(d, res, mine * 2 * sizeof(*res), &all, lens, e) < 0)
		goto out;
	/* in block order, as nn_evaluate adds them */
	for (size_t b = 0; b < nb; b++) {
		size_t q = b % N, at = 0;
		double v[2];
		for (size_t p = 0; p < q; p++)
			at += lens[p];
		memcpy(v, (unsigned char *)all + at + (b / N) * sizeof(v),
		    sizeof(v));
		sum += v[0];
		ok += (size_t)v[1];
	}
	*loss = sum / (double)n;
	if (acc != NULL)
		*acc = classify ? (double)ok / (double)n : NAN;
	ret = 0;
out:
	free(all);
	free(own);
	free(res);
	free(sc);
	free(rc);
	free(lens);
	free(xb);
	nn_work_free(w);
	return ret;
}

/* ====================================================================== */
/* Fit: scaling, training, folding; cross-validation                      */
/* ====================================================================== */

int
nn_fit(nn_model *m, nn_rows *tr, const nn_train_cfg *cfg, nn_train_res *res,
    nn_err *e)
{
	nn_rows *va = (nn_rows *)cfg->val;  /* the caller's rows, scaled here */
	nn_tscale ts;
	int rc;

	nn_model_scale(m, tr->x, rows_held(tr));
	if (va != NULL)
		nn_model_scale(m, va->x, rows_held(va));
	ts = nn_tscale_fit(m, tr->t, tr->n);
	nn_tscale_apply(&ts, tr->t, tr->n);
	if (va != NULL)
		nn_tscale_apply(&ts, va->t, va->n);
	if (cfg->warm)
		nn_tscale_unfold(m, &ts);
	rc = nn_train(m, tr, cfg, res, e);
	/* also after a divergence: the params hold the last finite state */
	nn_tscale_fold(m, &ts);
	return rc;
}

void
nn_rows_take(nn_rows *out, const nn_rows *r, const uint32_t *idx, size_t k)
{
	const size_t D = r->d;
	size_t lo = 0, hi = k;

	if (r->part) {          /* idx increasing: this rank's come together */
		for (lo = 0; lo < k && idx[lo] < r->lo; lo++)
			;
		for (hi = lo; hi < k && idx[hi] < r->hi; hi++)
			;
	}
	*out = (nn_rows){ .n = k, .d = D, .part = r->part, .lo = lo, .hi = hi };
	out->x = nn_xmalloc((hi - lo ? hi - lo : 1) * D * sizeof(float));
	out->y = r->y ? nn_xmalloc((k ? k : 1) * sizeof(uint32_t)) : NULL;
	out->t = r->t ? nn_xmalloc((k ? k : 1) * sizeof(float)) : NULL;
	for (size_t i = lo; i < hi; i++)
		memcpy(out->x + (i - lo) * D, r->x + ((size_t)idx[i] -
		    (r->part ? r->lo : 0)) * D, D * sizeof(float));
	for (size_t i = 0; i < k; i++) {
		if (r->y)
			out->y[i] = r->y[idx[i]];
		if (r->t)
			out->t[i] = r->t[idx[i]];
	}
}

void
nn_rows_free(nn_rows *r)
{
	free(r->x);
	free(r->y);
	free(r->t);
	memset(r, 0, sizeof(*r));
}

int
nn_cv(nn_model *(*make)(void *ctx, const nn_rows *train), void *ctx,
    const nn_rows *rows, size_t nclass, size_t k, const nn_train_cfg *cfg,
    nn_cv_fold *folds, nn_err *e)
{
	const size_t n = rows->n;
	uint32_t *fold, *itr, *iva;
	nn_train_cfg c = *cfg;
	int rc = 0;

	if (k < 2 || n < k)
		return nn_errf(e, "--cv %zu: only %zu rows", k, n);
	fold = nn_xmalloc(n * sizeof(*fold));
	itr = nn_xmalloc(n * sizeof(*itr));
	iva = nn_xmalloc(n * sizeof(*iva));
	if (nn_split_kfold(rows->y, n, rows->y ? nclass : 0, k, cfg->seed, fold,
	    e) < 0) {
		free(fold);
		free(itr);
		free(iva);
		return -1;
	}
	for (size_t f = 0; f < k && rc == 0; f++) {
		nn_rows tr, va;
		nn_train_res res;
		size_t ntr = 0, nva = 0;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] == f)
				iva[nva++] = (uint32_t)i;
			else
				itr[ntr++] = (uint32_t)i;
		}
		nn_rows_take(&tr, rows, itr, ntr);
		nn_rows_take(&va, rows, iva, nva);
		nn_model *m = make(ctx, &tr);
		c.val = NULL;
		c.warm = 0;
		c.resume = 0;
		if (nn_fit(m, &tr, &c, &res, e) < 0) {
			if (e != NULL) {
				char why[sizeof(e->msg)];
				memcpy(why, e->msg, sizeof(why));
				nn_errf(e, "fold %zu: %s", f + 1, why);
			}
			rc = -1;
		} else if (res.stopped) {
			rc = 1;
		} else {
			nn_model_scale(m, va.x, rows_held(&va));
			folds[f].ntrain = ntr;
			folds[f].nval = nva;
			if (nn_evaluate_dist(m, &va, cfg->dist, &folds[f].val_loss,
			    &folds[f].val_acc, e) < 0)
				rc = -1;
			folds[f].val_rmse = m->task == NN_TASK_REGRESSION &&
			    m->loss == NN_LOSS_MSE ? sqrt(folds[f].val_loss) : NAN;
		}
		nn_rows_free(&tr);
		nn_rows_free(&va);
		nn_model_free(m);
	}
	free(fold);
	free(itr);
	free(iva);
	return rc;
}

/* ====================================================================== */
/* Class weights                                                          */
/* ====================================================================== */

int
nn_class_weights(const char *spec, const char *const *labels, size_t K,
    const uint32_t *y, size_t n, float *w, nn_err *e)
{
	char *copy, *tok, *next;
	int rc = 0;

	for (size_t k = 0; k < K; k++)
		w[k] = 1.0f;
	if (strcmp(spec, "balanced") == 0) {
		/* n / (K count_k): each class weighs as much in the loss as
		 * it would with equal counts (scikit-learn's "balanced") */
		size_t *count = nn_xcalloc(K ? K : 1, sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[y[i]]++;
		for (size_t k = 0; k < K; k++)
			w[k] = count[k] ? (float)((double)n / ((double)K *
			    (double)count[k])) : 1.0f;
		free(count);
		return 0;
	}
	copy = nn_xstrdup(spec);
	for (tok = copy; tok != NULL && rc == 0; tok = next) {
		char *eq;
		size_t k;
		double v;
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';
		if ((eq = strrchr(tok, '=')) == NULL) {
			rc = nn_errf(e, "expected balanced or LABEL=W,..., got \"%.40s\"",
			    tok);
			break;
		}
		*eq = '\0';
		for (k = 0; k < K && strcmp(labels[k], tok) != 0; k++)
			;
		if (k == K)
			rc = nn_errf(e, "no class \"%.40s\" in the data", tok);
		else if ((rc = nn_parse_double(eq + 1, 0.0, 1e6, &v, tok, e)) == 0)
			w[k] = (float)v;
	}
	free(copy);
	return rc;
}
