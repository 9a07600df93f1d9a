/*
 * test_metrics.c - the metrics module against figures worked out by hand
 * (in the comments next to each case), its error paths, and streaming
 * against whole-array computation on random data.
 *
 * Hand-computed values are exact fractions, so they are compared to 1e-12.
 * Streamed sums (compensated, and Welford on shifted values) are compared
 * with the textbook two-pass formulas in long double, also to 1e-12
 * relative, on data with an offset of 1e9 where a naive one-pass variance
 * would lose most of its digits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tap.h"

static int
near(double a, double b, double tol)
{
	return fabs(a - b) <= tol * (1.0 + fabs(b));
}

/* Index of label s in a report, or -1. */
static long
lab(const nn_cls_report *r, const char *s)
{
	for (size_t i = 0; i < r->k; i++)
		if (strcmp(r->labels[i], s) == 0)
			return (long)i;
	return -1;
}

static nn_cls *
feed(const char *const *t, const char *const *p, size_t n)
{
	nn_cls *c = nn_cls_new();
	nn_err e;

	for (size_t i = 0; i < n; i++)
		if (nn_cls_add(c, t[i], p[i], NULL, &e) < 0)
			tap_ok(0, "add row %zu: %s", i, e.msg);
	return c;
}

/*
 * Three classes, ten rows, fed in an order where "c" comes first so that
 * the sort is exercised.
 *
 *   truth:  c c c a a a a b b b
 *   pred:   c c b a a b c b b a
 *
 *   confusion (rows truth, cols pred; order a b c)
 *        a  b  c   support
 *     a  2  1  1   4
 *     b  1  2  0   3
 *     c  0  1  2   3
 *   predicted: a 3, b 4, c 3;  tp: 2 2 2;  accuracy 6/10
 *   precision: a 2/3, b 2/4, c 2/3
 *   recall:    a 2/4, b 2/3, c 2/3
 *   f1 = 2tp/(2tp+fp+fn): a 4/(4+1+2) = 4/7, b 4/(4+2+1) = 4/7,
 *                         c 4/(4+1+1) = 2/3
 *   macro P  = (2/3 + 1/2 + 2/3)/3 = 11/18
 *   macro R  = (1/2 + 2/3 + 2/3)/3 = 11/18
 *   macro F1 = (4/7 + 4/7 + 2/3)/3 = 38/63
 *   weighted P  = (4*2/3 + 3*1/2 + 3*2/3)/10 = (37/6)/10 = 37/60
 *   weighted R  = (4*1/2 + 3*2/3 + 3*2/3)/10 = 6/10
 *   weighted F1 = (4*4/7 + 3*4/7 + 3*2/3)/10 = 6/10
 */
static void
check_three_class(void)
{
	static const char *t[] = { "c", "c", "c", "a", "a", "a", "a", "b", "b", "b" };
	static const char *p[] = { "c", "c", "b", "a", "a", "b", "c", "b", "b", "a" };
	static const uint64_t want[9] = { 2, 1, 1, 1, 2, 0, 0, 1, 2 };
	const double prec[3] = { 2.0 / 3, 0.5, 2.0 / 3 };
	const double rec[3] = { 0.5, 2.0 / 3, 2.0 / 3 };
	const double f1[3] = { 4.0 / 7, 4.0 / 7, 2.0 / 3 };
	const uint64_t sup[3] = { 4, 3, 3 };
	nn_cls *c = feed(t, p, 10);
	nn_err e;
	nn_cls_report *r = nn_cls_finish(c, &e);
	int ok = 1;

	tap_ok(r != NULL, "3-class: finish");
	if (r == NULL)
		return;
	tap_ok(r->k == 3 && strcmp(r->labels[0], "a") == 0 &&
	    strcmp(r->labels[1], "b") == 0 && strcmp(r->labels[2], "c") == 0,
	    "3-class: labels sorted a b c");
	tap_ok(memcmp(r->confusion, want, sizeof(want)) == 0,
	    "3-class: confusion matrix");
	tap_ok(r->n == 10 && r->correct == 6 && near(r->accuracy, 0.6, 1e-12),
	    "3-class: accuracy 6/10");
	for (int i = 0; i < 3; i++)
		ok &= near(r->precision[i], prec[i], 1e-12) &&
		    near(r->recall[i], rec[i], 1e-12) &&
		    near(r->f1[i], f1[i], 1e-12) && r->support[i] == sup[i];
	tap_ok(ok, "3-class: per-class precision, recall, f1, support");
	tap_ok(r->predicted[0] == 3 && r->predicted[1] == 4 &&
	    r->predicted[2] == 3, "3-class: predicted counts 3 4 3");
	tap_ok(near(r->macro.precision, 11.0 / 18, 1e-12) &&
	    near(r->macro.recall, 11.0 / 18, 1e-12) &&
	    near(r->macro.f1, 38.0 / 63, 1e-12), "3-class: macro 11/18 11/18 38/63");
	tap_ok(near(r->weighted.precision, 37.0 / 60, 1e-12) &&
	    near(r->weighted.recall, 0.6, 1e-12) &&
	    near(r->weighted.f1, 0.6, 1e-12), "3-class: weighted 37/60 0.6 0.6");
	tap_ok(!r->has_log_loss && isnan(r->log_loss), "3-class: no log-loss without probabilities");
	tap_ok(nn_cls_nlabels(c) == 3 && nn_cls_ntruth(c) == 3 &&
	    nn_cls_rows(c) == 10, "3-class: counters");
	nn_cls_report_free(r);
	nn_cls_free(c);
}

