/*
 * test_model_io.c - the model file (nn-model(5)): round trips, the format
 * as documented, and a reader that refuses every damaged or hostile file
 * with one line naming it.
 *
 * The test carries its own small encoder of the documented format (enc_*),
 * written from the manual page rather than from lib/model_io.c: the
 * library's output must equal it byte for byte, and the bad files below are
 * made by changing one field of a valid description and encoding it again
 * with a correct checksum, so each reaches the check it is aimed at instead
 * of stopping at the CRC.  The optional sections (LAYR: per-layer options
 * and batch-normalisation statistics; ckpt: the training state) are
 * encoded the same way, for models that use every feature and for every
 * optimizer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn.h"
#include "helpers.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define NAME "m.nn"

/* ====================================================================== */
/* Bytes                                                                  */
/* ====================================================================== */

typedef struct bytes {
	unsigned char *p;
	size_t n;
} bytes;

static void
b_put(bytes *b, const void *s, size_t n)
{
	b->p = nn_xrealloc(b->p, b->n + n);
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
b_u32(bytes *b, uint32_t v)
{
	unsigned char c[4] = { v, v >> 8, v >> 16, v >> 24 };
	b_put(b, c, 4);
}

static void
b_u64(bytes *b, uint64_t v)
{
	b_u32(b, (uint32_t)v);
	b_u32(b, (uint32_t)(v >> 32));
}

static void
b_f32(bytes *b, float f)
{
	uint32_t u;
	memcpy(&u, &f, 4);
	b_u32(b, u);
}

static void
b_str(bytes *b, const char *s)
{
	b_u32(b, (uint32_t)strlen(s));
	b_put(b, s, strlen(s));
}

static uint32_t
rd_u32(const unsigned char *c)
{
	return (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 |
	    (uint32_t)c[3] << 24;
}

static void
wr_u32(unsigned char *c, uint32_t v)
{
	c[0] = v; c[1] = v >> 8; c[2] = v >> 16; c[3] = v >> 24;
}

/* The trailer of a structurally valid file: CRC of all before it. */
static void
recrc(bytes *b)
{
	wr_u32(b->p + b->n - 4, nn_crc32(0, b->p, b->n - 4));
}

/* Payload offset of the first section with this tag, or 0. */
static size_t
find_sec(const bytes *b, const char *tag, uint64_t *len)
{
	size_t off = 12;

	while (off + 12 <= b->n) {
		uint64_t l = rd_u32(b->p + off + 4) |
		    (uint64_t)rd_u32(b->p + off + 8) << 32;
		if (memcmp(b->p + off, tag, 4) == 0) {
			if (len)
				*len = l;
			return off + 12;
		}
		if (memcmp(b->p + off, "DONE", 4) == 0)
			return 0;
		off += 12 + l;
	}
	return 0;
}

/* ====================================================================== */
/* A model described field by field, and its encoding per nn-model(5)      */
/* ====================================================================== */

enum { MAXL = 4, MAXD = 8, MAXK = 8 };

typedef struct spec {
	const char *task, *loss;
	uint32_t nin, nout, nl;
	uint32_t lin[MAXL], lout[MAXL];
	const char *act[MAXL];
	const char *scale;
	uint32_t nscal;
	float off[MAXD], fac[MAXD];
	uint32_t nfeat;
	const char *feat[MAXD];
	const char *target;
	uint32_t tcol, ncols;
	uint32_t nlab;
	const char *lab[MAXK];
	uint64_t seed;
	const char *cmd;
	uint32_t dcrc;
	uint64_t rows;
	uint32_t epochs, batch;
	float lr, floss;
	uint64_t np;            /* parameter count written */
	size_t nw;              /* values written */
	const float *w;
	/* LAYR */
	uint32_t nlayr;
	float aparam[MAXL], drop[MAXL];
	uint32_t flags[MAXL];
	const float *stats[MAXL];       /* (2 lout) for batchnorm layers */
	/* ckpt */
	const char *opt;
	float oset[6];          /* rate, momentum, beta1, beta2, eps, decay */
	uint64_t t, epoch, row, rng[4];
	uint64_t nm, nv;        /* moment counts written */
	size_t wm, wv;          /* values written */
	const float *mm, *vv;
	/* section order and extras */
	const char *order[12];  /* tags; NULL ends; default order if order[0] NULL */
} spec;

static const char *const std_order[] = { "ARCH", "SCAL", "FEAT", "TARG",
	"LABL", "META", "WGHT", NULL };

static void
enc_payload(const spec *s, const char *tag, bytes *b)
{
	if (strcmp(tag, "ARCH") == 0) {
		b_str(b, s->task);
		b_str(b, s->loss);
		b_u32(b, s->nin);
		b_u32(b, s->nout);
		b_u32(b, s->nl);
		for (uint32_t l = 0; l < s->nl && l < MAXL && s->act[l]; l++) {
			b_u32(b, s->lin[l]);
			b_u32(b, s->lout[l]);
			b_str(b, s->act[l]);
		}
	} else if (strcmp(tag, "SCAL") == 0) {
		b_str(b, s->scale);
		b_u32(b, s->nscal);
		for (uint32_t j = 0; j < s->nscal; j++)
			b_f32(b, s->off[j]);
		for (uint32_t j = 0; j < s->nscal; j++)
			b_f32(b, s->fac[j]);
	} else if (strcmp(tag, "FEAT") == 0) {
		b_u32(b, s->nfeat);
		for (uint32_t j = 0; j < s->nfeat; j++)
			b_str(b, s->feat[j]);
	} else if (strcmp(tag, "TARG") == 0) {
		b_str(b, s->target);
		b_u32(b, s->tcol);
		b_u32(b, s->ncols);
	} else if (strcmp(tag, "LABL") == 0) {
		b_u32(b, s->nlab);
		for (uint32_t k = 0; k < s->nlab; k++)
			b_str(b, s->lab[k] ? s->lab[k] : "extra");
	} else if (strcmp(tag, "META") == 0) {
		b_u64(b, s->seed);
		b_str(b, s->cmd);
		b_u32(b, s->dcrc);
		b_u64(b, s->rows);
		b_u32(b, s->epochs);
		b_u32(b, s->batch);
		b_f32(b, s->lr);
		b_f32(b, s->floss);
	} else if (strcmp(tag, "WGHT") == 0) {
		b_u64(b, s->np);
		for (size_t i = 0; i < s->nw; i++)
			b_f32(b, s->w[i]);
	} else if (strcmp(tag, "LAYR") == 0) {
		b_u32(b, s->nlayr);
		for (uint32_t l = 0; l < s->nl && l < MAXL; l++) {
			b_f32(b, s->aparam[l]);
			b_f32(b, s->drop[l]);
			b_u32(b, s->flags[l]);
			for (uint32_t j = 0; s->stats[l] && j < 2 * s->lout[l]; j++)
				b_f32(b, s->stats[l][j]);
		}
	} else if (strcmp(tag, "ckpt") == 0) {
		b_str(b, s->opt);
		for (int i = 0; i < 6; i++)
			b_f32(b, s->oset[i]);
		b_u64(b, s->t);
		b_u64(b, s->epoch);
		b_u64(b, s->row);
		for (int i = 0; i < 4; i++)
			b_u64(b, s->rng[i]);
		b_u64(b, s->nm);
		for (size_t i = 0; i < s->wm; i++)
			b_f32(b, s->mm[i]);
		b_u64(b, s->nv);
		for (size_t i = 0; i < s->wv; i++)
			b_f32(b, s->vv[i]);
	} else {
		b_str(b, "payload of an extra section");
	}
}

static bytes
encode(const spec *s)
{
	bytes b = { NULL, 0 }, p;
	const char *const *order = s->order[0] ? s->order : std_order;

	b_put(&b, "NNKITMDL", 8);
	b_u32(&b, 1);
	for (int i = 0; order[i] != NULL; i++) {
		p = (bytes){ NULL, 0 };
		enc_payload(s, order[i], &p);
		b_put(&b, order[i], 4);
		b_u64(&b, p.n);
		b_put(&b, p.p, p.n);
		free(p.p);
	}
	b_put(&b, "DONE", 4);
	b_u64(&b, 0);
	b_u32(&b, nn_crc32(0, b.p, b.n));
	return b;
}

static spec
spec_of(const nn_model *m)
{
	spec s;

	memset(&s, 0, sizeof(s));
	s.task = nn_task_name(m->task);
	s.loss = nn_loss_name(m->loss);
	s.nin = (uint32_t)m->nin;
	s.nout = (uint32_t)m->nout;
	s.nl = (uint32_t)m->nlayers;
	for (size_t l = 0; l < m->nlayers; l++) {
		s.lin[l] = (uint32_t)m->layers[l].nin;
		s.lout[l] = (uint32_t)m->layers[l].nout;
		s.act[l] = nn_act_name(m->layers[l].act);
	}
	s.scale = nn_scale_name(m->scale);
	s.nscal = s.nfeat = (uint32_t)m->nin;
	for (size_t j = 0; j < m->nin; j++) {
		s.off[j] = m->offset[j];
		s.fac[j] = m->factor[j];
		s.feat[j] = m->feat_names[j];
	}
	s.target = m->target_name;
	s.tcol = m->target_col;
	s.ncols = m->ncols;
	s.nlab = (uint32_t)m->nlabels;
	for (size_t k = 0; k < m->nlabels; k++)
		s.lab[k] = m->labels[k];
	s.seed = m->seed;
	s.cmd = m->cmdline;
	s.dcrc = m->data_crc;
	s.rows = m->data_rows;
	s.epochs = m->epochs;
	s.batch = m->batch;
	s.lr = m->lr;
	s.floss = m->final_loss;
	s.np = s.nw = m->nparams;
	s.w = m->params;

	/* LAYR when a layer has more than a size and an activation (a
	 * leaky-relu slope other than 0.01, dropout, batchnorm, residual) */
	int layr = 0, n = 0;
	for (size_t l = 0; l < m->nlayers; l++) {
		const nn_dense *L = &m->layers[l];
		s.aparam[l] = L->act_param;
		s.drop[l] = L->dropout;
		s.flags[l] = (L->batchnorm ? 1u : 0) | (L->residual ? 2u : 0);
		s.stats[l] = L->batchnorm ? m->stats + L->s_off : NULL;
		layr |= s.flags[l] != 0 || L->dropout != 0.0f ||
		    L->act_param != (L->act == NN_ACT_LEAKY_RELU ? 0.01f : 0.0f);
	}
	s.nlayr = (uint32_t)m->nlayers;
	if (m->ckpt != NULL) {
		const nn_ckpt *c = m->ckpt;
		s.opt = nn_optim_name(c->opt.kind);
		s.oset[0] = c->opt.lr;
		s.oset[1] = c->opt.momentum;
		s.oset[2] = c->opt.beta1;
		s.oset[3] = c->opt.beta2;
		s.oset[4] = c->opt.eps;
		s.oset[5] = c->opt.weight_decay;
		s.t = c->t;
		s.epoch = c->epoch;
		s.row = c->row;
		memcpy(s.rng, c->rng.s, sizeof(s.rng));
		s.nm = s.wm = c->m ? m->nparams : 0;
		s.nv = s.wv = c->v ? m->nparams : 0;
		s.mm = c->m;
		s.vv = c->v;
	}
	if (layr || m->ckpt != NULL) {
		s.order[n++] = "ARCH";
		if (layr)
			s.order[n++] = "LAYR";
		for (int i = 1; std_order[i] != NULL; i++)
			s.order[n++] = std_order[i];
		if (m->ckpt != NULL)
			s.order[n++] = "ckpt";
		s.order[n] = NULL;
	}
	return s;
}

/* ====================================================================== */
/* Models                                                                 */
/* ====================================================================== */

static char *
sdup(const char *s)
{
	return nn_xstrdup(s);
}

/* 2-3-3 multiclass (or 2-3-1 binary / regression) with every field set. */
static nn_model *
make_model(nn_task task, uint64_t seed)
{
	static const char *const names[3] = { "setosa", "versicolor",
		"virginica" };
	size_t K = task == NN_TASK_MULTICLASS ? 3 : 1;
	size_t sizes[3] = { 2, 3, K };
	nn_act acts[2] = { NN_ACT_TANH, task_out_act(task) };
	nn_err e;
	nn_rng r;
	nn_model *m = nn_model_alloc(2, sizes, acts, &e);

	if (m == NULL) {
		printf("Bail out! nn_model_alloc: %s\n", e.msg);
		exit(1);
	}
	nn_rng_seed(&r, seed);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (float)nn_rng_normal(&r);
	m->params[0] = -0.0f;   /* the sign of zero survives */
	m->task = task;
	m->loss = task_loss(task);
	m->scale = NN_SCALE_STANDARD;
	for (size_t j = 0; j < m->nin; j++) {
		m->offset[j] = (float)nn_rng_normal(&r);
		m->factor[j] = (float)(1.0 + nn_rng_uniform(&r));
	}
	m->feat_names = nn_xcalloc(2, sizeof(char *));
	m->feat_names[0] = sdup("petal length");
	m->feat_names[1] = sdup("gr\xc3\xb6\xc3\x9f" "e, \"quoted\"");
	m->target_name = sdup("species");
	m->target_col = 1;
	m->ncols = 3;
	if (task != NN_TASK_REGRESSION) {
		m->nlabels = K == 1 ? 2 : K;
		m->labels = nn_xcalloc(m->nlabels, sizeof(char *));
		for (size_t k = 0; k < m->nlabels; k++)
			m->labels[k] = sdup(names[k]);
	}
	m->seed = 0xfedcba9876543210ULL;
	m->cmdline = sdup("nn-train -l 3 -e 50 -o m.nn iris.csv");
	m->data_crc = 0xdeadbeef;
	m->data_rows = 150;
	m->epochs = 50;
	m->batch = 16;
	m->lr = 0.05f;
	m->final_loss = 0.125f;
	/* gradients are not part of the file */
	for (size_t i = 0; i < m->nparams; i++)
		m->grads[i] = 1.0f;
	return m;
}

/* A model using every layer option: 2 -> 4 leaky-relu (slope 0.2),
 * batchnorm, dropout 0.25 -> 4 gelu, batchnorm, residual, dropout 0.1 -> 4
 * tanh, residual -> K; running statistics set; a checkpoint of optimizer
 * opt (opt < 0: none). */
static nn_model *
make_full(nn_task task, uint64_t seed, int opt)
{
	size_t K = task == NN_TASK_MULTICLASS ? 3 : 1;
	size_t sizes[5] = { 2, 4, 4, 4, K };
	nn_layer_opts lo[4] = {
		{ .act = NN_ACT_LEAKY_RELU, .act_param = 0.2f, .batchnorm = 1,
		  .dropout = 0.25f },
		{ .act = NN_ACT_GELU, .batchnorm = 1, .residual = 1,
		  .dropout = 0.1f },
		{ .act = NN_ACT_TANH, .residual = 1 },
		{ .act = task_out_act(task) },
	};
	nn_model *plain = make_model(task, seed), *m;
	nn_err e;
	nn_rng r;

	if ((m = nn_model_new(4, sizes, lo, &e)) == NULL) {
		printf("Bail out! nn_model_new: %s\n", e.msg);
		exit(1);
	}
	/* names and metadata from the plain model */
	free(m->offset);
	free(m->factor);
	m->offset = plain->offset;
	m->factor = plain->factor;
	m->feat_names = plain->feat_names;
	m->target_name = plain->target_name;
	m->labels = plain->labels;
	m->cmdline = plain->cmdline;
	plain->offset = plain->factor = NULL;
	plain->feat_names = plain->labels = NULL;
	plain->target_name = plain->cmdline = NULL;
	m->nlabels = plain->nlabels;
	plain->nlabels = 0;
	m->task = task;
	m->loss = plain->loss;
	m->scale = plain->scale;
	m->target_col = plain->target_col;
	m->ncols = plain->ncols;
	m->seed = plain->seed;
	m->data_crc = plain->data_crc;
	m->data_rows = plain->data_rows;
	m->epochs = plain->epochs;
	m->batch = plain->batch;
	m->lr = plain->lr;
	m->final_loss = plain->final_loss;
	nn_model_free(plain);

	nn_rng_seed(&r, seed);
	for (size_t i = 0; i < m->nparams; i++)
		m->params[i] = (float)nn_rng_normal(&r);
	for (size_t i = 0; i < m->nstats; i++)
		m->stats[i] = (float)nn_rng_normal(&r);
	for (size_t l = 0; l < 2; l++)   /* variances: >= 0, one exactly 0 */
		for (size_t j = 0; j < 4; j++)
			m->stats[m->layers[l].s_off + 4 + j] =
			    l == 0 && j == 2 ? 0.0f : (float)nn_rng_uniform(&r) * 3;
	if (opt >= 0) {
		nn_ckpt *c = m->ckpt = nn_xcalloc(1, sizeof(*c));
		nn_optim_defaults(&c->opt, (nn_optim_kind)opt);
		c->opt.lr = 0.0123f;
		c->opt.weight_decay = 0.5f;
		c->t = 0x0123456789abcdefULL;
		c->epoch = 7;
		c->row = 33;
		nn_rng_seed(&c->rng, seed + 1);
		nn_optim *o = nn_optim_new(&c->opt, m->nparams);
		if (o->m) {
			c->m = o->m;
			o->m = NULL;
			for (size_t i = 0; i < m->nparams; i++)
				c->m[i] = (float)nn_rng_normal(&r);
		}
		if (o->v) {
			c->v = o->v;
			o->v = NULL;
			for (size_t i = 0; i < m->nparams; i++)
				c->v[i] = (float)nn_rng_uniform(&r);
		}
		nn_optim_free(o);
	}
	return m;
}

static int
same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/* Every persisted field equal (floats bit for bit); grads absent or zero. */
static const char *
diff_models(const nn_model *a, const nn_model *b)
{
	if (a->nlayers != b->nlayers || a->nin != b->nin || a->nout != b->nout)
		return "sizes";
	for (size_t l = 0; l < a->nlayers; l++)
		if (a->layers[l].nin != b->layers[l].nin ||
		    a->layers[l].nout != b->layers[l].nout ||
		    a->layers[l].act != b->layers[l].act ||
		    a->layers[l].w_off != b->layers[l].w_off ||
		    a->layers[l].b_off != b->layers[l].b_off ||
		    memcmp(&a->layers[l].act_param, &b->layers[l].act_param, 4) ||
		    memcmp(&a->layers[l].dropout, &b->layers[l].dropout, 4) ||
		    a->layers[l].batchnorm != b->layers[l].batchnorm ||
		    a->layers[l].residual != b->layers[l].residual ||
		    a->layers[l].g_off != b->layers[l].g_off ||
		    a->layers[l].s_off != b->layers[l].s_off)
			return "layers";
	if (a->nstats != b->nstats || (a->nstats && memcmp(a->stats, b->stats,
	    a->nstats * sizeof(float)) != 0))
		return "running statistics";
	if ((a->ckpt == NULL) != (b->ckpt == NULL))
		return "checkpoint presence";
	if (a->ckpt != NULL) {
		const nn_ckpt *x = a->ckpt, *y = b->ckpt;
		if (memcmp(&x->opt, &y->opt, sizeof(x->opt)) != 0 || x->t != y->t ||
		    x->epoch != y->epoch || x->row != y->row ||
		    memcmp(x->rng.s, y->rng.s, sizeof(x->rng.s)) != 0)
			return "checkpoint settings";
		if ((x->m == NULL) != (y->m == NULL) || (x->m && memcmp(x->m,
		    y->m, a->nparams * sizeof(float)) != 0))
			return "checkpoint first moments";
		if ((x->v == NULL) != (y->v == NULL) || (x->v && memcmp(x->v,
		    y->v, a->nparams * sizeof(float)) != 0))
			return "checkpoint second moments";
	}
	if (a->task != b->task || a->loss != b->loss || a->scale != b->scale)
		return "task/loss/scale";
	if (a->nparams != b->nparams ||
	    memcmp(a->params, b->params, a->nparams * sizeof(float)) != 0)
		return "params";
	for (size_t i = 0; b->grads != NULL && i < b->nparams; i++)
		if (b->grads[i] != 0.0f)
			return "grads (should be absent or zero)";
	if (memcmp(a->offset, b->offset, a->nin * sizeof(float)) != 0 ||
	    memcmp(a->factor, b->factor, a->nin * sizeof(float)) != 0)
		return "scaling";
	for (size_t j = 0; j < a->nin; j++)
		if (!same_str(a->feat_names[j], b->feat_names[j]))
			return "feature names";
	if (!same_str(a->target_name, b->target_name) ||
	    a->target_col != b->target_col || a->ncols != b->ncols)
		return "target";
	if (a->nlabels != b->nlabels)
		return "label count";
	for (size_t k = 0; k < a->nlabels; k++)
		if (!same_str(a->labels[k], b->labels[k]))
			return "labels";
	if (a->seed != b->seed || !same_str(a->cmdline, b->cmdline) ||
	    a->data_crc != b->data_crc || a->data_rows != b->data_rows ||
	    a->epochs != b->epochs || a->batch != b->batch ||
	    memcmp(&a->lr, &b->lr, 4) != 0 ||
	    memcmp(&a->final_loss, &b->final_loss, 4) != 0)
		return "metadata";
	return NULL;
}

/* ====================================================================== */
/* Reading and writing in memory and in files                             */
/* ====================================================================== */

static bytes
to_mem(const nn_model *m, int *rc, nn_err *e)
{
	bytes b = { NULL, 0 };
	char *p = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&p, &n);

	*rc = nn_model_write(m, fp, e);
	fclose(fp);
	b.p = (unsigned char *)p;
	b.n = n;
	return b;
}

static nn_model *
from_mem(const unsigned char *p, size_t n, nn_err *e)
{
	FILE *fp = n ? fmemopen((void *)p, n, "rb") : fopen("/dev/null", "rb");
	nn_model *m;

	if (fp == NULL) {
		printf("Bail out! fmemopen: %s\n", strerror(errno));
		exit(1);
	}
	m = nn_model_read(fp, NAME, e);
	fclose(fp);
	return m;
}

/* The reader refused the bytes with one line naming the file. */
static int
refused(const unsigned char *p, size_t n, nn_err *e)
{
	nn_model *m;

	e->msg[0] = '\0';
	if ((m = from_mem(p, n, e)) != NULL) {
		nn_model_free(m);
		snprintf(e->msg, sizeof(e->msg), "(accepted)");
		return 0;
	}
	return strncmp(e->msg, NAME ": ", strlen(NAME) + 2) == 0 &&
	    strchr(e->msg, '\n') == NULL && strlen(e->msg) > strlen(NAME) + 2;
}

static bytes
slurp_file(const char *path)
{
	bytes b = { NULL, 0 };
	unsigned char c[4096];
	size_t k;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return b;
	while ((k = fread(c, 1, sizeof(c), fp)) > 0)
		b_put(&b, c, k);
	fclose(fp);
	return b;
}

static int
same_bytes(bytes a, bytes b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static void
put_file(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	if (fp == NULL || fwrite(p, 1, n, fp) != n || fclose(fp) != 0) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

/* Entries of dir other than . and .. */
static int
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static char *
path_in(const char *dir, const char *name)
{
	char *p = nn_xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

/* ====================================================================== */
/* Tests                                                                  */
/* ====================================================================== */

static void
test_round_trip(const char *dir)
{
	static const nn_task tasks[3] = { NN_TASK_MULTICLASS, NN_TASK_BINARY,
		NN_TASK_REGRESSION };
	char *p1 = path_in(dir, "a.nn"), *p2 = path_in(dir, "b.nn");

	for (int t = 0; t < 3; t++) {
		const char *tn = nn_task_name(tasks[t]);
		nn_model *m = make_model(tasks[t], 42 + t), *l;
		nn_err e;
		int rc1, rc2;
		bytes f1, f2, w1, w2, ref;
		spec s;
		const char *d;

		e.msg[0] = '\0';
		tap_ok(nn_model_save(m, p1, &e) == 0, "%s: save (%s)", tn, e.msg);
		l = nn_model_load(p1, &e);
		tap_ok(l != NULL, "%s: load (%s)", tn, l ? "" : e.msg);
		if (l == NULL)
			continue;
		d = diff_models(m, l);
		tap_ok(d == NULL, "%s: loaded model equals the saved one%s%s", tn,
		    d ? ": differs in " : "", d ? d : "");
		tap_ok(nn_model_save(l, p2, &e) == 0, "%s: save again", tn);
		f1 = slurp_file(p1);
		f2 = slurp_file(p2);
		tap_ok(f1.n > 0 && same_bytes(f1, f2),
		    "%s: save, load, save gives identical bytes (%zu)", tn, f1.n);
		w1 = to_mem(m, &rc1, &e);
		w2 = to_mem(m, &rc2, &e);
		tap_ok(rc1 == 0 && rc2 == 0 && same_bytes(w1, w2) &&
		    same_bytes(w1, f1), "%s: writing twice gives identical bytes",
		    tn);
		s = spec_of(m);
		ref = encode(&s);
		tap_ok(same_bytes(ref, w1),
		    "%s: bytes are exactly the documented format", tn);
		{
			/* a long command line makes the checksum cover
			 * strings longer than the slicing-by-8 step, and the
			 * size the writer predicts must still match */
			char *cmd = nn_xmalloc(100001);
			memset(cmd, 'x', 100000);
			cmd[100000] = '\0';
			free(m->cmdline);
			m->cmdline = cmd;
			bytes w3 = to_mem(m, &rc1, &e);
			nn_model *l3 = from_mem(w3.p, w3.n, &e);
			tap_ok(rc1 == 0 && w3.n == w1.n + 100000 - 36 && l3 &&
			    diff_models(m, l3) == NULL, "%s: 100 kB command line "
			    "round trip (%zu bytes)", tn, w3.n);
			nn_model_free(l3);
			free(w3.p);
		}
		free(f1.p);
		free(f2.p);
		free(w1.p);
		free(w2.p);
		free(ref.p);
		nn_model_free(l);
		nn_model_free(m);
	}
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
}

static void
test_truncation_and_flips(nn_model *m)
{
	nn_err e;
	int rc;
	bytes b = to_mem(m, &rc, &e);
	size_t bad = 0, first = 0, nflip = 0;
	char first_msg[sizeof(e.msg) + 64] = "";

	for (size_t k = 0; k < b.n; k++)
		if (!refused(b.p, k, &e) && bad++ == 0) {
			first = k;
			snprintf(first_msg, sizeof(first_msg), "%s", e.msg);
		}
	tap_ok(bad == 0, "all %zu truncations refused with one line naming the "
	    "file%s%s", b.n, bad ? "; first bad length: " : "",
	    bad ? first_msg : "");
	if (bad)
		tap_diag("%zu bad, first at %zu", bad, first);

	bad = 0;
	for (size_t i = 0; i < b.n; i++)
		for (int bit = 0; bit < 8; bit++) {
			b.p[i] ^= (unsigned char)(1u << bit);
			if (!refused(b.p, b.n, &e) && bad++ == 0)
				snprintf(first_msg, sizeof(first_msg),
				    "byte %zu bit %d: %s", i, bit, e.msg);
			b.p[i] ^= (unsigned char)(1u << bit);
			nflip++;
		}
	tap_ok(bad == 0, "all %zu single-bit flips refused%s%s", nflip,
	    bad ? "; first: " : "", bad ? first_msg : "");

	/* after all that the original still reads */
	nn_model *l = from_mem(b.p, b.n, &e);
	tap_ok(l != NULL, "unflipped file still reads");
	nn_model_free(l);
	free(b.p);
	nn_model_free(m);
}

/* Run the reader in a child whose address space is capped a little above
 * what it uses now, so an allocation sized by a hostile count kills it.
 * (Under ASan the cap is left off: the shadow memory needs the space; ASan
 * then catches only allocations above its own maximum.) */
static int
refused_small(const bytes *b, char *msg, size_t msgsz)
{
	int fds[2], st;
	pid_t pid;
	ssize_t k;

	if (pipe(fds) < 0)
		return 0;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		nn_err e;
		FILE *fp;
		long pages;

		close(fds[0]);
		if (!SANITIZED && (fp = fopen("/proc/self/statm", "r")) != NULL) {
			if (fscanf(fp, "%ld", &pages) == 1) {
				struct rlimit rl;
				rl.rlim_cur = rl.rlim_max = (rlim_t)pages *
				    (rlim_t)sysconf(_SC_PAGESIZE) + (256 << 20);
				setrlimit(RLIMIT_AS, &rl);
			}
			fclose(fp);
		}
		if (refused(b->p, b->n, &e)) {
			if (write(fds[1], e.msg, strlen(e.msg)) < 0)
				_exit(3);
			_exit(0);
		}
		_exit(1);
	}
	close(fds[1]);
	k = read(fds[0], msg, msgsz - 1);
	msg[k > 0 ? k : 0] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return 0;
	if (WIFSIGNALED(st))
		snprintf(msg, msgsz, "reader died of signal %d", WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
test_hostile_counts(void)
{
	nn_model *m = make_model(NN_TASK_MULTICLASS, 11);
	spec s0 = spec_of(m), s;
	struct {
		const char *what, *tag;
		size_t at;          /* offset in the payload */
		uint32_t v;
		const char *want;
	} patch[] = {
		{ "feature count 2^32-1", "FEAT", 0, 0xffffffffu, "more than" },
		{ "label count 2^31-1", "LABL", 0, 0x7fffffffu, "more than" },
		{ "feature name length 2^32-16", "FEAT", 4, 0xfffffff0u, "exceeds" },
		{ "task name length 2^31", "ARCH", 0, 0x80000000u, "exceeds" },
		{ "scaling count 2^30", "SCAL", 4 + 8, 0x40000000u, "more than" },
		{ "parameter count high word", "WGHT", 4, 0x7fffffffu, "parameters" },
		{ "section length 2^63", "TARG", (size_t)-8, 0x80000000u,
		  "claims" },
	};
	char msg[600];
	bytes b;

	for (size_t i = 0; i < sizeof(patch) / sizeof(patch[0]); i++) {
		size_t off;

		b = encode(&s0);
		off = find_sec(&b, patch[i].tag, NULL) + patch[i].at;
		if (patch[i].at == (size_t)-8)  /* high word of the length */
			off = find_sec(&b, patch[i].tag, NULL) - 4;
		wr_u32(b.p + off, patch[i].v);
		recrc(&b);
		tap_ok(refused_small(&b, msg, sizeof(msg)) &&
		    strstr(msg, patch[i].want) != NULL,
		    "hostile %s: refused without a large allocation (%s)",
		    patch[i].what, msg);
		free(b.p);
	}

	/* the layer count: 2^31 layers of 12 bytes do not fit */
	s = s0;
	s.nl = 0x7fffffffu;
	b = encode(&s);
	tap_ok(refused_small(&b, msg, sizeof(msg)) &&
	    strstr(msg, "layer count") != NULL,
	    "hostile layer count 2^31-1: refused (%s)", msg);
	free(b.p);

	/* a consistent architecture of 2^28-wide layers (10 GiB of
	 * parameters and gradients) in a file of a few hundred bytes: the
	 * weights section must be checked before the model is allocated */
	s = s0;
	s.lout[0] = s.lin[1] = 1u << 28;
	b = encode(&s);
	tap_ok(refused_small(&b, msg, sizeof(msg)) &&
	    strstr(msg, "WGHT") != NULL,
	    "hostile 2^28-wide layer: refused before allocating (%s)", msg);
	free(b.p);

	/* widths whose parameter count overflows 64 bits */
	s = s0;
	s.nin = s.lin[0] = s.lout[0] = s.lin[1] = 0xffffffffu;
	b = encode(&s);
	tap_ok(refused_small(&b, msg, sizeof(msg)),
	    "hostile 2^32-1-wide layers: refused (%s)", msg);
	free(b.p);
	nn_model_free(m);
}

/* One field changed, encoded with a valid checksum: the message says what
 * is wrong. */
static void
test_bad_fields(void)
{
	nn_model *m = make_model(NN_TASK_MULTICLASS, 3);
	nn_model *mb = make_model(NN_TASK_BINARY, 4);
	nn_model *mr = make_model(NN_TASK_REGRESSION, 5);
	spec s0 = spec_of(m), sb = spec_of(mb), sr = spec_of(mr), s;
	float w[64], nanv = nanf(""), inf = INFINITY;
	char want[128];
	nn_err e;
	bytes b;
	uint64_t len;
	size_t off;

#define BAD(base, change, want, what) do {                                   \
	s = (base);                                                          \
	change;                                                              \
	b = encode(&s);                                                      \
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, want) != NULL,         \
	    "%s: \"%s\"", what, e.msg);                                      \
	free(b.p);                                                           \
} while (0)

	b = encode(&s0);
	{
		nn_model *l = from_mem(b.p, b.n, &e);
		tap_ok(l != NULL && diff_models(m, l) == NULL,
		    "test encoder and library agree on every field");
		nn_model_free(l);
	}
	free(b.p);

	BAD(s0, s.act[0] = "mish", "unknown activation \"mish\"",
	    "unknown activation");
	BAD(s0, s.act[1] = "Softmax", "unknown activation", "activation names "
	    "are case-sensitive");
	BAD(s0, s.task = "ranking", "unknown task \"ranking\"", "unknown task");
	BAD(s0, s.loss = "hinge", "unknown loss \"hinge\"", "unknown loss");
	BAD(s0, s.scale = "robust", "unknown scaling kind", "unknown scaling");
	BAD(s0, s.act[0] = "softmax", "output layer only", "softmax on a hidden "
	    "layer");
	BAD(s0, (s.lin[1] = 4), "layer 2 takes 4 inputs but layer 1 gives 3",
	    "layers that do not chain");
	BAD(s0, s.nin = 3, "layer 1 takes 2 inputs but the network has 3",
	    "first layer nin != nin");
	BAD(s0, s.nout = 4, "last layer gives 3 outputs but the network has 4",
	    "last layer nout != nout");
	BAD(s0, (s.lout[0] = s.lin[1] = 0), "zero width", "zero-width layer");
	BAD(s0, (s.nin = s.lin[0] = 0), "no inputs", "zero inputs");
	BAD(s0, s.nl = 0, "no layers", "zero layers");
	BAD(s0, s.nlab = 2, "needs 3 labels, not 2", "multiclass label count");
	BAD(sb, s.nlab = 3, "needs 2 labels, not 3", "binary with 3 labels");
	BAD(sb, s.nlab = 1, "needs 2 labels, not 1", "binary with 1 label");
	BAD(sr, (s.nlab = 2, s.lab[0] = "a", s.lab[1] = "b"), "no labels",
	    "regression with labels");
	BAD(sr, s.task = "binary", "needs 2 labels, not 0", "binary without "
	    "labels");
	BAD(s0, (s.task = "binary", s.nlab = 2), "1 output, not 3",
	    "binary with 3 outputs");
	memcpy(w, m->params, m->nparams * sizeof(float));
	w[5] = nanv;
	snprintf(want, sizeof(want), "parameter 6 of %zu is not finite",
	    m->nparams);
	BAD(s0, s.w = w, want, "NaN weight");
	w[5] = 0.0f;
	w[m->nparams - 1] = -inf;
	snprintf(want, sizeof(want), "parameter %zu of %zu is not finite",
	    m->nparams, m->nparams);
	BAD(s0, s.w = w, want, "-Inf bias");
	BAD(s0, s.off[1] = inf, "offset of feature 2 is not finite",
	    "Inf scaling offset");
	BAD(s0, s.fac[0] = nanv, "factor of feature 1 is not finite",
	    "NaN scaling factor");
	BAD(s0, s.nscal = 1, "scaling count 1 does not match", "scaling count");
	BAD(s0, s.nfeat = 1, "feature name count 1 does not", "feature name count");
	snprintf(want, sizeof(want), "%zu parameters, but the layers need %zu",
	    m->nparams - 1, m->nparams);
	BAD(s0, s.np = m->nparams - 1, want, "parameter count");
	BAD(s0, s.nw = m->nparams - 1, "WGHT section", "too few weights");
	BAD(s0, s.ncols = 4, "4 data columns", "column count");
	BAD(s0, s.tcol = 3, "target column 4 is outside", "target column");
	BAD(s0, s.order[0] = "ARCH", "SCAL section is missing",
	    "missing sections");
	{
		const char *o[] = { "ARCH", "SCAL", "FEAT", "TARG", "LABL", "META",
			NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)), "WGHT section is missing",
		    "missing WGHT");
	}
	{
		const char *o[] = { "ARCH", "SCAL", "FEAT", "TARG", "LABL", "META",
			"LABL", "WGHT", NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)), "a second LABL section",
		    "duplicate section");
	}
	{
		const char *o[] = { "ARCH", "SCAL", "FEAT", "Bnrm", "TARG", "LABL",
			"META", "WGHT", NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)),
		    "unknown critical section Bnrm", "unknown critical section");
	}
	{
		/* an ancillary section is skipped; any order is read */
		const char *o[] = { "WGHT", "optm", "META", "LABL", "TARG", "FEAT",
			"SCAL", "ARCH", "zzzz", NULL };
		nn_model *l;
		s = s0;
		memcpy(s.order, o, sizeof(o));
		b = encode(&s);
		l = from_mem(b.p, b.n, &e);
		tap_ok(l != NULL && diff_models(m, l) == NULL,
		    "unknown ancillary sections skipped, order free (%s)",
		    l ? "read" : e.msg);
		nn_model_free(l);
		free(b.p);
	}

	/* byte patches on a valid encoding, checksum recomputed */
	b = encode(&s0);
	off = find_sec(&b, "FEAT", &len);
	b.p[off + 4 + 4 + 3] = '\0';    /* inside "petal length" */
	recrc(&b);
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, "NUL") != NULL,
	    "embedded NUL in a string: \"%s\"", e.msg);
	free(b.p);

	b = encode(&s0);
	off = find_sec(&b, "TARG", &len);
	wr_u32(b.p + off, (uint32_t)len);    /* name longer than the section */
	recrc(&b);
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, "exceeds") != NULL &&
	    strstr(e.msg, "TARG section") != NULL,
	    "string length over what remains: \"%s\"", e.msg);
	free(b.p);

	b = encode(&s0);
	b.p[12] = 'a';  /* ARCH -> aRCH: ancillary, so ARCH goes missing */
	recrc(&b);
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, "ARCH section is "
	    "missing") != NULL, "ARCH renamed ancillary: \"%s\"", e.msg);
	b.p[12] = '1';
	recrc(&b);
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, "bad section tag") != NULL,
	    "tag with a digit: \"%s\"", e.msg);
	free(b.p);

	/* a section one byte longer than its fields */
	{
		bytes c = { NULL, 0 };
		b = encode(&s0);
		off = find_sec(&b, "TARG", &len);
		b_put(&c, b.p, off - 8);
		b_u64(&c, len + 1);
		b_put(&c, b.p + off, len);
		b_put(&c, "x", 1);
		b_put(&c, b.p + off + len, b.n - off - len);
		recrc(&c);
		tap_ok(refused(c.p, c.n, &e) && strstr(e.msg, "1 bytes left "
		    "over") != NULL, "extra byte in a section: \"%s\"", e.msg);
		free(c.p);
		free(b.p);
	}
