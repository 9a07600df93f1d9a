/*
 * fmt.c - printf("%.9g") for floats, without printf.
 *
 * nn-predict prints a probability or a value per row; glibc's printf spends
 * most of its time in arbitrary-precision arithmetic to get the digits
 * exactly right.  For a float a cheaper road gives the same digits:
 *
 *  - The value a is exact in a double.  With X the decimal exponent
 *    (10^X <= a < 10^(X+1)), the 9 digits are a * 10^(8-X) rounded to an
 *    integer in [10^8, 10^9).
 *  - That product is computed in double from a correctly rounded power of
 *    ten: two roundings, a relative error below 2^-52, so an absolute
 *    error below 2.3e-7 on a number below 10^9.  Rounding to the nearest
 *    integer can only go wrong when the fraction is within that error of
 *    one half; then (and for infinities and NaNs) snprintf does the work.
 *    A product that lands on the wrong side of 10^8 or 10^9 is corrected
 *    by moving X, and a rounding up to 10^9 moves X as printf does.
 *  - %g then picks the style from X after rounding: fixed for
 *    -4 <= X < 9, else exponential, and drops trailing zeros.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_fmt.h"

/* 10^k for k = P10_MIN .. P10_MAX, each the double nearest to it: the
 * whole range 8 - X takes for floats (X from -45 to 38), and a margin. */
#define P10_MIN (-32)
#define P10_MAX 56
static const double p10[] = {
	1e-32, 1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23,
	1e-22, 1e-21, 1e-20, 1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13,
	1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
	1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33,
	1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44,
	1e45, 1e46, 1e47, 1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55,
	1e56,
};

static size_t
slow(char *out, float v)
{
	int n = snprintf(out, NN_FMT_G9_MAX, "%.9g", (double)v);

	return n < 0 ? 0 : (size_t)n;
}

/* "00" .. "99" */
static const char pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

size_t
nn_fmt_g9(char *out, float v)
{
	char dig[10], *o = out;
	double a = v, t, f;
	uint32_t d, bits, lo;
	int x, e2, nd;

	if (!isfinite(a))
		return slow(out, v);
	if (signbit(a)) {
		*o++ = '-';
		a = -a;
	}
	if (a == 0) {
		*o++ = '0';
		*o = '\0';
		return (size_t)(o - out);
	}
	/* X: a guess from the binary exponent (a normal float is in
	 * [2^e2, 2^(e2+1))), times log10(2) ~ 1233 / 4096; then exact */
	memcpy(&bits, &v, sizeof(bits));
	e2 = (int)(bits >> 23 & 0xff) - 127;
	x = e2 >= 0 ? e2 * 1233 >> 12 : -((-e2 * 1233 + 4095) >> 12);
	if (x < -45)
		x = -45;
	t = a * p10[8 - x - P10_MIN];
	while (t >= 1e9 && x < 38)
		t = a * p10[8 - ++x - P10_MIN];
	while (t < 1e8 && x > -45)
		t = a * p10[8 - --x - P10_MIN];
	d = (uint32_t)t;          /* t is in [1e8, 1e9): floor */
	f = t - d;
	if (fabs(f - 0.5) < 1e-6)
		return slow(out, v);  /* a tie, or too near one to be sure */
	d += f > 0.5;
	if (d == 1000000000u) {
		d = 100000000u;
		x++;
	}
	/* nine digits: one, then four pairs */
	lo = d % 100000000u;
	dig[0] = (char)('0' + d / 100000000u);
	for (int i = 7; i > 0; i -= 2) {
		memcpy(dig + i, pairs + 2 * (lo % 100), 2);
		lo /= 100;
	}
	for (nd = 9; nd > 1 && dig[nd - 1] == '0'; nd--)
		;
	if (x < -4 || x >= 9) {
		*o++ = dig[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, dig + 1, (size_t)nd - 1);
			o += nd - 1;
		}
		*o++ = 'e';
		*o++ = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		*o++ = (char)('0' + x / 10);
		*o++ = (char)('0' + x % 10);
	} else if (x >= 0) {
		memcpy(o, dig, (size_t)x + 1);
		o += x + 1;
		if (nd > x + 1) {
			*o++ = '.';
			memcpy(o, dig + x + 1, (size_t)(nd - x - 1));
			o += nd - x - 1;
		}
	} else {
		*o++ = '0';
		*o++ = '.';
		for (int i = -1; i > x; i--)
			*o++ = '0';
		memcpy(o, dig, (size_t)nd);
		o += nd;
	}
	*o = '\0';
	return (size_t)(o - out);
}

size_t
nn_fmt_short(char *out, float v)
{
	int n = 0;

	for (int p = 1; p <= 9; p++) {
		n = snprintf(out, NN_FMT_G9_MAX, "%.*g", p, (double)v);
		if (!isfinite(v) || strtof(out, NULL) == v)
			break;
	}
	return (size_t)n;
}
