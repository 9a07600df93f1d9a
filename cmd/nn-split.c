/*
 * nn-split - split CSV rows at random into a training and a test file.
 *
 * A shuffle needs every row, so the input is read whole -- through the
 * streaming reader, each field kept as text exactly as it was (after CSV
 * unquoting) and written back with nn_csv_put, so numbers are never
 * reformatted.  The rows live in one growing arena of NUL-terminated fields
 * with an offset per row.  Which rows go to TEST, and in what order both
 * files are written, is nn_split_holdout's (lib/split.c): the first
 * ceil(t * n) rows of a seeded shuffle, or with --stratify each class
 * (distinct value of the target column, interned into an nn_strtab) its
 * share of them, every class of two rows or more keeping one for TRAIN.
 *
 * Nothing is written until the whole input has been read and checked.  Each
 * output then goes to a temporary file beside its target; only when both are
 * complete and synced are they renamed into place (nn_atomic_commit_all).
 * On any error, or on SIGINT/SIGTERM/SIGHUP, the temporary files are
 * removed and existing targets are left as they were -- even when renaming
 * TEST fails after TRAIN was renamed: the old TRAIN is put back (or, on a
 * file system without hard links, the new one removed rather than left
 * beside a TEST from another split).
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opts/nn-split.h"
#include "util.h"

#define BATCH 1024





/* ---- the rows, in memory ------------------------------------------------ */

typedef struct table {
	size_t ncols;
	char *arena;             /* (alen) fields, each NUL-terminated */
	size_t alen, acap;
	size_t *row;             /* (n) arena offset of each row's first field */
	size_t n, rcap;
	/* with --stratify: */
	uint32_t *cls;           /* (n) class of each row */
	nn_strtab *classes;      /* the target column's distinct values */
} table;

static size_t
append(table *t, const char *s)
{
	size_t n = strlen(s) + 1, at = t->alen;

	if (t->acap - t->alen < n) {
		while (t->acap - t->alen < n) {
			if (t->acap > SIZE_MAX / 2)
				errx(1, "out of memory (input too large)");
			t->acap *= 2;
		}
		t->arena = nn_xrealloc(t->arena, t->acap);
	}
	memcpy(t->arena + at, s, n);
	t->alen += n;
	return at;
}

/* Read every row of c into t; tc >= 0 is the column to stratify by. */
static void
read_rows(table *t, nn_csv *c, const char *name, long tc)
{
	float dummy[1];
	nn_err e;
	long got;

	while ((got = nn_csv_read(c, dummy, BATCH, &e)) > 0) {
		for (long i = 0; i < got; i++) {
			size_t at = 0, len = 0;
			if (t->n >= UINT32_MAX)
				errx(1, "%s:%lu: more than %lu rows", name,
				    nn_csv_line(c, (size_t)i),
				    (unsigned long)UINT32_MAX);
			if (t->n == t->rcap) {
				t->rcap = t->rcap ? 2 * t->rcap : 1024;
				t->row = nn_xrealloc(t->row, t->rcap * sizeof(*t->row));
				if (tc >= 0)
					t->cls = nn_xrealloc(t->cls,
					    t->rcap * sizeof(*t->cls));
			}
			for (size_t j = 0; j < t->ncols; j++) {
				size_t off = append(t, nn_csv_text(c, (size_t)i, j));
				if (j == 0)
					t->row[t->n] = off;
				if ((long)j == tc) {
					at = off;
					len = t->alen - off - 1;
				}
			}
			if (tc >= 0) {
				long k = nn_strtab_intern(t->classes, t->arena + at,
				    len);
				if (k < 0)
					errx(1, "%s:%lu: more than %lu distinct "
					    "classes", name,
					    nn_csv_line(c, (size_t)i),
					    (unsigned long)NN_STRTAB_MAX);
				t->cls[t->n] = (uint32_t)k;
			}
			t->n++;
		}
	}
	if (got < 0)
		die_err(1, &e);
}

static void
table_free(table *t)
{
	free(t->arena);
	free(t->row);
	free(t->cls);
	nn_strtab_free(t->classes);
}

/* ---- atomic output -------------------------------------------------------- */

