/*
 * table_maint.c - keeping a table's history in bounds: rollback to an
 * earlier snapshot, snapshot expiry, and removal of files that nothing
 * retained references.
 *
 * Rollback and expiry are metadata changes committed like any other
 * (table_commit.c), so they are atomic, retried on conflict and audited
 * by the catalog.  Expiry first drops tags and branches older than their
 * max-ref-age-ms, then keeps (as the spec's snapshot retention) every
 * snapshot a ref points at; of each branch's history the newest ancestors
 * while fewer than min-snapshots-to-keep are kept or they are younger than
 * max-snapshot-age-ms (the branch's own settings, else the table's:
 * retain_last and the cut-off); and the snapshots on no branch's history
 * that are younger than the cut-off.
 *
 * File removal works from the other side: it gathers every key the
 * current metadata can reach (metadata files in its log, manifest lists,
 * manifests and the data and delete files of all entries of every
 * retained snapshot, statistics files, version-hint.text), lists the
 * table's data/ and metadata/ prefixes, and deletes what is not reachable
 * and was last modified before the safety cut-off, and then the temporary
 * files of killed local writes (ko_store_remove_temps) older than the
 * same cut-off.  The cut-off protects
 * files of writers still in flight, which are unreachable until their
 * commit lands.
 */
#include "iceberg/table_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    DEFAULT_MAX_AGE_MS = 5 * 24 * 3600 * 1000, /* history.expire.max-snapshot-age-ms */
    DEFAULT_MIN_KEEP = 1,                      /* history.expire.min-snapshots-to-keep */
};

#define DEFAULT_SAFETY_MS ((int64_t)3 * 24 * 3600 * 1000)

/* --------------------------------------------------------------- rollback */

typedef struct rollback_ctx {
    int64_t snapshot_id;
} rollback_ctx;

static ko_status apply_rollback(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                                ko_arena *arena, const char **summary, ko_err *err)
{
    (void)wh;
    rollback_ctx *c = ctx;
    ko_ice_table_meta *m = &t->meta;
    if (!ko_ice_meta_snapshot(m, c->snapshot_id))
        return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s has no snapshot %" PRId64, t->ident,
                          c->snapshot_id);
    int64_t from = m->current_snapshot_id;
    const ko_ice_ref *old = ko_ice_meta_ref(m, "main");
    ko_ice_ref ref = old ? *old : (ko_ice_ref){.name = "main", .type = KO_ICE_REF_BRANCH};
    ref.snapshot_id = c->snapshot_id;
    ko_status st = ko_ice_meta_set_ref(m, &ref, arena, err);
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
    *summary =
        kt_json_text(json_pack("{s:s, s:I, s:I}", "operation", "rollback", "snapshot-id",
                               (json_int_t)c->snapshot_id, "from-snapshot-id", (json_int_t)from),
                     arena);
    return st != KO_OK ? st : *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_table_rollback(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                int64_t snapshot_id, const ko_ice_commit_opts *opts,
                                ko_arena *arena, ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    rollback_ctx c = {snapshot_id};
    ko_ice_table t;
    return kt_commit(wh, ns, name, apply_rollback, &c, opts, arena, &t, info, err);
}

/* ----------------------------------------------------------------- expiry */

typedef struct expire_ctx {
    int64_t now_ms;
    int64_t older_than_ms; /* the table's cut-off */
    int32_t retain_last;
    int64_t *expired;
    size_t n_expired;
} expire_ctx;

static int64_t prop_i64(const ko_ice_table_meta *m, const char *key, int64_t dflt)
{
    const char *v = ko_ice_meta_property(m, key);
    char *end = NULL;
    long long n = v ? strtoll(v, &end, 10) : dflt;
    return v && (end == v || *end || n < 0) ? dflt : n;
}

/* Marks what ref retains (spec: snapshot retention): a tag its snapshot;
 * a branch its newest ancestors while fewer than its min-snapshots-to-keep
 * are kept or they are younger than its max-snapshot-age-ms (both
 * defaulting to the table's), stopping at the first that is neither.
 * reached[] notes every snapshot on a branch's history. */
