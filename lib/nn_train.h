/*
 * nn_train.h - learning: optimizer state and updates, learning-rate
 * schedules, the mini-batch training loop (threads, validation, early
 * stopping), evaluation, and looking inside a step.
 *
 *   optim.c    nn_optim_new/free/begin/update
 *   train.c    nn_sched_*, nn_train*, nn_evaluate
 *   trace.c    nn_trace, nn_gradcheck
 *
 * Shapes use the legend of nn_layers.h.
 */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include "nn_model.h"

/* ---- optimizer state ------------------------------------------------------ */


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
/* Update params[lo, hi) from grads[lo, hi) with this step's rate lr (the
 * schedule's, from o->c.lr; the state never stores it).  Elementwise, so
 * disjoint ranges may run on different threads and give the same result as
 * one call. */
void nn_optim_update(const nn_optim *o, float lr, float *params,
    const float *grads, size_t lo, size_t hi);

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
typedef enum nn_sched_kind {
	NN_SCHED_CONSTANT, NN_SCHED_STEP, NN_SCHED_EXPONENTIAL, NN_SCHED_INVERSE,
	NN_SCHED_COSINE, NN_SCHED_PLATEAU, NN_SCHED_COUNT
} nn_sched_kind;

const char *nn_sched_name(nn_sched_kind s);
int nn_sched_lookup(const char *name, nn_sched_kind *out);

typedef struct nn_sched {
	nn_sched_kind kind;
	size_t step;            /* step, plateau: epochs */
	double gamma;           /* step, exponential, inverse, plateau */
	size_t warmup;          /* epochs of linear warm-up: lr e / (warmup + 1) */
} nn_sched;

/* The rate of epoch e (1-based) of E epochs, from the base rate. */
double nn_sched_lr(const nn_sched *s, double base, size_t e, size_t E);

/* Rows of a data set, borrowed: the caller owns the buffers.  With part,
 * the features are shared out over the ranks of a dist (nn_train_cfg.dist):
 * this rank holds rows [lo, hi) of the n, the ranks below it the rows
 * before, the ranks above the rows after (hi - lo may be 0); the targets
 * are every row's on every rank (4 bytes a row against 4 D). */
typedef struct nn_rows {
	size_t n;
	size_t d;               /* D */
	float *x;               /* (n, D), with part (hi - lo, D) */
	uint32_t *y;            /* (n) class indices (classification), or NULL */
	float *t;               /* (n) targets (regression), or NULL */
	int part;
	size_t lo, hi;          /* with part: the rows x holds */
} nn_rows;

/* out gets rows idx[0..k) of r, copied (owned: nn_rows_free).  With
 * r->part, idx must increase (a hold-out split, a fold: rows in file order)
 * and out is a part too: of its k rows this rank holds those it held in r,
 * out->lo = how many idx are below r->lo, out->hi how many below r->hi. */
void nn_rows_take(nn_rows *out, const nn_rows *r, const uint32_t *idx,
    size_t k);
/* Free the buffers of rows made by nn_rows_take (or owned likewise). */
void nn_rows_free(nn_rows *r);

/* What the per-epoch callback sees. */
typedef struct nn_epoch {
	size_t epoch;               /* 1-based, counting resumed epochs */
	double loss;                /* mean training loss (class-weighted,
	                               penalties excluded) */
	double acc;                 /* training accuracy, NAN for regression */
	double val_loss, val_acc;   /* on cfg.val (unweighted); NAN without */
	double lr;                  /* rate of this epoch */
	double seconds;             /* wall time of the epoch */
	size_t nlayers;
	/* with cfg.stats only, else NULL: per layer (nlayers), weights only */
	const double *grad_norm;    /* mean over the epoch's steps of ||dL/dW|| */
	const double *weight_norm;  /* ||W|| at the end of the epoch */
	const double *update_ratio; /* mean over the steps of ||dW|| / ||W|| */
} nn_epoch;

/* Training shared by several processes (ranks): cfg->dist (nn_dist,
 * nn_base.h).  Every rank calls nn_train with the same model, settings and
 * targets, and either every row's features or its part of them
 * (nn_rows.part; cfg->val alike, independently of the training rows).  Of
 * each batch's shards (see nn_train), rank r computes those with
 * s % size == r -- with parts, it first fetches their rows from the ranks
 * holding them, one swap() per batch.  The parameters are cut into size
 * contiguous slices of blocks, one per rank: a second swap() gives each
 * rank its slice of every shard's gradient, which it sums in shard order
 * and steps, as one process would; share() then gives every rank each
 * block's norm and finiteness (so all clip and refuse alike), each shard's
 * loss and statistics, and after the step every slice of the parameters
 * (and of the summed gradient with stats, or after a refused step; of the
 * optimizer's moments before the checkpoint) -- so the weights are the
 * same bytes for any number of ranks (and threads per rank).  Only data
 * moves between ranks, never an addition: no result depends on how the
 * transport orders anything. */

