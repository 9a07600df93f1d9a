/*
 * model_json.c - the model as one JSON document (nn-model(5), "JSON
 * form"): everything the model file holds, for NumPy and PyTorch users,
 * and back.
 *
 * The document is made to be read: weights are nested arrays shaped as
 * the network uses them (w is (nin, nout), row i the weights of input i),
 * under the names a reader expects (w, b, gamma, beta, running_mean,
 * running_var); enumerations are names; indices count from 0.  It is also
 * exact: every float is the shortest text that reads back as the same
 * float32, integers above 2^53 are strings of digits, and the few floats
 * that may be infinite or NaN (the training record's rate and loss) are
 * strings with the NaN's bits when they are not the usual ones -- so the
 * model read back saves as the file it was exported from, byte for byte.
 *
 * The reader is strict: every key must be known and present (unknown keys
 * are refused, so a misspelt "runing_var" is said, not ignored), every
 * array has the length the architecture gives it, and every rule of the
 * model file is checked here with the JSON path in the message, then once
 * more by nn_model_check.  The architecture and the shapes of every
 * weight array are checked before the model is allocated, so what is
 * allocated is what the document holds.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn_json.h"

#define JSON_FORMAT  "nnkit-model"
#define JSON_VERSION 1
#define PATH_MAX_    192

/* Which moment arrays an optimizer keeps (as model_io.c). */
static void
moments(nn_optim_kind k, int *has_m, int *has_v)
{
	*has_m = k == NN_OPTIM_MOMENTUM || k == NN_OPTIM_NESTEROV ||
	    k == NN_OPTIM_ADAM || k == NN_OPTIM_ADAMW;
	*has_v = k == NN_OPTIM_ADAM || k == NN_OPTIM_ADAMW ||
	    k == NN_OPTIM_RMSPROP || k == NN_OPTIM_ADAGRAD;
}

/* ====================================================================== */
/* Writing                                                                */
/* ====================================================================== */

/* The next member of an object at depth: the separator, the indent, the
 * key. */
static void
key(FILE *fp, int *first, int depth, const char *k)
{
	fputs(*first ? "\n" : ",\n", fp);
	*first = 0;
	fprintf(fp, "%*s", 2 * depth, "");
	nn_json_put_str(fp, k);
	fputs(": ", fp);
}

static void
close_obj(FILE *fp, int depth)
{
	fprintf(fp, "\n%*s}", 2 * depth, "");
}

static void
put_vec(FILE *fp, const float *x, size_t n)
{
	putc('[', fp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		nn_json_put_float(fp, x[i]);
	}
	putc(']', fp);
}

/* x (rows, cols) as rows arrays, one a line. */
static void
put_mat(FILE *fp, const float *x, size_t rows, size_t cols, int depth)
{
	fputs("[\n", fp);
	for (size_t i = 0; i < rows; i++) {
		fprintf(fp, "%*s", 2 * depth + 2, "");
		put_vec(fp, x + i * cols, cols);
		fputs(i + 1 < rows ? ",\n" : "\n", fp);
	}
	fprintf(fp, "%*s]", 2 * depth, "");
}

static void
put_strs(FILE *fp, char *const *s, size_t n)
{
	putc('[', fp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		nn_json_put_str(fp, s[i]);
	}
	putc(']', fp);
}

/* Layer L's trained parameters in the flat buffer p (the weights, or a
 * moment of the optimizer, which has their layout): w, b and, with batch
 * normalisation, gamma and beta. */
static void
put_params(FILE *fp, int *first, int depth, const nn_dense *L,
    const float *p)
{
	key(fp, first, depth, "w");
	put_mat(fp, p + L->w_off, L->nin, L->nout, depth);
	key(fp, first, depth, "b");
	put_vec(fp, p + L->b_off, L->nout);
	if (!L->batchnorm)
		return;
	key(fp, first, depth, "gamma");
	put_vec(fp, p + L->g_off, L->nout);
	key(fp, first, depth, "beta");
	put_vec(fp, p + L->g_off + L->nout, L->nout);
}

static void
put_layers(FILE *fp, const nn_model *m)
{
	fputs("[", fp);
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		int first = 1;

		fprintf(fp, "%s\n    {", l ? "," : "");
		key(fp, &first, 3, "nin");
		fprintf(fp, "%zu", L->nin);
		key(fp, &first, 3, "nout");
		fprintf(fp, "%zu", L->nout);
		key(fp, &first, 3, "activation");
		nn_json_put_str(fp, nn_act_name(L->act));
		if (L->act == NN_ACT_LEAKY_RELU) {
			key(fp, &first, 3, "slope");
			nn_json_put_float(fp, L->act_param);
		}
		key(fp, &first, 3, "dropout");
		nn_json_put_float(fp, L->dropout);
		key(fp, &first, 3, "batchnorm");
		fputs(L->batchnorm ? "true" : "false", fp);
		key(fp, &first, 3, "residual");
		fputs(L->residual ? "true" : "false", fp);
		put_params(fp, &first, 3, L, m->params);
		if (L->batchnorm) {
			key(fp, &first, 3, "running_mean");
			put_vec(fp, m->stats + L->s_off, L->nout);
			key(fp, &first, 3, "running_var");
			put_vec(fp, m->stats + L->s_off + L->nout, L->nout);
		}
		close_obj(fp, 2);
	}
	fputs("\n  ]", fp);
}

