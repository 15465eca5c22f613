/* http_client.h: libcurl set up one way for every outgoing call (nchan's channel info, YouTube, export mail, S3) */
#ifndef QUEUED_HTTP_CLIENT_H
#define QUEUED_HTTP_CLIENT_H

#include <stddef.h>
#include <curl/curl.h>

/* libcurl's global state: once per process, before the workers fork. 0, or -1. */
int http_client_global_init(void);
void http_client_global_cleanup(void);

/* What one kind of call needs; a caller keeps its options as a constant. */
struct http_client_options {
	const char *protocols;   /* the schemes the URL may have: "http,https", "smtp,smtps" */
	long connect_timeout_ms; /* 0: timeout_ms */
	long timeout_ms;         /* the whole transfer */
	size_t max_answer;       /* answer bytes kept; a longer answer fails the transfer */
	int env_proxy;           /* take http_proxy and friends from the environment */
};

/*
 * A libcurl handle with the project's defaults: no signals (a timeout must
 * not interrupt the worker's own system calls), the options' protocols and
 * timeouts, no proxy unless asked for, libcurl's detail of a failure kept,
 * and the answer's body collected in `answer`. Open it where it stays put
 * (the handle points into the struct); set whatever else the call needs on
 * `curl` directly; reuse it for the same kind of call (the connection stays
 * open); close it with http_client_close.
 */
struct http_client {
	CURL *curl;
	char *answer;                /* the last answer's body, NUL-terminated; NULL before any byte */
	size_t answer_len;
	size_t max_answer;
	char error[CURL_ERROR_SIZE]; /* libcurl's detail of the last failure, or "" */
	char why[CURL_ERROR_SIZE + 64]; /* after a failed http_client_perform: what went wrong */
};

/* 0, or -1 when libcurl could not make a handle (out of memory). */
int http_client_open(struct http_client *hc, const struct http_client_options *opt);

/*
 * Make the next transfer on hc a `method` request ("PUT", "DELETE") with
 * len bytes of body read from memory (body NULL: none). The body goes as
 * POST data under another method name: that is the one body libcurl hashes
 * for CURLOPT_AWS_SIGV4, and its length is known up front (no chunks, no
 * "Expect: 100-continue"). body stays the caller's and must outlive the
 * transfer; set the Content-Type header yourself.
 */
void http_client_method(struct http_client *hc, const char *method, const void *body, size_t len);

/*
 * Carry out the transfer set up on hc->curl. Returns the response code (the
 * HTTP status; the last reply code for SMTP), or -1 with the reason in
 * hc->why. The caller logs: it knows what the call was for.
 */
long http_client_perform(struct http_client *hc);

void http_client_close(struct http_client *hc);

#endif
