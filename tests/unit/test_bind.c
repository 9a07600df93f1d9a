/*
 * test_bind.c - matching a file's columns and labels to a model's or a
 * training set's: features by name in any order, by position (a model
 * trained without a header, a file read without one), every missing
 * column in one message, labels by string whatever the reference order,
 * unknown classes, names given twice, and the index behind them.
 *
 * Models are built by hand (nn_model_alloc plus names); CSV inputs go
 * through tmpfile() so the reader sees a real FILE.  Expected roles and
 * messages are written out here, not taken from a previous run.
 */
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "tap.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------ */

static FILE *
input(const char *s)
{
	FILE *fp = tmpfile();
	size_t n = strlen(s);

	if (fp == NULL || fwrite(s, 1, n, fp) != n || fseek(fp, 0, SEEK_SET) != 0) {
		perror("tmpfile");
		exit(2);
	}
	return fp;
}

/* A 2-input model whose training file had the columns cols[0..ncols),
 * the target at target_col, the features the others in order. */
static nn_model *
model(const char *const *cols, size_t ncols, size_t target_col)
{
	size_t sizes[2] = { ncols - 1, 1 };
	nn_act act = NN_ACT_SIGMOID;
	nn_model *m;
	nn_err e;

	if ((m = nn_model_alloc(1, sizes, &act, &e)) == NULL) {
		fprintf(stderr, "%s\n", e.msg);
		exit(2);
	}
	m->feat_names = nn_xcalloc(m->nin, sizeof(*m->feat_names));
	for (size_t j = 0, f = 0; j < ncols; j++)
		if (j == target_col)
			m->target_name = nn_xstrdup(cols[j]);
		else
			m->feat_names[f++] = nn_xstrdup(cols[j]);
	m->target_col = (uint32_t)target_col;
	m->ncols = (uint32_t)ncols;
	return m;
}

/* nn_bind_model of m on the CSV text s; roles into roles (nroles of
 * them), message into e.  Checks that the reader accepts the roles. */
static int
bind(const nn_model *m, const char *s, int header, int *roles,
    size_t nroles, nn_err *e)
{
	FILE *fp = input(s);
	nn_csv *c;
	int rc;

	e->msg[0] = '\0';
	if ((c = nn_csv_open(fp, "t.csv", header, e)) == NULL) {
		fclose(fp);
		return -2;
	}
	if (nn_csv_ncols(c) > nroles) {
		fprintf(stderr, "bind: %zu columns\n", nn_csv_ncols(c));
		exit(2);
	}
	rc = nn_bind_model(m, c, "t.csv", header, roles, e);
	if (rc >= 0 && nn_csv_set_roles(c, roles, m->nin, (size_t)rc, 0, e) < 0)
		rc = -3;
	nn_csv_free(c);
	fclose(fp);
	return rc;
}

static int
same_roles(const int *a, const int *b, size_t n)
{
	return memcmp(a, b, n * sizeof(*a)) == 0;
}

/* ---- columns of a plain list ------------------------------------------- */

static void
test_columns(void)
{
	static const char *const have[] = { "id", "x2", "y", "x1" };
	static const char *const want[] = { "x1", "x2" };
	static const char *const gone[] = { "x1", "x3", "x2", "x7" };
	size_t col[4] = { 99, 99, 99, 99 };
	nn_err e;
	int rc;

	rc = nn_bind_columns(have, NELEM(have), want, NELEM(want), "t.csv",
	    "the model", col, &e);
	tap_ok(rc == 0 && col[0] == 3 && col[1] == 1,
	    "columns: by name, in any order, others ignored");

	rc = nn_bind_columns(have, NELEM(have), want, 0, "t.csv", "the model",
	    col, &e);
	tap_ok(rc == 0, "columns: nothing wanted");

	rc = nn_bind_columns(have, NELEM(have), gone, NELEM(gone), "t.csv",
	    "the model", col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: no columns \"x3\", \"x7\" "
	    "(features of the model)") == 0,
	    "columns: every missing name listed: %s", e.msg);

	rc = nn_bind_columns(have, NELEM(have), gone, 2, "v.csv",
	    "the training data", col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "v.csv: no column \"x3\" (a feature "
	    "of the training data)") == 0,
	    "columns: one missing name: %s", e.msg);

	rc = nn_bind_columns(have, 0, want, NELEM(want), "t.csv", "the model",
	    col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: no columns \"x1\", \"x2\" "
	    "(features of the model)") == 0, "columns: none in the file");
}

