/*
 * fuzz_model.c - the model file reader (nn_model_read, lib/model_io.c).
 *
 * The bytes are read as a model; a model that reads must write back
 * (nnkit never writes what it would refuse), the written file must read
 * again, and that model must write the same bytes: a round trip.  Read
 * from a regular file (which the reader sizes with fstat) the bytes give
 * the same model, or the same message.
 *
 * The file ends in a CRC-32 of everything before it, so nearly every
 * mutation would stop at "checksum mismatch".  So the bytes are also read
 * with the checksum put right (the section headers walked to the end
 * section, the CRC after it recomputed): the parser proper sees what the
 * mutations made of the sections.
 */
#include "fuzz.h"

#define HEAD 12         /* magic and version */
#define SEC_HEAD 12     /* tag, u64 length */

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Put the checksum after the end section of d[0, n) right; 0 when there
 * is no such place (a truncated header, no end section). */
static int
fix_crc(uint8_t *d, size_t n)
{
	size_t off = HEAD;

	while (off <= n && n - off >= SEC_HEAD) {
		uint64_t len = le64(d + off + 4);
		if (len > n - off - SEC_HEAD)
			return 0;
		if (memcmp(d + off, "DONE", 4) == 0) {
			size_t at = off + SEC_HEAD + (size_t)len;
			uint32_t crc;
			if (n - at < 4)
				return 0;
			crc = nn_crc32(0, d, at);
			for (int i = 0; i < 4; i++)
				d[at + i] = (uint8_t)(crc >> 8 * i);
			return 1;
		}
		off += SEC_HEAD + (size_t)len;
	}
	return 0;
}

static nn_model *
read_mem(const void *d, size_t n, nn_err *e)
{
	FILE *fp = fuzz_mem(d, n);
	nn_model *m;

	FUZZ_CHECK(fp != NULL, "fmemopen");
	m = nn_model_read(fp, "fuzz.nn", e);
	fclose(fp);
	return m;
}

/* What data[0, size) reads as from a regular file, against the memory
 * stream's model m (written: b, n) or message e. */
static void
same_from_file(const uint8_t *data, size_t size, const char *b, size_t n,
    const nn_err *e)
{
	FILE *fp = fuzz_file(data, size);
	nn_err fe;
	nn_model *m = nn_model_read(fp, "fuzz.nn", &fe);
	char *fb;
	size_t fn;

	fclose(fp);
	if (b == NULL) {
		FUZZ_CHECK(m == NULL && strcmp(fe.msg, e->msg) == 0, "a stream "
		    "says %s, a file %s", e->msg, m ? "reads" : fe.msg);
		return;
	}
	FUZZ_CHECK(m != NULL, "a stream reads, a file says %s", fe.msg);
	fuzz_model_to_mem(m, nn_model_write, &fb, &fn);
	nn_model_free(m);
	FUZZ_CHECK(fn == n && memcmp(fb, b, n) == 0, "a stream and a file "
	    "read other models");
	free(fb);
}

static void
round_trip(const uint8_t *data, size_t size)
{
	nn_err e;
	nn_model *m = read_mem(data, size, &e), *m2;
	char *b1, *b2;
	size_t n1, n2;

	if (m == NULL) {
		same_from_file(data, size, NULL, 0, &e);
		return;
	}
	fuzz_model_to_mem(m, nn_model_write, &b1, &n1);
	nn_model_free(m);
	same_from_file(data, size, b1, n1, NULL);
	m2 = read_mem(b1, n1, &e);
	FUZZ_CHECK(m2 != NULL, "a written model does not read: %s", e.msg);
	fuzz_model_to_mem(m2, nn_model_write, &b2, &n2);
	nn_model_free(m2);
	FUZZ_CHECK(n1 == n2 && memcmp(b1, b2, n1) == 0,
	    "written, read and written again: %zu bytes, then %zu", n1, n2);
	free(b1);
	free(b2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	round_trip(data, size);
	if (size < HEAD)
		return 0;
	fixed = nn_xmalloc(size);
	memcpy(fixed, data, size);
	if (fix_crc(fixed, size) && memcmp(fixed, data, size) != 0)
		round_trip(fixed, size);
	free(fixed);
	return 0;
}
