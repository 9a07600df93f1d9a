/*
 * scale.c - what training learns about the numbers before the network sees
 * them, fitted and applied in one place.
 *
 * Inputs: x' = (x - offset) * factor per feature, fitted on the training
 * rows (standard: mean and 1/sd; minmax: min and 1/range) and stored in the
 * model, so prediction applies exactly what training used.
 *
 * Regression targets: trained standardised, like the inputs, because targets
 * in the hundreds make the first gradients huge and the default rate
 * diverge.  The output layer is linear, so the target's scaling folds into
 * it exactly once training is done: the model file predicts in the target's
 * own units and needs no field for it.  A model that goes on training
 * (--resume, --init-from) is unfolded again with the scaling of its new
 * data: fold and unfold are inverse reparametrisations, so the function the
 * network computes is unchanged by the round trip.
 */
#include <math.h>
#include <stdlib.h>

#include "nn_model.h"
#include "nn_train.h"       /* nn_rows */

static const char *const scale_names[NN_SCALE_COUNT] = {
	[NN_SCALE_NONE] = "none", [NN_SCALE_STANDARD] = "standard",
	[NN_SCALE_MINMAX] = "minmax",
};

const char *
nn_scale_name(nn_scale s)
{
	return nn_name_of(scale_names, NN_SCALE_COUNT, (int)s);
}

int
nn_scale_lookup(const char *name, nn_scale *out)
{
	int i = nn_name_find(scale_names, NN_SCALE_COUNT, name);

	if (i >= 0)
		*out = (nn_scale)i;
	return i < 0 ? -1 : 0;
}

/* ====================================================================== */
/* Inputs                                                                 */
/* ====================================================================== */

/* Per column in double: two passes for the standard deviation (mean, then
 * squared deviations), so no cancellation.  A constant column gets factor 1:
 * it carries no information to amplify. */
void
nn_scale_fit(nn_model *m, const float *x, size_t n)
{
	const size_t D = m->nin;
	double *a, *b;

	for (size_t j = 0; j < D; j++) {
		m->offset[j] = 0.0f;
		m->factor[j] = 1.0f;
	}
	if (m->scale == NN_SCALE_NONE || n == 0)
		return;
	a = nn_xcalloc(D, sizeof(double));
	b = nn_xcalloc(D, sizeof(double));
	if (m->scale == NN_SCALE_STANDARD) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < D; j++)
				a[j] += x[i * D + j];
		for (size_t j = 0; j < D; j++)
			a[j] /= (double)n;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < D; j++) {
				double v = x[i * D + j] - a[j];
				b[j] += v * v;
			}
		for (size_t j = 0; j < D; j++) {
			double sd = sqrt(b[j] / (double)n);
			m->offset[j] = (float)a[j];
			m->factor[j] = sd > 0.0 && isfinite(1.0 / sd) ?
			    (float)(1.0 / sd) : 1.0f;
		}
	} else {
		for (size_t j = 0; j < D; j++)
			a[j] = b[j] = x[j];
		for (size_t i = 1; i < n; i++)
			for (size_t j = 0; j < D; j++) {
				double v = x[i * D + j];
				if (v < a[j])
					a[j] = v;
				if (v > b[j])
					b[j] = v;
			}
		for (size_t j = 0; j < D; j++) {
			double r = b[j] - a[j];
			m->offset[j] = (float)a[j];
			m->factor[j] = r > 0.0 && isfinite(1.0 / r) ?
			    (float)(1.0 / r) : 1.0f;
		}
	}
	free(a);
	free(b);
}

/* ---- the same fit over rows shared out to ranks ------------------------- */

/* One pass of the fit over this rank's rows, as a step of nn_dist_chain:
 * the chain hands the accumulator from rank to rank in rank order, so every
 * column's double sum (or min and max) sees the rows in file order, exactly
 * as nn_scale_fit's loops do. */
typedef struct fit_pass {
	const float *x;         /* (rows, D) this rank's */
	size_t rows, D;
	int pass;               /* 0: sums; 1: squared deviations; 2: min, max */
	const double *mean;     /* (D) with pass 1 */
} fit_pass;

/* acc: pass 0 a (D); pass 1 b (D); pass 2 seen (1), a (D), b (D). */
static void
fit_step(void *ctx, void *acc)
{
	const fit_pass *f = ctx;
	const size_t D = f->D;
	double *a = acc;
	size_t i = 0;

	if (f->pass == 0) {
		for (; i < f->rows; i++)
			for (size_t j = 0; j < D; j++)
				a[j] += f->x[i * D + j];
	} else if (f->pass == 1) {
		for (; i < f->rows; i++)
			for (size_t j = 0; j < D; j++) {
				double v = f->x[i * D + j] - f->mean[j];
				a[j] += v * v;
			}
	} else {
		double *lo = a + 1, *hi = a + 1 + D;
		if (a[0] == 0.0 && f->rows > 0) {   /* the file's first row */
			for (size_t j = 0; j < D; j++)
				lo[j] = hi[j] = f->x[j];
			a[0] = 1.0;
			i = 1;
		}
		for (; i < f->rows; i++)
			for (size_t j = 0; j < D; j++) {
				double v = f->x[i * D + j];
				if (v < lo[j])
					lo[j] = v;
				if (v > hi[j])
					hi[j] = v;
			}
	}
}

