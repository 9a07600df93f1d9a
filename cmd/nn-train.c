/*
 * nn-train - train a neural network on a CSV file and save the model.
 *
 * The program's part is the user's: options checked, the data read with
 * every bad token named by line and column, the task inferred from the
 * target column, the scaling fitted and stored, progress and the final loss
 * on stderr, the model saved atomically.  The arithmetic is the library's.
 */
#include <err.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define MAX_WIDTH 1000000L
#define MAX_LAYERS 1000
/* 2^29 floats (2 GiB) is far beyond anything this tool trains on a CPU;
 * the cap turns a typo like -l 1000000,1000000 into a message, not an
 * out-of-memory abort. */
#define MAX_PARAMS ((size_t)1 << 29)
/* Integer targets with at most this many distinct values are classes. */
#define MAX_AUTO_CLASSES 20

enum {
	OPT_TARGET = 0x200, OPT_TASK, OPT_SCALE, OPT_NO_HEADER, OPT_OPTIMIZER,
	OPT_MOMENTUM, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_WEIGHT_DECAY, OPT_THREADS,
	OPT_VAL, OPT_VAL_SPLIT, OPT_PATIENCE, OPT_MIN_DELTA, OPT_LOG,
	OPT_SCHEDULE, OPT_LR_STEP, OPT_LR_GAMMA, OPT_WARMUP, OPT_L1, OPT_L2,
	OPT_CLIP_NORM, OPT_CLIP_VALUE, OPT_CLASS_WEIGHT, OPT_LOSS, OPT_RESUME,
	OPT_INIT_FROM, OPT_CV, OPT_TRACE, OPT_GRADCHECK,
	OPT_INIT, OPT_DROPOUT, OPT_BATCHNORM, OPT_RESIDUAL, OPT_LEAKY_SLOPE,
};

static const struct option longopts[] = {
	{ "layers", required_argument, NULL, 'l' },
	{ "activation", required_argument, NULL, 'a' },
	{ "epochs", required_argument, NULL, 'e' },
	{ "batch", required_argument, NULL, 'b' },
	{ "rate", required_argument, NULL, 'r' },
	{ "seed", required_argument, NULL, 's' },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "task", required_argument, NULL, OPT_TASK },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "optimizer", required_argument, NULL, OPT_OPTIMIZER },
	{ "momentum", required_argument, NULL, OPT_MOMENTUM },
	{ "beta1", required_argument, NULL, OPT_BETA1 },
	{ "beta2", required_argument, NULL, OPT_BETA2 },
	{ "eps", required_argument, NULL, OPT_EPS },
	{ "weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "val", required_argument, NULL, OPT_VAL },
	{ "val-split", required_argument, NULL, OPT_VAL_SPLIT },
	{ "patience", required_argument, NULL, OPT_PATIENCE },
	{ "min-delta", required_argument, NULL, OPT_MIN_DELTA },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "schedule", required_argument, NULL, OPT_SCHEDULE },
	{ "lr-step", required_argument, NULL, OPT_LR_STEP },
	{ "lr-gamma", required_argument, NULL, OPT_LR_GAMMA },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "l1", required_argument, NULL, OPT_L1 },
	{ "l2", required_argument, NULL, OPT_L2 },
	{ "clip-norm", required_argument, NULL, OPT_CLIP_NORM },
	{ "clip-value", required_argument, NULL, OPT_CLIP_VALUE },
	{ "class-weight", required_argument, NULL, OPT_CLASS_WEIGHT },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "init-from", required_argument, NULL, OPT_INIT_FROM },
	{ "cv", required_argument, NULL, OPT_CV },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "gradcheck", no_argument, NULL, OPT_GRADCHECK },
	{ "init", required_argument, NULL, OPT_INIT },
	{ "dropout", required_argument, NULL, OPT_DROPOUT },
	{ "batchnorm", no_argument, NULL, OPT_BATCHNORM },
	{ "residual", no_argument, NULL, OPT_RESIDUAL },
	{ "leaky-slope", required_argument, NULL, OPT_LEAKY_SLOPE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const char synopsis[] =
    "usage: nn-train [-qv] [-l WIDTHS] [-a ACT] [-e EPOCHS] [-b BATCH] [-r RATE]\n"
    "                [-s SEED] [--optimizer NAME] [--momentum M] [--beta1 B1]\n"
    "                [--beta2 B2] [--eps EPS] [--weight-decay WD]\n"
    "                [--schedule NAME] [--lr-step N] [--lr-gamma G] [--warmup N]\n"
    "                [--l1 L] [--l2 L] [--clip-norm X] [--clip-value X]\n"
    "                [--loss NAME] [--class-weight SPEC] [--val FILE]\n"
    "                [--val-split F] [--patience N] [--min-delta D] [--log FILE]\n"
    "                [--resume MODEL] [--init-from MODEL] [--cv K] [--trace]\n"
    "                [--gradcheck] [--threads N] [--init KIND] [--dropout P]\n"
    "                [--batchnorm] [--residual] [--leaky-slope S]\n"
    "                [--target NAME|N] [--task TASK] [--scale KIND]\n"
    "                [--no-header] -o MODEL [FILE|-]\n";

static void __attribute__((noreturn))
usage(void)
{
	usage_exit(synopsis);
}

/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

typedef struct layer_opt {
	size_t width;
	int has_act;
	nn_act act;
} layer_opt;

/* Parse "16,8,4" or "64:relu,32:tanh,16"; "" is no hidden layer.
 * Returns the number of layers; *out is malloc'd. */
static size_t
parse_layers(const char *s, layer_opt **out)
{
	size_t n = 0, cap = 0;
	layer_opt *v = NULL;
	char *copy, *tok, *save = NULL;

	*out = NULL;
	if (*s == '\0')
		return 0;
	/* strtok would skip the empty token in "16,,8"; walk commas by hand */
	copy = nn_xstrdup(s);
	for (tok = copy;; tok = save + 1) {
		char *colon;
		save = strchr(tok, ',');
		if (save != NULL)
			*save = '\0';
		if (n == MAX_LAYERS)
			errx(2, "-l: at most %d hidden layers", MAX_LAYERS);
		if (n == cap)
			v = nn_xrealloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));
		v[n].has_act = 0;
		if ((colon = strchr(tok, ':')) != NULL) {
			*colon = '\0';
			if (nn_act_lookup(colon + 1, &v[n].act) < 0 ||
			    v[n].act == NN_ACT_SOFTMAX)
				errx(2, "-l: unknown hidden activation \"%s\"", colon + 1);
			v[n].has_act = 1;
		}
		v[n].width = (size_t)opt_long(tok, 1, MAX_WIDTH, "-l");
		n++;
		if (save == NULL)
			break;
	}
	free(copy);
	*out = v;
	return n;
}

