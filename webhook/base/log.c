/*
 * log.c - structured JSON-line logging to stderr. The level is a global set
 * once at start (and read without a lock: an int). Escaping follows JSON;
 * bytes that are not printable ASCII or valid UTF-8 are written as \uXXXX
 * or '?', so a hostile string can not break a line.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int log_min = LOG_INFO;
static const char *const log_names[] = { "debug", "info", "warn", "error" };

int
log_level_parse(const char *s, enum log_level *out)
{
	int	i;

	for (i = 0; i < 4; i++)
		if (s != NULL && strcmp(s, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

void
log_set_level(enum log_level level)
{
	log_min = (int)level;
}

int
log_enabled(enum log_level level)
{
	return (int)level >= log_min;
}

static void
put(struct log_line *l, const char *s, size_t n)
{
	if (l->len + n > LOG_LINE_MAX - 3)
		n = LOG_LINE_MAX - 3 > l->len ? LOG_LINE_MAX - 3 - l->len : 0;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
put_escaped(struct log_line *l, const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			 esc[8];

	put(l, "\"", 1);
	for (; s != NULL && *u != '\0'; u++) {
		if (*u == '"' || *u == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*u;
			put(l, esc, 2);
		} else if (*u < 0x20 || *u == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *u);
			put(l, esc, 6);
		} else if (*u >= 0x80) {
			put(l, (const char *)u, 1);	/* UTF-8 passes */
		} else
			put(l, (const char *)u, 1);
	}
	put(l, "\"", 1);
}

void
log_begin(struct log_line *l, enum log_level level, const char *event)
{
	struct timespec	ts;
	struct tm	tm;
	char		t[64];

	l->len = 0;
	l->on = log_enabled(level);
	if (!l->on)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(t, sizeof(t),
	    "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\"",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	put(l, t, strlen(t));
	log_str(l, "level", log_names[level]);
	log_str(l, "event", event);
}

void
log_str(struct log_line *l, const char *key, const char *val)
{
	if (!l->on)
		return;
	put(l, ",", 1);
	put_escaped(l, key);
	put(l, ":", 1);
	put_escaped(l, val != NULL ? val : "");
}

void
log_num(struct log_line *l, const char *key, long long val)
{
	char	num[32];

	if (!l->on)
		return;
	put(l, ",", 1);
	put_escaped(l, key);
	snprintf(num, sizeof(num), ":%lld", val);
	put(l, num, strlen(num));
}

void
log_bool(struct log_line *l, const char *key, int val)
{
	if (!l->on)
		return;
	put(l, ",", 1);
	put_escaped(l, key);
	put(l, val ? ":true" : ":false", val ? 5 : 6);
}

void
log_end(struct log_line *l)
{
	ssize_t	n;
	size_t	off = 0;

	if (!l->on)
		return;
	memcpy(l->buf + l->len, "}\n", 2);
	l->len += 2;
	while (off < l->len) {
		n = write(STDERR_FILENO, l->buf + off, l->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
}

void
log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	struct log_line	l;
	char		msg[2048];
	va_list		ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_begin(&l, level, event);
	log_str(&l, "msg", msg);
	log_end(&l);
}
