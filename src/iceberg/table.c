/*
 * table.c - Iceberg tables in a warehouse: names, keys, metadata files and
 * table creation (iceberg.h section 10).
 *
 * A table ns.t lives under the store key <ns parts joined by '/'>/<t>.
 * Its state is the metadata file the catalog points at; this file reads
 * it, names the next version (vN.metadata.json, N from the current name),
 * keeps metadata/version-hint.text for path-based readers, and creates new
 * tables: v1.metadata.json is written put-if-absent before the catalog
 * learns of the table, so two creators cannot both win, and a catalog
 * refusal (namespace missing, name taken) removes the file again.
 */
#include "iceberg/table_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *kt_key(ko_arena *arena, const ko_ice_table *t, const char *rel)
{
    return ko_arena_sprintf(arena, "%s/%s", t->key, rel);
}

const char *kt_uri(ko_arena *arena, const ko_ice_warehouse *wh, const char *key)
{
    return ko_arena_sprintf(arena, "%s/%s", ko_store_uri(wh->store), key);
}

const char *kt_json_text(json_t *j, ko_arena *arena)
{
    if (!j)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s)
        return NULL;
    const char *copy = ko_arena_strdup(arena, s);
    free(s);
    return copy;
}

int64_t kt_random_id(void)
{
    ko_uuid u = ko_uuid_random();
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) {
        hi = hi << 8 | u.b[i];
        lo = lo << 8 | u.b[8 + i];
    }
    int64_t id = (int64_t)((hi ^ lo) & (uint64_t)INT64_MAX);
    return id ? id : 1;
}

/* ------------------------------------------------------------------ names */

ko_status ko_ice_ident_parse(const char *text, ko_arena *arena, const char **ns, const char **name,
                             ko_err *err)
{
    const char *dot = text ? strrchr(text, '.') : NULL;
    if (!dot || dot == text || !dot[1] || dot[-1] == '.' || text[0] == '.')
        return ko_err_set(err, KO_ERR_INVALID,
                          "table name '%s' must be NAMESPACE.TABLE (e.g. sales.orders)",
                          text ? text : "");
    if (strstr(text, ".."))
        return ko_err_set(err, KO_ERR_INVALID, "table name '%s' has an empty part", text);
    *ns = ko_arena_strndup(arena, text, (size_t)(dot - text));
    *name = ko_arena_strdup(arena, dot + 1);
    return *ns && *name ? KO_OK : kt_nomem(err);
}

static ko_status check_part(const char *what, const char *part, size_t len, ko_err *err)
{
    if (len == 0 || (len == 1 && part[0] == '.') || (len == 2 && strncmp(part, "..", 2) == 0))
        return ko_err_set(err, KO_ERR_INVALID, "%s: empty or dot name part", what);
    for (size_t i = 0; i < len; i++)
        if (part[i] == '/' || part[i] == '\\' || (unsigned char)part[i] < 0x20)
            return ko_err_set(err, KO_ERR_INVALID,
                              "%s: name part '%.*s' may not hold '/', '\\' or control characters",
                              what, (int)len, part);
    return KO_OK;
}

/* <ns with '.' -> '/'>/<name>, each part checked. */
static ko_status table_key(const char *ns, const char *name, ko_arena *arena, const char **out,
                           ko_err *err)
{
    const char *ident = ko_arena_sprintf(arena, "%s.%s", ns, name);
    char *key = ko_arena_sprintf(arena, "%s/%s", ns, name);
    if (!ident || !key)
        return kt_nomem(err);
    for (const char *p = ns; *p;) {
        const char *e = strchr(p, '.');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        ko_status st = check_part(ident, p, len, err);
        if (st != KO_OK)
            return st;
        p += len + (e != NULL);
    }
    ko_status st = check_part(ident, name, strlen(name), err);
    if (st != KO_OK)
        return st;
    for (char *p = key; p < key + strlen(ns); p++)
        if (*p == '.')
            *p = '/';
    *out = key;
    return KO_OK;
}

ko_status ko_ice_location_key(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                              const char **key, ko_err *err)
{
    const char *root = ko_store_uri(wh->store);
    size_t n = strlen(root);
    const char *rest = NULL;
    if (strncmp(location, root, n) == 0 && location[n] == '/')
        rest = location + n + 1;
    else if (strncmp(root, "file://", 7) == 0 && strncmp(location, root + 7, n - 7) == 0 &&
             location[n - 7] == '/')
        rest = location + n - 7 + 1; /* a bare local path */
    if (!rest || !*rest)
        return ko_err_set(err, KO_ERR_UNSUPPORTED, "location %s is outside the warehouse %s",
                          location, root);
    *key = ko_arena_strdup(arena, rest);
    return *key ? KO_OK : kt_nomem(err);
}

