/* storage.c: uploaded files: their names, the backend STORAGE chooses, and the local one (UPLOADS_DIR, served by nginx) */
#define _GNU_SOURCE /* asprintf */
#include "storage.h"
#include "config.h"
#include "log.h"
#include "storage_s3.h"

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

/* STORAGE as config_from_env() read it (unset before that: the local disk). */
static int use_s3(void)
{
	return config.storage != NULL && strcmp(config.storage, "s3") == 0;
}

/* Write aside, then rename: nginx never serves half a file. 0, or -1 (logged). */
static int local_put(const char *kind, const char *name, const void *data, size_t len)
{
	char dir[512], path[600], tmp[640];
	int fd;

	if (area_path(kind, NULL, dir, sizeof dir) != 0 || area_path(kind, name, path, sizeof path) != 0)
		return -1;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.part", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("open %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, (const char *)data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("write %s: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		log_error("store %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int local_delete(const char *kind, const char *name)
{
	char path[600];

	if (area_path(kind, name, path, sizeof path) != 0)
		return -1;
	if (unlink(path) != 0 && errno != ENOENT) {
		log_warn("unlink %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

char *storage_put(const char *kind, const char *ext, const void *data, size_t len)
{
	char name[40];

	for (int i = 0; i < 24; i++)
		name[i] = name_alphabet[randombytes_uniform(sizeof name_alphabet - 1)];
	snprintf(name + 24, sizeof name - 24, ".%s", ext);
	if (!is_our_name(name))
		return NULL;
	if ((use_s3() ? storage_s3_put(kind, name, data, len) : local_put(kind, name, data, len)) != 0)
		return NULL;
	return strdup(name);
}

int storage_delete(const char *kind, const char *name)
{
	if (name == NULL || !is_our_name(name))
		return -1;
	return use_s3() ? storage_s3_delete(kind, name) : local_delete(kind, name);
}

char *storage_url(const char *kind, const char *name)
{
	char *url;

	if (use_s3())
		return storage_s3_public_url(kind, name);
	if (asprintf(&url, "%s/uploads/%s/%s", config.public_base_url, kind, name) < 0)
		return NULL;
	return url;
}