/*
 * Zero division.  truth x x y, pred x x z:
 *   x: tp 2, predicted 2, support 2 -> P 1, R 1, F1 1
 *   y: never predicted: P = 0/0 -> 0; R = 0/1 = 0; F1 0
 *   z: never true: P = 0/1 = 0; R = 0/0 -> 0; F1 = 0/(0+1+0) = 0
 *   macro P = 1/3, weighted P = (2*1 + 1*0 + 0*0)/3 = 2/3, accuracy 2/3
 */
static void
check_zero_division(void)
{
	static const char *t[] = { "x", "x", "y" };
	static const char *p[] = { "x", "x", "z" };
	nn_cls *c = feed(t, p, 3);
	nn_err e;
	nn_cls_report *r = nn_cls_finish(c, &e);
	long y, z;

	if (!tap_ok(r != NULL && r->k == 3, "zero division: three labels"))
		return;
	y = lab(r, "y");
	z = lab(r, "z");
	tap_ok(y >= 0 && r->precision[y] == 0.0 && r->recall[y] == 0.0 &&
	    r->f1[y] == 0.0 && r->predicted[y] == 0,
	    "zero division: never-predicted class has P = R = F1 = 0");
	tap_ok(z >= 0 && r->precision[z] == 0.0 && r->recall[z] == 0.0 &&
	    r->f1[z] == 0.0 && r->support[z] == 0,
	    "zero division: never-true class has P = R = F1 = 0");
	tap_ok(near(r->macro.precision, 1.0 / 3, 1e-12) &&
	    near(r->weighted.precision, 2.0 / 3, 1e-12) &&
	    near(r->accuracy, 2.0 / 3, 1e-12), "zero division: averages 1/3, 2/3");
	tap_ok(nn_cls_ntruth(c) == 2, "zero division: two true labels");
	nn_cls_report_free(r);
	nn_cls_free(c);
}

static void
check_sort(void)
{
	static const char *num[] = { "10", "9", "2", "-1", "1.5", "1e1" };
	static const char *num_want[] = { "-1", "1.5", "2", "9", "10", "1e1" };
	static const char *mix[] = { "10", "9", "a", "2" };
	static const char *mix_want[] = { "10", "2", "9", "a" };
	nn_cls *c;
	nn_cls_report *r;
	nn_err e;
	int ok;

	c = feed(num, num, 6);
	r = nn_cls_finish(c, &e);
	ok = r != NULL && r->k == 6;
	for (size_t i = 0; ok && i < 6; i++)
		ok = strcmp(r->labels[i], num_want[i]) == 0;
	tap_ok(ok, "sort: numeric labels by value, ties (10, 1e1) by strcmp");
	nn_cls_report_free(r);
	nn_cls_free(c);

	c = feed(mix, mix, 4);
	r = nn_cls_finish(c, &e);
	ok = r != NULL && r->k == 4;
	for (size_t i = 0; ok && i < 4; i++)
		ok = strcmp(r->labels[i], mix_want[i]) == 0;
	tap_ok(ok, "sort: mixed labels by strcmp");
	nn_cls_report_free(r);
	nn_cls_free(c);
}

/*
 * Log-loss, labels "0" "1", probability columns in that order:
 *   truth 1, p (0.2, 0.8) -> -ln 0.8    =  0.22314355131420976
 *   truth 0, p (0.6, 0.4) -> -ln 0.6    =  0.51082562376599068
 *   truth 1, p (1, 0)     -> -ln 1e-15  = 34.538776394910684 (clipped)
 *   mean = 35.272745570…/3 = 11.757581856663627
 * A true class with p = 1 costs -ln(1 - 1e-15) ~ 1e-15, not 0.
 */
