/*
 * model.c - a network of dense layers over one flat parameter buffer:
 * allocation, initialisation, input scaling, forward (inference and
 * training), backward, batch normalisation's running statistics.
 *
 * Parameters of every layer live in m->params, laid out layer by layer as
 * w (nin, nout), b (nout), and for a batch-normalised layer gamma (nout),
 * beta (nout); m->grads has the same layout.  So the optimizer is one loop
 * over P floats and the model file writes them in one piece.  The running
 * mean and variance of batch normalisation are not parameters (no gradient
 * moves them) and live in m->stats.
 *
 * A hidden layer computes (see nn_dense in nn_model.h)
 *   z = in . w + b,  u = BN(z) or z,  h = f(u),
 *   a = (residual ? in : 0) + (training ? drop(h) : h)
 * and forward keeps in nn_work what backward needs: z (overwritten by xhat
 * when normalised), u, h, a, the dropout masks and the batch statistics,
 * plus whether it ran in training mode, so that backward differentiates
 * exactly the function forward computed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"

/* ====================================================================== */
/* Allocation                                                             */
/* ====================================================================== */

static const char *
hidden_only(const nn_layer_opts *o)
{
	return o->dropout != 0.0f ? "dropout" : o->batchnorm ? "batchnorm" :
	    o->residual ? "a residual connection" : NULL;
}

int
nn_model_shape(nn_model *m, size_t nlayers, const size_t *sizes,
    const nn_layer_opts *lo, nn_err *e)
{
	size_t P = 0, S = 0, wn, t;

	if (nlayers == 0)
		return nn_errf(e, "a network needs at least one layer");
	for (size_t l = 0; l < nlayers; l++) {
		const nn_layer_opts *o = &lo[l];
		const char *what;

		if (sizes[l] == 0 || sizes[l + 1] == 0)
			return nn_errf(e, "layer %zu has zero width", l + 1);
		if ((unsigned)o->act >= NN_ACT_COUNT)
			return nn_errf(e, "layer %zu: bad activation", l + 1);
		if (o->act == NN_ACT_LEAKY_RELU && !(o->act_param >= 0.0f &&
		    o->act_param <= 1.0f))
			return nn_errf(e, "layer %zu: leaky-relu slope %g is not in "
			    "[0, 1]", l + 1, (double)o->act_param);
		if (!(o->dropout >= 0.0f && o->dropout < 1.0f))
			return nn_errf(e, "layer %zu: dropout %g is not in [0, 1)",
			    l + 1, (double)o->dropout);
		if (l + 1 == nlayers && (what = hidden_only(o)) != NULL)
			return nn_errf(e, "layer %zu: %s on the output layer (hidden "
			    "layers only)", l + 1, what);
		if (o->residual && sizes[l] != sizes[l + 1])
			return nn_errf(e, "layer %zu: a residual connection needs as "
			    "many outputs as inputs, not %zu -> %zu", l + 1,
			    sizes[l], sizes[l + 1]);
		/* P += nin * nout + nout (+ 2 nout), all overflow-checked, and
		 * the whole buffer must stay addressable in bytes */
		if (nn_mul_size(sizes[l], sizes[l + 1], &wn) < 0 ||
		    wn > SIZE_MAX - 3 * sizes[l + 1] ||
		    (t = wn + (o->batchnorm ? 3 : 1) * sizes[l + 1]) >
		    SIZE_MAX / sizeof(float) - P)
			return nn_errf(e, "network too large");
		P += t;
		if (o->batchnorm)
			S += 2 * sizes[l + 1];  /* below P: cannot overflow */
	}
	if (P > SIZE_MAX / sizeof(float) / 2)
		return nn_errf(e, "network too large");

	m->nlayers = nlayers;
	m->layers = nn_xcalloc(nlayers, sizeof(*m->layers));
	m->nstats = S;
	m->nparams = P;
	P = S = 0;
	for (size_t l = 0; l < nlayers; l++) {
		nn_dense *L = &m->layers[l];
		const nn_layer_opts *o = &lo[l];
		L->nin = sizes[l];
		L->nout = sizes[l + 1];
		L->act = o->act;
		L->act_param = o->act == NN_ACT_LEAKY_RELU ? o->act_param : 0.0f;
		L->dropout = o->dropout;
		L->batchnorm = o->batchnorm != 0;
		L->residual = o->residual != 0;
		L->w_off = P;
		P += L->nin * L->nout;
		L->b_off = P;
		P += L->nout;
		if (L->batchnorm) {
			L->g_off = P;
			P += 2 * L->nout;
			L->s_off = S;
			S += 2 * L->nout;
		}
	}
	m->nin = sizes[0];
	m->nout = sizes[nlayers];
	return 0;
}

