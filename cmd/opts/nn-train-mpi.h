/*
 * nn-train-mpi's options (the format: cmd/opts.h): nn-train's, every one
 * (opts/train-rows.h); only the name differs.  Included by cmd/nn-train.c
 * built with NN_MPI, and by the completion generator.
 */
#include "train-rows.h"

static const char synopsis[] =
    "usage: nn-train-mpi [-qv] [-l WIDTHS] [-a ACT] [-e EPOCHS] [-b BATCH]\n"
    "                    [-r RATE] [-s SEED] [--optimizer NAME] [--momentum M]\n"
    "                    [--beta1 B1] [--beta2 B2] [--eps EPS] [--weight-decay WD]\n"
    "                    [--schedule NAME] [--lr-step N] [--lr-gamma G]\n"
    "                    [--warmup N] [--l1 L] [--l2 L] [--clip-norm X]\n"
    "                    [--clip-value X] [--loss NAME] [--class-weight SPEC]\n"
    "                    [--val FILE] [--val-split F] [--patience N]\n"
    "                    [--min-delta D] [--log FILE] [--resume MODEL]\n"
    "                    [--init-from MODEL] [--cv K] [--cv-format text|csv|json]\n"
    "                    [--trace] [--gradcheck] [--threads N] [--init KIND]\n"
    "                    [--dropout P] [--batchnorm] [--residual] [--leaky-slope S]\n"
    "                    [--target COL] [--features LIST] [--ignore LIST]\n"
    "                    [--id LIST] [--categorical LIST] [--na LIST]\n"
    "                    [--missing POLICY] [--max-categories N] [-d CHAR]\n"
    "                    [--task TASK] [--scale KIND] [--no-header]\n"
    "                    [--format csv|libsvm] -o MODEL [FILE|-]\n";

#define TRAIN_PROG "nn-train-mpi"
#include "train-table.h"
