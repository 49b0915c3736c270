/*
 * store.c - the object-store front door.
 *
 * Every caller goes through these functions rather than through a backend's
 * ops, so that the rules hold for every backend alike: keys are checked
 * before any backend sees them, a read that returns fewer bytes than the
 * object holds is an error (never silently truncated data), and every error
 * message starts with the URI of the object it is about.
 */
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DEFAULT_LIST_MAX = 1000 };

void ko_list_page_free(ko_list_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->count; i++)
        free(page->entries[i].key);
    free(page->entries);
    free(page->next_token);
    memset(page, 0, sizeof *page);
}

/* ----------------------------------------------------------------- keys */

static bool segment_ok(const char *seg, size_t n)
{
    if (n == 0)
        return false;
    if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
        return false;
    /* Temporary files of the local backend are never valid keys. */
    return !(n >= 7 && memcmp(seg, ".ko-tmp", 7) == 0);
}

ko_status ko_store_key_check(const char *key, size_t len, ko_err *err)
{
    if (len == 0)
        return ko_err_set(err, KO_ERR_INVALID, "empty key");
    if (len > KO_STORE_KEY_MAX)
        return ko_err_set(err, KO_ERR_INVALID, "key longer than %d bytes", KO_STORE_KEY_MAX);
    if (key[0] == '/')
        return ko_err_set(err, KO_ERR_INVALID, "key '%.*s' is absolute", (int)len, key);
    size_t seg_start = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = i < len ? (unsigned char)key[i] : '/';
        if (c == '\0')
            return ko_err_set(err, KO_ERR_INVALID, "key contains a NUL byte at offset %zu", i);
        if (c < 0x20 || c == 0x7f)
            return ko_err_set(err, KO_ERR_INVALID,
                              "key contains control character 0x%02x at offset %zu", c, i);
        if (c == '\\')
            return ko_err_set(err, KO_ERR_INVALID, "key '%.*s' contains a backslash", (int)len,
                              key);
        if (c != '/')
            continue;
        if (!segment_ok(key + seg_start, i - seg_start))
            return ko_err_set(err, KO_ERR_INVALID,
                              "key '%.*s' has an empty, '.', '..' or reserved path segment",
                              (int)len, key);
        seg_start = i + 1;
    }
    return KO_OK;
}

static ko_status check_key(const ko_store *s, const char *key, ko_err *err)
{
    if (!key)
        return ko_err_set(err, KO_ERR_INVALID, "%s: missing key", s->uri);
    ko_status st = ko_store_key_check(key, strlen(key), err);
    if (st != KO_OK)
        ko_err_prefix(err, "%s", s->uri);
    return st;
}

/* Adds "<store uri>/<key>: " unless the backend already named the store. */
static ko_status with_uri(const ko_store *s, const char *key, ko_status st, ko_err *err)
{
    if (st == KO_OK || !err)
        return st;
    if (strncmp(err->msg, s->uri, strlen(s->uri)) != 0)
        ko_err_prefix(err, "%s/%s", s->uri, key ? key : "");
    return st;
}

/* ------------------------------------------------------------ open, close */

static bool has_scheme(const char *uri, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncmp(uri, scheme, n) == 0 && strncmp(uri + n, "://", 3) == 0;
}

ko_status ko_store_open(const char *uri, const ko_store_options *opts, ko_store **out, ko_err *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return ko_err_set(err, KO_ERR_INVALID, "empty store URI");
    if (has_scheme(uri, "s3") || has_scheme(uri, "gs"))
        return ko_store_s3_open(uri, opts, out, err);
    if (has_scheme(uri, "file"))
        return ko_store_local_open(uri + strlen("file://"), out, err);
    if (strstr(uri, "://"))
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "store URI '%s': unknown scheme (use a path, file://, s3:// or gs://)",
                          uri);
    return ko_store_local_open(uri, out, err);
}

void ko_store_close(ko_store *s)
{
    if (s)
        s->ops->close(s);
}

const char *ko_store_uri(const ko_store *s)
{
    return s->uri;
}

/* Splits "scheme://bucket/key" at the first '/' after the bucket. */
static ko_status split_bucket_uri(const char *uri, char **root, char **key, ko_err *err)
{
    const char *bucket = strstr(uri, "://") + 3;
    const char *slash = strchr(bucket, '/');
    if (slash == bucket || !*bucket)
        return ko_err_set(err, KO_ERR_INVALID, "object URI '%s' names no bucket", uri);
    size_t root_len = slash ? (size_t)(slash - uri) : strlen(uri);
    *root = strndup(uri, root_len);
    *key = strdup(slash ? slash + 1 : "");
    return KO_OK;
}

/* A local path becomes the root "/" and the absolute path without its '/'. */
static ko_status split_local_path(const char *path, char **root, char **key, ko_err *err)
{
    char *abs = NULL;
    if (path[0] == '/') {
        abs = strdup(path);
    } else {
        char *cwd = getcwd(NULL, 0);
        if (!cwd)
            return ko_err_errno(err, errno, "getcwd");
        if (asprintf(&abs, "%s/%s", cwd, path) < 0)
            abs = NULL;
        free(cwd);
    }
    if (!abs)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    const char *k = abs;
    while (*k == '/')
        k++;
    *root = strdup("/");
    *key = strdup(k);
    free(abs);
    return KO_OK;
}

