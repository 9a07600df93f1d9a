/*
 * plot_term.c - a figure as text, for a quick look over SSH.
 *
 * In colour each character cell shows two pixels stacked: the upper-half
 * block U+2580 in the top pixel's colour on a background of the bottom
 * pixel's, as 24-bit ANSI colours or, where the terminal does not say it
 * has those (COLORTERM), the nearest of xterm's 256.  Text is not drawn
 * into the pixels (letters two pixels high would be unreadable) but
 * printed as characters in its cells, on the mean colour of the two
 * pixels underneath.
 *
 * Without colour (NO_COLOR, TERM=dumb) a cell is one glyph for what its
 * two pixels show.  The figures draw in a few known colours, so the
 * glyph is read back from the colour: each colour of the class palette
 * has its own character (a series, a class's points), a class colour
 * mixed with white a paler one (its decision region), the frame's grey
 * lines, any other colour (a heat map) a shade by its lightness.
 *
 * Escape sequences are only sent when a colour changes, and every line
 * ends with a reset, so a figure cut off by `head` leaves the terminal's
 * colours alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"

typedef struct cell {
	const char *ch;         /* first byte of the character, or NULL */
	int len;                /* its bytes */
	uint32_t c;             /* 0xRRGGBB */
} cell;

typedef struct sink {
	void (*out)(void *, const char *, size_t);
	void *closure;
	nn_term_mode mode;
	long fg, bg;            /* current colours (0xRRGGBB or an xterm
	                           index), -1 unknown */
} sink;

