/*
 * train-rows.h - nn-train's option rows (the format: cmd/opts.h), shared
 * by nn-train's table (opts/nn-train.h) and nn-tune's (opts/nn-tune.h),
 * which takes nn-train's options as they are: one row for each, written
 * once.  Included by those two headers only.
 *
 * TRAIN_ROWS(X) is every row as X(TAG, row fields), in help's order.  TAG
 * says what nn-tune does with the option; nn-train takes every row as it
 * is:
 *   KEEP    nn-tune's table has the row as it is (a hyperparameter to
 *           search, or an option passed on to every trial)
 *   OWN     nn-tune has its own row for the option (-s is its search's
 *           seed, --format its table's, -o its best model, --cv, --val and
 *           --val-split how it evaluates)
 *   REFUSE  nn-tune refuses the option, with a message (--resume,
 *           --trace, --threads, ...)
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "../opts.h"
#include "../train_opts.h"
#include "nn.h"

/* The library's names: what its lookups accept. */
static const char *
hidden_acts(int i)
{
	return i < NN_ACT_SOFTMAX ? nn_act_name(i) : NULL;   /* softmax last */
}
static const char *
tasks(int i)
{
	return i == 0 ? "auto" : i <= NN_TASK_COUNT ? nn_task_name(i - 1) : NULL;
}
static const char *
scales(int i) { return i < NN_SCALE_COUNT ? nn_scale_name(i) : NULL; }
static const char *
optimizers(int i) { return i < NN_OPTIM_COUNT ? nn_optim_name(i) : NULL; }
static const char *
schedules(int i) { return i < NN_SCHED_COUNT ? nn_sched_name(i) : NULL; }
static const char *
losses(int i) { return i < NN_LOSS_COUNT ? nn_loss_name(i) : NULL; }
static const char *
inits(int i) { return i < NN_INIT_COUNT ? nn_init_name(i) : NULL; }
static const char *
missings(int i) { return i < NN_MISSING_COUNT ? nn_missing_name(i) : NULL; }
OPT_VALUES(formats, "csv", "libsvm")
OPT_VALUES(cv_formats, "text", "csv", "json")

static const char *train_defaults(int key, char *buf, size_t size);