/* Hundreds missing: a count of the rest, and the tail still there. */
static void
test_columns_many(void)
{
	enum { N = 500 };
	char *names[N];
	size_t col[N];
	const char *head = "t.csv: no columns \"col0\", \"col1\", ";
	const char *tail = " more (features of the model)";
	nn_err e;
	size_t len;
	int rc;

	for (size_t j = 0; j < N; j++) {
		names[j] = nn_xmalloc(16);
		snprintf(names[j], 16, "col%zu", j);
	}
	rc = nn_bind_columns(NULL, 0, (const char *const *)names, N, "t.csv",
	    "the model", col, &e);
	len = strlen(e.msg);
	tap_ok(rc == -1 && strncmp(e.msg, head, strlen(head)) == 0 &&
	    strstr(e.msg, "\" and ") != NULL &&
	    len > strlen(tail) && strcmp(e.msg + len - strlen(tail), tail) == 0,
	    "columns: 500 missing, the rest counted: %s", e.msg);
	for (size_t j = 0; j < N; j++)
		free(names[j]);
}

/* Names shown on one line, cut at 40 bytes. */
static void
test_columns_show(void)
{
	static const char *const want[] = {
		"a\nb\tc\x01",
		"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
	};
	size_t col[2];
	nn_err e;
	int rc;

	rc = nn_bind_columns(NULL, 0, want, 2, "t.csv", "the model", col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: no columns \"a\\nb\\tc\\x01\", "
	    "\"abcdefghijklmnopqrstuvwxyz0123456789ABCD...\" (features of the "
	    "model)") == 0, "columns: control bytes escaped, long names cut: %s",
	    e.msg);
}

static void
test_columns_dup(void)
{
	static const char *const have[] = { "a", "b", "a" };
	static const char *const uniq[] = { "a", "b" };
	static const char *const want[] = { "b", "a", "b" };
	size_t col[3];
	nn_err e;
	int rc;

	rc = nn_bind_columns(have, NELEM(have), uniq, NELEM(uniq), "t.csv",
	    "the model", col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: duplicate column name \"a\"")
	    == 0, "columns: a name twice in the file: %s", e.msg);
	rc = nn_bind_columns(uniq, NELEM(uniq), want, NELEM(want), "t.csv",
	    "the model", col, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "the model names feature \"b\" twice")
	    == 0, "columns: a name wanted twice: %s", e.msg);
}

/* ---- columns for a model ----------------------------------------------- */

static void
test_model_by_name(void)
{
	static const char *const cols[] = { "x1", "x2", "label" };
	nn_model *m = model(cols, 3, 2);
	int roles[8];
	nn_err e;
	int rc;

	rc = bind(m, "x2,id,label,x1\n1,a,b,2\n", 1, roles, 8, &e);
	tap_ok(rc == 1 && same_roles(roles, (int[]){ 1, NN_COL_SKIP,
	    NN_COL_TEXT(0), 0 }, 4), "model: by name, target echoed");

	rc = bind(m, "x2,x1\n1,2\n", 1, roles, 8, &e);
	tap_ok(rc == 0 && same_roles(roles, (int[]){ 1, 0 }, 2),
	    "model: by name, no target");

	rc = bind(m, "x1,label\n1,2\n", 1, roles, 8, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: no column \"x2\" (a feature "
	    "of the model)") == 0, "model: one missing: %s", e.msg);

	rc = bind(m, "a,b,label\n1,2,3\n", 1, roles, 8, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: no columns \"x1\", \"x2\" "
	    "(features of the model)") == 0, "model: all missing: %s", e.msg);

	/* without a header, a named model's file is taken by position */
	rc = bind(m, "1,2,b\n", 0, roles, 8, &e);
	tap_ok(rc == 1 && same_roles(roles, (int[]){ 0, 1, NN_COL_TEXT(0) }, 3),
	    "model: --no-header, training layout");
	rc = bind(m, "1,2\n", 0, roles, 8, &e);
	tap_ok(rc == 0 && same_roles(roles, (int[]){ 0, 1 }, 2),
	    "model: --no-header, features alone");
	rc = bind(m, "1,2,3,4\n", 0, roles, 8, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: 4 columns, but the model "
	    "takes 2 features (3 columns with the target)") == 0,
	    "model: --no-header, wrong count: %s", e.msg);
	nn_model_free(m);
}

/* A target that is also a feature's name stays a feature. */
static void
test_model_target_feature(void)
{
	static const char *const cols[] = { "x1", "y", "y2" };
	nn_model *m = model(cols, 3, 2);
	int roles[4];
	nn_err e;
	int rc;

	free(m->target_name);
	m->target_name = nn_xstrdup("y");
	rc = bind(m, "y,x1\n1,2\n", 1, roles, 4, &e);
	tap_ok(rc == 0 && same_roles(roles, (int[]){ 1, 0 }, 2),
	    "model: the target's name taken by a feature");
	nn_model_free(m);
}

