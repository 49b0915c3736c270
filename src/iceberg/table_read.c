/*
 * table_read.c - opening an Iceberg table for reading from its directory.
 *
 * A table is found by location alone, the way path-based readers do it:
 * <location>/metadata/version-hint.text names the current version ("5",
 * meaning v5.metadata.json, or a file name); without it the highest
 * vN.metadata.json (or NNNNN-<uuid>.metadata.json) in the metadata
 * directory wins; a caller may also name the metadata file.
 *
 * Tables are often copied or moved: their metadata then names locations
 * under the old table location ("s3a://bucket/t/data/x.parquet").  Every
 * recorded location goes through ko_ice_dir_resolve, which re-roots a
 * path under the recorded location beneath the actual one, takes relative
 * paths from the actual location, and opens any other absolute URI as it
 * is (s3a and s3n read as s3).  Stores opened for such URIs are kept in
 * the table until it is closed.
 *
 * Local locations are made absolute and normalised lexically ("a/../b"
 * becomes "b") because store keys may not contain "." or "..".
 */
#include "iceberg/iceberg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_EXTRA_STORES = 16 };

typedef struct extra_store {
    char *root; /* the URI the store was opened at ("s3://bucket") */
    ko_store *store;
} extra_store;

struct ko_ice_dir {
    ko_arena arena;
    ko_store_options opts;
    bool has_opts;
    ko_store *store;       /* opened at the table's root ("file:///", "s3://b") */
    const char *prefix;    /* key of the table directory in store */
    const char *location;  /* actual location, normalised */
    const char *recorded;  /* meta.location without trailing '/' */
    const char *meta_file; /* URI of the metadata file read */
    ko_ice_table_meta meta;
    extra_store extra[MAX_EXTRA_STORES];
    size_t n_extra;
};

static ko_status nomem(ko_err *err)
{
    return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening an Iceberg table");
}

/* ------------------------------------------------------------ paths */

static bool has_scheme(const char *s)
{
    const char *p = strstr(s, "://");
    if (!p || p == s)
        return false;
    for (const char *q = s; q < p; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              *q == '+' || *q == '-' || *q == '.'))
            return false;
    return true;
}

/* Normalises an absolute path in place: no empty, "." or ".." segments,
 * no trailing slash (except for "/"). */
static void normalize_abs(char *path)
{
    char *out = path;
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* "file:///abs/dir" for a local path or file:// URI; other URIs without
 * their trailing slashes (s3a/s3n become s3). */
static ko_status normalize_location(const char *loc, ko_arena *arena, const char **out, ko_err *err)
{
    char *s = NULL;
    if (strncmp(loc, "s3a://", 6) == 0 || strncmp(loc, "s3n://", 6) == 0) {
        s = ko_arena_sprintf(arena, "s3://%s", loc + 6);
    } else if (has_scheme(loc) && strncmp(loc, "file://", 7) != 0) {
        s = ko_arena_strdup(arena, loc);
    } else {
        const char *path = strncmp(loc, "file://", 7) == 0 ? loc + 7 : loc;
        char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0);
        if (path[0] != '/' && !cwd)
            return ko_err_errno(err, errno, "getcwd");
        char *abs =
            cwd ? ko_arena_sprintf(arena, "%s/%s", cwd, path) : ko_arena_strdup(arena, path);
        free(cwd);
        if (abs)
            normalize_abs(abs);
        s = abs ? ko_arena_sprintf(arena, "file://%s", abs) : NULL;
    }
    size_t n = s ? strlen(s) : 0;
    while (n > 1 && s[n - 1] == '/' && s[n - 2] != '/')
        s[--n] = '\0';
    *out = s;
    return s ? KO_OK : nomem(err);
}

/* Joins a key prefix and a relative path, dropping empty segments. */
static char *join_key(ko_arena *arena, const char *prefix, const char *rel)
{
    while (*rel == '/')
        rel++;
    char *s = *prefix ? ko_arena_sprintf(arena, "%s/%s", prefix, rel) : ko_arena_strdup(arena, rel);
    if (!s)
        return NULL;
    char *o = s;
    for (const char *p = s; *p; p++)
        if (!(*p == '/' && (o == s || o[-1] == '/')))
            *o++ = *p;
    while (o > s && o[-1] == '/')
        o--;
    *o = '\0';
    return s;
}

