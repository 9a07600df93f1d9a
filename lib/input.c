/*
 * input.c - inputs that may be gzip-compressed (see nn_input.h).
 *
 * The first byte is read; unless it is 0x1f (the first byte of gzip's
 * magic) it goes back with ungetc, which C guarantees for one byte, and the
 * FILE is returned as it is.  After a 0x1f the second byte decides.  When it
 * is not 0x8b the two bytes must be handed back: a seekable file seeks back
 * to where it was; a pipe gets a stream of its own (a "replay" stream) that
 * gives those two bytes and then reads on.  That case -- a pipe whose first
 * byte is the control character 0x1f -- is only here so that no input is
 * ever misread.
 *
 * A gzip input becomes a glibc fopencookie() stream whose read function
 * inflates.  It owns the FILE below it and an input buffer; the magic
 * already read is the start of that buffer.  inflateInit2 with 16 +
 * MAX_WBITS reads the gzip format (header, deflate data, CRC-32 and length
 * trailer, all checked by zlib); at the end of a member the inflater is
 * reset, and whatever follows must be another member, or zero bytes to the
 * end (padding, as gzip allows).  The end of the input inside a member is
 * truncated data.
 *
 * A failed read cannot carry a message through stdio, only errno.  So the
 * stream keeps its message, and nn_input_error finds the stream from its
 * FILE in a list of the open decompressing streams (a lock around it: the
 * list is the one global of the module, and the library may be used from
 * threads).
 */
#define _GNU_SOURCE             /* fopencookie */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <zlib.h>

#include "nn_input.h"

#define GZ_MAGIC0 0x1f
#define GZ_MAGIC1 0x8b
/* Bytes of compressed input read at a time. */
#define IN_CHUNK (64 * 1024)

typedef struct stream {
	FILE *src;               /* what is read; closed with the stream
	                            unless it is stdin */
	FILE *fp;                /* the stream itself, for nn_input_error */
	unsigned char pre[2];    /* replay: bytes read before src's position */
	size_t npre, ipre;       /* replay: bytes in pre, handed out */
	int gzip;                /* inflating (else a replay stream) */
	z_stream z;              /* gzip: the inflater, next_in into in */
	unsigned char *in;       /* (IN_CHUNK) gzip: compressed input */
	int member;              /* inside a member (its end not yet seen) */
	int padding;             /* zero bytes after the last member */
	int eof;                 /* src has ended */
	char msg[160];           /* why reading failed; "" if it has not */
	struct stream *next;     /* in the list of open streams */
} stream;

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static stream *open_list;

/* ====================================================================== */
/* The streams                                                            */
/* ====================================================================== */

/* Record why reading failed; reads fail from now on.  Sets errno to EIO,
 * so a caller that only knows strerror still says "Input/output error". */
static void
set_error(stream *s, const char *fmt, const char *arg)
{
	if (s->msg[0] == '\0')
		snprintf(s->msg, sizeof(s->msg), fmt, arg);
	errno = EIO;
}

/* Refill s->z's input from src; sets s->eof at the end.  -1 on a read
 * error. */
static int
fill(stream *s)
{
	size_t n = fread(s->in, 1, IN_CHUNK, s->src);

	if (n == 0) {
		if (ferror(s->src)) {
			set_error(s, "%s", strerror(errno));
			return -1;
		}
		s->eof = 1;
	}
	s->z.next_in = s->in;
	s->z.avail_in = (uInt)n;
	return 0;
}

/* Inflate into buf until it is full, the input ends or an error; the bytes
 * made before an error are returned first, the error (-1) on the next
 * call. */
static ssize_t
gz_read(void *cookie, char *buf, size_t size)
{
	stream *s = cookie;
	z_stream *z = &s->z;
	uInt want = size > UINT_MAX ? UINT_MAX : (uInt)size;
	int rc;

	if (s->msg[0] != '\0') {
		errno = EIO;
		return -1;
	}
	z->next_out = (unsigned char *)buf;
	z->avail_out = want;
	while (z->avail_out > 0) {
		if (z->avail_in == 0 && !s->eof && fill(s) < 0)
			break;
		if (z->avail_in == 0) {
			if (s->member)
				set_error(s, "%s", "truncated gzip data "
				    "(unexpected end of file)");
			break;
		}
		if (!s->member) {
			/* After a member: another one, or zero bytes to the
			 * end (padding, which gzip ignores too). */
			if (s->padding || z->next_in[0] == 0) {
				s->padding = 1;
				while (z->avail_in > 0 && z->next_in[0] == 0) {
					z->next_in++;
					z->avail_in--;
				}
				if (z->avail_in == 0)
					continue;
			}
			if (s->padding || z->next_in[0] != GZ_MAGIC0) {
				set_error(s, "%s", "corrupt gzip data: trailing "
				    "garbage after the compressed data");
				break;
			}
			s->member = 1;
		}
		rc = inflate(z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			s->member = 0;
			(void)inflateReset(z);
		} else if (rc == Z_MEM_ERROR) {
			set_error(s, "%s", "out of memory for gzip data");
			break;
		} else if (rc != Z_OK &&
		    (rc != Z_BUF_ERROR || z->avail_in != 0)) {
			/* Z_DATA_ERROR: zlib's msg says what.  (Z_BUF_ERROR
			 * with no input left only asks for more.) */
			set_error(s, "corrupt gzip data: %s",
			    rc == Z_NEED_DICT ? "needs a preset dictionary" :
			    z->msg != NULL ? z->msg : "inflate made no progress");
			break;
		}
	}
	if (z->avail_out == want && s->msg[0] != '\0') {
		errno = EIO;
		return -1;
	}
	return (ssize_t)(want - z->avail_out);
}

