/*
 * train_opts.h - nn-train's options, turned into a network and a training
 * configuration: the part of nn-train that nn-tune shares, so that a trial
 * of a search is trained exactly as the nn-train command line it prints.
 *
 * train_opt_set takes one option (its key from cmd/opts/train-rows.h and
 * its argument) into a train_opts, checked as nn-train checks it; the
 * other functions turn the options and the data into a model.  Like every
 * cmd/ module they print and exit: a bad value is a usage error (exit 2),
 * bad data exit 1, each with one line.  The program's name in messages is
 * the running program's (nn-train or nn-tune).
 */
#ifndef NN_CMD_TRAIN_OPTS_H
#define NN_CMD_TRAIN_OPTS_H

#include "nn.h"
#include "opts.h"

/* Defaults that are the program's, not the library's: used by
 * train_opts.c and printed by help (cmd/opts/train-rows.h). */
#define TRAIN_LAYERS "16,8"
#define TRAIN_ACT NN_ACT_RELU
#define TRAIN_SCALE NN_SCALE_STANDARD
#define TRAIN_MISSING NN_MISSING_MEAN

/* 2^29 floats (2 GiB) is far beyond anything this tool trains on a CPU;
 * the cap turns a typo like -l 1000000,1000000 into a message, not an
 * out-of-memory abort. */
#define MAX_PARAMS ((size_t)1 << 29)

/* The keys of nn-train's options that have no short letter (the short
 * ones are their letters: 'l', 'a', 'e', 'b', 'r', 's', 'o', 'q', 'v',
 * 'd').  A program with more options numbers its own from OPT_LAST. */
enum {
	OPT_TARGET = OPT_LONG, OPT_TASK, OPT_SCALE, OPT_NO_HEADER, OPT_OPTIMIZER,
	OPT_MOMENTUM, OPT_BETA1, OPT_BETA2, OPT_EPS, OPT_WEIGHT_DECAY, OPT_THREADS,
	OPT_VAL, OPT_VAL_SPLIT, OPT_PATIENCE, OPT_MIN_DELTA, OPT_LOG,
	OPT_SCHEDULE, OPT_LR_STEP, OPT_LR_GAMMA, OPT_WARMUP, OPT_L1, OPT_L2,
	OPT_CLIP_NORM, OPT_CLIP_VALUE, OPT_CLASS_WEIGHT, OPT_LOSS, OPT_RESUME,
	OPT_INIT_FROM, OPT_CV, OPT_TRACE, OPT_GRADCHECK,
	OPT_INIT, OPT_DROPOUT, OPT_BATCHNORM, OPT_RESIDUAL, OPT_LEAKY_SLOPE,
	OPT_FEATURES, OPT_IGNORE, OPT_ID, OPT_CATEGORICAL, OPT_NA, OPT_MISSING,
	OPT_MAX_CATEGORIES,
	OPT_FORMAT, OPT_CV_FORMAT,
	OPT_LAST
};

/* --cv-format: how the fold table is printed (words: cv_formats in
 * opts/train-rows.h, in this order). */
enum { CV_TEXT, CV_CSV, CV_JSON };

/* What the user asked for.  Training settings go straight into cfg, their
 * one home; given[] records which options were on the command line, so a
 * continued model can honour or refuse each one.  Strings are borrowed
 * from the command line (or from whoever gave them to train_opt_set). */
typedef struct train_opts {
	nn_train_cfg cfg;
	const char *layers, *out, *target, *val_path, *log_path, *class_w;
	const char *resume, *init_from, *start;  /* start: either of the two */
	const char *input;
	nn_act act;
	nn_task task;
	nn_scale scale;
	nn_loss loss;
	nn_init init;
	nn_optim_kind opt;
	int header, quiet, verbose, trace, gradcheck, batchnorm, residual;
	long cv;
	int cv_format;                  /* --cv-format: CV_TEXT, CV_CSV, CV_JSON */
	double rate, momentum, beta1, beta2, eps, wd, val_split, dropout,
	    leaky_slope;
	nn_data_opts data;              /* how the data file is read */
	const char **na;                /* --na, split at commas (owned) */
	int libsvm;                     /* --format libsvm */
	int table_format;               /* --format json|text: CV_*, else -1 */
	unsigned char given[OPT_LAST];
} train_opts;

#define GIVEN(o, c) ((o)->given[(c)])

/* Every default (nn_train_defaults and the program's own). */
void train_opts_init(train_opts *o);
/* Option key with its argument (NULL for a flag); exits 2 on a bad value. */
void train_opt_set(train_opts *o, int key, const char *arg);
/* After the last option: what the data reader takes from them. */
void train_opts_done(train_opts *o);
/* The combinations of options that make no sense, each a usage error;
 * then the settings that depend on others (the schedule's gamma) and the
 * layer list, checked before any data is read. */
void train_opts_check(train_opts *o);
/* The optimizer's settings: base (its defaults, or a checkpoint's) with
 * every option the user gave on top. */
void train_optim(const train_opts *o, nn_optim_cfg *oc);
/* A deep copy: the --na list is the copy's own. */
void train_opts_copy(train_opts *to, const train_opts *from);
/* Free what the options own (the --na list). */
void train_opts_free(train_opts *o);

/* -l, parsed by the library; a bad list is a usage error.  *out owned. */
size_t train_layers(const char *s, nn_hidden **out);

/* The task: asked for, or the library's choice (its reason kept for
 * train_report); exits 1 when the data cannot be learned as that task. */
nn_task train_task(const nn_data *d, const char *name, const train_opts *o);
/* What reading the data took, on stderr, once every check has passed:
 * the task chosen, fills and rows left out.  Said once. */
void train_report(const nn_data *d, const char *name, const train_opts *o);
/* The loss: --loss, checked against the task, or the task's. */
nn_loss train_loss(const train_opts *o, nn_task task);
/* --class-weight against the data's classes (owned), exit 2 when bad. */
float *train_class_weights(const char *spec, const nn_data *d);

/* Hold out a stratified fraction f of the rows all for validation (the
 * split nn-split makes, seeded with seed); tr and va get copies. */
void train_split_val(const nn_rows *all, size_t nclass, double f,
    uint64_t seed, nn_rows *tr, nn_rows *va);
/* Read a validation file with the training data d's columns and encoding
 * (its fills and categories, not its own), labels mapped to d's classes. */
void train_read_val(const char *path, const nn_data *d, const train_opts *o,
    int classify, nn_rows *va);

/* The network these options make for the data: sizes[0 .. nhid+2) and
 * lo[0 .. nhid+1), owned by the caller; returns nhid.  A combination that
 * makes no network (--dropout with -l '') exits 2, one over MAX_PARAMS
 * exits 1. */
size_t train_shape(const train_opts *o, const nn_data *d, nn_task task,
    size_t **sizes, nn_layer_opts **lo);
/* A fresh model for the data: architecture from the options, the input
 * scaling fitted on the training rows r, weights drawn from the seed. */
nn_model *train_model(const train_opts *o, const nn_data *d, nn_task task,
    const nn_rows *r);
/* What a model records of its training, before it (cfg, the data) ... */
void train_record(nn_model *m, const nn_train_cfg *c, const nn_data *d);
/* ... and after (res). */
void train_record_res(nn_model *m, const nn_train_res *res);

/* The first SIGINT/SIGTERM sets train_stop to the signal (training sees it
 * through nn_train_cfg.stop and stops after its batch); a second one ends
 * the process at once.  nn-train and nn-tune install it first thing. */
extern volatile int train_stop;
void train_catch_signals(void);

#endif
