/*
 * plot_fig.c - the figures of the lesson, each drawn into a rectangle of a
 * canvas (see nn_plot.h).
 *
 * Figures get their data already read (a model, points, training logs, a
 * confusion report) and only draw; the program decides where each goes, so
 * a grid of decision boundaries is the boundary figure twelve times.
 * Whatever a figure computes, it computes with the library: regions come
 * from nn_forward on the model's own scaling, activation curves from
 * nn_act_forward and nn_act_backward.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"

static const nn_rgb grey = { 0.62, 0.62, 0.62 };

/* A title "A, B, C" from the parts that are not NULL.  Owned by caller. */
static char *
join3(const char *a, const char *b, const char *c)
{
	const char *v[3] = { a, b, c };
	size_t n = 1;
	char *s;

	for (int i = 0; i < 3; i++)
		if (v[i])
			n += strlen(v[i]) + 2;
	s = nn_xmalloc(n);
	s[0] = '\0';
	for (int i = 0; i < 3; i++)
		if (v[i]) {
			if (s[0])
				strcat(s, ", ");
			strcat(s, v[i]);
		}
	return s;
}

/* Range of the points' coordinates, padded, unless given. */
static void
points_range(const nn_points *pt, const nn_fig_opts *o, nn_axes_spec *s)
{
	double lo[2] = { HUGE_VAL, HUGE_VAL }, hi[2] = { -HUGE_VAL, -HUGE_VAL };

	if (o->has_range) {
		s->x0 = o->x0;
		s->x1 = o->x1;
		s->y0 = o->y0;
		s->y1 = o->y1;
		return;
	}
	for (size_t i = 0; i < pt->n; i++)
		for (int j = 0; j < 2; j++) {
			double v = pt->x[2 * i + (size_t)j];
			if (!isfinite(v))
				continue;
			lo[j] = v < lo[j] ? v : lo[j];
			hi[j] = v > hi[j] ? v : hi[j];
		}
	for (int j = 0; j < 2; j++) {
		if (lo[j] > hi[j]) {
			lo[j] = -1.0;
			hi[j] = 1.0;
		}
		nn_plot_pad_range(&lo[j], &hi[j], 0.08, 0);
	}
	s->x0 = lo[0];
	s->x1 = hi[0];
	s->y0 = lo[1];
	s->y1 = hi[1];
}

/* The points, coloured by class (or by value on [vlo, vhi] when t). */
static void
draw_points(nn_plot *p, const nn_axes *a, const nn_points *pt,
    const float *t, double vlo, double vhi)
{
	double *x = nn_xmalloc((pt->n + 1) * sizeof(*x));
	double *y = nn_xmalloc((pt->n + 1) * sizeof(*y));
	nn_rgb *c = nn_xmalloc((pt->n + 1) * sizeof(*c));

	for (size_t i = 0; i < pt->n; i++) {
		x[i] = pt->x[2 * i];
		y[i] = pt->x[2 * i + 1];
		if (t)
			c[i] = nn_plot_viridis(vhi > vlo ? (t[i] - vlo) / (vhi - vlo) :
			    0.5);
		else if (pt->cls && pt->cls[i] >= 0)
			c[i] = nn_plot_class_colour((size_t)pt->cls[i]);
		else
			c[i] = grey;
	}
	nn_plot_points(p, a, x, y, pt->n, c, grey);
	free(x);
	free(y);
	free(c);
}

/* A legend of the classes (at most a dozen: more would hide the data). */
static void
class_legend(nn_plot *p, const nn_axes *a, size_t k,
    const char *const *labels, int kind)
{
	nn_legend_item it[12];

	if (k == 0 || k > 12)
		return;
	for (size_t i = 0; i < k; i++)
		it[i] = (nn_legend_item){ labels[i], nn_plot_class_colour(i),
			kind, NN_LINE_SOLID };
	nn_plot_legend(p, a, it, k, 0);
}

/* ====================================================================== */
/* data                                                                   */
/* ====================================================================== */

