/*
 * base.h - the foundation every other Korolev layer builds on.
 *
 * Errors are values: a function that can fail returns a ko_status and, when
 * given a non-NULL ko_err, fills it with a message that names what is wrong
 * (file, key, offset, field).  Nothing here prints except the logger, and
 * nothing calls exit() or abort() on bad input.
 *
 * Memory: ko_arena hands out memory that is freed all at once (one arena per
 * request, query or file); ko_buf is a growable byte buffer with one owner.
 * Every allocation failure is reported as KO_ERR_NOMEM.
 */
#ifndef KO_BASE_H
#define KO_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define KO_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#define KO_NODISCARD                __attribute__((warn_unused_result))
#else
#define KO_PRINTF(fmt_idx, arg_idx)
#define KO_NODISCARD
#endif

#define KO_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ errors */

typedef enum ko_status {
    KO_OK = 0,
    KO_ERR_INVALID,     /* bad argument or malformed input */
    KO_ERR_NOT_FOUND,   /* key, file, table ... does not exist */
    KO_ERR_EXISTS,      /* already exists (put-if-absent lost) */
    KO_ERR_PERMISSION,  /* access denied */
    KO_ERR_NOSPACE,     /* disk or quota full */
    KO_ERR_IO,          /* read/write failed, short read */
    KO_ERR_NETWORK,     /* connection failed, reset, remote 5xx */
    KO_ERR_TIMEOUT,     /* deadline exceeded */
    KO_ERR_CORRUPT,     /* data fails validation */
    KO_ERR_UNSUPPORTED, /* valid but not implemented */
    KO_ERR_CONFLICT,    /* concurrent modification */
    KO_ERR_NOMEM,       /* allocation failed */
    KO_ERR_INTERNAL,    /* a bug: an invariant does not hold */
} ko_status;

enum { KO_ERR_MSG_MAX = 512 };

typedef struct ko_err {
    ko_status status;
    char msg[KO_ERR_MSG_MAX];
} ko_err;

/* Short stable name of a status ("not found", "no space", ...). */
const char *ko_status_name(ko_status st);

/* Sets err (if non-NULL) to st and the formatted message; returns st so that
 * callers can write `return ko_err_set(err, KO_ERR_INVALID, "...")`. */
ko_status ko_err_set(ko_err *err, ko_status st, const char *fmt, ...) KO_PRINTF(3, 4);

#ifdef __clang_analyzer__
/* Let the static analyzer see that ko_err_set returns its status. */
#define ko_err_set(err, st, ...) (ko_err_set((err), (st), __VA_ARGS__), (st))
#endif

/* Prepends "context: " to the message already in err; returns err->status. */
ko_status ko_err_prefix(ko_err *err, const char *fmt, ...) KO_PRINTF(2, 3);

/* Sets err from errno value `errnum`: status from ko_status_from_errno and
 * message "<what>: <strerror>". */
ko_status ko_err_errno(ko_err *err, int errnum, const char *fmt, ...) KO_PRINTF(3, 4);

/* Maps an errno value to a status (ENOENT -> NOT_FOUND, ENOSPC -> NOSPACE...). */
ko_status ko_status_from_errno(int errnum);

void ko_err_clear(ko_err *err);

/* ------------------------------------------------------------------- arena */

typedef struct ko_arena_chunk ko_arena_chunk;

/* A bump allocator: many small allocations, freed together.  Zero-initialised
 * (`ko_arena a = {0};`) is a valid empty arena with the default chunk size. */
typedef struct ko_arena {
    ko_arena_chunk *head;
    size_t chunk_size; /* 0 means the default (64 KiB) */
    size_t allocated;  /* bytes handed out, for accounting */
} ko_arena;

/* Returns 16-byte aligned memory owned by the arena, or NULL if out of memory. */
void *ko_arena_alloc(ko_arena *a, size_t n);
void *ko_arena_calloc(ko_arena *a, size_t count, size_t size);
char *ko_arena_strndup(ko_arena *a, const char *s, size_t n);
char *ko_arena_strdup(ko_arena *a, const char *s);
char *ko_arena_sprintf(ko_arena *a, const char *fmt, ...) KO_PRINTF(2, 3);
/* Frees every chunk; the arena is empty and reusable afterwards. */
void ko_arena_free(ko_arena *a);
/* Room for one more item in a growing arena array: arr (n items of elem
 * bytes, *cap allocated) while n < *cap, else a zeroed copy with twice the
 * room (16 at first) and *cap updated; NULL if out of memory (then *cap
 * is unchanged and arr still valid). */
void *ko_arena_grow(ko_arena *a, void *arr, size_t n, size_t *cap, size_t elem);

/* memcpy for a source that may be NULL when n is 0 (an empty buffer or
 * array): memcpy itself must not be passed NULL, even for 0 bytes. */
static inline void *ko_memcpy0(void *dst, const void *src, size_t n)
{
    return n ? memcpy(dst, src, n) : dst;
}

/* ------------------------------------------------------------------ buffer */

