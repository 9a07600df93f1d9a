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
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "opts/nn-train.h"
#include "util.h"

/* 2^29 floats (2 GiB) is far beyond anything this tool trains on a CPU;
 * the cap turns a typo like -l 1000000,1000000 into a message, not an
 * out-of-memory abort. */
#define MAX_PARAMS ((size_t)1 << 29)
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

/* --cv-format: how the fold table is printed (words: cv_formats in
 * opts/nn-train.h, in this order). */
enum { CV_TEXT, CV_CSV, CV_JSON };

/* -l, parsed by the library; a bad list is a usage error. */
static size_t
parse_layers(const char *s, nn_hidden **out)
{
	nn_err e;
	long n = nn_hidden_parse(s, out, &e);

	if (n < 0)
		errx(2, "-l: %s", e.msg);
	return (size_t)n;
}


/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

/* What the user asked for.  Training settings go straight into cfg, their
 * one home; given[] records which options were on the command line, so a
 * continued model can honour or refuse each one. */
typedef struct opts {
	nn_train_cfg cfg;
	const char *layers, *out, *target, *val_path, *log_path, *class_w;
	const char *resume, *init_from, *start;  /* start: either of the two */
	const char *input;
	nn_act act;
	nn_task task;
	nn_scale scale;
	nn_loss loss;
	nn_init init;
	nn_optim_kind opt;
	int header, quiet, verbose, trace, gradcheck, batchnorm, residual;
	long cv;
	int cv_format;                  /* --cv-format: CV_TEXT, CV_CSV, CV_JSON */
	double rate, momentum, beta1, beta2, eps, wd, val_split, dropout,
	    leaky_slope;
	nn_data_opts data;              /* how the data file is read */
	const char **na;                /* --na, split at commas */
	int libsvm;                     /* --format libsvm */
	unsigned char given[OPT_LAST];
} opts;

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
free_na(opts *o)
{
	if (o->na != NULL)
		free((void *)o->na[0]);
	free(o->na);
	o->na = NULL;
}


#define GIVEN(o, c) ((o)->given[(c)])

