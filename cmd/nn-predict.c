/*
 * nn-predict - apply a saved model to CSV rows, streaming.
 *
 * Rows are read in batches of up to BATCH through the library's streaming
 * CSV reader, scaled with the transform stored at training, pushed through
 * the network with one GEMM per layer, and written out; memory stays the
 * same however long the input.  A batch holds fewer rows when the network
 * is deep: its work buffers and input rows stay within NN_WORK_BUDGET
 * (64 MiB), so memory is the model's plus a fixed amount.  Columns are matched by name to the features the
 * model was trained on (nn_bind_model), so a test file may order or add
 * columns freely.
 *
 * Output is the hot spot for a small network: each row is formatted into
 * one buffer, written once per batch (or when full).  Probabilities and
 * values go through nn_fmt_g9 (printf "%.9g" without printf), labels are
 * quoted once, and the echoed target is quoted only when it must be (the
 * rules of nn_csv_put).
 */
#include <err.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "nn_fmt.h"
#include "opts/nn-predict.h"
#include "util.h"

/* A power of two: parts of a file line up with batches (pow2_floor). */
#define BATCH 1024
_Static_assert((BATCH & (BATCH - 1)) == 0, "BATCH is a power of two");
/* Output buffer: written when a batch is done or when it is full. */
#define OUT_CAP (256 * 1024)





/* ---- output -------------------------------------------------------------- */

/* The output's field separator: the input's (a semicolon file's
 * predictions are a semicolon file). */
static char odelim = ',';

/* A label as an output field. */
typedef struct field {
	char *s;
	size_t n;
} field;

typedef struct obuf {
	char *s;                 /* (OUT_CAP) */
	size_t n;
} obuf;

static void __attribute__((noreturn))
write_failed(void)
{
	close_stdout();          /* says why, and exits (quietly on EPIPE) */
	errx(1, "stdout: write error");
}

static void
ob_flush(obuf *b)
{
	if (b->n != 0 && fwrite(b->s, 1, b->n, stdout) != b->n)
		write_failed();
	b->n = 0;
}

static void
ob_put(obuf *b, const char *s, size_t n)
{
	if (b->n + n > OUT_CAP) {
		ob_flush(b);
		if (n > OUT_CAP) {
			if (fwrite(s, 1, n, stdout) != n)
				write_failed();
			return;
		}
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
}

static void
ob_char(obuf *b, char ch)
{
	if (b->n == OUT_CAP)
		ob_flush(b);
	b->s[b->n++] = ch;
}

static void
ob_float(obuf *b, float v)
{
	if (b->n + NN_FMT_G9_MAX > OUT_CAP)
		ob_flush(b);
	b->n += nn_fmt_g9(b->s + b->n, v);
}

/* Does s need quotes as a CSV field?  The rule of nn_csv_put: a comma, a
 * quote or a line end inside, or a blank at either end (the reader would
 * trim it). */
static int
must_quote(const char *s, size_t n)
{
	if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
	    s[n - 1] == '\t'))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (s[i] == odelim || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			return 1;
	return 0;
}

/* s as the text of one CSV field, in a new string of *len bytes. */
static char *
field_text(const char *s, size_t *len)
{
	size_t n = strlen(s), k = 0;
	char *f = nn_xmalloc(2 * n + 3);

	if (!must_quote(s, n)) {
		memcpy(f, s, n + 1);
		*len = n;
		return f;
	}
	f[k++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			f[k++] = '"';
		f[k++] = s[i];
	}
	f[k++] = '"';
	f[k] = '\0';
	*len = k;
	return f;
}

static void
ob_field(obuf *b, const char *s)
{
	size_t n = strlen(s);
	char *f;

	if (!must_quote(s, n)) {
		ob_put(b, s, n);
		return;
	}
	f = field_text(s, &n);
	ob_put(b, f, n);
	free(f);
}

/* ---- the header line ---------------------------------------------------- */

/* The output's header line: the ID columns, the target when the input has
 * it, the prediction in a column whose name says the task (util.h) so that
 * nn-eval need not guess it from the values, then with --proba a column
 * "p_" + label per class.  Written once, before the rows; --no-output-header
 * leaves it out, so that the parts of a sharded input, predicted apart,
 * concatenate into the one run's output (see "Prediction at scale" in
 * nn-predict(1)). */