static void
check_log_loss(void)
{
	static const char *pl[] = { "0", "1" };
	const double p1[] = { 0.2, 0.8 }, p2[] = { 0.6, 0.4 }, p3[] = { 1, 0 };
	const double half[] = { 0.25, 0.25 }, big[] = { 1.5, -0.5 };
	const double bad[] = { NAN, 1.0 };
	nn_cls *c = nn_cls_new();
	nn_cls_report *r;
	nn_err e;

	tap_ok(nn_cls_set_prob_labels(c, pl, 2, &e) == 0, "log-loss: set labels");
	tap_ok(nn_cls_prob_index(c, "1") == 1 && nn_cls_prob_index(c, "0") == 0 &&
	    nn_cls_prob_index(c, "2") == -1, "log-loss: probability index lookup");
	tap_ok(nn_cls_add(c, "1", "1", p1, &e) == 0 &&
	    nn_cls_add(c, "0", "0", p2, &e) == 0 &&
	    nn_cls_add(c, "1", "0", p3, &e) == 0, "log-loss: three rows");
	/* errors leave the accumulator as it was */
	tap_ok(nn_cls_add(c, "2", "1", p1, &e) < 0 &&
	    strstr(e.msg, "\"2\"") != NULL, "log-loss: true label without probability: %s", e.msg);
	tap_ok(nn_cls_add(c, "1", "1", half, &e) < 0 &&
	    strstr(e.msg, "sum") != NULL, "log-loss: row summing to 0.5: %s", e.msg);
	tap_ok(nn_cls_add(c, "1", "1", big, &e) < 0, "log-loss: p = 1.5: %s", e.msg);
	tap_ok(nn_cls_add(c, "1", "1", bad, &e) < 0, "log-loss: p = NaN: %s", e.msg);
	tap_ok(nn_cls_add(c, NULL, "1", NULL, &e) < 0, "log-loss: NULL label: %s", e.msg);
	tap_ok(nn_cls_set_prob_labels(c, pl, 2, &e) < 0, "log-loss: labels set twice");
	tap_ok(nn_cls_rows(c) == 3 && nn_cls_nlabels(c) == 2,
	    "log-loss: failed adds changed nothing");
	r = nn_cls_finish(c, &e);
	if (tap_ok(r != NULL && r->has_log_loss, "log-loss: present")) {
		tap_ok(near(r->log_loss, 11.757581856663627, 1e-12),
		    "log-loss: %.17g = 11.757581856663627", r->log_loss);
		tap_ok(near(r->accuracy, 2.0 / 3, 1e-12), "log-loss: accuracy 2/3");
	}
	nn_cls_report_free(r);
	/* a row without probabilities: log-loss no longer covers every row */
	nn_cls_add(c, "0", "0", NULL, &e);
	r = nn_cls_finish(c, &e);
	tap_ok(r != NULL && !r->has_log_loss, "log-loss: absent when a row lacks probabilities");
	nn_cls_report_free(r);
	nn_cls_free(c);

	c = nn_cls_new();
	nn_cls_set_prob_labels(c, pl, 2, &e);
	nn_cls_add(c, "0", "0", (const double[]){ 1, 0 }, &e);
	r = nn_cls_finish(c, &e);
	tap_ok(r != NULL && r->log_loss > 0 && near(r->log_loss, 1e-15, 1e-3),
	    "log-loss: p = 1 clipped to 1 - 1e-15 (%g)", r ? r->log_loss : 0);
	nn_cls_report_free(r);
	nn_cls_free(c);

	c = nn_cls_new();
	tap_ok(nn_cls_set_prob_labels(c, (const char *[]){ "a", "b", "a" }, 3, &e) < 0,
	    "log-loss: duplicate probability label: %s", e.msg);
	tap_ok(nn_cls_finish(c, &e) == NULL, "finish with no rows is an error: %s", e.msg);
	nn_cls_free(c);
}

/*
 * Fixed classes, as nn-eval -m gives a model's: "z" "a" "m" in that order
 * (not sorted), "m" never occurring.  Rows (truth, pred, p(z a m)):
 *   z z (0.7 0.2 0.1)   a z (0.5 0.5 0)   a a (0 1 0)
 *   confusion (order z a m): z: 1 0 0 / a: 1 1 0 / m: 0 0 0
 *   precision z 1/2, a 1, m 0;  recall z 1, a 1/2, m 0
 *   macro precision over 3 classes = (0.5 + 1 + 0) / 3 = 0.5
 *   log-loss = (-ln 0.7 - ln 0.5 - ln(1 - 1e-15)) / 3
 * The probability labels come in yet another order (a m z), and are set
 * after the classes, so the lookup from class to probability entry must be
 * redone then.
 */
