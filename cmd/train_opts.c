/*
 * train_opts.c - nn-train's options into a network and a training
 * configuration, shared by nn-train and nn-tune (see train_opts.h).
 */
#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bar.h"
#include "train_opts.h"
#include "util.h"

extern char *program_invocation_short_name;
#define PROG program_invocation_short_name

/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

size_t
train_layers(const char *s, nn_hidden **out)
{
	nn_err e;
	long n = nn_hidden_parse(s, out, &e);

	if (n < 0)
		errx(2, "-l: %s", e.msg);
	return (size_t)n;
}

/* "NA,-," -> { "NA", "-", "" }: the tokens of a missing value. */
static const char **
split_na(const char *list, size_t *n)
{
	char *copy = nn_xstrdup(list), *p = copy;
	const char **v = nn_xmalloc((strlen(list) + 1) * sizeof(*v));

	*n = 0;
	for (;;) {
		char *q = strchr(p, ',');
		if (q != NULL)
			*q = '\0';
		v[(*n)++] = p;
		if (q == NULL)
			break;
		p = q + 1;
	}
	return v;   /* v[0] is copy: free(v[0]), then free(v) (free_na) */
}

static void
free_na(train_opts *o)
{
	if (o->na != NULL)
		free((void *)o->na[0]);
	free(o->na);
	o->na = NULL;
}

void
train_opts_init(train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->layers = TRAIN_LAYERS;
	o->act = TRAIN_ACT;
	o->header = 1;
	o->table_format = -1;
	o->scale = TRAIN_SCALE;
	o->leaky_slope = nn_act_param_default(NN_ACT_LEAKY_RELU);
	o->data.missing = TRAIN_MISSING;
	o->data.max_categories = NN_MAX_CATEGORIES;
	nn_train_defaults(&o->cfg);
	o->opt = o->cfg.opt.kind;
}