nn_model *
nn_model_new(size_t nlayers, const size_t *sizes, const nn_layer_opts *lo,
    nn_err *e)
{
	nn_model *m = nn_xcalloc(1, sizeof(*m));

	if (nn_model_shape(m, nlayers, sizes, lo, e) < 0) {
		free(m);
		return NULL;
	}
	m->stats = m->nstats ? nn_xmalloc(m->nstats * sizeof(float)) : NULL;
	m->params = nn_xcalloc(m->nparams, sizeof(float));
	m->grads = nn_xcalloc(m->nparams, sizeof(float));
	for (size_t l = 0; l < nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		if (!L->batchnorm)
			continue;
		for (size_t j = 0; j < L->nout; j++) {
			m->params[L->g_off + j] = 1.0f;         /* gamma */
			m->stats[L->s_off + j] = 0.0f;          /* mean */
			m->stats[L->s_off + L->nout + j] = 1.0f; /* variance */
		}
	}
	m->offset = nn_xcalloc(m->nin, sizeof(float));
	m->factor = nn_xmalloc(m->nin * sizeof(float));
	for (size_t j = 0; j < m->nin; j++)
		m->factor[j] = 1.0f;
	m->task = NN_TASK_BINARY;
	m->loss = NN_LOSS_BCE;
	m->scale = NN_SCALE_NONE;
	return m;
}

nn_model *
nn_model_alloc(size_t nlayers, const size_t *sizes, const nn_act *acts,
    nn_err *e)
{
	nn_layer_opts *lo = nn_xcalloc(nlayers ? nlayers : 1, sizeof(*lo));
	nn_model *m;

	for (size_t l = 0; l < nlayers; l++) {
		lo[l].act = acts[l];
		lo[l].act_param = nn_act_param_default(acts[l]);
	}
	m = nn_model_new(nlayers, sizes, lo, e);
	free(lo);
	return m;
}

