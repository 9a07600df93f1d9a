/*
 * model_io.c - the model file (see nn-model(5)): write, read and validate,
 * and save (through atomic.c, after the same validation).
 *
 * The file is a magic, a version, then tagged sections in the manner of
 * PNG chunks (tag, length, payload), an end section and a CRC-32 trailer.
 * Everything is little-endian and written byte by byte, so a model saved on
 * one machine reads the same on any other; enums are stored by name, so
 * reordering a table in the library cannot change what a file means.
 *
 * The reader trusts nothing, and reads a stream: a pipe or a file, once,
 * front to back, never the whole of it into memory (see "Reading: the
 * stream" below).  Every section header is checked as it arrives, against
 * the largest file nnkit reads (MAX_FILE) and against what the
 * architecture implies; every count is compared with the bytes its
 * section has left; every array grows only as its items arrive.  So a
 * bogus stream fails at its first bad header, a hostile file cannot make
 * the reader allocate more than a small multiple of what it sent, and a
 * model costs what it holds.  The rules a valid model obeys
 * are in one function, check_model(), which the writer runs too: nnkit never
 * writes a file it would refuse to read.
 *
 * Two sections are optional.  LAYR (critical) carries what a layer may have
 * beyond a size and an activation: the activation's parameter, dropout,
 * batch normalisation with its running statistics, a skip connection.  It
 * is written only when some layer has one of them, so a plain network's
 * file is what version 1 always was, and an nnkit that predates LAYR
 * refuses a file that needs it instead of computing something else.  ckpt
 * (ancillary) is the training state to resume from; a reader that does not
 * know it can still predict.  COLS (critical) says how the user's columns
 * become the features -- numeric or one-hot categorical, the fill of a
 * missing field, the ID columns -- for models trained on such data.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nn_input.h"
#include "nn_model.h"

#define MAGIC           "NNKITMDL"
#define MAGIC_LEN       8
#define FORMAT_VERSION  1u
#define HEAD_LEN        12      /* magic + u32 version */
#define SEC_HEAD        12      /* 4-byte tag + u64 length */
#define END_TAG         "DONE"
#define QUOTE_MAX      40      /* longest name quoted in a message */

/* Files above 4 GiB are refused: a section that claims to go past it is
 * refused at its header.  (On a 32-bit size_t the cap is half the address
 * space.) */
#define MAX_FILE ((size_t)(SIZE_MAX / 2 < ((uint64_t)1 << 32) ? \
    SIZE_MAX / 2 : ((uint64_t)1 << 32)))

/* The sections of version 1, each at most once; all but the last
 * S_COUNT - S_REQUIRED are required.  An upper-case first letter marks a
 * section critical (a reader that does not know it must refuse the file);
 * lower-case marks it ancillary (skipped). */
enum { S_ARCH, S_SCAL, S_FEAT, S_TARG, S_LABL, S_META, S_WGHT, S_REQUIRED,
	S_LAYR = S_REQUIRED, S_CKPT, S_COLS, S_DIST, S_COUNT };
static const char sec_tag[S_COUNT][5] = {
	[S_ARCH] = "ARCH", [S_SCAL] = "SCAL", [S_FEAT] = "FEAT",
	[S_TARG] = "TARG", [S_LABL] = "LABL", [S_META] = "META",
	[S_WGHT] = "WGHT", [S_LAYR] = "LAYR", [S_CKPT] = "ckpt",
	[S_COLS] = "COLS", [S_DIST] = "dist",
};

/* LAYR's per-layer flags */
#define F_BATCHNORM 1u
#define F_RESIDUAL  2u
#define F_KNOWN     (F_BATCHNORM | F_RESIDUAL)

/* ====================================================================== */
/* Validation shared by writer and reader                                 */
/* ====================================================================== */

static int
str_ok(const char *s)
{
	return s != NULL && strlen(s) <= UINT32_MAX;
}

/* Which moment arrays an optimizer keeps. */
static void
moments(nn_optim_kind k, int *has_m, int *has_v)
{
	*has_m = k == NN_OPTIM_MOMENTUM || k == NN_OPTIM_NESTEROV ||
	    k == NN_OPTIM_ADAM || k == NN_OPTIM_ADAMW;
	*has_v = k == NN_OPTIM_ADAM || k == NN_OPTIM_ADAMW || k == NN_OPTIM_RMSPROP ||
	    k == NN_OPTIM_ADAGRAD;
}

/* A layer with something only LAYR can say. */
static int
layer_special(const nn_dense *L)
{
	return L->act_param != nn_act_param_default(L->act) ||
	    L->dropout != 0.0f || L->batchnorm || L->residual;
}

static int
needs_layr(const nn_model *m)
{
	for (size_t l = 0; l < m->nlayers; l++)
		if (layer_special(&m->layers[l]))
			return 1;
	return 0;
}

/* Payload bytes of LAYR and ckpt (0 when not written). */
static uint64_t
layr_size(const nn_model *m)
{
	uint64_t n = 4;

	if (!needs_layr(m))
		return 0;
	for (size_t l = 0; l < m->nlayers; l++)
		n += 12 + (m->layers[l].batchnorm ? 8 * (uint64_t)m->layers[l].nout :
		    0);
	return n;
}

static uint64_t
ckpt_size(const nn_model *m)
{
	const nn_ckpt *c = m->ckpt;
	int hm, hv;

	if (c == NULL)
		return 0;
	moments(c->opt.kind, &hm, &hv);
	return 4 + strlen(nn_optim_name(c->opt.kind)) + 6 * 4 + 3 * 8 + 4 * 8 +
	    2 * 8 + 4 * (uint64_t)m->nparams * (uint64_t)(hm + hv);
}

/* The COLS payload: the policy, the columns (name, type, then a numeric
 * fill or the categories and the fill's index), the ID columns. */
static uint64_t
cols_size(const nn_enc *enc)
{
	uint64_t n = 4 + strlen(nn_missing_name(enc->missing)) + 4 + 4;

	for (size_t j = 0; j < enc->ncols && n <= MAX_FILE; j++) {
		const nn_incol *c = &enc->cols[j];
		n += 4 + strlen(c->name) + 4 + strlen(nn_ctype_name(c->type)) + 4;
		if (c->type == NN_CTYPE_NUMERIC) {
			n += 4;
			continue;
		}
		n += 8;
		for (size_t k = 0; k < c->ncat && n <= MAX_FILE; k++)
			n += 4 + strlen(c->cats[k]);
	}
	for (size_t k = 0; k < enc->nid && n <= MAX_FILE; k++)
		n += 4 + strlen(enc->ids[k]);
	n += 4;
	for (size_t k = 0; k < enc->nna && n <= MAX_FILE; k++)
		n += 4 + strlen(enc->na[k]);
	return n;
}

/* Bytes the file of a model that passed the checks below takes; stops
 * counting once past MAX_FILE so the sum cannot overflow. */
static uint64_t
file_size(const nn_model *m)
{
	uint64_t n = HEAD_LEN + 8 * SEC_HEAD + 4;       /* 7 sections + end */

	n += 4 + strlen(nn_task_name(m->task)) + 4 +
	    strlen(nn_loss_name(m->loss)) + 12;
	for (size_t l = 0; l < m->nlayers && n <= MAX_FILE; l++)
		n += 12 + strlen(nn_act_name(m->layers[l].act));
	n += 4 + strlen(nn_scale_name(m->scale)) + 4 + 8 * (uint64_t)m->nin;
	n += 4;
	for (size_t j = 0; j < m->nin && n <= MAX_FILE; j++)
		n += 4 + strlen(m->feat_names[j]);
	n += 4 + strlen(m->target_name) + 8;
	n += 4;
	for (size_t k = 0; k < m->nlabels && n <= MAX_FILE; k++)
		n += 4 + strlen(m->labels[k]);
	n += 8 + 4 + (m->cmdline ? strlen(m->cmdline) : 0) + 4 + 8 + 16;
	n += 8 + 4 * (uint64_t)m->nparams;
	if (needs_layr(m))
		n += SEC_HEAD + layr_size(m);
	if (m->ckpt != NULL)
		n += SEC_HEAD + ckpt_size(m);
	if (m->enc != NULL)
		n += SEC_HEAD + cols_size(m->enc);
	if (m->ranks > 1)
		n += SEC_HEAD + 4;
	return n;
}

