/*
 * plot_tune.c - the results of a hyperparameter search (nn-tune's CSV):
 * the reader of the table and the tune figure.
 *
 * The table has one row per finished trial: trial, rung and epochs, one
 * column per searched hyperparameter, then the metric's name and its mean,
 * spread and the seconds taken.  The fixed columns are found by name, so
 * every other column is a hyperparameter whatever nn-tune searched; its
 * values stay text ("16,8" is one value of layers) and are numbered, so
 * that grouping trials by value is comparing integers.  The reader sorts
 * the rows by trial and rung: a parallel search writes them as they end.
 *
 * The figure answers the question the search was run for, in the shape
 * the table has: how the metric moves with one hyperparameter (a line with
 * error bars, the others' combinations as series), with two (a heat map,
 * as libsvm's grid.py draws its contour), or, for random search and
 * successive halving, over the trials, where a rung's higher epochs show
 * as its own colour.  Whatever is drawn, the best trial among what is
 * drawn is ringed and named in the title, so the figure and its title
 * never disagree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"

#define BATCH 256
/* A field in a message: at most 40 bytes of it. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), \
	(strlen(s) > 40 ? "..." : "")
/* The most series a line draws; more become the best over them. */
#define MAX_SERIES 6
/* The most distinct numbers an axis of the heat map shows as cells; more
 * (a random search over a range) are drawn as points. */
#define MAX_CELLS 24

static const nn_rgb ink = { 0.1, 0.1, 0.1 };
static const nn_rgb grey = { 0.45, 0.45, 0.45 };
static const nn_rgb untried = { 0.86, 0.86, 0.86 };

/* ====================================================================== */
/* Reading nn-tune's table                                                */
/* ====================================================================== */

enum { C_TRIAL, C_RUNG, C_EPOCHS, C_METRIC, C_MEAN, C_SD, C_SECONDS,
	NFIXED };
static const char *const fixed_cols[NFIXED] = {
	"trial", "rung", "epochs", "metric", "mean", "sd", "seconds"
};

