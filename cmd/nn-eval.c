/*
 * nn-eval - score predictions against the truth, streaming.
 *
 * The input is what nn-predict writes: a truth column, a prediction column
 * and, with --proba, one p_LABEL column per class.  Rows go through the
 * streaming CSV reader in batches and straight into the metrics
 * accumulators (lib/metrics.c), so the input is never held: memory is the
 * batch plus the K x K confusion matrix.
 *
 * The task is taken from whoever knows it, never guessed against them: in
 * order --task, the model of -m, the name of the prediction column
 * (nn-predict writes predicted_label or predicted_value, see util.h), p_*
 * columns.  A model and a file that contradict each other are an error,
 * since one of them is the wrong one.  The classes, when they are known,
 * are fixed before the first row (the model's, else the p_* columns'), so
 * that the report has every class in the model's order and a label outside
 * them is an error naming its line.
 *
 * With p_* columns the rows' probabilities are also kept (nn_scores), for
 * the one figure that cannot stream: ROC-AUC and average precision sort
 * the rows.  --threshold re-decides a binary row from its probability of
 * the positive class before it is counted.
 *
 * Only a file that says nothing (a plain `predicted` column, no p_*) falls
 * to the rule on the values, and then nn-eval says on stderr what it
 * decided and why.  That rule is only known at the end (it looks at every
 * value), so both accumulators are fed while both are possible.  The
 * classification one is dropped early only when the rows already look like
 * regression and it has grown past AUTO_KEEP_LABELS labels: regression data
 * would otherwise make a matrix with one row per distinct value.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opts/nn-eval.h"
#include "util.h"

#define BATCH 1024
/* --task auto: more distinct true values than this means regression. */
#define AUTO_MAX_CLASSES 20
/* --task auto: labels kept for classification while the rows look like
 * regression (see the top of the file). */
#define AUTO_KEEP_LABELS 256

/* A field in a message: at most 40 bytes of it. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), \
	(strlen(s) > 40 ? "..." : "")

enum task { TASK_AUTO, TASK_CLS, TASK_REG };
/* (their words: eval_tasks, eval_formats in opts/nn-eval.h) */
enum format { FMT_TEXT, FMT_CSV, FMT_JSON };





/* The value of a keyword option, as its index in words[]; exit 2 if none. */
static int
keyword(const char *s, opt_values_fn *words, const char *opt,
    const char *expect)
{
	for (int i = 0; words(i) != NULL; i++)
		if (strcmp(s, words(i)) == 0)
			return i;
	errx(2, "%s: expected %s, got \"%.*s%s\"", opt, expect, SHOW(s));
}

/* ====================================================================== */
/* Columns                                                                */
/* ====================================================================== */

/* COL names a column (a name first, else a 1-based number). */
static long
column(nn_csv *c, const char *name, const char *col, const char *opt)
{
	size_t nc = nn_csv_ncols(c);
	long j = nn_csv_find(c, col), v;

	if (j >= 0)
		return j;
	if (col[0] >= '0' && col[0] <= '9' &&
	    nn_parse_long(col, 1, LONG_MAX, &v, opt, NULL) == 0) {
		if ((size_t)v > nc)
			errx(1, "%s: %s %ld: the input has %zu columns", name, opt,
			    v, nc);
		return v - 1;
	}
	errx(1, "%s: no column \"%.*s%s\"%s%s%s", name, SHOW(col),
	    opt ? " (" : "", opt ? opt : "", opt ? ")" : "");
}

static int
is_prob_column(const char *s)
{
	return strncmp(s, "p_", 2) == 0;
}

/* ====================================================================== */
/* Reading                                                                */
/* ====================================================================== */

typedef struct scan {
	const char *name;      /* input, for messages */
	enum task task;        /* TASK_AUTO: the file said nothing (see top) */
	long tc, pc;           /* 0-based truth and predicted columns */
	size_t np;             /* probability columns */
	long *pcols;           /* (np) their 0-based columns */
	double *pv;            /* (np) a row's probabilities */
	nn_cls *cls;           /* NULL: regression asked for, or dropped */
	int dropped;           /* cls dropped in auto mode */
	int fixed;             /* the classes were set: the model's or p_*'s */
	const char *model;     /* -m's path, for messages, or NULL */
	nn_reg reg;
	int allnum;            /* every true and predicted value is a number */
	int nonint;            /* ... and one of them is not an integer */
	int many;              /* more than AUTO_MAX_CLASSES true values */
	uint64_t rows;
	/* ranking and --threshold: the classes as the report orders them */
	int rank;              /* keep the probabilities in sc */
	nn_scores sc;          /* (rows, K) in class order */
	size_t *col;           /* (K) class j's entry of pv */
	double threshold;      /* --threshold, 0: none */
	const char *neg, *pos; /* the two classes, for --threshold */
	float *row_p;          /* (K) a row's probabilities in class order */
} scan;

