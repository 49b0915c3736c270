/*
 * table.c - tables and commits: the pointer from a table name to its
 * current Iceberg metadata file, and the compare-and-swap that moves it.
 *
 * A table is a row of ko_table (namespace key, name, location, previous
 * location).  Each mutation runs in one write transaction holding the
 * catalog's write lock (see cat_run): it checks what it needs (namespace
 * exists, target free, current location is the expected one), changes the
 * row and appends its audit record, and either all of that commits or none
 * of it does.  The UPDATE of a commit also repeats the expected location in
 * its WHERE clause, so even without the lock it could not overwrite a
 * pointer it did not read.  A multi-table commit does the same for every
 * table inside one transaction; the first failure rolls everything back.
 */
#include "catalog/cat_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A table's name resolved for SQL and for messages. */
typedef struct tref {
    const char *key;   /* namespace storage key */
    const char *ns;    /* "a.b" */
    const char *name;  /* table name */
    const char *shown; /* "a.b.t" */
} tref;

static ko_status resolve(ko_cat *cat, ko_cat_ns ns, const char *name, tref *t, ko_err *err)
{
    ko_status s = cat_ns_key(cat, ns, &t->key, NULL, &t->ns, err);
    if (s != KO_OK)
        return s;
    if (cat_check_name("table name", name, err) != KO_OK)
        return ko_err_prefix(err, "namespace %s", t->ns);
    t->name = name;
    t->shown = ko_arena_sprintf(&cat->scratch, "%s.%s", t->ns, name);
    if (!t->shown)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory for a table name");
    return KO_OK;
}

static ko_status ns_exists(ko_cat *cat, const tref *t, bool *exists, ko_err *err)
{
    ko_db_arg arg = ko_db_text(t->key);
    ko_db_rows rows;
    ko_status s =
        cat_exec(cat, "SELECT 1 FROM ko_namespace WHERE name = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK)
        *exists = rows.nrows > 0;
    return s;
}

/* Reads the table's row (location, prev_location, created_us, updated_us);
 * *found says whether there is one. */
static ko_status fetch(ko_cat *cat, const tref *t, ko_db_rows *rows, bool *found, ko_err *err)
{
    ko_db_arg args[] = {ko_db_text(t->key), ko_db_text(t->name)};
    ko_status s = cat_exec(cat,
                           "SELECT location, prev_location, created_us, updated_us FROM ko_table"
                           " WHERE ns = $1 AND name = $2",
                           args, 2, rows, NULL, err);
    *found = s == KO_OK && rows->nrows == 1;
    return s;
}

/* NOT_FOUND for table t, saying why when its namespace is missing too. */
static ko_status not_found(ko_cat *cat, const tref *t, ko_err *err)
{
    bool exists = true;
    ko_status s = ns_exists(cat, t, &exists, err);
    if (s != KO_OK)
        return s;
    if (!exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s not found: namespace %s does not exist",
                          t->shown, t->ns);
    return ko_err_set(err, KO_ERR_NOT_FOUND, "table %s not found", t->shown);
}

/* Fetches the row of a table that must exist. */
static ko_status fetch_existing(ko_cat *cat, const tref *t, ko_db_rows *rows, ko_err *err)
{
    bool found = false;
    ko_status s = fetch(cat, t, rows, &found, err);
    if (s == KO_OK && !found)
        return not_found(cat, t, err);
    return s;
}

static ko_status check_location(const char *what, const char *loc, ko_err *err)
{
    return cat_check_name(what, loc, err);
}

/* ---------------------------------------------------------- create/register */

typedef struct tbl_ctx {
    const ko_cat_change *chg;
    ko_cat_ns ns;
    const char *name;
    const char *location;
    const char *action;
    ko_cat_ns to_ns;
    const char *to_name;
    ko_arena *a;
    const char *token;
    size_t limit;
    void *out;
} tbl_ctx;

static ko_status create_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    tref t;
    ko_status s = resolve(cat, c->ns, c->name, &t, err);
    bool exists = false;
    if (s == KO_OK)
        s = ns_exists(cat, &t, &exists, err);
    if (s == KO_OK && !exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND,
                          "cannot create table %s: namespace %s does not exist", t.shown, t.ns);
    ko_db_rows rows;
    if (s == KO_OK)
        s = fetch(cat, &t, &rows, &exists, err);
    if (s != KO_OK)
        return s;
    if (exists)
        return ko_err_set(err, KO_ERR_EXISTS, "table %s already exists", t.shown);
    ko_db_arg args[] = {ko_db_text(t.key), ko_db_text(t.name), ko_db_text(c->location),
                        ko_db_int(ko_now_us())};
    s = cat_exec(cat,
                 "INSERT INTO ko_table (ns, name, location, prev_location, created_us,"
                 " updated_us) VALUES ($1, $2, $3, NULL, $4, $4)",
                 args, 4, NULL, NULL, err);
    cat_audit_in in = {c->chg, NULL, c->action, t.shown, NULL, c->location, NULL};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

static ko_status create_as(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                           const char *location, const char *action, ko_err *err)
{
    ko_status s = check_location("metadata location", location, err);
    if (s == KO_OK)
        s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    tbl_ctx c = {.chg = chg, .ns = ns, .name = name, .location = location, .action = action};
    return cat_run(cat, KO_DB_WRITE, create_body, &c, err);
}

ko_status ko_cat_table_create(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                              const char *metadata_location, ko_err *err)
{
    return create_as(cat, chg, ns, name, metadata_location, "table.create", err);
}

ko_status ko_cat_table_register(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns,
                                const char *name, const char *metadata_location, ko_err *err)
{
    return create_as(cat, chg, ns, name, metadata_location, "table.register", err);
}

/* ------------------------------------------------------------ load, exists */

static char *dup_cell(const ko_db_rows *rows, size_t col, ko_arena *a)
{
    const char *v = ko_db_cell(rows, 0, col);
    return v ? ko_arena_strdup(a, v) : NULL;
}

static ko_status load_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    ko_cat_table *out = c->out;
    tref t;
    ko_db_rows rows;
    ko_status s = resolve(cat, c->ns, c->name, &t, err);
    if (s == KO_OK)
        s = fetch_existing(cat, &t, &rows, err);
    if (s != KO_OK)
        return s;
    out->location = dup_cell(&rows, 0, c->a);
    out->prev_location = dup_cell(&rows, 1, c->a);
    out->created_us = strtoll(ko_db_cell(&rows, 0, 2), NULL, 10);
    out->updated_us = strtoll(ko_db_cell(&rows, 0, 3), NULL, 10);
    if (!out->location || (ko_db_cell(&rows, 0, 1) && !out->prev_location))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory loading table %s", t.shown);
    return KO_OK;
}

