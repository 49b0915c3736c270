/*
 * store.h - one object-store interface over a local directory, S3 and GCS.
 *
 * A store holds immutable objects under keys ("a/b/c.parquet").  Keys are
 * relative, '/'-separated, at most KO_STORE_KEY_MAX bytes, with no empty, "."
 * or ".." segment, no backslash, no control character and no leading '/';
 * every operation refuses any other key with KO_ERR_INVALID, so no key can
 * escape a local store's root.
 *
 * Backends implement ko_store_ops; callers use the ko_store_* functions,
 * which validate keys, check that reads returned what the backend promised
 * (a short read is KO_ERR_IO, never silent) and prefix every error with the
 * object's URI.  A store is safe to use from several threads at once.
 *
 *   local   a directory (the default); puts are durable and atomic: temp
 *           file in the same directory, fsync, rename (or link for
 *           put-if-absent), fsync of the directory.
 *   s3      s3://bucket/prefix and gs://bucket/prefix over libcurl with SigV4,
 *           retries with backoff, multipart upload for large objects.
 *   faulty  a wrapper for tests that injects failures, short reads, latency.
 */
#ifndef KO_STORE_H
#define KO_STORE_H

#include "base/base.h"

enum { KO_STORE_KEY_MAX = 1024 };

/* Length argument of ko_store_get_range meaning "to the end of the object". */
#define KO_STORE_TO_END UINT64_MAX

typedef enum ko_put_flags {
    KO_PUT_OVERWRITE = 0,
    KO_PUT_IF_ABSENT = 1, /* fail with KO_ERR_EXISTS if the key exists */
} ko_put_flags;

typedef struct ko_obj_info {
    uint64_t size;
    int64_t mtime_us;
    char etag[80]; /* opaque; changes when the object changes */
} ko_obj_info;

typedef struct ko_list_entry {
    char *key; /* full key, including the listed prefix */
    uint64_t size;
    int64_t mtime_us;
} ko_list_entry;

/* One page of a listing, in lexical (byte) order of keys.  next_token is NULL
 * on the last page; pass it back to get the next one.  Owned by the page:
 * release with ko_list_page_free. */
typedef struct ko_list_page {
    ko_list_entry *entries;
    size_t count;
    char *next_token;
} ko_list_page;

void ko_list_page_free(ko_list_page *page);

typedef struct ko_store ko_store;
typedef struct ko_store_writer ko_store_writer;

/* The backend contract.  Keys are already validated.  get appends the bytes
 * of [off, off+len) (clamped to the object) to out and fills info with the
 * whole object's size.  Errors name the key; the dispatcher adds the URI. */
typedef struct ko_store_ops {
    const char *name;
    ko_status (*get)(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                     ko_obj_info *info, ko_err *err);
    ko_status (*put)(ko_store *s, const char *key, const void *data, size_t n, ko_put_flags flags,
                     ko_err *err);
    ko_status (*head)(ko_store *s, const char *key, ko_obj_info *info, ko_err *err);
    ko_status (*list)(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                      ko_list_page *page, ko_err *err);
    ko_status (*del)(ko_store *s, const char *key, ko_err *err);
    ko_status (*writer_open)(ko_store *s, const char *key, ko_put_flags flags,
                             ko_store_writer **out, ko_err *err);
    ko_status (*writer_write)(ko_store_writer *w, const void *data, size_t n, ko_err *err);
    ko_status (*writer_commit)(ko_store_writer *w, ko_err *err); /* frees w */
    void (*writer_abort)(ko_store_writer *w);                    /* frees w */
    void (*close)(ko_store *s);
    /* Optional (NULL: the backend leaves no temporary files). */
    ko_status (*remove_temps)(ko_store *s, const char *prefix, int64_t before_us, size_t *n,
                              uint64_t *bytes, ko_err *err);
} ko_store_ops;

/* Every backend's store struct starts with this header. */
struct ko_store {
    const ko_store_ops *ops;
    char *uri; /* "file:///abs/root", "s3://bucket/prefix", ... */
};

/* Every backend's writer struct starts with this header. */
struct ko_store_writer {
    ko_store *store;
    char *key;
    uint64_t written;
};

/* Options for opening a store; zero-initialised means defaults, and unset
 * fields are taken from the environment (see ko_store_open). */
