/*
 * bar.h - progress bars on a terminal's stderr (nn-train's reading and
 * training bars, nn-tune's search bar).
 *
 * A bar is one line, redrawn in place ("\r", the text, clear to the end
 * of the line) at most BAR_HZ times a second, so that it costs nothing
 * next to the work it shows; and it is never wider than the terminal,
 * because a line that wraps cannot be taken back by "\r": every redraw
 * would add a line.  The width is read with TIOCGWINSZ when a bar starts
 * and again after a SIGWINCH (whose handler only sets a flag); without a
 * window size, $COLUMNS, else 80.  One column stays free: a character in
 * the last one makes some terminals wrap at once.
 *
 * A bar's fields are ranked; when they do not all fit, the lowest-ranked
 * go first, so the line keeps what matters most at any width, and below
 * the width of the first field even that is cut rather than wrapped.
 * The drawing ends with the line cleared, so what is printed next starts
 * on a clean line.
 */
#ifndef NN_CMD_BAR_H
#define NN_CMD_BAR_H

#include <stddef.h>
#include <stdint.h>

#include "nn.h"

#define BAR_HZ 10
/* The reading bar stays silent this long: small inputs say nothing. */
#define READ_DELAY 0.5
/* The meter ("[####......]"): at least this wide with its brackets, or
 * left out; at most BAR_METER_MAX. */
#define BAR_METER_MIN 12
#define BAR_METER_MAX 32
#define BAR_FIELDS 8

typedef struct bar {
	int on;                  /* a terminal, not -q */
	int width;               /* of the terminal */
	int drawn;               /* the line holds the bar */
	double last_draw;
} bar;

/* One field of a bar: its text ("[" alone is the meter) and its rank
 * (0: kept longest). */
typedef struct field {
	char s[64];
	int rank;
} field;

/* Seconds on the monotonic clock. */
double seconds(void);

/* A bar on stderr when it is a terminal and quiet is not set. */
void bar_start(bar *b, int quiet);
/* Whether to draw now: at most BAR_HZ times a second, the first time
 * 1 / BAR_HZ after the start (the first steps' speed says little of the
 * rest); force: the last state, drawn whatever the time. */
int bar_due(bar *b, double t, int force);
/* Draw f[0 .. n) in order, those of the best ranks that fit in the width
 * less one column; the meter is filled to frac and takes what room is
 * left, up to BAR_METER_MAX. */
void bar_draw(bar *b, const field *f, size_t n, double frac);
/* Take the bar off its line (nothing when none is drawn). */
void bar_clear(bar *b);

/* A duration as people read it: 45s, 1m12s, 2h03m. */
void human_time(char *out, size_t size, double s);
/* 850, 12.3k, 1.2M */
void human_count(char *out, size_t size, double v);

/* ---- the reading bar --------------------------------------------------- */

/* "reading train.csv 45.2 MB of 133.0 MB 34% 98 MB/s", after READ_DELAY. */
typedef struct reading {
	bar b;
	const char *name;
	double t0;
} reading;

/* Point dopts' progress at r for the input name (nothing when quiet or
 * not a terminal). */
void reading_start(reading *r, nn_data_opts *dopts, const char *name,
    int quiet);

#endif
