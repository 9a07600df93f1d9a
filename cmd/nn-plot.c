/*
 * nn-plot - the lesson's figures from the shell: data sets, decision
 * boundaries (one or a grid), loss curves, activations, gradient flow,
 * update ratios, confusion matrices, ROC and PR curves and the results of
 * a hyperparameter search, as PNG, SVG, PDF or in the terminal.
 *
 * The program reads and checks the inputs, picks the canvas and its size,
 * and hands the drawing to the figures of lib/plot_fig.c.  Nothing is
 * written until the whole figure has been drawn, and then atomically
 * (nn_plot_save), so a failed run never leaves a partial image behind.
 */
#include <err.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "opts/nn-plot.h"
#include "util.h"
#include "nn_plot.h"

#define BATCH 1024
/* A field in a message: at most 40 bytes of it. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), \
	(strlen(s) > 40 ? "..." : "")
/* The integer-target rule of nn-train: more distinct values than this
 * make a regression. */
#define MAX_CLASSES 20





/* What the command line asked for. */
typedef struct args {
	const char *out;         /* -o, NULL: none given */
	int term;
	int has_format;
	nn_plot_format format;
	int w, h;                /* --size, 0: the figure's default */
	const char *title;
	const char *model;
	long cols;               /* --cols, 0: default */
	int nrange;              /* numbers given to --range: 0, 2 or 4 */
	double range[4];
	int bare;
	const char *target;
	int ylog;
	int header;              /* 0: --no-header */
	int delim;               /* -d, 0: detect */
	const char *xcol, *ycol; /* --x, --y */
} args;

/* ====================================================================== */
/* Small helpers                                                          */
/* ====================================================================== */

/* "dir/moons-test.csv" -> "moons-test"; stdin -> "<stdin>". */
static char *
short_name(const char *path)
{
	const char *b = strrchr(path, '/'), *dot;
	char *s;

	b = b ? b + 1 : path;
	if (*b == '\0')
		b = path;
	s = nn_xstrdup(b);
	if ((dot = strrchr(s, '.')) != NULL && dot != s)
		s[dot - s] = '\0';
	return s;
}

static void
parse_size(const char *s, args *a, int term)
{
	const char *x = strchr(s, 'x');
	long lo = term ? NN_PLOT_TERM_MIN_COLS : NN_PLOT_MIN_SIZE;
	long hi = term ? NN_PLOT_TERM_MAX : NN_PLOT_MAX_SIZE;
	long lo2 = term ? NN_PLOT_TERM_MIN_LINES : NN_PLOT_MIN_SIZE;
	long w, h;
	char *ws;

	if (x == NULL)
		errx(2, "--size: expected WxH, e.g. 640x480, got \"%.*s%s\"",
		    SHOW(s));
	ws = nn_xmalloc((size_t)(x - s) + 1);
	memcpy(ws, s, (size_t)(x - s));
	ws[x - s] = '\0';
	if (nn_parse_long(ws, lo, hi, &w, NULL, NULL) < 0 ||
	    nn_parse_long(x + 1, lo2, hi, &h, NULL, NULL) < 0)
		errx(2, "--size: expected WxH with W in [%ld, %ld] and H in "
		    "[%ld, %ld]%s, got \"%.*s%s\"", lo, hi, lo2, hi,
		    term ? " (columns x lines)" : "", SHOW(s));
	free(ws);
	a->w = (int)w;
	a->h = (int)h;
}

static void
parse_range(const char *s, args *a)
{
	const char *p = s;
	int n = 0;

	for (;;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		char *f = nn_xmalloc(len + 1);
		int bad;
		memcpy(f, p, len);
		f[len] = '\0';
		bad = n == 4 || nn_parse_double(f, -1e30, 1e30, &a->range[n],
		    NULL, NULL) < 0;
		free(f);
		if (bad)
			goto bad;
		n++;
		if (c == NULL)
			break;
		p = c + 1;
	}
	if ((n != 2 && n != 4) || !(a->range[0] < a->range[1]) ||
	    (n == 4 && !(a->range[2] < a->range[3])))
		goto bad;
	a->nrange = n;
	return;
bad:
	errx(2, "--range: expected X0,X1 or X0,X1,Y0,Y1 with X0 < X1 and "
	    "Y0 < Y1, got \"%.*s%s\"", SHOW(s));
}

/* --x, --y: one column, by name or number, checked against the file
 * later; an empty one or a list is wrong whatever the file. */
static const char *
one_column(const char *s, const char *opt)
{
	if (*s == '\0' || strchr(s, ',') != NULL)
		errx(2, "%s: expected one column, by name or number, got "
		    "\"%.*s%s\"", opt, SHOW(s));
	return s;
}

/* The terminal's size: $COLUMNS and $LINES, else the tty's, else 80x24.
 * One line is left for the prompt. */