static void
parse_opts(int argc, char **argv, opts *o)
{
	nn_train_cfg *c = &o->cfg;
	int ch;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		if (ch > 0 && ch < OPT_LAST)
			o->given[ch] = 1;
		switch (ch) {
		case 'a':
			if (nn_act_lookup(optarg, &o->act) < 0 ||
			    o->act == NN_ACT_SOFTMAX)
				errx(2, "-a: unknown hidden activation \"%s\" (sigmoid, "
				    "tanh, relu, leaky-relu, elu, swish, gelu, linear)",
				    optarg);
			break;
		case 'b': c->batch = (size_t)opt_long(optarg, 1, 1L << 24, "-b"); break;
		case 'e': c->epochs = (size_t)opt_long(optarg, 1, 100000000L, "-e"); break;
		case 'l': o->layers = optarg; break;
		case 'o': o->out = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'r': o->rate = opt_double(optarg, 0x1p-126, 1e30, "-r"); break;
		case 's': c->seed = opt_seed(optarg, "-s"); break;
		case OPT_TARGET: o->target = optarg; break;
		case OPT_TASK:
			if (strcmp(optarg, "auto") == 0)
				o->given[OPT_TASK] = 0;
			else if (nn_task_lookup(optarg, &o->task) < 0)
				errx(2, "--task: expected auto, binary, multiclass or "
				    "regression, got \"%s\"", optarg);
			break;
		case OPT_SCALE:
			if (nn_scale_lookup(optarg, &o->scale) < 0)
				errx(2, "--scale: expected standard, minmax or none, got "
				    "\"%s\"", optarg);
			break;
		case OPT_NO_HEADER: o->header = 0; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "libsvm") == 0)
				o->libsvm = 1;
			else if (strcmp(optarg, "csv") == 0)
				o->libsvm = 0;
			else if (strcmp(optarg, "json") == 0 ||
			    strcmp(optarg, "text") == 0)
				errx(2, "--format is the input's: csv or libsvm; "
				    "--cv-format %s is the fold table's", optarg);
			else
				errx(2, "--format: expected csv or libsvm, got "
				    "\"%s\"", optarg);
			break;
		case OPT_CV_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o->cv_format = CV_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				o->cv_format = CV_CSV;
			else if (strcmp(optarg, "json") == 0)
				o->cv_format = CV_JSON;
			else
				errx(2, "--cv-format: expected text, csv or json, got "
				    "\"%s\"", optarg);
			break;
		case OPT_OPTIMIZER:
			if (nn_optim_lookup(optarg, &o->opt) < 0)
				errx(2, "--optimizer: expected sgd, momentum, nesterov, adam, "
				    "adamw, rmsprop or adagrad, got \"%s\"", optarg);
			break;
		case OPT_MOMENTUM: o->momentum = opt_double(optarg, 0.0, 0.999999, "--momentum"); break;
		case OPT_BETA1: o->beta1 = opt_double(optarg, 0.0, 0.999999, "--beta1"); break;
		case OPT_BETA2: o->beta2 = opt_double(optarg, 0.0, 0.999999999, "--beta2"); break;
		case OPT_EPS: o->eps = opt_double(optarg, 1e-30, 1.0, "--eps"); break;
		case OPT_WEIGHT_DECAY: o->wd = opt_double(optarg, 0.0, 1e6, "--weight-decay"); break;
		case OPT_THREADS: c->threads = (int)opt_long(optarg, 1, 256, "--threads"); break;
		case OPT_VAL: o->val_path = optarg; break;
		case OPT_VAL_SPLIT: o->val_split = opt_double(optarg, 1e-9, 0.999999, "--val-split"); break;
		case OPT_PATIENCE: c->patience = (size_t)opt_long(optarg, 1, 100000000L, "--patience"); break;
		case OPT_MIN_DELTA: c->min_delta = opt_double(optarg, 0.0, 1e30, "--min-delta"); break;
		case OPT_LOG: o->log_path = optarg; break;
		case OPT_SCHEDULE:
			if (nn_sched_lookup(optarg, &c->sched.kind) < 0)
				errx(2, "--schedule: expected constant, step, exponential, "
				    "inverse, cosine or plateau, got \"%s\"", optarg);
			break;
		case OPT_LR_STEP: c->sched.step = (size_t)opt_long(optarg, 1, 100000000L, "--lr-step"); break;
		case OPT_LR_GAMMA: c->sched.gamma = opt_double(optarg, 0.0, 1e6, "--lr-gamma"); break;
		case OPT_WARMUP: c->sched.warmup = (size_t)opt_long(optarg, 0, 100000000L, "--warmup"); break;
		case OPT_L1: c->l1 = (float)opt_double(optarg, 0.0, 1e6, "--l1"); break;
		case OPT_L2: c->l2 = (float)opt_double(optarg, 0.0, 1e6, "--l2"); break;
		case OPT_CLIP_NORM: c->clip_norm = (float)opt_double(optarg, 1e-30, 1e30, "--clip-norm"); break;
		case OPT_CLIP_VALUE: c->clip_value = (float)opt_double(optarg, 1e-30, 1e30, "--clip-value"); break;
		case OPT_CLASS_WEIGHT: o->class_w = optarg; break;
		case OPT_LOSS:
			if (nn_loss_lookup(optarg, &o->loss) < 0)
				errx(2, "--loss: expected bce, cce, mse, mae or huber, got "
				    "\"%s\"", optarg);
			break;
		case OPT_RESUME: o->resume = optarg; break;
		case OPT_INIT_FROM: o->init_from = optarg; break;
		case OPT_CV: o->cv = opt_long(optarg, 2, 1000, "--cv"); break;
		case OPT_TRACE: o->trace = 1; break;
		case OPT_GRADCHECK: o->gradcheck = 1; break;
		case OPT_INIT:
			if (strcmp(optarg, "zero") == 0)
				errx(2, "--init zero: every unit of a layer would "
				    "compute the same output and receive the same "
				    "gradient, so they could never become different; "
				    "use he, xavier, lecun or uniform");
			if (nn_init_lookup(optarg, &o->init) < 0)
				errx(2, "--init: expected auto, he, xavier, lecun or "
				    "uniform, got \"%s\"", optarg);
			break;
		case OPT_DROPOUT:
			o->dropout = opt_double(optarg, 0.0, 1.0, "--dropout");
			if (o->dropout >= 1.0)
				errx(2, "--dropout: %s would drop every unit; expected "
				    "a probability below 1", optarg);
			break;
		case OPT_BATCHNORM: o->batchnorm = 1; break;
		case OPT_RESIDUAL: o->residual = 1; break;
		case OPT_LEAKY_SLOPE:
			o->leaky_slope = opt_double(optarg, 0.0, 1.0, "--leaky-slope");
			break;
		case 'd': o->data.delim = opt_delim(optarg, "-d"); break;
		case OPT_FEATURES: o->data.features = optarg; break;
		case OPT_IGNORE: o->data.ignore = optarg; break;
		case OPT_ID: o->data.id = optarg; break;
		case OPT_CATEGORICAL: o->data.categorical = optarg; break;
		case OPT_NA:
			free_na(o);             /* the last one counts */
			o->na = split_na(optarg, &o->data.nna);
			break;
		case OPT_MISSING:
			if (nn_missing_lookup(optarg, &o->data.missing) < 0)
				errx(2, "--missing: expected error, mean, median, mode "
				    "or drop, got \"%s\"", optarg);
			break;
		case OPT_MAX_CATEGORIES:
			o->data.max_categories = (size_t)opt_long(optarg, 0,
			    100000000L, "--max-categories");
			break;
		}
	}
	if (argc - optind > 1)
		opt_extra(argv[optind + 1]);
	o->input = optind < argc ? argv[optind] : NULL;
	o->data.header = o->header;
	o->data.target = o->target;
	o->data.na = o->na != NULL ? o->na : nn_na_default;
	if (o->na == NULL)
		o->data.nna = nn_na_default_n;
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
	const int has_val = o->val_path != NULL || o->val_split > 0;

	if (o->out == NULL && o->cv == 0 && !o->trace && !o->gradcheck)
		errx(2, "-o MODEL is required");
	if (o->trace && o->gradcheck)
		errx(2, "--trace and --gradcheck exclude each other");
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
	if (o->cv && (o->resume || o->init_from || has_val))
		errx(2, "--cv makes its own validation folds: no --val, --val-split, "
		    "--resume or --init-from");
	o->start = o->resume ? o->resume : o->init_from;
	if (!GIVEN(o, OPT_LR_GAMMA))
		c->sched.gamma = nn_sched_gamma_default(c->sched.kind);
	if (!GIVEN(o, OPT_THREADS)) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);
		c->threads = nc < 1 ? 1 : nc > 256 ? 256 : (int)nc;
	}
	{	/* the layer list is checked now, before any data is read */
		nn_hidden *hid;
		parse_layers(o->layers, &hid);
		free(hid);
	}
	if (o->out != NULL && !o->trace && !o->gradcheck)
		check_output_dir(o->out);
	/* No output over an input, before any is read.  -o may name the
	 * model it continues: that is read whole, then replaced atomically. */
	note_input(o->input ? o->input : "-");
	note_input(o->val_path);
	guard_output(o->out, "-o");
	note_input(o->start);
	guard_output(o->log_path, "--log");
}

