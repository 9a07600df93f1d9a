/*
 * nn-gen - synthetic data sets as CSV, for trying networks out.
 *
 * Every kind is a labelled distribution: a row is drawn by first choosing its
 * label, then its features given the label.  The labels come from a
 * balanced sampler: class k is due n/K rows (one more for the first n%K
 * classes) and each row draws its label with probability (rows class k still
 * has due) / (rows still to write).  That is exactly a random shuffle of the
 * balanced label list, made one row at a time in O(K) memory -- so the
 * output is shuffled and balanced, any prefix is a fair sample, and -n 1e9
 * costs no more memory than -n 10.  Regression rows are simply independent.
 *
 * All randomness goes through nn_rng in a fixed order (the kind's parameters
 * first, then row by row), so one seed gives the same bytes everywhere.
 */
#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opts/nn-gen.h"
#include "util.h"

#define PI 3.14159265358979323846
#define N_MAX 1000000000000L     /* rows */

/* One generator: the kind's parameters, drawn from the seed, and the
 * balanced label sampler. */
typedef struct gen {
	enum kind kind;
	size_t d, k;             /* features, classes (0 for regression) */
	double noise, factor;
	nn_rng rng;
	double *centre;          /* (k, d) linear: hypercube vertices; blobs */
	double *a;               /* (k, d, d) linear: per-class mixing matrix */
	double *coef;            /* (d) regression */
	double *z;               /* (d) scratch */
	uint64_t *due;           /* (k) rows each class still has to get */
	uint64_t left;           /* rows still to write */
} gen;

/* ---- setup ------------------------------------------------------------- */

/* K distinct random vertices of the hypercube [-1, 1]^D (the caller made sure
 * K <= 2^D), each with a random (D, D) matrix of entries in [-1, 1) that
 * shapes its cluster -- the construction of scikit-learn's
 * make_classification with class_sep 1 and one cluster per class. */
static void
setup_linear(gen *g)
{
	size_t d = g->d;

	g->centre = nn_xmalloc(g->k * d * sizeof(double));
	for (size_t c = 0; c < g->k; c++) {
		double *v = g->centre + c * d;
		int dup;
		do {
			for (size_t j = 0; j < d; j++)
				v[j] = (nn_rng_u64(&g->rng) >> 63) ? 1.0 : -1.0;
			dup = 0;
			for (size_t o = 0; o < c && !dup; o++)
				dup = memcmp(v, g->centre + o * d, d * sizeof(double)) == 0;
		} while (dup);
	}
	g->a = nn_xmalloc(g->k * d * d * sizeof(double));
	for (size_t i = 0; i < g->k * d * d; i++)
		g->a[i] = 2.0 * nn_rng_uniform(&g->rng) - 1.0;
}

/* Cluster centres uniform in the box [-10, 10)^D, as make_blobs. */
static void
setup_blobs(gen *g)
{
	g->centre = nn_xmalloc(g->k * g->d * sizeof(double));
	for (size_t i = 0; i < g->k * g->d; i++)
		g->centre[i] = 20.0 * nn_rng_uniform(&g->rng) - 10.0;
}

/* Coefficients uniform in [0, 100), as make_regression. */
static void
setup_regression(gen *g)
{
	g->coef = nn_xmalloc(g->d * sizeof(double));
	for (size_t j = 0; j < g->d; j++)
		g->coef[j] = 100.0 * nn_rng_uniform(&g->rng);
}

static void
gen_init(gen *g, enum kind kind, uint64_t n, size_t k, size_t d, double noise,
    double factor, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->k = kind == REGRESSION ? 0 : k;
	g->d = d;
	g->noise = noise;
	g->factor = factor;
	nn_rng_seed(&g->rng, seed);
	g->z = nn_xmalloc(d * sizeof(double));
	if (g->k > 0) {
		g->due = nn_xmalloc(g->k * sizeof(*g->due));
		for (size_t c = 0; c < g->k; c++)
			g->due[c] = n / g->k + (c < n % g->k);
	}
	g->left = n;
	if (kind == LINEAR)
		setup_linear(g);
	else if (kind == BLOBS)
		setup_blobs(g);
	else if (kind == REGRESSION)
		setup_regression(g);
}