/* Low and high values as two legend boxes, for a continuous scale. */
static void
value_legend(nn_plot *p, const nn_axes *a, double lo, double hi)
{
	char l[48], h[48];
	nn_legend_item it[2] = {
		{ h, nn_plot_viridis(1.0), NN_LEGEND_BOX, 0 },
		{ l, nn_plot_viridis(0.0), NN_LEGEND_BOX, 0 },
	};

	snprintf(l, sizeof(l), "%.3g", lo);
	snprintf(h, sizeof(h), "%.3g", hi);
	nn_plot_legend(p, a, it, 2, 0);
}

void
nn_fig_data(nn_plot *p, nn_rect r, const nn_points *pt, const nn_fig_opts *o)
{
	nn_axes_spec s = { .title = o->title ? o->title : o->name,
		.xlabel = pt->xname, .ylabel = pt->yname, .bare = o->bare };
	const float *t = pt->cls ? NULL : pt->t;
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	nn_axes a;

	points_range(pt, o, &s);
	for (size_t i = 0; t && i < pt->n; i++) {
		lo = t[i] < lo ? t[i] : lo;
		hi = t[i] > hi ? t[i] : hi;
	}
	nn_axes_begin(p, r, &s, &a);
	draw_points(p, &a, pt, t, lo, hi);
	nn_axes_finish(p, &a, &s);
	if (o->bare || o->compact)
		return;
	if (t)
		value_legend(p, &a, lo, hi);
	else if (pt->cls)
		class_legend(p, &a, pt->nlabels, pt->labels, NN_LEGEND_POINT);
}

/* ====================================================================== */
/* boundary                                                               */
/* ====================================================================== */

char *
nn_plot_arch(const nn_model *m)
{
	size_t nh = m->nlayers ? m->nlayers - 1 : 0, n = 32;
	int same = 1;
	char *s, *q;

	if (nh == 0)
		return nn_xstrdup("no hidden layer");
	for (size_t i = 0; i < nh; i++) {
		n += 24 + strlen(nn_act_name(m->layers[i].act));
		same &= m->layers[i].act == m->layers[0].act;
	}
	s = q = nn_xmalloc(n);
	for (size_t i = 0; i < nh; i++) {
		q += sprintf(q, "%s%zu", i ? "-" : "", m->layers[i].nout);
		if (!same)
			q += sprintf(q, " %s", nn_act_name(m->layers[i].act));
	}
	if (same)
		sprintf(q, " %s", nn_act_name(m->layers[0].act));
	return s;
}

/* Tint of colour c: white at strength 0, c at 1. */
static void
tint(unsigned char *px, nn_rgb c, double a)
{
	px[0] = (unsigned char)lround(255.0 * (1.0 - a * (1.0 - c.r)));
	px[1] = (unsigned char)lround(255.0 * (1.0 - a * (1.0 - c.g)));
	px[2] = (unsigned char)lround(255.0 * (1.0 - a * (1.0 - c.b)));
}

