/*
 * nn_model.h - the network: activations, dense layers, losses, the model
 * (architecture + one flat parameter buffer), forward/backward, training,
 * and the model file.
 *
 * Dimension legend used in shape comments throughout lib/:
 *   B    rows in a mini-batch
 *   nin  inputs of a layer,  nout  outputs of a layer
 *   D    features of the data set (= nin of the first layer)
 *   K    outputs of the network (1 for binary and regression, classes for
 *        multiclass)
 *   P    total number of parameters
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include "nn_base.h"

/* ---- activations --------------------------------------------------------- */

/* In memory an enum; in files always the name (nn_act_name), never the
 * number, so reordering this list cannot break a saved model. */
typedef enum nn_act {
	NN_ACT_LINEAR,
	NN_ACT_SIGMOID,
	NN_ACT_TANH,
	NN_ACT_RELU,
	NN_ACT_LEAKY_RELU,
	NN_ACT_ELU,
	NN_ACT_SWISH,
	NN_ACT_GELU,    /* exact: z Phi(z) = z (1 + erf(z / sqrt 2)) / 2 */
	NN_ACT_SOFTMAX, /* output layer only, row-wise */
	NN_ACT_COUNT
} nn_act;

const char *nn_act_name(nn_act a);
int nn_act_lookup(const char *name, nn_act *out); /* 0, or -1 if unknown */
/* The parameter an activation takes when none is given: leaky-relu's slope
 * for z < 0, 0.01; 0 for the others, which take none. */
float nn_act_param_default(nn_act a);
/* out = f(in), n values (softmax: `n` must be B*k and k the row width).
 * nn_act_forward uses the default parameter; _p takes it (leaky-relu: the
 * slope p; ignored by the other activations). */
void nn_act_forward(nn_act a, float *out, const float *in, size_t B, size_t k);
void nn_act_forward_p(nn_act a, float p, float *out, const float *in,
    size_t B, size_t k);
/* din += dout * f'(in), given in and out = f(in).  Not for softmax (which is
 * only used fused with cross-entropy, see nn_loss). */
void nn_act_backward(nn_act a, float *din, const float *dout, const float *in,
    const float *out, size_t n);
void nn_act_backward_p(nn_act a, float p, float *din, const float *dout,
    const float *in, const float *out, size_t n);

/* ---- tasks, losses, scaling ------------------------------------------- */

typedef enum nn_task { NN_TASK_BINARY, NN_TASK_MULTICLASS, NN_TASK_REGRESSION,
	NN_TASK_COUNT } nn_task;
typedef enum nn_loss { NN_LOSS_BCE, NN_LOSS_CCE, NN_LOSS_MSE, NN_LOSS_MAE,
	NN_LOSS_HUBER, NN_LOSS_COUNT } nn_loss;
typedef enum nn_scale { NN_SCALE_NONE, NN_SCALE_STANDARD, NN_SCALE_MINMAX,
	NN_SCALE_COUNT } nn_scale;

const char *nn_task_name(nn_task t);
int nn_task_lookup(const char *name, nn_task *out);
const char *nn_loss_name(nn_loss l);
int nn_loss_lookup(const char *name, nn_loss *out);
const char *nn_scale_name(nn_scale s);
int nn_scale_lookup(const char *name, nn_scale *out);

/* Mean loss over B rows of the network output `out` (B, K) (after the output
 * activation) against the targets; and, fused, its gradient with respect to
 * the output layer's *pre-activation* z, written (not added) to dz (B, K),
 * already divided by B.  y: (B) class indices (BCE, CCE); t: (B*K) values
 * (MSE).  BCE/CCE clamp probabilities away from 0 and 1 for the loss value
 * only; the gradient (p - y) is exact.  MSE, MAE and Huber (delta 1) are
 * means over B*K values of a linear output. */
double nn_loss_forward(nn_loss l, const float *out, const uint32_t *y,
    const float *t, size_t B, size_t K);
void nn_loss_backward(nn_loss l, float *dz, const float *out,
    const uint32_t *y, const float *t, size_t B, size_t K);

/* ---- layers: dense, batch normalisation, dropout ----------------------- */

/* out (B, nout) = in (B, nin) . w (nin, nout) + b (nout): one GEMM per batch. */
void nn_dense_forward(float *out, const float *in, const float *w,
    const float *b, size_t B, size_t nin, size_t nout);
