/*
 * nn-gen's options and data sets (the format: cmd/opts.h).  Included by
 * cmd/nn-gen.c and by the completion generator (completion/table.c).
 */
#include "../opts.h"

#define GEN_ROWS 200
#define GEN_SEED 1
#define GEN_CLASSES 2
#define GEN_FEATURES 2
#define GEN_FACTOR 0.5

#define CLASSES_MAX 1000
#define FEATURES_MAX 1000
#define LINEAR_FEATURES_MAX 100  /* linear keeps a (D, D) matrix per class */
#define NOISE_MAX 1e6

enum kind { LINEAR, MOONS, CIRCLES, BLOBS, XOR, SPIRALS, REGRESSION };
#define NKINDS (REGRESSION + 1)

/* The kinds, for KIND, help and completion. */
static const opt_word kind_words[] = {
	[LINEAR] =     { "linear",     "a Gaussian cluster per class on a hypercube's vertices" },
	[MOONS] =      { "moons",      "two interleaving half circles" },
	[CIRCLES] =    { "circles",    "two concentric circles (--factor)" },
	[BLOBS] =      { "blobs",      "K Gaussian clusters in D dimensions" },
	[XOR] =        { "xor",        "four squares; the label is the sign of x1*x2" },
	[SPIRALS] =    { "spirals",    "K spiral arms" },
	[REGRESSION] = { "regression", "a target weighted by random coefficients" },
	[NKINDS] =     { NULL, NULL }
};

/* What each kind accepts.  max_classes 0: no classes (regression); a
 * maximum of 2 means exactly 2, likewise for features. */
static const struct kind_info {
	double noise;            /* default --noise */
	double noise_max;
	int max_classes;
	int max_features;
} kinds[NKINDS] = {
	[LINEAR] =     { 0.01, 1.0,       CLASSES_MAX, LINEAR_FEATURES_MAX },
	[MOONS] =      { 0.1,  NOISE_MAX, 2,           2 },
	[CIRCLES] =    { 0.05, NOISE_MAX, 2,           2 },
	[BLOBS] =      { 1.0,  NOISE_MAX, CLASSES_MAX, FEATURES_MAX },
	[XOR] =        { 0.0,  NOISE_MAX, 2,           2 },
	[SPIRALS] =    { 0.05, NOISE_MAX, CLASSES_MAX, 2 },
	[REGRESSION] = { 0.0,  NOISE_MAX, 0,           FEATURES_MAX },
};

enum { OPT_NOISE = OPT_LONG, OPT_SEED, OPT_CLASSES, OPT_FEATURES, OPT_FACTOR };

static const char synopsis[] =
    "usage: nn-gen KIND [-n N] [--noise X] [--seed S] [--classes K] "
    "[--features D] [--factor F]\n";

static const opt_spec gen_opts[] = {
	{ 'n', NULL, "N", COMP_NONE, NULL, OPT_STR(GEN_ROWS), "rows to write" },
	{ OPT_NOISE, "noise", "X", COMP_NONE, NULL, OPT_DEF, "the noise level; its meaning depends on KIND" },
	{ OPT_SEED, "seed", "S", COMP_NONE, NULL, OPT_STR(GEN_SEED), "seed of the random generator" },
	{ OPT_CLASSES, "classes", "K", COMP_NONE, NULL, OPT_STR(GEN_CLASSES), "classes (linear, blobs, spirals: up to " OPT_STR(CLASSES_MAX) ")" },
	{ OPT_FEATURES, "features", "D", COMP_NONE, NULL, OPT_STR(GEN_FEATURES), "features (linear, blobs, regression)" },
	{ OPT_FACTOR, "factor", "F", COMP_NONE, NULL, OPT_STR(GEN_FACTOR), "circles: the radius of the inner circle" },
	{ 0 }
};

/* --noise: each kind's. */
static const char *
gen_defaults(int key, char *buf, size_t size)
{
	size_t n = 0;

	(void)key;
	for (int k = 0; k < NKINDS && n < size; k++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s %g", k ? ", " : "",
		    kind_words[k].name, kinds[k].noise);
	return buf;
}

static const opt_prog options = {
	"nn-gen", synopsis, gen_opts, "KIND", kind_words, COMP_NONE,
	gen_defaults
};
