/*
 * rest_commit.c - REST table commits as warehouse commits (rest_update.h).
 *
 * A single-table commit runs through kt_commit (table_commit.c): the
 * requirements are checked and the updates applied inside the apply step,
 * so a lost compare-and-swap reloads the table and checks the requirements
 * again against what is now current, which is exactly what the spec asks
 * of a server that retries.  A requirement that fails is not a race and
 * must not be retried: apply marks it and returns KO_ERR_INVALID, which
 * ends the loop, and the mark turns it back into KO_ERR_CONFLICT.
 *
 * A multi-table commit cannot swap one pointer at a time, so each table is
 * prepared here (checked, applied, next version written put-if-absent) and
 * the server swaps all pointers in one catalog transaction; on failure the
 * written files are deleted (they were never referenced).
 */
#include "iceberg/rest_update.h"
#include "iceberg/table_internal.h"

#include <string.h>

enum { MAX_VERSION_SKIPS = 1000, LOG_MAX_DEFAULT = 100 };

/* Whether a table directory already holds metadata. */
static bool taken(const ko_ice_warehouse *wh, const char *key, ko_arena *arena)
{
    const char *hint = ko_arena_sprintf(arena, "%s/metadata/version-hint.text", key);
    const char *v1 = ko_arena_sprintf(arena, "%s/metadata/v1.metadata.json", key);
    ko_obj_info info;
    return !hint || !v1 || ko_store_head(wh->store, hint, &info, NULL) == KO_OK ||
           ko_store_head(wh->store, v1, &info, NULL) == KO_OK;
}

const char *ko_ice_rest_location(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                 ko_arena *arena)
{
    char *key = ko_arena_sprintf(arena, "%s/%s", ns, name);
    if (!key)
        return NULL;
    for (char *p = key; p < key + strlen(ns); p++)
        if (*p == '.')
            *p = '/';
    if (taken(wh, key, arena)) { /* a dropped or renamed table's files are still there */
        ko_uuid u = ko_uuid_random();
        key = ko_arena_sprintf(arena, "%s-%02x%02x%02x%02x", key, u.b[0], u.b[1], u.b[2], u.b[3]);
        if (!key)
            return NULL;
    }
    return kt_uri(arena, wh, key);
}

/* Writes m as the first free vN.metadata.json at or above version under
 * key; *out_key and *out_version receive it. */
static ko_status write_version(const ko_ice_warehouse *wh, const char *key,
                               const ko_ice_table_meta *m, int64_t version, ko_arena *arena,
                               const char **out_key, int64_t *out_version, ko_err *err)
{
    ko_buf text = {0};
    ko_status st = ko_ice_meta_write_json(m, &text, err);
    for (int skips = 0; st == KO_OK; skips++, version++) {
        const char *k =
            ko_arena_sprintf(arena, "%s/metadata/v%lld.metadata.json", key, (long long)version);
        if (!k) {
            st = kt_nomem(err);
            break;
        }
        st = ko_store_put(wh->store, k, text.data, text.len, KO_PUT_IF_ABSENT, err);
        if (st == KO_OK) {
            *out_key = k;
            *out_version = version;
        }
        if (st != KO_ERR_EXISTS)
            break;
        if (skips >= MAX_VERSION_SKIPS) {
            st = ko_err_set(err, KO_ERR_CONFLICT, "too many metadata versions taken under %s", key);
            break;
        }
        st = KO_OK;
    }
    ko_buf_free(&text);
    return st;
}

static const char *create_summary(const ko_ice_table_meta *m, ko_arena *arena)
{
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&m->table_uuid, uuid);
    return kt_json_text(json_pack("{s:s, s:s, s:s, s:i}", "operation", "create", "via", "rest",
                                  "table-uuid", uuid, "format-version", (int)m->format_version),
                        arena);
}

ko_status ko_ice_rest_create(const ko_ice_warehouse *wh, const char *ns, const char *name,
                             const ko_ice_table_meta *m, ko_arena *arena, ko_ice_table *out,
                             ko_err *err)
{
    ko_ice_table local = {0}, *t = out ? out : &local;
    ko_ice_table_meta copy = *m; /* m may live inside *out */
    m = &copy;
    memset(t, 0, sizeof *t);
    const char *key = NULL;
    if (!m->location)
        return ko_err_set(err, KO_ERR_INVALID, "table %s.%s has no location", ns, name);
    ko_status st = ko_ice_location_key(wh, m->location, arena, &key, err);
    if (st != KO_OK)
        return st;
    if (taken(wh, key, arena))
        return ko_err_set(err, KO_ERR_EXISTS, "location %s already holds a table", m->location);
    const char *existing = NULL;
    ko_err e2 = {0};
    st = wh->catalog->load(wh->catalog->ctx, ns, name, arena, &existing, &e2);
    if (st == KO_OK)
        return ko_err_set(err, KO_ERR_EXISTS, "table %s.%s already exists", ns, name);
    if (st != KO_ERR_NOT_FOUND) {
        *err = e2;
        return st;
    }
    const char *file = NULL;
    int64_t version = 0;
    st = write_version(wh, key, m, 1, arena, &file, &version, err);
    if (st != KO_OK)
        return st;
    *t = (ko_ice_table){.ns = ns, .name = name, .key = key, .meta = *m, .version = version};
    t->ident = ko_arena_sprintf(arena, "%s.%s", ns, name);
    t->metadata_location = kt_uri(arena, wh, file);
    const char *summary = create_summary(m, arena);
    if (!t->ident || !t->metadata_location || !summary)
        st = kt_nomem(err);
    if (st == KO_OK)
        st = wh->catalog->create(wh->catalog->ctx, ns, name, t->metadata_location, summary, err);
    if (st != KO_OK) {
        (void)ko_store_delete(wh->store, file, NULL);
        return st;
    }
    (void)kt_write_hint(wh, t, version, NULL);
    return KO_OK;
}