/* The metrics nn-tune ranks by, and which way is better. */
static const struct {
	const char *name;
	int higher;
} metrics[] = {
	{ "accuracy", 1 }, { "log_loss", 0 }, { "f1", 1 }, { "auc", 1 },
	{ "mse", 0 }, { "rmse", 0 }, { "mae", 0 }, { "r2", 1 },
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

void
nn_tunelog_free(nn_tunelog *l)
{
	if (l == NULL)
		return;
	for (size_t j = 0; l->hp != NULL && j < l->k; j++) {
		for (size_t v = 0; v < l->hp[j].nvals; v++)
			free(l->hp[j].vals[v]);
		free(l->hp[j].vals);
		free(l->hp[j].num);
		free(l->hp[j].name);
	}
	free(l->hp);
	free(l->val);
	free(l->trial);
	free(l->rung);
	free(l->epochs);
	free(l->mean);
	free(l->sd);
	free(l->seconds);
	free(l->metric);
	memset(l, 0, sizeof(*l));
}

long
nn_tunelog_find(const nn_tunelog *l, const char *name)
{
	for (size_t j = 0; j < l->k; j++)
		if (strcmp(l->hp[j].name, name) == 0)
			return (long)j;
	return -1;
}

/* The header: each fixed column's index into col[], the hyperparameters'
 * into hpcol[] (their names into l->hp).  A missing fixed column is named
 * with every other one missing. */
static int
read_header(nn_csv *c, const char *name, nn_tunelog *l, size_t *col,
    size_t **hpcol, nn_err *e)
{
	size_t nc = nn_csv_ncols(c);
	char missing[160] = "";
	size_t nmiss = 0;

	for (int f = 0; f < NFIXED; f++)
		col[f] = nc;
	*hpcol = nn_xmalloc((nc + 1) * sizeof(**hpcol));
	l->hp = nn_xcalloc(nc + 1, sizeof(*l->hp));
	for (size_t j = 0; j < nc; j++) {
		const char *h = nn_csv_colname(c, j);
		int f = 0;
		/* names are unique: the CSV reader refuses a second one */
		while (f < NFIXED && strcmp(h, fixed_cols[f]) != 0)
			f++;
		if (f < NFIXED) {
			col[f] = j;
			continue;
		}
		if (*h == '\0')
			return nn_errf(e, "%s:1:%zu: a column without a name", name,
			    j + 1);
		(*hpcol)[l->k] = j;
		l->hp[l->k++].name = nn_xstrdup(h);
	}
	for (int f = 0; f < NFIXED; f++)
		if (col[f] == nc) {
			size_t len = strlen(missing);
			snprintf(missing + len, sizeof(missing) - len, "%s\"%s\"",
			    nmiss++ ? ", " : "", fixed_cols[f]);
		}
	if (nmiss)
		return nn_errf(e, "%s:1: not nn-tune output: no column%s %s "
		    "(its header is trial,rung,epochs, the hyperparameters, "
		    "metric,mean,sd,seconds)", name, nmiss > 1 ? "s" : "",
		    missing);
	return 0;
}

/* "NAME:LINE:COL: WHAT: expected ..., got "s"" */
static int
bad_field(nn_err *e, const char *name, unsigned long line, size_t col,
    const char *what, const char *expect, const char *s)
{
	return nn_errf(e, "%s:%lu:%zu: %s: expected %s, got \"%.*s%s\"", name,
	    line, col + 1, what, expect, SHOW(s));
}

/* A mean or sd: a number, or NaN for empty, nan or inf (a trial that
 * diverged).  -1 when it is neither. */
static int
parse_mean(const char *s, double *v)
{
	float f;

	if (*s == '\0') {
		*v = NAN;
		return 0;
	}
	if (nn_parse_double(s, -HUGE_VAL, HUGE_VAL, v, NULL, NULL) == 0)
		return 0;
	if (nn_parse_float(s, strlen(s), &f) == 0 && !isfinite(f)) {
		*v = NAN;
		return 0;
	}
	return -1;
}

/* The fields of one row into row n of l's columns. */
static int
read_row(const nn_csv *c, size_t i, const char *name, nn_tunelog *l,
    size_t n, const size_t *col, const size_t *hpcol, nn_strtab **tab,
    nn_err *e)
{
	unsigned long line = nn_csv_line(c, i);
	long *ints[3] = { &l->trial[n], &l->rung[n], &l->epochs[n] };
	const char *s;
	double v;

	for (int f = C_TRIAL; f <= C_EPOCHS; f++) {
		s = nn_csv_text(c, i, col[f]);
		if (nn_parse_long(s, 0, 1L << 40, ints[f], NULL, NULL) < 0)
			return bad_field(e, name, line, col[f], fixed_cols[f],
			    "an integer >= 0", s);
	}
	s = nn_csv_text(c, i, col[C_METRIC]);
	if (l->metric == NULL) {
		size_t m = 0;
		while (m < NMETRICS && strcmp(s, metrics[m].name) != 0)
			m++;
		if (m == NMETRICS)
			return bad_field(e, name, line, col[C_METRIC], "metric",
			    "accuracy, log_loss, f1, auc, mse, rmse, mae or r2", s);
		l->metric = nn_xstrdup(s);
		l->higher = metrics[m].higher;
	} else if (strcmp(s, l->metric) != 0)
		return nn_errf(e, "%s:%lu:%zu: metric \"%.*s%s\" after \"%s\": "
		    "one search ranks by one metric", name, line,
		    col[C_METRIC] + 1, SHOW(s), l->metric);
	s = nn_csv_text(c, i, col[C_MEAN]);
	if (parse_mean(s, &l->mean[n]) < 0)
		return bad_field(e, name, line, col[C_MEAN], "mean", "a number",
		    s);
	s = nn_csv_text(c, i, col[C_SD]);
	if (parse_mean(s, &l->sd[n]) < 0 || l->sd[n] < 0.0)
		return bad_field(e, name, line, col[C_SD], "sd",
		    "a number >= 0", s);
	s = nn_csv_text(c, i, col[C_SECONDS]);
	if (nn_parse_double(s, 0.0, HUGE_VAL, &v, NULL, NULL) < 0)
		return bad_field(e, name, line, col[C_SECONDS], "seconds",
		    "a number >= 0", s);
	l->seconds[n] = v;
	for (size_t j = 0; j < l->k; j++) {
		long id;
		s = nn_csv_text(c, i, hpcol[j]);
		if ((id = nn_strtab_intern(tab[j], s, strlen(s))) < 0)
			return nn_errf(e, "%s:%lu:%zu: too many values of %s", name,
			    line, hpcol[j] + 1, l->hp[j].name);
		l->val[n * l->k + j] = (size_t)id;
	}
	return 0;
}

/* Room for cap rows in every column. */
static void
grow(nn_tunelog *l, size_t cap)
{
	l->trial = nn_xrealloc(l->trial, cap * sizeof(*l->trial));
	l->rung = nn_xrealloc(l->rung, cap * sizeof(*l->rung));
	l->epochs = nn_xrealloc(l->epochs, cap * sizeof(*l->epochs));
	l->mean = nn_xrealloc(l->mean, cap * sizeof(*l->mean));
	l->sd = nn_xrealloc(l->sd, cap * sizeof(*l->sd));
	l->seconds = nn_xrealloc(l->seconds, cap * sizeof(*l->seconds));
	l->val = nn_xrealloc(l->val, cap * (l->k + 1) * sizeof(*l->val));
}

typedef struct order {
	long trial, rung;
	size_t row;
} order;

static int
cmp_order(const void *pa, const void *pb)
{
	const order *a = pa, *b = pb;

	if (a->trial != b->trial)
		return a->trial < b->trial ? -1 : 1;
	if (a->rung != b->rung)
		return a->rung < b->rung ? -1 : 1;
	return a->row < b->row ? -1 : a->row > b->row;
}

#define PERMUTE(arr, o, n, tmp) do {                                      \
	for (size_t i_ = 0; i_ < (n); i_++)                                   \
		(tmp)[i_] = (double)(arr)[(o)[i_].row];                           \
	for (size_t i_ = 0; i_ < (n); i_++)                                   \
		(arr)[i_] = (tmp)[i_];                                            \
} while (0)

/* Rows into (trial, rung) order, ties in the file's. */
static void
sort_rows(nn_tunelog *l)
{
	size_t n = l->n, k = l->k;
	order *o = nn_xmalloc(n * sizeof(*o));
	double *tmp = nn_xmalloc(n * sizeof(*tmp));
	size_t *val = nn_xmalloc((n * k + 1) * sizeof(*val));

	for (size_t i = 0; i < n; i++)
		o[i] = (order){ l->trial[i], l->rung[i], i };
	qsort(o, n, sizeof(*o), cmp_order);
	/* integers below 2^40 pass through a double unchanged */
	PERMUTE(l->trial, o, n, tmp);
	PERMUTE(l->rung, o, n, tmp);
	PERMUTE(l->epochs, o, n, tmp);
	PERMUTE(l->mean, o, n, tmp);
	PERMUTE(l->sd, o, n, tmp);
	PERMUTE(l->seconds, o, n, tmp);
	for (size_t i = 0; i < n; i++)
		memcpy(val + i * k, l->val + o[i].row * k, k * sizeof(*val));
	free(l->val);
	l->val = val;
	free(o);
	free(tmp);
}

typedef struct valorder {
	double num;
	size_t first, id;
} valorder;

