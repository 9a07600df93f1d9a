/*
 * plot_roc.c - ROC and precision-recall curves of nn-predict's
 * probabilities: the reader of its output and the two figures.
 *
 * The reader takes a CSV the caller has opened (so that the caller's
 * options for the input apply) and keeps, for each row, the true label's
 * class and the p_* columns, in an nn_scores (lib/metrics.c): the curves
 * and their areas are those of nn_curve_new, the same figures nn-eval
 * reports, so a legend never disagrees with the report.
 *
 * The figures draw one curve for a binary problem (the second p_* column's
 * class, the one nn-predict calls positive, against the other) and one per
 * class otherwise (one-vs-rest), each in its class colour, over the line a
 * classifier without skill would give: the diagonal for ROC, the positive
 * rate for precision-recall.  The PR curve is drawn as steps, the shape
 * whose area average precision is; joining its points by straight lines
 * would draw an area that is not the one in the legend.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"

#define BATCH 1024
/* A label in a message: at most 40 bytes of it. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), \
	(strlen(s) > 40 ? "..." : "")

static const nn_rgb grey = { 0.45, 0.45, 0.45 };

/* ====================================================================== */
/* Reading nn-predict --proba                                             */
/* ====================================================================== */

void
nn_pred_scores_free(nn_pred_scores *ps)
{
	for (size_t j = 0; ps->labels != NULL && j < ps->s.k; j++)
		free(ps->labels[j]);
	free(ps->labels);
	nn_scores_free(&ps->s);
	memset(ps, 0, sizeof(*ps));
}

/* The columns: p_* in order (their labels into ps), the truth; the roles
 * set on c.  -1 with a message when either is missing. */
static int
pred_columns(nn_csv *c, const char *name, long pc, nn_pred_scores *ps,
    nn_strtab *tab, long *tc, nn_err *e)
{
	size_t nc = nn_csv_ncols(c), k = 0;
	int *roles = nn_xmalloc(nc * sizeof(*roles));
	int rc;

	*tc = -1;
	ps->labels = nn_xmalloc(nc * sizeof(*ps->labels));
	for (size_t j = 0; j < nc; j++) {
		const char *h = nn_csv_colname(c, j);
		roles[j] = NN_COL_SKIP;
		if ((long)j == pc)
			continue;
		if (strncmp(h, "p_", 2) != 0) {
			if (*tc < 0) {
				*tc = (long)j;
				roles[j] = NN_COL_TEXT(0);
			}
			continue;
		}
		if (nn_strtab_intern(tab, h + 2, strlen(h + 2)) != (long)k) {
			free(roles);
			return nn_errf(e, "%s: two columns p_%.*s%s", name,
			    SHOW(h + 2));
		}
		ps->labels[k] = nn_xstrdup(h + 2);
		roles[j] = (int)k++;
	}
	nn_scores_init(&ps->s, k, (const char *const *)ps->labels);
	if (k == 0)
		rc = nn_errf(e, "%s: no p_* columns: the curves need "
		    "probabilities (nn-predict --proba)", name);
	else if (*tc < 0)
		rc = nn_errf(e, "%s: no column of true labels (nn-predict writes "
		    "one when its input has the target)", name);
	else
		rc = nn_csv_set_roles(c, roles, k, 1, 0, e);
	free(roles);
	return rc;
}

int
nn_pred_scores_read(nn_csv *c, const char *name, long pc,
    nn_pred_scores *ps, nn_err *e)
{
	nn_strtab *tab = nn_strtab_new();
	float *x = NULL;
	long n, tc;

	memset(ps, 0, sizeof(*ps));
	if (pred_columns(c, name, pc, ps, tab, &tc, e) < 0)
		goto fail;
	x = nn_xmalloc((size_t)BATCH * ps->s.k * sizeof(*x));  /* (BATCH, k) */
	while ((n = nn_csv_read(c, x, BATCH, e)) > 0)
		for (size_t i = 0; i < (size_t)n; i++) {
			const char *t = nn_csv_text(c, i, 0);
			const float *p = x + i * ps->s.k;
			unsigned long line = nn_csv_line(c, i);
			long cls = nn_strtab_find(tab, t, strlen(t));
			double sum = 0.0;
			for (size_t j = 0; j < ps->s.k; j++) {
				if (!(p[j] >= 0.0f && p[j] <= 1.0f)) {
					nn_errf(e, "%s:%lu: p_%.*s%s: expected a probability "
					    "in [0, 1], got %g", name, line,
					    SHOW(ps->labels[j]), p[j]);
					goto fail;
				}
				sum += p[j];
			}
			if (fabs(sum - 1.0) > NN_METRICS_PROB_TOL) {
				nn_errf(e, "%s:%lu: probabilities sum to %g, not 1",
				    name, line, sum);
				goto fail;
			}
			if (cls < 0) {
				nn_errf(e, "%s:%lu:%ld: true label \"%.*s%s\" has no "
				    "probability column p_%.*s%s", name, line, tc + 1,
				    SHOW(t), SHOW(t));
				goto fail;
			}
			nn_scores_add(&ps->s, (size_t)cls, p, NULL);  /* checked */
		}
	if (n < 0)
		goto fail;
	if (ps->s.n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto fail;
	}
	free(x);
	nn_strtab_free(tab);
	return 0;
fail:
	free(x);
	nn_strtab_free(tab);
	nn_pred_scores_free(ps);
	return -1;
}