ko_status ko_store_open_object(const char *uri, const ko_store_options *opts, ko_store **out,
                               char **key, ko_err *err)
{
    *out = NULL;
    *key = NULL;
    if (!uri || !*uri)
        return ko_err_set(err, KO_ERR_INVALID, "empty object URI");
    char *root = NULL;
    ko_status st;
    if (has_scheme(uri, "s3") || has_scheme(uri, "gs"))
        st = split_bucket_uri(uri, &root, key, err);
    else if (has_scheme(uri, "file"))
        st = split_local_path(uri + strlen("file://"), &root, key, err);
    else if (strstr(uri, "://"))
        st = ko_err_set(err, KO_ERR_UNSUPPORTED, "object URI '%s': unknown scheme", uri);
    else
        st = split_local_path(uri, &root, key, err);
    if (st == KO_OK && (!root || !*key))
        st = ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    if (st == KO_OK)
        st = ko_store_open(root, opts, out, err);
    free(root);
    if (st != KO_OK) {
        free(*key);
        *key = NULL;
    }
    return st;
}

/* ------------------------------------------------------------- operations */

ko_status ko_store_get(ko_store *s, const char *key, ko_buf *out, ko_err *err)
{
    return ko_store_get_range(s, key, 0, KO_STORE_TO_END, out, err);
}

ko_status ko_store_get_range(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                             ko_err *err)
{
    ko_status st = check_key(s, key, err);
    if (st != KO_OK)
        return st;
    size_t before = out->len;
    ko_obj_info info = {0};
    st = s->ops->get(s, key, off, len, out, &info, err);
    if (st != KO_OK)
        return with_uri(s, key, st, err);
    if (off > info.size) {
        out->len = before;
        return ko_err_set(err, KO_ERR_INVALID, "%s/%s: offset %llu is beyond the size %llu", s->uri,
                          key, (unsigned long long)off, (unsigned long long)info.size);
    }
    uint64_t avail = info.size - off;
    uint64_t expected = len < avail ? len : avail;
    uint64_t got = out->len - before;
    if (got != expected) {
        out->len = before;
        return ko_err_set(
            err, KO_ERR_IO, "%s/%s: short read: got %llu of %llu bytes at offset %llu", s->uri, key,
            (unsigned long long)got, (unsigned long long)expected, (unsigned long long)off);
    }
    return KO_OK;
}

ko_status ko_store_put(ko_store *s, const char *key, const void *data, size_t n, ko_put_flags flags,
                       ko_err *err)
{
    ko_status st = check_key(s, key, err);
    if (st == KO_OK)
        st = with_uri(s, key, s->ops->put(s, key, data, n, flags, err), err);
    return st;
}

ko_status ko_store_head(ko_store *s, const char *key, ko_obj_info *info, ko_err *err)
{
    memset(info, 0, sizeof *info);
    ko_status st = check_key(s, key, err);
    if (st == KO_OK)
        st = with_uri(s, key, s->ops->head(s, key, info, err), err);
    return st;
}

static ko_status check_prefix(const ko_store *s, const char *prefix, ko_err *err)
{
    if (strstr(prefix, "..") || strchr(prefix, '\\') || prefix[0] == '/')
        return ko_err_set(err, KO_ERR_INVALID, "%s: list prefix '%s' is not allowed", s->uri,
                          prefix);
    return KO_OK;
}

ko_status ko_store_remove_temps(ko_store *s, const char *prefix, int64_t before_us, size_t *n,
                                uint64_t *bytes, ko_err *err)
{
    prefix = prefix ? prefix : "";
    ko_status st = check_prefix(s, prefix, err);
    if (st != KO_OK || !s->ops->remove_temps)
        return st;
    st = s->ops->remove_temps(s, prefix, before_us, n, bytes, err);
    return with_uri(s, prefix, st, err);
}

ko_status ko_store_list(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                        ko_list_page *page, ko_err *err)
{
    memset(page, 0, sizeof *page);
    if (!prefix)
        prefix = "";
    ko_status st = check_prefix(s, prefix, err);
    if (st != KO_OK)
        return st;
    st = s->ops->list(s, prefix, token && *token ? token : NULL,
                      max_keys ? max_keys : DEFAULT_LIST_MAX, page, err);
    if (st != KO_OK) {
        ko_list_page_free(page);
        return with_uri(s, prefix, st, err);
    }
    return KO_OK;
}

ko_status ko_store_delete(ko_store *s, const char *key, ko_err *err)
{
    ko_status st = check_key(s, key, err);
    if (st == KO_OK)
        st = with_uri(s, key, s->ops->del(s, key, err), err);
    return st;
}

ko_status ko_store_writer_open(ko_store *s, const char *key, ko_put_flags flags,
                               ko_store_writer **out, ko_err *err)
{
    *out = NULL;
    ko_status st = check_key(s, key, err);
    if (st == KO_OK)
        st = with_uri(s, key, s->ops->writer_open(s, key, flags, out, err), err);
    return st;
}

ko_status ko_store_writer_write(ko_store_writer *w, const void *data, size_t n, ko_err *err)
{
    ko_status st = w->store->ops->writer_write(w, data, n, err);
    if (st == KO_OK)
        w->written += n;
    return with_uri(w->store, w->key, st, err);
}

ko_status ko_store_writer_commit(ko_store_writer *w, ko_err *err)
{
    ko_store *s = w->store;
    /* The writer is freed by commit: keep the key for the message. */
    char key[KO_STORE_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s", w->key);
    return with_uri(s, key, s->ops->writer_commit(w, err), err);
}

void ko_store_writer_abort(ko_store_writer *w)
{
    if (w)
        w->store->ops->writer_abort(w);
}