static int
cmp_num(const void *pa, const void *pb)
{
	const valorder *a = pa, *b = pb;

	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int
cmp_first(const void *pa, const void *pb)
{
	const valorder *a = pa, *b = pb;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* Hyperparameter j's values from its table: numbers ascending, or words
 * in the order of the first trial that took each; rows renumbered. */
static void
order_values(nn_tunelog *l, size_t j, const nn_strtab *t)
{
	nn_tune_param *h = &l->hp[j];
	size_t m = nn_strtab_count(t);
	valorder *vo = nn_xmalloc((m + 1) * sizeof(*vo));
	size_t *to = nn_xmalloc((m + 1) * sizeof(*to));
	int numeric = 1;

	for (size_t v = 0; v < m; v++) {
		vo[v] = (valorder){ 0.0, l->n, v };
		if (nn_parse_double(nn_strtab_str(t, v), -HUGE_VAL, HUGE_VAL,
		    &vo[v].num, NULL, NULL) < 0)
			numeric = 0;
	}
	for (size_t i = l->n; i-- > 0;)
		vo[l->val[i * l->k + j]].first = i;
	qsort(vo, m, sizeof(*vo), numeric ? cmp_num : cmp_first);
	h->nvals = m;
	h->vals = nn_xmalloc((m + 1) * sizeof(*h->vals));
	h->num = numeric ? nn_xmalloc((m + 1) * sizeof(*h->num)) : NULL;
	for (size_t v = 0; v < m; v++) {
		h->vals[v] = nn_xstrdup(nn_strtab_str(t, vo[v].id));
		if (numeric)
			h->num[v] = vo[v].num;
		to[vo[v].id] = v;
	}
	for (size_t i = 0; i < l->n; i++)
		l->val[i * l->k + j] = to[l->val[i * l->k + j]];
	free(vo);
	free(to);
}

int
nn_tunelog_read(FILE *fp, const char *name, nn_tunelog *out, nn_err *e)
{
	nn_csv *c;
	size_t col[NFIXED], *hpcol = NULL, nc, cap = 0;
	nn_strtab **tab = NULL;
	int *roles;
	long got;
	float dummy;

	memset(out, 0, sizeof(*out));
	if ((c = nn_csv_open(fp, name, 1, e)) == NULL)
		return -1;
	nc = nn_csv_ncols(c);
	if (read_header(c, name, out, col, &hpcol, e) < 0)
		goto fail;
	tab = nn_xcalloc(out->k + 1, sizeof(*tab));
	for (size_t j = 0; j < out->k; j++)
		tab[j] = nn_strtab_new();
	roles = nn_xmalloc(nc * sizeof(*roles));
	for (size_t j = 0; j < nc; j++)
		roles[j] = NN_COL_TEXT((int)j);
	got = nn_csv_set_roles(c, roles, 0, nc, 0, e);
	free(roles);
	if (got < 0)
		goto fail;
	while ((got = nn_csv_read(c, &dummy, BATCH, e)) > 0)
		for (size_t i = 0; i < (size_t)got; i++, out->n++) {
			if (out->n == cap) {
				size_t bytes;
				cap = cap ? 2 * cap : 64;
				if (nn_mul_size(cap, (out->k + 1) * sizeof(size_t),
				    &bytes) < 0) {
					nn_errf(e, "%s: too many rows", name);
					goto fail;
				}
				grow(out, cap);
			}
			if (read_row(c, i, name, out, out->n, col, hpcol, tab, e) < 0)
				goto fail;
		}
	if (got < 0)
		goto fail;
	if (out->n == 0) {
		nn_errf(e, "%s: no trials", name);
		goto fail;
	}
	sort_rows(out);
	for (size_t j = 0; j < out->k; j++)
		order_values(out, j, tab[j]);
	for (size_t j = 0; j < out->k; j++)
		nn_strtab_free(tab[j]);
	free(tab);
	free(hpcol);
	nn_csv_free(c);
	return 0;
fail:
	for (size_t j = 0; tab != NULL && j < out->k; j++)
		nn_strtab_free(tab[j]);
	free(tab);
	free(hpcol);
	nn_csv_free(c);
	nn_tunelog_free(out);
	return -1;
}

/* ====================================================================== */
/* Which rows, and the best of them                                       */
/* ====================================================================== */

/* Is mean a better than mean b?  A failed trial (NaN) never is. */
static int
better(const nn_tunelog *l, double a, double b)
{
	if (isnan(a))
		return 0;
	if (isnan(b))
		return 1;
	return l->higher ? a > b : a < b;
}

/* The lowest rung, and how many distinct rungs there are. */
static size_t
rungs(const nn_tunelog *l, long *lowest)
{
	long *seen = nn_xmalloc(l->n * sizeof(*seen));
	size_t m = 0;

	*lowest = l->rung[0];
	for (size_t i = 0; i < l->n; i++) {
		size_t s = 0;
		while (s < m && seen[s] != l->rung[i])
			s++;
		if (s == m)
			seen[m++] = l->rung[i];
		*lowest = l->rung[i] < *lowest ? l->rung[i] : *lowest;
	}
	free(seen);
	return m;
}

/* The rank of rung r among the log's rungs (0 for the lowest). */
static size_t
rung_rank(const nn_tunelog *l, long r)
{
	size_t below = 0;
	long last = -1;

	/* distinct rungs below r, counted in ascending order */
	for (;;) {
		long next = -1;
		for (size_t i = 0; i < l->n; i++)
			if (l->rung[i] > last && l->rung[i] < r &&
			    (next < 0 || l->rung[i] < next))
				next = l->rung[i];
		if (next < 0)
			return below;
		below++;
		last = next;
	}
}

/* A full grid: every combination of the values of the two (or the one)
 * hyperparameters tried exactly once. */
static int
full_grid(const nn_tunelog *l)
{
	size_t cells = 1, k = l->k;
	unsigned char *hit;
	int ok = 1;

	for (size_t j = 0; j < k; j++)
		cells *= l->hp[j].nvals;
	if (cells != l->n)
		return 0;
	hit = nn_xcalloc(cells, 1);
	for (size_t i = 0; i < l->n && ok; i++) {
		size_t c = l->val[i * k];
		if (k == 2)
			c = c * l->hp[1].nvals + l->val[i * k + 1];
		ok = !hit[c];
		hit[c] = 1;
	}
	free(hit);
	return ok;
}

nn_tune_kind
nn_tune_layout(const nn_tunelog *l, long xh, long yh)
{
	long lowest;

	if (xh >= 0)
		return yh >= 0 ? NN_TUNE_HEAT : NN_TUNE_LINE;
	if (l->k == 0 || l->k > 2 || rungs(l, &lowest) > 1 || !full_grid(l))
		return NN_TUNE_TRIALS;
	return l->k == 1 ? NN_TUNE_LINE : NN_TUNE_HEAT;
}

/* A value as a title or an axis shows it: the empty value (no hidden
 * layer) as "". */
static const char *
shown(const char *v)
{
	return *v ? v : "\"\"";
}

/* "best accuracy 0.9625 at rate=0.01, layers=16,8" for row i, with the
 * epochs when the rows drawn had several.  Owned by the caller. */
static char *
best_title(const nn_tunelog *l, size_t i, int epochs)
{
	size_t len = strlen(l->metric) + 96;
	char *s;

	for (size_t j = 0; j < l->k; j++)
		len += strlen(l->hp[j].name) + strlen(shown(l->hp[j].vals[
		    l->val[i * l->k + j]])) + 3;
	s = nn_xmalloc(len);
	snprintf(s, len, "best %s %.4g", l->metric, l->mean[i]);
	for (size_t j = 0; j < l->k; j++) {
		size_t at = strlen(s);
		snprintf(s + at, len - at, "%s%s=%s", j ? ", " : " at ",
		    l->hp[j].name, shown(l->hp[j].vals[l->val[i * l->k + j]]));
	}
	if (epochs) {
		size_t at = strlen(s);
		snprintf(s + at, len - at, " (%ld epochs)", l->epochs[i]);
	}
	return s;
}

/* ====================================================================== */
/* Marks                                                                  */
/* ====================================================================== */

/* Data coordinates of a device point, the inverse of nn_axes_x and
 * nn_axes_y: marks sized in device units (a ring, a bar's cap) are drawn
 * as lines in data coordinates. */
static double
data_x(const nn_axes *a, double px)
{
	double f = (px - a->area.x) / a->area.w;

	if (a->xlog)
		return pow(10.0, log10(a->x0) + f * (log10(a->x1) - log10(a->x0)));
	return a->x0 + f * (a->x1 - a->x0);
}

static double
data_y(const nn_axes *a, double py)
{
	double f = 1.0 - (py - a->area.y) / a->area.h;

	if (a->ylog)
		return pow(10.0, log10(a->y0) + f * (log10(a->y1) - log10(a->y0)));
	return a->y0 + f * (a->y1 - a->y0);
}

/* A ring around the point (x, y): the best trial. */
static void
ring(nn_plot *p, const nn_axes *a, double x, double y)
{
	int term = nn_plot_format_of(p) == NN_PLOT_TERM;
	double cx = nn_axes_x(a, x), cy = nn_axes_y(a, y);
	double rad = term ? 2.0 : a->fs * 0.6;
	double xs[25], ys[25];

	for (int i = 0; i <= 24; i++) {
		double t = 2.0 * M_PI * i / 24.0;
		xs[i] = data_x(a, cx + rad * cos(t));
		ys[i] = data_y(a, cy + rad * sin(t));
	}
	nn_plot_line(p, a, xs, ys, 25, ink, NN_LINE_SOLID);
}

/* The corner of a's plot area (as nn_plot_legend numbers them) with the
 * fewest of the n points in it, pref first among equals; never the one
 * of the best point (bx, by). */
static int
quiet_corner(const nn_axes *a, const double *x, const double *y, size_t n,
    double bx, double by, int pref)
{
	static const int order[4] = { 0, 2, 1, 3 };
	size_t count[4] = { 0, 0, 0, 0 };
	int best = pref;

	for (size_t i = 0; i < n; i++) {
		double fx = (nn_axes_x(a, x[i]) - a->area.x) / a->area.w;
		double fy = (nn_axes_y(a, y[i]) - a->area.y) / a->area.h;
		if (!(fx < 0.45 || fx > 0.55) || !(fy < 0.4 || fy > 0.6))
			continue;
		count[(fx < 0.5 ? 1 : 0) + (fy > 0.5 ? 2 : 0)]++;
	}
	count[(nn_axes_x(a, bx) < a->area.x + a->area.w / 2.0 ? 1 : 0) +
	    (nn_axes_y(a, by) > a->area.y + a->area.h / 2.0 ? 2 : 0)] += n + 1;
	for (int c = 0; c < 4; c++)
		if (count[order[c]] < count[best])
			best = order[c];
	return best;
}

/* A bar of +-sd around y at x, with caps. */
static void
error_bar(nn_plot *p, const nn_axes *a, double x, double y, double sd,
    nn_rgb c)
{
	/* no caps on the terminal: a pixel each side would read as a line */
	double cap = nn_plot_format_of(p) == NN_PLOT_TERM ? 0.0 : a->fs * 0.3;
	double bx[2] = { x, x }, by[2] = { y - sd, y + sd };
	double px = nn_axes_x(a, x);
	double cx[2] = { data_x(a, px - cap), data_x(a, px + cap) }, cy[2];

	if (!(sd > 0.0))
		return;
	nn_plot_line(p, a, bx, by, 2, c, NN_LINE_SOLID);
	for (int k = 0; cap > 0.0 && k < 2; k++) {
		cy[0] = cy[1] = by[k];
		nn_plot_line(p, a, cx, cy, 2, c, NN_LINE_SOLID);
	}
}

/* ====================================================================== */
/* Axes over a hyperparameter                                             */
/* ====================================================================== */

/* Where a hyperparameter's values go on an axis: numbers at their value
 * (on a log scale when all are positive and span two decades or more:
 * rates), words -- and every value of a heat map's cells -- as categories,
 * value v at v + 0.5. */
typedef struct hp_axis {
	int cats, log;
	double lo, hi;
	const char **labels;   /* (nvals) when cats */
} hp_axis;

static void
hp_axis_init(hp_axis *ax, const nn_tune_param *h, int cells)
{
	memset(ax, 0, sizeof(*ax));
	if (h->num == NULL || cells) {
		ax->cats = 1;
		ax->lo = 0.0;
		ax->hi = (double)h->nvals;
		ax->labels = nn_xmalloc(h->nvals * sizeof(*ax->labels));
		for (size_t v = 0; v < h->nvals; v++)
			ax->labels[v] = shown(h->vals[v]);
		return;
	}
	ax->lo = h->num[0];
	ax->hi = h->num[h->nvals - 1];
	/* a ratio of 30: a random search over two decades rarely draws
	 * both ends */
	ax->log = ax->lo > 0.0 && ax->hi / ax->lo >= 30.0;
	nn_plot_pad_range(&ax->lo, &ax->hi, 0.06, ax->log);
}

static double
hp_pos(const hp_axis *ax, const nn_tune_param *h, size_t v)
{
	return ax->cats ? (double)v + 0.5 : h->num[v];
}

/* The y range of the means (with their sd when given), padded. */
static void
mean_range(const nn_tunelog *l, const long *rows, size_t n, int with_sd,
    double *lo, double *hi)
{
	*lo = HUGE_VAL;
	*hi = -HUGE_VAL;
	for (size_t i = 0; i < n; i++) {
		double m, d;
		if (rows[i] < 0 || isnan(l->mean[rows[i]]))
			continue;
		m = l->mean[rows[i]];
		d = with_sd && isfinite(l->sd[rows[i]]) ? l->sd[rows[i]] : 0.0;
		*lo = m - d < *lo ? m - d : *lo;
		*hi = m + d > *hi ? m + d : *hi;
	}
	nn_plot_pad_range(lo, hi, 0.08, 0);
}

/* The best of rows (entries < 0 skipped), or -1 when none has a mean. */
static long
best_of(const nn_tunelog *l, const long *rows, size_t n)
{
	long b = -1;

	for (size_t i = 0; i < n; i++)
		if (rows[i] >= 0 && (b < 0 || better(l, l->mean[rows[i]],
		    l->mean[b])))
			b = rows[i];
	return b >= 0 && !isnan(l->mean[b]) ? b : -1;
}

static int
no_mean(const nn_tunelog *l, const char *what, nn_err *e)
{
	return nn_errf(e, "no trial%s has a finite %s", what, l->metric);
}

/* ====================================================================== */
/* A line over one hyperparameter                                         */
/* ====================================================================== */

/* The series of a line: rungs when there are several (each at its own
 * epochs), else the other hyperparameters' combinations when there are
 * few, else one: the best over them.  ser[i] is row i's series; labels
 * owned by the caller.  Returns the number of series. */
static size_t
line_series(const nn_tunelog *l, size_t xh, size_t *ser, char ***labels)
{
	long lowest;
	size_t nr = rungs(l, &lowest), ns = 0, k = l->k;
	nn_strtab *t;
	size_t *key;

	*labels = nn_xcalloc(MAX_SERIES + nr + 1, sizeof(**labels));
	if (nr > 1) {
		for (size_t i = 0; i < l->n; i++) {
			ser[i] = rung_rank(l, l->rung[i]);
			if ((*labels)[ser[i]] == NULL) {
				(*labels)[ser[i]] = nn_xmalloc(64);
				snprintf((*labels)[ser[i]], 64, "rung %ld (%ld epochs)",
				    l->rung[i], l->epochs[i]);
			}
		}
		return nr;
	}
	if (k == 1) {
		memset(ser, 0, l->n * sizeof(*ser));
		return 1;
	}
	/* the combination of the other values, as bytes */
	t = nn_strtab_new();
	key = nn_xmalloc(k * sizeof(*key));
	for (size_t i = 0; i < l->n; i++) {
		memcpy(key, l->val + i * k, k * sizeof(*key));
		key[xh] = 0;
		ser[i] = (size_t)nn_strtab_intern(t, (const char *)key,
		    k * sizeof(*key));
	}
	ns = nn_strtab_count(t);
	nn_strtab_free(t);
	free(key);
	if (ns > MAX_SERIES) {
		/* "best over layers, optimizer" */
		size_t len = 16;
		for (size_t j = 0; j < k; j++)
			len += strlen(l->hp[j].name) + 2;
		(*labels)[0] = nn_xmalloc(len);
		strcpy((*labels)[0], "best over ");
		for (size_t j = 0, m = 0; j < k; j++)
			if (j != xh) {
				strcat((*labels)[0], m++ ? ", " : "");
				strcat((*labels)[0], l->hp[j].name);
			}
		memset(ser, 0, l->n * sizeof(*ser));
		return 1;
	}
	for (size_t i = 0; i < l->n; i++) {
		size_t len = 1, s = ser[i];
		if ((*labels)[s] != NULL)
			continue;
		for (size_t j = 0; j < k; j++)
			len += strlen(l->hp[j].name) + strlen(shown(l->hp[j].vals[
			    l->val[i * k + j]])) + 3;
		(*labels)[s] = nn_xmalloc(len);
		(*labels)[s][0] = '\0';
		for (size_t j = 0; j < k; j++)
			if (j != xh) {
				size_t at = strlen((*labels)[s]);
				snprintf((*labels)[s] + at, len - at, "%s%s=%s",
				    at ? ", " : "", l->hp[j].name,
				    shown(l->hp[j].vals[l->val[i * k + j]]));
			}
	}
	return ns;
}

static int
fig_line(nn_plot *p, nn_rect r, const nn_tunelog *l, size_t xh,
    const nn_fig_opts *o, nn_err *e)
{
	const nn_tune_param *h = &l->hp[xh];
	size_t nv = h->nvals, *ser = nn_xmalloc(l->n * sizeof(*ser)), ns;
	long *best, b, lowest;
	char **labels, *title;
	nn_axes_spec sp = { .xlabel = h->name, .ylabel = l->metric };
	nn_legend_item it[MAX_SERIES + 2];
	double *x, *y, dodge = 0.0, bx = 0.0;
	hp_axis ax;
	nn_axes a;
	size_t ni = 0, npts = 0;

	ns = line_series(l, xh, ser, &labels);
	/* best[s * nv + v]: series s's best row at value v */
	best = nn_xmalloc(ns * nv * sizeof(*best));
	for (size_t c = 0; c < ns * nv; c++)
		best[c] = -1;
	for (size_t i = 0; i < l->n; i++) {
		long *c = &best[ser[i] * nv + l->val[i * l->k + xh]];
		if (*c < 0 || better(l, l->mean[i], l->mean[*c]))
			*c = (long)i;
	}
	if ((b = best_of(l, best, ns * nv)) < 0) {
		for (size_t s = 0; s < ns; s++)
			free(labels[s]);
		free(labels);
		free(best);
		free(ser);
		return no_mean(l, "", e);
	}

	hp_axis_init(&ax, h, 0);
	title = best_title(l, (size_t)b, rungs(l, &lowest) > 1);
	sp.title = title;
	sp.x0 = ax.lo;
	sp.x1 = ax.hi;
	sp.xlog = ax.log;
	sp.x_cats = ax.labels;
	sp.nx_cats = ax.cats ? nv : 0;
	mean_range(l, best, ns * nv, 1, &sp.y0, &sp.y1);
	r = nn_plot_title(p, r, o->title ? o->title : o->name);
	nn_axes_begin(p, r, &sp, &a);
	if (ax.cats && ns > 1)
		dodge = 0.5 / (double)ns < 0.1 ? 0.5 / (double)ns : 0.1;
	x = nn_xmalloc(ns * nv * sizeof(*x));
	y = nn_xmalloc(ns * nv * sizeof(*y));
	for (size_t s = 0; s < ns; s++) {
		nn_rgb c = nn_plot_class_colour(s);
		double off = ((double)s - (double)(ns - 1) / 2.0) * dodge;
		double *xs = x + npts, *ys = y + npts;
		size_t m = 0;
		for (size_t v = 0; v < nv; v++) {
			long i = best[s * nv + v];
			if (i < 0 || isnan(l->mean[i]))
				continue;
			xs[m] = hp_pos(&ax, h, v) + off;
			ys[m] = l->mean[i];
			error_bar(p, &a, xs[m], ys[m], l->sd[i], c);
			m++;
		}
		/* values drawn from a range (a random search) are points: a
		 * line through them would zigzag with the noise */
		if (ax.cats || nv <= MAX_CELLS)
			nn_plot_line(p, &a, xs, ys, m, c, NN_LINE_SOLID);
		nn_plot_points(p, &a, xs, ys, m, NULL, c);
		npts += m;
		if (labels[s] != NULL)
			it[ni++] = (nn_legend_item){ labels[s], c, ax.cats ||
				nv <= MAX_CELLS ? NN_LEGEND_LINE : NN_LEGEND_POINT,
				NN_LINE_SOLID };
	}
	for (size_t s = 0; s < ns; s++)
		for (size_t v = 0; v < nv; v++)
			if (best[s * nv + v] == b)
				bx = hp_pos(&ax, h, v) + ((double)s -
				    (double)(ns - 1) / 2.0) * dodge;
	ring(p, &a, bx, l->mean[b]);
	nn_axes_finish(p, &a, &sp);
	nn_plot_legend(p, &a, it, ni, quiet_corner(&a, x, y, npts, bx, l->mean[b],
	    l->higher ? 2 : 0));

	for (size_t s = 0; s < ns; s++)
		free(labels[s]);
	free(labels);
	free(ax.labels);
	free(title);
	free(best);
	free(ser);
	free(x);
	free(y);
	return 0;
}

/* ====================================================================== */
/* A heat map over two                                                    */
/* ====================================================================== */

/* Colour of a mean on [lo, hi]: brighter is better, whichever way the
 * metric goes. */
static nn_rgb
goodness(const nn_tunelog *l, double v, double lo, double hi)
{
	double t = (v - lo) / (hi - lo);

	return nn_plot_viridis(l->higher ? t : 1.0 - t);
}

/* The colour bar right of a's plot area, in the rest of r: the means
 * from lo to hi, ticks, the metric's name. */
static void
colour_bar(nn_plot *p, const nn_axes *a, nn_rect r, const nn_tunelog *l,
    double lo, double hi)
{
	int term = nn_plot_format_of(p) == NN_PLOT_TERM;
	double fs = a->fs, th = nn_plot_text_height(p, fs);
	double pad = term ? 1.0 : 0.5 * th, tw = 0.0;
	nn_axes_spec bs = { .bare = 1, .x0 = 0, .x1 = 1, .y0 = lo, .y1 = hi };
	nn_rect br = { a->area.x + a->area.w + (term ? 2.0 : 1.2 * th),
		a->area.y, term ? 2.0 : 0.9 * th, a->area.h };
	unsigned char *img;
	double t[32];
	char buf[32];
	size_t nt;
	nn_axes ba;
	int gw, gh;

	(void)r;
	nn_axes_begin(p, br, &bs, &ba);
	nn_plot_image_size(p, &ba, 1024, &gw, &gh);
	gw = 1;
	img = nn_xmalloc((size_t)gh * 3);
	for (int i = 0; i < gh; i++) {
		nn_rgb c = goodness(l, hi - ((double)i + 0.5) / gh * (hi - lo),
		    lo, hi);
		img[3 * i] = (unsigned char)lround(c.r * 255.0);
		img[3 * i + 1] = (unsigned char)lround(c.g * 255.0);
		img[3 * i + 2] = (unsigned char)lround(c.b * 255.0);
	}
	nn_plot_image(p, &ba, img, gw, gh);
	free(img);
	nt = nn_plot_ticks(lo, hi, 0, (size_t)(ba.area.h / (th * 2.5)) + 1, t,
	    32);
	for (size_t i = 0; i < nt; i++) {
		double w;
		snprintf(buf, sizeof(buf), "%g", t[i]);
		w = nn_plot_text_width(p, fs, buf);
		tw = w > tw ? w : tw;
		nn_plot_text(p, ba.area.x + ba.area.w + pad * 0.6,
		    nn_axes_y(&ba, t[i]), 0.0, 0.5, fs, 0, ink, buf);
	}
	nn_plot_text(p, ba.area.x + ba.area.w + pad * 1.2 + tw,
	    ba.area.y + ba.area.h / 2.0, 0.0, 0.5, fs, NN_TEXT_VERTICAL, ink,
	    l->metric);
}

/* Room the colour bar takes right of the heat map. */
static double
colour_bar_width(nn_plot *p, nn_rect r, double lo, double hi)
{
	int term = nn_plot_format_of(p) == NN_PLOT_TERM;
	double fs = nn_plot_font_size(p, r), th = nn_plot_text_height(p, fs);
	double t[32], tw = 0.0;
	size_t nt = nn_plot_ticks(lo, hi, 0, 8, t, 32);
	char buf[32];

	for (size_t i = 0; i < nt; i++) {
		double w;
		snprintf(buf, sizeof(buf), "%g", t[i]);
		w = nn_plot_text_width(p, fs, buf);
		tw = w > tw ? w : tw;
	}
	return term ? 2.0 + 2.0 + 1.0 + tw + 1.0 + 2.0 + 1.0 :
	    1.2 * th + 0.9 * th + 0.3 * th + tw + 0.3 * th + th + 0.5 * th;
}

/* The cells: each pair's best mean, its number where it fits, the best
 * cell framed; pairs never tried in grey. */
static void
heat_cells(nn_plot *p, const nn_axes *a, const nn_tunelog *l,
    const long *cell, size_t nx, size_t ny, long b, double lo, double hi)
{
	double cw = a->area.w / (double)nx, ch = a->area.h / (double)ny;
	double th = nn_plot_text_height(p, a->fs);

	for (size_t vy = 0; vy < ny; vy++)
		for (size_t vx = 0; vx < nx; vx++) {
			long i = cell[vy * nx + vx];
			int tried = i >= 0 && !isnan(l->mean[i]);
			nn_rgb c = tried ? goodness(l, l->mean[i], lo, hi) : untried;
			double lum = 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
			char buf[32];
			nn_plot_cell(p, a, (double)vx, (double)vy, vx + 1.0, vy + 1.0,
			    c);
			if (!tried)
				continue;
			snprintf(buf, sizeof(buf), "%.3g", l->mean[i]);
			if (nn_plot_text_width(p, a->fs, buf) <= cw * 0.9 &&
			    th <= ch * 0.95)
				nn_plot_text(p, nn_axes_x(a, vx + 0.5),
				    nn_axes_y(a, vy + 0.5), 0.5, 0.5, a->fs,
				    i == b ? NN_TEXT_BOLD : 0, lum < 0.5 ?
				    (nn_rgb){ 1, 1, 1 } : ink, buf);
			if (i == b) {
				double in = 0.06;
				double fx[5] = { vx + in, vx + 1 - in, vx + 1 - in, vx + in,
					vx + in };
				double fy[5] = { vy + in, vy + in, vy + 1 - in, vy + 1 - in,
					vy + in };
				nn_plot_line(p, a, fx, fy, 5, ink, NN_LINE_SOLID);
			}
		}
}

static int
fig_heat(nn_plot *p, nn_rect r, const nn_tunelog *l, size_t xh, size_t yh,
    const nn_fig_opts *o, nn_err *e)
{
	const nn_tune_param *hx = &l->hp[xh], *hy = &l->hp[yh];
	size_t nx = hx->nvals, ny = hy->nvals, k = l->k;
	int cells = (hx->num == NULL || nx <= MAX_CELLS) &&
	    (hy->num == NULL || ny <= MAX_CELLS);
	nn_axes_spec sp = { .xlabel = hx->name, .ylabel = hy->name,
		.no_grid = cells };
	long lowest, b, *cell = NULL, *rows;
	int several = rungs(l, &lowest) > 1;
	size_t nrows = 0;
	double lo, hi, bw;
	hp_axis ax, ay;
	const char **ylab = NULL;
	char *title, sub[96] = "";
	nn_rect hr;
	nn_axes a;

	/* the first rung: every configuration, at the same epochs */
	rows = nn_xmalloc(l->n * sizeof(*rows));
	for (size_t i = 0; i < l->n; i++)
		if (l->rung[i] == lowest)
			rows[nrows++] = (long)i;
	if (cells) {
		cell = nn_xmalloc(nx * ny * sizeof(*cell));
		for (size_t c = 0; c < nx * ny; c++)
			cell[c] = -1;
		for (size_t n = 0; n < nrows; n++) {
			size_t i = (size_t)rows[n];
			long *c = &cell[l->val[i * k + yh] * nx + l->val[i * k + xh]];
			if (*c < 0 || better(l, l->mean[i], l->mean[*c]))
				*c = (long)i;
		}
	}
	if ((b = best_of(l, rows, nrows)) < 0) {
		free(rows);
		free(cell);
		return no_mean(l, several ? " of the first rung" : "", e);
	}
	lo = HUGE_VAL;
	hi = -HUGE_VAL;
	for (size_t n = 0; n < nrows; n++) {
		double m = l->mean[rows[n]];
		if (isnan(m))
			continue;
		lo = m < lo ? m : lo;
		hi = m > hi ? m : hi;
	}
	if (!(hi > lo))
		nn_plot_pad_range(&lo, &hi, 0.1, 0);

	hp_axis_init(&ax, hx, cells);
	hp_axis_init(&ay, hy, cells);
	if (ay.cats) {
		/* category labels run down from the top: values up from 0 */
		ylab = nn_xmalloc(ny * sizeof(*ylab));
		for (size_t v = 0; v < ny; v++)
			ylab[v] = ay.labels[ny - 1 - v];
	}
	title = best_title(l, (size_t)b, 0);
	if (several)
		snprintf(sub, sizeof(sub), "%s (rung %ld, %ld epochs)", "", lowest,
		    l->epochs[b]);
	if (several) {
		size_t len = strlen(title) + strlen(sub) + 1;
		title = nn_xrealloc(title, len);
		strcat(title, sub);
	}
	sp.title = title;
	sp.x0 = ax.lo;
	sp.x1 = ax.hi;
	sp.xlog = ax.log;
	sp.x_cats = ax.labels;
	sp.nx_cats = ax.cats ? nx : 0;
	sp.y0 = ay.lo;
	sp.y1 = ay.hi;
	sp.ylog = ay.log;
	sp.y_cats = ylab;
	sp.ny_cats = ay.cats ? ny : 0;

	r = nn_plot_title(p, r, o->title ? o->title : o->name);
	bw = colour_bar_width(p, r, lo, hi);
	hr = r;
	hr.w = r.w - bw > r.w * 0.5 ? r.w - bw : r.w * 0.5;
	nn_axes_begin(p, hr, &sp, &a);
	if (cells)
		heat_cells(p, &a, l, cell, nx, ny, b, lo, hi);
	else {
		double *x = nn_xmalloc(nrows * sizeof(*x));
		double *y = nn_xmalloc(nrows * sizeof(*y));
		nn_rgb *c = nn_xmalloc(nrows * sizeof(*c));
		size_t m = 0;
		for (size_t n = 0; n < nrows; n++) {
			size_t i = (size_t)rows[n];
			if (isnan(l->mean[i]))
				continue;
			x[m] = hp_pos(&ax, hx, l->val[i * k + xh]);
			y[m] = hp_pos(&ay, hy, l->val[i * k + yh]);
			c[m++] = goodness(l, l->mean[i], lo, hi);
		}
		nn_plot_points(p, &a, x, y, m, c, grey);
		ring(p, &a, hp_pos(&ax, hx, l->val[(size_t)b * k + xh]),
		    hp_pos(&ay, hy, l->val[(size_t)b * k + yh]));
		free(x);
		free(y);
		free(c);
	}
	nn_axes_finish(p, &a, &sp);
	colour_bar(p, &a, r, l, lo, hi);

	free(ax.labels);
	free(ay.labels);
	free(ylab);
	free(title);
	free(rows);
	free(cell);
	return 0;
}

/* ====================================================================== */
/* Over the trials                                                        */
/* ====================================================================== */

static int
fig_trials(nn_plot *p, nn_rect r, const nn_tunelog *l, const nn_fig_opts *o,
    nn_err *e)
{
	long lowest, b, *all = nn_xmalloc(l->n * sizeof(*all));
	size_t nr = rungs(l, &lowest), ni = 0, m;
	nn_axes_spec sp = { .xlabel = "trial", .ylabel = l->metric };
	double *x = nn_xmalloc(2 * l->n * sizeof(*x));
	double *y = nn_xmalloc(2 * l->n * sizeof(*y));
	nn_legend_item *it = nn_xmalloc((nr + 1) * sizeof(*it));
	char **labels = nn_xcalloc(nr, sizeof(*labels));
	double run = NAN;
	char *title;
	nn_axes a;

	for (size_t i = 0; i < l->n; i++)
		all[i] = (long)i;
	if ((b = best_of(l, all, l->n)) < 0) {
		free(all);
		free(x);
		free(y);
		free(it);
		free(labels);
		return no_mean(l, "", e);
	}
	title = best_title(l, (size_t)b, nr > 1);
	sp.title = title;
	sp.x0 = (double)l->trial[0];
	sp.x1 = (double)l->trial[l->n - 1];
	nn_plot_pad_range(&sp.x0, &sp.x1, 0.03, 0);
	mean_range(l, all, l->n, 0, &sp.y0, &sp.y1);
	r = nn_plot_title(p, r, o->title ? o->title : o->name);
	nn_axes_begin(p, r, &sp, &a);

	/* the best so far, as steps: it changes at a trial, then holds */
	m = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (isnan(l->mean[i]))
			continue;
		if (!isnan(run)) {
			x[m] = (double)l->trial[i];
			y[m++] = run;
		}
		if (better(l, l->mean[i], run))
			run = l->mean[i];
		x[m] = (double)l->trial[i];
		y[m++] = run;
	}
	nn_plot_line(p, &a, x, y, m, grey, NN_LINE_SOLID);
	/* each rung's trials in its colour */
	for (size_t s = 0; s < nr; s++) {
		nn_rgb c = nn_plot_class_colour(s);
		m = 0;
		for (size_t i = 0; i < l->n; i++) {
			if (rung_rank(l, l->rung[i]) != s)
				continue;
			if (labels[s] == NULL) {
				labels[s] = nn_xmalloc(64);
				if (nr > 1)
					snprintf(labels[s], 64, "rung %ld (%ld epochs)",
					    l->rung[i], l->epochs[i]);
				else
					snprintf(labels[s], 64, "trials (%ld epochs)",
					    l->epochs[i]);
			}
			x[m] = (double)l->trial[i];
			y[m++] = l->mean[i];
		}
		nn_plot_points(p, &a, x, y, m, NULL, c);
		it[ni++] = (nn_legend_item){ labels[s], c, NN_LEGEND_POINT,
			NN_LINE_SOLID };
	}
	it[ni++] = (nn_legend_item){ "best so far", grey, NN_LEGEND_LINE,
		NN_LINE_SOLID };
	ring(p, &a, (double)l->trial[b], l->mean[b]);
	nn_axes_finish(p, &a, &sp);
	for (size_t i = 0; i < l->n; i++) {
		x[i] = (double)l->trial[i];
		y[i] = l->mean[i];
	}
	nn_plot_legend(p, &a, it, ni, quiet_corner(&a, x, y, l->n,
	    (double)l->trial[b], l->mean[b], l->higher ? 2 : 0));

	for (size_t s = 0; s < nr; s++)
		free(labels[s]);
	free(labels);
	free(title);
	free(all);
	free(x);
	free(y);
	free(it);
	return 0;
}

/* ====================================================================== */
/* The figure                                                             */
/* ====================================================================== */

int
nn_fig_tune(nn_plot *p, nn_rect r, const nn_tunelog *l, long xh, long yh,
    const nn_fig_opts *o, nn_err *e)
{
	nn_tune_kind kind = nn_tune_layout(l, xh, yh);

	if (xh >= (long)l->k || yh >= (long)l->k || (xh < 0 && yh >= 0) ||
	    (yh >= 0 && yh == xh))
		return nn_errf(e, "no such pair of hyperparameters");
	if (xh < 0 && kind != NN_TUNE_TRIALS) {
		xh = 0;
		yh = kind == NN_TUNE_HEAT ? 1 : -1;
	}
	switch (kind) {
	case NN_TUNE_LINE:
		return fig_line(p, r, l, (size_t)xh, o, e);
	case NN_TUNE_HEAT:
		return fig_heat(p, r, l, (size_t)xh, (size_t)yh, o, e);
	default:
		return fig_trials(p, r, l, o, e);
	}
}