/* The checkpoint's rules; m passed the architecture checks. */
static int
check_ckpt(const nn_model *m, nn_err *e)
{
	const nn_ckpt *c = m->ckpt;
	const nn_optim_cfg *o = &c->opt;
	int hm, hv;

	if ((unsigned)o->kind >= NN_OPTIM_COUNT)
		return nn_errf(e, "checkpoint: bad optimizer %d", (int)o->kind);
	if (!isfinite(o->lr) || o->lr <= 0.0f)
		return nn_errf(e, "checkpoint: the rate %g is not positive",
		    (double)o->lr);
	if (!(o->momentum >= 0.0f && o->momentum < 1.0f))
		return nn_errf(e, "checkpoint: momentum %g is not in [0, 1)",
		    (double)o->momentum);
	if (!(o->beta1 >= 0.0f && o->beta1 < 1.0f))
		return nn_errf(e, "checkpoint: beta1 %g is not in [0, 1)",
		    (double)o->beta1);
	if (!(o->beta2 >= 0.0f && o->beta2 <= 1.0f))
		return nn_errf(e, "checkpoint: beta2 %g is not in [0, 1]",
		    (double)o->beta2);
	if (!isfinite(o->eps) || o->eps <= 0.0f)
		return nn_errf(e, "checkpoint: eps %g is not positive",
		    (double)o->eps);
	if (!isfinite(o->weight_decay) || o->weight_decay < 0.0f)
		return nn_errf(e, "checkpoint: weight decay %g is negative or not "
		    "finite", (double)o->weight_decay);
	moments(o->kind, &hm, &hv);
	if ((c->m != NULL) != hm || (c->v != NULL) != hv)
		return nn_errf(e, "checkpoint: the moments do not fit optimizer "
		    "%s", nn_optim_name(o->kind));
	for (size_t i = 0; hm && i < m->nparams; i++)
		if (!isfinite(c->m[i]))
			return nn_errf(e, "checkpoint: first moment %zu is not "
			    "finite", i + 1);
	for (size_t i = 0; hv && i < m->nparams; i++)
		if (!isfinite(c->v[i]) || c->v[i] < 0.0f)
			return nn_errf(e, "checkpoint: second moment %zu is %s",
			    i + 1, isfinite(c->v[i]) ? "negative" : "not finite");
	if ((c->rng.s[0] | c->rng.s[1] | c->rng.s[2] | c->rng.s[3]) == 0)
		return nn_errf(e, "checkpoint: the generator state is all zero");
	if (c->row != 0 && c->row >= m->data_rows)
		return nn_errf(e, "checkpoint: row %ju is past the %ju training "
		    "rows", (uintmax_t)c->row, (uintmax_t)m->data_rows);
	return 0;
}

/* The rules of nn-model(5) on a model in memory.  Fills e without a
 * prefix; the caller adds the file name. */
static int
check_model(const nn_model *m, nn_err *e)
{
	size_t P = 0, S = 0, t;

	if ((unsigned)m->task >= NN_TASK_COUNT)
		return nn_errf(e, "bad task %d", (int)m->task);
	if ((unsigned)m->loss >= NN_LOSS_COUNT)
		return nn_errf(e, "bad loss %d", (int)m->loss);
	if ((unsigned)m->scale >= NN_SCALE_COUNT)
		return nn_errf(e, "bad scaling kind %d", (int)m->scale);
	if (m->enc != NULL && nn_enc_check(m->enc, m->nin, e) < 0)
		return -1;
	if (m->nlayers == 0 || m->layers == NULL)
		return nn_errf(e, "the network has no layers");
	if (m->nlayers > UINT32_MAX || m->nin > UINT32_MAX ||
	    m->nout > UINT32_MAX)
		return nn_errf(e, "the network is too large for the file format");
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		size_t want = l == 0 ? m->nin : m->layers[l - 1].nout;

		if (L->nin == 0 || L->nout == 0)
			return nn_errf(e, "layer %zu has zero width", l + 1);
		if (L->nin > UINT32_MAX || L->nout > UINT32_MAX)
			return nn_errf(e, "layer %zu is too wide for the file "
			    "format", l + 1);
		if (L->nin != want)
			return nn_errf(e, "layer %zu takes %zu inputs but %s %zu",
			    l + 1, L->nin, l == 0 ? "the network has" :
			    "the layer before gives", want);
		if ((unsigned)L->act >= NN_ACT_COUNT)
			return nn_errf(e, "layer %zu: bad activation %d", l + 1,
			    (int)L->act);
		if (L->act == NN_ACT_SOFTMAX && l + 1 != m->nlayers)
			return nn_errf(e, "layer %zu: softmax is allowed on the "
			    "output layer only", l + 1);
		if (L->act == NN_ACT_LEAKY_RELU ? !(L->act_param >= 0.0f &&
		    L->act_param <= 1.0f) : L->act_param != 0.0f)
			return nn_errf(e, "layer %zu: bad %s parameter %g", l + 1,
			    nn_act_name(L->act), (double)L->act_param);
		if (!(L->dropout >= 0.0f && L->dropout < 1.0f))
			return nn_errf(e, "layer %zu: dropout %g is not in [0, 1)",
			    l + 1, (double)L->dropout);
		if (l + 1 == m->nlayers && (L->dropout != 0.0f || L->batchnorm ||
		    L->residual))
			return nn_errf(e, "layer %zu: dropout, batchnorm and "
			    "residual are for hidden layers only", l + 1);
		if (L->residual && L->nin != L->nout)
			return nn_errf(e, "layer %zu: residual, but %zu inputs and "
			    "%zu outputs", l + 1, L->nin, L->nout);
		size_t extra = (L->batchnorm ? 3 : 1) * L->nout;
		if (nn_mul_size(L->nin, L->nout, &t) < 0 ||
		    t > SIZE_MAX - extra || t + extra > SIZE_MAX - P)
			return nn_errf(e, "the network is too large");
		P += t + extra;
		if (L->batchnorm) {
			const float *rm, *rv;
			if (m->stats == NULL || L->s_off > m->nstats ||
			    2 * L->nout > m->nstats - L->s_off)
				return nn_errf(e, "layer %zu: running statistics "
				    "missing", l + 1);
			S += 2 * L->nout;
			rm = m->stats + L->s_off;
			rv = rm + L->nout;
			for (size_t j = 0; j < L->nout; j++) {
				if (!isfinite(rm[j]))
					return nn_errf(e, "layer %zu: running mean %zu "
					    "is not finite", l + 1, j + 1);
				if (!isfinite(rv[j]) || rv[j] < 0.0f)
					return nn_errf(e, "layer %zu: running "
					    "variance %zu is %s", l + 1, j + 1,
					    isfinite(rv[j]) ? "negative" :
					    "not finite");
			}
		}
	}
	if (S != m->nstats)
		return nn_errf(e, "%zu running statistics, but the layers need "
		    "%zu", m->nstats, S);
	if (m->layers[m->nlayers - 1].nout != m->nout)
		return nn_errf(e, "the last layer gives %zu outputs but the "
		    "network has %zu", m->layers[m->nlayers - 1].nout, m->nout);
	if (P != m->nparams)
		return nn_errf(e, "%zu parameters, but the layers need %zu",
		    m->nparams, P);

	switch (m->task) {
	case NN_TASK_BINARY:
		if (m->nout != 1)
			return nn_errf(e, "a binary model has 1 output, not %zu",
			    m->nout);
		if (m->nlabels != 2)
			return nn_errf(e, "a binary model needs 2 labels, not %zu",
			    m->nlabels);
		break;
	case NN_TASK_MULTICLASS:
		if (m->nout < 3)
			return nn_errf(e, "a multiclass model needs at least 3 "
			    "outputs, not %zu", m->nout);
		if (m->nlabels != m->nout)
			return nn_errf(e, "a multiclass model with %zu outputs "
			    "needs %zu labels, not %zu", m->nout, m->nout,
			    m->nlabels);
		break;
	default:
		if (m->nlabels != 0)
			return nn_errf(e, "a regression model has no labels, not "
			    "%zu", m->nlabels);
		break;
	}
	if (m->nlabels > UINT32_MAX || (m->nlabels > 0 && m->labels == NULL))
		return nn_errf(e, "bad label list");
	for (size_t k = 0; k < m->nlabels; k++)
		if (!str_ok(m->labels[k]))
			return nn_errf(e, "label %zu is missing", k + 1);

	if (m->feat_names == NULL)
		return nn_errf(e, "the feature names are missing");
	for (size_t j = 0; j < m->nin; j++)
		if (!str_ok(m->feat_names[j]))
			return nn_errf(e, "the name of feature %zu is missing",
			    j + 1);
	if (!str_ok(m->target_name))
		return nn_errf(e, "the target name is missing");
	if (m->cmdline != NULL && !str_ok(m->cmdline))
		return nn_errf(e, "the command line is too long");
	/* nn-predict maps a file with the training layout column by column:
	 * every column but the target is a feature -- or, with input columns
	 * (COLS), each input column names its place. */
	if (m->enc != NULL) {
		for (size_t j = 0; j < m->enc->ncols; j++)
			if (m->enc->cols[j].src >= m->ncols ||
			    m->enc->cols[j].src == m->target_col)
				return nn_errf(e, "input column \"%.40s\" is at "
				    "column %u of %u, or on the target",
				    m->enc->cols[j].name, m->enc->cols[j].src + 1,
				    m->ncols);
	} else if ((uint64_t)m->ncols != (uint64_t)m->nin + 1)
		return nn_errf(e, "%u data columns, but %zu features and a "
		    "target make %zu", m->ncols, m->nin, m->nin + 1);
	if (m->target_col >= m->ncols)
		return nn_errf(e, "target column %u is outside the %u columns",
		    m->target_col + 1, m->ncols);

	for (size_t j = 0; j < m->nin; j++) {
		if (!isfinite(m->offset[j]))
			return nn_errf(e, "the scaling offset of feature %zu is "
			    "not finite", j + 1);
		if (!isfinite(m->factor[j]))
			return nn_errf(e, "the scaling factor of feature %zu is "
			    "not finite", j + 1);
	}
	for (size_t i = 0; i < m->nparams; i++)
		if (!isfinite(m->params[i]))
			return nn_errf(e, "parameter %zu of %zu is not finite",
			    i + 1, m->nparams);
	if (m->ckpt != NULL && check_ckpt(m, e) < 0)
		return -1;
	/* what the reader would refuse as too large */
	if (file_size(m) > MAX_FILE)
		return nn_errf(e, "the model would take more than %zu bytes, "
		    "the largest file nnkit reads", MAX_FILE);
	return 0;
}

