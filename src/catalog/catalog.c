/*
 * catalog.c - opening a catalog, running transactions, names and tokens.
 *
 * ko_cat_open picks the driver from the URI's scheme, connects, and brings
 * the schema to KO_CAT_SCHEMA_VERSION in one serialised transaction (each
 * driver's migrations[] lists the DDL per version; ko_schema_version holds
 * the version reached).
 *
 * Every public call runs through cat_run: take the handle's mutex, begin a
 * database transaction, (for writes) lock and read the audit head, run the
 * call's body, commit.  If any step fails with an error the driver marks
 * transient (busy, serialization failure, lost connection), the transaction
 * is rolled back and the whole body runs again after a jittered exponential
 * backoff, so the body never sees a half-applied state and the caller never
 * sees a transient error unless every attempt failed.  Bodies allocate
 * their temporary strings and rows in the handle's scratch arena, freed
 * when the call ends.
 *
 * Namespaces are stored under a key made of their parts joined by 0x1F, a
 * byte no part may contain: the children of a namespace are the keys with
 * its key as parent, and byte order of keys is name order.  Page tokens are
 * the hex of the last name on a page, so they are opaque and URL-safe.
 */
#include "catalog/cat_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char NS_SEP = '\x1f';

/* --------------------------------------------------------------------- URI */

/* Appends uri to b with the password of its user info ("user:pw@host")
 * and of any "password=" parameter replaced by "***". */
static ko_status redact_into(const char *uri, ko_buf *b)
{
    const char *auth = strstr(uri, "://");
    auth = auth ? auth + 3 : uri;
    size_t alen = strcspn(auth, "/?");
    const char *at = memchr(auth, '@', alen);
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    const char *rest = uri;
    ko_status s = KO_OK;
    if (colon) {
        s = ko_buf_append(b, uri, (size_t)(colon + 1 - uri));
        if (s == KO_OK)
            s = ko_buf_append_str(b, "***");
        rest = at;
    }
    const char *pw = strstr(rest, "password=");
    if (s == KO_OK && pw) {
        pw += strlen("password=");
        s = ko_buf_append(b, rest, (size_t)(pw - rest));
        if (s == KO_OK)
            s = ko_buf_append_str(b, "***");
        rest = pw + strcspn(pw, "&");
    }
    if (s == KO_OK)
        s = ko_buf_append_str(b, rest);
    return s;
}

/* A malloc'd copy of uri without passwords, or NULL if out of memory. */
static char *redact_uri(const char *uri)
{
    ko_buf b = {0};
    if (redact_into(uri, &b) != KO_OK || !b.data) {
        ko_buf_free(&b);
        return NULL;
    }
    return (char *)ko_buf_detach(&b, NULL);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static ko_status open_driver(const char *uri, const ko_cat_options *opts, ko_db **db, ko_err *err)
{
    if (has_prefix(uri, "sqlite:")) {
        const char *path = uri + strlen("sqlite:");
        if (has_prefix(path, "//"))
            path += 2; /* sqlite:///abs/path */
        if (!*path)
            return ko_err_set(err, KO_ERR_INVALID, "catalog URI %s names no file", uri);
        return ko_db_sqlite_open(path, opts, db, err);
    }
    if (has_prefix(uri, "postgresql://") || has_prefix(uri, "postgres://"))
        return ko_db_pg_open(uri, db, err);
    return ko_err_set(err, KO_ERR_INVALID,
                      "catalog URI %s: expected sqlite:PATH or postgresql://...", uri);
}

/* ------------------------------------------------------------ transactions */

static ko_status load_head(ko_cat *cat, ko_err *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT last_id, last_hash FROM ko_audit_head WHERE one = 1%s",
             cat->db->ops->lock_suffix);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, sql, NULL, 0, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    const char *hash = rows.nrows == 1 ? ko_db_cell(&rows, 0, 1) : NULL;
    if (!hash || strlen(hash) != KO_CAT_HASH_HEX)
        return ko_err_set(err, KO_ERR_CORRUPT, "audit head row is missing or malformed");
    cat->head_id = strtoll(ko_db_cell(&rows, 0, 0), NULL, 10);
    memcpy(cat->head_hash, hash, KO_CAT_HASH_HEX + 1);
    return KO_OK;
}

static ko_status attempt(ko_cat *cat, ko_db_txn kind, cat_body_fn fn, void *ctx, ko_err *err)
{
    const ko_db_ops *ops = cat->db->ops;
    cat->db->retryable = false;
    ko_status s = ops->begin(cat->db, kind, err);
    if (s == KO_OK && kind == KO_DB_WRITE)
        s = load_head(cat, err);
    if (s == KO_OK)
        s = fn(cat, ctx, err);
    if (s == KO_OK)
        s = ops->commit(cat->db, err);
    if (s != KO_OK)
        ops->rollback(cat->db);
    return s;
}

