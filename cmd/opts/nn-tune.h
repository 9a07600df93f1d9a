/*
 * nn-tune's options (the format: cmd/opts.h): its own rows, then
 * nn-train's (opts/train-rows.h) -- a searched hyperparameter is given to
 * its nn-train option, every other nn-train option is passed on to each
 * trial.  Included by cmd/nn-tune.c and by the completion generator
 * (completion/table.c).
 */
#include "train-rows.h"

/* Defaults that are nn-tune's own. */
#define TUNE_TRIALS 10
#define TUNE_GRID_POINTS 5
#define TUNE_ETA 3
#define TUNE_CV 5
#define TUNE_SEED 1

enum {
	OPT_SEARCH = OPT_LAST, OPT_TRIALS, OPT_GRID_POINTS, OPT_ETA, OPT_TIME,
	OPT_SEEDS, OPT_TRAIN_SEED, OPT_METRIC, OPT_INPUT_FORMAT, OPT_RESUME_LOG,
	OPT_TUNE_LAST
};

OPT_VALUES(searches, "grid", "random", "halving")
OPT_VALUES(metrics, "accuracy", "log_loss", "f1", "auc", "mse", "rmse",
    "mae", "r2")
OPT_VALUES(table_formats, "csv", "jsonl")

static const char *tune_defaults(int key, char *buf, size_t size);

static const char synopsis[] =
    "usage: nn-tune [-q] [-j N] [--search grid|random|halving] [--trials N]\n"
    "               [--grid-points N] [--eta N] [--time SECONDS] [-s SEED]\n"
    "               [--seeds N] [--train-seed SEED] [--cv K] [--val FILE]\n"
    "               [--val-split F] [--metric NAME] [--format csv|jsonl]\n"
    "               [--resume-log FILE] [--input-format csv|libsvm]\n"
    "               [-o MODEL] [nn-train-option ...] [FILE|-]\n";

/* nn-train's rows as nn-tune takes them (TAG: opts/train-rows.h). */
#define TUNE_ROW(tag, ...) TUNE_ROW_##tag(__VA_ARGS__)
#define TUNE_ROW_KEEP(...) { __VA_ARGS__ },
#define TUNE_ROW_OWN(...)
#define TUNE_ROW_REFUSE(key, name, arg, comp, values, def, help) \
	{ key, name, arg, comp, values, NULL, "nn-train's; refused: not in a search" },

static const opt_spec tune_table[] = {
	/* the search */
	{ OPT_SEARCH, "search", "KIND", COMP_NONE, searches, OPT_DEF, "grid, random draws, or successive halving" },
	{ OPT_TRIALS, "trials", "N", COMP_NONE, NULL, OPT_STR(TUNE_TRIALS), "configurations drawn by random and halving" },
	{ OPT_GRID_POINTS, "grid-points", "N", COMP_NONE, NULL, OPT_STR(TUNE_GRID_POINTS), "values a range gives the grid, ends included" },
	{ OPT_ETA, "eta", "N", COMP_NONE, NULL, OPT_STR(TUNE_ETA), "halving: the best 1/N go on, with N times the epochs" },
	{ OPT_TIME, "time", "SECONDS", COMP_NONE, NULL, NULL, "start no trial after this long" },
	{ 's', "seed", "SEED", COMP_NONE, NULL, OPT_STR(TUNE_SEED), "seed of the search's draws (not of the training)" },
	{ 'j', "jobs", "N", COMP_NONE, NULL, "the number of processors", "trainings at once, each on one thread" },
	/* evaluation */
	{ OPT_SEEDS, "seeds", "N", COMP_NONE, NULL, "1", "train each configuration with N seeds; rank by the mean" },
	{ OPT_TRAIN_SEED, "train-seed", "SEED", COMP_NONE, NULL, OPT_DEF, "the first training seed (nn-train's -s)" },
	{ OPT_CV, "cv", "K", COMP_NONE, NULL, OPT_DEF, "evaluate by K-fold cross-validation (stratified)" },
	{ OPT_VAL, "val", "FILE", COMP_CSV, NULL, NULL, "evaluate on this file" },
	{ OPT_VAL_SPLIT, "val-split", "F", COMP_NONE, NULL, NULL, "evaluate on a held-out fraction F of the rows" },
	{ OPT_METRIC, "metric", "NAME", COMP_NONE, metrics, OPT_DEF, "what ranks the configurations" },
	/* output */
	{ OPT_FORMAT, "format", "FORMAT", COMP_NONE, table_formats, "csv", "the result table's format" },
	{ OPT_RESUME_LOG, "resume-log", "FILE", COMP_FILE, NULL, NULL, "continue a search from its earlier table (csv)" },
	{ 'o', "output", "MODEL", COMP_MODEL, NULL, NULL, "train the best on all the data and save it" },
	{ 'q', "quiet", NULL, COMP_NONE, NULL, NULL, "print nothing on stderr but errors" },
	{ OPT_INPUT_FORMAT, "input-format", "FORMAT", COMP_NONE, formats, "csv", "the input's format (nn-train's --format)" },
	/* nn-train's */
	TRAIN_ROWS(TUNE_ROW)
	{ 0 }
};

/* Every OPT_DEF default: nn-tune's, else nn-train's. */
static const char *
tune_defaults(int key, char *buf, size_t size)
{
	switch (key) {
	case OPT_SEARCH: return "grid when every space is a list, else random";
	case OPT_METRIC: return "accuracy, or rmse for regression";
	case OPT_CV:
		snprintf(buf, size, "%d, without --val or --val-split", TUNE_CV);
		return buf;
	case OPT_TRAIN_SEED: return train_defaults('s', buf, size);
	case 'e': {
		nn_train_cfg c;
		nn_train_defaults(&c);
		snprintf(buf, size, "%zu; halving: the last rung's", c.epochs);
		return buf;
	}
	}
	return train_defaults(key, buf, size);
}

static const opt_prog options = {
	"nn-tune", synopsis, tune_table, NULL, NULL, COMP_CSV, tune_defaults
};