static void
put_columns(FILE *fp, const nn_enc *en)
{
	int first = 1;

	putc('{', fp);
	key(fp, &first, 2, "missing");
	nn_json_put_str(fp, nn_missing_name(en->missing));
	key(fp, &first, 2, "columns");
	putc('[', fp);
	for (size_t j = 0; j < en->ncols; j++) {
		const nn_incol *c = &en->cols[j];
		int f = 1;

		fprintf(fp, "%s\n      {", j ? "," : "");
		key(fp, &f, 4, "name");
		nn_json_put_str(fp, c->name);
		key(fp, &f, 4, "type");
		nn_json_put_str(fp, nn_ctype_name(c->type));
		key(fp, &f, 4, "column");
		fprintf(fp, "%u", (unsigned)c->src);
		if (c->type == NN_CTYPE_CATEGORICAL) {
			key(fp, &f, 4, "categories");
			put_strs(fp, c->cats, c->ncat);
			key(fp, &f, 4, "fill");
			nn_json_put_str(fp, c->cats[c->fill_cat]);
		} else {
			key(fp, &f, 4, "fill");
			nn_json_put_float(fp, c->fill);
		}
		close_obj(fp, 3);
	}
	fputs(en->ncols ? "\n    ]" : "]", fp);
	key(fp, &first, 2, "ids");
	put_strs(fp, en->ids, en->nid);
	key(fp, &first, 2, "na");
	put_strs(fp, en->na, en->nna);
	close_obj(fp, 1);
}

static void
put_ckpt(FILE *fp, const nn_model *m)
{
	const nn_ckpt *c = m->ckpt;
	const float *mv[2] = { c->m, c->v };
	static const char *const names[2] = { "m", "v" };
	int first = 1;

	putc('{', fp);
	key(fp, &first, 2, "optimizer");
	nn_json_put_str(fp, nn_optim_name(c->opt.kind));
	key(fp, &first, 2, "lr");
	nn_json_put_float(fp, c->opt.lr);
	key(fp, &first, 2, "momentum");
	nn_json_put_float(fp, c->opt.momentum);
	key(fp, &first, 2, "beta1");
	nn_json_put_float(fp, c->opt.beta1);
	key(fp, &first, 2, "beta2");
	nn_json_put_float(fp, c->opt.beta2);
	key(fp, &first, 2, "eps");
	nn_json_put_float(fp, c->opt.eps);
	key(fp, &first, 2, "weight_decay");
	nn_json_put_float(fp, c->opt.weight_decay);
	key(fp, &first, 2, "steps");
	nn_json_put_uint(fp, c->t);
	key(fp, &first, 2, "epoch");
	nn_json_put_uint(fp, c->epoch);
	key(fp, &first, 2, "row");
	nn_json_put_uint(fp, c->row);
	key(fp, &first, 2, "rng");
	for (int i = 0; i < 4; i++) {
		fputs(i ? ", " : "[", fp);
		nn_json_put_uint(fp, c->rng.s[i]);
	}
	putc(']', fp);
	for (int a = 0; a < 2; a++) {
		key(fp, &first, 2, names[a]);
		if (mv[a] == NULL) {
			fputs("null", fp);
			continue;
		}
		putc('[', fp);
		for (size_t l = 0; l < m->nlayers; l++) {
			int f = 1;
			fprintf(fp, "%s\n      {", l ? "," : "");
			put_params(fp, &f, 4, &m->layers[l], mv[a]);
			close_obj(fp, 3);
		}
		fputs("\n    ]", fp);
	}
	close_obj(fp, 1);
}

int
nn_json_model_write(const nn_model *m, FILE *fp, nn_err *e)
{
	nn_err ce;
	int first = 1;

	if (nn_model_check(m, &ce) < 0)
		return nn_errf(e, "cannot write model: %s", ce.msg);
	putc('{', fp);
	key(fp, &first, 1, "format");
	nn_json_put_str(fp, JSON_FORMAT);
	key(fp, &first, 1, "version");
	fprintf(fp, "%d", JSON_VERSION);
	key(fp, &first, 1, "task");
	nn_json_put_str(fp, nn_task_name(m->task));
	key(fp, &first, 1, "loss");
	nn_json_put_str(fp, nn_loss_name(m->loss));
	key(fp, &first, 1, "layers");
	put_layers(fp, m);

	key(fp, &first, 1, "scaling");
	{
		int f = 1;
		putc('{', fp);
		key(fp, &f, 2, "kind");
		nn_json_put_str(fp, nn_scale_name(m->scale));
		key(fp, &f, 2, "offset");
		put_vec(fp, m->offset, m->nin);
		key(fp, &f, 2, "factor");
		put_vec(fp, m->factor, m->nin);
		close_obj(fp, 1);
	}
	key(fp, &first, 1, "features");
	put_strs(fp, m->feat_names, m->nin);
	key(fp, &first, 1, "target");
	{
		int f = 1;
		putc('{', fp);
		key(fp, &f, 2, "name");
		nn_json_put_str(fp, m->target_name);
		key(fp, &f, 2, "column");
		fprintf(fp, "%u", (unsigned)m->target_col);
		key(fp, &f, 2, "data_columns");
		fprintf(fp, "%u", (unsigned)m->ncols);
		close_obj(fp, 1);
	}
	key(fp, &first, 1, "labels");
	put_strs(fp, m->labels, m->nlabels);
	key(fp, &first, 1, "input_columns");
	if (m->enc != NULL)
		put_columns(fp, m->enc);
	else
		fputs("null", fp);
	key(fp, &first, 1, "training");
	{
		int f = 1;
		putc('{', fp);
		key(fp, &f, 2, "seed");
		nn_json_put_uint(fp, m->seed);
		key(fp, &f, 2, "command");
		nn_json_put_str(fp, m->cmdline ? m->cmdline : "");
		key(fp, &f, 2, "data_crc32");
		fprintf(fp, "%u", (unsigned)m->data_crc);
		key(fp, &f, 2, "rows");
		nn_json_put_uint(fp, m->data_rows);
		key(fp, &f, 2, "epochs");
		fprintf(fp, "%u", (unsigned)m->epochs);
		key(fp, &f, 2, "batch");
		fprintf(fp, "%u", (unsigned)m->batch);
		key(fp, &f, 2, "lr");
		nn_json_put_float(fp, m->lr);
		key(fp, &f, 2, "final_loss");
		nn_json_put_float(fp, m->final_loss);
		if (m->ranks > 1) {     /* a distributed run's only */
			key(fp, &f, 2, "ranks");
			fprintf(fp, "%u", (unsigned)m->ranks);
		}
		close_obj(fp, 1);
	}
	key(fp, &first, 1, "checkpoint");
	if (m->ckpt != NULL)
		put_ckpt(fp, m);
	else
		fputs("null", fp);
	fputs("\n}\n", fp);
	if (fflush(fp) == EOF || ferror(fp))
		return nn_errf(e, "writing JSON: %s", strerror(errno ? errno :
		    EIO));
	return 0;
}

