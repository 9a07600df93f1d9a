/*
 * iofail.c - a test shim, loaded with LD_PRELOAD, that makes one I/O call of
 * a save fail (or kills the process right there), so that a test can walk
 * every step of lib/atomic.c and check what each failure leaves behind.
 * Built by `make check` for tests/iofail.bats only; never part of nnkit.
 *
 *   NN_FAIL_CALL   write, fsync, fdatasync, close, rename, or any (all five
 *                  counted together, in the order they happen)
 *   NN_FAIL_AT     N: the Nth such call fails, counting from 1 (unset or 0:
 *                  none does, which is counting mode)
 *   NN_FAIL_ERRNO  the errno it fails with: EIO (the default), ENOSPC,
 *                  EDQUOT, EROFS or EPERM
 *   NN_FAIL_KILL   1: raise SIGKILL before the Nth call instead (a crash at
 *                  that point of the save)
 *   NN_FAIL_COUNT  FILE: at exit, write the number of calls counted to FILE
 *
 * Only a save's own calls count: write, fsync, fdatasync and close of a
 * descriptor that open(2) returned for O_CREAT | O_EXCL (a temporary file)
 * or O_DIRECTORY (the directory synced after the rename), and every
 * rename.  What libraries do on other descriptors (OpenBLAS reading /sys,
 * fontconfig) passes untouched, so that every N lands inside the save and
 * a run's count does not depend on the machine.
 *
 * stdio's own writes go through glibc's internal __write, which no preload
 * can reach.  So for a counted descriptor, fdopen(3) returns a stream made
 * with fopencookie(3) whose buffer drains through the shim's write and
 * whose fclose calls the shim's close; fileno(3) of that stream gives the
 * descriptor.  The stream keeps stdio's buffering (BUFSIZ), so a model of
 * a few tens of kilobytes takes several writes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Descriptors counted, and the cookie streams made for them. */
#define MAX_FD 1024
#define MAX_STREAMS 16

enum { C_WRITE, C_FSYNC, C_FDATASYNC, C_CLOSE, C_RENAME, C_ANY };
static const char *const names[] = {
	"write", "fsync", "fdatasync", "close", "rename", "any"
};

static int which = -1;           /* NN_FAIL_CALL; -1: not set */
static long fail_at;             /* NN_FAIL_AT */
static int fail_errno = EIO;
static int kill_mode;
static long counted;             /* calls of kind `which` so far */
static unsigned char tracked[MAX_FD];
static struct { FILE *fp; int fd; } streams[MAX_STREAMS];

static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static FILE *(*real_fdopen)(int, const char *);
static int (*real_fileno)(FILE *);

static void *
next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		static const char msg[] = "iofail: dlsym failed\n";
		if (real_write != NULL)
			real_write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return f;
}

static void __attribute__((constructor))
init(void)
{
	const char *s;

	real_write = next("write");
	real_fsync = next("fsync");
	real_fdatasync = next("fdatasync");
	real_close = next("close");
	real_rename = next("rename");
	real_open = next("open");
	real_open64 = next("open64");
	real_fdopen = next("fdopen");
	real_fileno = next("fileno");
	if ((s = getenv("NN_FAIL_CALL")) != NULL)
		for (int i = 0; i <= C_ANY; i++)
			if (strcmp(s, names[i]) == 0)
				which = i;
	if ((s = getenv("NN_FAIL_AT")) != NULL)
		fail_at = strtol(s, NULL, 10);
	if ((s = getenv("NN_FAIL_ERRNO")) != NULL)
		fail_errno = strcmp(s, "ENOSPC") == 0 ? ENOSPC :
		    strcmp(s, "EDQUOT") == 0 ? EDQUOT :
		    strcmp(s, "EROFS") == 0 ? EROFS :
		    strcmp(s, "EPERM") == 0 ? EPERM : EIO;
	kill_mode = (s = getenv("NN_FAIL_KILL")) != NULL && strcmp(s, "1") == 0;
}

static void __attribute__((destructor))
fini(void)
{
	const char *path = getenv("NN_FAIL_COUNT");
	FILE *fp;

	if (path != NULL && (fp = fopen(path, "w")) != NULL) {
		fprintf(fp, "%ld\n", counted);
		fclose(fp);
	}
}

