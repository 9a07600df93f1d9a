/*
 * nn-plot's options and figures (the format: cmd/opts.h).  Included by
 * cmd/nn-plot.c and by the completion generator (completion/table.c).
 */
#include "../opts.h"

/* Default grid columns, and the most the figure accepts. */
#define GRID_COLS 4
#define GRID_MAX 256

enum {
	OPT_TERM = OPT_LONG, OPT_FORMAT, OPT_SIZE, OPT_TITLE, OPT_COLS, OPT_RANGE,
	OPT_BARE, OPT_TARGET, OPT_YLOG, OPT_NO_HEADER, OPT_X, OPT_Y
};

OPT_VALUES(plot_formats, "png", "svg", "pdf")

enum { FIG_DATA, FIG_BOUNDARY, FIG_GRID, FIG_LOSS, FIG_ACTIVATIONS,
	FIG_GRADIENTS, FIG_UPDATES, FIG_CONFUSION, FIG_ROC, FIG_PR, FIG_TUNE,
	NFIGS };

/* The figures, in the order of the FIG_ names. */
static const opt_word figures[NFIGS + 1] = {
	[FIG_DATA] =        { "data", "a data set's points by class" },
	[FIG_BOUNDARY] =    { "boundary", "a model's decision regions over its data" },
	[FIG_GRID] =        { "grid", "boundaries of several models, side by side" },
	[FIG_LOSS] =        { "loss", "learning curves from nn-train --log files" },
	[FIG_ACTIVATIONS] = { "activations", "activation functions and their derivatives" },
	[FIG_GRADIENTS] =   { "gradients", "gradient flow through the layers, from a log" },
	[FIG_UPDATES] =     { "updates", "update-to-weight ratios per layer, from a log" },
	[FIG_CONFUSION] =   { "confusion", "the confusion matrix of nn-predict's output" },
	[FIG_ROC] =         { "roc", "ROC curves of nn-predict --proba's output, with their AUC" },
	[FIG_PR] =          { "pr", "precision-recall curves of nn-predict --proba's output" },
	[FIG_TUNE] =        { "tune", "a hyperparameter search's results, from nn-tune's table" },
	[NFIGS] =           { NULL, NULL }
};

static const char synopsis[] =
    "usage: nn-plot FIGURE [-o OUT | --term] [--format png|svg|pdf] "
    "[--size WxH]\n"
    "               [--title TEXT] [--no-header] [-d CHAR] [ARG ...]\n"
    "       nn-plot data [--target COL] [--x COL --y COL] "
    "[--range X0,X1,Y0,Y1]\n"
    "               [--bare] FILE|-\n"
    "       nn-plot boundary -m MODEL [--range X0,X1,Y0,Y1] [--bare] FILE|-\n"
    "       nn-plot grid [--cols N] MODEL:FILE[:LABEL] ...\n"
    "       nn-plot loss [--ylog] LOG ...\n"
    "       nn-plot activations [--range X0,X1] [NAME ...]\n"
    "       nn-plot gradients LOG\n"
    "       nn-plot updates LOG\n"
    "       nn-plot confusion FILE|-\n"
    "       nn-plot roc FILE|-\n"
    "       nn-plot pr FILE|-\n"
    "       nn-plot tune [--x COL [--y COL]] LOG\n";

static const opt_spec plot_opts[] = {
	{ 'o', "output", "OUT", COMP_FILE, NULL, "the terminal, or - in a pipe", "write the figure to OUT (- standard output)" },
	{ OPT_TERM, "term", NULL, COMP_NONE, NULL, NULL, "print the figure in the terminal" },
	{ OPT_FORMAT, "format", "FORMAT", COMP_NONE, plot_formats, "OUT's extension", "the file format" },
	{ OPT_SIZE, "size", "WxH", COMP_NONE, NULL, "the figure's own", "the size in pixels, points, or terminal cells" },
	{ OPT_TITLE, "title", "TEXT", COMP_NONE, NULL, "the figure's own", "the title" },
	{ 'm', "model", "MODEL", COMP_MODEL, NULL, NULL, "boundary: the model" },
	{ OPT_COLS, "cols", "N", COMP_NONE, NULL, OPT_STR(GRID_COLS), "grid: panels per row" },
	{ OPT_RANGE, "range", "X0,X1,Y0,Y1", COMP_NONE, NULL, "the points' range, widened", "data, boundary, activations: the axes' limits" },
	{ OPT_BARE, "bare", NULL, COMP_NONE, NULL, NULL, "data, boundary: only the plot area, no axes" },
	{ OPT_TARGET, "target", "COL", COMP_COLUMN, NULL, "the last column", "data: the class column" },
	{ OPT_YLOG, "ylog", NULL, COMP_NONE, NULL, NULL, "loss: a log scale for the losses" },
	{ OPT_NO_HEADER, "no-header", NULL, COMP_NONE, NULL, NULL, "data, boundary, grid: the first line is data" },
	{ 'd', "delimiter", "CHAR", COMP_NONE, NULL, "detected", "data, boundary, grid, confusion, roc, pr: the field separator" },
	{ OPT_X, "x", "COL", COMP_COLUMN, NULL, "data: the only two features; tune: from the log", "data: the column on the x axis, by name or number; tune: a hyperparameter" },
	{ OPT_Y, "y", "COL", COMP_COLUMN, NULL, "data: the only two features; tune: from the log", "data: the column on the y axis, by name or number; tune: a second hyperparameter" },
	{ 0 }
};

static const opt_prog options = {
	"nn-plot", synopsis, plot_opts, "FIGURE", figures, COMP_CSV, NULL
};