/* ====================================================================== */
/* Reading: values                                                        */
/* ====================================================================== */

typedef struct jr {
	const nn_json *d;
	const char *name;
	nn_err *e;
} jr;

/* "FILE: PATH: message" */
static int __attribute__((format(printf, 3, 4)))
jfail(jr *r, const char *path, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nn_errf(r->e, "%s: %s: %s", r->name, path[0] ? path : "the "
	    "top level", msg);
}

/* path.key, or path[i] (key NULL), into out. */
static const char *
sub(char *out, const char *path, const char *k, size_t i)
{
	int n;

	if (k == NULL)
		n = snprintf(out, PATH_MAX_, "%s[%zu]", path, i);
	else
		n = snprintf(out, PATH_MAX_, "%s%s%s", path, path[0] ? "." : "", k);
	if (n < 0 || n >= PATH_MAX_)    /* our paths are short; never */
		memcpy(out + PATH_MAX_ - 4, "...", 4);
	return out;
}

static const char *
tname(jr *r, size_t v)
{
	return nn_json_type_name(nn_json_type_of(r->d, v));
}

static int
want(jr *r, size_t v, const char *path, nn_json_type t)
{
	if (nn_json_type_of(r->d, v) == t)
		return 0;
	return jfail(r, path, "expected %s, got %s", nn_json_type_name(t),
	    tname(r, v));
}

/* Object v has every key in keys (NULL-terminated; a leading '?' marks an
 * optional one) that is required, and no other. */
static int
keys_ok(jr *r, size_t v, const char *path, const char *const *keys)
{
	size_t k, n;

	if (want(r, v, path, NN_JSON_OBJECT) < 0)
		return -1;
	n = nn_json_len(r->d, v);
	k = nn_json_first(r->d, v);
	for (size_t i = 0; i < n; i++, k = nn_json_next(r->d, k + 1)) {
		const char *s = nn_json_text(r->d, k);
		size_t j;
		for (j = 0; keys[j] != NULL; j++)
			if (strcmp(keys[j] + (keys[j][0] == '?'), s) == 0)
				break;
		if (keys[j] == NULL)
			return jfail(r, path, "unknown key \"%.40s\"", s);
	}
	for (size_t j = 0; keys[j] != NULL; j++)
		if (keys[j][0] != '?' && nn_json_get(r->d, v, keys[j]) == 0)
			return jfail(r, path, "the key \"%s\" is missing",
			    keys[j]);
	return 0;
}

/* The value of a key keys_ok has seen (0 when an optional one is absent). */
static size_t
get(jr *r, size_t obj, const char *k)
{
	return nn_json_get(r->d, obj, k);
}

/* A number's text for a message, at most 40 characters. */
static const char *
numtext(jr *r, size_t v, char *buf, size_t cap)
{
	size_t n = nn_json_len(r->d, v);

	snprintf(buf, cap, "%.*s%s", (int)(n > 40 ? 40 : n),
	    nn_json_text(r->d, v), n > 40 ? "..." : "");
	return buf;
}

static int
rd_uint(jr *r, size_t v, const char *path, uint64_t max, uint64_t *out)
{
	char b[64];

	switch (nn_json_uint(r->d, v, max, out)) {
	case NN_JSON_OK:
		return 0;
	case NN_JSON_ERANGE:
		return jfail(r, path, "%s is outside [0, %ju]",
		    nn_json_type_of(r->d, v) == NN_JSON_STRING ?
		    nn_json_text(r->d, v) : numtext(r, v, b, sizeof(b)),
		    (uintmax_t)max);
	default:
		return jfail(r, path, "expected a whole number in [0, %ju], got "
		    "%s%s%s", (uintmax_t)max, tname(r, v),
		    nn_json_type_of(r->d, v) == NN_JSON_NUMBER ? " " : "",
		    nn_json_type_of(r->d, v) == NN_JSON_NUMBER ?
		    numtext(r, v, b, sizeof(b)) : "");
	}
}

static int
rd_u32(jr *r, size_t v, const char *path, uint32_t *out)
{
	uint64_t x;

	if (rd_uint(r, v, path, UINT32_MAX, &x) < 0)
		return -1;
	*out = (uint32_t)x;
	return 0;
}

static int
rd_float(jr *r, size_t v, const char *path, int nonfinite, float *out)
{
	char b[64];

	switch (nn_json_float(r->d, v, nonfinite, out)) {
	case NN_JSON_OK:
		return 0;
	case NN_JSON_ERANGE:
		return jfail(r, path, "%s is out of range for a 32-bit float",
		    numtext(r, v, b, sizeof(b)));
	default:
		if (nn_json_type_of(r->d, v) == NN_JSON_STRING && nonfinite)
			return jfail(r, path, "expected a number, or \"NaN\", "
			    "\"Infinity\" or \"-Infinity\"; got \"%.40s\"",
			    nn_json_text(r->d, v));
		return jfail(r, path, "expected a number, got %s", tname(r, v));
	}
}

/* A float in [lo, hi] (lo_open, hi_open: excluding that end). */
static int
rd_range(jr *r, size_t v, const char *path, float lo, int lo_open, float hi,
    int hi_open, float *out)
{
	if (rd_float(r, v, path, 0, out) < 0)
		return -1;
	if ((lo_open ? *out > lo : *out >= lo) &&
	    (hi_open ? *out < hi : *out <= hi))
		return 0;
	return jfail(r, path, "%.9g is not in %c%g, %g%c", (double)*out,
	    lo_open ? '(' : '[', (double)lo, (double)hi, hi_open ? ')' : ']');
}