static void
free_strv(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
nn_ckpt_free(nn_ckpt *c)
{
	if (c == NULL)
		return;
	free(c->m);
	free(c->v);
	free(c);
}

void
nn_model_free(nn_model *m)
{
	if (m == NULL)
		return;
	free(m->layers);
	free(m->params);
	free(m->grads);
	free(m->stats);
	free(m->offset);
	free(m->factor);
	free_strv(m->feat_names, m->nin);
	free(m->target_name);
	free_strv(m->labels, m->nlabels);
	free(m->cmdline);
	nn_ckpt_free(m->ckpt);
	nn_enc_free(m->enc);
	free(m);
}

/* ====================================================================== */
/* Initialisation and scaling                                             */
/* ====================================================================== */

static const char *const task_names[NN_TASK_COUNT] = {
	[NN_TASK_BINARY] = "binary", [NN_TASK_MULTICLASS] = "multiclass",
	[NN_TASK_REGRESSION] = "regression",
};

const char *
nn_task_name(nn_task t)
{
	return nn_name_of(task_names, NN_TASK_COUNT, (int)t);
}

int
nn_task_lookup(const char *name, nn_task *out)
{
	int i = nn_name_find(task_names, NN_TASK_COUNT, name);

	if (i >= 0)
		*out = (nn_task)i;
	return i < 0 ? -1 : 0;
}

static const char *const init_names[NN_INIT_COUNT] = {
	[NN_INIT_AUTO] = "auto", [NN_INIT_HE] = "he",
	[NN_INIT_XAVIER] = "xavier", [NN_INIT_LECUN] = "lecun",
	[NN_INIT_UNIFORM] = "uniform",
};

const char *
nn_init_name(nn_init v)
{
	return nn_name_of(init_names, NN_INIT_COUNT, (int)v);
}

int
nn_init_lookup(const char *name, nn_init *out)
{
	int i = nn_name_find(init_names, NN_INIT_COUNT, name);

	if (i >= 0)
		*out = (nn_init)i;
	return i < 0 ? -1 : 0;
}

static int
relu_family(nn_act a)
{
	return a == NN_ACT_RELU || a == NN_ACT_LEAKY_RELU || a == NN_ACT_ELU ||
	    a == NN_ACT_SWISH || a == NN_ACT_GELU;
}

void
nn_model_init_with(nn_model *m, nn_rng *r, nn_init kind)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		float *w = m->params + L->w_off;  /* (nin, nout) */
		float *b = m->params + L->b_off;  /* (nout) */
		const double nin = (double)L->nin, nout = (double)L->nout;
		nn_init k = kind;
		double sd;

		/* He keeps the variance of relu activations constant from
		 * layer to layer (half the units are zero); Glorot balances
		 * forward and backward variance for symmetric activations;
		 * LeCun keeps the forward variance for unit-gain ones. */
		if (k == NN_INIT_AUTO)
			k = relu_family(L->act) ? NN_INIT_HE : NN_INIT_XAVIER;
		if (k == NN_INIT_UNIFORM) {
			double lim = sqrt(6.0 / (nin + nout));
			for (size_t i = 0; i < L->nin * L->nout; i++)
				w[i] = (float)(lim * (2.0 * nn_rng_uniform(r) - 1.0));
		} else {
			sd = k == NN_INIT_HE ? sqrt(2.0 / nin) :
			    k == NN_INIT_LECUN ? sqrt(1.0 / nin) :
			    sqrt(2.0 / (nin + nout));
			for (size_t i = 0; i < L->nin * L->nout; i++)
				w[i] = (float)(sd * nn_rng_normal(r));
		}
		memset(b, 0, L->nout * sizeof(*b));
		if (L->batchnorm) {
			float *g = m->params + L->g_off;        /* (nout) */
			float *s = m->stats + L->s_off;         /* (2 nout) */
			for (size_t j = 0; j < L->nout; j++) {
				g[j] = 1.0f;
				g[L->nout + j] = 0.0f;
				s[j] = 0.0f;
				s[L->nout + j] = 1.0f;
			}
		}
	}
}

void
nn_model_init(nn_model *m, nn_rng *r)
{
	nn_model_init_with(m, r, NN_INIT_AUTO);
}

/* ====================================================================== */
/* Forward and backward                                                   */
/* ====================================================================== */

/* What forward keeps of layer l, for backward.  Pointers that would hold
 * the same values share storage: u is z without batchnorm, h is a without
 * dropout and skip connection. */
typedef struct wlayer {
	float *z;       /* (maxb, nout) in . w + b; batchnorm: xhat */
	float *u;       /* (maxb, nout) the activation's input */
	float *h;       /* (maxb, nout) f(u) */
	float *a;       /* (maxb, nout) the layer's output */
	float *mask;    /* (maxb, nout) dropout: 0 or 1 / (1 - p); or NULL */
	float *mean, *var, *rstd;       /* (nout) batchnorm */
} wlayer;

struct nn_work {
	size_t maxb;
	size_t nlayers;
	size_t B;       /* rows of the last forward */
	int train;      /* the last forward ran in training mode */
	wlayer *l;      /* (nlayers) */
	float *gu;      /* (maxb, widest) dL/du of the current layer */
	float *gda;     /* (maxb, widest) dL/da of the layer below */
	float *gskip;   /* (maxb, widest) dL/da kept for a skip connection */
	float *buf;     /* one allocation behind all of the above */
};

/* The floats of an nn_work: *row per row of the batch (every layer's
 * arrays, the three gradient rows), *vec once (batchnorm's statistics);
 * *widest is the widest layer or input.  The sums cannot overflow: each
 * is below 8 times the parameter count. */