static void
check_fixed(void)
{
	static const char *cl[] = { "z", "a", "m" }, *pl[] = { "a", "m", "z" };
	nn_cls *c = nn_cls_new();
	nn_cls_report *r;
	nn_err e;

	tap_ok(nn_cls_set_labels(c, cl, 3, &e) == 0, "fixed: set classes");
	tap_ok(nn_cls_set_prob_labels(c, pl, 3, &e) == 0, "fixed: then probability labels");
	tap_ok(nn_cls_label_index(c, "m") == 2 && nn_cls_label_index(c, "q") == -1,
	    "fixed: class index lookup");
	tap_ok(nn_cls_add(c, "z", "z", (const double[]){ 0.2, 0.1, 0.7 }, &e) == 0 &&
	    nn_cls_add(c, "a", "z", (const double[]){ 0.5, 0, 0.5 }, &e) == 0 &&
	    nn_cls_add(c, "a", "a", (const double[]){ 1, 0, 0 }, &e) == 0,
	    "fixed: three rows");
	tap_ok(nn_cls_add(c, "q", "a", (const double[]){ 1, 0, 0 }, &e) < 0 &&
	    strstr(e.msg, "true label \"q\"") != NULL, "fixed: unknown truth: %s", e.msg);
	tap_ok(nn_cls_add(c, "a", "q", NULL, &e) < 0 &&
	    strstr(e.msg, "predicted label \"q\"") != NULL,
	    "fixed: unknown prediction: %s", e.msg);
	tap_ok(nn_cls_set_labels(c, cl, 3, &e) < 0, "fixed: set twice: %s", e.msg);
	r = nn_cls_finish(c, &e);
	if (tap_ok(r != NULL && r->k == 3, "fixed: 3 classes reported")) {
		tap_ok(strcmp(r->labels[0], "z") == 0 && strcmp(r->labels[1], "a") == 0 &&
		    strcmp(r->labels[2], "m") == 0, "fixed: in the order given");
		tap_ok(r->confusion[0] == 1 && r->confusion[3] == 1 &&
		    r->confusion[4] == 1 && r->support[2] == 0 && r->n == 3,
		    "fixed: confusion 1 0 0 / 1 1 0 / 0 0 0");
		tap_ok(near(r->macro.precision, 0.5, 1e-12) && r->f1[2] == 0.0,
		    "fixed: an absent class counts in the macro average");
		tap_ok(r->has_log_loss && near(r->log_loss,
		    (-log(0.7) - log(0.5) - log(1 - 1e-15)) / 3, 1e-12),
		    "fixed: log-loss through the remapped probabilities");
	}
	nn_cls_report_free(r);
	nn_cls_free(c);

	c = nn_cls_new();
	tap_ok(nn_cls_set_labels(c, (const char *[]){ "a", "b", "a" }, 3, &e) < 0 &&
	    nn_cls_nlabels(c) == 0, "fixed: duplicate class refused, nothing kept: %s",
	    e.msg);
	tap_ok(nn_cls_add(c, "x", "y", NULL, &e) == 0, "fixed: still open after the failure");
	tap_ok(nn_cls_set_labels(c, cl, 3, &e) < 0, "fixed: not after a row: %s", e.msg);
	nn_cls_free(c);
}

static void
check_max_labels(void)
{
	nn_cls *c = nn_cls_new();
	char buf[32];
	nn_err e;
	int ok = 1;

	for (int i = 0; ok && i < NN_CLS_MAX_LABELS; i += 2) {
		snprintf(buf, sizeof(buf), "t%d", i);
		char q[32];
		snprintf(q, sizeof(q), "t%d", i + 1);
		ok = nn_cls_add(c, buf, q, NULL, &e) == 0;
	}
	tap_ok(ok && nn_cls_nlabels(c) == NN_CLS_MAX_LABELS, "max labels: %d accepted",
	    NN_CLS_MAX_LABELS);
	tap_ok(nn_cls_add(c, "new", "t0", NULL, &e) < 0 &&
	    nn_cls_nlabels(c) == NN_CLS_MAX_LABELS, "max labels: one more refused: %s", e.msg);
	tap_ok(nn_cls_add(c, "t5", "t0", NULL, &e) == 0, "max labels: known labels still counted");
	nn_cls_free(c);
}

/* Streamed counts equal counts of the whole arrays. */
static void
check_cls_stream(void)
{
	enum { N = 20000, K = 37 };
	static uint64_t direct[K][K];
	static char names[K][16];
	static uint32_t t[N], p[N];
	nn_cls *c = nn_cls_new();
	nn_cls_report *r;
	nn_rng g;
	nn_err e;
	int ok;

	nn_rng_seed(&g, 11);
	for (int k = 0; k < K; k++)
		snprintf(names[k], sizeof(names[k]), "L%02d", k);
	for (int i = 0; i < N; i++) {
		t[i] = (uint32_t)nn_rng_below(&g, K);
		p[i] = nn_rng_uniform(&g) < 0.7 ? t[i] : (uint32_t)nn_rng_below(&g, K);
		nn_cls_add(c, names[t[i]], names[p[i]], NULL, &e);
	}
	for (int i = 0; i < N; i++)
		direct[t[i]][p[i]]++;
	r = nn_cls_finish(c, &e);
	ok = r != NULL && r->k == K;
	uint64_t correct = 0;
	for (int a = 0; ok && a < K; a++) {
		ok = strcmp(r->labels[a], names[a]) == 0;
		correct += direct[a][a];
		for (int b = 0; ok && b < K; b++)
			ok = r->confusion[a * K + b] == direct[a][b];
	}
	tap_ok(ok, "stream: %d rows, %d labels: confusion equals direct count", N, K);
	tap_ok(ok && r->correct == correct &&
	    near(r->accuracy, (double)correct / N, 1e-15), "stream: accuracy");
	nn_cls_report_free(r);
	nn_cls_free(c);
}