/* A growable byte buffer.  data is always NUL-terminated past len when
 * cap > 0, so text can be used as a C string.  Zero-initialised is empty. */
typedef struct ko_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} ko_buf;

KO_NODISCARD ko_status ko_buf_reserve(ko_buf *b, size_t extra);
KO_NODISCARD ko_status ko_buf_append(ko_buf *b, const void *data, size_t n);
KO_NODISCARD ko_status ko_buf_append_str(ko_buf *b, const char *s);
KO_NODISCARD ko_status ko_buf_appendf(ko_buf *b, const char *fmt, ...) KO_PRINTF(2, 3);
void ko_buf_reset(ko_buf *b); /* len = 0, keeps memory */
void ko_buf_free(ko_buf *b);
/* Hands the bytes to the caller (free() them); b becomes empty. */
uint8_t *ko_buf_detach(ko_buf *b, size_t *len);

/* ----------------------------------------------------------------- logging */

typedef enum ko_log_level {
    KO_LOG_DEBUG = 0,
    KO_LOG_INFO,
    KO_LOG_WARN,
    KO_LOG_ERROR,
    KO_LOG_OFF,
} ko_log_level;

/* Process-wide: minimum level and format (text lines or JSON lines). The
 * defaults are INFO and text, or what KO_LOG_LEVEL / KO_LOG_FORMAT=json say
 * when ko_log_init_from_env() is called. */
void ko_log_configure(ko_log_level min_level, bool json);
void ko_log_init_from_env(void);
bool ko_log_enabled(ko_log_level level);
/* Parses "debug", "info", "warn", "error", "off"; returns false if unknown. */
bool ko_log_level_parse(const char *s, ko_log_level *out);

/* Per-thread context added to every line (such as a request id); borrowed,
 * must outlive its use; NULL clears it. */
void ko_log_set_context(const char *request_id);

/* Writes one line to stderr: time, level, component, message. */
void ko_log(ko_log_level level, const char *component, const char *fmt, ...) KO_PRINTF(3, 4);

/* -------------------------------------------------------------------- time */

/* Microseconds since 1970-01-01T00:00:00Z. */
int64_t ko_now_us(void);
/* Monotonic microseconds, for durations and deadlines. */
int64_t ko_monotonic_us(void);
void ko_sleep_us(int64_t us);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t ko_days_from_civil(int64_t year, unsigned month, unsigned day);
void ko_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* Parses ISO-8601 / RFC 3339: "YYYY-MM-DD", optionally followed by 'T' or ' '
 * and "HH:MM[:SS[.fraction]]" and a zone ("Z", "+HH:MM", "+HHMM", "+HH").
 * No zone means UTC.  Fractions beyond microseconds are truncated. */
ko_status ko_time_parse(const char *s, size_t len, int64_t *out_us, ko_err *err);

enum { KO_TIME_STR_MAX = 40 };
/* Formats as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (fraction omitted when zero).
 * Returns the length written (always < KO_TIME_STR_MAX). */
size_t ko_time_format(int64_t us, char out[KO_TIME_STR_MAX]);

/* -------------------------------------------------------------------- hash */

/* MurmurHash3 x86 32-bit, as Iceberg's bucket transform requires (seed 0). */
uint32_t ko_murmur3_32(const void *data, size_t len, uint32_t seed);

/* -------------------------------------------------------------------- uuid */

typedef struct ko_uuid {
    uint8_t b[16];
} ko_uuid;

enum { KO_UUID_STR_LEN = 36 };

/* A random (version 4) UUID from the system's entropy source. */
ko_uuid ko_uuid_random(void);
/* Lowercase canonical form; out must hold KO_UUID_STR_LEN + 1 bytes. */
void ko_uuid_format(const ko_uuid *u, char out[KO_UUID_STR_LEN + 1]);
ko_status ko_uuid_parse(const char *s, ko_uuid *out, ko_err *err);

/* ------------------------------------------------------------- thread pool */

typedef struct ko_pool ko_pool;
typedef void (*ko_task_fn)(void *arg);

/* Number of online CPUs (at least 1). */
int ko_cpu_count(void);

/* Starts n worker threads (n <= 0 means ko_cpu_count()). */
ko_status ko_pool_create(int nthreads, ko_pool **out, ko_err *err);
int ko_pool_size(const ko_pool *p);
/* Queues fn(arg); fails only when out of memory. */
KO_NODISCARD ko_status ko_pool_submit(ko_pool *p, ko_task_fn fn, void *arg);
/* Blocks until every task submitted so far has finished. */
void ko_pool_wait(ko_pool *p);
/* Runs fn(arg, i) for i in [0, n) on the pool and waits; the calling thread
 * helps.  With p == NULL runs serially. */
void ko_pool_for(ko_pool *p, size_t n, void (*fn)(void *arg, size_t i), void *arg);
/* Finishes queued tasks, joins the threads and frees the pool. */
void ko_pool_destroy(ko_pool *p);

#endif /* KO_BASE_H */
