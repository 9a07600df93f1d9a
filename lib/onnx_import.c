/*
 * onnx_import.c - an ONNX graph of MLP shape as a model.
 *
 * The file is untrusted.  Before anything is built from it: its size is
 * bounded (NN_ONNX_MAX_BYTES), protobuf-c parses it (a length that runs
 * past the end is a parse error, so nothing is allocated for data that is
 * not there), every tensor's element count is computed from its dims with
 * overflow checks and compared with the data it holds (raw_data or
 * float_data) -- a tensor that claims 2 GB in a 1 kB file fails there --,
 * every node input must be defined (a graph input, an initializer or a
 * node's output, each name defined once), and the nodes are put in order
 * (Kahn's algorithm), which finds a cycle.
 *
 * The graph is then read symbolically.  The imported output is the first
 * float tensor output (or the input of a ZipMap that makes one); only the
 * nodes it depends on are read, so label nodes (ArgMax, Cast,
 * ArrayFeatureExtractor, ZipMap...) are ignored.  Each value is a constant
 * or a stage of the one stream through the network (struct sym): the
 * input, filled (Where(IsNaN(x), fill, x)), centred and scaled (Sub, Mul),
 * then per layer the product (MatMul or Gemm), with its bias (Add), batch
 * normalised, activated (Relu ... or the pieces of swish and the erf form
 * of gelu), with a skip connection (Add of the layer's input).  A layer
 * ends where the next MatMul or Gemm takes its output, and the value taken
 * says its activation.  A node that fits none of this is refused by name.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_csv.h"
#include "nn_onnx.h"
#include "onnx.pb-c.h"

#define MAX_RANK 8

/* ====================================================================== */
/* Names: an open-addressing table of value names                         */
/* ====================================================================== */

typedef struct val {
	const char *name;       /* borrowed from the parsed model */
	long node;              /* producing node, or -1 */
	long tensor;            /* constant: index in tensors, or -1 */
	int input;              /* a graph input */
} val;

typedef struct names {
	size_t cap;             /* power of two */
	long *slot;             /* (cap) value index or -1 */
	val *v;
	size_t n, vcap;
} names;

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static long
names_find(const names *t, const char *s)
{
	if (t->cap == 0)
		return -1;
	for (size_t i = hash(s) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		long k = t->slot[i];
		if (k < 0 || strcmp(t->v[k].name, s) == 0)
			return k;
	}
}

static long
names_add(names *t, const char *s)
{
	size_t i;

	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		free(t->slot);
		t->slot = nn_xmalloc(cap * sizeof(*t->slot));
		for (i = 0; i < cap; i++)
			t->slot[i] = -1;
		t->cap = cap;
		for (size_t k = 0; k < t->n; k++) {
			for (i = hash(t->v[k].name) & (cap - 1); t->slot[i] >= 0;
			    i = (i + 1) & (cap - 1))
				;
			t->slot[i] = (long)k;
		}
	}
	if (t->n == t->vcap) {
		t->vcap = t->vcap ? 2 * t->vcap : 64;
		t->v = nn_xrealloc(t->v, t->vcap * sizeof(*t->v));
	}
	for (i = hash(s) & (t->cap - 1); t->slot[i] >= 0; i = (i + 1) & (t->cap - 1))
		;
	t->slot[i] = (long)t->n;
	t->v[t->n] = (val){ s, -1, -1, 0 };
	return (long)t->n++;
}

/* ====================================================================== */
/* Tensors                                                                */
/* ====================================================================== */

typedef struct tens {
	int type;               /* ONNX data type */
	size_t nd;
	int64_t dims[MAX_RANK];
	size_t n;               /* elements */
	float *f;               /* (n) float data, owned; NULL otherwise */
	int64_t *i64;           /* (n) int64 data, owned; NULL otherwise */
} tens;

static const char *
type_name(int t)
{
	switch (t) {
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT: return "float";
	case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE: return "double";
	case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16: return "float16";
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT64: return "int64";
	case ONNX__TENSOR_PROTO__DATA_TYPE__INT32: return "int32";
	case ONNX__TENSOR_PROTO__DATA_TYPE__STRING: return "string";
	case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL: return "bool";
	default: return "a non-float type";
	}
}

/* Check t against its dims and copy its float or int64 data into out.
 * what names it in messages ("initializer 'w'"). */
