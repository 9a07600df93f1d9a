/*
 * nn_json.h - JSON (RFC 8259): a strict reader for untrusted text, the
 * pieces of a writer, and the model as one JSON document (nn-model(5),
 * "JSON form") for NumPy and PyTorch users.
 *
 *   json.c        nn_json_parse/load/free, the accessors, the number
 *                 conversions, nn_json_put_*
 *   model_json.c  nn_json_model_write/read
 *
 * The reader builds a compact tree: every value is a node in one array, in
 * document order, and is named by its index (0 is the top-level value).  A
 * container's members follow it; an object's members are a key node (a
 * string) and then the value.  Numbers keep their text, so a caller
 * converts each one to the type it needs (float, 64-bit integer) and
 * refuses what does not fit.
 *
 * What the reader refuses, besides what RFC 8259 forbids: nesting deeper
 * than NN_JSON_MAX_DEPTH, a key twice in one object, a byte order mark,
 * invalid UTF-8, and \u0000 (strings are C strings here).  One extension,
 * for names that are not UTF-8: a lone low surrogate \udc80 .. \udcff
 * stands for the single byte 0x80 .. 0xff (the convention of Python's
 * "surrogateescape"), and nn_json_put_str writes each byte of a string
 * that is not part of valid UTF-8 that way.  Any other lone surrogate is
 * refused.  Messages name the file, the line and column, and the JSON path
 * ("a.json:3:17: layers[0].w[2]: expected ',' or ']' after element 5").
 */
#ifndef NN_JSON_H
#define NN_JSON_H

#include "nn_model.h"

/* ---- reading (json.c) ------------------------------------------------------ */

typedef enum nn_json_type {
	NN_JSON_NULL, NN_JSON_FALSE, NN_JSON_TRUE, NN_JSON_NUMBER,
	NN_JSON_STRING, NN_JSON_ARRAY, NN_JSON_OBJECT
} nn_json_type;

/* Arrays and objects nested deeper than this are refused. */
#define NN_JSON_MAX_DEPTH 64

typedef struct nn_json nn_json;

/* Parse text[0, n); name is used in messages.  The document borrows text
 * (numbers point into it): keep it until nn_json_free.  Owned by the
 * caller: nn_json_free (NULL is fine).  NULL with a message on error. */
nn_json *nn_json_parse(const char *text, size_t n, const char *name,
    nn_err *e);
/* Read fp to its end (pipes work) and parse it; the document owns the
 * text.  Refuses more than NN_JSON_MAX_TEXT bytes, and a NUL byte as soon
 * as it is read. */
nn_json *nn_json_load(FILE *fp, const char *name, nn_err *e);
void nn_json_free(nn_json *d);

#define NN_JSON_MAX_TEXT ((size_t)(SIZE_MAX / 4 < ((uint64_t)1 << 34) ? \
    SIZE_MAX / 4 : ((uint64_t)1 << 34)))

nn_json_type nn_json_type_of(const nn_json *d, size_t v);
/* "null", "a number", "an array", ... for messages. */
const char *nn_json_type_name(nn_json_type t);
/* Items of an array, members of an object, bytes of a string, characters
 * of a number's text; 0 for the literals. */
size_t nn_json_len(const nn_json *d, size_t v);
/* An array's first item, an object's first key (its value is the next
 * index); only when nn_json_len(d, v) > 0. */
size_t nn_json_first(const nn_json *d, size_t v);
/* The value after v and everything inside it: the next item of an array
 * (or, after a key's value, the next key). */
size_t nn_json_next(const nn_json *d, size_t v);
/* A string's bytes, NUL-terminated; a number's text (not terminated: its
 * length is nn_json_len).  Borrowed: valid until nn_json_free. */
const char *nn_json_text(const nn_json *d, size_t v);
/* The value of key in object obj, or 0 when it has none (0 is the
 * top-level value, never a member). */
size_t nn_json_get(const nn_json *d, size_t obj, const char *key);

/* What the conversions below return. */
#define NN_JSON_OK      0
#define NN_JSON_ETYPE  (-1)     /* not the kind of value asked for */
#define NN_JSON_ERANGE (-2)     /* the right kind, but out of range */

/* A number as the nearest float (as strtof rounds).  ERANGE: beyond the
 * largest float.  With nonfinite, also the strings "NaN", "Infinity",
 * "-Infinity" and "NaN:0xXXXXXXXX" (a NaN's bits), as nn_json_put_float
 * writes them. */
int nn_json_float(const nn_json *d, size_t v, int nonfinite, float *out);
/* An integer in [0, max]: a number without fraction or exponent, or a
 * string of decimal digits (how integers above 2^53 are written, since
 * many readers turn every number into a double).  ERANGE: negative or
 * above max. */
int nn_json_uint(const nn_json *d, size_t v, uint64_t max, uint64_t *out);

/* ---- writing (json.c) ------------------------------------------------------ */

/* These write to fp and leave errors to its error flag (check ferror, or
 * fflush, at the end). */

/* s as a JSON string, quotes included: valid UTF-8 as it is, '"', '\\'
 * and control characters escaped, every other byte as \udcXX (see above). */
void nn_json_put_str(FILE *fp, const char *s);
/* A finite float as the shortest text that reads back as the same float
 * (nn_fmt_short); a non-finite one as a string ("NaN", "Infinity",
 * "-Infinity"; a NaN other than 0x7fc00000 as "NaN:0x" and its 8 hex
 * digits), which only nonfinite readers accept. */
void nn_json_put_float(FILE *fp, float v);
/* An integer: a number up to 2^53, a string of digits above. */
void nn_json_put_uint(FILE *fp, uint64_t v);

/* ---- the model as JSON (model_json.c, nn-model(5)) ------------------------ */

/* The whole model -- architecture, layers' options, every weight, batch
 * normalisation's statistics, scaling, names, input columns, training
 * record and checkpoint -- as one JSON document.  Checks m first, as
 * nn_model_write does.  0, or -1 on a write error (errno set). */
int nn_json_model_write(const nn_model *m, FILE *fp, nn_err *e);
/* Read a document nn_json_model_write wrote (or one like it) and build the
 * model; every rule of the model file is checked, and a message names the
 * file and the JSON path ("a.json: layers[2].w: expected 16 rows of 8
 * numbers, got 15 rows").  Saved with nn_model_save, the model is the file
 * it was exported from, byte for byte.  Owned by the caller:
 * nn_model_free. */
nn_model *nn_json_model_read(FILE *fp, const char *name, nn_err *e);

#endif