static void
put_header(obuf *ob, const nn_model *m, size_t nid, int has_target, int proba)
{
	for (size_t k = 0; k < nid; k++) {
		ob_field(ob, m->enc->ids[k]);
		ob_char(ob, odelim);
	}
	if (has_target) {
		ob_field(ob, m->target_name ? m->target_name : "label");
		ob_char(ob, odelim);
	}
	ob_field(ob, m->task == NN_TASK_REGRESSION ? PRED_COL_VALUE :
	    PRED_COL_LABEL);
	if (proba && m->task != NN_TASK_REGRESSION)
		for (size_t k = 0; k < m->nlabels; k++) {
			/* "p_" + label, quoted as one field if it must be */
			size_t len = strlen(m->labels[k]);
			char *h = nn_xmalloc(len + 3);
			memcpy(h, "p_", 2);
			memcpy(h + 2, m->labels[k], len + 1);
			ob_char(ob, odelim);
			ob_field(ob, h);
			free(h);
		}
	ob_char(ob, '\n');
	ob_flush(ob);
}

/* ---- a model of the user's columns (nn_enc.h) ------------------------- */

/* How a batch reaches nn_enc_apply: the numeric input columns are the CSV
 * reader's numeric matrix; categorical column k is text slot slot0 + k. */
typedef struct encin {
	const nn_csv *c;
	const nn_enc *enc;
	size_t slot0;
} encin;

static const char *
enc_text(void *ctx, size_t i, size_t k)
{
	const encin *a = ctx;
	const char *s = nn_csv_text(a->c, i, a->slot0 + k);

	return nn_enc_is_na(a->enc, s) ? NULL : s;
}

/* A model trained with --no-header: its columns are named by position. */
static int
by_position(const nn_enc *enc)
{
	char b[16];

	for (size_t k = 0; k < enc->ncols; k++) {
		snprintf(b, sizeof(b), "%u", enc->cols[k].src + 1);
		if (strcmp(b, enc->cols[k].name) != 0)
			return 0;
	}
	return 1;
}

/* Roles for a model with input columns: ID columns (text slots 0 ..
 * nid-1, copied first), the target if present (text slot nid), the
 * numeric columns in order (the numeric matrix), the categorical ones
 * (text slots after).  With a header, every column the model needs is
 * found by name, all missing ones named at once; without one (or for a
 * model trained without one), by position: the training file's layout, or
 * the model's input columns alone.  Sets *nnum, *slot0, *has_target. */
static void
enc_roles(const nn_model *m, nn_csv *c, const char *name, int header,
    size_t *nnum, size_t *slot0, int *has_target)
{
	const nn_enc *enc = m->enc;
	size_t nc = nn_csv_ncols(c), nt = 0, kn = 0, kc = 0, nmiss = 0;
	int *roles = nn_xmalloc(nc * sizeof(*roles));
	int pos = !header || by_position(enc);
	char miss[400];
	size_t len = 0;
	long j;
	nn_err e;

	for (size_t i = 0; i < nc; i++)
		roles[i] = NN_COL_SKIP;
	miss[0] = '\0';
	if (pos && nc != m->ncols && nc != enc->ncols)
		errx(1, "%s: %zu column%s, but the model takes %zu feature%s (%u "
		    "columns with the target)", name, nc, nc == 1 ? "" : "s",
		    enc->ncols, enc->ncols == 1 ? "" : "s", m->ncols);
	for (size_t k = 0; k < enc->nid; k++) {
		if (pos)
			errx(1, "%s: the model copies ID columns, found by name: "
			    "the input needs a header", name);
		if ((j = nn_csv_find(c, enc->ids[k])) < 0 || roles[j] != NN_COL_SKIP)
			errx(1, "%s: no column \"%s\" (an ID column of the model)",
			    name, enc->ids[k]);
		roles[j] = NN_COL_TEXT((int)nt++);
	}
	if (pos)
		j = nc == m->ncols && m->target_col < nc ? (long)m->target_col : -1;
	else
		j = m->target_name != NULL ? nn_csv_find(c, m->target_name) : -1;
	*has_target = j >= 0 && roles[j] == NN_COL_SKIP;
	if (*has_target)
		roles[j] = NN_COL_TEXT((int)nt++);
	*slot0 = nt;
	for (size_t k = 0; k < enc->ncols; k++) {
		const nn_incol *ic = &enc->cols[k];
		if (pos)
			j = nc == m->ncols ? (long)ic->src : (long)k;
		else
			j = nn_csv_find(c, ic->name);
		if (j < 0 || roles[j] != NN_COL_SKIP) {
			if (nmiss++ < 8 && len < sizeof(miss) - 60)
				len += (size_t)snprintf(miss + len, sizeof(miss) - len,
				    "%s\"%.40s\"", nmiss > 1 ? ", " : "", ic->name);
			continue;
		}
		roles[j] = ic->type == NN_CTYPE_NUMERIC ? (int)kn++ :
		    NN_COL_TEXT((int)(nt + kc++));
	}
	if (nmiss > 0)
		errx(1, "%s: no column%s %s (%s of the model)", name,
		    nmiss > 1 ? "s" : "", miss, nmiss > 8 ? "..." : nmiss > 1 ?
		    "features" : "a feature");
	if (nn_csv_set_roles(c, roles, kn, nt + kc, 0, &e) < 0)
		die_err(1, &e);
	nn_csv_set_na(c, (const char *const *)enc->na, enc->nna);
	*nnum = kn;
	free(roles);
}