/* Sleeps 0.5-1.5 times min(0.5 ms * 2^attempt, 50 ms). */
static void backoff(ko_cat *cat, int n)
{
    int64_t base = 500;
    for (int i = 0; i < n && base < 50000; i++)
        base *= 2;
    if (base > 50000)
        base = 50000;
    cat->rng ^= cat->rng << 13;
    cat->rng ^= cat->rng >> 7;
    cat->rng ^= cat->rng << 17;
    ko_sleep_us(base / 2 + (int64_t)(cat->rng % (uint64_t)base));
}

ko_status cat_run(ko_cat *cat, ko_db_txn kind, cat_body_fn fn, void *ctx, ko_err *err)
{
    pthread_mutex_lock(&cat->mu);
    ko_status s;
    int n = 1;
    for (;; n++) {
        s = attempt(cat, kind, fn, ctx, err);
        ko_arena_free(&cat->scratch);
        if (s == KO_OK || !cat->db->retryable || n >= cat->max_attempts)
            break;
        backoff(cat, n);
    }
    bool gave_up = s != KO_OK && cat->db->retryable;
    pthread_mutex_unlock(&cat->mu);
    if (gave_up)
        ko_err_prefix(err, "gave up after %d attempts", n);
    return s;
}

ko_status cat_exec(ko_cat *cat, const char *sql, const ko_db_arg *args, size_t nargs,
                   ko_db_rows *rows, int64_t *changes, ko_err *err)
{
    return cat->db->ops->exec(cat->db, sql, args, nargs, &cat->scratch, rows, changes, err);
}

/* --------------------------------------------------------------- migration */

static ko_status schema_version(ko_cat *cat, int *version, ko_err *err)
{
    ko_status s = cat_exec(cat,
                           "CREATE TABLE IF NOT EXISTS ko_schema_version"
                           " (version INTEGER NOT NULL)",
                           NULL, 0, NULL, NULL, err);
    ko_db_rows rows;
    if (s == KO_OK)
        s = cat_exec(cat, "SELECT max(version) FROM ko_schema_version", NULL, 0, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    const char *v = rows.nrows ? ko_db_cell(&rows, 0, 0) : NULL;
    *version = v ? (int)strtol(v, NULL, 10) : 0;
    return KO_OK;
}

static ko_status migrate_body(ko_cat *cat, void *ctx, ko_err *err)
{
    (void)ctx;
    const ko_db_ops *ops = cat->db->ops;
    int version;
    ko_status s = schema_version(cat, &version, err);
    if (s != KO_OK)
        return s;
    if (version > ops->nmigrations)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "catalog schema version %d is newer than this korolev supports (%d)",
                          version, ops->nmigrations);
    if (version == ops->nmigrations)
        return KO_OK;
    for (int v = version; v < ops->nmigrations && s == KO_OK; v++)
        for (const char *const *ddl = ops->migrations[v]; *ddl && s == KO_OK; ddl++)
            s = cat_exec(cat, *ddl, NULL, 0, NULL, NULL, err);
    ko_db_arg arg = ko_db_int(ops->nmigrations);
    if (s == KO_OK)
        s = cat_exec(cat, "DELETE FROM ko_schema_version", NULL, 0, NULL, NULL, err);
    if (s == KO_OK)
        s = cat_exec(cat, "INSERT INTO ko_schema_version (version) VALUES ($1)", &arg, 1, NULL,
                     NULL, err);
    return s;
}

/* ------------------------------------------------------------------ handle */

ko_status ko_cat_open(const char *uri, const ko_cat_options *opts, ko_cat **out, ko_err *err)
{
    *out = NULL;
    if (!uri || !*uri)
        return ko_err_set(err, KO_ERR_INVALID, "catalog URI is empty");
    ko_cat *cat = calloc(1, sizeof *cat);
    char *shown = redact_uri(uri);
    if (!cat || !shown) {
        free(cat);
        free(shown);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening catalog");
    }
    cat->uri = shown;
    cat->max_attempts = opts && opts->max_attempts > 0 ? opts->max_attempts : 100;
    cat->rng = (uint64_t)ko_now_us() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)cat;
    pthread_mutex_init(&cat->mu, NULL);
    ko_status s = open_driver(uri, opts, &cat->db, err);
    if (s == KO_OK)
        s = cat_run(cat, KO_DB_MIGRATE, migrate_body, NULL, err);
    if (s != KO_OK) {
        ko_err_prefix(err, "catalog %s", shown);
        ko_cat_close(cat);
        return s;
    }
    *out = cat;
    return KO_OK;
}

void ko_cat_close(ko_cat *cat)
{
    if (!cat)
        return;
    if (cat->db)
        cat->db->ops->close(cat->db);
    ko_arena_free(&cat->scratch);
    pthread_mutex_destroy(&cat->mu);
    free(cat->uri);
    free(cat);
}

const char *ko_cat_backend(const ko_cat *cat)
{
    return cat->db->ops->name;
}