int64_t kt_version_of(const char *location)
{
    const char *base = strrchr(location, '/');
    base = base ? base + 1 : location;
    if (*base == 'v')
        base++;
    int64_t v = 0;
    const char *p = base;
    while (*p >= '0' && *p <= '9' && v < INT64_MAX / 10)
        v = v * 10 + (*p++ - '0');
    if (p == base || (strcmp(p, ".metadata.json") != 0 && *p != '-'))
        return 0;
    return v;
}

/* --------------------------------------------------------------- reading */

ko_status kt_read_location(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                           ko_buf *out, ko_err *err)
{
    const char *key = NULL;
    ko_status st = ko_ice_location_key(wh, location, arena, &key, err);
    if (st == KO_OK)
        st = ko_store_get(wh->store, key, out, err);
    return st;
}

ko_status kt_read_meta(const ko_ice_warehouse *wh, const char *location, ko_arena *arena,
                       ko_ice_table_meta *out, ko_err *err)
{
    ko_buf buf = {0};
    ko_status st = kt_read_location(wh, location, arena, &buf, err);
    if (st == KO_OK) {
        st = ko_ice_meta_parse((const char *)buf.data, buf.len, arena, out, err);
        if (st != KO_OK)
            ko_err_prefix(err, "%s", location);
    }
    ko_buf_free(&buf);
    return st;
}

static ko_status fill_names(const char *ns, const char *name, ko_arena *arena, ko_ice_table *t,
                            ko_err *err)
{
    memset(t, 0, sizeof *t);
    t->ns = ko_arena_strdup(arena, ns);
    t->name = ko_arena_strdup(arena, name);
    t->ident = ko_arena_sprintf(arena, "%s.%s", ns, name);
    if (!t->ns || !t->name || !t->ident)
        return kt_nomem(err);
    return table_key(ns, name, arena, &t->key, err);
}

ko_status ko_ice_table_load(const ko_ice_warehouse *wh, const char *ns, const char *name,
                            ko_arena *arena, ko_ice_table *out, ko_err *err)
{
    ko_status st = fill_names(ns, name, arena, out, err);
    if (st == KO_OK)
        st = wh->catalog->load(wh->catalog->ctx, ns, name, arena, &out->metadata_location, err);
    if (st == KO_OK)
        st = kt_read_meta(wh, out->metadata_location, arena, &out->meta, err);
    if (st != KO_OK && out->ident && strstr(err->msg, out->ident))
        return st; /* named already: "table a.b: table a.b not found" would say it twice */
    if (st != KO_OK)
        return ko_err_prefix(err, "table %s.%s", ns, name);
    out->version = kt_version_of(out->metadata_location);
    /* A table registered from elsewhere keeps its own location. */
    const char *key = NULL;
    if (ko_ice_location_key(wh, out->meta.location, arena, &key, NULL) == KO_OK)
        out->key = key;
    return KO_OK;
}

ko_status kt_check_writable(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_err *err)
{
    ko_arena a = {0};
    const char *key = NULL;
    ko_status st = ko_ice_location_key(wh, t->meta.location, &a, &key, err);
    if (st == KO_OK && strcmp(key, t->key) != 0)
        st = KO_ERR_UNSUPPORTED;
    ko_arena_free(&a);
    if (st != KO_OK)
        return ko_err_set(err, KO_ERR_UNSUPPORTED,
                          "table %s lives at %s, outside the warehouse %s: it can be read but "
                          "not changed here",
                          t->ident, t->meta.location, ko_store_uri(wh->store));
    return KO_OK;
}

ko_status kt_write_hint(const ko_ice_warehouse *wh, const ko_ice_table *t, int64_t version,
                        ko_err *err)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%lld", (long long)version);
    ko_arena a = {0};
    const char *key = kt_key(&a, t, "metadata/version-hint.text");
    ko_status st =
        key ? ko_store_put(wh->store, key, text, (size_t)n, KO_PUT_OVERWRITE, err) : kt_nomem(err);
    ko_arena_free(&a);
    return st;
}

/* -------------------------------------------------------------- creating */

