/*
 * nn_enc.h - the user's columns as a network's features: what training
 * decided about each input column (numeric, or one-hot categorical with its
 * categories; the fill of a missing field; the ID columns), stored in the
 * model (nn_model.enc) and applied by prediction.
 *
 *   encode.c   nn_enc_*, nn_incol_*, nn_ctype_*, nn_missing_*
 *
 * Below both the CSV reader (which fits it, lib/data.c) and the model (which
 * stores it), so neither has to include the other.
 */
#ifndef NN_ENC_H
#define NN_ENC_H

#include "nn_base.h"

/* ---- input columns (lib/encode.c): the user's columns as features ------- */

/* What training decided about each input column of the user's data, kept
 * in the model and applied by prediction.  A numeric column is one feature;
 * a categorical one is one feature per category (one-hot, categories
 * sorted by strcmp); a category unseen in training encodes as all zeros. */
typedef enum nn_ctype { NN_CTYPE_NUMERIC, NN_CTYPE_CATEGORICAL,
	NN_CTYPE_COUNT } nn_ctype;
/* What a missing field becomes: an error; the column's mean, median or most
 * frequent value (a categorical column always takes its most frequent
 * category); drop: training leaves out rows with a missing feature, and
 * prediction fills with the column's mean (most frequent category). */
typedef enum nn_missing { NN_MISSING_ERROR, NN_MISSING_MEAN,
	NN_MISSING_MEDIAN, NN_MISSING_MODE, NN_MISSING_DROP,
	NN_MISSING_COUNT } nn_missing;

const char *nn_ctype_name(nn_ctype t);
int nn_ctype_lookup(const char *name, nn_ctype *out);
const char *nn_missing_name(nn_missing m);
int nn_missing_lookup(const char *name, nn_missing *out);

typedef struct nn_incol {
	char *name;             /* the column's header name */
	nn_ctype type;
	float fill;             /* numeric: what a missing field becomes */
	size_t ncat;            /* categorical: number of categories */
	char **cats;            /* (ncat) sorted by strcmp, distinct */
	uint32_t fill_cat;      /* categorical: the category of a missing
	                           field */
	size_t off;             /* its first feature among the D */
	uint32_t src;           /* its 0-based column in the training file,
	                           for input without a header */
} nn_incol;

typedef struct nn_enc {
	nn_missing missing;
	size_t ncols;
	nn_incol *cols;         /* (ncols) in the order of their features */
	size_t nid;
	char **ids;             /* (nid) ID columns: never features; nn-predict
	                           copies them to its output */
	size_t nna;
	char **na;              /* (nna) the tokens of a missing field */
} nn_enc;
/* Set enc->na to copies of na[0..n). */
void nn_enc_set_na(nn_enc *enc, const char *const *na, size_t n);
/* Whether s is one of enc's missing-value tokens. */
int nn_enc_is_na(const nn_enc *enc, const char *s);

/* Owned copies: nn_enc_free (NULL is fine). */
nn_enc *nn_enc_copy(const nn_enc *enc);
void nn_enc_free(nn_enc *enc);
size_t nn_incol_width(const nn_incol *c);
/* The index of category s of c, or -1 (binary search). */
long nn_incol_find(const nn_incol *c, const char *s);
/* Every rule a stored encoder obeys, against the network's nin inputs. */
int nn_enc_check(const nn_enc *enc, size_t nin, nn_err *e);

/* What applying an encoder met, per input column (ncols). */
typedef struct nn_enc_tally {
	size_t ncols;
	uint64_t *filled;       /* missing fields filled */
	uint64_t *unseen;       /* categories training never saw */
	uint64_t rows_unseen;   /* rows with at least one unseen category */
	int strict;             /* set by the caller: an unseen category is an
	                           error (nn_enc_apply fails) */
} nn_enc_tally;
void nn_enc_tally_init(nn_enc_tally *t, const nn_enc *enc);
void nn_enc_tally_free(nn_enc_tally *t);

/* Encode B rows into x (B, D): num (B, nnum) holds the numeric input
 * columns in encoder order, NaN where missing; cat(ctx, i, k) gives the
 * text of the k-th categorical column of row i, NULL where missing.  t may
 * be NULL.  With the error policy a missing value fails, and with
 * t->strict an unseen category (-1, *bad_row = its row, the message names
 * the column). */
int nn_enc_apply(const nn_enc *enc, size_t B, const float *num, size_t nnum,
    const char *(*cat)(void *ctx, size_t i, size_t k), void *ctx, float *x,
    size_t D, nn_enc_tally *t, size_t *bad_row, nn_err *e);

#endif
