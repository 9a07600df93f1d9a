/*
 * fuzz_parse.c - the number parsing of options and fields (lib/base.c):
 * nn_parse_long, nn_parse_double, nn_parse_seed on the bytes as a string,
 * nn_parse_float on them as they are (it takes a length).
 *
 * Properties of an accepted string: the value is in the range asked for;
 * no blank before it ("leading spaces are refused"); written back out
 * (%ld, %.17g, %.9g, %llu) it parses to the same value; a float is what
 * strtof makes of the same characters.  A refused one fills the message.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"

static int
no_leading_space(const char *s)
{
	return *s != '\0' && !isspace((unsigned char)*s);
}

static void
check_long(const char *s, long lo, long hi)
{
	char buf[32];
	nn_err e;
	long v, w;

	e.msg[0] = '\0';
	if (nn_parse_long(s, lo, hi, &v, "n", &e) < 0) {
		FUZZ_CHECK(strncmp(e.msg, "n: expected an integer", 22) == 0,
		    "message \"%s\"", e.msg);
		return;
	}
	FUZZ_CHECK(v >= lo && v <= hi, "%ld outside [%ld, %ld]", v, lo, hi);
	FUZZ_CHECK(no_leading_space(s), "accepted \"%s\" as %ld", s, v);
	snprintf(buf, sizeof(buf), "%ld", v);
	FUZZ_CHECK(nn_parse_long(buf, lo, hi, &w, "n", &e) == 0 && w == v,
	    "%ld written as %s reads back as another", v, buf);
}

static void
check_double(const char *s, double lo, double hi)
{
	char buf[40];
	nn_err e;
	double v, w;

	e.msg[0] = '\0';
	if (nn_parse_double(s, lo, hi, &v, "x", &e) < 0) {
		FUZZ_CHECK(strncmp(e.msg, "x: expected a number", 20) == 0,
		    "message \"%s\"", e.msg);
		return;
	}
	FUZZ_CHECK(isfinite(v) && v >= lo && v <= hi, "%.17g outside [%g, %g]",
	    v, lo, hi);
	FUZZ_CHECK(no_leading_space(s), "accepted \"%s\" as %.17g", s, v);
	snprintf(buf, sizeof(buf), "%.17g", v);
	FUZZ_CHECK(nn_parse_double(buf, lo, hi, &w, "x", &e) == 0 &&
	    memcmp(&w, &v, sizeof(v)) == 0, "%.17g written as %s reads back "
	    "as another", v, buf);
}

static void
check_seed(const char *s)
{
	char buf[32];
	nn_err e;
	uint64_t v, w;

	e.msg[0] = '\0';
	if (nn_parse_seed(s, &v, "seed", &e) < 0) {
		FUZZ_CHECK(strncmp(e.msg, "seed: expected", 14) == 0,
		    "message \"%s\"", e.msg);
		return;
	}
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(*p >= '0' && *p <= '9', "accepted \"%s\"", s);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	FUZZ_CHECK(nn_parse_seed(buf, &w, "seed", &e) == 0 && w == v,
	    "seed %s reads back as another", buf);
}

/* d[0, n) as a field: blanks around it allowed. */
static void
check_float(const char *d, size_t n)
{
	char *buf, *end;
	float v, w;
	size_t a = 0, b = n;

	if (nn_parse_float(d, n, &v) < 0)
		return;
	while (a < b && (d[a] == ' ' || d[a] == '\t'))
		a++;
	while (b > a && (d[b - 1] == ' ' || d[b - 1] == '\t'))
		b--;
	/* a number of any length is accepted, as strtof reads it */
	FUZZ_CHECK(b > a, "accepted an empty field");
	buf = malloc(b - a + 1);
	memcpy(buf, d + a, b - a);
	buf[b - a] = '\0';
	FUZZ_CHECK(strlen(buf) == b - a, "accepted a NUL byte");
	w = strtof(buf, &end);
	FUZZ_CHECK(*end == '\0' && (memcmp(&v, &w, sizeof(v)) == 0 ||
	    (isnan(v) && isnan(w))), "\"%s\": %.9g, strtof %.9g", buf,
	    (double)v, (double)w);
	free(buf);
	if (isnan(v))
		return;
	char g[64];
	snprintf(g, sizeof(g), "%.9g", (double)v);
	FUZZ_CHECK(nn_parse_float(g, strlen(g), &w) == 0 &&
	    memcmp(&v, &w, sizeof(v)) == 0, "%.9g written as %s reads back "
	    "as another", (double)v, g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = nn_xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	check_long(s, LONG_MIN, LONG_MAX);
	check_long(s, -5, 1000);         /* an option's range: nn-train -e */
	check_double(s, -DBL_MAX, DBL_MAX);
	check_double(s, 0.0, 1.0);       /* --dropout, --val */
	check_double(s, 1e-300, 1e300);
	check_seed(s);
	check_float((const char *)data, size);
	free(s);
	return 0;
}
