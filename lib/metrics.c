/*
 * metrics.c - streaming classification and regression metrics (see
 * nn_metrics.h for the conventions).
 *
 * Classification keeps, in the order labels first appear, their strings in
 * an nn_strtab (lib/strtab.c) and a dense confusion matrix whose
 * side (cap) doubles when a new label does not fit, so adding a row is O(1)
 * amortised and the whole cost of growing is O(K^2).  Sorting the labels
 * waits for nn_cls_finish, which also builds the report as one block.
 * Classes fixed by the caller (a model's) are simply interned first, in
 * its order, and never sorted.
 *
 * Ranking (ROC-AUC, average precision) cannot stream: it sorts the rows by
 * score.  nn_scores keeps them, and each class is ranked by a merge sort
 * of (score, is positive) pairs, O(n log n) whatever the input.  The sort
 * is stable, but nothing depends on the order within a run of equal
 * scores: such a run is taken as one group (one point of each curve), as
 * scikit-learn's _binary_clf_curve does, so the areas are exact for ties
 * and the same on every machine.  Counts are integers; the areas are
 * accumulated in double.
 *
 * Regression keeps sums only.  The squared and absolute errors are added
 * with Neumaier's compensated summation and the truth's spread with
 * Welford's update on values shifted by the first one, so a long stream of
 * similar values loses no precision to cancellation (the naive
 * sum(y^2) - n*mean^2 can even go negative) nor to rounding the running
 * mean of large values.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_metrics.h"

/* A label in a message: at most 40 bytes of it. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), \
	(strlen(s) > 40 ? "..." : "")

/* ====================================================================== */
/* Compensated summation                                                  */
/* ====================================================================== */

/* Neumaier's variant of Kahan summation: *s + *c is the running sum. */
static void
ksum(double *s, double *c, double x)
{
	double t = *s + x;

	if (fabs(*s) >= fabs(x))
		*c += (*s - t) + x;
	else
		*c += (x - t) + *s;
	*s = t;
}

/* The total of a compensated sum (an overflowed sum stays +Inf rather than
 * turning NaN through Inf - Inf in the compensation). */
static double
ktotal(double s, double c)
{
	return isfinite(s) ? s + c : s;
}

/* ====================================================================== */
/* Classification accumulator                                             */
/* ====================================================================== */

struct nn_cls {
	nn_strtab *lab;        /* labels, true or predicted, in order of appearance */
	size_t cap;            /* side of conf; >= labels in lab */
	uint64_t *conf;        /* (cap, cap) [t*cap + p] */
	uint64_t *support;     /* (cap) rows with this true label */
	long *pcol;            /* (cap) entry of the probability vector, or -1 */
	nn_strtab *plab;       /* probability labels (entry order) */
	uint64_t n;            /* rows */
	uint64_t nprob;        /* rows that came with probabilities */
	size_t ntruth;         /* labels with support > 0 */
	int fixed;             /* lab is the caller's, in its order: no others */
	double ll, ll_c;       /* sum of -log p(true), compensated */
};

nn_cls *
nn_cls_new(void)
{
	nn_cls *c = nn_xcalloc(1, sizeof(nn_cls));

	c->lab = nn_strtab_new();
	c->plab = nn_strtab_new();
	return c;
}

/* The index of label s in t, or -1. */
static long
find(const nn_strtab *t, const char *s)
{
	return nn_strtab_find(t, s, strlen(s));
}

void
nn_cls_free(nn_cls *c)
{
	if (c == NULL)
		return;
	nn_strtab_free(c->lab);
	nn_strtab_free(c->plab);
	free(c->conf);
	free(c->support);
	free(c->pcol);
	free(c);
}

int
nn_cls_set_prob_labels(nn_cls *c, const char *const *labels, size_t k,
    nn_err *e)
{
	nn_strtab *t;

	if (nn_strtab_count(c->plab) > 0 || c->n > 0)
		return nn_errf(e, "probability labels must be set once, before "
		    "the first row");
	t = nn_strtab_new();
	for (size_t j = 0; j < k; j++) {
		if (labels[j] == NULL) {
			nn_strtab_free(t);
			return nn_errf(e, "probability label %zu is missing", j + 1);
		}
		if (nn_strtab_intern(t, labels[j], strlen(labels[j])) != (long)j) {
			nn_errf(e, "two probability columns for label \"%.*s%s\"",
			    SHOW(labels[j]));
			nn_strtab_free(t);
			return -1;
		}
	}
	nn_strtab_free(c->plab);
	c->plab = t;
	for (size_t i = 0; i < nn_strtab_count(c->lab); i++)  /* fixed before */
		c->pcol[i] = find(c->plab, nn_strtab_str(c->lab, i));
	return 0;
}