static void
term_size(int *cols, int *lines)
{
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");
	struct winsize ws;
	long v;

	*cols = 80;
	*lines = 24;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0) {
		*cols = ws.ws_col;
		*lines = ws.ws_row;
	}
	if (c && nn_parse_long(c, 1, INT_MAX, &v, NULL, NULL) == 0)
		*cols = (int)v;
	if (l && nn_parse_long(l, 1, INT_MAX, &v, NULL, NULL) == 0)
		*lines = (int)v;
	(*lines)--;
	*cols = *cols < NN_PLOT_TERM_MIN_COLS ? NN_PLOT_TERM_MIN_COLS :
	    *cols > NN_PLOT_TERM_MAX ? NN_PLOT_TERM_MAX : *cols;
	*lines = *lines < NN_PLOT_TERM_MIN_LINES ? NN_PLOT_TERM_MIN_LINES :
	    *lines > NN_PLOT_TERM_MAX ? NN_PLOT_TERM_MAX : *lines;
}

/* How --term prints, from the environment: TERM=dumb, plain 7-bit ASCII;
 * NO_COLOR set and not empty (https://no-color.org), no escape at all;
 * COLORTERM "truecolor" or "24bit", 24-bit colour; else the 256 colours
 * that every colour terminal of today has. */
static nn_term_mode
term_mode(void)
{
	const char *t = getenv("TERM"), *nc = getenv("NO_COLOR");
	const char *ct = getenv("COLORTERM");

	if (t && strcmp(t, "dumb") == 0)
		return NN_TERM_ASCII;
	if (nc && *nc)
		return NN_TERM_MONO;
	if (ct && (strcmp(ct, "truecolor") == 0 || strcmp(ct, "24bit") == 0))
		return NN_TERM_TRUECOLOR;
	return NN_TERM_256;
}

static void
close_input(FILE *fp)
{
	if (fp != stdin)
		fclose(fp);
}

/* ====================================================================== */
/* Points for the data and boundary figures                               */
/* ====================================================================== */

typedef struct pts {
	nn_points p;
	float *x;                /* (n, 2) */
	long *cls;               /* (n) */
	float *t;                /* (n) */
	char **labels;           /* data figure: its own labels */
	char *xname, *yname;
	nn_data d;
} pts;

static void
pts_free(pts *q)
{
	free(q->x);
	free(q->cls);
	free(q->t);
	free(q->xname);
	free(q->yname);
	nn_data_free(&q->d);
}

/* The one column that COL names among c's: by name, else by 1-based
 * number, as nn-train's column options.  A column the file does not
 * have exits 1 naming the file. */
static size_t
find_column(const nn_csv *c, const char *name, const char *col,
    const char *opt)
{
	size_t nc = nn_csv_ncols(c), hit = nc, nhit = 0;
	const char **names = nn_xmalloc(nc * sizeof(*names));
	unsigned char *mark = nn_xcalloc(nc, 1);
	nn_err e;

	for (size_t j = 0; j < nc; j++)
		names[j] = nn_csv_colname(c, j);
	if (nn_cols_select(col, names, nc, name, opt, mark, &e) < 0)
		die_err(1, &e);
	for (size_t j = 0; j < nc; j++)
		if (mark[j]) {
			hit = hit == nc ? j : hit;
			nhit++;
		}
	if (nhit != 1)
		errx(1, "%s: %s: \"%.*s%s\" names %zu columns; give one", name,
		    opt, SHOW(col), nhit);
	free(names);
	free(mark);
	return hit;
}

/* The data figure's columns: the target (the last, or --target; none for
 * --target ''), and the two drawn, --x and --y, or the two that are left.
 * roles[] gets x as number 0, y as 1, the target as text 0; every other
 * column is skipped unread, whatever it holds.  Returns whether there is
 * a target. */
static int
data_columns(const nn_csv *c, const char *name, const args *a, int *roles)
{
	size_t nc = nn_csv_ncols(c), tc = nc, xc = nc, yc = nc;
	int has_target = !(a->target && *a->target == '\0');

	if (has_target)
		tc = a->target ? find_column(c, name, a->target, "--target") :
		    nc - 1;
	if (a->xcol) {
		xc = find_column(c, name, a->xcol, "--x");
		yc = find_column(c, name, a->ycol, "--y");
		if (xc == tc || yc == tc)
			errx(1, "%s: %s: \"%s\" is the target column", name,
			    xc == tc ? "--x" : "--y", nn_csv_colname(c, tc));
		if (xc == yc)
			errx(1, "%s: --x and --y name the same column \"%s\"", name,
			    nn_csv_colname(c, xc));
	} else {
		size_t nf = 0;
		for (size_t j = 0; j < nc; j++)
			if (j != tc) {
				nf++;
				xc = xc == nc ? j : xc;
				yc = j;
			}
		if (nf != 2)
			errx(1, "%s: %zu feature columns; the data figure draws 2: "
			    "choose them with --x COL --y COL", name, nf);
	}
	for (size_t j = 0; j < nc; j++)
		roles[j] = j == xc ? 0 : j == yc ? 1 : j == tc ? NN_COL_TEXT(0) :
		    NN_COL_SKIP;
	return has_target;
}

