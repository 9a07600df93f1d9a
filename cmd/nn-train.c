/*
 * nn-train - train a neural network on a CSV file and save the model.
 *
 * The program's part is the user's: options parsed and checked (each one
 * honoured or refused with a message, also when a model is continued with
 * --resume or --init-from), the data read with every bad token named by
 * line and column, the task inferred from the target column, progress, the
 * log and the report on stderr, the model saved atomically.  What a model
 * learns and how -- scaling, training, validation, early stopping,
 * cross-validation -- is the library's (lib/nn_train.h).
 */
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bar.h"

extern char *program_invocation_short_name;
#ifdef NN_MPI
#include "mpi.h"
#include "opts/nn-train-mpi.h"
/* rank 0 alone writes the model and the log (cmd/mpi.h) */
#define WRITER (mpi_rank() == 0)
#else
#include "opts/nn-train.h"
#define WRITER 1
#endif
#include "train_opts.h"
#include "util.h"

typedef train_opts opts;

#ifdef NN_MPI
/* Each input that every rank can read itself at its path, each rank opens
 * (mpi_open_own): the data files then read in parts.  They are known by
 * their FILE and what it reads (device and inode): a later fopen may reuse
 * the address of a closed FILE. */
static struct { FILE *fp; dev_t dev; ino_t ino; } own[8];
static size_t nown;

static FILE *
open_own(const char *path, nn_err *e)
{
	struct stat st;
	int mine = 0;
	FILE *fp = mpi_open_own(path, &mine, e);

	if (fp != NULL && mine && nown < sizeof(own) / sizeof(own[0])) {
		/* gzip data come through a FILE without a descriptor */
		if (fileno(fp) < 0 || fstat(fileno(fp), &st) != 0)
			memset(&st, 0, sizeof(st));
		own[nown].fp = fp;
		own[nown].dev = st.st_dev;
		own[nown++].ino = st.st_ino;
	}
	return fp;
}

static const nn_dist *
own_parts(FILE *fp)
{
	struct stat st;

	if (fp == NULL)
		return NULL;
	if (fileno(fp) < 0 || fstat(fileno(fp), &st) != 0)
		memset(&st, 0, sizeof(st));
	for (size_t k = 0; k < nown; k++)
		if (own[k].fp == fp && own[k].dev == st.st_dev &&
		    own[k].ino == st.st_ino)
			return mpi_dist();
	return NULL;
}
#endif

/* Integer targets with at most this many distinct values are classes. */
#define MAX_AUTO_CLASSES 20
/* Without -e or a validation option, the epochs are chosen: trained on all
 * but AUTO_VAL of the rows with early stopping (AUTO_PATIENCE), then the
 * model trained on every row for the best epoch count.  A fixed 100 epochs
 * of SGD at 0.1 overfits a data set of a few hundred rows badly (a
 * regression's R^2 falls from 0.37 after 10 epochs to 0.10 after 100 on
 * scikit-learn's diabetes data); a sixth of the rows, and patience for a
 * small validation set's noisy loss, pick the epoch well enough.  Below
 * AUTO_MIN_ROWS rows a validation split says too little: the default
 * epochs stand. */
#define AUTO_VAL 0.15
#define AUTO_PATIENCE 20
#define AUTO_MIN_ROWS 50
/* The tolerance of --gradcheck on the relative error (see nn_gradcheck). */
#define GRADCHECK_TOL 3e-2

/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

/* Each option into o (train_opts.c, which nn-tune shares), then the
 * operand. */