static int
rd_bool(jr *r, size_t v, const char *path, int *out)
{
	nn_json_type t = nn_json_type_of(r->d, v);

	if (t != NN_JSON_TRUE && t != NN_JSON_FALSE)
		return jfail(r, path, "expected true or false, got %s",
		    tname(r, v));
	*out = t == NN_JSON_TRUE;
	return 0;
}

/* A string, copied (owned by the caller). */
static int
rd_str(jr *r, size_t v, const char *path, char **out)
{
	if (want(r, v, path, NN_JSON_STRING) < 0)
		return -1;
	*out = nn_xstrdup(nn_json_text(r->d, v));
	return 0;
}

static int
rd_enum(jr *r, size_t v, const char *path, const char *what,
    int (*lookup)(const char *, void *), void *out)
{
	if (want(r, v, path, NN_JSON_STRING) < 0)
		return -1;
	if (lookup(nn_json_text(r->d, v), out) < 0)
		return jfail(r, path, "unknown %s \"%.40s\"", what,
		    nn_json_text(r->d, v));
	return 0;
}

static int look_task(const char *s, void *o) { return nn_task_lookup(s, o); }
static int look_loss(const char *s, void *o) { return nn_loss_lookup(s, o); }
static int look_act(const char *s, void *o) { return nn_act_lookup(s, o); }
static int look_scale(const char *s, void *o) { return nn_scale_lookup(s, o); }
static int look_opt(const char *s, void *o) { return nn_optim_lookup(s, o); }
static int look_missing(const char *s, void *o) { return nn_missing_lookup(s, o); }
static int look_ctype(const char *s, void *o) { return nn_ctype_lookup(s, o); }

/* An array of exactly n numbers into out; out NULL: check the shape only. */
static int
rd_vec(jr *r, size_t v, const char *path, size_t n, float *out)
{
	char p[PATH_MAX_];
	size_t k;

	if (nn_json_type_of(r->d, v) != NN_JSON_ARRAY)
		return jfail(r, path, "expected an array of %zu number%s, got %s",
		    n, n == 1 ? "" : "s", tname(r, v));
	if (nn_json_len(r->d, v) != n)
		return jfail(r, path, "expected %zu number%s, got %zu", n,
		    n == 1 ? "" : "s", nn_json_len(r->d, v));
	k = nn_json_first(r->d, v);
	for (size_t i = 0; i < n; i++, k = nn_json_next(r->d, k)) {
		if (out == NULL) {
			if (nn_json_type_of(r->d, k) != NN_JSON_NUMBER)
				return jfail(r, sub(p, path, NULL, i), "expected a "
				    "number, got %s", tname(r, k));
			continue;
		}
		if (nn_json_float(r->d, k, 0, &out[i]) != NN_JSON_OK)
			return rd_float(r, k, sub(p, path, NULL, i), 0, &out[i]);
	}
	return 0;
}

/* rows arrays of cols numbers into out (rows, cols); out NULL: the shape. */
static int
rd_mat(jr *r, size_t v, const char *path, size_t rows, size_t cols,
    float *out)
{
	char p[PATH_MAX_];
	size_t k;

	if (nn_json_type_of(r->d, v) != NN_JSON_ARRAY)
		return jfail(r, path, "expected %zu rows of %zu numbers, got %s",
		    rows, cols, tname(r, v));
	if (nn_json_len(r->d, v) != rows)
		return jfail(r, path, "expected %zu rows of %zu numbers, got %zu "
		    "row%s", rows, cols, nn_json_len(r->d, v),
		    nn_json_len(r->d, v) == 1 ? "" : "s");
	k = nn_json_first(r->d, v);
	for (size_t i = 0; i < rows; i++, k = nn_json_next(r->d, k))
		if (rd_vec(r, k, sub(p, path, NULL, i), cols,
		    out ? out + i * cols : NULL) < 0)
			return -1;
	return 0;
}

/* An array of strings, each copied; *n gets the count.  want_n: the count
 * required, or SIZE_MAX for any. */
static int
rd_strs(jr *r, size_t v, const char *path, size_t want_n, const char *what,
    char ***out, size_t *n)
{
	char p[PATH_MAX_];
	size_t k, len;

	*out = NULL;
	*n = 0;
	if (want(r, v, path, NN_JSON_ARRAY) < 0)
		return -1;
	len = nn_json_len(r->d, v);
	if (want_n != SIZE_MAX && len != want_n)
		return jfail(r, path, "expected %zu %s, got %zu", want_n, what, len);
	*out = nn_xcalloc(len ? len : 1, sizeof(**out));
	k = nn_json_first(r->d, v);
	for (size_t i = 0; i < len; i++, k = nn_json_next(r->d, k)) {
		*n = i + 1;
		if (rd_str(r, k, sub(p, path, NULL, i), &(*out)[i]) < 0)
			return -1;
	}
	*n = len;
	return 0;
}

/* ====================================================================== */
/* Reading: the model                                                     */
/* ====================================================================== */

static const char *const layer_keys[] = {
	"nin", "nout", "activation", "?slope", "dropout", "batchnorm",
	"residual", "w", "b", "?gamma", "?beta", "?running_mean",
	"?running_var", NULL
};
static const char *const bn_keys[] = {
	"gamma", "beta", "running_mean", "running_var"
};

/* w, b (and with batch normalisation gamma, beta) of a layer object or a
 * moment's, into the flat buffer p in the parameters' layout; p NULL:
 * check the shapes only.  L needs only nin, nout and batchnorm when p is
 * NULL. */
static int
rd_params(jr *r, size_t obj, const char *path, const nn_dense *L, float *p)
{
	char q[PATH_MAX_];
	size_t v;

	if (rd_mat(r, get(r, obj, "w"), sub(q, path, "w", 0), L->nin, L->nout,
	    p ? p + L->w_off : NULL) < 0 ||
	    rd_vec(r, get(r, obj, "b"), sub(q, path, "b", 0), L->nout,
	    p ? p + L->b_off : NULL) < 0)
		return -1;
	for (int k = 0; k < 2; k++) {
		v = get(r, obj, bn_keys[k]);
		if (!L->batchnorm) {
			if (v != 0)
				return jfail(r, sub(q, path, bn_keys[k], 0), "only "
				    "a layer with batchnorm true has %s", bn_keys[k]);
			continue;
		}
		if (v == 0)
			return jfail(r, path, "the key \"%s\" is missing (the "
			    "layer has batchnorm)", bn_keys[k]);
		if (rd_vec(r, v, sub(q, path, bn_keys[k], 0), L->nout,
		    p ? p + L->g_off + k * L->nout : NULL) < 0)
			return -1;
	}
	return 0;
}