/* ------------------------------------------------------------- commit */

typedef struct commit_ctx {
    const json_t *requirements, *updates;
    bool requirement_failed;
    ko_err failure;
} commit_ctx;

static const char *commit_summary(const ko_ice_table_meta *m, json_t *actions, ko_arena *arena)
{
    return kt_json_text(json_pack("{s:s, s:o, s:I}", "operation", "rest-commit", "updates", actions,
                                  "snapshot-id", (json_int_t)m->current_snapshot_id),
                        arena);
}

static ko_status apply(void *ctx, const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena,
                       const char **summary, ko_err *err)
{
    (void)wh;
    commit_ctx *c = ctx;
    ko_status st = ko_ice_rest_check(&t->meta, c->requirements, err);
    if (st == KO_ERR_CONFLICT) {
        c->requirement_failed = true;
        c->failure = *err;
        return ko_err_set(err, KO_ERR_INVALID, "%s", c->failure.msg);
    }
    json_t *actions = NULL;
    if (st == KO_OK)
        st = ko_ice_rest_apply(&t->meta, c->updates, arena, &actions, err);
    if (st != KO_OK)
        return st;
    *summary = commit_summary(&t->meta, actions, arena);
    return *summary ? KO_OK : kt_nomem(err);
}

ko_status ko_ice_rest_commit(const ko_ice_warehouse *wh, const char *ns, const char *name,
                             const json_t *requirements, const json_t *updates, ko_arena *arena,
                             ko_ice_table *out, ko_err *err)
{
    commit_ctx c = {requirements, updates, false, {0}};
    ko_status st = kt_commit(wh, ns, name, apply, &c, NULL, arena, out, NULL, err);
    if (st != KO_OK && c.requirement_failed) {
        *err = c.failure;
        return KO_ERR_CONFLICT;
    }
    return st;
}

/* ------------------------------------------------------ multi-table */

/* Logs the metadata file the change starts from (as table_commit.c does). */
static ko_status log_previous(ko_ice_table *t, ko_arena *arena, ko_err *err)
{
    ko_ice_table_meta *m = &t->meta;
    ko_status st =
        ko_ice_meta_add_metadata_log(m, t->metadata_location, m->last_updated_ms, arena, err);
    const char *p = ko_ice_meta_property(m, "write.metadata.previous-versions-max");
    long max = p ? strtol(p, NULL, 10) : LOG_MAX_DEFAULT;
    if (max < 1)
        max = 1;
    if (st == KO_OK && m->n_metadata_log > (uint32_t)max) {
        m->metadata_log += m->n_metadata_log - (uint32_t)max;
        m->n_metadata_log = (uint32_t)max;
    }
    return st;
}

ko_status ko_ice_rest_prepare(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const json_t *requirements, const json_t *updates, ko_arena *arena,
                              ko_ice_rest_prepared *out, ko_err *err)
{
    memset(out, 0, sizeof *out);
    ko_ice_table *t = &out->table;
    ko_status st = ko_ice_table_load(wh, ns, name, arena, t, err);
    if (st == KO_OK)
        st = kt_check_writable(wh, t, err);
    if (st == KO_OK)
        st = ko_ice_rest_check(&t->meta, requirements, err);
    if (st != KO_OK)
        return st;
    out->expected_location = t->metadata_location;
    json_t *actions = NULL;
    st = log_previous(t, arena, err);
    if (st == KO_OK)
        st = ko_ice_rest_apply(&t->meta, updates, arena, &actions, err);
    if (st != KO_OK)
        return ko_err_prefix(err, "table %s", t->ident);
    out->summary = commit_summary(&t->meta, actions, arena);
    int64_t version = 0;
    st = out->summary ? write_version(wh, t->key, &t->meta, t->version + 1, arena, &out->new_key,
                                      &version, err)
                      : kt_nomem(err);
    if (st != KO_OK)
        return st;
    out->new_location = kt_uri(arena, wh, out->new_key);
    t->metadata_location = out->new_location;
    t->version = version;
    return out->new_location ? KO_OK : kt_nomem(err);
}

void ko_ice_rest_discard(const ko_ice_warehouse *wh, const ko_ice_rest_prepared *p)
{
    if (p->new_key)
        (void)ko_store_delete(wh->store, p->new_key, NULL);
}

void ko_ice_rest_finish(const ko_ice_warehouse *wh, const ko_ice_rest_prepared *p)
{
    (void)kt_write_hint(wh, &p->table, p->table.version, NULL);
}
