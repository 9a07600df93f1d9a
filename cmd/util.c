/*
 * util.c - shared helpers of the nnkit programs (see util.h).
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

extern char *program_invocation_short_name;

void
print_version(void)
{
	printf("%s (nnkit) %s\n", program_invocation_short_name, NN_VERSION);
	close_stdout();
	exit(0);
}

void
help_exit(const char *synopsis)
{
	fputs(synopsis, stdout);
	close_stdout();
	exit(0);
}

void
usage_exit(const char *synopsis)
{
	fputs(synopsis, stderr);
	exit(2);
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
	FILE *fp;

	if (path == NULL || strcmp(path, "-") == 0) {
		*name = "<stdin>";
		return stdin;
	}
	if ((fp = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	*name = path;
	return fp;
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
