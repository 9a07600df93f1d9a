/*
 * nn_plot.h - figures of networks and their training, drawn with cairo.
 *
 * Three layers, from the bottom:
 *  - the canvas (lib/plot.c): one figure being drawn, as PNG, SVG, PDF or
 *    a picture for the terminal.  Everything is laid out in device units
 *    (pixels for PNG, points for SVG and PDF, half character cells for the
 *    terminal) from a font size, so the same code gives a 640 x 480 PNG and
 *    an 80 x 24 terminal picture.  Text on the terminal is not rasterised:
 *    it is kept as text and printed over the picture (lib/plot_term.c).
 *  - axes and marks (lib/plot.c): a panel with ticks, labels and a title;
 *    lines, points, bars, legends, heat-map cells.
 *  - figures (lib/plot_fig.c): a data set, decision regions, loss curves,
 *    activations, gradient flow, update ratios, a confusion matrix;
 *    (lib/plot_roc.c) ROC and precision-recall curves; and (lib/plot_tune.c)
 *    the results of a hyperparameter search.  Each
 *    draws into a rectangle of the canvas, so a program can put several in
 *    one image.
 *
 * Training logs (nn-train --log) are read by lib/plot_log.c.
 *
 * Colours are colour-blind safe: classes take the Okabe-Ito palette (made
 * darker where a line would not read on white), continuous values a
 * viridis-like map.  Nothing here prints or exits; the
 * output goes to a FILE the caller gives, or atomically to a path.
 * The same figure and the same input give the same bytes (SVG included).
 */
#ifndef NN_PLOT_H
#define NN_PLOT_H

#include "nn_base.h"
#include "nn_csv.h"
#include "nn_metrics.h"
#include "nn_model.h"

/* ---- colours ------------------------------------------------------------- */

typedef struct nn_rgb {
	double r, g, b;        /* each in [0, 1] */
} nn_rgb;

#define NN_PLOT_NCLASS 8   /* distinct class colours; more cycle */

/* Okabe-Ito colour of class k (cycles after NN_PLOT_NCLASS); each has a
 * contrast ratio of at least 3:1 against white. */
nn_rgb nn_plot_class_colour(size_t k);
/* A viridis-like sequential map, t in [0, 1] (clamped; NaN gives grey). */
nn_rgb nn_plot_viridis(double t);

/* ---- the canvas ------------------------------------------------------------ */

typedef enum nn_plot_format {
	NN_PLOT_PNG, NN_PLOT_SVG, NN_PLOT_PDF, NN_PLOT_TERM
} nn_plot_format;

/* The format named by a file's extension (".png", ".SVG", ...), 0 or -1. */
int nn_plot_format_of_path(const char *path, nn_plot_format *out);
/* The format named by a word: "png", "svg", "pdf".  0 or -1. */
int nn_plot_format_lookup(const char *name, nn_plot_format *out);

/* Limits on a canvas: pixels or points for files, cells for the terminal. */
#define NN_PLOT_MIN_SIZE 16
#define NN_PLOT_MAX_SIZE 16384
#define NN_PLOT_TERM_MIN_COLS 20
#define NN_PLOT_TERM_MIN_LINES 6
#define NN_PLOT_TERM_MAX 2000

typedef struct nn_plot nn_plot;

/* A white canvas of w x h pixels (PNG) or points (SVG, PDF), or for the
 * terminal w columns by h lines of text.  NULL with a message when the size
 * is out of range or cairo fails.  Owned by the caller: nn_plot_free. */
nn_plot *nn_plot_new(nn_plot_format f, int w, int h, nn_err *e);
void nn_plot_free(nn_plot *p);
/* Release cairo's global font caches.  Only when no canvas is left (a
 * program's last call), so that leak checkers see what is really lost. */
void nn_plot_cleanup(void);

nn_plot_format nn_plot_format_of(const nn_plot *p);
/* Size in device units (the terminal: columns by 2 x lines). */
double nn_plot_width(const nn_plot *p);
double nn_plot_height(const nn_plot *p);

/* Finish the figure and write it to fp (name for messages), or atomically
 * to path: a temporary file beside it, fsync, rename; on error nothing is
 * left at path that was not there before.  Either may be called once. */
int nn_plot_write(nn_plot *p, FILE *fp, const char *name, nn_err *e);
int nn_plot_save(nn_plot *p, const char *path, nn_err *e);

/* ---- the terminal (lib/plot_term.c) --------------------------------------- */

