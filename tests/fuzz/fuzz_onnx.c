/*
 * fuzz_onnx.c - the ONNX reader (nn_onnx_read, lib/onnx_import.c): what
 * nn-model import reads from files other programs wrote.  protobuf-c
 * decodes the bytes; everything after that -- graph shape, initializers,
 * attributes, references between nodes -- is nnkit's own checking.
 *
 * Properties: the bytes read from a stream and from a regular file give
 * the same model or the same message; a model that imports is a valid
 * model (it writes as a model file), exports again as ONNX, and that
 * export imports as the same model file, byte for byte.
 */
#include "fuzz.h"
#include "nn_onnx.h"

static nn_model *
import(FILE *fp, nn_err *e)
{
	nn_model *m;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	m = nn_onnx_read(fp, "fuzz.onnx", e);
	fclose(fp);
	return m;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nn_err e, fe;
	nn_model *m = import(fuzz_mem(data, size), &e), *fm, *m2;
	char *b1, *fb, *o, *b2;
	size_t n1, fn, on, n2;

	fm = import(fuzz_file(data, size), &fe);
	if (m == NULL) {
		FUZZ_CHECK(fm == NULL && strcmp(e.msg, fe.msg) == 0, "a stream "
		    "says %s, a file %s", e.msg, fm ? "reads" : fe.msg);
		return 0;
	}
	FUZZ_CHECK(fm != NULL, "a stream reads, a file says %s", fe.msg);
	fuzz_model_to_mem(m, nn_model_write, &b1, &n1);
	fuzz_model_to_mem(fm, nn_model_write, &fb, &fn);
	FUZZ_CHECK(n1 == fn && memcmp(b1, fb, n1) == 0, "a stream and a file "
	    "import other models");
	fuzz_model_to_mem(m, nn_onnx_write, &o, &on);
	m2 = import(fuzz_mem((const uint8_t *)o, on), &e);
	FUZZ_CHECK(m2 != NULL, "an export of an imported model does not "
	    "import: %s", e.msg);
	fuzz_model_to_mem(m2, nn_model_write, &b2, &n2);
	FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "imported, exported "
	    "and imported again: another model (%zu bytes, then %zu)", n1, n2);
	nn_model_free(m);
	nn_model_free(fm);
	nn_model_free(m2);
	free(b1);
	free(fb);
	free(o);
	free(b2);
	return 0;
}
