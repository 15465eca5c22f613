/* log.c: leveled log lines to stderr, tagged with pid and request id */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static char request_id[64];

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level level)
{
	min_level = level;
}

enum log_level log_level_from_name(const char *name)
{
	for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
		if (name != NULL && strcasecmp(name, level_names[i]) == 0)
			return (enum log_level)i;
	return LOG_INFO;
}

void log_set_request_id(const char *id)
{
	if (id == NULL)
		request_id[0] = '\0';
	else
		snprintf(request_id, sizeof request_id, "%s", id);
}

const char *log_request_id(void)
{
	return request_id;
}

static void log_vwrite(enum log_level level, const char *func, const char *fmt, va_list ap)
{
	char line[1024];
	struct timespec now;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s [%d]%s%s %s: ",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		now.tv_nsec / 1000000, level_names[level], (int)getpid(),
		request_id[0] ? " req=" : "", request_id, func);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	/* One write per line so lines of concurrent workers never interleave. */
	size_t len = strlen(line);
	if (len < sizeof line - 1)
		line[len++] = '\n';
	else
		line[sizeof line - 2] = '\n', len = sizeof line - 1;
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

void log_write(enum log_level level, const char *func, const char *fmt, ...)
{
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	log_vwrite(level, func, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERROR, "fatal", fmt, ap);
	va_end(ap);
	exit(1);
}