/*
 * truth (1, 2, 3, 4), pred (1.5, 2, 2, 5): errors -0.5, 0, 1, -1
 *   SSE = 0.25 + 0 + 1 + 1 = 2.25;  MSE = 0.5625;  RMSE = 0.75
 *   MAE = (0.5 + 0 + 1 + 1)/4 = 0.625
 *   mean 2.5, SST = 2.25 + 0.25 + 0.25 + 2.25 = 5;  R^2 = 1 - 2.25/5 = 0.55
 */
static void
check_regression(void)
{
	const double t[] = { 1, 2, 3, 4 }, p[] = { 1.5, 2, 2, 5 };
	nn_reg g;
	nn_reg_report o;
	nn_err e;

	nn_reg_init(&g);
	for (int i = 0; i < 4; i++)
		nn_reg_add(&g, t[i], p[i], &e);
	tap_ok(nn_reg_finish(&g, &o, &e) == 0 && o.n == 4, "regression: 4 rows");
	tap_ok(near(o.mse, 0.5625, 1e-15) && near(o.rmse, 0.75, 1e-15) &&
	    near(o.mae, 0.625, 1e-15), "regression: MSE 0.5625, RMSE 0.75, MAE 0.625");
	tap_ok(near(o.r2, 0.55, 1e-15), "regression: R^2 0.55 (%.17g)", o.r2);
	tap_ok(nn_reg_add(&g, NAN, 1, &e) < 0 && nn_reg_add(&g, 1, INFINITY, &e) < 0 &&
	    g.n == 4, "regression: non-finite values refused: %s", e.msg);

	/* constant truth: SST = 0 */
	nn_reg_init(&g);
	for (int i = 0; i < 3; i++)
		nn_reg_add(&g, 3, 3, &e);
	nn_reg_finish(&g, &o, &e);
	tap_ok(o.r2 == 1.0 && o.mse == 0.0, "regression: constant truth, exact -> R^2 1");
	nn_reg_add(&g, 3, 4, &e);
	nn_reg_finish(&g, &o, &e);
	tap_ok(o.r2 == 0.0 && near(o.mse, 0.25, 1e-15), "regression: constant truth, inexact -> R^2 0");
	/* predicting the mean gives R^2 0; worse than the mean is negative */
	nn_reg_init(&g);
	nn_reg_add(&g, 0, 1, &e);
	nn_reg_add(&g, 2, 1, &e);
	nn_reg_finish(&g, &o, &e);
	tap_ok(near(o.r2, 0.0, 1e-15), "regression: predicting the mean -> R^2 0");
	nn_reg_init(&g);
	nn_reg_add(&g, 0, 2, &e);
	nn_reg_add(&g, 2, 0, &e);
	nn_reg_finish(&g, &o, &e);
	/* SSE 8, SST 2 -> 1 - 4 = -3 */
	tap_ok(near(o.r2, -3.0, 1e-15), "regression: swapped -> R^2 -3");
	nn_reg_init(&g);
	tap_ok(nn_reg_finish(&g, &o, &e) < 0, "regression: no rows is an error: %s", e.msg);
	nn_reg_add(&g, 1e200, -1e200, &e);
	nn_reg_finish(&g, &o, &e);
	tap_ok(isinf(o.mse) && o.mse > 0, "regression: overflowing squares give MSE +Inf");
}

/* Streamed against two-pass over the whole array, on values with a large
 * offset (where sum(y^2) - n*mean^2 would cancel catastrophically), and
 * merged parts against the whole. */
