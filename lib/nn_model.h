/*
 * nn_model.h - the network: architecture over one flat parameter buffer,
 * initialisation, input scaling, forward/backward, and the model file with
 * its optional checkpoint (the optimizer's state for --resume).
 *
 *   model.c      nn_model_*, nn_task_*, nn_init_*, nn_work_*, nn_forward*,
 *                nn_backward, nn_backward_set, nn_zero_grad, nn_bn_update,
 *                nn_ckpt_free
 *   optim.c      nn_optim_name/lookup/defaults (the optimizer's settings,
 *                which a checkpoint stores; its state is nn_train.h's)
 *   model_io.c   nn_model_read/write/save/load/check
 *
 * Shapes use the legend of nn_layers.h.
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "nn_enc.h"
#include "nn_layers.h"

/* ---- the model ------------------------------------------------------------ */

/* What the network predicts, and how its inputs are scaled (fitted on the
 * training data, stored in the model, applied by prediction). */
typedef enum nn_task { NN_TASK_BINARY, NN_TASK_MULTICLASS, NN_TASK_REGRESSION,
	NN_TASK_COUNT } nn_task;
typedef enum nn_scale { NN_SCALE_NONE, NN_SCALE_STANDARD, NN_SCALE_MINMAX,
	NN_SCALE_COUNT } nn_scale;

const char *nn_task_name(nn_task t);
int nn_task_lookup(const char *name, nn_task *out);
const char *nn_scale_name(nn_scale s);
int nn_scale_lookup(const char *name, nn_scale *out);

/* A layer: z = in . w + b, then (hidden layers, optionally) batch
 * normalisation, the activation, dropout and a skip connection:
 *   u = batchnorm ? BN(z) : z
 *   h = f(u)
 *   a = (residual ? in : 0) + (dropout, training only ? drop(h) : h)
 * The dropout falls on the layer's own contribution, never on the skip
 * path, so a residual block can pass its input through unchanged. */
typedef struct nn_dense {
	size_t nin, nout;
	nn_act act;
	float act_param;  /* leaky-relu: slope for z < 0; 0 for the others */
	float dropout;    /* probability of dropping an output in training,
	                     [0, 1); 0 = none.  Hidden layers only */
	int batchnorm;    /* normalise z over the batch.  Hidden layers only */
	int residual;     /* add the input to the output; nin == nout.
	                     Hidden layers only */
	size_t w_off;     /* offset of w (nin, nout) in params/grads */
	size_t b_off;     /* offset of b (nout) */
	size_t g_off;     /* batchnorm: offset of gamma (nout), then beta
	                     (nout) at g_off + nout; else 0 */
	size_t s_off;     /* batchnorm: offset of the running mean (nout), then
	                     the running variance (nout), in m->stats; else 0 */
} nn_dense;

/* What nn_model_new needs of each layer beyond its size. */
typedef struct nn_layer_opts {
	nn_act act;
	float act_param;  /* leaky-relu's slope in [0, 1]; ignored by the
	                     other activations (stored as 0) */
	float dropout;
	int batchnorm, residual;
} nn_layer_opts;

typedef struct nn_model {
	/* architecture */
	size_t nlayers;
	nn_dense *layers;       /* (nlayers) */
	size_t nin, nout;       /* D and K */
	nn_task task;
	nn_loss loss;

	/* parameters and gradients: one flat buffer each, same layout: per
	 * layer w, b, and for batchnorm layers gamma, beta */
	size_t nparams;         /* P */
	float *params;          /* (P) */
	float *grads;           /* (P); NULL in a model read from a file
	                           until nn_zero_grad or nn_backward needs it */

	/* batch normalisation's running statistics, learned by averaging
	 * rather than by gradient (nn_bn_update) and used by nn_forward:
	 * per batchnorm layer, mean (nout) then variance (nout) at s_off */
	size_t nstats;
	float *stats;           /* (nstats), NULL when 0 */

	/* input transform fitted on the training data, applied by prediction:
	 * x'[j] = (x[j] - offset[j]) * factor[j] */
	nn_scale scale;
	float *offset;          /* (D) */
	float *factor;          /* (D) */

	/* names */
	char **feat_names;      /* (D) */
	char *target_name;
	uint32_t target_col;    /* 0-based column of the target in training data */
	uint32_t ncols;         /* columns of the training data */
	size_t nlabels;         /* classification: class label strings */
	char **labels;          /* (nlabels); binary: 2, class 1 is labels[1] */

	/* training metadata (stored, shown by tools, never affects prediction) */
	uint64_t seed;
	char *cmdline;          /* the nn-train command line */
	uint32_t data_crc;      /* CRC-32 of the training input's bytes */
	uint64_t data_rows;
	uint32_t epochs, batch;
	float lr;
	float final_loss;
	uint32_t ranks;         /* processes that trained it together (MPI,
	                           nn-train-mpi); 0 or 1: one */

	/* the user's columns as features, or NULL (a model of numeric
	 * features named feat_names, missing values refused); owned */
	struct nn_enc *enc;

	/* resumable training state, or NULL (owned; freed by nn_model_free) */
	struct nn_ckpt *ckpt;

} nn_model;