static void
work_floats(const nn_model *m, size_t *row, size_t *vec, size_t *widest)
{
	*row = *vec = 0;
	*widest = m->nin;
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		size_t k = 2;                           /* z, a */
		k += L->batchnorm;                      /* u */
		k += L->residual || L->dropout > 0.0f;  /* h */
		k += L->dropout > 0.0f;                 /* mask */
		*row += k * L->nout;
		if (L->batchnorm)
			*vec += 3 * L->nout;
		if (L->nout > *widest)
			*widest = L->nout;
	}
	*row += 3 * *widest;
}

size_t
nn_work_rows(const nn_model *m, size_t extra, size_t budget, size_t maxb)
{
	size_t row, vec, widest, rows;

	work_floats(m, &row, &vec, &widest);
	if (extra > SIZE_MAX / sizeof(float) - row)
		return 1;
	rows = budget / ((row + extra) * sizeof(float));
	return rows < 1 ? 1 : rows > maxb ? maxb : rows;
}

nn_work *
nn_work_new(const nn_model *m, size_t maxb)
{
	nn_work *w = nn_xcalloc(1, sizeof(*w));
	size_t total, vec, widest, off = 0, bytes;

	work_floats(m, &total, &vec, &widest);
	w->maxb = maxb;
	w->nlayers = m->nlayers;
	w->l = nn_xcalloc(m->nlayers, sizeof(*w->l));
	if (nn_mul_size(total, maxb, &bytes) < 0 || bytes > SIZE_MAX - vec ||
	    nn_mul_size(bytes + vec, sizeof(float), &bytes) < 0)
		bytes = SIZE_MAX; /* nn_xmalloc reports it */
	w->buf = nn_xmalloc(bytes);
#define TAKE(n) (off += (n), w->buf + off - (n))
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		wlayer *q = &w->l[l];
		const size_t n = maxb * L->nout;
		q->z = TAKE(n);
		q->u = L->batchnorm ? TAKE(n) : q->z;
		q->a = TAKE(n);
		q->h = L->residual || L->dropout > 0.0f ? TAKE(n) : q->a;
		q->mask = L->dropout > 0.0f ? TAKE(n) : NULL;
		if (L->batchnorm) {
			q->mean = TAKE(L->nout);
			q->var = TAKE(L->nout);
			q->rstd = TAKE(L->nout);
		}
	}
	w->gu = TAKE(maxb * widest);
	w->gda = TAKE(maxb * widest);
	w->gskip = TAKE(maxb * widest);
#undef TAKE
	return w;
}

void
nn_work_free(nn_work *w)
{
	if (w == NULL)
		return;
	free(w->l);
	free(w->buf);
	free(w);
}

/* Both modes; r is NULL in inference. */
static const float *
forward(const nn_model *m, nn_work *w, const float *x, size_t B, nn_rng *r)
{
	const float *in = x; /* (B, nin) */

	w->B = B;
	w->train = r != NULL;
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		const wlayer *q = &w->l[l];
		const size_t n = B * L->nout;

		nn_dense_forward(q->z, in, m->params + L->w_off,
		    m->params + L->b_off, B, L->nin, L->nout);
		if (L->batchnorm) {
			const float *g = m->params + L->g_off;
			const float *s = m->stats + L->s_off;
			if (r != NULL)
				nn_bn_forward_train(q->u, q->z, q->mean, q->var,
				    q->rstd, q->z, g, g + L->nout, B, L->nout);
			else
				nn_bn_forward_infer(q->u, q->z, q->rstd, q->z, g,
				    g + L->nout, s, s + L->nout, B, L->nout);
		}
		nn_act_forward_p(L->act, L->act_param, q->h, q->u, B, L->nout);
		if (q->h != q->a) {
			if (r != NULL && L->dropout > 0.0f)
				nn_dropout_forward(q->a, q->mask, q->h, L->dropout,
				    r, n);
			else
				memcpy(q->a, q->h, n * sizeof(float));
			if (L->residual)
				for (size_t i = 0; i < n; i++)
					q->a[i] += in[i];
		}
		in = q->a;
	}
	return in;
}

