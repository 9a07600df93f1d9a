/*
 * nn-tune - search nn-train's hyperparameters on one data set, in one
 * process.
 *
 * The data is read and encoded once and shared, read-only, by every
 * training; -j N trainings run at once, each on one thread.  A trial is
 * one configuration, trained with --seeds N seeds on each of the --cv K
 * folds (or once on the --val/--val-split rows): its trainings are the
 * units of work the threads take, in a fixed order, and each one's result
 * lands in its own slot, so the table does not depend on -j.  Each
 * training is nn-train's own -- the options go through train_opts.c,
 * which nn-train uses -- so the command line printed for the best is the
 * one that trains the model -o saves, byte for byte.
 *
 * A value of a searched option is a string from first to last: a list's
 * element as given, a range's point written with %.6g; the trial parses it
 * as nn-train would, the table prints it, the command line repeats it.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bar.h"
#include "opts/nn-tune.h"
#include "train_opts.h"
#include "util.h"

/* Upper limits on the options' numbers: far beyond a useful search, low
 * enough that the counts multiply without overflow. */
#define MAX_TRIALS 1000000L
#define MAX_SEEDS 1000L
#define MAX_JOBS 256L
/* The output's width of a random draw: short enough to read, and what is
 * printed is what is trained. */
#define DRAW_DIGITS 6

/* ====================================================================== */
/* The space                                                              */
/* ====================================================================== */

/* What a searched option's values are. */
typedef enum { V_WORD, V_INT, V_REAL } vkind;
/* A range's scale. */
typedef enum { S_LIN, S_LOG, S_INT } vscale;

/* The options whose value can be searched; the others pass on as given. */
static const struct { int key; vkind kind; } searchable[] = {
	{ 'l', V_WORD }, { 'a', V_WORD }, { OPT_LEAKY_SLOPE, V_REAL },
	{ OPT_INIT, V_WORD }, { OPT_DROPOUT, V_REAL }, { 'e', V_INT },
	{ 'b', V_INT }, { 'r', V_REAL }, { OPT_OPTIMIZER, V_WORD },
	{ OPT_MOMENTUM, V_REAL }, { OPT_BETA1, V_REAL }, { OPT_BETA2, V_REAL },
	{ OPT_EPS, V_REAL }, { OPT_WEIGHT_DECAY, V_REAL },
	{ OPT_SCHEDULE, V_WORD }, { OPT_LR_STEP, V_INT },
	{ OPT_LR_GAMMA, V_REAL }, { OPT_WARMUP, V_INT }, { OPT_L1, V_REAL },
	{ OPT_L2, V_REAL }, { OPT_CLIP_NORM, V_REAL }, { OPT_CLIP_VALUE, V_REAL },
	{ OPT_LOSS, V_WORD }, { OPT_CLASS_WEIGHT, V_WORD },
	{ OPT_PATIENCE, V_INT }, { OPT_MIN_DELTA, V_REAL },
	{ OPT_SCALE, V_WORD },
};

/* One searched option: a list of values, or a range. */
typedef struct space {
	int key;
	const char *name;       /* its long name: the column's */
	vkind kind;
	int range;
	vscale scale;           /* a range's */
	double lo, hi;
	char **vals;            /* (nvals) a list's values, or a range's grid */
	size_t nvals;
} space;

/* An option passed on to every trial as it was given. */
typedef struct pass {
	int key;
	const char *arg;        /* NULL for a flag */
} pass;

/* ====================================================================== */
/* Trials                                                                 */
/* ====================================================================== */

typedef struct trial {
	size_t id;              /* 1-based, in the order of generation */
	size_t rung, epochs;
	char **val;             /* (nsp) each searched option's value, owned */
	double *score;          /* (units) one per seed and fold */
	size_t started, left;   /* units started, units not finished */
	int done;               /* every unit finished: in the table */
	int resumed;            /* copied from --resume-log */
	double mean, sd, secs;
	double cost;            /* estimated work of a unit (trial_cost) */
} trial;

/* The metrics, in the order of the word list `metrics`. */
enum { M_ACCURACY, M_LOG_LOSS, M_F1, M_AUC, M_MSE, M_RMSE, M_MAE, M_R2 };
enum { SEARCH_GRID, SEARCH_RANDOM, SEARCH_HALVING };
enum { FMT_CSV, FMT_JSONL };

typedef struct tune {
	/* ---- options ---- */
	train_opts base;        /* nn-train's options, with one value each */
	space *sp;
	size_t nsp;
	pass *pass;
	size_t npass;
	int search, metric, format, quiet;
	long trials, grid_points, eta, seeds, cv, jobs;
	double time_limit;      /* seconds; 0: none */
	double val_split;
	const char *val_split_arg;      /* as given, for the command line */
	const char *val_path, *out, *resume_log, *input;
	uint64_t seed, train_seed;
	int search_given, metric_given;
	/* ---- data, read once and shared read-only ---- */
	nn_data data;
	nn_rows all, val;
	nn_task task;
	const char *name;
	size_t folds;           /* K, or 1 */
	size_t units;           /* seeds x folds per trial */
	/* ---- the search ---- */
	trial *tr;
	size_t ntr, cap;
	size_t total;           /* trials the search will have in all */
	size_t rungs, n0;       /* halving: its rungs, the first's trials */
	size_t rung_lo, rung_hi;    /* the rung running: trials [lo, hi) */
	size_t next;            /* its next unit, lo-relative: trial x unit,
	                           the trials taken in order[] */
	size_t *order;          /* (rung_hi - rung_lo) the rung's trials,
	                           costliest first */
	size_t running, finished;
	size_t jobs_alive;      /* workers not yet out of their loop */
	double t0;
	int time_up;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bar b;
	/* ---- --resume-log: its trials by number ---- */
	struct rec **rec;
	size_t nrec;
	const char *rec_name;
} tune;

/* ====================================================================== */
/* Options                                                                */
/* ====================================================================== */

static const opt_spec *
row_of(int key)
{
	return opt_find(&options, key);
}

/* "--rate" or "-r": how messages and the command line name an option. */
static const char *
opt_name(int key, char *buf, size_t size)
{
	const opt_spec *s = row_of(key);

	if (key == OPT_INPUT_FORMAT)
		return "--format";      /* nn-train's name for it */
	if (key > 0 && key < 128)
		snprintf(buf, size, "-%c", key);
	else
		snprintf(buf, size, "--%s", s != NULL ? s->name : "?");
	return buf;
}

static int
searchable_kind(int key, vkind *kind)
{
	for (size_t i = 0; i < sizeof(searchable) / sizeof(searchable[0]); i++)
		if (searchable[i].key == key) {
			*kind = searchable[i].kind;
			return 1;
		}
	return 0;
}

/* A value into a scratch copy of the options: nn-train's own check of
 * it, exiting 2 with nn-train's message when it is bad. */
static void
check_value(const tune *t, int key, const char *v)
{
	train_opts o = t->base;

	o.na = NULL;            /* not the base's to free */
	train_opt_set(&o, key, v);
	if (key == 'l') {
		nn_hidden *hid;
		train_layers(v, &hid);
		free(hid);
	}
}