ko_status ko_cat_table_load(ko_cat *cat, ko_cat_ns ns, const char *name, ko_arena *a,
                            ko_cat_table *out, ko_err *err)
{
    tbl_ctx c = {.ns = ns, .name = name, .a = a, .out = out};
    return cat_run(cat, KO_DB_READ, load_body, &c, err);
}

static ko_status exists_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    tref t;
    ko_db_rows rows;
    ko_status s = resolve(cat, c->ns, c->name, &t, err);
    if (s == KO_OK)
        s = fetch(cat, &t, &rows, c->out, err);
    return s;
}

ko_status ko_cat_table_exists(ko_cat *cat, ko_cat_ns ns, const char *name, bool *exists,
                              ko_err *err)
{
    *exists = false;
    tbl_ctx c = {.ns = ns, .name = name, .out = exists};
    return cat_run(cat, KO_DB_READ, exists_body, &c, err);
}

/* -------------------------------------------------------------------- list */

static ko_status fill_names(const ko_db_rows *rows, size_t limit, ko_arena *a,
                            ko_cat_name_page *out, ko_err *err)
{
    size_t n = rows->nrows > limit ? limit : rows->nrows;
    out->names = ko_arena_calloc(a, n ? n : 1, sizeof *out->names);
    for (size_t i = 0; out->names && i < n; i++)
        if (!(out->names[i] = ko_arena_strdup(a, ko_db_cell(rows, i, 0))))
            out->names = NULL;
    out->len = n;
    out->next_token = NULL;
    if (out->names && rows->nrows > limit)
        out->next_token = cat_token_encode(ko_db_cell(rows, n - 1, 0), a);
    if (!out->names || (rows->nrows > limit && !out->next_token))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing tables");
    return KO_OK;
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    const char *key = NULL, *dotted = NULL, *after = "";
    ko_status s = cat_ns_key(cat, c->ns, &key, NULL, &dotted, err);
    tref t = {key, dotted, NULL, NULL};
    bool exists = false;
    if (s == KO_OK)
        s = ns_exists(cat, &t, &exists, err);
    if (s == KO_OK && !exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "namespace %s does not exist", dotted);
    if (s == KO_OK && c->token)
        s = cat_token_decode(c->token, &cat->scratch, &after, err);
    if (s != KO_OK)
        return s;
    ko_db_arg args[] = {ko_db_text(key), ko_db_text(after), ko_db_int((int64_t)c->limit + 1)};
    ko_db_rows rows;
    s = cat_exec(cat,
                 "SELECT name FROM ko_table WHERE ns = $1 AND name > $2 ORDER BY name LIMIT $3",
                 args, 3, &rows, NULL, err);
    if (s == KO_OK)
        s = fill_names(&rows, c->limit, c->a, c->out, err);
    return s;
}

