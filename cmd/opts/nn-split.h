/*
 * nn-split's options (the format: cmd/opts.h).  Included by
 * cmd/nn-split.c and by the completion generator (completion/table.c).
 */
#include "../opts.h"

#define SPLIT_TEST 0.25
#define SPLIT_SEED 1

enum { OPT_SEED = OPT_LONG, OPT_STRATIFY, OPT_TARGET, OPT_NO_HEADER };

static const char synopsis[] =
    "usage: nn-split [-t FRACTION] [--seed S] [--stratify] [--target NAME|N] "
    "[--no-header] INPUT TRAIN TEST\n";

static const opt_spec split_opts[] = {
	{ 't', "test", "FRACTION", COMP_NONE, NULL, OPT_STR(SPLIT_TEST), "the share of rows that goes to TEST" },
	{ OPT_SEED, "seed", "S", COMP_NONE, NULL, OPT_STR(SPLIT_SEED), "seed of the shuffle" },
	{ OPT_STRATIFY, "stratify", NULL, COMP_NONE, NULL, NULL, "split each class in the same proportion" },
	{ OPT_TARGET, "target", "NAME|N", COMP_COLUMN, NULL, "the last column", "the class column of --stratify" },
	{ OPT_NO_HEADER, "no-header", NULL, COMP_NONE, NULL, NULL, "the input has no header line" },
	{ 0 }
};

static const opt_prog options = {
	"nn-split", synopsis, split_opts, NULL, NULL, COMP_CSV, NULL
};