static uint32_t
pack(nn_rgb c)
{
	int r = (int)(c.r * 255.0 + 0.5), g = (int)(c.g * 255.0 + 0.5);
	int b = (int)(c.b * 255.0 + 0.5);

	r = r < 0 ? 0 : r > 255 ? 255 : r;
	g = g < 0 ? 0 : g > 255 ? 255 : g;
	b = b < 0 ? 0 : b > 255 ? 255 : b;
	return (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* Relative luminance, 0..255, good enough to pick black or white. */
static int
luma(uint32_t c)
{
	return (int)((299 * (c >> 16 & 255) + 587 * (c >> 8 & 255) +
	    114 * (c & 255)) / 1000);
}

static void
put(sink *k, const char *s, size_t n)
{
	k->out(k->closure, s, n);
}

/* ====================================================================== */
/* Colour                                                                 */
/* ====================================================================== */

/* xterm's colour cube: each channel one of six levels. */
static const int cube[6] = { 0, 95, 135, 175, 215, 255 };

static int
cube_level(int v)
{
	int best = 0;

	for (int i = 1; i < 6; i++)
		if (abs(cube[i] - v) < abs(cube[best] - v))
			best = i;
	return best;
}

static int
dist2(int r, int g, int b, int r2, int g2, int b2)
{
	return (r - r2) * (r - r2) + (g - g2) * (g - g2) + (b - b2) * (b - b2);
}

int
nn_plot_xterm256(uint32_t rgb)
{
	int r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
	int cr = cube_level(r), cg = cube_level(g), cb = cube_level(b);
	int grey = (r + g + b) / 3, gi;

	/* the grey ramp 232..255 is 8, 18, ..., 238 */
	gi = grey < 8 ? 0 : grey > 238 ? 23 : (grey - 8 + 5) / 10;
	if (dist2(r, g, b, 8 + 10 * gi, 8 + 10 * gi, 8 + 10 * gi) <
	    dist2(r, g, b, cube[cr], cube[cg], cube[cb]))
		return 232 + gi;
	return 16 + 36 * cr + 6 * cg + cb;
}

static void
colour(sink *k, int bg, uint32_t c)
{
	char buf[32];
	long key = k->mode == NN_TERM_256 ? nn_plot_xterm256(c) : (long)c;
	int n;

	if ((bg ? k->bg : k->fg) == key)
		return;
	if (k->mode == NN_TERM_256)
		n = snprintf(buf, sizeof(buf), "\x1b[%d;5;%ldm", bg ? 48 : 38,
		    key);
	else
		n = snprintf(buf, sizeof(buf), "\x1b[%d;2;%u;%u;%um",
		    bg ? 48 : 38, (unsigned)(c >> 16 & 255),
		    (unsigned)(c >> 8 & 255), (unsigned)(c & 255));
	put(k, buf, (size_t)n);
	if (bg)
		k->bg = key;
	else
		k->fg = key;
}

/* Bytes of the UTF-8 character at s (the text is already valid). */
static int
char_len(const unsigned char *s)
{
	return *s < 0x80 ? 1 : *s < 0xE0 ? 2 : *s < 0xF0 ? 3 : 4;
}

/* ====================================================================== */
/* Glyphs                                                                 */
/* ====================================================================== */

/* A series (a class colour) and its region (the colour mixed with white),
 * per palette index; the frame; other greys; other colours by lightness,
 * dark to light. */
static const char series_glyph[NN_PLOT_NCLASS + 1] = "*o+x@%&$";
static const char region_glyph[NN_PLOT_NCLASS + 1] = ".~'^`\";,";
static const char shade[] = "@%#*+=-:. ";

enum { G_WHITE, G_SERIES, G_REGION, G_FRAME, G_DARK, G_GREY, G_SHADE };

typedef struct what {
	int kind;
	int k;                  /* palette index, or shade */
} what;

static int
chan(uint32_t c, int i)
{
	return (int)(c >> (16 - 8 * i) & 255);
}

/* What a pixel of colour c shows. */
static what
classify(uint32_t c)
{
	int r = chan(c, 0), g = chan(c, 1), b = chan(c, 2);
	int hi = r > g ? (r > b ? r : b) : (g > b ? g : b);
	int lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
	int l = luma(c), best = -1;
	double besterr = 0.0;

	if (lo >= 0xFA)
		return (what){ G_WHITE, 0 };
	for (int k = 0; k < NN_PLOT_NCLASS; k++) {
		uint32_t p = pack(nn_plot_class_colour((size_t)k));
		if (abs(r - chan(p, 0)) <= 4 && abs(g - chan(p, 1)) <= 4 &&
		    abs(b - chan(p, 2)) <= 4)
			return (what){ G_SERIES, k };
	}
	if (hi - lo <= 12)       /* a grey: the frame, a boundary, a series */
		return (what){ l < 100 ? G_DARK : l < 140 ? G_FRAME : G_GREY, 0 };
	/* a tint 255 - a (255 - p) of a palette colour p: the a that fits
	 * best (least squares), and how far off it is */
	for (int k = 0; k < NN_PLOT_NCLASS - 1; k++) {
		uint32_t p = pack(nn_plot_class_colour((size_t)k));
		double num = 0.0, den = 0.0, a, err = 0.0;
		for (int i = 0; i < 3; i++) {
			num += (255.0 - chan(c, i)) * (255.0 - chan(p, i));
			den += (255.0 - chan(p, i)) * (255.0 - chan(p, i));
		}
		a = den > 0.0 ? num / den : 0.0;
		for (int i = 0; i < 3; i++) {
			double d = 255.0 - a * (255.0 - chan(p, i)) - chan(c, i);
			err += d * d;
		}
		if (a > 0.0 && a <= 1.02 && (best < 0 || err < besterr)) {
			best = k;
			besterr = err;
		}
	}
	if (best >= 0 && besterr <= 3 * 8.0 * 8.0)
		return (what){ G_REGION, best };
	return (what){ G_SHADE, l * (int)(sizeof(shade) - 1) / 256 };
}

/* The pixel at (x, y) of the picture; white outside it. */
static uint32_t
pixel(const unsigned char *px, int stride, int w, int h, int x, int y)
{
	if (x < 0 || y < 0 || x >= w || y >= h)
		return 0xFFFFFF;
	return ((const uint32_t *)(const void *)(px + (size_t)y *
	    (size_t)stride))[x] & 0xFFFFFF;
}

static int
is_frame(const unsigned char *px, int stride, int w, int h, int x, int y)
{
	return classify(pixel(px, stride, w, h, x, y)).kind == G_FRAME;
}

/* The glyph of cell (col, row): of its two pixels the one that says more
 * (a series over a region, a region over white); frame pixels join into
 * lines with their neighbours. */
static char
glyph(const unsigned char *px, int stride, int cols, int lines, int col,
    int row)
{
	static const int rank[] = { [G_WHITE] = 0, [G_SHADE] = 1,
		[G_REGION] = 2, [G_GREY] = 3, [G_FRAME] = 4, [G_DARK] = 5,
		[G_SERIES] = 6 };
	int h = 2 * lines, y0 = 2 * row;
	what a = classify(pixel(px, stride, cols, h, col, y0));
	what b = classify(pixel(px, stride, cols, h, col, y0 + 1));
	what m = rank[b.kind] > rank[a.kind] ? b : a;

	switch (m.kind) {
	case G_SERIES:
		return series_glyph[m.k];
	case G_REGION:
		return region_glyph[m.k];
	case G_DARK:
		return '#';
	case G_GREY:
		return ':';
	case G_SHADE:
		return shade[m.k];
	case G_FRAME: {
		int y = a.kind == G_FRAME ? y0 : y0 + 1;
		int across = is_frame(px, stride, cols, h, col - 1, y) ||
		    is_frame(px, stride, cols, h, col + 1, y);
		int down = (a.kind == G_FRAME && b.kind == G_FRAME) ||
		    is_frame(px, stride, cols, h, col, y - 1) ||
		    is_frame(px, stride, cols, h, col, y + 1);
		return across && down ? '+' : down ? '|' : '-';
	}
	default:
		return ' ';
	}
}

/* ====================================================================== */
/* The picture                                                            */
/* ====================================================================== */

void
nn_plot_term_render(const unsigned char *px, int stride, int cols,
    int lines, const nn_term_text *t, size_t nt, nn_term_mode mode,
    void (*out)(void *, const char *, size_t), void *closure)
{
	cell *g = nn_xcalloc((size_t)cols * (size_t)lines, sizeof(*g));
	sink k = { out, closure, mode, -1, -1 };
	int plain = mode == NN_TERM_MONO || mode == NN_TERM_ASCII;

	/* text into cells; later text wins */
	for (size_t i = 0; i < nt; i++) {
		const unsigned char *s = (const unsigned char *)t[i].s;
		int col = t[i].col, row = t[i].row;
		while (*s) {
			int n = char_len(s);
			if (col >= 0 && col < cols && row >= 0 && row < lines) {
				cell *c = &g[(size_t)row * (size_t)cols + (size_t)col];
				c->ch = (const char *)s;
				c->len = n;
				c->c = pack(t[i].c);
			}
			s += n;
			if (t[i].vertical)
				row++;
			else
				col++;
		}
	}

	for (int r = 0; r < lines; r++) {
		const uint32_t *top = (const uint32_t *)(const void *)
		    (px + (size_t)(2 * r) * (size_t)stride);
		const uint32_t *bot = (const uint32_t *)(const void *)
		    (px + (size_t)(2 * r + 1) * (size_t)stride);
		for (int j = 0; j < cols; j++) {
			const cell *c = &g[(size_t)r * (size_t)cols + (size_t)j];
			uint32_t a = top[j] & 0xFFFFFF, b = bot[j] & 0xFFFFFF;
			if (plain) {
				char ch = glyph(px, stride, cols, lines, j, r);
				if (c->ch == NULL)
					put(&k, &ch, 1);
				else if (mode == NN_TERM_MONO || c->len == 1)
					put(&k, c->ch, (size_t)c->len);
				else    /* ASCII: an ellipsis as '.', else '?' */
					put(&k, memcmp(c->ch, "\xe2\x80\xa6", 3) == 0 ?
					    "." : "?", 1);
				continue;
			}
			if (c->ch != NULL) {
				uint32_t bg = ((a >> 16 & 255) + (b >> 16 & 255)) / 2 << 16 |
				    ((a >> 8 & 255) + (b >> 8 & 255)) / 2 << 8 |
				    ((a & 255) + (b & 255)) / 2;
				uint32_t fg = c->c;
				int d = luma(fg) - luma(bg);
				if (d < 90 && d > -90)
					fg = luma(bg) > 128 ? 0x000000 : 0xFFFFFF;
				colour(&k, 1, bg);
				colour(&k, 0, fg);
				put(&k, c->ch, (size_t)c->len);
			} else if (a == b) {
				colour(&k, 1, b);
				put(&k, " ", 1);
			} else {
				colour(&k, 0, a);
				colour(&k, 1, b);
				put(&k, "\xe2\x96\x80", 3);    /* U+2580 upper half */
			}
		}
		if (plain)
			put(&k, "\n", 1);
		else
			put(&k, "\x1b[0m\n", 5);
		k.fg = k.bg = -1;
	}
	free(g);
}