static void
gen_free(gen *g)
{
	free(g->centre);
	free(g->a);
	free(g->coef);
	free(g->z);
	free(g->due);
}

/* ---- rows ------------------------------------------------------------- */

/* The next row's label: a draw without replacement from the balanced
 * label list. */
static size_t
next_label(gen *g)
{
	uint64_t u = nn_rng_below(&g->rng, g->left);
	size_t c = 0;

	while (u >= g->due[c])
		u -= g->due[c++];
	g->due[c]--;
	g->left--;
	return c;
}

static double
gauss(gen *g, double sd)
{
	return sd * nn_rng_normal(&g->rng);
}

/* Features of one row of class c into x (d).  Returns the regression target
 * (0 for the classification kinds). */
static double
draw_row(gen *g, size_t c, double *x)
{
	double t, r, s;

	switch (g->kind) {
	case LINEAR: {
		/* With probability noise the features come from a random
		 * class's cluster: the label is then wrong (K-1)/K of the time,
		 * while the label column stays balanced. */
		size_t src = c;
		if (nn_rng_uniform(&g->rng) < g->noise)
			src = (size_t)nn_rng_below(&g->rng, g->k);
		const double *a = g->a + src * g->d * g->d;  /* (d, d) */
		for (size_t i = 0; i < g->d; i++)
			g->z[i] = nn_rng_normal(&g->rng);
		for (size_t j = 0; j < g->d; j++)
			x[j] = g->centre[src * g->d + j];
		for (size_t i = 0; i < g->d; i++)
			for (size_t j = 0; j < g->d; j++)
				x[j] += g->z[i] * a[i * g->d + j];
		return 0;
	}
	case MOONS:
		t = PI * nn_rng_uniform(&g->rng);
		if (c == 0) {
			x[0] = cos(t);
			x[1] = sin(t);
		} else {
			x[0] = 1.0 - cos(t);
			x[1] = 0.5 - sin(t);
		}
		break;
	case CIRCLES:
		t = 2.0 * PI * nn_rng_uniform(&g->rng);
		r = c == 0 ? 1.0 : g->factor;
		x[0] = r * cos(t);
		x[1] = r * sin(t);
		break;
	case BLOBS:
		for (size_t j = 0; j < g->d; j++)
			x[j] = g->centre[c * g->d + j] + gauss(g, g->noise);
		return 0;
	case XOR:
		/* class 1: quadrants where x1, x2 agree in sign; class 0: where
		 * they differ.  Magnitudes in (0, 1] so no point sits on an
		 * axis. */
		s = (nn_rng_u64(&g->rng) >> 63) ? 1.0 : -1.0;
		x[0] = s * (1.0 - nn_rng_uniform(&g->rng));
		x[1] = (c == 1 ? s : -s) * (1.0 - nn_rng_uniform(&g->rng));
		break;
	case SPIRALS:
		/* arm c: radius t, angle turning 1.5 times from 2 pi c / K */
		t = nn_rng_uniform(&g->rng);
		r = 2.0 * PI * (double)c / (double)g->k + 3.0 * PI * t;
		x[0] = t * cos(r);
		x[1] = t * sin(r);
		break;
	case REGRESSION:
		s = 0;
		for (size_t j = 0; j < g->d; j++) {
			x[j] = nn_rng_normal(&g->rng);
			s += x[j] * g->coef[j];
		}
		return s + gauss(g, g->noise);
	}
	/* the 2-D shapes: Gaussian noise on both coordinates */
	x[0] += gauss(g, g->noise);
	x[1] += gauss(g, g->noise);
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static enum kind
find_kind(const char *s)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(s, kind_words[i].name) == 0)
			return (enum kind)i;
	errx(2, "unknown data set \"%.40s%s\" (linear, moons, circles, blobs, "
	    "xor, spirals or regression)", s, strlen(s) > 40 ? "..." : "");
}