static void retain_ref(const ko_ice_table_meta *m, const ko_ice_ref *ref, const expire_ctx *c,
                       bool *keep, bool *reached)
{
    const ko_ice_snapshot *s = ko_ice_meta_snapshot(m, ref->snapshot_id);
    if (s && ref->type != KO_ICE_REF_BRANCH)
        keep[s - m->snapshots] = true;
    if (!s || ref->type != KO_ICE_REF_BRANCH)
        return;
    int32_t min_keep = ref->min_snapshots_to_keep > 0 ? ref->min_snapshots_to_keep : c->retain_last;
    int64_t cutoff =
        ref->max_snapshot_age_ms > 0 ? c->now_ms - ref->max_snapshot_age_ms : c->older_than_ms;
    bool retaining = true;
    for (uint32_t k = 0; s && k <= m->n_snapshots; k++, s = ko_ice_meta_snapshot(m, s->parent_id)) {
        size_t i = (size_t)(s - m->snapshots);
        retaining = retaining && (k < (uint32_t)min_keep || s->timestamp_ms >= cutoff);
        if (!retaining && reached[i])
            break; /* the rest of this history was walked */
        keep[i] = keep[i] || retaining;
        reached[i] = true;
    }
}

/* keep[i] for snapshots the rules retain: what the refs retain, and the
 * snapshots on no branch's history younger than the table's cut-off. */
static void mark_retained(const ko_ice_table_meta *m, const expire_ctx *c, bool *keep,
                          bool *reached)
{
    for (uint32_t r = 0; r < m->n_refs; r++)
        retain_ref(m, &m->refs[r], c, keep, reached);
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        keep[i] = keep[i] || m->snapshots[i].snapshot_id == m->current_snapshot_id ||
                  (!reached[i] && m->snapshots[i].timestamp_ms >= c->older_than_ms);
}

static ko_status choose_expired(const ko_ice_table_meta *m, expire_ctx *c, ko_arena *arena,
                                bool **keep_out, ko_err *err)
{
    bool *keep = ko_arena_calloc(arena, m->n_snapshots + 1u, sizeof *keep);
    bool *reached = ko_arena_calloc(arena, m->n_snapshots + 1u, sizeof *reached);
    c->expired = ko_arena_calloc(arena, m->n_snapshots + 1u, sizeof *c->expired);
    if (!keep || !reached || !c->expired)
        return kt_nomem(err);
    mark_retained(m, c, keep, reached);
    c->n_expired = 0;
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        if (!keep[i])
            c->expired[c->n_expired++] = m->snapshots[i].snapshot_id;
    *keep_out = keep;
    return KO_OK;
}

static bool is_expired(const expire_ctx *c, int64_t id)
{
    for (size_t i = 0; i < c->n_expired; i++)
        if (c->expired[i] == id)
            return true;
    return false;
}

static void drop_snapshots(ko_ice_table_meta *m, const expire_ctx *c, const bool *keep)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_snapshots; i++)
        if (keep[i])
            m->snapshots[k++] = m->snapshots[i];
    m->n_snapshots = k;
    k = 0;
    for (uint32_t i = 0; i < m->n_snapshot_log; i++)
        if (!is_expired(c, m->snapshot_log[i].snapshot_id))
            m->snapshot_log[k++] = m->snapshot_log[i];
    m->n_snapshot_log = k;
    int64_t now = ko_now_us() / 1000;
    if (now > m->last_updated_ms)
        m->last_updated_ms = now;
}

/* Drops the tags and branches (not main) whose snapshot is older than
 * their max-ref-age-ms; returns how many. */
static size_t drop_aged_refs(ko_ice_table_meta *m)
{
    int64_t now = ko_now_us() / 1000;
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n_refs; i++) {
        const ko_ice_ref *r = &m->refs[i];
        const ko_ice_snapshot *s = ko_ice_meta_snapshot(m, r->snapshot_id);
        bool aged = r->max_ref_age_ms > 0 && strcmp(r->name, "main") != 0 && s &&
                    s->timestamp_ms < now - r->max_ref_age_ms;
        if (!aged)
            m->refs[k++] = *r;
    }
    size_t n = m->n_refs - k;
    m->n_refs = k;
    return n;
}

