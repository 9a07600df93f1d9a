/*
 * plot_log.c - reading the training log that nn-train --log writes, for
 * the loss, gradient and update figures.
 *
 * The log is CSV with a fixed header: seven per-epoch columns, then three
 * per dense layer (gradient norm, weight norm, update/weight ratio).  It is
 * read through the streaming CSV reader with every column as text, since
 * the accuracy and validation columns may be empty, and each field is then
 * checked here so a message can name the line, the column and what was
 * expected.  A log has one row per epoch, so it is held whole.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"

#define FIXED 7
#define PER_LAYER 3
#define BATCH 256

static const char *const fixed_cols[FIXED] = {
	"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr",
	"seconds"
};
static const char *const layer_cols[PER_LAYER] = {
	"grad_norm_", "weight_norm_", "update_ratio_"
};

/* Column j's expected name into buf. */
static const char *
col_name(size_t j, char *buf, size_t size)
{
	if (j < FIXED)
		return fixed_cols[j];
	snprintf(buf, size, "%s%zu", layer_cols[(j - FIXED) % PER_LAYER],
	    (j - FIXED) / PER_LAYER + 1);
	return buf;
}

/* The range a column's values must lie in. */
static void
col_range(size_t j, double *lo, double *hi)
{
	*lo = 0.0;
	*hi = j == 2 || j == 4 ? 1.0 : HUGE_VAL;  /* accuracies */
}

void
nn_trainlog_free(nn_trainlog *l)
{
	if (l == NULL)
		return;
	free(l->epoch);        /* the one block; see nn_trainlog_read */
	memset(l, 0, sizeof(*l));
}

int
nn_trainlog_read(FILE *fp, const char *name, nn_trainlog *out, nn_err *e)
{
	nn_csv *c;
	size_t nc, L, n = 0, cap = 0;
	double *rows = NULL, *blk;     /* rows: (n, nc) as read */
	int *roles;
	long got;
	char buf[64];
	float dummy;

	memset(out, 0, sizeof(*out));
	if ((c = nn_csv_open(fp, name, 1, e)) == NULL)
		return -1;
	nc = nn_csv_ncols(c);
	for (size_t j = 0; j < nc; j++) {
		const char *want = col_name(j, buf, sizeof(buf));
		if (strcmp(nn_csv_colname(c, j), want) != 0) {
			nn_errf(e, "%s:1:%zu: expected the column \"%s\" of a "
			    "training log (nn-train --log), got \"%.40s\"", name,
			    j + 1, want, nn_csv_colname(c, j));
			goto fail;
		}
	}
	if (nc < FIXED || (nc - FIXED) % PER_LAYER != 0) {
		nn_errf(e, "%s:1: %zu columns; a training log (nn-train --log) "
		    "has %d, then %d per layer", name, nc, FIXED, PER_LAYER);
		goto fail;
	}
	L = (nc - FIXED) / PER_LAYER;
	roles = nn_xmalloc(nc * sizeof(*roles));
	for (size_t j = 0; j < nc; j++)
		roles[j] = NN_COL_TEXT((int)j);
	got = nn_csv_set_roles(c, roles, 0, nc, 0, e);
	free(roles);
	if (got < 0)
		goto fail;

	while ((got = nn_csv_read(c, &dummy, BATCH, e)) > 0) {
		for (size_t i = 0; i < (size_t)got; i++, n++) {
			unsigned long line = nn_csv_line(c, i);
			double *r;
			size_t bytes;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				if (nn_mul_size(cap, nc * sizeof(*rows), &bytes) < 0) {
					nn_errf(e, "%s: too many rows", name);
					goto fail;
				}
				rows = nn_xrealloc(rows, bytes);
			}
			r = rows + n * nc;
			for (size_t j = 0; j < nc; j++) {
				const char *s = nn_csv_text(c, i, j);
				double lo, hi;
				col_range(j, &lo, &hi);
				if (*s == '\0') {
					if (j < 2) {
						nn_errf(e, "%s:%lu:%zu: empty %s", name, line,
						    j + 1, fixed_cols[j]);
						goto fail;
					}
					r[j] = NAN;
				} else if (nn_parse_double(s, -HUGE_VAL, HUGE_VAL, &r[j],
				    "", NULL) < 0) {
					nn_errf(e, "%s:%lu:%zu: expected a number, got "
					    "\"%.40s%s\"", name, line, j + 1, s,
					    strlen(s) > 40 ? "..." : "");
					goto fail;
				} else if (r[j] < lo || r[j] > hi) {
					nn_errf(e, "%s:%lu:%zu: %s must be in [%g, %g], "
					    "got %g", name, line, j + 1,
					    col_name(j, buf, sizeof(buf)), lo, hi, r[j]);
					goto fail;
				}
			}
			if (n > 0 && !(r[0] > rows[(n - 1) * nc])) {
				nn_errf(e, "%s:%lu:1: epoch %g after epoch %g: epochs "
				    "must increase", name, line, r[0],
				    rows[(n - 1) * nc]);
				goto fail;
			}
		}
	}
	if (got < 0)
		goto fail;
	if (n == 0) {
		nn_errf(e, "%s: no data rows", name);
		goto fail;
	}
	nn_csv_free(c);

	/* one block: the seven columns, then three (n, L) matrices */
	blk = nn_xmalloc(n * nc * sizeof(*blk));
	out->n = n;
	out->L = L;
	out->epoch = blk;
	out->train_loss = blk + n;
	out->train_acc = blk + 2 * n;
	out->val_loss = blk + 3 * n;
	out->val_acc = blk + 4 * n;
	out->lr = blk + 5 * n;
	out->seconds = blk + 6 * n;
	out->grad_norm = blk + 7 * n;
	out->weight_norm = blk + 7 * n + n * L;
	out->update_ratio = blk + 7 * n + 2 * n * L;
	for (size_t i = 0; i < n; i++) {
		const double *r = rows + i * nc;
		for (size_t j = 0; j < FIXED; j++)
			blk[j * n + i] = r[j];
		for (size_t l = 0; l < L; l++) {
			out->grad_norm[i * L + l] = r[FIXED + PER_LAYER * l];
			out->weight_norm[i * L + l] = r[FIXED + PER_LAYER * l + 1];
			out->update_ratio[i * L + l] = r[FIXED + PER_LAYER * l + 2];
		}
	}
	free(rows);
	return 0;
fail:
	nn_csv_free(c);
	free(rows);
	return -1;
}