/* What the terminal understands; the program decides it (nn-plot from
 * TERM, NO_COLOR and COLORTERM).  Without colour the picture is drawn in
 * glyphs: each colour of the class palette its own character, so series
 * still differ. */
typedef enum nn_term_mode {
	NN_TERM_TRUECOLOR,     /* 24-bit escapes (38;2;R;G;B), half blocks */
	NN_TERM_256,           /* the xterm 256-colour escapes (38;5;N) */
	NN_TERM_MONO,          /* no escape at all: glyphs, UTF-8 text */
	NN_TERM_ASCII          /* no escape, 7-bit ASCII only: glyphs */
} nn_term_mode;

/* How a terminal canvas is printed; NN_TERM_TRUECOLOR unless set.  No
 * effect on the other formats. */
void nn_plot_set_term_mode(nn_plot *p, nn_term_mode m);

/* The xterm 256-colour index (16..255: the 6x6x6 cube or the grey ramp,
 * never the 16 colours a theme may change) nearest to 0xRRGGBB. */
int nn_plot_xterm256(uint32_t rgb);

/* Text kept aside on a terminal canvas, printed over the picture: one
 * character per cell from (col, row), across or (vertical) down. */
typedef struct nn_term_text {
	int col, row;
	int vertical, bold;
	nn_rgb c;
	char *s;               /* UTF-8, no control characters */
} nn_term_text;

/* Print a picture of cols x (2 lines) pixels (cairo RGB24: one uint32_t
 * 0x00RRGGBB per pixel, rows `stride` bytes apart) as `lines` lines of
 * cols characters, with the text over it.  In colour (NN_TERM_TRUECOLOR,
 * NN_TERM_256) a cell is an upper-half block, the top pixel as the
 * foreground and the bottom one as the background, and every line ends
 * with a colour reset.  Without colour (NN_TERM_MONO, NN_TERM_ASCII) a
 * cell is a glyph for what its pixels show: a class colour's own
 * character, a paler one for its tint (decision regions), lines for the
 * frame, a shade for any other colour; NN_TERM_ASCII writes every
 * character of the text outside ASCII as '?'.  Every line ends with a
 * newline.  Bytes go to out. */
void nn_plot_term_render(const unsigned char *px, int stride, int cols,
    int lines, const nn_term_text *t, size_t nt, nn_term_mode mode,
    void (*out)(void *closure, const char *s, size_t n), void *closure);

/* ---- rectangles and text ------------------------------------------------ */

typedef struct nn_rect {
	double x, y, w, h;     /* device units, y down */
} nn_rect;

/* The whole canvas. */
nn_rect nn_plot_bounds(const nn_plot *p);
/* Cell (i, j) of a rows x cols grid inside r, i down, j across. */
nn_rect nn_rect_cell(nn_rect r, size_t rows, size_t cols, size_t i, size_t j);
/* r without its top `h` units (returned), the top part in *top if not NULL. */
nn_rect nn_rect_cut_top(nn_rect r, double h, nn_rect *top);

/* The font size that suits a panel of r's size (on the terminal always one
 * line of text). */
double nn_plot_font_size(const nn_plot *p, nn_rect r);
/* Width and height of s at font size fs. */
double nn_plot_text_width(nn_plot *p, double fs, const char *s);
double nn_plot_text_height(const nn_plot *p, double fs);

enum {
	NN_TEXT_BOLD = 1,      /* heavier face */
	NN_TEXT_VERTICAL = 2   /* rotated a quarter turn, reading upwards */
};
/* Draw s at (x, y); ax, ay in [0, 1] say which point of the text's box is
 * there (0, 0 top left; 0.5, 0.5 centre).  Flags NN_TEXT_*. */
void nn_plot_text(nn_plot *p, double x, double y, double ax, double ay,
    double fs, int flags, nn_rgb c, const char *s);

/* A figure title across the top of r, returning what is left below it. */
nn_rect nn_plot_title(nn_plot *p, nn_rect r, const char *title);

/* ---- axes --------------------------------------------------------------------- */

/* What a panel shows.  Zeroed fields are absent.  With x_cats (y_cats) the
 * axis is categorical: category i sits at i + 0.5 of the range [0, n_cats],
 * labelled by its name (y categories run from the top down). */
typedef struct nn_axes_spec {
	const char *title, *xlabel, *ylabel;
	double x0, x1, y0, y1; /* data range; x0 < x1, y0 < y1 */
	int ylog;              /* y on a log scale (y0 > 0) */
	int xlog;              /* x on a log scale (x0 > 0) */
	int bare;              /* no title, ticks or labels: the plot area is
	                          the whole panel */
	int no_grid;           /* no grid lines */
	const char *const *x_cats;
	size_t nx_cats;
	const char *const *y_cats;
	size_t ny_cats;
} nn_axes_spec;