ko_status ko_cat_table_list(ko_cat *cat, ko_cat_ns ns, const char *page_token, size_t page_size,
                            ko_arena *a, ko_cat_name_page *out, ko_err *err)
{
    tbl_ctx c = {
        .ns = ns, .token = page_token, .limit = cat_page_size(page_size), .a = a, .out = out};
    return cat_run(cat, KO_DB_READ, list_body, &c, err);
}

/* ------------------------------------------------------------------ rename */

static ko_status check_target(ko_cat *cat, const tref *from, const tref *to, ko_err *err)
{
    bool exists = false;
    ko_status s = ns_exists(cat, to, &exists, err);
    if (s == KO_OK && !exists)
        return ko_err_set(err, KO_ERR_NOT_FOUND,
                          "cannot rename table %s to %s: namespace %s does not exist", from->shown,
                          to->shown, to->ns);
    ko_db_rows rows;
    if (s == KO_OK)
        s = fetch(cat, to, &rows, &exists, err);
    if (s == KO_OK && exists)
        return ko_err_set(err, KO_ERR_EXISTS, "cannot rename table %s to %s: %s already exists",
                          from->shown, to->shown, to->shown);
    return s;
}

static ko_status rename_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    tref from, to;
    ko_db_rows rows;
    ko_status s = resolve(cat, c->ns, c->name, &from, err);
    if (s == KO_OK)
        s = resolve(cat, c->to_ns, c->to_name, &to, err);
    if (s == KO_OK)
        s = fetch_existing(cat, &from, &rows, err);
    if (s == KO_OK)
        s = check_target(cat, &from, &to, err);
    if (s != KO_OK)
        return s;
    const char *loc = ko_db_cell(&rows, 0, 0);
    ko_db_arg args[] = {ko_db_text(from.key), ko_db_text(from.name), ko_db_text(to.key),
                        ko_db_text(to.name), ko_db_int(ko_now_us())};
    s = cat_exec(cat,
                 "UPDATE ko_table SET ns = $3, name = $4, updated_us = $5"
                 " WHERE ns = $1 AND name = $2",
                 args, 5, NULL, NULL, err);
    const char *extra = NULL;
    if (s == KO_OK)
        s = cat_json_take(cat, json_pack("{s:s}", "renamed-to", to.shown), &extra, err);
    cat_audit_in in = {c->chg, NULL, "table.rename", from.shown, loc, loc, extra};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

ko_status ko_cat_table_rename(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                              ko_cat_ns to_ns, const char *to_name, ko_err *err)
{
    ko_status s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    tbl_ctx c = {.chg = chg, .ns = ns, .name = name, .to_ns = to_ns, .to_name = to_name};
    return cat_run(cat, KO_DB_WRITE, rename_body, &c, err);
}

/* -------------------------------------------------------------------- drop */

static ko_status drop_body(ko_cat *cat, void *ctx, ko_err *err)
{
    tbl_ctx *c = ctx;
    tref t;
    ko_db_rows rows;
    ko_status s = resolve(cat, c->ns, c->name, &t, err);
    if (s == KO_OK)
        s = fetch_existing(cat, &t, &rows, err);
    if (s != KO_OK)
        return s;
    const char *loc = ko_db_cell(&rows, 0, 0);
    ko_db_arg args[] = {ko_db_text(t.key), ko_db_text(t.name)};
    s = cat_exec(cat, "DELETE FROM ko_table WHERE ns = $1 AND name = $2", args, 2, NULL, NULL, err);
    cat_audit_in in = {c->chg, NULL, "table.drop", t.shown, loc, NULL, NULL};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    const char **out = c->out;
    if (s == KO_OK && out && !(*out = ko_arena_strdup(c->a, loc)))
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory dropping table %s", t.shown);
    return s;
}