const char *ko_cat_uri(const ko_cat *cat)
{
    return cat->uri;
}

/* ------------------------------------------------------------------- names */

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static ko_status check_ns(ko_cat_ns ns, ko_err *err)
{
    if (ns.len == 0 || !ns.parts)
        return ko_err_set(err, KO_ERR_INVALID, "invalid namespace: it has no parts");
    for (size_t i = 0; i < ns.len; i++) {
        const char *p = ns.parts[i];
        if (!p || !*p)
            return ko_err_set(err, KO_ERR_INVALID, "invalid namespace: part %zu is empty", i + 1);
        if (has_control(p))
            return ko_err_set(err, KO_ERR_INVALID,
                              "invalid namespace: part %zu contains a control character", i + 1);
    }
    return KO_OK;
}

/* The parts [0, n) joined by sep, in a. */
static char *join_parts(ko_cat_ns ns, size_t n, char sep, ko_arena *a)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(ns.parts[i]) + 1;
    char *s = ko_arena_alloc(a, len + 1);
    if (!s)
        return NULL;
    char *p = s;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(ns.parts[i]);
        if (i)
            *p++ = sep;
        memcpy(p, ns.parts[i], k);
        p += k;
    }
    *p = '\0';
    return s;
}

ko_status cat_ns_key(ko_cat *cat, ko_cat_ns ns, const char **key, const char **parent,
                     const char **dotted, ko_err *err)
{
    ko_status s = check_ns(ns, err);
    if (s != KO_OK)
        return s;
    *key = join_parts(ns, ns.len, NS_SEP, &cat->scratch);
    if (parent)
        *parent = join_parts(ns, ns.len - 1, NS_SEP, &cat->scratch);
    if (dotted)
        *dotted = join_parts(ns, ns.len, '.', &cat->scratch);
    if (!*key || (parent && !*parent) || (dotted && !*dotted))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory for a namespace name");
    return KO_OK;
}

ko_status cat_check_name(const char *what, const char *name, ko_err *err)
{
    if (!name || !*name)
        return ko_err_set(err, KO_ERR_INVALID, "invalid %s: it is empty", what);
    if (has_control(name))
        return ko_err_set(err, KO_ERR_INVALID, "invalid %s: it contains a control character", what);
    return KO_OK;
}

/* Splits s at sep into a namespace in a. */
static ko_status split_ns(const char *s, char sep, ko_arena *a, ko_cat_ns *out, ko_err *err)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == sep;
    const char **parts = ko_arena_calloc(a, n, sizeof *parts);
    if (!parts)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory for a namespace");
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
        size_t k = strcspn(p, (char[]){sep, '\0'});
        parts[i] = ko_arena_strndup(a, p, k);
        if (!parts[i])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory for a namespace");
        p += k + (p[k] != '\0');
    }
    out->parts = parts;
    out->len = n;
    return KO_OK;
}

ko_status cat_ns_from_key(const char *key, ko_arena *a, ko_cat_ns *out, ko_err *err)
{
    return split_ns(key, NS_SEP, a, out, err);
}

ko_status ko_cat_ns_parse(const char *dotted, ko_arena *a, ko_cat_ns *out, ko_err *err)
{
    if (!dotted || !*dotted)
        return ko_err_set(err, KO_ERR_INVALID, "invalid namespace: it is empty");
    ko_status s = split_ns(dotted, '.', a, out, err);
    if (s == KO_OK && (s = check_ns(*out, err)) != KO_OK)
        ko_err_prefix(err, "namespace \"%s\"", dotted);
    return s;
}

char *ko_cat_ns_str(ko_cat_ns ns, ko_arena *a)
{
    return join_parts(ns, ns.len, '.', a);
}

/* ------------------------------------------------------------------ tokens */

char *cat_token_encode(const char *last, ko_arena *a)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(last);
    char *t = ko_arena_alloc(a, 2 * n + 1);
    if (!t)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        t[2 * i] = hex[(unsigned char)last[i] >> 4];
        t[2 * i + 1] = hex[(unsigned char)last[i] & 15];
    }
    t[2 * n] = '\0';
    return t;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

ko_status cat_token_decode(const char *token, ko_arena *a, const char **out, ko_err *err)
{
    size_t n = strlen(token);
    char *s = ko_arena_alloc(a, n / 2 + 1);
    if (!s)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory for a page token");
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = hex_val(token[i]), lo = hex_val(token[i + 1]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            return ko_err_set(err, KO_ERR_INVALID, "invalid page token \"%s\"", token);
        s[i / 2] = (char)(hi << 4 | lo);
    }
    if (n % 2 || n == 0)
        return ko_err_set(err, KO_ERR_INVALID, "invalid page token \"%s\"", token);
    s[n / 2] = '\0';
    *out = s;
    return KO_OK;
}

size_t cat_page_size(size_t requested)
{
    if (requested == 0)
        return 100;
    return requested > 10000 ? 10000 : requested;
}