/* Lay out m's layers as nn_model_new does -- nlayers, layers, nin, nout,
 * nparams, nstats and every offset, with the same checks -- without
 * allocating params, grads, stats, offset or factor: for the model reader,
 * which fills them from the file.  0, or -1 with a message. */
int nn_model_shape(nn_model *m, size_t nlayers, const size_t *sizes,
    const nn_layer_opts *lo, nn_err *e);
/* Allocate a model with nlayers dense layers of sizes[0] -> sizes[1] -> ...
 * -> sizes[nlayers] and the options lo[nlayers]; lays out params/grads
 * (zeroed, but gamma 1) and stats (mean 0, variance 1), offset/factor
 * (identity), names empty (NULL), task binary, loss bce.  Sizes are checked
 * for overflow; dropout, batchnorm and residual only on hidden layers,
 * residual only where nin == nout, dropout in [0, 1), a leaky-relu slope in
 * [0, 1].  Returns NULL with a message on error.  Owned by the caller:
 * nn_model_free (frees every member). */
nn_model *nn_model_new(size_t nlayers, const size_t *sizes,
    const nn_layer_opts *lo, nn_err *e);
/* The same with activations acts[nlayers] only (default parameters). */
nn_model *nn_model_alloc(size_t nlayers, const size_t *sizes,
    const nn_act *acts, nn_err *e);
void nn_model_free(nn_model *m);

/* A hidden layer as nn-train's -l gives it: "64:relu" or "64". */
typedef struct nn_hidden {
	size_t width;
	int has_act;            /* an activation was named */
	nn_act act;
} nn_hidden;
#define NN_MAX_HIDDEN 1000
#define NN_MAX_WIDTH 1000000L
/* Parse "16,8,4" or "64:relu,32:tanh,16"; "" is no hidden layer.  Returns
 * the number of layers with *out (owned: free), or -1 with a message. */
long nn_hidden_parse(const char *spec, nn_hidden **out, nn_err *e);

/* Weight initialisation; biases and beta zero, gamma one, running mean 0
 * and variance 1:
 *   auto     he for the relu family (relu, leaky-relu, elu, swish, gelu),
 *            xavier otherwise, layer by layer
 *   he       normal, sd sqrt(2 / nin)
 *   xavier   normal, sd sqrt(2 / (nin + nout))   (Glorot)
 *   lecun    normal, sd sqrt(1 / nin)
 *   uniform  uniform in +-sqrt(6 / (nin + nout))  (Glorot) */
typedef enum nn_init {
	NN_INIT_AUTO, NN_INIT_HE, NN_INIT_XAVIER, NN_INIT_LECUN,
	NN_INIT_UNIFORM, NN_INIT_COUNT
} nn_init;

const char *nn_init_name(nn_init i);
int nn_init_lookup(const char *name, nn_init *out);
void nn_model_init_with(nn_model *m, nn_rng *r, nn_init kind);
void nn_model_init(nn_model *m, nn_rng *r);     /* auto */

/* ---- scaling (lib/scale.c): fitted on training data, applied by all ------ */