/* dw (nin, nout) += in^T . dout;  db (nout) += column sums of dout;
 * din (B, nin) = dout . w^T  (written, not added; skipped when din is NULL). */
void nn_dense_backward(float *din, float *dw, float *db, const float *dout,
    const float *in, const float *w, size_t B, size_t nin, size_t nout);

/* Batch normalisation of the n columns of z (B, n):
 *   out = gamma (z - mean) / sqrt(var + NN_BN_EPS) + beta
 * In training, mean and var are the column's over the B rows (var divided
 * by B); in inference, the running statistics.  The running statistics move
 * towards each training batch's by NN_BN_MOMENTUM, with the batch variance
 * unbiased (times B / (B - 1)); batches of one row leave them alone. */
#define NN_BN_EPS 1e-5f
#define NN_BN_MOMENTUM 0.1f
/* Training: keeps xhat (B, n) (the normalised z), mean (n), var (n) and
 * rstd (n) = 1 / sqrt(var + eps) for backward.  xhat may be z itself. */
void nn_bn_forward_train(float *out, float *xhat, float *mean, float *var,
    float *rstd, const float *z, const float *gamma, const float *beta,
    size_t B, size_t n);
/* Inference with running mean rm (n) and variance rv (n); keeps xhat (B, n)
 * and rstd (n) the same way. */
void nn_bn_forward_infer(float *out, float *xhat, float *rstd, const float *z,
    const float *gamma, const float *beta, const float *rm, const float *rv,
    size_t B, size_t n);
/* dgamma (n) += column sums of dout xhat, dbeta (n) += column sums of dout;
 * dz (B, n) written (may be dout itself).  train: through the batch
 * statistics; otherwise the statistics are constants. */
void nn_bn_backward(float *dz, float *dgamma, float *dbeta, const float *dout,
    const float *xhat, const float *gamma, const float *rstd, size_t B,
    size_t n, int train);

/* Inverted dropout of n values: each is kept with probability 1 - p and then
 * scaled by 1 / (1 - p), so the expected output is the input and prediction
 * needs no rescaling.  mask (n) gets 0 or 1 / (1 - p), drawn in order from
 * r; out = in * mask (out may be in).  Backward is din = dout * mask. */
void nn_dropout_forward(float *out, float *mask, const float *in, float p,
    nn_rng *r, size_t n);

/* C (M, N) = alpha * op(A) . op(B) + beta * C, row-major; CBLAS underneath
 * (or the portable kernel with `make BLAS=none`). */
void nn_gemm(int transa, int transb, size_t M, size_t N, size_t K,
    float alpha, const float *A, size_t lda, const float *B, size_t ldb,
    float beta, float *C, size_t ldc);

/* ---- the model ------------------------------------------------------------ */

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
	float *grads;           /* (P) */

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

	/* resumable training state, or NULL (owned; freed by nn_model_free) */
	struct nn_ckpt *ckpt;

	/* training only, borrowed, never saved: (classes) loss weight of each
	 * class; nn_backward scales each row's loss and gradient by it */
	const float *class_w;
} nn_model;

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

/* Apply the stored input transform in place, x (B, D). */
void nn_model_scale(const nn_model *m, float *x, size_t B);

/* Activations of a batch, kept by forward for backward. */
typedef struct nn_work nn_work;
nn_work *nn_work_new(const nn_model *m, size_t maxb);
void nn_work_free(nn_work *w);

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
/* After nn_forward or nn_forward_train on the same x: add the gradient of
 * the mean loss over the batch, as that forward computed it (its masks and
 * statistics), to m->grads and return the loss. */
double nn_backward(nn_model *m, nn_work *w, const float *x,
    const uint32_t *y, const float *t, size_t B);
void nn_zero_grad(nn_model *m);
/* Move the running statistics of every batchnorm layer towards those of S
 * shards, in order: w[s] after nn_forward_train of rows[s] rows.  Call once
 * per training step, on one thread; a no-op without batchnorm. */
void nn_bn_update(nn_model *m, nn_work *const *w, const size_t *rows,
    size_t S);

/* ---- optimizers ---------------------------------------------------------- */

