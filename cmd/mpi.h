/*
 * mpi.h - nn-train-mpi's ranks: the MPI side of a distributed nn-train.
 *
 *   mpi.c      mpi_start, mpi_rank, mpi_size, mpi_dist, mpi_open,
 *              mpi_open_own
 *
 * nn-train-mpi is nn-train.c built with NN_MPI and linked with mpi.c (by
 * mpicc, `make MPI=1`); every other program, and nn-train itself, stays
 * free of MPI.  Every rank runs the whole of nn-train.  An input every
 * rank can read at its path each rank opens itself (mpi_open_own), and of
 * a data file each parses only its part (nn_data_opts.dist), everything
 * learned from the rows learned collectively as one process would; any
 * other input rank 0 reads and hands its bytes to all (mpi_open).  So
 * every decision (the task, the chosen epochs, an error in the data) is
 * the same everywhere.  In training the ranks split each batch's shards and
 * exchange their gradients (lib/nn_train.h, nn_dist).  Rank 0 alone
 * writes: the model, the log, standard output and standard error; the
 * others' output goes nowhere, and their error messages are kept and
 * shown only when a rank fails alone.
 */
#ifndef NN_CMD_MPI_H
#define NN_CMD_MPI_H

#include <stdio.h>

#include "nn_train.h"

/* Start MPI (before the options are parsed: it may take its own from
 * argv), quiet the ranks above 0, and arrange the end: every rank exits
 * with the worst status of all of them, after they agree on it; a rank
 * that fails while the others cannot hear it (they wait in an exchange)
 * prints its message, naming its rank, and aborts the job. */
void mpi_start(int *argc, char ***argv);
int mpi_rank(void);
int mpi_size(void);
/* The CPUs this rank may run on (its affinity mask); the threads a rank
 * takes by default: those CPUs, shared with the ranks on the same host
 * that may run on them too, at least 1. */
int mpi_cpus(void);
int mpi_threads(void);
/* The transport for nn_train_cfg.dist (NULL for one rank). */
const nn_dist *mpi_dist(void);
/* One line on fp: this rank's exchanges so far, the bytes it received
 * and the seconds they took (nn-train-mpi -v prints rank 0's). */
void mpi_report(FILE *fp);
/* Open path ("-" or NULL: standard input) as every rank's copy of rank
 * 0's bytes; gzip data inflated (nn_input_wrap).  NULL with e on error
 * (the same on every rank). */
FILE *mpi_open(const char *path, nn_err *e);
/* The training data: like mpi_open, but when every rank can read the file
 * at path itself (it sees rank 0's size and bytes there), each opens its
 * own and *own is set: the reader then takes only this rank's rows
 * (nn_data_opts.dist). */
FILE *mpi_open_own(const char *path, int *own, nn_err *e);

#endif