/* The options of layer l (object v) into lo and the sizes; checks every
 * rule, and the shapes of its arrays, before anything is allocated. */
static int
rd_layer_opts(jr *r, size_t v, const char *path, size_t l, size_t nl,
    size_t *sizes, nn_layer_opts *o)
{
	char q[PATH_MAX_];
	const int hidden = l + 1 < nl;
	uint64_t nin, nout;
	size_t s;
	nn_dense L;

	if (keys_ok(r, v, path, layer_keys) < 0)
		return -1;
	if (rd_uint(r, get(r, v, "nin"), sub(q, path, "nin", 0), UINT32_MAX,
	    &nin) < 0 ||
	    rd_uint(r, get(r, v, "nout"), sub(q, path, "nout", 0), UINT32_MAX,
	    &nout) < 0)
		return -1;
	if (nin == 0 || nout == 0)
		return jfail(r, sub(q, path, nin == 0 ? "nin" : "nout", 0), "a "
		    "layer has at least 1 %s", nin == 0 ? "input" : "output");
	if (l == 0)
		sizes[0] = (size_t)nin;
	else if (nin != sizes[l])
		return jfail(r, sub(q, path, "nin", 0), "%ju, but layers[%zu] "
		    "gives %zu outputs", (uintmax_t)nin, l - 1, sizes[l]);
	sizes[l + 1] = (size_t)nout;

	if (rd_enum(r, get(r, v, "activation"), sub(q, path, "activation", 0),
	    "activation", look_act, &o->act) < 0)
		return -1;
	if (o->act == NN_ACT_SOFTMAX && hidden)
		return jfail(r, q, "softmax is for the output layer only");
	s = get(r, v, "slope");
	o->act_param = 0.0f;
	if (o->act == NN_ACT_LEAKY_RELU) {
		if (s == 0)
			return jfail(r, path, "the key \"slope\" is missing (a "
			    "leaky-relu layer has one)");
		if (rd_range(r, s, sub(q, path, "slope", 0), 0.0f, 0, 1.0f, 0,
		    &o->act_param) < 0)
			return -1;
	} else if (s != 0)
		return jfail(r, sub(q, path, "slope", 0), "only a leaky-relu "
		    "layer has a slope");

	if (rd_range(r, get(r, v, "dropout"), sub(q, path, "dropout", 0),
	    0.0f, 0, 1.0f, 1, &o->dropout) < 0 ||
	    rd_bool(r, get(r, v, "batchnorm"), sub(q, path, "batchnorm", 0),
	    &o->batchnorm) < 0 ||
	    rd_bool(r, get(r, v, "residual"), sub(q, path, "residual", 0),
	    &o->residual) < 0)
		return -1;
	if (!hidden && o->dropout != 0.0f)
		return jfail(r, sub(q, path, "dropout", 0), "the output layer "
		    "has no dropout: 0");
	if (!hidden && o->batchnorm)
		return jfail(r, sub(q, path, "batchnorm", 0), "the output layer "
		    "has no batch normalisation: false");
	if (!hidden && o->residual)
		return jfail(r, sub(q, path, "residual", 0), "the output layer "
		    "has no skip connection: false");
	if (o->residual && nin != nout)
		return jfail(r, sub(q, path, "residual", 0), "a skip connection "
		    "needs nin == nout, not %ju -> %ju", (uintmax_t)nin,
		    (uintmax_t)nout);

	L = (nn_dense){ .nin = (size_t)nin, .nout = (size_t)nout,
	    .batchnorm = o->batchnorm };
	if (rd_params(r, v, path, &L, NULL) < 0)
		return -1;
	for (int k = 2; k < 4; k++) {
		size_t x = get(r, v, bn_keys[k]);
		if (!o->batchnorm && x != 0)
			return jfail(r, sub(q, path, bn_keys[k], 0), "only a "
			    "layer with batchnorm true has %s", bn_keys[k]);
		if (o->batchnorm && x == 0)
			return jfail(r, path, "the key \"%s\" is missing (the "
			    "layer has batchnorm)", bn_keys[k]);
		if (x && rd_vec(r, x, sub(q, path, bn_keys[k], 0), L.nout,
		    NULL) < 0)
			return -1;
	}
	return 0;
}

/* Layer l's weights and running statistics into m. */
static int
rd_layer_values(jr *r, size_t v, const char *path, nn_model *m, size_t l)
{
	const nn_dense *L = &m->layers[l];
	char q[PATH_MAX_], p[PATH_MAX_];
	float *rv;

	if (rd_params(r, v, path, L, m->params) < 0)
		return -1;
	if (!L->batchnorm)
		return 0;
	if (rd_vec(r, get(r, v, "running_mean"), sub(q, path, "running_mean",
	    0), L->nout, m->stats + L->s_off) < 0 ||
	    rd_vec(r, get(r, v, "running_var"), sub(q, path, "running_var", 0),
	    L->nout, rv = m->stats + L->s_off + L->nout) < 0)
		return -1;
	for (size_t j = 0; j < L->nout; j++)
		if (rv[j] < 0.0f)
			return jfail(r, sub(p, q, NULL, j), "a variance of %.9g is "
			    "negative", (double)rv[j]);
	return 0;
}

