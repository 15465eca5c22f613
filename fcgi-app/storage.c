/* storage.c: uploaded files on the local disk under UPLOADS_DIR, served by nginx */
#define _GNU_SOURCE /* asprintf */
#include "storage.h"
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char name_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

/* Our names: 24 [a-z0-9] characters, a dot, 3 or 4 [a-z] characters. */
static int is_our_name(const char *name)
{
	size_t n = strspn(name, name_alphabet);
	const char *ext = name + n;

	if (n != 24 || *ext != '.')
		return 0;
	ext++;
	size_t e = strspn(ext, "abcdefghijklmnopqrstuvwxyz");
	return (e == 3 || e == 4) && ext[e] == '\0';
}

static int area_path(const char *kind, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s%s%s", config.uploads_dir, kind, name ? "/" : "", name ? name : "");
	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

char *storage_put(const char *kind, const char *ext, const void *data, size_t len)
{
	char dir[512], path[600], tmp[640], name[40];
	int fd;

	for (int i = 0; i < 24; i++)
		name[i] = name_alphabet[randombytes_uniform(sizeof name_alphabet - 1)];
	snprintf(name + 24, sizeof name - 24, ".%s", ext);
	if (!is_our_name(name) || area_path(kind, NULL, dir, sizeof dir) != 0 ||
	    area_path(kind, name, path, sizeof path) != 0)
		return NULL;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("mkdir %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* Write aside, then rename: nginx never serves half a file. */
	snprintf(tmp, sizeof tmp, "%s.part", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("open %s: %s", tmp, strerror(errno));
		return NULL;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return NULL;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		log_error("store %s: %s", path, strerror(errno));
		unlink(tmp);
		return NULL;
	}
	return strdup(name);
}

int storage_delete(const char *kind, const char *name)
{
	char path[600];

	if (name == NULL || !is_our_name(name) || area_path(kind, name, path, sizeof path) != 0)
		return -1;
	if (unlink(path) != 0 && errno != ENOENT) {
		log_warn("unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *storage_url(const char *kind, const char *name)
{
	char *url;

	if (asprintf(&url, "%s/uploads/%s/%s", config.public_base_url, kind, name) < 0)
		return NULL;
	return url;
}