/* The optimizer's settings: base (its defaults, or a checkpoint's) with
 * every option the user gave on top. */
static void
optim_opts(const opts *o, nn_optim_cfg *oc)
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
/* Progress bars                                                          */
/* ====================================================================== */

/*
 * Two bars on a terminal's stderr: one while the data is read, one while
 * the network trains.  Each is one line, redrawn in place ("\r", the text,
 * clear to the end of the line) at most BAR_HZ times a second, so that it
 * costs nothing next to the work it shows; and it is never wider than the
 * terminal, because a line that wraps cannot be taken back by "\r": every
 * redraw would add a line.  The width is read with TIOCGWINSZ when a bar
 * starts and again after a SIGWINCH (whose handler only sets a flag);
 * without a window size, $COLUMNS, else 80.  One column stays free: a
 * character in the last one makes some terminals wrap at once.
 *
 * A bar's fields are ranked; when they do not all fit, the lowest-ranked
 * go first, so the line keeps what matters most at any width, and below
 * the width of the first field even that is cut rather than wrapped.
 * The drawing ends with the line cleared, so what is printed next starts
 * on a clean line.
 */
#define BAR_HZ 10
/* The reading bar stays silent this long: small inputs say nothing. */
#define READ_DELAY 0.5
/* The meter ("[####......]"): at least this wide with its brackets, or
 * left out; at most BAR_METER_MAX. */
#define BAR_METER_MIN 12
#define BAR_METER_MAX 32
#define BAR_FIELDS 8