static int
tensor_read(const Onnx__TensorProto *t, tens *out, const char *what,
    nn_err *e)
{
	size_t n = 1, have, esz;

	memset(out, 0, sizeof(*out));
	if (t->has_data_location &&
	    t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
		return nn_errf(e, "%s: data in an external file is not read",
		    what);
	if (t->n_dims > MAX_RANK)
		return nn_errf(e, "%s: rank %zu (at most %d)", what, t->n_dims,
		    MAX_RANK);
	out->type = t->has_data_type ? t->data_type : 0;
	out->nd = t->n_dims;
	for (size_t i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return nn_errf(e, "%s: negative dimension %lld", what,
			    (long long)t->dims[i]);
		out->dims[i] = t->dims[i];
		if ((uint64_t)t->dims[i] > SIZE_MAX ||
		    nn_mul_size(n, (size_t)t->dims[i], &n) < 0 ||
		    n > SIZE_MAX / 8)
			return nn_errf(e, "%s: its dimensions overflow", what);
	}
	out->n = n;
	if (out->type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
		esz = 4;
		have = t->has_raw_data ? t->raw_data.len / esz : t->n_float_data;
	} else if (out->type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
		esz = 8;
		have = t->has_raw_data ? t->raw_data.len / esz : t->n_int64_data;
	} else {
		return 0;       /* refused where used as a number */
	}
	if ((t->has_raw_data && t->raw_data.len % esz != 0) || have != n)
		return nn_errf(e, "%s: its dimensions make %zu values (%zu bytes) "
		    "but it holds %zu bytes of data", what, n, n * esz,
		    t->has_raw_data ? t->raw_data.len : have * esz);
	if (out->type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
		out->f = nn_xmalloc((n ? n : 1) * sizeof(float));
		if (t->has_raw_data)    /* little-endian, as ONNX stores it */
			for (size_t i = 0; i < n; i++) {
				const uint8_t *p = t->raw_data.data + 4 * i;
				uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
				    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
				memcpy(&out->f[i], &u, 4);
			}
		else if (n > 0)
			memcpy(out->f, t->float_data, n * sizeof(float));
		for (size_t i = 0; i < n; i++)
			if (!isfinite(out->f[i]))
				return nn_errf(e, "%s: value %zu is not finite", what, i);
	} else {
		out->i64 = nn_xmalloc((n ? n : 1) * sizeof(int64_t));
		if (t->has_raw_data)
			for (size_t i = 0; i < n; i++) {
				uint64_t u = 0;
				for (int k = 7; k >= 0; k--)
					u = u << 8 | t->raw_data.data[8 * i + (size_t)k];
				memcpy(&out->i64[i], &u, 8);
			}
		else if (n > 0)
			memcpy(out->i64, t->int64_data, n * sizeof(int64_t));
	}
	return 0;
}

/* ====================================================================== */
/* The stream through the network                                         */
/* ====================================================================== */

enum kind {
	K_NONE,         /* not yet computed, or not a stream value */
	K_CONST,
	K_NAN,          /* IsNaN(input) */
	K_X,            /* the input before the first layer */
	K_Z,            /* a layer's product (+ bias) */
	K_U,            /* batch normalised */
	K_PART,         /* part of an activation (swish, gelu) */
	K_H,            /* activated */
	K_A,            /* plus the skip connection */
	K_ONEMINUS,     /* 1 - p of a sigmoid output */
	K_PROBA2,       /* Concat(1 - p, p) */
};

/* gelu's steps: z/sqrt2, erf(.), 1 + erf, z (1 + erf) or 0.5 z */
enum { G_ARG = 1, G_ERF, G_ONEP, G_ZP, G_HALF };

typedef struct sym {
	enum kind kind;
	long layer;             /* layer index, -1 before the first */
	nn_act act;             /* K_H, K_A: the activation */
	float param;            /* leaky-relu's slope */
	int step;               /* K_PART: G_* */
	long base;              /* K_H sigmoid, K_PART: the value activated */
	int xstage;             /* K_X: 0 raw, 1 filled, 2 centred, 3 scaled */
	int has_bias;           /* K_Z */
} sym;

typedef struct lay {
	size_t nin, nout;
	float *w;               /* (nin, nout) */
	float *b;               /* (nout) */
	float *bn;              /* (4 nout) gamma, beta, mean, var, or NULL */
	nn_act act;
	float param;
	int residual;
	long in;                /* the value the layer took */
} lay;

typedef struct imp {
	const char *file;
	Onnx__GraphProto *g;
	names nm;
	tens *t;                /* (nt) */
	size_t nt;
	sym *s;                 /* (nm.n) */
	lay *L;
	size_t nl, capl;
	size_t D;               /* input width, 0 until known */
	float *fill, *offset, *factor;  /* (D) or NULL */
	long input;             /* the graph input's value */
	nn_err *e;
} imp;

static int
refuse(imp *im, const Onnx__NodeProto *n, const char *why)
{
	return nn_errf(im->e, "%s: unsupported node '%s' (%s): %s", im->file,
	    n->name && *n->name ? n->name : "(unnamed)", n->op_type, why);
}

static const tens *
cst(const imp *im, long v)
{
	if (v < 0 || im->s[v].kind != K_CONST)
		return NULL;
	return &im->t[im->nm.v[v].tensor];
}

/* A float constant's single value, if it is one (any rank). */
static int
scalar(const imp *im, long v, float *out)
{
	const tens *t = cst(im, v);

	if (t == NULL || t->f == NULL || t->n != 1)
		return 0;
	*out = t->f[0];
	return 1;
}

/* A float constant of n values broadcast along the last axis: shape (n),
 * (1, n), or a single value; copied into out (n). */
static int
vec(const imp *im, long v, size_t n, float *out)
{
	const tens *t = cst(im, v);

	if (t == NULL || t->f == NULL || t->nd > 2 ||
	    (t->nd == 2 && t->dims[0] != 1))
		return 0;
	if (t->n == 1) {
		for (size_t i = 0; i < n; i++)
			out[i] = t->f[0];
		return 1;
	}
	if (t->n != n)
		return 0;
	memcpy(out, t->f, n * sizeof(float));
	return 1;
}

static size_t
width(const imp *im, const sym *s)
{
	return s->layer < 0 ? im->D : im->L[s->layer].nout;
}

static int
same(const sym *a, const sym *b)
{
	return a->kind == b->kind && a->layer == b->layer && a->act == b->act &&
	    a->step == b->step && a->base == b->base && a->xstage == b->xstage &&
	    a->param == b->param && a->has_bias == b->has_bias;
}

static int
near(float a, double b)
{
	return fabs((double)a - b) <= 1e-6 * fabs(b);
}

/* Value v ends the current stage and feeds a new layer: the activation of
 * the layer that made it is what v is.  0, or -1 (with why). */
static int
finish(imp *im, long v, const char **why)
{
	const sym *s = &im->s[v];
	lay *P;

	if (s->kind == K_X) {
		if (im->nl > 0) {
			*why = "the input feeds a second layer (not a chain)";
			return -1;
		}
		return 0;
	}
	if (s->layer < 0 || (size_t)s->layer + 1 != im->nl) {
		*why = "its input is not the last layer's output (not a chain)";
		return -1;
	}
	P = &im->L[s->layer];
	switch (s->kind) {
	case K_Z:
	case K_U:
		P->act = NN_ACT_LINEAR;
		return 0;
	case K_H:
	case K_A:
		P->act = s->act;
		P->param = s->param;
		return 0;
	default:
		*why = "its input is not a layer's output";
		return -1;
	}
}

static lay *
new_layer(imp *im, long in, size_t nin, size_t nout)
{
	lay *L;

	if (im->nl == im->capl) {
		im->capl = im->capl ? 2 * im->capl : 8;
		im->L = nn_xrealloc(im->L, im->capl * sizeof(*im->L));
	}
	L = &im->L[im->nl++];
	memset(L, 0, sizeof(*L));
	L->nin = nin;
	L->nout = nout;
	L->w = nn_xcalloc(nin * nout != 0 ? nin * nout : 1, sizeof(float));
	L->b = nn_xcalloc(nout, sizeof(float));
	L->in = in;
	return L;
}

static long
in_val(const imp *im, const Onnx__NodeProto *n, size_t i)
{
	if (i >= n->n_input || n->input[i][0] == '\0')
		return -1;
	return names_find(&im->nm, n->input[i]);
}

static const Onnx__AttributeProto *
attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0)
			return n->attribute[i];
	return NULL;
}

static float
attr_float(const Onnx__NodeProto *n, const char *name, float def)
{
	const Onnx__AttributeProto *a = attr(n, name);

	return a && a->has_f ? a->f : def;
}

static int64_t
attr_int(const Onnx__NodeProto *n, const char *name, int64_t def)
{
	const Onnx__AttributeProto *a = attr(n, name);

	return a && a->has_i ? a->i : def;
}

/* A matrix product: x (stream) times the constant w, transposed when
 * trans; the new layer's z. */