int
nn_fig_boundary(nn_plot *p, nn_rect r, const nn_model *m,
    const nn_points *pt, const nn_fig_opts *o, nn_err *e)
{
	int reg = m->task == NN_TASK_REGRESSION;
	size_t K = m->nout;
	nn_axes_spec s = { .xlabel = pt->xname, .ylabel = pt->yname,
		.bare = o->bare };
	nn_axes a;
	int gw, gh;
	size_t wb;              /* rows of w */
	nn_work *w;
	float *row;
	long *cls;
	float *val;
	unsigned char *img;
	char *arch, *title = NULL, score[64] = "";
	double vlo = HUGE_VAL, vhi = -HUGE_VAL;
	const char *name = o->name;

	if (m->nin != 2)
		return nn_errf(e, "the model takes %zu inputs; a decision "
		    "boundary needs 2", m->nin);
	points_range(pt, o, &s);

	/* the score on the points, for the title: 256 points at a time, or
	 * as many as the work buffers' budget allows a deep network */
	wb = nn_work_rows(m, 2, NN_WORK_BUDGET, 256);
	w = nn_work_new(m, wb);
	row = nn_xmalloc(2 * wb * sizeof(*row));
	if (pt->n > 0 && (reg ? pt->t != NULL : pt->cls != NULL)) {
		size_t right = 0;
		double sse = 0.0;
		for (size_t i0 = 0; i0 < pt->n; i0 += wb) {
			size_t B = pt->n - i0 < wb ? pt->n - i0 : wb;
			const float *out;
			memcpy(row, pt->x + 2 * i0, 2 * B * sizeof(*row));
			nn_model_scale(m, row, B);
			out = nn_forward(m, w, row, B);
			for (size_t i = 0; i < B; i++) {
				const float *q = out + i * K;
				long k = 0;
				if (reg) {
					double d = (double)q[0] - pt->t[i0 + i];
					sse += d * d;
					continue;
				}
				if (K == 1)
					k = q[0] >= 0.5f;
				else
					for (size_t j = 1; j < K; j++)
						if (q[j] > q[k])
							k = (long)j;
				right += pt->cls[i0 + i] == k;
			}
		}
		if (reg)
			snprintf(score, sizeof(score), "rmse %.3g",
			    sqrt(sse / (double)pt->n));
		else
			snprintf(score, sizeof(score), "accuracy %.3f",
			    (double)right / (double)pt->n);
	}
	arch = nn_plot_arch(m);
	title = join3(name, arch, score[0] ? score : NULL);
	s.title = o->title ? o->title : title;

	nn_axes_begin(p, r, &s, &a);
	nn_plot_image_size(p, &a, nn_plot_format_of(p) == NN_PLOT_PNG ||
	    nn_plot_format_of(p) == NN_PLOT_TERM ? 600 : 300, &gw, &gh);
	if (nn_work_rows(m, 2, NN_WORK_BUDGET, (size_t)gw) > wb) {
		wb = nn_work_rows(m, 2, NN_WORK_BUDGET, (size_t)gw);
		nn_work_free(w);
		w = nn_work_new(m, wb);
		row = nn_xrealloc(row, 2 * wb * sizeof(*row));
	}
	cls = nn_xmalloc((size_t)gw * (size_t)gh * sizeof(*cls));
	val = nn_xmalloc((size_t)gw * (size_t)gh * sizeof(*val));
	img = nn_xmalloc((size_t)gw * (size_t)gh * 3);

	/* the model on every pixel centre, a row of the image at a time (in
	 * pieces of wb pixels for a deep network) */
	for (int i = 0; i < gh; i++)
	for (int j0 = 0; j0 < gw; j0 += (int)wb) {
		double y = s.y1 - (i + 0.5) / gh * (s.y1 - s.y0);
		const int j1 = gw - j0 < (int)wb ? gw : j0 + (int)wb;
		const float *out;
		for (int j = j0; j < j1; j++) {
			row[2 * (j - j0)] = (float)(s.x0 + (j + 0.5) / gw *
			    (s.x1 - s.x0));
			row[2 * (j - j0) + 1] = (float)y;
		}
		nn_model_scale(m, row, (size_t)(j1 - j0));
		out = nn_forward(m, w, row, (size_t)(j1 - j0));
		for (int j = j0; j < j1; j++) {
			const float *q = out + (size_t)(j - j0) * K;
			size_t at = (size_t)i * (size_t)gw + (size_t)j;
			long k = 0;
			double conf;
			if (reg) {
				val[at] = q[0];
				if (isfinite(q[0])) {
					vlo = q[0] < vlo ? q[0] : vlo;
					vhi = q[0] > vhi ? q[0] : vhi;
				}
				cls[at] = 0;
				continue;
			}
			if (K == 1) {
				k = q[0] >= 0.5f;
				conf = fabs(2.0 * q[0] - 1.0);
			} else {
				for (size_t c = 1; c < K; c++)
					if (q[c] > q[k])
						k = (long)c;
				conf = (q[k] - 1.0 / (double)K) / (1.0 - 1.0 / (double)K);
			}
			cls[at] = k;
			val[at] = (float)(isfinite(conf) ? conf : 0.0);
		}
	}
	if (reg && pt->t) {
		/* the scale of the data's targets: the model's extrapolation
		 * far from the data would wash out the part that matters */
		vlo = HUGE_VAL;
		vhi = -HUGE_VAL;
		for (size_t i = 0; i < pt->n; i++) {
			vlo = pt->t[i] < vlo ? pt->t[i] : vlo;
			vhi = pt->t[i] > vhi ? pt->t[i] : vhi;
		}
	}
	for (int i = 0; i < gh; i++)
		for (int j = 0; j < gw; j++) {
			size_t at = (size_t)i * (size_t)gw + (size_t)j;
			unsigned char *px = img + 3 * at;
			if (reg) {
				nn_rgb c = nn_plot_viridis(vhi > vlo ?
				    (val[at] - vlo) / (vhi - vlo) : 0.5);
				tint(px, c, 0.6);
				continue;
			}
			/* the class's colour, paler towards chance */
			tint(px, nn_plot_class_colour((size_t)cls[at]),
			    0.12 + 0.4 * floor(val[at] * 8.0 + 0.5) / 8.0);
			/* where the class changes: the boundary */
			if ((j + 1 < gw && cls[at + 1] != cls[at]) ||
			    (i + 1 < gh && cls[at + (size_t)gw] != cls[at]))
				px[0] = px[1] = px[2] = 60;
		}
	nn_plot_image(p, &a, img, gw, gh);
	draw_points(p, &a, pt, reg ? pt->t : NULL, vlo, vhi);
	nn_axes_finish(p, &a, &s);
	/* a panel of a grid too: without it the colours are a guess */
	if (!o->bare) {
		if (reg && vlo <= vhi)
			value_legend(p, &a, vlo, vhi);
		else if (!reg)
			class_legend(p, &a, m->nlabels,
			    (const char *const *)m->labels, NN_LEGEND_POINT);
	}
	nn_work_free(w);
	free(row);
	free(cls);
	free(val);
	free(img);
	free(arch);
	free(title);
	return 0;
}