/* Count a call of kind k; 1 when it is the one to fail (errno is set). */
static int
hit(int k)
{
	if (which != k && which != C_ANY)
		return 0;
	if (++counted != fail_at)
		return 0;
	if (kill_mode)
		raise(SIGKILL);
	errno = fail_errno;
	return 1;
}

static int
is_tracked(int fd)
{
	return fd >= 0 && fd < MAX_FD && tracked[fd];
}

/* open, noting whether the descriptor is one of a save's */
static int
open_noted(int (*real)(const char *, int, ...), const char *path, int flags,
    mode_t mode)
{
	int fd = real(path, flags, mode);

	if (fd >= 0 && fd < MAX_FD)
		tracked[fd] = (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL) ||
		    (flags & O_DIRECTORY) != 0;
	return fd;
}

/* The mode argument exists only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode) do {                                      \
	if ((flags) & (O_CREAT | __O_TMPFILE)) {                       \
		va_list ap;                                            \
		va_start(ap, flags);                                   \
		mode = (mode_t)va_arg(ap, int);                        \
		va_end(ap);                                            \
	}                                                              \
} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return open_noted(real_open, path, flags, mode);
}

/* the same under _FILE_OFFSET_BITS=64 */
int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	MODE_ARG(flags, mode);
	return open_noted(real_open64, path, flags, mode);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	if (is_tracked(fd) && hit(C_WRITE))
		return -1;
	return real_write(fd, buf, n);
}

int
fsync(int fd)
{
	if (is_tracked(fd) && hit(C_FSYNC))
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	if (is_tracked(fd) && hit(C_FDATASYNC))
		return -1;
	return real_fdatasync(fd);
}

/* A failed close still closes (as Linux's does), so nothing leaks. */
int
close(int fd)
{
	int fail = 0;

	if (is_tracked(fd)) {
		fail = hit(C_CLOSE);
		tracked[fd] = 0;
		for (int i = 0; i < MAX_STREAMS; i++)
			if (streams[i].fp != NULL && streams[i].fd == fd)
				streams[i].fp = NULL;
	}
	if (fail) {
		int err = errno;
		real_close(fd);
		errno = err;
		return -1;
	}
	return real_close(fd);
}

int
rename(const char *from, const char *to)
{
	if (hit(C_RENAME))
		return -1;
	return real_rename(from, to);
}

/* ---- streams whose writes the shim sees ------------------------------- */

static ssize_t
cookie_read(void *c, char *buf, size_t n)
{
	(void)c;
	(void)buf;
	(void)n;
	errno = EBADF;
	return -1;
}

/* All of buf, or 0 with errno set: what fopencookie(3) asks of it. */
static ssize_t
cookie_write(void *c, const char *buf, size_t n)
{
	int fd = (int)(intptr_t)c;
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(fd, buf + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int
cookie_seek(void *c, off64_t *off, int whence)
{
	off_t r = lseek((int)(intptr_t)c, (off_t)*off, whence);

	if (r < 0)
		return -1;
	*off = r;
	return 0;
}

static int
cookie_close(void *c)
{
	return close((int)(intptr_t)c);
}

FILE *
fdopen(int fd, const char *mode)
{
	cookie_io_functions_t io = {
		cookie_read, cookie_write, cookie_seek, cookie_close
	};
	FILE *fp;

	if (!is_tracked(fd) || mode[0] != 'w')
		return real_fdopen(fd, mode);
	for (int i = 0; i < MAX_STREAMS; i++)
		if (streams[i].fp == NULL) {
			if ((fp = fopencookie((void *)(intptr_t)fd, mode, io)) ==
			    NULL)
				return NULL;
			streams[i].fp = fp;
			streams[i].fd = fd;
			return fp;
		}
	return real_fdopen(fd, mode);
}

int
fileno(FILE *fp)
{
	for (int i = 0; i < MAX_STREAMS; i++)
		if (fp != NULL && streams[i].fp == fp)
			return streams[i].fd;
	return real_fileno(fp);
}
