/*
 * fuzz_json.c - the JSON reader (lib/json.c) and the model read from JSON
 * (nn_json_model_read, lib/model_json.c): what nn-model import reads.
 *
 * Properties:
 *   - nn_json_parse over the bytes and nn_json_load over a stream of them
 *     accept the same documents, or both refuse (a NUL byte is the
 *     stream's refusal alone); the accepted tree walks: every array's and
 *     object's length is the number of values its first/next chain visits,
 *     every conversion answers one of its three codes.
 *   - A model that reads from the bytes writes back as JSON, that JSON
 *     reads again, and the two models are the same binary model file
 *     (nn_model_write) -- the round trip that nn-model export and import
 *     promise.
 */
#include "fuzz.h"

/* The tree under v, checked; the value after it. */
static size_t
walk(const nn_json *d, size_t v, int depth)
{
	nn_json_type t = nn_json_type_of(d, v);
	size_t len = nn_json_len(d, v), n = 0, c;
	float f;
	uint64_t u;
	int rc;

	FUZZ_CHECK(depth <= NN_JSON_MAX_DEPTH + 1, "depth %d", depth);
	FUZZ_CHECK(nn_json_type_name(t) != NULL, "type %d has no name", (int)t);
	rc = nn_json_float(d, v, 1, &f);
	FUZZ_CHECK(rc == NN_JSON_OK || rc == NN_JSON_ETYPE ||
	    rc == NN_JSON_ERANGE, "nn_json_float: %d", rc);
	rc = nn_json_uint(d, v, UINT64_MAX, &u);
	FUZZ_CHECK(rc == NN_JSON_OK || rc == NN_JSON_ETYPE ||
	    rc == NN_JSON_ERANGE, "nn_json_uint: %d", rc);
	if (t == NN_JSON_STRING) {
		const char *s = nn_json_text(d, v);
		FUZZ_CHECK(s != NULL && s[len] == '\0', "a string of %zu bytes "
		    "not terminated", len);
	}
	if ((t != NN_JSON_ARRAY && t != NN_JSON_OBJECT) || len == 0)
		return nn_json_next(d, v);
	c = nn_json_first(d, v);
	while (n < len) {
		if (t == NN_JSON_OBJECT) {
			FUZZ_CHECK(nn_json_type_of(d, c) == NN_JSON_STRING,
			    "a key that is %s",
			    nn_json_type_name(nn_json_type_of(d, c)));
			c = walk(d, c, depth + 1);      /* the key */
		}
		c = walk(d, c, depth + 1);
		n++;
	}
	c = nn_json_next(d, v);
	return c;
}

static void
parse(const uint8_t *data, size_t size)
{
	nn_err e, le;
	nn_json *d = nn_json_parse((const char *)data, size, "fuzz.json", &e);
	FILE *fp = fuzz_mem(data, size);
	nn_json *ld;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	ld = nn_json_load(fp, "fuzz.json", &le);
	fclose(fp);
	if (memchr(data, '\0', size) != NULL) {
		FUZZ_CHECK(ld == NULL, "a stream with a NUL byte loads");
	} else {
		FUZZ_CHECK((d == NULL) == (ld == NULL), "parse %s, load %s",
		    d ? "accepts" : e.msg, ld ? "accepts" : le.msg);
		if (d == NULL)
			FUZZ_CHECK(strcmp(e.msg, le.msg) == 0, "parse says %s, "
			    "load %s", e.msg, le.msg);
	}
	if (d != NULL)
		walk(d, 0, 0);
	nn_json_free(d);
	nn_json_free(ld);
}

static nn_model *
model_from(const void *d, size_t n, nn_err *e)
{
	FILE *fp = fuzz_mem(d, n);
	nn_model *m;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	m = nn_json_model_read(fp, "fuzz.json", e);
	fclose(fp);
	return m;
}

static void
model(const uint8_t *data, size_t size)
{
	nn_err e;
	nn_model *m = model_from(data, size, &e), *m2;
	char *j, *b1, *b2;
	size_t jn, n1, n2;

	if (m == NULL)
		return;
	fuzz_model_to_mem(m, nn_model_write, &b1, &n1);
	fuzz_model_to_mem(m, nn_json_model_write, &j, &jn);
	nn_model_free(m);
	m2 = model_from(j, jn, &e);
	FUZZ_CHECK(m2 != NULL, "exported JSON does not import: %s", e.msg);
	fuzz_model_to_mem(m2, nn_model_write, &b2, &n2);
	nn_model_free(m2);
	FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0, "imported, exported "
	    "and imported again: another model (%zu bytes, then %zu)", n1, n2);
	free(j);
	free(b1);
	free(b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse(data, size);
	model(data, size);
	return 0;
}
