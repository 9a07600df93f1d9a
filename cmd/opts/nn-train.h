/*
 * nn-train's options (the format: cmd/opts.h): the rows of
 * opts/train-rows.h, which nn-tune shares.  Included by cmd/nn-train.c
 * and by the completion generator (completion/table.c).
 */
#include "train-rows.h"

static const char synopsis[] =
    "usage: nn-train [-qv] [-l WIDTHS] [-a ACT] [-e EPOCHS] [-b BATCH] [-r RATE]\n"
    "                [-s SEED] [--optimizer NAME] [--momentum M] [--beta1 B1]\n"
    "                [--beta2 B2] [--eps EPS] [--weight-decay WD]\n"
    "                [--schedule NAME] [--lr-step N] [--lr-gamma G] [--warmup N]\n"
    "                [--l1 L] [--l2 L] [--clip-norm X] [--clip-value X]\n"
    "                [--loss NAME] [--class-weight SPEC] [--val FILE]\n"
    "                [--val-split F] [--patience N] [--min-delta D] [--log FILE]\n"
    "                [--resume MODEL] [--init-from MODEL] [--cv K]\n"
    "                [--cv-format text|csv|json] [--trace]\n"
    "                [--gradcheck] [--threads N] [--init KIND] [--dropout P]\n"
    "                [--batchnorm] [--residual] [--leaky-slope S]\n"
    "                [--target COL] [--features LIST] [--ignore LIST]\n"
    "                [--id LIST] [--categorical LIST] [--na LIST]\n"
    "                [--missing POLICY] [--max-categories N] [-d CHAR]\n"
    "                [--task TASK] [--scale KIND] [--no-header]\n"
    "                [--format csv|libsvm] -o MODEL [FILE|-]\n";

#define TRAIN_PROG "nn-train"
#include "train-table.h"
