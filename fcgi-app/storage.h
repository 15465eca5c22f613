/* storage.h: where uploaded files live: put, delete, url, on the backend STORAGE names (local disk or S3) */
#ifndef QUEUED_STORAGE_H
#define QUEUED_STORAGE_H

#include <stddef.h>

/*
 * Store len bytes under a fresh server-made name in the area kind ("covers"),
 * ending with ext ("jpg"). The name never comes from the client, so it cannot
 * escape the area. Returns the name (caller frees), or NULL (logged) when the
 * backend could not take the file: a full disk, S3 unreachable or refusing.
 */
char *storage_put(const char *kind, const char *ext, const void *data, size_t len);

/* Remove a stored file; NULL, or a name that does not look like ours, is ignored. 0 or -1. */
int storage_delete(const char *kind, const char *name);

/*
 * The absolute public URL of a stored file (caller frees), on the backend in
 * use now: rows keep only the name, so switching STORAGE needs no migration
 * (the files themselves must be copied over; README.md).
 */
char *storage_url(const char *kind, const char *name);

#endif