/* Make room for `need` labels: a bigger square, rows copied across. */
static void
grow(nn_cls *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 4, nl = nn_strtab_count(c->lab);
	uint64_t *conf;

	if (need <= c->cap)
		return;
	while (cap < need)
		cap *= 2;
	conf = nn_xcalloc(cap * cap, sizeof(*conf));
	for (size_t i = 0; i < nl; i++)
		memcpy(conf + i * cap, c->conf + i * c->cap, nl * sizeof(*conf));
	free(c->conf);
	c->conf = conf;
	c->support = nn_xrealloc(c->support, cap * sizeof(*c->support));
	c->pcol = nn_xrealloc(c->pcol, cap * sizeof(*c->pcol));
	c->cap = cap;
}

static size_t
intern(nn_cls *c, const char *s)
{
	long i = find(c->lab, s);
	size_t k;

	if (i >= 0)
		return (size_t)i;
	grow(c, nn_strtab_count(c->lab) + 1);
	/* cannot fail: nn_cls_add and nn_cls_set_labels keep to
	 * NN_CLS_MAX_LABELS */
	k = (size_t)nn_strtab_intern(c->lab, s, strlen(s));
	c->support[k] = 0;
	c->pcol[k] = find(c->plab, s);
	return k;
}

int
nn_cls_set_labels(nn_cls *c, const char *const *labels, size_t k, nn_err *e)
{
	if (c->fixed || c->n > 0)
		return nn_errf(e, "the classes must be set once, before the "
		    "first row");
	if (k > NN_CLS_MAX_LABELS)
		return nn_errf(e, "more than %d distinct labels",
		    NN_CLS_MAX_LABELS);
	for (size_t j = 0; j < k; j++) {
		if (labels[j] == NULL) {
			nn_errf(e, "class %zu is missing", j + 1);
			goto fail;
		}
		if (intern(c, labels[j]) != j) {
			nn_errf(e, "class \"%.*s%s\" given twice", SHOW(labels[j]));
			goto fail;
		}
	}
	c->fixed = 1;
	return 0;
fail:
	nn_strtab_free(c->lab);  /* no row yet, so nothing else was counted */
	c->lab = nn_strtab_new();
	return -1;
}

int
nn_cls_add(nn_cls *c, const char *truth, const char *pred, const double *p,
    nn_err *e)
{
	long ti, pi, pc = -1;
	size_t fresh;

	if (truth == NULL || pred == NULL)
		return nn_errf(e, "missing label");
	/* Check everything before changing anything. */
	ti = find(c->lab, truth);
	pi = find(c->lab, pred);
	if (c->fixed && (ti < 0 || pi < 0))
		return nn_errf(e, "%s label \"%.*s%s\" is not one of the %zu "
		    "classes", ti < 0 ? "true" : "predicted",
		    SHOW(ti < 0 ? truth : pred), nn_strtab_count(c->lab));
	fresh = (ti < 0) + (pi < 0 && strcmp(truth, pred) != 0);
	if (nn_strtab_count(c->lab) + fresh > NN_CLS_MAX_LABELS)
		return nn_errf(e, "more than %d distinct labels",
		    NN_CLS_MAX_LABELS);
	if (p != NULL) {
		double sum = 0.0;
		size_t np = nn_strtab_count(c->plab);
		if (np == 0)
			return nn_errf(e, "probabilities given, but no "
			    "probability labels were set");
		for (size_t j = 0; j < np; j++) {
			if (!(p[j] >= 0.0 && p[j] <= 1.0))
				return nn_errf(e, "probability of \"%.*s%s\" is %g, "
				    "not in [0, 1]", SHOW(nn_strtab_str(c->plab, j)),
				    p[j]);
			sum += p[j];
		}
		if (fabs(sum - 1.0) > NN_METRICS_PROB_TOL)
			return nn_errf(e, "probabilities sum to %g, not 1", sum);
		pc = ti >= 0 ? c->pcol[ti] : find(c->plab, truth);
		if (pc < 0)
			return nn_errf(e, "no probability for the true label "
			    "\"%.*s%s\"", SHOW(truth));
	}

	size_t t = intern(c, truth), q = intern(c, pred);
	c->conf[t * c->cap + q]++;
	if (c->support[t]++ == 0)
		c->ntruth++;
	c->n++;
	if (p != NULL) {
		double v = p[pc];
		if (v < NN_METRICS_EPS)
			v = NN_METRICS_EPS;
		if (v > 1.0 - NN_METRICS_EPS)
			v = 1.0 - NN_METRICS_EPS;
		ksum(&c->ll, &c->ll_c, -log(v));
		c->nprob++;
	}
	return 0;
}