int
nn_scale_fit_rows(nn_model *m, const nn_rows *r, const nn_dist *d, nn_err *e)
{
	const size_t D = m->nin, n = r->n;
	fit_pass f = { r->x, r->part ? r->hi - r->lo : n, D, 0, NULL };
	double *acc;
	int rc = -1;

	if (!r->part || !nn_dist_on(d)) {
		if (r->part && (r->lo != 0 || r->hi != n))
			return nn_errf(e, "rows %zu to %zu of %zu, and no other "
			    "ranks to hold the rest", r->lo, r->hi, n);
		nn_scale_fit(m, r->x, n);
		return 0;
	}
	nn_scale_fit(m, NULL, 0);               /* offset 0, factor 1 */
	if (m->scale == NN_SCALE_NONE || n == 0)
		return 0;
	acc = nn_xcalloc(2 * D + 1, sizeof(double));
	if (m->scale == NN_SCALE_STANDARD) {
		if (nn_dist_chain(d, acc, D * sizeof(double), fit_step, &f, e) < 0)
			goto out;
		for (size_t j = 0; j < D; j++)
			acc[j] /= (double)n;
		f.pass = 1;
		f.mean = acc;
		if (nn_dist_chain(d, acc + D, D * sizeof(double), fit_step, &f,
		    e) < 0)
			goto out;
		for (size_t j = 0; j < D; j++) {
			double sd = sqrt(acc[D + j] / (double)n);
			m->offset[j] = (float)acc[j];
			m->factor[j] = sd > 0.0 && isfinite(1.0 / sd) ?
			    (float)(1.0 / sd) : 1.0f;
		}
	} else {
		f.pass = 2;
		if (nn_dist_chain(d, acc, (2 * D + 1) * sizeof(double), fit_step,
		    &f, e) < 0)
			goto out;
		for (size_t j = 0; j < D; j++) {
			double rg = acc[1 + D + j] - acc[1 + j];
			m->offset[j] = (float)acc[1 + j];
			m->factor[j] = rg > 0.0 && isfinite(1.0 / rg) ?
			    (float)(1.0 / rg) : 1.0f;
		}
	}
	rc = 0;
out:
	free(acc);
	return rc;
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
/* Regression targets                                                     */
/* ====================================================================== */

nn_tscale
nn_tscale_fit(const nn_model *m, const float *t, size_t n)
{
	nn_tscale ts = { 0, 0.0, 1.0 };
	double sum = 0.0, ss = 0.0;

	if (m->task != NN_TASK_REGRESSION || m->scale == NN_SCALE_NONE ||
	    t == NULL || n == 0)
		return ts;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	ts.mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (t[i] - ts.mean) * (t[i] - ts.mean);
	ts.sd = sqrt(ss / (double)n);
	if (!(ts.sd > 0.0) || !isfinite(1.0 / ts.sd))
		ts.sd = 1.0;
	ts.on = 1;
	return ts;
}

void
nn_tscale_apply(const nn_tscale *ts, float *t, size_t n)
{
	if (!ts->on || t == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		t[i] = (float)((t[i] - ts->mean) / ts->sd);
}

/* fold: output layer (w, b) -> (w sd, b sd + mean); unfold: the inverse. */
static void
tscale_output(nn_model *m, const nn_tscale *ts, int fold)
{
	const nn_dense *L = &m->layers[m->nlayers - 1];
	float *w = m->params + L->w_off;   /* (nin, nout) */
	float *b = m->params + L->b_off;   /* (nout) */

	if (!ts->on)
		return;
	for (size_t i = 0; i < L->nin * L->nout; i++)
		w[i] = (float)(fold ? w[i] * ts->sd : w[i] / ts->sd);
	for (size_t j = 0; j < L->nout; j++)
		b[j] = (float)(fold ? b[j] * ts->sd + ts->mean :
		    (b[j] - ts->mean) / ts->sd);
}

void
nn_tscale_fold(nn_model *m, const nn_tscale *ts)
{
	tscale_output(m, ts, 1);
}

void
nn_tscale_unfold(nn_model *m, const nn_tscale *ts)
{
	tscale_output(m, ts, 0);
}
