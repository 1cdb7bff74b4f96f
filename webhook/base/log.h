/*
 * log.h - JSON lines on stderr, one write(2) per line so threads never
 * interleave. A line is built on the caller's stack: log_begin(), fields,
 * log_end(). Lines longer than LOG_LINE_MAX are cut, never split.
 */
#ifndef GITGATE_LOG_H
#define GITGATE_LOG_H

#include <stddef.h>

#define LOG_LINE_MAX	4096

enum log_level {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
};

struct log_line {
	char	buf[LOG_LINE_MAX];
	size_t	len;
	int	on;		/* 0: level filtered out, calls are no-ops */
};

/* "debug" | "info" | "warn" | "error" -> 0, else -1. */
int	log_level_parse(const char *s, enum log_level *out);
void	log_set_level(enum log_level level);
int	log_enabled(enum log_level level);

/* Starts {"ts":"...","level":"...","event":"..."}; ends with "}\n". */
void	log_begin(struct log_line *l, enum log_level level, const char *event);
void	log_str(struct log_line *l, const char *key, const char *val);
void	log_num(struct log_line *l, const char *key, long long val);
void	log_bool(struct log_line *l, const char *key, int val);
void	log_end(struct log_line *l);

/* One-shot: an event with a "msg" string. */
void	log_msg(enum log_level level, const char *event, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
