/*
 * util.c - shared helpers of the nnkit programs (see util.h).
 */
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

extern char *program_invocation_short_name;

void
print_version(void)
{
	printf("%s (nnkit) %s\n", program_invocation_short_name, NN_VERSION);
	close_stdout();
	exit(0);
}

long
opt_long(const char *s, long lo, long hi, const char *opt)
{
	nn_err e;
	long v;

	if (nn_parse_long(s, lo, hi, &v, opt, &e) < 0)
		die_err(2, &e);
	return v;
}

double
opt_double(const char *s, double lo, double hi, const char *opt)
{
	nn_err e;
	double v;

	if (nn_parse_double(s, lo, hi, &v, opt, &e) < 0)
		die_err(2, &e);
	return v;
}

uint64_t
opt_seed(const char *s, const char *opt)
{
	nn_err e;
	uint64_t v;

	if (nn_parse_seed(s, &v, opt, &e) < 0)
		die_err(2, &e);
	return v;
}

FILE *
open_input(const char *path, const char **name)
{
	nn_err e;
	FILE *fp;

	if (path == NULL)
		path = "-";
	*name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	note_input(path);        /* before a byte is read */
	/* A command typed without its file would wait in silence. */
	if (strcmp(path, "-") == 0 && isatty(STDIN_FILENO))
		warnx("reading data from the terminal; end with Ctrl-D");
	if ((fp = input_opener(path, &e)) == NULL)
		die_err(1, &e);
	return fp;
}

FILE *(*input_opener)(const char *path, nn_err *e) = nn_input_open;

static const nn_dist *
no_parts(FILE *fp)
{
	(void)fp;
	return NULL;
}

const nn_dist *(*input_parts)(FILE *fp) = no_parts;

const char *
input_error(FILE *fp)
{
	const char *why = nn_input_error(fp);

	return why != NULL ? why : strerror(errno);
}

/* ---- no output over an input ------------------------------------------- */

/* The inputs noted so far, for the whole run (a program reads a handful of
 * files; the table is the one piece of state util.c keeps). */
typedef struct input_id {
	dev_t dev;
	ino_t ino;
	char *name;              /* for messages */
} input_id;

static input_id *inputs;
static size_t ninputs;

/* The input that st is, if any.  Only a regular file can be overwritten:
 * a terminal or /dev/null may well be both read and written. */
static const input_id *
find_input(const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return NULL;
	for (size_t i = 0; i < ninputs; i++)
		if (inputs[i].dev == st->st_dev && inputs[i].ino == st->st_ino)
			return &inputs[i];
	return NULL;
}

void
note_input(const char *path)
{
	struct stat st;
	int std;

	if (path == NULL)
		return;
	std = strcmp(path, "-") == 0;
	if ((std ? fstat(STDIN_FILENO, &st) : stat(path, &st)) < 0)
		return;
	inputs = nn_xrealloc(inputs, (ninputs + 1) * sizeof(*inputs));
	inputs[ninputs].dev = st.st_dev;
	inputs[ninputs].ino = st.st_ino;
	inputs[ninputs].name = nn_xstrdup(std ? "<stdin>" : path);
	ninputs++;
	guard_stdout();
}

void
guard_output(const char *path, const char *what)
{
	const input_id *in;
	struct stat st;

	if (path == NULL)
		return;
	if (strcmp(path, "-") == 0) {
		guard_stdout();
		return;
	}
	if (stat(path, &st) < 0 || (in = find_input(&st)) == NULL)
		return;
	if (strcmp(in->name, path) == 0)
		errx(2, "%s %s is also an input; refusing to overwrite it", what,
		    path);
	errx(2, "%s %s is also an input (%s); refusing to overwrite it", what,
	    path, in->name);
}

void
guard_stdout(void)
{
	const input_id *in;
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) == 0 && (in = find_input(&st)) != NULL)
		errx(2, "standard output is also an input (%s); refusing to "
		    "overwrite it", in->name);
}

void
close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			exit(0);
		err(1, "stdout");
	}
	if (fclose(stdout) != 0) {
		if (errno == EPIPE)
			exit(0);
		err(1, "stdout");
	}
}

void
die_err(int status, const nn_err *e)
{
	errx(status, "%s", e->msg);
}

long
pred_column(const nn_csv *c)
{
	for (size_t j = nn_csv_ncols(c); j-- > 0;) {
		const char *s = nn_csv_colname(c, j);
		if (strcmp(s, PRED_COL_LABEL) == 0 || strcmp(s, PRED_COL_VALUE) == 0)
			return (long)j;
	}
	return nn_csv_find(c, PRED_COL_PLAIN);
}

/* -d: one byte, or the names tab, comma, semicolon, pipe, space, or \t. */
int
opt_delim(const char *s, const char *opt)
{
	static const struct { const char *name; int c; } names[] = {
		{ "tab", '\t' }, { "\\t", '\t' }, { "comma", ',' },
		{ "semicolon", ';' }, { "pipe", '|' }, { "space", ' ' },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0)
			return names[i].c;
	if (strlen(s) != 1 || *s == '"' || *s == '\n' || *s == '\r')
		errx(2, "%s: expected one character (or tab, comma, semicolon, "
		    "pipe), got \"%s\"", opt, s);
	return (unsigned char)*s;
}

/* The command line as one string, for the model's metadata: words joined
 * by spaces, single-quoted when they hold anything a shell would read. */
char *
join_argv(int argc, char **argv)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < argc; i++)
		len += 4 * strlen(argv[i]) + 3;
	p = s = nn_xmalloc(len);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int plain = *a != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%") == strlen(a);
		if (i > 0)
			*p++ = ' ';
		if (plain) {
			p = stpcpy(p, a);
			continue;
		}
		*p++ = '\'';
		for (; *a; a++) {
			if (*a == '\'')
				p = stpcpy(p, "'\\''");
			else
				*p++ = *a;
		}
		*p++ = '\'';
	}
	*p = '\0';
	return s;
}

void
put_exact(double v, const char *none)
{
	char buf[40];

	if (!isfinite(v)) {
		fputs(none, stdout);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, stdout);
}