/* ====================================================================== */
/* loss                                                                   */
/* ====================================================================== */

static void
minmax(const double *v, size_t n, size_t stride, int positive, double *lo,
    double *hi)
{
	for (size_t i = 0; i < n; i++) {
		double x = v[i * stride];
		if (!isfinite(x) || (positive && x <= 0.0))
			continue;
		*lo = x < *lo ? x : *lo;
		*hi = x > *hi ? x : *hi;
	}
}

static int
any_finite(const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			return 1;
	return 0;
}

static void
epoch_range(const nn_trainlog *logs, size_t nlogs, nn_axes_spec *s)
{
	double lo = HUGE_VAL, hi = -HUGE_VAL;

	for (size_t k = 0; k < nlogs; k++)
		minmax(logs[k].epoch, logs[k].n, 1, 0, &lo, &hi);
	if (lo >= hi)
		nn_plot_pad_range(&lo, &hi, 0.5, 0);
	s->x0 = lo;
	s->x1 = hi;
}

/* One panel of curves: the train and val series of each log. */
static void
curves(nn_plot *p, nn_rect r, const nn_trainlog *logs,
    const char *const *names, size_t nlogs, int acc, const nn_fig_opts *o)
{
	nn_axes_spec s = { .title = acc ? "accuracy" : "loss",
		.xlabel = "epoch", .ylabel = acc ? "accuracy" : "loss",
		.ylog = !acc && o->ylog };
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	nn_legend_item *it = nn_xmalloc((2 * nlogs + 2) * sizeof(*it));
	size_t ni = 0;
	int val = 0;
	nn_axes a;

	epoch_range(logs, nlogs, &s);
	for (size_t k = 0; k < nlogs; k++) {
		minmax(acc ? logs[k].train_acc : logs[k].train_loss, logs[k].n, 1,
		    s.ylog, &lo, &hi);
		minmax(acc ? logs[k].val_acc : logs[k].val_loss, logs[k].n, 1,
		    s.ylog, &lo, &hi);
	}
	if (lo > hi) {
		lo = s.ylog ? 0.1 : 0.0;
		hi = 1.0;
	}
	if (acc) {
		s.y0 = floor((lo - 0.02) * 10.0) / 10.0;
		s.y0 = s.y0 < 0.0 ? 0.0 : s.y0;
		s.y1 = 1.0 + (1.0 - s.y0) * 0.03;
	} else if (s.ylog) {
		s.y0 = lo;
		s.y1 = hi;
		nn_plot_pad_range(&s.y0, &s.y1, 0.05, 1);
	} else {
		s.y0 = lo >= 0.0 ? 0.0 : lo - 0.05 * (hi - lo);
		s.y1 = hi + 0.05 * (hi - s.y0);
		if (s.y1 <= s.y0)
			s.y1 = s.y0 + 1.0;
	}
	nn_axes_begin(p, r, &s, &a);
	/* one log: an entry per line, each its own colour and style; several:
	 * an entry per log in its colour, and the two line styles once */
	for (size_t k = 0; k < nlogs; k++) {
		const nn_trainlog *l = &logs[k];
		nn_rgb c = nn_plot_class_colour(k);
		nn_rgb cv = nlogs == 1 ? nn_plot_class_colour(1) : c;
		const double *tr = acc ? l->train_acc : l->train_loss;
		const double *va = acc ? l->val_acc : l->val_loss;
		int ht = any_finite(tr, l->n), hv = any_finite(va, l->n);
		if (ht)
			nn_plot_line(p, &a, l->epoch, tr, l->n, c, NN_LINE_SOLID);
		if (hv)
			nn_plot_line(p, &a, l->epoch, va, l->n, cv, NN_LINE_DASHED);
		if (nlogs > 1 && (ht || hv)) {
			it[ni++] = (nn_legend_item){ names[k], c, NN_LEGEND_LINE,
				NN_LINE_SOLID };
			val |= hv;
		} else if (nlogs == 1) {
			if (ht)
				it[ni++] = (nn_legend_item){ "train", c,
					NN_LEGEND_LINE, NN_LINE_SOLID };
			if (hv)
				it[ni++] = (nn_legend_item){ "validation", cv,
					NN_LEGEND_LINE, NN_LINE_DASHED };
		}
	}
	if (val) {
		it[ni++] = (nn_legend_item){ "train", grey, NN_LEGEND_LINE,
			NN_LINE_SOLID };
		it[ni++] = (nn_legend_item){ "validation", grey, NN_LEGEND_LINE,
			NN_LINE_DASHED };
	}
	nn_axes_finish(p, &a, &s);
	if (!o->compact && (nlogs == 1 || !acc))
		nn_plot_legend(p, &a, it, ni, acc ? 2 : 0);
	free(it);
}