#undef BAD
	nn_model_free(m);
	nn_model_free(mb);
	nn_model_free(mr);
}

/* Models with every layer option and a checkpoint of each optimizer: save,
 * load, save gives the same bytes, and the bytes are the documented
 * format. */
static void
test_full_round_trip(const char *dir)
{
	char *p1 = path_in(dir, "f1.nn"), *p2 = path_in(dir, "f2.nn");
	static const nn_task tasks[3] = { NN_TASK_MULTICLASS, NN_TASK_BINARY,
		NN_TASK_REGRESSION };

	for (int o = -1; o < NN_OPTIM_COUNT; o++) {
		nn_task task = tasks[(o + 1) % 3];
		nn_model *m = make_full(task, 100 + (uint64_t)(o + 1), o), *l;
		const char *on = o < 0 ? "no checkpoint" : nn_optim_name((nn_optim_kind)o);
		nn_err e;
		int rc;
		bytes f1, f2, w, ref;
		spec sp;
		const char *d;

		e.msg[0] = '\0';
		rc = nn_model_save(m, p1, &e);
		l = rc == 0 ? nn_model_load(p1, &e) : NULL;
		d = l ? diff_models(m, l) : "not read";
		tap_ok(l != NULL && d == NULL, "every layer option, %s, %s: "
		    "saved and loaded equal%s%s%s", nn_task_name(task), on,
		    d ? " -- " : "", d ? d : "", l ? "" : e.msg);
		if (l == NULL) {
			nn_model_free(m);
			continue;
		}
		rc = nn_model_save(l, p2, &e);
		f1 = slurp_file(p1);
		f2 = slurp_file(p2);
		tap_ok(rc == 0 && f1.n > 0 && same_bytes(f1, f2),
		    "every layer option, %s: save, load, save gives identical "
		    "bytes (%zu)", on, f1.n);
		w = to_mem(m, &rc, &e);
		sp = spec_of(m);
		ref = encode(&sp);
		tap_ok(rc == 0 && same_bytes(ref, w) && same_bytes(w, f1) &&
		    find_sec(&w, "LAYR", NULL) != 0 &&
		    (o < 0) == (find_sec(&w, "ckpt", NULL) == 0),
		    "every layer option, %s: bytes are exactly the documented "
		    "format", on);
		{
			/* the reader predicts as the writer did */
			nn_work *wa = nn_work_new(m, 3), *wb = nn_work_new(l, 3);
			const float x[6] = { 0.5f, -1.0f, 2.0f, 0.0f, -0.3f, 0.7f };
			float oa[9];
			memcpy(oa, nn_forward(m, wa, x, 3), 3 * m->nout * sizeof(float));
			tap_ok(memcmp(oa, nn_forward(l, wb, x, 3),
			    3 * m->nout * sizeof(float)) == 0,
			    "every layer option, %s: the loaded model predicts the "
			    "same bytes", on);
			nn_work_free(wa);
			nn_work_free(wb);
		}
		free(f1.p);
		free(f2.p);
		free(w.p);
		free(ref.p);
		nn_model_free(l);
		nn_model_free(m);
	}

	/* a plain network with a checkpoint; a leaky-relu of the default
	 * slope needs no LAYR, one of another slope does */
	{
		nn_model *m = make_model(NN_TASK_BINARY, 55);
		int rc;
		nn_err e;
		bytes w;
		m->ckpt = nn_xcalloc(1, sizeof(*m->ckpt));
		nn_optim_defaults(&m->ckpt->opt, NN_OPTIM_SGD);
		nn_rng_seed(&m->ckpt->rng, 1);
		w = to_mem(m, &rc, &e);
		nn_model *l = from_mem(w.p, w.n, &e);
		tap_ok(rc == 0 && l && diff_models(m, l) == NULL &&
		    find_sec(&w, "LAYR", NULL) == 0 && find_sec(&w, "ckpt",
		    NULL) != 0, "plain layers, sgd checkpoint: no LAYR, round "
		    "trip (%s)", l ? "ok" : e.msg);
		nn_model_free(l);
		free(w.p);
		m->layers[0].act = NN_ACT_LEAKY_RELU;
		m->layers[0].act_param = 0.01f;
		w = to_mem(m, &rc, &e);
		tap_ok(rc == 0 && find_sec(&w, "LAYR", NULL) == 0,
		    "leaky-relu of slope 0.01: no LAYR");
		free(w.p);
		m->layers[0].act_param = 0.05f;
		w = to_mem(m, &rc, &e);
		l = from_mem(w.p, w.n, &e);
		tap_ok(rc == 0 && find_sec(&w, "LAYR", NULL) != 0 && l &&
		    l->layers[0].act_param == 0.05f && diff_models(m, l) == NULL,
		    "leaky-relu of slope 0.05: LAYR, read back");
		nn_model_free(l);
		free(w.p);
		nn_model_free(m);
	}
	unlink(p1);
	unlink(p2);
	free(p1);
	free(p2);
}