/* Split "a|b|c" into its elements (owned: free each, then the array). */
static char **
split_list(const char *s, size_t *n)
{
	char **v = nn_xmalloc((strlen(s) + 2) * sizeof(*v));
	const char *p = s;

	*n = 0;
	for (;;) {
		const char *q = strchr(p, '|');
		size_t len = q != NULL ? (size_t)(q - p) : strlen(p);
		v[*n] = nn_xmalloc(len + 1);
		memcpy(v[*n], p, len);
		v[*n][len] = '\0';
		(*n)++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	return v;
}

static void
free_space(space *s)
{
	for (size_t i = 0; i < s->nvals; i++)
		free(s->vals[i]);
	free(s->vals);
	s->vals = NULL;
	s->nvals = 0;
}

/* A number of a range, for option opt. */
static double
range_num(const char *s, const char *opt, const char *spec)
{
	double v;
	nn_err e;

	if (nn_parse_double(s, -1e300, 1e300, &v, opt, &e) < 0)
		errx(2, "%s %s: expected [lin:|log:|int:]LOW:HIGH, and \"%s\" is "
		    "not a number", opt, spec, s);
	return v;
}

/* "log:1e-4:1e-1", "0:0.5", "int:16:128" into s. */
static void
parse_range(space *s, const char *spec, const char *opt)
{
	char *copy = nn_xstrdup(spec), *f[3];
	size_t n = 0;

	for (char *p = copy; p != NULL && n < 4; n++) {
		if (n < 3)
			f[n] = p;
		if ((p = strchr(p, ':')) != NULL)
			*p++ = '\0';
	}
	if (n < 2 || n > 3)
		errx(2, "%s %s: expected a list A|B|... or a range "
		    "[lin:|log:|int:]LOW:HIGH", opt, spec);
	s->scale = S_LIN;
	if (n == 3) {
		if (strcmp(f[0], "log") == 0)
			s->scale = S_LOG;
		else if (strcmp(f[0], "int") == 0)
			s->scale = S_INT;
		else if (strcmp(f[0], "lin") != 0)
			errx(2, "%s %s: unknown scale \"%s\" (lin, log or int)",
			    opt, spec, f[0]);
	}
	s->lo = range_num(f[n - 2], opt, spec);
	s->hi = range_num(f[n - 1], opt, spec);
	free(copy);
	if (s->kind == V_INT && s->scale == S_LIN)
		s->scale = S_INT;
	if (s->scale == S_INT && (s->lo != floor(s->lo) || s->hi != floor(s->hi)))
		errx(2, "%s %s: an integer range needs integer ends", opt, spec);
	if (!(s->lo < s->hi))
		errx(2, "%s %s: the range is %s (LOW must be below HIGH)", opt,
		    spec, s->lo == s->hi ? "empty" : "backwards");
	if (s->scale == S_LOG && !(s->lo > 0))
		errx(2, "%s %s: a log range needs LOW > 0 (the log of %g is not "
		    "finite)", opt, spec, s->lo);
	s->range = 1;
}

/* Write v for option s: an integer as one, a real with DRAW_DIGITS
 * digits -- or more, if those fall outside [lo, hi]. */
static char *
format_value(const space *s, double v)
{
	char buf[64];

	if (s->scale == S_INT || s->kind == V_INT) {
		snprintf(buf, sizeof(buf), "%.0f", v);
		return nn_xstrdup(buf);
	}
	for (int prec = DRAW_DIGITS; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		double back = strtod(buf, NULL);
		if (back >= s->lo && back <= s->hi)
			break;
	}
	return nn_xstrdup(buf);
}

/* Point i of n of a range, ends included. */
static double
range_point(const space *s, size_t i, size_t n)
{
	double f = n > 1 ? (double)i / (double)(n - 1) : 0.0;

	if (s->scale == S_LOG)
		return exp(log(s->lo) + f * (log(s->hi) - log(s->lo)));
	if (s->scale == S_INT)
		return floor(s->lo + f * (s->hi - s->lo) + 0.5);
	return s->lo + f * (s->hi - s->lo);
}

/* A random draw of a range: uniform, log-uniform, or a uniform integer. */
static double
range_draw(const space *s, nn_rng *r)
{
	if (s->scale == S_LOG)
		return exp(log(s->lo) + nn_rng_uniform(r) * (log(s->hi) -
		    log(s->lo)));
	if (s->scale == S_INT)
		return s->lo + (double)nn_rng_below(r, (uint64_t)(s->hi -
		    s->lo) + 1);
	return s->lo + nn_rng_uniform(r) * (s->hi - s->lo);
}

/* A range's grid points as its values (duplicates of an integer range
 * dropped). */
static void
range_grid(space *s, size_t n)
{
	s->vals = nn_xmalloc(n * sizeof(*s->vals));
	s->nvals = 0;
	for (size_t i = 0; i < n; i++) {
		char *v = format_value(s, range_point(s, i, n));
		if (s->nvals > 0 && strcmp(s->vals[s->nvals - 1], v) == 0)
			free(v);
		else
			s->vals[s->nvals++] = v;
	}
}

/* Forget what was given for key so far: the last one counts. */
static void
forget(tune *t, int key)
{
	size_t k = 0;

	for (size_t i = 0; i < t->npass; i++)
		if (t->pass[i].key != key)
			t->pass[k++] = t->pass[i];
	t->npass = k;
	for (size_t i = 0; i < t->nsp; i++)
		if (t->sp[i].key == key) {
			free_space(&t->sp[i]);
			memmove(&t->sp[i], &t->sp[i + 1], (t->nsp - i - 1) *
			    sizeof(*t->sp));
			t->nsp--;
			break;
		}
}

/* An nn-train option: a space when it is one, else passed on. */
static void
train_option(tune *t, int key, const char *arg)
{
	char nb[64];
	const char *opt = opt_name(key, nb, sizeof(nb));
	vkind kind = V_WORD;
	int can = searchable_kind(key, &kind);
	int list = arg != NULL && strchr(arg, '|') != NULL && key != 'd';
	int range = can && kind != V_WORD && arg != NULL && !list &&
	    strchr(arg, ':') != NULL;

	forget(t, key);
	if (!list && !range) {
		train_opt_set(&t->base, key, arg);
		t->pass = nn_xrealloc(t->pass, (t->npass + 1) * sizeof(*t->pass));
		t->pass[t->npass++] = (pass){ key, arg };
		return;
	}
	if (!can)
		errx(2, "%s '%s': %s is not a hyperparameter nn-tune searches; "
		    "it takes one value", opt, arg, opt);
	t->sp = nn_xrealloc(t->sp, (t->nsp + 1) * sizeof(*t->sp));
	space *s = &t->sp[t->nsp++];
	memset(s, 0, sizeof(*s));
	s->key = key;
	s->name = row_of(key)->name;
	s->kind = kind;
	if (range) {
		parse_range(s, arg, opt);
		/* the ends are values the option must take */
		char *lo = format_value(s, s->lo), *hi = format_value(s, s->hi);
		check_value(t, key, lo);
		check_value(t, key, hi);
		free(lo);
		free(hi);
		return;
	}
	s->vals = split_list(arg, &s->nvals);
	size_t empty = 0;
	for (size_t i = 0; i < s->nvals; i++)
		empty += s->vals[i][0] == '\0';
	if (empty == s->nvals && key != 'l')
		errx(2, "%s '%s': an empty list", opt, arg);
	for (size_t i = 0; i < s->nvals; i++) {
		if (s->vals[i][0] == '\0' && key != 'l')
			errx(2, "%s '%s': value %zu of the list is empty", opt, arg,
			    i + 1);
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->vals[i], s->vals[j]) == 0)
				errx(2, "%s '%s': \"%s\" is listed twice", opt, arg,
				    s->vals[i]);
		check_value(t, key, s->vals[i]);
	}
}

/* The options nn-tune refuses, each with its reason. */
static void __attribute__((noreturn))
refuse(int key)
{
	char nb[64];
	const char *opt = opt_name(key, nb, sizeof(nb));

	switch (key) {
	case 'v':
		errx(2, "-v: trials run in parallel; nn-tune prints a line per "
		    "trial instead");
	case OPT_THREADS:
		errx(2, "--threads: each training runs on one thread; -j N sets "
		    "how many run at once");
	case OPT_LOG:
		errx(2, "--log: trials run in parallel; train the best with its "
		    "printed command line and --log");
	case OPT_CV_FORMAT:
		errx(2, "--cv-format: nn-tune's --cv evaluates each trial; "
		    "--format sets its table's format");
	default:
		errx(2, "%s: a search trains fresh models, every one alike; "
		    "nn-tune does not take %s", opt, opt);
	}
}

