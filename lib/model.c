/*
 * model.c - a network of dense layers over one flat parameter buffer:
 * allocation, initialisation, input scaling, forward, backward.
 *
 * Parameters of every layer live in m->params, laid out layer by layer as
 * w (nin, nout) then b (nout); m->grads has the same layout.  So the
 * optimizer is one loop over P floats and the model file writes them in one
 * piece.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_model.h"

/* ====================================================================== */
/* Allocation                                                             */
/* ====================================================================== */

nn_model *
nn_model_alloc(size_t nlayers, const size_t *sizes, const nn_act *acts,
    nn_err *e)
{
	nn_model *m;
	size_t P = 0, wn, t;

	if (nlayers == 0)
		return nn_errf(e, "a network needs at least one layer"), NULL;
	for (size_t l = 0; l < nlayers; l++) {
		if (sizes[l] == 0 || sizes[l + 1] == 0)
			return nn_errf(e, "layer %zu has zero width", l + 1), NULL;
		if ((unsigned)acts[l] >= NN_ACT_COUNT)
			return nn_errf(e, "layer %zu: bad activation", l + 1), NULL;
		/* P += nin * nout + nout, all overflow-checked, and the
		 * whole buffer must stay addressable in bytes */
		if (nn_mul_size(sizes[l], sizes[l + 1], &wn) < 0 ||
		    wn > SIZE_MAX - sizes[l + 1] ||
		    (t = wn + sizes[l + 1]) > SIZE_MAX / sizeof(float) - P)
			return nn_errf(e, "network too large"), NULL;
		P += t;
	}
	if (P > SIZE_MAX / sizeof(float) / 2)
		return nn_errf(e, "network too large"), NULL;

	m = nn_xcalloc(1, sizeof(*m));
	m->nlayers = nlayers;
	m->layers = nn_xcalloc(nlayers, sizeof(*m->layers));
	P = 0;
	for (size_t l = 0; l < nlayers; l++) {
		nn_dense *L = &m->layers[l];
		L->nin = sizes[l];
		L->nout = sizes[l + 1];
		L->act = acts[l];
		L->w_off = P;
		P += L->nin * L->nout;
		L->b_off = P;
		P += L->nout;
	}
	m->nin = sizes[0];
	m->nout = sizes[nlayers];
	m->nparams = P;
	m->params = nn_xcalloc(P, sizeof(float));
	m->grads = nn_xcalloc(P, sizeof(float));
	m->offset = nn_xcalloc(m->nin, sizeof(float));
	m->factor = nn_xmalloc(m->nin * sizeof(float));
	for (size_t j = 0; j < m->nin; j++)
		m->factor[j] = 1.0f;
	m->task = NN_TASK_BINARY;
	m->loss = NN_LOSS_BCE;
	m->scale = NN_SCALE_NONE;
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
nn_model_free(nn_model *m)
{
	if (m == NULL)
		return;
	free(m->layers);
	free(m->params);
	free(m->grads);
	free(m->offset);
	free(m->factor);
	free_strv(m->feat_names, m->nin);
	free(m->target_name);
	free_strv(m->labels, m->nlabels);
	free(m->cmdline);
	nn_ckpt_free(m->ckpt);
	free(m);
}

/* ====================================================================== */
/* Initialisation and scaling                                             */
/* ====================================================================== */

static int
relu_family(nn_act a)
{
	return a == NN_ACT_RELU || a == NN_ACT_LEAKY_RELU || a == NN_ACT_ELU ||
	    a == NN_ACT_SWISH;
}

void
nn_model_init(nn_model *m, nn_rng *r)
{
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		float *w = m->params + L->w_off;  /* (nin, nout) */
		float *b = m->params + L->b_off;  /* (nout) */
		/* He keeps the variance of relu activations constant from
		 * layer to layer (half the units are zero); Glorot balances
		 * forward and backward variance for symmetric activations. */
		double sd = relu_family(L->act) ? sqrt(2.0 / (double)L->nin) :
		    sqrt(2.0 / (double)(L->nin + L->nout));
		for (size_t i = 0; i < L->nin * L->nout; i++)
			w[i] = (float)(sd * nn_rng_normal(r));
		memset(b, 0, L->nout * sizeof(*b));
	}
}

void
nn_model_scale(const nn_model *m, float *x, size_t B)
{
	const size_t D = m->nin;

	if (m->scale == NN_SCALE_NONE)
		return;
	for (size_t i = 0; i < B; i++) {
		float *row = x + i * D;
		for (size_t j = 0; j < D; j++)
			row[j] = (row[j] - m->offset[j]) * m->factor[j];
	}
}

