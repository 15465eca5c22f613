/* multipart.c: a streaming multipart/form-data parser (RFC 7578 / RFC 2046)
 *
 * Input arrives in chunks cut anywhere, so the parser keeps a small pending
 * buffer: in a part's body it holds back the last bytes that could be the
 * start of a delimiter split across two chunks, and in the headers it holds
 * the unfinished line. The delimiter is CRLF "--" boundary; the body is
 * parsed as if preceded by CRLF, so the first boundary needs no special case.
 */
#define _GNU_SOURCE /* memmem */
#include "multipart.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70
#define MAX_HEADER_BYTES 8192  /* all headers of one part */

enum state {
	S_PREAMBLE,      /* before the first delimiter */
	S_AFTER_DELIM,   /* after a delimiter: "--" (end) or padding then CRLF */
	S_AFTER_DASH,    /* saw one '-' after a delimiter */
	S_PADDING_CR,    /* saw CR after a delimiter, want LF */
	S_HEADERS,       /* header lines until an empty one */
	S_BODY,          /* part data until the next delimiter */
	S_EPILOGUE,      /* after the closing delimiter: ignored */
	S_ERROR,
};

struct multipart {
	enum state state;
	char delim[4 + MAX_BOUNDARY + 1]; /* "\r\n--" boundary */
	size_t delim_len;
	char *pending;        /* bytes not yet decided on */
	size_t pending_len, pending_cap;
	size_t header_bytes;
	struct multipart_part part;
	struct multipart_callbacks cb;
	void *ctx;
	const char *error;
};

int multipart_boundary(const char *content_type, char *out, size_t cap)
{
	const char *p;
	size_t n = 0;

	if (content_type == NULL || strncasecmp(content_type, "multipart/form-data", 19) != 0)
		return -1;
	p = content_type + 19;
	while (*p != '\0') {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "boundary=", 9) == 0) {
			p += 9;
			int quoted = *p == '"';
			if (quoted)
				p++;
			while (*p != '\0' && (quoted ? *p != '"' : (*p != ';' && *p != ' ')) && n + 1 < cap)
				out[n++] = *p++;
			out[n] = '\0';
			if (quoted && *p != '"')
				return -1;
			return (n >= 1 && n <= MAX_BOUNDARY) ? 0 : -1;
		}
		p += strcspn(p, ";");
	}
	return -1;
}

struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb, void *ctx)
{
	struct multipart *mp;
	size_t n = strlen(boundary);

	if (n == 0 || n > MAX_BOUNDARY)
		return NULL;
	mp = calloc(1, sizeof *mp);
	if (mp == NULL)
		return NULL;
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, n + 1);
	mp->delim_len = 4 + n;
	mp->cb = *cb;
	mp->ctx = ctx;
	mp->state = S_PREAMBLE;
	/* The body is read as if it began with CRLF: "--boundary" on the first line matches. */
	if (multipart_feed(mp, "\r\n", 2) != 0) {
		multipart_free(mp);
		return NULL;
	}
	return mp;
}

void multipart_free(struct multipart *mp)
{
	if (mp == NULL)
		return;
	free(mp->pending);
	free(mp);
}

const char *multipart_error(const struct multipart *mp)
{
	return mp->error;
}

static int fail(struct multipart *mp, const char *why)
{
	mp->state = S_ERROR;
	if (mp->error == NULL)
		mp->error = why;
	return -1;
}

static int append(struct multipart *mp, const char *data, size_t len)
{
	if (mp->pending_len + len > mp->pending_cap) {
		size_t cap = mp->pending_cap ? mp->pending_cap : 256;
		char *p;

		while (cap < mp->pending_len + len)
			cap *= 2;
		p = realloc(mp->pending, cap);
		if (p == NULL)
			return fail(mp, "out of memory");
		mp->pending = p;
		mp->pending_cap = cap;
	}
	memcpy(mp->pending + mp->pending_len, data, len);
	mp->pending_len += len;
	return 0;
}

static void consume(struct multipart *mp, size_t n)
{
	memmove(mp->pending, mp->pending + n, mp->pending_len - n);
	mp->pending_len -= n;
}

/* Copy the value of param (name= or filename=) from a Content-Disposition value. */
static void disposition_param(const char *value, const char *param, char *out, size_t cap)
{
	size_t plen = strlen(param);
	const char *p = value;

	out[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, plen) != 0 || p[plen] != '=')
			continue;
		p += plen + 1;
		size_t n = 0;
		if (*p == '"') {
			p++;
			while (*p != '\0' && *p != '"' && n + 1 < cap) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				out[n++] = *p++;
			}
		} else {
			while (*p != '\0' && *p != ';' && *p != ' ' && n + 1 < cap)
				out[n++] = *p++;
		}
		out[n] = '\0';
		return;
	}
}

static int header_line(struct multipart *mp, char *line)
{
	char *colon = strchr(line, ':');
	char *value;

	if (colon == NULL)
		return fail(mp, "malformed part header");
	*colon = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (strcasecmp(line, "Content-Disposition") == 0) {
		if (strncasecmp(value, "form-data", 9) != 0)
			return fail(mp, "part is not form-data");
		disposition_param(value, "name", mp->part.name, sizeof mp->part.name);
		disposition_param(value, "filename", mp->part.filename, sizeof mp->part.filename);
	} else if (strcasecmp(line, "Content-Type") == 0) {
		size_t n = strlen(value);
		if (n >= sizeof mp->part.content_type)
			n = sizeof mp->part.content_type - 1;
		memcpy(mp->part.content_type, value, n);
		mp->part.content_type[n] = '\0';
	}
	return 0;
}