static void
check_reg_stream(void)
{
	enum { N = 100000 };
	static double t[N], p[N];
	long double mean = 0, sst = 0, sse = 0, sae = 0;
	nn_reg whole, part[3], m;
	nn_reg_report a, b;
	nn_rng g;
	nn_err e;

	nn_rng_seed(&g, 5);
	nn_reg_init(&whole);
	for (int k = 0; k < 3; k++)
		nn_reg_init(&part[k]);
	for (int i = 0; i < N; i++) {
		t[i] = 1e9 + nn_rng_normal(&g);
		p[i] = t[i] + 0.3 * nn_rng_normal(&g);
		nn_reg_add(&whole, t[i], p[i], &e);
		nn_reg_add(&part[i < 10 ? 0 : i < 60000 ? 1 : 2], t[i], p[i], &e);
	}
	for (int i = 0; i < N; i++)
		mean += t[i];
	mean /= N;
	for (int i = 0; i < N; i++) {
		long double d = t[i] - mean, r = (long double)t[i] - p[i];
		sst += d * d;
		sse += r * r;
		sae += fabsl(r);
	}
	nn_reg_finish(&whole, &a, &e);
	tap_ok(near(a.mse, (double)(sse / N), 1e-12) &&
	    near(a.mae, (double)(sae / N), 1e-12), "stream: MSE, MAE equal two-pass");
	tap_ok(near(a.r2, (double)(1 - sse / sst), 1e-12),
	    "stream: R^2 %.12f equals two-pass %.12f (offset 1e9)", a.r2,
	    (double)(1 - sse / sst));
	m = part[0];
	nn_reg_merge(&m, &part[1]);
	nn_reg_merge(&m, &part[2]);
	nn_reg_finish(&m, &b, &e);
	tap_ok(b.n == N && near(b.mse, a.mse, 1e-12) && near(b.mae, a.mae, 1e-12) &&
	    near(b.r2, a.r2, 1e-12), "merge: three parts equal the whole");
	nn_reg_init(&m);
	nn_reg_merge(&m, &whole);
	nn_reg_finish(&m, &b, &e);
	tap_ok(b.r2 == a.r2 && b.mse == a.mse, "merge: into an empty accumulator");
}

/* ---- ranking ---------------------------------------------------------- */

/* Binary rows: class 1 when pos[i], its probability score[i]. */
static void
binary_scores(nn_scores *s, const float *score, const int *pos, size_t n)
{
	nn_err e;

	nn_scores_init(s, 2, NULL);
	for (size_t i = 0; i < n; i++) {
		float p[2] = { 1.0f - score[i], score[i] };
		if (nn_scores_add(s, pos[i] ? 1 : 0, p, &e) < 0)
			tap_ok(0, "scores: add row %zu: %s", i, e.msg);
	}
}

/*
 * Eight rows, ties across classes (P = 4, N = 4):
 *   score  0.9  0.8  0.8  0.5  0.5  0.5  0.2  0.1
 *   pos     1    0    1    1    0    0    0    1
 * Mann-Whitney, each positive against the 4 negatives (ties count 1/2):
 *   0.9: 4;  0.8: 3 + 1/2;  0.5: 1 + 2/2;  0.1: 0   -> 9.5 / 16 = 0.59375
 * Average precision, per group of equal scores (recall step x precision):
 *   0.9: 1/4 x 1/1;  0.8: 1/4 x 2/3;  0.5: 1/4 x 3/6;  0.2: no step;
 *   0.1: 1/4 x 4/8   -> 1/4 + 1/6 + 1/8 + 1/8 = 2/3
 * (scikit-learn 1.2: roc_auc_score 0.59375, average_precision_score
 * 0.6666666666666666.)
 */
static void
check_rank_ties(void)
{
	const float sc[] = { 0.9f, 0.8f, 0.8f, 0.5f, 0.5f, 0.5f, 0.2f, 0.1f };
	const int pos[] = { 1, 0, 1, 1, 0, 0, 0, 1 };
	/* the same rows in another order: the result may not depend on it */
	const float sc2[] = { 0.5f, 0.1f, 0.8f, 0.5f, 0.9f, 0.2f, 0.5f, 0.8f };
	const int pos2[] = { 0, 1, 1, 1, 1, 0, 0, 0 };
	nn_scores s;
	nn_rank r, r2;
	nn_curve *cv;
	nn_err e;
	int rc;

	binary_scores(&s, sc, pos, 8);
	rc = nn_rank_report(&s, &r, NULL, &e);   /* before tap_ok reads r */
	tap_ok(rc == 0 && near(r.roc_auc, 0.59375, 1e-15), "rank: ties: ROC-AUC 9.5/16 (%.17g)",
	    r.roc_auc);
	tap_ok(near(r.ap, 2.0 / 3.0, 1e-15), "rank: ties: AP 2/3 (%.17g)", r.ap);
	nn_scores_free(&s);
	binary_scores(&s, sc2, pos2, 8);
	tap_ok(nn_rank_report(&s, &r2, NULL, &e) == 0 &&
	    r2.roc_auc == r.roc_auc && r2.ap == r.ap,
	    "rank: ties: the same figures, bit for bit, in another row order");

	/* the curve: the start and one point per distinct score (5) */
	cv = nn_curve_new(&s, 1, &e);
	tap_ok(cv != NULL && cv->n == 6 && cv->pos == 4 && cv->neg == 4,
	    "curve: 6 points, P 4, N 4");
	tap_ok(cv != NULL && cv->fpr[0] == 0 && cv->tpr[0] == 0 &&
	    cv->recall[0] == 0 && cv->precision[0] == 1 &&
	    isinf(cv->threshold[0]), "curve: starts at ROC (0, 0), PR (0, 1)");
	/* after 0.8: tp 2, fp 1 */
	tap_ok(cv != NULL && cv->threshold[2] == 0.8f && cv->fpr[2] == 0.25 &&
	    cv->tpr[2] == 0.5 && near(cv->precision[2], 2.0 / 3.0, 1e-15),
	    "curve: point 2 (score 0.8): fpr 1/4, tpr 1/2, precision 2/3");
	tap_ok(cv != NULL && cv->fpr[5] == 1 && cv->tpr[5] == 1 &&
	    cv->recall[5] == 1 && cv->precision[5] == 0.5,
	    "curve: ends at ROC (1, 1), PR (1, P/n)");
	tap_ok(cv != NULL && cv->rank.roc_auc == r.roc_auc && cv->rank.ap == r.ap,
	    "curve: its areas are nn_rank_report's");
	nn_curve_free(cv);
	nn_scores_free(&s);
}

