/*
 * plot_term.c - a figure as coloured text, for a quick look over SSH.
 *
 * Each character cell shows two pixels stacked: the upper-half block
 * U+2580 in the top pixel's colour on a background of the bottom pixel's,
 * both as 24-bit ANSI colours.  Text is not drawn into the pixels (letters
 * two pixels high would be unreadable) but printed as characters in its
 * cells, on the mean colour of the two pixels underneath.
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
	long fg, bg;            /* current colours, -1 unknown */
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

static void
colour(sink *k, int bg, uint32_t c)
{
	char buf[32];
	int n;

	if ((bg ? k->bg : k->fg) == (long)c)
		return;
	n = snprintf(buf, sizeof(buf), "\x1b[%d;2;%u;%u;%um", bg ? 48 : 38,
	    (unsigned)(c >> 16 & 255), (unsigned)(c >> 8 & 255),
	    (unsigned)(c & 255));
	put(k, buf, (size_t)n);
	if (bg)
		k->bg = (long)c;
	else
		k->fg = (long)c;
}

/* Bytes of the UTF-8 character at s (the text is already valid). */
static int
char_len(const unsigned char *s)
{
	return *s < 0x80 ? 1 : *s < 0xE0 ? 2 : *s < 0xF0 ? 3 : 4;
}

void
nn_plot_term_render(const unsigned char *px, int stride, int cols,
    int lines, const nn_term_text *t, size_t nt,
    void (*out)(void *, const char *, size_t), void *closure)
{
	cell *g = nn_xcalloc((size_t)cols * (size_t)lines, sizeof(*g));
	sink k = { out, closure, -1, -1 };

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
		put(&k, "\x1b[0m\n", 5);
		k.fg = k.bg = -1;
	}
	free(g);
}
