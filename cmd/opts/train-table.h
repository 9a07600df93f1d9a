/*
 * train-table.h - the option table of nn-train and of nn-train-mpi, which
 * take the same options: every row of TRAIN_ROWS (train-rows.h) as it is,
 * under the name TRAIN_PROG, with the includer's synopsis.  Included once
 * by cmd/opts/nn-train.h or cmd/opts/nn-train-mpi.h.
 */

/* Every row of TRAIN_ROWS as it is. */
#define TRAIN_ROW(tag, ...) { __VA_ARGS__ },

static const opt_spec train_table[] = {
	TRAIN_ROWS(TRAIN_ROW)
	{ 0 }
};

static const opt_prog options = {
	TRAIN_PROG, synopsis, train_table, NULL, NULL, COMP_CSV, train_defaults
};