static ko_status build_meta(const ko_ice_warehouse *wh, const ko_ice_table *t,
                            const ko_ice_table_create_opts *o, ko_arena *arena,
                            ko_ice_table_meta *m, ko_err *err)
{
    ko_ice_partition_spec spec;
    int32_t last_pid = KO_ICE_FIRST_PARTITION_ID - 1;
    ko_status st = ko_ice_spec_parse_text(o->partition_by ? o->partition_by : "", o->schema, 0,
                                          &last_pid, arena, &spec, err);
    if (st != KO_OK)
        return st;
    const char *loc = kt_uri(arena, wh, t->key);
    if (!loc)
        return kt_nomem(err);
    ko_ice_meta_create_opts co = {.schema = o->schema,
                                  .spec = &spec,
                                  .properties = o->properties,
                                  .n_properties = o->n_properties,
                                  .location = loc};
    st = ko_ice_meta_create(&co, arena, m, err);
    if (st == KO_OK && !ko_ice_meta_property(m, "write.parquet.compression-codec"))
        st = ko_ice_meta_set_property(m, "write.parquet.compression-codec", "zstd", arena, err);
    return st;
}

static ko_status put_v1(const ko_ice_warehouse *wh, ko_ice_table *t, ko_arena *arena, ko_err *err)
{
    ko_buf text = {0};
    const char *key = kt_key(arena, t, "metadata/v1.metadata.json");
    ko_status st = key ? ko_ice_meta_write_json(&t->meta, &text, err) : kt_nomem(err);
    if (st == KO_OK)
        st = ko_store_put(wh->store, key, text.data, text.len, KO_PUT_IF_ABSENT, err);
    ko_buf_free(&text);
    if (st == KO_ERR_EXISTS)
        return ko_err_set(err, KO_ERR_EXISTS,
                          "table %s: %s/%s already exists (a dropped or half-created table); "
                          "remove it or choose another name",
                          t->ident, ko_store_uri(wh->store), key);
    t->metadata_location = st == KO_OK ? kt_uri(arena, wh, key) : NULL;
    t->version = 1;
    return st != KO_OK ? st : t->metadata_location ? KO_OK : kt_nomem(err);
}

static const char *create_summary(const ko_ice_table *t, ko_arena *arena)
{
    json_t *spec = NULL;
    if (ko_ice_spec_to_json(ko_ice_meta_default_spec(&t->meta), &spec, NULL) != KO_OK)
        return NULL;
    char uuid[KO_UUID_STR_LEN + 1];
    ko_uuid_format(&t->meta.table_uuid, uuid);
    return kt_json_text(json_pack("{s:s, s:s, s:s, s:i, s:o}", "operation", "create", "location",
                                  t->meta.location, "table-uuid", uuid, "format-version",
                                  (int)t->meta.format_version, "partition-spec", spec),
                        arena);
}

/* Removes what put_v1 wrote when the catalog refused the table. */
static void undo_create(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_arena *arena)
{
    const char *k1 = kt_key(arena, t, "metadata/v1.metadata.json");
    const char *k2 = kt_key(arena, t, "metadata/version-hint.text");
    if (k1)
        (void)ko_store_delete(wh->store, k1, NULL);
    if (k2)
        (void)ko_store_delete(wh->store, k2, NULL);
}

static ko_status check_absent(const ko_ice_warehouse *wh, const ko_ice_table *t, ko_arena *arena,
                              ko_err *err)
{
    const char *loc = NULL;
    ko_err e2 = {0};
    ko_status st = wh->catalog->load(wh->catalog->ctx, t->ns, t->name, arena, &loc, &e2);
    if (st == KO_OK)
        return ko_err_set(err, KO_ERR_EXISTS, "table %s already exists", t->ident);
    if (st != KO_ERR_NOT_FOUND) {
        *err = e2;
        return st;
    }
    return KO_OK;
}

ko_status ko_ice_table_create(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const ko_ice_table_create_opts *opts, ko_arena *arena,
                              ko_ice_table *out, ko_err *err)
{
    ko_ice_table local = {0}, *t = out ? out : &local;
    if (!opts || !opts->schema)
        return ko_err_set(err, KO_ERR_INVALID, "table %s.%s: a new table needs a schema", ns, name);
    ko_status st = fill_names(ns, name, arena, t, err);
    if (st == KO_OK)
        st = check_absent(wh, t, arena, err);
    if (st == KO_OK)
        st = build_meta(wh, t, opts, arena, &t->meta, err);
    if (st == KO_OK)
        st = put_v1(wh, t, arena, err);
    if (st != KO_OK)
        return strstr(err->msg, t->ident) ? st : ko_err_prefix(err, "table %s", t->ident);
    st = kt_write_hint(wh, t, 1, err);
    const char *summary = st == KO_OK ? create_summary(t, arena) : NULL;
    if (st == KO_OK && !summary)
        st = kt_nomem(err);
    if (st == KO_OK)
        st = wh->catalog->create(wh->catalog->ctx, ns, name, t->metadata_location, summary, err);
    if (st != KO_OK)
        undo_create(wh, t, arena);
    return st;
}