static int
product(imp *im, const Onnx__NodeProto *n, long x, long wv, int trans,
    float alpha, sym *out)
{
	const tens *w = cst(im, wv);
	const char *why = NULL;
	size_t nin, nout, have;
	char msg[160];
	lay *L;

	if (x < 0 || im->s[x].kind == K_CONST || im->s[x].kind == K_NONE)
		return refuse(im, n, "its first input is not the network's stream");
	if (w == NULL)
		return refuse(im, n, "its weights are not a constant");
	if (w->f == NULL) {
		snprintf(msg, sizeof(msg), "its weights are %s (float only)",
		    type_name(w->type));
		return refuse(im, n, msg);
	}
	if (w->nd != 2)
		return refuse(im, n, "its weights are not a matrix");
	nin = (size_t)w->dims[trans ? 1 : 0];
	nout = (size_t)w->dims[trans ? 0 : 1];
	if (nin == 0 || nout == 0)
		return refuse(im, n, "its weights are empty");
	if (im->s[x].kind == K_X && im->D == 0)
		im->D = nin;
	have = width(im, &im->s[x]);
	if (have != nin) {
		snprintf(msg, sizeof(msg), "shapes do not chain: it takes %zu "
		    "inputs, its input has %zu", nin, have);
		return refuse(im, n, msg);
	}
	if (finish(im, x, &why) < 0)
		return refuse(im, n, why);
	if (im->s[x].kind == K_X && im->s[x].xstage == 2)
		return refuse(im, n, "the input is centred (Sub) but not scaled");
	L = new_layer(im, x, nin, nout);
	for (size_t i = 0; i < nin; i++)
		for (size_t j = 0; j < nout; j++)
			L->w[i * nout + j] = alpha *
			    w->f[trans ? j * nin + i : i * nout + j];
	*out = (sym){ .kind = K_Z, .layer = (long)im->nl - 1, .base = -1 };
	return 0;
}

/* The activation op on u. */
static int
activate(imp *im, const Onnx__NodeProto *n, long u, nn_act act, float p,
    sym *out)
{
	const sym *s = u >= 0 ? &im->s[u] : NULL;

	if (s == NULL || (s->kind != K_Z && s->kind != K_U))
		return refuse(im, n, "its input is not a layer's product");
	*out = (sym){ .kind = K_H, .layer = s->layer, .act = act, .param = p,
	    .base = u };
	return 0;
}

/* Mul or Add or Sub or Div with one stream operand and maybe one constant:
 * which is which.  Returns the number of stream operands. */
static int
operands(const imp *im, const Onnx__NodeProto *n, long *x, long *c)
{
	long a = in_val(im, n, 0), b = in_val(im, n, 1);
	int sa = a >= 0 && im->s[a].kind != K_CONST;
	int sb = b >= 0 && im->s[b].kind != K_CONST;

	if (sa && sb) {
		*x = a;
		*c = b;
		return 2;
	}
	*x = sa ? a : b;
	*c = sa ? b : a;
	return sa || sb;
}