void
train_opt_set(train_opts *o, int ch, const char *arg)
{
	nn_train_cfg *c = &o->cfg;

	if (ch > 0 && ch < OPT_LAST)
		o->given[ch] = 1;

	switch (ch) {
	case 'a':
		if (nn_act_lookup(arg, &o->act) < 0 ||
		    o->act == NN_ACT_SOFTMAX)
			errx(2, "-a: unknown hidden activation \"%s\" (sigmoid, "
			    "tanh, relu, leaky-relu, elu, swish, gelu, linear)",
			    arg);
		break;
	case 'b': c->batch = (size_t)opt_long(arg, 1, 1L << 24, "-b"); break;
	case 'e': c->epochs = (size_t)opt_long(arg, 1, 100000000L, "-e"); break;
	case 'l': o->layers = arg; break;
	case 'o': o->out = arg; break;
	case 'q': o->quiet = 1; break;
	case 'v': o->verbose = 1; break;
	case 'r': o->rate = opt_double(arg, 0x1p-126, 1e30, "-r"); break;
	case 's': c->seed = opt_seed(arg, "-s"); break;
	case OPT_TARGET: o->target = arg; break;
	case OPT_TASK:
		if (strcmp(arg, "auto") == 0)
			o->given[OPT_TASK] = 0;
		else if (nn_task_lookup(arg, &o->task) < 0)
			errx(2, "--task: expected auto, binary, multiclass or "
			    "regression, got \"%s\"", arg);
		break;
	case OPT_SCALE:
		if (nn_scale_lookup(arg, &o->scale) < 0)
			errx(2, "--scale: expected standard, minmax or none, got "
			    "\"%s\"", arg);
		break;
	case OPT_NO_HEADER: o->header = 0; break;
	case OPT_FORMAT:
		if (strcmp(arg, "libsvm") == 0)
			o->libsvm = 1;
		else if (strcmp(arg, "csv") == 0)
			o->libsvm = 0;
		else if (strcmp(arg, "json") == 0)
			o->table_format = CV_JSON;      /* --cv's table: checked */
		else if (strcmp(arg, "text") == 0)
			o->table_format = CV_TEXT;
		else
			errx(2, "--format: expected csv or libsvm, got "
			    "\"%s\"", arg);
		break;
	case OPT_CV_FORMAT:
		if (strcmp(arg, "text") == 0)
			o->cv_format = CV_TEXT;
		else if (strcmp(arg, "csv") == 0)
			o->cv_format = CV_CSV;
		else if (strcmp(arg, "json") == 0)
			o->cv_format = CV_JSON;
		else
			errx(2, "--cv-format: expected text, csv or json, got "
			    "\"%s\"", arg);
		break;
	case OPT_OPTIMIZER:
		if (nn_optim_lookup(arg, &o->opt) < 0)
			errx(2, "--optimizer: expected sgd, momentum, nesterov, adam, "
			    "adamw, rmsprop or adagrad, got \"%s\"", arg);
		break;
	case OPT_MOMENTUM: o->momentum = opt_double(arg, 0.0, 0.999999, "--momentum"); break;
	case OPT_BETA1: o->beta1 = opt_double(arg, 0.0, 0.999999, "--beta1"); break;
	case OPT_BETA2: o->beta2 = opt_double(arg, 0.0, 0.999999999, "--beta2"); break;
	case OPT_EPS: o->eps = opt_double(arg, 1e-30, 1.0, "--eps"); break;
	case OPT_WEIGHT_DECAY: o->wd = opt_double(arg, 0.0, 1e6, "--weight-decay"); break;
	case OPT_THREADS: c->threads = (int)opt_long(arg, 1, 256, "--threads"); break;
	case OPT_VAL: o->val_path = arg; break;
	case OPT_VAL_SPLIT: o->val_split = opt_double(arg, 1e-9, 0.999999, "--val-split"); break;
	case OPT_PATIENCE: c->patience = (size_t)opt_long(arg, 1, 100000000L, "--patience"); break;
	case OPT_MIN_DELTA: c->min_delta = opt_double(arg, 0.0, 1e30, "--min-delta"); break;
	case OPT_LOG: o->log_path = arg; break;
	case OPT_SCHEDULE:
		if (nn_sched_lookup(arg, &c->sched.kind) < 0)
			errx(2, "--schedule: expected constant, step, exponential, "
			    "inverse, cosine or plateau, got \"%s\"", arg);
		break;
	case OPT_LR_STEP: c->sched.step = (size_t)opt_long(arg, 1, 100000000L, "--lr-step"); break;
	case OPT_LR_GAMMA: c->sched.gamma = opt_double(arg, 0.0, 1e6, "--lr-gamma"); break;
	case OPT_WARMUP: c->sched.warmup = (size_t)opt_long(arg, 0, 100000000L, "--warmup"); break;
	case OPT_L1: c->l1 = (float)opt_double(arg, 0.0, 1e6, "--l1"); break;
	case OPT_L2: c->l2 = (float)opt_double(arg, 0.0, 1e6, "--l2"); break;
	case OPT_CLIP_NORM: c->clip_norm = (float)opt_double(arg, 1e-30, 1e30, "--clip-norm"); break;
	case OPT_CLIP_VALUE: c->clip_value = (float)opt_double(arg, 1e-30, 1e30, "--clip-value"); break;
	case OPT_CLASS_WEIGHT: o->class_w = arg; break;
	case OPT_LOSS:
		if (nn_loss_lookup(arg, &o->loss) < 0)
			errx(2, "--loss: expected bce, cce, mse, mae or huber, got "
			    "\"%s\"", arg);
		break;
	case OPT_RESUME: o->resume = arg; break;
	case OPT_INIT_FROM: o->init_from = arg; break;
	case OPT_CV: o->cv = opt_long(arg, 2, 1000, "--cv"); break;
	case OPT_TRACE: o->trace = 1; break;
	case OPT_GRADCHECK: o->gradcheck = 1; break;
	case OPT_INIT:
		if (strcmp(arg, "zero") == 0)
			errx(2, "--init zero: every unit of a layer would "
			    "compute the same output and receive the same "
			    "gradient, so they could never become different; "
			    "use he, xavier, lecun or uniform");
		if (nn_init_lookup(arg, &o->init) < 0)
			errx(2, "--init: expected auto, he, xavier, lecun or "
			    "uniform, got \"%s\"", arg);
		break;
	case OPT_DROPOUT:
		o->dropout = opt_double(arg, 0.0, 1.0, "--dropout");
		if (o->dropout >= 1.0)
			errx(2, "--dropout: %s would drop every unit; expected "
			    "a probability below 1", arg);
		break;
	case OPT_BATCHNORM: o->batchnorm = 1; break;
	case OPT_RESIDUAL: o->residual = 1; break;
	case OPT_LEAKY_SLOPE:
		o->leaky_slope = opt_double(arg, 0.0, 1.0, "--leaky-slope");
		break;
	case 'd': o->data.delim = opt_delim(arg, "-d"); break;
	case OPT_FEATURES: o->data.features = arg; break;
	case OPT_IGNORE: o->data.ignore = arg; break;
	case OPT_ID: o->data.id = arg; break;
	case OPT_CATEGORICAL: o->data.categorical = arg; break;
	case OPT_NA:
		free_na(o);             /* the last one counts */
		o->na = split_na(arg, &o->data.nna);
		break;
	case OPT_MISSING:
		if (nn_missing_lookup(arg, &o->data.missing) < 0)
			errx(2, "--missing: expected error, mean, median, mode "
			    "or drop, got \"%s\"", arg);
		break;
	case OPT_MAX_CATEGORIES:
		o->data.max_categories = (size_t)opt_long(arg, 0,
		    100000000L, "--max-categories");
		break;
	}
}

