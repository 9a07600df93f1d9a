/*
 * split.c - the one hold-out split and the one K-fold deal, over row class
 * indices: nn-split's TRAIN/TEST, and the validation rows and folds of
 * training.
 *
 * Both start from one seeded shuffle of all the rows.  A hold-out walks
 * that order and sends a row to the test side while its class's quota is
 * not yet filled, so each class's test rows are a uniform sample of the
 * class and both sides keep the shuffled order.  The quotas share the test
 * rows out in proportion to the class sizes by largest remainders
 * (Hamilton's method), so they add up to the rows asked for -- a
 * stratified split is exactly as large as a plain one -- with one limit
 * that a model needs: a class with rows to spare keeps one for training.
 * A class of a single row is a row like any other (stratifying on a column
 * of distinct values is then a plain split).
 *
 * K folds deal the shuffled rows, class after class, round-robin into the
 * folds, the count running on from one class to the next: every fold is
 * within one row of the others in size, and every class within one row of
 * its share in each fold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_csv.h"

size_t
nn_split_ntest(double frac, size_t n)
{
	double t;

	if (!(frac > 0))
		return 0;
	if (frac >= 1)
		return n;
	/* 0.07 * 100 is 7.000000000000001 in binary: forgive that much */
	t = ceil(frac * (double)n * (1 - 1e-12));
	return t < (double)n ? (size_t)t : n;
}

/* Arguments both functions share: n fits the uint32_t indices, every class
 * index is below nclass. */
static int
check_rows(const uint32_t *y, size_t n, size_t nclass, nn_err *e)
{
	if (n > UINT32_MAX)
		return nn_errf(e, "%zu rows: at most %lu can be split", n,
		    (unsigned long)UINT32_MAX);
	if (y == NULL)
		return 0;
	if (nclass > UINT32_MAX)
		return nn_errf(e, "%zu classes: at most %lu", nclass,
		    (unsigned long)UINT32_MAX);
	for (size_t i = 0; i < n; i++)
		if (y[i] >= nclass)
			return nn_errf(e, "row %zu: class %lu, but there are %zu "
			    "classes", i + 1, (unsigned long)y[i], nclass);
	return 0;
}

/* The rows 0 .. n-1 in the shuffled order of r. */
static void
shuffled(nn_rng *r, uint32_t *perm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	nn_rng_shuffle(r, perm, n);
}

/* ====================================================================== */
/* Hold-out                                                               */
/* ====================================================================== */

typedef struct share {
	uint64_t rem;            /* remainder of ntest * count / n */
	uint32_t rank;           /* random tie-break */
	uint32_t cls;
} share;

static int
cmp_share(const void *a, const void *b)
{
	const share *x = a, *y = b;

	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The most test rows a class of k rows gives: all but one, unless it has
 * only the one. */
static size_t
spare(size_t k)
{
	return k >= 2 ? k - 1 : k;
}

/* Per-class test quotas q (nclass): floor(ntest * count / n) each -- never
 * the whole class, as ntest < n -- then one more per class in order of
 * largest remainder (ties in the random order r gives), skipping a class
 * that cannot spare it; rounds of one more each continue in the same order
 * while rows are still missing and some class can spare one.  Returns the
 * total: ntest unless the classes cannot spare that many. */
static size_t
quotas(const size_t *count, size_t nclass, size_t n, size_t ntest,
    nn_rng *r, size_t *q)
{
	share *s = nn_xmalloc((nclass ? nclass : 1) * sizeof(*s));
	uint32_t *order = nn_xmalloc((nclass ? nclass : 1) * sizeof(*order));
	size_t given = 0, live;

	shuffled(r, order, nclass);
	for (size_t c = 0; c < nclass; c++) {
		uint64_t p = (uint64_t)ntest * count[c];
		q[c] = (size_t)(p / n);
		given += q[c];
		s[c].rem = p % n;
		s[c].cls = (uint32_t)c;
		s[order[c]].rank = (uint32_t)c;
	}
	qsort(s, nclass, sizeof(*s), cmp_share);
	/* s[0 .. live) are the classes that may still take a row */
	live = nclass;
	while (given < ntest && live > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < live; i++) {
			uint32_t c = s[i].cls;
			if (given < ntest && q[c] < spare(count[c])) {
				q[c]++;
				given++;
			}
			if (q[c] < spare(count[c]))
				s[kept++] = s[i];
		}
		live = kept;
	}
	free(order);
	free(s);
	return given;
}