/* A laid-out panel; produced by nn_axes_layout. */
typedef struct nn_axes {
	nn_rect panel;         /* what it was given */
	nn_rect area;          /* the plot area inside it */
	double x0, x1, y0, y1;
	int ylog, xlog;
	double fs;             /* font size */
	size_t ywant;          /* y ticks asked for: nn_axes_finish labels
	                          the ticks whose width the margin was made for */
} nn_axes;

/* Place a panel in r: margins for ticks, labels and title.  Draws the
 * background and grid; draw the data next, then nn_axes_finish. */
void nn_axes_begin(nn_plot *p, nn_rect r, const nn_axes_spec *s, nn_axes *a);
/* The frame, ticks, labels and title (over the data). */
void nn_axes_finish(nn_plot *p, const nn_axes *a, const nn_axes_spec *s);

/* Data to device coordinates. */
double nn_axes_x(const nn_axes *a, double x);
double nn_axes_y(const nn_axes *a, double y);

/* "Nice" tick values covering [lo, hi], about `want` of them (linear:
 * 1, 2, 5 x 10^k steps; log: powers of ten).  Returns how many were
 * written to t (at most max). */
size_t nn_plot_ticks(double lo, double hi, int log, size_t want, double *t,
    size_t max);
/* Extend [*lo, *hi] by frac of its span on each side (log: in decades);
 * a zero span becomes one unit wide. */
void nn_plot_pad_range(double *lo, double *hi, double frac, int log);

/* ---- marks ------------------------------------------------------------------ */

enum { NN_LINE_SOLID, NN_LINE_DASHED, NN_LINE_DOTTED };

/* A polyline through (x[i], y[i]); non-finite points (and, on a log axis,
 * y <= 0) break it.  Clipped to the plot area. */
void nn_plot_line(nn_plot *p, const nn_axes *a, const double *x,
    const double *y, size_t n, nn_rgb c, int style);
/* Filled circles with a dark rim, colour per point (or one colour when
 * cs is NULL). */
void nn_plot_points(nn_plot *p, const nn_axes *a, const double *x,
    const double *y, size_t n, const nn_rgb *cs, nn_rgb c);
/* A bar of the given width (data units) from the axis bottom to y. */
void nn_plot_bar(nn_plot *p, const nn_axes *a, double x, double w, double y,
    nn_rgb c);
/* A filled rectangle in data coordinates. */
void nn_plot_cell(nn_plot *p, const nn_axes *a, double x0, double y0,
    double x1, double y1, nn_rgb c);
/* An image of gw x gh pixels (rgb: gh rows of gw, top row first, 0..255
 * each) stretched over the whole plot area. */
void nn_plot_image(nn_plot *p, const nn_axes *a, const unsigned char *rgb,
    int gw, int gh);
/* The number of image pixels that suits the plot area: the area's own
 * pixels for PNG and the terminal, at most max. */
void nn_plot_image_size(const nn_plot *p, const nn_axes *a, int max,
    int *gw, int *gh);

typedef struct nn_legend_item {
	const char *label;
	nn_rgb c;
	int kind;              /* NN_LEGEND_* */
	int style;             /* NN_LINE_* for lines */
} nn_legend_item;
enum { NN_LEGEND_LINE, NN_LEGEND_POINT, NN_LEGEND_BOX };
/* A legend box in a corner of the plot area: 0 top right, 1 top left,
 * 2 bottom right, 3 bottom left. */
void nn_plot_legend(nn_plot *p, const nn_axes *a, const nn_legend_item *it,
    size_t n, int corner);

/* ---- training logs (nn-train --log) ------------------------------------- */

/* One row per epoch; L dense layers (1-based in the file's header, 0-based
 * here).  Empty fields are NaN. */
typedef struct nn_trainlog {
	size_t n;              /* epochs */
	size_t L;              /* layers */
	double *epoch, *train_loss, *train_acc, *val_loss, *val_acc;  /* (n) */
	double *lr, *seconds;                                          /* (n) */
	double *grad_norm, *weight_norm, *update_ratio;                /* (n, L) */
} nn_trainlog;

