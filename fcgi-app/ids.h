/* ids.h: random resource ids, room join codes and the shape of YouTube video ids */
#ifndef QUEUED_IDS_H
#define QUEUED_IDS_H

#include <stddef.h>

/* The join-code alphabet: no 0/O, 1/I/L, so a code read aloud is typed right. */
#define ROOM_CODE_ALPHABET "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#define ROOM_CODE_LEN 6

/* Writes prefix + "-" + 16 random url-safe characters into out (cap bytes). */
void ids_random(const char *prefix, char *out, size_t cap);

/* Writes a fresh ROOM_CODE_LEN-character code and a NUL into out. */
void ids_room_code(char out[ROOM_CODE_LEN + 1]);

/*
 * Canonical form of a code typed by a person (upper case) into out. Returns 0,
 * or -1 when it cannot be a room code (wrong length or alphabet).
 */
int ids_normalize_room_code(const char *code, char out[ROOM_CODE_LEN + 1]);

/* Is s an 11-character YouTube video id (letters, digits, '-', '_')? */
int ids_youtube_valid(const char *s);

#endif
