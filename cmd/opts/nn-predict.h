/*
 * nn-predict's options (the format: cmd/opts.h).  Included by
 * cmd/nn-predict.c and by the completion generator (completion/table.c).
 */
#include "../opts.h"

enum {
	OPT_PROBA = OPT_LONG, OPT_NO_HEADER, OPT_NO_OUTPUT_HEADER, OPT_FORMAT,
	OPT_STRICT
};

OPT_VALUES(formats, "csv", "libsvm")

static const char synopsis[] =
    "usage: nn-predict -m MODEL [--proba] [--no-header] [--no-output-header]\n"
    "                  [--strict] [-d CHAR] [--format csv|libsvm] [FILE|-]\n";

static const opt_spec predict_opts[] = {
	{ 'm', "model", "MODEL", COMP_MODEL, NULL, NULL, "the model file (required)" },
	{ OPT_PROBA, "proba", NULL, COMP_NONE, NULL, NULL, "add the class probabilities" },
	{ OPT_NO_HEADER, "no-header", NULL, COMP_NONE, NULL, NULL, "the input has no header line" },
	{ OPT_NO_OUTPUT_HEADER, "no-output-header", NULL, COMP_NONE, NULL, NULL, "the output has no header line" },
	{ OPT_STRICT, "strict", NULL, COMP_NONE, NULL, NULL, "a category unseen in training is an error" },
	{ 'd', "delimiter", "CHAR", COMP_NONE, NULL, "detected", "the input's field separator: a character, tab, comma, ..." },
	{ OPT_FORMAT, "format", "FORMAT", COMP_NONE, formats, "csv", "the input's format" },
	{ 0 }
};

static const opt_prog options = {
	"nn-predict", synopsis, predict_opts, NULL, NULL, COMP_CSV, NULL
};