/* The data figure: the two columns drawn and the target, read as they
 * come (a pipe too); the labels sorted as training sorts them
 * (nn_data_labels), numerically when they are numbers. */
static void
read_data_points(const char *path, const args *a, pts *q)
{
	const char *name;
	FILE *fp = open_input(path, &name);
	nn_data *d = &q->d;
	nn_strtab *tab = nn_strtab_new();
	nn_csv *c;
	nn_err e;
	int *roles, has_target;
	size_t n = 0, cap = 0;
	float xb[2 * BATCH];
	const char *tname = NULL;  /* the target's name, for messages */
	long got;

	memset(q, 0, sizeof(*q));
	if ((c = nn_csv_open_d(fp, name, a->header, a->delim, &e)) == NULL)
		die_err(1, &e);
	roles = nn_xmalloc(nn_csv_ncols(c) * sizeof(*roles));
	has_target = data_columns(c, name, a, roles);
	for (size_t j = 0; j < nn_csv_ncols(c); j++) {
		if (roles[j] == 0)
			q->xname = nn_xstrdup(nn_csv_colname(c, j));
		else if (roles[j] == 1)
			q->yname = nn_xstrdup(nn_csv_colname(c, j));
		else if (roles[j] == NN_COL_TEXT(0))
			tname = nn_csv_colname(c, j);
	}
	if (nn_csv_set_roles(c, roles, 2, (size_t)has_target, 0, &e) < 0)
		die_err(1, &e);
	while ((got = nn_csv_read(c, xb, BATCH, &e)) > 0) {
		if (n + (size_t)got > cap) {
			while (n + (size_t)got > cap)
				cap = cap ? 2 * cap : BATCH;
			q->x = nn_xrealloc(q->x, cap * 2 * sizeof(*q->x));
			d->y = nn_xrealloc(d->y, cap * sizeof(*d->y));
		}
		memcpy(q->x + 2 * n, xb, 2 * (size_t)got * sizeof(*xb));
		for (size_t i = 0; has_target && i < (size_t)got; i++) {
			const char *s = nn_csv_text(c, i, 0);
			long k;
			if (*s == '\0')
				errx(1, "%s:%lu:%s: empty field", name,
				    nn_csv_line(c, i), tname);
			if ((k = nn_strtab_intern(tab, s, strlen(s))) < 0)
				errx(1, "%s:%lu: too many distinct labels", name,
				    nn_csv_line(c, i));
			d->y[n + i] = (uint32_t)k;
		}
		n += (size_t)got;
	}
	if (got < 0)
		die_err(1, &e);
	if (n == 0)
		errx(1, "%s: no data rows", name);
	nn_csv_free(c);
	close_input(fp);
	free(roles);
	q->p.n = n;
	q->p.x = q->x;
	q->p.xname = q->xname;
	q->p.yname = q->yname;
	if (has_target) {
		d->n = n;
		nn_data_labels(d, tab);
	}
	nn_strtab_free(tab);
	if (!has_target)
		return;
	if (d->t && (!d->t_integral || d->nlabels > MAX_CLASSES)) {
		q->p.t = d->t;         /* regression: coloured by value */
		return;
	}
	q->cls = nn_xmalloc(n * sizeof(*q->cls));
	for (size_t i = 0; i < n; i++)
		q->cls[i] = (long)d->y[i];
	q->p.cls = q->cls;
	q->p.nlabels = d->nlabels;
	q->p.labels = (const char *const *)d->labels;
}

/* The boundary figure: the model's two feature columns and its target
 * column when present, found as nn-predict finds them (nn_bind_model). */