/* LAYR and ckpt fields, one wrong at a time; the writer's refusals. */
static void
test_bad_options(void)
{
	nn_model *m = make_full(NN_TASK_BINARY, 77, NN_OPTIM_ADAM);
	nn_model *mm = make_full(NN_TASK_BINARY, 78, NN_OPTIM_MOMENTUM);
	spec s0 = spec_of(m), sm = spec_of(mm), s;
	float st[8], v[256], nanv = nanf("");
	nn_err e;
	bytes b;
	char msg[600];
	int rc;

#define BAD(base, change, want, what) do {                                   \
	s = (base);                                                          \
	change;                                                              \
	b = encode(&s);                                                      \
	tap_ok(refused(b.p, b.n, &e) && strstr(e.msg, want) != NULL,         \
	    "%s: \"%s\"", what, e.msg);                                      \
	free(b.p);                                                           \
} while (0)

	b = encode(&s0);
	{
		nn_model *l = from_mem(b.p, b.n, &e);
		tap_ok(l != NULL && diff_models(m, l) == NULL,
		    "test encoder and library agree on LAYR and ckpt");
		nn_model_free(l);
	}
	free(b.p);

	BAD(s0, s.nlayr = 3, "3 layers, but the architecture has 4",
	    "LAYR layer count");
	BAD(s0, s.aparam[0] = 1.5f, "leaky-relu parameter 1.5", "slope above 1");
	BAD(s0, s.aparam[0] = -0.1f, "leaky-relu parameter -0.1",
	    "negative slope");
	BAD(s0, s.aparam[0] = nanv, "leaky-relu parameter nan", "NaN slope");
	BAD(s0, s.aparam[1] = 0.5f, "gelu parameter 0.5", "parameter of gelu");
	BAD(s0, s.drop[0] = 1.0f, "dropout 1 is not in [0, 1)", "dropout 1");
	BAD(s0, s.drop[0] = -0.25f, "dropout -0.25 is not", "negative dropout");
	BAD(s0, s.drop[3] = 0.5f, "dropout 0.5 on the output layer",
	    "dropout on the output layer");
	BAD(s0, s.flags[3] = 1, "output layer with flags 0x1",
	    "batchnorm on the output layer");
	BAD(s0, s.flags[2] = 6, "unknown flags 0x6", "unknown flag bit");
	BAD(s0, (s.flags[0] = 2), "residual, but 2 inputs and 4 outputs",
	    "residual with nin != nout");
	memcpy(st, m->stats, sizeof(st));
	st[1] = nanv;
	BAD(s0, s.stats[0] = st, "running mean 2 is not finite",
	    "NaN running mean");
	memcpy(st, m->stats, sizeof(st));
	st[5] = -0.5f;
	BAD(s0, s.stats[0] = st, "running variance 2 is negative",
	    "negative running variance");
	st[5] = INFINITY;
	BAD(s0, s.stats[0] = st, "running variance 2 is not finite",
	    "infinite running variance");
	BAD(s0, (s.flags[2] = 3, s.stats[2] = NULL), "running statistics run "
	    "past", "batchnorm without its statistics");
	BAD(s0, s.flags[1] = 2, "LAYR section, byte",
	    "statistics of a layer that is not batchnorm");
	BAD(s0, (s.flags[1] = 2, s.stats[1] = NULL), "parameters take",
	    "batchnorm flag cleared: gamma and beta left over in WGHT");
	BAD(s0, s.np = s.nw = m->nparams - 8, "parameters take",
	    "weights without gamma and beta");
	{
		const char *o[] = { "ARCH", "SCAL", "FEAT", "TARG", "LABL", "META",
			"WGHT", "ckpt", NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)), "parameters take",
		    "LAYR missing: the weights do not fit plain layers");
	}
	{
		const char *o[] = { "ARCH", "LAYR", "SCAL", "FEAT", "TARG", "LABL",
			"META", "WGHT", "LAYR", NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)), "a second LAYR section",
		    "duplicate LAYR");
	}
	{
		const char *o[] = { "ARCH", "LAYR", "SCAL", "FEAT", "TARG", "LABL",
			"META", "WGHT", "ckpt", "ckpt", NULL };
		BAD(s0, memcpy(s.order, o, sizeof(o)), "a second ckpt section",
		    "duplicate ckpt");
	}

	BAD(s0, s.opt = "lbfgs", "unknown optimizer \"lbfgs\"",
	    "unknown optimizer");
	BAD(s0, s.nm = s.wm = 0, "0 first moments, but adam keeps",
	    "adam without first moments");
	BAD(sm, (s.nv = s.wv = m->nparams, s.vv = m->ckpt->v),
	    "second moments, but momentum keeps 0", "momentum with second "
	    "moments");
	BAD(s0, s.wv = m->nparams - 1, "run past the end",
	    "one second moment short");
	memcpy(v, m->ckpt->v, m->nparams * sizeof(float));
	v[3] = -1.0f;
	BAD(s0, s.vv = v, "second moment 4 is negative", "negative second "
	    "moment");
	v[3] = nanv;
	BAD(s0, s.vv = v, "second moment 4 is not finite", "NaN second moment");
	memcpy(v, m->ckpt->m, m->nparams * sizeof(float));
	v[m->nparams - 1] = INFINITY;
	BAD(s0, s.mm = v, "first moment", "infinite first moment");
	BAD(s0, s.oset[0] = 0.0f, "rate 0 is not positive", "rate 0");
	BAD(s0, s.oset[2] = 1.0f, "beta1 1 is not in [0, 1)", "beta1 1");
	BAD(s0, s.oset[4] = nanv, "eps nan", "NaN eps");
	BAD(s0, s.oset[5] = -1.0f, "weight decay -1", "negative decay");
	BAD(s0, memset(s.rng, 0, sizeof(s.rng)), "generator state is all zero",
	    "all-zero generator");
	BAD(s0, s.row = s.rows, "row 150 is past the 150 training rows",
	    "row past the data");
	{
		/* a hostile moment count: refused before any allocation */
		s = s0;
		s.nm = (uint64_t)1 << 60;
		b = encode(&s);
		tap_ok(refused_small(&b, msg, sizeof(msg)) &&
		    strstr(msg, "first moments, but") != NULL,
		    "hostile moment count 2^60: refused (%s)", msg);
		free(b.p);
	}
	{
		/* an unknown ancillary section beside ckpt is still skipped */
		const char *o[] = { "ckpt", "ARCH", "optm", "LAYR", "SCAL", "FEAT",
			"TARG", "LABL", "META", "WGHT", NULL };
		nn_model *l;
		s = s0;
		memcpy(s.order, o, sizeof(o));
		b = encode(&s);
		l = from_mem(b.p, b.n, &e);
		tap_ok(l != NULL && diff_models(m, l) == NULL, "LAYR and ckpt in "
		    "any order, unknown ancillary skipped (%s)", l ? "read" :
		    e.msg);
		nn_model_free(l);
		free(b.p);
	}