static void
parse_opts(int argc, char **argv, tune *t)
{
	int ch;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case OPT_SEARCH:
			if (strcmp(optarg, "grid") == 0)
				t->search = SEARCH_GRID;
			else if (strcmp(optarg, "random") == 0)
				t->search = SEARCH_RANDOM;
			else if (strcmp(optarg, "halving") == 0)
				t->search = SEARCH_HALVING;
			else
				errx(2, "--search: expected grid, random or halving, "
				    "got \"%s\"", optarg);
			t->search_given = 1;
			break;
		case OPT_TRIALS:
			t->trials = opt_long(optarg, 1, MAX_TRIALS, "--trials");
			break;
		case OPT_GRID_POINTS:
			t->grid_points = opt_long(optarg, 2, 1000, "--grid-points");
			break;
		case OPT_ETA: t->eta = opt_long(optarg, 2, 1000, "--eta"); break;
		case OPT_TIME:
			t->time_limit = opt_double(optarg, 1e-3, 1e9, "--time");
			break;
		case 's': t->seed = opt_seed(optarg, "-s"); break;
		case 'j': t->jobs = opt_long(optarg, 1, MAX_JOBS, "-j"); break;
		case OPT_SEEDS:
			t->seeds = opt_long(optarg, 1, MAX_SEEDS, "--seeds");
			break;
		case OPT_TRAIN_SEED:
			t->train_seed = opt_seed(optarg, "--train-seed");
			break;
		case OPT_CV:
			t->cv = opt_long(optarg, 2, 1000, "--cv");
			break;
		case OPT_VAL: t->val_path = optarg; break;
		case OPT_VAL_SPLIT:
			t->val_split = opt_double(optarg, 1e-9, 0.999999,
			    "--val-split");
			t->val_split_arg = optarg;
			break;
		case OPT_METRIC:
			for (t->metric = 0; metrics(t->metric) != NULL; t->metric++)
				if (strcmp(metrics(t->metric), optarg) == 0)
					break;
			if (metrics(t->metric) == NULL)
				errx(2, "--metric: expected accuracy, log_loss, f1, auc, "
				    "mse, rmse, mae or r2, got \"%s\"", optarg);
			t->metric_given = 1;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				t->format = FMT_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				t->format = FMT_JSONL;
			else if (strcmp(optarg, "libsvm") == 0)
				errx(2, "--format is the table's: csv or jsonl; "
				    "--input-format libsvm is the input's");
			else
				errx(2, "--format: expected csv or jsonl, got \"%s\"",
				    optarg);
			break;
		case OPT_RESUME_LOG: t->resume_log = optarg; break;
		case 'o': t->out = optarg; break;
		case 'q': t->quiet = t->base.quiet = 1; break;
		case OPT_INPUT_FORMAT:
			forget(t, OPT_FORMAT);
			train_opt_set(&t->base, OPT_FORMAT, optarg);
			t->pass = nn_xrealloc(t->pass, (t->npass + 1) *
			    sizeof(*t->pass));
			t->pass[t->npass++] = (pass){ OPT_FORMAT, optarg };
			break;
		case 'v': case OPT_THREADS: case OPT_LOG: case OPT_RESUME:
		case OPT_INIT_FROM: case OPT_TRACE: case OPT_GRADCHECK:
		case OPT_CV_FORMAT:
			refuse(ch);
		default:
			train_option(t, ch, optarg);
			break;
		}
	}
	if (argc - optind > 1)
		opt_extra(argv[optind + 1]);
	t->input = optind < argc ? argv[optind] : NULL;
}

/* The number of processors, for -j and the final training's threads. */
static long
nprocs(void)
{
	long nc = sysconf(_SC_NPROCESSORS_ONLN);

	return nc < 1 ? 1 : nc > MAX_JOBS ? MAX_JOBS : nc;
}

/* Combinations, and what can be checked before any data is read. */
static void
check_opts(tune *t)
{
	int any_range = 0;
	nn_err e;

	if ((t->cv != 0) + (t->val_path != NULL) + (t->val_split > 0) > 1)
		errx(2, "--cv, --val and --val-split are three ways to evaluate; "
		    "give one");
	for (size_t i = 0; i < t->nsp; i++)
		any_range |= t->sp[i].range;
	if (!t->search_given)
		t->search = any_range ? SEARCH_RANDOM : SEARCH_GRID;
	if (t->cv == 0 && !t->val_path && t->val_split <= 0)
		t->cv = TUNE_CV;
	/* nn-train's view of the evaluation, for its checks */
	t->base.cv = t->cv;
	t->base.val_path = t->val_path;
	t->base.val_split = t->val_split;
	if (t->search == SEARCH_HALVING) {
		for (size_t i = 0; i < t->nsp; i++)
			if (t->sp[i].key == 'e')
				errx(2, "-e: halving chooses the epochs of each rung; "
				    "-e gives the last rung's");
	}
	if (t->jobs == 0)
		t->jobs = nprocs();
	train_opts_done(&t->base);
	train_opts_check(&t->base);
	if (t->out != NULL && nn_atomic_check(t->out, &e) < 0)
		die_err(1, &e);
	note_input(t->input ? t->input : "-");
	note_input(t->val_path);
	note_input(t->resume_log);
	guard_output(t->out, "-o");
	if (t->val_path != NULL && strcmp(t->val_path, "-") == 0 &&
	    (t->input == NULL || strcmp(t->input, "-") == 0))
		errx(2, "--val -: standard input is the training data already");
}

/* ====================================================================== */
/* The data, read once                                                    */
/* ====================================================================== */

static void
read_data(tune *t)
{
	nn_data_opts dopts = t->base.data;
	reading rd;
	nn_err e;
	FILE *fp = open_input(t->input, &t->name);

	reading_start(&rd, &dopts, t->name, t->quiet);
	if ((t->base.libsvm ? nn_libsvm_data_read(fp, t->name, NULL, &t->data,
	    NULL, &e) : nn_data_read(fp, t->name, &dopts, &t->data, &e)) < 0) {
		bar_clear(&rd.b);
		die_err(1, &e);
	}
	bar_clear(&rd.b);
	if (fp != stdin)
		fclose(fp);
	if (t->data.d == 0)
		errx(1, "%s: no feature columns besides the target", t->name);
	t->task = train_task(&t->data, t->name, &t->base);
	const int classify = t->task != NN_TASK_REGRESSION;
	t->all = (nn_rows){ .n = t->data.n, .d = t->data.d, .x = t->data.x,
	    .y = classify ? t->data.y : NULL,
	    .t = classify ? NULL : t->data.t };
	if (t->val_path != NULL)
		train_read_val(t->val_path, &t->data, &t->base, classify, &t->val);
}

/* What depends on the data: the metric fits the task, the evaluation
 * has rows. */
static void
check_data(tune *t)
{
	const int classify = t->task != NN_TASK_REGRESSION;
	size_t n = t->all.n;

	if (!t->metric_given)
		t->metric = classify ? M_ACCURACY : M_RMSE;
	if (classify != (t->metric <= M_AUC))
		errx(2, "--metric %s is for %s; the task is %s", metrics(t->metric),
		    classify ? "regression" : "classification",
		    nn_task_name(t->task));
	if (t->cv > 0 && (size_t)t->cv > n)
		errx(1, "--cv %ld: only %zu rows", t->cv, n);
	if (t->val_split > 0) {
		size_t nt = nn_split_ntest(t->val_split, n);
		if (nt == 0 || nt >= n)
			errx(1, "--val-split %g leaves no %s rows (%zu rows in all)",
			    t->val_split, nt == 0 ? "validation" : "training", n);
	}
	if (t->val_path != NULL && t->val.n == 0)
		errx(1, "%s: no rows to evaluate on", t->val_path);
	t->folds = t->cv > 0 ? (size_t)t->cv : 1;
	t->units = t->folds * (size_t)t->seeds;
}

/* ====================================================================== */
/* Configurations                                                         */
/* ====================================================================== */

/* Trial tr's options, as the nn-train command line printed for it with
 * training seed number si would set them. */