static void
parse_opts(int argc, char **argv, opts *o)
{
	int ch;

	while ((ch = opt_next(&options, argc, argv)) != -1)
		train_opt_set(o, ch, optarg);
	if (argc - optind > 1)
		opt_extra(argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : NULL;
	train_opts_done(o);
}

/* Fail before a long training if the model could not be saved anyway:
 * everything nn_model_save would refuse that can be known now. */
static void
check_output_dir(const char *path)
{
	nn_err e;

	if (nn_atomic_check(path, &e) < 0)
		die_err(1, &e);
}

/* Combinations, defaults that depend on other options, and what can be
 * checked before any data is read. */
static void
check_opts(opts *o)
{
	nn_train_cfg *c = &o->cfg;

	if (o->out == NULL && o->cv == 0 && !o->trace && !o->gradcheck)
		errx(2, "-o MODEL is required");
	if (o->trace && o->gradcheck)
		errx(2, "--trace and --gradcheck exclude each other");
	train_opts_check(o);
#ifdef NN_MPI
	/* a rank's share of its host: the CPUs it may run on, divided among
	 * the ranks that share them; more threads than CPUs only wait */
	if (!GIVEN(o, OPT_THREADS))
		c->threads = mpi_threads();
	else if (c->threads > mpi_cpus() && mpi_rank() == 0)
		warnx("--threads %d, but rank 0 may run on %d CPU%s (mpirun binds a "
		    "rank to a core: give it %d with --map-by slot:PE=%d, or use "
		    "--bind-to none)", c->threads, mpi_cpus(), mpi_cpus() == 1 ?
		    "" : "s", c->threads, c->threads);
#else
	if (!GIVEN(o, OPT_THREADS)) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = nc < 1 ? 1 : nc > 256 ? 256 : (int)nc;
	}
#endif
	if (o->out != NULL && !o->trace && !o->gradcheck && WRITER)
		check_output_dir(o->out);
	/* No output over an input, before any is read.  -o may name the
	 * model it continues: that is read whole, then replaced atomically. */
	note_input(o->input ? o->input : "-");
	note_input(o->val_path);
	guard_output(o->out, "-o");
	note_input(o->start);
	guard_output(o->log_path, "--log");
}

/* ====================================================================== */
/* The model: one to continue                                             */
/* ====================================================================== */

/* What a continued model refuses: an option that would change what the
 * network computes or how its weights were made.  Each is compared with the
 * model, and refused only when it differs. */
static void __attribute__((noreturn, format(printf, 2, 3)))
refuse(const opts *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errx(2, "%s %s: %s", o->resume ? "--resume" : "--init-from", o->start,
	    msg);
}

static void
check_shape(const opts *o, const nn_model *m)
{
	const size_t nhid = m->nlayers - 1;

	if (GIVEN(o, 'l')) {
		nn_hidden *hid;
		size_t n = train_layers(o->layers, &hid);
		int same = n == nhid;
		for (size_t l = 0; same && l < n; l++)
			same = hid[l].width == m->layers[l].nout &&
			    (!hid[l].has_act || hid[l].act == m->layers[l].act);
		free(hid);
		if (!same)
			refuse(o, "-l %s does not match the model's hidden layers; a "
			    "continued model keeps its shape (leave -l out, or train "
			    "a new model)", o->layers);
	}
	for (size_t l = 0; l < nhid; l++) {
		const nn_dense *L = &m->layers[l];
		if (GIVEN(o, 'a') && L->act != o->act)
			refuse(o, "-a %s: hidden layer %zu is %s in the model; a "
			    "continued model keeps its activations", nn_act_name(o->act),
			    l + 1, nn_act_name(L->act));
		if (GIVEN(o, OPT_BATCHNORM) && !L->batchnorm)
			refuse(o, "--batchnorm: hidden layer %zu has none; batch norm "
			    "adds parameters a continued model does not have", l + 1);
		if (GIVEN(o, OPT_RESIDUAL) && !L->residual &&
		    L->nin == L->nout)
			refuse(o, "--residual: hidden layer %zu has no skip "
			    "connection in the model", l + 1);
		if (GIVEN(o, OPT_LEAKY_SLOPE) && L->act == NN_ACT_LEAKY_RELU &&
		    L->act_param != (float)o->leaky_slope)
			refuse(o, "--leaky-slope %g: the model's layer %zu has "
			    "slope %g; a continued model keeps its activations",
			    o->leaky_slope, l + 1, L->act_param);
	}
	if (GIVEN(o, OPT_SCALE) && o->scale != m->scale)
		refuse(o, "--scale %s: the model's inputs are scaled %s, and its "
		    "weights were learned on that scale", nn_scale_name(o->scale),
		    nn_scale_name(m->scale));
	if (GIVEN(o, OPT_INIT))
		refuse(o, "--init: the weights come from the model");
}

/* A model given by --resume or --init-from, checked against this data and
 * these options.  Applied to it: --loss, --dropout (and every training
 * setting, through cfg); refused: what would change its shape. */
