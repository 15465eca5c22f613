/* snapshot.c: a room queue's answer as files that nginx serves without a worker */
#define _GNU_SOURCE /* F_OFD_SETLKW */
#include "snapshot.h"
#include "config.h"
#include "log.h"
#include "request.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define CODE_MAX 16
#define LOCK_STRIPES 1024 /* rooms share a lock only when their codes hash alike */

static int lock_fd = -1;

static int enabled(void)
{
	return config.snapshot_dir != NULL && config.snapshot_dir[0] != '\0';
}

/*
 * Level 6 is zlib's default; a snapshot is compressed once per change and
 * sent to every screen that joins, over phone networks.
 */
#define GZIP_MODE "wb6"

/* DIR/queue/CODE.json for a room code, and the room's lock stripe; -1 for anything else. */
static int code_path(const char *code, char *path, size_t cap, off_t *stripe)
{
	size_t n;
	unsigned long h = 5381;

	if (lock_fd < 0)
		return -1;
	n = strspn(code, CODE_CHARS);
	if (n == 0 || n > CODE_MAX || code[n] != '\0')
		return -1;
	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)code[i];
	*stripe = (off_t)(h % LOCK_STRIPES);
	n = (size_t)snprintf(path, cap, "%s/queue/%s.json", config.snapshot_dir, code);
	return n < cap ? 0 : -1;
}

/* Open file description locks: one per worker's own open(), so workers exclude each other. */
static int stripe_lock(off_t stripe, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = stripe, .l_len = 1 };

	while (fcntl(lock_fd, F_OFD_SETLKW, &fl) != 0)
		if (errno != EINTR) {
			log_warn("snapshot lock: %s", strerror(errno));
			return -1;
		}
	return 0;
}

void snapshot_prepare(void)
{
	char dir[PATH_MAX];

	if (!enabled())
		return;
	snprintf(dir, sizeof dir, "%s/queue", config.snapshot_dir);
	if ((mkdir(config.snapshot_dir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(dir, 0755) != 0 && errno != EEXIST)) {
		log_warn("snapshots off: cannot make %s: %s", dir, strerror(errno));
		return;
	}
	/* Files of a previous run may be older than the database is now. */
	snapshot_forget_all();
}

void snapshot_init(void)
{
	char path[PATH_MAX];

	if (!enabled())
		return;
	snprintf(path, sizeof path, "%s/locks", config.snapshot_dir);
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0)
		log_warn("snapshots off: cannot open %s: %s", path, strerror(errno));
}

