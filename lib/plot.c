/*
 * plot.c - the canvas, axes and marks that every nn-plot figure is made of
 * (see nn_plot.h).
 *
 * A canvas is a cairo surface plus what is needed to get its bytes out:
 * SVG and PDF are streamed into memory and PNG is encoded from an image
 * surface when the figure is written, so nothing touches the output path
 * until the whole figure exists; nn_plot_save then puts it in place
 * atomically.  The terminal is an image surface of one pixel per half
 * character cell, whose text is kept aside and printed as characters over
 * the picture by plot_term.c.
 *
 * Sizes on a canvas all derive from a font size: margins, tick lengths,
 * marker radii and line widths are fractions of it.  On the terminal a line
 * of text is two pixels high, so the same layout shrinks to whole cells.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "nn_plot.h"

/* ====================================================================== */
/* Colours                                                                */
/* ====================================================================== */

nn_rgb
nn_plot_class_colour(size_t k)
{
	/* Okabe & Ito (2008), "Color Universal Design", distinguishable with
	 * every common form of colour blindness -- made darker where a thin
	 * line of it would not read on white: every colour here has a WCAG
	 * contrast ratio of at least 3:1 against white (the minimum for
	 * graphical objects; tests/unit/test_plot.c checks it).  Orange and
	 * sky blue are their own hues darkened; yellow (1.3:1) cannot be
	 * darkened and stay yellow, so its place takes an olive, far from
	 * the orange in lightness. */
	static const unsigned char oi[NN_PLOT_NCLASS][3] = {
		{ 0xBF, 0x84, 0x00 },   /* orange, darkened (3.2:1) */
		{ 0x48, 0x97, 0xC4 },   /* sky blue, darkened (3.2:1) */
		{ 0x00, 0x9E, 0x73 },   /* bluish green (3.4:1) */
		{ 0xCC, 0x79, 0xA7 },   /* reddish purple (3.1:1) */
		{ 0x00, 0x72, 0xB2 },   /* blue (5.2:1) */
		{ 0xD5, 0x5E, 0x00 },   /* vermillion (3.9:1) */
		{ 0x6B, 0x63, 0x00 },   /* olive, for yellow (6.2:1) */
		{ 0x55, 0x55, 0x55 },   /* grey, for black (7.5:1) */
	};
	const unsigned char *c = oi[k % NN_PLOT_NCLASS];

	return (nn_rgb){ c[0] / 255.0, c[1] / 255.0, c[2] / 255.0 };
}

nn_rgb
nn_plot_viridis(double t)
{
	/* Nine stops of matplotlib's viridis, interpolated linearly. */
	static const double v[9][3] = {
		{ 0.267, 0.005, 0.329 }, { 0.282, 0.140, 0.458 },
		{ 0.254, 0.265, 0.530 }, { 0.207, 0.372, 0.553 },
		{ 0.164, 0.471, 0.558 }, { 0.128, 0.567, 0.551 },
		{ 0.135, 0.659, 0.518 }, { 0.478, 0.821, 0.318 },
		{ 0.993, 0.906, 0.144 },
	};
	double u;
	int i;

	if (isnan(t))
		return (nn_rgb){ 0.6, 0.6, 0.6 };
	t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
	u = t * 8.0;
	i = (int)u;
	if (i >= 8)
		i = 7;
	u -= i;
	return (nn_rgb){ v[i][0] + u * (v[i + 1][0] - v[i][0]),
		v[i][1] + u * (v[i + 1][1] - v[i][1]),
		v[i][2] + u * (v[i + 1][2] - v[i][2]) };
}

/* ====================================================================== */
/* The canvas                                                             */
/* ====================================================================== */

typedef struct membuf {
	unsigned char *p;
	size_t n, cap;
} membuf;

struct nn_plot {
	nn_plot_format f;
	int w, h;                 /* device units */
	cairo_surface_t *s;
	cairo_t *cr;
	membuf out;               /* SVG and PDF stream here */
	nn_term_text *text;       /* terminal: text kept aside */
	size_t ntext, textcap;
	nn_term_mode tmode;       /* terminal: how it is printed */
	int done;                 /* written or saved */
};

static cairo_status_t
membuf_write(void *closure, const unsigned char *data, unsigned int len)
{
	membuf *b = closure;

	if (len > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 65536;
		while (len > cap - b->n)
			cap *= 2;
		b->p = nn_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
	return CAIRO_STATUS_SUCCESS;
}

static int
ext_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a | 0x20) != *b)
			return 0;
	return *a == *b;
}

int
nn_plot_format_lookup(const char *name, nn_plot_format *out)
{
	if (ext_eq(name, "png"))
		*out = NN_PLOT_PNG;
	else if (ext_eq(name, "svg"))
		*out = NN_PLOT_SVG;
	else if (ext_eq(name, "pdf"))
		*out = NN_PLOT_PDF;
	else
		return -1;
	return 0;
}

int
nn_plot_format_of_path(const char *path, nn_plot_format *out)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');

	if (dot == NULL)
		return -1;
	return nn_plot_format_lookup(dot + 1, out);
}