static int
rd_scaling(jr *r, size_t v, nn_model *m)
{
	static const char *const keys[] = { "kind", "offset", "factor", NULL };

	if (keys_ok(r, v, "scaling", keys) < 0 ||
	    rd_enum(r, get(r, v, "kind"), "scaling.kind", "scaling kind",
	    look_scale, &m->scale) < 0 ||
	    rd_vec(r, get(r, v, "offset"), "scaling.offset", m->nin,
	    m->offset) < 0 ||
	    rd_vec(r, get(r, v, "factor"), "scaling.factor", m->nin,
	    m->factor) < 0)
		return -1;
	return 0;
}

static int
rd_target(jr *r, size_t v, nn_model *m)
{
	static const char *const keys[] = { "name", "column", "data_columns",
		NULL };

	if (keys_ok(r, v, "target", keys) < 0 ||
	    rd_str(r, get(r, v, "name"), "target.name", &m->target_name) < 0 ||
	    rd_u32(r, get(r, v, "column"), "target.column", &m->target_col) < 0 ||
	    rd_u32(r, get(r, v, "data_columns"), "target.data_columns",
	    &m->ncols) < 0)
		return -1;
	if (m->target_col >= m->ncols)
		return jfail(r, "target.column", "%u is not below data_columns "
		    "(%u)", m->target_col, m->ncols);
	return 0;
}

/* The labels, which the task and the output layer decide the count of. */
static int
rd_labels(jr *r, size_t v, nn_model *m)
{
	size_t want_n;

	switch (m->task) {
	case NN_TASK_BINARY:
		if (m->nout != 1)
			return jfail(r, "task", "a binary model has 1 output, but "
			    "the last layer gives %zu", m->nout);
		want_n = 2;
		break;
	case NN_TASK_MULTICLASS:
		if (m->nout < 3)
			return jfail(r, "task", "a multiclass model has at least 3 "
			    "outputs, but the last layer gives %zu", m->nout);
		want_n = m->nout;
		break;
	default:
		want_n = 0;
		break;
	}
	return rd_strs(r, v, "labels", want_n, "labels", &m->labels,
	    &m->nlabels);
}

static int
rd_column(jr *r, size_t v, const char *path, nn_incol *c, const nn_model *m)
{
	static const char *const keys[] = { "name", "type", "column", "fill",
		"?categories", NULL };
	char q[PATH_MAX_], p[PATH_MAX_];
	size_t cats, fill;

	if (keys_ok(r, v, path, keys) < 0 ||
	    rd_str(r, get(r, v, "name"), sub(q, path, "name", 0), &c->name) < 0 ||
	    rd_enum(r, get(r, v, "type"), sub(q, path, "type", 0), "column type",
	    look_ctype, &c->type) < 0 ||
	    rd_u32(r, get(r, v, "column"), sub(q, path, "column", 0), &c->src) < 0)
		return -1;
	if (c->src >= m->ncols || c->src == m->target_col)
		return jfail(r, q, "%u is %s", c->src, c->src >= m->ncols ?
		    "not below target.data_columns" : "the target's column");
	cats = get(r, v, "categories");
	fill = get(r, v, "fill");
	if (c->type == NN_CTYPE_NUMERIC) {
		if (cats != 0)
			return jfail(r, sub(q, path, "categories", 0), "only a "
			    "categorical column has categories");
		return rd_float(r, fill, sub(q, path, "fill", 0), 0, &c->fill);
	}
	if (cats == 0)
		return jfail(r, path, "the key \"categories\" is missing (a "
		    "categorical column has them)");
	if (rd_strs(r, cats, sub(q, path, "categories", 0), SIZE_MAX,
	    "categories", &c->cats, &c->ncat) < 0)
		return -1;
	if (c->ncat == 0)
		return jfail(r, q, "a categorical column has at least one "
		    "category");
	for (size_t k = 1; k < c->ncat; k++)
		if (strcmp(c->cats[k - 1], c->cats[k]) >= 0)
			return jfail(r, sub(p, q, NULL, k), "\"%.40s\" does not "
			    "come after \"%.40s\" (categories are distinct, in "
			    "byte order)", c->cats[k], c->cats[k - 1]);
	if (want(r, fill, sub(q, path, "fill", 0), NN_JSON_STRING) < 0)
		return -1;
	long k = nn_incol_find(c, nn_json_text(r->d, fill));
	if (k < 0)
		return jfail(r, q, "\"%.40s\" is not one of the categories",
		    nn_json_text(r->d, fill));
	c->fill_cat = (uint32_t)k;
	return 0;
}

static int
rd_columns(jr *r, size_t v, nn_model *m)
{
	static const char *const keys[] = { "missing", "columns", "ids", "na",
		NULL };
	char q[PATH_MAX_];
	nn_enc *en;
	size_t cols, k, off = 0;
	nn_err ce;

	if (keys_ok(r, v, "input_columns", keys) < 0)
		return -1;
	en = m->enc = nn_xcalloc(1, sizeof(*en));
	if (rd_enum(r, get(r, v, "missing"), "input_columns.missing",
	    "missing-value policy", look_missing, &en->missing) < 0)
		return -1;
	cols = get(r, v, "columns");
	if (want(r, cols, "input_columns.columns", NN_JSON_ARRAY) < 0)
		return -1;
	en->ncols = nn_json_len(r->d, cols);
	en->cols = nn_xcalloc(en->ncols ? en->ncols : 1, sizeof(*en->cols));
	k = nn_json_first(r->d, cols);
	for (size_t j = 0; j < en->ncols; j++, k = nn_json_next(r->d, k)) {
		nn_incol *c = &en->cols[j];
		sub(q, "input_columns.columns", NULL, j);
		if (rd_column(r, k, q, c, m) < 0)
			return -1;
		c->off = off;
		if (nn_incol_width(c) > m->nin - off)
			return jfail(r, q, "the columns so far give more than the "
			    "network's %zu inputs", m->nin);
		off += nn_incol_width(c);
	}
	if (off != m->nin)
		return jfail(r, "input_columns.columns", "the columns give %zu "
		    "features, the network takes %zu", off, m->nin);
	if (rd_strs(r, get(r, v, "ids"), "input_columns.ids", SIZE_MAX,
	    "names", &en->ids, &en->nid) < 0 ||
	    rd_strs(r, get(r, v, "na"), "input_columns.na", SIZE_MAX,
	    "tokens", &en->na, &en->nna) < 0)
		return -1;
	if (nn_enc_check(en, m->nin, &ce) < 0)
		return jfail(r, "input_columns", "%s", ce.msg);
	return 0;
}