void
nn_fig_loss(nn_plot *p, nn_rect r, const nn_trainlog *logs,
    const char *const *names, size_t nlogs, const nn_fig_opts *o)
{
	int acc = 0;

	for (size_t k = 0; k < nlogs; k++)
		acc |= any_finite(logs[k].train_acc, logs[k].n) ||
		    any_finite(logs[k].val_acc, logs[k].n);
	r = nn_plot_title(p, r, o->title ? o->title :
	    nlogs == 1 ? o->name : NULL);
	if (!acc) {
		curves(p, r, logs, names, nlogs, 0, o);
		return;
	}
	curves(p, nn_rect_cell(r, 1, 2, 0, 0), logs, names, nlogs, 0, o);
	curves(p, nn_rect_cell(r, 1, 2, 0, 1), logs, names, nlogs, 1, o);
}

/* ====================================================================== */
/* activations                                                            */
/* ====================================================================== */

#define ACT_SAMPLES 801

int
nn_fig_activations(nn_plot *p, nn_rect r, const nn_act *acts, size_t n,
    const nn_fig_opts *o, nn_err *e)
{
	size_t cols = n <= 4 ? n : n <= 6 ? 3 : 4, rows = (n + cols - 1) / cols;
	float in[ACT_SAMPLES], out[ACT_SAMPLES], ones[ACT_SAMPLES];
	float din[ACT_SAMPLES];
	double x[ACT_SAMPLES], f[ACT_SAMPLES], d[ACT_SAMPLES];
	double x0 = o->has_range ? o->x0 : -4.0, x1 = o->has_range ? o->x1 : 4.0;

	for (size_t i = 0; i < n; i++)
		if (acts[i] == NN_ACT_SOFTMAX || (unsigned)acts[i] >= NN_ACT_COUNT)
			return nn_errf(e, "%s: not an element-wise activation",
			    nn_act_name(acts[i]));
	if (n == 0)
		return nn_errf(e, "no activation to plot");
	r = nn_plot_title(p, r, o->title);
	for (size_t k = 0; k < ACT_SAMPLES; k++) {
		x[k] = x0 + (x1 - x0) * (double)k / (ACT_SAMPLES - 1);
		in[k] = (float)x[k];
		ones[k] = 1.0f;
	}
	for (size_t i = 0; i < n; i++) {
		nn_axes_spec s = { .title = nn_act_name(acts[i]), .xlabel = "x" };
		double lo = 0.0, hi = 0.0, zx[2], zy[2];
		nn_axes a;

		/* f(x) by the library's forward, f'(x) by its backward with an
		 * upstream gradient of 1 */
		nn_act_forward(acts[i], out, in, 1, ACT_SAMPLES);
		memset(din, 0, sizeof(din));
		nn_act_backward(acts[i], din, ones, in, out, ACT_SAMPLES);
		for (size_t k = 0; k < ACT_SAMPLES; k++) {
			f[k] = out[k];
			d[k] = din[k];
		}
		minmax(f, ACT_SAMPLES, 1, 0, &lo, &hi);
		minmax(d, ACT_SAMPLES, 1, 0, &lo, &hi);
		s.x0 = x0;
		s.x1 = x1;
		s.y0 = lo;
		s.y1 = hi;
		if (o->has_range && o->y0 < o->y1) {
			s.y0 = o->y0;
			s.y1 = o->y1;
		} else
			nn_plot_pad_range(&s.y0, &s.y1, 0.06, 0);
		nn_axes_begin(p, nn_rect_cell(r, rows, cols, i / cols, i % cols),
		    &s, &a);
		zx[0] = x0;
		zx[1] = x1;
		zy[0] = zy[1] = 0.0;
		nn_plot_line(p, &a, zx, zy, 2, grey, NN_LINE_DOTTED);
		zx[0] = zx[1] = 0.0;
		zy[0] = s.y0;
		zy[1] = s.y1;
		nn_plot_line(p, &a, zx, zy, 2, grey, NN_LINE_DOTTED);
		nn_plot_line(p, &a, x, f, ACT_SAMPLES, nn_plot_class_colour(4),
		    NN_LINE_SOLID);
		nn_plot_line(p, &a, x, d, ACT_SAMPLES, nn_plot_class_colour(5),
		    NN_LINE_DASHED);
		nn_axes_finish(p, &a, &s);
		if (!o->compact) {
			nn_legend_item it[2] = {
				{ "f(x)", nn_plot_class_colour(4), NN_LEGEND_LINE,
					NN_LINE_SOLID },
				{ "f'(x)", nn_plot_class_colour(5), NN_LEGEND_LINE,
					NN_LINE_DASHED },
			};
			nn_plot_legend(p, &a, it, 2, 1);
		}
	}
	return 0;
}

