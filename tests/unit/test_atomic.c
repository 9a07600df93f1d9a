/*
 * test_atomic.c - lib/atomic.c: a save replaces the file whole or not at
 * all, with the mode open(2) would give, and never leaves a temporary file.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn.h"
#include "tap.h"

static char *
path_in(const char *dir, const char *name)
{
	char *p = nn_xmalloc(strlen(dir) + strlen(name) + 2);

	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void
put(const char *path, const char *s)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fputs(s, fp);
		fclose(fp);
	}
}

/* The file's contents (at most 255 bytes), "" when it cannot be read. */
static const char *
get(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n = 0;

	if (fp != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, fp);
		fclose(fp);
	}
	buf[n] = '\0';
	return buf;
}

static int
entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_one(const char *dir)
{
	char *target = path_in(dir, "a.txt");
	nn_atomic a;
	nn_err e;
	struct stat st;
	mode_t mask;

	/* a new file, with the umask applied */
	mask = umask(027);
	tap_ok(nn_atomic_open(&a, target, &e) == 0, "open (%s)", e.msg);
	tap_ok(a.fp != NULL && a.tmp != NULL && strcmp(a.path, target) == 0 &&
	    strncmp(a.tmp, dir, strlen(dir)) == 0 &&
	    strncmp(a.tmp + strlen(dir), "/.a.txt.", 8) == 0 &&
	    strlen(a.tmp) == strlen(dir) + 14, "temporary file beside the "
	    "target: %s", a.tmp);
	tap_ok(access(target, F_OK) < 0, "nothing at the target before commit");
	fputs("new\n", a.fp);
	tap_ok(nn_atomic_commit(&a, &e) == 0, "commit (%s)", e.msg);
	tap_ok(a.fp == NULL && a.path == NULL && a.tmp == NULL,
	    "commit empties the struct");
	tap_ok(strcmp(get(target), "new\n") == 0, "the target holds the new "
	    "contents");
	memset(&st, 0, sizeof(st));
	stat(target, &st);
	tap_ok((st.st_mode & 0777) == 0640, "umask 027 gives 0640 (got %04o)",
	    (unsigned)st.st_mode & 0777);
	umask(mask);
	tap_ok(entries(dir) == 1, "no temporary file left");

	/* abort leaves the old file */
	tap_ok(nn_atomic_open(&a, target, &e) == 0, "open again");
	fputs("newer\n", a.fp);
	errno = ENOSPC;
	nn_atomic_abort(&a);
	tap_ok(errno == ENOSPC, "abort keeps errno");
	tap_ok(strcmp(get(target), "new\n") == 0 && entries(dir) == 1,
	    "abort: old contents, no temporary file");
	nn_atomic_abort(&a);
	tap_ok(1, "a second abort is harmless");

	/* a directory in the way */
	{
		char *d = path_in(dir, "d"), *inner = path_in(d, "x");
		mkdir(d, 0755);
		put(inner, "x");
		tap_ok(nn_atomic_open(&a, d, &e) == 0, "open over a directory");
		fputs("new\n", a.fp);
		tap_ok(nn_atomic_commit(&a, &e) < 0 &&
		    strncmp(e.msg, d, strlen(d)) == 0 &&
		    strstr(e.msg, ": rename: ") != NULL &&
		    strstr(e.msg, strerror(EISDIR)) != NULL,
		    "commit over a directory: \"%s\"", e.msg);
		tap_ok(entries(dir) == 2 && entries(d) == 1,
		    "and no temporary file left");
		unlink(inner);
		rmdir(d);
		free(inner);
		free(d);
	}

	/* a missing directory: the message open(2) would give */
	{
		char *p = path_in(dir, "no/such.txt");
		memset(&a, 0x55, sizeof(a));
		tap_ok(nn_atomic_open(&a, p, &e) < 0 &&
		    strncmp(e.msg, p, strlen(p)) == 0 &&
		    strcmp(e.msg + strlen(p), ": No such file or directory") == 0,
		    "missing directory: \"%s\"", e.msg);
		tap_ok(a.fp == NULL && a.tmp == NULL && a.path == NULL,
		    "a failed open leaves the struct empty");
		nn_atomic_abort(&a);
		free(p);
	}
	tap_ok(nn_atomic_open(&a, "", &e) < 0 && strstr(e.msg, "not a file name"),
	    "empty path: \"%s\"", e.msg);
	{
		char *p = path_in(dir, "");
		tap_ok(nn_atomic_open(&a, p, &e) < 0 &&
		    strstr(e.msg, "not a file name"), "\"DIR/\": \"%s\"", e.msg);
		free(p);
	}

	/* a name near NAME_MAX: the temporary name is shortened, not refused */
	{
		char name[251], *p;
		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		p = path_in(dir, name);
		e.msg[0] = '\0';
		tap_ok(nn_atomic_open(&a, p, &e) == 0 &&
		    nn_atomic_commit(&a, &e) == 0 && access(p, F_OK) == 0,
		    "a 250-byte file name (%s)", e.msg);
		unlink(p);
		free(p);
	}

	/* a write error shows at commit: the file size limit */
	{
		struct rlimit old, small;
		if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
			small = old;
			small.rlim_cur = 4096;
			signal(SIGXFSZ, SIG_IGN);
			if (setrlimit(RLIMIT_FSIZE, &small) == 0) {
				tap_ok(nn_atomic_open(&a, target, &e) == 0,
				    "open under a 4 KiB limit");
				for (int i = 0; i < 10000; i++)
					fputs("0123456789", a.fp);
				tap_ok(nn_atomic_commit(&a, &e) < 0 &&
				    strstr(e.msg, ": write: ") != NULL,
				    "a failed write is an error: \"%s\"", e.msg);
				setrlimit(RLIMIT_FSIZE, &old);
				tap_ok(strcmp(get(target), "new\n") == 0 &&
				    entries(dir) == 1, "old contents, no "
				    "temporary file");
			}
			signal(SIGXFSZ, SIG_DFL);
		}
	}
	unlink(target);
	free(target);
}