static const char *expire_summary(const expire_ctx *c, size_t aged_refs, ko_arena *arena)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < c->n_expired; i++)
        json_array_append_new(ids, json_integer(c->expired[i]));
    return kt_json_text(json_pack("{s:s, s:o, s:I, s:i, s:I}", "operation", "expire",
                                  "expired-snapshot-ids", ids, "older-than-ms",
                                  (json_int_t)c->older_than_ms, "retain-last", (int)c->retain_last,
                                  "expired-refs", (json_int_t)aged_refs),
                        arena);
}

static ko_status apply_expire(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t,
                              ko_arena *arena, const char **summary, ko_err *err)
{
    (void)wh;
    expire_ctx *c = ctx;
    bool *keep = NULL;
    size_t aged = drop_aged_refs(&t->meta);
    ko_status st = choose_expired(&t->meta, c, arena, &keep, err);
    if (st != KO_OK)
        return st;
    drop_snapshots(&t->meta, c, keep);
    *summary = expire_summary(c, aged, arena);
    return *summary ? KO_OK : kt_nomem(err);
}

static void expire_settings(const ko_ice_table_meta *m, const ko_ice_expire_opts *o, expire_ctx *c)
{
    int64_t now = ko_now_us() / 1000;
    c->now_ms = now;
    c->older_than_ms =
        o && o->older_than_ms
            ? o->older_than_ms
            : now - prop_i64(m, "history.expire.max-snapshot-age-ms", DEFAULT_MAX_AGE_MS);
    c->retain_last =
        o && o->retain_last > 0
            ? o->retain_last
            : (int32_t)prop_i64(m, "history.expire.min-snapshots-to-keep", DEFAULT_MIN_KEEP);
    if (c->retain_last < 1)
        c->retain_last = 1;
}

ko_status ko_ice_table_expire(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const ko_ice_expire_opts *opts, const ko_ice_commit_opts *copts,
                              ko_arena *arena, int64_t **expired, size_t *n_expired,
                              ko_ice_commit_info *info, ko_err *err)
{
    KT_NEED_ERR(err);
    ko_ice_table t;
    expire_ctx c = {0};
    bool *keep = NULL;
    ko_status st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    size_t aged = 0;
    if (st == KO_OK) {
        expire_settings(&t.meta, opts, &c);
        aged = drop_aged_refs(&t.meta); /* again on every attempt */
        st = choose_expired(&t.meta, &c, arena, &keep, err);
    }
    if (st == KO_OK && (c.n_expired > 0 || aged > 0))
        st = kt_commit_loaded(wh, &t, apply_expire, &c, copts, arena, info, err);
    else if (st == KO_OK && info)
        *info = (ko_ice_commit_info){.snapshot_id = t.meta.current_snapshot_id,
                                     .sequence_number = t.meta.last_sequence_number,
                                     .metadata_location = t.metadata_location};
    if (st == KO_OK && expired)
        *expired = c.expired;
    if (st == KO_OK && n_expired)
        *n_expired = c.n_expired;
    return st;
}

/* ---------------------------------------------------------- reachability */

typedef struct keyset {
    const char **slots;
    size_t cap, n;
    ko_arena *arena;
} keyset;

static size_t key_hash(const char *k)
{
    return ko_murmur3_32(k, strlen(k), 0);
}

static bool keyset_has(const keyset *s, const char *k)
{
    if (!s->cap)
        return false;
    for (size_t h = key_hash(k) & (s->cap - 1); s->slots[h]; h = (h + 1) & (s->cap - 1))
        if (strcmp(s->slots[h], k) == 0)
            return true;
    return false;
}

static ko_status keyset_grow(keyset *s, ko_err *err)
{
    size_t cap = s->cap ? 2 * s->cap : 256;
    const char **slots = ko_arena_calloc(s->arena, cap, sizeof *slots);
    if (!slots)
        return kt_nomem(err);
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i])
            continue;
        size_t h = key_hash(s->slots[i]) & (cap - 1);
        while (slots[h])
            h = (h + 1) & (cap - 1);
        slots[h] = s->slots[i];
    }
    s->slots = slots;
    s->cap = cap;
    return KO_OK;
}

/* Adds the key of a location (locations outside the warehouse are
 * ignored: they cannot be listed here either). */