static void
read_model_points(const char *path, const nn_model *m, const args *a,
    pts *q)
{
	const char *name;
	FILE *fp;
	nn_csv *c;
	nn_err e;
	int *roles, has_target;
	size_t nc, n = 0, cap = 0;
	float xb[2 * BATCH];
	nn_bind_index *li = NULL;     /* the model's labels */
	long got;
	int reg = m->task == NN_TASK_REGRESSION;

	memset(q, 0, sizeof(*q));
	fp = open_input(path, &name);
	if ((c = nn_csv_open_d(fp, name, a->header, a->delim, &e)) == NULL)
		die_err(1, &e);
	nc = nn_csv_ncols(c);
	roles = nn_xmalloc(nc * sizeof(*roles));
	if ((has_target = nn_bind_model(m, c, name, a->header, roles, &e)) < 0 ||
	    nn_csv_set_roles(c, roles, 2, (size_t)has_target, 0, &e) < 0)
		die_err(1, &e);
	q->xname = nn_xstrdup(m->feat_names[0]);
	q->yname = nn_xstrdup(m->feat_names[1]);
	free(roles);

	if (has_target && !reg)
		li = nn_bind_index_new((const char *const *)m->labels,
		    m->nlabels);
	while ((got = nn_csv_read(c, xb, BATCH, &e)) > 0) {
		if (n + (size_t)got > cap) {
			while (n + (size_t)got > cap)
				cap = cap ? 2 * cap : BATCH;
			q->x = nn_xrealloc(q->x, cap * 2 * sizeof(*q->x));
			if (has_target) {
				q->cls = nn_xrealloc(q->cls, cap * sizeof(*q->cls));
				q->t = nn_xrealloc(q->t, cap * sizeof(*q->t));
			}
		}
		memcpy(q->x + 2 * n, xb, 2 * (size_t)got * sizeof(*xb));
		for (size_t i = 0; has_target && i < (size_t)got; i++) {
			const char *s = nn_csv_text(c, i, 0);
			double v;
			if (reg) {
				if (nn_parse_double(s, -HUGE_VAL, HUGE_VAL, &v, "", NULL)
				    < 0)
					errx(1, "%s:%lu: expected a number as the target, "
					    "got \"%.*s%s\"", name, nn_csv_line(c, i),
					    SHOW(s));
				q->t[n + i] = (float)v;
				q->cls[n + i] = -1;
			} else {
				q->cls[n + i] = nn_bind_index_find(li, s);
				q->t[n + i] = 0.0f;
			}
		}
		n += (size_t)got;
	}
	if (got < 0)
		die_err(1, &e);
	if (n == 0)
		errx(1, "%s: no data rows", name);
	nn_csv_free(c);
	close_input(fp);
	nn_bind_index_free(li);
	q->p.n = n;
	q->p.x = q->x;
	q->p.xname = q->xname;
	q->p.yname = q->yname;
	if (has_target && reg)
		q->p.t = q->t;
	else if (has_target)
		q->p.cls = q->cls;
	q->p.nlabels = m->nlabels;
	q->p.labels = (const char *const *)m->labels;
}

static nn_model *
load_model(const char *path)
{
	nn_model *m;
	nn_err e;

	note_input(path);        /* an input, like every FILE (util.h) */
	if ((m = nn_model_load(path, &e)) == NULL)
		die_err(1, &e);
	if (m->nin != 2)
		errx(1, "%s: the model takes %zu inputs; a decision boundary "
		    "needs 2", path, m->nin);
	return m;
}

/* ====================================================================== */
/* Confusion matrix from nn-predict's output                              */
/* ====================================================================== */

static nn_cls_report *
read_confusion(const char *path, int delim, const char **namep)
{
	const char *name;
	FILE *fp = open_input(path, &name);
	nn_csv *c;
	nn_err e;
	int *roles;
	size_t nc;
	long pc, tc = -1, got;
	float dummy;
	nn_cls *cls = nn_cls_new();
	nn_cls_report *r;

	if ((c = nn_csv_open_d(fp, name, 1, delim, &e)) == NULL)
		die_err(1, &e);
	nc = nn_csv_ncols(c);
	if ((pc = pred_column(c)) < 0)
		errx(1, "%s: no column \"predicted\" (nn-predict's output has "
		    "one)", name);
	if (strcmp(nn_csv_colname(c, (size_t)pc), PRED_COL_VALUE) == 0)
		errx(1, "%s: column " PRED_COL_VALUE " holds a regression's "
		    "values; a confusion matrix needs classes", name);
	for (size_t j = 0; j < nc && tc < 0; j++)
		if ((long)j != pc && strncmp(nn_csv_colname(c, j), "p_", 2) != 0)
			tc = (long)j;
	if (tc < 0)
		errx(1, "%s: no column of true labels (nn-predict writes one "
		    "when its input has the target)", name);
	roles = nn_xmalloc(nc * sizeof(*roles));
	for (size_t j = 0; j < nc; j++)
		roles[j] = (long)j == tc ? NN_COL_TEXT(0) :
		    (long)j == pc ? NN_COL_TEXT(1) : NN_COL_SKIP;
	if (nn_csv_set_roles(c, roles, 0, 2, 0, &e) < 0)
		die_err(1, &e);
	free(roles);
	while ((got = nn_csv_read(c, &dummy, BATCH, &e)) > 0)
		for (size_t i = 0; i < (size_t)got; i++) {
			const char *t = nn_csv_text(c, i, 0);
			const char *p = nn_csv_text(c, i, 1);
			if (*t == '\0' || *p == '\0')
				errx(1, "%s:%lu:%ld: empty %s label", name,
				    nn_csv_line(c, i), (*t ? pc : tc) + 1,
				    *t ? "predicted" : "true");
			if (nn_cls_add(cls, t, p, NULL, &e) < 0)
				errx(1, "%s:%lu: %s", name, nn_csv_line(c, i), e.msg);
		}
	if (got < 0)
		die_err(1, &e);
	if (nn_cls_rows(cls) == 0)
		errx(1, "%s: no data rows", name);
	if ((r = nn_cls_finish(cls, &e)) == NULL)
		errx(1, "%s: %s", name, e.msg);
	nn_csv_free(c);
	close_input(fp);
	nn_cls_free(cls);
	*namep = name;
	return r;
}

/* ====================================================================== */
/* Figures                                                                */
/* ====================================================================== */

/* A figure's operands and size; its name is figures[] (opts/nn-plot.h). */
typedef struct figure {
	int minargs, maxargs;     /* -1: any number */
	int w, h;                 /* default size */
} figure;