/* ====================================================================== */
/* gradients and updates                                                  */
/* ====================================================================== */

/* Per-layer curves of v (n, L) over the epochs, log scale. */
static void
layer_curves(nn_plot *p, nn_rect r, const nn_trainlog *l, const double *v,
    const char *title, const char *ylabel, double ref, const char *reflabel,
    const nn_fig_opts *o)
{
	nn_axes_spec s = { .title = title, .xlabel = "epoch", .ylabel = ylabel,
		.ylog = 1 };
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	double *y = nn_xmalloc(l->n * sizeof(*y));
	nn_legend_item *it = nn_xmalloc((l->L + 1) * sizeof(*it));
	char (*lab)[32] = nn_xmalloc((l->L + 1) * sizeof(*lab));
	nn_axes a;

	epoch_range(l, 1, &s);
	minmax(v, l->n * l->L, 1, 1, &lo, &hi);
	if (ref > 0.0) {
		lo = ref < lo ? ref : lo;
		hi = ref > hi ? ref : hi;
	}
	if (lo > hi) {
		s.ylog = 0;
		lo = 0.0;
		hi = 1.0;
	}
	s.y0 = lo;
	s.y1 = hi;
	nn_plot_pad_range(&s.y0, &s.y1, 0.05, s.ylog);
	nn_axes_begin(p, r, &s, &a);
	if (ref > 0.0) {
		double rx[2] = { s.x0, s.x1 }, ry[2] = { ref, ref };
		nn_plot_line(p, &a, rx, ry, 2, grey, NN_LINE_DOTTED);
	}
	for (size_t k = 0; k < l->L; k++) {
		for (size_t i = 0; i < l->n; i++)
			y[i] = v[i * l->L + k];
		snprintf(lab[k], sizeof(lab[k]), k + 1 == l->L ?
		    "layer %zu (output)" : "layer %zu", k + 1);
		it[k] = (nn_legend_item){ lab[k], nn_plot_class_colour(k),
			NN_LEGEND_LINE, NN_LINE_SOLID };
		nn_plot_line(p, &a, l->epoch, y, l->n, nn_plot_class_colour(k),
		    NN_LINE_SOLID);
	}
	if (ref > 0.0)
		it[l->L] = (nn_legend_item){ reflabel, grey, NN_LEGEND_LINE,
			NN_LINE_DOTTED };
	nn_axes_finish(p, &a, &s);
	if (!o->compact)
		nn_plot_legend(p, &a, it, l->L + (ref > 0.0), 0);
	free(y);
	free(it);
	free(lab);
}

