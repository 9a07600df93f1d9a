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
 * The reader trusts nothing.  It reads the whole file (up to MAX_FILE) into
 * memory, walks the section headers only far enough to find the checksum,
 * checks it, and then parses.  Every count read from the file is compared
 * with the bytes that remain before anything is allocated for it, and the
 * architecture is checked against the size of the weights section before
 * the model is allocated, so a hostile file cannot make the reader allocate
 * more than a small multiple of its own size.  The rules a valid model obeys
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
#include <sys/stat.h>

#include "nn_input.h"
#include "nn_model.h"

#define MAGIC           "NNKITMDL"
#define MAGIC_LEN       8
#define FORMAT_VERSION  1u
#define HEAD_LEN        12      /* magic + u32 version */
#define SEC_HEAD        12      /* 4-byte tag + u64 length */
#define END_TAG         "DONE"
#define QUOTE_MAX      40      /* longest name quoted in a message */

/* Files above 4 GiB are refused before they are read to the end: the cap
 * keeps `nn-predict -m /dev/zero` or a runaway pipe from eating memory.
 * (On a 32-bit size_t the cap is half the address space.) */
#define MAX_FILE ((size_t)(SIZE_MAX / 2 < ((uint64_t)1 << 32) ? \
    SIZE_MAX / 2 : ((uint64_t)1 << 32)))

/* The sections of version 1, each at most once; all but the last
 * S_COUNT - S_REQUIRED are required.  An upper-case first letter marks a
 * section critical (a reader that does not know it must refuse the file);
 * lower-case marks it ancillary (skipped). */
enum { S_ARCH, S_SCAL, S_FEAT, S_TARG, S_LABL, S_META, S_WGHT, S_REQUIRED,
	S_LAYR = S_REQUIRED, S_CKPT, S_COLS, S_COUNT };
static const char sec_tag[S_COUNT][5] = {
	[S_ARCH] = "ARCH", [S_SCAL] = "SCAL", [S_FEAT] = "FEAT",
	[S_TARG] = "TARG", [S_LABL] = "LABL", [S_META] = "META",
	[S_WGHT] = "WGHT", [S_LAYR] = "LAYR", [S_CKPT] = "ckpt",
	[S_COLS] = "COLS",
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
/* Reading: the file into memory                                          */
/* ====================================================================== */

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

/* Check as much of magic and version as the first n bytes hold, so a
 * stream that is not a model is refused after its first block. */
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

/* Read fp to its end (no seeking: pipes work) into *out. */
static int
slurp(FILE *fp, const char *name, unsigned char **out, size_t *outn,
    nn_err *e)
{
	struct stat st;
	size_t cap = 64 * 1024, n = 0;
	unsigned char *d;
	int fd = fileno(fp);

	*out = NULL;
	*outn = 0;
	/* A regular file's size is a good first guess (plus one byte to see
	 * the end), so the usual case reads into one exact buffer. */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > 0 && (uint64_t)st.st_size < MAX_FILE)
		cap = (size_t)st.st_size + 1;
	d = nn_xmalloc(cap);
	for (;;) {
		size_t want, got;

		if (n == cap) {
			if (cap > MAX_FILE) {
				free(d);
				return nn_errf(e, "%s: larger than %zu bytes, "
				    "too large for a model", name, MAX_FILE);
			}
			cap = cap > MAX_FILE / 2 ? MAX_FILE + 1 : 2 * cap;
			d = nn_xrealloc(d, cap);
		}
		want = cap - n;
		got = fread(d + n, 1, want, fp);
		n += got;
		if (check_head(d, n, name, e) < 0) {
			free(d);
			return -1;
		}
		if (got < want)
			break;
	}
	if (ferror(fp)) {
		int err = errno;
		const char *why = nn_input_error(fp);   /* gzip's */
		free(d);
		return nn_errf(e, "%s: %s%s", name, why ? "" : "read error: ",
		    why ? why : strerror(err));
	}
	*out = d;
	*outn = n;
	return 0;
}

/* ====================================================================== */
/* Reading: sections                                                      */
/* ====================================================================== */

