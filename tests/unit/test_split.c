/*
 * test_split.c - lib/split.c: the hold-out split and the K-fold deal are
 * deterministic from the seed, stratify by class exactly as documented
 * (largest remainders, a training row kept per class of two or more), and
 * refuse bad arguments without writing anything.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tap.h"

/* Class sizes -> y: rows of class 0 first, then 1, ... */
static uint32_t *
make_y(const size_t *count, size_t nclass, size_t *n)
{
	uint32_t *y;
	size_t m = 0;

	for (size_t c = 0; c < nclass; c++)
		m += count[c];
	y = nn_xmalloc((m ? m : 1) * sizeof(*y));
	*n = 0;
	for (size_t c = 0; c < nclass; c++)
		for (size_t i = 0; i < count[c]; i++)
			y[(*n)++] = (uint32_t)c;
	return y;
}

/* order is a permutation of 0 .. n-1 */
static int
is_perm(const uint32_t *order, size_t n)
{
	uint8_t *seen = nn_xcalloc(n ? n : 1, 1);
	int ok = 1;

	for (size_t i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]])
			ok = 0;
		else
			seen[order[i]] = 1;
	}
	free(seen);
	return ok;
}

static void
test_ntest(void)
{
	tap_ok(nn_split_ntest(0.3, 200) == 60, "0.3 of 200 is 60");
	tap_ok(nn_split_ntest(0.25, 3) == 1, "0.25 of 3 rounds up to 1");
	tap_ok(nn_split_ntest(0.07, 100) == 7, "0.07 of 100 is 7, not 8");
	tap_ok(nn_split_ntest(0.301, 100) == 31, "0.301 of 100 is 31");
	tap_ok(nn_split_ntest(0.5, 2) == 1, "0.5 of 2 is 1");
	tap_ok(nn_split_ntest(0, 10) == 0 && nn_split_ntest(-1, 10) == 0 &&
	    nn_split_ntest(NAN, 10) == 0, "0, negative, NaN: 0");
	tap_ok(nn_split_ntest(1, 10) == 10 && nn_split_ntest(2, 10) == 10,
	    "1 and more: all");
}

static void
test_plain(void)
{
	enum { N = 1000 };
	uint8_t a[N], b[N];
	uint32_t oa[N], ob[N];
	size_t t1 = 250, t2 = 250, k = 0, first = 0;
	nn_err e;
	nn_rng r;

	tap_ok(nn_split_holdout(NULL, N, 0, &t1, 42, a, oa, &e) == 0 &&
	    nn_split_holdout(NULL, N, 0, &t2, 42, b, ob, &e) == 0 &&
	    memcmp(a, b, N) == 0 && memcmp(oa, ob, sizeof(oa)) == 0,
	    "plain: the same seed gives the same split and order");
	for (size_t i = 0; i < N; i++) {
		k += a[i];
		first += a[oa[i]] == (i < 250);
	}
	tap_ok(t1 == 250 && k == 250 && first == N && is_perm(oa, N),
	    "plain: 250 test rows, the first 250 of the order");
	t2 = 250;
	nn_split_holdout(NULL, N, 0, &t2, 43, b, ob, &e);
	tap_ok(memcmp(a, b, N) != 0, "plain: another seed, another split");

	/* the documented stream: seed ^ NN_SEED_SPLIT, one shuffle of 0..n-1 */
	nn_rng_seed(&r, 42 ^ NN_SEED_SPLIT);
	for (size_t i = 0; i < N; i++)
		ob[i] = (uint32_t)i;
	nn_rng_shuffle(&r, ob, N);
	tap_ok(memcmp(oa, ob, sizeof(oa)) == 0, "plain: the order is the "
	    "shuffle of seed ^ NN_SEED_SPLIT");

	/* order may be NULL */
	t2 = 250;
	tap_ok(nn_split_holdout(NULL, N, 0, &t2, 42, b, NULL, &e) == 0 &&
	    memcmp(a, b, N) == 0, "plain: without order, the same split");
	t2 = 0;
	tap_ok(nn_split_holdout(NULL, N, 0, &t2, 42, b, NULL, &e) == 0 &&
	    memchr(b, 1, N) == NULL, "plain: 0 test rows");
}

/* Check one stratified split against the documented rule; 1 if it holds,
 * else 0 with the reason in why.  want: the rows asked for, got: given. */