#undef BAD

	/* the writer applies the same rules and writes nothing */
	{
		static const struct { const char *what, *want; } cases[] = {
			{ "negative running variance", "running variance 1 is "
			  "negative" },
			{ "residual 2 -> 4", "residual, but 2 inputs" },
			{ "dropout on the output layer", "hidden layers only" },
			{ "slope 3", "bad leaky-relu parameter 3" },
			{ "adam checkpoint without v", "moments do not fit" },
			{ "nstats off by one", "running statistics, but" },
		};
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			nn_model *x = make_full(NN_TASK_BINARY, 90, NN_OPTIM_ADAM);
			float *keep = NULL;
			switch (i) {
			case 0: x->stats[x->layers[1].s_off + 4] = -1.0f; break;
			case 1: x->layers[0].residual = 1; break;
			case 2: x->layers[3].dropout = 0.5f; break;
			case 3: x->layers[0].act_param = 3.0f; break;
			case 4: keep = x->ckpt->v; x->ckpt->v = NULL; break;
			case 5: x->nstats++; break;
			}
			b = to_mem(x, &rc, &e);
			tap_ok(rc < 0 && b.n == 0 && strstr(e.msg, cases[i].want),
			    "nn_model_write refuses a model with %s: \"%s\"",
			    cases[i].what, e.msg);
			free(b.p);
			if (keep)
				x->ckpt->v = keep;
			if (i == 5)
				x->nstats--;
			nn_model_free(x);
		}
	}
	nn_model_free(m);
	nn_model_free(mm);
}

