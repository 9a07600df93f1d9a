/*
 * encode.c - the model's input columns: what training decided about each
 * column of the user's data (numeric or categorical, its categories, the
 * value a missing field gets), stored in the model and applied the same way
 * by prediction.
 *
 * A numeric column is one feature; a categorical column is one feature per
 * category (one-hot), its categories sorted by strcmp so the order never
 * depends on the order of the rows.  A category that training never saw
 * encodes as all zeros -- the network then sees "none of the known ones" --
 * and is counted, so nn-predict can say so.  Missing fields take the fill
 * learned at training (mean, median or most frequent value; the most
 * frequent category for a categorical column), or are an error.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_enc.h"

static const char *const ctype_names[NN_CTYPE_COUNT] = {
	[NN_CTYPE_NUMERIC] = "numeric", [NN_CTYPE_CATEGORICAL] = "categorical",
};
static const char *const missing_names[NN_MISSING_COUNT] = {
	[NN_MISSING_ERROR] = "error", [NN_MISSING_MEAN] = "mean",
	[NN_MISSING_MEDIAN] = "median", [NN_MISSING_MODE] = "mode",
	[NN_MISSING_DROP] = "drop",
};

const char *
nn_ctype_name(nn_ctype t)
{
	return nn_name_of(ctype_names, NN_CTYPE_COUNT, (int)t);
}

int
nn_ctype_lookup(const char *name, nn_ctype *out)
{
	int i = nn_name_find(ctype_names, NN_CTYPE_COUNT, name);

	if (i >= 0)
		*out = (nn_ctype)i;
	return i < 0 ? -1 : 0;
}

const char *
nn_missing_name(nn_missing m)
{
	return nn_name_of(missing_names, NN_MISSING_COUNT, (int)m);
}

int
nn_missing_lookup(const char *name, nn_missing *out)
{
	int i = nn_name_find(missing_names, NN_MISSING_COUNT, name);

	if (i >= 0)
		*out = (nn_missing)i;
	return i < 0 ? -1 : 0;
}

/* ====================================================================== */
/* The structure                                                          */
/* ====================================================================== */

size_t
nn_incol_width(const nn_incol *c)
{
	return c->type == NN_CTYPE_CATEGORICAL ? c->ncat : 1;
}

void
nn_enc_free(nn_enc *enc)
{
	if (enc == NULL)
		return;
	for (size_t j = 0; j < enc->ncols; j++) {
		nn_incol *c = &enc->cols[j];
		free(c->name);
		for (size_t k = 0; k < c->ncat; k++)
			free(c->cats[k]);
		free(c->cats);
	}
	free(enc->cols);
	for (size_t k = 0; k < enc->nid; k++)
		free(enc->ids[k]);
	free(enc->ids);
	for (size_t k = 0; k < enc->nna; k++)
		free(enc->na[k]);
	free(enc->na);
	free(enc);
}

void
nn_enc_set_na(nn_enc *enc, const char *const *na, size_t n)
{
	for (size_t k = 0; k < enc->nna; k++)
		free(enc->na[k]);
	free(enc->na);
	enc->nna = n;
	enc->na = n ? nn_xmalloc(n * sizeof(char *)) : NULL;
	for (size_t k = 0; k < n; k++)
		enc->na[k] = nn_xstrdup(na[k]);
}

int
nn_enc_is_na(const nn_enc *enc, const char *s)
{
	for (size_t k = 0; k < enc->nna; k++)
		if (strcmp(enc->na[k], s) == 0)
			return 1;
	return 0;
}

nn_enc *
nn_enc_copy(const nn_enc *src)
{
	nn_enc *enc;

	if (src == NULL)
		return NULL;
	enc = nn_xcalloc(1, sizeof(*enc));
	enc->missing = src->missing;
	enc->ncols = src->ncols;
	enc->cols = nn_xcalloc(src->ncols ? src->ncols : 1, sizeof(*enc->cols));
	for (size_t j = 0; j < src->ncols; j++) {
		const nn_incol *s = &src->cols[j];
		nn_incol *c = &enc->cols[j];
		*c = *s;
		c->name = nn_xstrdup(s->name);
		c->cats = s->ncat ? nn_xmalloc(s->ncat * sizeof(char *)) : NULL;
		for (size_t k = 0; k < s->ncat; k++)
			c->cats[k] = nn_xstrdup(s->cats[k]);
	}
	enc->nid = src->nid;
	enc->ids = src->nid ? nn_xmalloc(src->nid * sizeof(char *)) : NULL;
	for (size_t k = 0; k < src->nid; k++)
		enc->ids[k] = nn_xstrdup(src->ids[k]);
	nn_enc_set_na(enc, (const char *const *)src->na, src->nna);
	return enc;
}