long
nn_cls_prob_index(const nn_cls *c, const char *label)
{
	return find(c->plab, label);
}

long
nn_cls_label_index(const nn_cls *c, const char *label)
{
	return find(c->lab, label);
}

uint64_t
nn_cls_rows(const nn_cls *c)
{
	return c->n;
}

size_t
nn_cls_nlabels(const nn_cls *c)
{
	return nn_strtab_count(c->lab);
}

size_t
nn_cls_ntruth(const nn_cls *c)
{
	return c->ntruth;
}

/* ====================================================================== */
/* Classification report                                                  */
/* ====================================================================== */

typedef struct lkey {
	const char *s;
	double v;
	size_t idx;            /* index in the accumulator */
} lkey;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(((const lkey *)a)->s, ((const lkey *)b)->s);
}

static int
cmp_num(const void *a, const void *b)
{
	const lkey *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return strcmp(x->s, y->s);
}

/* A whole finite number, as the labels' sort order sees it. */
static int
is_number(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return 0;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

/* Carve consecutive, suitably aligned pieces out of one block. */
static size_t
take(size_t *off, size_t bytes)
{
	size_t a = _Alignof(max_align_t), at = (*off + a - 1) / a * a;

	*off = at + bytes;
	return at;
}

nn_cls_report *
nn_cls_finish(const nn_cls *c, nn_err *e)
{
	size_t k = nn_strtab_count(c->lab), kk = k * k, off = 0, strbytes = 0;
	size_t o_conf, o_sup, o_pred, o_prec, o_rec, o_f1, o_lab, o_str;
	nn_cls_report *r;
	lkey *key;
	int numeric = 1;
	char *base, *sp;

	if (c->n == 0) {
		nn_errf(e, "no rows");
		return NULL;
	}
	key = nn_xmalloc(k * sizeof(*key));
	for (size_t i = 0; i < k; i++) {
		key[i].s = nn_strtab_str(c->lab, i);
		key[i].idx = i;
		if (numeric && !is_number(key[i].s, &key[i].v))
			numeric = 0;
		strbytes += strlen(key[i].s) + 1;
	}
	if (!c->fixed)
		qsort(key, k, sizeof(*key), numeric ? cmp_num : cmp_str);

	/* k <= NN_CLS_MAX_LABELS, so none of these sizes can overflow. */
	take(&off, sizeof(*r));
	o_conf = take(&off, kk * sizeof(uint64_t));
	o_sup = take(&off, k * sizeof(uint64_t));
	o_pred = take(&off, k * sizeof(uint64_t));
	o_prec = take(&off, k * sizeof(double));
	o_rec = take(&off, k * sizeof(double));
	o_f1 = take(&off, k * sizeof(double));
	o_lab = take(&off, k * sizeof(char *));
	o_str = take(&off, strbytes);
	base = nn_xcalloc(1, off);
	r = (nn_cls_report *)base;
	r->confusion = (uint64_t *)(base + o_conf);
	r->support = (uint64_t *)(base + o_sup);
	r->predicted = (uint64_t *)(base + o_pred);
	r->precision = (double *)(base + o_prec);
	r->recall = (double *)(base + o_rec);
	r->f1 = (double *)(base + o_f1);
	r->labels = (char **)(base + o_lab);
	sp = base + o_str;

	r->n = c->n;
	r->k = k;
	for (size_t a = 0; a < k; a++) {
		size_t len = strlen(key[a].s) + 1;
		memcpy(sp, key[a].s, len);
		r->labels[a] = sp;
		sp += len;
		for (size_t b = 0; b < k; b++) {
			uint64_t v = c->conf[key[a].idx * c->cap + key[b].idx];
			r->confusion[a * k + b] = v;
			r->support[a] += v;
			r->predicted[b] += v;
		}
	}
	free(key);

	for (size_t a = 0; a < k; a++) {
		uint64_t tp = r->confusion[a * k + a];
		uint64_t fp = r->predicted[a] - tp, fn = r->support[a] - tp;
		r->correct += tp;
		r->precision[a] = r->predicted[a] ? (double)tp / r->predicted[a] : 0.0;
		r->recall[a] = r->support[a] ? (double)tp / r->support[a] : 0.0;
		r->f1[a] = tp ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
		r->macro.precision += r->precision[a];
		r->macro.recall += r->recall[a];
		r->macro.f1 += r->f1[a];
		r->weighted.precision += r->precision[a] * r->support[a];
		r->weighted.recall += r->recall[a] * r->support[a];
		r->weighted.f1 += r->f1[a] * r->support[a];
	}
	r->macro.precision /= k;
	r->macro.recall /= k;
	r->macro.f1 /= k;
	r->weighted.precision /= r->n;
	r->weighted.recall /= r->n;
	r->weighted.f1 /= r->n;
	r->accuracy = (double)r->correct / r->n;
	r->has_log_loss = c->nprob == c->n;
	r->log_loss = r->has_log_loss ? ktotal(c->ll, c->ll_c) / c->nprob : NAN;
	return r;
}

void
nn_cls_report_free(nn_cls_report *r)
{
	free(r);
}

/* ====================================================================== */
/* Ranking                                                                */
/* ====================================================================== */

void
nn_scores_init(nn_scores *s, size_t k, const char *const *labels)
{
	memset(s, 0, sizeof(*s));
	s->k = k;
	s->labels = labels;
}

void
nn_scores_free(nn_scores *s)
{
	free(s->p);
	free(s->truth);
	s->p = NULL;
	s->truth = NULL;
	s->n = s->cap = 0;
}

int
nn_scores_add(nn_scores *s, size_t truth, const float *p, nn_err *e)
{
	if (truth >= s->k)
		return nn_errf(e, "class %zu of %zu classes", truth + 1, s->k);
	for (size_t j = 0; j < s->k; j++)
		if (isnan(p[j]))
			return nn_errf(e, "probability %zu is not a number", j + 1);
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		if (cap > SIZE_MAX / sizeof(float) / (s->k ? s->k : 1))
			cap = s->cap + 1;   /* nn_xmalloc reports what cannot be */
		s->p = nn_xrealloc(s->p, cap * s->k * sizeof(*s->p));
		s->truth = nn_xrealloc(s->truth, cap * sizeof(*s->truth));
		s->cap = cap;
	}
	memcpy(s->p + s->n * s->k, p, s->k * sizeof(*p));
	s->truth[s->n++] = (uint32_t)truth;
	return 0;
}