static int
check_layers(const nn_trainlog *l, const nn_fig_opts *o, nn_err *e)
{
	if (l->L == 0)
		return nn_errf(e, "%s: the log has no per-layer columns",
		    o->name ? o->name : "log");
	return 0;
}

int
nn_fig_gradients(nn_plot *p, nn_rect r, const nn_trainlog *l,
    const nn_fig_opts *o, nn_err *e)
{
	nn_axes_spec s = { .title = "last epoch", .xlabel = "layer",
		.ylabel = "gradient norm", .ylog = 1 };
	double lo = HUGE_VAL, hi = -HUGE_VAL;
	const double *last;
	char (*cat)[24];
	const char **cats;
	nn_rect left, right;
	nn_axes a;
	char *title;

	if (check_layers(l, o, e) < 0)
		return -1;
	title = join3("gradient flow", o->name, NULL);
	r = nn_plot_title(p, r, o->title ? o->title : title);
	free(title);
	left = nn_rect_cell(r, 1, 5, 0, 0);
	left.w *= 3.0;
	right = nn_rect_cell(r, 1, 5, 0, 3);
	right.w *= 2.0;
	layer_curves(p, left, l, l->grad_norm, "per layer", "gradient norm",
	    0.0, NULL, o);

	last = l->grad_norm + (l->n - 1) * l->L;
	minmax(last, l->L, 1, 1, &lo, &hi);
	if (lo > hi) {
		s.ylog = 0;
		lo = 0.0;
		hi = 1.0;
	}
	s.y0 = lo;
	s.y1 = hi;
	nn_plot_pad_range(&s.y0, &s.y1, 0.1, s.ylog);
	if (!s.ylog)
		s.y0 = 0.0;
	cat = nn_xmalloc(l->L * sizeof(*cat));
	cats = nn_xmalloc(l->L * sizeof(*cats));
	for (size_t k = 0; k < l->L; k++) {
		snprintf(cat[k], sizeof(cat[k]), "%zu", k + 1);
		cats[k] = cat[k];
	}
	s.x0 = 0.0;
	s.x1 = (double)l->L;
	s.x_cats = cats;
	s.nx_cats = l->L;
	s.no_grid = 0;
	nn_axes_begin(p, right, &s, &a);
	for (size_t k = 0; k < l->L; k++)
		nn_plot_bar(p, &a, (double)k + 0.5, 0.6, last[k],
		    nn_plot_class_colour(k));
	nn_axes_finish(p, &a, &s);
	free(cat);
	free(cats);
	return 0;
}