static int
rd_training(jr *r, size_t v, nn_model *m)
{
	static const char *const keys[] = { "seed", "command", "data_crc32",
		"rows", "epochs", "batch", "lr", "final_loss", "?ranks", NULL };
	size_t rk;

	if (keys_ok(r, v, "training", keys) < 0 ||
	    rd_uint(r, get(r, v, "seed"), "training.seed", UINT64_MAX,
	    &m->seed) < 0 ||
	    rd_str(r, get(r, v, "command"), "training.command", &m->cmdline) < 0 ||
	    rd_u32(r, get(r, v, "data_crc32"), "training.data_crc32",
	    &m->data_crc) < 0 ||
	    rd_uint(r, get(r, v, "rows"), "training.rows", UINT64_MAX,
	    &m->data_rows) < 0 ||
	    rd_u32(r, get(r, v, "epochs"), "training.epochs", &m->epochs) < 0 ||
	    rd_u32(r, get(r, v, "batch"), "training.batch", &m->batch) < 0 ||
	    rd_float(r, get(r, v, "lr"), "training.lr", 1, &m->lr) < 0 ||
	    rd_float(r, get(r, v, "final_loss"), "training.final_loss", 1,
	    &m->final_loss) < 0)
		return -1;
	/* optional: present only for two or more ranks */
	if ((rk = get(r, v, "ranks")) != 0) {
		if (rd_u32(r, rk, "training.ranks", &m->ranks) < 0)
			return -1;
		if (m->ranks < 2)
			return jfail(r, "training.ranks", "%u (written only for 2 "
			    "or more)", (unsigned)m->ranks);
	}
	return 0;
}

/* A moment of the optimizer: null when it keeps none, else one object of
 * arrays per layer, shaped as the layer's parameters. */
static int
rd_moment(jr *r, size_t v, const char *path, int has, const char *what,
    nn_model *m, float **out)
{
	static const char *const keys[] = { "w", "b", "?gamma", "?beta", NULL };
	const char *opt = nn_optim_name(m->ckpt->opt.kind);
	char q[PATH_MAX_];
	size_t k;

	if (!has) {
		if (nn_json_type_of(r->d, v) != NN_JSON_NULL)
			return jfail(r, path, "%s keeps no %s: expected null, got "
			    "%s", opt, what, tname(r, v));
		return 0;
	}
	if (nn_json_type_of(r->d, v) != NN_JSON_ARRAY)
		return jfail(r, path, "%s keeps a %s: expected an array of %zu "
		    "layers, got %s", opt, what, m->nlayers, tname(r, v));
	if (nn_json_len(r->d, v) != m->nlayers)
		return jfail(r, path, "expected %zu layers, got %zu", m->nlayers,
		    nn_json_len(r->d, v));
	*out = nn_xmalloc(m->nparams * sizeof(float));
	k = nn_json_first(r->d, v);
	for (size_t l = 0; l < m->nlayers; l++, k = nn_json_next(r->d, k)) {
		sub(q, path, NULL, l);
		if (keys_ok(r, k, q, keys) < 0 ||
		    rd_params(r, k, q, &m->layers[l], *out) < 0)
			return -1;
	}
	return 0;
}

static int
rd_ckpt(jr *r, size_t v, nn_model *m)
{
	static const char *const keys[] = { "optimizer", "lr", "momentum",
		"beta1", "beta2", "eps", "weight_decay", "steps", "epoch", "row",
		"rng", "m", "v", NULL };
	char q[PATH_MAX_];
	nn_ckpt *c;
	nn_optim_cfg *o;
	size_t rng, k;
	int hm, hv;

	if (keys_ok(r, v, "checkpoint", keys) < 0)
		return -1;
	c = m->ckpt = nn_xcalloc(1, sizeof(*c));
	o = &c->opt;
	if (rd_enum(r, get(r, v, "optimizer"), "checkpoint.optimizer",
	    "optimizer", look_opt, &o->kind) < 0 ||
	    rd_float(r, get(r, v, "lr"), "checkpoint.lr", 0, &o->lr) < 0)
		return -1;
	if (!(o->lr > 0.0f))
		return jfail(r, "checkpoint.lr", "%.9g is not positive",
		    (double)o->lr);
	if (rd_range(r, get(r, v, "momentum"), "checkpoint.momentum", 0.0f, 0,
	    1.0f, 1, &o->momentum) < 0 ||
	    rd_range(r, get(r, v, "beta1"), "checkpoint.beta1", 0.0f, 0, 1.0f,
	    1, &o->beta1) < 0 ||
	    rd_range(r, get(r, v, "beta2"), "checkpoint.beta2", 0.0f, 0, 1.0f,
	    0, &o->beta2) < 0 ||
	    rd_float(r, get(r, v, "eps"), "checkpoint.eps", 0, &o->eps) < 0)
		return -1;
	if (!(o->eps > 0.0f))
		return jfail(r, "checkpoint.eps", "%.9g is not positive",
		    (double)o->eps);
	if (rd_float(r, get(r, v, "weight_decay"), "checkpoint.weight_decay",
	    0, &o->weight_decay) < 0)
		return -1;
	if (o->weight_decay < 0.0f)
		return jfail(r, "checkpoint.weight_decay", "%.9g is negative",
		    (double)o->weight_decay);
	if (rd_uint(r, get(r, v, "steps"), "checkpoint.steps", UINT64_MAX,
	    &c->t) < 0 ||
	    rd_uint(r, get(r, v, "epoch"), "checkpoint.epoch", UINT64_MAX,
	    &c->epoch) < 0 ||
	    rd_uint(r, get(r, v, "row"), "checkpoint.row", UINT64_MAX,
	    &c->row) < 0)
		return -1;
	if (c->row != 0 && c->row >= m->data_rows)
		return jfail(r, "checkpoint.row", "%ju is not below training.rows "
		    "(%ju)", (uintmax_t)c->row, (uintmax_t)m->data_rows);
	rng = get(r, v, "rng");
	if (want(r, rng, "checkpoint.rng", NN_JSON_ARRAY) < 0)
		return -1;
	if (nn_json_len(r->d, rng) != 4)
		return jfail(r, "checkpoint.rng", "expected 4 integers (the "
		    "generator's state), got %zu", nn_json_len(r->d, rng));
	k = nn_json_first(r->d, rng);
	for (int i = 0; i < 4; i++, k = nn_json_next(r->d, k))
		if (rd_uint(r, k, sub(q, "checkpoint.rng", NULL, (size_t)i),
		    UINT64_MAX, &c->rng.s[i]) < 0)
			return -1;
	if ((c->rng.s[0] | c->rng.s[1] | c->rng.s[2] | c->rng.s[3]) == 0)
		return jfail(r, "checkpoint.rng", "the generator's state is all "
		    "zero");
	moments(o->kind, &hm, &hv);
	if (rd_moment(r, get(r, v, "m"), "checkpoint.m", hm, "first moment",
	    m, &c->m) < 0 ||
	    rd_moment(r, get(r, v, "v"), "checkpoint.v", hv, "second moment",
	    m, &c->v) < 0)
		return -1;
	for (size_t i = 0; hv && i < m->nparams; i++)
		if (c->v[i] < 0.0f)
			return jfail(r, "checkpoint.v", "second moment %zu (in the "
			    "parameters' order) is negative", i + 1);
	return 0;
}