/* A row as one ranking sees it. */
typedef struct rkey {
	float score;
	uint32_t pos;          /* 1: of the class ranked, 0: of another */
} rkey;

/* Stable merge sort, highest score first: runs of width 1, 2, 4, ...
 * merged between a and tmp.  Returns whichever holds the result. */
static rkey *
rank_sort(rkey *a, rkey *tmp, size_t n)
{
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = mid + w < n ? mid + w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi)   /* ">=": the left one first */
				tmp[o++] = a[i].score >= a[j].score ? a[i++] : a[j++];
			while (i < mid)
				tmp[o++] = a[i++];
			while (j < hi)
				tmp[o++] = a[j++];
		}
		rkey *t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

/* Class c's name for a message. */
static const char *
class_name(const nn_scores *s, size_t c, char *buf, size_t size)
{
	if (s->labels != NULL && s->labels[c] != NULL)
		return s->labels[c];
	snprintf(buf, size, "%zu", c);
	return buf;
}

/* The rows sorted for class c (owned by the caller: free(*mem)), with the
 * counts of positives and negatives; NULL when either is 0. */
static const rkey *
rank_rows(const nn_scores *s, size_t c, uint64_t *pos, uint64_t *neg,
    rkey **mem, nn_err *e)
{
	char buf[24];
	const char *name;
	rkey *a;

	*pos = 0;
	for (size_t i = 0; i < s->n; i++)
		*pos += s->truth[i] == c;
	*neg = s->n - *pos;
	if (s->n == 0) {
		nn_errf(e, "no rows");
		return NULL;
	}
	if (*pos == 0 || *neg == 0) {
		/* binary: say which class is there, not which is missing */
		size_t only = *neg == 0 ? c : s->k == 2 ? 1 - c : SIZE_MAX;
		if (only != SIZE_MAX) {
			name = class_name(s, only, buf, sizeof(buf));
			nn_errf(e, "only class \"%.*s%s\" occurs in the truth: "
			    "ROC-AUC and average precision are undefined",
			    SHOW(name));
		} else {
			name = class_name(s, c, buf, sizeof(buf));
			nn_errf(e, "class \"%.*s%s\" never occurs in the truth: "
			    "its ROC-AUC and average precision are undefined",
			    SHOW(name));
		}
		return NULL;
	}
	a = nn_xmalloc(2 * s->n * sizeof(*a));
	for (size_t i = 0; i < s->n; i++) {
		a[i].score = s->p[i * s->k + c];
		a[i].pos = s->truth[i] == c;
	}
	*mem = a;
	return rank_sort(a, a + s->n, s->n);
}