/* A whole, finite number (no blanks), as the task rule sees it. */
static int
number(const char *s, double *v)
{
	char *end;

	if (*s == '\0' || *s == ' ' || *s == '\t')
		return 0;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

/* With the classes fixed, a label outside them is an error naming its
 * line and where the classes came from. */
static void
known(const scan *s, const char *v, int truth, unsigned long line)
{
	const char *what = truth ? "true" : "predicted";
	long col = (truth ? s->tc : s->pc) + 1;

	if (!s->fixed || nn_cls_label_index(s->cls, v) >= 0)
		return;
	if (s->model != NULL)
		errx(1, "%s:%lu:%ld: %s label \"%.*s%s\" is not one of the %zu "
		    "classes of %s", s->name, line, col, what, SHOW(v),
		    nn_cls_nlabels(s->cls), s->model);
	errx(1, "%s:%lu:%ld: %s label \"%.*s%s\" has no probability column "
	    "p_%.*s%s", s->name, line, col, what, SHOW(v), SHOW(v));
}

static void
row(scan *s, const char *t, const char *p, const float *x, unsigned long line)
{
	double *pv = s->pv;
	nn_err e;

	if (*t == '\0' || *p == '\0')
		errx(1, "%s:%lu:%ld: empty %s value", s->name, line,
		    (*t == '\0' ? s->tc : s->pc) + 1,
		    *t == '\0' ? "true" : "predicted");
	s->rows++;

	if (s->task != TASK_CLS && s->allnum) {
		double a, b;
		int ta = number(t, &a), pb = number(p, &b);
		if (ta && pb) {
			s->nonint |= a != floor(a) || b != floor(b);
			nn_reg_add(&s->reg, a, b, NULL);   /* finite: cannot fail */
		} else if (s->task == TASK_REG) {
			errx(1, "%s:%lu:%ld: expected a number, got \"%.*s%s\"",
			    s->name, line, (ta ? s->pc : s->tc) + 1,
			    SHOW(ta ? p : t));
		} else {
			s->allnum = 0;
			if (s->dropped)
				errx(1, "%s:%lu:%ld: \"%.*s%s\" is not a number, but "
				    "the rows before it looked like regression; "
				    "give --task classification", s->name, line,
				    (ta ? s->pc : s->tc) + 1, SHOW(ta ? p : t));
		}
	}
	if (s->cls == NULL)
		return;

	for (size_t j = 0; j < s->np; j++) {
		pv[j] = x[j];
		if (!(pv[j] >= 0.0 && pv[j] <= 1.0))
			errx(1, "%s:%lu:%ld: expected a probability in [0, 1], "
			    "got %g", s->name, line, s->pcols[j] + 1, pv[j]);
	}
	known(s, t, 1, line);
	for (size_t j = 0; s->rank && j < s->np; j++)
		s->row_p[j] = (float)pv[s->col[j]];
	/* the file's decision is replaced, so it need not be a class */
	if (s->threshold > 0)
		p = s->row_p[1] >= (float)s->threshold ? s->pos : s->neg;
	known(s, p, 0, line);
	if (nn_cls_add(s->cls, t, p, s->np ? pv : NULL, &e) < 0)
		errx(1, "%s:%lu: %s", s->name, line, e.msg);
	if (s->rank && nn_scores_add(&s->sc,
	    (size_t)nn_cls_label_index(s->cls, t), s->row_p, &e) < 0)
		errx(1, "%s:%lu: %s", s->name, line, e.msg);
	s->many |= nn_cls_ntruth(s->cls) > AUTO_MAX_CLASSES;
	if (s->task == TASK_AUTO && s->allnum && (s->nonint || s->many) &&
	    nn_cls_nlabels(s->cls) > AUTO_KEEP_LABELS) {
		nn_cls_free(s->cls);
		s->cls = NULL;
		s->dropped = 1;
	}
}

/* ====================================================================== */
/* Output                                                                 */
/* ====================================================================== */

/* v with the fewest digits (15 to 17) that read back as exactly v. */
static const char *
fmt(char *buf, size_t size, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (!isfinite(v) || strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static void
put_num(double v)
{
	char buf[40];

	fputs(fmt(buf, sizeof(buf), v), stdout);
}

/* What a classification report adds to nn_cls_report: the ranking
 * figures and the threshold. */
typedef struct ranks {
	int ok;                /* the ranking figures are defined */
	size_t k;              /* classes ranked */
	nn_rank all;           /* binary: the positive class's; else the macro
	                          mean of one-vs-rest */
	nn_rank *per;          /* (k) one-vs-rest per class, multiclass only,
	                          else NULL */
	const char *positive;  /* binary: the positive class */
	double threshold;      /* --threshold, 0: none */
} ranks;

/* ---- text ---------------------------------------------------------------- */

/* Columns a label takes on a terminal: UTF-8 continuation bytes take none. */
static int
width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* A label padded to w columns (right-aligned when right), control
 * characters shown as '?' so that a label cannot break the layout. */
static void
put_label(const char *s, int w, int right)
{
	int pad = w - width(s);

	if (right)
		printf("%*s", pad > 0 ? pad : 0, "");
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	if (!right)
		printf("%*s", pad > 0 ? pad : 0, "");
}

static int
digits(uint64_t v)
{
	int d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static void
text_cls(const nn_cls_report *r, const ranks *x)
{
	size_t k = r->k;
	int lw = 12, cw, sw = digits(r->n) > 7 ? digits(r->n) : 7;
	int *colw = nn_xmalloc(k * sizeof(*colw));

	printf("n         %llu\n", (unsigned long long)r->n);
	if (x->threshold > 0) {
		printf("threshold %g  (class ", x->threshold);
		put_label(x->positive, 0, 0);
		puts(" when its probability is at least this)");
	}
	printf("accuracy  %.4f\n", r->accuracy);
	if (r->has_log_loss)
		printf("log-loss  %.6g\n", r->log_loss);
	if (x->ok && x->positive != NULL) {
		printf("roc-auc   %.4f  (class ", x->all.roc_auc);
		put_label(x->positive, 0, 0);
		puts(" against the other)");
		printf("pr-auc    %.4f  (average precision)\n", x->all.ap);
	} else if (x->ok) {
		printf("roc-auc   %.4f  (one-vs-rest, macro mean over %zu "
		    "classes)\n", x->all.roc_auc, x->k);
		printf("pr-auc    %.4f  (average precision, likewise)\n",
		    x->all.ap);
	}

	/* confusion matrix: row labels left, counts right-aligned under
	 * their predicted label */
	cw = 1;
	for (size_t a = 0; a < k; a++) {
		uint64_t big = 0;
		for (size_t t = 0; t < k; t++)
			if (r->confusion[t * k + a] > big)
				big = r->confusion[t * k + a];
		colw[a] = width(r->labels[a]) > digits(big) ?
		    width(r->labels[a]) : digits(big);
		if (width(r->labels[a]) > cw)
			cw = width(r->labels[a]);
	}
	printf("\nconfusion matrix (rows: truth, columns: predicted)\n");
	printf("%*s", cw, "");
	for (size_t a = 0; a < k; a++) {
		fputs("  ", stdout);
		put_label(r->labels[a], colw[a], 1);
	}
	putchar('\n');
	for (size_t t = 0; t < k; t++) {
		put_label(r->labels[t], cw, 0);
		for (size_t a = 0; a < k; a++)
			printf("  %*llu", colw[a],
			    (unsigned long long)r->confusion[t * k + a]);
		putchar('\n');
	}
	free(colw);

	/* per class, as scikit-learn's classification_report */
	for (size_t a = 0; a < k; a++)
		if (width(r->labels[a]) > lw)
			lw = width(r->labels[a]);
	printf("\n%*s  %9s  %9s  %9s  %*s\n", lw, "", "precision", "recall",
	    "f1-score", sw, "support");
	for (size_t a = 0; a < k; a++) {
		put_label(r->labels[a], lw, 0);
		printf("  %9.4f  %9.4f  %9.4f  %*llu\n", r->precision[a],
		    r->recall[a], r->f1[a], sw, (unsigned long long)r->support[a]);
	}
	printf("%-*s  %9.4f  %9.4f  %9.4f  %*llu\n", lw, "macro avg",
	    r->macro.precision, r->macro.recall, r->macro.f1, sw,
	    (unsigned long long)r->n);
	printf("%-*s  %9.4f  %9.4f  %9.4f  %*llu\n", lw, "weighted avg",
	    r->weighted.precision, r->weighted.recall, r->weighted.f1, sw,
	    (unsigned long long)r->n);
}

static void
text_reg(const nn_reg_report *o)
{
	printf("n     %llu\n", (unsigned long long)o->n);
	printf("mse   %.6g\n", o->mse);
	printf("rmse  %.6g\n", o->rmse);
	printf("mae   %.6g\n", o->mae);
	printf("r2    %.6g\n", o->r2);
}

/* ---- csv: metric,class,value ------------------------------------------------ */

static void
csv_row(const char *metric, const char *cls, double v, int count)
{
	if (nn_csv_put(stdout, metric) < 0)
		close_stdout();
	putchar(',');
	if (cls != NULL && nn_csv_put(stdout, cls) < 0)
		close_stdout();
	putchar(',');
	if (count)
		printf("%.0f", v);
	else
		put_num(v);
	putchar('\n');
}

static void
csv_cls(const nn_cls_report *r, const ranks *x)
{
	static const char *const avg[] = { "precision", "recall", "f1" };
	size_t k = r->k;
	char *m = NULL;
	size_t msize = 0;

	puts("metric,class,value");
	csv_row("n", NULL, (double)r->n, 1);
	if (x->threshold > 0)
		csv_row("threshold", x->positive, x->threshold, 0);
	csv_row("accuracy", NULL, r->accuracy, 0);
	if (r->has_log_loss)
		csv_row("log_loss", NULL, r->log_loss, 0);
	if (x->ok) {
		csv_row("roc_auc", NULL, x->all.roc_auc, 0);
		csv_row("pr_auc", NULL, x->all.ap, 0);
	}
	for (size_t a = 0; a < k; a++) {
		csv_row("precision", r->labels[a], r->precision[a], 0);
		csv_row("recall", r->labels[a], r->recall[a], 0);
		csv_row("f1", r->labels[a], r->f1[a], 0);
		csv_row("support", r->labels[a], (double)r->support[a], 1);
		if (x->ok && x->per != NULL) {
			csv_row("roc_auc", r->labels[a], x->per[a].roc_auc, 0);
			csv_row("pr_auc", r->labels[a], x->per[a].ap, 0);
		}
	}
	for (int w = 0; w < 2; w++) {
		const nn_cls_avg *v = w ? &r->weighted : &r->macro;
		const double val[3] = { v->precision, v->recall, v->f1 };
		char name[32];
		for (int i = 0; i < 3; i++) {
			snprintf(name, sizeof(name), "%s_%s",
			    w ? "weighted" : "macro", avg[i]);
			csv_row(name, NULL, val[i], 0);
		}
	}
	for (size_t t = 0; t < k; t++)
		for (size_t a = 0; a < k; a++) {
			size_t need = strlen(r->labels[a]) + sizeof("predicted:");
			if (need > msize) {
				msize = need;
				m = nn_xrealloc(m, msize);
			}
			snprintf(m, msize, "predicted:%s", r->labels[a]);
			csv_row(m, r->labels[t], (double)r->confusion[t * k + a], 1);
		}
	free(m);
}

static void
csv_reg(const nn_reg_report *o)
{
	puts("metric,class,value");
	csv_row("n", NULL, (double)o->n, 1);
	csv_row("mse", NULL, o->mse, 0);
	csv_row("rmse", NULL, o->rmse, 0);
	csv_row("mae", NULL, o->mae, 0);
	csv_row("r2", NULL, o->r2, 0);
}

/* ---- json ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one. */
static int
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	int n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;      /* no overlong forms */
		if (c == 0xED)
			hi = 0x9F;      /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;      /* nothing above U+10FFFF */
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void
json_str(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		if (*s == '"' || *s == '\\') {
			putchar('\\');
			putchar(*s++);
		} else if (*s < 0x20) {
			switch (*s) {
			case '\n': fputs("\\n", stdout); break;
			case '\r': fputs("\\r", stdout); break;
			case '\t': fputs("\\t", stdout); break;
			default: printf("\\u%04x", *s); break;
			}
			s++;
		} else if (*s < 0x80) {
			putchar(*s++);
		} else {
			int n = utf8_len(s);
			if (n == 0) {
				fputs("\\ufffd", stdout);
				s++;
			} else {
				fwrite(s, 1, (size_t)n, stdout);
				s += n;
			}
		}
	}
	putchar('"');
}

/* A JSON number; NaN and infinities, which JSON lacks, become null. */
static void
json_num(double v)
{
	if (isfinite(v))
		put_num(v);
	else
		fputs("null", stdout);
}

static void
json_avg(const char *key, const nn_cls_avg *v, uint64_t n)
{
	printf("  \"%s\": {\"precision\": ", key);
	json_num(v->precision);
	fputs(", \"recall\": ", stdout);
	json_num(v->recall);
	fputs(", \"f1\": ", stdout);
	json_num(v->f1);
	printf(", \"support\": %llu}", (unsigned long long)n);
}

static void
json_cls(const nn_cls_report *r, const ranks *x)
{
	size_t k = r->k;

	printf("{\n  \"task\": \"classification\",\n  \"n\": %llu,\n"
	    "  \"accuracy\": ", (unsigned long long)r->n);
	json_num(r->accuracy);
	if (x->threshold > 0) {
		fputs(",\n  \"threshold\": ", stdout);
		json_num(x->threshold);
	}
	if (r->has_log_loss) {
		fputs(",\n  \"log_loss\": ", stdout);
		json_num(r->log_loss);
	}
	if (x->ok) {
		fputs(",\n  \"roc_auc\": ", stdout);
		json_num(x->all.roc_auc);
		fputs(",\n  \"pr_auc\": ", stdout);
		json_num(x->all.ap);
	}
	if (x->positive != NULL && (x->ok || x->threshold > 0)) {
		fputs(",\n  \"positive_class\": ", stdout);
		json_str(x->positive);
	}
	fputs(",\n  \"labels\": [", stdout);
	for (size_t a = 0; a < k; a++) {
		if (a)
			fputs(", ", stdout);
		json_str(r->labels[a]);
	}
	fputs("],\n  \"confusion_matrix\": [", stdout);
	for (size_t t = 0; t < k; t++) {
		fputs(t ? ",\n    [" : "\n    [", stdout);
		for (size_t a = 0; a < k; a++)
			printf("%s%llu", a ? ", " : "",
			    (unsigned long long)r->confusion[t * k + a]);
		putchar(']');
	}
	fputs("\n  ],\n  \"per_class\": {", stdout);
	for (size_t a = 0; a < k; a++) {
		fputs(a ? ",\n    " : "\n    ", stdout);
		json_str(r->labels[a]);
		fputs(": {\"precision\": ", stdout);
		json_num(r->precision[a]);
		fputs(", \"recall\": ", stdout);
		json_num(r->recall[a]);
		fputs(", \"f1\": ", stdout);
		json_num(r->f1[a]);
		printf(", \"support\": %llu", (unsigned long long)r->support[a]);
		if (x->ok && x->per != NULL) {
			fputs(", \"roc_auc\": ", stdout);
			json_num(x->per[a].roc_auc);
			fputs(", \"pr_auc\": ", stdout);
			json_num(x->per[a].ap);
		}
		putchar('}');
	}
	fputs("\n  },\n", stdout);
	json_avg("macro_avg", &r->macro, r->n);
	fputs(",\n", stdout);
	json_avg("weighted_avg", &r->weighted, r->n);
	fputs("\n}\n", stdout);
}

static void
json_reg(const nn_reg_report *o)
{
	printf("{\n  \"task\": \"regression\",\n  \"n\": %llu,\n  \"mse\": ",
	    (unsigned long long)o->n);
	json_num(o->mse);
	fputs(",\n  \"rmse\": ", stdout);
	json_num(o->rmse);
	fputs(",\n  \"mae\": ", stdout);
	json_num(o->mae);
	fputs(",\n  \"r2\": ", stdout);
	json_num(o->r2);
	fputs("\n}\n", stdout);
}

/* ====================================================================== */
/* The task                                                               */
/* ====================================================================== */

/* What the file says of its task, and in whose words (*why): the name of
 * the prediction column, else p_* columns; TASK_AUTO when it says nothing. */
static enum task
file_task(const char *pname, size_t np, const char **why)
{
	if (strcmp(pname, PRED_COL_LABEL) == 0) {
		*why = "the column \"" PRED_COL_LABEL "\" says";
		return TASK_CLS;
	}
	if (strcmp(pname, PRED_COL_VALUE) == 0) {
		*why = "the column \"" PRED_COL_VALUE "\" says";
		return TASK_REG;
	}
	if (np > 0) {
		*why = "the p_* columns say";
		return TASK_CLS;
	}
	*why = NULL;
	return TASK_AUTO;
}

/* The task was decided from numeric values alone: say so and why, since
 * the same numbers could be either. */
static void
say_guess(const scan *s)
{
	const char *hint = "(use --task or -m MODEL to say otherwise)";

	if (s->task == TASK_REG && s->nonint)
		warnx("%s: task regression: numeric values, not all whole "
		    "numbers %s", s->name, hint);
	else if (s->cls == NULL)
		warnx("%s: task regression: more than %d distinct numeric true "
		    "values %s", s->name, AUTO_MAX_CLASSES, hint);
	else
		warnx("%s: task %s: %zu distinct numeric true values %s",
		    s->name, eval_tasks(s->task), nn_cls_ntruth(s->cls), hint);
}

/* Fix the classes: the model's in its order, checked against the p_*
 * columns (the same set), else the p_* columns'. */
static void
set_classes(scan *s, const nn_model *m, const char *const *pl)
{
	nn_err e;

	if (m != NULL &&
	    nn_cls_set_labels(s->cls, (const char *const *)m->labels,
	    m->nlabels, &e) < 0)
		errx(1, "%s: %s", s->model, e.msg);
	if (s->np > 0 && nn_cls_set_prob_labels(s->cls, pl, s->np, &e) < 0)
		errx(1, "%s: %s", s->name, e.msg);
	if (m == NULL) {
		if (s->np > 0 && nn_cls_set_labels(s->cls, pl, s->np, &e) < 0)
			errx(1, "%s: %s", s->name, e.msg);
		s->fixed = s->np > 0;
		return;
	}
	s->fixed = 1;
	for (size_t j = 0; j < s->np; j++)
		if (nn_cls_label_index(s->cls, pl[j]) < 0)
			errx(1, "%s: p_%.*s%s (column %ld): \"%.*s%s\" is not one "
			    "of the %zu classes of %s", s->name, SHOW(pl[j]),
			    s->pcols[j] + 1, SHOW(pl[j]), m->nlabels, s->model);
	for (size_t k = 0; s->np > 0 && k < m->nlabels; k++)
		if (nn_cls_prob_index(s->cls, m->labels[k]) < 0)
			errx(1, "%s: no column p_%.*s%s for class \"%.*s%s\" of %s",
			    s->name, SHOW(m->labels[k]), SHOW(m->labels[k]),
			    s->model);
}

/* Keep the probabilities for ranking, in the classes' order (the model's,
 * else the p_* columns'), whose names are copied to *names (owned by the
 * caller), and check --threshold against the task and the columns: it
 * needs two classes and their probabilities, and is refused otherwise. */
static void
set_ranking(scan *s, const nn_model *m, const char *const *pl, char ***names)
{
	size_t k = s->np;

	*names = NULL;
	if (s->threshold > 0 && s->task == TASK_REG)
		errx(2, "--threshold: %s is scored as a regression; a threshold "
		    "decides between two classes", s->name);
	if (s->threshold > 0 && k == 0)
		errx(2, "--threshold needs the probability columns p_* "
		    "(nn-predict --proba); %s has none", s->name);
	if (s->threshold > 0 && k != 2)
		errx(2, "--threshold is for two classes; %s has %zu (a multiclass "
		    "prediction is the most probable class)", s->name, k);
	if (k == 0)
		return;
	*names = nn_xmalloc(k * sizeof(**names));
	s->col = nn_xmalloc(k * sizeof(*s->col));
	for (size_t j = 0; j < k; j++) {
		(*names)[j] = nn_xstrdup(m != NULL ? m->labels[j] : pl[j]);
		s->col[j] = (size_t)nn_cls_prob_index(s->cls, (*names)[j]);
	}
	s->row_p = nn_xmalloc(k * sizeof(*s->row_p));
	nn_scores_init(&s->sc, k, (const char *const *)*names);
	s->rank = 1;
	if (k == 2) {
		s->neg = (*names)[0];
		s->pos = (*names)[1];
	}
}

/* The ranking figures, or a line on stderr that says why there are none
 * (one class in the truth: the rest of the report still stands). */
static void
rank_figures(scan *s, ranks *x)
{
	nn_err e;

	memset(x, 0, sizeof(*x));
	x->threshold = s->threshold;
	x->positive = s->pos;
	if (!s->rank)
		return;
	x->k = s->sc.k;
	if (x->k > 2)
		x->per = nn_xmalloc(x->k * sizeof(*x->per));
	if (nn_rank_report(&s->sc, &x->all, x->per, &e) == 0)
		x->ok = 1;
	else
		warnx("%s: no roc_auc or pr_auc: %s", s->name, e.msg);
}

/* ====================================================================== */
/* Main                                                                   */
/* ====================================================================== */

int
main(int argc, char **argv)
{
	const char *truth = NULL, *pred = NULL, *why, **pl = NULL;
	enum format format = FMT_TEXT;
	enum task said, asked = TASK_AUTO, mtask = TASK_AUTO;
	char **names = NULL;
	scan s = { .task = TASK_AUTO, .allnum = 1 };
	nn_model *m = NULL;
	nn_csv *c;
	nn_err e;
	FILE *fp;
	int *roles;
	float *x;
	size_t nc;
	long n;
	int ch;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case 'm':
			s.model = optarg;
			break;
		case OPT_TRUTH:
			truth = optarg;
			break;
		case OPT_PRED:
			pred = optarg;
			break;
		case OPT_TASK:
			asked = (enum task)keyword(optarg, eval_tasks, "--task",
			    "auto, classification or regression");
			break;
		case OPT_FORMAT:
			/* nn-train's and nn-predict's --format is their input's;
			 * a user may well expect the same here */
			if (strcmp(optarg, "libsvm") == 0)
				errx(2, "--format libsvm: nn-eval reads predictions "
				    "(nn-predict's CSV output), not features; its "
				    "--format is the report's: text, csv or json");
			format = (enum format)keyword(optarg, eval_formats,
			    "--format", "text, csv or json");
			break;
		case OPT_THRESHOLD:
			if (nn_parse_double(optarg, 0.0, 1.0, &s.threshold,
			    "--threshold", &e) < 0 || s.threshold <= 0.0 ||
			    s.threshold >= 1.0)
				errx(2, "--threshold: expected a number between 0 and "
				    "1 (both excluded), got \"%.*s%s\"", SHOW(optarg));
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		opt_extra(argv[1]);

	if (s.model != NULL) {
		if ((m = nn_model_load(s.model, &e)) == NULL)
			die_err(1, &e);
		mtask = m->task == NN_TASK_REGRESSION ? TASK_REG : TASK_CLS;
		if (asked != TASK_AUTO && asked != mtask)
			errx(1, "--task %s, but %s is a %s model", eval_tasks(asked),
			    s.model, nn_task_name(m->task));
	}

	fp = open_input(argc ? argv[0] : NULL, &s.name);
	if ((c = nn_csv_open(fp, s.name, 1, &e)) == NULL)
		die_err(1, &e);
	nc = nn_csv_ncols(c);

	/* columns: predicted (nn-predict's name, which says the task), truth
	 * (the model's target, else the first other non-p_* column), p_* */
	if (pred != NULL)
		s.pc = column(c, s.name, pred, "--pred");
	else if ((s.pc = pred_column(c)) < 0)
		errx(1, "%s: no column \"" PRED_COL_PLAIN "\" (nor \""
		    PRED_COL_LABEL "\" or \"" PRED_COL_VALUE "\")", s.name);
	if (truth != NULL)
		s.tc = column(c, s.name, truth, "--truth");
	else {
		s.tc = m != NULL ? nn_csv_find(c, m->target_name) : -1;
		if (s.tc == s.pc)
			s.tc = -1;
		for (size_t j = 0; j < nc && s.tc < 0; j++)
			if ((long)j != s.pc && !is_prob_column(nn_csv_colname(c, j)))
				s.tc = (long)j;
		if (s.tc < 0)
			errx(1, "%s: no truth column (every column is the "
			    "predicted column or p_*)", s.name);
	}
	if (s.tc == s.pc)
		errx(1, "%s: the truth and predicted columns are the same "
		    "(column %ld)", s.name, s.tc + 1);
	roles = nn_xmalloc(nc * sizeof(*roles));
	s.pcols = nn_xmalloc(nc * sizeof(*s.pcols));
	for (size_t j = 0; j < nc; j++) {
		roles[j] = NN_COL_SKIP;
		if ((long)j == s.tc)
			roles[j] = NN_COL_TEXT(0);
		else if ((long)j == s.pc)
			roles[j] = NN_COL_TEXT(1);
		else if (is_prob_column(nn_csv_colname(c, j)))
			s.pcols[s.np++] = (long)j;
	}

	/* the task: asked, else the model's, else what the file says; a model
	 * and a file that disagree are an error */
	said = file_task(nn_csv_colname(c, (size_t)s.pc), s.np, &why);
	if (mtask != TASK_AUTO && said != TASK_AUTO && said != mtask)
		errx(1, "%s: %s %s, but %s is a %s model", s.name, why,
		    eval_tasks(said), s.model, nn_task_name(m->task));
	s.task = asked != TASK_AUTO ? asked : mtask != TASK_AUTO ? mtask : said;
	if (s.task == TASK_REG)
		s.np = 0;               /* p_* columns ignored */
	for (size_t j = 0; j < s.np; j++)
		roles[s.pcols[j]] = (int)j;
	if (nn_csv_set_roles(c, roles, s.np, 2, 0, &e) < 0)
		die_err(1, &e);
	free(roles);

	s.pv = nn_xmalloc((s.np ? s.np : 1) * sizeof(*s.pv));
	nn_reg_init(&s.reg);
	if (s.task != TASK_REG) {
		s.cls = nn_cls_new();
		pl = nn_xmalloc((s.np ? s.np : 1) * sizeof(*pl));
		for (size_t j = 0; j < s.np; j++)
			pl[j] = nn_csv_colname(c, (size_t)s.pcols[j]) + 2;
		set_classes(&s, m, pl);
		set_ranking(&s, m, pl, &names);
		free(pl);
	} else
		set_ranking(&s, m, NULL, &names);

	x = nn_xmalloc((size_t)BATCH * (s.np ? s.np : 1) * sizeof(*x));  /* (BATCH, np) */
	while ((n = nn_csv_read(c, x, BATCH, &e)) > 0)
		for (size_t i = 0; i < (size_t)n; i++)
			row(&s, nn_csv_text(c, i, 0), nn_csv_text(c, i, 1),
			    x + i * s.np, nn_csv_line(c, i));
	if (n < 0)
		die_err(1, &e);
	if (s.rows == 0)
		errx(1, "%s: no data rows", s.name);
	nn_csv_free(c);
	if (fp != stdin)
		fclose(fp);
	free(x);
	free(s.pcols);
	free(s.pv);
	nn_model_free(m);

	if (s.task == TASK_AUTO) {
		s.task = s.allnum && (s.nonint || s.many) ? TASK_REG : TASK_CLS;
		if (s.allnum)
			say_guess(&s);
	}
	if (s.task == TASK_REG) {
		nn_reg_report o;
		if (nn_reg_finish(&s.reg, &o, &e) < 0)
			errx(1, "%s: %s", s.name, e.msg);
		switch (format) {
		case FMT_TEXT: text_reg(&o); break;
		case FMT_CSV: csv_reg(&o); break;
		case FMT_JSON: json_reg(&o); break;
		}
	} else {
		nn_cls_report *r = nn_cls_finish(s.cls, &e);
		ranks x;
		if (r == NULL)
			errx(1, "%s: %s", s.name, e.msg);
		rank_figures(&s, &x);
		switch (format) {
		case FMT_TEXT: text_cls(r, &x); break;
		case FMT_CSV: csv_cls(r, &x); break;
		case FMT_JSON: json_cls(r, &x); break;
		}
		nn_cls_report_free(r);
		free(x.per);
	}
	nn_cls_free(s.cls);
	nn_scores_free(&s.sc);
	for (size_t j = 0; names != NULL && j < s.sc.k; j++)
		free(names[j]);
	free(names);
	free(s.col);
	free(s.row_p);
	close_stdout();
	return 0;
}