/*
 * The one byte a state wants next: 1 when it came (and is consumed), 0 while
 * nothing is pending, -1 (the parse failed with why) when another came.
 */
static int expect_byte(struct multipart *mp, char want, const char *why)
{
	if (mp->pending_len == 0)
		return 0;
	if (mp->pending[0] != want)
		return fail(mp, why);
	consume(mp, 1);
	return 1;
}

/* Run the state machine over the pending bytes as far as they decide anything. */
static int step(struct multipart *mp)
{
	for (;;) {
		char *hit;
		size_t keep;
		int got;

		switch (mp->state) {
		case S_PREAMBLE:
			hit = memmem(mp->pending, mp->pending_len, mp->delim, mp->delim_len);
			if (hit == NULL) {
				keep = mp->delim_len - 1;
				if (mp->pending_len > keep)
					consume(mp, mp->pending_len - keep);
				return 0;
			}
			consume(mp, (size_t)(hit - mp->pending) + mp->delim_len);
			mp->state = S_AFTER_DELIM;
			break;
		case S_AFTER_DELIM:
			if (mp->pending_len == 0)
				return 0;
			if (mp->pending[0] == '-') {
				consume(mp, 1);
				mp->state = S_AFTER_DASH;
			} else if (mp->pending[0] == ' ' || mp->pending[0] == '\t') {
				consume(mp, 1); /* transport padding */
			} else if (mp->pending[0] == '\r') {
				consume(mp, 1);
				mp->state = S_PADDING_CR;
			} else {
				return fail(mp, "garbage after a boundary");
			}
			break;
		case S_AFTER_DASH:
			if ((got = expect_byte(mp, '-', "garbage after a boundary")) <= 0)
				return got;
			mp->state = S_EPILOGUE;
			break;
		case S_PADDING_CR:
			if ((got = expect_byte(mp, '\n', "boundary line does not end with CRLF")) <= 0)
				return got;
			memset(&mp->part, 0, sizeof mp->part);
			mp->header_bytes = 0;
			mp->state = S_HEADERS;
			break;
		case S_HEADERS:
			hit = memmem(mp->pending, mp->pending_len, "\r\n", 2);
			if (hit == NULL) {
				if (mp->header_bytes + mp->pending_len > MAX_HEADER_BYTES)
					return fail(mp, "part headers are too large");
				return 0;
			}
			size_t line_len = (size_t)(hit - mp->pending);
			mp->header_bytes += line_len + 2;
			if (mp->header_bytes > MAX_HEADER_BYTES)
				return fail(mp, "part headers are too large");
			if (line_len == 0) {
				consume(mp, 2);
				if (mp->part.name[0] == '\0')
					return fail(mp, "part has no form field name");
				if (mp->cb.on_part_begin && mp->cb.on_part_begin(mp->ctx, &mp->part) != 0)
					return fail(mp, "part refused");
				mp->state = S_BODY;
				break;
			}
			*hit = '\0';
			if (memchr(mp->pending, '\0', line_len) != NULL)
				return fail(mp, "NUL in a part header");
			if (header_line(mp, mp->pending) != 0)
				return -1;
			consume(mp, line_len + 2);
			break;
		case S_BODY:
			hit = memmem(mp->pending, mp->pending_len, mp->delim, mp->delim_len);
			if (hit == NULL) {
				/* Everything but a possible delimiter prefix at the end is data. */
				keep = mp->delim_len - 1;
				if (mp->pending_len > keep) {
					size_t n = mp->pending_len - keep;
					if (mp->cb.on_part_data &&
					    mp->cb.on_part_data(mp->ctx, &mp->part, mp->pending, n) != 0)
						return fail(mp, "part refused");
					consume(mp, n);
				}
				return 0;
			}
			size_t n = (size_t)(hit - mp->pending);
			if (n > 0 && mp->cb.on_part_data &&
			    mp->cb.on_part_data(mp->ctx, &mp->part, mp->pending, n) != 0)
				return fail(mp, "part refused");
			if (mp->cb.on_part_end && mp->cb.on_part_end(mp->ctx, &mp->part) != 0)
				return fail(mp, "part refused");
			consume(mp, n + mp->delim_len);
			mp->state = S_AFTER_DELIM;
			break;
		case S_EPILOGUE:
			mp->pending_len = 0;
			return 0;
		case S_ERROR:
			return -1;
		}
	}
}

int multipart_feed(struct multipart *mp, const char *data, size_t len)
{
	if (mp->state == S_ERROR)
		return -1;
	if (mp->state == S_EPILOGUE)
		return 0;
	if (append(mp, data, len) != 0)
		return -1;
	return step(mp);
}

int multipart_finish(struct multipart *mp)
{
	if (mp->state == S_ERROR)
		return -1;
	if (mp->state != S_EPILOGUE)
		return fail(mp, "body ends before the closing boundary");
	return 0;
}
