/*
 * nn-split - split CSV rows at random into a training and a test file.
 *
 * A shuffle needs every row, so the input is read whole -- through the
 * streaming reader, each field kept as text exactly as it was (after CSV
 * unquoting) and written back with nn_csv_put, so numbers are never
 * reformatted.  The rows live in one growing arena of NUL-terminated fields
 * with an offset per row; a seeded Fisher-Yates shuffle of the row indices
 * decides the order, and the first ceil(t * n) rows go to TEST.
 *
 * --stratify gives each class (distinct value of the target column) its
 * share of the test rows: floor(test * count / n), the few rows left over
 * going to the classes with the largest remainders (Hamilton's method), so
 * the total is the same as without --stratify.
 *
 * Nothing is written until the whole input has been read and checked.  Each
 * output then goes to a temporary file beside its target; only when both are
 * complete and synced are they renamed into place.  On any error, or on
 * SIGINT/SIGTERM/SIGHUP, the temporary files are removed and existing
 * targets are left as they were.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define BATCH 1024

enum { OPT_SEED = 0x200, OPT_STRATIFY, OPT_TARGET, OPT_NO_HEADER };

static const struct option longopts[] = {
	{ "test", required_argument, NULL, 't' },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "stratify", no_argument, NULL, OPT_STRATIFY },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const char synopsis[] =
    "usage: nn-split [-t FRACTION] [--seed S] [--stratify] [--target NAME|N] "
    "[--no-header] INPUT TRAIN TEST\n";

static void __attribute__((noreturn))
usage(void)
{
	usage_exit(synopsis);
}

/* ---- the rows, in memory ------------------------------------------------ */

typedef struct table {
	size_t ncols;
	char *arena;             /* (alen) fields, each NUL-terminated */
	size_t alen, acap;
	size_t *row;             /* (n) arena offset of each row's first field */
	size_t n, rcap;
	/* with --stratify: */
	uint32_t *cls;           /* (n) class of each row */
	size_t *key;             /* (nclass) arena offset of the class's value */
	uint64_t *khash;         /* (nclass) */
	uint32_t *count;         /* (nclass) rows of each class */
	size_t nclass, kcap;
	uint32_t *tab;           /* (tcap) class + 1, 0 = empty; load <= 1/2 */
	size_t tcap;
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

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;     /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
rehash(table *t, size_t tcap)
{
	free(t->tab);
	t->tab = nn_xcalloc(tcap, sizeof(*t->tab));
	t->tcap = tcap;
	for (size_t c = 0; c < t->nclass; c++) {
		size_t i = t->khash[c] & (tcap - 1);
		while (t->tab[i])
			i = (i + 1) & (tcap - 1);
		t->tab[i] = (uint32_t)c + 1;
	}
}

/* The class of value s (at arena offset off), a new one when unseen. */
static uint32_t
intern(table *t, size_t off)
{
	const char *s = t->arena + off;
	uint64_t h = hash_str(s);
	size_t i;

	if (2 * (t->nclass + 1) > t->tcap)
		rehash(t, t->tcap ? 2 * t->tcap : 64);
	for (i = h & (t->tcap - 1); t->tab[i]; i = (i + 1) & (t->tcap - 1)) {
		uint32_t c = t->tab[i] - 1;
		if (t->khash[c] == h && strcmp(t->arena + t->key[c], s) == 0) {
			t->count[c]++;
			return c;
		}
	}
	if (t->nclass == t->kcap) {
		t->kcap = t->kcap ? 2 * t->kcap : 64;
		t->key = nn_xrealloc(t->key, t->kcap * sizeof(*t->key));
		t->khash = nn_xrealloc(t->khash, t->kcap * sizeof(*t->khash));
		t->count = nn_xrealloc(t->count, t->kcap * sizeof(*t->count));
	}
	t->key[t->nclass] = off;
	t->khash[t->nclass] = h;
	t->count[t->nclass] = 1;
	t->tab[i] = (uint32_t)t->nclass + 1;
	return (uint32_t)t->nclass++;
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
			size_t at = 0;
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
				if ((long)j == tc)
					at = off;
			}
			if (tc >= 0)
				t->cls[t->n] = intern(t, at);
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
	free(t->key);
	free(t->khash);
	free(t->count);
	free(t->tab);
}