#define TRAIN_ROWS(X) \
	/* the network */ \
	X(KEEP, 'l', "layers", "WIDTHS", COMP_NONE, NULL, OPT_DEF, "hidden layer widths, comma-separated; each may add :ACT") \
	X(KEEP, 'a', "activation", "ACT", COMP_NONE, hidden_acts, OPT_DEF, "activation of the hidden layers") \
	X(KEEP, OPT_LEAKY_SLOPE, "leaky-slope", "S", COMP_NONE, NULL, OPT_DEF, "slope of leaky-relu below zero, in [0, 1]") \
	X(KEEP, OPT_INIT, "init", "KIND", COMP_NONE, inits, OPT_DEF, "how the initial weights are drawn") \
	X(KEEP, OPT_DROPOUT, "dropout", "P", COMP_NONE, NULL, "0", "drop hidden outputs with probability P in training") \
	X(KEEP, OPT_BATCHNORM, "batchnorm", NULL, COMP_NONE, NULL, NULL, "batch normalisation on the hidden layers") \
	X(KEEP, OPT_RESIDUAL, "residual", NULL, COMP_NONE, NULL, NULL, "skip connections around same-width hidden layers") \
	/* training */ \
	X(KEEP, 'e', "epochs", "EPOCHS", COMP_NONE, NULL, OPT_DEF, "passes over the training data") \
	X(KEEP, 'b', "batch", "BATCH", COMP_NONE, NULL, OPT_DEF, "rows per mini-batch") \
	X(KEEP, 'r', "rate", "RATE", COMP_NONE, NULL, OPT_DEF, "learning rate") \
	X(OWN, 's', "seed", "SEED", COMP_NONE, NULL, OPT_DEF, "seed of the initial weights and the shuffling") \
	X(KEEP, OPT_OPTIMIZER, "optimizer", "NAME", COMP_NONE, optimizers, OPT_DEF, "how the gradient moves the weights") \
	X(KEEP, OPT_MOMENTUM, "momentum", "M", COMP_NONE, NULL, OPT_DEF, "momentum of momentum and nesterov") \
	X(KEEP, OPT_BETA1, "beta1", "B1", COMP_NONE, NULL, OPT_DEF, "decay of adam's first moment") \
	X(KEEP, OPT_BETA2, "beta2", "B2", COMP_NONE, NULL, OPT_DEF, "decay of adam's second moment, rmsprop's average") \
	X(KEEP, OPT_EPS, "eps", "EPS", COMP_NONE, NULL, OPT_DEF, "added to adaptive optimizers' denominators") \
	X(KEEP, OPT_WEIGHT_DECAY, "weight-decay", "WD", COMP_NONE, NULL, OPT_DEF, "L2 penalty added to each gradient") \
	X(KEEP, OPT_SCHEDULE, "schedule", "NAME", COMP_NONE, schedules, OPT_DEF, "how the rate changes from epoch to epoch") \
	X(KEEP, OPT_LR_STEP, "lr-step", "N", COMP_NONE, NULL, OPT_DEF, "the N epochs of the step and plateau schedules") \
	X(KEEP, OPT_LR_GAMMA, "lr-gamma", "G", COMP_NONE, NULL, OPT_DEF, "the factor G of the schedules") \
	X(KEEP, OPT_WARMUP, "warmup", "N", COMP_NONE, NULL, OPT_DEF, "raise the rate linearly over the first N epochs") \
	X(KEEP, OPT_L1, "l1", "L", COMP_NONE, NULL, OPT_DEF, "L1 penalty on the weights") \
	X(KEEP, OPT_L2, "l2", "L", COMP_NONE, NULL, OPT_DEF, "L2 penalty on the weights") \
	X(KEEP, OPT_CLIP_NORM, "clip-norm", "X", COMP_NONE, NULL, OPT_DEF, "scale the gradient down to norm X") \
	X(KEEP, OPT_CLIP_VALUE, "clip-value", "X", COMP_NONE, NULL, OPT_DEF, "clamp each gradient to [-X, X]") \
	X(KEEP, OPT_LOSS, "loss", "NAME", COMP_NONE, losses, "bce, cce or mse by task", "the loss") \
	X(KEEP, OPT_CLASS_WEIGHT, "class-weight", "SPEC", COMP_NONE, NULL, NULL, "weigh each row's loss by its class: balanced, or c=w,...") \
	X(REFUSE, OPT_THREADS, "threads", "N", COMP_NONE, NULL, "the number of processors", "threads per mini-batch; the weights do not depend on it") \
	/* validation */ \
	X(OWN, OPT_VAL, "val", "FILE", COMP_CSV, NULL, NULL, "validation file, evaluated after every epoch") \
	X(OWN, OPT_VAL_SPLIT, "val-split", "F", COMP_NONE, NULL, NULL, "hold out the fraction F of the rows for validation") \
	X(KEEP, OPT_PATIENCE, "patience", "N", COMP_NONE, NULL, OPT_DEF, "stop after N epochs without improvement; keep the best") \
	X(KEEP, OPT_MIN_DELTA, "min-delta", "D", COMP_NONE, NULL, OPT_DEF, "what counts as an improvement of the validation loss") \
	X(OWN, OPT_CV, "cv", "K", COMP_NONE, NULL, NULL, "K-fold cross-validation instead of a model") \
	X(REFUSE, OPT_CV_FORMAT, "cv-format", "FORMAT", COMP_NONE, cv_formats, "text", "how --cv prints its fold table") \
	/* output, continuing, looking inside */ \
	X(OWN, 'o', "output", "MODEL", COMP_MODEL, NULL, NULL, "where to save the model (required)") \
	X(OWN, 'q', "quiet", NULL, COMP_NONE, NULL, NULL, "print nothing but errors") \
	X(REFUSE, 'v', "verbose", NULL, COMP_NONE, NULL, NULL, "print one line per epoch") \
	X(REFUSE, OPT_LOG, "log", "FILE", COMP_FILE, NULL, NULL, "write one CSV row per epoch (for nn-plot)") \
	X(REFUSE, OPT_RESUME, "resume", "MODEL", COMP_MODEL, NULL, NULL, "continue training a saved model") \
	X(REFUSE, OPT_INIT_FROM, "init-from", "MODEL", COMP_MODEL, NULL, NULL, "start from a model's weights, fresh optimizer") \
	X(REFUSE, OPT_TRACE, "trace", NULL, COMP_NONE, NULL, NULL, "print one step of backpropagation; train nothing") \
	X(REFUSE, OPT_GRADCHECK, "gradcheck", NULL, COMP_NONE, NULL, NULL, "check the gradient by finite differences") \
	/* the data */ \
	X(KEEP, OPT_TARGET, "target", "COL", COMP_COLUMN, NULL, "the last column", "the column to predict, by name or number") \
	X(KEEP, OPT_FEATURES, "features", "LIST", COMP_COLUMNS, NULL, "all the others", "only these columns are features") \
	X(KEEP, OPT_IGNORE, "ignore", "LIST", COMP_COLUMNS, NULL, NULL, "columns not read at all") \
	X(KEEP, OPT_ID, "id", "LIST", COMP_COLUMNS, NULL, NULL, "identifier columns, copied by nn-predict") \
	X(KEEP, OPT_CATEGORICAL, "categorical", "LIST", COMP_COLUMNS, NULL, NULL, "columns to one-hot encode even if numeric") \
	X(KEEP, OPT_NA, "na", "LIST", COMP_NONE, NULL, OPT_DEF, "the tokens of a missing value") \
	X(KEEP, OPT_MISSING, "missing", "POLICY", COMP_NONE, missings, OPT_DEF, "what a missing feature becomes") \
	X(KEEP, OPT_MAX_CATEGORIES, "max-categories", "N", COMP_NONE, NULL, OPT_DEF, "most distinct values of a categorical column; 0: no limit") \
	X(KEEP, 'd', "delimiter", "CHAR", COMP_NONE, NULL, "detected", "the field separator: a character, tab, comma, ...") \
	X(KEEP, OPT_TASK, "task", "TASK", COMP_NONE, tasks, "auto", "the kind of problem") \
	X(KEEP, OPT_SCALE, "scale", "KIND", COMP_NONE, scales, OPT_DEF, "input scaling") \
	X(KEEP, OPT_NO_HEADER, "no-header", NULL, COMP_NONE, NULL, NULL, "the first line is data") \
	X(OWN, OPT_FORMAT, "format", "FORMAT", COMP_NONE, formats, "csv", "the input's format; with --cv also the fold table's (csv, json, text)") \
	/* end of TRAIN_ROWS */

