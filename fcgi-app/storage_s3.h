/* storage_s3.h: the S3 backend behind storage.h: signed object PUT and DELETE, and the objects' URLs */
#ifndef QUEUED_STORAGE_S3_H
#define QUEUED_STORAGE_S3_H

#include <stddef.h>

/*
 * PUT len bytes as the object KIND/NAME of S3_BUCKET, with the content type
 * its extension names and a year of immutable caching (a name is never
 * reused). 0, or -1 (logged) when S3 cannot be reached in time or refuses.
 */
int storage_s3_put(const char *kind, const char *name, const void *data, size_t len);

/* DELETE the object KIND/NAME; one already gone is no error (S3 says 204). 0, or -1 (logged). */
int storage_s3_delete(const char *kind, const char *name);

/* S3_PUBLIC_BASE_URL/KIND/NAME: where clients read the object (caller frees; NULL out of memory). */
char *storage_s3_public_url(const char *kind, const char *name);

/*
 * The API URL of the object KIND/NAME: ENDPOINT/BUCKET/KIND/NAME (path
 * style), or with virtual_host scheme://BUCKET.HOST/KIND/NAME. Slashes that
 * end endpoint are dropped. Caller frees; NULL when endpoint has no "://"
 * or out of memory. Pure, for the unit tests.
 */
char *storage_s3_object_url(const char *endpoint, const char *bucket, int virtual_host,
			    const char *kind, const char *name);

/* The MIME type of a stored name by its extension ("x.jpg": "image/jpeg"); application/octet-stream if unknown. */
const char *storage_s3_content_type(const char *name);

#endif
