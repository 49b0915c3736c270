/*
 * table_commit.c - the optimistic commit loop every table change goes
 * through (iceberg.h section 10, "Commits").
 *
 * One attempt: log the metadata file just read in metadata-log, apply the
 * change to its metadata, write the result as the next version
 * vN+1.metadata.json with put-if-absent, and ask the catalog to swap its
 * pointer from the file read to the new one.  Put-if-absent makes the
 * version number a lock nobody holds: a second writer finds the name
 * taken and learns of the race before touching the catalog; a name taken
 * by a writer that crashed before its swap (the catalog still points at
 * vN) is skipped.  The swap is the single point of truth: a conflict there
 * deletes the file just written, reloads the table, backs off (doubling,
 * jittered, capped) and applies the change again to the new current
 * metadata.  After a successful swap, version-hint.text is rewritten.
 *
 * How often and how long to retry: the caller's ko_ice_commit_opts, else
 * the table properties Iceberg defines for it (commit.retry.num-retries,
 * commit.retry.min-wait-ms, commit.retry.max-wait-ms), else 50 attempts
 * from 20 ms up to 2 s.  A writer that has lost several races backs off
 * longer than the writers that just won, so under steady contention (8
 * processes appending to one table) a small bound such as 10 attempts
 * starves some writers into failing; 50 keeps that improbable.
 */
#include "iceberg/table_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
    DEFAULT_ATTEMPTS = 50,
    DEFAULT_BACKOFF_MS = 20,
    MAX_BACKOFF_MS = 2000,
    MAX_VERSION_SKIPS = 1000,
    DEFAULT_LOG_MAX = 100,
};

typedef struct retry_policy {
    int attempts;
    int64_t base_ms, max_ms;
} retry_policy;

/* An integer table property of at least min, or dflt. */
static int64_t prop_i64(const ko_ice_table *t, const char *key, int64_t min, int64_t dflt)
{
    const char *p = ko_ice_meta_property(&t->meta, key);
    char *end = NULL;
    long long v = p ? strtoll(p, &end, 10) : 0;
    return p && *p && end && !*end && v >= min ? (int64_t)v : dflt;
}

static retry_policy policy_of(const ko_ice_table *t, const ko_ice_commit_opts *opts)
{
    retry_policy r = {DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, MAX_BACKOFF_MS};
    int64_t retries = prop_i64(t, "commit.retry.num-retries", 0, DEFAULT_ATTEMPTS - 1);
    r.attempts = retries < 10000 ? (int)retries + 1 : 10000;
    r.base_ms = prop_i64(t, "commit.retry.min-wait-ms", 1, DEFAULT_BACKOFF_MS);
    r.max_ms = prop_i64(t, "commit.retry.max-wait-ms", 1, MAX_BACKOFF_MS);
    if (opts && opts->max_attempts > 0)
        r.attempts = opts->max_attempts;
    if (opts && opts->backoff_base_ms > 0)
        r.base_ms = opts->backoff_base_ms;
    if (r.max_ms < r.base_ms)
        r.max_ms = r.base_ms;
    return r;
}

static void backoff(int attempt, const retry_policy *r)
{
    int64_t delay = r->base_ms;
    for (int i = 1; i < attempt && delay < r->max_ms; i++)
        delay *= 2;
    if (delay > r->max_ms)
        delay = r->max_ms;
    ko_uuid u = ko_uuid_random();
    int64_t jitter = (int64_t)(u.b[0] | u.b[1] << 8) % (delay * 1000 / 2 + 1);
    ko_sleep_us(delay * 1000 / 2 + jitter);
}

/* Logs the metadata file the change starts from and trims the log to
 * write.metadata.previous-versions-max entries. */
static ko_status log_previous(ko_ice_table *t, ko_arena *arena, ko_err *err)
{
    ko_ice_table_meta *m = &t->meta;
    ko_status st =
        ko_ice_meta_add_metadata_log(m, t->metadata_location, m->last_updated_ms, arena, err);
    if (st != KO_OK)
        return st;
    const char *p = ko_ice_meta_property(m, "write.metadata.previous-versions-max");
    long max = p ? strtol(p, NULL, 10) : DEFAULT_LOG_MAX;
    if (max < 1)
        max = 1;
    if (m->n_metadata_log > (uint32_t)max) {
        m->metadata_log += m->n_metadata_log - (uint32_t)max;
        m->n_metadata_log = (uint32_t)max;
    }
    return KO_OK;
}