/* The command line as one string, for the model's metadata: words joined
 * by spaces, single-quoted when they hold anything a shell would read. */
static char *
join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3;
	p = s = nn_xmalloc(len);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int plain = *a != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%") == strlen(a);
		if (i > 0)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *a;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

/* Fail before a long training if the model could not be saved anyway. */
static void
check_output_dir(const char *path)
{
	char *copy = nn_xstrdup(path);
	const char *dir = dirname(copy);

	if (access(dir, W_OK | X_OK) != 0)
		err(1, "%s", dir);
	free(copy);
}

/* ====================================================================== */
/* Task and scaling                                                       */
/* ====================================================================== */

static nn_task
infer_task(const nn_data *d, const char *name, int asked, nn_task want)
{
	if (!asked) {
		if (d->t != NULL && (!d->t_integral || d->nlabels > MAX_AUTO_CLASSES))
			return NN_TASK_REGRESSION;
		want = d->nlabels > 2 ? NN_TASK_MULTICLASS : NN_TASK_BINARY;
	}
	if (want == NN_TASK_REGRESSION) {
		if (d->t == NULL)
			errx(1, "%s: target column \"%s\" is not numeric; regression "
			    "needs numbers", name, d->target_name);
		return want;
	}
	if (d->nlabels < 2)
		errx(1, "%s: the target column \"%s\" holds one class only (\"%s\"); "
		    "a classifier needs at least two", name, d->target_name,
		    d->labels[0]);
	if (want == NN_TASK_BINARY && d->nlabels != 2)
		errx(1, "%s: --task binary, but the target column \"%s\" has %zu "
		    "classes", name, d->target_name, d->nlabels);
	if (want == NN_TASK_MULTICLASS && d->nlabels < 3)
		want = NN_TASK_BINARY; /* two classes: one sigmoid output */
	return want;
}

/* ====================================================================== */
/* Row sets: training, validation, folds                                  */
/* ====================================================================== */

/* A set of rows gathered from the data: owned copies. */
typedef struct rows {
	size_t n;
	float *x;       /* (n, D) */
	uint32_t *y;    /* (n) or NULL */
	float *t;       /* (n) or NULL */
} rows;

static void
rows_free(rows *r)
{
	free(r->x);
	free(r->y);
	free(r->t);
	memset(r, 0, sizeof(*r));
}

/* Copy rows idx[0..k) of d into r. */
static void
rows_take(rows *r, const nn_data *d, const uint32_t *idx, size_t k, int classify)
{
	r->n = k;
	r->x = nn_xmalloc((k ? k : 1) * d->d * sizeof(float));
	r->y = classify ? nn_xmalloc((k ? k : 1) * sizeof(uint32_t)) : NULL;
	r->t = classify ? NULL : nn_xmalloc((k ? k : 1) * sizeof(float));
	for (size_t i = 0; i < k; i++) {
		memcpy(r->x + i * d->d, d->x + (size_t)idx[i] * d->d, d->d * sizeof(float));
		if (classify)
			r->y[i] = d->y[idx[i]];
		else
			r->t[i] = d->t[idx[i]];
	}
}

/* Deal the rows into k folds, stratified by class for classification: the
 * rows of each class (or all rows, for regression) are shuffled with the
 * seed and dealt round-robin, continuing from where the previous class
 * ended so fold sizes stay within one row of each other.  fold[i] gets
 * row i's fold. */
static void
deal_folds(const nn_data *d, int classify, size_t k, uint64_t seed,
    uint32_t *fold)
{
	size_t groups = classify ? d->nlabels : 1, next = 0;
	uint32_t *idx = nn_xmalloc((d->n ? d->n : 1) * sizeof(*idx));
	nn_rng r;

	nn_rng_seed(&r, seed ^ 0xf01d5eedULL);
	for (size_t g = 0; g < groups; g++) {
		size_t m = 0;
		for (size_t i = 0; i < d->n; i++)
			if (!classify || d->y[i] == g)
				idx[m++] = (uint32_t)i;
		nn_rng_shuffle(&r, idx, m);
		for (size_t i = 0; i < m; i++)
			fold[idx[i]] = (uint32_t)(next++ % k);
	}
	free(idx);
}

/* Split d into train and validation: the first ceil(f * count) rows of each
 * shuffled class go to validation. */
static void
split_val(const nn_data *d, int classify, double f, uint64_t seed, rows *tr,
    rows *va)
{
	size_t groups = classify ? d->nlabels : 1, ntr = 0, nva = 0;
	uint32_t *idx = nn_xmalloc(d->n * sizeof(*idx));
	uint32_t *itr = nn_xmalloc(d->n * sizeof(*itr));
	uint32_t *iva = nn_xmalloc(d->n * sizeof(*iva));
	nn_rng r;

	nn_rng_seed(&r, seed ^ 0x7a15eedULL);
	for (size_t g = 0; g < groups; g++) {
		size_t m = 0, k;
		for (size_t i = 0; i < d->n; i++)
			if (!classify || d->y[i] == g)
				idx[m++] = (uint32_t)i;
		nn_rng_shuffle(&r, idx, m);
		k = (size_t)ceil(f * (double)m - 1e-9);
		if (k >= m && m > 0)
			k = m - 1;   /* keep every class in training */
		for (size_t i = 0; i < m; i++) {
			if (i < k)
				iva[nva++] = idx[i];
			else
				itr[ntr++] = idx[i];
		}
	}
	if (nva == 0)
		errx(1, "--val-split %g leaves no validation rows", f);
	/* training order does not matter (epochs shuffle); validation order
	 * only changes summation order: keep both in file order */

	rows_take(tr, d, itr, ntr, classify);
	rows_take(va, d, iva, nva, classify);
	free(idx);
	free(itr);
	free(iva);
}

typedef struct label_ref {
	const char *s;
	uint32_t k;
} label_ref;

static int
cmp_label_ref(const void *a, const void *b)
{
	return strcmp(((const label_ref *)a)->s, ((const label_ref *)b)->s);
}

/* Read a validation file with the training file's layout: features matched
 * by name, labels mapped to the training classes. */
