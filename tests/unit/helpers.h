/*
 * helpers.h - what more than one unit test needs besides the TAP harness
 * (tap.h): the finite-difference step, tolerance and relative error of the
 * gradient checks, random fills, and the output activation and loss that
 * go with a task when a test builds a model by hand.
 *
 * Static inline, so each test stays one file compiled alone, and a helper
 * a test does not use costs nothing and draws no warning.
 */
#ifndef HELPERS_H
#define HELPERS_H

#include <math.h>
#include <stddef.h>

#include "nn.h"

/* ---- finite differences ------------------------------------------------- */

/*
 * Central differences in float carry an error of about h^2 f''' plus eps/h
 * rounding; with h = 1e-2 on O(1) values that is ~1e-4 relative, so a
 * tolerance of 2e-2 on relerr is far below the factor-of-two errors a
 * wrong derivative makes.
 */
#define FD_H	1e-2f
#define FD_TOL	2e-2

/* |a - n| / max(|a| + |n|, 1e-2): relative, but absolute near zero, where
 * both the gradient and its estimate are rounding noise. */
static inline double
relerr(double a, double n)
{
	double s = fabs(a) + fabs(n);
	return fabs(a - n) / (s > 1e-2 ? s : 1e-2);
}

/* ---- random inputs ------------------------------------------------------ */

/* v[0..n) uniform in [lo, hi), drawn from r in order. */
static inline void
fill_uniform(nn_rng *r, float *v, size_t n, double lo, double hi)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(lo + (hi - lo) * nn_rng_uniform(r));
}

/* ---- models by hand ----------------------------------------------------- */

/* The output activation of a task: softmax, sigmoid or linear. */
static inline nn_act
task_out_act(nn_task task)
{
	return task == NN_TASK_MULTICLASS ? NN_ACT_SOFTMAX :
	    task == NN_TASK_BINARY ? NN_ACT_SIGMOID : NN_ACT_LINEAR;
}

/* The loss that goes with that output: cross-entropy or squared error. */
static inline nn_loss
task_loss(nn_task task)
{
	return task == NN_TASK_MULTICLASS ? NN_LOSS_CCE :
	    task == NN_TASK_BINARY ? NN_LOSS_BCE : NN_LOSS_MSE;
}

#endif
