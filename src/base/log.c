/*
 * log.c - the one place in the library that prints.
 *
 * Each call builds the whole line in a stack buffer and hands it to the
 * kernel with a single write(2), so lines from concurrent threads and
 * processes never interleave (for pipes that holds up to PIPE_BUF bytes;
 * longer lines are retried on short writes).  No locks, no malloc: logging
 * still works when memory is exhausted.
 *
 * Two formats, chosen process-wide:
 *   text  2026-11-26T05:55:16.123456Z INFO store [req-42] message
 *   json  {"ts":"...","level":"info","component":"store","request_id":"req-42","msg":"..."}
 * The "[request id]" part / "request_id" key appears only when the calling
 * thread has set a context.  Text lines stay single lines: control
 * characters in the message are escaped (\n, \t, \r, \xNN).  JSON strings are
 * escaped per RFC 8259 (\" \\ \n \r \t, other control characters \u00XX) and
 * bytes that are not valid UTF-8 become U+FFFD, so every line parses.
 * Messages that do not fit the line buffer end in "...".
 */
#include "base/base.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The component and request id are cut to LOG_FIELD_MAX bytes, so the part
 * of a line before the message always fits; only the message can overflow. */
enum { LOG_MSG_MAX = 8192, LOG_LINE_MAX = 16384, LOG_LINE_RESERVE = 8, LOG_FIELD_MAX = 128 };