/* ---- deciding the split ------------------------------------------------ */

/* ceil(t * n), forgiving the rounding error of t * n itself (0.07 * 100 is
 * 7.000000000000001 in binary). */
static size_t
test_rows(double t, size_t n)
{
	return (size_t)ceil(t * (double)n * (1 - 1e-12));
}

/* Per-class test quotas summing to ntest: floor(ntest * count / n) each,
 * then one more for the classes with the largest remainders, ties broken by
 * a random order of the classes. */
typedef struct share {
	uint64_t rem;
	uint32_t rank, cls;
} share;

static int
cmp_share(const void *a, const void *b)
{
	const share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static uint32_t *
quotas(const table *t, size_t ntest, nn_rng *r)
{
	uint32_t *q = nn_xcalloc(t->nclass, sizeof(*q));
	uint32_t *order = nn_xmalloc(t->nclass * sizeof(*order));
	share *s = nn_xmalloc(t->nclass * sizeof(*s));
	size_t given = 0;

	for (size_t c = 0; c < t->nclass; c++)
		order[c] = (uint32_t)c;
	nn_rng_shuffle(r, order, t->nclass);
	for (size_t c = 0; c < t->nclass; c++) {
		uint64_t p = (uint64_t)ntest * t->count[c];
		q[c] = (uint32_t)(p / t->n);
		given += q[c];
		s[c].rem = p % t->n;
		s[c].cls = (uint32_t)c;
		s[order[c]].rank = (uint32_t)c;
	}
	qsort(s, t->nclass, sizeof(*s), cmp_share);
	for (size_t i = 0; given < ntest; i++, given++)
		q[s[i].cls]++;
	free(s);
	free(order);
	return q;
}

/* ---- atomic output -------------------------------------------------------- */

/* The temporary files being written, for the signal handler. */
static char *volatile tmp_path[2];

static void
on_signal(int sig)
{
	for (int i = 0; i < 2; i++)
		if (tmp_path[i] != NULL)
			unlink(tmp_path[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
remove_temps(void)
{
	for (int i = 0; i < 2; i++) {
		char *p = tmp_path[i];
		tmp_path[i] = NULL;
		if (p != NULL) {
			unlink(p);
			free(p);
		}
	}
}

/* Print "nn-split: path: strerror(errno)", remove the temporary files and
 * exit 1. */
static void __attribute__((noreturn))
fail_output(const char *path)
{
	int saved = errno;

	remove_temps();
	errno = saved;
	err(1, "%s", path);
}

/* Create the temporary file for target path as tmp_path[slot]: in the same
 * directory, so rename cannot cross file systems, with the permissions a
 * new file would get. */
static FILE *
open_temp(const char *path, int slot)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	const char *base = path + dlen;
	size_t blen = strlen(base);
	char *tmp = nn_xmalloc(dlen + blen + 16);
	mode_t mask;
	FILE *fp;
	int fd;

	memcpy(tmp, path, dlen);
	tmp[dlen] = '.';
	memcpy(tmp + dlen + 1, base, blen);
	memcpy(tmp + dlen + 1 + blen, ".XXXXXX", 8);
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		fail_output(path);
	}
	tmp_path[slot] = tmp;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || (fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		fail_output(path);
	}
	return fp;
}

static int
put_row(FILE *fp, const char *s, size_t ncols)
{
	for (size_t j = 0; j < ncols; j++) {
		if (j > 0 && putc(',', fp) == EOF)
			return -1;
		if (nn_csv_put(fp, s) < 0)
			return -1;
		s += strlen(s) + 1;
	}
	return putc('\n', fp) == EOF ? -1 : 0;
}

/* Flush, sync and close fp; a failure is an error on path. */
static void
finish(FILE *fp, const char *path)
{
	if (fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) < 0) {
		int saved = errno ? errno : EIO;
		fclose(fp);
		errno = saved;
		fail_output(path);
	}
	if (fclose(fp) != 0)
		fail_output(path);
}

/* Sync the directory holding path, so the renames survive a crash. */
static void
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (slash == NULL)
		dir = nn_xstrdup(".");
	else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);
		dir = nn_xmalloc(n + 1);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if ((fd = open(dir, O_RDONLY)) >= 0) {
		fsync(fd);           /* best effort: some file systems refuse */
		close(fd);
	}
	free(dir);
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
	double frac = 0.25;
	uint64_t seed = 1;
	uint32_t *perm, *quota = NULL, *taken = NULL;
	size_t ntest;
	table t;
	nn_rng rng;
	nn_csv *c;
	nn_err e;
	FILE *fp, *out[2];
	int *roles;
	long tc = -1;

	while ((ch = getopt_long(argc, argv, "t:", longopts, NULL)) != -1) {
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
	if (argc != 3)
		usage();
	train_path = argv[1];
	test_path = argv[2];
	if (target != NULL && !stratify)
		errx(2, "--target: only with --stratify");
	if (strcmp(train_path, "-") == 0 || strcmp(test_path, "-") == 0)
		errx(2, "TRAIN and TEST must be file names, not \"-\"");
	if (same_file(train_path, test_path))
		errx(2, "TRAIN and TEST are the same file: %s", train_path);

	/* read and check everything before creating any file */
	fp = open_input(argv[0], &name);
	guard_output(train_path, "TRAIN");
	guard_output(test_path, "TEST");
	if ((c = nn_csv_open(fp, name, header, &e)) == NULL)
		die_err(1, &e);
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
	t.arena = nn_xmalloc(t.acap);
	read_rows(&t, c, name, tc);
	if (fp != stdin)
		fclose(fp);
	if (t.n < 2)
		errx(1, "%s: %zu data row%s: at least 2 are needed to split", name,
		    t.n, t.n == 1 ? "" : "s");
	ntest = test_rows(frac, t.n);
	if (ntest >= t.n)
		errx(1, "%s: -t %g of %zu rows leaves no row for training", name,
		    frac, t.n);

	nn_rng_seed(&rng, seed);
	perm = nn_xmalloc(t.n * sizeof(*perm));
	for (size_t i = 0; i < t.n; i++)
		perm[i] = (uint32_t)i;
	nn_rng_shuffle(&rng, perm, t.n);
	if (stratify) {
		quota = quotas(&t, ntest, &rng);
		taken = nn_xcalloc(t.nclass, sizeof(*taken));
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	out[0] = open_temp(train_path, 0);
	out[1] = open_temp(test_path, 1);
	if (header)
		for (int k = 0; k < 2; k++) {
			for (size_t j = 0; j < t.ncols; j++)
				if ((j > 0 && putc(',', out[k]) == EOF) ||
				    nn_csv_put(out[k], nn_csv_colname(c, j)) < 0)
					fail_output(k ? test_path : train_path);
			if (putc('\n', out[k]) == EOF)
				fail_output(k ? test_path : train_path);
		}
	for (size_t i = 0; i < t.n; i++) {
		size_t r = perm[i];
		int to_test;
		if (stratify) {
			uint32_t k = t.cls[r];
			to_test = taken[k] < quota[k];
			taken[k] += to_test;
		} else
			to_test = i < ntest;
		if (put_row(out[to_test], t.arena + t.row[r], t.ncols) < 0)
			fail_output(to_test ? test_path : train_path);
	}
	finish(out[0], train_path);
	finish(out[1], test_path);
	if (rename(tmp_path[0], train_path) < 0)
		fail_output(train_path);
	free(tmp_path[0]);
	tmp_path[0] = NULL;
	if (rename(tmp_path[1], test_path) < 0) {
		int saved = errno;
		unlink(train_path);  /* not one output without the other */
		errno = saved;
		fail_output(test_path);
	}
	free(tmp_path[1]);
	tmp_path[1] = NULL;
	sync_dir(train_path);
	sync_dir(test_path);

	nn_csv_free(c);
	table_free(&t);
	free(perm);
	free(quota);
	free(taken);
	close_stdout();
	return 0;
}