void
train_opts_done(train_opts *o)
{
	o->data.header = o->header;
	o->data.target = o->target;
	o->data.na = o->na != NULL ? o->na : nn_na_default;
	if (o->na == NULL)
		o->data.nna = nn_na_default_n;
}

void
train_opts_copy(train_opts *to, const train_opts *from)
{
	*to = *from;
	if (from->na != NULL) {
		/* rebuilt from the tokens, joined back at commas */
		size_t len = 1;
		for (size_t i = 0; i < from->data.nna; i++)
			len += strlen(from->na[i]) + 1;
		char *s = nn_xmalloc(len), *p = s;
		for (size_t i = 0; i < from->data.nna; i++)
			p += sprintf(p, "%s%s", i ? "," : "", from->na[i]);
		to->na = split_na(s, &to->data.nna);
		free(s);
		to->data.na = to->na;
	}
}

void
train_opts_free(train_opts *o)
{
	free_na(o);
}


void
train_opts_check(train_opts *o)
{
	nn_train_cfg *c = &o->cfg;
	const int has_val = o->val_path != NULL || o->val_split > 0;

	if (o->target != NULL && *o->target == '\0')
		errx(2, "--target: expected a column name or number, got \"\"");
	if (o->libsvm && (o->target != NULL || !o->header))
		errx(2, "%s does not apply to --format libsvm: the label is "
		    "the first field of each row, and there is no header",
		    o->target != NULL ? "--target" : "--no-header");
	if (o->val_path && o->val_split > 0)
		errx(2, "--val and --val-split exclude each other");
	if (c->patience && !has_val)
		errx(2, "--patience needs a validation set (--val FILE or --val-split F)");
	if (c->sched.kind == NN_SCHED_PLATEAU && !has_val)
		errx(2, "--schedule plateau needs a validation set (--val or --val-split)");
	if (o->resume && o->init_from)
		errx(2, "--resume and --init-from exclude each other");
	if (GIVEN(o, OPT_CV_FORMAT) && !o->cv)
		errx(2, "--cv-format is the format of --cv's fold table; give "
		    "--cv K");
	/* With --cv, --format also says how the fold table is printed (as the
	 * issue of users asked: `--cv 5 --format json`): json and text can
	 * only mean the table, and csv means both -- the input is CSV, which
	 * it is by default, and so is the table.  --cv-format, when given,
	 * decides.  Without --cv, json and text are no input format. */
	if (o->table_format >= 0 && !o->cv)
		errx(2, "--format is the input's: csv or libsvm; json and text "
		    "are --cv's fold table (--cv K --format %s, or --cv-format)",
		    o->table_format == CV_JSON ? "json" : "text");
	if (o->cv && GIVEN(o, OPT_FORMAT) && !GIVEN(o, OPT_CV_FORMAT)) {
		if (o->table_format >= 0)
			o->cv_format = o->table_format;
		else if (!o->libsvm)
			o->cv_format = CV_CSV;
	}
	if (o->cv && (o->resume || o->init_from || has_val))
		errx(2, "--cv makes its own validation folds: no --val, --val-split, "
		    "--resume or --init-from");
	o->start = o->resume ? o->resume : o->init_from;
	if (!GIVEN(o, OPT_LR_GAMMA))
		c->sched.gamma = nn_sched_gamma_default(c->sched.kind);
	{	/* the layer list is checked now, before any data is read */
		nn_hidden *hid;
		train_layers(o->layers, &hid);
		free(hid);
	}
}

