/*
 * nn_bind.h - matching a file's columns and labels to what a model, or a
 * training set, has learned: which column is feature j, which is the
 * target, which class a label string is.
 *
 *   bind.c       nn_bind_model, nn_bind_columns, nn_bind_labels,
 *                nn_bind_index_*
 *
 * It sits above the CSV reader (nn_csv.h) and the model (nn_model.h), so
 * neither of them has to know the other.  The list forms take plain
 * (names, n) arrays, so that a model's names (m->feat_names, m->labels)
 * and a data set's (d->feat_names, d->labels) go through the same code.
 *
 * Every error names the file and lists every missing column or unknown
 * class at once:
 *   test.csv: no columns "x3", "x7" (features of the model)
 *   val.csv: class "zz" does not occur in the training data
 */
#ifndef NN_BIND_H
#define NN_BIND_H

#include "nn_csv.h"
#include "nn_model.h"

/* ---- columns ------------------------------------------------------------ */

/* The role of each of c's columns when model m is applied to it, for
 * nn_csv_set_roles(c, roles, m->nin, has_target, ...): feature j of the
 * model (j < m->nin), the target as text slot 0 (NN_COL_TEXT(0)), or
 * NN_COL_SKIP.  roles: nn_csv_ncols(c) entries, filled.
 *
 * With header != 0, and unless the model's features are named by position
 * (it was trained with --no-header: "1", "2", ... around the target), the
 * features are found by name in any order and other columns are ignored;
 * the target is used when present and not also a feature.  Otherwise the
 * columns are taken by position: the training layout (target included) or
 * the features alone.  file names c in messages.
 *
 * Returns 1 when the target column is present, 0 when not, -1 on error:
 *   FILE: no column "x2" (a feature of the model)
 *   FILE: no columns "x1", "x2" (features of the model)
 *   FILE: 4 columns, but the model takes 2 features (3 columns with the
 *   target) */
int nn_bind_model(const nn_model *m, const nn_csv *c, const char *file,
    int header, int *roles, nn_err *e);

/* For each of want[0..nwant) the index of the same name in have[0..nhave):
 * col[j] (nwant entries, filled).  file names the file whose columns are
 * `have`; what says whose the wanted names are ("the model", "the training
 * data").  Errors: every missing name in one message, "FILE: no columns
 * "a", "b" (features of WHAT)"; a name twice in have ("FILE: duplicate
 * column name "a"") or in want ("WHAT names feature "a" twice"). */
int nn_bind_columns(const char *const *have, size_t nhave,
    const char *const *want, size_t nwant, const char *file,
    const char *what, size_t *col, nn_err *e);

/* ---- labels ------------------------------------------------------------- */

/* For each of have[0..nhave) (a file's label strings) its index in
 * ref[0..nref) (the classes learned, in their own order, which may be
 * numeric): map[k] (nhave entries, filled).  Matched by string.  Error,
 * listing every unknown label: "FILE: class "zz" does not occur in WHAT",
 * "FILE: classes "zz", "yy" do not occur in WHAT". */
int nn_bind_labels(const char *const *have, size_t nhave,
    const char *const *ref, size_t nref, const char *file,
    const char *what, uint32_t *map, nn_err *e);

/* A lookup of names[0..n) by string, for a label per row of a stream.
 * The strings are borrowed: names must outlive the index.  A name given
 * twice is found at its first position.  Owned by the caller:
 * nn_bind_index_free (safe on NULL). */
typedef struct nn_bind_index nn_bind_index;

nn_bind_index *nn_bind_index_new(const char *const *names, size_t n);
/* The position of s in names, or -1. */
long nn_bind_index_find(const nn_bind_index *ix, const char *s);
void nn_bind_index_free(nn_bind_index *ix);

#endif
