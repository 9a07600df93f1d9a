/*
 * fuzz_gzip.c - the input layer (nn_input_wrap, lib/input.c) over the
 * bytes, read to the end: gzip data inflated, anything else as it is.
 *
 * The bytes are wrapped twice: as a seekable stream (fmemopen: a file,
 * which nn_input_wrap seeks back after a lone 0x1f) and as a stream that
 * cannot seek and hands out a few bytes per read (a pipe, which gets the
 * replay stream).  Properties: both read the same bytes and end the same
 * way (the same error message, or none); input that does not start with
 * gzip's magic reads back exactly; a failed read always has its message.
 */
#define _GNU_SOURCE             /* fopencookie */
#include <errno.h>

#include "fuzz.h"

/* Bytes per read of the pipe-like stream. */
#define PIPE_READ 7
/* Odd, so that reads end anywhere in the inflated data. */
#define READ_SIZE 1000

typedef struct pipe_src {
	const uint8_t *p;
	size_t n, off;
} pipe_src;

static ssize_t
pipe_read(void *cookie, char *buf, size_t size)
{
	pipe_src *s = cookie;
	size_t k = s->n - s->off;

	if (k > size)
		k = size;
	if (k > PIPE_READ)
		k = PIPE_READ;
	memcpy(buf, s->p + s->off, k);
	s->off += k;
	return (ssize_t)k;
}

/* What reading one stream to its end gave. */
typedef struct result {
	size_t n;
	uint32_t crc;
	int error;
	char msg[160];
	uint8_t *head;          /* (size) the first bytes read, to compare
	                           with the input */
} result;

static void
read_all(FILE *fp, size_t size, result *r)
{
	nn_err e;
	char buf[READ_SIZE];
	size_t got;
	FILE *s;

	memset(r, 0, sizeof(*r));
	r->head = nn_xmalloc(size ? size : 1);
	s = nn_input_wrap(fp, "fuzz.gz", &e);
	FUZZ_CHECK(s != NULL, "wrap: %s", e.msg);
	while ((got = fread(buf, 1, sizeof(buf), s)) > 0) {
		if (r->n < size)
			memcpy(r->head + r->n, buf,
			    got < size - r->n ? got : size - r->n);
		r->n += got;
		r->crc = nn_crc32(r->crc, buf, got);
	}
	r->error = ferror(s);
	if (r->error) {
		const char *why = nn_input_error(s);
		FUZZ_CHECK(why != NULL, "a failed read without a message");
		FUZZ_CHECK(errno == EIO, "errno %d after a failed read", errno);
		snprintf(r->msg, sizeof(r->msg), "%s", why);
	} else
		FUZZ_CHECK(nn_input_error(s) == NULL, "a message without a "
		    "failed read: %s", nn_input_error(s));
	fclose(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cookie_io_functions_t io = { .read = pipe_read };
	pipe_src src = { data, size, 0 };
	result a, b;
	FILE *fp;
	int gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;

	fp = fuzz_mem(data, size);
	FUZZ_CHECK(fp != NULL, "fmemopen");
	read_all(fp, size, &a);
	fp = fopencookie(&src, "r", io);
	FUZZ_CHECK(fp != NULL, "fopencookie");
	read_all(fp, size, &b);

	FUZZ_CHECK(a.n == b.n && a.crc == b.crc, "a file reads %zu bytes, a "
	    "pipe %zu (or other bytes)", a.n, b.n);
	FUZZ_CHECK(a.error == b.error && strcmp(a.msg, b.msg) == 0,
	    "a file ends in \"%s\", a pipe in \"%s\"", a.msg, b.msg);
	if (!gz) {
		FUZZ_CHECK(!a.error && a.n == size &&
		    fuzz_same_bytes(a.head, data, size), "plain input read as "
		    "%zu other bytes: %s", a.n, a.msg);
		FUZZ_CHECK(fuzz_same_bytes(b.head, data, size), "plain input "
		    "read from a pipe as other bytes");
	}
	free(a.head);
	free(b.head);
	return 0;
}
