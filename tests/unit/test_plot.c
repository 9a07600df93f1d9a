/*
 * test_plot.c - the figures' colours and the terminal's modes.
 *
 *  - every class colour reads on white: its WCAG 2 contrast ratio against
 *    white, computed here from the definition (relative luminance of the
 *    linearised sRGB channels), is at least 3:1, the minimum for graphical
 *    objects (WCAG 2.1, success criterion 1.4.11); and no two are alike;
 *  - nn_plot_xterm256 returns the nearest of the 240 colours it may use,
 *    checked against a search of all of them, and gives every class
 *    colour its own index;
 *  - a terminal canvas with a line of each class colour prints, per mode:
 *    24-bit escapes, 256-colour escapes only, no escape at all (mono), and
 *    7-bit bytes only (ASCII), with a distinct glyph per colour.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"
#include "tap.h"

/* WCAG 2: relative luminance of an sRGB colour. */
static double
lin(double c)
{
	return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double
luminance(nn_rgb c)
{
	return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

static double
contrast_on_white(nn_rgb c)
{
	return (1.0 + 0.05) / (luminance(c) + 0.05);
}

static uint32_t
pack(nn_rgb c)
{
	return (uint32_t)lround(c.r * 255) << 16 |
	    (uint32_t)lround(c.g * 255) << 8 | (uint32_t)lround(c.b * 255);
}

static void
test_palette(void)
{
	for (size_t k = 0; k < NN_PLOT_NCLASS; k++) {
		nn_rgb c = nn_plot_class_colour(k);
		double r = contrast_on_white(c);
		tap_ok(r >= 3.0, "class colour %zu #%06X: contrast %.2f:1 on white "
		    ">= 3:1", k, (unsigned)pack(c), r);
	}
	size_t alike = 0;
	for (size_t i = 0; i < NN_PLOT_NCLASS; i++)
		for (size_t j = i + 1; j < NN_PLOT_NCLASS; j++) {
			nn_rgb a = nn_plot_class_colour(i), b = nn_plot_class_colour(j);
			alike += fabs(a.r - b.r) + fabs(a.g - b.g) + fabs(a.b - b.b) <
			    0.15;
		}
	tap_ok(alike == 0, "no two class colours alike (%zu pairs)", alike);
	tap_ok(pack(nn_plot_class_colour(NN_PLOT_NCLASS)) ==
	    pack(nn_plot_class_colour(0)), "class colours cycle");
}

/* The RGB of xterm colour n (16..255). */
static void
xterm_rgb(int n, int *r, int *g, int *b)
{
	static const int lv[6] = { 0, 95, 135, 175, 215, 255 };

	if (n >= 232) {
		*r = *g = *b = 8 + 10 * (n - 232);
		return;
	}
	n -= 16;
	*r = lv[n / 36];
	*g = lv[n / 6 % 6];
	*b = lv[n % 6];
}

static int
d2(uint32_t c, int n)
{
	int r, g, b;
	int cr = c >> 16 & 255, cg = c >> 8 & 255, cb = c & 255;

	xterm_rgb(n, &r, &g, &b);
	return (r - cr) * (r - cr) + (g - cg) * (g - cg) + (b - cb) * (b - cb);
}

static void
test_xterm256(void)
{
	size_t bad = 0;
	uint32_t s = 12345, first = 0;
	int seen[256] = { 0 }, dup = 0;

	for (int i = 0; i < 20000; i++) {
		uint32_t c;
		int got, best = 16;
		s = s * 1103515245u + 12345u;
		c = i < 4096 ? (uint32_t)i * 0x1001u % 0x1000000u :
		    (s >> 4) & 0xFFFFFF;
		got = nn_plot_xterm256(c);
		for (int n = 17; n < 256; n++)
			if (d2(c, n) < d2(c, best))
				best = n;
		if (got < 16 || got > 255 || d2(c, got) != d2(c, best)) {
			if (bad++ == 0)
				first = c;
		}
	}
	tap_ok(bad == 0, "xterm256: the nearest of the 240 colours (%zu off, "
	    "first #%06X)", bad, (unsigned)first);
	for (size_t k = 0; k < NN_PLOT_NCLASS; k++) {
		int n = nn_plot_xterm256(pack(nn_plot_class_colour(k)));
		dup |= seen[n]++;
	}
	tap_ok(!dup, "xterm256: each class colour its own index");
}

/* A terminal figure: a horizontal line in each class colour, one per
 * line of text; its bytes in *buf.  Returns the length. */
static size_t
draw(nn_term_mode mode, char **buf)
{
	nn_err e;
	nn_plot *p = nn_plot_new(NN_PLOT_TERM, 40, 2 * NN_PLOT_NCLASS + 6, &e);
	nn_axes_spec s = { .x0 = 0, .x1 = 1, .y0 = 0,
		.y1 = NN_PLOT_NCLASS + 1, .bare = 1, .title = "t\xc3\xa9st" };
	nn_axes a;
	size_t n = 0;
	FILE *fp = open_memstream(buf, &n);

	nn_plot_set_term_mode(p, mode);
	nn_axes_begin(p, nn_plot_bounds(p), &s, &a);
	for (size_t k = 0; k < NN_PLOT_NCLASS; k++) {
		double x[2] = { 0.1, 0.9 }, y[2] = { k + 1.0, k + 1.0 };
		nn_plot_line(p, &a, x, y, 2, nn_plot_class_colour(k),
		    NN_LINE_SOLID);
	}
	nn_plot_text(p, 0, 0, 0, 0, 2.0, 0, nn_plot_class_colour(4),
	    "\xc3\xa9t\xc3\xa9");
	nn_axes_finish(p, &a, &s);
	if (nn_plot_write(p, fp, "mem", &e) < 0)
		tap_ok(0, "write: %s", e.msg);
	fclose(fp);
	nn_plot_free(p);
	return n;
}

static void
test_modes(void)
{
	char *b;
	size_t n = draw(NN_TERM_TRUECOLOR, &b);

	tap_ok(strstr(b, "\x1b[38;2;") != NULL, "truecolor: 38;2; escapes");
	free(b);
	n = draw(NN_TERM_256, &b);
	tap_ok(strstr(b, "\x1b[38;5;") != NULL && strstr(b, ";2;") == NULL,
	    "256: 38;5; escapes and no 24-bit one");
	free(b);
	n = draw(NN_TERM_MONO, &b);
	tap_ok(memchr(b, 0x1b, n) == NULL, "mono: no escape");
	tap_ok(strstr(b, "\xc3\xa9t\xc3\xa9") != NULL, "mono: UTF-8 text kept");
	{
		/* each class colour's line its own glyph */
		int distinct = 1;
		char g[NN_PLOT_NCLASS];
		const char *line = b;
		size_t k = 0;
		while (line && k < NN_PLOT_NCLASS) {
			const char *nl = strchr(line, '\n');
			size_t len = nl ? (size_t)(nl - line) : strlen(line);
			if (len > 20 && line[20] != ' ')
				g[k++] = line[20];
			line = nl ? nl + 1 : NULL;
		}
		for (size_t i = 0; i < k; i++)
			for (size_t j = i + 1; j < k; j++)
				distinct &= g[i] != g[j];
		tap_ok(k == NN_PLOT_NCLASS && distinct, "mono: %zu lines, each "
		    "its own glyph", k);
	}
	free(b);
	n = draw(NN_TERM_ASCII, &b);
	{
		int ascii = 1;
		for (size_t i = 0; i < n; i++)
			ascii &= (unsigned char)b[i] < 0x80 && b[i] != 0x1b;
		tap_ok(ascii, "ascii: 7-bit bytes only, no escape");
	}
	free(b);
}

int
main(void)
{
	test_palette();
	test_xterm256();
	test_modes();
	nn_plot_cleanup();
	return tap_done();
}
