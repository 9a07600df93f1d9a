/*
 * nn_metrics.h - evaluation metrics, accumulated one row at a time.
 *
 * A caller feeds rows as it reads them and asks for the figures at the
 * end, so a program never has to hold its input: nn-eval streams a file of
 * any length, nn-train --cv feeds each fold's predictions, nn-plot draws the
 * confusion matrix from a finished report.  The interface is strings in,
 * counts out: class labels are whatever text the data uses ("0", "red"),
 * interned as they appear; nothing here knows about models or CSV.
 *
 *  - nn_cls: classification.  A K x K confusion matrix that grows as new
 *    labels appear (K is the union of true and predicted labels), and
 *    optionally the log-loss from a per-row probability vector.
 *  - nn_reg: regression.  n, compensated sums of squared and absolute
 *    errors, and Welford's running mean and M2 of the truth (shifted by its
 *    first value) for R^2, all in double.  A plain struct: no allocation.
 *  - nn_scores: ranking (ROC-AUC, average precision, their curves).  The
 *    exception to streaming: a ranking sorts the rows, so each row's
 *    probabilities and true class are kept, n * (4k + 4) bytes.
 *
 * Conventions, as scikit-learn's with zero_division=0:
 *  - precision of a class never predicted, recall of a class with no true
 *    rows, and F1 when both are 0, are 0 (not NaN);
 *  - macro averages are unweighted means over all K labels (a label that
 *    only occurs as a prediction counts, with recall 0); weighted averages
 *    weight each class by its support (number of true rows);
 *  - log-loss clips the probability of the true class to
 *    [NN_METRICS_EPS, 1 - NN_METRICS_EPS] before taking -log;
 *  - R^2 of a constant truth (total sum of squares 0) is 1 when every
 *    prediction is exact and 0 otherwise, never NaN or -Inf.
 *
 * Labels are reported sorted: numerically when every label is a finite
 * number (ties such as "1" and "1.0" broken by strcmp), else by strcmp;
 * or, when the caller fixed them (nn_cls_set_labels), in its order.
 *
 * Nothing here prints or exits; errors come back as -1 or NULL with a
 * message in an nn_err (no file or line: the caller knows those and puts
 * them in front).  A call that fails leaves its accumulator unchanged.
 */
#ifndef NN_METRICS_H
#define NN_METRICS_H

#include "nn_base.h"

/* Log-loss clips the true class's probability to [EPS, 1 - EPS]. */
#define NN_METRICS_EPS 1e-15
/* A probability row must sum to 1 within this (generous: it only catches
 * columns that are not probabilities at all, not rounding). */
#define NN_METRICS_PROB_TOL 0.05
/* Distinct labels an nn_cls accepts; the confusion matrix is dense, at most
 * NN_CLS_MAX_LABELS^2 counts (128 MiB). */
#define NN_CLS_MAX_LABELS 4096

/* ---- classification ------------------------------------------------------ */

typedef struct nn_cls nn_cls;

/* A new, empty accumulator.  Owned by the caller: nn_cls_free. */
nn_cls *nn_cls_new(void);
void nn_cls_free(nn_cls *c);

/* Name the entries of the probability vectors that nn_cls_add will get:
 * entry j is the probability of class labels[j] (strings copied).  Call at
 * most once, before the first row.  Error on a duplicate label. */
int nn_cls_set_prob_labels(nn_cls *c, const char *const *labels, size_t k,
    nn_err *e);

/* Fix the classes: the report will have exactly labels[0..k), in this
 * order, whether or not each occurs (a model's classes, so that a file
 * missing some still gets the model's K x K matrix), and nn_cls_add refuses
 * any other label.  Strings copied.  Call at most once, before the first
 * row; either before or after nn_cls_set_prob_labels.  Error on a missing
 * or duplicate label, or on more than NN_CLS_MAX_LABELS. */
int nn_cls_set_labels(nn_cls *c, const char *const *labels, size_t k,
    nn_err *e);

/* Count one row: its true and predicted labels (copied when new).  p is
 * NULL or the row's probability vector, in the order given to
 * nn_cls_set_prob_labels; each entry must be a finite number in [0, 1],
 * the row must sum to 1 within NN_METRICS_PROB_TOL, and the true label must
 * be one of the probability labels.  Other errors: a NULL label, more than
 * NN_CLS_MAX_LABELS labels, a label outside the fixed classes. */
int nn_cls_add(nn_cls *c, const char *truth, const char *pred,
    const double *p, nn_err *e);

/* Entry of the probability vector that holds label's probability, or -1
 * (lets a caller name the missing column before nn_cls_add refuses it). */
long nn_cls_prob_index(const nn_cls *c, const char *label);
/* With the classes fixed (nn_cls_set_labels), label's position among
 * them, or -1 (lets a caller name the line of an unknown label); without,
 * its position among the labels seen so far, or -1. */
long nn_cls_label_index(const nn_cls *c, const char *label);

uint64_t nn_cls_rows(const nn_cls *c);     /* rows counted */
size_t nn_cls_nlabels(const nn_cls *c);    /* distinct labels, true or predicted */
size_t nn_cls_ntruth(const nn_cls *c);     /* distinct true labels */

/* Averages of per-class figures (macro: plain mean; weighted: by support). */
typedef struct nn_cls_avg {
	double precision, recall, f1;
} nn_cls_avg;