nn_plot *
nn_plot_new(nn_plot_format f, int w, int h, nn_err *e)
{
	nn_plot *p;
	cairo_status_t st;

	if (f == NN_PLOT_TERM) {
		if (w < NN_PLOT_TERM_MIN_COLS || w > NN_PLOT_TERM_MAX ||
		    h < NN_PLOT_TERM_MIN_LINES || h > NN_PLOT_TERM_MAX) {
			nn_errf(e, "terminal size %dx%d out of range (%dx%d to "
			    "%dx%d)", w, h, NN_PLOT_TERM_MIN_COLS,
			    NN_PLOT_TERM_MIN_LINES, NN_PLOT_TERM_MAX,
			    NN_PLOT_TERM_MAX);
			return NULL;
		}
		h *= 2;
	} else if (w < NN_PLOT_MIN_SIZE || w > NN_PLOT_MAX_SIZE ||
	    h < NN_PLOT_MIN_SIZE || h > NN_PLOT_MAX_SIZE) {
		nn_errf(e, "size %dx%d out of range (%dx%d to %dx%d)", w, h,
		    NN_PLOT_MIN_SIZE, NN_PLOT_MIN_SIZE, NN_PLOT_MAX_SIZE,
		    NN_PLOT_MAX_SIZE);
		return NULL;
	}
	p = nn_xcalloc(1, sizeof(*p));
	p->f = f;
	p->w = w;
	p->h = h;
	switch (f) {
	case NN_PLOT_PNG:
	case NN_PLOT_TERM:
		p->s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
		break;
	case NN_PLOT_SVG:
		p->s = cairo_svg_surface_create_for_stream(membuf_write,
		    &p->out, w, h);
		/* 1.1 is the most widely read; and no version-dependent
		 * features sneak in with a newer cairo. */
		cairo_svg_surface_restrict_to_version(p->s,
		    CAIRO_SVG_VERSION_1_1);
		break;
	case NN_PLOT_PDF:
		p->s = cairo_pdf_surface_create_for_stream(membuf_write,
		    &p->out, w, h);
		/* cairo would stamp the current time: a fixed date keeps the
		 * bytes the same from run to run. */
		cairo_pdf_surface_set_metadata(p->s,
		    CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
		cairo_pdf_surface_set_metadata(p->s,
		    CAIRO_PDF_METADATA_CREATOR, "nnkit nn-plot");
		break;
	}
	if ((st = cairo_surface_status(p->s)) != CAIRO_STATUS_SUCCESS) {
		nn_errf(e, "cannot make a %dx%d canvas: %s", w, h,
		    cairo_status_to_string(st));
		cairo_surface_destroy(p->s);
		free(p->out.p);
		free(p);
		return NULL;
	}
	p->cr = cairo_create(p->s);
	if (f == NN_PLOT_TERM)
		cairo_set_antialias(p->cr, CAIRO_ANTIALIAS_NONE);
	cairo_set_source_rgb(p->cr, 1, 1, 1);
	cairo_paint(p->cr);
	cairo_set_line_join(p->cr, CAIRO_LINE_JOIN_ROUND);
	cairo_set_line_cap(p->cr, CAIRO_LINE_CAP_BUTT);
	return p;
}

void
nn_plot_free(nn_plot *p)
{
	if (p == NULL)
		return;
	if (p->cr)
		cairo_destroy(p->cr);
	if (p->s)
		cairo_surface_destroy(p->s);
	for (size_t i = 0; i < p->ntext; i++)
		free(p->text[i].s);
	free(p->text);
	free(p->out.p);
	free(p);
}

void
nn_plot_cleanup(void)
{
	/* cairo keeps fonts (and fontconfig patterns) in global caches for
	 * the next canvas */
	cairo_debug_reset_static_data();
}

void
nn_plot_set_term_mode(nn_plot *p, nn_term_mode m)
{
	p->tmode = m;
}

nn_plot_format
nn_plot_format_of(const nn_plot *p)
{
	return p->f;
}

double
nn_plot_width(const nn_plot *p)
{
	return p->w;
}

double
nn_plot_height(const nn_plot *p)
{
	return p->h;
}

static void term_out(void *closure, const char *s, size_t n);

/* The figure's bytes in p->out. */
static int
finish(nn_plot *p, const char *name, nn_err *e)
{
	cairo_status_t st;

	if (p->done)
		return nn_errf(e, "%s: figure already written", name);
	p->done = 1;
	st = cairo_status(p->cr);
	cairo_destroy(p->cr);
	p->cr = NULL;
	if (st != CAIRO_STATUS_SUCCESS)
		return nn_errf(e, "%s: drawing failed: %s", name,
		    cairo_status_to_string(st));
	switch (p->f) {
	case NN_PLOT_PNG:
		cairo_surface_flush(p->s);
		st = cairo_surface_write_to_png_stream(p->s, membuf_write,
		    &p->out);
		break;
	case NN_PLOT_SVG:
	case NN_PLOT_PDF:
		cairo_surface_finish(p->s);
		st = cairo_surface_status(p->s);
		break;
	case NN_PLOT_TERM:
		cairo_surface_flush(p->s);
		nn_plot_term_render(cairo_image_surface_get_data(p->s),
		    cairo_image_surface_get_stride(p->s), p->w, p->h / 2,
		    p->text, p->ntext, p->tmode, term_out, &p->out);
		st = CAIRO_STATUS_SUCCESS;
		break;
	}
	if (st != CAIRO_STATUS_SUCCESS)
		return nn_errf(e, "%s: cannot encode the figure: %s", name,
		    cairo_status_to_string(st));
	return 0;
}

static void
term_out(void *closure, const char *s, size_t n)
{
	membuf *b = closure;

	while (n > 0) {
		unsigned int k = n > 65536 ? 65536 : (unsigned int)n;
		membuf_write(b, (const unsigned char *)s, k);
		s += k;
		n -= k;
	}
}

int
nn_plot_write(nn_plot *p, FILE *fp, const char *name, nn_err *e)
{
	if (finish(p, name, e) < 0)
		return -1;
	if ((p->out.n > 0 && fwrite(p->out.p, 1, p->out.n, fp) != p->out.n) ||
	    fflush(fp) == EOF)
		return nn_errf(e, "%s: %s", name, strerror(errno));
	return 0;
}

int
nn_plot_save(nn_plot *p, const char *path, nn_err *e)
{
	nn_atomic a;
	int err;

	if (finish(p, path, e) < 0)
		return -1;
	if (nn_atomic_open(&a, path, e) < 0)
		return -1;
	if (p->out.n > 0 && fwrite(p->out.p, 1, p->out.n, a.fp) != p->out.n) {
		err = errno;
		nn_atomic_abort(&a);
		return nn_errf(e, "%s: write: %s", path, strerror(err));
	}
	return nn_atomic_commit(&a, e);
}

/* ====================================================================== */
/* Rectangles and text                                                    */
/* ====================================================================== */

nn_rect
nn_plot_bounds(const nn_plot *p)
{
	return (nn_rect){ 0, 0, p->w, p->h };
}

nn_rect
nn_rect_cell(nn_rect r, size_t rows, size_t cols, size_t i, size_t j)
{
	double w = r.w / (double)cols, h = r.h / (double)rows;

	return (nn_rect){ r.x + (double)j * w, r.y + (double)i * h, w, h };
}

nn_rect
nn_rect_cut_top(nn_rect r, double h, nn_rect *top)
{
	if (h > r.h)
		h = r.h;
	if (top)
		*top = (nn_rect){ r.x, r.y, r.w, h };
	return (nn_rect){ r.x, r.y + h, r.w, r.h - h };
}

double
nn_plot_font_size(const nn_plot *p, nn_rect r)
{
	double m = r.w < r.h ? r.w : r.h, fs;

	if (p->f == NN_PLOT_TERM)
		return 2.0;
	fs = 0.03 * m;
	return fs < 7.0 ? 7.0 : fs > 18.0 ? 18.0 : fs;
}

double
nn_plot_text_height(const nn_plot *p, double fs)
{
	return p->f == NN_PLOT_TERM ? 2.0 : 1.25 * fs;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	int n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* s with control characters and bytes that are not UTF-8 as '?': cairo
 * refuses invalid UTF-8, and a label must not move the terminal's cursor.
 * *nchars gets the number of characters.  Owned by the caller. */
static char *
clean_text(const char *str, size_t *nchars)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = nn_xmalloc(strlen(str) + 1), *o = out;
	size_t nc = 0;

	while (*s) {
		int n = *s < 0x80 ? 1 : utf8_len(s);
		if (n == 0 || *s < 0x20 || *s == 0x7F ||
		    (n == 2 && s[0] == 0xC2 && s[1] < 0xA0)) {
			*o++ = '?';
			s += n ? n : 1;
		} else {
			memcpy(o, s, (size_t)n);
			o += n;
			s += n;
		}
		nc++;
	}
	*o = '\0';
	if (nchars)
		*nchars = nc;
	return out;
}

static void
set_font(nn_plot *p, double fs, int bold)
{
	cairo_select_font_face(p->cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(p->cr, fs);
}

static double
text_width(nn_plot *p, double fs, int bold, const char *s)
{
	cairo_text_extents_t te;
	size_t nc;
	char *t = clean_text(s, &nc);

	if (p->f == NN_PLOT_TERM) {
		free(t);
		return (double)nc;
	}
	set_font(p, fs, bold);
	cairo_text_extents(p->cr, t, &te);
	free(t);
	return te.x_advance;
}

double
nn_plot_text_width(nn_plot *p, double fs, const char *s)
{
	return text_width(p, fs, 0, s);
}

static void
term_text(nn_plot *p, int col, int row, int vertical, int bold, nn_rgb c,
    char *s)
{
	if (p->ntext == p->textcap) {
		p->textcap = p->textcap ? 2 * p->textcap : 32;
		p->text = nn_xrealloc(p->text, p->textcap * sizeof(*p->text));
	}
	p->text[p->ntext++] = (nn_term_text){ col, row, vertical, bold, c, s };
}

void
nn_plot_text(nn_plot *p, double x, double y, double ax, double ay,
    double fs, int flags, nn_rgb c, const char *s)
{
	int bold = flags & NN_TEXT_BOLD, vert = flags & NN_TEXT_VERTICAL;
	double w, h = nn_plot_text_height(p, fs), bw, bh, left, top;
	size_t nc;
	char *t;

	if (*s == '\0')
		return;
	w = text_width(p, fs, bold, s);
	bw = vert ? h : w;              /* the box on the page */
	bh = vert ? w : h;
	left = x - ax * bw;
	top = y - ay * bh;
	t = clean_text(s, &nc);
	if (p->f == NN_PLOT_TERM) {
		/* whole cells: a column per pixel, a line per two */
		term_text(p, (int)lround(left), (int)lround(top / 2.0), vert,
		    bold, c, t);
		return;
	}
	{
		cairo_font_extents_t fe;
		cairo_t *cr = p->cr;
		double base;

		set_font(p, fs, bold);
		cairo_font_extents(cr, &fe);
		base = (h - (fe.ascent + fe.descent)) / 2.0 + fe.ascent;
		cairo_save(cr);
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
		if (vert) {
			cairo_move_to(cr, left + base, top + bh);
			cairo_rotate(cr, -M_PI / 2.0);
		} else
			cairo_move_to(cr, left, top + base);
		cairo_show_text(cr, t);
		cairo_restore(cr);
		cairo_new_path(cr);
	}
	free(t);
}

static const nn_rgb ink = { 0.15, 0.15, 0.15 };
static const nn_rgb faint = { 0.45, 0.45, 0.45 };

nn_rect
nn_plot_title(nn_plot *p, nn_rect r, const char *title)
{
	double fs = nn_plot_font_size(p, r) * 1.15;
	double h = nn_plot_text_height(p, fs);

	if (title == NULL || *title == '\0')
		return r;
	nn_plot_text(p, r.x + r.w / 2.0, r.y + h * 0.2, 0.5, 0.0, fs,
	    NN_TEXT_BOLD, ink, title);
	return nn_rect_cut_top(r, h * 1.3, NULL);
}

/* ====================================================================== */
/* Axes                                                                   */
/* ====================================================================== */

#define MAX_TICKS 64

size_t
nn_plot_ticks(double lo, double hi, int log, size_t want, double *t,
    size_t max)
{
	size_t n = 0;

	if (!(lo < hi) || !isfinite(lo) || !isfinite(hi) || max == 0)
		return 0;
	if (want < 2)
		want = 2;
	if (log && lo > 0.0) {
		double d0 = ceil(log10(lo) - 1e-9), d1 = floor(log10(hi) + 1e-9);
		double every = ceil((d1 - d0 + 1.0) / (double)want);
		if (d1 - d0 >= 2.0) {
			for (double d = d0; d <= d1 && n < max; d += every)
				t[n++] = pow(10.0, d);
			return n;
		}
		/* two decades or less: 1, 2, 5 x 10^k inside the range */
		for (double d = d0 - 1.0; d <= d1 && n < max; d++)
			for (int m = 0; m < 3 && n < max; m++) {
				double v = pow(10.0, d) * (m == 0 ? 1 : m == 1 ? 2 : 5);
				if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
					t[n++] = v;
			}
		if (n >= 2)
			return n;
		n = 0;
	}
	{
		double raw = (hi - lo) / (double)want;
		double mag = pow(10.0, floor(log10(raw))), f = raw / mag, step;
		double first;

		/* the next nice step up: never more ticks than wanted */
		step = (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) *
		    mag;
		first = ceil(lo / step - 1e-9);
		for (double i = 0;; i++) {
			double v = (first + i) * step;
			if (v > hi + step * 1e-9 || n == max)
				break;
			if (fabs(v) < step * 1e-9)
				v = 0.0;
			t[n++] = v;
		}
	}
	return n;
}

void
nn_plot_pad_range(double *lo, double *hi, double frac, int log)
{
	if (log && *lo > 0.0 && *hi > 0.0) {
		double a = log10(*lo), b = log10(*hi), d = (b - a) * frac;
		if (d == 0.0)
			d = 0.5;
		*lo = pow(10.0, a - d);
		*hi = pow(10.0, b + d);
		return;
	}
	double d = (*hi - *lo) * frac;
	if (d == 0.0)
		d = *lo == 0.0 ? 0.5 : fabs(*lo) * 0.5;
	*lo -= d;
	*hi += d;
}

/* A tick's label: as many decimals as the step needs. */
static void
tick_label(char *buf, size_t size, double v, double step, int log)
{
	double a = fabs(v);

	if (v == 0.0)
		snprintf(buf, size, "0");
	else if (log || a >= 1e5 || a < 1e-3 || !(step > 0.0))
		snprintf(buf, size, "%g", v);
	else {
		int dec = (int)ceil(-log10(step) - 1e-9);
		snprintf(buf, size, "%.*f", dec < 0 ? 0 : dec, v);
	}
}

typedef struct ticks {
	size_t n;
	double v[MAX_TICKS];
	char s[MAX_TICKS][32];
	double maxw;
	double left[MAX_TICKS];   /* x ticks: where each label starts */
	double w[MAX_TICKS];      /* x ticks: each label's width */
	int show[MAX_TICKS];      /* x ticks: labelled (it fits) */
} ticks;

static void
make_ticks(nn_plot *p, double fs, double lo, double hi, int log,
    size_t want, ticks *t)
{
	double step;

	t->n = nn_plot_ticks(lo, hi, log, want, t->v, MAX_TICKS);
	step = t->n > 1 ? t->v[1] - t->v[0] : hi - lo;
	t->maxw = 0.0;
	for (size_t i = 0; i < t->n; i++) {
		tick_label(t->s[i], sizeof(t->s[i]), t->v[i], step, log);
		double w = nn_plot_text_width(p, fs, t->s[i]);
		if (w > t->maxw)
			t->maxw = w;
	}
}

static double
cats_maxw(nn_plot *p, double fs, const char *const *c, size_t n)
{
	double m = 0.0;

	for (size_t i = 0; i < n; i++) {
		double w = nn_plot_text_width(p, fs, c[i]);
		if (w > m)
			m = w;
	}
	return m;
}

/* The x ticks of a laid-out panel and where each label starts: as many
 * as the width asks for, fewer until every label lies inside the panel
 * (one that would stick out at an edge slides in) with a gap between
 * neighbours -- on the terminal a label cut at the edge reads as another
 * number ("10" for 100).  Where even two do not fit, labels that would
 * overlap are left out.  The same ticks in nn_axes_begin (grid lines)
 * and nn_axes_finish (labels). */
static void
x_ticks(nn_plot *p, const nn_axes *a, ticks *t)
{
	int term = p->f == NN_PLOT_TERM;
	double th = nn_plot_text_height(p, a->fs), gap = term ? 1.0 : 0.6 * th;
	double lo = a->panel.x, hi = a->panel.x + a->panel.w;
	size_t want = (size_t)(a->area.w / (th * 4.5)) + 1;
	double end = -HUGE_VAL;
	int ok;

	if (term) {
		lo = ceil(lo);
		hi = floor(hi);
	}
	for (;;) {
		ok = 1;
		make_ticks(p, a->fs, a->x0, a->x1, a->xlog, want, t);
		for (size_t i = 0; i < t->n; i++) {
			double w = nn_plot_text_width(p, a->fs, t->s[i]);
			double l = nn_axes_x(a, t->v[i]) - w / 2.0;
			if (term)
				l = round(l);
			l = l + w > hi ? hi - w : l;
			l = l < lo ? lo : l;
			t->left[i] = l;
			t->w[i] = w;
			if (l + w > hi || (i > 0 &&
			    l < t->left[i - 1] + t->w[i - 1] + gap))
				ok = 0;
		}
		if (ok || want <= 2)
			break;
		want--;
	}
	for (size_t i = 0; i < t->n; i++) {
		t->show[i] = t->left[i] >= end && t->left[i] + t->w[i] <= hi;
		if (t->show[i])
			end = t->left[i] + t->w[i] + gap;
	}
}

double
nn_axes_x(const nn_axes *a, double x)
{
	if (a->xlog)
		return a->area.x + (log10(x) - log10(a->x0)) /
		    (log10(a->x1) - log10(a->x0)) * a->area.w;
	return a->area.x + (x - a->x0) / (a->x1 - a->x0) * a->area.w;
}

double
nn_axes_y(const nn_axes *a, double y)
{
	double f;

	if (a->ylog)
		f = (log10(y) - log10(a->y0)) / (log10(a->y1) - log10(a->y0));
	else
		f = (y - a->y0) / (a->y1 - a->y0);
	return a->area.y + a->area.h * (1.0 - f);
}

/* Does a vertical categorical label set need rotating? */
static int
x_cats_vertical(nn_plot *p, double fs, const nn_axes_spec *s, double w)
{
	return s->nx_cats > 0 &&
	    cats_maxw(p, fs, s->x_cats, s->nx_cats) > 0.9 * w / (double)s->nx_cats;
}

static double
line_width(const nn_plot *p, double fs)
{
	return p->f == NN_PLOT_TERM ? 1.0 : fs * 0.14 < 1.0 ? 1.0 : fs * 0.14;
}

void
nn_axes_begin(nn_plot *p, nn_rect r, const nn_axes_spec *s, nn_axes *a)
{
	double fs = nn_plot_font_size(p, r), th = nn_plot_text_height(p, fs);
	int term = p->f == NN_PLOT_TERM;
	double pad = term ? 1.0 : 0.45 * th, tick = term ? 0.0 : 0.35 * th;
	double left, right, top, bottom;
	ticks yt;
	cairo_t *cr = p->cr;

	*a = (nn_axes){ .panel = r, .x0 = s->x0, .x1 = s->x1, .y0 = s->y0,
		.y1 = s->y1, .ylog = s->ylog && s->y0 > 0.0,
		.xlog = s->xlog && s->x0 > 0.0, .fs = fs };
	if (!(a->x1 > a->x0))
		a->x1 = a->x0 + 1.0;
	if (!(a->y1 > a->y0))
		a->y1 = a->y0 + 1.0;
	if (s->bare) {
		a->area = r;
	} else {
		top = s->title ? th * 1.35 : pad;
		bottom = tick + th + (s->xlabel ? th : 0.0) + pad;
		right = term ? 1.0 : pad + th;
		if (s->ny_cats) {
			yt.maxw = cats_maxw(p, fs, s->y_cats, s->ny_cats);
		} else {
			double h = r.h - top - bottom;
			a->ywant = (size_t)(h / (th * (term ? 2.0 : 2.8))) + 1;
			make_ticks(p, fs, a->y0, a->y1, a->ylog, a->ywant, &yt);
		}
		left = pad + (s->ylabel ? th + pad * 0.5 : 0.0) + yt.maxw + tick +
		    pad * 0.5;
		if (term)
			left = ceil(left);
		if (x_cats_vertical(p, fs, s, r.w - left - right))
			bottom += cats_maxw(p, fs, s->x_cats, s->nx_cats) - th;
		a->area = (nn_rect){ r.x + left, r.y + top, r.w - left - right,
			r.h - top - bottom };
		if (a->area.w < 4.0)
			a->area.w = 4.0;
		if (a->area.h < 4.0)
			a->area.h = 4.0;
	}
	if (term) {
		/* whole pixels, so the frame and the image line up */
		a->area.x = floor(a->area.x);
		a->area.y = floor(a->area.y);
		a->area.w = floor(a->area.w);
		a->area.h = floor(a->area.h);
	}

	/* background and grid */
	cairo_save(cr);
	cairo_rectangle(cr, a->area.x, a->area.y, a->area.w, a->area.h);
	cairo_set_source_rgb(cr, term ? 1.0 : 0.985, term ? 1.0 : 0.985,
	    term ? 1.0 : 0.985);
	cairo_fill(cr);
	if (!s->bare && !s->no_grid && !term) {
		ticks xt;
		cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
		cairo_set_line_width(cr, line_width(p, fs) * 0.6);
		if (!s->nx_cats) {
			x_ticks(p, a, &xt);
			for (size_t i = 0; i < xt.n; i++) {
				double x = nn_axes_x(a, xt.v[i]);
				cairo_move_to(cr, x, a->area.y);
				cairo_line_to(cr, x, a->area.y + a->area.h);
			}
		}
		if (!s->ny_cats) {
			for (size_t i = 0; i < yt.n; i++) {
				double y = nn_axes_y(a, yt.v[i]);
				cairo_move_to(cr, a->area.x, y);
				cairo_line_to(cr, a->area.x + a->area.w, y);
			}
		}
		cairo_stroke(cr);
	}
	cairo_restore(cr);
}

void
nn_axes_finish(nn_plot *p, const nn_axes *a, const nn_axes_spec *s)
{
	double fs = a->fs, th = nn_plot_text_height(p, fs);
	int term = p->f == NN_PLOT_TERM;
	double pad = term ? 1.0 : 0.45 * th, tick = term ? 0.0 : 0.35 * th;
	const nn_rect *ar = &a->area;
	cairo_t *cr = p->cr;
	ticks xt, yt;
	int xvert;

	if (s->bare)
		return;
	cairo_save(cr);
	cairo_set_source_rgb(cr, faint.r, faint.g, faint.b);
	cairo_set_line_width(cr, line_width(p, fs) * 0.7);
	if (term) {
		/* a frame of single pixels just outside the area */
		cairo_rectangle(cr, ar->x - 1, ar->y, 1, ar->h + 1);
		cairo_rectangle(cr, ar->x - 1, ar->y + ar->h, ar->w + 1, 1);
		cairo_fill(cr);
	} else {
		cairo_rectangle(cr, ar->x, ar->y, ar->w, ar->h);
		cairo_stroke(cr);
	}

	/* x ticks */
	xvert = x_cats_vertical(p, fs, s, ar->w);
	if (s->nx_cats) {
		for (size_t i = 0; i < s->nx_cats; i++) {
			double x = nn_axes_x(a, (double)i + 0.5);
			nn_plot_text(p, x, ar->y + ar->h + tick + (term ? 1 : pad * 0.3),
			    xvert ? 1.0 : 0.5, 0.0, fs,
			    xvert ? NN_TEXT_VERTICAL : 0, ink, s->x_cats[i]);
		}
	} else {
		x_ticks(p, a, &xt);
		for (size_t i = 0; i < xt.n; i++) {
			double x = nn_axes_x(a, xt.v[i]);
			if (!term) {
				cairo_move_to(cr, x, ar->y + ar->h);
				cairo_line_to(cr, x, ar->y + ar->h + tick);
			}
			if (xt.show[i])
				nn_plot_text(p, xt.left[i], ar->y + ar->h + tick +
				    (term ? 1 : 0), 0.0, 0.0, fs, 0, ink, xt.s[i]);
		}
		cairo_stroke(cr);
	}

	/* y ticks */
	if (s->ny_cats) {
		for (size_t i = 0; i < s->ny_cats; i++) {
			double y = nn_axes_y(a, a->y1 - (double)i - 0.5);
			/* on the terminal a column clear of the frame, as the
			 * numbers below have */
			nn_plot_text(p, ar->x - tick - pad * 0.5 - (term ? 1 : 0), y,
			    1.0, 0.5, fs, 0, ink, s->y_cats[i]);
		}
	} else {
		make_ticks(p, fs, a->y0, a->y1, a->ylog, a->ywant, &yt);
		for (size_t i = 0; i < yt.n; i++) {
			double y = nn_axes_y(a, yt.v[i]);
			if (!term) {
				cairo_move_to(cr, ar->x, y);
				cairo_line_to(cr, ar->x - tick, y);
			}
			nn_plot_text(p, ar->x - tick - pad * 0.5 - (term ? 1 : 0),
			    y, 1.0, 0.5, fs, 0, ink, yt.s[i]);
		}
		cairo_stroke(cr);
	}
	cairo_restore(cr);

	/* labels and title */
	if (s->xlabel) {
		double y = ar->y + ar->h + tick + th + pad * 0.3;
		if (xvert)
			y += cats_maxw(p, fs, s->x_cats, s->nx_cats) - th;
		nn_plot_text(p, ar->x + ar->w / 2.0, y + (term ? 1 : 0), 0.5, 0.0,
		    fs, 0, ink, s->xlabel);
	}
	if (s->ylabel)
		nn_plot_text(p, a->panel.x + pad, ar->y + ar->h / 2.0, 0.0, 0.5,
		    fs, NN_TEXT_VERTICAL, ink, s->ylabel);
	if (s->title)
		nn_plot_text(p, ar->x + ar->w / 2.0, a->panel.y + th * 0.15, 0.5,
		    0.0, fs, NN_TEXT_BOLD, ink, s->title);
}

/* ====================================================================== */
/* Marks                                                                  */
/* ====================================================================== */

static void
clip_area(nn_plot *p, const nn_axes *a)
{
	cairo_save(p->cr);
	cairo_rectangle(p->cr, a->area.x, a->area.y, a->area.w, a->area.h);
	cairo_clip(p->cr);
}

static void
set_dash(nn_plot *p, double fs, int style)
{
	double d[2];

	if (style == NN_LINE_SOLID) {
		cairo_set_dash(p->cr, NULL, 0, 0.0);
		return;
	}
	if (p->f == NN_PLOT_TERM) {
		d[0] = style == NN_LINE_DASHED ? 3.0 : 1.0;
		d[1] = style == NN_LINE_DASHED ? 2.0 : 2.0;
	} else {
		d[0] = style == NN_LINE_DASHED ? fs * 0.55 : fs * 0.12;
		d[1] = style == NN_LINE_DASHED ? fs * 0.35 : fs * 0.3;
	}
	cairo_set_line_cap(p->cr, style == NN_LINE_DOTTED ?
	    CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
	cairo_set_dash(p->cr, d, 2, 0.0);
}

void
nn_plot_line(nn_plot *p, const nn_axes *a, const double *x,
    const double *y, size_t n, nn_rgb c, int style)
{
	cairo_t *cr = p->cr;
	int pen = 0;

	clip_area(p, a);
	cairo_set_source_rgb(cr, c.r, c.g, c.b);
	cairo_set_line_width(cr, line_width(p, a->fs) * 1.3);
	set_dash(p, a->fs, style);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i]) || (a->ylog && y[i] <= 0.0) ||
		    (a->xlog && x[i] <= 0.0)) {
			pen = 0;
			continue;
		}
		double px = nn_axes_x(a, x[i]), py = nn_axes_y(a, y[i]);
		/* keep cairo's coordinates sane for far-off points */
		py = py < -1e6 ? -1e6 : py > 1e6 ? 1e6 : py;
		if (p->f == NN_PLOT_TERM) {
			px = floor(px) + 0.5;
			py = floor(py) + 0.5;
		}
		if (pen)
			cairo_line_to(cr, px, py);
		else
			cairo_move_to(cr, px, py);
		pen = 1;
	}
	if (n == 1 && pen) {
		/* a single epoch: a dot, not nothing */
		double px = nn_axes_x(a, x[0]), py = nn_axes_y(a, y[0]);
		cairo_new_path(cr);
		cairo_arc(cr, px, py, line_width(p, a->fs) * 1.5, 0, 2 * M_PI);
		cairo_fill(cr);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

void
nn_plot_points(nn_plot *p, const nn_axes *a, const double *x,
    const double *y, size_t n, const nn_rgb *cs, nn_rgb c)
{
	cairo_t *cr = p->cr;
	double r = a->fs * 0.27;

	if (r < 1.6)
		r = 1.6;
	clip_area(p, a);
	cairo_set_line_width(cr, r * 0.28);
	for (size_t i = 0; i < n; i++) {
		nn_rgb k = cs ? cs[i] : c;
		double px, py;
		if (!isfinite(x[i]) || !isfinite(y[i]) || (a->ylog && y[i] <= 0.0) ||
		    (a->xlog && x[i] <= 0.0))
			continue;
		px = nn_axes_x(a, x[i]);
		py = nn_axes_y(a, y[i]);
		if (px < a->area.x - r || px > a->area.x + a->area.w + r ||
		    py < a->area.y - r || py > a->area.y + a->area.h + r)
			continue;
		cairo_set_source_rgb(cr, k.r, k.g, k.b);
		if (p->f == NN_PLOT_TERM) {
			cairo_rectangle(cr, floor(px), floor(py), 1, 1);
			cairo_fill(cr);
			continue;
		}
		cairo_new_sub_path(cr);
		cairo_arc(cr, px, py, r, 0, 2 * M_PI);
		cairo_fill_preserve(cr);
		cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.75);
		cairo_stroke(cr);
	}
	cairo_restore(cr);
}

