/*
 * nn_onnx.h - a model as an ONNX file, and an ONNX file as a model.
 *
 *   onnx_export.c   nn_onnx_write, nn_onnx_save
 *   onnx_import.c   nn_onnx_read, nn_onnx_load
 *
 * The protobuf encoding is protobuf-c's, over C that protoc-c generates
 * from the onnx.proto of libonnx-dev at build time (gen/).  These two files
 * and that code are a library of their own, lib/libnnkit-onnx.a (and .so),
 * so that only a program that links it (nn-model) needs -lprotobuf-c.
 *
 * What an exported file holds, and which graphs import, is said in
 * nn-model(1) and nn-model(5).
 */
#ifndef NN_ONNX_H
#define NN_ONNX_H

#include "nn_model.h"

/* The opset and IR version an exported file declares. */
#define NN_ONNX_OPSET 13
#define NN_ONNX_IR_VERSION 7
/* The largest ONNX file read: a bound on what an untrusted file can make
 * nn_onnx_read allocate before anything in it is checked. */
#define NN_ONNX_MAX_BYTES ((size_t)1 << 30)

/* Write m as an ONNX model to fp.  Refuses (-1 with a message) what ONNX
 * cannot say as nnkit computes it: a categorical input column. */
int nn_onnx_write(const nn_model *m, FILE *fp, nn_err *e);
/* The same, saved atomically at path (nn_atomic_open). */
int nn_onnx_save(const nn_model *m, const char *path, nn_err *e);

/* Read an ONNX model of MLP shape (see nn-model(1), IMPORT) as a model.
 * name is used in messages.  Trusts nothing: every size, type, reference
 * and shape is checked before use.  Owned by the caller: nn_model_free. */
nn_model *nn_onnx_read(FILE *fp, const char *name, nn_err *e);
nn_model *nn_onnx_load(const char *path, nn_err *e);

#endif
