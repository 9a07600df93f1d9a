/*
 * opts.c - options from a program's table (see opts.h): the parser over
 * getopt_long, the help, and the messages of a usage error.
 *
 * A usage error is one line that names the problem, then "Try 'PROG
 * --help'." (GNU's habit), exit 2.  getopt's own messages are off
 * (opterr = 0): they say "unrecognized option" without saying what was
 * meant, and `--lr` ("ambiguous; possibilities: --lr-step --lr-gamma")
 * never points at -r.  Here a mistyped long option is matched against the
 * names other tools use for the same thing, then by prefix, then by edit
 * distance, and the message names the real option.
 */
#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "util.h"

const char OPT_DEF[] = "(the code's)";

/* ====================================================================== */
/* Names other tools use                                                  */
/* ====================================================================== */

/* An option's name in other tools (scikit-learn, Keras, PyTorch scripts,
 * fastText, LightGBM, XGBoost, pandas), written with dashes, and the name
 * here: a long name, or a single letter for an option with no long name.
 * One list for every program: an entry counts only where the program has
 * the option it names. */
static const struct known {
	const char *alias, *real;
} known[] = {
	{ "lr", "rate" }, { "learning-rate", "rate" }, { "eta", "rate" },
	{ "step-size", "rate" },
	{ "batch-size", "batch" }, { "batchsize", "batch" },
	{ "mini-batch", "batch" }, { "minibatch", "batch" },
	{ "n-epochs", "epochs" }, { "num-epochs", "epochs" },
	{ "nepochs", "epochs" }, { "max-iter", "epochs" },
	{ "iterations", "epochs" }, { "num-iterations", "epochs" },
	{ "num-rounds", "epochs" }, { "nrounds", "epochs" },
	{ "hidden", "layers" }, { "hidden-layers", "layers" },
	{ "hidden-layer-sizes", "layers" }, { "hidden-sizes", "layers" },
	{ "hidden-units", "layers" }, { "units", "layers" },
	{ "act", "activation" }, { "activation-function", "activation" },
	{ "nonlinearity", "activation" },
	{ "optim", "optimizer" }, { "solver", "optimizer" },
	{ "optimiser", "optimizer" },
	{ "wd", "weight-decay" }, { "decay", "weight-decay" },
	{ "alpha", "l2" }, { "lambda", "l2" }, { "reg-lambda", "l2" },
	{ "l2-reg", "l2" }, { "reg-alpha", "l1" }, { "l1-reg", "l1" },
	{ "random-state", "seed" }, { "random-seed", "seed" },
	{ "rng-seed", "seed" },
	{ "out", "output" }, { "save", "output" }, { "model", "output" },
	{ "checkpoint", "resume" }, { "resume-from", "resume" },
	{ "pretrained", "init-from" }, { "warm-start", "init-from" },
	{ "jobs", "threads" }, { "n-jobs", "threads" },
	{ "num-threads", "threads" }, { "nthread", "threads" },
	{ "nthreads", "threads" }, { "workers", "threads" },
	{ "sep", "delimiter" }, { "separator", "delimiter" },
	{ "delim", "delimiter" }, { "field-separator", "delimiter" },
	{ "label", "target" }, { "label-column", "target" },
	{ "target-column", "target" }, { "class", "target" },
	{ "y", "target" },
	{ "validation", "val" }, { "valid", "val" },
	{ "validation-data", "val" }, { "valid-data", "val" },
	{ "validation-split", "val-split" }, { "validation-fraction", "val-split" },
	{ "holdout", "val-split" },
	{ "early-stopping", "patience" }, { "early-stopping-rounds", "patience" },
	{ "kfold", "cv" }, { "k-fold", "cv" }, { "folds", "cv" },
	{ "nfold", "cv" }, { "n-folds", "cv" },
	{ "objective", "loss" }, { "criterion", "loss" },
	{ "scheduler", "schedule" }, { "lr-scheduler", "schedule" },
	{ "lr-schedule", "schedule" }, { "lr-decay", "lr-gamma" },
	{ "grad-clip", "clip-norm" }, { "max-grad-norm", "clip-norm" },
	{ "clipnorm", "clip-norm" }, { "clipvalue", "clip-value" },
	{ "bn", "batchnorm" }, { "batch-norm", "batchnorm" },
	{ "dropout-rate", "dropout" },
	{ "initializer", "init" }, { "weight-init", "init" },
	{ "kernel-initializer", "init" },
	{ "categorical-features", "categorical" },
	{ "cat-features", "categorical" },
	{ "exclude", "ignore" }, { "drop", "ignore" },
	{ "na-values", "na" }, { "missing-values", "na" },
	{ "impute", "missing" }, { "fillna", "missing" },
	{ "probability", "proba" }, { "probabilities", "proba" },
	{ "predict-proba", "proba" },
	{ "test-size", "test" }, { "test-fraction", "test" },
	{ "samples", "n" }, { "n-samples", "n" }, { "rows", "n" },
	{ "count", "n" },
	{ "n-classes", "classes" }, { "centers", "classes" },
	{ "n-features", "features" }, { "dims", "features" },
	{ "silent", "quiet" }, { "fmt", "format" },
	{ "logy", "ylog" }, { "log-scale", "ylog" },
	{ "ncols", "cols" }, { "columns", "cols" },
	{ "labels", "truth" }, { "y-true", "truth" },
	{ "predictions", "pred" }, { "y-pred", "pred" },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

const opt_spec *
opt_find(const opt_prog *p, int key)
{
	for (const opt_spec *o = p->opts; o->key != 0; o++)
		if (o->key == key)
			return o;
	return NULL;
}

/* The row named name: a long name, or one letter for a short option. */
static const opt_spec *
find_name(const opt_prog *p, const char *name)
{
	if (name[0] != '\0' && name[1] == '\0')
		return opt_find(p, (unsigned char)name[0]);
	for (const opt_spec *o = p->opts; o->key != 0; o++)
		if (o->name != NULL && strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* ====================================================================== */
/* The closest option                                                     */
/* ====================================================================== */

#define NAME_MAX_LEN 64

/* Optimal string alignment distance (Levenshtein with transpositions):
 * "learnig-rate" is one from "learning-rate", "rtae" one from "rate". */
static size_t
distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	size_t d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];

	if (n > NAME_MAX_LEN || m > NAME_MAX_LEN)
		return (size_t)-1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = d[i - 1][j - 1] + cost;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

/* The most typos a guess forgives: none in a short name would leave it
 * recognisable. */
static size_t
tolerance(size_t len)
{
	return len <= 3 ? 1 : len <= 6 ? 2 : 3;
}

/* The row a mistyped long option (w: lower case, dashes for underscores,
 * no leading dashes, no "=value") most likely meant, or NULL; *nprefix
 * gets how many long names start with w. */
static const opt_spec *
guess(const opt_prog *p, const char *w, size_t *nprefix)
{
	const opt_spec *best = NULL, *prefix = NULL;
	size_t bestd = tolerance(strlen(w)) + 1;

	*nprefix = 0;
	for (size_t i = 0; i < NKNOWN; i++)
		if (strcmp(w, known[i].alias) == 0 &&
		    (best = find_name(p, known[i].real)) != NULL)
			return best;
	for (const opt_spec *o = p->opts; o->key != 0; o++)
		if (o->name != NULL && strncmp(o->name, w, strlen(w)) == 0) {
			prefix = o;
			(*nprefix)++;
		}
	if (*nprefix == 1)
		return prefix;      /* "--no_head": a prefix once normalised */
	if (*nprefix > 1)
		return NULL;
	for (const opt_spec *o = p->opts; o->key != 0; o++) {
		size_t d = o->name != NULL ? distance(w, o->name) : (size_t)-1;
		if (d < bestd) {
			bestd = d;
			best = o;
		}
	}
	for (size_t i = 0; i < NKNOWN; i++) {
		const opt_spec *o = find_name(p, known[i].real);
		size_t d = distance(w, known[i].alias);
		if (o != NULL && d < bestd) {
			bestd = d;
			best = o;
		}
	}
	return best;
}

/* How the user would write o: "-r, --rate", "--target", "-n". */
static const char *
spell(const opt_spec *o, char *buf, size_t size)
{
	if (o->key < OPT_LONG && o->name != NULL)
		snprintf(buf, size, "-%c, --%s", o->key, o->name);
	else if (o->key < OPT_LONG)
		snprintf(buf, size, "-%c", o->key);
	else
		snprintf(buf, size, "--%s", o->name);
	return buf;
}

/* word: "--lr", "--lr=0.01", "--l"; unknown or ambiguous.  Exits 2. */
static void __attribute__((noreturn))
bad_long(const opt_prog *p, const char *word)
{
	const char *name = word + 2;
	size_t len = strcspn(name, "="), nprefix;
	char w[NAME_MAX_LEN + 1], buf[96];
	const opt_spec *o;

	if (len > NAME_MAX_LEN)
		errx(2, "unknown option '--%.*s...'", 40, name);
	for (size_t i = 0; i < len; i++)
		w[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	w[len] = '\0';
	if ((o = guess(p, w, &nprefix)) != NULL)
		errx(2, "unknown option '--%.*s'; did you mean '%s'?", (int)len,
		    name, spell(o, buf, sizeof(buf)));
	if (nprefix > 1) {
		char list[1024];
		size_t n = 0;
		for (o = p->opts; o->key != 0; o++)
			if (o->name != NULL && strncmp(o->name, w, len) == 0 &&
			    n < sizeof(list))
				n += (size_t)snprintf(list + n, sizeof(list) - n,
				    "%s--%s", n ? ", " : "", o->name);
		errx(2, "ambiguous option '--%.*s' (%s)", (int)len, name, list);
	}
	errx(2, "unknown option '--%.*s'", (int)len, name);
}

/* ====================================================================== */
/* The parser                                                             */
/* ====================================================================== */

/* getopt_long's view of the table, made on the first call (a program
 * parses one table; nn-model's subcommands share theirs). */
static const opt_prog *built;
static struct option *longopts;
static char *shortopts;

static void
build(const opt_prog *p)
{
	size_t n = 0, k = 0;
	char *s;

	for (const opt_spec *o = p->opts; o->key != 0; o++)
		n++;
	free(longopts);
	free(shortopts);
	longopts = nn_xcalloc(n + 3, sizeof(*longopts));
	/* ':' first: a missing argument is ':', not '?' */
	s = shortopts = nn_xmalloc(2 * n + 4);
	*s++ = ':';
	*s++ = 'h';
	for (const opt_spec *o = p->opts; o->key != 0; o++) {
		if (o->name != NULL)
			longopts[k++] = (struct option){ o->name,
			    o->arg ? required_argument : no_argument, NULL, o->key };
		if (o->key < OPT_LONG) {
			*s++ = (char)o->key;
			if (o->arg)
				*s++ = ':';
		}
	}
	*s = '\0';
	longopts[k++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	longopts[k++] = (struct option){ "version", no_argument, NULL,
	    OPT_VERSION };
	built = p;
}

/* Every exit with status 2 is a usage error (the project's rule): the
 * line that says what is wrong, then where to read more.  Run at exit, so
 * that each of the programs' many `errx(2, ...)` need not remember it. */
static void
try_help(int status, void *arg)
{
	if (status == 2)
		fprintf(stderr, "Try '%s --help'.\n", (const char *)arg);
}

int
opt_next(const opt_prog *p, int argc, char **argv)
{
	int ch;

	if (built == NULL) {
		opterr = 0;
		on_exit(try_help, (void *)p->name);
	}
	if (built != p)
		build(p);
	ch = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (ch) {
	case OPT_HELP:
		opt_help(p, stdout);
		close_stdout();
		exit(0);
	case OPT_VERSION:
		print_version();
	case ':': {
		const opt_spec *o = opt_find(p, optopt);
		const char *word = argv[optind - 1];
		if (strncmp(word, "--", 2) == 0)
			errx(2, "option '--%s' needs an argument %s", o->name,
			    o->arg);
		errx(2, "option '-%c' needs an argument %s", optopt, o->arg);
	}
	case '?':
		if (optopt == 0)
			bad_long(p, argv[optind - 1]);
		if (opt_find(p, optopt) != NULL || optopt == OPT_HELP ||
		    optopt == OPT_VERSION)
			errx(2, "option '%.*s' takes no argument",
			    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
		if (isprint(optopt))
			errx(2, "unknown option '-%c'", optopt);
		errx(2, "unknown option '-\\x%02x'", optopt & 0xff);
	default:
		return ch;
	}
}

void
opt_missing(const opt_prog *p, const char *what)
{
	char list[512];
	size_t n = 0;

	if (p->words == NULL || strcmp(what, p->words_title) != 0)
		errx(2, "missing %s", what);
	for (const opt_word *w = p->words; w->name != NULL && n < sizeof(list);
	    w++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    n ? ", " : "", w->name);
	errx(2, "missing %s (%s)", what, list);
}

void
opt_extra(const char *arg)
{
	errx(2, "extra operand '%.*s%s'", 40, arg, strlen(arg) > 40 ? "..." :
	    "");
}

/* ====================================================================== */
/* The help                                                               */
/* ====================================================================== */

/* Columns of the option part of a help line ("  -r, --rate RATE"), at most
 * HELP_COL; a longer one puts its text on the next line. */
#define HELP_COL 28

static void
option_part(const opt_spec *o, char *buf, size_t size)
{
	char sp[64];

	if (o->key < OPT_LONG)
		spell(o, sp, sizeof(sp));
	else
		snprintf(sp, sizeof(sp), "    --%s", o->name);
	snprintf(buf, size, "  %s%s%s", sp, o->arg ? " " : "",
	    o->arg ? o->arg : "");
}

static void
help_line(FILE *fp, const char *left, const char *text, int col)
{
	if ((int)strlen(left) + 2 > col)
		fprintf(fp, "%s\n%*s%s\n", left, col, "", text);
	else
		fprintf(fp, "%-*s%s\n", col, left, text);
}

void
opt_help(const opt_prog *p, FILE *fp)
{
	char left[96], def[256], text[512];
	int col = 0;

	for (const opt_spec *o = p->opts; o->key != 0; o++) {
		option_part(o, left, sizeof(left));
		if ((int)strlen(left) + 2 > col)
			col = (int)strlen(left) + 2;
	}
	if (col > HELP_COL)
		col = HELP_COL;
	if (col < 20)
		col = 20;
	fputs(p->synopsis, fp);
	fputs("\nOptions:\n", fp);
	for (const opt_spec *o = p->opts; o->key != 0; o++) {
		const char *d = o->def;
		if (d == OPT_DEF)
			d = p->defaults(o->key, def, sizeof(def));
		option_part(o, left, sizeof(left));
		snprintf(text, sizeof(text), "%s%s%s%s", o->help,
		    d ? " (default: " : "", d ? d : "", d ? ")" : "");
		help_line(fp, left, text, col);
		if (o->values != NULL) {
			fprintf(fp, "%*sone of:", col, "");
			for (int i = 0; o->values(i) != NULL; i++)
				fprintf(fp, "%s %s", i ? "," : "", o->values(i));
			fputc('\n', fp);
		}
	}
	help_line(fp, "  -h, --help", "print this help and exit", col);
	help_line(fp, "      --version", "print the version and exit", col);
	if (p->words != NULL) {
		int w = 0;
		for (const opt_word *x = p->words; x->name != NULL; x++)
			if ((int)strlen(x->name) > w)
				w = (int)strlen(x->name);
		fprintf(fp, "\n%s is one of:\n", p->words_title);
		for (const opt_word *x = p->words; x->name != NULL; x++)
			fprintf(fp, "  %-*s  %s\n", w, x->name, x->help);
	}
	fprintf(fp, "\nMore in %s(1).\n", p->name);
}