const float *
nn_forward(const nn_model *m, nn_work *w, const float *x, size_t B)
{
	return forward(m, w, x, B, NULL);
}

const float *
nn_forward_train(const nn_model *m, nn_work *w, const float *x, size_t B,
    uint64_t seed)
{
	nn_rng r;

	nn_rng_seed(&r, seed);
	return forward(m, w, x, B, &r);
}

const float *
nn_work_logits(const nn_work *w)
{
	return w->l[w->nlayers - 1].z;
}

void
nn_zero_grad(nn_model *m)
{
	if (m->grads == NULL)
		m->grads = nn_xcalloc(m->nparams, sizeof(*m->grads));
	else
		memset(m->grads, 0, m->nparams * sizeof(*m->grads));
}

/* nn_backward (beta 1: add into m->grads) and nn_backward_set (beta 0:
 * write it).  Every parameter belongs to a layer and each layer's gradients
 * are written by its own products and sums, so beta 0 sets all of m->grads;
 * the bytes are those of adding into zeros. */
static double
backward(nn_model *m, nn_work *w, const float *x, const uint32_t *y,
    const float *t, const float *cw, size_t B, float beta)
{
	const size_t Lc = m->nlayers;
	const float *out = w->l[Lc - 1].a;   /* (B, K) */
	double loss;

	if (m->grads == NULL)           /* a model read from a file */
		nn_zero_grad(m);
	/* the output layer has no batch norm: its z is the logits */
	loss = nn_loss_forward(m->loss, w->l[Lc - 1].z, y, t, cw, B,
	    m->nout);

	/* dL/du of the output layer (u = z there), fused with its activation */
	nn_loss_backward(m->loss, w->gu, out, y, t, cw, B, m->nout);
	for (size_t l = Lc; l-- > 0;) {
		const nn_dense *L = &m->layers[l];
		const wlayer *q = &w->l[l];
		const float *in = l > 0 ? w->l[l - 1].a : x;   /* (B, nin) */

		/* w->gu holds dL/du; through batchnorm to dL/dz, in place
		 * (it adds into dgamma, dbeta: zeroed first when writing) */
		if (L->batchnorm && beta == 0.0f)
			memset(m->grads + L->g_off, 0, 2 * L->nout * sizeof(float));
		if (L->batchnorm)
			nn_bn_backward(w->gu, m->grads + L->g_off,
			    m->grads + L->g_off + L->nout, w->gu, q->z,
			    m->params + L->g_off, q->rstd, B, L->nout, w->train);
		nn_dense_backward_beta(l > 0 ? w->gda : NULL, m->grads + L->w_off,
		    m->grads + L->b_off, w->gu, in, m->params + L->w_off, B,
		    L->nin, L->nout, beta);
		if (l == 0)
			break;
		/* w->gda = dL/da of layer l-1, plus the skip path of layer l */
		const nn_dense *P = &m->layers[l - 1];
		const wlayer *pq = &w->l[l - 1];
		const size_t n = B * P->nout;
		if (L->residual)
			for (size_t i = 0; i < n; i++)
				w->gda[i] += w->gskip[i];
		if (P->residual)
			memcpy(w->gskip, w->gda, n * sizeof(float));
		if (w->train && P->dropout > 0.0f)
			for (size_t i = 0; i < n; i++)
				w->gda[i] *= pq->mask[i];
		memset(w->gu, 0, n * sizeof(float));
		nn_act_backward_p(P->act, P->act_param, w->gu, w->gda, pq->u,
		    pq->h, n);
	}
	return loss;
}

double
nn_backward(nn_model *m, nn_work *w, const float *x, const uint32_t *y,
    const float *t, const float *cw, size_t B)
{
	return backward(m, w, x, y, t, cw, B, 1.0f);
}

double
nn_backward_set(nn_model *m, nn_work *w, const float *x, const uint32_t *y,
    const float *t, const float *cw, size_t B)
{
	return backward(m, w, x, y, t, cw, B, 0.0f);
}