/* A cursor over one section's payload. */
typedef struct rd {
	const unsigned char *p;
	size_t n, off;          /* payload length, position in it */
	size_t base;            /* file offset of the payload */
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
	return nn_errf(r->e, "%s: %s section, byte %zu: %s", r->name, r->tag,
	    r->base + r->off, tmp.msg);
}

static size_t
rd_left(const rd *r)
{
	return r->n - r->off;
}

static int
get_u32(rd *r, uint32_t *v, const char *what)
{
	*v = 0;         /* defined even on failure: no compiler need guess */
	if (rd_left(r) < 4)
		return rd_fail(r, "%s runs past the end of the section", what);
	*v = dec_u32(r->p + r->off);
	r->off += 4;
	return 0;
}

static int
get_u64(rd *r, uint64_t *v, const char *what)
{
	*v = 0;
	if (rd_left(r) < 8)
		return rd_fail(r, "%s runs past the end of the section", what);
	*v = dec_u64(r->p + r->off);
	r->off += 8;
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

/* A string into a new NUL-terminated copy (owned by the caller). */
static int
get_str(rd *r, char **s, const char *what)
{
	uint32_t len;
	const unsigned char *p;

	*s = NULL;
	if (get_u32(r, &len, what) < 0)
		return -1;
	if (len > rd_left(r)) {
		r->off -= 4;
		return rd_fail(r, "%s: length %u exceeds the %zu bytes left in "
		    "the section", what, len, rd_left(r) - 4);
	}
	p = r->p + r->off;
	if (memchr(p, '\0', len) != NULL)
		return rd_fail(r, "%s contains a NUL byte", what);
	*s = nn_xmalloc((size_t)len + 1);
	memcpy(*s, p, len);
	(*s)[len] = '\0';
	r->off += len;
	return 0;
}

/* A name looked up in one of the library's tables. */
static int
get_enum(rd *r, const char *what, int (*lookup)(const char *, void *),
    void *out)
{
	size_t at = r->off;
	char *s;
	int rc = 0;

	if (get_str(r, &s, what) < 0)
		return -1;
	if (lookup(s, out) < 0) {
		size_t len = strlen(s);
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
		return rd_fail(r, "%zu bytes left over after the last field",
		    rd_left(r));
	return 0;
}

/* A count of items that take at least `least` bytes each: refused before
 * anything is allocated for it when the section cannot hold them. */
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

/* ARCH: task, loss, nin, nout, layers; checked to chain.  Fills sizes
 * (nl + 1) and acts (nl), allocated here. */
static int
read_arch(rd *r, nn_task *task, nn_loss *loss, size_t *nl, size_t **sizes,
    nn_act **acts)
{
	uint32_t nin, nout, n, a, b;

	*sizes = NULL;
	*acts = NULL;
	if (get_enum(r, "task", look_task, task) < 0 ||
	    get_enum(r, "loss", look_loss, loss) < 0 ||
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
	*nl = n;
	*sizes = nn_xmalloc(((size_t)n + 1) * sizeof(**sizes));
	*acts = nn_xmalloc((size_t)n * sizeof(**acts));
	(*sizes)[0] = nin;
	for (uint32_t l = 0; l < n; l++) {
		if (get_u32(r, &a, "layer inputs") < 0 ||
		    get_u32(r, &b, "layer outputs") < 0)
			return -1;
		if (a == 0 || b == 0) {
			r->off -= 8;
			return rd_fail(r, "layer %u has zero width", l + 1);
		}
		if (a != (*sizes)[l]) {
			r->off -= 8;
			if (l == 0)
				return rd_fail(r, "layer 1 takes %u inputs but the "
				    "network has %u", a, nin);
			return rd_fail(r, "layer %u takes %u inputs but layer %u "
			    "gives %zu", l + 1, a, l, (*sizes)[l]);
		}
		(*sizes)[l + 1] = b;
		if (get_enum(r, "activation", look_act, &(*acts)[l]) < 0)
			return -1;
	}
	if ((*sizes)[n] != nout)
		return rd_fail(r, "the last layer gives %zu outputs but the "
		    "network has %u", (*sizes)[n], nout);
	return get_end(r);
}

/* LAYR: the layer count, then per layer the activation parameter, the
 * dropout rate, the flags and, with batchnorm, the running mean and
 * variance.  Read twice: before the model exists (m NULL) to check every
 * field and fill lo, so that the parameter count is known; then into
 * m->stats. */
static int
read_layr(rd *r, size_t nl, const size_t *sizes, nn_layer_opts *lo,
    nn_model *m)
{
	uint32_t n, flags;

	if (get_count(r, &n, 12, "layer count") < 0)
		return -1;
	if (n != nl) {
		r->off -= 4;
		return rd_fail(r, "%u layers, but the architecture has %zu", n, nl);
	}
	for (size_t l = 0; l < nl; l++) {
		nn_layer_opts *o = &lo[l];
		const size_t nout = sizes[l + 1];
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
		if (o->residual && sizes[l] != nout) {
			r->off -= 4;
			return rd_fail(r, "layer %zu: residual, but %zu inputs and "
			    "%zu outputs", l + 1, sizes[l], nout);
		}
		if (!o->batchnorm)
			continue;
		if ((uint64_t)rd_left(r) < 8 * (uint64_t)nout)
			return rd_fail(r, "layer %zu: running statistics run past "
			    "the end of the section", l + 1);
		if (m == NULL) {
			r->off += 8 * nout;
			continue;
		}
		float *rm = m->stats + m->layers[l].s_off, *rv = rm + nout;
		for (size_t j = 0; j < nout; j++) {
			if (get_f32(r, &rm[j], "running mean") < 0)
				return -1;
			if (!isfinite(rm[j])) {
				r->off -= 4;
				return rd_fail(r, "layer %zu: running mean %zu is not "
				    "finite", l + 1, j + 1);
			}
		}
		for (size_t j = 0; j < nout; j++) {
			if (get_f32(r, &rv[j], "running variance") < 0)
				return -1;
			if (!isfinite(rv[j]) || rv[j] < 0.0f) {
				r->off -= 4;
				return rd_fail(r, "layer %zu: running variance %zu is "
				    "%s", l + 1, j + 1, isfinite(rv[j]) ? "negative" :
				    "not finite");
			}
		}
	}
	return get_end(r);
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

static int
read_scal(rd *r, nn_model *m)
{
	uint32_t n;

	if (get_enum(r, "scaling kind", look_scale, &m->scale) < 0 ||
	    get_count(r, &n, 8, "feature count") < 0)
		return -1;
	if (n != m->nin) {
		r->off -= 4;
		return rd_fail(r, "scaling count %u does not match the network's "
		    "%zu inputs", n, m->nin);
	}
	for (size_t j = 0; j < m->nin; j++) {
		if (get_f32(r, &m->offset[j], "offset") < 0)
			return -1;
		if (!isfinite(m->offset[j])) {
			r->off -= 4;
			return rd_fail(r, "the offset of feature %zu is not "
			    "finite", j + 1);
		}
	}
	for (size_t j = 0; j < m->nin; j++) {
		if (get_f32(r, &m->factor[j], "factor") < 0)
			return -1;
		if (!isfinite(m->factor[j])) {
			r->off -= 4;
			return rd_fail(r, "the factor of feature %zu is not "
			    "finite", j + 1);
		}
	}
	return get_end(r);
}

static int
read_feat(rd *r, nn_model *m)
{
	uint32_t n;

	if (get_count(r, &n, 4, "feature count") < 0)
		return -1;
	if (n != m->nin) {
		r->off -= 4;
		return rd_fail(r, "feature name count %u does not match the "
		    "network's %zu inputs", n, m->nin);
	}
	m->feat_names = nn_xcalloc(m->nin, sizeof(*m->feat_names));
	for (size_t j = 0; j < m->nin; j++)
		if (get_str(r, &m->feat_names[j], "feature name") < 0)
			return -1;
	return get_end(r);
}

static int look_missing(const char *s, void *o) { return nn_missing_lookup(s, o); }
static int look_ctype(const char *s, void *o) { return nn_ctype_lookup(s, o); }

/* Every count is checked against the bytes left before it is allocated
 * (get_count), so the columns cost at most a small multiple of the file. */
static int
read_cols(rd *r, nn_model *m)
{
	nn_enc *en = m->enc = nn_xcalloc(1, sizeof(*en));
	uint32_t n;
	size_t off = 0;
	nn_err ce;

	if (get_enum(r, "missing-value policy", look_missing, &en->missing) < 0 ||
	    get_count(r, &n, 12, "column count") < 0)
		return -1;
	en->cols = nn_xcalloc(n ? n : 1, sizeof(*en->cols));
	for (uint32_t j = 0; j < n; j++) {
		nn_incol *c = &en->cols[j];
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
		c->cats = nn_xcalloc(k ? k : 1, sizeof(*c->cats));
		for (uint32_t i = 0; i < k; i++) {
			c->ncat = i + 1;
			if (get_str(r, &c->cats[i], "category") < 0)
				return -1;
		}
		c->ncat = k;
		if (get_u32(r, &c->fill_cat, "fill category") < 0)
			return -1;
		off += k;
	}
	if (get_count(r, &n, 4, "ID column count") < 0)
		return -1;
	en->ids = nn_xcalloc(n ? n : 1, sizeof(*en->ids));
	for (uint32_t k = 0; k < n; k++) {
		en->nid = k + 1;
		if (get_str(r, &en->ids[k], "ID column name") < 0)
			return -1;
	}
	if (get_count(r, &n, 4, "missing-value token count") < 0)
		return -1;
	en->na = nn_xcalloc(n ? n : 1, sizeof(*en->na));
	for (uint32_t k = 0; k < n; k++) {
		en->nna = k + 1;
		if (get_str(r, &en->na[k], "missing-value token") < 0)
			return -1;
	}
	if (nn_enc_check(en, m->nin, &ce) < 0)
		return rd_fail(r, "%s", ce.msg);
	return get_end(r);
}

static int
read_targ(rd *r, nn_model *m)
{
	if (get_str(r, &m->target_name, "target name") < 0 ||
	    get_u32(r, &m->target_col, "target column") < 0 ||
	    get_u32(r, &m->ncols, "column count") < 0)
		return -1;
	return get_end(r);
}

static int
read_labl(rd *r, nn_model *m)
{
	uint32_t n;

	if (get_count(r, &n, 4, "label count") < 0)
		return -1;
	if (n > 0) {
		m->labels = nn_xcalloc(n, sizeof(*m->labels));
		m->nlabels = n;
	}
	for (size_t k = 0; k < m->nlabels; k++)
		if (get_str(r, &m->labels[k], "label") < 0)
			return -1;
	return get_end(r);
}

static int
read_meta(rd *r, nn_model *m)
{
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

/* The section's length was checked against the architecture before the
 * model was allocated. */
static int
read_wght(rd *r, nn_model *m)
{
	uint64_t n;

	if (get_u64(r, &n, "parameter count") < 0)
		return -1;
	if (n != m->nparams) {
		r->off -= 8;
		return rd_fail(r, "%ju parameters, but the layers need %zu",
		    (uintmax_t)n, m->nparams);
	}
	for (size_t i = 0; i < m->nparams; i++) {
		if (get_f32(r, &m->params[i], "parameter") < 0)
			return -1;
		if (!isfinite(m->params[i])) {
			r->off -= 4;
			return rd_fail(r, "parameter %zu of %zu is not finite",
			    i + 1, m->nparams);
		}
	}
	return get_end(r);
}

/* ckpt: the optimizer, its settings, counters, the generator, then the
 * moment arrays, each a count (P, or 0 when the optimizer keeps none) and
 * the values.  Attached to m as it is read, so a failure frees it with m. */
static int
read_ckpt(rd *r, nn_model *m)
{
	nn_ckpt *c = m->ckpt = nn_xcalloc(1, sizeof(*c));
	float **mv[2] = { &c->m, &c->v };
	static const char *const what[2] = { "first moment", "second moment" };
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
		float *v;

		if (get_u64(r, &n, "moment count") < 0)
			return -1;
		if (n != (has[a] ? m->nparams : 0)) {
			r->off -= 8;
			return rd_fail(r, "%ju %ss, but %s keeps %zu", (uintmax_t)n,
			    what[a], nn_optim_name(c->opt.kind), has[a] ?
			    m->nparams : 0);
		}
		if (n == 0)
			continue;
		if ((uint64_t)rd_left(r) / 4 < n)
			return rd_fail(r, "the %ss run past the end of the section",
			    what[a]);
		v = *mv[a] = nn_xmalloc((size_t)n * sizeof(float));
		for (size_t i = 0; i < n; i++) {
			if (get_f32(r, &v[i], what[a]) < 0)
				return -1;
			if (!isfinite(v[i]) || (a == 1 && v[i] < 0.0f)) {
				r->off -= 4;
				return rd_fail(r, "%s %zu is %s", what[a], i + 1,
				    isfinite(v[i]) ? "negative" : "not finite");
			}
		}
	}
	return get_end(r);
}

/* Where each known section's payload lies. */
typedef struct sec {
	size_t off, len;
	int seen;
} sec;

static int
tag_ok(const unsigned char *t)
{
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z')))
			return 0;
	return 1;
}

/* Walk the section headers to the end section, check the checksum, the
 * trailer and which sections are present. */
static int
find_sections(const unsigned char *d, size_t n, const char *name,
    sec *s, nn_err *e)
{
	size_t off = HEAD_LEN, crc_at, dup_at = 0, unk_at = 0;
	int dup = -1;

	memset(s, 0, S_COUNT * sizeof(*s));
	for (;;) {
		const unsigned char *h = d + off;
		uint64_t len;
		int k;

		if (n - off < SEC_HEAD)
			return nn_errf(e, "%s: truncated (%s at byte %zu is cut "
			    "short)", name, off == HEAD_LEN ? "the first section" :
			    "a section header", off);
		if (!tag_ok(h))
			return nn_errf(e, "%s: byte %zu: bad section tag (file "
			    "corrupt)", name, off);
		len = dec_u64(h + 4);
		if (len > n - off - SEC_HEAD)
			return nn_errf(e, "%s: truncated (section %.4s at byte %zu "
			    "needs %ju bytes, %zu are left)", name, (const char *)h,
			    off, (uintmax_t)len, n - off - SEC_HEAD);
		if (memcmp(h, END_TAG, 4) == 0) {
			if (len != 0)
				return nn_errf(e, "%s: byte %zu: end section is not "
				    "empty (file corrupt)", name, off);
			crc_at = off + SEC_HEAD;
			break;
		}
		for (k = 0; k < S_COUNT; k++)
			if (memcmp(h, sec_tag[k], 4) == 0)
				break;
		if (k < S_COUNT) {
			if (s[k].seen && dup < 0) {
				dup = k;
				dup_at = off;
			}
			s[k].seen = 1;
			s[k].off = off + SEC_HEAD;
			s[k].len = (size_t)len;
		} else if (!(h[0] & 0x20) && unk_at == 0)
			unk_at = off;   /* critical: refused after the CRC */
		off += SEC_HEAD + (size_t)len;
	}
	if (n - crc_at < 4)
		return nn_errf(e, "%s: truncated (the checksum is missing)", name);
	if (dec_u32(d + crc_at) != nn_crc32(0, d, crc_at))
		return nn_errf(e, "%s: checksum mismatch (file corrupt)", name);
	if (n - crc_at > 4)
		return nn_errf(e, "%s: trailing data after the checksum (%zu "
		    "bytes)", name, n - crc_at - 4);
	if (unk_at != 0)
		return nn_errf(e, "%s: byte %zu: unknown critical section %.4s "
		    "(written by a newer nnkit?)", name, unk_at,
		    (const char *)d + unk_at);
	if (dup >= 0)
		return nn_errf(e, "%s: byte %zu: a second %s section", name,
		    dup_at, sec_tag[dup]);
	for (int k = 0; k < S_REQUIRED; k++)
		if (!s[k].seen)
			return nn_errf(e, "%s: the %s section is missing", name,
			    sec_tag[k]);
	return 0;
}

static nn_model *
parse(const unsigned char *d, size_t n, const char *name, nn_err *e)
{
	sec s[S_COUNT];
	rd r;
	nn_model *m = NULL;
	nn_task task;
	nn_loss loss;
	size_t nl = 0, P, *sizes = NULL;
	nn_act *acts = NULL;
	nn_layer_opts *lo = NULL;
	nn_err ce;

	if (n == 0)
		return nn_errf(e, "%s: empty file, not an nnkit model", name), NULL;
	if (check_head(d, n, name, e) < 0)
		return NULL;
	if (n < HEAD_LEN)
		return nn_errf(e, "%s: truncated (%zu bytes)", name, n), NULL;
	if (find_sections(d, n, name, s, e) < 0)
		return NULL;

#define OPEN(k) (r = (rd){ d + s[k].off, s[k].len, 0, s[k].off, name, \
	sec_tag[k], e }, &r)

	if (read_arch(OPEN(S_ARCH), &task, &loss, &nl, &sizes, &acts) < 0)
		goto fail;
	/* nl is at most the ARCH section's length / 12 */
	lo = nn_xcalloc(nl, sizeof(*lo));
	for (size_t l = 0; l < nl; l++) {
		lo[l].act = acts[l];
		lo[l].act_param = nn_act_param_default(acts[l]);
	}
	if (s[S_LAYR].seen && read_layr(OPEN(S_LAYR), nl, sizes, lo, NULL) < 0)
		goto fail;
	/* Check the weights' size against the architecture before allocating
	 * anything of the architecture's size. */
	r = (rd){ d + s[S_WGHT].off, s[S_WGHT].len, 0, s[S_WGHT].off, name,
	    sec_tag[S_WGHT], e };
	if (count_params(nl, sizes, lo, &P) < 0 || P > (SIZE_MAX - 8) / 4) {
		nn_errf(e, "%s: the network is too large", name);
		goto fail;
	}
	if (s[S_WGHT].len != 8 + 4 * P) {
		rd_fail(&r, "%zu bytes, but %zu parameters take %zu",
		    s[S_WGHT].len, P, 8 + 4 * P);
		goto fail;
	}
	if ((m = nn_model_new(nl, sizes, lo, &ce)) == NULL) {
		nn_errf(e, "%s: %s", name, ce.msg);
		goto fail;
	}
	m->task = task;
	m->loss = loss;
	if (read_scal(OPEN(S_SCAL), m) < 0 || read_feat(OPEN(S_FEAT), m) < 0 ||
	    read_targ(OPEN(S_TARG), m) < 0 || read_labl(OPEN(S_LABL), m) < 0 ||
	    read_meta(OPEN(S_META), m) < 0 || read_wght(OPEN(S_WGHT), m) < 0)
		goto fail;
	if (s[S_LAYR].seen && read_layr(OPEN(S_LAYR), nl, sizes, lo, m) < 0)
		goto fail;
	if (s[S_CKPT].seen && read_ckpt(OPEN(S_CKPT), m) < 0)
		goto fail;
	if (s[S_COLS].seen && read_cols(OPEN(S_COLS), m) < 0)
		goto fail;
#undef OPEN
	if (check_model(m, &ce) < 0) {
		nn_errf(e, "%s: %s", name, ce.msg);
		goto fail;
	}
	free(sizes);
	free(acts);
	free(lo);
	return m;
fail:
	nn_model_free(m);
	free(sizes);
	free(acts);
	free(lo);
	return NULL;
}

nn_model *
nn_model_read(FILE *fp, const char *name, nn_err *e)
{
	unsigned char *d;
	size_t n;
	nn_model *m;

	if (slurp(fp, name, &d, &n, e) < 0)
		return NULL;
	m = parse(d, n, name, e);
	free(d);
	return m;
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