/* The bytes read while sniffing, then the rest of src. */
static ssize_t
replay_read(void *cookie, char *buf, size_t size)
{
	stream *s = cookie;
	size_t n = 0;

	while (s->ipre < s->npre && n < size)
		buf[n++] = (char)s->pre[s->ipre++];
	if (n < size && !s->eof) {
		size_t got = fread(buf + n, 1, size - n, s->src);
		if (got == 0 && ferror(s->src) && n == 0)
			return -1;       /* errno from the read */
		if (got == 0)
			s->eof = !ferror(s->src);
		n += got;
	}
	return (ssize_t)n;
}

static int
stream_close(void *cookie)
{
	stream *s = cookie;
	stream **p;
	int rc = 0;

	pthread_mutex_lock(&open_lock);
	for (p = &open_list; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	pthread_mutex_unlock(&open_lock);
	if (s->gzip)
		(void)inflateEnd(&s->z);
	if (s->src != stdin && fclose(s->src) != 0)
		rc = EOF;
	free(s->in);
	free(s);
	return rc;
}

/* A stream over src; the npre bytes pre were read from it already.  NULL
 * with errno set when it cannot be made. */
static FILE *
stream_new(FILE *src, const unsigned char *pre, size_t npre, int gzip)
{
	cookie_io_functions_t io = {
		.read = gzip ? gz_read : replay_read,
		.close = stream_close,
	};
	stream *s = nn_xcalloc(1, sizeof(*s));

	s->src = src;
	s->gzip = gzip;
	if (gzip) {
		s->in = nn_xmalloc(IN_CHUNK);
		memcpy(s->in, pre, npre);
		s->z.next_in = s->in;
		s->z.avail_in = (uInt)npre;
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
			free(s->in);
			free(s);
			errno = ENOMEM;
			return NULL;
		}
	} else {
		memcpy(s->pre, pre, npre);
		s->npre = npre;
	}
	if ((s->fp = fopencookie(s, "r", io)) == NULL) {
		if (gzip)
			(void)inflateEnd(&s->z);
		free(s->in);
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&open_lock);
	s->next = open_list;
	open_list = s;
	pthread_mutex_unlock(&open_lock);
	return s->fp;
}

/* ====================================================================== */
/* Opening                                                                */
/* ====================================================================== */

static FILE *
fail(FILE *fp, const char *name, nn_err *e)
{
	int err = errno;

	if (fp != stdin)
		fclose(fp);
	return nn_errf(e, "%s: %s", name, strerror(err)), NULL;
}

FILE *
nn_input_wrap(FILE *fp, const char *name, nn_err *e)
{
	unsigned char b[2];
	off_t at = ftello(fp);       /* -1 on a pipe */
	int c;
	FILE *s;

	if ((c = getc(fp)) == EOF)
		return ferror(fp) ? fail(fp, name, e) : fp;   /* empty */
	if (c != GZ_MAGIC0) {
		(void)ungetc(c, fp);
		return fp;
	}
	b[0] = (unsigned char)c;
	if ((c = getc(fp)) == EOF && ferror(fp))
		return fail(fp, name, e);
	if (c == GZ_MAGIC1) {
		b[1] = (unsigned char)c;
		s = stream_new(fp, b, 2, 1);
	} else if (at >= 0 && fseeko(fp, at, SEEK_SET) == 0)
		return fp;
	else {
		b[1] = c == EOF ? 0 : (unsigned char)c;
		s = stream_new(fp, b, c == EOF ? 1 : 2, 0);
	}
	return s != NULL ? s : fail(fp, name, e);
}

FILE *
nn_input_open(const char *path, nn_err *e)
{
	FILE *fp;

	if (path == NULL || strcmp(path, "-") == 0)
		return nn_input_wrap(stdin, "<stdin>", e);
	if ((fp = fopen(path, "r")) == NULL)
		return nn_errf(e, "%s: %s", path, strerror(errno)), NULL;
	return nn_input_wrap(fp, path, e);
}

const char *
nn_input_error(FILE *fp)
{
	const char *msg = NULL;

	pthread_mutex_lock(&open_lock);
	for (stream *s = open_list; s != NULL; s = s->next)
		if (s->fp == fp) {
			msg = s->msg[0] != '\0' ? s->msg : NULL;
			break;
		}
	pthread_mutex_unlock(&open_lock);
	return msg;
}
