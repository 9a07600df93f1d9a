/*
 * nn-predict - apply a saved model to CSV rows, streaming.
 *
 * Rows are read in batches of BATCH through the library's streaming CSV
 * reader, scaled with the transform stored at training, pushed through the
 * network with one GEMM per layer, and written out; memory stays the same
 * however long the input.  Columns are matched by name to the features the
 * model was trained on, so a test file may order or add columns freely.
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BATCH 1024

enum { OPT_PROBA = 0x200, OPT_NO_HEADER };

static const struct option longopts[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "proba", no_argument, NULL, OPT_PROBA },
	{ "no-header", no_argument, NULL, OPT_NO_HEADER },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static const char synopsis[] =
    "usage: nn-predict -m MODEL [--proba] [--no-header] [FILE|-]\n";

static void __attribute__((noreturn))
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

/* Were the model's features named by nn-train --no-header ("1", "2", ...)? */
static int
positional_names(const nn_model *m)
{
	char buf[32];

	for (size_t j = 0; j < m->nin; j++) {
		snprintf(buf, sizeof(buf), "%zu", j + 1 + (j >= m->target_col));
		if (strcmp(m->feat_names[j], buf) != 0)
			return 0;
	}
	return 1;
}

/* Decide each input column's role: feature j of the model, the target
 * (echoed as text slot 0), or ignored.  Returns whether a target column is
 * present. */
static int
map_columns(const nn_model *m, nn_csv *c, const char *name, int header,
    int *roles)
{
	size_t nc = nn_csv_ncols(c);
	int has_target = 0;

	for (size_t j = 0; j < nc; j++)
		roles[j] = NN_COL_SKIP;
	if (header && !positional_names(m)) {
		for (size_t j = 0; j < m->nin; j++) {
			long k = nn_csv_find(c, m->feat_names[j]);
			if (k < 0)
				errx(1, "%s: no column \"%s\" (the model's features are "
				    "its training file's columns)", name, m->feat_names[j]);
			roles[k] = (int)j;
		}
		long t = m->target_name ? nn_csv_find(c, m->target_name) : -1;
		if (t >= 0 && roles[t] == NN_COL_SKIP) {
			roles[t] = NN_COL_TEXT(0);
			has_target = 1;
		}
		return has_target;
	}
	/* Positional: either the training layout (features and target) or
	 * the features alone. */
	if (nc == m->ncols && m->target_col < nc) {
		for (size_t j = 0, f = 0; j < nc; j++)
			roles[j] = j == m->target_col ? NN_COL_TEXT(0) : (int)f++;
		return 1;
	}
	if (nc == m->nin) {
		for (size_t j = 0; j < nc; j++)
			roles[j] = (int)j;
		return 0;
	}
	errx(1, "%s: %zu columns, but the model takes %zu features (%u columns "
	    "with the target)", name, nc, m->nin, m->ncols);
}

static void
put_field(const char *s)
{
	if (nn_csv_put(stdout, s) < 0)
		close_stdout();
}

int
main(int argc, char **argv)
{
	const char *model_path = NULL, *name;
	int proba = 0, header = 1, has_target, ch;
	nn_model *m;
	nn_work *w;
	nn_csv *c;
	nn_err e;
	FILE *fp;
	int *roles;
	float *x;
	long n;

	while ((ch = getopt_long(argc, argv, "m:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			model_path = optarg;
			break;
		case OPT_PROBA:
			proba = 1;
			break;
		case OPT_NO_HEADER:
			header = 0;
			break;
		case OPT_HELP:
			fputs(synopsis, stdout);
			close_stdout();
			return 0;
		case OPT_VERSION:
			print_version();
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		usage();
	if (model_path == NULL)
		errx(2, "-m MODEL is required");
	if ((m = nn_model_load(model_path, &e)) == NULL)
		die_err(1, &e);

	fp = open_input(argc ? argv[0] : NULL, &name);
	if ((c = nn_csv_open(fp, name, header, &e)) == NULL)
		die_err(1, &e);
	roles = nn_xmalloc(nn_csv_ncols(c) * sizeof(*roles));
	has_target = map_columns(m, c, name, header, roles);
	if (nn_csv_set_roles(c, roles, m->nin, has_target ? 1 : 0, 0, &e) < 0)
		die_err(1, &e);
	free(roles);

	/* header */
	if (has_target) {
		put_field(m->target_name);
		putchar(',');
	}
	fputs("predicted", stdout);
	if (proba && m->task != NN_TASK_REGRESSION)
		for (size_t k = 0; k < m->nlabels; k++) {
			putchar(',');
			/* "p_" + label, quoted as one field if it must be */
			size_t len = strlen(m->labels[k]);
			char *h = nn_xmalloc(len + 3);
			memcpy(h, "p_", 2);
			memcpy(h + 2, m->labels[k], len + 1);
			put_field(h);
			free(h);
		}
	putchar('\n');

	x = nn_xmalloc((size_t)BATCH * m->nin * sizeof(*x));   /* (BATCH, D) */
	w = nn_work_new(m, BATCH);
	while ((n = nn_csv_read(c, x, BATCH, &e)) > 0) {
		nn_model_scale(m, x, (size_t)n);
		const float *out = nn_forward(m, w, x, (size_t)n);   /* (n, K) */
		for (long i = 0; i < n; i++) {
			const float *o = out + (size_t)i * m->nout;
			if (has_target) {
				put_field(nn_csv_text(c, (size_t)i, 0));
				putchar(',');
			}
			switch (m->task) {
			case NN_TASK_REGRESSION:
				printf("%.9g", o[0]);
				break;
			case NN_TASK_BINARY:
				put_field(m->labels[o[0] >= 0.5f]);
				if (proba)
					printf(",%.9g,%.9g", 1.0f - o[0], o[0]);
				break;
			default: {
				size_t best = 0;
				for (size_t k = 1; k < m->nout; k++)
					if (o[k] > o[best])
						best = k;
				put_field(m->labels[best]);
				if (proba)
					for (size_t k = 0; k < m->nout; k++)
						printf(",%.9g", o[k]);
				break;
			}
			}
			putchar('\n');
		}
	}
	if (n < 0)
		die_err(1, &e);
	nn_csv_free(c);
	if (fp != stdin)
		fclose(fp);
	nn_work_free(w);
	free(x);
	nn_model_free(m);
	close_stdout();
	return 0;
}