static ko_status keyset_add(keyset *s, const ko_ice_warehouse *wh, const char *location,
                            ko_err *err)
{
    const char *k = NULL;
    if (!location || ko_ice_location_key(wh, location, s->arena, &k, NULL) != KO_OK)
        return KO_OK;
    if (keyset_has(s, k))
        return KO_OK;
    if (2 * (s->n + 1) > s->cap) {
        ko_status st = keyset_grow(s, err);
        if (st != KO_OK)
            return st;
    }
    size_t h = key_hash(k) & (s->cap - 1);
    while (s->slots[h])
        h = (h + 1) & (s->cap - 1);
    s->slots[h] = k;
    s->n++;
    return KO_OK;
}

static ko_status add_manifest(keyset *s, const ko_ice_warehouse *wh, const ko_ice_table *t,
                              const ko_ice_manifest_file *mf, ko_err *err)
{
    const char *k = NULL;
    if (ko_ice_location_key(wh, mf->manifest_path, s->arena, &k, NULL) == KO_OK && keyset_has(s, k))
        return KO_OK; /* shared with a snapshot already walked */
    ko_status st = keyset_add(s, wh, mf->manifest_path, err);
    ko_arena a = {0};
    ko_ice_manifest m;
    if (st == KO_OK)
        st = kt_read_manifest(wh, &t->meta, mf, &a, &m, err);
    for (size_t e = 0; st == KO_OK && e < m.n_entries; e++)
        st = keyset_add(s, wh, m.entries[e].data_file.file_path, err);
    ko_arena_free(&a);
    return st;
}

static ko_status add_snapshot_files(keyset *s, const ko_ice_warehouse *wh, const ko_ice_table *t,
                                    const ko_ice_snapshot *snap, ko_err *err)
{
    ko_arena a = {0};
    ko_ice_manifest_file *mfs = NULL;
    size_t n = 0;
    ko_status st = keyset_add(s, wh, snap->manifest_list, err);
    if (st == KO_OK && snap->manifest_list)
        st = kt_read_manifest_list(wh, snap, &a, &mfs, &n, err);
    for (size_t i = 0; st == KO_OK && i < n; i++)
        st = add_manifest(s, wh, t, &mfs[i], err);
    for (uint32_t i = 0; st == KO_OK && i < snap->n_manifests; i++)
        st = keyset_add(s, wh, snap->manifests[i], err);
    ko_arena_free(&a);
    return st;
}

static ko_status add_statistics(keyset *s, const ko_ice_warehouse *wh, const char *text,
                                ko_err *err)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *item;
    ko_status st = KO_OK;
    json_array_foreach(j, i, item)
    {
        const char *p = json_string_value(json_object_get(item, "statistics-path"));
        if (p)
            st = keyset_add(s, wh, p, err);
        if (st != KO_OK)
            break;
    }
    json_decref(j);
    return st;
}

static ko_status reachable(const ko_ice_warehouse *wh, const ko_ice_table *t, keyset *s,
                           ko_err *err)
{
    const ko_ice_table_meta *m = &t->meta;
    const char *hint = kt_key(s->arena, t, "metadata/version-hint.text");
    ko_status st = hint ? keyset_add(s, wh, kt_uri(s->arena, wh, hint), err) : kt_nomem(err);
    if (st == KO_OK)
        st = keyset_add(s, wh, t->metadata_location, err);
    for (uint32_t i = 0; st == KO_OK && i < m->n_metadata_log; i++)
        st = keyset_add(s, wh, m->metadata_log[i].metadata_file, err);
    for (uint32_t i = 0; st == KO_OK && i < m->n_snapshots; i++)
        st = add_snapshot_files(s, wh, t, &m->snapshots[i], err);
    if (st == KO_OK)
        st = add_statistics(s, wh, m->statistics, err);
    if (st == KO_OK)
        st = add_statistics(s, wh, m->partition_statistics, err);
    return st;
}

/* ---------------------------------------------------------------- removal */

typedef struct sweep {
    const ko_ice_warehouse *wh;
    const keyset *keep;
    int64_t cutoff_us;
    ko_arena *arena;
    ko_ice_remove_result *out;
    size_t cap;
} sweep;