void
nn_plot_cell(nn_plot *p, const nn_axes *a, double x0, double y0,
    double x1, double y1, nn_rgb c)
{
	double px0 = nn_axes_x(a, x0), px1 = nn_axes_x(a, x1);
	double py0 = nn_axes_y(a, y0), py1 = nn_axes_y(a, y1);

	clip_area(p, a);
	cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
	if (p->f == NN_PLOT_TERM || p->f == NN_PLOT_PNG) {
		/* whole pixels: no seams between neighbouring cells */
		px0 = round(px0);
		px1 = round(px1);
		py0 = round(py0);
		py1 = round(py1);
	}
	cairo_rectangle(p->cr, px0, py1, px1 - px0, py0 - py1);
	cairo_fill(p->cr);
	cairo_restore(p->cr);
}

void
nn_plot_bar(nn_plot *p, const nn_axes *a, double x, double w, double y,
    nn_rgb c)
{
	if (!isfinite(y) || (a->ylog && y <= 0.0))
		return;
	nn_plot_cell(p, a, x - w / 2.0, a->y0, x + w / 2.0, y, c);
}

void
nn_plot_image_size(const nn_plot *p, const nn_axes *a, int max, int *gw,
    int *gh)
{
	double w = ceil(a->area.w), h = ceil(a->area.h);

	*gw = w < 2 ? 2 : w > max ? max : (int)w;
	*gh = h < 2 ? 2 : h > max ? max : (int)h;
	(void)p;
}