/* Whether the catalog still points at what t was loaded from. */
static ko_status still_current(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_arena *arena,
                               ko_err *err)
{
    const char *loc = NULL;
    ko_status st = wh->catalog->load(wh->catalog->ctx, t->ns, t->name, arena, &loc, err);
    if (st != KO_OK)
        return st;
    if (strcmp(loc, t->metadata_location) != 0)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "table %s changed while committing: expected %s, now %s", t->ident,
                          t->metadata_location, loc);
    return KO_OK;
}

/* Writes t->meta as the next free version; *key and *version receive it. */
static ko_status write_next(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_arena *arena,
                            const char **key, int64_t *version, ko_err *err)
{
    ko_buf text = {0};
    ko_status st = ko_ice_meta_write_json(&t->meta, &text, err);
    int64_t v = t->version + 1;
    for (int skips = 0; st == KO_OK; skips++) {
        const char *k =
            ko_arena_sprintf(arena, "%s/metadata/v%lld.metadata.json", t->key, (long long)v);
        if (!k) {
            st = kt_nomem(err);
            break;
        }
        st = ko_store_put(wh->store, k, text.data, text.len, KO_PUT_IF_ABSENT, err);
        if (st == KO_OK) {
            *key = k;
            *version = v;
            break;
        }
        if (st != KO_ERR_EXISTS)
            break;
        st = skips < MAX_VERSION_SKIPS ? still_current(wh, t, arena, err)
                                       : ko_err_set(err, KO_ERR_CONFLICT,
                                                    "table %s: too many metadata versions taken "
                                                    "after v%lld",
                                                    t->ident, (long long)t->version);
        v++;
    }
    ko_buf_free(&text);
    return st;
}

/* One attempt: apply, write, swap.  KO_ERR_CONFLICT means retry. */
static ko_status attempt(const ko_ice_warehouse *wh, ko_ice_table *t, kt_apply_fn apply, void *ctx,
                         ko_arena *arena, ko_err *err)
{
    const char *summary = NULL, *key = NULL;
    int64_t version = 0;
    const char *from = t->metadata_location;
    ko_status st = log_previous(t, arena, err); /* with the time it was written */
    if (st == KO_OK)
        st = apply(ctx, wh, t, arena, &summary, err);
    if (st == KO_OK)
        st = write_next(wh, t, arena, &key, &version, err);
    if (st != KO_OK)
        return st;
    const char *loc = kt_uri(arena, wh, key);
    if (!loc)
        return kt_nomem(err);
    st = wh->catalog->commit(wh->catalog->ctx, t->ns, t->name, from, loc, summary, err);
    if (st == KO_ERR_CONFLICT)
        (void)ko_store_delete(wh->store, key, NULL); /* definitely not committed */
    if (st != KO_OK)
        return st;
    t->metadata_location = loc;
    t->version = version;
    return KO_OK;
}

ko_status kt_commit_loaded(const ko_ice_warehouse *wh, ko_ice_table *t, kt_apply_fn apply,
                           void *ctx, const ko_ice_commit_opts *opts, ko_arena *arena,
                           ko_ice_commit_info *info, ko_err *err)
{
    ko_status st = kt_check_writable(wh, t, err);
    if (st != KO_OK)
        return st;
    retry_policy policy = policy_of(t, opts);
    int n = 1;
    for (;; n++) {
        st = attempt(wh, t, apply, ctx, arena, err);
        if (st != KO_ERR_CONFLICT)
            break;
        if (n >= policy.attempts)
            return ko_err_prefix(err, "table %s: commit failed after %d attempts", t->ident, n);
        backoff(n, &policy);
        st = ko_ice_table_load(wh, t->ns, t->name, arena, t, err);
        if (st != KO_OK)
            return st;
    }
    if (st != KO_OK)
        return strstr(err->msg, t->ident) ? st : ko_err_prefix(err, "table %s", t->ident);
    (void)kt_write_hint(wh, t, t->version, NULL);
    if (info)
        *info = (ko_ice_commit_info){.snapshot_id = t->meta.current_snapshot_id,
                                     .sequence_number = t->meta.last_sequence_number,
                                     .metadata_location = t->metadata_location,
                                     .attempts = n};
    return KO_OK;
}

ko_status kt_commit(const ko_ice_warehouse *wh, const char *ns, const char *name, kt_apply_fn apply,
                    void *ctx, const ko_ice_commit_opts *opts, ko_arena *arena, ko_ice_table *t,
                    ko_ice_commit_info *info, ko_err *err)
{
    ko_status st = ko_ice_table_load(wh, ns, name, arena, t, err);
    if (st != KO_OK)
        return st;
    return kt_commit_loaded(wh, t, apply, ctx, opts, arena, info, err);
}
