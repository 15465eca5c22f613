/* storage_s3.c: uploaded files as objects in an S3-compatible bucket, signed with libcurl's AWS Signature V4 */
#define _GNU_SOURCE /* asprintf */
#include "storage_s3.h"
#include "config.h"
#include "http_client.h"
#include "log.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * S3 is usually out on the network: an operator's proxy settings apply. A
 * cover upload holds a worker while it waits, so an S3 that does not answer
 * costs the client a 503 after a few seconds, never a stuck worker; 512 kB
 * in 5 s asks for 100 kB/s, which any link to a bucket has.
 */
static const struct http_client_options s3_http = {
	.protocols = "http,https",
	.connect_timeout_ms = 2000,
	.timeout_ms = 5000,
	.max_answer = 16384, /* an error document; objects are never read back */
	.env_proxy = 1,
};

/* Names are made fresh per upload, so a cached copy can never go stale. */
#define CACHE_FOREVER "Cache-Control: public, max-age=31536000, immutable"

/* The length of url without the slashes that end it. */
static int trimmed(const char *url)
{
	size_t n = strlen(url);

	while (n > 0 && url[n - 1] == '/')
		n--;
	return (int)n;
}

char *storage_s3_object_url(const char *endpoint, const char *bucket, int virtual_host,
			    const char *kind, const char *name)
{
	const char *host = strstr(endpoint, "://");
	char *url;
	int n = trimmed(endpoint), rc;

	if (host == NULL)
		return NULL;
	host += 3;
	if (virtual_host)
		rc = asprintf(&url, "%.*s%s.%.*s/%s/%s", (int)(host - endpoint), endpoint, bucket,
			      n - (int)(host - endpoint), host, kind, name);
	else
		rc = asprintf(&url, "%.*s/%s/%s/%s", n, endpoint, bucket, kind, name);
	return rc < 0 ? NULL : url;
}

char *storage_s3_public_url(const char *kind, const char *name)
{
	char *url;

	if (asprintf(&url, "%.*s/%s/%s", trimmed(config.s3_public_base_url), config.s3_public_base_url,
		     kind, name) < 0)
		return NULL;
	return url;
}

const char *storage_s3_content_type(const char *name)
{
	static const struct { const char *ext, *mime; } types[] = {
		{ "jpg", "image/jpeg" }, { "png", "image/png" }, { "webp", "image/webp" }, { "gif", "image/gif" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot + 1, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

/*
 * The headers of a request with len bytes of body: the body's SHA-256, which
 * S3 wants in x-amz-content-sha256 and libcurl 7.88 does not add by itself
 * (it is signed with the rest), and content_type and caching when given.
 * Caller frees; NULL out of memory.
 */
static struct curl_slist *s3_headers(const void *data, size_t len, const char *content_type)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char line[40 + 2 * crypto_hash_sha256_BYTES], hex[2 * crypto_hash_sha256_BYTES + 1];
	struct curl_slist *headers;

	crypto_hash_sha256(digest, data, len);
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	snprintf(line, sizeof line, "x-amz-content-sha256: %s", hex);
	headers = curl_slist_append(NULL, line);
	if (headers == NULL || content_type == NULL)
		return headers;
	snprintf(line, sizeof line, "Content-Type: %s", content_type);
	/* curl_slist_append leaves the list as it was when it fails. */
	if (curl_slist_append(headers, line) == NULL || curl_slist_append(headers, CACHE_FOREVER) == NULL) {
		curl_slist_free_all(headers);
		return NULL;
	}
	return headers;
}

/* S3's word for a refusal, from <Code>...</Code> of its error document, or "". */
static void s3_error_code(const char *answer, char *out, size_t cap)
{
	const char *start = answer != NULL ? strstr(answer, "<Code>") : NULL;
	const char *end = start != NULL ? strstr(start, "</Code>") : NULL;

	out[0] = '\0';
	if (end != NULL)
		snprintf(out, cap, "%.*s", (int)(end - start - 6), start + 6);
}

/*
 * One signed request: method on the object KIND/NAME with len bytes of body
 * (data NULL: none). 0 when S3 answers 2xx; otherwise -1, logged with S3's
 * word for it (SignatureDoesNotMatch, NoSuchBucket, ...) and never the keys.
 */
static int s3_request(const char *method, const char *kind, const char *name,
		      const void *data, size_t len, const char *content_type)
{
	struct http_client hc = { .curl = NULL };
	struct curl_slist *headers = NULL;
	char *url = NULL, provider[128], code[64];
	long status;
	int rc = -1;

	url = storage_s3_object_url(config.s3_endpoint, config.s3_bucket, config.s3_virtual_host, kind, name);
	headers = s3_headers(data != NULL ? data : "", len, content_type);
	if (url == NULL || headers == NULL || http_client_open(&hc, &s3_http) != 0) {
		log_error("s3 %s %s/%s: out of memory", method, kind, name);
		goto out;
	}
	snprintf(provider, sizeof provider, "aws:amz:%s:s3", config.s3_region);
	curl_easy_setopt(hc.curl, CURLOPT_AWS_SIGV4, provider);
	curl_easy_setopt(hc.curl, CURLOPT_USERNAME, config.s3_access_key);
	curl_easy_setopt(hc.curl, CURLOPT_PASSWORD, config.s3_secret_key);
	curl_easy_setopt(hc.curl, CURLOPT_URL, url);
	curl_easy_setopt(hc.curl, CURLOPT_HTTPHEADER, headers);
	http_client_method(&hc, method, data, len);
	status = http_client_perform(&hc);
	if (status < 0) {
		log_warn("s3 %s %s: %s", method, url, hc.why);
	} else if (status < 200 || status > 299) {
		s3_error_code(hc.answer, code, sizeof code);
		log_warn("s3 %s %s: answered %ld %s", method, url, status, code);
	} else {
		rc = 0;
	}
out:
	http_client_close(&hc);
	curl_slist_free_all(headers);
	free(url);
	return rc;
}

int storage_s3_put(const char *kind, const char *name, const void *data, size_t len)
{
	return s3_request("PUT", kind, name, data, len, storage_s3_content_type(name));
}

int storage_s3_delete(const char *kind, const char *name)
{
	return s3_request("DELETE", kind, name, NULL, 0, NULL);
}
