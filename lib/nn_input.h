/*
 * nn_input.h - opening an input, with gzip data read decompressed.
 *
 *   input.c      nn_input_open, nn_input_wrap, nn_input_error
 *
 * Real data sets often come compressed.  Every file nnkit reads goes
 * through here, and what comes back is a FILE the readers use as they are:
 * the file itself, or, when its first two bytes are gzip's magic (1f 8b;
 * the name does not matter), a stream that inflates it as it is read.
 * Nothing is read ahead but those two bytes, so pipes work, and so do
 * several gzip members one after the other (as zcat reads them).
 *
 * A regular file that is not compressed stays the plain FILE from fopen:
 * fileno() works on it, so a reader may fstat and pread it.  A decompressing
 * stream has no descriptor (fileno() is -1), and a reader must take its
 * streaming path.
 *
 * A read error of a decompressing stream (truncated or corrupt data) sets
 * the stream's error flag and errno to EIO, like a failed read(2); the
 * message that says what went wrong comes from nn_input_error.
 */
#ifndef NN_INPUT_H
#define NN_INPUT_H

#include <stdio.h>

#include "nn_base.h"

/* Open path for reading; NULL or "-" is standard input.  Returns stdin
 * itself, a FILE from fopen, or a decompressing stream; the caller closes
 * it with fclose unless it is stdin (closing a stream over stdin does not
 * close stdin).  NULL on error, with "PATH: strerror" in e ("<stdin>" for
 * standard input). */
FILE *nn_input_open(const char *path, nn_err *e);

/* The same for fp, already open for reading (name is for messages).
 * Returns fp, or a stream that reads through it and closes it with itself
 * (unless fp is stdin).  On error fp is closed (unless it is stdin) and
 * NULL returned. */
FILE *nn_input_wrap(FILE *fp, const char *name, nn_err *e);

/* Why the last read of fp failed, when fp is a decompressing stream
 * ("truncated gzip data (unexpected end of file)", "corrupt gzip data:
 * invalid block type", ...); NULL for any other stream, or when no read
 * has failed.  Borrowed: valid until fp is closed. */
const char *nn_input_error(FILE *fp);

#endif