/*
 * One pass over the sorted rows, a group of equal scores at a time.  With
 * tp, fp the counts above the group and gp, gn the group's own:
 *   ROC: the segment from (fp, tp) to (fp + gn, tp + gp), area
 *        gn (tp + gp / 2) / (P N): every negative of the group beats the
 *        positives above it, and ties with half of the group's;
 *   AP:  recall grows by gp / P at precision (tp + gp) / (tp + gp + fp + gn).
 * cv, when not NULL, gets the points (it has room for n + 1).  Returns the
 * number of points, the start included.
 */
static size_t
rank_walk(const rkey *r, size_t n, uint64_t P, uint64_t N, nn_rank *out,
    nn_curve *cv)
{
	uint64_t tp = 0, fp = 0;
	double roc = 0.0, ap = 0.0;
	size_t pt = 1;

	if (cv != NULL) {
		cv->threshold[0] = INFINITY;
		cv->fpr[0] = cv->tpr[0] = cv->recall[0] = 0.0;
		cv->precision[0] = 1.0;
	}
	for (size_t i = 0; i < n;) {
		uint64_t gp = 0, gn = 0;
		size_t j = i;
		for (; j < n && r[j].score == r[i].score; j++) {
			gp += r[j].pos;
			gn += !r[j].pos;
		}
		roc += (double)gn * ((double)tp + 0.5 * (double)gp);
		tp += gp;
		fp += gn;
		if (gp > 0)
			ap += (double)gp / (double)P * ((double)tp / (double)(tp + fp));
		if (cv != NULL) {
			cv->threshold[pt] = r[i].score;
			cv->fpr[pt] = (double)fp / (double)N;
			cv->tpr[pt] = (double)tp / (double)P;
			cv->recall[pt] = cv->tpr[pt];
			cv->precision[pt] = (double)tp / (double)(tp + fp);
		}
		pt++;
		i = j;
	}
	out->roc_auc = roc / ((double)P * (double)N);
	out->ap = ap;
	return pt;
}

int
nn_rank_class(const nn_scores *s, size_t c, nn_rank *out, nn_err *e)
{
	uint64_t P, N;
	rkey *mem = NULL;
	const rkey *r;

	if (c >= s->k)
		return nn_errf(e, "class %zu of %zu classes", c + 1, s->k);
	if ((r = rank_rows(s, c, &P, &N, &mem, e)) == NULL)
		return -1;
	rank_walk(r, s->n, P, N, out, NULL);
	free(mem);
	return 0;
}