typedef enum nn_opt {
	NN_OPT_SGD, NN_OPT_MOMENTUM, NN_OPT_NESTEROV, NN_OPT_ADAM, NN_OPT_ADAMW,
	NN_OPT_RMSPROP, NN_OPT_ADAGRAD, NN_OPT_COUNT
} nn_opt;

const char *nn_opt_name(nn_opt o);
int nn_opt_lookup(const char *name, nn_opt *out);

typedef struct nn_optim_cfg {
	nn_opt kind;
	float lr;
	float momentum;      /* momentum, nesterov */
	float beta1, beta2;  /* adam, adamw; rmsprop's decay is beta2 */
	float eps;           /* adam, adamw, rmsprop, adagrad */
	float weight_decay;  /* added to the gradient (L2), decoupled for adamw */
} nn_optim_cfg;

/* Defaults: momentum 0.9, beta1 0.9, beta2 0.999, eps 1e-8, no decay. */
void nn_optim_defaults(nn_optim_cfg *c, nn_opt kind, float lr);

/* Optimizer state over a flat parameter buffer of n floats. */
typedef struct nn_optim {
	nn_optim_cfg c;
	size_t n;
	uint64_t t;          /* steps taken */
	float *m;            /* (n) first moment / velocity, or NULL */
	float *v;            /* (n) second moment / accumulator, or NULL */
} nn_optim;

/* Owned by the caller: nn_optim_free. */
nn_optim *nn_optim_new(const nn_optim_cfg *c, size_t n);
void nn_optim_free(nn_optim *o);
/* Start a step (advances t; call once per step before the ranges). */
void nn_optim_begin(nn_optim *o);
/* Update params[lo, hi) from grads[lo, hi).  Elementwise, so disjoint ranges
 * may run on different threads and give the same result as one call. */
void nn_optim_update(const nn_optim *o, float *params, const float *grads,
    size_t lo, size_t hi);

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

/* ---- training ------------------------------------------------------------- */

/* Learning-rate schedules, by epoch e = 1..E after a linear warm-up:
 *   constant     lr
 *   step         lr * gamma^floor((e - 1) / step)
 *   exponential  lr * gamma^(e - 1)
 *   inverse      lr / (1 + gamma (e - 1))
 *   cosine       lr * (1 + cos(pi (e - 1) / E)) / 2
 *   plateau      lr, times gamma whenever the validation loss has not
 *                improved for `step` epochs (the program tracks it; see
 *                nn_epoch.lr_factor) */
typedef enum nn_sched {
	NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_EXPONENTIAL, NN_SCHED_INVERSE,
	NN_SCHED_COSINE, NN_SCHED_PLATEAU, NN_SCHED_COUNT
} nn_sched;

const char *nn_sched_name(nn_sched s);
int nn_sched_lookup(const char *name, nn_sched *out);

typedef struct nn_schedule {
	nn_sched kind;
	size_t step;            /* step, plateau: epochs */
	double gamma;           /* step, exponential, inverse, plateau */
	size_t warmup;          /* epochs of linear warm-up: lr e / (warmup + 1) */
} nn_schedule;

/* The rate of epoch e (1-based) of E epochs, from the base rate. */
double nn_schedule_lr(const nn_schedule *s, double base, size_t e, size_t E);

/* What the per-epoch callback sees. */
typedef struct nn_epoch {
	size_t epoch;               /* 1-based, counting resumed epochs */
	double loss;                /* mean training loss (penalties excluded) */
	double acc;                 /* training accuracy, NAN for regression */
	double lr;                  /* rate of this epoch */
	double seconds;             /* wall time of the epoch */
	size_t nlayers;
	/* with cfg.stats only, else NULL: per layer (nlayers), weights only */
	const double *grad_norm;    /* mean over the epoch's steps of ||dL/dW|| */
	const double *weight_norm;  /* ||W|| at the end of the epoch */
	const double *update_ratio; /* mean over the steps of ||dW|| / ||W|| */
	/* the callback may lower it (reduce-on-plateau): the rate from the
	 * next epoch on is multiplied by it; starts at 1 */
	double lr_factor;
} nn_epoch;