static void
trial_opts(const tune *t, const trial *tr, size_t si, train_opts *o)
{
	*o = t->base;
	o->na = NULL;           /* the base's, and only the reader's */
	for (size_t i = 0; i < t->nsp; i++)
		train_opt_set(o, t->sp[i].key, tr->val[i]);
	train_opts_check(o);
	if (tr->epochs > 0)
		o->cfg.epochs = tr->epochs;
	o->cfg.seed = t->train_seed + si;
	o->cfg.threads = 1;
	nn_optim_defaults(&o->cfg.opt, o->opt);
	train_optim(o, &o->cfg.opt);
}

/* Everything about a configuration that would stop a training, checked
 * now, on the main thread: the trainings never exit. */
static void
check_config(const tune *t, const trial *tr)
{
	train_opts o;
	size_t *sizes;
	nn_layer_opts *lo;

	trial_opts(t, tr, 0, &o);
	train_shape(&o, &t->data, t->task, &sizes, &lo);
	free(sizes);
	free(lo);
	(void)train_loss(&o, t->task);
	if (o.class_w != NULL) {
		if (t->task == NN_TASK_REGRESSION)
			errx(2, "--class-weight is for classification");
		free(train_class_weights(o.class_w, &t->data));
	}
}

/* The work of one unit of tr, roughly: epochs times the multiply-adds of
 * a row plus a fixed cost per layer (a small network's steps are mostly
 * overhead).  Only the order in which -j's workers take trials depends
 * on it: costliest first (with -j 2 or more), so that a large trial does not start last and
 * keep one worker busy while the others wait (longest-processing-time
 * scheduling); no result does. */
static double
trial_cost(const tune *t, const trial *tr)
{
	train_opts o;
	size_t *sizes, nhid;
	nn_layer_opts *lo;
	double c = 0.0;

	trial_opts(t, tr, 0, &o);
	nhid = train_shape(&o, &t->data, t->task, &sizes, &lo);
	for (size_t l = 0; l <= nhid; l++)
		c += (double)(sizes[l] + 1) * (double)sizes[l + 1] + 64.0;
	free(sizes);
	free(lo);
	return c * (double)o.cfg.epochs;
}

/* A new trial of the rung with values val (taken over). */
static trial *
add_trial(tune *t, size_t rung, size_t epochs, char **val)
{
	if (t->ntr == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->tr = nn_xrealloc(t->tr, t->cap * sizeof(*t->tr));
	}
	trial *tr = &t->tr[t->ntr];
	memset(tr, 0, sizeof(*tr));
	tr->id = ++t->ntr;
	tr->rung = rung;
	tr->val = val;
	tr->score = nn_xcalloc(t->units, sizeof(double));
	tr->left = t->units;
	if (epochs == 0) {      /* the configuration's own: -e, searched or not */
		train_opts o;
		trial_opts(t, tr, 0, &o);
		epochs = o.cfg.epochs;
	}
	tr->epochs = epochs;
	return tr;
}

static char **
copy_vals(const tune *t, char *const *v)
{
	char **c = nn_xmalloc((t->nsp ? t->nsp : 1) * sizeof(*c));

	for (size_t i = 0; i < t->nsp; i++)
		c[i] = nn_xstrdup(v[i]);
	return c;
}

/* The grid's size; ranges become their grid points first. */
static size_t
grid_size(tune *t)
{
	size_t n = 1;

	for (size_t i = 0; i < t->nsp; i++) {
		space *s = &t->sp[i];
		if (s->range && s->vals == NULL)
			range_grid(s, (size_t)t->grid_points);
		if (n > (size_t)MAX_TRIALS / s->nvals)
			errx(2, "the grid has more than %ld points; draw from it "
			    "with --search random --trials N", MAX_TRIALS);
		n *= s->nvals;
	}
	return n;
}

/* Every point of the grid, the first option varying slowest. */
static void
gen_grid(tune *t, size_t rung, size_t epochs)
{
	size_t n = grid_size(t);
	char **v = nn_xmalloc((t->nsp ? t->nsp : 1) * sizeof(*v));

	for (size_t p = 0; p < n; p++) {
		size_t q = p;
		for (size_t i = t->nsp; i-- > 0; ) {
			v[i] = t->sp[i].vals[q % t->sp[i].nvals];
			q /= t->sp[i].nvals;
		}
		add_trial(t, rung, epochs, copy_vals(t, v));
	}
	free(v);
}

/* n configurations drawn with the search's seed, option after option. */
static void
gen_random(tune *t, size_t n, size_t rung, size_t epochs)
{
	nn_rng r;

	nn_rng_seed(&r, t->seed);
	for (size_t p = 0; p < n; p++) {
		char **v = nn_xmalloc((t->nsp ? t->nsp : 1) * sizeof(*v));
		for (size_t i = 0; i < t->nsp; i++) {
			const space *s = &t->sp[i];
			v[i] = s->range ? format_value(s, range_draw(s, &r)) :
			    nn_xstrdup(s->vals[nn_rng_below(&r, s->nvals)]);
		}
		add_trial(t, rung, epochs, v);
	}
}

/* ====================================================================== */
/* Halving                                                                */
/* ====================================================================== */

/* The rungs of successive halving over n configurations: each keeps the
 * best 1/eta (at least one) of the one before, until one is left; the
 * last trains the full epochs E, each before it 1/eta of the next's. */
static size_t
rung_count(size_t n, size_t eta)
{
	size_t r = 1;

	while (n > 1) {
		n = n / eta ? n / eta : 1;
		r++;
	}
	return r;
}

static size_t
rung_size(size_t n, size_t eta, size_t rung)
{
	while (rung-- > 0)
		n = n / eta ? n / eta : 1;
	return n;
}

static size_t
rung_epochs(size_t E, size_t eta, size_t rungs, size_t rung)
{
	double e = (double)E;

	for (size_t k = rung + 1; k < rungs; k++)
		e /= (double)eta;
	return e < 1 ? 1 : (size_t)e;
}

/* ====================================================================== */
/* Ranking                                                                */
/* ====================================================================== */

static int
higher_better(int metric)
{
	return metric == M_ACCURACY || metric == M_F1 || metric == M_AUC ||
	    metric == M_R2;
}

/* Whether a ranks before b: the better mean, a number before none, the
 * earlier trial on a tie. */
static int
ranks_before(const tune *t, const trial *a, const trial *b)
{
	int na = isnan(a->mean), nb = isnan(b->mean);

	if (na != nb)
		return nb;
	if (!na && a->mean != b->mean)
		return higher_better(t->metric) ? a->mean > b->mean :
		    a->mean < b->mean;
	return a->id < b->id;
}

/* The best finished trial of [lo, hi), or NULL. */
static const trial *
best_of(const tune *t, size_t lo, size_t hi)
{
	const trial *best = NULL;

	for (size_t k = lo; k < hi; k++)
		if (t->tr[k].done && (best == NULL ||
		    ranks_before(t, &t->tr[k], best)))
			best = &t->tr[k];
	return best;
}

/* ====================================================================== */
/* One training and its score                                             */
/* ====================================================================== */

/* The metric of the trained model m on the scaled rows va, whose true
 * targets are truth (regression, in the target's units) or va->y; NAN when
 * it is not defined (an AUC of a fold without some class). */