/* The part of path after prefix + "/", or NULL when path is not under it. */
static const char *under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (!n || strncmp(path, prefix, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return NULL;
    return path + n;
}

/* ------------------------------------------------------------ stores */

static ko_status extra_store_for(ko_ice_dir *t, const char *uri, ko_store **store, char **key,
                                 ko_err *err)
{
    const ko_store_options *o = t->has_opts ? &t->opts : NULL;
    ko_store *s = NULL;
    ko_status st = ko_store_open_object(uri, o, &s, key, err);
    if (st != KO_OK)
        return st;
    for (size_t i = 0; i < t->n_extra; i++)
        if (strcmp(t->extra[i].root, ko_store_uri(s)) == 0) {
            ko_store_close(s);
            *store = t->extra[i].store;
            return KO_OK;
        }
    if (t->n_extra == MAX_EXTRA_STORES) {
        ko_store_close(s);
        free(*key);
        *key = NULL;
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "%s: too many different stores in one table",
                          uri);
    }
    t->extra[t->n_extra].root = strdup(ko_store_uri(s));
    t->extra[t->n_extra].store = s;
    if (!t->extra[t->n_extra].root) {
        ko_store_close(s);
        free(*key);
        *key = NULL;
        return nomem(err);
    }
    t->n_extra++;
    *store = s;
    return KO_OK;
}

ko_status ko_ice_dir_resolve(ko_ice_dir *t, const char *recorded, ko_arena *arena, ko_store **store,
                             const char **key, ko_err *err)
{
    if (!recorded || !*recorded)
        return ko_err_set(err, KO_ERR_CORRUPT, "%s: an empty file location", t->meta_file);
    const char *rel = t->recorded ? under(recorded, t->recorded) : NULL;
    if (!rel)
        rel = under(recorded, t->location);
    if (!rel && !has_scheme(recorded) && recorded[0] != '/')
        rel = recorded;
    if (rel) {
        *store = t->store;
        *key = join_key(arena, t->prefix, rel);
        return *key ? KO_OK : nomem(err);
    }
    const char *uri = recorded;
    if (strncmp(uri, "s3a://", 6) == 0 || strncmp(uri, "s3n://", 6) == 0)
        uri = ko_arena_sprintf(arena, "s3://%s", recorded + 6);
    char *k = NULL;
    ko_status st = uri ? extra_store_for(t, uri, store, &k, err) : nomem(err);
    if (st != KO_OK)
        return st;
    *key = ko_arena_strdup(arena, k);
    free(k);
    return *key ? KO_OK : nomem(err);
}

ko_status ko_ice_dir_read(ko_ice_dir *t, const char *recorded, ko_buf *out, ko_err *err)
{
    ko_arena a = {0};
    ko_store *s = NULL;
    const char *key = NULL;
    ko_status st = ko_ice_dir_resolve(t, recorded, &a, &s, &key, err);
    if (st == KO_OK)
        st = ko_store_get(s, key, out, err);
    ko_arena_free(&a);
    return st;
}

/* ------------------------------------------------- finding metadata */

/* The version number of a metadata file name: "v12.metadata.json" -> 12,
 * "00012-<uuid>.metadata.json" -> 12; -1 for other names. */
static long long metadata_version(const char *name)
{
    size_t n = strlen(name);
    const char *suffix = ".metadata.json";
    if (n <= strlen(suffix) || strcmp(name + n - strlen(suffix), suffix) != 0)
        return -1;
    const char *p = name[0] == 'v' ? name + 1 : name;
    char *end = NULL;
    if (*p < '0' || *p > '9')
        return -1;
    long long v = strtoll(p, &end, 10);
    if (name[0] == 'v' ? strcmp(end, suffix) != 0 : *end != '-')
        return -1;
    return v;
}