static void
test_envelope(void)
{
	nn_model *m = make_model(NN_TASK_MULTICLASS, 9);
	nn_err e;
	int rc;
	bytes b = to_mem(m, &rc, &e), c = { NULL, 0 };

	b_put(&c, b.p, b.n);
	memcpy(c.p, "NNKITMDX", 8);
	tap_ok(refused(c.p, c.n, &e) && strcmp(e.msg, NAME ": not an nnkit "
	    "model") == 0, "wrong magic: \"%s\"", e.msg);
	tap_ok(refused((const unsigned char *)"a,b\n1,2\n", 8, &e) &&
	    strcmp(e.msg, NAME ": not an nnkit model") == 0,
	    "a CSV file: \"%s\"", e.msg);
	tap_ok(refused(c.p, 0, &e) && strstr(e.msg, "empty") != NULL,
	    "empty file: \"%s\"", e.msg);
	memcpy(c.p, b.p, 8);
	wr_u32(c.p + 8, 7);
	tap_ok(refused(c.p, c.n, &e) && strcmp(e.msg, NAME ": model format "
	    "version 7 is newer than this nnkit (1)") == 0,
	    "newer version: \"%s\"", e.msg);
	wr_u32(c.p + 8, 0);
	tap_ok(refused(c.p, c.n, &e) && strstr(e.msg, "version 0") != NULL,
	    "version 0: \"%s\"", e.msg);
	wr_u32(c.p + 8, 1);
	c.p[c.n / 2] ^= 0x40;
	tap_ok(refused(c.p, c.n, &e) && strcmp(e.msg, NAME ": checksum mismatch "
	    "(file corrupt)") == 0, "bad CRC: \"%s\"", e.msg);
	c.p[c.n / 2] ^= 0x40;
	c.p[c.n - 1] ^= 1;
	tap_ok(refused(c.p, c.n, &e) && strstr(e.msg, "checksum mismatch"),
	    "damaged trailer: \"%s\"", e.msg);
	c.p[c.n - 1] ^= 1;

	b_put(&c, "\n", 1);
	tap_ok(refused(c.p, c.n, &e) && strstr(e.msg, "trailing data after "
	    "the checksum (1 bytes)") != NULL, "one trailing byte: \"%s\"", e.msg);
	c.n--;
	b_put(&c, b.p, b.n);
	tap_ok(refused(c.p, c.n, &e) && strstr(e.msg, "trailing") != NULL,
	    "two models concatenated: \"%s\"", e.msg);
	free(c.p);

	/* a whole valid file still reads (the patches above were undone) */
	{
		nn_model *l = from_mem(b.p, b.n, &e);
		tap_ok(l != NULL, "pristine copy reads");
		nn_model_free(l);
	}
	free(b.p);
	nn_model_free(m);
}