static double
score(const tune *t, const nn_model *m, const nn_rows *va, const float *truth)
{
	const size_t n = va->n, K = m->nout, D = m->nin;
	const size_t L = t->data.nlabels;
	const char *const *lab = (const char *const *)t->data.labels;
	const size_t EB = nn_work_rows(m, 0, NN_WORK_BUDGET, n < 1024 ?
	    (n ? n : 1) : 1024);
	nn_work *w = nn_work_new(m, EB);
	double v = NAN, *p = nn_xmalloc((L ? L : 1) * sizeof(*p));
	float *pf = nn_xmalloc((L ? L : 1) * sizeof(*pf));
	nn_cls *c = NULL;
	nn_scores sc;
	nn_reg reg;
	nn_err e;
	int ok = 1;

	nn_reg_init(&reg);
	nn_scores_init(&sc, L ? L : 1, lab);
	if (t->task != NN_TASK_REGRESSION) {
		c = nn_cls_new();
		ok = nn_cls_set_labels(c, lab, L, &e) == 0 &&
		    nn_cls_set_prob_labels(c, lab, L, &e) == 0;
	}
	for (size_t s = 0; ok && s < n; s += EB) {
		size_t B = n - s < EB ? n - s : EB;
		const float *out = nn_forward(m, w, va->x + s * D, B);
		for (size_t i = 0; ok && i < B; i++) {
			const float *o = out + i * K;
			if (c == NULL) {
				ok = nn_reg_add(&reg, truth[s + i], o[0], &e) == 0;
				continue;
			}
			/* the class: as training counts it correct */
			const size_t best = nn_out_class(o, K);
			for (size_t k = 0; k < L; k++) {
				pf[k] = K == 1 ? (k ? o[0] : 1.0f - o[0]) : o[k];
				p[k] = pf[k];
			}
			ok = nn_cls_add(c, lab[va->y[s + i]], lab[best],
			    t->metric == M_LOG_LOSS ? p : NULL, &e) == 0;
			if (ok && t->metric == M_AUC)
				ok = nn_scores_add(&sc, va->y[s + i], pf, &e) == 0;
		}
	}
	if (ok && c != NULL) {
		nn_cls_report *r = nn_cls_finish(c, &e);
		nn_rank rk;
		if (r != NULL) {
			v = t->metric == M_ACCURACY ? r->accuracy :
			    t->metric == M_LOG_LOSS ? r->log_loss :
			    t->metric == M_F1 ? (L == 2 ? r->f1[1] : r->macro.f1) :
			    nn_rank_report(&sc, &rk, NULL, &e) == 0 ? rk.roc_auc :
			    NAN;
			nn_cls_report_free(r);
		}
	} else if (ok) {
		nn_reg_report r;
		if (nn_reg_finish(&reg, &r, &e) == 0)
			v = t->metric == M_MSE ? r.mse : t->metric == M_RMSE ?
			    r.rmse : t->metric == M_MAE ? r.mae : r.r2;
	}
	nn_cls_free(c);
	nn_scores_free(&sc);
	nn_work_free(w);
	free(p);
	free(pf);
	return v;
}

/* Rows i of all with fold[i] == f to va, the others to tr (nn_cv's deal
 * and order, so a fold trains as nn-train --cv trains it). */
static void
take_fold(const nn_rows *all, const uint32_t *fold, size_t f, nn_rows *tr,
    nn_rows *va)
{
	uint32_t *itr = nn_xmalloc((all->n ? all->n : 1) * sizeof(*itr));
	uint32_t *iva = nn_xmalloc((all->n ? all->n : 1) * sizeof(*iva));
	size_t ntr = 0, nva = 0;

	for (size_t i = 0; i < all->n; i++) {
		if (fold[i] == f)
			iva[nva++] = (uint32_t)i;
		else
			itr[ntr++] = (uint32_t)i;
	}
	nn_rows_take(tr, all, itr, ntr);
	nn_rows_take(va, all, iva, nva);
	free(itr);
	free(iva);
}

/* All of r, copied (nn_fit scales what it is given, in place). */
static void
take_all(nn_rows *out, const nn_rows *r)
{
	uint32_t *idx = nn_xmalloc((r->n ? r->n : 1) * sizeof(*idx));

	for (size_t i = 0; i < r->n; i++)
		idx[i] = (uint32_t)i;
	nn_rows_take(out, r, idx, r->n);
	free(idx);
}

/* Unit u of trial tr: seed u / folds, fold u % folds.  Its score, NAN
 * when training diverged; *stopped when a signal stopped it. */
static double
run_unit(const tune *t, const trial *tr, size_t u, int *stopped)
{
	const size_t si = u / t->folds, f = u % t->folds;
	const int classify = t->task != NN_TASK_REGRESSION;
	nn_rows trr = { 0 }, va = { 0 };
	float *truth = NULL, *cw = NULL;
	nn_train_res res;
	train_opts o;
	nn_err e;
	double v = NAN;

	trial_opts(t, tr, si, &o);
	if (t->cv > 0) {
		uint32_t *fold = nn_xmalloc(t->all.n * sizeof(*fold));
		if (nn_split_kfold(t->all.y, t->all.n, classify ?
		    t->data.nlabels : 0, t->folds, o.cfg.seed, fold, &e) < 0) {
			free(fold);
			return NAN;     /* checked: K <= n */
		}
		take_fold(&t->all, fold, f, &trr, &va);
		free(fold);
	} else if (t->val_split > 0) {
		train_split_val(&t->all, t->data.nlabels, t->val_split,
		    o.cfg.seed, &trr, &va);
	} else {
		take_all(&trr, &t->all);
		take_all(&va, &t->val);
	}
	if (!classify) {        /* nn_fit standardises va's targets */
		truth = nn_xmalloc((va.n ? va.n : 1) * sizeof(*truth));
		memcpy(truth, va.t, va.n * sizeof(*truth));
	}
	if (o.class_w != NULL)
		cw = train_class_weights(o.class_w, &t->data);
	nn_model *m = train_model(&o, &t->data, t->task, &trr);
	nn_train_cfg c = o.cfg;
	c.class_w = cw;
	c.val = t->cv > 0 ? NULL : &va;
	c.stop = &train_stop;
	int rc = nn_fit(m, &trr, &c, &res, &e);
	*stopped = res.stopped;
	for (size_t i = 0; rc == 0 && i < m->nparams; i++)
		if (!isfinite(m->params[i]))
			rc = -1;
	if (rc == 0 && !res.stopped) {
		if (t->cv > 0)
			nn_model_scale(m, va.x, va.n);
		v = score(t, m, &va, truth);
	}
	nn_model_free(m);
	nn_rows_free(&trr);
	nn_rows_free(&va);
	free(truth);
	free(cw);
	return v;
}

/* ====================================================================== */
/* The table                                                              */
/* ====================================================================== */

static void
print_header(const tune *t)
{
	if (t->format != FMT_CSV)
		return;
	fputs("trial,rung,epochs", stdout);
	for (size_t i = 0; i < t->nsp; i++)
		printf(",%s", t->sp[i].name);
	fputs(",metric,mean,sd,seconds\n", stdout);
	fflush(stdout);
}

/* A searched value in JSON: a number as a number, a word as a string. */
static void
put_json_value(const space *s, const char *v)
{
	if (s->kind == V_WORD)
		nn_json_put_str(stdout, v);
	else
		put_exact(strtod(v, NULL), "null");
}

static void
print_trial(tune *t, const trial *tr)
{
	bar_clear(&t->b);
	if (t->format == FMT_CSV) {
		printf("%zu,%zu,%zu", tr->id, tr->rung, tr->epochs);
		for (size_t i = 0; i < t->nsp; i++) {
			putchar(',');
			nn_csv_put(stdout, tr->val[i]);
		}
		printf(",%s,", metrics(t->metric));
		put_exact(tr->mean, "");
		putchar(',');
		put_exact(tr->sd, "");
		printf(",%.3f\n", tr->secs);
	} else {
		printf("{\"trial\":%zu,\"rung\":%zu,\"epochs\":%zu,\"params\":{",
		    tr->id, tr->rung, tr->epochs);
		for (size_t i = 0; i < t->nsp; i++) {
			printf("%s", i ? "," : "");
			nn_json_put_str(stdout, t->sp[i].name);
			putchar(':');
			put_json_value(&t->sp[i], tr->val[i]);
		}
		printf("},\"metric\":\"%s\",\"mean\":", metrics(t->metric));
		put_exact(tr->mean, "null");
		fputs(",\"sd\":", stdout);
		put_exact(tr->sd, "null");
		printf(",\"seconds\":%.3f}\n", tr->secs);
	}
	fflush(stdout);
}

/* v to 15 significant digits: what the table prints (0.92, not
 * 0.9199999999999999) is what ranks, in this run and in one that resumes
 * from its table. */
static double
round15(double v)
{
	char buf[40];

	if (!isfinite(v))
		return v;
	snprintf(buf, sizeof(buf), "%.15g", v);
	return strtod(buf, NULL);
}