ko_status ko_cat_table_drop(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                            ko_arena *a, const char **last_location, ko_err *err)
{
    ko_status s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    if (last_location && !a)
        return ko_err_set(err, KO_ERR_INVALID, "dropping a table: no arena for its location");
    tbl_ctx c = {.chg = chg, .ns = ns, .name = name, .a = a, .out = last_location};
    return cat_run(cat, KO_DB_WRITE, drop_body, &c, err);
}

/* ------------------------------------------------------------------ commit */

typedef struct commit_ctx {
    const ko_cat_change *chg;
    const ko_cat_commit_req *reqs;
    size_t n;
} commit_ctx;

static ko_status commit_one(ko_cat *cat, const ko_cat_change *chg, const ko_cat_commit_req *r,
                            ko_err *err)
{
    tref t;
    ko_db_rows rows;
    ko_status s = resolve(cat, r->ns, r->name, &t, err);
    if (s == KO_OK)
        s = fetch_existing(cat, &t, &rows, err);
    if (s != KO_OK)
        return s;
    const char *cur = ko_db_cell(&rows, 0, 0);
    if (strcmp(cur, r->expected_location) != 0)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "commit of %s conflicts: expected metadata location %s but the "
                          "current one is %s",
                          t.shown, r->expected_location, cur);
    ko_db_arg args[] = {ko_db_text(t.key), ko_db_text(t.name), ko_db_text(r->new_location),
                        ko_db_text(r->expected_location), ko_db_int(ko_now_us())};
    int64_t changed = 0;
    s = cat_exec(cat,
                 "UPDATE ko_table SET location = $3, prev_location = $4, updated_us = $5"
                 " WHERE ns = $1 AND name = $2 AND location = $4",
                 args, 5, NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "commit of %s conflicts: its metadata location changed concurrently",
                          t.shown);
    cat_audit_in in = {
        chg, r->summary, "table.commit", t.shown, r->expected_location, r->new_location, NULL};
    if (s == KO_OK)
        s = cat_audit_add(cat, &in, NULL, err);
    return s;
}

static ko_status commit_body(ko_cat *cat, void *ctx, ko_err *err)
{
    commit_ctx *c = ctx;
    ko_status s = KO_OK;
    for (size_t i = 0; i < c->n && s == KO_OK; i++)
        s = commit_one(cat, c->chg, &c->reqs[i], err);
    return s;
}

static bool same_table(const ko_cat_commit_req *a, const ko_cat_commit_req *b)
{
    if (a->ns.len != b->ns.len || strcmp(a->name, b->name) != 0)
        return false;
    for (size_t i = 0; i < a->ns.len; i++)
        if (strcmp(a->ns.parts[i], b->ns.parts[i]) != 0)
            return false;
    return true;
}

static ko_status check_req(const ko_cat_change *chg, const ko_cat_commit_req *reqs, size_t i,
                           ko_err *err)
{
    const ko_cat_commit_req *r = &reqs[i];
    ko_status s = cat_check_name("table name", r->name, err);
    if (s == KO_OK)
        s = check_location("expected metadata location", r->expected_location, err);
    if (s == KO_OK)
        s = check_location("new metadata location", r->new_location, err);
    if (s == KO_OK)
        s = cat_check_summary(r->summary ? r->summary : chg ? chg->summary : NULL, err);
    for (size_t j = 0; j < i && s == KO_OK; j++)
        if (same_table(r, &reqs[j]))
            s = ko_err_set(err, KO_ERR_INVALID, "table %s is committed twice in one transaction",
                           r->name);
    if (s != KO_OK)
        ko_err_prefix(err, "commit of table %s", r->name ? r->name : "(null)");
    return s;
}

ko_status ko_cat_commit_multi(ko_cat *cat, const ko_cat_change *chg, const ko_cat_commit_req *reqs,
                              size_t n, ko_err *err)
{
    if (n == 0 || !reqs)
        return ko_err_set(err, KO_ERR_INVALID, "commit: no tables to commit");
    for (size_t i = 0; i < n; i++) {
        ko_status s = check_req(chg, reqs, i, err);
        if (s != KO_OK)
            return s;
    }
    commit_ctx c = {chg, reqs, n};
    return cat_run(cat, KO_DB_WRITE, commit_body, &c, err);
}

ko_status ko_cat_commit(ko_cat *cat, const ko_cat_change *chg, ko_cat_ns ns, const char *name,
                        const char *expected_location, const char *new_location, ko_err *err)
{
    ko_cat_commit_req r = {ns, name, expected_location, new_location, NULL};
    return ko_cat_commit_multi(cat, chg, &r, 1, err);
}