/* Through a pipe, a few bytes at a time: no seeking. */
static void
test_pipe(void)
{
	nn_model *m = make_model(NN_TASK_BINARY, 21), *l;
	nn_err e;
	int rc, fds[2], st;
	bytes b = to_mem(m, &rc, &e);
	pid_t pid;
	FILE *fp;

	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(fds[0]);
		for (size_t i = 0; i < b.n; i += 7) {
			size_t k = b.n - i < 7 ? b.n - i : 7;
			if (write(fds[1], b.p + i, k) != (ssize_t)k)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "rb");
	l = nn_model_read(fp, NAME, &e);
	fclose(fp);
	waitpid(pid, &st, 0);
	tap_ok(l != NULL && diff_models(m, l) == NULL, "read from a pipe (%s)",
	    l ? "ok" : e.msg);
	nn_model_free(l);

	/* an endless stream that is not a model is refused at its start */
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	if ((pid = fork()) == 0) {
		static const char junk[] = "1,2,3\n4,5,6\n";
		close(fds[0]);
		for (;;)
			if (write(fds[1], junk, sizeof(junk) - 1) < 0)
				_exit(0);
	}
	close(fds[1]);
	fp = fdopen(fds[0], "rb");
	l = nn_model_read(fp, NAME, &e);
	fclose(fp);     /* the writer gets SIGPIPE/EPIPE and ends */
	waitpid(pid, &st, 0);
	tap_ok(l == NULL && strstr(e.msg, "not an nnkit model") != NULL,
	    "endless non-model stream refused early: \"%s\"", e.msg);
	nn_model_free(l);
	free(b.p);
	nn_model_free(m);
}