static const figure figs[NFIGS] = {
	[FIG_DATA] =        { 1, 1,  640, 480 },
	[FIG_BOUNDARY] =    { 1, 1,  640, 480 },
	[FIG_GRID] =        { 1, GRID_MAX, 0, 0 },
	[FIG_LOSS] =        { 1, -1, 0, 0 },
	[FIG_ACTIVATIONS] = { 0, -1, 0, 0 },
	[FIG_GRADIENTS] =   { 1, 1, 1000, 440 },
	[FIG_UPDATES] =     { 1, 1,  700, 480 },
	[FIG_CONFUSION] =   { 1, 1, 1000, 500 },
	[FIG_ROC] =         { 1, 1,  600, 540 },
	[FIG_PR] =          { 1, 1,  600, 540 },
	[FIG_TUNE] =        { 1, 1,  720, 500 },
};

static int
figure_lookup(const char *s)
{
	for (int i = 0; i < NFIGS; i++)
		if (strcmp(s, figures[i].name) == 0)
			return i;
	errx(2, "unknown figure \"%.*s%s\" (data, boundary, grid, loss, "
	    "activations, gradients, updates, confusion, roc, pr or tune)",
	    SHOW(s));
}

/* Too few operands: say which, from the figure's line of the synopsis
 * ("       nn-plot loss [--ylog] LOG ..."). */
static void __attribute__((noreturn))
missing_operand(int fig)
{
	char key[64];
	const char *line;

	snprintf(key, sizeof(key), "nn-plot %s ", figures[fig].name);
	if ((line = strstr(options.synopsis, key)) == NULL)
		opt_missing(&options, "an operand");
	errx(2, "missing an operand: %.*s", (int)strcspn(line, "\n"), line);
}

/* Options that only some figures take. */
static void
check_options(int fig, const args *a)
{
	const char *bad = NULL;

	if (a->model && fig != FIG_BOUNDARY)
		bad = "-m";
	else if (a->cols && fig != FIG_GRID)
		bad = "--cols";
	else if (a->target && fig != FIG_DATA)
		bad = "--target";
	else if ((a->xcol || a->ycol) && fig == FIG_BOUNDARY)
		errx(2, "--x and --y do not apply to the boundary figure: its axes "
		    "are the model's two inputs");
	else if ((a->xcol || a->ycol) && fig != FIG_DATA && fig != FIG_TUNE)
		bad = a->xcol ? "--x" : "--y";
	else if (a->ycol && !a->xcol && fig == FIG_TUNE)
		errx(2, "--y without --x: the tune figure's heat map needs both; "
		    "--x alone draws a line");
	else if (!a->header && (fig == FIG_CONFUSION || fig == FIG_ROC ||
	    fig == FIG_PR))
		errx(2, "--no-header does not apply to the %s figure: it "
		    "finds nn-predict's columns by name", figures[fig].name);
	else if (!a->header && fig != FIG_DATA && fig != FIG_BOUNDARY &&
	    fig != FIG_GRID)
		bad = "--no-header";
	else if (a->delim && fig != FIG_DATA && fig != FIG_BOUNDARY &&
	    fig != FIG_GRID && fig != FIG_CONFUSION && fig != FIG_ROC &&
	    fig != FIG_PR)
		bad = "-d";
	else if (a->ylog && fig != FIG_LOSS)
		bad = "--ylog";
	else if (a->bare && fig != FIG_DATA && fig != FIG_BOUNDARY)
		bad = "--bare";
	else if (a->nrange && fig != FIG_DATA && fig != FIG_BOUNDARY &&
	    fig != FIG_ACTIVATIONS)
		bad = "--range";
	else if (a->nrange == 2 && fig != FIG_ACTIVATIONS)
		errx(2, "--range: the %s figure needs X0,X1,Y0,Y1",
		    figures[fig].name);
	if (bad)
		errx(2, "%s does not apply to the %s figure", bad,
		    figures[fig].name);
	if (fig == FIG_BOUNDARY && a->model == NULL)
		errx(2, "the boundary figure needs -m MODEL");
}

static nn_plot *
canvas(const args *a, int w, int h)
{
	nn_plot_format f = a->term ? NN_PLOT_TERM : a->format;
	nn_plot *p;
	nn_err e;

	if (a->w) {
		w = a->w;
		h = a->h;
	} else if (a->term)
		term_size(&w, &h);
	else {
		w = w > NN_PLOT_MAX_SIZE ? NN_PLOT_MAX_SIZE : w;
		h = h > NN_PLOT_MAX_SIZE ? NN_PLOT_MAX_SIZE : h;
	}
	if ((p = nn_plot_new(f, w, h, &e)) == NULL)
		die_err(1, &e);
	if (a->term)
		nn_plot_set_term_mode(p, term_mode());
	return p;
}