static nn_model *
load_start(opts *o, nn_model *m, const nn_data *d, nn_task task)
{
	const char *path = o->start;

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
	check_shape(o, m);
	if (o->resume) {
		if (m->ckpt == NULL)
			errx(1, "%s: no training state to resume from (saved with "
			    "early stopping, or by an older nnkit); use --init-from",
			    path);
		if (GIVEN(o, OPT_OPTIMIZER) && o->opt != m->ckpt->opt.kind)
			refuse(o, "--optimizer %s: the checkpoint holds %s's state; "
			    "to switch optimizers, start afresh with --init-from",
			    nn_optim_name(o->opt), nn_optim_name(m->ckpt->opt.kind));
		if (GIVEN(o, 's') && o->cfg.seed != m->seed)
			refuse(o, "-s %llu: resuming continues the run's random "
			    "streams (seed %llu); for another seed use --init-from",
			    (unsigned long long)o->cfg.seed,
			    (unsigned long long)m->seed);
		/* the optimizer goes on as it was, with the user's changes */
		o->cfg.opt = m->ckpt->opt;
		train_optim(o, &o->cfg.opt);
		o->cfg.seed = m->seed;
		o->cfg.resume = 1;
	} else {
		nn_ckpt_free(m->ckpt);
		m->ckpt = NULL;
	}
	if (GIVEN(o, OPT_LOSS))
		m->loss = train_loss(o, task);
	if (GIVEN(o, OPT_DROPOUT)) {
		if (m->nlayers < 2 && o->dropout > 0.0)
			refuse(o, "--dropout acts on hidden layers, and the model "
			    "has none");
		for (size_t l = 0; l + 1 < m->nlayers; l++)
			m->layers[l].dropout = (float)o->dropout;
	}
	o->cfg.warm = 1;
	free(m->cmdline);
	m->cmdline = NULL;
	return m;
}

/* ====================================================================== */
/* Progress, the log, signals                                             */
/* ====================================================================== */

/* ---- the training bar and the log -------------------------------------- */

typedef struct run {
	int verbose;
	bar b;
	FILE *log;
	const char *log_name;
	size_t first_epoch, last_epoch;
	size_t rows, batch;      /* training rows, the batch size */
	int has_val;
	double t0;
	/* the loss shown: the running mean of this epoch's batch losses,
	 * weighted by their rows (at the epoch's end, its training loss) */
	size_t epoch;
	double loss_sum, loss_rows;
	double rows_done;        /* since the start, for rows/s */
	double last_val, last_val_acc;
} run;

/*
 * The training bar, after each batch (drawn at most BAR_HZ times a
 * second), its fields by rank:
 *   epoch 3/20 [#####.....] batch 41/100 loss 0.3412 val 0.3120 91.2%
 *   12.3k rows/s ETA 1m12s
 * rank 0 epoch, 1 ETA, 2 loss, 3 validation, 4 batch, 5 rows/s, 6 meter.
 */
