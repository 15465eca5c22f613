/* ids.c: random resource ids, room join codes and the shape of YouTube video ids */
#include "ids.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

static const char id_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

void ids_random(const char *prefix, char *out, size_t cap)
{
	size_t n = strlen(prefix);

	if (cap < n + 2 + 16)
		return;
	memcpy(out, prefix, n);
	out[n++] = '-';
	for (int i = 0; i < 16; i++)
		out[n++] = id_alphabet[randombytes_uniform(sizeof id_alphabet - 1)];
	out[n] = '\0';
}

void ids_room_code(char out[ROOM_CODE_LEN + 1])
{
	static const char alphabet[] = ROOM_CODE_ALPHABET;

	for (int i = 0; i < ROOM_CODE_LEN; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[ROOM_CODE_LEN] = '\0';
}

int ids_normalize_room_code(const char *code, char out[ROOM_CODE_LEN + 1])
{
	if (strlen(code) != ROOM_CODE_LEN)
		return -1;
	for (int i = 0; i < ROOM_CODE_LEN; i++) {
		char c = (char)toupper((unsigned char)code[i]);

		if (c == '\0' || strchr(ROOM_CODE_ALPHABET, c) == NULL)
			return -1;
		out[i] = c;
	}
	out[ROOM_CODE_LEN] = '\0';
	return 0;
}

int ids_youtube_valid(const char *s)
{
	return strlen(s) == 11 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == 11;
}