/* Every unit of tr is in: its mean and (sample) standard deviation over
 * seeds and folds, then its line. */
static void
finish_trial(tune *t, trial *tr)
{
	double sum = 0, ss = 0;
	size_t n = t->units;

	for (size_t u = 0; u < n; u++)
		sum += tr->score[u];
	tr->mean = sum / (double)n;
	for (size_t u = 0; u < n; u++)
		ss += (tr->score[u] - tr->mean) * (tr->score[u] - tr->mean);
	tr->sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	/* n equal scores: their mean is that score and the spread 0, not the
	 * rounding of sum / n (0.8833... five times gave sd 1.2e-16) */
	size_t same = 1;
	while (same < n && tr->score[same] == tr->score[0])
		same++;
	if (n > 0 && same == n) {
		tr->mean = tr->score[0];
		tr->sd = 0.0;
	}
	if (isnan(tr->mean))
		tr->sd = NAN;
	tr->mean = round15(tr->mean);
	tr->sd = round15(tr->sd);
	tr->done = 1;
	t->finished++;
	print_trial(t, tr);
}

/* ====================================================================== */
/* Running a rung: the workers, the bar                                   */
/* ====================================================================== */

/* The best trial of the last rung with a finished one, or NULL. */
static const trial *
best_so_far(const tune *t)
{
	size_t hi = t->ntr, lo;

	while (hi > 0 && !t->tr[hi - 1].done)
		hi--;
	if (hi == 0)
		return NULL;
	for (lo = hi; lo > 0 && t->tr[lo - 1].rung == t->tr[hi - 1].rung; lo--)
		;
	return best_of(t, lo, hi);
}

/* Take units of the rung until none is left (or the search stops); under
 * t->mu but while training. */
static void *
worker(void *arg)
{
	tune *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		size_t n = (t->rung_hi - t->rung_lo) * t->units;
		if (train_stop || t->next >= n)
			break;
		trial *tr = &t->tr[t->rung_lo + t->order[t->next / t->units]];
		size_t u = t->next % t->units;
		if (tr->done) {         /* resumed: nothing to train */
			t->next += t->units - u;
			continue;
		}
		/* --time: no new trial; the started ones finish (their units
		 * come first) */
		if (u == 0 && t->time_limit > 0 &&
		    seconds() - t->t0 > t->time_limit) {
			t->time_up = 1;
			break;
		}
		t->next++;
		t->running++;
		tr->started++;
		pthread_mutex_unlock(&t->mu);

		int stopped = 0;
		double t1 = seconds();
		double v = run_unit(t, tr, u, &stopped);
		double dt = seconds() - t1;

		pthread_mutex_lock(&t->mu);
		t->running--;
		if (!stopped && !train_stop) {
			tr->score[u] = v;
			tr->secs += dt;
			if (--tr->left == 0)
				finish_trial(t, tr);
		}
		pthread_cond_broadcast(&t->cond);
	}
	t->jobs_alive--;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* "trial 5/12 [####....] best accuracy 0.965 ETA 1m12s", by rank. */
static void
draw_bar(tune *t, int force)
{
	double now = seconds(), el = now - t->t0;
	size_t done = 0, fresh = 0;
	const trial *best = best_so_far(t);
	field f[BAR_FIELDS];
	char a[32];
	size_t n = 0;

	if (!bar_due(&t->b, now, force))
		return;
	for (size_t k = 0; k < t->ntr; k++) {
		done += t->tr[k].done;
		fresh += t->tr[k].done && !t->tr[k].resumed;
	}
	snprintf(f[n].s, sizeof(f[n].s), "trial %zu/%zu", done, t->total);
	f[n++].rank = 0;
	strcpy(f[n].s, "[");
	f[n++].rank = 4;
	if (best != NULL && isfinite(best->mean)) {
		snprintf(f[n].s, sizeof(f[n].s), "best %s %.4g",
		    metrics(t->metric), best->mean);
		f[n++].rank = 1;
	}
	snprintf(f[n].s, sizeof(f[n].s), "%zu running", t->running);
	f[n++].rank = 3;
	if (fresh > 0 && done < t->total) {
		human_time(a, sizeof(a), el / (double)fresh *
		    (double)(t->total - done));
		snprintf(f[n].s, sizeof(f[n].s), "ETA %s", a);
		f[n++].rank = 2;
	}
	bar_draw(&t->b, f, n, t->total ? (double)done / (double)t->total : 0);
}

/* qsort's order of the rung's trials: costliest first, then by index. */
static const tune *cost_of;

static int
by_cost(const void *a, const void *b)
{
	const size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const double ci = cost_of->tr[cost_of->rung_lo + i].cost;
	const double cj = cost_of->tr[cost_of->rung_lo + j].cost;

	return ci > cj ? -1 : ci < cj ? 1 : (i > j) - (i < j);
}

/* Run trials [lo, hi) on the workers; the main thread draws the bar. */
static void
run_rung(tune *t, size_t lo, size_t hi)
{
	size_t nj = (size_t)t->jobs, left = 0;
	pthread_t *th;

	for (size_t k = lo; k < hi; k++)
		if (t->tr[k].done)
			print_trial(t, &t->tr[k]);      /* resumed */
		else
			left += t->units;
	if (nj > left)
		nj = left;
	if (nj == 0)
		return;
	th = nn_xmalloc(nj * sizeof(*th));
	t->order = nn_xmalloc((hi - lo) * sizeof(*t->order));
	for (size_t k = 0; k < hi - lo; k++)
		t->order[k] = k;
	pthread_mutex_lock(&t->mu);
	t->rung_lo = lo;
	t->rung_hi = hi;
	cost_of = t;
	if (nj > 1)             /* one worker: the table in trial order */
		qsort(t->order, hi - lo, sizeof(*t->order), by_cost);
	t->next = 0;
	t->jobs_alive = nj;
	for (size_t j = 0; j < nj; j++)
		if ((errno = pthread_create(&th[j], NULL, worker, t)) != 0)
			err(1, "pthread_create");
	while (t->jobs_alive > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 1000000000L / BAR_HZ;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->cond, &t->mu, &ts);
		draw_bar(t, 0);
	}
	pthread_mutex_unlock(&t->mu);
	for (size_t j = 0; j < nj; j++)
		pthread_join(th[j], NULL);
	free(th);
	free(t->order);
	t->order = NULL;
}

/* ====================================================================== */
/* --resume-log                                                           */
/* ====================================================================== */

/* A finished trial of the earlier table. */
typedef struct rec {
	size_t rung, epochs;
	char **val;             /* (nsp) */
	double mean, sd, secs;
	unsigned long line;
} rec;

static double
rec_num(const char *s, const char *name, unsigned long line, const char *col)
{
	double v;
	nn_err e;

	if (*s == '\0')
		return NAN;
	if (nn_parse_double(s, -1e308, 1e308, &v, col, &e) < 0)
		errx(1, "%s:%lu: %s", name, line, e.msg);
	return v;
}

static size_t
rec_count(const char *s, const char *name, unsigned long line,
    const char *col, long lo)
{
	long v;
	nn_err e;

	if (nn_parse_long(s, lo, MAX_TRIALS * 1000, &v, col, &e) < 0)
		errx(1, "%s:%lu: %s", name, line, e.msg);
	return (size_t)v;
}

/* Read the table an earlier run of this search printed: its header must
 * be this search's, each line a finished trial. */