void
nn_plot_image(nn_plot *p, const nn_axes *a, const unsigned char *rgb,
    int gw, int gh)
{
	cairo_surface_t *img;
	cairo_pattern_t *pat;
	unsigned char *d;
	int stride;
	cairo_t *cr = p->cr;

	img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, gw, gh);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return;
	}
	cairo_surface_flush(img);
	d = cairo_image_surface_get_data(img);
	stride = cairo_image_surface_get_stride(img);
	for (int i = 0; i < gh; i++) {
		uint32_t *row = (uint32_t *)(void *)(d + (size_t)i * (size_t)stride);
		const unsigned char *s = rgb + (size_t)i * (size_t)gw * 3;
		for (int j = 0; j < gw; j++)
			row[j] = (uint32_t)s[3 * j] << 16 |
			    (uint32_t)s[3 * j + 1] << 8 | s[3 * j + 2];
	}
	cairo_surface_mark_dirty(img);

	clip_area(p, a);
	cairo_translate(cr, a->area.x, a->area.y);
	cairo_scale(cr, a->area.w / gw, a->area.h / gh);
	cairo_set_source_surface(cr, img, 0, 0);
	pat = cairo_get_source(cr);
	cairo_pattern_set_extend(pat, CAIRO_EXTEND_PAD);
	cairo_pattern_set_filter(pat, p->f == NN_PLOT_TERM ||
	    (fabs(a->area.w - gw) < 1 && fabs(a->area.h - gh) < 1) ?
	    CAIRO_FILTER_NEAREST : CAIRO_FILTER_BILINEAR);
	cairo_rectangle(cr, 0, 0, gw, gh);
	cairo_fill(cr);
	cairo_restore(cr);
	cairo_surface_destroy(img);
}

