/*
 * test_progress.c - the reader's progress callback (nn_csv_set_progress,
 * nn_data_opts.progress): called every NN_PROGRESS_STEP bytes with the
 * bytes read so far, never two calls at once, with the file's size when
 * it is a regular file, 0 from a pipe and then the size once the stream
 * ends; on every road of nn_data_read (the parallel parts, the stream,
 * the general reader) -- and the data read the same as without it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"
#include "tap.h"

typedef struct seen {
	size_t calls;
	uint64_t last, total, first_total;
	int backwards;           /* done fell */
	int totals_differ;       /* total changed, but for the last call */
	atomic_int inside;       /* calls running now */
	int overlap;
} seen;

static void
count(void *arg, uint64_t done, uint64_t total)
{
	seen *s = arg;

	if (atomic_fetch_add(&s->inside, 1) != 0)
		s->overlap = 1;
	if (s->calls == 0)
		s->first_total = total;
	else if (total != s->total && total != done)
		s->totals_differ = 1;
	s->backwards |= done < s->last;
	s->last = done;
	s->total = total;
	s->calls++;
	atomic_fetch_sub(&s->inside, 1);
}

/* A CSV of rows lines: 8 numeric features and a class, ~100 bytes a
 * line; with text, a string column too (the general reader). */
static FILE *
make(size_t rows, int text, size_t *bytes)
{
	FILE *fp = tmpfile();

	if (fp == NULL) {
		perror("tmpfile");
		exit(1);
	}
	fputs("a,b,c,d,e,f,g,h,", fp);
	fputs(text ? "w,y\n" : "y\n", fp);
	for (size_t i = 0; i < rows; i++) {
		for (int j = 0; j < 8; j++)
			fprintf(fp, "%.6f,", (double)(i * 8 + (size_t)j) * 1e-3);
		if (text)
			fprintf(fp, "%s,", i % 3 ? "red" : "blue");
		fprintf(fp, "%zu\n", i % 2);
	}
	fflush(fp);
	*bytes = (size_t)ftello(fp);
	rewind(fp);
	return fp;
}

static void
check(const char *what, FILE *fp, size_t bytes, size_t rows, int pipe_in)
{
	nn_data_opts o = { .header = 1, .na = nn_na_default,
	    .nna = nn_na_default_n, .max_categories = NN_MAX_CATEGORIES };
	seen s = { 0 };
	nn_data d;
	nn_err e;
	int rc;

	atomic_init(&s.inside, 0);
	o.progress = count;
	o.progress_arg = &s;
	rc = nn_data_read(fp, what, &o, &d, &e);
	tap_ok(rc == 0 && d.n == rows, "%s: read with a callback (%zu rows)",
	    what, rc == 0 ? d.n : 0);
	tap_ok(s.calls >= bytes / NN_PROGRESS_STEP - 1 &&
	    s.calls <= 2 * (bytes / NN_PROGRESS_STEP) + 2,
	    "%s: a call every %llu bytes (%zu calls for %zu bytes)", what,
	    (unsigned long long)NN_PROGRESS_STEP, s.calls, bytes);
	tap_ok(!s.overlap, "%s: never two calls at once", what);
	if (pipe_in) {
		tap_ok(s.first_total == 0 && s.total == s.last &&
		    s.last == bytes, "%s: size unknown, then known at the end "
		    "(%llu of %llu)", what, (unsigned long long)s.last,
		    (unsigned long long)s.total);
	} else {
		tap_ok(s.first_total == bytes && !s.totals_differ,
		    "%s: the file's size as the total (%llu)", what,
		    (unsigned long long)s.first_total);
		tap_ok(s.last <= bytes + (1u << 20) && !s.backwards,
		    "%s: done rises, up to the size (%llu)", what,
		    (unsigned long long)s.last);
	}
	nn_data_free(&d);
}

/* The same bytes through a pipe, written by a thread. */
typedef struct feed {
	FILE *from;
	int fd;
} feed;

static void *
pump(void *arg)
{
	feed *f = arg;
	char buf[1 << 16];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f->from)) > 0)
		if (write(f->fd, buf, n) != (ssize_t)n)
			break;
	close(f->fd);
	return NULL;
}

int
main(void)
{
	const size_t rows = 200000;     /* ~20 MB */
	size_t bytes;
	FILE *fp = make(rows, 0, &bytes);

	/* numeric: the parallel parts (each thread adds its chunks) */
	setenv("NN_CSV_THREADS", "4", 1);
	check("parts", fp, bytes, rows, 0);
	/* numeric, one part: the stream reader */
	rewind(fp);
	setenv("NN_CSV_THREADS", "1", 1);
	check("stream", fp, bytes, rows, 0);
	unsetenv("NN_CSV_THREADS");

	/* from a pipe */
	int pfd[2];
	pthread_t t;
	rewind(fp);
	if (pipe(pfd) != 0)
		return 1;
	feed f = { fp, pfd[1] };
	pthread_create(&t, NULL, pump, &f);
	FILE *in = fdopen(pfd[0], "r");
	check("pipe", in, bytes, rows, 1);
	pthread_join(t, NULL);
	fclose(in);
	fclose(fp);

	/* a string column: the general reader */
	fp = make(rows, 1, &bytes);
	check("general", fp, bytes, rows, 0);
	fclose(fp);

	/* the callback changes nothing of what is read */
	fp = make(20000, 0, &bytes);
	nn_data_opts o = { .header = 1, .na = nn_na_default,
	    .nna = nn_na_default_n, .max_categories = NN_MAX_CATEGORIES };
	nn_data a, b;
	nn_err e;
	seen s = { 0 };
	int ok = nn_data_read(fp, "plain", &o, &a, &e) == 0;
	rewind(fp);
	o.progress = count;
	o.progress_arg = &s;
	ok = ok && nn_data_read(fp, "plain", &o, &b, &e) == 0;
	tap_ok(ok && a.n == b.n && a.d == b.d && a.crc == b.crc &&
	    memcmp(a.x, b.x, a.n * a.d * sizeof(float)) == 0,
	    "the same data and CRC with a callback as without");
	nn_data_free(&a);
	nn_data_free(&b);
	fclose(fp);
	return tap_done();
}
