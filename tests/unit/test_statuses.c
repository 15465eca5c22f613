/*
 * test_statuses.c: the status words each SQL function can return (read from
 * sql/) are exactly the words its handler's table lists, and the table
 * answers each one as query.h says.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog.h"
#include "handlers.h"
#include "query.h"
#include "request.h"

#ifndef SQL_DIR
#error "SQL_DIR names the migrations directory"
#endif

/* Which table answers which function. A function returning status words that is missing here fails the test. */
static const struct {
	const char *function;
	const struct status_word *table;
} handled[] = {
	{ "queue_add", queue_add_statuses },
	{ "queue_vote", queue_vote_statuses },
	{ "queue_remove", queue_remove_statuses },
	{ "room_advance", room_advance_statuses },
	{ "room_skip", room_skip_statuses },
	{ "queue_pin", queue_pin_statuses },
	{ "room_playback", room_playback_statuses },
	{ "room_settings", room_settings_statuses },
	{ "room_cohost", room_cohost_statuses },
	{ "room_ban", room_ban_statuses },
	{ "album_like_change", album_like_statuses },
	{ "song_delete", song_delete_statuses },
	{ "playlist_song_change", playlist_song_statuses },
	{ "collaboration_change", collaboration_statuses },
	{ "export_request", export_request_statuses },
	{ "room_history_playlist", room_history_playlist_statuses },
	{ "user_queue_put", user_queue_put_statuses },
	{ "room_join", room_join_statuses },
	{ "room_member_rename", room_member_rename_statuses },
	{ "catalog_may_change", catalog_may_change_statuses },
	{ "room_close", room_close_statuses },
	{ "room_host_transfer", room_host_statuses },
	{ "room_leave", room_leave_statuses },
};
#define HANDLED (sizeof handled / sizeof handled[0])

#define MAX_FUNCTIONS 128
#define MAX_WORDS 24

struct sql_function {
	char name[64];
	int nwords;
	char words[MAX_WORDS][32];
};

static struct sql_function functions[MAX_FUNCTIONS];
static int nfunctions;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

static void add_word(struct sql_function *fn, const char *quote)
{
	char word[32];
	size_t n = strspn(quote + 1, "abcdefghijklmnopqrstuvwxyz_");

	if (quote[0] != '\'' || quote[1 + n] != '\'' || n == 0 || n >= sizeof word)
		return;
	memcpy(word, quote + 1, n);
	word[n] = '\0';
	for (int i = 0; i < fn->nwords; i++)
		if (strcmp(fn->words[i], word) == 0)
			return;
	assert_true(fn->nwords < MAX_WORDS);
	strcpy(fn->words[fn->nwords++], word);
}

/*
 * The words one statement of a body can make the status column: what a
 * function returning text RETURNs, the first column of "RETURN QUERY SELECT", what "status :=" assigns (a CASE names
 * several), and the first column of a SELECT or RETURNING ... INTO status.
 */
static void statement_words(struct sql_function *fn, const char *s, const char *end)
{
	char text[2048];
	size_t n = (size_t)(end - s) < sizeof text - 1 ? (size_t)(end - s) : sizeof text - 1;
	const char *p;

	memcpy(text, s, n);
	text[n] = '\0';
	if ((p = strstr(text, "RETURN '")) != NULL)
		add_word(fn, p + strlen("RETURN "));
	if ((p = strstr(text, "RETURN QUERY SELECT '")) != NULL)
		add_word(fn, p + strlen("RETURN QUERY SELECT "));
	if ((p = strstr(text, "status :=")) != NULL)
		for (p = strchr(p, '\''); p != NULL; p = strchr(p + 1, '\'')) {
			add_word(fn, p);
			p = strchr(p + 1, '\''); /* past the closing quote */
			if (p == NULL)
				break;
		}
	if (strstr(text, "INTO status") != NULL) {
		if ((p = strstr(text, "RETURNING '")) != NULL)
			add_word(fn, p + strlen("RETURNING "));
		if ((p = strstr(text, "SELECT '")) != NULL)
			add_word(fn, p + strlen("SELECT "));
	}
}

static struct sql_function *function_named(const char *name, size_t len)
{
	for (int i = 0; i < nfunctions; i++)
		if (strlen(functions[i].name) == len && strncmp(functions[i].name, name, len) == 0)
			return &functions[i];
	assert_true(nfunctions < MAX_FUNCTIONS && len < sizeof functions[0].name);
	memcpy(functions[nfunctions].name, name, len);
	return &functions[nfunctions++];
}

/* Every function of one migration that returns a status column; a later definition replaces an earlier one. */
static void read_migration(const char *path)
{
	char *text = read_file(path);

	for (char *p = strstr(text, "FUNCTION "); p != NULL; p = strstr(p + 1, "FUNCTION ")) {
		if (!(p >= text + 7 && strncmp(p - 7, "CREATE ", 7) == 0) &&
		    !(p >= text + 11 && strncmp(p - 11, "OR REPLACE ", 11) == 0))
			continue;
		char *name = p + strlen("FUNCTION ");
		size_t len = strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789");
		char *open = strstr(name, "$$"), *close = open ? strstr(open + 2, "$$") : NULL;

		assert_non_null(close);
		*open = '\0';
		/* The status functions: a table whose first column is status, or a plpgsql word. */
		int has_status = strstr(name, "RETURNS TABLE (status text") != NULL ||
				 (strstr(name, "RETURNS text") != NULL && strstr(name, "plpgsql") != NULL);
		*open = '$';
		if (!has_status)
			continue;
		struct sql_function *fn = function_named(name, len);
		fn->nwords = 0;
		for (const char *s = open + 2, *e; s < close; s = e + 1) {
			e = memchr(s, ';', (size_t)(close - s));
			if (e == NULL)
				e = close;
			statement_words(fn, s, e);
		}
	}
	free(text);
}