/* Read a whole log.  Header: epoch,train_loss,train_acc,val_loss,val_acc,
 * lr,seconds then grad_norm_i,weight_norm_i,update_ratio_i for i = 1..L.
 * Every field is a finite number, or empty (not epoch or train_loss).
 * Errors name the line and column.  Owned by the caller: nn_trainlog_free
 * (safe on a zeroed struct). */
int nn_trainlog_read(FILE *fp, const char *name, nn_trainlog *out, nn_err *e);
void nn_trainlog_free(nn_trainlog *l);

/* ---- figures ------------------------------------------------------------------ */

/* Points of a 2-feature data set: x (n, 2); cls[i] the class index (into
 * labels) or -1 for a label not among them; cls NULL when the data has no
 * labels (every point grey).  t: numeric targets for a regression model,
 * or NULL. */
typedef struct nn_points {
	size_t n;
	const float *x;        /* (n, 2) */
	const long *cls;       /* (n) or NULL */
	const float *t;        /* (n) or NULL */
	size_t nlabels;
	const char *const *labels;
	const char *xname, *yname;
} nn_points;

typedef struct nn_fig_opts {
	const char *title;     /* NULL: the figure's own */
	const char *name;      /* the input's name, for default titles */
	int bare;              /* plot area only */
	int has_range;         /* range given: x0, x1, y0, y1 */
	double x0, x1, y0, y1;
	int compact;           /* a small panel of a grid: no legend (but a
	                          boundary's classes) */
	int ylog;              /* loss: log scale */
} nn_fig_opts;

/* Scatter of the points coloured by class, with a legend. */
void nn_fig_data(nn_plot *p, nn_rect r, const nn_points *pt,
    const nn_fig_opts *o);

/* Decision regions of a model with 2 inputs (classification: each class's
 * colour, paler where the model is less sure, the boundary drawn dark;
 * regression: the output on the viridis map), with the points on top.
 * The points' classes index m->labels.  Error when the model does not
 * take 2 inputs. */
int nn_fig_boundary(nn_plot *p, nn_rect r, const nn_model *m,
    const nn_points *pt, const nn_fig_opts *o, nn_err *e);
/* "8-4 relu", "no hidden layer": the model's hidden layers, for titles.
 * Owned by the caller (free). */
char *nn_plot_arch(const nn_model *m);

/* Training and validation loss (and accuracy, in a second panel, when any
 * log has it) per epoch; several logs overlaid, named by names[]. */
void nn_fig_loss(nn_plot *p, nn_rect r, const nn_trainlog *logs,
    const char *const *names, size_t nlogs, const nn_fig_opts *o);

/* Each activation and its derivative over [x0, x1] (default [-4, 4]),
 * computed by nn_act_forward and nn_act_backward.  Error for softmax. */
int nn_fig_activations(nn_plot *p, nn_rect r, const nn_act *acts, size_t n,
    const nn_fig_opts *o, nn_err *e);

/* Gradient norm per layer over the epochs, and the last epoch's as bars.
 * Error when the log has no layer columns. */
int nn_fig_gradients(nn_plot *p, nn_rect r, const nn_trainlog *l,
    const nn_fig_opts *o, nn_err *e);
/* Update / weight ratio per layer over the epochs. */
int nn_fig_updates(nn_plot *p, nn_rect r, const nn_trainlog *l,
    const nn_fig_opts *o, nn_err *e);

/* The confusion matrix as two heat maps, counts and row-normalised, with
 * the label names on the axes. */
void nn_fig_confusion(nn_plot *p, nn_rect r, const nn_cls_report *c,
    const nn_fig_opts *o);

/* ---- ROC and precision-recall (lib/plot_roc.c) ----------------------- */

/* nn-predict --proba's output, kept for ranking: s.k classes, one per p_*
 * column in their order, named by labels. */
typedef struct nn_pred_scores {
	nn_scores s;           /* (rows, k) probabilities, true classes */
	char **labels;         /* (k) the p_* columns' labels */
} nn_pred_scores;

/* Read the rest of c (opened with a header; name for messages): the
 * truth is the first column that is neither pc (the predicted column, or
 * -1) nor p_*.  Each probability must be in [0, 1], each row sum to 1
 * within NN_METRICS_PROB_TOL, each true label have a p_* column; errors
 * name the line.  Owned by the caller: nn_pred_scores_free (also safe on
 * a zeroed struct and after a failed read). */
int nn_pred_scores_read(nn_csv *c, const char *name, long pc,
    nn_pred_scores *ps, nn_err *e);
void nn_pred_scores_free(nn_pred_scores *ps);