typedef struct ko_store_options {
    const char *endpoint;      /* http(s)://host:port; S3_ENDPOINT / AWS_ENDPOINT_URL */
    const char *region;        /* AWS_REGION / AWS_DEFAULT_REGION, else us-east-1 */
    const char *access_key;    /* AWS_ACCESS_KEY_ID (GS_ACCESS_KEY_ID for gs://) */
    const char *secret_key;    /* AWS_SECRET_ACCESS_KEY (GS_SECRET_ACCESS_KEY) */
    const char *session_token; /* AWS_SESSION_TOKEN */
    int path_style; /* 0 unset (KO_S3_PATH_STYLE, else path-style with an endpoint), 1 path-style, 2
                       virtual-hosted */
    int max_attempts;    /* per request, including the first; default 5 */
    int64_t deadline_ms; /* per request including retries; default 60000 */
    int64_t connect_timeout_ms;
    int64_t io_timeout_ms;       /* abort a transfer stalled this long */
    size_t multipart_part_size;  /* default 8 MiB, at least 5 MiB */
    int64_t retry_base_delay_ms; /* first backoff; default 100 */
} ko_store_options;

/* Opens the store named by uri: a path or file:// URI (local, created if
 * missing), s3://bucket[/prefix] or gs://bucket[/prefix].  opts may be NULL. */
ko_status ko_store_open(const char *uri, const ko_store_options *opts, ko_store **out, ko_err *err);
void ko_store_close(ko_store *s);
const char *ko_store_uri(const ko_store *s);

/* Splits an object URI ("s3://b/p/k", "/tmp/x/k", "file:///tmp/x/k") into a
 * store opened at its root ("s3://b", "file:///") and the key ("p/k"; empty
 * for "s3://b", which suits listing). */
ko_status ko_store_open_object(const char *uri, const ko_store_options *opts, ko_store **out,
                               char **key, ko_err *err);

/* Checks a key against the rules above; len lets callers pass keys that came
 * from the network with embedded NUL bytes. */
ko_status ko_store_key_check(const char *key, size_t len, ko_err *err);

/* Reads the whole object into out (appending). */
ko_status ko_store_get(ko_store *s, const char *key, ko_buf *out, ko_err *err);
/* Reads [off, off+len) into out; len may be KO_STORE_TO_END.  Asking past the
 * end returns the bytes that exist; off beyond the size is KO_ERR_INVALID. */
ko_status ko_store_get_range(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                             ko_err *err);
ko_status ko_store_put(ko_store *s, const char *key, const void *data, size_t n, ko_put_flags flags,
                       ko_err *err);
ko_status ko_store_head(ko_store *s, const char *key, ko_obj_info *info, ko_err *err);
/* Lists keys starting with prefix ("" for all), after token, at most max_keys
 * (0 means 1000). */
ko_status ko_store_list(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                        ko_list_page *page, ko_err *err);
/* Deletes key; deleting a missing key succeeds (as on S3). */
ko_status ko_store_delete(ko_store *s, const char *key, ko_err *err);

/* Deletes the temporary files a killed writer left under prefix (the local
 * backend's ".ko-tmp-*", which are not keys and never listed) that were
 * last modified before before_us; adds their number and size to *n and
 * *bytes.  A backend without temporary files has nothing to do. */
ko_status ko_store_remove_temps(ko_store *s, const char *prefix, int64_t before_us, size_t *n,
                                uint64_t *bytes, ko_err *err);

/* Streaming put for large objects: nothing is visible under key until
 * commit succeeds; abort (or a failed commit) leaves nothing behind. */
ko_status ko_store_writer_open(ko_store *s, const char *key, ko_put_flags flags,
                               ko_store_writer **out, ko_err *err);
ko_status ko_store_writer_write(ko_store_writer *w, const void *data, size_t n, ko_err *err);
ko_status ko_store_writer_commit(ko_store_writer *w, ko_err *err);
void ko_store_writer_abort(ko_store_writer *w);

/* ------------------------------------------------------------- backends */

ko_status ko_store_local_open(const char *root, ko_store **out, ko_err *err);

/* uri is "s3://bucket[/prefix]" or "gs://bucket[/prefix]". */
ko_status ko_store_s3_open(const char *uri, const ko_store_options *opts, ko_store **out,
                           ko_err *err);

/* Fault injection for tests.  Calls are counted across all operations
 * (get, put, head, list, del, writer_open, writer_write, writer_commit),
 * starting at 1. */
typedef struct ko_fault_plan {
    int fail_at;           /* first call to fail; 0 = never */
    int fail_count;        /* consecutive calls to fail from fail_at; 0 = 1 */
    ko_status fail_status; /* status of the injected failure */
    size_t short_read;     /* > 0: gets return at most this many bytes */
    int64_t latency_us;    /* added before every call */
} ko_fault_plan;

/* Wraps inner (and takes ownership of it). */
ko_status ko_store_faulty_open(ko_store *inner, const ko_fault_plan *plan, ko_store **out,
                               ko_err *err);
/* Number of calls the wrapper has seen. */
int ko_store_faulty_calls(const ko_store *s);

#endif /* KO_STORE_H */