static int
step(imp *im, const Onnx__NodeProto *n, sym *out)
{
	const char *op = n->op_type;
	long x = in_val(im, n, 0), c;
	const sym *s = x >= 0 ? &im->s[x] : NULL;
	float f;

	if (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0)
		return refuse(im, n, "an operator outside the standard domain");
	if (strcmp(op, "Identity") == 0 || strcmp(op, "Dropout") == 0 ||
	    (strcmp(op, "Cast") == 0 &&
	    attr_int(n, "to", 0) == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) ||
	    (strcmp(op, "Flatten") == 0 && attr_int(n, "axis", 1) == 1)) {
		if (s == NULL || s->kind == K_NONE)
			return refuse(im, n, "no input");
		if (s->kind == K_CONST)
			return refuse(im, n, "a computed constant");
		*out = *s;
		return 0;
	}
	if (strcmp(op, "Reshape") == 0) {
		const tens *t = cst(im, in_val(im, n, 1));
		if (s == NULL || s->kind == K_CONST || s->kind == K_NONE ||
		    t == NULL || t->i64 == NULL || t->n != 2 ||
		    (t->i64[0] != -1 && t->i64[0] != 0) ||
		    (t->i64[1] != (int64_t)width(im, s) &&
		    !(t->i64[1] == -1 && t->i64[0] == 0)))
			return refuse(im, n, "a reshape that changes the rows");
		*out = *s;
		return 0;
	}
	if (strcmp(op, "MatMul") == 0)
		return product(im, n, x, in_val(im, n, 1), 0, 1.0f, out);
	if (strcmp(op, "Gemm") == 0) {
		float alpha = attr_float(n, "alpha", 1.0f);
		float beta = attr_float(n, "beta", 1.0f);
		long cv = in_val(im, n, 2);
		if (attr_int(n, "transA", 0) != 0)
			return refuse(im, n, "transA");
		if (product(im, n, x, in_val(im, n, 1),
		    attr_int(n, "transB", 0) != 0, alpha, out) < 0)
			return -1;
		lay *L = &im->L[im->nl - 1];
		if (cv >= 0) {
			if (!vec(im, cv, L->nout, L->b))
				return refuse(im, n, "its bias is not a float vector "
				    "of the layer's width");
			for (size_t j = 0; j < L->nout; j++)
				L->b[j] *= beta;
		}
		out->has_bias = 1;
		return 0;
	}
	if (strcmp(op, "IsNaN") == 0) {
		if (s == NULL || x != im->input)
			return refuse(im, n, "not of the graph's input");
		*out = (sym){ .kind = K_NAN, .layer = -1, .base = -1 };
		return 0;
	}
	if (strcmp(op, "Where") == 0) {
		long cond = x, fv = in_val(im, n, 1), xv = in_val(im, n, 2);
		if (cond < 0 || im->s[cond].kind != K_NAN || xv != im->input)
			return refuse(im, n, "not Where(IsNaN(input), fill, input)");
		if (im->D == 0 || im->fill != NULL)
			return refuse(im, n, "the input's width is unknown");
		im->fill = nn_xmalloc(im->D * sizeof(float));
		if (!vec(im, fv, im->D, im->fill))
			return refuse(im, n, "its fill is not a float vector of the "
			    "input's width");
		*out = (sym){ .kind = K_X, .layer = -1, .base = -1, .xstage = 1 };
		return 0;
	}
	if (strcmp(op, "Sub") == 0) {
		long a = in_val(im, n, 0), b = in_val(im, n, 1);
		const sym *sb = b >= 0 ? &im->s[b] : NULL;
		if (s != NULL && s->kind == K_X && s->xstage < 2 && im->D > 0 &&
		    im->offset == NULL) {
			im->offset = nn_xmalloc(im->D * sizeof(float));
			if (!vec(im, b, im->D, im->offset))
				return refuse(im, n, "its offset is not a float vector "
				    "of the input's width");
			*out = *s;
			out->xstage = 2;
			return 0;
		}
		if (scalar(im, a, &f) && f == 1.0f && sb != NULL &&
		    sb->kind == K_H && sb->act == NN_ACT_SIGMOID &&
		    im->L[sb->layer].nout == 1) {
			*out = *sb;
			out->kind = K_ONEMINUS;
			out->base = b;
			return 0;
		}
		return refuse(im, n, "neither the input's centring nor 1 - p");
	}
	if (strcmp(op, "Concat") == 0) {
		long b = in_val(im, n, 1);
		int64_t axis = attr_int(n, "axis", 0);
		if (n->n_input == 2 && s != NULL && s->kind == K_ONEMINUS &&
		    s->base == b && (axis == 1 || axis == -1)) {
			*out = im->s[b];
			out->kind = K_PROBA2;
			return 0;
		}
		return refuse(im, n, "not the columns (1 - p, p) of a sigmoid");
	}
	if (strcmp(op, "Relu") == 0)
		return activate(im, n, x, NN_ACT_RELU, 0.0f, out);
	if (strcmp(op, "Sigmoid") == 0)
		return activate(im, n, x, NN_ACT_SIGMOID, 0.0f, out);
	if (strcmp(op, "Tanh") == 0)
		return activate(im, n, x, NN_ACT_TANH, 0.0f, out);
	if (strcmp(op, "LeakyRelu") == 0) {
		f = attr_float(n, "alpha", 0.01f);
		if (!(f >= 0.0f && f <= 1.0f))
			return refuse(im, n, "a slope outside [0, 1]");
		return activate(im, n, x, NN_ACT_LEAKY_RELU, f, out);
	}
	if (strcmp(op, "Elu") == 0) {
		if (!near(attr_float(n, "alpha", 1.0f), 1.0))
			return refuse(im, n, "alpha other than 1");
		return activate(im, n, x, NN_ACT_ELU, 0.0f, out);
	}
	if (strcmp(op, "Gelu") == 0) {
		const Onnx__AttributeProto *a = attr(n, "approximate");
		if (a && a->has_s && !(a->s.len == 4 && memcmp(a->s.data, "none",
		    4) == 0))
			return refuse(im, n, "the tanh approximation");
		return activate(im, n, x, NN_ACT_GELU, 0.0f, out);
	}
	if (strcmp(op, "Softmax") == 0) {
		int64_t axis = attr_int(n, "axis", -1);
		if (axis != 1 && axis != -1)
			return refuse(im, n, "an axis other than the last");
		return activate(im, n, x, NN_ACT_SOFTMAX, 0.0f, out);
	}
	if (strcmp(op, "BatchNormalization") == 0) {
		float eps = attr_float(n, "epsilon", 1e-5f);
		if (s == NULL || s->kind != K_Z)
			return refuse(im, n, "its input is not a layer's product");
		if (attr_int(n, "training_mode", 0) != 0 || n->n_output > 1)
			return refuse(im, n, "training mode");
		if (!near(eps, NN_BN_EPS))
			return refuse(im, n, "an epsilon other than 1e-5");
		lay *L = &im->L[s->layer];
		L->bn = nn_xmalloc(4 * L->nout * sizeof(float));
		for (size_t k = 0; k < 4; k++)
			if (!vec(im, in_val(im, n, k + 1), L->nout,
			    L->bn + k * L->nout))
				return refuse(im, n, "its parameters are not float "
				    "vectors of the layer's width");
		for (size_t j = 0; j < L->nout; j++)
			if (!(L->bn[3 * L->nout + j] >= 0.0f))
				return refuse(im, n, "a negative variance");
		*out = *s;
		out->kind = K_U;
		return 0;
	}
	if (strcmp(op, "Erf") == 0) {
		if (s == NULL || s->kind != K_PART || s->step != G_ARG)
			return refuse(im, n, "not part of gelu");
		*out = *s;
		out->step = G_ERF;
		return 0;
	}
	if (strcmp(op, "Div") == 0) {
		long b = in_val(im, n, 1);
		if (s != NULL && (s->kind == K_Z || s->kind == K_U) &&
		    scalar(im, b, &f) && near(f, sqrt(2.0))) {
			*out = (sym){ .kind = K_PART, .layer = s->layer,
			    .step = G_ARG, .base = x };
			return 0;
		}
		return refuse(im, n, "not part of gelu");
	}
	if (strcmp(op, "Add") == 0 || strcmp(op, "Mul") == 0) {
		int add = op[0] == 'A';
		int k = operands(im, n, &x, &c);
		s = x >= 0 ? &im->s[x] : NULL;
		if (k == 0 || s == NULL)
			return refuse(im, n, "no stream input");
		if (k == 2) {
			const sym *t = &im->s[c];
			if (add) {
				/* a skip connection: the layer's own output plus
				 * the value the layer took */
				const sym *h = s, *in = t;
				long hv = x, iv = c;
				if (!(h->layer >= 0 && (size_t)h->layer + 1 == im->nl &&
				    (h->kind == K_H || h->kind == K_Z ||
				    h->kind == K_U))) {
					h = t; in = s; hv = c; iv = x;
				}
				(void)hv;
				if (!(h->layer >= 0 && (size_t)h->layer + 1 == im->nl &&
				    (h->kind == K_H || h->kind == K_Z ||
				    h->kind == K_U)))
					return refuse(im, n, "adds two values that are "
					    "not a layer's output and its input");
				lay *L = &im->L[h->layer];
				if (!same(in, &im->s[L->in]) && iv != L->in)
					return refuse(im, n, "adds two values that are "
					    "not a layer's output and its input");
				if (L->nin != L->nout)
					return refuse(im, n, "a skip connection across "
					    "a change of width");
				L->residual = 1;
				*out = *h;
				if (h->kind != K_H) {
					out->act = NN_ACT_LINEAR;
					out->param = 0.0f;
				}
				out->kind = K_A;
				return 0;
			}
			/* swish z sigmoid(z); gelu's z (1 + erf) or (0.5 z)(1 + erf) */
			for (int r = 0; r < 2; r++) {
				long a = r ? c : x, b = r ? x : c;
				const sym *sa = &im->s[a], *sb = &im->s[b];
				if (sb->kind == K_H && sb->act == NN_ACT_SIGMOID &&
				    sb->base == a) {
					*out = *sb;
					out->act = NN_ACT_SWISH;
					return 0;
				}
				if (sb->kind == K_PART && sb->step == G_ONEP &&
				    sb->base == a) {
					*out = *sb;
					out->step = G_ZP;
					return 0;
				}
				if (sb->kind == K_PART && sb->step == G_ONEP &&
				    sa->kind == K_PART && sa->step == G_HALF &&
				    sa->base == sb->base) {
					*out = (sym){ .kind = K_H, .layer = sb->layer,
					    .act = NN_ACT_GELU, .base = sb->base };
					return 0;
				}
			}
			return refuse(im, n, "two stream inputs that are not swish "
			    "or gelu");
		}
		/* one stream input, one constant */
		if (add && s->kind == K_Z && !s->has_bias) {
			lay *L = &im->L[s->layer];
			if (!vec(im, c, L->nout, L->b))
				return refuse(im, n, "its bias is not a float vector of "
				    "the layer's width");
			*out = *s;
			out->has_bias = 1;
			return 0;
		}
		if (add && s->kind == K_PART && s->step == G_ERF &&
		    scalar(im, c, &f) && f == 1.0f) {
			*out = *s;
			out->step = G_ONEP;
			return 0;
		}
		if (!add && (s->kind == K_Z || s->kind == K_U) &&
		    scalar(im, c, &f) && near(f, sqrt(0.5))) {
			*out = (sym){ .kind = K_PART, .layer = s->layer,
			    .step = G_ARG, .base = x };
			return 0;
		}
		if (!add && (s->kind == K_Z || s->kind == K_U) &&
		    scalar(im, c, &f) && f == 0.5f) {
			*out = (sym){ .kind = K_PART, .layer = s->layer,
			    .step = G_HALF, .base = x };
			return 0;
		}
		if (!add && s->kind == K_PART && s->step == G_ZP &&
		    scalar(im, c, &f) && f == 0.5f) {
			*out = (sym){ .kind = K_H, .layer = s->layer,
			    .act = NN_ACT_GELU, .base = s->base };
			return 0;
		}
		if (!add && s->kind == K_X && im->factor == NULL && im->D > 0) {
			im->factor = nn_xmalloc(im->D * sizeof(float));
			if (!vec(im, c, im->D, im->factor))
				return refuse(im, n, "its factor is not a float vector "
				    "of the input's width");
			*out = *s;
			out->xstage = 3;
			return 0;
		}
		return refuse(im, n, add ? "not a bias, nor part of gelu" :
		    "not the input's scaling, nor part of swish or gelu");
	}
	return refuse(im, n, "an operator outside the MLP shape");
}