/* Everything that decides how a model learns: one home for each setting. */
typedef struct nn_train_cfg {
	size_t epochs;          /* >= 1: epochs to run (after a resumed one) */
	size_t batch;           /* >= 1 */
	nn_optim_cfg opt;       /* nn_optim_defaults, then the user's changes */
	nn_sched sched;
	uint64_t seed;          /* the run's seed; shuffling and dropout masks
	                           draw from streams derived from it
	                           (NN_STREAM_*) */
	int threads;            /* >= 1; the weights do not depend on it */
	float l1, l2;           /* penalties on the weights (not the biases):
	                           l1 |w| and l2 w^2 / 2 added to the loss */
	float clip_norm;        /* > 0: scale the gradient to at most this norm */
	float clip_value;       /* > 0: clamp each gradient to [-v, v] */
	const float *class_w;   /* (classes) loss weight of each class, or NULL;
	                           borrowed */
	/* validation: evaluated after every epoch (scaled like the training
	 * rows); drives early stopping and the plateau schedule */
	const nn_rows *val;     /* or NULL */
	size_t patience;        /* > 0, with val: stop after this many epochs
	                           without an improvement of the validation loss
	                           by more than min_delta, and end with the best
	                           epoch's weights (and batch-norm statistics) */
	double min_delta;
	int resume;             /* continue from m->ckpt (optimizer, epoch, rng) */
	int warm;               /* nn_fit: m holds trained weights, its output
	                           in the target's units (--resume, --init-from) */
	int stats;              /* fill nn_epoch's per-layer statistics */
	volatile int *stop;     /* set (by a signal handler): stop after the
	                           current batch; with dist, when any rank's
	                           is set, and each rank's *stop then holds
	                           the largest value any rank saw */
	const nn_dist *dist;    /* several processes, or NULL: this one */
	/* called after every epoch; a non-zero return stops training (the model
	 * keeps the weights reached).  May be NULL. */
	int (*on_epoch)(void *ctx, const nn_epoch *ep);
	/* called after every batch (on the calling thread) with the epoch, the
	 * 1-based batch, the batches of the epoch and the batch's loss; for
	 * progress displays.  May be NULL. */
	void (*on_batch)(void *ctx, size_t epoch, size_t batch, size_t nbatch,
	    double loss);
	void *ctx;
} nn_train_cfg;

/* Random streams derived from the run's seed, one per use, so that adding
 * a use never shifts another's draws (values are arbitrary but fixed: a
 * saved model's seed must give the same run forever). */
#define NN_STREAM_SHUFFLE  0x5eed5eed5eed5eedULL  /* each epoch's row order */
/* (the hold-out and K-fold deals: NN_SEED_SPLIT, NN_SEED_KFOLD in
 * nn_csv.h, lib/split.c) */
#define NN_STREAM_GRADCHECK 0x6c0ffeeULL          /* gradcheck's mask */

/* Fill c with every default: nn_optim_defaults(sgd), 100 epochs, batch 32,
 * constant schedule (step 10, gamma 0.5), seed 1, one thread. */
void nn_train_defaults(nn_train_cfg *c);
/* The schedule's gamma when the user gives none: inverse 0.01, exponential
 * 0.95, the others 0.5. */
double nn_sched_gamma_default(nn_sched_kind k);

typedef struct nn_train_res {
	double loss;            /* mean loss of the last complete epoch */
	size_t epoch;           /* epochs completed (counting resumed ones) */
	size_t row;             /* rows into the next epoch (after a stop) */
	int stopped;            /* cfg->stop was seen */
	size_t best_epoch;      /* with val: the epoch of the lowest validation
	                           loss (the one kept, with patience) */
	double best_val;        /* its validation loss */
	int kept_best;          /* the weights are best_epoch's, not the last */
	size_t bad_epoch, bad_batch, bad_layer; /* where a non-finite value
	                           appeared (layer 1-based), after an error */
} nn_train_res;

/* Mini-batch gradient descent over the rows tr, scaled (x (n, D)).  Each
 * epoch shuffles the rows 0..n-1 afresh with the seeded generator.
 *
 * Threads: each mini-batch of B rows is cut into nn_train_shards(B) shards
 * whose boundaries depend on B alone; each shard's gradient is computed
 * with a single-threaded GEMM into its own buffer and the shards are summed
 * in shard order.  Which thread computes a shard never matters, so the
 * weights are the same for every thread count.  (Batch normalisation in
 * training normalises each shard by its own statistics -- "ghost" batch
 * norm over at most 64 rows; its running statistics move once per step by
 * the whole batch's, see nn_bn_update.)
 *
 * On return m->ckpt holds the state to resume from (allocated if absent),
 * or NULL when the best epoch's weights were restored (res->kept_best):
 * the optimizer's state belongs to a later epoch.
 * Returns 0, or -1 when the loss or a gradient stops being finite (the
 * message names epoch, batch and layer; no non-finite value was applied:
 * the params hold the last finite state), or when the ranks fail or their
 * parts of the rows do not follow one another in rank order. */