/* ====================================================================== */
/* The figures                                                            */
/* ====================================================================== */

/* The PR curve as steps: from (0, 1) down to the first precision, then
 * for each point that gains recall across to its recall at its precision;
 * the area under these steps is the average precision.  (A point that
 * gains no recall, a score held by negatives only, adds no area and would
 * only draw a spike.)  x, y: room for 2 cv->n points.  Returns the number
 * of points. */
static size_t
pr_steps(const nn_curve *cv, double *x, double *y)
{
	double at = 0.0;       /* the recall reached so far */
	size_t m = 0;

	x[m] = 0.0;
	y[m++] = 1.0;
	for (size_t i = 1; i < cv->n; i++) {
		if (!(cv->recall[i] > at))
			continue;
		x[m] = at;
		y[m++] = cv->precision[i];
		x[m] = at = cv->recall[i];
		y[m++] = cv->precision[i];
	}
	return m;
}

int
nn_fig_roc(nn_plot *p, nn_rect r, const nn_pred_scores *ps, int pr,
    const nn_fig_opts *o, nn_err *e)
{
	const nn_scores *s = &ps->s;
	const int binary = s->k == 2;
	const size_t first = binary ? 1 : 0, nc = binary ? 1 : s->k;
	nn_axes_spec sp = { .x0 = -0.02, .x1 = 1.02, .y0 = -0.02, .y1 = 1.02,
		.xlabel = pr ? "recall" : "false positive rate",
		.ylabel = pr ? "precision" : "true positive rate" };
	nn_curve **cv;
	nn_legend_item *it;
	char **text, sub[160];
	double *x, *y, macro = 0.0, cx[2], cy[2];
	nn_axes a;
	size_t ni = 0;

	if (s->k < 2)
		return nn_errf(e, "%zu class%s: ROC and precision-recall curves "
		    "need two or more", s->k, s->k == 1 ? "" : "es");
	/* every curve first, so an undefined one fails before any drawing */
	cv = nn_xcalloc(nc, sizeof(*cv));
	for (size_t c = 0; c < nc; c++)
		if ((cv[c] = nn_curve_new(s, first + c, e)) == NULL) {
			for (size_t d = 0; d < c; d++)
				nn_curve_free(cv[d]);
			free(cv);
			return -1;
		}
	for (size_t c = 0; c < nc; c++)
		macro += (pr ? cv[c]->rank.ap : cv[c]->rank.roc_auc) / (double)nc;
	if (binary)
		snprintf(sub, sizeof(sub), "class %.*s%s against %.*s%s",
		    SHOW(s->labels[1]), SHOW(s->labels[0]));
	else
		snprintf(sub, sizeof(sub), "one-vs-rest, macro %s %.4f",
		    pr ? "AP" : "AUC", macro);
	sp.title = sub;

	r = nn_plot_title(p, r, o->title ? o->title : o->name);
	nn_axes_begin(p, r, &sp, &a);
	it = nn_xmalloc((nc + 1) * sizeof(*it));
	text = nn_xmalloc(nc * sizeof(*text));
	x = nn_xmalloc(2 * (s->n + 1) * sizeof(*x));
	y = nn_xmalloc(2 * (s->n + 1) * sizeof(*y));

	/* chance: the diagonal, or each class's positive rate */
	cx[0] = 0.0;
	cx[1] = 1.0;
	if (!pr) {
		cy[0] = 0.0;
		cy[1] = 1.0;
		nn_plot_line(p, &a, cx, cy, 2, grey, NN_LINE_DASHED);
	}
	for (size_t c = 0; pr && c < nc; c++) {
		cy[0] = cy[1] = (double)cv[c]->pos / (double)s->n;
		nn_plot_line(p, &a, cx, cy, 2, binary ? grey :
		    nn_plot_class_colour(first + c), NN_LINE_DASHED);
	}
	for (size_t c = 0; c < nc; c++) {
		const nn_curve *v = cv[c];
		nn_rgb col = nn_plot_class_colour(first + c);
		double area = pr ? v->rank.ap : v->rank.roc_auc;
		size_t len = strlen(s->labels[first + c]);
		text[c] = nn_xmalloc(len + 32);
		if (binary)
			snprintf(text[c], len + 32, "%s = %.4f", pr ? "AP" : "AUC",
			    area);
		else
			snprintf(text[c], len + 32, "%s (%s %.4f)",
			    s->labels[first + c], pr ? "AP" : "AUC", area);
		if (pr)
			nn_plot_line(p, &a, x, y, pr_steps(v, x, y), col,
			    NN_LINE_SOLID);
		else
			nn_plot_line(p, &a, v->fpr, v->tpr, v->n, col,
			    NN_LINE_SOLID);
		it[ni++] = (nn_legend_item){ text[c], col, NN_LEGEND_LINE,
			NN_LINE_SOLID };
	}
	it[ni++] = (nn_legend_item){ pr ? "chance (positive rate)" : "chance",
		grey, NN_LEGEND_LINE, NN_LINE_DASHED };
	nn_axes_finish(p, &a, &sp);
	nn_plot_legend(p, &a, it, ni, pr ? 3 : 2);

	for (size_t c = 0; c < nc; c++) {
		free(text[c]);
		nn_curve_free(cv[c]);
	}
	free(text);
	free(cv);
	free(it);
	free(x);
	free(y);
	return 0;
}