/* Separated, reversed, all tied, one class. */
static void
check_rank_edges(void)
{
	const float up[] = { 0.1f, 0.2f, 0.8f, 0.9f };
	const int pos[] = { 0, 0, 1, 1 }, rev[] = { 1, 1, 0, 0 };
	const float same[] = { 0.3f, 0.3f, 0.3f, 0.3f, 0.3f };
	const int pos5[] = { 1, 0, 0, 1, 0 }, ones[] = { 1, 1, 1, 1 };
	const int zeros[] = { 0, 0, 0, 0 };
	nn_scores s;
	nn_rank r = { -1, -1 };
	nn_err e;
	int rc;

	binary_scores(&s, up, pos, 4);
	tap_ok(nn_rank_report(&s, &r, NULL, &e) == 0 && r.roc_auc == 1.0 &&
	    r.ap == 1.0, "rank: perfectly separated: ROC-AUC 1, AP 1");
	nn_scores_free(&s);

	/* positives at the bottom: 0.2 gives recall 1/2 at precision 1/3,
	 * 0.1 recall 1 at 2/4: AP = 1/6 + 1/4 = 5/12 */
	binary_scores(&s, up, rev, 4);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc == 0 && r.roc_auc == 0.0 &&
	    near(r.ap, 5.0 / 12.0, 1e-15), "rank: reversed: ROC-AUC 0, AP 5/12 "
	    "(%.17g)", r.ap);
	nn_scores_free(&s);

	/* one group: the segment (0, 0)-(1, 1); AP = P / n */
	binary_scores(&s, same, pos5, 5);
	tap_ok(nn_rank_report(&s, &r, NULL, &e) == 0 && r.roc_auc == 0.5 &&
	    near(r.ap, 0.4, 1e-15), "rank: all tied: ROC-AUC 0.5, AP 2/5");
	nn_scores_free(&s);

	r.roc_auc = r.ap = -1;
	binary_scores(&s, up, ones, 4);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc < 0 && r.roc_auc == -1 &&
	    strstr(e.msg, "only class \"1\" occurs") != NULL,
	    "rank: only positives: error (%s)", e.msg);
	nn_scores_free(&s);
	binary_scores(&s, up, zeros, 4);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc < 0 &&
	    strstr(e.msg, "only class \"0\" occurs") != NULL,
	    "rank: only negatives: error names the class there (%s)", e.msg);
	tap_ok(nn_curve_new(&s, 1, &e) == NULL, "curve: one class: NULL");
	nn_scores_free(&s);

	nn_scores_init(&s, 2, NULL);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc < 0 &&
	    strcmp(e.msg, "no rows") == 0, "rank: no rows: error");
	float bad[2] = { NAN, 0.5f };
	rc = nn_scores_add(&s, 0, bad, &e);
	tap_ok(rc < 0 && s.n == 0,
	    "scores: NaN refused (%s)", e.msg);
	rc = nn_scores_add(&s, 2, up, &e);
	tap_ok(rc < 0 && s.n == 0,
	    "scores: class out of range refused (%s)", e.msg);
	nn_scores_free(&s);
	nn_scores_init(&s, 1, NULL);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc < 0, "rank: 1 class: error (%s)",
	    e.msg);
	nn_scores_free(&s);
}

/*
 * Three classes, one-vs-rest:
 *   truth  p0   p1   p2
 *   0      0.6  0.3  0.1
 *   0      0.4  0.4  0.2
 *   1      0.3  0.5  0.2
 *   1      0.4  0.3  0.3
 *   2      0.2  0.2  0.6
 *   2      0.3  0.4  0.3
 * class 0: positives 0.6, 0.4 against 0.3 0.4 0.2 0.3: 4 + 3.5 = 7.5/8;
 *          AP: 0.6 -> 1/2 x 1, 0.4 -> 1/2 x 2/3: 5/6
 * class 1: positives 0.5, 0.3 against 0.3 0.4 0.2 0.4: 4 + 1.5 = 5.5/8;
 *          AP: 0.5 -> 1/2 x 1, 0.3 -> 1/2 x 2/5: 7/10
 * class 2: positives 0.6, 0.3 against 0.1 0.2 0.2 0.3: 4 + 3.5 = 7.5/8;
 *          AP 5/6
 * macro: ROC-AUC 20.5/24 = 0.8541666..., AP (5/6 + 7/10 + 5/6)/3 = 71/90
 * (scikit-learn: roc_auc_score(multi_class='ovr') 0.8541666666666666,
 * average_precision_score(one-hot) 0.7888888888888888.)
 */