static int setup(void **state)
{
	struct dirent **names;
	int n = scandir(SQL_DIR, &names, NULL, alphasort);

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 4 && strcmp(names[i]->d_name + len - 4, ".sql") == 0) {
			char path[1024];
			snprintf(path, sizeof path, "%s/%s", SQL_DIR, names[i]->d_name);
			read_migration(path);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static const struct status_word *table_of(const char *function)
{
	for (size_t i = 0; i < HANDLED; i++)
		if (strcmp(handled[i].function, function) == 0)
			return handled[i].table;
	return NULL;
}

/* The reader finds what the migrations say, or the other checks would prove nothing. */
static void reads_the_migrations(void **state)
{
	const char *add[] = { "ok", "voted", "unchanged", "no_room", "banned", "no_song", "too_long",
			      "no_duration", "member_cap", "queue_full", "cooldown" };
	const char *skip[] = { "ok", "unchanged", "skipped", "no_room", "banned", "not_playing" };
	struct sql_function *fn = function_named("queue_add", strlen("queue_add"));

	assert_int_equal(fn->nwords, 11);
	for (size_t i = 0; i < sizeof add / sizeof add[0]; i++) {
		int found = 0;
		for (int j = 0; j < fn->nwords; j++)
			found |= strcmp(fn->words[j], add[i]) == 0;
		assert_true(found);
	}
	fn = function_named("room_skip", strlen("room_skip"));
	assert_int_equal(fn->nwords, 6);
	for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
		int found = 0;
		for (int j = 0; j < fn->nwords; j++)
			found |= strcmp(fn->words[j], skip[i]) == 0;
		assert_true(found);
	}
	fn = function_named("user_queue_put", strlen("user_queue_put"));
	assert_int_equal(fn->nwords, 3); /* no_song, and ok and conflict from SELECT/RETURNING ... INTO status */
}

/* Each function's words and its table's words are the same set. */
static void every_word_has_its_answer(void **state)
{
	for (int i = 0; i < nfunctions; i++) {
		const struct sql_function *fn = &functions[i];
		const struct status_word *table = table_of(fn->name);

		if (fn->nwords == 0)
			continue;
		if (table == NULL)
			fail_msg("SQL function %s returns status words but no handler table is listed for it", fn->name);
		for (int j = 0; j < fn->nwords; j++)
			if (status_find(fn->words[j], table) == NULL)
				fail_msg("%s can return \"%s\", which its table does not list", fn->name, fn->words[j]);
		for (const struct status_word *s = table; s->word != NULL; s++) {
			int returned = 0;
			for (int j = 0; j < fn->nwords; j++)
				returned |= strcmp(fn->words[j], s->word) == 0;
			if (!returned)
				fail_msg("the table of %s lists \"%s\", which the function never returns", fn->name, s->word);
			if (s->message == NULL)
				assert_true(s->http_status >= 200 && s->http_status < 500);
			else
				assert_true(s->http_status >= 400 && s->http_status < 500);
		}
	}
	for (size_t i = 0; i < HANDLED; i++)
		if (function_named(handled[i].function, strlen(handled[i].function))->nwords == 0)
			fail_msg("no SQL function %s returns status words", handled[i].function);
}

/* Through status_or_reply: successes go on, refusals are their 4xx, an unknown word a 500. */
static void words_through_the_reply_path(void **state)
{
	for (int i = 0; i < nfunctions; i++) {
		const struct status_word *table = table_of(functions[i].name);

		for (int j = 0; table != NULL && j < functions[i].nwords; j++) {
			struct request req;
			const struct status_word *s;

			request_init(&req);
			s = status_or_reply(&req, functions[i].words[j], table);
			if (status_find(functions[i].words[j], table)->message == NULL) {
				assert_non_null(s);
				assert_int_equal(req.res.status, 500); /* untouched: the handler answers */
				assert_null(req.res.body);
			} else {
				assert_null(s);
				assert_true(req.res.status >= 400 && req.res.status < 500);
				assert_string_equal(json_object_get_string(json_object_object_get(req.res.body, "status")), "fail");
			}
			request_free(&req);
		}
	}
	struct request req;
	request_init(&req);
	assert_null(status_or_reply(&req, "no_such_word", queue_add_statuses));
	assert_int_equal(req.res.status, 500);
	assert_string_equal(json_object_get_string(json_object_object_get(req.res.body, "message")), "internal error");
	request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_the_migrations),
		cmocka_unit_test(every_word_has_its_answer),
		cmocka_unit_test(words_through_the_reply_path),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
