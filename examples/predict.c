/*
 * predict.c - the smallest program over the nnkit library: load a model,
 * take one row of the user's columns, print the prediction.
 *
 *   cc -o predict predict.c $(pkg-config --cflags --libs nnkit)
 *   ./predict m.nn 0.5 0.25           the values as arguments
 *   echo 0.5,0.25 | ./predict m.nn    or one CSV line on standard input
 *
 * The values are the model's input columns in its order (nn-model info
 * lists them): a number for a numeric column, a word for a categorical
 * one, an empty field or NA where a value is missing (the model fills it).
 * The output is what nn-predict --proba writes for the same row with no
 * target column: a header line, then the predicted label and each class's
 * probability, or the predicted value of a regression.  Labels are printed
 * as they are (nn-predict quotes one that holds a comma).
 *
 * The steps are those of nnkit(3): nn_model_load, nn_enc_apply (the
 * columns as the network's features), nn_model_scale (the scaling fitted
 * at training), nn_forward.  Errors are one line on stderr, exit 1; a
 * usage error exits 2.
 */
#define _POSIX_C_SOURCE 200809L  /* getline */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnkit/nn.h>

/* The row: nf fields, each a NUL-terminated string. */
typedef struct row {
	char **f;
	size_t nf;
	size_t *cat;        /* (ncat) the field of each categorical column */
	const nn_enc *enc;
} row;

static void
die(const char *msg)
{
	fprintf(stderr, "predict: %s\n", msg);
	exit(1);
}

/* Split line (changed in place) at commas into r->f. */
static void
split(row *r, char *line)
{
	size_t n = 1;

	line[strcspn(line, "\r\n")] = '\0';
	for (const char *p = line; *p != '\0'; p++)
		n += *p == ',';
	r->f = nn_xmalloc(n * sizeof(*r->f));
	r->nf = 0;
	for (char *p = line;; p++) {
		char *end = p + strcspn(p, ",");
		int last = *end == '\0';
		*end = '\0';
		r->f[r->nf++] = p;
		if (last)
			break;
		p = end;
	}
}

static int
missing(const nn_enc *enc, const char *s)
{
	return enc != NULL ? nn_enc_is_na(enc, s) : *s == '\0';
}

/* A numeric field, NaN when missing. */
static float
number(const row *r, size_t j, const char *name)
{
	const char *s = r->f[j];
	char msg[200];
	float v;

	if (missing(r->enc, s))
		return NAN;
	if (nn_parse_float(s, strlen(s), &v) < 0 || !isfinite(v)) {
		snprintf(msg, sizeof(msg), "%s: expected a number, got \"%.40s\"",
		    name, s);
		die(msg);
	}
	return v;
}

/* nn_enc_apply's view of the row: categorical column k's text, or NULL
 * where it is missing. */
static const char *
cat_text(void *ctx, size_t i, size_t k)
{
	const row *r = ctx;
	const char *s = r->f[r->cat[k]];

	(void)i;    /* one row */
	return missing(r->enc, s) ? NULL : s;
}

/* The network's input x (D) from the row: through the model's encoder
 * when it has one, else one number per feature. */
static void
features(const nn_model *m, row *r, float *x)
{
	const nn_enc *enc = m->enc;
	size_t ncols = enc != NULL ? enc->ncols : m->nin, nnum = 0, ncat = 0;
	float *num;
	size_t bad;
	nn_err e;
	char msg[200];

	if (r->nf != ncols) {
		snprintf(msg, sizeof(msg), "%zu value%s, but the model takes %zu "
		    "column%s", r->nf, r->nf == 1 ? "" : "s", ncols,
		    ncols == 1 ? "" : "s");
		die(msg);
	}
	if (enc == NULL) {
		for (size_t j = 0; j < m->nin; j++)
			if (isnan(x[j] = number(r, j, m->feat_names[j])))
				die("a model without input columns takes no "
				    "missing values");
		return;
	}
	num = nn_xmalloc((ncols ? ncols : 1) * sizeof(*num));
	r->cat = nn_xmalloc((ncols ? ncols : 1) * sizeof(*r->cat));
	for (size_t j = 0; j < ncols; j++) {
		if (enc->cols[j].type == NN_CTYPE_NUMERIC)
			num[nnum++] = number(r, j, enc->cols[j].name);
		else
			r->cat[ncat++] = j;
	}
	if (nn_enc_apply(enc, 1, num, nnum, cat_text, r, x, m->nin, NULL,
	    &bad, &e) < 0)
		die(e.msg);
	free(num);
}

static void
print(const nn_model *m, const float *o)
{
	size_t best = 0;

	switch (m->task) {
	case NN_TASK_REGRESSION:
		printf("predicted_value\n%.9g\n", (double)o[0]);
		break;
	case NN_TASK_BINARY:
		printf("predicted_label,p_%s,p_%s\n", m->labels[0], m->labels[1]);
		printf("%s,%.9g,%.9g\n", m->labels[o[0] >= 0.5f],
		    (double)(1.0f - o[0]), (double)o[0]);
		break;
	default:
		fputs("predicted_label", stdout);
		for (size_t k = 0; k < m->nout; k++) {
			printf(",p_%s", m->labels[k]);
			if (o[k] > o[best])
				best = k;
		}
		printf("\n%s", m->labels[best]);
		for (size_t k = 0; k < m->nout; k++)
			printf(",%.9g", (double)o[k]);
		putchar('\n');
		break;
	}
}

int
main(int argc, char **argv)
{
	row r = { 0 };
	char *line = NULL;
	size_t cap = 0;
	nn_model *m;
	nn_work *w;
	nn_err e;
	float *x;

	if (argc < 2) {
		fputs("usage: predict MODEL [VALUE ...]\n", stderr);
		return 2;
	}
	if ((m = nn_model_load(argv[1], &e)) == NULL)   /* owned: free it */
		die(e.msg);
	r.enc = m->enc;
	if (argc > 2) {
		r.f = argv + 2;
		r.nf = (size_t)argc - 2;
	} else if (getline(&line, &cap, stdin) < 0) {
		die("<stdin>: no row to predict");
	} else {
		split(&r, line);
	}

	x = nn_xcalloc(m->nin, sizeof(*x));             /* (1, D) */
	features(m, &r, x);
	nn_model_scale(m, x, 1);
	w = nn_work_new(m, 1);                          /* room for 1 row */
	print(m, nn_forward(m, w, x, 1));               /* (1, K), borrowed */
	if (fflush(stdout) != 0 || ferror(stdout))
		die("stdout: write error");

	nn_work_free(w);
	free(x);
	free(r.cat);
	if (line != NULL)
		free(r.f);
	free(line);
	nn_model_free(m);
	return 0;
}