/* ====================================================================== */
/* Metadata                                                               */
/* ====================================================================== */

static const char *
meta(const Onnx__ModelProto *mp, const char *key)
{
	for (size_t i = 0; i < mp->n_metadata_props; i++) {
		const Onnx__StringStringEntryProto *p = mp->metadata_props[i];
		if (p->key && p->value && strcmp(p->key, key) == 0)
			return p->value;
	}
	return NULL;
}

static void
put_utf8(char **o, unsigned long c)
{
	char *p = *o;

	if (c < 0x80) {
		*p++ = (char)c;
	} else if (c < 0x800) {
		*p++ = (char)(0xc0 | c >> 6);
		*p++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*p++ = (char)(0xe0 | c >> 12);
		*p++ = (char)(0x80 | (c >> 6 & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	} else {
		*p++ = (char)(0xf0 | c >> 18);
		*p++ = (char)(0x80 | (c >> 12 & 0x3f));
		*p++ = (char)(0x80 | (c >> 6 & 0x3f));
		*p++ = (char)(0x80 | (c & 0x3f));
	}
	*o = p;
}

static int
hex4(const char *s, unsigned long *out)
{
	unsigned long v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = s[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned long)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned long)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned long)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* A JSON array of strings, as written by the export: owned strings, or
 * NULL when s is not one (the metadata is then not used). */
static char **
json_strings(const char *s, size_t *np)
{
	char **v = NULL;
	size_t n = 0;

	while (*s == ' ')
		s++;
	if (*s++ != '[')
		return NULL;
	while (*s == ' ')
		s++;
	if (*s == ']' && s[1] == '\0') {
		*np = 0;
		return nn_xcalloc(1, sizeof(char *));
	}
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s++ != '"')
			goto bad;
		char *str = nn_xmalloc(strlen(s) + 1), *o = str;
		v = nn_xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = str;
		for (; *s != '"'; s++) {
			unsigned long c, lo;
			if ((unsigned char)*s < 0x20)
				goto bad;
			if (*s != '\\') {
				*o++ = *s;
				continue;
			}
			switch (*++s) {
			case '"': case '\\': case '/': *o++ = *s; break;
			case 'b': *o++ = '\b'; break;
			case 'f': *o++ = '\f'; break;
			case 'n': *o++ = '\n'; break;
			case 'r': *o++ = '\r'; break;
			case 't': *o++ = '\t'; break;
			case 'u':
				if (hex4(s + 1, &c) < 0)
					goto bad;
				s += 4;
				if (c >= 0xd800 && c < 0xdc00 && s[1] == '\\' &&
				    s[2] == 'u' && hex4(s + 3, &lo) == 0 &&
				    lo >= 0xdc00 && lo < 0xe000) {
					c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
					s += 6;
				}
				if (c == 0)
					goto bad;
				put_utf8(&o, c);
				break;
			default:
				goto bad;
			}
		}
		*o = '\0';
		s++;
		while (*s == ' ')
			s++;
		if (*s == ']' && s[1] == '\0')
			break;
		if (*s++ != ',')
			goto bad;
	}
	*np = n;
	return v;
bad:
	free_strv(v, n);
	return NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* n strings, each distinct. */
static int
distinct(char *const *v, size_t n)
{
	char **c = nn_xmalloc((n ? n : 1) * sizeof(*c));
	int ok = 1;

	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmpstr);
	for (size_t i = 1; i < n; i++)
		if (strcmp(c[i - 1], c[i]) == 0)
			ok = 0;
	free(c);
	return ok;
}

/* Names from metadata key if it holds exactly n distinct ones, else
 * NULL. */
static char **
meta_names(const Onnx__ModelProto *mp, const char *key, size_t n)
{
	const char *s = meta(mp, key);
	size_t k;
	char **v;

	if (s == NULL || (v = json_strings(s, &k)) == NULL)
		return NULL;
	if (k != n || !distinct(v, k)) {
		free_strv(v, k);
		return NULL;
	}
	return v;
}

/* ====================================================================== */
/* The graph                                                              */
/* ====================================================================== */

/* Every value named, every input defined, the nodes in an order where each
 * comes after its inputs' producers: order (nnode). */