/* The optimizer's settings: base (its defaults, or a checkpoint's) with
 * every option the user gave on top. */
void
train_optim(const train_opts *o, nn_optim_cfg *oc)
{
	if (GIVEN(o, 'r'))
		oc->lr = (float)o->rate;
	if (GIVEN(o, OPT_MOMENTUM))
		oc->momentum = (float)o->momentum;
	if (GIVEN(o, OPT_BETA1))
		oc->beta1 = (float)o->beta1;
	if (GIVEN(o, OPT_BETA2))
		oc->beta2 = (float)o->beta2;
	if (GIVEN(o, OPT_EPS))
		oc->eps = (float)o->eps;
	if (GIVEN(o, OPT_WEIGHT_DECAY))
		oc->weight_decay = (float)o->wd;
}

/* ====================================================================== */
/* Task, class weights, validation rows                                   */
/* ====================================================================== */


/* The task: asked for, or the library's choice, said on stderr with its
 * reason (never silent: a wrong guess would train the wrong network),
 * once every check has passed, so that an error stays one line. */
static char task_note[512];

nn_task
train_task(const nn_data *d, const char *name, const train_opts *o)
{
	nn_task want = o->task;
	char why[256];

	if (!GIVEN(o, OPT_TASK)) {
		int unsure = nn_data_task(d, &want, why, sizeof(why));
		if (!o->quiet || unsure)
			snprintf(task_note, sizeof(task_note), "%s: task %s: "
			    "%s%s\n", PROG, nn_task_name(want), why, unsure ?
			    " (unsure: say --task regression or --task "
			    "multiclass)" : "");
	}
	if (want == NN_TASK_REGRESSION) {
		if (d->t == NULL)
			errx(1, "%s: target column \"%s\" is not numeric; regression "
			    "needs numbers", name, d->target_name);
		return want;
	}
	if (d->nlabels == 0)
		errx(1, "%s: no target column to learn from", name);
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

void
train_report(const nn_data *d, const char *name, const train_opts *o)
{
	static int said;

	if (said++)
		return;
	fputs(task_note, stderr);
	if (o->quiet)
		return;
	if (d->dropped_target)
		fprintf(stderr, "%s: %s: left out %zu row%s with no target "
		    "value\n", PROG, name, d->dropped_target,
		    d->dropped_target == 1 ? "" : "s");
	if (d->dropped_missing)
		fprintf(stderr, "%s: %s: left out %zu row%s with a missing "
		    "value (--missing drop)\n", PROG, name, d->dropped_missing,
		    d->dropped_missing == 1 ? "" : "s");
	for (size_t j = 0; d->enc != NULL && j < d->enc->ncols; j++) {
		const nn_incol *c = &d->enc->cols[j];
		if (d->filled[j] == 0)
			continue;
		if (c->type == NN_CTYPE_NUMERIC)
			fprintf(stderr, "%s: %s: filled %llu missing value%s "
			    "of \"%s\" with %.9g (%s)\n", PROG, name,
			    (unsigned long long)d->filled[j],
			    d->filled[j] == 1 ? "" : "s", c->name, (double)c->fill,
			    nn_missing_name(d->enc->missing == NN_MISSING_DROP ?
			    NN_MISSING_MEAN : d->enc->missing));
		else
			fprintf(stderr, "%s: %s: filled %llu missing value%s "
			    "of \"%s\" with \"%s\" (the most frequent)\n", PROG,
			    name,
			    (unsigned long long)d->filled[j],
			    d->filled[j] == 1 ? "" : "s", c->name,
			    c->cats[c->fill_cat]);
	}
}

nn_loss
train_loss(const train_opts *o, nn_task task)
{
	nn_loss l = task == NN_TASK_MULTICLASS ? NN_LOSS_CCE :
	    task == NN_TASK_BINARY ? NN_LOSS_BCE : NN_LOSS_MSE;

	if (!GIVEN(o, OPT_LOSS))
		return l;
	if ((o->loss == NN_LOSS_BCE) != (task == NN_TASK_BINARY) ||
	    (o->loss == NN_LOSS_CCE) != (task == NN_TASK_MULTICLASS))
		errx(2, "--loss %s does not fit a %s task (binary: bce; multiclass: "
		    "cce; regression: mse, mae or huber)", nn_loss_name(o->loss),
		    nn_task_name(task));
	return o->loss;
}

/* --class-weight, parsed by the library against the data's classes. */
float *
train_class_weights(const char *spec, const nn_data *d)
{
	float *w = nn_xmalloc(d->nlabels * sizeof(*w));
	nn_err e;

	if (nn_class_weights(spec, (const char *const *)d->labels, d->nlabels,
	    d->y, d->n, w, &e) < 0)
		errx(2, "--class-weight: %s", e.msg);
	return w;
}

/* Hold out a stratified fraction f of the training rows for validation
 * (lib/split.c, the split nn-split makes). */
void
train_split_val(const nn_rows *all, size_t nclass, double f, uint64_t seed,
    nn_rows *tr, nn_rows *va)
{
	const size_t n = all->n;
	size_t ntest = nn_split_ntest(f, n), ntr = 0, nva = 0;
	uint8_t *is_test = nn_xmalloc(n ? n : 1);
	uint32_t *itr = nn_xmalloc((n ? n : 1) * sizeof(*itr));
	uint32_t *iva = nn_xmalloc((n ? n : 1) * sizeof(*iva));
	nn_err e;

	if (ntest == 0 || ntest >= n)
		errx(1, "--val-split %g leaves no %s rows (%zu rows in all)", f,
		    ntest == 0 ? "validation" : "training", n);
	if (nn_split_holdout(all->y, n, all->y ? nclass : 0, &ntest, seed, is_test,
	    NULL, &e) < 0)
		die_err(1, &e);
	/* file order in both: training shuffles each epoch anyway */
	for (size_t i = 0; i < n; i++) {
		if (is_test[i])
			iva[nva++] = (uint32_t)i;
		else
			itr[ntr++] = (uint32_t)i;
	}
	nn_rows_take(tr, all, itr, ntr);
	nn_rows_take(va, all, iva, nva);
	free(is_test);
	free(itr);
	free(iva);
}

/* Read a validation file with the training file's columns and encoding
 * (its fills and categories, not its own), labels mapped to the training
 * classes.  A libsvm file is read to the training data's dimension: a
 * feature it never saw is ignored. */
void
train_read_val(const char *path, const nn_data *d, const train_opts *o, int classify,
    nn_rows *va)
{
	nn_libsvm_opts lo = { .dim = d->d };
	size_t beyond = 0;
	const char *name;
	FILE *fp = open_input(path, &name);
	nn_data v = { 0 };
	nn_data_opts vo = o->data;
	reading rd;
	nn_err e;

	vo.target = d->target_name;
	vo.dist = input_parts(fp);      /* each rank its own rows, if it can */
	reading_start(&rd, &vo, name, o->quiet);
	if ((o->libsvm ? nn_libsvm_data_read(fp, name, &lo, &v, &beyond, &e) :
	    d->enc != NULL ? nn_data_read_with(fp, name, &vo, d->enc, &v, &e) :
	    nn_data_read(fp, name, &vo, &v, &e)) < 0) {
		bar_clear(&rd.b);
		die_err(1, &e);
	}
	bar_clear(&rd.b);
	if (beyond > 0)
		warnx("%s: %zu row%s had features beyond the training data's "
		    "%zu (ignored)", name, beyond, beyond == 1 ? "" : "s",
		    d->d);
	if (fp != stdin)
		fclose(fp);
	if (classify) {
		uint32_t *map = nn_xmalloc(v.nlabels * sizeof(*map));
		if (v.y == NULL)
			errx(1, "%s: no target column \"%s\"", name, d->target_name);
		if (nn_bind_labels((const char *const *)v.labels, v.nlabels,
		    (const char *const *)d->labels, d->nlabels, name,
		    "the training data", map, &e) < 0)
			die_err(1, &e);
		for (size_t i = 0; i < v.n; i++)
			v.y[i] = map[v.y[i]];
		free(map);
	} else if (v.t == NULL) {
		errx(1, "%s: target column \"%s\" is not numeric", name,
		    d->target_name);
	}
	va->n = v.n;
	va->d = v.d;
	va->x = v.x;            /* with part: this rank's rows [lo, hi) */
	va->part = v.part;
	va->lo = v.lo;
	va->hi = v.hi;
	va->y = classify ? v.y : NULL;
	va->t = classify ? NULL : v.t;
	v.x = NULL;
	if (classify)
		v.y = NULL;
	else
		v.t = NULL;
	nn_data_free(&v);
}

/* ====================================================================== */
/* The model                                                              */
/* ====================================================================== */

size_t
train_shape(const train_opts *o, const nn_data *d, nn_task task,
    size_t **sizes_out, nn_layer_opts **lo_out)
{
	nn_hidden *hid;
	size_t nhid = train_layers(o->layers, &hid);
	size_t *sizes = nn_xmalloc((nhid + 2) * sizeof(*sizes));
	nn_layer_opts *lo = nn_xcalloc(nhid + 1, sizeof(*lo));
	size_t K = task == NN_TASK_MULTICLASS ? d->nlabels : 1, nres = 0;
	double P = 0;

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
	free(hid);
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
	*sizes_out = sizes;
	*lo_out = lo;
	return nhid;
}

nn_model *
train_model(const train_opts *o, const nn_data *d, nn_task task,
    const nn_rows *r)
{
	size_t *sizes;
	nn_layer_opts *lo;
	size_t nhid = train_shape(o, d, task, &sizes, &lo);
	nn_model *m;
	nn_err e;
	nn_rng init_rng;

	if ((m = nn_model_new(nhid + 1, sizes, lo, &e)) == NULL)
		die_err(1, &e);
	free(sizes);
	free(lo);
	m->task = task;
	m->loss = train_loss(o, task);
	m->scale = o->scale;
	/* over every rank's rows when they are shared out */
	if (nn_scale_fit_rows(m, r, o->cfg.dist, &e) < 0)
		die_err(1, &e);
	nn_rng_seed(&init_rng, o->cfg.seed);
	nn_model_init_with(m, &init_rng, o->init);
	/* names and labels */
	m->feat_names = nn_xmalloc(d->d * sizeof(char *));
	for (size_t j = 0; j < d->d; j++)
		m->feat_names[j] = nn_xstrdup(d->feat_names[j]);
	m->target_name = nn_xstrdup(d->target_name);
	m->enc = nn_enc_copy(d->enc);
	m->target_col = (uint32_t)d->target_col;
	m->ncols = (uint32_t)d->ncols;
	if (task != NN_TASK_REGRESSION) {
		m->nlabels = d->nlabels;
		m->labels = nn_xmalloc(d->nlabels * sizeof(char *));
		for (size_t k = 0; k < d->nlabels; k++)
			m->labels[k] = nn_xstrdup(d->labels[k]);
	}
	return m;
}

void
train_record(nn_model *m, const nn_train_cfg *c, const nn_data *d)
{
	m->seed = c->seed;
	m->data_crc = d->crc;
	m->data_rows = d->n;
	m->batch = (uint32_t)c->batch;
	m->lr = c->opt.lr;
	m->ranks = c->dist != NULL ? (uint32_t)c->dist->size : 1;
}

void
train_record_res(nn_model *m, const nn_train_res *res)
{
	m->epochs = (uint32_t)(res->kept_best ? res->best_epoch : res->epoch);
	m->final_loss = (float)res->loss;
}

/* ---- signals ---------------------------------------------------------- */

volatile int train_stop;

static void
on_signal(int sig)
{
	if (train_stop) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	train_stop = sig;
}

void
train_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