static int
check_strat(const uint32_t *y, size_t n, const size_t *count, size_t nclass,
    size_t want, size_t got, const uint8_t *is_test, const uint32_t *order,
    char *why, size_t whylen)
{
	size_t *q = nn_xcalloc(nclass, sizeof(*q)), *seen;
	size_t total = 0, room = 0, floors = 0, open = 0;
	int ok = 1;

	for (size_t i = 0; i < n; i++)
		if (is_test[i]) {
			q[y[i]]++;
			total++;
		}
	for (size_t c = 0; c < nclass; c++) {
		size_t cap = count[c] >= 2 ? count[c] - 1 : count[c];
		size_t fl = (size_t)((uint64_t)want * count[c] / n);
		room += cap;
		floors += fl;
		open += fl < cap;
	}
	if (total != got || got != (want < room ? want : room)) {
		snprintf(why, whylen, "total %zu, reported %zu, want %zu, room "
		    "%zu", total, got, want, room);
		ok = 0;
	}
	for (size_t c = 0; c < nclass; c++) {
		size_t cap = count[c] >= 2 ? count[c] - 1 : count[c];
		size_t fl = (size_t)((uint64_t)want * count[c] / n);
		/* at least its share rounded down, never past its cap, and
		 * at most one more when one round of extras was enough */
		if (q[c] < fl || q[c] > cap ||
		    (want - floors <= open && q[c] > fl + 1)) {
			snprintf(why, whylen, "class %zu: %zu of %zu in test, "
			    "floor %zu, cap %zu", c, q[c], count[c], fl, cap);
			ok = 0;
		}
	}
	/* each class's test rows come first among its rows in the order */
	seen = nn_xcalloc(nclass, sizeof(*seen));
	for (size_t i = 0; ok && i < n; i++) {
		uint32_t r = order[i], c = y[r];
		if (is_test[r] != (seen[c] < q[c])) {
			snprintf(why, whylen, "row %lu out of order",
			    (unsigned long)r);
			ok = 0;
		}
		seen[c]++;
	}
	free(seen);
	free(q);
	return ok;
}

