/*
 * test_strtab.c - lib/strtab.c: indices in order of first insertion, found
 * again by their bytes (with lengths, NUL bytes included), copies that
 * never move, and a table that grows without losing anything.
 */
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tap.h"

static long
in(nn_strtab *t, const char *s)
{
	return nn_strtab_intern(t, s, strlen(s));
}

static void
test_basics(void)
{
	nn_strtab *t = nn_strtab_new();
	const char *p;

	tap_ok(nn_strtab_count(t) == 0 && nn_strtab_find(t, "a", 1) == -1 &&
	    nn_strtab_str(t, 0) == NULL && nn_strtab_len(t, 0) == 0,
	    "a new table is empty");
	tap_ok(in(t, "setosa") == 0 && in(t, "versicolor") == 1 &&
	    in(t, "setosa") == 0 && in(t, "virginica") == 2 &&
	    in(t, "versicolor") == 1, "indices in order of first insertion");
	tap_ok(nn_strtab_count(t) == 3, "count 3");
	tap_ok(nn_strtab_find(t, "virginica", 9) == 2 &&
	    nn_strtab_find(t, "virgin", 6) == -1 &&
	    nn_strtab_find(t, "virginica!", 10) == -1 &&
	    nn_strtab_count(t) == 3, "find: whole strings only, never adds");
	tap_ok(nn_strtab_find(t, "virginica and more", 9) == 2,
	    "find takes the length, not the NUL");
	p = nn_strtab_str(t, 1);
	tap_ok(p != NULL && strcmp(p, "versicolor") == 0 &&
	    nn_strtab_len(t, 1) == 10, "str and len");
	tap_ok(in(t, "") == 3 && nn_strtab_find(t, "", 0) == 3 &&
	    strcmp(nn_strtab_str(t, 3), "") == 0, "the empty string is a "
	    "string");
	tap_ok(nn_strtab_intern(t, "a\0b", 3) == 4 &&
	    nn_strtab_intern(t, "a\0c", 3) == 5 &&
	    nn_strtab_intern(t, "a", 1) == 6 &&
	    nn_strtab_find(t, "a\0b", 3) == 4 && nn_strtab_len(t, 4) == 3 &&
	    memcmp(nn_strtab_str(t, 5), "a\0c", 4) == 0,
	    "NUL bytes are part of the string");
	nn_strtab_free(t);
	nn_strtab_free(NULL);
	tap_ok(1, "free, and free(NULL)");
}

/* Every length from 0 to 40, strings that differ in one byte at each
 * position: the short-string shortcut (equal hash and length) and the
 * word-at-a-time hash must never merge two of them. */
static void
test_near_misses(void)
{
	nn_strtab *t = nn_strtab_new();
	char s[41];
	long want = 0;
	int ok = 1;

	for (size_t n = 0; n <= 40; n++) {
		memset(s, 'x', n);
		if (nn_strtab_intern(t, s, n) != want++)
			ok = 0;
		for (size_t i = 0; i < n; i++) {
			for (int c = 0; c < 256; c += 51) {
				if (c == 'x')
					continue;
				s[i] = (char)c;
				if (nn_strtab_intern(t, s, n) != want++)
					ok = 0;
				s[i] = 'x';
			}
		}
	}
	tap_ok(ok && nn_strtab_count(t) == (size_t)want, "%ld near-miss "
	    "strings all distinct", want);
	ok = 1;
	want = 0;
	for (size_t n = 0; n <= 40; n++) {
		memset(s, 'x', n);
		if (nn_strtab_find(t, s, n) != want++)
			ok = 0;
		for (size_t i = 0; i < n; i++)
			for (int c = 0; c < 256; c += 51) {
				if (c == 'x')
					continue;
				s[i] = (char)c;
				if (nn_strtab_find(t, s, n) != want++)
					ok = 0;
				s[i] = 'x';
			}
	}
	tap_ok(ok, "and each found again at its index");
	nn_strtab_free(t);
}

/* Many strings: the slots are rebuilt many times, the copies never move. */
static void
test_growth(void)
{
	enum { N = 200000 };
	nn_strtab *t = nn_strtab_new();
	const char **first = malloc(N * sizeof(*first));
	char buf[64], *big;
	int ok = 1, moved = 0;

	for (long i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "id_%ld", i * 7919 % N);
		if (nn_strtab_intern(t, buf, (size_t)n) != i)
			ok = 0;
		first[i] = nn_strtab_str(t, (size_t)i);
	}
	tap_ok(ok && nn_strtab_count(t) == N, "%d distinct strings in order",
	    N);
	for (long i = 0; i < N; i++) {
		int n = snprintf(buf, sizeof(buf), "id_%ld", i * 7919 % N);
		if (nn_strtab_intern(t, buf, (size_t)n) != i ||
		    nn_strtab_find(t, buf, (size_t)n) != i ||
		    strcmp(nn_strtab_str(t, (size_t)i), buf) != 0)
			ok = 0;
		if (nn_strtab_str(t, (size_t)i) != first[i])
			moved++;
	}
	tap_ok(ok && nn_strtab_count(t) == N, "all found again, none added");
	tap_ok(moved == 0, "no copy moved while the table grew (%d)", moved);

	/* a string longer than an arena block */
	big = malloc(300000);
	memset(big, 'b', 300000);
	tap_ok(nn_strtab_intern(t, big, 300000) == N &&
	    nn_strtab_len(t, N) == 300000 &&
	    memcmp(nn_strtab_str(t, N), big, 300000) == 0 &&
	    nn_strtab_str(t, N)[300000] == '\0' &&
	    nn_strtab_find(t, big, 300000) == N &&
	    nn_strtab_find(t, big, 299999) == -1, "a 300 kB string");
	tap_ok(nn_strtab_str(t, 0) == first[0] && in(t, "after") == N + 1,
	    "and the table goes on");
	free(big);
	free(first);
	nn_strtab_free(t);
}

int
main(void)
{
	test_basics();
	test_near_misses();
	test_growth();
	return tap_done();
}