static void
fig_opts(const args *a, nn_fig_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->title = a->title;
	o->bare = a->bare;
	o->ylog = a->ylog;
	if (a->nrange) {
		o->has_range = 1;
		o->x0 = a->range[0];
		o->x1 = a->range[1];
		if (a->nrange == 4) {
			o->y0 = a->range[2];
			o->y1 = a->range[3];
		} else {
			/* activations: y from the curves */
			o->y0 = NAN;
			o->y1 = NAN;
		}
	}
}

static nn_plot *
draw_points_fig(int fig, char **argv, const args *a)
{
	nn_fig_opts o;
	nn_plot *p;
	nn_model *m = NULL;
	pts q;
	nn_err e;
	char *nm = short_name(strcmp(argv[0], "-") ? argv[0] : "<stdin>");

	fig_opts(a, &o);
	o.name = nm;
	if (fig == FIG_DATA) {
		read_data_points(argv[0], a, &q);
		p = canvas(a, figs[fig].w, figs[fig].h);
		nn_fig_data(p, nn_plot_bounds(p), &q.p, &o);
	} else {
		m = load_model(a->model);
		read_model_points(argv[0], m, a, &q);
		p = canvas(a, figs[fig].w, figs[fig].h);
		if (nn_fig_boundary(p, nn_plot_bounds(p), m, &q.p, &o, &e) < 0)
			errx(1, "%s: %s", a->model, e.msg);
	}
	nn_model_free(m);
	pts_free(&q);
	free(nm);
	return p;
}

static nn_plot *
draw_grid(int n, char **argv, const args *a)
{
	size_t cols = a->cols ? (size_t)a->cols : (size_t)n < GRID_COLS ?
	    (size_t)n : GRID_COLS;
	size_t rows;
	nn_fig_opts o;
	nn_plot *p;
	nn_rect r;
	nn_err e;

	if (cols > (size_t)n)
		cols = (size_t)n;
	rows = ((size_t)n + cols - 1) / cols;
	/* every argument checked before anything is read */
	for (int i = 0; i < n; i++) {
		const char *c = strchr(argv[i], ':');
		if (c == NULL || c == argv[i] || c[1] == '\0' || c[1] == ':')
			errx(2, "grid: expected MODEL:FILE or MODEL:FILE:LABEL, "
			    "got \"%.*s%s\"", SHOW(argv[i]));
	}
	p = canvas(a, (int)(cols * 380), (int)(rows * 330) +
	    (a->title ? 40 : 0));
	r = nn_plot_title(p, nn_plot_bounds(p), a->title);
	fig_opts(a, &o);
	o.title = NULL;
	o.compact = 1;
	for (int i = 0; i < n; i++) {
		char *mp = nn_xstrdup(argv[i]), *fp = strchr(mp, ':'), *lab;
		nn_model *m;
		pts q;
		*fp++ = '\0';
		if ((lab = strchr(fp, ':')) != NULL)
			*lab++ = '\0';
		m = load_model(mp);
		read_model_points(fp, m, a, &q);
		o.name = lab && *lab ? nn_xstrdup(lab) :
		    short_name(strcmp(fp, "-") ? fp : "<stdin>");
		if (nn_fig_boundary(p, nn_rect_cell(r, rows, cols, (size_t)i / cols,
		    (size_t)i % cols), m, &q.p, &o, &e) < 0)
			errx(1, "%s: %s", mp, e.msg);
		free((char *)o.name);
		pts_free(&q);
		nn_model_free(m);
		free(mp);
	}
	return p;
}

static nn_plot *
draw_logs(int fig, int n, char **argv, const args *a)
{
	nn_trainlog *logs = nn_xcalloc((size_t)n, sizeof(*logs));
	char **names = nn_xmalloc((size_t)n * sizeof(*names));
	nn_fig_opts o;
	nn_plot *p;
	nn_err e;
	int acc = 0, stdin_used = 0;

	for (int i = 0; i < n; i++) {
		const char *name;
		FILE *fp;
		if (strcmp(argv[i], "-") == 0 && stdin_used++)
			errx(2, "standard input given twice");
		fp = open_input(argv[i], &name);
		if (nn_trainlog_read(fp, name, &logs[i], &e) < 0)
			die_err(1, &e);
		close_input(fp);
		names[i] = short_name(strcmp(argv[i], "-") ? argv[i] : "<stdin>");
		for (size_t k = 0; k < logs[i].n; k++)
			acc |= isfinite(logs[i].train_acc[k]) ||
			    isfinite(logs[i].val_acc[k]);
	}
	fig_opts(a, &o);
	o.name = names[0];
	switch (fig) {
	case FIG_LOSS:
		p = canvas(a, acc ? 1100 : 700, 460);
		nn_fig_loss(p, nn_plot_bounds(p), logs, (const char *const *)names,
		    (size_t)n, &o);
		break;
	case FIG_GRADIENTS:
		if (logs[0].L == 0)
			errx(1, "%s: the log has no per-layer columns", argv[0]);
		p = canvas(a, figs[fig].w, figs[fig].h);
		if (nn_fig_gradients(p, nn_plot_bounds(p), &logs[0], &o, &e) < 0)
			die_err(1, &e);
		break;
	default:
		if (logs[0].L == 0)
			errx(1, "%s: the log has no per-layer columns", argv[0]);
		p = canvas(a, figs[fig].w, figs[fig].h);
		if (nn_fig_updates(p, nn_plot_bounds(p), &logs[0], &o, &e) < 0)
			die_err(1, &e);
		break;
	}
	for (int i = 0; i < n; i++) {
		nn_trainlog_free(&logs[i]);
		free(names[i]);
	}
	free(logs);
	free(names);
	return p;
}