static void
test_stratified(void)
{
	char why[128] = "";
	nn_err e = { "" };

	/* 80 / 20, T = 33: 26.4 and 6.6 -> 26 and 7 (the bats rows) */
	{
		size_t count[] = { 80, 20 }, n, t = 33;
		uint32_t *y = make_y(count, 2, &n), order[100];
		uint8_t is_test[100];
		size_t qa = 0, qb = 0;
		tap_ok(nn_split_holdout(y, n, 2, &t, 1, is_test, order, &e) == 0,
		    "80/20: split (%s)", e.msg);
		for (size_t i = 0; i < n; i++)
			*(y[i] ? &qb : &qa) += is_test[i];
		tap_ok(t == 33 && qa == 26 && qb == 7, "80/20, 33 test rows: "
		    "26 + 7 (got %zu + %zu)", qa, qb);
		t = 25;
		nn_split_holdout(y, n, 2, &t, 1, is_test, order, &e);
		qa = qb = 0;
		for (size_t i = 0; i < n; i++)
			*(y[i] ? &qb : &qa) += is_test[i];
		tap_ok(t == 25 && qa == 20 && qb == 5, "80/20, 25 test rows: "
		    "20 + 5 (got %zu + %zu)", qa, qb);
		free(y);
	}

	/* many random class layouts and sizes against the rule */
	{
		nn_rng r;
		int ok = 1, tried = 0, det = 1;
		nn_rng_seed(&r, 7);
		for (int trial = 0; trial < 400 && ok; trial++) {
			size_t nclass = 1 + (size_t)nn_rng_below(&r, 12), n;
			size_t count[12], want;
			uint32_t *y, *order, *order2;
			uint8_t *is_test, *is_test2;
			for (size_t c = 0; c < nclass; c++)
				count[c] = (size_t)nn_rng_below(&r,
				    trial % 3 == 0 ? 4 : 60);
			y = make_y(count, nclass, &n);
			if (n < 2) {
				free(y);
				continue;
			}
			/* the class order must not matter: mix the rows */
			nn_rng_shuffle(&r, y, n);
			want = 1 + (size_t)nn_rng_below(&r, n - 1);
			order = nn_xmalloc(n * sizeof(*order));
			order2 = nn_xmalloc(n * sizeof(*order2));
			is_test = nn_xmalloc(n);
			is_test2 = nn_xmalloc(n);
			size_t got = want, got2 = want;
			uint64_t seed = nn_rng_u64(&r);
			if (nn_split_holdout(y, n, nclass, &got, seed, is_test,
			    order, &e) < 0) {
				snprintf(why, sizeof(why), "%.100s", e.msg);
				ok = 0;
			} else if (!check_strat(y, n, count, nclass, want, got,
			    is_test, order, why, sizeof(why)))
				ok = 0;
			else if (got == 0) {
				snprintf(why, sizeof(why), "no test row");
				ok = 0;
			}
			nn_split_holdout(y, n, nclass, &got2, seed, is_test2,
			    order2, &e);
			if (got2 != got || memcmp(is_test, is_test2, n) != 0 ||
			    memcmp(order, order2, n * sizeof(*order)) != 0)
				det = 0;
			tried++;
			free(y);
			free(order);
			free(order2);
			free(is_test);
			free(is_test2);
		}
		tap_ok(ok, "%d random stratified splits: quotas within the "
		    "rule, totals, order %s", tried, why);
		tap_ok(det, "and each is the same when run again");
	}

	/* the limits: 3 classes of 2 rows, 5 of 6 asked: 1 each */
	{
		size_t count[] = { 2, 2, 2 }, n, t = 5;
		uint32_t *y = make_y(count, 3, &n), order[6];
		uint8_t is_test[6];
		int ok;
		ok = nn_split_holdout(y, n, 3, &t, 3, is_test, order, &e) == 0 &&
		    t == 3;
		for (size_t i = 0; i < n; i += 2)
			ok = ok && is_test[i] + is_test[i + 1] == 1;
		tap_ok(ok, "2+2+2 rows, 5 asked: 3, one of each class (got %zu)",
		    t);
		free(y);
	}
	/* single-row classes split like plain rows */
	{
		enum { N = 100 };
		uint32_t y[N], order[N];
		uint8_t is_test[N];
		size_t t = 33, k = 0;
		for (size_t i = 0; i < N; i++)
			y[i] = (uint32_t)i;
		tap_ok(nn_split_holdout(y, N, N, &t, 5, is_test, order, &e) == 0 &&
		    t == 33, "100 classes of one row, 33 asked: 33 (got %zu)", t);
		for (size_t i = 0; i < N; i++)
			k += is_test[i];
		tap_ok(k == 33, "and 33 marked");
	}
	/* a class that does not occur, and one class only */
	{
		uint32_t y[] = { 2, 2, 0, 2, 0, 0, 2, 2 }, order[8];
		uint8_t is_test[8];
		size_t t = 4, q0 = 0, q2 = 0;
		tap_ok(nn_split_holdout(y, 8, 4, &t, 9, is_test, order, &e) == 0 &&
		    t == 4, "classes 1 and 3 empty: 4 of 8");
		for (size_t i = 0; i < 8; i++)
			*(y[i] ? &q2 : &q0) += is_test[i];
		tap_ok(q0 + q2 == 4 && (q0 == 1 || q0 == 2) &&
		    (q2 == 2 || q2 == 3), "3 + 5 rows: %zu + %zu", q0, q2);
	}
}

