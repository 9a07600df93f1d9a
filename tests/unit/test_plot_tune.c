/*
 * test_plot_tune.c - the reader of nn-tune's table and the choice of the
 * tune figure's layout (lib/plot_tune.c).
 *
 *  - rows come back in (trial, rung) order whatever the file's order, and
 *    every column follows its row;
 *  - a hyperparameter of numbers has its values ascending ("1e-3" below
 *    "0.01"), one of words (or lists, "16,8") in the order of the first
 *    trial that took each, the empty value included;
 *  - empty, nan and inf means are failed trials (NaN); the metric sets
 *    which way is better;
 *  - the layout: a line over the only hyperparameter, a heat map over the
 *    two of a full grid, the trials for a grid with a pair missing or
 *    repeated, for rungs, for three hyperparameters; --x and --y win.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_plot.h"
#include "tap.h"

/* Read text as a log; 0 or -1 (the message in e). */
static int
read_text(const char *text, nn_tunelog *l, nn_err *e)
{
	FILE *fp = tmpfile();
	int rc;

	if (fp == NULL) {
		perror("tmpfile");
		exit(1);
	}
	fputs(text, fp);
	rewind(fp);
	rc = nn_tunelog_read(fp, "t.csv", l, e);
	fclose(fp);
	return rc;
}

static void
test_order(void)
{
	nn_tunelog l;
	nn_err e;
	int rc = read_text(
	    "trial,rung,epochs,layers,rate,metric,mean,sd,seconds\n"
	    "2,0,10,\"16,8\",0.01,log_loss,0.30,0.01,1.5\n"
	    "0,0,10,4,0.1,log_loss,0.50,0.02,0.5\n"
	    "1,1,30,,1e-3,log_loss,nan,,2.5\n"
	    "1,0,10,,1e-3,log_loss,,0.03,1\n"
	    "3,0,10,4,0.01,log_loss,inf,0,3\n", &l, &e);

	if (!tap_ok(rc == 0, "a table read (%s)", rc ? e.msg : "ok"))
		return;
	tap_ok(l.n == 5 && l.k == 2, "5 rows, 2 hyperparameters");
	tap_ok(strcmp(l.hp[0].name, "layers") == 0 &&
	    strcmp(l.hp[1].name, "rate") == 0, "named in the file's order");
	tap_ok(l.trial[0] == 0 && l.trial[1] == 1 && l.rung[1] == 0 &&
	    l.trial[2] == 1 && l.rung[2] == 1 && l.trial[3] == 2 &&
	    l.trial[4] == 3, "rows in (trial, rung) order");
	tap_ok(l.epochs[2] == 30 && l.seconds[3] == 1.5 && l.mean[0] == 0.5 &&
	    l.sd[1] == 0.03, "each column follows its row");
	tap_ok(isnan(l.mean[1]) && isnan(l.mean[2]) && isnan(l.mean[4]) &&
	    isnan(l.sd[2]), "empty, nan, inf: failed trials");
	tap_ok(strcmp(l.metric, "log_loss") == 0 && !l.higher,
	    "log_loss: lower is better");
	/* layers: words, in trial order: 4 (trial 0), "" (1), 16,8 (2) */
	tap_ok(l.hp[0].num == NULL && l.hp[0].nvals == 3 &&
	    strcmp(l.hp[0].vals[0], "4") == 0 &&
	    strcmp(l.hp[0].vals[1], "") == 0 &&
	    strcmp(l.hp[0].vals[2], "16,8") == 0,
	    "words and lists in the order of their first trial");
	/* rate: numbers, ascending, as written */
	tap_ok(l.hp[1].num != NULL && l.hp[1].nvals == 3 &&
	    strcmp(l.hp[1].vals[0], "1e-3") == 0 && l.hp[1].num[2] == 0.1,
	    "numbers ascending, kept as written");
	tap_ok(l.val[3 * 2] == 2 && l.val[3 * 2 + 1] == 1,
	    "trial 2's values: 16,8 and 0.01");
	tap_ok(nn_tunelog_find(&l, "rate") == 1 &&
	    nn_tunelog_find(&l, "mean") == -1, "find by name");
	nn_tunelog_free(&l);
}

/* The layout of a table of the given rows under the header
 * trial,rung,epochs,a,b[,c],metric,mean,sd,seconds. */
static nn_tune_kind
layout(const char *hdr, const char *rows, long xh, long yh)
{
	char text[2048];
	nn_tunelog l;
	nn_tune_kind k;
	nn_err e;

	snprintf(text, sizeof(text), "trial,rung,epochs,%s,metric,mean,sd,"
	    "seconds\n%s", hdr, rows);
	if (read_text(text, &l, &e) < 0) {
		tap_diag("%s", e.msg);
		return (nn_tune_kind)-1;
	}
	k = nn_tune_layout(&l, xh, yh);
	nn_tunelog_free(&l);
	return k;
}

static void
test_layout(void)
{
	const char *grid =
	    "0,0,5,1,x,accuracy,0.5,0,1\n1,0,5,2,x,accuracy,0.6,0,1\n"
	    "2,0,5,1,y,accuracy,0.7,0,1\n3,0,5,2,y,accuracy,0.8,0,1\n";
	const char *holed =
	    "0,0,5,1,x,accuracy,0.5,0,1\n1,0,5,2,x,accuracy,0.6,0,1\n"
	    "2,0,5,1,y,accuracy,0.7,0,1\n3,0,5,1,y,accuracy,0.8,0,1\n";
	const char *rungs =
	    "0,0,5,1,accuracy,0.5,0,1\n1,0,5,2,accuracy,0.6,0,1\n"
	    "1,1,15,2,accuracy,0.7,0,1\n";

	tap_ok(layout("a", "0,0,5,1,r2,0.5,0,1\n1,0,5,2,r2,0.6,0,1\n", -1, -1)
	    == NN_TUNE_LINE, "one hyperparameter: a line");
	tap_ok(layout("a,b", grid, -1, -1) == NN_TUNE_HEAT,
	    "a full 2 x 2 grid: a heat map");
	tap_ok(layout("a,b", holed, -1, -1) == NN_TUNE_TRIALS,
	    "a pair missing, one twice: the trials");
	tap_ok(layout("a", rungs, -1, -1) == NN_TUNE_TRIALS,
	    "successive halving: the trials");
	tap_ok(layout("a,b,c", "0,0,5,1,2,3,mae,0.5,0,1\n", -1, -1) ==
	    NN_TUNE_TRIALS, "three hyperparameters: the trials");
	tap_ok(layout("a,b", holed, 1, -1) == NN_TUNE_LINE &&
	    layout("a,b", holed, 1, 0) == NN_TUNE_HEAT,
	    "--x: a line, --x --y: a heat map, whatever the table");
}

int
main(void)
{
	test_order();
	test_layout();
	return tap_done();
}
