/*
 * namespace.c - namespaces: create, load, exists, list, drop, properties.
 *
 * A namespace is a row of ko_namespace keyed by its parts joined with 0x1F,
 * with the key of its parent (empty at the top level), and its properties
 * are rows of ko_namespace_prop.  Every check (does the parent exist, is the
 * namespace empty) and the change it guards run in one write transaction
 * that holds the catalog's write lock, so no concurrent writer can slip a
 * table into a namespace being dropped, and the audit record lands with the
 * change.  Children are listed by parent key in key order, which is name
 * order, resuming after the last key of the previous page.
 */
#include "catalog/cat_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ helpers */

static ko_status key_exists(ko_cat *cat, const char *key, bool *exists, ko_err *err)
{
    ko_db_arg arg = ko_db_text(key);
    ko_db_rows rows;
    ko_status s =
        cat_exec(cat, "SELECT 1 FROM ko_namespace WHERE name = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK)
        *exists = rows.nrows > 0;
    return s;
}

/* KO_ERR_NOT_FOUND unless the namespace with this key exists. */
static ko_status must_exist(ko_cat *cat, const char *key, const char *dotted, ko_err *err)
{
    bool exists = false;
    ko_status s = key_exists(cat, key, &exists, err);
    if (s == KO_OK && !exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "namespace %s does not exist", dotted);
    return s;
}

static ko_status check_props(const ko_cat_prop *props, size_t n, ko_err *err)
{
    for (size_t i = 0; i < n; i++) {
        ko_status s = cat_check_name("property key", props[i].key, err);
        if (s != KO_OK)
            return s;
        if (!props[i].value)
            return ko_err_set(err, KO_ERR_INVALID, "property %s has no value", props[i].key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(props[i].key, props[j].key) == 0)
                return ko_err_set(err, KO_ERR_INVALID, "property %s is given twice", props[i].key);
    }
    return KO_OK;
}

static json_t *props_json(const ko_cat_prop *props, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        if (json_object_set_new(o, props[i].key, json_string(props[i].value)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* ------------------------------------------------------------------ create */

typedef struct ns_ctx {
    const ko_cat_change *chg;
    ko_cat_ns ns;
    const ko_cat_prop *props;
    size_t nprops;
    const char *const *removals;
    size_t nremovals;
    ko_arena *a;
    const ko_cat_ns *parent;
    const char *token;
    size_t limit;
    void *out;
} ns_ctx;

static ko_status check_parent(ko_cat *cat, ko_cat_ns ns, const char *parent, const char *dotted,
                              ko_err *err)
{
    if (!*parent)
        return KO_OK;
    bool exists = false;
    ko_status s = key_exists(cat, parent, &exists, err);
    if (s == KO_OK && !exists) {
        ko_cat_ns up = {ns.parts, ns.len - 1};
        const char *shown = ko_cat_ns_str(up, &cat->scratch);
        return ko_err_set(err, KO_ERR_NOT_FOUND,
                          "cannot create namespace %s: parent namespace %s does not exist", dotted,
                          shown ? shown : "?");
    }
    return s;
}

static ko_status insert_props(ko_cat *cat, const char *key, const ko_cat_prop *props, size_t n,
                              ko_err *err)
{
    ko_status s = KO_OK;
    for (size_t i = 0; i < n && s == KO_OK; i++) {
        ko_db_arg args[] = {ko_db_text(key), ko_db_text(props[i].key), ko_db_text(props[i].value)};
        s = cat_exec(cat,
                     "INSERT INTO ko_namespace_prop (ns, key, value) VALUES ($1, $2, $3)"
                     " ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value",
                     args, 3, NULL, NULL, err);
    }
    return s;
}

static ko_status create_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    const char *key = NULL, *parent = NULL, *dotted = NULL;
    ko_status s = cat_ns_key(cat, c->ns, &key, &parent, &dotted, err);
    if (s == KO_OK)
        s = check_parent(cat, c->ns, parent, dotted, err);
    bool exists = false;
    if (s == KO_OK)
        s = key_exists(cat, key, &exists, err);
    if (s != KO_OK)
        return s;
    if (exists)
        return ko_err_set(err, KO_ERR_EXISTS, "namespace %s already exists", dotted);
    ko_db_arg args[] = {ko_db_text(key), ko_db_text(parent), ko_db_int(ko_now_us())};
    s = cat_exec(cat, "INSERT INTO ko_namespace (name, parent, created_us) VALUES ($1, $2, $3)",
                 args, 3, NULL, NULL, err);
    if (s == KO_OK)
        s = insert_props(cat, key, c->props, c->nprops, err);
    const char *extra = NULL;
    if (s == KO_OK && c->nprops) {
        json_t *j = json_pack("{s:o*}", "properties", props_json(c->props, c->nprops));
        s = cat_json_take(cat, j, &extra, err);
    }
    cat_audit_in in = {c->chg, NULL, "namespace.create", dotted, NULL, NULL, extra};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

ko_status ko_cat_ns_create(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                           const ko_cat_prop *props, size_t nprops, ko_err *err)
{
    ko_status s = check_props(props, nprops, err);
    if (s == KO_OK)
        s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    ns_ctx c = {.chg = chg, .ns = ns, .props = props, .nprops = nprops};
    return cat_run(cat, KO_DB_WRITE, create_body, &c, err);
}

/* ------------------------------------------------------------ load, exists */

static ko_status load_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    ko_cat_props *out = c->out;
    const char *key = NULL, *dotted = NULL;
    ko_status s = cat_ns_key(cat, c->ns, &key, NULL, &dotted, err);
    if (s == KO_OK)
        s = must_exist(cat, key, dotted, err);
    ko_db_arg arg = ko_db_text(key);
    ko_db_rows rows;
    if (s == KO_OK)
        s = cat_exec(cat, "SELECT key, value FROM ko_namespace_prop WHERE ns = $1 ORDER BY key",
                     &arg, 1, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    out->len = rows.nrows;
    out->items = ko_arena_calloc(c->a, rows.nrows ? rows.nrows : 1, sizeof *out->items);
    for (size_t i = 0; out->items && i < rows.nrows; i++) {
        out->items[i].key = ko_arena_strdup(c->a, ko_db_cell(&rows, i, 0));
        out->items[i].value = ko_arena_strdup(c->a, ko_db_cell(&rows, i, 1));
        if (!out->items[i].key || !out->items[i].value)
            out->items = NULL;
    }
    if (!out->items)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory loading namespace %s", dotted);
    return KO_OK;
}

ko_status ko_cat_ns_load(ko_cat *cat, ko_cat_ns ns, ko_arena *a, ko_cat_props *out, ko_err *err)
{
    ns_ctx c = {.ns = ns, .a = a, .out = out};
    return cat_run(cat, KO_DB_READ, load_body, &c, err);
}

static ko_status exists_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    const char *key = NULL;
    ko_status s = cat_ns_key(cat, c->ns, &key, NULL, NULL, err);
    if (s == KO_OK)
        s = key_exists(cat, key, c->out, err);
    return s;
}

ko_status ko_cat_ns_exists(ko_cat *cat, ko_cat_ns ns, bool *exists, ko_err *err)
{
    *exists = false;
    ns_ctx c = {.ns = ns, .out = exists};
    return cat_run(cat, KO_DB_READ, exists_body, &c, err);
}

/* -------------------------------------------------------------------- list */

static ko_status fill_ns_page(const ko_db_rows *rows, size_t limit, ko_arena *a,
                              ko_cat_ns_page *out, ko_err *err)
{
    size_t n = rows->nrows > limit ? limit : rows->nrows;
    out->items = ko_arena_calloc(a, n ? n : 1, sizeof *out->items);
    if (!out->items)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing namespaces");
    for (size_t i = 0; i < n; i++) {
        ko_status s = cat_ns_from_key(ko_db_cell(rows, i, 0), a, &out->items[i], err);
        if (s != KO_OK)
            return s;
    }
    out->len = n;
    out->next_token = NULL;
    if (rows->nrows > limit && !(out->next_token = cat_token_encode(ko_db_cell(rows, n - 1, 0), a)))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing namespaces");
    return KO_OK;
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    const char *key = "", *dotted = "", *after = "";
    ko_status s = KO_OK;
    if (c->parent && c->parent->len) {
        s = cat_ns_key(cat, *c->parent, &key, NULL, &dotted, err);
        if (s == KO_OK)
            s = must_exist(cat, key, dotted, err);
    }
    if (s == KO_OK && c->token)
        s = cat_token_decode(c->token, &cat->scratch, &after, err);
    if (s != KO_OK)
        return s;
    ko_db_arg args[] = {ko_db_text(key), ko_db_text(after), ko_db_int((int64_t)c->limit + 1)};
    ko_db_rows rows;
    s = cat_exec(cat,
                 "SELECT name FROM ko_namespace WHERE parent = $1 AND name > $2"
                 " ORDER BY name LIMIT $3",
                 args, 3, &rows, NULL, err);
    if (s == KO_OK)
        s = fill_ns_page(&rows, c->limit, c->a, c->out, err);
    return s;
}

ko_status ko_cat_ns_list(ko_cat *cat, const ko_cat_ns *parent, const char *page_token,
                         size_t page_size, ko_arena *a, ko_cat_ns_page *out, ko_err *err)
{
    ns_ctx c = {.parent = parent,
                .token = page_token,
                .limit = cat_page_size(page_size),
                .a = a,
                .out = out};
    return cat_run(cat, KO_DB_READ, list_body, &c, err);
}

/* -------------------------------------------------------------------- drop */

/* KO_ERR_CONFLICT naming a table or child namespace if any exists. */
static ko_status must_be_empty(ko_cat *cat, const char *key, const char *dotted, ko_err *err)
{
    ko_db_arg arg = ko_db_text(key);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, "SELECT name FROM ko_table WHERE ns = $1 ORDER BY name LIMIT 1",
                           &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "cannot drop namespace %s: it is not empty (it holds table %s.%s)",
                          dotted, dotted, ko_db_cell(&rows, 0, 0));
    if (s == KO_OK)
        s = cat_exec(cat, "SELECT name FROM ko_namespace WHERE parent = $1 ORDER BY name LIMIT 1",
                     &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows) {
        ko_cat_ns child;
        const char *shown = NULL;
        if (cat_ns_from_key(ko_db_cell(&rows, 0, 0), &cat->scratch, &child, NULL) == KO_OK)
            shown = ko_cat_ns_str(child, &cat->scratch);
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "cannot drop namespace %s: it is not empty (it holds namespace %s)",
                          dotted, shown ? shown : "?");
    }
    return s;
}

static ko_status drop_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    const char *key = NULL, *dotted = NULL;
    ko_status s = cat_ns_key(cat, c->ns, &key, NULL, &dotted, err);
    if (s == KO_OK)
        s = must_exist(cat, key, dotted, err);
    if (s == KO_OK)
        s = must_be_empty(cat, key, dotted, err);
    ko_db_arg arg = ko_db_text(key);
    if (s == KO_OK)
        s = cat_exec(cat, "DELETE FROM ko_namespace_prop WHERE ns = $1", &arg, 1, NULL, NULL, err);
    if (s == KO_OK)
        s = cat_exec(cat, "DELETE FROM ko_namespace WHERE name = $1", &arg, 1, NULL, NULL, err);
    cat_audit_in in = {c->chg, NULL, "namespace.drop", dotted, NULL, NULL, NULL};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

ko_status ko_cat_ns_drop(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, ko_err *err)
{
    ko_status s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    ns_ctx c = {.chg = chg, .ns = ns};
    return cat_run(cat, KO_DB_WRITE, drop_body, &c, err);
}

/* -------------------------------------------------------------- properties */

static ko_status check_update(const ko_cat_prop *sets, size_t nsets, const char *const *removals,
                              size_t nremovals, ko_err *err)
{
    ko_status s = check_props(sets, nsets, err);
    for (size_t i = 0; i < nremovals && s == KO_OK; i++) {
        s = cat_check_name("property key", removals[i], err);
        for (size_t j = 0; j < nsets && s == KO_OK; j++)
            if (strcmp(removals[i], sets[j].key) == 0)
                s = ko_err_set(err, KO_ERR_INVALID, "property %s is both set and removed",
                               removals[i]);
        for (size_t j = 0; j < i && s == KO_OK; j++)
            if (strcmp(removals[i], removals[j]) == 0)
                s = ko_err_set(err, KO_ERR_INVALID, "property %s is removed twice", removals[i]);
    }
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Copies the n strings of src into a sorted array in a. */
static const char **sorted_copy(const char *const *src, size_t n, ko_arena *a)
{
    const char **out = ko_arena_calloc(a, n ? n : 1, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = ko_arena_strdup(a, src[i])))
            return NULL;
    if (out && n)
        qsort(out, n, sizeof *out, cmp_str);
    return out;
}

/* Removes the keys, sorting them into removed[] and missing[] (scratch). */
static ko_status remove_props(ko_cat *cat, ns_ctx *c, const char *key, const char **removed,
                              size_t *nrem, const char **missing, size_t *nmiss, ko_err *err)
{
    ko_status s = KO_OK;
    for (size_t i = 0; i < c->nremovals && s == KO_OK; i++) {
        ko_db_arg args[] = {ko_db_text(key), ko_db_text(c->removals[i])};
        int64_t changed = 0;
        s = cat_exec(cat, "DELETE FROM ko_namespace_prop WHERE ns = $1 AND key = $2", args, 2, NULL,
                     &changed, err);
        if (changed)
            removed[(*nrem)++] = c->removals[i];
        else
            missing[(*nmiss)++] = c->removals[i];
    }
    return s;
}

static json_t *update_json(const ns_ctx *c, const char *const *removed, size_t nrem)
{
    json_t *rem = json_array();
    for (size_t i = 0; rem && i < nrem; i++)
        if (json_array_append_new(rem, json_string(removed[i])) != 0) {
            json_decref(rem);
            rem = NULL;
        }
    return json_pack("{s:o*,s:o*}", "updated", props_json(c->props, c->nprops), "removed", rem);
}

static ko_status fill_update(ns_ctx *c, const char **removed, size_t nrem, const char **missing,
                             size_t nmiss, ko_err *err)
{
    ko_cat_prop_update *out = c->out;
    if (!out)
        return KO_OK;
    const char **keys = ko_arena_calloc(c->a, c->nprops ? c->nprops : 1, sizeof *keys);
    for (size_t i = 0; keys && i < c->nprops; i++)
        keys[i] = c->props[i].key;
    out->updated = keys ? sorted_copy(keys, c->nprops, c->a) : NULL;
    out->n_updated = c->nprops;
    out->removed = sorted_copy(removed, nrem, c->a);
    out->n_removed = nrem;
    out->missing = sorted_copy(missing, nmiss, c->a);
    out->n_missing = nmiss;
    if (!out->updated || !out->removed || !out->missing)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory updating properties");
    return KO_OK;
}

static ko_status update_body(ko_cat *cat, void *ctx, ko_err *err)
{
    ns_ctx *c = ctx;
    const char *key = NULL, *dotted = NULL;
    ko_status s = cat_ns_key(cat, c->ns, &key, NULL, &dotted, err);
    if (s == KO_OK)
        s = must_exist(cat, key, dotted, err);
    size_t n = c->nremovals ? c->nremovals : 1, nrem = 0, nmiss = 0;
    const char **removed = ko_arena_calloc(&cat->scratch, n, sizeof(char *));
    const char **missing = ko_arena_calloc(&cat->scratch, n, sizeof(char *));
    if (s == KO_OK && (!removed || !missing))
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory updating namespace %s", dotted);
    if (s == KO_OK)
        s = remove_props(cat, c, key, removed, &nrem, missing, &nmiss, err);
    if (s == KO_OK)
        s = insert_props(cat, key, c->props, c->nprops, err);
    const char *extra = NULL;
    if (s == KO_OK)
        s = cat_json_take(cat, update_json(c, removed, nrem), &extra, err);
    cat_audit_in in = {c->chg, NULL, "namespace.update_properties", dotted, NULL, NULL, extra};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    if (s == KO_OK)
        s = fill_update(c, removed, nrem, missing, nmiss, err);
    return s;
}

ko_status ko_cat_ns_update_props(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                                 const ko_cat_prop *sets, size_t nsets, const char *const *removals,
                                 size_t nremovals, ko_arena *a, ko_cat_prop_update *out,
                                 ko_err *err)
{
    ko_status s = check_update(sets, nsets, removals, nremovals, err);
    if (s == KO_OK)
        s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    ns_ctx c = {.chg = chg,
                .ns = ns,
                .props = sets,
                .nprops = nsets,
                .removals = removals,
                .nremovals = nremovals,
                .a = a,
                .out = out};
    return cat_run(cat, KO_DB_WRITE, update_body, &c, err);
}