static atomic_int g_min_level = KO_LOG_INFO;
static atomic_bool g_json = false;
static _Thread_local const char *t_request_id;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};
static const char *const level_upper[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

void ko_log_configure(ko_log_level min_level, bool json)
{
    atomic_store(&g_min_level, (int)min_level);
    atomic_store(&g_json, json);
}

bool ko_log_level_parse(const char *s, ko_log_level *out)
{
    if (!s)
        return false;
    for (size_t i = 0; i < KO_ARRAY_LEN(level_names); i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (ko_log_level)i;
            return true;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = KO_LOG_WARN;
        return true;
    }
    return false;
}

void ko_log_init_from_env(void)
{
    ko_log_level level;
    if (ko_log_level_parse(getenv("KO_LOG_LEVEL"), &level))
        atomic_store(&g_min_level, (int)level);
    const char *fmt = getenv("KO_LOG_FORMAT");
    if (fmt && strcasecmp(fmt, "json") == 0)
        atomic_store(&g_json, true);
    else if (fmt && strcasecmp(fmt, "text") == 0)
        atomic_store(&g_json, false);
}

bool ko_log_enabled(ko_log_level level)
{
    return level >= KO_LOG_DEBUG && level < KO_LOG_OFF &&
           (int)level >= atomic_load_explicit(&g_min_level, memory_order_relaxed);
}

void ko_log_set_context(const char *request_id)
{
    t_request_id = request_id;
}

/* ------------------------------------------------------------ line buffer */

/* Appends are all-or-nothing, so an escape sequence or UTF-8 character is
 * never cut in half; after the first refusal everything else is dropped and
 * the line is marked truncated.  LOG_LINE_RESERVE bytes stay free for the
 * closing "...\"}\n", which is written directly. */
typedef struct line {
    char buf[LOG_LINE_MAX];
    size_t len;
    bool truncated;
} line;

static void put(line *l, const char *s, size_t n)
{
    if (l->truncated || n > LOG_LINE_MAX - LOG_LINE_RESERVE - l->len) {
        l->truncated = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 if the bytes are invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0xc2 || c > 0xf4 || n < len)
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

static const char *short_escape(unsigned char c)
{
    switch (c) {
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        return NULL;
    }
}

/* Escapes one character starting at s; returns the bytes consumed. */
static size_t put_json_char(line *l, const unsigned char *s, size_t n)
{
    char tmp[8];
    const char *esc = short_escape(s[0]);
    if (s[0] == '"' || s[0] == '\\') {
        tmp[0] = '\\';
        tmp[1] = (char)s[0];
        put(l, tmp, 2);
    } else if (esc) {
        puts_(l, esc);
    } else if (s[0] < 0x20 || s[0] == 0x7f) {
        snprintf(tmp, sizeof tmp, "\\u%04x", s[0]);
        put(l, tmp, 6);
    } else if (s[0] < 0x80) {
        put(l, (const char *)s, 1);
    } else {
        size_t len = utf8_len(s, n);
        if (len == 0) {
            puts_(l, "\\ufffd");
            return 1;
        }
        put(l, (const char *)s, len);
        return len;
    }
    return 1;
}

/* The escaped contents of a JSON string, without the quotes. */
static void put_json_chars(line *l, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n && !l->truncated;)
        i += put_json_char(l, p + i, n - i);
}

static void put_json_field(line *l, const char *key, const char *value)
{
    puts_(l, key);
    put(l, "\"", 1);
    put_json_chars(l, value, strnlen(value, LOG_FIELD_MAX));
    put(l, "\"", 1);
}

/* Text mode: printable bytes (and UTF-8) pass through, controls are escaped. */
static void put_text_chars(line *l, const char *s, size_t n)
{
    const unsigned char *end = (const unsigned char *)s + n;
    for (const unsigned char *p = (const unsigned char *)s; p < end && !l->truncated; p++) {
        const char *esc = short_escape(*p);
        char tmp[8];
        if (esc) {
            puts_(l, esc);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(tmp, sizeof tmp, "\\x%02x", *p);
            put(l, tmp, 4);
        } else {
            put(l, (const char *)p, 1);
        }
    }
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" with all six fraction digits, so text lines
 * align and sort. */
static void put_timestamp(line *l, int64_t us)
{
    int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
    if (rem < 0) {
        rem += 86400000000LL;
        days--;
    }
    int64_t year;
    unsigned month, day;
    ko_civil_from_days(days, &year, &month, &day);
    int64_t secs = rem / 1000000;
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", (long long)year,
                     month, day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                     (int)(rem % 1000000));
    put(l, tmp, (size_t)n);
}

/* Writes s (n bytes) into the reserve at the end of the line. */
static void put_tail(line *l, const char *s, size_t n)
{
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void build_json(line *l, ko_log_level level, const char *component, const char *msg,
                       bool cut)
{
    puts_(l, "{\"ts\":\"");
    put_timestamp(l, ko_now_us());
    puts_(l, "\",\"level\":\"");
    puts_(l, level_names[level]);
    put(l, "\"", 1);
    put_json_field(l, ",\"component\":", component);
    if (t_request_id)
        put_json_field(l, ",\"request_id\":", t_request_id);
    puts_(l, ",\"msg\":\"");
    put_json_chars(l, msg, strlen(msg));
    if (l->truncated || cut)
        put_tail(l, "...", 3);
    put_tail(l, "\"}\n", 3);
}

static void build_text(line *l, ko_log_level level, const char *component, const char *msg,
                       bool cut)
{
    put_timestamp(l, ko_now_us());
    put(l, " ", 1);
    puts_(l, level_upper[level]);
    put(l, " ", 1);
    put_text_chars(l, component, strnlen(component, LOG_FIELD_MAX));
    if (t_request_id) {
        puts_(l, " [");
        put_text_chars(l, t_request_id, strnlen(t_request_id, LOG_FIELD_MAX));
        put(l, "]", 1);
    }
    put(l, " ", 1);
    put_text_chars(l, msg, strlen(msg));
    if (l->truncated || cut)
        put_tail(l, "...", 3);
    put_tail(l, "\n", 1);
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a failing stderr */
        p += w;
        n -= (size_t)w;
    }
}

void ko_log(ko_log_level level, const char *component, const char *fmt, ...)
{
    if (!ko_log_enabled(level))
        return;
    int saved_errno = errno; /* callers often log right before reading errno */
    char msg[LOG_MSG_MAX];
    int n = -1;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    if (n < 0)
        memcpy(msg, "(bad log format)", sizeof "(bad log format)");
    bool cut = n >= (int)sizeof msg;
    line l;
    l.len = 0;
    l.truncated = false;
    const char *comp = component ? component : "-";
    if (atomic_load_explicit(&g_json, memory_order_relaxed))
        build_json(&l, level, comp, msg, cut);
    else
        build_text(&l, level, comp, msg, cut);
    write_all(l.buf, l.len);
    errno = saved_errno;
}