static volatile sig_atomic_t winch;

static void
on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

typedef struct bar {
	int on;                  /* a terminal, not -q */
	int width;               /* of the terminal */
	int drawn;               /* the line holds the bar */
	double last_draw;
} bar;

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void
bar_read_width(bar *b)
{
	struct winsize ws;
	const char *s = getenv("COLUMNS");
	long v;

	winch = 0;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		b->width = ws.ws_col;
	else if (s != NULL && nn_parse_long(s, 1, 100000, &v, "", NULL) == 0)
		b->width = (int)v;
	else
		b->width = 80;
}

/* A bar on stderr when it is a terminal and quiet is not set. */
static void
bar_start(bar *b, int quiet)
{
	struct sigaction sa;

	memset(b, 0, sizeof(*b));
	b->on = !quiet && isatty(STDERR_FILENO);
	if (!b->on)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	bar_read_width(b);
	b->last_draw = seconds();
}

/* Whether to draw now: at most BAR_HZ times a second, the first time
 * 1 / BAR_HZ after the start (the first batches' speed says little of the
 * rest); force: the last state, drawn whatever the time. */
static int
bar_due(bar *b, double t, int force)
{
	if (!b->on || (!force && t - b->last_draw < 1.0 / BAR_HZ))
		return 0;
	b->last_draw = t;
	return 1;
}