int
nn_rank_report(const nn_scores *s, nn_rank *out, nn_rank *per, nn_err *e)
{
	nn_rank sum = { 0.0, 0.0 }, one;

	if (s->k < 2)
		return nn_errf(e, "%zu class%s: ROC-AUC and average precision "
		    "need two or more", s->k, s->k == 1 ? "" : "es");
	if (s->k == 2) {
		if (nn_rank_class(s, 1, out, e) < 0)
			return -1;
		if (per != NULL && nn_rank_class(s, 0, &per[0], e) < 0)
			return -1;
		if (per != NULL)
			per[1] = *out;
		return 0;
	}
	for (size_t c = 0; c < s->k; c++) {
		if (nn_rank_class(s, c, &one, e) < 0)
			return -1;
		if (per != NULL)
			per[c] = one;
		sum.roc_auc += one.roc_auc;
		sum.ap += one.ap;
	}
	out->roc_auc = sum.roc_auc / (double)s->k;
	out->ap = sum.ap / (double)s->k;
	return 0;
}

nn_curve *
nn_curve_new(const nn_scores *s, size_t c, nn_err *e)
{
	size_t off = 0, o_arr[5], m;
	uint64_t P, N;
	rkey *mem = NULL;
	const rkey *r;
	nn_curve *cv;
	char *base;

	if (c >= s->k) {
		nn_errf(e, "class %zu of %zu classes", c + 1, s->k);
		return NULL;
	}
	if ((r = rank_rows(s, c, &P, &N, &mem, e)) == NULL)
		return NULL;
	m = s->n + 1;           /* at most: the start and one per row */
	take(&off, sizeof(*cv));
	for (int i = 0; i < 5; i++)
		o_arr[i] = take(&off, m * sizeof(double));
	base = nn_xcalloc(1, off);
	cv = (nn_curve *)base;
	cv->threshold = (double *)(base + o_arr[0]);
	cv->fpr = (double *)(base + o_arr[1]);
	cv->tpr = (double *)(base + o_arr[2]);
	cv->recall = (double *)(base + o_arr[3]);
	cv->precision = (double *)(base + o_arr[4]);
	cv->pos = P;
	cv->neg = N;
	cv->n = rank_walk(r, s->n, P, N, &cv->rank, cv);
	free(mem);
	return cv;
}

void
nn_curve_free(nn_curve *cv)
{
	free(cv);
}

/* ====================================================================== */
/* Regression                                                             */
/* ====================================================================== */

void
nn_reg_init(nn_reg *r)
{
	memset(r, 0, sizeof(*r));
}

int
nn_reg_add(nn_reg *r, double truth, double pred, nn_err *e)
{
	double d, x, err;

	if (!isfinite(truth) || !isfinite(pred))
		return nn_errf(e, "%s value %g is not a finite number",
		    isfinite(truth) ? "predicted" : "true",
		    isfinite(truth) ? pred : truth);
	if (r->n == 0)
		r->shift = truth;
	x = truth - r->shift;
	r->n++;
	d = x - r->mean;
	r->mean += d / (double)r->n;
	r->m2 += d * (x - r->mean);
	err = truth - pred;
	ksum(&r->sse, &r->sse_c, err * err);
	ksum(&r->sae, &r->sae_c, fabs(err));
	return 0;
}

void
nn_reg_merge(nn_reg *r, const nn_reg *o)
{
	double n, d;

	if (o->n == 0)
		return;
	if (r->n == 0) {
		*r = *o;
		return;
	}
	n = (double)r->n + (double)o->n;
	d = (o->mean + (o->shift - r->shift)) - r->mean;
	r->mean += d * ((double)o->n / n);
	r->m2 += o->m2 + d * d * ((double)r->n * (double)o->n / n);
	r->n += o->n;
	ksum(&r->sse, &r->sse_c, o->sse);
	ksum(&r->sse, &r->sse_c, o->sse_c);
	ksum(&r->sae, &r->sae_c, o->sae);
	ksum(&r->sae, &r->sae_c, o->sae_c);
}

int
nn_reg_finish(const nn_reg *r, nn_reg_report *out, nn_err *e)
{
	double sse;

	if (r->n == 0)
		return nn_errf(e, "no rows");
	sse = ktotal(r->sse, r->sse_c);
	out->n = r->n;
	out->mse = sse / (double)r->n;
	out->rmse = sqrt(out->mse);
	out->mae = ktotal(r->sae, r->sae_c) / (double)r->n;
	if (r->m2 > 0.0)
		out->r2 = 1.0 - sse / r->m2;
	else
		out->r2 = sse == 0.0 ? 1.0 : 0.0;
	return 0;
}
