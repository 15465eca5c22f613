/* fuzz_multipart.c: libFuzzer target: any bytes, cut at fuzzer-chosen places, never
 * crash, leak or read out of bounds, and the parts seen do not depend on the cuts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

struct sum {
	unsigned long parts, bytes, hash;
};

static int begin(void *ctx, const struct multipart_part *p)
{
	struct sum *s = ctx;

	s->parts++;
	s->hash = s->hash * 31 + strlen(p->name) + strlen(p->filename);
	return 0;
}

static int data(void *ctx, const struct multipart_part *p, const char *d, size_t n)
{
	struct sum *s = ctx;

	s->bytes += n;
	for (size_t i = 0; i < n; i++)
		s->hash = s->hash * 131 + (unsigned char)d[i];
	return 0;
}

static int end(void *ctx, const struct multipart_part *p)
{
	return 0;
}

static int run(const char *body, size_t len, size_t step, struct sum *s)
{
	static const struct multipart_callbacks cbs = { begin, data, end };
	struct multipart *mp = multipart_new("fuzzB0undary", &cbs, s);
	int rc = 0;

	if (mp == NULL)
		abort();
	for (size_t off = 0; off < len && rc == 0; off += step)
		rc = multipart_feed(mp, body + off, len - off < step ? len - off : step);
	if (rc == 0)
		rc = multipart_finish(mp);
	multipart_free(mp);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	struct sum whole = { 0, 0, 0 }, pieces = { 0, 0, 0 };
	size_t step;
	int a, b;

	if (size < 1)
		return 0;
	step = (size_t)input[0] % 17 + 1; /* the first byte picks the chunk size */
	a = run((const char *)input + 1, size - 1, size, &whole);
	b = run((const char *)input + 1, size - 1, step, &pieces);
	if (a != b || (a == 0 && memcmp(&whole, &pieces, sizeof whole) != 0))
		abort();
	return 0;
}