static void
bar_clear(bar *b)
{
	if (b->on && b->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	b->drawn = 0;
}

typedef struct field {
	char s[64];
	int rank;                /* 0: kept longest */
} field;

/*
 * Draw f[0 .. n) in order, those of the best ranks that fit in the width
 * less one column.  A field whose text is "[" is the meter: it is filled
 * to frac and takes what room is left, up to BAR_METER_MAX.
 */
static void
bar_draw(bar *b, const field *f, size_t n, double frac)
{
	char line[1024];
	int avail, used = 0, keep = -1, meter = BAR_METER_MIN;
	size_t len = 0;

	if (winch)
		bar_read_width(b);
	avail = b->width - 1 < (int)sizeof(line) - 1 ? b->width - 1 :
	    (int)sizeof(line) - 1;
	/* the ranks 0 .. keep all fit */
	for (int r = 0; r < BAR_FIELDS; r++) {
		int w = used;
		for (size_t k = 0; k < n; k++)
			if (f[k].rank == r)
				w += (w > 0) + (f[k].s[0] == '[' && f[k].s[1] == '\0' ?
				    BAR_METER_MIN : (int)strlen(f[k].s));
		if (w > avail && r > 0)
			break;
		used = w;
		keep = r;
	}
	for (size_t k = 0; k < n; k++)
		if (f[k].rank <= keep && f[k].s[0] == '[' && f[k].s[1] == '\0') {
			meter += avail - used;
			if (meter > BAR_METER_MAX)
				meter = BAR_METER_MAX;
		}
	for (size_t k = 0; k < n; k++) {
		if (f[k].rank > keep)
			continue;
		if (len > 0)
			line[len++] = ' ';
		if (f[k].s[0] == '[' && f[k].s[1] == '\0') {
			int cells = meter - 2, fill = (int)(frac * cells);
			fill = fill < 0 ? 0 : fill > cells ? cells : fill;
			line[len++] = '[';
			for (int i = 0; i < cells; i++)
				line[len++] = i < fill ? '#' : '.';
			line[len++] = ']';
		} else {
			size_t m = strlen(f[k].s);
			memcpy(line + len, f[k].s, m);
			len += m;
		}
	}
	if (len > (size_t)(avail > 0 ? avail : 0))
		len = (size_t)(avail > 0 ? avail : 0);   /* narrower than a field */
	fprintf(stderr, "\r%.*s\033[K", (int)len, line);
	fflush(stderr);
	b->drawn = 1;
}

/* A duration as people read it: 45s, 1m12s, 2h03m. */
static void
human_time(char *out, size_t size, double s)
{
	unsigned long t;

	if (!(s >= 0))
		s = 0;
	if (s > 3600.0 * 9999)
		s = 3600.0 * 9999;
	t = (unsigned long)(s + 0.5);
	if (t < 60)
		snprintf(out, size, "%lus", t);
	else if (t < 3600)
		snprintf(out, size, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(out, size, "%luh%02lum", t / 3600, t / 60 % 60);
}

/* 850, 12.3k, 1.2M */
static void
human_count(char *out, size_t size, double v)
{
	if (v < 1e4)
		snprintf(out, size, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, size, "%.1fk", v / 1e3);
	else
		snprintf(out, size, "%.1fM", v / 1e6);
}

/* ---- the reading bar --------------------------------------------------- */

typedef struct reading {
	bar b;
	const char *name;
	double t0;
} reading;

/* nn_progress_fn: "reading train.csv 45.2 MB of 133.0 MB 34% 98 MB/s".
 * Called by the reader's threads one at a time. */
static void
on_read(void *arg, uint64_t done, uint64_t total)
{
	reading *r = arg;
	double t = seconds(), mb = (double)done / 1e6, el = t - r->t0;
	field f[BAR_FIELDS];
	size_t n = 0;
	int plain = 1;

	if (el < READ_DELAY || !bar_due(&r->b, t, total > 0 && done >= total))
		return;
	for (const char *p = r->name; *p; p++)
		plain &= *p > ' ' && *p < 0x7f;
	snprintf(f[n].s, sizeof(f[n].s), "reading");
	f[n++].rank = 0;
	if (plain && strlen(r->name) < sizeof(f[n].s)) {
		snprintf(f[n].s, sizeof(f[n].s), "%s", r->name);
		f[n++].rank = 4;
	}
	if (total > 0 && done > total)
		done = total;
	snprintf(f[n].s, sizeof(f[n].s), total > 0 ? "%.1f of %.1f MB" :
	    "%.1f MB", mb, (double)total / 1e6);
	f[n++].rank = 1;
	if (total > 0) {
		snprintf(f[n].s, sizeof(f[n].s), "%.0f%%", 100.0 * (double)done /
		    (double)total);
		f[n++].rank = 2;
	}
	snprintf(f[n].s, sizeof(f[n].s), "%.0f MB/s", mb / el);
	f[n++].rank = 3;
	bar_draw(&r->b, f, n, 0);
}

/* Read opts' progress into r for the input name (see on_read). */
static void
reading_start(reading *r, nn_data_opts *dopts, const char *name, int quiet)
{
	bar_start(&r->b, quiet);
	r->name = name;
	r->t0 = seconds();
	dopts->progress = r->b.on ? on_read : NULL;
	dopts->progress_arg = r;
}

/* ====================================================================== */
/* Task, class weights, validation rows                                   */
/* ====================================================================== */

/* The task: asked for, or the library's choice, said on stderr with its
 * reason (never silent: a wrong guess would train the wrong network). */
/* Said once every check has passed, so that an error stays one line. */
static char task_note[512];

static nn_task
infer_task(const nn_data *d, const char *name, const opts *o)
{
	nn_task want = o->task;
	char why[256];

	if (!GIVEN(o, OPT_TASK)) {
		int unsure = nn_data_task(d, &want, why, sizeof(why));
		if (!o->quiet || unsure)
			snprintf(task_note, sizeof(task_note), "nn-train: task %s: "
			    "%s%s\n", nn_task_name(want), why, unsure ? " (unsure: "
			    "say --task regression or --task multiclass)" : "");
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

/* What reading the data took, on stderr, once every check has passed: the
 * task chosen, fills and rows left out. */
static void
report_data(const nn_data *d, const char *name, const opts *o)
{
	static int said;

	if (said++)
		return;
	fputs(task_note, stderr);
	if (o->quiet)
		return;
	if (d->dropped_target)
		fprintf(stderr, "nn-train: %s: left out %zu row%s with no target "
		    "value\n", name, d->dropped_target,
		    d->dropped_target == 1 ? "" : "s");
	if (d->dropped_missing)
		fprintf(stderr, "nn-train: %s: left out %zu row%s with a missing "
		    "value (--missing drop)\n", name, d->dropped_missing,
		    d->dropped_missing == 1 ? "" : "s");
	for (size_t j = 0; d->enc != NULL && j < d->enc->ncols; j++) {
		const nn_incol *c = &d->enc->cols[j];
		if (d->filled[j] == 0)
			continue;
		if (c->type == NN_CTYPE_NUMERIC)
			fprintf(stderr, "nn-train: %s: filled %llu missing value%s "
			    "of \"%s\" with %.9g (%s)\n", name,
			    (unsigned long long)d->filled[j],
			    d->filled[j] == 1 ? "" : "s", c->name, (double)c->fill,
			    nn_missing_name(d->enc->missing == NN_MISSING_DROP ?
			    NN_MISSING_MEAN : d->enc->missing));
		else
			fprintf(stderr, "nn-train: %s: filled %llu missing value%s "
			    "of \"%s\" with \"%s\" (the most frequent)\n", name,
			    (unsigned long long)d->filled[j],
			    d->filled[j] == 1 ? "" : "s", c->name,
			    c->cats[c->fill_cat]);
	}
}

static nn_loss
pick_loss(const opts *o, nn_task task)
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
static float *
class_weights(const char *spec, const nn_data *d)
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
static void
split_val(nn_rows *all, size_t nclass, double f, uint64_t seed, nn_rows *tr,
    nn_rows *va)
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
static void
read_val(const char *path, const nn_data *d, const opts *o, int classify,
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
	va->x = v.x;
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
/* The model: a new one, or one to continue                               */
/* ====================================================================== */

/* A fresh model for the data: architecture from the options, the input
 * scaling fitted on the training rows r, weights drawn from the seed. */
static nn_model *
build_model(const opts *o, const nn_data *d, nn_task task, const nn_rows *r)
{
	nn_hidden *hid;
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
	nn_scale_fit(m, r->x, r->n);
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
		size_t n = parse_layers(o->layers, &hid);
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
		optim_opts(o, &o->cfg.opt);
		o->cfg.seed = m->seed;
		o->cfg.resume = 1;
	} else {
		nn_ckpt_free(m->ckpt);
		m->ckpt = NULL;
	}
	if (GIVEN(o, OPT_LOSS))
		m->loss = pick_loss(o, task);
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

	return build_model(c->o, c->d, c->task, train);
}

/* A fold table's number: the fewest digits (15 to 17) that read back as
 * exactly v; a value that is not finite as `none` ("" in CSV, null in
 * JSON). */
static void
cv_num(double v, const char *none)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs(none, stdout);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, stdout);
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
		cv_num(f[k].val_loss, "");
		putchar(',');
		cv_num(classify ? f[k].val_acc : f[k].val_rmse, "");
		putchar('\n');
	}
	for (int s = 0; s < 2; s++) {
		const double *v = s ? sd : mean;
		printf("%s,,,", s ? "sd" : "mean");
		cv_num(v[0], "");
		putchar(',');
		cv_num(v[1], "");
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
		cv_num(f[k].val_loss, "null");
		printf(", \"%s\": ", metric);
		cv_num(classify ? f[k].val_acc : f[k].val_rmse, "null");
		putchar('}');
	}
	fputs("\n  ]", stdout);
	for (int s = 0; s < 2; s++) {
		const double *v = s ? sd : mean;
		printf(",\n  \"%s\": {\"val_loss\": ", s ? "sd" : "mean");
		cv_num(v[0], "null");
		printf(", \"%s\": ", metric);
		cv_num(v[1], "null");
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
		return 128 + stop_signal;
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

	split_val(all, d->nlabels, AUTO_VAL, o->cfg.seed, &tr, &va);
	m = build_model(o, d, task, &tr);
	if (!o->quiet && isatty(STDERR_FILENO))
		fprintf(stderr, "nn-train: choosing the epochs on a %.0f%% "
		    "validation split (-e sets them)...\n", 100.0 * AUTO_VAL);
	c.val = &va;
	c.patience = AUTO_PATIENCE;
	c.stop = &stop_signal;
	if (nn_fit(m, &tr, &c, &res, &e) == 0 && !res.stopped &&
	    res.best_epoch > 0) {
		o->cfg.epochs = res.best_epoch;
		report_data(d, name, o);
		if (!o->quiet)
			fprintf(stderr, "nn-train: %zu epochs, chosen on a %.0f%% "
			    "validation split (best of %zu; -e sets them)\n",
			    res.best_epoch, 100.0 * AUTO_VAL, res.epoch);
	}
	nn_model_free(m);
	nn_rows_free(&tr);
	nn_rows_free(&va);
	if (stop_signal) {
		warnx("%s while choosing the epochs; %s not written",
		    stop_signal == SIGINT ? "interrupted" : "terminated", o->out);
		exit(128 + stop_signal);
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
	if (o->log_path != NULL) {
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
	c->stop = &stop_signal;
	/* what the model records of its training */
	m->seed = c->seed;
	m->data_crc = d->crc;
	m->data_rows = d->n;
	m->batch = (uint32_t)c->batch;
	m->lr = c->opt.lr;

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
	m->epochs = (uint32_t)(res.kept_best ? res.best_epoch : res.epoch);
	m->final_loss = (float)res.loss;

	hold_signals(1, &old);
	if (nn_model_save(m, o->out, &e) < 0)
		die_err(1, &e);
	if (stop_signal) {
		warnx("%s: stopped at epoch %zu, row %zu of %zu; saved a checkpoint "
		    "to %s (continue with --resume %s)", stop_signal == SIGINT ?
		    "interrupted" : "terminated", res.epoch + (res.row ? 1 : 0),
		    res.row, tr->n, o->out, o->out);
		return 128 + stop_signal;
	}
	hold_signals(0, &old);
	if (!o->quiet) {
		fprintf(stderr, "nn-train: %zu rows, %zu features, %s, %zu parameters; "
		    "final loss %.6f after %zu epochs\n", tr->n, d->d,
		    nn_task_name(m->task), m->nparams, res.loss, res.epoch);
		if (c->patience > 0 && res.best_epoch > 0)
			fprintf(stderr, "nn-train: saved the best epoch, %zu of %zu "
			    "(val_loss %.6f)\n", res.best_epoch, res.epoch,
			    res.best_val);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	opts o = {
		.layers = TRAIN_LAYERS, .act = TRAIN_ACT, .header = 1,
		.scale = TRAIN_SCALE,
		.leaky_slope = nn_act_param_default(NN_ACT_LEAKY_RELU),
		.data = { .missing = TRAIN_MISSING,
		    .max_categories = NN_MAX_CATEGORIES },
	};
	char *cmdline = join_argv(argc, argv);
	const char *name;
	nn_data data = { 0 };
	nn_data_opts dopts;
	reading rd;
	nn_err e;
	FILE *fp;

	nn_train_defaults(&o.cfg);
	o.opt = o.cfg.opt.kind;
	parse_opts(argc, argv, &o);
	check_opts(&o);

	/* ---- data: a continued model reads it with its own encoding ---- */
	nn_model *start = NULL;
	if (o.start != NULL && (start = nn_model_load(o.start, &e)) == NULL)
		die_err(1, &e);
	fp = open_input(o.input, &name);
	dopts = o.data;
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
	const nn_task task = infer_task(&data, name, &o);
	const int classify = task != NN_TASK_REGRESSION;
	(void)pick_loss(&o, task);
	nn_optim_defaults(&o.cfg.opt, o.opt);
	optim_opts(&o, &o.cfg.opt);
	float *cw = NULL;
	if (o.class_w != NULL) {
		if (!classify)
			errx(2, "--class-weight is for classification");
		cw = class_weights(o.class_w, &data);
	}
	o.cfg.class_w = cw;
	nn_rows all = { .n = data.n, .d = data.d, .x = data.x,
	    .y = classify ? data.y : NULL, .t = classify ? NULL : data.t };
	catch_signals();
	if (o.cv) {
		report_data(&data, name, &o);
		int status = cross_validate(&o, &data, task, &all);
		free(cw);
		nn_data_free(&data);
		nn_model_free(start);
		free(cmdline);
		free_na(&o);
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
		split_val(&all, data.nlabels, o.val_split, o.cfg.seed, &tr, &va);
	} else {
		/* tr takes x and the target it trains on; the other goes */
		tr = all;
		free(classify ? data.t : (float *)data.y);
		data.x = NULL;
		data.y = NULL;
		data.t = NULL;
		if (o.val_path)
			read_val(o.val_path, &data, &o, classify, &va);
	}

	/* ---- the model ---- */
	nn_model *m = start ? load_start(&o, start, &data, task) :
	    build_model(&o, &data, task, &tr);
	m->cmdline = cmdline;
	report_data(&data, name, &o);
	int status = o.trace || o.gradcheck ? look_inside(&o, m, &tr) :
	    train_and_save(&o, m, &tr, &va, &data);
	nn_rows_free(&tr);
	nn_rows_free(&va);
	free(cw);
	nn_data_free(&data);
	nn_model_free(m);
	free_na(&o);
	return status;
}