/* Fit m->offset/m->factor to n rows of x (n, D) as m->scale says. */
void nn_scale_fit(nn_model *m, const float *x, size_t n);
/* The same fit, the same bytes, over rows r (nn_train.h) that may be shared
 * out to the ranks of d (r->part): every rank calls it and gets the fit of
 * all r->n rows -- the sums run through the ranks in rank order
 * (nn_dist_chain), so they add the rows in file order.  Without part (or
 * without ranks) it is nn_scale_fit.  0, or -1 when the ranks fail. */
typedef struct nn_rows nn_rows;
int nn_scale_fit_rows(nn_model *m, const nn_rows *r, const nn_dist *d,
    nn_err *e);
/* Apply the stored input transform in place, x (B, D). */
void nn_model_scale(const nn_model *m, float *x, size_t B);

/* A regression target's standardisation during training: t' = (t - mean) /
 * sd.  Never stored: nn_tscale_fold moves it into the linear output layer
 * once training ends, nn_tscale_unfold takes it out of a model that goes on
 * training. */
typedef struct nn_tscale {
	int on;                 /* regression, and m->scale is not none */
	double mean, sd;
} nn_tscale;

nn_tscale nn_tscale_fit(const nn_model *m, const float *t, size_t n);
void nn_tscale_apply(const nn_tscale *ts, float *t, size_t n);
void nn_tscale_fold(nn_model *m, const nn_tscale *ts);
void nn_tscale_unfold(nn_model *m, const nn_tscale *ts);

/* Activations of a batch, kept by forward for backward: for up to maxb
 * rows, some floats per row for every layer (2 to 5 times its width) --
 * for a deep network far more than its input.  Size maxb with
 * nn_work_rows. */
typedef struct nn_work nn_work;
nn_work *nn_work_new(const nn_model *m, size_t maxb);
void nn_work_free(nn_work *w);
/* The most rows, from 1 to maxb, whose nn_work and extra floats per row
 * (the caller's input rows) take at most budget bytes; 1 row may take
 * more.  Prediction and evaluation use NN_WORK_BUDGET, so that their
 * memory is the model's plus a fixed amount, whatever its depth. */
#define NN_WORK_BUDGET ((size_t)64 << 20)
size_t nn_work_rows(const nn_model *m, size_t extra, size_t budget,
    size_t maxb);

/* Forward B <= maxb rows of scaled input x (B, D) in inference mode: no
 * dropout, batch normalisation with the running statistics.  Returns the
 * output (B, K) after the output activation; borrowed from w, valid until
 * the next call. */
const float *nn_forward(const nn_model *m, nn_work *w, const float *x,
    size_t B);
/* The same in training mode: dropout masks drawn from an nn_rng seeded
 * with seed (give each batch and shard its own), batch normalisation with
 * the statistics of these B rows, kept in w for nn_bn_update. */
const float *nn_forward_train(const nn_model *m, nn_work *w, const float *x,
    size_t B, uint64_t seed);
/* The class a row o (K) of the output picks: for one output class 1 when
 * its probability is at least 0.5, else 0; for several the largest (the
 * first of equals).  Training's accuracy, nn-predict and nn-tune agree by
 * using it. */
size_t nn_out_class(const float *o, size_t K);
/* The output layer's pre-activation (B, K) of the last forward: the logits
 * the loss is computed from.  Borrowed from w, like nn_forward's result. */
const float *nn_work_logits(const nn_work *w);
/* After nn_forward or nn_forward_train on the same x: add the gradient of
 * the mean loss over the batch, as that forward computed it (its masks and
 * statistics), to m->grads and return the loss.  cw: (classes) class
 * weights or NULL (see nn_loss_forward). */
double nn_backward(nn_model *m, nn_work *w, const float *x,
    const uint32_t *y, const float *t, const float *cw, size_t B);
/* The same, but writing m->grads instead of adding to it: every parameter's
 * gradient is set (the bytes nn_zero_grad then nn_backward give), so a
 * trainer needs no zeroing pass over the whole buffer per batch. */
double nn_backward_set(nn_model *m, nn_work *w, const float *x,
    const uint32_t *y, const float *t, const float *cw, size_t B);