/* A model trained with --no-header names its features by position. */
static void
test_model_positional(void)
{
	static const char *const last[] = { "1", "2", "3" };
	static const char *const first[] = { "1", "2", "3" };
	nn_model *m = model(last, 3, 2);
	int roles[4];
	nn_err e;
	int rc;

	rc = bind(m, "a,b,c\n1,2,3\n", 1, roles, 4, &e);
	tap_ok(rc == 1 && same_roles(roles, (int[]){ 0, 1, NN_COL_TEXT(0) }, 3),
	    "positional model: header names ignored, training layout");
	rc = bind(m, "b,a\n1,2\n", 1, roles, 4, &e);
	tap_ok(rc == 0 && same_roles(roles, (int[]){ 0, 1 }, 2),
	    "positional model: features alone");
	rc = bind(m, "a\n1\n", 1, roles, 4, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "t.csv: 1 column, but the model "
	    "takes 2 features (3 columns with the target)") == 0,
	    "positional model: wrong count: %s", e.msg);
	nn_model_free(m);

	/* the target first: features "2", "3" */
	m = model(first, 3, 0);
	rc = bind(m, "a,b,c\n1,2,3\n", 1, roles, 4, &e);
	tap_ok(rc == 1 && same_roles(roles, (int[]){ NN_COL_TEXT(0), 0, 1 }, 3),
	    "positional model, target first: training layout");
	nn_model_free(m);
}

static void
test_model_dup(void)
{
	static const char *const cols[] = { "x1", "x1", "label" };
	nn_model *m = model(cols, 3, 2);
	int roles[4];
	nn_err e;
	int rc;

	rc = bind(m, "x1,label\n1,2\n", 1, roles, 4, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "the model names feature \"x1\" "
	    "twice") == 0, "model: a feature named twice: %s", e.msg);
	/* the reader itself refuses a header with a name twice */
	rc = bind(m, "x1,x1\n1,2\n", 1, roles, 4, &e);
	tap_ok(rc == -2 && strstr(e.msg, "duplicate column name \"x1\"") != NULL,
	    "model: a file with a column name twice: %s", e.msg);
	nn_model_free(m);
}

/* ---- labels ------------------------------------------------------------- */

static void
test_labels(void)
{
	static const char *const ref[] = { "cat", "dog", "emu" };
	static const char *const have[] = { "emu", "cat" };
	static const char *const num[] = { "2", "10", "100" };   /* numeric */
	static const char *const nhave[] = { "100", "2", "10" };
	static const char *const bad[] = { "cat", "zz", "dog", "yy" };
	uint32_t map[4];
	nn_err e;
	int rc;

	rc = nn_bind_labels(have, NELEM(have), ref, NELEM(ref), "v.csv",
	    "the training data", map, &e);
	tap_ok(rc == 0 && map[0] == 2 && map[1] == 0, "labels: by string");
	rc = nn_bind_labels(nhave, NELEM(nhave), num, NELEM(num), "v.csv",
	    "the training data", map, &e);
	tap_ok(rc == 0 && map[0] == 2 && map[1] == 0 && map[2] == 1,
	    "labels: numeric reference order");
	rc = nn_bind_labels(have, 0, ref, NELEM(ref), "v.csv",
	    "the training data", map, &e);
	tap_ok(rc == 0, "labels: none");
	rc = nn_bind_labels(bad, 2, ref, NELEM(ref), "v.csv",
	    "the training data", map, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "v.csv: class \"zz\" does not occur "
	    "in the training data") == 0, "labels: unknown class: %s", e.msg);
	rc = nn_bind_labels(bad, NELEM(bad), ref, NELEM(ref), "v.csv",
	    "the training data", map, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "v.csv: classes \"zz\", \"yy\" do not "
	    "occur in the training data") == 0,
	    "labels: every unknown class listed: %s", e.msg);
	rc = nn_bind_labels(have, NELEM(have), ref, 0, "v.csv", "the model",
	    map, &e);
	tap_ok(rc == -1 && strcmp(e.msg, "v.csv: classes \"emu\", \"cat\" do "
	    "not occur in the model") == 0, "labels: no reference: %s", e.msg);
}

static void
test_index(void)
{
	static const char *const names[] = { "b", "a", "", "c", "a", "ab" };
	nn_bind_index *ix = nn_bind_index_new(names, NELEM(names));
	int ok = 1;

	ok &= nn_bind_index_find(ix, "b") == 0;
	ok &= nn_bind_index_find(ix, "a") == 1;     /* the first of two */
	ok &= nn_bind_index_find(ix, "") == 2;
	ok &= nn_bind_index_find(ix, "c") == 3;
	ok &= nn_bind_index_find(ix, "ab") == 5;
	ok &= nn_bind_index_find(ix, "d") == -1;
	ok &= nn_bind_index_find(ix, "A") == -1;
	ok &= nn_bind_index_find(ix, "0") == -1;
	tap_ok(ok, "index: find, first of a name given twice, absent names");
	nn_bind_index_free(ix);

	ix = nn_bind_index_new(NULL, 0);
	tap_ok(nn_bind_index_find(ix, "a") == -1, "index: empty");
	nn_bind_index_free(ix);
	nn_bind_index_free(NULL);
}

int
main(void)
{
	test_columns();
	test_columns_many();
	test_columns_show();
	test_columns_dup();
	test_model_by_name();
	test_model_target_feature();
	test_model_positional();
	test_model_dup();
	test_labels();
	test_index();
	return tap_done();
}