/* Fewest features whose hypercube has k vertices. */
static size_t
min_features(size_t k)
{
	size_t d = 0;

	while (((size_t)1 << d) < k)
		d++;
	return d;
}

int
main(int argc, char **argv)
{
	const char *noise_s = NULL, *factor_s = NULL;
	long n = GEN_ROWS, k = GEN_CLASSES, d = GEN_FEATURES;
	int k_given = 0, ch;
	uint64_t seed = GEN_SEED;
	double noise, factor = GEN_FACTOR, *x;
	enum kind kind;
	gen g;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case 'n':
			n = opt_long(optarg, 1, N_MAX, "-n");
			break;
		case OPT_NOISE:
			noise_s = optarg;    /* its range depends on KIND */
			break;
		case OPT_SEED:
			seed = opt_seed(optarg, "--seed");
			break;
		case OPT_CLASSES:
			k = opt_long(optarg, 2, CLASSES_MAX, "--classes");
			k_given = 1;
			break;
		case OPT_FEATURES:
			d = opt_long(optarg, 1, FEATURES_MAX, "--features");
			break;
		case OPT_FACTOR:
			factor_s = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		opt_missing(&options, "KIND");
	if (argc > 1)
		opt_extra(argv[1]);
	kind = find_kind(argv[0]);

	const struct kind_info *ki = &kinds[kind];
	noise = noise_s ? opt_double(noise_s, 0, ki->noise_max, kind == LINEAR ?
	    "--noise (for linear, a fraction of labels)" : "--noise") : ki->noise;
	if (factor_s != NULL) {
		nn_err e;
		if (kind != CIRCLES)
			errx(2, "--factor: only circles takes it");
		if (nn_parse_double(factor_s, 0, 1, &factor, "--factor", &e) < 0 ||
		    factor >= 1)
			errx(2, "--factor: expected a number in [0, 1), got \"%.40s%s\"",
			    factor_s, strlen(factor_s) > 40 ? "..." : "");
	}
	if (ki->max_classes == 0 && k_given)
		errx(2, "--classes: %s has no classes", kind_words[kind].name);
	if (ki->max_classes == 2 && k != 2)
		errx(2, "--classes: %s has exactly 2 classes, got %ld", kind_words[kind].name, k);
	if (ki->max_features == 2 && d != 2)
		errx(2, "--features: %s has exactly 2 features, got %ld", kind_words[kind].name,
		    d);
	if (d > ki->max_features)
		errx(2, "--features: %s takes at most %d, got %ld", kind_words[kind].name,
		    ki->max_features, d);
	if (kind == LINEAR && min_features((size_t)k) > (size_t)d)
		errx(2, "--classes: linear puts each class on its own corner of the "
		    "hypercube, so %ld classes need --features %zu or more", k,
		    min_features((size_t)k));

	gen_init(&g, kind, (uint64_t)n, (size_t)k, (size_t)d, noise, factor,
	    seed);
	x = nn_xmalloc((size_t)d * sizeof(*x));
	for (long j = 0; j < d; j++)
		printf("x%ld,", j + 1);
	puts(kind == REGRESSION ? "target" : "label");
	for (long i = 0; i < n && !ferror(stdout); i++) {
		size_t c = kind == REGRESSION ? 0 : next_label(&g);
		double y = draw_row(&g, c, x);
		for (long j = 0; j < d; j++)
			printf("%.9g,", x[j]);
		if (kind == REGRESSION)
			printf("%.9g\n", y);
		else
			printf("%zu\n", c);
	}
	free(x);
	gen_free(&g);
	close_stdout();
	return 0;
}
