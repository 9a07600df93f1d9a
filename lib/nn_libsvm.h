/*
 * nn_libsvm.h - the libsvm / svmlight sparse format, for the data sets
 * published in it (the LIBSVM collection; Vowpal Wabbit's own format,
 * with its "|namespace" fields, is another one and is not read here):
 *
 *     label index:value index:value ... [# comment]
 *
 *   libsvm.c     nn_libsvm_*
 *
 * One row per line.  The label is a finite number, kept as written ("+1"
 * stays "+1").  Indices are 1-based decimal integers in [1,
 * NN_LIBSVM_MAX_INDEX], strictly increasing along a row; an index not
 * given is 0.  Values are finite numbers.  Fields are separated by spaces
 * or tabs; '#' starts a comment wherever it stands, so a line that starts
 * with one is skipped, like a blank line.  CR LF line ends are accepted.
 * A "qid:N" token right after the label (svmlight's query id, N a
 * non-negative integer) is checked and ignored: nnkit does not rank.
 *
 * Two readers over one scanner:
 *  - nn_libsvm_data_read: a whole training set into nn_data (nn_csv.h),
 *    the dimension learned as the largest index.
 *  - nn_libsvm_open / nn_libsvm_read: a stream in batches against a
 *    known dimension (a model's), for nn-predict; memory is the batch.
 *
 * Every error names the input, the line and the 1-based byte column of
 * the token: "train.svm:17:9: index 3 after 5 in "3:0.5": indices must
 * increase along a row".
 */
#ifndef NN_LIBSVM_H
#define NN_LIBSVM_H

#include "nn_csv.h"

/* The largest index accepted (LIBSVM's own readers keep it in an int). */
#define NN_LIBSVM_MAX_INDEX 2147483647UL

/* The most memory a whole read may need once dense, in bytes: 4 per cell
 * of the (rows, features) matrix and NN_LIBSVM_NAME_BYTES per feature for
 * its name.  2 GiB, the size of nn-train's largest network. */
#define NN_LIBSVM_MAX_BYTES ((size_t)1 << 31)
#define NN_LIBSVM_NAME_BYTES 40

/* ---- whole data sets ---------------------------------------------------- */

typedef struct nn_libsvm_opts {
	size_t dim;          /* 0: learn it (the largest index); else the
	                        width of x: larger indices are ignored and
	                        the rows holding them counted */
	size_t max_bytes;    /* the dense limit; 0: NN_LIBSVM_MAX_BYTES */
} nn_libsvm_opts;

/* Read fp (not closed; may be a pipe: read once, front to back) into out
 * as nn_data_read does a CSV: x (n, d) dense, feat_names "1" .. "d",
 * target_name "label", the labels interned and sorted numerically (equal
 * numbers written differently, "1" and "+1", by strcmp), y, t (every label
 * is a number), t_integral, crc of the bytes.  The layout is that of a CSV
 * with the label last: ncols d + 1, target_col d.  o may be NULL (learn
 * the dimension, the default limit).  beyond (may be NULL) gets the number
 * of rows with an index above o->dim.
 *
 * Refused, with a message: every malformed token (see the top); no rows
 * ("NAME: no data rows"); a matrix beyond the limit, at the token whose
 * index or the row whose arrival crosses it, before allocating it:
 *   NAME:LINE:COL: index 2000000000: 1 row of 2000000000 features would
 *   take 88000000000 bytes dense, more than the limit of 2147483648
 * Returns 0, or -1 with *out empty.  Owned by the caller: nn_data_free. */
int nn_libsvm_data_read(FILE *fp, const char *name, const nn_libsvm_opts *o,
    nn_data *out, size_t *beyond, nn_err *e);

/* ---- streaming ---------------------------------------------------------- */

typedef struct nn_libsvm nn_libsvm;

/* A reader of fp (not closed by nn_libsvm_free) into rows of dim >= 1
 * floats; name is used in messages.  Reads nothing yet.  Returns NULL
 * only for dim 0.  Owned by the caller: nn_libsvm_free (safe on NULL). */
nn_libsvm *nn_libsvm_open(FILE *fp, const char *name, size_t dim,
    nn_err *e);
void nn_libsvm_free(nn_libsvm *r);

/* Read up to max rows into x (max, dim), dense and row-major; indices
 * above dim are ignored (nn_libsvm_beyond counts their rows).  Returns the
 * number of rows read (0 at the end of the input), or -1 on error. */
long nn_libsvm_read(nn_libsvm *r, float *x, size_t max, nn_err *e);

/* The label of row i of the last nn_libsvm_read, as written; borrowed,
 * valid until the next nn_libsvm_read. */
const char *nn_libsvm_label(const nn_libsvm *r, size_t i);
/* The line (1-based) of row i of the last nn_libsvm_read. */
unsigned long nn_libsvm_line(const nn_libsvm *r, size_t i);
/* Rows read so far with an index above dim. */
size_t nn_libsvm_beyond(const nn_libsvm *r);
/* CRC-32 of every byte consumed so far (the whole input once
 * nn_libsvm_read has returned 0). */
uint32_t nn_libsvm_crc(const nn_libsvm *r);

#endif