/* Batch normalisation's statistics of the last forward in training mode
 * of w (m->nstats floats: each batchnorm layer's mean, then variance), to
 * hand to another process; nn_work_bn_set puts them into w as if its own
 * forward had computed them (for nn_bn_update). */
void nn_work_bn_get(const nn_model *m, const nn_work *w, float *out);
void nn_work_bn_set(const nn_model *m, nn_work *w, const float *in);
/* Zero m->grads, allocating it when NULL. */
void nn_zero_grad(nn_model *m);
/* Move the running statistics of every batchnorm layer once towards the
 * whole batch's mean and unbiased variance, pooled in order from S shards:
 * w[s] after nn_forward_train of rows[s] rows.  Call once per training
 * step, on one thread; a no-op without batchnorm or with fewer than 2 rows. */
void nn_bn_update(nn_model *m, nn_work *const *w, const size_t *rows,
    size_t S);

/* ---- optimizers ---------------------------------------------------------- */

typedef enum nn_optim_kind {
	NN_OPTIM_SGD, NN_OPTIM_MOMENTUM, NN_OPTIM_NESTEROV, NN_OPTIM_ADAM, NN_OPTIM_ADAMW,
	NN_OPTIM_RMSPROP, NN_OPTIM_ADAGRAD, NN_OPTIM_COUNT
} nn_optim_kind;

const char *nn_optim_name(nn_optim_kind o);
int nn_optim_lookup(const char *name, nn_optim_kind *out);

typedef struct nn_optim_cfg {
	nn_optim_kind kind;
	float lr;            /* the base rate; a schedule scales it per epoch */
	float momentum;      /* momentum, nesterov */
	float beta1, beta2;  /* adam, adamw; rmsprop's decay is beta2 */
	float eps;           /* adam, adamw, rmsprop, adagrad */
	float weight_decay;  /* added to the gradient (L2), decoupled for adamw */
} nn_optim_cfg;

/* Every setting of kind at its default (lib/optim.c says why):
 *   lr        0.1 (sgd, momentum, nesterov), 0.01 (adagrad), 0.001 (adam,
 *             adamw, rmsprop)
 *   momentum  0.9;  beta1 0.9;  beta2 0.999 (rmsprop: 0.9);  eps 1e-8;
 *   weight_decay 0 */
void nn_optim_defaults(nn_optim_cfg *c, nn_optim_kind kind);

/* ---- checkpoints ----------------------------------------------------------- */

/* What resuming needs beyond the weights: the optimizer's state, the epochs
 * done and the shuffling generator's state after them.  Stored in the model
 * file's optional checkpoint sections (nn-model(5)); NULL when absent. */
typedef struct nn_ckpt {
	nn_optim_cfg opt;       /* the optimizer and its settings */
	uint64_t t;             /* optimizer steps taken */
	float *m;               /* (P) first moment / velocity, or NULL */
	float *v;               /* (P) second moment / accumulator, or NULL */
	uint64_t epoch;         /* epochs completed */
	uint64_t row;           /* rows of epoch `epoch`+1 already trained
	                           (a stop between batches), 0 at an epoch end */
	nn_rng rng;             /* shuffling generator before epoch `epoch`+1's
	                           shuffle (each epoch shuffles 0..n-1 afresh) */
} nn_ckpt;

void nn_ckpt_free(nn_ckpt *c);
/* ---- the model file (man/nn-model.5) ------------------------------------- */

/* Write the whole model to fp.  0, or -1 on a write error. */
int nn_model_write(const nn_model *m, FILE *fp, nn_err *e);
/* Read and validate a model; name is used in messages.  Trusts nothing (see
 * nn-model(5)).  Owned by the caller: nn_model_free. */
nn_model *nn_model_read(FILE *fp, const char *name, nn_err *e);
/* Atomic save: temp file beside path, fsync, rename, fsync the directory;
 * on error the previous file at path is untouched and no temp file stays. */
int nn_model_save(const nn_model *m, const char *path, nn_err *e);
nn_model *nn_model_load(const char *path, nn_err *e);
/* The rules of nn-model(5) on a model in memory: what the writers check
 * before writing a byte (other forms of the model, lib/model_json.c, build
 * one and check it so).  The message names no file. */
int nn_model_check(const nn_model *m, nn_err *e);

#endif