/* The batch's statistics pooled from its shards' (each normalised its own
 * rows): mean = sum n_s mean_s / B, variance = sum n_s (var_s + (mean_s -
 * mean)^2) / B, summed in shard order in double, so the running statistics
 * move once per step by the whole batch's mean and (unbiased) variance, the
 * same for every thread count. */
size_t
nn_out_class(const float *o, size_t K)
{
	size_t best = 0;

	if (K == 1)
		return o[0] >= 0.5f;
	for (size_t k = 1; k < K; k++)
		if (o[k] > o[best])
			best = k;
	return best;
}

void
nn_work_bn_get(const nn_model *m, const nn_work *w, float *out)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		if (!L->batchnorm)
			continue;
		memcpy(out, w->l[l].mean, L->nout * sizeof(float));
		memcpy(out + L->nout, w->l[l].var, L->nout * sizeof(float));
		out += 2 * L->nout;
	}
}

void
nn_work_bn_set(const nn_model *m, nn_work *w, const float *in)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		if (!L->batchnorm)
			continue;
		memcpy(w->l[l].mean, in, L->nout * sizeof(float));
		memcpy(w->l[l].var, in + L->nout, L->nout * sizeof(float));
		in += 2 * L->nout;
	}
	w->train = 1;
}

void
nn_bn_update(nn_model *m, nn_work *const *w, const size_t *rows, size_t S)
{
	const double mo = NN_BN_MOMENTUM;
	size_t B = 0;

	if (m->nstats == 0)
		return;
	for (size_t s = 0; s < S; s++)
		if (w[s]->train)
			B += rows[s];
	if (B < 2)
		return;         /* one row has no variance to learn */
	const double unbias = (double)B / (double)(B - 1);
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		if (!L->batchnorm)
			continue;
		float *rm = m->stats + L->s_off, *rv = rm + L->nout;
		for (size_t j = 0; j < L->nout; j++) {
			double mean = 0.0, m2 = 0.0;
			for (size_t s = 0; s < S; s++)
				if (w[s]->train)
					mean += (double)rows[s] * w[s]->l[l].mean[j];
			mean /= (double)B;
			for (size_t s = 0; s < S; s++) {
				if (!w[s]->train)
					continue;
				double d = (double)w[s]->l[l].mean[j] - mean;
				m2 += (double)rows[s] * (w[s]->l[l].var[j] + d * d);
			}
			rm[j] = (float)((1.0 - mo) * rm[j] + mo * mean);
			rv[j] = (float)((1.0 - mo) * rv[j] + mo * (m2 / (double)B) *
			    unbias);
		}
	}
}

/* ====================================================================== */
/* Hidden layers as -l writes them                                        */
/* ====================================================================== */

long
nn_hidden_parse(const char *spec, nn_hidden **out, nn_err *e)
{
	size_t n = 0, cap = 0;
	nn_hidden *v = NULL;
	char *copy, *tok, *save;
	long w;

	*out = NULL;
	if (*spec == '\0')
		return 0;
	/* strtok would skip the empty item in "16,,8": walk commas by hand */
	copy = nn_xstrdup(spec);
	for (tok = copy;; tok = save + 1) {
		char *colon;
		if ((save = strchr(tok, ',')) != NULL)
			*save = '\0';
		if (n == NN_MAX_HIDDEN) {
			nn_errf(e, "at most %d hidden layers", NN_MAX_HIDDEN);
			goto bad;
		}
		if (n == cap)
			v = nn_xrealloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));
		v[n].has_act = 0;
		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			if (nn_act_lookup(colon + 1, &v[n].act) < 0 ||
			    v[n].act == NN_ACT_SOFTMAX) {
				nn_errf(e, "unknown hidden activation \"%.40s\"",
				    colon + 1);
				goto bad;
			}
			v[n].has_act = 1;
		}
		if (nn_parse_long(tok, 1, NN_MAX_WIDTH, &w, "width", e) < 0)
			goto bad;
		v[n++].width = (size_t)w;
		if (save == NULL)
			break;
	}
	free(copy);
	*out = v;
	return (long)n;
bad:
	free(copy);
	free(v);
	return -1;
}