/* The ROC curve (pr = 0) or the precision-recall curve (pr = 1), with the
 * chance line and the area in the legend: binary, the second class against
 * the first; more classes, one curve per class against the rest.  Error
 * (before anything is drawn) when fewer than two classes or a class that
 * never or always occurs in the truth makes a curve undefined. */
int nn_fig_roc(nn_plot *p, nn_rect r, const nn_pred_scores *ps, int pr,
    const nn_fig_opts *o, nn_err *e);

/* ---- hyperparameter searches (lib/plot_tune.c) ---------------------------- */

/* One searched hyperparameter of a search log: its column's name (the
 * nn-train long option without its dashes: rate, layers, optimizer) and
 * the distinct values its trials took, as written ("0.01", "16,8", "adam",
 * "" for no hidden layer).  When every value is a number they are in
 * ascending order and num holds them; otherwise num is NULL and they are
 * in the order of the first trial that took each. */
typedef struct nn_tune_param {
	char *name;
	size_t nvals;
	char **vals;           /* (nvals) */
	double *num;           /* (nvals) or NULL */
} nn_tune_param;

/* nn-tune's result table, one row per finished trial, held whole and in
 * the order of (trial, rung) whatever order the file had them in (a
 * parallel search writes trials as they finish).  mean is NaN for a trial
 * that failed (an empty, nan or inf mean: a diverged network); sd is NaN
 * when empty or not finite. */
typedef struct nn_tunelog {
	size_t n;              /* rows */
	size_t k;              /* searched hyperparameters */
	nn_tune_param *hp;     /* (k) in the file's column order */
	size_t *val;           /* (n, k) index of each row's value in hp[j].vals */
	long *trial, *rung, *epochs;        /* (n) */
	double *mean, *sd, *seconds;        /* (n) */
	char *metric;          /* the metric's name, the same on every row */
	int higher;            /* 1: a higher mean is better (accuracy, f1,
	                          auc, r2); 0: lower (log_loss, mse, rmse, mae) */
} nn_tunelog;

/* Read nn-tune's CSV: the header trial,rung,epochs, one column per
 * searched hyperparameter, then metric,mean,sd,seconds (the fixed columns
 * found by name; every other column is a hyperparameter).  trial, rung and
 * epochs are integers >= 0, seconds a number >= 0, metric one of
 * accuracy, log_loss, f1, auc, mse, rmse, mae, r2.  Errors name the line
 * and column; a missing fixed column names every one missing; a header
 * alone is "NAME: no trials".  Owned by the caller: nn_tunelog_free (safe
 * on a zeroed struct and after a failed read). */
int nn_tunelog_read(FILE *fp, const char *name, nn_tunelog *out, nn_err *e);
void nn_tunelog_free(nn_tunelog *l);
/* The index of the hyperparameter named name, or -1. */
long nn_tunelog_find(const nn_tunelog *l, const char *name);

/* What the tune figure draws, chosen by nn_tune_layout. */
typedef enum nn_tune_kind {
	NN_TUNE_LINE,          /* the metric over one hyperparameter */
	NN_TUNE_HEAT,          /* over two: a heat map (points when the
	                          values do not make a grid of cells) */
	NN_TUNE_TRIALS         /* over the trials, by rung */
} nn_tune_kind;

/* The layout for hyperparameters xh and yh (indices into l->hp, or -1:
 * not chosen): a line over xh; a heat map over xh and yh; without either,
 * a line over the only hyperparameter of a search without rungs, a heat
 * map over the two of a full grid (each pair of values tried once), else
 * the trials. */
nn_tune_kind nn_tune_layout(const nn_tunelog *l, long xh, long yh);

/* The search: the layout above.  A line has each value's mean with +-sd
 * bars (a log axis for positive numbers spanning two decades or more,
 * categories for words); the other hyperparameters' combinations as
 * lines when there are at most 6, else the best over them at each value;
 * rungs of successive halving as lines of their own.  A heat map colours
 * each pair's best mean (brighter is better) with a colour bar, the
 * number in each cell that has room, over the first rung's trials.  The
 * trials: each trial's mean coloured by rung, and the best so far.  The
 * best trial drawn is marked and named in the panel's title ("best
 * accuracy 0.9625 at rate=0.01, layers=16,8").  Error (before anything is
 * drawn) when no trial drawn has a finite mean. */
int nn_fig_tune(nn_plot *p, nn_rect r, const nn_tunelog *l, long xh,
    long yh, const nn_fig_opts *o, nn_err *e);

#endif