/* Once, at the end: what the model had to fill or did not know. */
static void
enc_report(const nn_enc *enc, const nn_enc_tally *t)
{
	char list[512];
	size_t len = 0;
	uint64_t filled = 0;

	list[0] = '\0';
	for (size_t j = 0; j < enc->ncols; j++)
		if (t->unseen[j] && len < sizeof(list) - 80)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s\"%.40s\" %llu", len ? ", " : "", enc->cols[j].name,
			    (unsigned long long)t->unseen[j]);
	if (t->rows_unseen > 0)
		warnx("%llu row%s had categories unseen in training (%s), "
		    "encoded as none of the known ones",
		    (unsigned long long)t->rows_unseen,
		    t->rows_unseen == 1 ? "" : "s", list);
	for (size_t j = 0; j < enc->ncols; j++)
		filled += t->filled[j];
	if (filled > 0)
		warnx("filled %llu missing value%s with the model's fill values",
		    (unsigned long long)filled, filled == 1 ? "" : "s");
}

/* ---- batches that parts of a file can line up with ----------------------- */

/*
 * The BLAS picks its kernels by a product's shape and sums a row's dot
 * products in an order that depends on the row's place in the batch (with
 * OpenBLAS on x86-64, in tiles of 6 rows, two kinds in turn, and others at
 * the edge): the same row predicted in two batches can differ in its last
 * digits.  So a file predicted in parts gives the bytes of the one run
 * when each part's rows fill the same batches at the same places: parts of
 * a multiple of the batch size (nn-predict(1), "Prediction at scale").
 * The batch is BATCH rows, or fewer for a deep or wide network; rounded
 * down to a power of two, it divides BATCH, so that one rule holds for
 * every model: parts of a multiple of 1024 rows.
 */

/* The largest power of two <= n (n >= 1). */
static size_t
pow2_floor(size_t n)
{
	size_t p = 1;

	while (p <= n / 2)
		p *= 2;
	return p;
}