static void
read_val(const char *path, const nn_data *d, const nn_data_opts *o,
    int classify, rows *va)
{
	const char *name;
	FILE *fp = open_input(path, &name);
	nn_data v = { 0 };
	nn_data_opts vo = *o;
	nn_err e;
	size_t *col;
	uint32_t *map = NULL;
	label_ref *order;

	vo.target = d->target_name;
	if (nn_data_read(fp, name, &vo, &v, &e) < 0)
		die_err(1, &e);
	if (fp != stdin)
		fclose(fp);
	col = nn_xmalloc(d->d * sizeof(*col));
	for (size_t j = 0; j < d->d; j++) {
		size_t k;
		for (k = 0; k < v.d && strcmp(v.feat_names[k], d->feat_names[j]) != 0; k++)
			;
		if (k == v.d)
			errx(1, "%s: no column \"%s\" (a feature of the training data)",
			    name, d->feat_names[j]);
		col[j] = k;
	}
	if (classify) {
		/* labels by name: binary search in the training labels sorted
		 * by strcmp (their own order may be numeric) */
		order = nn_xmalloc(d->nlabels * sizeof(*order));
		for (size_t k = 0; k < d->nlabels; k++) {
			order[k].s = d->labels[k];
			order[k].k = (uint32_t)k;
		}
		qsort(order, d->nlabels, sizeof(*order), cmp_label_ref);
		map = nn_xmalloc(v.nlabels * sizeof(*map));
		for (size_t k = 0; k < v.nlabels; k++) {
			size_t lo = 0, hi = d->nlabels;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				int c = strcmp(order[mid].s, v.labels[k]);
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == d->nlabels || strcmp(order[lo].s, v.labels[k]) != 0)
				errx(1, "%s: class \"%s\" does not occur in the training data",
				    name, v.labels[k]);
			map[k] = order[lo].k;
		}
		free(order);
	} else if (v.t == NULL) {
		errx(1, "%s: target column \"%s\" is not numeric", name, d->target_name);
	}
	va->n = v.n;
	va->x = nn_xmalloc((v.n ? v.n : 1) * d->d * sizeof(float));
	for (size_t i = 0; i < v.n; i++)
		for (size_t j = 0; j < d->d; j++)
			va->x[i * d->d + j] = v.x[i * v.d + col[j]];
	if (classify) {
		va->y = nn_xmalloc((v.n ? v.n : 1) * sizeof(uint32_t));
		for (size_t i = 0; i < v.n; i++)
			va->y[i] = map[v.y[i]];
	} else {
		va->t = v.t;
		v.t = NULL;
	}
	free(map);
	free(col);
	nn_data_free(&v);
}

/* "balanced" (n / (K * count)) or "cat=3,dog=1" (others 1). */
static float *
class_weights(const char *spec, const nn_data *d)
{
	float *w = nn_xmalloc(d->nlabels * sizeof(*w));
	char *copy, *tok, *next;

	for (size_t k = 0; k < d->nlabels; k++)
		w[k] = 1.0f;
	if (strcmp(spec, "balanced") == 0) {
		size_t *count = nn_xcalloc(d->nlabels, sizeof(*count));
		for (size_t i = 0; i < d->n; i++)
			count[d->y[i]]++;
		for (size_t k = 0; k < d->nlabels; k++)
			w[k] = (float)((double)d->n / ((double)d->nlabels * (double)count[k]));
		free(count);
		return w;
	}
	copy = nn_xstrdup(spec);
	for (tok = copy; tok != NULL; tok = next) {
		char *eq;
		size_t k;
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = '\0';
		if ((eq = strrchr(tok, '=')) == NULL)
			errx(2, "--class-weight: expected balanced or LABEL=W,..., got \"%s\"", tok);
		*eq = '\0';
		for (k = 0; k < d->nlabels && strcmp(d->labels[k], tok) != 0; k++)
			;
		if (k == d->nlabels)
			errx(2, "--class-weight: no class \"%s\" in the data", tok);
		w[k] = (float)opt_double(eq + 1, 0.0, 1e6, "--class-weight");
	}
	free(copy);
	return w;
}

/* ====================================================================== */
/* Signals                                                                */
/* ====================================================================== */

/* The first SIGINT/SIGTERM asks training to stop after the current batch
 * (the handler only sets a flag); a second one ends the process at once,
 * before any file is touched. */
static volatile int stop_signal;