/* The answer, or with gz its gzip form for nginx's gzip_static, as the file tmp. */
static int write_file(const char *tmp, int gz, const char *head, const char *body, const char *tail)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), ok;

	if (fd < 0)
		return -1;
	if (gz) {
		gzFile z = gzdopen(fd, GZIP_MODE); /* takes fd */

		if (z == NULL) {
			close(fd);
			return -1;
		}
		ok = gzputs(z, head) >= 0 && gzputs(z, body) >= 0 && gzputs(z, tail) >= 0;
		return gzclose(z) == Z_OK && ok ? 0 : -1;
	}
	FILE *f = fdopen(fd, "w"); /* takes fd; stdio finishes short writes */

	if (f == NULL) {
		close(fd);
		return -1;
	}
	ok = fputs(head, f) >= 0 && fputs(body, f) >= 0 && fputs(tail, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

void snapshot_store(const char *code, long long version, const char *head, const char *body,
		    const char *tail, snapshot_check_fn still_current)
{
	char path[PATH_MAX], gz[PATH_MAX], tmp[PATH_MAX], tmp_gz[PATH_MAX];
	off_t stripe;
	int placed = 0;

	if (code_path(code, path, sizeof path, &stripe) != 0)
		return;
	/* Names nginx never serves (CODE.json and CODE.json.gz only), one per worker. */
	if ((size_t)snprintf(gz, sizeof gz, "%s.gz", path) >= sizeof gz ||
	    (size_t)snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= sizeof tmp ||
	    (size_t)snprintf(tmp_gz, sizeof tmp_gz, "%s.%ld.gz.tmp", path, (long)getpid()) >= sizeof tmp_gz)
		return;
	/*
	 * The files' mtime is the version: nginx's ETag for a static file is
	 * "<hex mtime>-<hex size>", so a file answer carries the same validator
	 * as the worker's answer for that revision (snapshot_etag()). The
	 * sweep goes by ctime, which the rename sets.
	 */
	struct timespec when[2] = { { .tv_sec = (time_t)version }, { .tv_sec = (time_t)version } };

	if (write_file(tmp, 0, head, body, tail) != 0 || write_file(tmp_gz, 1, head, body, tail) != 0 ||
	    utimensat(AT_FDCWD, tmp, when, 0) != 0 || utimensat(AT_FDCWD, tmp_gz, when, 0) != 0) {
		log_warn("snapshot %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (stripe_lock(stripe, F_WRLCK) == 0) {
		/* The gzip form goes first: nginx looks for it only once CODE.json exists. */
		if (still_current(code, version)) {
			if (rename(tmp_gz, gz) == 0 && rename(tmp, path) == 0)
				placed = 1;
			else /* never leave a gzip form beside an older CODE.json */
				unlink(path), unlink(gz);
		}
		stripe_lock(stripe, F_UNLCK);
	}
out:
	if (!placed) {
		unlink(tmp);
		unlink(tmp_gz);
	}
}

void snapshot_forget(const char *code)
{
	char path[PATH_MAX], gz[PATH_MAX];
	off_t stripe;
	int locked;

	if (code_path(code, path, sizeof path, &stripe) != 0 ||
	    (size_t)snprintf(gz, sizeof gz, "%s.gz", path) >= sizeof gz)
		return;
	/* Without the lock a racing reader may put it back; removing it is still better. */
	locked = stripe_lock(stripe, F_WRLCK) == 0;
	/* CODE.json first: without it nginx does not look for the gzip form. */
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("snapshot %s: %s", path, strerror(errno));
	unlink(gz);
	if (locked)
		stripe_lock(stripe, F_UNLCK);
}

/* Remove the files in DIR/queue that are older than max_age seconds (0: all). */
static void remove_older_than(long max_age)
{
	char dir[PATH_MAX], path[PATH_MAX];
	DIR *d;
	struct dirent *de;
	time_t now = time(NULL);

	if (!enabled())
		return;
	snprintf(dir, sizeof dir, "%s/queue", config.snapshot_dir);
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= sizeof path)
			continue;
		/* ctime: the mtime is the version (snapshot_store). */
		if (max_age > 0 && (stat(path, &st) != 0 || now - st.st_ctime < max_age))
			continue;
		unlink(path);
	}
	closedir(d);
}

void snapshot_forget_all(void)
{
	remove_older_than(0);
}

void snapshot_sweep(long max_age)
{
	remove_older_than(max_age);
}

void snapshot_etag(char *out, size_t cap, long long version, size_t length)
{
	snprintf(out, cap, "%llx-%zx", (unsigned long long)version, length);
}

/* The tag is "<revision>" (docs/protocol.md) or an ETag of either form of the answer. */
static int names_version(const char *tag, size_t len, const void *ctx)
{
	long long version = *(const long long *)ctx;
	char decimal[32], hex[32];

	snprintf(decimal, sizeof decimal, "%lld", version);
	snprintf(hex, sizeof hex, "%llx-", (unsigned long long)version);
	return (len == strlen(decimal) && strncmp(tag, decimal, len) == 0) ||
	       (len > strlen(hex) && strncmp(tag, hex, strlen(hex)) == 0);
}

int snapshot_etag_matches(const char *header, long long version)
{
	return req_etag_list_matches(header, names_version, &version);
}