static nn_plot *
draw_activations(int n, char **argv, const args *a)
{
	nn_act *acts = nn_xmalloc((NN_ACT_COUNT + (size_t)n) * sizeof(*acts));
	size_t k = 0, cols, rows;
	nn_fig_opts o;
	nn_plot *p;
	nn_err e;

	for (int i = 0; i < n; i++) {
		if (nn_act_lookup(argv[i], &acts[k]) < 0) {
			char list[256] = "";
			for (int j = 0; j < NN_ACT_COUNT; j++)
				if (j != NN_ACT_SOFTMAX) {
					strcat(list, list[0] ? ", " : "");
					strcat(list, nn_act_name((nn_act)j));
				}
			errx(2, "unknown activation \"%.*s%s\" (%s)", SHOW(argv[i]),
			    list);
		}
		if (acts[k] == NN_ACT_SOFTMAX)
			errx(2, "softmax is not element-wise: it has no curve to "
			    "plot");
		k++;
	}
	if (n == 0)
		for (int j = 0; j < NN_ACT_COUNT; j++)
			if (j != NN_ACT_SOFTMAX)
				acts[k++] = (nn_act)j;
	cols = k <= 4 ? k : k <= 6 ? 3 : 4;
	rows = (k + cols - 1) / cols;
	p = canvas(a, (int)(cols * 320), (int)(rows * 270) +
	    (a->title ? 40 : 0));
	fig_opts(a, &o);
	if (nn_fig_activations(p, nn_plot_bounds(p), acts, k, &o, &e) < 0)
		die_err(1, &e);
	free(acts);
	return p;
}

static nn_plot *
draw_confusion(char **argv, const args *a)
{
	const char *name;
	nn_cls_report *r = read_confusion(argv[0], a->delim, &name);
	char *nm = short_name(name);
	int side = r->k > 12 ? (int)r->k * 40 : 500;
	nn_fig_opts o;
	nn_plot *p;

	fig_opts(a, &o);
	o.name = nm;
	p = canvas(a, 2 * side, side);
	nn_fig_confusion(p, nn_plot_bounds(p), r, &o);
	nn_cls_report_free(r);
	free(nm);
	return p;
}

/* roc, pr: the curves of nn-predict --proba's output (lib/plot_roc.c). */
static nn_plot *
draw_roc(int fig, char **argv, const args *a)
{
	const char *name;
	FILE *fp = open_input(argv[0], &name);
	char *nm = short_name(name);
	nn_pred_scores ps;
	nn_fig_opts o;
	nn_plot *p;
	nn_csv *c;
	nn_err e;

	if ((c = nn_csv_open_d(fp, name, 1, a->delim, &e)) == NULL ||
	    nn_pred_scores_read(c, name, pred_column(c), &ps, &e) < 0)
		die_err(1, &e);
	nn_csv_free(c);
	close_input(fp);
	fig_opts(a, &o);
	o.name = nm;
	p = canvas(a, figs[fig].w, figs[fig].h);
	if (nn_fig_roc(p, nn_plot_bounds(p), &ps, fig == FIG_PR, &o, &e) < 0)
		errx(1, "%s: %s", name, e.msg);
	nn_pred_scores_free(&ps);
	free(nm);
	return p;
}

/* The hyperparameter that --x or --y names (opt), by name: anything
 * else exits 1 with the list of them. */
static long
tune_param(const nn_tunelog *l, const char *name, const char *col,
    const char *opt)
{
	long j = nn_tunelog_find(l, col);
	size_t len = 1;
	char *list;

	if (j >= 0)
		return j;
	for (size_t i = 0; i < l->k; i++)
		len += strlen(l->hp[i].name) + 2;
	list = nn_xmalloc(len);
	list[0] = '\0';
	for (size_t i = 0; i < l->k; i++) {
		strcat(list, i ? ", " : "");
		strcat(list, l->hp[i].name);
	}
	errx(1, "%s: %s: \"%.*s%s\" is not a searched hyperparameter (%s)",
	    name, opt, SHOW(col), l->k ? list : "the log has none");
}

/* tune: nn-tune's table over its hyperparameters or its trials
 * (lib/plot_tune.c). */