int
nn_model_check(const nn_model *m, nn_err *e)
{
	return check_model(m, e);
}

/* ====================================================================== */
/* Writing                                                                */
/* ====================================================================== */

/* A section payload under construction. */
typedef struct buf {
	unsigned char *p;
	size_t n, cap;
} buf;

static void
put(buf *b, const void *s, size_t n)
{
	if (n > b->cap - b->n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->n < n) {
			if (cap > SIZE_MAX / 2)
				cap = SIZE_MAX; /* nn_xrealloc reports it */
			else
				cap *= 2;
		}
		b->p = nn_xrealloc(b->p, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
enc_u32(unsigned char *c, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(v >> (8 * i));
}

static void
enc_u64(unsigned char *c, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		c[i] = (unsigned char)(v >> (8 * i));
}

static void
put_u32(buf *b, uint32_t v)
{
	unsigned char c[4];

	enc_u32(c, v);
	put(b, c, 4);
}

static void
put_u64(buf *b, uint64_t v)
{
	unsigned char c[8];

	enc_u64(c, v);
	put(b, c, 8);
}

static uint32_t
f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static void
put_f32(buf *b, float f)
{
	put_u32(b, f32_bits(f));
}

/* A string: u32 length, the bytes, no NUL.  NULL is written as "". */
static void
put_str(buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_u32(b, (uint32_t)n);
	put(b, s, n);
}

/* The output stream and the running checksum of what went into it. */
typedef struct out {
	FILE *fp;
	uint32_t crc;
	int bad;
} out;

static void
emit(out *o, const void *p, size_t n)
{
	o->crc = nn_crc32(o->crc, p, n);
	if (!o->bad && fwrite(p, 1, n, o->fp) != n)
		o->bad = 1;
}

static void
emit_head(out *o, const char *tag, uint64_t len)
{
	unsigned char h[SEC_HEAD];

	memcpy(h, tag, 4);
	enc_u64(h + 4, len);
	emit(o, h, sizeof(h));
}

static void
emit_section(out *o, const char *tag, buf *b)
{
	emit_head(o, tag, b->n);
	emit(o, b->p, b->n);
	b->n = 0;
}

/* Emit a model that passed check_model.  Returns 0, or -1 with errno from
 * the failed write. */
static int
emit_model(const nn_model *m, FILE *fp)
{
	out o = { fp, 0, 0 };
	buf b = { NULL, 0, 0 };
	unsigned char c[4 * 1024];

	emit(&o, MAGIC, MAGIC_LEN);
	enc_u32(c, FORMAT_VERSION);
	emit(&o, c, 4);

	put_str(&b, nn_task_name(m->task));
	put_str(&b, nn_loss_name(m->loss));
	put_u32(&b, (uint32_t)m->nin);
	put_u32(&b, (uint32_t)m->nout);
	put_u32(&b, (uint32_t)m->nlayers);
	for (size_t l = 0; l < m->nlayers; l++) {
		put_u32(&b, (uint32_t)m->layers[l].nin);
		put_u32(&b, (uint32_t)m->layers[l].nout);
		put_str(&b, nn_act_name(m->layers[l].act));
	}
	emit_section(&o, sec_tag[S_ARCH], &b);

	if (needs_layr(m)) {
		put_u32(&b, (uint32_t)m->nlayers);
		for (size_t l = 0; l < m->nlayers; l++) {
			const nn_dense *L = &m->layers[l];
			put_f32(&b, L->act_param);
			put_f32(&b, L->dropout);
			put_u32(&b, (L->batchnorm ? F_BATCHNORM : 0) |
			    (L->residual ? F_RESIDUAL : 0));
			for (size_t j = 0; L->batchnorm && j < 2 * L->nout; j++)
				put_f32(&b, m->stats[L->s_off + j]);
		}
		emit_section(&o, sec_tag[S_LAYR], &b);
	}

	put_str(&b, nn_scale_name(m->scale));
	put_u32(&b, (uint32_t)m->nin);
	for (size_t j = 0; j < m->nin; j++)
		put_f32(&b, m->offset[j]);
	for (size_t j = 0; j < m->nin; j++)
		put_f32(&b, m->factor[j]);
	emit_section(&o, sec_tag[S_SCAL], &b);

	put_u32(&b, (uint32_t)m->nin);
	for (size_t j = 0; j < m->nin; j++)
		put_str(&b, m->feat_names[j]);
	emit_section(&o, sec_tag[S_FEAT], &b);

	if (m->enc != NULL) {
		const nn_enc *en = m->enc;
		put_str(&b, nn_missing_name(en->missing));
		put_u32(&b, (uint32_t)en->ncols);
		for (size_t j = 0; j < en->ncols; j++) {
			const nn_incol *c = &en->cols[j];
			put_str(&b, c->name);
			put_str(&b, nn_ctype_name(c->type));
			put_u32(&b, c->src);
			if (c->type == NN_CTYPE_NUMERIC) {
				put_f32(&b, c->fill);
				continue;
			}
			put_u32(&b, (uint32_t)c->ncat);
			for (size_t k = 0; k < c->ncat; k++)
				put_str(&b, c->cats[k]);
			put_u32(&b, c->fill_cat);
		}
		put_u32(&b, (uint32_t)en->nid);
		for (size_t k = 0; k < en->nid; k++)
			put_str(&b, en->ids[k]);
		put_u32(&b, (uint32_t)en->nna);
		for (size_t k = 0; k < en->nna; k++)
			put_str(&b, en->na[k]);
		emit_section(&o, sec_tag[S_COLS], &b);
	}

	put_str(&b, m->target_name);
	put_u32(&b, m->target_col);
	put_u32(&b, m->ncols);
	emit_section(&o, sec_tag[S_TARG], &b);

	put_u32(&b, (uint32_t)m->nlabels);
	for (size_t k = 0; k < m->nlabels; k++)
		put_str(&b, m->labels[k]);
	emit_section(&o, sec_tag[S_LABL], &b);

	put_u64(&b, m->seed);
	put_str(&b, m->cmdline);
	put_u32(&b, m->data_crc);
	put_u64(&b, m->data_rows);
	put_u32(&b, m->epochs);
	put_u32(&b, m->batch);
	put_f32(&b, m->lr);
	put_f32(&b, m->final_loss);
	emit_section(&o, sec_tag[S_META], &b);

	/* only from a run of several processes: ancillary, so that a reader
	 * without it still reads the model */
	if (m->ranks > 1) {
		put_u32(&b, m->ranks);
		emit_section(&o, sec_tag[S_DIST], &b);
	}

	/* The weights go out in pieces, not as one copy of the buffer. */
	emit_head(&o, sec_tag[S_WGHT], 8 + 4 * (uint64_t)m->nparams);
	enc_u64(c, m->nparams);
	emit(&o, c, 8);
	for (size_t i = 0; i < m->nparams; ) {
		size_t k = 0;
		for (; k < sizeof(c) / 4 && i < m->nparams; k++, i++)
			enc_u32(c + 4 * k, f32_bits(m->params[i]));
		emit(&o, c, 4 * k);
	}

	if (m->ckpt != NULL) {
		const nn_ckpt *k = m->ckpt;
		const float *mv[2] = { k->m, k->v };
		put_str(&b, nn_optim_name(k->opt.kind));
		put_f32(&b, k->opt.lr);
		put_f32(&b, k->opt.momentum);
		put_f32(&b, k->opt.beta1);
		put_f32(&b, k->opt.beta2);
		put_f32(&b, k->opt.eps);
		put_f32(&b, k->opt.weight_decay);
		put_u64(&b, k->t);
		put_u64(&b, k->epoch);
		put_u64(&b, k->row);
		for (int i = 0; i < 4; i++)
			put_u64(&b, k->rng.s[i]);
		/* the moments, like the weights, in pieces */
		emit_head(&o, sec_tag[S_CKPT], ckpt_size(m));
		emit(&o, b.p, b.n);
		b.n = 0;
		for (int a = 0; a < 2; a++) {
			size_t n = mv[a] ? m->nparams : 0;
			enc_u64(c, n);
			emit(&o, c, 8);
			for (size_t i = 0; i < n; ) {
				size_t j = 0;
				for (; j < sizeof(c) / 4 && i < n; j++, i++)
					enc_u32(c + 4 * j, f32_bits(mv[a][i]));
				emit(&o, c, 4 * j);
			}
		}
	}
	free(b.p);

	emit_head(&o, END_TAG, 0);
	enc_u32(c, o.crc);
	if (!o.bad && fwrite(c, 1, 4, fp) != 4)
		o.bad = 1;
	return o.bad ? -1 : 0;
}

int
nn_model_write(const nn_model *m, FILE *fp, nn_err *e)
{
	nn_err ce;

	if (check_model(m, &ce) < 0)
		return nn_errf(e, "cannot write model: %s", ce.msg);
	if (emit_model(m, fp) < 0 || fflush(fp) == EOF)
		return nn_errf(e, "writing model: %s", strerror(errno));
	return 0;
}

/* ====================================================================== */
/* Reading: the stream                                                    */
/* ====================================================================== */

/*
 * The file is read once, front to back, and never held whole.  Each
 * section header is checked as it arrives -- its tag, its length against
 * what a model file can hold and, once ARCH is known, against what the
 * architecture implies -- and its payload is parsed field by field into
 * the model.  Arrays grow as their items arrive (grow, below), never beyond
 * the count the file claims, so a stream that claims more than it sends
 * costs what it sent and a model costs what it holds.  A section that
 * needs the architecture and comes before ARCH (nnkit writes ARCH first;
 * the format allows any order) is held in memory until ARCH comes.  The
 * checksum is computed as the bytes go by and compared at the end; a field
 * refused before it sends the reader on to it, keeping nothing (damaged,
 * below), so that a damaged file is reported as damaged.
 */

#define CHUNK 4096              /* floats or bytes read at a time */
/* Trailing bytes after the checksum counted before giving up. */
#define TRAIL_MAX ((size_t)1 << 20)

static uint32_t
dec_u32(const unsigned char *c)
{
	return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
	    (uint32_t)c[3] << 24;
}

static uint64_t
dec_u64(const unsigned char *c)
{
	return (uint64_t)dec_u32(c) | (uint64_t)dec_u32(c + 4) << 32;
}

/* Check as much of magic and version as the first n bytes hold. */
static int
check_head(const unsigned char *d, size_t n, const char *name, nn_err *e)
{
	uint32_t v;

	if (memcmp(d, MAGIC, n < MAGIC_LEN ? n : MAGIC_LEN) != 0)
		return nn_errf(e, "%s: not an nnkit model", name);
	if (n < HEAD_LEN)
		return 0;
	v = dec_u32(d + MAGIC_LEN);
	if (v > FORMAT_VERSION)
		return nn_errf(e, "%s: model format version %u is newer than "
		    "this nnkit (%u)", name, v, FORMAT_VERSION);
	if (v == 0)
		return nn_errf(e, "%s: bad model format version 0", name);
	return 0;
}

/* The file as it arrives: how far, and the checksum so far. */
typedef struct src {
	FILE *fp;
	const char *name;
	uint64_t pos;           /* bytes read */
	uint32_t crc;           /* their CRC-32 */
} src;

/* Up to n bytes into p; returns how many came. */
static size_t
src_read(src *s, void *p, size_t n)
{
	size_t k = n ? fread(p, 1, n, s->fp) : 0;

	s->crc = nn_crc32(s->crc, p, k);
	s->pos += k;
	return k;
}

/* After a short read: the read error (gzip's message, or errno's), or
 * else the truncation `what` describes. */
static int
src_short(const src *s, nn_err *e, const char *what)
{
	if (ferror(s->fp)) {
		int err = errno;
		const char *why = nn_input_error(s->fp);        /* gzip's */
		return nn_errf(e, "%s: %s%s", s->name, why ? "" : "read error: ",
		    why ? why : strerror(err));
	}
	return nn_errf(e, "%s: truncated (%s)", s->name, what);
}

/* Room for need items (need <= n) in *v, an array of *cap items of size sz:
 * doubled as items arrive, never beyond n, the new part zeroed.  A count
 * read from a file is only a claim until its items have arrived. */
static void *
grow(void *v, size_t *cap, size_t need, size_t n, size_t sz)
{
	size_t c = *cap, bytes;

	if (need <= c)
		return v;
	c = c < 32 ? 64 : c > SIZE_MAX / 2 ? SIZE_MAX : 2 * c;
	if (c < need)
		c = need;
	if (c > n)
		c = n;
	if (nn_mul_size(c, sz, &bytes) < 0)
		bytes = SIZE_MAX;       /* nn_xrealloc reports it */
	v = nn_xrealloc(v, bytes);
	memset((char *)v + *cap * sz, 0, (c - *cap) * sz);
	*cap = c;
	return v;
}

/* ====================================================================== */
/* Reading: fields                                                        */
/* ====================================================================== */

/* A cursor over one section's payload, read from the stream or, for a
 * section held until ARCH came, from memory. */
typedef struct rd {
	src *s;                 /* the stream, or NULL: the payload is p */
	const unsigned char *p;
	uint64_t n, off;        /* payload length, position in it */
	uint64_t base;          /* file offset of the payload */
	const char *name;       /* the file, for messages */
	const char *tag;
	nn_err *e;
} rd;

static int __attribute__((format(printf, 2, 3)))
rd_fail(rd *r, const char *fmt, ...)
{
	nn_err tmp;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp.msg, sizeof(tmp.msg), fmt, ap);
	va_end(ap);
	return nn_errf(r->e, "%s: %s section, byte %ju: %s", r->name, r->tag,
	    (uintmax_t)(r->base + r->off), tmp.msg);
}

static uint64_t
rd_left(const rd *r)
{
	return r->n - r->off;
}

/* k bytes of the payload (k <= rd_left) into d. */
static int
get_raw(rd *r, void *d, size_t k)
{
	char what[160];
	size_t got;

	if (r->s == NULL) {
		memcpy(d, r->p + r->off, k);
		r->off += k;
		return 0;
	}
	got = src_read(r->s, d, k);
	r->off += got;
	if (got == k)
		return 0;
	snprintf(what, sizeof(what), "section %s at byte %ju needs %ju bytes, "
	    "%ju are left", r->tag, (uintmax_t)(r->base - SEC_HEAD),
	    (uintmax_t)r->n, (uintmax_t)r->off);
	return src_short(r->s, r->e, what);
}

static int
get_u32(rd *r, uint32_t *v, const char *what)
{
	unsigned char c[4];

	*v = 0;         /* defined even on failure: no compiler need guess */
	if (rd_left(r) < 4)
		return rd_fail(r, "%s runs past the end of the section", what);
	if (get_raw(r, c, 4) < 0)
		return -1;
	*v = dec_u32(c);
	return 0;
}

static int
get_u64(rd *r, uint64_t *v, const char *what)
{
	unsigned char c[8];

	*v = 0;
	if (rd_left(r) < 8)
		return rd_fail(r, "%s runs past the end of the section", what);
	if (get_raw(r, c, 8) < 0)
		return -1;
	*v = dec_u64(c);
	return 0;
}

static int
get_f32(rd *r, float *v, const char *what)
{
	uint32_t u;

	if (get_u32(r, &u, what) < 0)
		return -1;
	memcpy(v, &u, 4);
	return 0;
}

/* Is value i (0-based) of an array acceptable?  If not, says so through
 * rd_fail (r->off is at the value) and returns -1. */
typedef int (*f32_ok)(rd *r, size_t i, float v, const void *ctx);

/* n floats into (*v)[at, at + n), *v grown as they arrive to at most lim
 * (>= at + n) floats; each must pass ok. */
static int
get_f32s(rd *r, float **v, size_t *cap, size_t lim, size_t at, size_t n,
    const char *what, f32_ok ok, const void *ctx)
{
	unsigned char c[4 * CHUNK];

	if (rd_left(r) / 4 < n)
		return rd_fail(r, "the %s run past the end of the section", what);
	for (size_t i = 0; i < n; ) {
		const size_t k = n - i < CHUNK ? n - i : CHUNK;
		const uint64_t o = r->off;

		*v = grow(*v, cap, at + i + k, lim, sizeof(float));
		if (get_raw(r, c, 4 * k) < 0)
			return -1;
		for (size_t j = 0; j < k; j++) {
			uint32_t u = dec_u32(c + 4 * j);
			float f;
			memcpy(&f, &u, 4);
			(*v)[at + i + j] = f;
			r->off = o + 4 * j;
			if (ok != NULL && ok(r, i + j, f, ctx) < 0)
				return -1;
		}
		r->off = o + 4 * k;
		i += k;
	}
	return 0;
}

/* A string into a new NUL-terminated copy (owned by the caller), grown as
 * its bytes arrive. */
static int
get_str(rd *r, char **s, const char *what)
{
	uint32_t len;
	size_t have = 0, cap = 0;
	uint64_t at;
	char *p = NULL;

	*s = NULL;
	if (get_u32(r, &len, what) < 0)
		return -1;
	if (len > rd_left(r)) {
		r->off -= 4;
		return rd_fail(r, "%s: length %u exceeds the %ju bytes left in "
		    "the section", what, len, (uintmax_t)rd_left(r) - 4);
	}
	at = r->off;
	do {
		size_t k = len - have < CHUNK ? len - have : CHUNK;
		p = grow(p, &cap, have + k + 1, (size_t)len + 1, 1);
		if (get_raw(r, p + have, k) < 0) {
			free(p);
			return -1;
		}
		have += k;
	} while (have < len);
	p[len] = '\0';
	if (memchr(p, '\0', len) != NULL) {
		free(p);
		r->off = at;
		return rd_fail(r, "%s contains a NUL byte", what);
	}
	*s = p;
	return 0;
}

/* A name looked up in one of the library's tables. */
static int
get_enum(rd *r, const char *what, int (*lookup)(const char *, void *),
    void *out)
{
	uint64_t at = r->off;
	char *s;
	int rc = 0;

	if (get_str(r, &s, what) < 0)
		return -1;
	if (lookup(s, out) < 0) {
		size_t len = strlen(s);
		/* one line, whatever the bytes */
		for (size_t i = 0; i < len && i < QUOTE_MAX; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				s[i] = '?';
		r->off = at;
		rc = rd_fail(r, "unknown %s \"%.*s%s\"", what,
		    (int)(len > QUOTE_MAX ? QUOTE_MAX : len), s,
		    len > QUOTE_MAX ? "..." : "");
	}
	free(s);
	return rc;
}

/* The lookups take typed pointers; adapt them to one signature. */
static int look_task(const char *s, void *o) { return nn_task_lookup(s, o); }
static int look_loss(const char *s, void *o) { return nn_loss_lookup(s, o); }
static int look_act(const char *s, void *o) { return nn_act_lookup(s, o); }
static int look_scale(const char *s, void *o) { return nn_scale_lookup(s, o); }
static int look_opt(const char *s, void *o) { return nn_optim_lookup(s, o); }

static int
get_end(rd *r)
{
	if (rd_left(r) != 0)
		return rd_fail(r, "%ju bytes left over after the last field",
		    (uintmax_t)rd_left(r));
	return 0;
}

/* A count of items that take at least `least` bytes each: refused when
 * the section cannot hold them. */
static int
get_count(rd *r, uint32_t *v, size_t least, const char *what)
{
	if (get_u32(r, v, what) < 0)
		return -1;
	if (*v > rd_left(r) / least) {
		r->off -= 4;
		return rd_fail(r, "%s %u is more than the section can hold", what,
		    *v);
	}
	return 0;
}

/* ====================================================================== */
/* Reading: sections                                                      */
/* ====================================================================== */

/* What the reader knows so far. */
typedef struct ld {
	src s;
	nn_err *e;
	nn_model *m;            /* filled as the sections come */
	int seen[S_COUNT];
	/* ARCH, then LAYR */
	int arch;               /* ARCH has been read */
	size_t nl;
	size_t *sizes;          /* (nl + 1) */
	nn_act *acts;           /* (nl) */
	nn_layer_opts *lo;      /* (nl) the defaults until LAYR */
	size_t plo, phi;        /* parameters the layers need: from plo
	                           (no batchnorm) to phi (batchnorm on every
	                           hidden layer) until LAYR says */
	/* capacities of the arrays growing in m */
	size_t scap, ocap, fcap, ncap, pcap, mcap[2];
	size_t nfeat;           /* feature names read */
	uint64_t nw, w_at;      /* WGHT's parameter count, its offset */
	uint64_t nmom[2], mom_at[2]; /* ckpt's moment counts, their offsets */
	/* sections that came before ARCH, held until it comes */
	unsigned char *held[S_COUNT];
	uint64_t held_n[S_COUNT], held_at[S_COUNT];
} ld;

static int
finite_ok(rd *r, size_t i, float v, const void *what)
{
	if (isfinite(v))
		return 0;
	return rd_fail(r, "the %s of feature %zu is not finite",
	    (const char *)what, i + 1);
}

static int
param_ok(rd *r, size_t i, float v, const void *n)
{
	if (isfinite(v))
		return 0;
	return rd_fail(r, "parameter %zu of %ju is not finite", i + 1,
	    (uintmax_t)*(const uint64_t *)n);
}

static int
mean_ok(rd *r, size_t i, float v, const void *l)
{
	if (isfinite(v))
		return 0;
	return rd_fail(r, "layer %zu: running mean %zu is not finite",
	    *(const size_t *)l + 1, i + 1);
}

static int
var_ok(rd *r, size_t i, float v, const void *l)
{
	if (isfinite(v) && v >= 0.0f)
		return 0;
	return rd_fail(r, "layer %zu: running variance %zu is %s",
	    *(const size_t *)l + 1, i + 1, isfinite(v) ? "negative" :
	    "not finite");
}

static int
moment1_ok(rd *r, size_t i, float v, const void *ctx)
{
	(void)ctx;
	if (isfinite(v))
		return 0;
	return rd_fail(r, "first moment %zu is not finite", i + 1);
}

static int
moment2_ok(rd *r, size_t i, float v, const void *ctx)
{
	(void)ctx;
	if (isfinite(v) && v >= 0.0f)
		return 0;
	return rd_fail(r, "second moment %zu is %s", i + 1, isfinite(v) ?
	    "negative" : "not finite");
}

/* Parameters the layers need, or -1 on overflow. */
static int
count_params(size_t nl, const size_t *sizes, const nn_layer_opts *lo,
    size_t *P)
{
	size_t t, extra;

	*P = 0;
	for (size_t l = 0; l < nl; l++) {
		if (sizes[l + 1] > SIZE_MAX / 3)
			return -1;
		extra = (lo[l].batchnorm ? 3 : 1) * sizes[l + 1];
		if (nn_mul_size(sizes[l], sizes[l + 1], &t) < 0 ||
		    t > SIZE_MAX - extra || t + extra > SIZE_MAX - *P)
			return -1;
		*P += t + extra;
	}
	return 0;
}

/* ARCH: task, loss, nin, nout, layers; checked to chain. */
static int
read_arch(rd *r, ld *L)
{
	nn_model *m = L->m;
	uint32_t nin, nout, n, a, b;
	size_t scap = 0, acap = 0;

	if (get_enum(r, "task", look_task, &m->task) < 0 ||
	    get_enum(r, "loss", look_loss, &m->loss) < 0 ||
	    get_u32(r, &nin, "input count") < 0 ||
	    get_u32(r, &nout, "output count") < 0)
		return -1;
	if (nin == 0 || nout == 0)
		return rd_fail(r, "the network has no %s",
		    nin == 0 ? "inputs" : "outputs");
	/* per layer: two u32 and a string of at least its length */
	if (get_count(r, &n, 12, "layer count") < 0)
		return -1;
	if (n == 0)
		return rd_fail(r, "the network has no layers");
	L->sizes = grow(L->sizes, &scap, 1, (size_t)n + 1, sizeof(*L->sizes));
	L->sizes[0] = nin;
	for (uint32_t l = 0; l < n; l++) {
		L->sizes = grow(L->sizes, &scap, (size_t)l + 2, (size_t)n + 1,
		    sizeof(*L->sizes));
		L->acts = grow(L->acts, &acap, (size_t)l + 1, n,
		    sizeof(*L->acts));
		if (get_u32(r, &a, "layer inputs") < 0 ||
		    get_u32(r, &b, "layer outputs") < 0)
			return -1;
		if (a == 0 || b == 0) {
			r->off -= 8;
			return rd_fail(r, "layer %u has zero width", l + 1);
		}
		if (a != L->sizes[l]) {
			r->off -= 8;
			if (l == 0)
				return rd_fail(r, "layer 1 takes %u inputs but the "
				    "network has %u", a, nin);
			return rd_fail(r, "layer %u takes %u inputs but layer %u "
			    "gives %zu", l + 1, a, l, L->sizes[l]);
		}
		L->sizes[l + 1] = b;
		if (get_enum(r, "activation", look_act, &L->acts[l]) < 0)
			return -1;
	}
	L->nl = n;
	if (L->sizes[n] != nout)
		return rd_fail(r, "the last layer gives %zu outputs but the "
		    "network has %u", L->sizes[n], nout);
	if (get_end(r) < 0)
		return -1;

	/* every layer plain until LAYR says otherwise; the parameters from
	 * none to every hidden layer batch-normalised */
	m->nin = nin;
	m->nout = nout;
	L->lo = nn_xcalloc(L->nl, sizeof(*L->lo));
	for (size_t l = 0; l < L->nl; l++) {
		L->lo[l].act = L->acts[l];
		L->lo[l].act_param = nn_act_param_default(L->acts[l]);
	}
	if (count_params(L->nl, L->sizes, L->lo, &L->plo) < 0)
		return nn_errf(L->e, "%s: the network is too large", L->s.name);
	L->phi = L->plo;
	for (size_t l = 0; l + 1 < L->nl; l++) {
		if (L->sizes[l + 1] > (SIZE_MAX - L->phi) / 2)
			return nn_errf(L->e, "%s: the network is too large",
			    L->s.name);
		L->phi += 2 * L->sizes[l + 1];
	}
	L->arch = 1;
	return 0;
}

/* LAYR: the layer count, then per layer the activation parameter, the
 * dropout rate, the flags and, with batchnorm, the running mean and
 * variance (into m->stats, in the order of the layers' s_off). */
static int
read_layr(rd *r, ld *L)
{
	nn_model *m = L->m;
	const size_t nl = L->nl;
	size_t smax = 0;        /* statistics of every hidden layer */
	uint32_t n, flags;

	for (size_t l = 0; l + 1 < nl; l++)
		smax += 2 * L->sizes[l + 1];    /* below phi: no overflow */

	if (get_count(r, &n, 12, "layer count") < 0)
		return -1;
	if (n != nl) {
		r->off -= 4;
		return rd_fail(r, "%u layers, but the architecture has %zu", n, nl);
	}
	for (size_t l = 0; l < nl; l++) {
		nn_layer_opts *o = &L->lo[l];
		const size_t nout = L->sizes[l + 1];
		const int hidden = l + 1 < nl;

		if (get_f32(r, &o->act_param, "activation parameter") < 0)
			return -1;
		if (o->act == NN_ACT_LEAKY_RELU ? !(o->act_param >= 0.0f &&
		    o->act_param <= 1.0f) : o->act_param != 0.0f) {
			r->off -= 4;
			return rd_fail(r, "layer %zu: %s parameter %g (%s)", l + 1,
			    nn_act_name(o->act), (double)o->act_param,
			    o->act == NN_ACT_LEAKY_RELU ? "the slope must be in "
			    "[0, 1]" : "it takes none: 0");
		}
		if (get_f32(r, &o->dropout, "dropout") < 0)
			return -1;
		if (!(o->dropout >= 0.0f && o->dropout < 1.0f) ||
		    (!hidden && o->dropout != 0.0f)) {
			r->off -= 4;
			return rd_fail(r, "layer %zu: dropout %g %s", l + 1,
			    (double)o->dropout, hidden ? "is not in [0, 1)" :
			    "on the output layer");
		}
		if (get_u32(r, &flags, "layer flags") < 0)
			return -1;
		if ((flags & ~F_KNOWN) != 0 || (!hidden && flags != 0)) {
			r->off -= 4;
			return rd_fail(r, "layer %zu: %s flags 0x%x", l + 1,
			    hidden ? "unknown" : "output layer with", flags);
		}
		o->batchnorm = (flags & F_BATCHNORM) != 0;
		o->residual = (flags & F_RESIDUAL) != 0;
		if (o->residual && L->sizes[l] != nout) {
			r->off -= 4;
			return rd_fail(r, "layer %zu: residual, but %zu inputs and "
			    "%zu outputs", l + 1, L->sizes[l], nout);
		}
		if (!o->batchnorm)
			continue;
		if (rd_left(r) / 8 < nout)
			return rd_fail(r, "layer %zu: running statistics run past "
			    "the end of the section", l + 1);
		/* below phi: no overflow */
		if (get_f32s(r, &m->stats, &L->scap, smax, m->nstats, nout,
		    "running means", mean_ok, &l) < 0)
			return -1;
		m->nstats += nout;
		if (get_f32s(r, &m->stats, &L->scap, smax, m->nstats, nout,
		    "running variances", var_ok, &l) < 0)
			return -1;
		m->nstats += nout;
	}
	if (get_end(r) < 0)
		return -1;
	if (count_params(nl, L->sizes, L->lo, &L->plo) < 0)
		return nn_errf(L->e, "%s: the network is too large", L->s.name);
	L->phi = L->plo;
	return 0;
}

static int
read_scal(rd *r, ld *L)
{
	nn_model *m = L->m;
	uint32_t n;

	if (get_enum(r, "scaling kind", look_scale, &m->scale) < 0 ||
	    get_count(r, &n, 8, "feature count") < 0)
		return -1;
	if (n != m->nin) {
		r->off -= 4;
		return rd_fail(r, "scaling count %u does not match the network's "
		    "%zu inputs", n, m->nin);
	}
	if (get_f32s(r, &m->offset, &L->ocap, m->nin, 0, m->nin, "offsets",
	    finite_ok, "offset") < 0 ||
	    get_f32s(r, &m->factor, &L->fcap, m->nin, 0, m->nin, "factors",
	    finite_ok, "factor") < 0)
		return -1;
	return get_end(r);
}

static int
read_feat(rd *r, ld *L)
{
	nn_model *m = L->m;
	size_t cap = 0;
	uint32_t n;

	if (get_count(r, &n, 4, "feature count") < 0)
		return -1;
	if (n != m->nin) {
		r->off -= 4;
		return rd_fail(r, "feature name count %u does not match the "
		    "network's %zu inputs", n, m->nin);
	}
	for (size_t j = 0; j < m->nin; j++) {
		m->feat_names = grow(m->feat_names, &cap, j + 1, m->nin,
		    sizeof(*m->feat_names));
		if (get_str(r, &m->feat_names[j], "feature name") < 0)
			return -1;
		L->nfeat = j + 1;
	}
	return get_end(r);
}

static int look_missing(const char *s, void *o) { return nn_missing_lookup(s, o); }
static int look_ctype(const char *s, void *o) { return nn_ctype_lookup(s, o); }

/* Every count is checked against the bytes left in the section, and each
 * array grows as its items come. */
static int
read_cols(rd *r, ld *L)
{
	nn_model *m = L->m;
	nn_enc *en = m->enc = nn_xcalloc(1, sizeof(*en));
	uint32_t n;
	size_t off = 0, cap = 0;
	nn_err ce;

	if (get_enum(r, "missing-value policy", look_missing, &en->missing) < 0 ||
	    get_count(r, &n, 12, "column count") < 0)
		return -1;
	for (uint32_t j = 0; j < n; j++) {
		en->cols = grow(en->cols, &cap, (size_t)j + 1, n,
		    sizeof(*en->cols));
		nn_incol *c = &en->cols[j];
		size_t ccap = 0;
		en->ncols = j + 1;
		if (get_str(r, &c->name, "column name") < 0 ||
		    get_enum(r, "column type", look_ctype, &c->type) < 0 ||
		    get_u32(r, &c->src, "source column") < 0)
			return -1;
		if (c->src >= m->ncols && m->ncols > 0) {
			r->off -= 4;
			return rd_fail(r, "column \"%.40s\" at %u of %u", c->name,
			    c->src + 1, m->ncols);
		}
		c->off = off;
		if (c->type == NN_CTYPE_NUMERIC) {
			if (get_f32(r, &c->fill, "fill value") < 0)
				return -1;
			off++;
			continue;
		}
		uint32_t k;
		if (get_count(r, &k, 4, "category count") < 0)
			return -1;
		for (uint32_t i = 0; i < k; i++) {
			c->cats = grow(c->cats, &ccap, (size_t)i + 1, k,
			    sizeof(*c->cats));
			c->ncat = i + 1;
			if (get_str(r, &c->cats[i], "category") < 0)
				return -1;
		}
		if (get_u32(r, &c->fill_cat, "fill category") < 0)
			return -1;
		off += k;
	}
	if (get_count(r, &n, 4, "ID column count") < 0)
		return -1;
	cap = 0;
	for (uint32_t k = 0; k < n; k++) {
		en->ids = grow(en->ids, &cap, (size_t)k + 1, n, sizeof(*en->ids));
		en->nid = k + 1;
		if (get_str(r, &en->ids[k], "ID column name") < 0)
			return -1;
	}
	if (get_count(r, &n, 4, "missing-value token count") < 0)
		return -1;
	cap = 0;
	for (uint32_t k = 0; k < n; k++) {
		en->na = grow(en->na, &cap, (size_t)k + 1, n, sizeof(*en->na));
		en->nna = k + 1;
		if (get_str(r, &en->na[k], "missing-value token") < 0)
			return -1;
	}
	if (nn_enc_check(en, m->nin, &ce) < 0)
		return rd_fail(r, "%s", ce.msg);
	return get_end(r);
}

static int
read_targ(rd *r, ld *L)
{
	nn_model *m = L->m;

	if (get_str(r, &m->target_name, "target name") < 0 ||
	    get_u32(r, &m->target_col, "target column") < 0 ||
	    get_u32(r, &m->ncols, "column count") < 0)
		return -1;
	return get_end(r);
}

static int
read_labl(rd *r, ld *L)
{
	nn_model *m = L->m;
	size_t cap = 0;
	uint32_t n;

	if (get_count(r, &n, 4, "label count") < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		m->labels = grow(m->labels, &cap, k + 1, n, sizeof(*m->labels));
		m->nlabels = k + 1;
		if (get_str(r, &m->labels[k], "label") < 0)
			return -1;
	}
	return get_end(r);
}

static int
read_meta(rd *r, ld *L)
{
	nn_model *m = L->m;
	uint64_t rows;

	if (get_u64(r, &m->seed, "seed") < 0 ||
	    get_str(r, &m->cmdline, "command line") < 0 ||
	    get_u32(r, &m->data_crc, "data checksum") < 0 ||
	    get_u64(r, &rows, "row count") < 0 ||
	    get_u32(r, &m->epochs, "epochs") < 0 ||
	    get_u32(r, &m->batch, "batch size") < 0 ||
	    get_f32(r, &m->lr, "learning rate") < 0 ||
	    get_f32(r, &m->final_loss, "final loss") < 0)
		return -1;
	m->data_rows = rows;
	return get_end(r);
}

/* The number of processes of a distributed run; written only for two or
 * more. */
static int
read_dist(rd *r, ld *L)
{
	uint32_t p;

	if (get_u32(r, &p, "rank count") < 0)
		return -1;
	if (p < 2)
		return rd_fail(r, "%u ranks (written only for 2 or more)",
		    (unsigned)p);
	L->m->ranks = p;
	return get_end(r);
}

/* The section's length was checked against the architecture when its
 * header came (check_len). */
static int
read_wght(rd *r, ld *L)
{
	uint64_t n;

	L->w_at = r->base;
	if (get_u64(r, &n, "parameter count") < 0)
		return -1;
	if (n < L->plo || n > L->phi) {
		r->off -= 8;
		return rd_fail(r, "%ju parameters, but the layers need %zu",
		    (uintmax_t)n, L->plo);
	}
	if (n != (r->n - 8) / 4) {
		r->off -= 8;
		return rd_fail(r, "%ju parameters, but the section holds %ju",
		    (uintmax_t)n, (uintmax_t)(r->n - 8) / 4);
	}
	L->nw = n;
	if (get_f32s(r, &L->m->params, &L->pcap, (size_t)n, 0, (size_t)n,
	    "parameters", param_ok, &L->nw) < 0)
		return -1;
	return get_end(r);
}

/* ckpt: the optimizer, its settings, counters, the generator, then the
 * moment arrays, each a count (P, or 0 when the optimizer keeps none) and
 * the values.  Attached to m as it is read, so a failure frees it with m. */
static int
read_ckpt(rd *r, ld *L)
{
	nn_ckpt *c = L->m->ckpt = nn_xcalloc(1, sizeof(*c));
	float **mv[2] = { &c->m, &c->v };
	static const char *const what[2] = { "first moment", "second moment" };
	static const char *const whats[2] = { "first moments",
		"second moments" };
	const f32_ok ok[2] = { moment1_ok, moment2_ok };
	int has[2];

	if (get_enum(r, "optimizer", look_opt, &c->opt.kind) < 0 ||
	    get_f32(r, &c->opt.lr, "rate") < 0 ||
	    get_f32(r, &c->opt.momentum, "momentum") < 0 ||
	    get_f32(r, &c->opt.beta1, "beta1") < 0 ||
	    get_f32(r, &c->opt.beta2, "beta2") < 0 ||
	    get_f32(r, &c->opt.eps, "eps") < 0 ||
	    get_f32(r, &c->opt.weight_decay, "weight decay") < 0 ||
	    get_u64(r, &c->t, "step count") < 0 ||
	    get_u64(r, &c->epoch, "epoch") < 0 ||
	    get_u64(r, &c->row, "row") < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		if (get_u64(r, &c->rng.s[i], "generator state") < 0)
			return -1;
	moments(c->opt.kind, &has[0], &has[1]);
	for (int a = 0; a < 2; a++) {
		uint64_t n;

		L->mom_at[a] = r->base + r->off;
		if (get_u64(r, &n, "moment count") < 0)
			return -1;
		if (has[a] ? n < L->plo || n > L->phi : n != 0) {
			r->off -= 8;
			return rd_fail(r, "%ju %ss, but %s keeps %zu", (uintmax_t)n,
			    what[a], nn_optim_name(c->opt.kind), has[a] ?
			    L->plo : 0);
		}
		L->nmom[a] = n;
		if (n == 0)
			continue;
		if (rd_left(r) / 4 < n)
			return rd_fail(r, "the %ss run past the end of the section",
			    what[a]);
		if (get_f32s(r, mv[a], &L->mcap[a], (size_t)n, 0, (size_t)n,
		    whats[a], ok[a], NULL) < 0)
			return -1;
	}
	return get_end(r);
}

static int
tag_ok(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* Sections whose reading needs the architecture. */
static int
needs_arch(int k)
{
	return k != S_ARCH && k != S_TARG && k != S_LABL && k != S_META &&
	    k != S_DIST;
}

static int
read_section(ld *L, int k, rd *r)
{
	switch (k) {
	case S_ARCH: return read_arch(r, L);
	case S_LAYR: return read_layr(r, L);
	case S_SCAL: return read_scal(r, L);
	case S_FEAT: return read_feat(r, L);
	case S_COLS: return read_cols(r, L);
	case S_TARG: return read_targ(r, L);
	case S_LABL: return read_labl(r, L);
	case S_META: return read_meta(r, L);
	case S_WGHT: return read_wght(r, L);
	case S_DIST: return read_dist(r, L);
	default: return read_ckpt(r, L);
	}
}

/* The longest name in a table, for the bounds of a section. */
static size_t
longest(const char *(*name)(int), int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		if (strlen(name(i)) > len)
			len = strlen(name(i));
	return len;
}

static const char *scale_nm(int i) { return nn_scale_name((nn_scale)i); }
static const char *optim_nm(int i) { return nn_optim_name((nn_optim_kind)i); }

/* a + b x, or UINT64_MAX when that does not fit */
static uint64_t
sat(uint64_t a, uint64_t b, uint64_t x)
{
	return x > (UINT64_MAX - a) / b ? UINT64_MAX : a + b * x;
}

/* A section's length against what the architecture implies, before its
 * payload is read: the weights exactly (a range until LAYR has said which
 * layers have batchnorm), LAYR, SCAL and ckpt at most. */
static int
check_len(ld *L, int k, rd *r)
{
	const uint64_t len = r->n;
	uint64_t most = UINT64_MAX, lo, hi;
	size_t hidden = 0;

	if (!L->arch)
		return 0;
	for (size_t l = 0; l + 1 < L->nl; l++)
		hidden += L->sizes[l + 1];      /* below phi: no overflow */
	switch (k) {
	case S_WGHT:
		if (L->plo > (SIZE_MAX - 8) / 4)
			return nn_errf(L->e, "%s: the network is too large",
			    L->s.name);
		lo = sat(8, 4, L->plo);
		hi = sat(8, 4, L->phi);
		if (len < lo || len > hi || (len - 8) % 4 != 0)
			return rd_fail(r, "%ju bytes, but %zu parameters take %ju",
			    (uintmax_t)len, L->plo, (uintmax_t)lo);
		return 0;
	case S_LAYR:
		most = sat(4 + 12 * (uint64_t)L->nl, 8, hidden);
		break;
	case S_SCAL:
		most = sat(8 + longest(scale_nm, NN_SCALE_COUNT), 8, L->m->nin);
		break;
	case S_CKPT:
		most = sat(4 + longest(optim_nm, NN_OPTIM_COUNT) + 6 * 4 + 3 * 8 +
		    4 * 8 + 2 * 8, 8, L->phi);
		break;
	}
	if (len > most)
		return rd_fail(r, "%ju bytes, more than the architecture allows "
		    "(%ju)", (uintmax_t)len, (uintmax_t)most);
	return 0;
}

/* After ARCH: the sections held for it, LAYR first (it fixes the
 * parameter count). */
static int
read_held(ld *L)
{
	static const int order[] = { S_LAYR, S_SCAL, S_FEAT, S_COLS, S_WGHT,
		S_CKPT };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const int k = order[i];
		rd r;
		int rc;

		if (L->held_at[k] == 0)         /* not held */
			continue;
		r = (rd){ NULL, L->held[k], L->held_n[k], 0, L->held_at[k],
		    L->s.name, sec_tag[k], L->e };
		rc = check_len(L, k, &r) < 0 ? -1 : read_section(L, k, &r);
		free(L->held[k]);
		L->held[k] = NULL;
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Pass over a payload of n bytes (an ancillary section nnkit does not
 * know), or keep it in *keep (a section that came before ARCH). */
static int
pass(ld *L, const char *tag, uint64_t n, unsigned char **keep)
{
	unsigned char c[CHUNK];
	const uint64_t at = L->s.pos;
	size_t cap = 0;
	char what[160];

	for (uint64_t have = 0; have < n; ) {
		size_t k = n - have < CHUNK ? (size_t)(n - have) : CHUNK, got;
		unsigned char *to = c;

		if (keep != NULL) {
			*keep = grow(*keep, &cap, (size_t)(have + k), (size_t)n, 1);
			to = *keep + have;
		}
		got = src_read(&L->s, to, k);
		have += got;
		if (got < k) {
			snprintf(what, sizeof(what), "section %.4s at byte %ju "
			    "needs %ju bytes, %ju are left", tag,
			    (uintmax_t)(at - SEC_HEAD), (uintmax_t)n,
			    (uintmax_t)have);
			return src_short(&L->s, L->e, what);
		}
	}
	return 0;
}

/* The next section header into h and *len, checked for what it alone can
 * say: 1 for the end section, 0 for another, -1 for a bad one. */
static int
next_header(ld *L, unsigned char *h, uint64_t *len)
{
	const uint64_t off = L->s.pos;
	const char *name = L->s.name;
	char what[80];

	if (src_read(&L->s, h, SEC_HEAD) < SEC_HEAD) {
		snprintf(what, sizeof(what), "%s at byte %ju is cut short",
		    off == HEAD_LEN ? "the first section" : "a section header",
		    (uintmax_t)off);
		return src_short(&L->s, L->e, what);
	}
	if (!tag_ok(h))
		return nn_errf(L->e, "%s: byte %ju: bad section tag (file "
		    "corrupt)", name, (uintmax_t)off);
	*len = dec_u64(h + 4);
	if (L->s.pos > MAX_FILE || *len > MAX_FILE - L->s.pos)
		return nn_errf(L->e, "%s: byte %ju: section %.4s claims %ju bytes, "
		    "more than the largest model (%zu bytes)", name,
		    (uintmax_t)off, (const char *)h, (uintmax_t)*len, MAX_FILE);
	if (memcmp(h, END_TAG, 4) != 0)
		return 0;
	if (*len != 0)
		return nn_errf(L->e, "%s: byte %ju: end section is not empty "
		    "(file corrupt)", name, (uintmax_t)off);
	return 1;
}

/* After the end section: the checksum, of every byte before it.  1 when it
 * matches, 0 when not, -1 when it is missing. */
static int
crc_ok(ld *L)
{
	unsigned char c[4];
	const uint32_t crc = L->s.crc;

	if (fread(c, 1, 4, L->s.fp) < 4)
		return src_short(&L->s, L->e, "the checksum is missing");
	return dec_u32(c) == crc;
}

/*
 * A section was refused, with the message in L->e.  Damage to the file is
 * the likelier cause, and the checksum can tell: go on to it, over the
 * headers, keeping nothing, and if it does not match say so instead.  A
 * bad header or the end of the stream on the way leaves the refusal as it
 * was.  rest: the refused section's bytes not yet read.
 */
static int
damaged(ld *L, uint64_t rest)
{
	nn_err *e = L->e, ignored;
	unsigned char h[SEC_HEAD];
	uint64_t len;
	int rc;

	L->e = &ignored;
	if (pass(L, "", rest, NULL) == 0) {
		while ((rc = next_header(L, h, &len)) == 0 &&
		    pass(L, (const char *)h, len, NULL) == 0)
			;
		if (rc == 1 && crc_ok(L) == 0)
			nn_errf(e, "%s: checksum mismatch (file corrupt)",
			    L->s.name);
	}
	L->e = e;
	return -1;
}

/* The sections, as they come, to the end section and the checksum. */
static int
read_sections(ld *L)
{
	const char *name = L->s.name;
	unsigned char h[SEC_HEAD], c[CHUNK];
	size_t got, trail = 0;
	uint64_t len;
	int rc;

	while ((rc = next_header(L, h, &len)) == 0) {
		const uint64_t off = L->s.pos - SEC_HEAD;
		int k;
		rd r;

		for (k = 0; k < S_COUNT; k++)
			if (memcmp(h, sec_tag[k], 4) == 0)
				break;
		if (k == S_COUNT) {
			if (!(h[0] & 0x20)) {
				nn_errf(L->e, "%s: byte %ju: unknown critical section "
				    "%.4s (written by a newer nnkit?)", name,
				    (uintmax_t)off, (const char *)h);
				return damaged(L, len);
			}
			if (pass(L, (const char *)h, len, NULL) < 0) /* ancillary */
				return -1;
			continue;
		}
		if (L->seen[k]) {
			nn_errf(L->e, "%s: byte %ju: a second %s section", name,
			    (uintmax_t)off, sec_tag[k]);
			return damaged(L, len);
		}
		L->seen[k] = 1;
		if (needs_arch(k) && !L->arch) {
			L->held_n[k] = len;
			L->held_at[k] = L->s.pos;
			if (pass(L, sec_tag[k], len, &L->held[k]) < 0)
				return -1;
			continue;
		}
		r = (rd){ &L->s, NULL, len, 0, L->s.pos, name, sec_tag[k], L->e };
		if (check_len(L, k, &r) < 0 || read_section(L, k, &r) < 0 ||
		    (k == S_ARCH && read_held(L) < 0))
			return damaged(L, len - (L->s.pos - r.base));
	}
	if (rc < 0)
		return -1;
	if ((rc = crc_ok(L)) <= 0)
		return rc < 0 ? -1 : nn_errf(L->e, "%s: checksum mismatch (file "
		    "corrupt)", name);
	while (trail <= TRAIL_MAX && (got = fread(c, 1, sizeof(c),
	    L->s.fp)) > 0)
		trail += got;
	if (trail > TRAIL_MAX)
		return nn_errf(L->e, "%s: trailing data after the checksum (more "
		    "than %zu bytes)", name, TRAIL_MAX);
	if (trail > 0)
		return nn_errf(L->e, "%s: trailing data after the checksum (%zu "
		    "bytes)", name, trail);
	if (ferror(L->s.fp))
		return src_short(&L->s, L->e, "");
	for (int k = 0; k < S_REQUIRED; k++)
		if (!L->seen[k])
			return nn_errf(L->e, "%s: the %s section is missing", name,
			    sec_tag[k]);
	return 0;
}

/* Every section read: the model takes its shape, and what the sections
 * said must agree with it. */
static int
finish(ld *L)
{
	nn_model *m = L->m;
	const char *name = L->s.name;
	nn_err ce;
	int hm[2];

	if (nn_model_shape(m, L->nl, L->sizes, L->lo, &ce) < 0)
		return nn_errf(L->e, "%s: %s", name, ce.msg);
	if (L->nw != m->nparams)        /* LAYR came after WGHT, or not */
		return nn_errf(L->e, "%s: WGHT section, byte %ju: %ju bytes, but "
		    "%zu parameters take %ju", name, (uintmax_t)L->w_at,
		    (uintmax_t)(8 + 4 * L->nw), m->nparams,
		    (uintmax_t)(8 + 4 * (uint64_t)m->nparams));
	if (m->ckpt != NULL) {
		moments(m->ckpt->opt.kind, &hm[0], &hm[1]);
		for (int a = 0; a < 2; a++)
			if (L->nmom[a] != (hm[a] ? m->nparams : 0))
				return nn_errf(L->e, "%s: ckpt section, byte %ju: %ju "
				    "%s moments, but %s keeps %zu", name,
				    (uintmax_t)L->mom_at[a], (uintmax_t)L->nmom[a],
				    a ? "second" : "first",
				    nn_optim_name(m->ckpt->opt.kind), m->nparams);
	}
	if (check_model(m, &ce) < 0)
		return nn_errf(L->e, "%s: %s", name, ce.msg);
	return 0;
}

nn_model *
nn_model_read(FILE *fp, const char *name, nn_err *e)
{
	ld L = { .s = { fp, name, 0, 0 }, .e = e };
	unsigned char h[HEAD_LEN];
	size_t got;
	int rc = -1;

	got = src_read(&L.s, h, HEAD_LEN);
	if (got == 0 && !ferror(fp))
		return nn_errf(e, "%s: empty file, not an nnkit model", name),
		    NULL;
	if (got < HEAD_LEN && ferror(fp))
		return src_short(&L.s, e, ""), NULL;
	if (check_head(h, got, name, e) < 0)
		return NULL;
	if (got < HEAD_LEN)
		return nn_errf(e, "%s: truncated (%zu bytes)", name, got), NULL;

	L.m = nn_xcalloc(1, sizeof(*L.m));
	if (read_sections(&L) == 0 && finish(&L) == 0)
		rc = 0;
	free(L.sizes);
	free(L.acts);
	free(L.lo);
	for (int k = 0; k < S_COUNT; k++)
		free(L.held[k]);
	if (rc == 0)
		return L.m;
	/* A gzip stream that failed past what was parsed (inflate gives the
	 * bytes before an error first): its message is the cause. */
	if (nn_input_error(fp) != NULL)
		nn_errf(e, "%s: %s", name, nn_input_error(fp));
	/* the feature names read so far: nn_model_free frees nin of them */
	for (size_t j = 0; j < L.nfeat; j++)
		free(L.m->feat_names[j]);
	free(L.m->feat_names);
	L.m->feat_names = NULL;
	nn_model_free(L.m);
	return NULL;
}

/* ====================================================================== */
/* Files                                                                  */
/* ====================================================================== */

nn_model *
nn_model_load(const char *path, nn_err *e)
{
	FILE *fp = fopen(path, "rb");
	nn_model *m;

	if (fp == NULL)
		return nn_errf(e, "%s: %s", path, strerror(errno)), NULL;
	if ((fp = nn_input_wrap(fp, path, e)) == NULL)   /* gzip: inflated */
		return NULL;
	m = nn_model_read(fp, path, e);
	fclose(fp);
	return m;
}

/* Checked first, so that a model the format cannot hold never replaces a
 * file; then lib/atomic.c's save (temporary file, fsync, rename, fsync of
 * the directory). */
int
nn_model_save(const nn_model *m, const char *path, nn_err *e)
{
	nn_atomic a;
	nn_err ce;
	int err;

	if (check_model(m, &ce) < 0)
		return nn_errf(e, "%s: cannot save model: %s", path, ce.msg);
	if (nn_atomic_open(&a, path, e) < 0)
		return -1;
	if (emit_model(m, a.fp) < 0) {
		err = errno;
		nn_atomic_abort(&a);
		return nn_errf(e, "%s: write: %s", path, strerror(err));
	}
	return nn_atomic_commit(&a, e);
}