int
nn_split_holdout(const uint32_t *y, size_t n, size_t nclass, size_t *ntest,
    uint64_t seed, uint8_t *is_test, uint32_t *order, nn_err *e)
{
	uint32_t *perm;
	size_t *count, *q, want = *ntest;
	nn_rng r;

	if (check_rows(y, n, nclass, e) < 0)
		return -1;
	if (want > 0 && want >= n)
		return nn_errf(e, "%zu test rows of %zu leave none for training",
		    want, n);
	perm = order != NULL ? order : nn_xmalloc((n ? n : 1) * sizeof(*perm));
	nn_rng_seed(&r, seed ^ NN_SEED_SPLIT);
	shuffled(&r, perm, n);
	if (y == NULL) {
		for (size_t i = 0; i < n; i++)
			is_test[perm[i]] = i < want;
	} else {
		count = nn_xcalloc(nclass ? nclass : 1, sizeof(*count));
		q = nn_xmalloc((nclass ? nclass : 1) * sizeof(*q));
		for (size_t i = 0; i < n; i++)
			count[y[i]]++;
		*ntest = quotas(count, nclass, n, want, &r, q);
		/* count becomes the test rows taken so far */
		memset(count, 0, (nclass ? nclass : 1) * sizeof(*count));
		for (size_t i = 0; i < n; i++) {
			uint32_t c = y[perm[i]];
			is_test[perm[i]] = count[c] < q[c];
			count[c] += is_test[perm[i]];
		}
		free(q);
		free(count);
	}
	if (perm != order)
		free(perm);
	return 0;
}

/* ====================================================================== */
/* K folds                                                                */
/* ====================================================================== */

int
nn_split_kfold(const uint32_t *y, size_t n, size_t nclass, size_t k,
    uint64_t seed, uint32_t *fold, nn_err *e)
{
	uint32_t *perm, *byclass;
	size_t *at;
	nn_rng r;

	if (check_rows(y, n, nclass, e) < 0)
		return -1;
	if (k < 2 || k > UINT32_MAX)
		return nn_errf(e, "k = %zu: at least 2 folds are needed", k);
	if (k > n)
		return nn_errf(e, "%zu folds of %zu rows: a fold would be empty",
		    k, n);
	perm = nn_xmalloc(n * sizeof(*perm));
	nn_rng_seed(&r, seed ^ NN_SEED_KFOLD);
	shuffled(&r, perm, n);
	if (y == NULL) {
		for (size_t i = 0; i < n; i++)
			fold[perm[i]] = (uint32_t)(i % k);
		free(perm);
		return 0;
	}
	/* The shuffled rows grouped by class, each class in shuffled order
	 * (a counting sort), then dealt in that order. */
	at = nn_xcalloc(nclass + 1, sizeof(*at));
	for (size_t i = 0; i < n; i++)
		at[y[i] + 1]++;
	for (size_t c = 0; c < nclass; c++)
		at[c + 1] += at[c];
	byclass = nn_xmalloc(n * sizeof(*byclass));
	for (size_t i = 0; i < n; i++)
		byclass[at[y[perm[i]]]++] = perm[i];
	for (size_t i = 0; i < n; i++)
		fold[byclass[i]] = (uint32_t)(i % k);
	free(byclass);
	free(at);
	free(perm);
	return 0;
}