/* ---- main ------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	const char *model_path = NULL, *name;
	int proba = 0, header = 1, libsvm = 0, strict = 0, delim = 0, has_target;
	int oheader = 1;            /* --no-output-header: 0 */
	int ch;
	size_t nnum = 0, slot0 = 0, nid = 0;
	float *raw = NULL;          /* (rows, nnum) a model with nn_enc */
	size_t rows;                /* per batch: BATCH or fewer, a power of 2 */
	nn_enc_tally tally = { 0 };
	encin ein;
	nn_model *m;
	nn_work *w;
	obuf ob;
	field *lab;
	nn_csv *c = NULL;
	nn_libsvm *sv = NULL;    /* --format libsvm: read instead of c */
	nn_err e;
	FILE *fp;
	int *roles;
	float *x;
	long n;

	while ((ch = opt_next(&options, argc, argv)) != -1) {
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
		case OPT_NO_OUTPUT_HEADER:
			oheader = 0;
			break;
		case OPT_STRICT:
			strict = 1;
			break;
		case 'd':
			delim = opt_delim(optarg, "-d");
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "libsvm") == 0)
				libsvm = 1;
			else if (strcmp(optarg, "csv") == 0)
				libsvm = 0;
			else
				errx(2, "--format: expected csv or libsvm, got "
				    "\"%s\"", optarg);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		opt_extra(argv[1]);
	if (model_path == NULL)
		errx(2, "-m MODEL is required");
	if (libsvm && !header)
		errx(2, "--no-header does not apply to --format libsvm: it has "
		    "no header");
	note_input(model_path);  /* never standard output (util.h) */
	if ((m = nn_model_load(model_path, &e)) == NULL)
		die_err(1, &e);

	fp = open_input(argc ? argv[0] : NULL, &name);
	if (libsvm) {
		/* by position: index j is the model's feature j; every row
		 * has its label */
		if ((sv = nn_libsvm_open(fp, name, m->nin, &e)) == NULL)
			die_err(1, &e);
		has_target = 1;
	} else if (m->enc != NULL) {
		if ((c = nn_csv_open_d(fp, name, header, delim, &e)) == NULL)
			die_err(1, &e);
		odelim = (char)nn_csv_delim(c);
		enc_roles(m, c, name, header, &nnum, &slot0, &has_target);
		nid = m->enc->nid;
		nn_enc_tally_init(&tally, m->enc);
		tally.strict = strict;
		ein = (encin){ c, m->enc, slot0 };
	} else {
		if ((c = nn_csv_open_d(fp, name, header, delim, &e)) == NULL)
			die_err(1, &e);
		odelim = (char)nn_csv_delim(c);
		roles = nn_xmalloc(nn_csv_ncols(c) * sizeof(*roles));
		if ((has_target = nn_bind_model(m, c, name, header, roles,
		    &e)) < 0 || nn_csv_set_roles(c, roles, m->nin,
		    has_target ? 1 : 0, 0, &e) < 0)
			die_err(1, &e);
		free(roles);
	}

	ob.s = nn_xmalloc(OUT_CAP);
	ob.n = 0;
	lab = nn_xmalloc((m->nlabels ? m->nlabels : 1) * sizeof(*lab));
	for (size_t k = 0; k < m->nlabels; k++)     /* quoted once */
		lab[k].s = field_text(m->labels[k], &lab[k].n);

	if (oheader)
		put_header(&ob, m, nid, has_target, proba);

	rows = pow2_floor(nn_work_rows(m, m->nin + nnum, NN_WORK_BUDGET, BATCH));
	if (m->enc != NULL && !libsvm)
		raw = nn_xmalloc(rows * (nnum ? nnum : 1) * sizeof(*raw));
	x = nn_xmalloc(rows * m->nin * sizeof(*x));   /* (rows, D) */
	w = nn_work_new(m, rows);
	while ((n = sv ? nn_libsvm_read(sv, x, rows, &e) :
	    nn_csv_read(c, raw ? raw : x, rows, &e)) > 0) {
		if (raw != NULL) {
			size_t bad;
			if (nn_enc_apply(m->enc, (size_t)n, raw, nnum, enc_text,
			    &ein, x, m->nin, &tally, &bad, &e) < 0)
				errx(1, "%s:%lu:%s", name, nn_csv_line(c, bad), e.msg);
		}
		nn_model_scale(m, x, (size_t)n);
		const float *out = nn_forward(m, w, x, (size_t)n);   /* (n, K) */
		for (long i = 0; i < n; i++) {
			const float *o = out + (size_t)i * m->nout;
			const field *l;
			for (size_t k = 0; k < nid; k++) {
				ob_field(&ob, nn_csv_text(c, (size_t)i, k));
				ob_char(&ob, odelim);
			}
			if (has_target) {
				ob_field(&ob, sv != NULL ?
				    nn_libsvm_label(sv, (size_t)i) :
				    nn_csv_text(c, (size_t)i, nid));
				ob_char(&ob, odelim);
			}
			switch (m->task) {
			case NN_TASK_REGRESSION:
				ob_float(&ob, o[0]);
				break;
			case NN_TASK_BINARY:
				l = &lab[o[0] >= 0.5f];
				ob_put(&ob, l->s, l->n);
				if (proba) {
					ob_char(&ob, odelim);
					ob_float(&ob, 1.0f - o[0]);
					ob_char(&ob, odelim);
					ob_float(&ob, o[0]);
				}
				break;
			default: {
				size_t best = nn_out_class(o, m->nout);
				ob_put(&ob, lab[best].s, lab[best].n);
				if (proba)
					for (size_t k = 0; k < m->nout; k++) {
						ob_char(&ob, odelim);
						ob_float(&ob, o[k]);
					}
				break;
			}
			}
			ob_char(&ob, '\n');
		}
		ob_flush(&ob);
	}
	ob_flush(&ob);
	if (n < 0)
		die_err(1, &e);
	if (sv != NULL && nn_libsvm_beyond(sv) > 0)
		warnx("%zu row%s had features beyond the model's %zu (ignored)",
		    nn_libsvm_beyond(sv), nn_libsvm_beyond(sv) == 1 ? "" : "s",
		    m->nin);
	if (raw != NULL) {
		enc_report(m->enc, &tally);
		nn_enc_tally_free(&tally);
		free(raw);
	}
	nn_libsvm_free(sv);
	nn_csv_free(c);
	if (fp != stdin)
		fclose(fp);
	nn_work_free(w);
	free(x);
	for (size_t k = 0; k < m->nlabels; k++)
		free(lab[k].s);
	free(lab);
	free(ob.s);
	nn_model_free(m);
	close_stdout();
	return 0;
}