/* The outputs being written (lib/atomic.c), and copies of their temporary
 * files' names for the signal handler.  SIGINT, SIGTERM and SIGHUP are held
 * while the outputs are created, dropped or committed, so the handler never
 * meets them half way; it runs only while rows are being written. */
static nn_atomic out[2];
static char *volatile sig_tmp[2];
static sigset_t held;

static void
on_signal(int sig)
{
	for (int i = 0; i < 2; i++)
		if (sig_tmp[i] != NULL)
			unlink(sig_tmp[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
hold_signals(int on)
{
	sigprocmask(on ? SIG_BLOCK : SIG_UNBLOCK, &held, NULL);
}

/* Forget the handler's names; with signals held. */
static void
forget_temps(void)
{
	for (int i = 0; i < 2; i++) {
		char *p = sig_tmp[i];
		sig_tmp[i] = NULL;
		free(p);
	}
}

/* Remove both temporary files, print "nn-split: MSG" and exit 1. */
static void __attribute__((noreturn))
fail_output(const char *msg)
{
	hold_signals(1);
	forget_temps();
	nn_atomic_abort(&out[0]);
	nn_atomic_abort(&out[1]);
	errx(1, "%s", msg);
}

/* A write to output k failed (errno set). */
static void __attribute__((noreturn))
write_failed(int k)
{
	nn_err e;

	nn_errf(&e, "%s: write: %s", out[k].path, strerror(errno));
	fail_output(e.msg);
}

/* Create both temporary files, TRAIN's then TEST's. */
static void
open_outputs(const char *train_path, const char *test_path)
{
	const char *path[2] = { train_path, test_path };
	nn_err e;

	sigemptyset(&held);
	sigaddset(&held, SIGINT);
	sigaddset(&held, SIGTERM);
	sigaddset(&held, SIGHUP);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	hold_signals(1);
	for (int k = 0; k < 2; k++) {
		if (nn_atomic_open(&out[k], path[k], &e) < 0)
			fail_output(e.msg);
		sig_tmp[k] = nn_xstrdup(out[k].tmp);
	}
	hold_signals(0);
}

/* Put both outputs in place, or neither (see nn_atomic_commit_all).
 * Signals stay held to the end: once the files are in place an interrupt
 * has nothing left to undo. */
static void
commit_outputs(void)
{
	nn_err e;

	hold_signals(1);
	forget_temps();
	if (nn_atomic_commit_all(out, 2, &e) < 0)
		die_err(1, &e);
}

/* The input's field separator, which the outputs keep. */
static int delim = ',';

static int
put_row(FILE *fp, const char *s, size_t ncols)
{
	for (size_t j = 0; j < ncols; j++) {
		if (j > 0 && putc(delim, fp) == EOF)
			return -1;
		if (nn_csv_put_d(fp, s, delim) < 0)
			return -1;
		s += strlen(s) + 1;
	}
	return putc('\n', fp) == EOF ? -1 : 0;
}

/* ---- main ------------------------------------------------------------- */

/* The column named by --target: a name, else a 1-based number.  -1 and a
 * message in e when there is no such column. */
static long
find_target(const nn_csv *c, const char *name, const char *target, nn_err *e)
{
	size_t nc = nn_csv_ncols(c), j = 0;
	const char *p;
	long k;

	if (target == NULL)
		return (long)nc - 1;
	if ((k = nn_csv_find(c, target)) >= 0)
		return k;
	for (p = target; *p >= '0' && *p <= '9'; p++)
		if (j <= nc)
			j = j * 10 + (size_t)(*p - '0');
	if (*p != '\0' || p == target)
		return nn_errf(e, "%s: no column \"%.40s%s\"", name, target,
		    strlen(target) > 40 ? "..." : "");
	if (j < 1 || j > nc)
		return nn_errf(e, "%s: column %.40s%s out of range (%zu columns)",
		    name, target, strlen(target) > 40 ? "..." : "", nc);
	return (long)j - 1;
}

static int
same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return 1;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
main(int argc, char **argv)
{
	const char *target = NULL, *name, *train_path, *test_path;
	int header = 1, stratify = 0, ch;
	double frac = SPLIT_TEST;
	uint64_t seed = SPLIT_SEED;
	uint32_t *order;
	uint8_t *is_test;
	size_t ntest;
	table t;
	nn_csv *c;
	nn_err e;
	FILE *fp;
	int *roles;
	long tc = -1;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case 't':
			if (nn_parse_double(optarg, 0, 1, &frac, "-t", &e) < 0 ||
			    frac <= 0 || frac >= 1)
				errx(2, "-t: expected a fraction in (0, 1), got "
				    "\"%.40s%s\"", optarg,
				    strlen(optarg) > 40 ? "..." : "");
			break;
		case OPT_SEED:
			seed = opt_seed(optarg, "--seed");
			break;
		case OPT_STRATIFY:
			stratify = 1;
			break;
		case OPT_TARGET:
			target = optarg;
			break;
		case OPT_NO_HEADER:
			header = 0;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		opt_missing(&options, argc == 0 ? "INPUT, TRAIN and TEST" :
		    argc == 1 ? "TRAIN and TEST" : "TEST");
	if (argc > 3)
		opt_extra(argv[3]);
	train_path = argv[1];
	test_path = argv[2];
	if (target != NULL && !stratify)
		errx(2, "--target: only with --stratify");
	if (strcmp(train_path, "-") == 0 || strcmp(test_path, "-") == 0)
		errx(2, "TRAIN and TEST must be file names, not \"-\"");
	if (same_file(train_path, test_path))
		errx(2, "TRAIN and TEST are the same file: %s", train_path);

	/* read and check everything before creating any file */
	if (nn_atomic_check(train_path, &e) < 0 ||
	    nn_atomic_check(test_path, &e) < 0)
		die_err(1, &e);
	fp = open_input(argv[0], &name);
	guard_output(train_path, "TRAIN");
	guard_output(test_path, "TEST");
	if ((c = nn_csv_open(fp, name, header, &e)) == NULL)
		die_err(1, &e);
	delim = nn_csv_delim(c);
	memset(&t, 0, sizeof(t));
	t.ncols = nn_csv_ncols(c);
	if (stratify && (tc = find_target(c, name, target, &e)) < 0) {
		nn_csv_free(c);
		die_err(1, &e);
	}
	roles = nn_xmalloc(t.ncols * sizeof(*roles));
	for (size_t j = 0; j < t.ncols; j++)
		roles[j] = NN_COL_TEXT(j);
	if (nn_csv_set_roles(c, roles, 0, t.ncols, 0, &e) < 0)
		die_err(1, &e);
	free(roles);
	t.acap = 4096;
	t.classes = nn_strtab_new();
	t.arena = nn_xmalloc(t.acap);
	read_rows(&t, c, name, tc);
	if (fp != stdin)
		fclose(fp);
	ntest = nn_split_ntest(frac, t.n);
	if (t.n < 2 || ntest >= t.n) {
		nn_csv_free(c);
		table_free(&t);
		if (t.n < 2)
			errx(1, "%s: %zu data row%s: at least 2 are needed to "
			    "split", name, t.n, t.n == 1 ? "" : "s");
		errx(1, "%s: -t %g of %zu rows leaves no row for training", name,
		    frac, t.n);
	}
	order = nn_xmalloc(t.n * sizeof(*order));
	is_test = nn_xmalloc(t.n);
	if (nn_split_holdout(stratify ? t.cls : NULL, t.n,
	    nn_strtab_count(t.classes), &ntest, seed, is_test, order, &e) < 0)
		die_err(1, &e);

	open_outputs(train_path, test_path);
	if (header)
		for (int k = 0; k < 2; k++) {
			for (size_t j = 0; j < t.ncols; j++)
				if ((j > 0 && putc(delim, out[k].fp) == EOF) ||
				    nn_csv_put_d(out[k].fp, nn_csv_colname(c, j),
				    delim) < 0)
					write_failed(k);
			if (putc('\n', out[k].fp) == EOF)
				write_failed(k);
		}
	for (size_t i = 0; i < t.n; i++) {
		size_t r = order[i];
		if (put_row(out[is_test[r]].fp, t.arena + t.row[r], t.ncols) < 0)
			write_failed(is_test[r]);
	}
	commit_outputs();

	nn_csv_free(c);
	table_free(&t);
	free(order);
	free(is_test);
	close_stdout();
	return 0;
}
