/*
 * nn_layers.h - the arithmetic of one layer: activations, losses (fused with
 * the output activation), dense layers, batch normalisation, dropout and the
 * matrix product.  Stateless: every function takes its buffers.
 *
 *   activation.c   nn_act_*
 *   loss.c         nn_loss_*
 *   layers.c       nn_dense_*, nn_bn_*, nn_dropout_forward
 *   gemm.c         nn_gemm
 *
 * Dimension legend used in shape comments throughout lib/:
 *   B    rows in a mini-batch
 *   nin  inputs of a layer,  nout  outputs of a layer
 *   D    features of the data set (= nin of the first layer)
 *   K    outputs of the network (1 for binary and regression, classes for
 *        multiclass)
 *   P    total number of parameters
 */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

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

/* ---- losses --------------------------------------------------------------- */

typedef enum nn_loss { NN_LOSS_BCE, NN_LOSS_CCE, NN_LOSS_MSE, NN_LOSS_MAE,
	NN_LOSS_HUBER, NN_LOSS_COUNT } nn_loss;

const char *nn_loss_name(nn_loss l);
int nn_loss_lookup(const char *name, nn_loss *out);

/* The mean loss over B rows, in double, from the output layer's
 * pre-activation z (B, K) -- the logits: BCE as softplus, CCE as
 * log-sum-exp, so the value is exact however confidently wrong the network
 * is (no probability is clamped).  MSE, MAE and Huber (delta 1) are means
 * over B*K values of the linear output, which is z itself.
 * y: (B) class indices (BCE, CCE); t: (B*K) targets (regression).
 * cw: (classes) weight of each class, or NULL: row i's loss (and gradient)
 * is multiplied by cw[y[i]], the mean still taken over B rows (as Keras'
 * class_weight); ignored for regression. */
double nn_loss_forward(nn_loss l, const float *z, const uint32_t *y,
    const float *t, const float *cw, size_t B, size_t K);
/* Fused with the output activation: dz (B, K) = dL/dz of the same mean loss,
 * written (not added), from out = f(z) (B, K).  For sigmoid + BCE and
 * softmax + CCE that is (p - y) / B, exact and free of the 0/0 that
 * differentiating ln p and the activation separately meets. */
void nn_loss_backward(nn_loss l, float *dz, const float *out,
    const uint32_t *y, const float *t, const float *cw, size_t B, size_t K);

/* ---- layers: dense, batch normalisation, dropout ----------------------- */

/* out (B, nout) = in (B, nin) . w (nin, nout) + b (nout): one GEMM per batch. */
void nn_dense_forward(float *out, const float *in, const float *w,
    const float *b, size_t B, size_t nin, size_t nout);
/* dw (nin, nout) += in^T . dout;  db (nout) += column sums of dout;
 * din (B, nin) = dout . w^T  (written, not added; skipped when din is NULL). */
void nn_dense_backward(float *din, float *dw, float *db, const float *dout,
    const float *in, const float *w, size_t B, size_t nin, size_t nout);
/* The same with beta: dw = in^T . dout + beta dw, db = column sums + beta
 * db.  beta is 1 (nn_dense_backward: add into the gradient) or 0 (write
 * it: dw and db need no zeroing first, and what they held is ignored). */
void nn_dense_backward_beta(float *din, float *dw, float *db,
    const float *dout, const float *in, const float *w, size_t B, size_t nin,
    size_t nout, float beta);

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

#endif