/* Every OPT_DEF default, from where the code takes it. */
static const char *
train_defaults(int key, char *buf, size_t size)
{
	nn_train_cfg c;
	nn_optim_cfg sgd, o;
	const char *sep = "; ";

	nn_train_defaults(&c);
	sgd = c.opt;
	switch (key) {
	case 'l': return TRAIN_LAYERS;
	case 'a': return nn_act_name(TRAIN_ACT);
	case OPT_LEAKY_SLOPE:
		snprintf(buf, size, "%g", nn_act_param_default(NN_ACT_LEAKY_RELU));
		return buf;
	case OPT_INIT: return nn_init_name(NN_INIT_AUTO);
	case 'e':
		snprintf(buf, size, "chosen on a validation split, at most %zu",
		    c.epochs);
		return buf;
	case 'b': snprintf(buf, size, "%zu", c.batch); return buf;
	case 's': snprintf(buf, size, "%" PRIu64, c.seed); return buf;
	case OPT_OPTIMIZER: return nn_optim_name(c.opt.kind);
	case OPT_SCHEDULE: return nn_sched_name(c.sched.kind);
	case OPT_LR_STEP: snprintf(buf, size, "%zu", c.sched.step); return buf;
	case OPT_WARMUP: snprintf(buf, size, "%zu", c.sched.warmup); return buf;
	case OPT_L1: snprintf(buf, size, "%g", c.l1); return buf;
	case OPT_L2: snprintf(buf, size, "%g", c.l2); return buf;
	case OPT_CLIP_NORM:
	case OPT_CLIP_VALUE:
		snprintf(buf, size, "%g, off", key == OPT_CLIP_NORM ?
		    c.clip_norm : c.clip_value);
		return buf;
	case OPT_PATIENCE:
		snprintf(buf, size, "%zu, no early stopping", c.patience);
		return buf;
	case OPT_MIN_DELTA: snprintf(buf, size, "%g", c.min_delta); return buf;
	case OPT_MAX_CATEGORIES:
		snprintf(buf, size, "%d", NN_MAX_CATEGORIES);
		return buf;
	case OPT_MISSING: return nn_missing_name(TRAIN_MISSING);
	case OPT_SCALE: return nn_scale_name(TRAIN_SCALE);
	case OPT_NA: {
		size_t n = 0;
		buf[0] = '\0';
		for (size_t i = 0; i < nn_na_default_n && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
			    i ? "," : "", nn_na_default[i]);
		return buf;
	}
	case OPT_LR_GAMMA: {
		/* constant's, then each schedule whose differs */
		double g0 = nn_sched_gamma_default(c.sched.kind);
		size_t n = (size_t)snprintf(buf, size, "%g", g0);
		for (int k = 0; k < NN_SCHED_COUNT && n < size; k++) {
			double g = nn_sched_gamma_default(k);
			if (g != g0) {
				n += (size_t)snprintf(buf + n, size - n, "%s%s %g",
				    sep, nn_sched_name(k), g);
				sep = ", ";
			}
		}
		return buf;
	}
	}
	/* an optimizer setting: sgd's, then each optimizer whose differs */
	size_t n = 0, off;
	switch (key) {
	case 'r': off = offsetof(nn_optim_cfg, lr); break;
	case OPT_MOMENTUM: off = offsetof(nn_optim_cfg, momentum); break;
	case OPT_BETA1: off = offsetof(nn_optim_cfg, beta1); break;
	case OPT_BETA2: off = offsetof(nn_optim_cfg, beta2); break;
	case OPT_EPS: off = offsetof(nn_optim_cfg, eps); break;
	case OPT_WEIGHT_DECAY: off = offsetof(nn_optim_cfg, weight_decay); break;
	default: return "?";
	}
	float v0, v;
	memcpy(&v0, (char *)&sgd + off, sizeof(v0));
	n = (size_t)snprintf(buf, size, "%g", v0);
	for (int k = 0; k < NN_OPTIM_COUNT && n < size; k++) {
		nn_optim_defaults(&o, k);
		memcpy(&v, (char *)&o + off, sizeof(v));
		if (v != v0) {
			n += (size_t)snprintf(buf + n, size - n, "%s%s %g", sep,
			    nn_optim_name(k), v);
			sep = ", ";
		}
	}
	return buf;
}