static nn_plot *
draw_tune(char **argv, const args *a)
{
	const char *name;
	FILE *fp = open_input(argv[0], &name);
	char *nm = short_name(name);
	long xh = -1, yh = -1;
	nn_tunelog l;
	nn_fig_opts o;
	nn_plot *p;
	nn_err e;

	if (nn_tunelog_read(fp, name, &l, &e) < 0)
		die_err(1, &e);
	close_input(fp);
	if (a->xcol)
		xh = tune_param(&l, name, a->xcol, "--x");
	if (a->ycol)
		yh = tune_param(&l, name, a->ycol, "--y");
	if (xh >= 0 && xh == yh)
		errx(1, "%s: --x and --y name the same hyperparameter \"%s\"",
		    name, l.hp[xh].name);
	fig_opts(a, &o);
	o.name = nm;
	p = canvas(a, figs[FIG_TUNE].w, figs[FIG_TUNE].h);
	if (nn_fig_tune(p, nn_plot_bounds(p), &l, xh, yh, &o, &e) < 0)
		errx(1, "%s: %s", name, e.msg);
	nn_tunelog_free(&l);
	free(nm);
	return p;
}

/* ====================================================================== */
/* Main                                                                   */
/* ====================================================================== */

int
main(int argc, char **argv)
{
	args a = { .format = NN_PLOT_PNG, .header = 1 };
	const char *size_s = NULL;
	nn_plot *p;
	nn_err e;
	int ch, fig;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
		switch (ch) {
		case 'o':
			a.out = optarg;
			break;
		case 'm':
			a.model = optarg;
			break;
		case OPT_TERM:
			a.term = 1;
			break;
		case OPT_FORMAT:
			if (nn_plot_format_lookup(optarg, &a.format) < 0)
				errx(2, "--format: expected png, svg or pdf, got "
				    "\"%.*s%s\"", SHOW(optarg));
			a.has_format = 1;
			break;
		case OPT_SIZE:
			size_s = optarg;      /* parsed once --term is known */
			break;
		case OPT_TITLE:
			a.title = optarg;
			break;
		case OPT_COLS:
			a.cols = opt_long(optarg, 1, GRID_MAX, "--cols");
			break;
		case OPT_RANGE:
			parse_range(optarg, &a);
			break;
		case OPT_BARE:
			a.bare = 1;
			break;
		case OPT_TARGET:
			a.target = optarg;
			break;
		case OPT_YLOG:
			a.ylog = 1;
			break;
		case OPT_NO_HEADER:
			a.header = 0;
			break;
		case 'd':
			a.delim = opt_delim(optarg, "-d");
			break;
		case OPT_X:
			a.xcol = one_column(optarg, "--x");
			break;
		case OPT_Y:
			a.ycol = one_column(optarg, "--y");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		opt_missing(&options, "FIGURE");
	fig = figure_lookup(argv[0]);
	argc--;
	argv++;
	if (argc < figs[fig].minargs)
		missing_operand(fig);
	if (figs[fig].maxargs >= 0 && argc > figs[fig].maxargs)
		opt_extra(argv[figs[fig].maxargs]);

	/* where the figure goes */
	if (a.term && a.out)
		errx(2, "-o and --term: give one of them");
	if (a.term && a.has_format)
		errx(2, "--format does not apply to --term");
	if (!a.term && a.out == NULL) {
		if (isatty(STDOUT_FILENO))
			a.term = 1;
		else
			a.out = "-";
	}
	if (a.out && strcmp(a.out, "-") != 0 && !a.has_format &&
	    nn_plot_format_of_path(a.out, &a.format) < 0)
		errx(2, "%.*s%s: unknown image format: name it .png, .svg or "
		    ".pdf, or give --format", SHOW(a.out));
	if (size_s)
		parse_size(size_s, &a, a.term);
	check_options(fig, &a);
	if ((a.xcol == NULL) != (a.ycol == NULL) && fig == FIG_DATA)
		errx(2, "%s without %s: give both, the columns of the two axes",
		    a.xcol ? "--x" : "--y", a.xcol ? "--y" : "--x");
	/* a bad OUT fails now, not after the drawing */
	if (a.out != NULL && strcmp(a.out, "-") != 0 &&
	    nn_atomic_check(a.out, &e) < 0)
		die_err(1, &e);

	switch (fig) {
	case FIG_DATA:
	case FIG_BOUNDARY:
		p = draw_points_fig(fig, argv, &a);
		break;
	case FIG_GRID:
		p = draw_grid(argc, argv, &a);
		break;
	case FIG_ACTIVATIONS:
		p = draw_activations(argc, argv, &a);
		break;
	case FIG_CONFUSION:
		p = draw_confusion(argv, &a);
		break;
	case FIG_ROC:
	case FIG_PR:
		p = draw_roc(fig, argv, &a);
		break;
	case FIG_TUNE:
		p = draw_tune(argv, &a);
		break;
	default:
		p = draw_logs(fig, argc, argv, &a);
		break;
	}

	if (a.term || strcmp(a.out, "-") == 0) {
		if (nn_plot_write(p, stdout, "stdout", &e) < 0)
			die_err(1, &e);
		close_stdout();
	} else {
		guard_output(a.out, "-o");   /* every input has been read */
		if (nn_plot_save(p, a.out, &e) < 0)
			die_err(1, &e);
	}
	nn_plot_free(p);
	nn_plot_cleanup();
	return 0;
}