/* K = k labels in sorted order; index a means labels[a] everywhere. */
typedef struct nn_cls_report {
	uint64_t n;            /* rows */
	uint64_t correct;      /* trace of the confusion matrix */
	size_t k;              /* labels */
	char **labels;         /* (K) sorted as described above */
	uint64_t *confusion;   /* (K, K) row-major: [t*K + p] = rows with true
	                          label t predicted as p */
	uint64_t *support;     /* (K) row sums: rows whose truth is the label */
	uint64_t *predicted;   /* (K) column sums: rows predicted as the label */
	double *precision;     /* (K) tp / predicted, 0 when predicted = 0 */
	double *recall;        /* (K) tp / support, 0 when support = 0 */
	double *f1;            /* (K) 2tp / (2tp + fp + fn), 0 when 0/0 */
	double accuracy;       /* correct / n */
	nn_cls_avg macro, weighted;
	int has_log_loss;      /* every row came with probabilities */
	double log_loss;       /* mean -log(clipped p of the true class), or NaN */
} nn_cls_report;

/* The figures so far (the accumulator is not changed and may go on).  One
 * allocation: every pointer in the report, labels included, points inside
 * it.  Owned by the caller: nn_cls_report_free.  Error (NULL) when no row
 * has been counted. */
nn_cls_report *nn_cls_finish(const nn_cls *c, nn_err *e);
void nn_cls_report_free(nn_cls_report *r);

/* ---- regression ------------------------------------------------------------ */

/* Plain data; zero it with nn_reg_init (or = {0}). */
typedef struct nn_reg {
	uint64_t n;
	double shift;          /* the first true value */
	double mean, m2;       /* Welford on truth - shift: running mean and sum
	                          of squared deviations from it */
	double sse, sse_c;     /* sum of squared errors, Neumaier compensation */
	double sae, sae_c;     /* sum of absolute errors, Neumaier compensation */
} nn_reg;

typedef struct nn_reg_report {
	uint64_t n;
	double mse;            /* mean (truth - pred)^2 */
	double rmse;           /* sqrt(mse) */
	double mae;            /* mean |truth - pred| */
	double r2;             /* 1 - SSE / SST; constant truth: 1 if SSE = 0,
	                          else 0 */
} nn_reg_report;

void nn_reg_init(nn_reg *r);
/* Count one row.  Error when either value is not finite. */
int nn_reg_add(nn_reg *r, double truth, double pred, nn_err *e);
/* r += o: as if o's rows had been added to r (Chan et al.'s pairwise
 * update), for pooling folds or parallel parts. */
void nn_reg_merge(nn_reg *r, const nn_reg *o);
/* The figures so far into *out.  Error when no row has been counted.  MSE
 * may be +Inf (and R^2 NaN) when squared errors overflow a double. */
int nn_reg_finish(const nn_reg *r, nn_reg_report *out, nn_err *e);

/* ---- ranking: ROC-AUC and average precision ------------------------------- */

/* Rows kept for ranking: each row's probability of each of k classes and
 * its true class.  Plain data; nn_scores_init, then nn_scores_free. */
typedef struct nn_scores {
	size_t n, k, cap;      /* rows, classes, rows allocated */
	float *p;              /* (n, k) [i*k + j]: row i's probability of class j */
	uint32_t *truth;       /* (n) row i's class, in [0, k) */
	const char *const *labels;  /* NULL or (k) class names for messages;
	                               borrowed: the caller keeps them alive */
} nn_scores;

/* No rows yet, k classes (at most NN_CLS_MAX_LABELS). */
void nn_scores_init(nn_scores *s, size_t k, const char *const *labels);
void nn_scores_free(nn_scores *s);
/* Keep one row: its true class (< k) and its k probabilities (copied).
 * Error on a class out of range or a probability that is NaN. */
int nn_scores_add(nn_scores *s, size_t truth, const float *p, nn_err *e);

/* The two areas of one class against the rest. */
typedef struct nn_rank {
	double roc_auc;        /* area under the ROC curve: tied scores joined by
	                          a straight segment (the trapezoid), which is
	                          the Mann-Whitney U / (P N) with half credit for
	                          a tied positive-negative pair */
	double ap;             /* average precision: sum over the distinct scores,
	                          highest first, of (recall gained) x precision;
	                          the step-wise area under the PR curve */
} nn_rank;

/* Class c against the rest: the rows of class c are positive, ranked by
 * their probability of c; as scikit-learn's roc_auc_score and
 * average_precision_score of (truth == c, p[:, c]).  Error when there is no
 * row of class c or no row of another class (both areas need both). */
int nn_rank_class(const nn_scores *s, size_t c, nn_rank *out, nn_err *e);

/* The figures of a report.  k == 2: binary, class 1 (the positive class)
 * against class 0.  k > 2: one-vs-rest, the unweighted (macro) mean of
 * nn_rank_class over every class; per, when not NULL, gets each class's
 * (k).  Error when k < 2 or any class's figures are undefined (the message
 * names it). */
int nn_rank_report(const nn_scores *s, nn_rank *out, nn_rank *per,
    nn_err *e);

/* The ROC and precision-recall curves of class c against the rest.  Point
 * 0 is the start, (fpr, tpr) = (0, 0) and (recall, precision) = (0, 1) as
 * scikit-learn ends its PR curve; point i >= 1 counts the rows whose score
 * is at least the i-th highest distinct score. */
typedef struct nn_curve {
	size_t n;              /* points */
	uint64_t pos, neg;     /* rows of class c, rows of the others */
	double *threshold;     /* (n) the score of point i; point 0 +Inf */
	double *fpr, *tpr;     /* (n) the last point is (1, 1) */
	double *recall, *precision;  /* (n) the last point is (1, pos / rows) */
	nn_rank rank;          /* the areas, as nn_rank_class */
} nn_curve;

/* One allocation, owned by the caller: nn_curve_free.  NULL with the errors
 * of nn_rank_class. */
nn_curve *nn_curve_new(const nn_scores *s, size_t c, nn_err *e);
void nn_curve_free(nn_curve *cv);

#endif