static int
graph_order(imp *im, size_t *order)
{
	Onnx__GraphProto *g = im->g;
	size_t nn = g->n_node, head = 0, tail = 0;
	size_t *indeg = nn_xcalloc(nn ? nn : 1, sizeof(*indeg));
	size_t *nuse = nn_xcalloc(nn + 1, sizeof(*nuse));
	size_t *users, *fill;
	int rc = -1;

	/* edges producer -> consumer, as CSR */
	for (size_t i = 0; i < nn; i++) {
		const Onnx__NodeProto *n = g->node[i];
		for (size_t k = 0; k < n->n_input; k++) {
			long v = in_val(im, n, k);
			if (n->input[k][0] == '\0')
				continue;
			if (v < 0) {
				nn_errf(im->e, "%s: node '%s' (%s): input '%s' is not "
				    "defined in the graph", im->file, n->name ?
				    n->name : "", n->op_type, n->input[k]);
				goto out0;
			}
			if (im->nm.v[v].node >= 0) {
				indeg[i]++;
				nuse[im->nm.v[v].node + 1]++;
			}
		}
	}
	for (size_t i = 0; i < nn; i++)
		nuse[i + 1] += nuse[i];
	users = nn_xmalloc((nuse[nn] ? nuse[nn] : 1) * sizeof(*users));
	fill = nn_xcalloc(nn ? nn : 1, sizeof(*fill));
	for (size_t i = 0; i < nn; i++) {
		const Onnx__NodeProto *n = g->node[i];
		for (size_t k = 0; k < n->n_input; k++) {
			long v = n->input[k][0] ? in_val(im, n, k) : -1;
			if (v >= 0 && im->nm.v[v].node >= 0) {
				size_t p = (size_t)im->nm.v[v].node;
				users[nuse[p] + fill[p]++] = i;
			}
		}
	}
	for (size_t i = 0; i < nn; i++)
		if (indeg[i] == 0)
			order[tail++] = i;
	while (head < tail) {
		size_t p = order[head++];
		for (size_t u = nuse[p]; u < nuse[p + 1]; u++)
			if (--indeg[users[u]] == 0)
				order[tail++] = users[u];
	}
	if (tail < nn) {
		for (size_t i = 0; i < nn; i++)
			if (indeg[i] > 0) {
				nn_errf(im->e, "%s: the graph has a cycle through node "
				    "'%s' (%s)", im->file, g->node[i]->name ?
				    g->node[i]->name : "", g->node[i]->op_type);
				break;
			}
	} else {
		rc = 0;
	}
	free(users);
	free(fill);
out0:
	free(indeg);
	free(nuse);
	return rc;
}

/* The float tensor output to import: its value, or -1. */
static long
pick_output(imp *im)
{
	Onnx__GraphProto *g = im->g;

	for (size_t i = 0; i < g->n_output; i++) {
		const Onnx__ValueInfoProto *o = g->output[i];
		const Onnx__TypeProto *t = o->type;
		if (o->name && t && t->value_case ==
		    ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE && t->tensor_type &&
		    t->tensor_type->elem_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
			return names_find(&im->nm, o->name);
	}
	for (size_t i = 0; i < g->n_output; i++) {
		long v = g->output[i]->name ?
		    names_find(&im->nm, g->output[i]->name) : -1;
		if (v >= 0 && im->nm.v[v].node >= 0) {
			const Onnx__NodeProto *n = g->node[im->nm.v[v].node];
			if (strcmp(n->op_type, "ZipMap") == 0 && n->n_input == 1)
				return in_val(im, n, 0);
		}
	}
	return -1;
}

/* Add node i's Constant value as tensor. */
static int
constant(imp *im, const Onnx__NodeProto *n, long v)
{
	const Onnx__AttributeProto *a;
	tens *t = &im->t[im->nt];
	char what[128];

	snprintf(what, sizeof(what), "%s: constant '%s'", im->file,
	    n->output[0]);
	if ((a = attr(n, "value")) != NULL && a->t != NULL) {
		if (tensor_read(a->t, t, what, im->e) < 0)
			return -1;
	} else if ((a = attr(n, "value_float")) != NULL && a->has_f) {
		memset(t, 0, sizeof(*t));
		t->type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
		t->n = 1;
		t->f = nn_xmalloc(sizeof(float));
		t->f[0] = a->f;
	} else {
		return refuse(im, n, "a constant of a kind not read");
	}
	im->nm.v[v].tensor = (long)im->nt++;
	im->s[v].kind = K_CONST;
	return 0;
}

static nn_model *
build_model(imp *im, const Onnx__ModelProto *mp, const sym *o)
{
	size_t nl = im->nl, K = im->L[nl - 1].nout;
	size_t *sizes = nn_xmalloc((nl + 1) * sizeof(*sizes));
	nn_layer_opts *lo = nn_xcalloc(nl, sizeof(*lo));
	nn_model *m;
	nn_task task;
	nn_act last = im->L[nl - 1].act;
	nn_err e2;

	if (o->kind == K_PROBA2 || (last == NN_ACT_SIGMOID && K == 1))
		task = NN_TASK_BINARY;
	else if (last == NN_ACT_SOFTMAX)
		task = NN_TASK_MULTICLASS;
	else
		task = NN_TASK_REGRESSION;
	for (size_t l = 0; l + 1 < nl; l++)
		if (im->L[l].act == NN_ACT_SOFTMAX) {
			nn_errf(im->e, "%s: layer %zu: softmax on a hidden layer",
			    im->file, l + 1);
			goto fail;
		}
	if (task == NN_TASK_REGRESSION && K != 1) {
		nn_errf(im->e, "%s: %zu outputs without softmax: nnkit predicts "
		    "one value or one class", im->file, K);
		goto fail;
	}
	if (task == NN_TASK_MULTICLASS && K < 2) {
		nn_errf(im->e, "%s: softmax over one output", im->file);
		goto fail;
	}
	sizes[0] = im->L[0].nin;
	for (size_t l = 0; l < nl; l++) {
		sizes[l + 1] = im->L[l].nout;
		lo[l].act = im->L[l].act;
		lo[l].act_param = im->L[l].param;
		lo[l].batchnorm = im->L[l].bn != NULL;
		lo[l].residual = im->L[l].residual;
	}
	m = nn_model_new(nl, sizes, lo, &e2);
	if (m == NULL) {
		nn_errf(im->e, "%s: %s", im->file, e2.msg);
		goto fail;
	}
	free(sizes);
	free(lo);
	for (size_t l = 0; l < nl; l++) {
		const lay *L = &im->L[l];
		const nn_dense *M = &m->layers[l];
		memcpy(m->params + M->w_off, L->w, L->nin * L->nout * sizeof(float));
		memcpy(m->params + M->b_off, L->b, L->nout * sizeof(float));
		if (L->bn != NULL) {
			memcpy(m->params + M->g_off, L->bn,
			    2 * L->nout * sizeof(float));
			memcpy(m->stats + M->s_off, L->bn + 2 * L->nout,
			    2 * L->nout * sizeof(float));
		}
	}
	m->task = task;
	m->loss = task == NN_TASK_BINARY ? NN_LOSS_BCE :
	    task == NN_TASK_MULTICLASS ? NN_LOSS_CCE : NN_LOSS_MSE;

	/* scaling: the kind from the metadata when it names one */
	const size_t D = m->nin;
	const char *sc = meta(mp, "scale");
	if (im->offset != NULL || im->factor != NULL) {
		if (sc == NULL || nn_scale_lookup(sc, &m->scale) < 0 ||
		    m->scale == NN_SCALE_NONE)
			m->scale = NN_SCALE_STANDARD;
		if (im->offset)
			memcpy(m->offset, im->offset, D * sizeof(float));
		if (im->factor)
			memcpy(m->factor, im->factor, D * sizeof(float));
	}

	/* names */
	m->feat_names = meta_names(mp, "features", D);
	if (m->feat_names == NULL) {
		m->feat_names = nn_xmalloc(D * sizeof(char *));
		for (size_t j = 0; j < D; j++) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%zu", j + 1);
			m->feat_names[j] = nn_xstrdup(buf);
		}
	}
	const char *tn = meta(mp, "target");
	m->target_name = nn_xstrdup(tn && *tn ? tn : "target");
	m->target_col = (uint32_t)D;
	m->ncols = (uint32_t)D + 1;
	if (task != NN_TASK_REGRESSION) {
		m->nlabels = task == NN_TASK_BINARY ? 2 : K;
		m->labels = meta_names(mp, "labels", m->nlabels);
		if (m->labels == NULL) {
			m->labels = nn_xmalloc(m->nlabels * sizeof(char *));
			for (size_t k = 0; k < m->nlabels; k++) {
				char buf[32];
				snprintf(buf, sizeof(buf), "%zu", k);
				m->labels[k] = nn_xstrdup(buf);
			}
		}
	}
	m->cmdline = nn_xstrdup("");

	/* numeric fills: every feature an input column */
	if (im->fill != NULL) {
		nn_enc *en = nn_xcalloc(1, sizeof(*en));
		const char *mi = meta(mp, "missing");
		size_t nna;
		char **na = meta_names(mp, "na", 0);
		if (na != NULL)
			free_strv(na, 0);
		en->missing = NN_MISSING_MEAN;
		if (mi != NULL && nn_missing_lookup(mi, &en->missing) < 0)
			en->missing = NN_MISSING_MEAN;
		en->ncols = D;
		en->cols = nn_xcalloc(D, sizeof(*en->cols));
		for (size_t j = 0; j < D; j++) {
			en->cols[j].name = nn_xstrdup(m->feat_names[j]);
			en->cols[j].type = NN_CTYPE_NUMERIC;
			en->cols[j].fill = im->fill[j];
			en->cols[j].off = j;
			en->cols[j].src = (uint32_t)j;
		}
		const char *nas = meta(mp, "na");
		if (nas != NULL && (na = json_strings(nas, &nna)) != NULL) {
			nn_enc_set_na(en, (const char *const *)na, nna);
			free_strv(na, nna);
		} else {
			nn_enc_set_na(en, nn_na_default, nn_na_default_n);
		}
		m->enc = en;
		if (nn_enc_check(en, D, &e2) < 0) {
			nn_errf(im->e, "%s: %s", im->file, e2.msg);
			nn_model_free(m);
			return NULL;
		}
	}
	return m;
fail:
	free(sizes);
	free(lo);
	return NULL;
}