static ko_status note_removed(sweep *w, const char *key, ko_err *err)
{
    ko_ice_remove_result *r = w->out;
    const char **a = ko_arena_grow(w->arena, r->removed, r->n_removed, &w->cap, sizeof *a);
    if (!a)
        return kt_nomem(err);
    r->removed = a;
    r->removed[r->n_removed] = ko_arena_strdup(w->arena, key);
    return r->removed[r->n_removed++] ? KO_OK : kt_nomem(err);
}

static ko_status sweep_entry(sweep *w, const ko_list_entry *e, ko_err *err)
{
    if (keyset_has(w->keep, e->key)) {
        w->out->n_referenced++;
        return KO_OK;
    }
    if (e->mtime_us >= w->cutoff_us) {
        w->out->n_too_new++;
        return KO_OK;
    }
    ko_status st = ko_store_delete(w->wh->store, e->key, err);
    if (st == KO_OK)
        st = note_removed(w, e->key, err);
    if (st == KO_OK)
        w->out->bytes += e->size;
    return st;
}

static ko_status sweep_prefix(sweep *w, const char *prefix, ko_err *err)
{
    char *token = NULL;
    ko_status st = KO_OK;
    do {
        ko_list_page page;
        st = ko_store_list(w->wh->store, prefix, token, 1000, &page, err);
        free(token);
        token = NULL;
        if (st != KO_OK)
            break;
        for (size_t i = 0; st == KO_OK && i < page.count; i++)
            st = sweep_entry(w, &page.entries[i], err);
        token = page.next_token;
        page.next_token = NULL;
        ko_list_page_free(&page);
    } while (st == KO_OK && token);
    free(token);
    return st;
}

/* Sweeps the table's data/ and metadata/: unreferenced files, then the
 * temporary files of killed writes. */
static ko_status sweep_table(sweep *w, const ko_ice_table *t, ko_err *err)
{
    const char *prefixes[] = {kt_key(w->arena, t, "data/"), kt_key(w->arena, t, "metadata/")};
    if (!prefixes[0] || !prefixes[1])
        return kt_nomem(err);
    ko_status st = KO_OK;
    for (int i = 0; i < 2 && st == KO_OK; i++)
        st = sweep_prefix(w, prefixes[i], err);
    for (int i = 0; i < 2 && st == KO_OK; i++)
        st = ko_store_remove_temps(w->wh->store, prefixes[i], w->cutoff_us, &w->out->n_temps,
                                   &w->out->bytes, err);
    return st;
}

static ko_status audit_removal(const ko_ice_warehouse *wh, const ko_ice_table *t, int64_t cutoff,
                               const ko_ice_remove_result *r, ko_arena *arena, ko_err *err)
{
    const char *summary = kt_json_text(
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "operation", "remove-files", "removed-files",
                  (json_int_t)r->n_removed, "removed-temporary-files", (json_int_t)r->n_temps,
                  "removed-bytes", (json_int_t)r->bytes, "older-than-ms", (json_int_t)cutoff,
                  "metadata-location", t->metadata_location),
        arena);
    if (!summary)
        return kt_nomem(err);
    return wh->catalog->audit(wh->catalog->ctx, "table.remove_files", t->ident, summary, err);
}

ko_status ko_ice_table_remove_files(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                    int64_t older_than_ms, ko_arena *arena,
                                    ko_ice_remove_result *out, ko_err *err)
{
    KT_NEED_ERR(err);
    memset(out, 0, sizeof *out);
    int64_t cutoff = older_than_ms ? older_than_ms : ko_now_us() / 1000 - DEFAULT_SAFETY_MS;
    ko_ice_table t = {0};
    keyset keep = {.arena = arena};
    ko_status st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st == KO_OK)
        st = reachable(wh, &t, &keep, err);
    sweep w = {.wh = wh, .keep = &keep, .cutoff_us = cutoff * 1000, .arena = arena, .out = out};
    if (st == KO_OK)
        st = sweep_table(&w, &t, err);
    if (out->n_removed + out->n_temps > 0) {
        ko_err e2 = {0};
        ko_status ast = audit_removal(wh, &t, cutoff, out, arena, st == KO_OK ? err : &e2);
        if (st == KO_OK)
            st = ast;
    }
    return st != KO_OK && !strstr(err->msg, t.ident ? t.ident : "\x01")
               ? ko_err_prefix(err, "table %s.%s: removing files", ns, name)
               : st;
}