static void
read_resume(tune *t)
{
	const char *name;
	FILE *fp = open_input(t->resume_log, &name);
	const size_t ncol = 7 + t->nsp;
	nn_err e;
	nn_csv *c = nn_csv_open_d(fp, name, 1, ',', &e);
	float dummy[1];
	int *roles;
	long got;

	if (c == NULL)
		die_err(1, &e);
	t->rec_name = name;
	int same = nn_csv_ncols(c) == ncol;
	for (size_t j = 0; same && j < ncol; j++) {
		const char *want = j < 3 ? (const char *[]){ "trial", "rung",
		    "epochs" }[j] : j < 3 + t->nsp ? t->sp[j - 3].name :
		    (const char *[]){ "metric", "mean", "sd",
		    "seconds" }[j - 3 - t->nsp];
		same = strcmp(nn_csv_colname(c, j), want) == 0;
	}
	if (!same)
		errx(1, "%s:1: not a table of this search (nn-tune --format csv "
		    "with the same searched options)", name);
	roles = nn_xmalloc(ncol * sizeof(*roles));
	for (size_t j = 0; j < ncol; j++)
		roles[j] = NN_COL_TEXT((int)j);
	if (nn_csv_set_roles(c, roles, 0, ncol, 0, &e) < 0)
		die_err(1, &e);
	free(roles);
	while ((got = nn_csv_read(c, dummy, 1, &e)) > 0) {
		unsigned long line = nn_csv_line(c, 0);
		size_t id = rec_count(nn_csv_text(c, 0, 0), name, line, "trial", 1);
		rec *r = nn_xcalloc(1, sizeof(*r));
		if (strcmp(nn_csv_text(c, 0, 3 + t->nsp), metrics(t->metric)) != 0)
			errx(1, "%s:%lu: the metric is %s, this search's %s", name,
			    line, nn_csv_text(c, 0, 3 + t->nsp), metrics(t->metric));
		r->line = line;
		r->rung = rec_count(nn_csv_text(c, 0, 1), name, line, "rung", 0);
		r->epochs = rec_count(nn_csv_text(c, 0, 2), name, line, "epochs",
		    1);
		r->val = nn_xmalloc((t->nsp ? t->nsp : 1) * sizeof(*r->val));
		for (size_t i = 0; i < t->nsp; i++)
			r->val[i] = nn_xstrdup(nn_csv_text(c, 0, 3 + i));
		r->mean = rec_num(nn_csv_text(c, 0, 4 + t->nsp), name, line, "mean");
		r->sd = rec_num(nn_csv_text(c, 0, 5 + t->nsp), name, line, "sd");
		r->secs = rec_num(nn_csv_text(c, 0, 6 + t->nsp), name, line,
		    "seconds");
		if (id > t->nrec) {
			t->rec = nn_xrealloc(t->rec, id * sizeof(*t->rec));
			memset(t->rec + t->nrec, 0, (id - t->nrec) * sizeof(*t->rec));
			t->nrec = id;
		}
		if (t->rec[id - 1] != NULL)
			errx(1, "%s:%lu: trial %zu again (line %lu has it)", name,
			    line, id, t->rec[id - 1]->line);
		t->rec[id - 1] = r;
	}
	if (got < 0)
		die_err(1, &e);
	nn_csv_free(c);
	if (fp != stdin)
		fclose(fp);
}

/* A new trial that the earlier table has finished: checked against it,
 * and taken from it. */
static void
resume_trial(tune *t, trial *tr)
{
	rec *r = tr->id <= t->nrec ? t->rec[tr->id - 1] : NULL;
	int same;

	if (r == NULL)
		return;
	same = r->rung == tr->rung && r->epochs == tr->epochs;
	for (size_t i = 0; same && i < t->nsp; i++)
		same = strcmp(r->val[i], tr->val[i]) == 0;
	if (!same)
		errx(1, "%s:%lu: trial %zu is not this search's (another command "
		    "line, or another --seed?)", t->rec_name, r->line, tr->id);
	tr->mean = r->mean;
	tr->sd = r->sd;
	tr->secs = r->secs;
	tr->left = 0;
	tr->done = tr->resumed = 1;
}

static void
free_recs(tune *t)
{
	for (size_t k = 0; k < t->nrec; k++) {
		if (t->rec[k] == NULL)
			continue;
		for (size_t i = 0; i < t->nsp; i++)
			free(t->rec[k]->val[i]);
		free(t->rec[k]->val);
		free(t->rec[k]);
	}
	free(t->rec);
}

/* ====================================================================== */
/* The search                                                             */
/* ====================================================================== */

/* Check and resume the new trials [lo, ntr). */
static void
prepare(tune *t, size_t lo, int check)
{
	for (size_t k = lo; k < t->ntr; k++) {
		if (check)
			check_config(t, &t->tr[k]);
		t->tr[k].cost = trial_cost(t, &t->tr[k]);
		resume_trial(t, &t->tr[k]);
	}
}

static int
any_range(const tune *t)
{
	for (size_t i = 0; i < t->nsp; i++)
		if (t->sp[i].range)
			return 1;
	return 0;
}

/* The trials of the first rung, checked, and taken from --resume-log
 * where it has them: the grid, --trials draws, or halving's first rung
 * (the grid, or --trials draws). */
static void
plan(tune *t)
{
	const size_t eta = (size_t)t->eta;
	const size_t ntrials = (size_t)(t->trials ? t->trials : TUNE_TRIALS);

	switch (t->search) {
	case SEARCH_GRID:
		gen_grid(t, 0, 0);
		break;
	case SEARCH_RANDOM:
		gen_random(t, ntrials, 0, 0);
		break;
	default: {
		const int grid = !any_range(t) && t->trials == 0;
		size_t n0 = grid ? grid_size(t) : ntrials;
		t->rungs = rung_count(n0, eta);
		t->n0 = n0;
		t->total = 0;
		for (size_t r = 0; r < t->rungs; r++)
			t->total += rung_size(n0, eta, r);
		if (grid)
			gen_grid(t, 0, rung_epochs(t->base.cfg.epochs, eta,
			    t->rungs, 0));
		else
			gen_random(t, n0, 0, rung_epochs(t->base.cfg.epochs,
			    eta, t->rungs, 0));
		break;
	}
	}
	if (t->search != SEARCH_HALVING)
		t->total = t->ntr;
	prepare(t, 0, 1);
}

/* Run the planned rung; halving then trains the best of each rung for
 * more epochs, until one is left. */
static void
search(tune *t)
{
	const size_t E = t->base.cfg.epochs, eta = (size_t)t->eta;
	size_t lo = 0, hi = t->ntr;

	run_rung(t, lo, hi);
	for (size_t r = 1; r < t->rungs && !train_stop && !t->time_up; r++) {
		size_t n = hi - lo, keep = rung_size(t->n0, eta, r);
		size_t *idx = nn_xmalloc(n * sizeof(*idx));
		for (size_t k = 0; k < n; k++) {
			if (!t->tr[lo + k].done) {      /* stopped short */
				free(idx);
				return;
			}
			idx[k] = lo + k;
		}
		/* the best keep, best first (insertion sort: n is small) */
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0 && ranks_before(t,
			    &t->tr[idx[b]], &t->tr[idx[b - 1]]); b--) {
				size_t x = idx[b];
				idx[b] = idx[b - 1];
				idx[b - 1] = x;
			}
		for (size_t k = 0; k < keep; k++)
			add_trial(t, r, rung_epochs(E, eta, t->rungs, r),
			    copy_vals(t, t->tr[idx[k]].val));
		free(idx);
		lo = hi;
		hi = t->ntr;
		prepare(t, lo, 0);
		run_rung(t, lo, hi);
	}
}

/* ====================================================================== */
/* The best: its command line, its model                                  */
/* ====================================================================== */

/* Whether the best's training needs the --val-split rows as nn-train
 * takes them (early stopping, the plateau schedule): then the model is
 * trained on the rest, as the trial was; else on every row. */
static int
keeps_split(const tune *t, const train_opts *o)
{
	return t->val_split > 0 && (o->cfg.patience > 0 ||
	    o->cfg.sched.kind == NN_SCHED_PLATEAU);
}

/* The nn-train command line that trains tr's model on all the data with
 * the first training seed, as one string (join_argv's quoting, which is
 * also what the model records).  Owned by the caller. */