static nn_model *
import(imp *im, const Onnx__ModelProto *mp)
{
	Onnx__GraphProto *g = mp->graph;
	size_t *order = NULL;
	char *need = NULL;
	long out;
	nn_model *m = NULL;
	char what[160];

	if (g == NULL)
		return nn_errf(im->e, "%s: no graph", im->file), NULL;
	im->g = g;
	im->input = -1;
	/* every value name, defined once */
	for (size_t i = 0; i < g->n_node; i++)
		if (g->node[i]->op_type == NULL || g->node[i]->n_output == 0 ||
		    g->node[i]->output[0][0] == '\0')
			return nn_errf(im->e, "%s: node %zu has no operator or no "
			    "output", im->file, i + 1), NULL;
	im->t = nn_xcalloc(g->n_initializer + g->n_node + 1, sizeof(*im->t));
	for (size_t i = 0; i < g->n_initializer; i++) {
		const Onnx__TensorProto *t = g->initializer[i];
		long v;
		if (t->name == NULL || *t->name == '\0')
			return nn_errf(im->e, "%s: an initializer has no name",
			    im->file), NULL;
		if (names_find(&im->nm, t->name) >= 0)
			return nn_errf(im->e, "%s: '%s' is defined twice", im->file,
			    t->name), NULL;
		v = names_add(&im->nm, t->name);
		snprintf(what, sizeof(what), "%s: initializer '%s'", im->file,
		    t->name);
		if (tensor_read(t, &im->t[im->nt], what, im->e) < 0) {
			im->nt++;
			return NULL;
		}
		im->nm.v[v].tensor = (long)im->nt++;
	}
	for (size_t i = 0; i < g->n_input; i++) {
		const Onnx__ValueInfoProto *in = g->input[i];
		long v;
		if (in->name == NULL || *in->name == '\0')
			return nn_errf(im->e, "%s: a graph input has no name",
			    im->file), NULL;
		if (names_find(&im->nm, in->name) >= 0)
			continue;       /* an initializer listed as an input */
		if (im->input >= 0)
			return nn_errf(im->e, "%s: more than one graph input ('%s', "
			    "'%s'): an MLP takes one", im->file,
			    im->nm.v[im->input].name, in->name), NULL;
		v = names_add(&im->nm, in->name);
		im->nm.v[v].input = 1;
		im->input = v;
		const Onnx__TypeProto *t = in->type;
		if (t == NULL || t->value_case !=
		    ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || t->tensor_type == NULL ||
		    t->tensor_type->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT)
			return nn_errf(im->e, "%s: input '%s' is not a float tensor "
			    "(float only)", im->file, in->name), NULL;
		const Onnx__TensorShapeProto *sh = t->tensor_type->shape;
		if (sh != NULL) {
			if (sh->n_dim != 2)
				return nn_errf(im->e, "%s: input '%s' has rank %zu, not "
				    "2 (rows, features)", im->file, in->name,
				    sh->n_dim), NULL;
			if (sh->dim[1]->value_case ==
			    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
				if (sh->dim[1]->dim_value <= 0 ||
				    sh->dim[1]->dim_value > INT32_MAX)
					return nn_errf(im->e, "%s: input '%s' has %lld "
					    "features", im->file, in->name,
					    (long long)sh->dim[1]->dim_value), NULL;
				im->D = (size_t)sh->dim[1]->dim_value;
			}
		}
	}
	if (im->input < 0)
		return nn_errf(im->e, "%s: the graph has no input", im->file), NULL;
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *n = g->node[i];
		for (size_t k = 0; k < n->n_output; k++) {
			long v;
			if (n->output[k][0] == '\0')
				continue;
			if (names_find(&im->nm, n->output[k]) >= 0)
				return nn_errf(im->e, "%s: node '%s' (%s): '%s' is "
				    "defined twice", im->file, n->name ? n->name : "",
				    n->op_type, n->output[k]), NULL;
			v = names_add(&im->nm, n->output[k]);
			im->nm.v[v].node = (long)i;
		}
	}
	im->s = nn_xcalloc(im->nm.n, sizeof(*im->s));
	for (size_t v = 0; v < im->nm.n; v++) {
		im->s[v].layer = -1;
		im->s[v].base = -1;
		if (im->nm.v[v].tensor >= 0)
			im->s[v].kind = K_CONST;
	}
	im->s[im->input] = (sym){ .kind = K_X, .layer = -1, .base = -1 };

	order = nn_xmalloc((g->n_node ? g->n_node : 1) * sizeof(*order));
	if (graph_order(im, order) < 0)
		goto out;
	if ((out = pick_output(im)) < 0) {
		nn_errf(im->e, "%s: no float tensor output", im->file);
		goto out;
	}
	/* the nodes the output depends on, walking back in order */
	need = nn_xcalloc(g->n_node ? g->n_node : 1, 1);
	if (im->nm.v[out].node >= 0)
		need[im->nm.v[out].node] = 1;
	for (size_t k = g->n_node; k-- > 0;) {
		const Onnx__NodeProto *n = g->node[order[k]];
		if (!need[order[k]])
			continue;
		for (size_t i = 0; i < n->n_input; i++) {
			long v = in_val(im, n, i);
			if (v >= 0 && im->nm.v[v].node >= 0)
				need[im->nm.v[v].node] = 1;
		}
	}
	for (size_t k = 0; k < g->n_node; k++) {
		const Onnx__NodeProto *n = g->node[order[k]];
		long v = names_find(&im->nm, n->output[0]);
		sym s = { .layer = -1, .base = -1 };
		if (!need[order[k]])
			continue;
		if (strcmp(n->op_type, "Constant") == 0) {
			if (constant(im, n, v) < 0)
				goto out;
			continue;
		}
		for (size_t i = 0; i < n->n_input; i++) {
			long u = in_val(im, n, i);
			const tens *t = cst(im, u);
			if (t != NULL && t->f == NULL && t->i64 == NULL) {
				snprintf(what, sizeof(what), "input '%s' is %s (float "
				    "only)", n->input[i], type_name(t->type));
				refuse(im, n, what);
				goto out;
			}
		}
		if (step(im, n, &s) < 0)
			goto out;
		im->s[v] = s;
	}
	if (im->nl == 0) {
		nn_errf(im->e, "%s: no layer (MatMul or Gemm) before the output",
		    im->file);
		goto out;
	}
	const sym *o = &im->s[out];
	const char *why = NULL;
	if (o->kind == K_PROBA2) {
		im->L[im->nl - 1].act = NN_ACT_SIGMOID;
	} else if (o->kind == K_ONEMINUS || finish(im, out, &why) < 0) {
		nn_errf(im->e, "%s: output '%s' is not the last layer's output",
		    im->file, im->nm.v[out].name);
		goto out;
	}
	if (o->kind == K_A || (o->layer >= 0 && im->L[o->layer].residual)) {
		nn_errf(im->e, "%s: a skip connection on the output layer",
		    im->file);
		goto out;
	}
	m = build_model(im, mp, o);
