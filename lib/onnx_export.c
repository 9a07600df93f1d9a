/*
 * onnx_export.c - a model as a standard ONNX graph (opset 13, IR 7).
 *
 * The graph computes what nn_forward computes after nn-predict's encoding
 * and scaling, one ONNX operator per step, so that any runtime reproduces
 * nn-predict --proba to float rounding:
 *
 *   input (N, D) float
 *   Where(IsNaN(x), fill, x)           numeric fills, when the model has
 *                                      input columns (m->enc)
 *   Sub(x, offset), Mul(x, factor)     the input scaling, unless none; kept
 *                                      as two nodes rather than folded into
 *                                      the first Gemm, so that the rounding
 *                                      is nnkit's and import can give the
 *                                      scaling back exactly
 *   per layer: Gemm(x, w, b)           w (nin, nout) as stored, transB 0
 *              BatchNormalization      inference form, epsilon NN_BN_EPS
 *              the activation          Relu, LeakyRelu, Elu, Sigmoid, Tanh,
 *                                      Mul(z, Sigmoid(z)) for swish, the erf
 *                                      form for gelu, Softmax on the output
 *              Add(in, h)              a residual connection
 *   binary: Concat(1 - p, p)           "probabilities" (N, 2), the columns
 *                                      of nn-predict --proba
 *   multiclass: "probabilities" (N, K);  regression: "value" (N, 1)
 *
 * Dropout is the identity at inference and is left out.  A categorical
 * column is refused: its one-hot encoding starts from strings, which this
 * float graph does not take.  What nnkit knows beyond the graph (task,
 * labels, feature and target names, scaling kind, missing-value tokens)
 * goes to metadata_props, the labels and names as JSON arrays of strings.
 *
 * Every message of the graph is allocated from one list (struct bld) and
 * freed in one place after packing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_onnx.h"
#include "onnx.pb-c.h"

#define SQRT1_2 0.70710678118654752440f

/* ====================================================================== */
/* A graph under construction                                             */
/* ====================================================================== */

typedef struct bld {
	void **mem;                     /* every allocation, for one free */
	size_t nmem, capmem;
	Onnx__GraphProto *g;
	size_t capnode, capinit;
} bld;

static void *
take(bld *b, void *p)
{
	if (b->nmem == b->capmem) {
		b->capmem = b->capmem ? 2 * b->capmem : 64;
		b->mem = nn_xrealloc(b->mem, b->capmem * sizeof(*b->mem));
	}
	b->mem[b->nmem++] = p;
	return p;
}

static void *
balloc(bld *b, size_t n, size_t size)
{
	return take(b, nn_xcalloc(n ? n : 1, size));
}

static char *
bstr(bld *b, const char *s)
{
	return take(b, nn_xstrdup(s));
}

/* A printf-formatted string owned by b. */
static char *
bfmt(bld *b, const char *fmt, size_t l, const char *what)
{
	char tmp[64];

	snprintf(tmp, sizeof(tmp), fmt, l, what);
	return bstr(b, tmp);
}

static void
bld_free(bld *b)
{
	for (size_t i = 0; i < b->nmem; i++)
		free(b->mem[i]);
	free(b->mem);
}

