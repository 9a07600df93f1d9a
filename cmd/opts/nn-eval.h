/*
 * nn-eval's options (the format: cmd/opts.h).  Included by cmd/nn-eval.c
 * and by the completion generator (completion/table.c).
 */
#include "../opts.h"

enum { OPT_TRUTH = OPT_LONG, OPT_PRED, OPT_TASK, OPT_FORMAT, OPT_THRESHOLD };

/* --task's words, in the order of nn-eval.c's enum task; --format's, of
 * its enum format. */
OPT_VALUES(eval_tasks, "auto", "classification", "regression")
OPT_VALUES(eval_formats, "text", "csv", "json")

static const char synopsis[] =
    "usage: nn-eval [-m MODEL] [--truth COL] [--pred COL]\n"
    "               [--task auto|classification|regression] "
    "[--format text|csv|json]\n"
    "               [--threshold T] [FILE|-]\n";

static const opt_spec eval_opts[] = {
	{ 'm', "model", "MODEL", COMP_MODEL, NULL, NULL, "the model the predictions came from: task, classes, target" },
	{ OPT_TRUTH, "truth", "COL", COMP_COLUMN, NULL, "the model's target, else the first other column", "the column of true values" },
	{ OPT_PRED, "pred", "COL", COMP_COLUMN, NULL, "predicted_label, predicted_value or predicted", "the column of predictions" },
	{ OPT_TASK, "task", "TASK", COMP_NONE, eval_tasks, "auto", "the kind of problem" },
	{ OPT_FORMAT, "format", "FORMAT", COMP_NONE, eval_formats, "text", "how to print the report" },
	{ OPT_THRESHOLD, "threshold", "T", COMP_NONE, NULL, "the file's decisions (nn-predict: 0.5)", "binary: positive when p >= T, 0 < T < 1; needs nn-predict --proba" },
	{ 0 }
};

static const opt_prog options = {
	"nn-eval", synopsis, eval_opts, NULL, NULL, COMP_CSV, NULL
};