void
nn_plot_legend(nn_plot *p, const nn_axes *a, const nn_legend_item *it,
    size_t n, int corner)
{
	double fs = a->fs * 0.9, th = nn_plot_text_height(p, fs);
	int term = p->f == NN_PLOT_TERM;
	double pad = term ? 1.0 : 0.4 * th, sw = term ? 4.0 : 1.8 * th;
	double w = 0.0, h, x, y;
	cairo_t *cr = p->cr;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		double tw = text_width(p, fs, 0, it[i].label);
		if (tw > w)
			w = tw;
	}
	w += sw + 3.0 * pad;
	h = (double)n * th + (term ? 0.0 : 2.0 * pad);
	if (w > a->area.w || h > a->area.h)
		return;             /* no room: better none than a mess */
	x = corner & 1 ? a->area.x + pad : a->area.x + a->area.w - pad - w;
	y = corner & 2 ? a->area.y + a->area.h - pad - h : a->area.y + pad;
	if (term) {
		x = floor(x);
		y = 2.0 * floor(y / 2.0);
	}
	cairo_save(cr);
	cairo_rectangle(cr, x, y, w, h);
	cairo_set_source_rgba(cr, 1, 1, 1, term ? 1.0 : 0.88);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
	cairo_set_line_width(cr, line_width(p, fs) * 0.6);
	if (term)
		cairo_new_path(cr);
	else
		cairo_stroke(cr);
	for (size_t i = 0; i < n; i++) {
		double cy = y + (term ? 0.0 : pad) + th * ((double)i + 0.5);
		double sx = x + pad;
		nn_rgb c = it[i].c;
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
		switch (it[i].kind) {
		case NN_LEGEND_LINE:
			set_dash(p, fs, it[i].style);
			cairo_set_line_width(cr, line_width(p, a->fs) * 1.3);
			if (term) {
				/* pixels gapped as the line is, so that solid,
				 * dashed and dotted lines of one colour still
				 * differ (and in glyphs too) */
				static const char pat[3][5] = { "xxxx", "xx x",
					"x x " };
				int st = it[i].style >= 0 && it[i].style < 3 ?
				    it[i].style : 0;
				for (int k = 0; k < 4; k++)
					if (pat[st][k] == 'x')
						cairo_rectangle(cr, sx + k, floor(cy), 1, 1);
				cairo_fill(cr);
				break;
			}
			cairo_move_to(cr, sx, cy);
			cairo_line_to(cr, sx + sw, cy);
			cairo_stroke(cr);
			cairo_set_dash(cr, NULL, 0, 0.0);
			break;
		case NN_LEGEND_POINT:
			if (term) {
				cairo_rectangle(cr, sx + 1, floor(cy) - 1, 1, 2);
				cairo_fill(cr);
				break;
			}
			cairo_arc(cr, sx + sw / 2.0, cy, fs * 0.3, 0, 2 * M_PI);
			cairo_fill_preserve(cr);
			cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 0.75);
			cairo_set_line_width(cr, fs * 0.08);
			cairo_stroke(cr);
			break;
		case NN_LEGEND_BOX:
			cairo_rectangle(cr, sx, cy - th * 0.35, sw, th * 0.7);
			cairo_fill(cr);
			break;
		}
		nn_plot_text(p, sx + sw + pad, cy, 0.0, 0.5, fs, 0, ink,
		    it[i].label);
	}
	cairo_restore(cr);
}