/* Two outputs as a set (nn-split's TRAIN and TEST). */
static void
test_set(const char *dir)
{
	char *p0 = path_in(dir, "train.csv"), *p1 = path_in(dir, "test.csv");
	char *d = path_in(dir, "d"), *inner = path_in(d, "x");
	nn_atomic a[2];
	nn_err e;

	put(p0, "old0");
	put(p1, "old1");
	e.msg[0] = '\0';
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0 &&
	    nn_atomic_open(&a[1], p1, &e) == 0, "open two");
	fputs("new0", a[0].fp);
	fputs("new1", a[1].fp);
	tap_ok(nn_atomic_commit_all(a, 2, &e) == 0, "commit both (%s)", e.msg);
	tap_ok(strcmp(get(p0), "new0") == 0 && strcmp(get(p1), "new1") == 0 &&
	    entries(dir) == 2, "both replaced, nothing else left");

	/* the second target is a directory: found before any rename */
	mkdir(d, 0755);
	put(inner, "x");
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0 &&
	    nn_atomic_open(&a[1], d, &e) == 0, "open two, one over a directory");
	fputs("newer0", a[0].fp);
	tap_ok(nn_atomic_commit_all(a, 2, &e) < 0 &&
	    strncmp(e.msg, d, strlen(d)) == 0 && strstr(e.msg, ": rename: "),
	    "the set fails: \"%s\"", e.msg);
	tap_ok(strcmp(get(p0), "new0") == 0 && entries(dir) == 3 &&
	    entries(d) == 1, "the first target is untouched, no temporary "
	    "file left");

	/* one of the set never opened: nothing changes */
	tap_ok(nn_atomic_open(&a[0], p0, &e) == 0, "open one of two");
	nn_atomic_open(&a[1], "", &e);
	tap_ok(nn_atomic_commit_all(a, 2, &e) < 0 &&
	    strcmp(get(p0), "new0") == 0 && entries(dir) == 3,
	    "a set with an unopened member fails whole: \"%s\"", e.msg);

	unlink(inner);
	rmdir(d);
	unlink(p0);
	unlink(p1);
	free(inner);
	free(d);
	free(p0);
	free(p1);
}

int
main(void)
{
	char dir[] = "/tmp/test_atomic.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_one(dir);
	test_set(dir);
	tap_ok(entries(dir) == 0, "nothing left in the scratch directory");
	rmdir(dir);
	return tap_done();
}