static void
test_save_failures(const char *dir)
{
	nn_model *m = make_model(NN_TASK_MULTICLASS, 31);
	nn_model *m2 = make_model(NN_TASK_MULTICLASS, 32);
	char *sub = path_in(dir, "sub"), *target, *nodir, *isdir, *inner;
	static const char old[] = "old contents, not a model\n";
	bytes before, after;
	nn_err e;
	mode_t mask;
	struct stat st;
	int rc;
	FILE *fp;

	mkdir(sub, 0755);
	target = path_in(sub, "model.nn");
	put_file(target, old, sizeof(old) - 1);
	before = slurp_file(target);

	if (geteuid() != 0) {
		chmod(sub, 0555);
		tap_ok(nn_model_save(m, target, &e) < 0 &&
		    strstr(e.msg, target) && strstr(e.msg, strerror(EACCES)),
		    "save into an unwritable directory fails: \"%s\"", e.msg);
		chmod(sub, 0755);
	} else {
		tap_diag("running as root: chmod cannot make a directory "
		    "unwritable, using a missing directory instead");
		nodir = path_in(dir, "no/such/dir/model.nn");
		tap_ok(nn_model_save(m, nodir, &e) < 0 &&
		    strncmp(e.msg, nodir, strlen(nodir)) == 0 &&
		    strstr(e.msg, strerror(ENOENT)),
		    "save into a missing directory fails: \"%s\"", e.msg);
		free(nodir);
	}
	after = slurp_file(target);
	tap_ok(same_bytes(before, after), "the old file is byte-identical");
	tap_ok(count_entries(sub) == 1, "no temporary file is left (%d entries)",
	    count_entries(sub));
	free(after.p);

	/* the target is a directory that is not empty: refused before any
	 * file is written */
	isdir = path_in(sub, "d.nn");
	mkdir(isdir, 0755);
	inner = path_in(isdir, "keep");
	put_file(inner, "x", 1);
	tap_ok(nn_model_save(m, isdir, &e) < 0 && strstr(e.msg, isdir) &&
	    strstr(e.msg, strerror(EISDIR)), "save over a directory fails: "
	    "\"%s\"", e.msg);
	tap_ok(count_entries(sub) == 2 && count_entries(isdir) == 1,
	    "the failed save left no temporary file");
	unlink(inner);
	rmdir(isdir);

	/* a model the format cannot hold is refused before any file exists */
	free(m->labels[2]);
	m->labels[2] = NULL;
	tap_ok(nn_model_save(m, target, &e) < 0 && strstr(e.msg, "label 3"),
	    "a model with a missing label is not saved: \"%s\"", e.msg);
	after = slurp_file(target);
	tap_ok(same_bytes(before, after) && count_entries(sub) == 1,
	    "and nothing changed on disk");
	free(after.p);
	m->labels[2] = sdup("virginica");
	{
		bytes w = to_mem(m2, &rc, &e);
		free(w.p);
		m2->nlabels = 2;        /* inconsistent with 3 outputs */
		w = to_mem(m2, &rc, &e);
		tap_ok(rc < 0 && w.n == 0 && strstr(e.msg, "needs 3 labels"),
		    "nn_model_write refuses an invalid model, writes nothing: "
		    "\"%s\"", e.msg);
		free(w.p);
		m2->nlabels = 3;
	}

	/* a full device: the write error is reported */
	if ((fp = fopen("/dev/full", "wb")) != NULL) {
		tap_ok(nn_model_write(m, fp, &e) < 0 &&
		    strstr(e.msg, strerror(ENOSPC)),
		    "write to /dev/full fails: \"%s\"", e.msg);
		fclose(fp);
	}

	/* success replaces the old file, keeping its mode as writing in
	 * place would; a new file gets the mode open(2) would give */
	chmod(target, 0600);
	tap_ok(nn_model_save(m, target, &e) == 0 && stat(target, &st) == 0 &&
	    (st.st_mode & 0777) == 0600, "save over a 0600 file keeps 0600 "
	    "(got %04o)", (unsigned)st.st_mode & 0777);
	unlink(target);
	mask = umask(027);
	tap_ok(nn_model_save(m, target, &e) == 0, "save a new file");
	memset(&st, 0, sizeof(st));
	stat(target, &st);
	tap_ok((st.st_mode & 0777) == 0640, "umask 027 gives mode 0640 (got "
	    "%04o)", (unsigned)st.st_mode & 0777);
	umask(0);
	unlink(target);
	rc = nn_model_save(m2, target, &e);
	memset(&st, 0, sizeof(st));
	stat(target, &st);
	tap_ok(rc == 0 && (st.st_mode & 0777) == 0666, "umask 0 gives mode "
	    "0666 (got %04o)", (unsigned)st.st_mode & 0777);
	umask(mask);
	{
		nn_model *l = nn_model_load(target, &e);
		tap_ok(l != NULL && diff_models(m2, l) == NULL &&
		    count_entries(sub) == 1, "the new model replaced the old");
		nn_model_free(l);
	}

	/* a relative path (no slash): temporary file in the current dir */
	{
		char *cwd = getcwd(NULL, 0);
		nn_model *l = NULL;
		e.msg[0] = '\0';
		if (chdir(sub) == 0) {
			tap_ok(nn_model_save(m, "rel.nn", &e) == 0 &&
			    (l = nn_model_load("rel.nn", &e)) != NULL &&
			    diff_models(m, l) == NULL, "save and load a bare "
			    "file name (%s)", e.msg);
			nn_model_free(l);
			unlink("rel.nn");
			tap_ok(chdir(cwd) == 0, "back to the start directory");
		}
		free(cwd);
	}

	tap_ok(nn_model_load(nodir = path_in(dir, "missing.nn"), &e) == NULL &&
	    strncmp(e.msg, nodir, strlen(nodir)) == 0 &&
	    strstr(e.msg, strerror(ENOENT)), "load a missing file: \"%s\"",
	    e.msg);
	free(nodir);
	tap_ok(nn_model_load(sub, &e) == NULL && strstr(e.msg, sub),
	    "load a directory: \"%s\"", e.msg);

	unlink(target);
	rmdir(sub);
	free(before.p);
	free(target);
	free(isdir);
	free(inner);
	free(sub);
	nn_model_free(m);
	nn_model_free(m2);
}

int
main(void)
{
	char dir[] = "/tmp/test_model_io.XXXXXX";

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_round_trip(dir);
	test_truncation_and_flips(make_model(NN_TASK_MULTICLASS, 7));
	test_truncation_and_flips(make_full(NN_TASK_BINARY, 8, NN_OPTIM_ADAM));
	test_full_round_trip(dir);
	test_bad_options();
	test_hostile_counts();
	test_bad_fields();
	test_envelope();
	test_pipe();
	test_save_failures(dir);
	tap_ok(count_entries(dir) == 0, "nothing left in the scratch directory");
	rmdir(dir);
	return tap_done();
}