static void
on_signal(int sig)
{
	if (stop_signal) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	stop_signal = sig;
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Saving must not be cut in half by the second signal: hold both until the
 * rename is done (the save takes milliseconds). */
static void
hold_signals(int hold, sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (hold)
		sigprocmask(SIG_BLOCK, &set, old);
	else
		sigprocmask(SIG_SETMASK, old, NULL);
}

/* ====================================================================== */
/* Training with validation, early stopping, the log                       */
/* ====================================================================== */

typedef struct run {
	/* settings */
	int quiet, verbose, bar;
	size_t patience;
	double min_delta;
	nn_sched_kind sched;
	size_t lr_step;
	double lr_gamma;
	FILE *log;
	const char *log_name;
	/* state */
	nn_model *m;
	const rows *val;
	size_t first_epoch, last_epoch;
	double best;
	size_t best_epoch, bad;
	float *best_params;     /* (P + nstats): weights, then batch norm's
	                           running statistics, of the best epoch */
	double plateau_best;
	size_t plateau_bad;
	double t0, last_draw, last_val;
} run;

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The progress bar: epoch, batch, loss, validation loss and ETA, redrawn
 * in place at most ten times a second. */
static void
draw_bar(run *r, size_t epoch, size_t batch, size_t nbatch, double loss)
{
	double t = seconds(), el = t - r->t0;
	size_t total = (r->last_epoch - r->first_epoch + 1) * nbatch;
	size_t done = (epoch - r->first_epoch) * nbatch + batch;
	int w = 20, fill = (int)((double)w * (double)done / (double)total);

	if (t - r->last_draw < 0.1 && done < total)
		return;
	r->last_draw = t;
	fprintf(stderr, "\r\033[K[%.*s%*s] epoch %zu/%zu batch %zu/%zu loss %.4f",
	    fill, "####################", w - fill, "", epoch, r->last_epoch,
	    batch, nbatch, loss);
	if (r->val != NULL && isfinite(r->last_val))
		fprintf(stderr, " val %.4f", r->last_val);
	fprintf(stderr, " ETA %.0fs", el / (double)done * (double)(total - done));
	fflush(stderr);
}

static void
on_batch(void *ctx, size_t epoch, size_t batch, size_t nbatch, double loss)
{
	run *r = ctx;

	if (r->bar)
		draw_bar(r, epoch, batch, nbatch, loss);
}

static void
put_num(FILE *fp, double v)
{
	if (isfinite(v))
		fprintf(fp, ",%.9g", v);
	else
		fputs(",", fp);
}

static int
on_epoch(void *ctx, nn_epoch *ep)
{
	run *r = ctx;
	double vloss = NAN, vacc = NAN;
	int stop = 0;

	if (r->val != NULL)
		vloss = nn_evaluate(r->m, r->val->x, r->val->y, r->val->t,
		    r->val->n, &vacc);
	if (r->log != NULL) {
		fprintf(r->log, "%zu", ep->epoch);
		put_num(r->log, ep->loss);
		put_num(r->log, ep->acc);
		put_num(r->log, vloss);
		put_num(r->log, vacc);
		put_num(r->log, ep->lr);
		put_num(r->log, ep->seconds);
		for (size_t l = 0; l < ep->nlayers; l++) {
			put_num(r->log, ep->grad_norm[l]);
			put_num(r->log, ep->weight_norm[l]);
			put_num(r->log, ep->update_ratio[l]);
		}
		fputc('\n', r->log);
		if (ferror(r->log))
			err(1, "%s", r->log_name);
	}
	if (r->val != NULL) {
		if (vloss < r->best - r->min_delta || r->best_epoch == 0) {
			r->best = vloss;
			r->best_epoch = ep->epoch;
			r->bad = 0;
			if (r->best_params != NULL) {
				memcpy(r->best_params, r->m->params,
				    r->m->nparams * sizeof(float));
				if (r->m->nstats)
					memcpy(r->best_params + r->m->nparams, r->m->stats,
					    r->m->nstats * sizeof(float));
			}
		} else if (++r->bad >= r->patience && r->patience > 0) {
			stop = 1;
		}
		if (r->sched == NN_SCHED_PLATEAU) {
			if (vloss < r->plateau_best - r->min_delta) {
				r->plateau_best = vloss;
				r->plateau_bad = 0;
			} else if (++r->plateau_bad >= r->lr_step) {
				ep->lr_factor = r->lr_gamma;
				r->plateau_bad = 0;
			}
		}
	}
	if (r->verbose) {
		fprintf(stderr, "epoch %zu/%zu  loss %.6f", ep->epoch, r->last_epoch,
		    ep->loss);
		if (isfinite(ep->acc))
			fprintf(stderr, "  acc %.4f", ep->acc);
		if (r->val != NULL) {
			fprintf(stderr, "  val_loss %.6f", vloss);
			if (isfinite(vacc))
				fprintf(stderr, "  val_acc %.4f", vacc);
		}
		fprintf(stderr, "  lr %.3g  %.3fs\n", ep->lr, ep->seconds);
	}
	r->last_val = vloss;
	return stop;
}

/* ====================================================================== */
/* Main                                                                   */
/* ====================================================================== */

typedef struct opts {
	const char *layers, *out, *target, *val_path, *log_path, *class_w;
	const char *resume, *init_from;
	nn_act act;
	nn_task task;
	int task_asked, header, quiet, verbose;
	nn_scale scale;
	long epochs, batch, threads, cv;
	double rate, momentum, beta1, beta2, eps, wd, val_split, min_delta;
	double l1, l2, clip_norm, clip_value, lr_gamma;
	long patience, lr_step, warmup;
	nn_optim_kind opt;
	nn_sched_kind sched;
	int loss_asked, trace, gradcheck;
	nn_loss loss;
	nn_init init;                   /* --init */
	double dropout, leaky_slope;    /* --dropout, --leaky-slope */
	int batchnorm, residual;        /* --batchnorm, --residual */
	uint64_t seed;
} opts;

static nn_loss
pick_loss(const opts *o, nn_task task)
{
	nn_loss l = task == NN_TASK_MULTICLASS ? NN_LOSS_CCE :
	    task == NN_TASK_BINARY ? NN_LOSS_BCE : NN_LOSS_MSE;

	if (!o->loss_asked)
		return l;
	if ((o->loss == NN_LOSS_BCE) != (task == NN_TASK_BINARY) ||
	    (o->loss == NN_LOSS_CCE) != (task == NN_TASK_MULTICLASS))
		errx(2, "--loss %s does not fit a %s task (binary: bce; multiclass: "
		    "cce; regression: mse, mae or huber)", nn_loss_name(o->loss),
		    nn_task_name(task));
	return o->loss;
}

/* A fresh model for the data: architecture from the options, scaling fitted
 * on the training rows x (n, D). */
static nn_model *
build_model(const opts *o, const nn_data *d, nn_task task, const float *x,
    size_t n)
{
	layer_opt *hid;
	size_t nhid = parse_layers(o->layers, &hid);
	size_t *sizes = nn_xmalloc((nhid + 2) * sizeof(*sizes));
	nn_layer_opts *lo = nn_xcalloc(nhid + 1, sizeof(*lo));
	size_t K = task == NN_TASK_MULTICLASS ? d->nlabels : 1, nres = 0;
	double P = 0;
	nn_model *m;
	nn_err e;
	nn_rng init_rng;

	sizes[0] = d->d;
	for (size_t l = 0; l < nhid; l++) {
		sizes[l + 1] = hid[l].width;
		lo[l].act = hid[l].has_act ? hid[l].act : o->act;
		lo[l].act_param = (float)o->leaky_slope;
		lo[l].dropout = (float)o->dropout;
		lo[l].batchnorm = o->batchnorm;
		/* skip connections where the width does not change */
		lo[l].residual = o->residual && sizes[l] == sizes[l + 1];
		nres += lo[l].residual;
	}
	if (nhid == 0 && (o->dropout > 0.0 || o->batchnorm))
		errx(2, "%s acts on hidden layers, and -l '' makes none",
		    o->batchnorm ? "--batchnorm" : "--dropout");
	if (o->residual && nres == 0) {
		char *w = nn_xmalloc(24 * (nhid + 1) + 1), *q = w;
		for (size_t l = 0; l <= nhid; l++)
			q += sprintf(q, "%s%zu", l ? " -> " : "", sizes[l]);
		errx(2, "--residual: no hidden layer keeps its width (%s); a skip "
		    "connection needs equal widths, e.g. -l 16,16,16", w);
	}
	sizes[nhid + 1] = K;
	lo[nhid].act = task == NN_TASK_MULTICLASS ? NN_ACT_SOFTMAX :
	    task == NN_TASK_BINARY ? NN_ACT_SIGMOID : NN_ACT_LINEAR;
	for (size_t l = 0; l <= nhid; l++)
		P += (double)sizes[l] * sizes[l + 1] +
		    (lo[l].batchnorm ? 3.0 : 1.0) * sizes[l + 1];
	if (P > (double)MAX_PARAMS)
		errx(1, "network too large: %.0f parameters (at most %zu)", P, MAX_PARAMS);
	if ((m = nn_model_new(nhid + 1, sizes, lo, &e)) == NULL)
		die_err(1, &e);
	free(sizes);
	free(lo);
	free(hid);
	m->task = task;
	m->loss = pick_loss(o, task);
	m->scale = o->scale;
	nn_scale_fit(m, x, n);
	nn_rng_seed(&init_rng, o->seed);
	nn_model_init_with(m, &init_rng, o->init);
	return m;
}

/* Copy names and labels of d into m (strings duplicated). */
static void
name_model(nn_model *m, const nn_data *d, nn_task task)
{
	m->feat_names = nn_xmalloc(d->d * sizeof(char *));
	for (size_t j = 0; j < d->d; j++)
		m->feat_names[j] = nn_xstrdup(d->feat_names[j]);
	m->target_name = nn_xstrdup(d->target_name);
	m->target_col = (uint32_t)d->target_col;
	m->ncols = (uint32_t)d->ncols;
	if (task != NN_TASK_REGRESSION) {
		m->nlabels = d->nlabels;
		m->labels = nn_xmalloc(d->nlabels * sizeof(char *));
		for (size_t k = 0; k < d->nlabels; k++)
			m->labels[k] = nn_xstrdup(d->labels[k]);
	}
}

/* A model given by --resume or --init-from must take this data. */
static nn_model *
load_start(const char *path, const nn_data *d, nn_task task, int resume)
{
	nn_err e;
	nn_model *m = nn_model_load(path, &e);

	if (m == NULL)
		die_err(1, &e);
	if (m->nin != d->d)
		errx(1, "%s: the model takes %zu features, the data has %zu", path,
		    m->nin, d->d);
	for (size_t j = 0; j < d->d; j++)
		if (strcmp(m->feat_names[j], d->feat_names[j]) != 0)
			errx(1, "%s: feature %zu is \"%s\" in the model, \"%s\" in the data",
			    path, j + 1, m->feat_names[j], d->feat_names[j]);
	if (m->task != task)
		errx(1, "%s: a %s model, but the data is a %s task", path,
		    nn_task_name(m->task), nn_task_name(task));
	if (task != NN_TASK_REGRESSION) {
		if (m->nlabels != d->nlabels)
			errx(1, "%s: the model has %zu classes, the data %zu", path,
			    m->nlabels, d->nlabels);
		for (size_t k = 0; k < d->nlabels; k++)
			if (strcmp(m->labels[k], d->labels[k]) != 0)
				errx(1, "%s: class %zu is \"%s\" in the model, \"%s\" in "
				    "the data", path, k + 1, m->labels[k], d->labels[k]);
	}
	if (resume && m->ckpt == NULL)
		errx(1, "%s: no training state to resume from (saved with early "
		    "stopping, or by an older nnkit); use --init-from", path);
	if (!resume) {
		nn_ckpt_free(m->ckpt);
		m->ckpt = NULL;
	}
	return m;
}

static void
train_cfg(const opts *o, nn_train_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->epochs = (size_t)o->epochs;
	c->batch = (size_t)o->batch;
	/* shuffling draws from its own stream, not the one that drew the
	 * initial weights */
	c->seed = o->seed ^ 0x5eed5eed5eed5eedULL;
	c->threads = (int)o->threads;
	nn_optim_defaults(&c->opt, o->opt, (float)o->rate);
	if (o->momentum >= 0.0)
		c->opt.momentum = (float)o->momentum;
	if (o->beta1 >= 0.0)
		c->opt.beta1 = (float)o->beta1;
	if (o->beta2 >= 0.0)
		c->opt.beta2 = (float)o->beta2;
	else if (o->opt == NN_OPTIM_RMSPROP)
		c->opt.beta2 = 0.9f;   /* RMSprop's usual decay */
	if (o->eps >= 0.0)
		c->opt.eps = (float)o->eps;
	c->opt.weight_decay = (float)o->wd;
	c->sched.kind = o->sched;
	c->sched.step = (size_t)o->lr_step;
	c->sched.gamma = o->lr_gamma;
	c->sched.warmup = (size_t)o->warmup;
	c->l1 = (float)o->l1;
	c->l2 = (float)o->l2;
	c->clip_norm = (float)o->clip_norm;
	c->clip_value = (float)o->clip_value;
}

/* --cv K: K trainings, each validated on the fold it did not see. */
static int
cross_validate(const opts *o, const nn_data *d, nn_task task, const float *cw)
{
	const int classify = task != NN_TASK_REGRESSION;
	const size_t K = (size_t)o->cv;
	uint32_t *fold = nn_xmalloc(d->n * sizeof(*fold));
	uint32_t *itr = nn_xmalloc(d->n * sizeof(*itr));
	uint32_t *iva = nn_xmalloc(d->n * sizeof(*iva));
	double *vl = nn_xcalloc(K, sizeof(double)), *va = nn_xcalloc(K, sizeof(double));

	if (d->n < K)
		errx(1, "--cv %zu: only %zu rows", K, d->n);
	deal_folds(d, classify, K, o->seed, fold);
	for (size_t f = 0; f < K; f++) {
		size_t ntr = 0, nva = 0;
		rows tr, vr;
		nn_train_cfg cfg;
		nn_train_res res;
		nn_err e;
		for (size_t i = 0; i < d->n; i++) {
			if (fold[i] == f)
				iva[nva++] = (uint32_t)i;
			else
				itr[ntr++] = (uint32_t)i;
		}
		rows_take(&tr, d, itr, ntr, classify);
		rows_take(&vr, d, iva, nva, classify);
		nn_model *m = build_model(o, d, task, tr.x, tr.n);
		nn_model_scale(m, tr.x, tr.n);
		nn_model_scale(m, vr.x, vr.n);
		nn_tscale ts = nn_tscale_fit(m, tr.t, tr.n);
		nn_tscale_apply(&ts, tr.t, tr.n);
		m->class_w = cw;
		train_cfg(o, &cfg);
		cfg.stop = &stop_signal;
		if (nn_train(m, tr.x, tr.y, tr.t, tr.n, &cfg, &res, &e) < 0) {
			warnx("fold %zu: %s", f + 1, e.msg);
			return 3;
		}
		if (stop_signal)
			return 128 + stop_signal;
		m->class_w = NULL;
		nn_tscale_fold(m, &ts);   /* validated in the target's units */
		vl[f] = nn_evaluate(m, vr.x, vr.y, vr.t, vr.n, &va[f]);
		if (!classify)
			va[f] = sqrt(m->loss == NN_LOSS_MSE ? vl[f] : NAN);
		printf("fold %zu/%zu: train %zu, val %zu, val_loss %.6f", f + 1, K,
		    tr.n, vr.n, vl[f]);
		if (classify)
			printf(", val_acc %.4f\n", va[f]);
		else if (isfinite(va[f]))
			printf(", val_rmse %.6g\n", va[f]);
		else
			putchar('\n');
		rows_free(&tr);
		rows_free(&vr);
		nn_model_free(m);
	}
	double ml = 0, ma = 0, sl = 0, sa = 0;
	for (size_t f = 0; f < K; f++) {
		ml += vl[f] / (double)K;
		ma += va[f] / (double)K;
	}
	for (size_t f = 0; f < K; f++) {
		sl += (vl[f] - ml) * (vl[f] - ml) / (double)(K - 1);
		sa += (va[f] - ma) * (va[f] - ma) / (double)(K - 1);
	}
	printf("mean: val_loss %.6f +- %.6f", ml, sqrt(sl));
	if (classify)
		printf(", val_acc %.4f +- %.4f\n", ma, sqrt(sa));
	else if (isfinite(ma))
		printf(", val_rmse %.6g +- %.6g\n", ma, sqrt(sa));
	else
		putchar('\n');
	free(fold);
	free(itr);
	free(iva);
	free(vl);
	free(va);
	close_stdout();
	return 0;
}

/* The tolerance of --gradcheck on the relative error (see nn_gradcheck). */
#define GRADCHECK_TOL 3e-2

/* --trace and --gradcheck: on the first BATCH rows of the training data as
 * scaled for training, before any step; nothing is written. */
static int
look_inside(const opts *o, nn_model *m, const rows *tr, const nn_train_cfg *cfg)
{
	size_t B = (size_t)o->batch < tr->n ? (size_t)o->batch : tr->n;
	nn_err e;

	if (o->trace) {
		if (nn_trace(stdout, m, tr->x, tr->y, tr->t, B, &cfg->opt, &e) < 0)
			die_err(1, &e);
		close_stdout();
		return 0;
	}
	double *worst = nn_xcalloc(m->nlayers, sizeof(double));
	double *rel = nn_xcalloc(m->nlayers, sizeof(double));
	int bad = 0;
	nn_gradcheck(m, tr->x, tr->y, tr->t, B, worst, rel, &e);
	printf("gradient check on %zu rows, central differences; a layer fails "
	    "above %g\n", B, GRADCHECK_TOL);
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *D = &m->layers[l];
		int ok = rel[l] <= GRADCHECK_TOL;
		printf("layer %zu  %zu -> %zu  %-10s  relative error %.3g (worst "
		    "parameter %.3g)  %s\n", l + 1, D->nin, D->nout,
		    nn_act_name(D->act), rel[l], worst[l], ok ? "ok" : "FAIL");
		bad |= !ok;
	}
	free(worst);
	free(rel);
	close_stdout();
	if (bad)
		errx(1, "gradient check failed: backprop and finite differences disagree");
	return 0;
}