/* The highest-numbered metadata file in <prefix>/metadata/, or NULL. */
static ko_status latest_metadata(ko_ice_dir *t, const char **out, ko_err *err)
{
    const char *dir = join_key(&t->arena, t->prefix, "metadata/");
    char *dir_slash = dir ? ko_arena_sprintf(&t->arena, "%s/", dir) : NULL;
    char *token = NULL;
    long long best = -1;
    ko_status st = dir_slash ? KO_OK : nomem(err);
    *out = NULL;
    do {
        ko_list_page page = {0};
        st = st == KO_OK ? ko_store_list(t->store, dir_slash, token, 0, &page, err) : st;
        free(token);
        token = NULL;
        for (size_t i = 0; st == KO_OK && i < page.count; i++) {
            const char *name = page.entries[i].key + strlen(dir_slash);
            long long v = strchr(name, '/') ? -1 : metadata_version(name);
            if (v > best) {
                best = v;
                *out = ko_arena_strdup(&t->arena, page.entries[i].key);
            }
        }
        if (st == KO_OK && page.next_token)
            token = strdup(page.next_token);
        ko_list_page_free(&page);
    } while (st == KO_OK && token);
    free(token);
    return st;
}

/* The file version-hint.text points at, or NULL without a usable hint. */
static const char *hinted_metadata(ko_ice_dir *t)
{
    ko_buf b = {0};
    const char *key = join_key(&t->arena, t->prefix, "metadata/version-hint.text");
    const char *out = NULL;
    if (key && ko_store_get(t->store, key, &b, NULL) == KO_OK && b.len < 512) {
        char *s = ko_arena_strndup(&t->arena, (const char *)b.data, b.len);
        size_t n = s ? strlen(s) : 0;
        while (s && n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
            s[--n] = '\0';
        bool digits = n > 0 && strspn(s, "0123456789") == n;
        if (digits)
            out = ko_arena_sprintf(&t->arena, "%s/metadata/v%s.metadata.json", t->prefix, s);
        else if (n && !strchr(s, '/'))
            out = ko_arena_sprintf(&t->arena, "%s/metadata/%s", t->prefix, s);
    }
    ko_buf_free(&b);
    if (out && ko_store_head(t->store, out, &(ko_obj_info){0}, NULL) != KO_OK)
        out = NULL;
    return out;
}

static ko_status read_named(ko_ice_dir *t, const char *name, ko_buf *out, ko_err *err)
{
    if (has_scheme(name) || name[0] == '/') {
        t->meta_file = ko_arena_strdup(&t->arena, name);
        return ko_ice_dir_read(t, name, out, err);
    }
    const char *key = strchr(name, '/')
                          ? join_key(&t->arena, t->prefix, name)
                          : ko_arena_sprintf(&t->arena, "%s/metadata/%s", t->prefix, name);
    if (!key)
        return nomem(err);
    t->meta_file = ko_arena_sprintf(&t->arena, "%s/%s", ko_store_uri(t->store), key);
    return ko_store_get(t->store, key, out, err);
}

static ko_status read_metadata(ko_ice_dir *t, const char *name, ko_buf *out, ko_err *err)
{
    if (name)
        return read_named(t, name, out, err);
    const char *key = hinted_metadata(t);
    ko_status st = KO_OK;
    if (!key)
        st = latest_metadata(t, &key, err);
    if (st == KO_OK && !key)
        return ko_err_set(err, KO_ERR_NOT_FOUND,
                          "%s: no Iceberg metadata (no metadata/version-hint.text and no "
                          "metadata/*.metadata.json)",
                          t->location);
    if (st != KO_OK)
        return st;
    t->meta_file = ko_arena_sprintf(&t->arena, "%s/%s", ko_store_uri(t->store), key);
    return ko_store_get(t->store, key, out, err);
}

/* ------------------------------------------------------------ open */

static ko_status open_store(ko_ice_dir *t, ko_err *err)
{
    char *key = NULL;
    ko_status st =
        ko_store_open_object(t->location, t->has_opts ? &t->opts : NULL, &t->store, &key, err);
    if (st != KO_OK)
        return st;
    t->prefix = ko_arena_strdup(&t->arena, key);
    free(key);
    return t->prefix ? KO_OK : nomem(err);
}

static char *strip_slashes(ko_arena *arena, const char *s)
{
    char *c = ko_arena_strdup(arena, s);
    size_t n = c ? strlen(c) : 0;
    while (n > 1 && c[n - 1] == '/')
        c[--n] = '\0';
    return c;
}

ko_status ko_ice_dir_open(const char *location, const char *metadata_name,
                          const ko_store_options *opts, ko_ice_dir **out, ko_err *err)
{
    *out = NULL;
    if (!location || !*location)
        return ko_err_set(err, KO_ERR_INVALID, "an empty table location");
    ko_ice_dir *t = calloc(1, sizeof *t);
    if (!t)
        return nomem(err);
    if (opts) {
        t->opts = *opts;
        t->has_opts = true;
    }
    ko_buf text = {0};
    ko_status st = normalize_location(location, &t->arena, &t->location, err);
    if (st == KO_OK)
        st = open_store(t, err);
    if (st == KO_OK)
        st = read_metadata(t, metadata_name, &text, err);
    if (st == KO_OK) {
        st = ko_ice_meta_parse((const char *)text.data, text.len, &t->arena, &t->meta, err);
        if (st != KO_OK)
            ko_err_prefix(err, "%s", t->meta_file);
    }
    if (st == KO_OK)
        t->recorded = strip_slashes(&t->arena, t->meta.location);
    ko_buf_free(&text);
    if (st != KO_OK) {
        ko_ice_dir_close(t);
        return st;
    }
    *out = t;
    return KO_OK;
}

void ko_ice_dir_close(ko_ice_dir *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_extra; i++) {
        ko_store_close(t->extra[i].store);
        free(t->extra[i].root);
    }
    ko_store_close(t->store);
    ko_arena_free(&t->arena);
    free(t);
}

