/*
 * test_fmt.c - nn_fmt_g9 against printf("%.9g"): special values, every
 * power of ten and two with its neighbours, exact ties, the edges of the
 * fixed/exponential switch, and a few million random floats (random bit
 * patterns over the whole range, and probabilities in [0, 1]).  printf is
 * the reference: the expected strings are never written here.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn.h"
#include "nn_fmt.h"
#include "tap.h"

static size_t nbad;
static char first_bad[128];

/* Compare one value; remember the first mismatch. */
static void
check(float v)
{
	char got[NN_FMT_G9_MAX + 8], want[64];
	size_t n;

	memset(got, 'X', sizeof(got));
	n = nn_fmt_g9(got, v);
	snprintf(want, sizeof(want), "%.9g", (double)v);
	if (n != strlen(want) || strcmp(got, want) != 0 || n >= NN_FMT_G9_MAX) {
		if (nbad++ == 0)
			snprintf(first_bad, sizeof(first_bad), "%a: \"%.24s\" for \"%s\"",
			    (double)v, got, want);
	}
}

/* v and its neighbours, both signs */
static void
around(float v, int k)
{
	float a = v, b = v;

	for (int i = 0; i <= k; i++) {
		check(a);
		check(-a);
		check(b);
		check(-b);
		a = nextafterf(a, INFINITY);
		b = nextafterf(b, 0);
	}
}

static int
done(const char *what)
{
	int ok = tap_ok(nbad == 0, "%s (%zu differ%s%s)", what, nbad,
	    nbad ? ", first " : "", nbad ? first_bad : "");
	nbad = 0;
	return ok;
}

int
main(void)
{
	nn_rng r;

	check(0.0f);
	check(-0.0f);
	check(INFINITY);
	check(-INFINITY);
	check(NAN);
	check(-NAN);
	around(FLT_MIN, 3);
	around(FLT_MAX, 3);
	around(FLT_TRUE_MIN, 3);
	around(FLT_EPSILON, 3);
	around(1.0f, 3);
	around(0.5f, 3);
	done("zero, infinities, NaN, the limits of float");

	/* every power of ten a float comes near, and the values printf
	 * rounds up to one: the switch of exponent and of style */
	for (int k = -45; k <= 38; k++) {
		around((float)pow(10, k), 40);
		around((float)(9.999999995 * pow(10, k)), 40);
	}
	done("powers of ten and their neighbours");
	for (int k = -149; k <= 127; k++)
		around(ldexpf(1, k), 2);
	done("powers of two");

	/* exact ties at the tenth digit: 2^-k has its last digit 5 */
	for (int k = 1; k <= 149; k++)
		for (int m = 1; m < 64; m += 2)
			check(ldexpf((float)m, -k));
	/* and odd integers with ten digits */
	for (uint32_t m = (1u << 30) + 1; m < (1u << 30) + 20000; m += 2)
		check((float)m);
	done("ties at the tenth digit (half to even)");

	nn_rng_seed(&r, 2026);
	for (int i = 0; i < 1000000; i++) {
		uint32_t u = (uint32_t)nn_rng_u64(&r);
		float v;
		memcpy(&v, &u, sizeof(v));
		check(v);
	}
	done("1000000 random bit patterns");
	for (int i = 0; i < 700000; i++) {
		float p = (float)nn_rng_uniform(&r);
		check(p);
		check(1.0f - p);
		check(p * p * p);
	}
	done("2100000 probabilities");
	return tap_done();
}
