/* log.h: leveled log lines to stderr, tagged with pid and request id */
#ifndef QUEUED_LOG_H
#define QUEUED_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below this level are dropped; set once from LOG_LEVEL at start-up. */
void log_set_level(enum log_level level);
enum log_level log_level_from_name(const char *name);

/* The request id shown on every line until it is cleared with NULL. Copied. */
void log_set_request_id(const char *id);

/* That id, or "" when none is set: for passing it on (publish.c's X-Request-Id). */
const char *log_request_id(void);

void log_write(enum log_level level, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Start-up failures only: a request never ends the process. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_debug(...) log_write(LOG_DEBUG, __func__, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __func__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __func__, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __func__, __VA_ARGS__)

#endif