static void
on_batch(void *ctx, size_t epoch, size_t batch, size_t nbatch, double loss)
{
	run *r = ctx;
	double t = seconds(), el = t - r->t0;
	size_t total = (r->last_epoch - r->first_epoch + 1) * nbatch;
	size_t done = (epoch - r->first_epoch) * nbatch + batch;
	size_t first = (batch - 1) * r->batch;
	double B = (double)(r->rows - first < r->batch ? r->rows - first :
	    r->batch);
	field f[BAR_FIELDS];
	char a[32];
	size_t n = 0;

	if (epoch != r->epoch) {
		r->epoch = epoch;
		r->loss_sum = r->loss_rows = 0;
	}
	r->loss_sum += loss * B;
	r->loss_rows += B;
	r->rows_done += B;
	if (!bar_due(&r->b, t, done == total))
		return;
	snprintf(f[n].s, sizeof(f[n].s), "epoch %zu/%zu", epoch, r->last_epoch);
	f[n++].rank = 0;
	strcpy(f[n].s, "[");
	f[n++].rank = 6;
	snprintf(f[n].s, sizeof(f[n].s), "batch %zu/%zu", batch, nbatch);
	f[n++].rank = 4;
	snprintf(f[n].s, sizeof(f[n].s), "loss %.4g", r->loss_sum / r->loss_rows);
	f[n++].rank = 2;
	if (r->has_val && isfinite(r->last_val)) {
		if (isfinite(r->last_val_acc))
			snprintf(f[n].s, sizeof(f[n].s), "val %.4g %.1f%%",
			    r->last_val, 100.0 * r->last_val_acc);
		else
			snprintf(f[n].s, sizeof(f[n].s), "val %.4g", r->last_val);
		f[n++].rank = 3;
	}
	if (el > 0) {
		human_count(a, sizeof(a), r->rows_done / el);
		snprintf(f[n].s, sizeof(f[n].s), "%s rows/s", a);
		f[n++].rank = 5;
	}
	human_time(a, sizeof(a), el / (double)done * (double)(total - done));
	snprintf(f[n].s, sizeof(f[n].s), "ETA %s", a);
	f[n++].rank = 1;
	bar_draw(&r->b, f, n, (double)done / (double)total);
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
on_epoch(void *ctx, const nn_epoch *ep)
{
	run *r = ctx;

	if (r->log != NULL) {
		fprintf(r->log, "%zu", ep->epoch);
		put_num(r->log, ep->loss);
		put_num(r->log, ep->acc);
		put_num(r->log, ep->val_loss);
		put_num(r->log, ep->val_acc);
		put_num(r->log, ep->lr);
		put_num(r->log, ep->seconds);
		for (size_t l = 0; l < ep->nlayers; l++) {
			put_num(r->log, ep->grad_norm[l]);
			put_num(r->log, ep->weight_norm[l]);
			put_num(r->log, ep->update_ratio[l]);
		}
		fputc('\n', r->log);
		if (ferror(r->log)) {
			bar_clear(&r->b);
			err(1, "%s", r->log_name);
		}
	}
	if (r->verbose) {
		bar_clear(&r->b);        /* the bar comes back at the next batch */
		fprintf(stderr, "epoch %zu/%zu  loss %.6f", ep->epoch, r->last_epoch,
		    ep->loss);
		if (isfinite(ep->acc))
			fprintf(stderr, "  acc %.4f", ep->acc);
		if (r->has_val) {
			fprintf(stderr, "  val_loss %.6f", ep->val_loss);
			if (isfinite(ep->val_acc))
				fprintf(stderr, "  val_acc %.4f", ep->val_acc);
		}
		fprintf(stderr, "  lr %.3g  %.3fs\n", ep->lr, ep->seconds);
	}
	r->last_val = ep->val_loss;
	r->last_val_acc = ep->val_acc;
	return 0;
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
/* The runs: cross-validation, a look inside, training                    */
/* ====================================================================== */

typedef struct cv_ctx {
	const opts *o;
	const nn_data *d;
	nn_task task;
} cv_ctx;

static nn_model *
cv_make(void *ctx, const nn_rows *train)
{
	const cv_ctx *c = ctx;

	return train_model(c->o, c->d, c->task, train);
}

/* --cv-format csv: a header, one line per fold, then the mean and the
 * (sample) standard deviation, whose row counts are empty. */
static void
cv_csv(const nn_cv_fold *f, size_t K, int classify, const double *mean,
    const double *sd)
{
	printf("fold,train_rows,val_rows,val_loss,%s\n",
	    classify ? "val_acc" : "val_rmse");
	for (size_t k = 0; k < K; k++) {
		printf("%zu,%zu,%zu,", k + 1, f[k].ntrain, f[k].nval);
		put_exact(f[k].val_loss, "");
		putchar(',');
		put_exact(classify ? f[k].val_acc : f[k].val_rmse, "");
		putchar('\n');
	}
	for (int s = 0; s < 2; s++) {
		const double *v = s ? sd : mean;
		printf("%s,,,", s ? "sd" : "mean");
		put_exact(v[0], "");
		putchar(',');
		put_exact(v[1], "");
		putchar('\n');
	}
}

/* --cv-format json: {"folds": [...], "mean": {...}, "sd": {...}}. */
static void
cv_json(const nn_cv_fold *f, size_t K, int classify, const double *mean,
    const double *sd)
{
	const char *metric = classify ? "val_acc" : "val_rmse";

	printf("{\n  \"k\": %zu,\n  \"folds\": [", K);
	for (size_t k = 0; k < K; k++) {
		printf("%s\n    {\"fold\": %zu, \"train_rows\": %zu, "
		    "\"val_rows\": %zu, \"val_loss\": ", k ? "," : "", k + 1,
		    f[k].ntrain, f[k].nval);
		put_exact(f[k].val_loss, "null");
		printf(", \"%s\": ", metric);
		put_exact(classify ? f[k].val_acc : f[k].val_rmse, "null");
		putchar('}');
	}
	fputs("\n  ]", stdout);
	for (int s = 0; s < 2; s++) {
		const double *v = s ? sd : mean;
		printf(",\n  \"%s\": {\"val_loss\": ", s ? "sd" : "mean");
		put_exact(v[0], "null");
		printf(", \"%s\": ", metric);
		put_exact(v[1], "null");
		putchar('}');
	}
	fputs("\n}\n", stdout);
}

/* The default: the lines a person reads. */
static void
cv_text(const nn_cv_fold *f, size_t K, int classify, const double *mean,
    const double *sd)
{
	for (size_t k = 0; k < K; k++) {
		double acc = classify ? f[k].val_acc : f[k].val_rmse;
		printf("fold %zu/%zu: train %zu, val %zu, val_loss %.6f", k + 1, K,
		    f[k].ntrain, f[k].nval, f[k].val_loss);
		if (classify)
			printf(", val_acc %.4f\n", acc);
		else if (isfinite(acc))
			printf(", val_rmse %.6g\n", acc);
		else
			putchar('\n');
	}
	printf("mean: val_loss %.6f +- %.6f", mean[0], sd[0]);
	if (classify)
		printf(", val_acc %.4f +- %.4f\n", mean[1], sd[1]);
	else if (isfinite(mean[1]))
		printf(", val_rmse %.6g +- %.6g\n", mean[1], sd[1]);
	else
		putchar('\n');
}

/* --cv K: K trainings, each validated on the fold it did not see. */
static int
cross_validate(const opts *o, const nn_data *d, nn_task task, nn_rows *all)
{
	const int classify = task != NN_TASK_REGRESSION;
	const size_t K = (size_t)o->cv;
	nn_cv_fold *f = nn_xcalloc(K, sizeof(*f));
	cv_ctx ctx = { o, d, task };
	double mean[2] = { 0, 0 }, sd[2] = { 0, 0 };   /* val_loss, acc|rmse */
	nn_err e;
	int rc;

	if ((rc = nn_cv(cv_make, &ctx, all, d->nlabels, K, &o->cfg, f, &e)) < 0) {
		warnx("%s", e.msg);
		return 3;
	}
	if (rc > 0)
		return 128 + train_stop;
	for (size_t k = 0; k < K; k++) {
		double acc = classify ? f[k].val_acc : f[k].val_rmse;
		mean[0] += f[k].val_loss / (double)K;
		mean[1] += acc / (double)K;
	}
	for (size_t k = 0; k < K; k++) {
		double acc = classify ? f[k].val_acc : f[k].val_rmse;
		sd[0] += (f[k].val_loss - mean[0]) * (f[k].val_loss - mean[0]) /
		    (double)(K - 1);
		sd[1] += (acc - mean[1]) * (acc - mean[1]) / (double)(K - 1);
	}
	sd[0] = sqrt(sd[0]);
	sd[1] = sqrt(sd[1]);
	switch (o->cv_format) {
	case CV_CSV: cv_csv(f, K, classify, mean, sd); break;
	case CV_JSON: cv_json(f, K, classify, mean, sd); break;
	default: cv_text(f, K, classify, mean, sd); break;
	}
	free(f);
	close_stdout();
	return 0;
}

/* --trace and --gradcheck: on the first BATCH rows of the training data as
 * scaled for training, before any step; nothing is written. */
static int
look_inside(const opts *o, nn_model *m, nn_rows *tr)
{
	size_t B = o->cfg.batch < tr->n ? o->cfg.batch : tr->n;
	nn_tscale ts;
	nn_err e;

	nn_model_scale(m, tr->x, tr->n);
	ts = nn_tscale_fit(m, tr->t, tr->n);
	nn_tscale_apply(&ts, tr->t, tr->n);
	if (o->cfg.warm)
		nn_tscale_unfold(m, &ts);
	if (o->trace) {
		if (nn_trace(stdout, m, tr, B, &o->cfg, &e) < 0)
			die_err(1, &e);
		close_stdout();
		return 0;
	}
	double *worst = nn_xcalloc(m->nlayers, sizeof(double));
	double *rel = nn_xcalloc(m->nlayers, sizeof(double));
	int bad = 0;
	nn_gradcheck(m, tr, o->cfg.class_w, B, worst, rel, &e);
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

/* The epochs, when the user gave none: a probe run on 90% of the rows,
 * validated on the rest with early stopping, says how many help; the model
 * itself is then trained on every row for that many (as -e would). */
static void
choose_epochs(opts *o, const nn_data *d, const char *name, nn_task task,
    nn_rows *all)
{
	nn_rows tr = { 0 }, va = { 0 };
	nn_train_cfg c = o->cfg;
	nn_train_res res;
	nn_model *m;
	nn_err e;

	train_split_val(all, d->nlabels, AUTO_VAL, o->cfg.seed, &tr, &va);
	m = train_model(o, d, task, &tr);
	if (!o->quiet && isatty(STDERR_FILENO))
		fprintf(stderr, "%s: choosing the epochs on a %.0f%% "
		    "validation split (-e sets them)...\n",
		    program_invocation_short_name, 100.0 * AUTO_VAL);
	c.val = &va;
	c.patience = AUTO_PATIENCE;
	c.stop = &train_stop;
	if (nn_fit(m, &tr, &c, &res, &e) == 0 && !res.stopped &&
	    res.best_epoch > 0) {
		o->cfg.epochs = res.best_epoch;
		train_report(d, name, o);
		if (!o->quiet)
			fprintf(stderr, "%s: %zu epochs, chosen on a %.0f%% "
			    "validation split (best of %zu; -e sets them)\n",
		    program_invocation_short_name,
			    res.best_epoch, 100.0 * AUTO_VAL, res.epoch);
	}
	nn_model_free(m);
	nn_rows_free(&tr);
	nn_rows_free(&va);
	if (train_stop) {
		warnx("%s while choosing the epochs; %s not written",
		    train_stop == SIGINT ? "interrupted" : "terminated", o->out);
		exit(128 + train_stop);
	}
}

/* Train m on tr (validated on va, if any rows), save it to -o. */
static int
train_and_save(opts *o, nn_model *m, nn_rows *tr, nn_rows *va,
    const nn_data *d)
{
	nn_train_cfg *c = &o->cfg;
	run r = {
		.verbose = o->verbose && !o->quiet,
		.first_epoch = (c->resume ? (size_t)m->ckpt->epoch : 0) + 1,
		.rows = tr->n, .batch = c->batch < tr->n ? c->batch : tr->n,
		.has_val = va->n > 0, .last_val = NAN, .last_val_acc = NAN,
	};
	nn_train_res res;
	nn_err e;
	sigset_t old;
	int status = 0;

	r.last_epoch = r.first_epoch + c->epochs - 1;
	bar_start(&r.b, o->quiet);
	if (o->log_path != NULL && !WRITER) {
		c->stats = 1;           /* as rank 0's: the same computation */
	} else if (o->log_path != NULL) {
		if ((r.log = fopen(o->log_path, "w")) == NULL)
			err(1, "%s", o->log_path);
		r.log_name = o->log_path;
		fputs("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds", r.log);
		for (size_t l = 1; l <= m->nlayers; l++)
			fprintf(r.log, ",grad_norm_%zu,weight_norm_%zu,update_ratio_%zu",
			    l, l, l);
		fputc('\n', r.log);
		c->stats = 1;
	}
	c->val = va->n ? va : NULL;
	c->on_epoch = on_epoch;
	c->on_batch = on_batch;
	c->ctx = &r;
	c->stop = &train_stop;
	/* what the model records of its training */
	train_record(m, c, d);

	r.t0 = seconds();
	status = nn_fit(m, tr, c, &res, &e);
	bar_clear(&r.b);
	if (status < 0) {
		warnx("%s; %s not written", e.msg, o->out);
		status = 3;
	}
	if (r.log != NULL && fclose(r.log) != 0)
		err(1, "%s", o->log_path);
	for (size_t i = 0; status == 0 && i < m->nparams; i++)
		if (!isfinite(m->params[i])) {
			warnx("training diverged: a weight is not finite (lower the "
			    "learning rate); %s not written", o->out);
			status = 3;
		}
	if (status != 0)
		return status;
	train_record_res(m, &res);

	hold_signals(1, &old);
	if (WRITER && nn_model_save(m, o->out, &e) < 0)
		die_err(1, &e);
	if (train_stop) {
		warnx("%s: stopped at epoch %zu, row %zu of %zu; saved a checkpoint "
		    "to %s (continue with --resume %s)", train_stop == SIGINT ?
		    "interrupted" : "terminated", res.epoch + (res.row ? 1 : 0),
		    res.row, tr->n, o->out, o->out);
		return 128 + train_stop;
	}
	hold_signals(0, &old);
	if (!o->quiet) {
		fprintf(stderr, "%s: %zu rows, %zu features, %s, %zu parameters; "
		    "final loss %.6f after %zu epochs\n",
		    program_invocation_short_name, tr->n, d->d,
		    nn_task_name(m->task), m->nparams, res.loss, res.epoch);
		if (c->patience > 0 && res.best_epoch > 0)
			fprintf(stderr, "%s: saved the best epoch, %zu of %zu "
			    "(val_loss %.6f)\n", program_invocation_short_name,
			    res.best_epoch, res.epoch, res.best_val);
	}
#ifdef NN_MPI
	if (o->verbose && !o->quiet)
		mpi_report(stderr);
#endif
	return 0;
}

int
main(int argc, char **argv)
{
	opts o;
	char *cmdline = join_argv(argc, argv);
	const char *name;
	nn_data data = { 0 };
	nn_data_opts dopts;
	reading rd;
	nn_err e;
	FILE *fp;

#ifdef NN_MPI
	mpi_start(&argc, &argv);
	input_opener = open_own;
	input_parts = own_parts;
#endif
	train_opts_init(&o);
	parse_opts(argc, argv, &o);
	check_opts(&o);
#ifdef NN_MPI
	o.cfg.dist = mpi_dist();
	/* the CSV reader's threads: this rank's share of the host, as
	 * training's, not one per core for every rank on it */
	if (getenv("NN_CSV_THREADS") == NULL) {
		char t[16];
		snprintf(t, sizeof(t), "%d", o.cfg.threads);
		setenv("NN_CSV_THREADS", t, 0);
	}
#endif

	/* ---- data: a continued model reads it with its own encoding ---- */
	nn_model *start = NULL;
	if (o.start != NULL) {
		/* through open_input: under MPI every rank reads rank 0's copy */
		const char *mname;
		FILE *mf = open_input(o.start, &mname);
		if ((start = nn_model_read(mf, mname, &e)) == NULL)
			die_err(1, &e);
		fclose(mf);
	}
	fp = open_input(o.input, &name);
	dopts = o.data;
	/* each rank its own rows, when it can read them; a look inside runs
	 * on the first rows as one process sees them */
	const nn_dist *parts = input_parts(fp);
	if (!o.trace && !o.gradcheck)
		dopts.dist = parts;
	if (start != NULL && start->enc != NULL) {
		/* its columns, their encoding and fills were learned once */
		static const struct { int opt; const char *name; } fixed[] = {
			{ OPT_FEATURES, "--features" }, { OPT_IGNORE, "--ignore" },
			{ OPT_ID, "--id" }, { OPT_CATEGORICAL, "--categorical" },
			{ OPT_NA, "--na" }, { OPT_MISSING, "--missing" },
			{ OPT_MAX_CATEGORIES, "--max-categories" },
		};
		for (size_t k = 0; k < sizeof(fixed) / sizeof(fixed[0]); k++)
			if (GIVEN(&o, fixed[k].opt))
				refuse(&o, "%s: a continued model reads its columns as "
				    "it was trained (nn-model info lists them)",
				    fixed[k].name);
	}
	reading_start(&rd, &dopts, name, o.quiet);
	if (o.libsvm) {
		if (nn_libsvm_data_read(fp, name, NULL, &data, NULL, &e) < 0)
			die_err(1, &e);
	} else if (start != NULL && start->enc != NULL) {
		dopts.target = o.target ? o.target : start->target_name;
		if (nn_data_read_with(fp, name, &dopts, start->enc, &data, &e) < 0) {
			bar_clear(&rd.b);
			errx(1, "%s (read as the model %s was trained)", e.msg,
			    o.start);
		}
		data.enc = nn_enc_copy(start->enc);
		data.filled = nn_xcalloc(data.enc->ncols + 1, sizeof(uint64_t));
		data.feat_names = nn_xmalloc(data.d * sizeof(char *));
		for (size_t j = 0; j < data.d; j++)
			data.feat_names[j] = nn_xstrdup(start->feat_names[j]);
	} else if (nn_data_read(fp, name, &dopts, &data, &e) < 0) {
		bar_clear(&rd.b);
		die_err(1, &e);
	}
	bar_clear(&rd.b);
	if (fp != stdin)
		fclose(fp);
	if (data.d == 0)
		errx(1, "%s: no feature columns besides the target%s", name,
		    data.ncols == 1 ? " (one column in all: is the separator "
		    "another? -d names it)" : "");
	const nn_task task = train_task(&data, name, &o);
	const int classify = task != NN_TASK_REGRESSION;
	(void)train_loss(&o, task);
	nn_optim_defaults(&o.cfg.opt, o.opt);
	train_optim(&o, &o.cfg.opt);
	float *cw = NULL;
	if (o.class_w != NULL) {
		if (!classify)
			errx(2, "--class-weight is for classification");
		cw = train_class_weights(o.class_w, &data);
	}
	o.cfg.class_w = cw;
	nn_rows all = { .n = data.n, .d = data.d, .x = data.x,
	    .y = classify ? data.y : NULL, .t = classify ? NULL : data.t,
	    .part = data.part, .lo = data.lo, .hi = data.hi };
#ifdef NN_MPI
	if (o.verbose && !o.quiet && mpi_size() > 1) {
		if (data.part)
			fprintf(stderr, "%s: rank 0 of %d: rows 1-%zu of %zu (each "
			    "rank reads its own)\n", program_invocation_short_name,
			    mpi_size(), data.hi, data.n);
		else
			fprintf(stderr, "%s: every rank reads every row (%s)\n",
			    program_invocation_short_name, o.libsvm ? "libsvm input" :
			    o.trace || o.gradcheck ? "a look inside" :
			    o.input == NULL || strcmp(o.input, "-") == 0 ?
			    "standard input: rank 0 reads it" :
			    parts == NULL ? "a file the ranks see differently: rank 0 "
			    "reads it" :
			    data.whole != NULL ? data.whole : "one rank");
	}
#endif
	train_catch_signals();
	if (o.cv) {
		train_report(&data, name, &o);
		int status = cross_validate(&o, &data, task, &all);
		free(cw);
		nn_data_free(&data);
		nn_model_free(start);
		free(cmdline);
		train_opts_free(&o);
		return status;
	}

	/* ---- the number of epochs, unless the user said ---- */
	if (!GIVEN(&o, 'e') && !o.val_path && o.val_split <= 0 &&
	    !o.cfg.patience && !start && !o.trace && !o.gradcheck &&
	    o.cfg.sched.kind != NN_SCHED_PLATEAU && all.n >= AUTO_MIN_ROWS)
		choose_epochs(&o, &data, name, task, &all);

	/* ---- training and validation rows ---- */
	nn_rows tr = { 0 }, va = { 0 };
	if (o.val_split > 0) {
		train_split_val(&all, data.nlabels, o.val_split, o.cfg.seed, &tr, &va);
	} else {
		/* tr takes x and the target it trains on; the other goes */
		tr = all;
		free(classify ? data.t : (float *)data.y);
		data.x = NULL;
		data.y = NULL;
		data.t = NULL;
		if (o.val_path)
			train_read_val(o.val_path, &data, &o, classify, &va);
	}

	/* ---- the model ---- */
	nn_model *m = start ? load_start(&o, start, &data, task) :
	    train_model(&o, &data, task, &tr);
	m->cmdline = cmdline;
	train_report(&data, name, &o);
	int status = o.trace || o.gradcheck ? look_inside(&o, m, &tr) :
	    train_and_save(&o, m, &tr, &va, &data);
	nn_rows_free(&tr);
	nn_rows_free(&va);
	free(cw);
	nn_data_free(&data);
	nn_model_free(m);
	train_opts_free(&o);
	return status;
}