const ko_ice_table_meta *ko_ice_dir_meta(const ko_ice_dir *t)
{
    return &t->meta;
}

const char *ko_ice_dir_metadata_file(const ko_ice_dir *t)
{
    return t->meta_file;
}

const char *ko_ice_dir_location(const ko_ice_dir *t)
{
    return t->location;
}

/* ------------------------------------------------------- snapshots */

static ko_status by_time(const ko_ice_table_meta *m, int64_t ts, const ko_ice_snapshot **out,
                         ko_err *err)
{
    int64_t best_ts = INT64_MIN, best = -1;
    for (uint32_t i = 0; i < m->n_snapshot_log; i++) {
        const ko_ice_snapshot_log_entry *e = &m->snapshot_log[i];
        if (e->timestamp_ms <= ts && e->timestamp_ms >= best_ts) {
            best_ts = e->timestamp_ms;
            best = e->snapshot_id;
        }
    }
    for (uint32_t i = 0; !m->n_snapshot_log && i < m->n_snapshots; i++) {
        const ko_ice_snapshot *s = &m->snapshots[i];
        if (s->timestamp_ms <= ts && s->timestamp_ms >= best_ts) {
            best_ts = s->timestamp_ms;
            best = s->snapshot_id;
        }
    }
    if (best < 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "no snapshot at or before %lld ms", (long long)ts);
    *out = ko_ice_meta_snapshot(m, best);
    if (!*out)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "snapshot %lld (current at %lld ms) has expired",
                          (long long)best, (long long)ts);
    return KO_OK;
}

ko_status ko_ice_select_snapshot(const ko_ice_table_meta *m, const ko_ice_snapshot_sel *sel,
                                 const ko_ice_snapshot **out, ko_err *err)
{
    *out = NULL;
    if (sel && sel->snapshot_id >= 0) {
        *out = ko_ice_meta_snapshot(m, sel->snapshot_id);
        return *out ? KO_OK
                    : ko_err_set(err, KO_ERR_NOT_FOUND, "no snapshot %lld in the table",
                                 (long long)sel->snapshot_id);
    }
    if (sel && sel->ref) {
        const ko_ice_ref *r = ko_ice_meta_ref(m, sel->ref);
        if (!r)
            return ko_err_set(err, KO_ERR_NOT_FOUND, "no branch or tag '%s'", sel->ref);
        *out = ko_ice_meta_snapshot(m, r->snapshot_id);
        return *out ? KO_OK
                    : ko_err_set(err, KO_ERR_CORRUPT, "ref '%s' names missing snapshot %lld",
                                 sel->ref, (long long)r->snapshot_id);
    }
    if (sel && sel->has_as_of)
        return by_time(m, sel->as_of_ms, out, err);
    *out = ko_ice_meta_current_snapshot(m);
    return KO_OK;
}