int
nn_fig_updates(nn_plot *p, nn_rect r, const nn_trainlog *l,
    const nn_fig_opts *o, nn_err *e)
{
	char *title;

	if (check_layers(l, o, e) < 0)
		return -1;
	title = join3("update / weight ratio", o->name, NULL);
	/* 1e-3: a common rule of thumb for a healthy learning rate */
	layer_curves(p, r, l, l->update_ratio, o->title ? o->title : title,
	    "|update| / |weights|", 1e-3, "1e-3", o);
	free(title);
	return 0;
}

/* ====================================================================== */
/* confusion                                                              */
/* ====================================================================== */

#define LABEL_SHOW 16   /* characters of a label shown on an axis */

static void
heat(nn_plot *p, nn_rect r, const nn_cls_report *c, const char *const *lab,
    int norm)
{
	size_t K = c->k;
	nn_axes_spec s = { .title = norm ? "row-normalised" : "counts",
		.xlabel = "predicted", .ylabel = "true", .x0 = 0,
		.x1 = (double)K, .y0 = 0, .y1 = (double)K, .x_cats = lab,
		.nx_cats = K, .y_cats = lab, .ny_cats = K, .no_grid = 1 };
	uint64_t big = 1;
	nn_axes a;
	double cw, ch, th;

	for (size_t i = 0; i < K * K; i++)
		big = c->confusion[i] > big ? c->confusion[i] : big;
	nn_axes_begin(p, r, &s, &a);
	cw = a.area.w / (double)K;
	ch = a.area.h / (double)K;
	th = nn_plot_text_height(p, a.fs);
	for (size_t t = 0; t < K; t++)
		for (size_t q = 0; q < K; q++) {
			uint64_t n = c->confusion[t * K + q];
			double v = norm ? (c->support[t] ? (double)n /
			    (double)c->support[t] : NAN) : (double)n / (double)big;
			double y0 = (double)(K - t - 1);
			nn_rgb col = nn_plot_viridis(v);
			char buf[32];
			nn_plot_cell(p, &a, (double)q, y0, (double)q + 1.0, y0 + 1.0,
			    col);
			if (norm)
				snprintf(buf, sizeof(buf), isnan(v) ? "-" : "%.2f", v);
			else
				snprintf(buf, sizeof(buf), "%llu",
				    (unsigned long long)n);
			if (nn_plot_text_width(p, a.fs, buf) <= cw * 0.9 &&
			    th <= ch * 0.95) {
				double l = 0.299 * col.r + 0.587 * col.g + 0.114 * col.b;
				nn_rgb tc = l < 0.5 ? (nn_rgb){ 1, 1, 1 } :
				    (nn_rgb){ 0, 0, 0 };
				nn_plot_text(p, nn_axes_x(&a, q + 0.5),
				    nn_axes_y(&a, y0 + 0.5), 0.5, 0.5, a.fs, 0, tc, buf);
			}
		}
	nn_axes_finish(p, &a, &s);
}

void
nn_fig_confusion(nn_plot *p, nn_rect r, const nn_cls_report *c,
    const nn_fig_opts *o)
{
	char **lab = nn_xmalloc(c->k * sizeof(*lab));
	char acc[48], *title;

	/* long labels shortened, or the axes would take the whole figure */
	for (size_t i = 0; i < c->k; i++) {
		const char *s = c->labels[i];
		size_t n = 0, b = 0;
		while (s[b] && n < LABEL_SHOW) {
			b++;
			while ((s[b] & 0xC0) == 0x80)
				b++;
			n++;
		}
		lab[i] = nn_xmalloc(b + 4);
		memcpy(lab[i], s, b);
		strcpy(lab[i] + b, s[b] ? "\xe2\x80\xa6" : "");
	}
	snprintf(acc, sizeof(acc), "accuracy %.3f", c->accuracy);
	title = join3(o->name, acc, NULL);
	r = nn_plot_title(p, r, o->title ? o->title : title);
	heat(p, nn_rect_cell(r, 1, 2, 0, 0), c, (const char *const *)lab, 0);
	heat(p, nn_rect_cell(r, 1, 2, 0, 1), c, (const char *const *)lab, 1);
	for (size_t i = 0; i < c->k; i++)
		free(lab[i]);
	free(lab);
	free(title);
}