static char *
command_line(const tune *t, const trial *tr)
{
	const size_t max = 2 * (t->npass + t->nsp) + 16;
	char **v = nn_xmalloc(max * sizeof(*v));
	char **names = nn_xmalloc(max * sizeof(*names));  /* owned */
	char num[2][32], nb[64];
	size_t nn = 0;
	int n = 0, e_searched = 0;
	train_opts o;

	v[n++] = "nn-train";
	for (size_t i = 0; i < t->npass; i++) {
		if (t->pass[i].key == 'e')
			continue;       /* said below, as the trial's */
		v[n++] = names[nn++] = nn_xstrdup(opt_name(t->pass[i].key, nb,
		    sizeof(nb)));
		if (t->pass[i].arg != NULL)
			v[n++] = (char *)t->pass[i].arg;
	}
	for (size_t i = 0; i < t->nsp; i++) {
		e_searched |= t->sp[i].key == 'e';
		v[n++] = names[nn++] = nn_xstrdup(opt_name(t->sp[i].key, nb,
		    sizeof(nb)));
		v[n++] = tr->val[i];
	}
	if (!e_searched) {
		snprintf(num[0], sizeof(num[0]), "%zu", tr->epochs);
		v[n++] = "-e";
		v[n++] = num[0];
	}
	snprintf(num[1], sizeof(num[1]), "%" PRIu64, t->train_seed);
	v[n++] = "-s";
	v[n++] = num[1];
	if (t->val_path != NULL) {
		v[n++] = "--val";
		v[n++] = (char *)t->val_path;
	}
	trial_opts(t, tr, 0, &o);
	if (keeps_split(t, &o)) {
		v[n++] = "--val-split";
		v[n++] = (char *)t->val_split_arg;
	}
	v[n++] = "-o";
	v[n++] = (char *)(t->out != NULL ? t->out : "MODEL");
	if (t->input != NULL)
		v[n++] = (char *)t->input;
	char *s = join_argv(n, v);
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(v);
	return s;
}

/* Train tr's configuration on all the data, with the first training seed
 * and every processor (the weights do not depend on it), and save it to
 * -o as nn-train would: what it records, atomically.  Returns the exit
 * status. */
static int
train_best(tune *t, const trial *tr, const char *cmdline)
{
	nn_rows trr = { 0 }, va = { 0 };
	nn_train_res res;
	float *cw = NULL;
	train_opts o;
	sigset_t set, old;
	nn_err e;
	int rc;

	trial_opts(t, tr, 0, &o);
	o.cfg.threads = (int)nprocs();
	if (keeps_split(t, &o)) {
		train_split_val(&t->all, t->data.nlabels, t->val_split,
		    o.cfg.seed, &trr, &va);
	} else {
		take_all(&trr, &t->all);
		if (t->val_path != NULL)
			take_all(&va, &t->val);
	}
	if (o.class_w != NULL)
		cw = train_class_weights(o.class_w, &t->data);
	nn_model *m = train_model(&o, &t->data, t->task, &trr);
	m->cmdline = nn_xstrdup(cmdline);
	nn_train_cfg c = o.cfg;
	c.class_w = cw;
	c.val = va.n ? &va : NULL;
	c.stop = &train_stop;
	train_record(m, &c, &t->data);
	rc = nn_fit(m, &trr, &c, &res, &e);
	if (rc < 0)
		warnx("%s; %s not written", e.msg, t->out);
	for (size_t i = 0; rc == 0 && i < m->nparams; i++)
		if (!isfinite(m->params[i])) {
			warnx("training diverged: a weight is not finite; %s not "
			    "written", t->out);
			rc = -1;
		}
	if (rc == 0 && res.stopped) {
		warnx("%s while training the best; %s not written",
		    train_stop == SIGINT ? "interrupted" : "terminated", t->out);
		rc = 128 + train_stop;
	} else if (rc == 0) {
		train_record_res(m, &res);
		/* a second signal must not cut the save in half */
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, &old);
		if (nn_model_save(m, t->out, &e) < 0)
			die_err(1, &e);
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (!t->quiet)
			fprintf(stderr, "nn-tune: saved the best, trained on %zu "
			    "rows, to %s\n", trr.n, t->out);
	} else if (rc < 0) {
		rc = 3;
	}
	nn_model_free(m);
	nn_rows_free(&trr);
	nn_rows_free(&va);
	free(cw);
	return rc;
}

/* After the search: what happened, the best and its command line (a
 * line of its own) on stderr, then -o.  Returns the exit
 * status. */
static int
finish(tune *t)
{
	size_t done = 0;
	const trial *best = best_so_far(t);
	int status = train_stop ? 128 + train_stop : 0;

	for (size_t k = 0; k < t->ntr; k++)
		done += t->tr[k].done;
	if (train_stop && !t->quiet) {
		/* the trials begun and not finished: abandoned, not in the
		 * table (--resume-log trains them again) */
		fprintf(stderr, "nn-tune: %s: %zu of %zu trials done; abandoned, "
		    "and left out of the table:", train_stop == SIGINT ?
		    "interrupted" : "terminated", done, t->total);
		size_t na = 0;
		for (size_t k = 0; k < t->ntr; k++)
			if (t->tr[k].started > 0 && !t->tr[k].done)
				fprintf(stderr, "%s trial %zu", na++ ? "," : "",
				    t->tr[k].id);
		fprintf(stderr, "%s (continue with --resume-log)\n", na ? "" :
		    " none");
	}
	else if (t->time_up && !t->quiet)
		fprintf(stderr, "nn-tune: --time %g reached: %zu of %zu trials "
		    "done\n", t->time_limit, done, t->total);
	if (best == NULL) {
		if (!t->quiet)
			fprintf(stderr, "nn-tune: no trial finished%s\n",
			    t->out != NULL ? "; nothing written" : "");
		return status;
	}
	char *cmd = command_line(t, best);
	if (!t->quiet) {
		fprintf(stderr, "nn-tune: best of %zu: trial %zu (rung %zu), %s ",
		    done, best->id, best->rung, metrics(t->metric));
		if (isfinite(best->mean))
			fprintf(stderr, "%.6g, sd %.3g over %zu training%s\n",
			    best->mean, best->sd, t->units, t->units == 1 ? "" : "s");
		else
			fputs("none: every trial diverged\n", stderr);
		fprintf(stderr, "%s\n", cmd);
	}
	if (t->out != NULL && status == 0) {
		if (!isfinite(best->mean)) {
			warnx("every trial diverged; %s not written", t->out);
			status = 3;
		} else {
			status = train_best(t, best, cmd);
		}
	} else if (t->out != NULL && !t->quiet) {
		fprintf(stderr, "nn-tune: %s not written\n", t->out);
	}
	free(cmd);
	return status;
}

static void
free_tune(tune *t)
{
	for (size_t k = 0; k < t->ntr; k++) {
		for (size_t i = 0; i < t->nsp; i++)
			free(t->tr[k].val[i]);
		free(t->tr[k].val);
		free(t->tr[k].score);
	}
	free(t->tr);
	free_recs(t);
	for (size_t i = 0; i < t->nsp; i++)
		free_space(&t->sp[i]);
	free(t->sp);
	free(t->pass);
	nn_rows_free(&t->val);
	nn_data_free(&t->data);
	train_opts_free(&t->base);
}

int
main(int argc, char **argv)
{
	tune t = { 0 };
	int status;

	train_opts_init(&t.base);
	t.seeds = 1;
	t.grid_points = TUNE_GRID_POINTS;
	t.eta = TUNE_ETA;
	t.seed = TUNE_SEED;
	t.train_seed = t.base.cfg.seed;
	pthread_mutex_init(&t.mu, NULL);
	pthread_cond_init(&t.cond, NULL);
	parse_opts(argc, argv, &t);
	check_opts(&t);
	read_data(&t);
	check_data(&t);
	if (t.resume_log != NULL)
		read_resume(&t);
	plan(&t);
	train_report(&t.data, t.name, &t.base);
	train_catch_signals();
	bar_start(&t.b, t.quiet);
	t.t0 = seconds();
	print_header(&t);
	search(&t);
	pthread_mutex_lock(&t.mu);
	draw_bar(&t, 1);
	bar_clear(&t.b);
	pthread_mutex_unlock(&t.mu);
	status = finish(&t);
	free_tune(&t);
	close_stdout();
	return status;
}