static void
test_kfold(void)
{
	enum { N = 1003 };
	static uint32_t y[N], fold[N], fold2[N];
	nn_err e;
	nn_rng r;
	int ok;

	nn_rng_seed(&r, 11);
	for (size_t i = 0; i < N; i++)
		y[i] = (uint32_t)(nn_rng_below(&r, 100) < 70 ? 0 :
		    nn_rng_below(&r, 4) + 1);
	for (size_t k = 2; k <= 10; k++) {
		size_t size[10] = { 0 }, per[5][10], lo = N, hi = 0;
		memset(per, 0, sizeof(per));
		ok = nn_split_kfold(y, N, 5, k, 99, fold, &e) == 0;
		for (size_t i = 0; ok && i < N; i++) {
			if (fold[i] >= k) {
				ok = 0;
				break;
			}
			size[fold[i]]++;
			per[y[i]][fold[i]]++;
		}
		for (size_t f = 0; f < k; f++) {
			lo = size[f] < lo ? size[f] : lo;
			hi = size[f] > hi ? size[f] : hi;
		}
		ok = ok && hi - lo <= 1;
		for (size_t c = 0; ok && c < 5; c++) {
			size_t clo = N, chi = 0;
			for (size_t f = 0; f < k; f++) {
				clo = per[c][f] < clo ? per[c][f] : clo;
				chi = per[c][f] > chi ? per[c][f] : chi;
			}
			ok = chi - clo <= 1;
		}
		tap_ok(ok, "k = %zu: every row in one fold, sizes %zu..%zu, each "
		    "class within one row across folds", k, lo, hi);
	}
	nn_split_kfold(y, N, 5, 5, 99, fold, &e);
	nn_split_kfold(y, N, 5, 5, 99, fold2, &e);
	tap_ok(memcmp(fold, fold2, sizeof(fold)) == 0, "the same seed, the same "
	    "folds");
	nn_split_kfold(y, N, 5, 5, 100, fold2, &e);
	tap_ok(memcmp(fold, fold2, sizeof(fold)) != 0, "another seed, other "
	    "folds");

	/* without classes: the shuffle of seed ^ NN_SEED_KFOLD dealt in turn
	 * (nn-train's deal for regression) */
	{
		uint32_t idx[N];
		ok = nn_split_kfold(NULL, N, 0, 7, 5, fold, &e) == 0;
		nn_rng_seed(&r, 5 ^ NN_SEED_KFOLD);
		for (size_t i = 0; i < N; i++)
			idx[i] = (uint32_t)i;
		nn_rng_shuffle(&r, idx, N);
		for (size_t i = 0; ok && i < N; i++)
			ok = fold[idx[i]] == i % 7;
		tap_ok(ok, "plain: the shuffle of seed ^ NN_SEED_KFOLD, dealt in "
		    "turn");
	}
	/* k = n: one row per fold */
	{
		uint32_t f[4], yy[4] = { 0, 1, 0, 1 };
		int seen = 0;
		ok = nn_split_kfold(yy, 4, 2, 4, 1, f, &e) == 0;
		for (int i = 0; ok && i < 4; i++)
			seen |= 1 << f[i];
		tap_ok(ok && seen == 15, "k = n: one row per fold");
	}
}

static void
test_bad(void)
{
	uint32_t y[4] = { 0, 1, 2, 1 }, fold[4] = { 7, 7, 7, 7 }, order[4];
	uint8_t is_test[4] = { 9, 9, 9, 9 };
	size_t t;
	nn_err e;

	t = 4;
	tap_ok(nn_split_holdout(NULL, 4, 0, &t, 1, is_test, order, &e) < 0 &&
	    strstr(e.msg, "none for training") != NULL, "holdout: all rows "
	    "asked: \"%s\"", e.msg);
	t = 5;
	tap_ok(nn_split_holdout(y, 4, 3, &t, 1, is_test, order, &e) < 0,
	    "holdout: more rows than there are: \"%s\"", e.msg);
	t = 1;
	tap_ok(nn_split_holdout(y, 4, 2, &t, 1, is_test, order, &e) < 0 &&
	    strstr(e.msg, "row 3") != NULL, "holdout: a class out of range: "
	    "\"%s\"", e.msg);
	tap_ok(is_test[0] == 9 && is_test[3] == 9 && t == 1,
	    "holdout: nothing written on error");
	t = 1;
	tap_ok(nn_split_holdout(y, 4, 0, &t, 1, is_test, order, &e) < 0,
	    "holdout: classes but nclass 0: \"%s\"", e.msg);
	t = 0;
	tap_ok(nn_split_holdout(NULL, 0, 0, &t, 1, is_test, order, &e) == 0 &&
	    t == 0, "holdout: no rows, none asked: fine");

	tap_ok(nn_split_kfold(y, 4, 3, 1, 1, fold, &e) < 0 &&
	    strstr(e.msg, "at least 2") != NULL, "kfold: k = 1: \"%s\"", e.msg);
	tap_ok(nn_split_kfold(y, 4, 3, 0, 1, fold, &e) < 0, "kfold: k = 0");
	tap_ok(nn_split_kfold(y, 4, 3, 5, 1, fold, &e) < 0 &&
	    strstr(e.msg, "empty") != NULL, "kfold: k > n: \"%s\"", e.msg);
	tap_ok(nn_split_kfold(y, 4, 2, 2, 1, fold, &e) < 0, "kfold: a class "
	    "out of range: \"%s\"", e.msg);
	tap_ok(nn_split_kfold(NULL, 0, 0, 2, 1, fold, &e) < 0, "kfold: no "
	    "rows");
	tap_ok(fold[0] == 7 && fold[3] == 7, "kfold: nothing written on error");
}

int
main(void)
{
	test_ntest();
	test_plain();
	test_stratified();
	test_kfold();
	test_bad();
	return tap_done();
}