static void
check_rank_multiclass(void)
{
	const float p[6][3] = { { 0.6f, 0.3f, 0.1f }, { 0.4f, 0.4f, 0.2f },
		{ 0.3f, 0.5f, 0.2f }, { 0.4f, 0.3f, 0.3f }, { 0.2f, 0.2f, 0.6f },
		{ 0.3f, 0.4f, 0.3f } };
	const char *const names[] = { "a", "b", "c" };
	nn_scores s;
	nn_rank r, per[3];
	nn_err e;
	int rc;

	nn_scores_init(&s, 3, names);
	for (size_t i = 0; i < 6; i++)
		nn_scores_add(&s, i / 2, p[i], &e);
	tap_ok(nn_rank_report(&s, &r, per, &e) == 0 &&
	    near(per[0].roc_auc, 7.5 / 8, 1e-15) &&
	    near(per[1].roc_auc, 5.5 / 8, 1e-15) &&
	    near(per[2].roc_auc, 7.5 / 8, 1e-15),
	    "rank: 3 classes: per class ROC-AUC 7.5/8, 5.5/8, 7.5/8");
	tap_ok(near(per[0].ap, 5.0 / 6, 1e-15) && near(per[1].ap, 0.7, 1e-15) &&
	    near(per[2].ap, 5.0 / 6, 1e-15), "rank: 3 classes: per class AP "
	    "5/6, 7/10, 5/6");
	tap_ok(near(r.roc_auc, 20.5 / 24, 1e-15) && near(r.ap, 71.0 / 90, 1e-15),
	    "rank: 3 classes: macro ROC-AUC 20.5/24, AP 71/90");
	/* a class with no row: undefined, named */
	nn_scores_free(&s);
	nn_scores_init(&s, 3, names);
	for (size_t i = 0; i < 4; i++)
		nn_scores_add(&s, i / 2, p[i], &e);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc < 0 &&
	    strstr(e.msg, "class \"c\" never occurs") != NULL,
	    "rank: 3 classes, one absent: error (%s)", e.msg);
	nn_scores_free(&s);
}

/* Against the definitions, O(n^2), on random rows with many ties. */
static void
check_rank_random(void)
{
	enum { N = 3000 };
	static float sc[N];
	static int pos[N];
	nn_scores s;
	nn_rank r;
	nn_rng g;
	nn_err e;
	double u = 0, ap = 0;
	long P = 0;
	int rc;

	nn_rng_seed(&g, 5);
	for (int i = 0; i < N; i++) {
		pos[i] = nn_rng_uniform(&g) < 0.3;
		/* 21 distinct values, shifted up for positives */
		sc[i] = (float)(nn_rng_below(&g, 16) + 5 * pos[i]) / 20.0f;
		P += pos[i];
	}
	for (int i = 0; i < N; i++) {
		long above = 0, tp = 0;
		if (!pos[i])
			continue;
		for (int j = 0; j < N; j++) {
			if (!pos[j])
				u += sc[i] > sc[j] ? 1.0 : sc[i] == sc[j] ? 0.5 : 0.0;
			if (sc[j] >= sc[i]) {
				above++;
				tp += pos[j];
			}
		}
		ap += (double)tp / (double)above;   /* precision at its score */
	}
	u /= (double)P * (double)(N - P);
	ap /= (double)P;
	binary_scores(&s, sc, pos, N);
	rc = nn_rank_report(&s, &r, NULL, &e);
	tap_ok(rc == 0 && near(r.roc_auc, u, 1e-12),
	    "rank: random, %d rows: ROC-AUC = Mann-Whitney U / PN (%.17g, %.17g)",
	    N, r.roc_auc, u);
	tap_ok(near(r.ap, ap, 1e-12), "rank: random: AP = mean precision at "
	    "each positive's score (%.17g, %.17g)", r.ap, ap);
	nn_scores_free(&s);
}

int
main(void)
{
	check_three_class();
	check_zero_division();
	check_sort();
	check_log_loss();
	check_fixed();
	check_max_labels();
	check_cls_stream();
	check_regression();
	check_reg_stream();
	check_rank_ties();
	check_rank_edges();
	check_rank_multiclass();
	check_rank_random();
	return tap_done();
}