int nn_train(nn_model *m, const nn_rows *tr, const nn_train_cfg *cfg,
    nn_train_res *res, nn_err *e);
size_t nn_train_shards(size_t B);

/* Training as a whole, fit and apply of the scaling included: scales tr
 * and cfg->val in place with the model's input scaling (already fitted,
 * nn_scale_fit, or the loaded model's), standardises a regression target
 * (nn_tscale), takes it out of a warm model's output layer first, trains,
 * and folds it back so the model predicts in the target's units. */
int nn_fit(nn_model *m, nn_rows *tr, const nn_train_cfg *cfg,
    nn_train_res *res, nn_err *e);

/* K-fold cross-validation: the rows are dealt into k folds (stratified by
 * class for classification, seeded with cfg->seed); for each fold a fresh
 * model from make (architecture and initialisation are the caller's; it
 * fits the input scaling on the rows it is given) is trained with nn_fit on
 * the other folds and evaluated on it.  The rows are not changed.  Per fold
 * (k): val_loss, and val_acc (classification) or val_rmse (mse
 * regression), else NAN; ntrain and nval.  cfg->val must be NULL.  With
 * cfg->dist, rows may be shared out (part): so are the folds make and
 * nn_fit get (make then fits the scaling with nn_scale_fit_rows). */
typedef struct nn_cv_fold {
	size_t ntrain, nval;
	double val_loss, val_acc, val_rmse;
} nn_cv_fold;
int nn_cv(nn_model *(*make)(void *ctx, const nn_rows *train), void *ctx,
    const nn_rows *rows, size_t nclass, size_t k, const nn_train_cfg *cfg,
    nn_cv_fold *folds, nn_err *e);


/* Class weights w (K) from --class-weight's spec: "balanced" (n / (K *
 * the class's count) over y (n)) or "LABEL=W,..." (others 1; W in [0,
 * 1e6]) against labels (K).  -1 with a message on a bad spec. */
int nn_class_weights(const char *spec, const char *const *labels, size_t K,
    const uint32_t *y, size_t n, float *w, nn_err *e);

/* Mean loss (unweighted) and accuracy (NAN for regression) of the model on
 * the scaled rows r, in inference mode, computed in batches. */
double nn_evaluate(const nn_model *m, const nn_rows *r, double *acc);
/* nn_evaluate shared by the ranks of d (collective; without ranks it is
 * nn_evaluate), the same bytes in *loss and *acc (acc may be NULL) on every
 * rank: rank q evaluates the batches b with b % size == q -- fetching their
 * rows from the ranks holding them when r->part -- and every rank adds the
 * batches' sums in batch order.  0, or -1 when the ranks fail (e says
 * why). */
int nn_evaluate_dist(const nn_model *m, const nn_rows *r, const nn_dist *d,
    double *loss, double *acc, nn_err *e);

/* ---- looking inside a step (lib/trace.c) --------------------------------- */

/* Write to fp the forward and backward pass of B rows of scaled x through
 * the dense layers (every z, a, dz, dW, db, the loss) and one step as
 * nn_train takes it with cfg: class weights, the L1/L2 penalties, clipping
 * by norm and by value, then the optimizer at cfg's base rate (the
 * schedule's first epoch).  The model is not changed.  A model with batch
 * norm, dropout or skip connections is refused (-1). */
int nn_trace(FILE *fp, const nn_model *m, const nn_rows *r, size_t B,
    const nn_train_cfg *cfg, nn_err *e);
/* Compare backprop's gradient of the mean loss over B rows (weighted by
 * cw, the class weights or NULL, as training weighs it) with central
 * differences, in training mode with one fixed dropout mask and the batch's
 * own normalisation statistics, for up to 64 parameters per layer (w, b,
 * and batch norm's gamma, beta) spread evenly.  Per layer: worst (nlayers)
 * gets the largest relative error of one parameter, |a - n| / max(|a| +
 * |n|, 1e-3), and rel (nlayers) the relative error of the layer's gradient
 * as a vector, ||a - n|| / sqrt(||a||^2 + ||n||^2).  Each n is the central
 * difference, over steps from 0.03 to 0.0001, closest to a (a relu kink
 * spoils some steps but rarely all).  The parameters are restored. */
int nn_gradcheck(nn_model *m, const nn_rows *r, const float *cw, size_t B,
    double *worst, double *rel, nn_err *e);

#endif