typedef struct nn_train_cfg {
	size_t epochs;          /* >= 1: epochs to run (after a resumed one) */
	size_t batch;           /* >= 1 */
	nn_optim_cfg opt;
	nn_schedule sched;
	uint64_t seed;          /* shuffling (and dropout masks) */
	int threads;            /* >= 1; the weights do not depend on it */
	float l1, l2;           /* penalties on the weights (not the biases):
	                           l1 |w| and l2 w^2 / 2 added to the loss */
	float clip_norm;        /* > 0: scale the gradient to at most this norm */
	float clip_value;       /* > 0: clamp each gradient to [-v, v] */
	const float *class_w;   /* (classes) loss weight of each class, or NULL */
	int resume;             /* continue from m->ckpt (optimizer, epoch, rng) */
	int stats;              /* fill nn_epoch's per-layer statistics */
	volatile int *stop;     /* set (by a signal handler): stop after the
	                           current batch */
	/* called after every epoch; a non-zero return stops training (the model
	 * keeps the weights reached).  May be NULL. */
	int (*on_epoch)(void *ctx, nn_epoch *ep);
	/* called after every batch (on the calling thread) with the epoch, the
	 * 1-based batch, the batches of the epoch and the batch's loss; for
	 * progress displays.  May be NULL. */
	void (*on_batch)(void *ctx, size_t epoch, size_t batch, size_t nbatch,
	    double loss);
	void *ctx;
} nn_train_cfg;

typedef struct nn_train_res {
	double loss;            /* mean loss of the last complete epoch */
	size_t epoch;           /* epochs completed (counting resumed ones) */
	size_t row;             /* rows into the next epoch (after a stop) */
	int stopped;            /* cfg->stop was seen */
	size_t bad_epoch, bad_batch, bad_layer; /* where a non-finite value
	                           appeared (layer 1-based), after an error */
} nn_train_res;

/* Mini-batch gradient descent over n rows of scaled x (n, D).  Each epoch
 * shuffles the rows 0..n-1 afresh with the seeded generator.  Targets: y (n)
 * class indices for binary/multiclass, t (n) for regression.
 *
 * Threads: each mini-batch of B rows is cut into nn_train_shards(B) shards
 * whose boundaries depend on B alone; each shard's gradient is computed
 * with a single-threaded GEMM into its own buffer and the shards are summed
 * in shard order.  Which thread computes a shard never matters, so the
 * weights are the same for every thread count.
 *
 * On return m->ckpt holds the state to resume from (allocated if absent).
 * Returns 0, or -1 when the loss or a gradient stops being finite (the
 * message names epoch, batch and layer; no non-finite value was applied:
 * the params hold the last finite state). */
int nn_train(nn_model *m, const float *x, const uint32_t *y, const float *t,
    size_t n, const nn_train_cfg *cfg, nn_train_res *res, nn_err *e);
size_t nn_train_shards(size_t B);

/* Mean loss and accuracy (NAN for regression) of the model on n rows of
 * scaled x, in inference mode, computed in batches. */
double nn_evaluate(const nn_model *m, const float *x, const uint32_t *y,
    const float *t, size_t n, double *acc);

/* ---- looking inside a step (lib/trace.c) --------------------------------- */

/* Write to fp the forward and backward pass of B rows of scaled x through
 * the dense layers (every z, a, dz, dW, db, the loss) and the weights after
 * one step of the optimizer oc.  The model is not changed.  A model with
 * batch norm, dropout or skip connections is refused (-1). */
int nn_trace(FILE *fp, const nn_model *m, const float *x, const uint32_t *y,
    const float *t, size_t B, const nn_optim_cfg *oc, nn_err *e);
/* Compare backprop's gradient of the mean loss over B rows with central
 * differences, in training mode with one fixed dropout mask and the batch's
 * own normalisation statistics, for up to 64 parameters per layer (w, b,
 * and batch norm's gamma, beta) spread evenly.  Per layer: worst (nlayers)
 * gets the largest relative error of one parameter, |a - n| / max(|a| +
 * |n|, 1e-3), and rel (nlayers) the relative error of the layer's gradient
 * as a vector, ||a - n|| / sqrt(||a||^2 + ||n||^2).  Each n is the central
 * difference, over steps from 0.03 to 0.0001, closest to a (a relu kink
 * spoils some steps but rarely all).  The parameters are restored. */
int nn_gradcheck(nn_model *m, const float *x, const uint32_t *y,
    const float *t, size_t B, double *worst, double *rel, nn_err *e);

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

#endif
