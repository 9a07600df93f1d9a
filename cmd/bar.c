/*
 * bar.c - progress bars on a terminal's stderr (see bar.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "bar.h"

static volatile sig_atomic_t winch;

static void
on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void
bar_read_width(bar *b)
{
	struct winsize ws;
	const char *s = getenv("COLUMNS");
	long v;

	winch = 0;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		b->width = ws.ws_col;
	else if (s != NULL && nn_parse_long(s, 1, 100000, &v, "", NULL) == 0)
		b->width = (int)v;
	else
		b->width = 80;
}

/* A bar on stderr when it is a terminal and quiet is not set. */
void
bar_start(bar *b, int quiet)
{
	struct sigaction sa;

	memset(b, 0, sizeof(*b));
	b->on = !quiet && isatty(STDERR_FILENO);
	if (!b->on)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	bar_read_width(b);
	b->last_draw = seconds();
}

/* Whether to draw now: at most BAR_HZ times a second, the first time
 * 1 / BAR_HZ after the start (the first batches' speed says little of the
 * rest); force: the last state, drawn whatever the time. */
int
bar_due(bar *b, double t, int force)
{
	if (!b->on || (!force && t - b->last_draw < 1.0 / BAR_HZ))
		return 0;
	b->last_draw = t;
	return 1;
}

void
bar_clear(bar *b)
{
	if (b->on && b->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	b->drawn = 0;
}

/*
 * Draw f[0 .. n) in order, those of the best ranks that fit in the width
 * less one column.  A field whose text is "[" is the meter: it is filled
 * to frac and takes what room is left, up to BAR_METER_MAX.
 */
void
bar_draw(bar *b, const field *f, size_t n, double frac)
{
	char line[1024];
	int avail, used = 0, keep = -1, meter = BAR_METER_MIN;
	size_t len = 0;

	if (winch)
		bar_read_width(b);
	avail = b->width - 1 < (int)sizeof(line) - 1 ? b->width - 1 :
	    (int)sizeof(line) - 1;
	/* the ranks 0 .. keep all fit */
	for (int r = 0; r < BAR_FIELDS; r++) {
		int w = used;
		for (size_t k = 0; k < n; k++)
			if (f[k].rank == r)
				w += (w > 0) + (f[k].s[0] == '[' && f[k].s[1] == '\0' ?
				    BAR_METER_MIN : (int)strlen(f[k].s));
		if (w > avail && r > 0)
			break;
		used = w;
		keep = r;
	}
	for (size_t k = 0; k < n; k++)
		if (f[k].rank <= keep && f[k].s[0] == '[' && f[k].s[1] == '\0') {
			meter += avail - used;
			if (meter > BAR_METER_MAX)
				meter = BAR_METER_MAX;
		}
	for (size_t k = 0; k < n; k++) {
		if (f[k].rank > keep)
			continue;
		if (len > 0)
			line[len++] = ' ';
		if (f[k].s[0] == '[' && f[k].s[1] == '\0') {
			int cells = meter - 2, fill = (int)(frac * cells);
			fill = fill < 0 ? 0 : fill > cells ? cells : fill;
			line[len++] = '[';
			for (int i = 0; i < cells; i++)
				line[len++] = i < fill ? '#' : '.';
			line[len++] = ']';
		} else {
			size_t m = strlen(f[k].s);
			memcpy(line + len, f[k].s, m);
			len += m;
		}
	}
	if (len > (size_t)(avail > 0 ? avail : 0))
		len = (size_t)(avail > 0 ? avail : 0);   /* narrower than a field */
	fprintf(stderr, "\r%.*s\033[K", (int)len, line);
	fflush(stderr);
	b->drawn = 1;
}

/* A duration as people read it: 45s, 1m12s, 2h03m. */
void
human_time(char *out, size_t size, double s)
{
	unsigned long t;

	if (!(s >= 0))
		s = 0;
	if (s > 3600.0 * 9999)
		s = 3600.0 * 9999;
	t = (unsigned long)(s + 0.5);
	if (t < 60)
		snprintf(out, size, "%lus", t);
	else if (t < 3600)
		snprintf(out, size, "%lum%02lus", t / 60, t % 60);
	else
		snprintf(out, size, "%luh%02lum", t / 3600, t / 60 % 60);
}

/* 850, 12.3k, 1.2M */
void
human_count(char *out, size_t size, double v)
{
	if (v < 1e4)
		snprintf(out, size, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, size, "%.1fk", v / 1e3);
	else
		snprintf(out, size, "%.1fM", v / 1e6);
}

/* ---- the reading bar --------------------------------------------------- */

/* nn_progress_fn: "reading train.csv 45.2 MB of 133.0 MB 34% 98 MB/s".
 * Called by the reader's threads one at a time. */
static void
on_read(void *arg, uint64_t done, uint64_t total)
{
	reading *r = arg;
	double t = seconds(), mb = (double)done / 1e6, el = t - r->t0;
	field f[BAR_FIELDS];
	size_t n = 0;
	int plain = 1;

	if (el < READ_DELAY || !bar_due(&r->b, t, total > 0 && done >= total))
		return;
	for (const char *p = r->name; *p; p++)
		plain &= *p > ' ' && *p < 0x7f;
	snprintf(f[n].s, sizeof(f[n].s), "reading");
	f[n++].rank = 0;
	if (plain && strlen(r->name) < sizeof(f[n].s)) {
		snprintf(f[n].s, sizeof(f[n].s), "%s", r->name);
		f[n++].rank = 4;
	}
	if (total > 0 && done > total)
		done = total;
	snprintf(f[n].s, sizeof(f[n].s), total > 0 ? "%.1f of %.1f MB" :
	    "%.1f MB", mb, (double)total / 1e6);
	f[n++].rank = 1;
	if (total > 0) {
		snprintf(f[n].s, sizeof(f[n].s), "%.0f%%", 100.0 * (double)done /
		    (double)total);
		f[n++].rank = 2;
	}
	snprintf(f[n].s, sizeof(f[n].s), "%.0f MB/s", mb / el);
	f[n++].rank = 3;
	bar_draw(&r->b, f, n, 0);
}

/* Read opts' progress into r for the input name (see on_read). */
void
reading_start(reading *r, nn_data_opts *dopts, const char *name, int quiet)
{
	bar_start(&r->b, quiet);
	r->name = name;
	r->t0 = seconds();
	dopts->progress = r->b.on ? on_read : NULL;
	dopts->progress_arg = r;
}