/* ====================================================================== */
/* Forward and backward                                                   */
/* ====================================================================== */

struct nn_work {
	size_t maxb;
	float **z;      /* per layer (maxb, nout): pre-activations */
	float **a;      /* per layer (maxb, nout): activations (what forward
	                   keeps for backward) */
	float *dz;      /* (maxb, widest): gradient w.r.t. z of the current layer */
	float *da;      /* (maxb, widest): gradient w.r.t. the previous layer's a */
	float *buf;     /* one allocation behind all of the above */
};

nn_work *
nn_work_new(const nn_model *m, size_t maxb)
{
	nn_work *w = nn_xcalloc(1, sizeof(*w));
	size_t total = 0, widest = m->nin, off = 0;

	for (size_t l = 0; l < m->nlayers; l++) {
		total += 2 * m->layers[l].nout;
		if (m->layers[l].nout > widest)
			widest = m->layers[l].nout;
	}
	total += 2 * widest;
	w->maxb = maxb;
	w->z = nn_xcalloc(m->nlayers, sizeof(float *));
	w->a = nn_xcalloc(m->nlayers, sizeof(float *));
	size_t bytes;
	if (nn_mul_size(total, maxb, &bytes) < 0 ||
	    nn_mul_size(bytes, sizeof(float), &bytes) < 0)
		bytes = SIZE_MAX; /* nn_xmalloc reports it */
	w->buf = nn_xmalloc(bytes);
	for (size_t l = 0; l < m->nlayers; l++) {
		w->z[l] = w->buf + off;
		off += maxb * m->layers[l].nout;
		w->a[l] = w->buf + off;
		off += maxb * m->layers[l].nout;
	}
	w->dz = w->buf + off;
	off += maxb * widest;
	w->da = w->buf + off;
	return w;
}

void
nn_work_free(nn_work *w)
{
	if (w == NULL)
		return;
	free(w->z);
	free(w->a);
	free(w->buf);
	free(w);
}

const float *
nn_forward(const nn_model *m, nn_work *w, const float *x, size_t B)
{
	const float *in = x; /* (B, nin) */

	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		nn_dense_forward(w->z[l], in, m->params + L->w_off,
		    m->params + L->b_off, B, L->nin, L->nout);
		nn_act_forward(L->act, w->a[l], w->z[l], B, L->nout);
		in = w->a[l];
	}
	return in;
}

void
nn_zero_grad(nn_model *m)
{
	memset(m->grads, 0, m->nparams * sizeof(*m->grads));
}

/* Class weights: row i's loss and gradient times class_w[y[i]], the mean
 * still over B rows (as Keras' class_weight).  Returns the weighted loss. */
static double
class_weigh(const nn_model *m, float *dz, const float *out, const uint32_t *y,
    const float *t, size_t B)
{
	const size_t K = m->nout;
	double sum = 0.0;

	for (size_t i = 0; i < B; i++) {
		const float cw = m->class_w[y[i]];
		for (size_t k = 0; k < K; k++)
			dz[i * K + k] *= cw;
		sum += cw * nn_loss_forward(m->loss, out + i * K, y + i,
		    t ? t + i : NULL, 1, K);
	}
	return sum / (double)B;
}

double
nn_backward(nn_model *m, nn_work *w, const float *x, const uint32_t *y,
    const float *t, size_t B)
{
	const size_t Lc = m->nlayers;
	const float *out = w->a[Lc - 1];   /* (B, K) */
	double loss = nn_loss_forward(m->loss, out, y, t, B, m->nout);

	/* dL/dz of the output layer, fused with its activation */
	nn_loss_backward(m->loss, w->dz, out, y, t, B, m->nout);
	if (m->class_w != NULL && y != NULL)
		loss = class_weigh(m, w->dz, out, y, t, B);
	for (size_t l = Lc; l-- > 0;) {
		const nn_dense *L = &m->layers[l];
		const float *in = l > 0 ? w->a[l - 1] : x;   /* (B, nin) */
		nn_dense_backward(l > 0 ? w->da : NULL, m->grads + L->w_off,
		    m->grads + L->b_off, w->dz, in, m->params + L->w_off, B,
		    L->nin, L->nout);
		if (l > 0) {
			const nn_dense *P = &m->layers[l - 1];
			memset(w->dz, 0, B * P->nout * sizeof(float));
			nn_act_backward(P->act, w->dz, w->da, w->z[l - 1],
			    w->a[l - 1], B * P->nout);
		}
	}
	return loss;
}