int
main(int argc, char **argv)
{
	opts o = {
		.layers = "16,8", .act = NN_ACT_RELU, .task = NN_TASK_BINARY,
		.header = 1, .scale = NN_SCALE_STANDARD, .epochs = 100, .batch = 32,
		.rate = -1.0, .momentum = -1.0, .beta1 = -1.0, .beta2 = -1.0,
		.eps = -1.0, .lr_gamma = -1.0, .lr_step = 10, .seed = 1,
		.opt = NN_OPTIM_SGD, .sched = NN_SCHED_CONSTANT,
		.leaky_slope = 0.01,
	};
	char *cmdline = join_argv(argc, argv);
	const char *name;
	nn_data data = { 0 };
	nn_data_opts dopts;
	nn_err e;
	FILE *fp;
	int ch;

	while ((ch = getopt_long(argc, argv, "a:b:e:l:o:qr:s:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			if (nn_act_lookup(optarg, &o.act) < 0 || o.act == NN_ACT_SOFTMAX)
				errx(2, "-a: unknown hidden activation \"%s\" (sigmoid, "
				    "tanh, relu, leaky-relu, elu, swish, gelu, linear)",
				    optarg);
			break;
		case 'b': o.batch = opt_long(optarg, 1, 1L << 24, "-b"); break;
		case 'e': o.epochs = opt_long(optarg, 1, 100000000L, "-e"); break;
		case 'l': o.layers = optarg; break;
		case 'o': o.out = optarg; break;
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose = 1; break;
		case 'r': o.rate = opt_double(optarg, 0x1p-126, 1e30, "-r"); break;
		case 's': o.seed = opt_seed(optarg, "-s"); break;
		case OPT_TARGET: o.target = optarg; break;
		case OPT_TASK:
			if (strcmp(optarg, "auto") == 0)
				o.task_asked = 0;
			else if (nn_task_lookup(optarg, &o.task) == 0)
				o.task_asked = 1;
			else
				errx(2, "--task: expected auto, binary, multiclass or "
				    "regression, got \"%s\"", optarg);
			break;
		case OPT_SCALE:
			if (nn_scale_lookup(optarg, &o.scale) < 0)
				errx(2, "--scale: expected standard, minmax or none, got "
				    "\"%s\"", optarg);
			break;
		case OPT_NO_HEADER: o.header = 0; break;
		case OPT_OPTIMIZER:
			if (nn_optim_lookup(optarg, &o.opt) < 0)
				errx(2, "--optimizer: expected sgd, momentum, nesterov, adam, "
				    "adamw, rmsprop or adagrad, got \"%s\"", optarg);
			break;
		case OPT_MOMENTUM: o.momentum = opt_double(optarg, 0.0, 0.999999, "--momentum"); break;
		case OPT_BETA1: o.beta1 = opt_double(optarg, 0.0, 0.999999, "--beta1"); break;
		case OPT_BETA2: o.beta2 = opt_double(optarg, 0.0, 0.999999999, "--beta2"); break;
		case OPT_EPS: o.eps = opt_double(optarg, 1e-30, 1.0, "--eps"); break;
		case OPT_WEIGHT_DECAY: o.wd = opt_double(optarg, 0.0, 1e6, "--weight-decay"); break;
		case OPT_THREADS: o.threads = opt_long(optarg, 1, 256, "--threads"); break;
		case OPT_VAL: o.val_path = optarg; break;
		case OPT_VAL_SPLIT: o.val_split = opt_double(optarg, 1e-9, 0.999999, "--val-split"); break;
		case OPT_PATIENCE: o.patience = opt_long(optarg, 1, 100000000L, "--patience"); break;
		case OPT_MIN_DELTA: o.min_delta = opt_double(optarg, 0.0, 1e30, "--min-delta"); break;
		case OPT_LOG: o.log_path = optarg; break;
		case OPT_SCHEDULE:
			if (nn_sched_lookup(optarg, &o.sched) < 0)
				errx(2, "--schedule: expected constant, step, exponential, "
				    "inverse, cosine or plateau, got \"%s\"", optarg);
			break;
		case OPT_LR_STEP: o.lr_step = opt_long(optarg, 1, 100000000L, "--lr-step"); break;
		case OPT_LR_GAMMA: o.lr_gamma = opt_double(optarg, 0.0, 1e6, "--lr-gamma"); break;
		case OPT_WARMUP: o.warmup = opt_long(optarg, 0, 100000000L, "--warmup"); break;
		case OPT_L1: o.l1 = opt_double(optarg, 0.0, 1e6, "--l1"); break;
		case OPT_L2: o.l2 = opt_double(optarg, 0.0, 1e6, "--l2"); break;
		case OPT_CLIP_NORM: o.clip_norm = opt_double(optarg, 1e-30, 1e30, "--clip-norm"); break;
		case OPT_CLIP_VALUE: o.clip_value = opt_double(optarg, 1e-30, 1e30, "--clip-value"); break;
		case OPT_CLASS_WEIGHT: o.class_w = optarg; break;
		case OPT_LOSS:
			if (nn_loss_lookup(optarg, &o.loss) < 0)
				errx(2, "--loss: expected bce, cce, mse, mae or huber, got "
				    "\"%s\"", optarg);
			o.loss_asked = 1;
			break;
		case OPT_RESUME: o.resume = optarg; break;
		case OPT_INIT_FROM: o.init_from = optarg; break;
		case OPT_CV: o.cv = opt_long(optarg, 2, 1000, "--cv"); break;
		case OPT_TRACE: o.trace = 1; break;
		case OPT_GRADCHECK: o.gradcheck = 1; break;
		case OPT_INIT:
			if (strcmp(optarg, "zero") == 0)
				errx(2, "--init zero: every unit of a layer would "
				    "compute the same output and receive the same "
				    "gradient, so they could never become different; "
				    "use he, xavier, lecun or uniform");
			if (nn_init_lookup(optarg, &o.init) < 0)
				errx(2, "--init: expected auto, he, xavier, lecun or "
				    "uniform, got \"%s\"", optarg);
			break;
		case OPT_DROPOUT:
			o.dropout = opt_double(optarg, 0.0, 1.0, "--dropout");
			if (o.dropout >= 1.0)
				errx(2, "--dropout: %s would drop every unit; expected "
				    "a probability below 1", optarg);
			break;
		case OPT_BATCHNORM: o.batchnorm = 1; break;
		case OPT_RESIDUAL: o.residual = 1; break;
		case OPT_LEAKY_SLOPE:
			o.leaky_slope = opt_double(optarg, 0.0, 1.0, "--leaky-slope");
			break;
		case OPT_HELP:
			help_exit(synopsis);
		case OPT_VERSION:
			print_version();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();

	/* ---- combinations ---- */
	if (o.out == NULL && o.cv == 0 && !o.trace && !o.gradcheck)
		errx(2, "-o MODEL is required");
	if (o.trace && o.gradcheck)
		errx(2, "--trace and --gradcheck exclude each other");
	if (o.target != NULL && *o.target == '\0')
		errx(2, "--target: expected a column name or number, got \"\"");
	if (o.val_path && o.val_split > 0)
		errx(2, "--val and --val-split exclude each other");
	if (o.patience && !o.val_path && o.val_split <= 0)
		errx(2, "--patience needs a validation set (--val FILE or --val-split F)");
	if (o.sched == NN_SCHED_PLATEAU && !o.val_path && o.val_split <= 0)
		errx(2, "--schedule plateau needs a validation set (--val or --val-split)");
	if (o.resume && o.init_from)
		errx(2, "--resume and --init-from exclude each other");
	if (o.cv && (o.resume || o.init_from || o.val_path || o.val_split > 0))
		errx(2, "--cv makes its own validation folds: no --val, --val-split, "
		    "--resume or --init-from");
	if (o.lr_gamma < 0.0)
		o.lr_gamma = o.sched == NN_SCHED_INVERSE ? 0.01 :
		    o.sched == NN_SCHED_EXPONENTIAL ? 0.95 : 0.5;
	/* The adaptive optimizers want a small step: each parameter moves by
	 * about the rate whatever its gradient's scale. */
	if (o.rate < 0.0)
		o.rate = o.opt == NN_OPTIM_SGD || o.opt == NN_OPTIM_MOMENTUM ||
		    o.opt == NN_OPTIM_NESTEROV ? 0.1 : o.opt == NN_OPTIM_ADAGRAD ? 0.01 : 0.001;
	if (o.threads == 0) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		o.threads = nc < 1 ? 1 : nc > 256 ? 256 : nc;
	}
	{	/* the layer list is checked now, before any data is read */
		layer_opt *hid;
		parse_layers(o.layers, &hid);
		free(hid);
	}
	if (o.out != NULL && !o.trace && !o.gradcheck)
		check_output_dir(o.out);

	/* ---- data ---- */
	fp = open_input(argc ? argv[0] : NULL, &name);
	dopts.header = o.header;
	dopts.target = o.target;
	if (nn_data_read(fp, name, &dopts, &data, &e) < 0)
		die_err(1, &e);
	if (fp != stdin)
		fclose(fp);
	if (data.d == 0)
		errx(1, "%s: no feature columns besides the target", name);
	nn_task task = infer_task(&data, name, o.task_asked, o.task);
	const int classify = task != NN_TASK_REGRESSION;
	(void)pick_loss(&o, task);
	float *cw = NULL;
	if (o.class_w != NULL) {
		if (!classify)
			errx(2, "--class-weight is for classification");
		cw = class_weights(o.class_w, &data);
	}
	catch_signals();
	if (o.cv)
		return cross_validate(&o, &data, task, cw);

	/* ---- training and validation rows ---- */
	rows tr = { 0 }, va = { 0 };
	if (o.val_split > 0) {
		split_val(&data, classify, o.val_split, o.seed, &tr, &va);
	} else {
		tr.n = data.n;
		tr.x = data.x;
		tr.y = data.y;
		tr.t = data.t;
		data.x = NULL;
		data.y = NULL;
		data.t = NULL;
		if (o.val_path)
			read_val(o.val_path, &data, &dopts, classify, &va);
		if (o.val_path && va.n == 0)
			errx(1, "%s: no data rows", o.val_path);
	}

	/* ---- the model ---- */
	nn_model *m;
	if (o.resume || o.init_from) {
		m = load_start(o.resume ? o.resume : o.init_from, &data, task,
		    o.resume != NULL);
		/* resuming goes on with the seed of the run it continues:
		 * dropout masks are drawn from it */
		if (o.resume)
			o.seed = m->seed;
		free(m->cmdline);
		m->cmdline = NULL;
	} else {
		m = build_model(&o, &data, task, tr.x, tr.n);
		name_model(m, &data, task);
	}
	nn_model_scale(m, tr.x, tr.n);
	if (va.n)
		nn_model_scale(m, va.x, va.n);
	nn_tscale ts = nn_tscale_fit(m, tr.t, tr.n);
	nn_tscale_apply(&ts, tr.t, tr.n);
	nn_tscale_apply(&ts, va.t, va.n);
	if (o.resume || o.init_from)
		nn_tscale_unfold(m, &ts);
	m->seed = o.seed;
	m->cmdline = cmdline;
	m->data_crc = data.crc;
	m->data_rows = data.n;
	m->batch = (uint32_t)o.batch;
	m->lr = (float)o.rate;
	m->class_w = cw;

	nn_train_cfg cfg;
	train_cfg(&o, &cfg);
	if (o.trace || o.gradcheck)
		return look_inside(&o, m, &tr, &cfg);
	if (o.resume) {
		/* the optimizer goes on as it was; -e counts further epochs */
		cfg.opt = m->ckpt->opt;
		cfg.resume = 1;
	}

	/* ---- the run ---- */
	run r = {
		.quiet = o.quiet, .verbose = o.verbose && !o.quiet,
		.bar = !o.quiet && !o.verbose && isatty(STDERR_FILENO),
		.patience = (size_t)o.patience, .min_delta = o.min_delta,
		.sched = o.sched, .lr_step = (size_t)o.lr_step, .lr_gamma = o.lr_gamma,
		.m = m, .val = va.n ? &va : NULL, .best = INFINITY,
		.plateau_best = INFINITY,
		.first_epoch = (o.resume ? (size_t)m->ckpt->epoch : 0) + 1,
	};
	r.last_epoch = r.first_epoch + (size_t)o.epochs - 1;
	r.t0 = seconds();
	r.last_val = NAN;
	if (va.n && o.patience > 0)
		r.best_params = nn_xmalloc((m->nparams + m->nstats) * sizeof(float));
	if (o.log_path != NULL) {
		if ((r.log = fopen(o.log_path, "w")) == NULL)
			err(1, "%s", o.log_path);
		r.log_name = o.log_path;
		fputs("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds", r.log);
		for (size_t l = 1; l <= m->nlayers; l++)
			fprintf(r.log, ",grad_norm_%zu,weight_norm_%zu,update_ratio_%zu",
			    l, l, l);
		fputc('\n', r.log);
		cfg.stats = 1;
	}
	cfg.on_epoch = on_epoch;
	cfg.on_batch = on_batch;
	cfg.ctx = &r;
	cfg.stop = &stop_signal;

	nn_train_res res;
	int status = 0;
	if (nn_train(m, tr.x, tr.y, tr.t, tr.n, &cfg, &res, &e) < 0) {
		if (r.bar)
			fputs("\r\033[K", stderr);
		warnx("%s; %s not written", e.msg, o.out);
		status = 3;
	}
	if (r.bar && status == 0)
		fputs("\r\033[K", stderr);
	if (r.log != NULL && fclose(r.log) != 0)
		err(1, "%s", o.log_path);
	for (size_t i = 0; status == 0 && i < m->nparams; i++)
		if (!isfinite(m->params[i])) {
			warnx("training diverged: a weight is not finite (lower the "
			    "learning rate); %s not written", o.out);
			status = 3;
		}
	if (status != 0)
		return status;

	/* With early stopping, the model saved is the best epoch's.  Its
	 * training state (optimizer moments) belongs to a later epoch, so it is
	 * not kept: such a model is fine-tuned with --init-from, not resumed. */
	const int keep_best = r.val != NULL && o.patience > 0 && !stop_signal;
	if (keep_best && r.best_epoch != res.epoch) {
		memcpy(m->params, r.best_params, m->nparams * sizeof(float));
		if (m->nstats)
			memcpy(m->stats, r.best_params + m->nparams,
			    m->nstats * sizeof(float));
		nn_ckpt_free(m->ckpt);
		m->ckpt = NULL;
	}
	m->epochs = (uint32_t)(keep_best ? r.best_epoch : res.epoch);
	m->final_loss = (float)res.loss;
	nn_tscale_fold(m, &ts);
	m->class_w = NULL;

	sigset_t old;
	hold_signals(1, &old);
	if (nn_model_save(m, o.out, &e) < 0)
		die_err(1, &e);
	if (stop_signal) {
		warnx("%s: stopped at epoch %zu, row %zu of %zu; saved a checkpoint "
		    "to %s (continue with --resume %s)", stop_signal == SIGINT ?
		    "interrupted" : "terminated", res.epoch + (res.row ? 1 : 0),
		    res.row, tr.n, o.out, o.out);
		return 128 + stop_signal;
	}
	hold_signals(0, &old);
	if (!o.quiet) {
		fprintf(stderr, "nn-train: %zu rows, %zu features, %s, %zu parameters; "
		    "final loss %.6f after %zu epochs\n", tr.n, data.d,
		    nn_task_name(task), m->nparams, res.loss, res.epoch);
		if (keep_best)
			fprintf(stderr, "nn-train: saved the best epoch, %zu of %zu "
			    "(val_loss %.6f)\n", r.best_epoch, res.epoch, r.best);
	}
	rows_free(&tr);
	rows_free(&va);
	free(r.best_params);
	free(cw);
	nn_data_free(&data);
	nn_model_free(m);
	return 0;
}