out:
	free(order);
	free(need);
	return m;
}

static void
imp_free(imp *im)
{
	for (size_t i = 0; i < im->nt; i++) {
		free(im->t[i].f);
		free(im->t[i].i64);
	}
	free(im->t);
	for (size_t l = 0; l < im->nl; l++) {
		free(im->L[l].w);
		free(im->L[l].b);
		free(im->L[l].bn);
	}
	free(im->L);
	free(im->s);
	free(im->nm.slot);
	free(im->nm.v);
	free(im->fill);
	free(im->offset);
	free(im->factor);
}

nn_model *
nn_onnx_read(FILE *fp, const char *name, nn_err *e)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;
	Onnx__ModelProto *mp;
	nn_model *m;
	imp im = { 0 };

	/* the whole file, bounded: protobuf needs it in one piece */
	do {
		if (len == cap) {
			if (cap > NN_ONNX_MAX_BYTES) {
				free(buf);
				return nn_errf(e, "%s: larger than %zu MiB", name,
				    NN_ONNX_MAX_BYTES >> 20), NULL;
			}
			cap = cap ? 2 * cap : 65536;
			buf = nn_xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, fp);
		len += got;
	} while (got > 0);
	if (ferror(fp)) {
		free(buf);
		return nn_errf(e, "%s: read: %s", name, strerror(errno)), NULL;
	}
	if (len > NN_ONNX_MAX_BYTES) {
		free(buf);
		return nn_errf(e, "%s: larger than %zu MiB", name,
		    NN_ONNX_MAX_BYTES >> 20), NULL;
	}
	mp = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	if (mp == NULL)
		return nn_errf(e, "%s: not an ONNX model (its protobuf does not "
		    "parse: truncated or corrupt)", name), NULL;
	if (!mp->has_ir_version || mp->graph == NULL) {
		onnx__model_proto__free_unpacked(mp, NULL);
		return nn_errf(e, "%s: not an ONNX model (no ir_version or no "
		    "graph)", name), NULL;
	}
	im.file = name;
	im.e = e;
	m = import(&im, mp);
	imp_free(&im);
	onnx__model_proto__free_unpacked(mp, NULL);
	/* Every rule of the model file, as nn_model_read applies them: what
	 * imports is a model nnkit can save and use (metadata from nnkit's
	 * own export can name a task the graph's shape contradicts). */
	if (m != NULL) {
		nn_err ce;
		if (nn_model_check(m, &ce) < 0) {
			nn_errf(e, "%s: not a model nnkit can use: %s", name,
			    ce.msg);
			nn_model_free(m);
			return NULL;
		}
	}
	return m;
}

nn_model *
nn_onnx_load(const char *path, nn_err *e)
{
	FILE *fp = fopen(path, "rb");
	nn_model *m;

	if (fp == NULL)
		return nn_errf(e, "%s: %s", path, strerror(errno)), NULL;
	m = nn_onnx_read(fp, path, e);
	fclose(fp);
	return m;
}