int
nn_enc_check(const nn_enc *enc, size_t nin, nn_err *e)
{
	size_t off = 0;

	if ((unsigned)enc->missing >= NN_MISSING_COUNT)
		return nn_errf(e, "unknown missing-value policy");
	for (size_t j = 0; j < enc->ncols; j++) {
		const nn_incol *c = &enc->cols[j];
		if (c->name == NULL)
			return nn_errf(e, "input column %zu has no name", j + 1);
		if (c->off != off)
			return nn_errf(e, "input column \"%.40s\" starts at feature "
			    "%zu, expected %zu", c->name, c->off + 1, off + 1);
		if (c->type == NN_CTYPE_NUMERIC) {
			if (!isfinite(c->fill))
				return nn_errf(e, "input column \"%.40s\": the fill "
				    "value is not finite", c->name);
		} else if (c->type == NN_CTYPE_CATEGORICAL) {
			if (c->ncat == 0)
				return nn_errf(e, "input column \"%.40s\" has no "
				    "categories", c->name);
			if (c->fill_cat >= c->ncat)
				return nn_errf(e, "input column \"%.40s\": fill "
				    "category %u of %zu", c->name, c->fill_cat + 1,
				    c->ncat);
			for (size_t k = 1; k < c->ncat; k++)
				if (strcmp(c->cats[k - 1], c->cats[k]) >= 0)
					return nn_errf(e, "input column \"%.40s\": "
					    "categories not sorted or repeated at %zu",
					    c->name, k + 1);
		} else {
			return nn_errf(e, "input column \"%.40s\": unknown type",
			    c->name);
		}
		if (nn_incol_width(c) > nin - off)
			return nn_errf(e, "input columns need more than the "
			    "network's %zu inputs", nin);
		off += nn_incol_width(c);
	}
	if (off != nin)
		return nn_errf(e, "input columns give %zu features, the network "
		    "takes %zu", off, nin);
	return 0;
}

/* ====================================================================== */
/* Apply                                                                  */
/* ====================================================================== */

long
nn_incol_find(const nn_incol *c, const char *s)
{
	size_t lo = 0, hi = c->ncat;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(c->cats[mid], s);
		if (r == 0)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void
nn_enc_tally_init(nn_enc_tally *t, const nn_enc *enc)
{
	memset(t, 0, sizeof(*t));
	t->ncols = enc->ncols;
	t->filled = nn_xcalloc(enc->ncols ? enc->ncols : 1, sizeof(uint64_t));
	t->unseen = nn_xcalloc(enc->ncols ? enc->ncols : 1, sizeof(uint64_t));
}

void
nn_enc_tally_free(nn_enc_tally *t)
{
	free(t->filled);
	free(t->unseen);
	memset(t, 0, sizeof(*t));
}

int
nn_enc_apply(const nn_enc *enc, size_t B, const float *num, size_t nnum,
    const char *(*cat)(void *ctx, size_t i, size_t k), void *ctx, float *x,
    size_t D, nn_enc_tally *t, size_t *bad_row, nn_err *e)
{
	for (size_t i = 0; i < B; i++) {
		float *row = x + i * D;
		size_t kn = 0, kc = 0;
		int unseen = 0;
		for (size_t j = 0; j < enc->ncols; j++) {
			const nn_incol *c = &enc->cols[j];
			if (c->type == NN_CTYPE_NUMERIC) {
				float v = num[i * nnum + kn++];
				if (isnan(v)) {
					if (enc->missing == NN_MISSING_ERROR)
						goto missing;
					v = c->fill;
					if (t != NULL)
						t->filled[j]++;
				}
				row[c->off] = v;
				continue;
			}
			const char *s = cat(ctx, i, kc++);
			long k;
			memset(row + c->off, 0, c->ncat * sizeof(float));
			if (s == NULL) {
				if (enc->missing == NN_MISSING_ERROR)
					goto missing;
				k = c->fill_cat;
				if (t != NULL)
					t->filled[j]++;
			} else if ((k = nn_incol_find(c, s)) < 0) {
				if (t != NULL && t->strict) {
					*bad_row = i;
					return nn_errf(e, "%s: a category unseen in "
					    "training, \"%.40s\" (--strict)", c->name, s);
				}
				unseen = 1;
				if (t != NULL)
					t->unseen[j]++;
				continue;
			}
			row[c->off + (size_t)k] = 1.0f;
			continue;
		missing:
			*bad_row = i;
			return nn_errf(e, "%s: missing value (the model was trained "
			    "with --missing error)", c->name);
		}
		if (unseen && t != NULL)
			t->rows_unseen++;
	}
	return 0;
}