static Onnx__AttributeProto *
attr_f(bld *b, const char *name, float f)
{
	Onnx__AttributeProto *a = balloc(b, 1, sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = bstr(b, name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	a->has_f = 1;
	a->f = f;
	return a;
}

static Onnx__AttributeProto *
attr_i(bld *b, const char *name, int64_t i)
{
	Onnx__AttributeProto *a = balloc(b, 1, sizeof(*a));

	onnx__attribute_proto__init(a);
	a->name = bstr(b, name);
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->has_i = 1;
	a->i = i;
	return a;
}

/* Append a node op(in[0..nin)) -> out with up to one attribute; names are
 * copied.  The node is named after its output, which is unique. */
static void
node(bld *b, const char *op, const char *out, size_t nin,
    const char *const *in, Onnx__AttributeProto *attr)
{
	Onnx__GraphProto *g = b->g;
	Onnx__NodeProto *n = balloc(b, 1, sizeof(*n));

	onnx__node_proto__init(n);
	n->op_type = bstr(b, op);
	n->name = bstr(b, out);
	n->n_input = nin;
	n->input = balloc(b, nin, sizeof(char *));
	for (size_t i = 0; i < nin; i++)
		n->input[i] = bstr(b, in[i]);
	n->n_output = 1;
	n->output = balloc(b, 1, sizeof(char *));
	n->output[0] = bstr(b, out);
	if (attr != NULL) {
		n->n_attribute = 1;
		n->attribute = balloc(b, 1, sizeof(*n->attribute));
		n->attribute[0] = attr;
	}
	if (g->n_node == b->capnode) {
		/* the old array stays in b's list until bld_free */
		Onnx__NodeProto **old = g->node;
		b->capnode = b->capnode ? 2 * b->capnode : 32;
		g->node = balloc(b, b->capnode, sizeof(*g->node));
		if (old != NULL)
			memcpy(g->node, old, g->n_node * sizeof(*old));
	}
	g->node[g->n_node++] = n;
}

/* One-input and two-input shorthands. */
static void
node1(bld *b, const char *op, const char *out, const char *a,
    Onnx__AttributeProto *attr)
{
	node(b, op, out, 1, &a, attr);
}

static void
node2(bld *b, const char *op, const char *out, const char *x, const char *y)
{
	const char *in[2] = { x, y };

	node(b, op, out, 2, in, NULL);
}

/* A float initializer of shape dims[0..nd) holding v. */
static void
init_f(bld *b, const char *name, const float *v, size_t nd,
    const int64_t *dims)
{
	Onnx__GraphProto *g = b->g;
	Onnx__TensorProto *t = balloc(b, 1, sizeof(*t));
	size_t n = 1;

	onnx__tensor_proto__init(t);
	t->name = bstr(b, name);
	t->has_data_type = 1;
	t->data_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	t->n_dims = nd;
	t->dims = balloc(b, nd, sizeof(*t->dims));
	for (size_t i = 0; i < nd; i++) {
		t->dims[i] = dims[i];
		n *= (size_t)dims[i];
	}
	t->n_float_data = n;
	t->float_data = balloc(b, n, sizeof(float));
	memcpy(t->float_data, v, n * sizeof(float));
	if (g->n_initializer == b->capinit) {
		Onnx__TensorProto **old = g->initializer;
		b->capinit = b->capinit ? 2 * b->capinit : 32;
		g->initializer = balloc(b, b->capinit, sizeof(*g->initializer));
		if (old != NULL)
			memcpy(g->initializer, old,
			    g->n_initializer * sizeof(*old));
	}
	g->initializer[g->n_initializer++] = t;
}

static void
init_vec(bld *b, const char *name, const float *v, size_t n)
{
	int64_t d = (int64_t)n;

	init_f(b, name, v, 1, &d);
}

/* A graph input or output: float (N, width), N symbolic. */
static Onnx__ValueInfoProto *
value_info(bld *b, const char *name, size_t width)
{
	Onnx__ValueInfoProto *v = balloc(b, 1, sizeof(*v));
	Onnx__TypeProto *t = balloc(b, 1, sizeof(*t));
	Onnx__TypeProto__Tensor *tt = balloc(b, 1, sizeof(*tt));
	Onnx__TensorShapeProto *s = balloc(b, 1, sizeof(*s));
	Onnx__TensorShapeProto__Dimension **d = balloc(b, 2, sizeof(*d));

	onnx__value_info_proto__init(v);
	onnx__type_proto__init(t);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(s);
	for (int i = 0; i < 2; i++) {
		d[i] = balloc(b, 1, sizeof(**d));
		onnx__tensor_shape_proto__dimension__init(d[i]);
	}
	d[0]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
	d[0]->dim_param = bstr(b, "N");
	d[1]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
	d[1]->dim_value = (int64_t)width;
	s->n_dim = 2;
	s->dim = d;
	tt->has_elem_type = 1;
	tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
	tt->shape = s;
	t->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	t->tensor_type = tt;
	v->name = bstr(b, name);
	v->type = t;
	return v;
}

/* ====================================================================== */
/* Metadata                                                               */
/* ====================================================================== */

/* Append s to the growing string *out as a JSON string. */
static void
json_str(char **out, size_t *len, size_t *cap, const char *s)
{
	for (size_t need = *len + 6 * strlen(s) + 3; need >= *cap;) {
		*cap = *cap ? 2 * *cap : 64;
		*out = nn_xrealloc(*out, *cap);
	}
	char *p = *out + *len;
	*p++ = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20) {
			p += sprintf(p, "\\u%04x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	*len = (size_t)(p - *out);
}

/* ["a","b",...] of v[0..n), owned by b. */
static char *
json_array(bld *b, char *const *v, size_t n)
{
	char *out = NULL;
	size_t len = 0, cap = 0;

	json_str(&out, &len, &cap, "");         /* sizes the buffer */
	len = 0;
	out[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		json_str(&out, &len, &cap, v[i]);
		if (i + 1 < n) {
			if (len + 2 >= cap)
				out = nn_xrealloc(out, cap *= 2);
			out[len++] = ',';
		}
	}
	if (len + 2 >= cap)
		out = nn_xrealloc(out, cap *= 2);
	out[len++] = ']';
	out[len] = '\0';
	return take(b, out);
}

static void
meta(bld *b, Onnx__ModelProto *mp, const char *key, char *value)
{
	Onnx__StringStringEntryProto *p = balloc(b, 1, sizeof(*p));

	onnx__string_string_entry_proto__init(p);
	p->key = bstr(b, key);
	p->value = value;
	mp->metadata_props[mp->n_metadata_props++] = p;
}

/* ====================================================================== */
/* The graph                                                              */
/* ====================================================================== */

/* The activation act of layer l on value u; returns the output's name.
 * out: the name to give the result (the graph output on the last layer). */
static const char *
activation(bld *b, const nn_dense *L, size_t l, const char *u,
    const char *out)
{
	char *s, *t, *r;
	static const float half = 0.5f, one = 1.0f, rsqrt2 = SQRT1_2;

	switch (L->act) {
	case NN_ACT_LINEAR:
		return u;
	case NN_ACT_SIGMOID:
		node1(b, "Sigmoid", out, u, NULL);
		break;
	case NN_ACT_TANH:
		node1(b, "Tanh", out, u, NULL);
		break;
	case NN_ACT_RELU:
		node1(b, "Relu", out, u, NULL);
		break;
	case NN_ACT_LEAKY_RELU:
		node1(b, "LeakyRelu", out, u, attr_f(b, "alpha", L->act_param));
		break;
	case NN_ACT_ELU:
		node1(b, "Elu", out, u, attr_f(b, "alpha", 1.0f));
		break;
	case NN_ACT_SWISH:
		s = bfmt(b, "l%zu_%s", l + 1, "sigmoid");
		node1(b, "Sigmoid", s, u, NULL);
		node2(b, "Mul", out, u, s);
		break;
	case NN_ACT_GELU:
		/* 0.5 z (1 + erf(z / sqrt 2)), as nnkit: the argument of erf is
		 * z times 1/sqrt 2 in float; halving is exact in any order */
		s = bfmt(b, "l%zu_%s", l + 1, "gelu_arg");
		t = bfmt(b, "l%zu_%s", l + 1, "gelu_erf");
		r = bfmt(b, "l%zu_%s", l + 1, "gelu_1p");
		init_vec(b, "gelu_rsqrt2", &rsqrt2, 1);
		init_vec(b, "gelu_one", &one, 1);
		init_vec(b, "gelu_half", &half, 1);
		node2(b, "Mul", s, u, "gelu_rsqrt2");
		node1(b, "Erf", t, s, NULL);
		node2(b, "Add", r, t, "gelu_one");
		s = bfmt(b, "l%zu_%s", l + 1, "gelu_zp");
		node2(b, "Mul", s, u, r);
		node2(b, "Mul", out, s, "gelu_half");
		break;
	case NN_ACT_SOFTMAX:
		node1(b, "Softmax", out, u, attr_i(b, "axis", 1));
		break;
	default:
		return NULL;
	}
	return out;
}

/* Initializers named once though several layers use them (gelu's
 * constants): drop repeats. */
static void
dedup_inits(Onnx__GraphProto *g)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n_initializer; i++) {
		size_t j;
		for (j = 0; j < k; j++)
			if (strcmp(g->initializer[j]->name,
			    g->initializer[i]->name) == 0)
				break;
		if (j == k)
			g->initializer[k++] = g->initializer[i];
	}
	g->n_initializer = k;
}

static int
build(bld *b, const nn_model *m, Onnx__ModelProto *mp, nn_err *e)
{
	Onnx__GraphProto *g = b->g;
	const char *x = "input";
	const size_t D = m->nin;

	if (m->enc != NULL) {
		for (size_t j = 0; j < m->enc->ncols; j++)
			if (m->enc->cols[j].type != NN_CTYPE_NUMERIC)
				return nn_errf(e, "column \"%s\" is categorical: one-hot "
				    "string inputs are not exported; train without it or "
				    "encode it as numeric columns first",
				    m->enc->cols[j].name);
		float *fill = balloc(b, D, sizeof(float));
		for (size_t j = 0; j < m->enc->ncols; j++)
			fill[m->enc->cols[j].off] = m->enc->cols[j].fill;
		init_vec(b, "fill", fill, D);
		node1(b, "IsNaN", "missing", x, NULL);
		const char *in[3] = { "missing", "fill", x };
		node(b, "Where", "filled", 3, in, NULL);
		x = "filled";
	}
	if (m->scale != NN_SCALE_NONE) {
		init_vec(b, "offset", m->offset, D);
		init_vec(b, "factor", m->factor, D);
		node2(b, "Sub", "centred", x, "offset");
		node2(b, "Mul", "scaled", "centred", "factor");
		x = "scaled";
	}
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		const int last = l + 1 == m->nlayers;
		int64_t wd[2] = { (int64_t)L->nin, (int64_t)L->nout };
		char *w = bfmt(b, "l%zu_%s", l + 1, "w");
		char *bias = bfmt(b, "l%zu_%s", l + 1, "b");
		char *z = bfmt(b, "l%zu_%s", l + 1, "z");
		const char *u = z, *h, *out;

		init_f(b, w, m->params + L->w_off, 2, wd);
		init_vec(b, bias, m->params + L->b_off, L->nout);
		const char *gin[3] = { x, w, bias };
		node(b, "Gemm", z, 3, gin, NULL);
		if (L->batchnorm) {
			const char *what[4] = { "gamma", "beta", "mean", "var" };
			const char *bin[5];
			bin[0] = z;
			for (int k = 0; k < 4; k++) {
				const float *v = k < 2 ?
				    m->params + L->g_off + (size_t)k * L->nout :
				    m->stats + L->s_off + (size_t)(k - 2) * L->nout;
				bin[k + 1] = bfmt(b, "l%zu_%s", l + 1, what[k]);
				init_vec(b, bin[k + 1], v, L->nout);
			}
			u = bfmt(b, "l%zu_%s", l + 1, "bn");
			node(b, "BatchNormalization", u, 5, bin,
			    attr_f(b, "epsilon", NN_BN_EPS));
		}
		if (!last) {
			out = bfmt(b, "l%zu_%s", l + 1, L->residual ? "h" : "a");
		} else if (m->task == NN_TASK_REGRESSION) {
			out = "value";
		} else if (m->task == NN_TASK_BINARY) {
			out = "p";
		} else {
			out = "probabilities";
		}
		if (last && m->task == NN_TASK_BINARY &&
		    (L->act != NN_ACT_SIGMOID || L->nout != 1))
			return nn_errf(e, "a binary model's output layer is not one "
			    "sigmoid unit");
		if (last && m->task == NN_TASK_MULTICLASS &&
		    L->act != NN_ACT_SOFTMAX)
			return nn_errf(e, "a multiclass model's output layer is not "
			    "softmax");
		h = activation(b, L, l, u, out);
		if (h == NULL)
			return nn_errf(e, "layer %zu: activation %s has no ONNX form",
			    l + 1, nn_act_name(L->act));
		if (L->residual) {
			char *a = bfmt(b, "l%zu_%s", l + 1, "a");
			node2(b, "Add", a, x, h);
			h = a;
		}
		if (last && h != out)   /* a linear output layer */
			node1(b, "Identity", out, h, NULL);
		x = h;
	}
	if (m->task == NN_TASK_BINARY) {
		static const float one = 1.0f;
		init_vec(b, "one", &one, 1);
		node2(b, "Sub", "q", "one", "p");
		const char *in[2] = { "q", "p" };
		node(b, "Concat", "probabilities", 2, in, attr_i(b, "axis", 1));
	}
	dedup_inits(g);

	g->n_input = 1;
	g->input = balloc(b, 1, sizeof(*g->input));
	g->input[0] = value_info(b, "input", D);
	g->n_output = 1;
	g->output = balloc(b, 1, sizeof(*g->output));
	g->output[0] = m->task == NN_TASK_REGRESSION ?
	    value_info(b, "value", 1) :
	    value_info(b, "probabilities", m->task == NN_TASK_BINARY ? 2 :
	    m->nout);

	/* what nnkit knows beyond the graph */
	mp->metadata_props = balloc(b, 8, sizeof(*mp->metadata_props));
	meta(b, mp, "nnkit_version", bstr(b, NN_VERSION));
	meta(b, mp, "task", bstr(b, nn_task_name(m->task)));
	if (m->nlabels > 0)
		meta(b, mp, "labels", json_array(b, m->labels, m->nlabels));
	meta(b, mp, "features", json_array(b, m->feat_names, m->nin));
	meta(b, mp, "target", bstr(b, m->target_name ? m->target_name : ""));
	meta(b, mp, "scale", bstr(b, nn_scale_name(m->scale)));
	if (m->enc != NULL) {
		meta(b, mp, "missing", bstr(b, nn_missing_name(m->enc->missing)));
		meta(b, mp, "na", json_array(b, m->enc->na, m->enc->nna));
	}
	return 0;
}