static const char *const top_keys[] = {
	"format", "version", "task", "loss", "layers", "scaling", "features",
	"target", "labels", "input_columns", "training", "checkpoint", NULL
};

static nn_model *
build(jr *r)
{
	const nn_json *d = r->d;
	char q[PATH_MAX_];
	size_t layers, nl, k, *sizes = NULL, v;
	nn_layer_opts *lo = NULL;
	nn_model *m = NULL;
	nn_task task;
	nn_loss loss;
	uint64_t version;
	nn_err ce;

	if (keys_ok(r, 0, "", top_keys) < 0)
		return NULL;
	v = get(r, 0, "format");
	if (want(r, v, "format", NN_JSON_STRING) < 0)
		return NULL;
	if (strcmp(nn_json_text(d, v), JSON_FORMAT) != 0)
		return jfail(r, "format", "expected \"%s\", got \"%.40s\"",
		    JSON_FORMAT, nn_json_text(d, v)), NULL;
	if (rd_uint(r, get(r, 0, "version"), "version", UINT64_MAX,
	    &version) < 0)
		return NULL;
	if (version != JSON_VERSION)
		return jfail(r, "version", "%ju: this nnkit reads version %d",
		    (uintmax_t)version, JSON_VERSION), NULL;
	if (rd_enum(r, get(r, 0, "task"), "task", "task", look_task, &task) < 0 ||
	    rd_enum(r, get(r, 0, "loss"), "loss", "loss", look_loss, &loss) < 0)
		return NULL;

	/* the architecture and every array's shape, before allocating */
	layers = get(r, 0, "layers");
	if (want(r, layers, "layers", NN_JSON_ARRAY) < 0)
		return NULL;
	if ((nl = nn_json_len(d, layers)) == 0)
		return jfail(r, "layers", "the network has no layers"), NULL;
	sizes = nn_xcalloc(nl + 1, sizeof(*sizes));
	lo = nn_xcalloc(nl, sizeof(*lo));
	k = nn_json_first(d, layers);
	for (size_t l = 0; l < nl; l++, k = nn_json_next(d, k))
		if (rd_layer_opts(r, k, sub(q, "layers", NULL, l), l, nl, sizes,
		    &lo[l]) < 0)
			goto fail;
	if ((m = nn_model_new(nl, sizes, lo, &ce)) == NULL) {
		jfail(r, "layers", "%s", ce.msg);
		goto fail;
	}
	m->task = task;
	m->loss = loss;
	k = nn_json_first(d, layers);
	for (size_t l = 0; l < nl; l++, k = nn_json_next(d, k))
		if (rd_layer_values(r, k, sub(q, "layers", NULL, l), m, l) < 0)
			goto fail;

	if (rd_scaling(r, get(r, 0, "scaling"), m) < 0 ||
	    rd_strs(r, get(r, 0, "features"), "features", m->nin, "names",
	    &m->feat_names, &k) < 0 ||
	    rd_target(r, get(r, 0, "target"), m) < 0 ||
	    rd_labels(r, get(r, 0, "labels"), m) < 0 ||
	    rd_training(r, get(r, 0, "training"), m) < 0)
		goto fail;
	v = get(r, 0, "input_columns");
	if (nn_json_type_of(d, v) != NN_JSON_NULL) {
		if (rd_columns(r, v, m) < 0)
			goto fail;
	} else if ((uint64_t)m->ncols != (uint64_t)m->nin + 1) {
		jfail(r, "target.data_columns", "%u, but without input_columns "
		    "the data are the %zu features and the target", m->ncols,
		    m->nin);
		goto fail;
	}
	v = get(r, 0, "checkpoint");
	if (nn_json_type_of(d, v) != NN_JSON_NULL && rd_ckpt(r, v, m) < 0)
		goto fail;
	if (nn_model_check(m, &ce) < 0) {
		nn_errf(r->e, "%s: %s", r->name, ce.msg);
		goto fail;
	}
	free(sizes);
	free(lo);
	return m;
fail:
	nn_model_free(m);
	free(sizes);
	free(lo);
	return NULL;
}

nn_model *
nn_json_model_read(FILE *fp, const char *name, nn_err *e)
{
	nn_json *d = nn_json_load(fp, name, e);
	nn_model *m;
	jr r = { d, name, e };

	if (d == NULL)
		return NULL;
	m = build(&r);
	nn_json_free(d);
	return m;
}