int
nn_onnx_write(const nn_model *m, FILE *fp, nn_err *e)
{
	bld b = { 0 };
	Onnx__ModelProto mp;
	Onnx__GraphProto g;
	Onnx__OperatorSetIdProto op;
	Onnx__OperatorSetIdProto *ops[1] = { &op };
	uint8_t *buf;
	size_t len;
	int rc = -1;

	onnx__model_proto__init(&mp);
	onnx__graph_proto__init(&g);
	onnx__operator_set_id_proto__init(&op);
	op.domain = (char *)"";
	op.has_version = 1;
	op.version = NN_ONNX_OPSET;
	mp.has_ir_version = 1;
	mp.ir_version = NN_ONNX_IR_VERSION;
	mp.n_opset_import = 1;
	mp.opset_import = ops;
	mp.producer_name = (char *)"nnkit";
	mp.producer_version = (char *)NN_VERSION;
	mp.graph = &g;
	g.name = (char *)"nnkit";
	b.g = &g;
	if (build(&b, m, &mp, e) < 0)
		goto out;
	len = onnx__model_proto__get_packed_size(&mp);
	buf = nn_xmalloc(len ? len : 1);
	onnx__model_proto__pack(&mp, buf);
	if (fwrite(buf, 1, len, fp) != len)
		nn_errf(e, "write: %s", strerror(errno));
	else
		rc = 0;
	free(buf);
out:
	bld_free(&b);
	return rc;
}

int
nn_onnx_save(const nn_model *m, const char *path, nn_err *e)
{
	nn_atomic a;

	if (nn_atomic_open(&a, path, e) < 0)
		return -1;
	if (nn_onnx_write(m, a.fp, e) < 0) {
		nn_atomic_abort(&a);
		return -1;
	}
	return nn_atomic_commit(&a, e);
}
