/*
 * audit.c - the append-only, hash-chained audit trail.
 *
 * Appending happens inside the write transaction of the change it records,
 * after cat_run has locked and read the chain's head (last id and hash), so
 * records are numbered without gaps in commit order and a rolled-back change
 * leaves no record.  A record's hash is SHA-256 (OpenSSL EVP) of
 *
 *     previous record's hash (64 hex digits, zeros for record 1) "\n"
 *     "korolev-audit-v1\n"
 *     then for each of id, time_us, principal, action, object,
 *     before_location, after_location, summary:
 *         "-\n" for NULL, else "<byte length>:<bytes>\n"
 *
 * Length prefixes make the serialization unambiguous whatever bytes the
 * fields hold.  The head row (ko_audit_head) records the last id and hash,
 * so verify also notices records removed from the end of the chain.
 *
 * Summaries are JSON objects: the caller's (operation, snapshot id ...) with
 * the catalog's own facts about the change added under keys the caller did
 * not use, stored compact with sorted keys.
 */
#include "catalog/cat_internal.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

enum { AUDIT_COLS = 9, VERIFY_BATCH = 1000 };

#define AUDIT_SELECT                                                                  \
    "SELECT id, time_us, principal, action, object, before_location, after_location," \
    " summary, hash FROM ko_audit"

/* ----------------------------------------------------------------- hashing */

typedef struct audit_fields {
    int64_t id;
    int64_t time_us;
    const char *principal, *action, *object, *before, *after, *summary;
} audit_fields;

static ko_status put_field(ko_buf *b, const char *v)
{
    if (!v)
        return ko_buf_append_str(b, "-\n");
    ko_status s = ko_buf_appendf(b, "%zu:", strlen(v));
    if (s == KO_OK)
        s = ko_buf_append_str(b, v);
    if (s == KO_OK)
        s = ko_buf_append_str(b, "\n");
    return s;
}

static ko_status serialize(const char *prev_hash, const audit_fields *f, ko_buf *b)
{
    char id[24], t[24];
    snprintf(id, sizeof id, "%lld", (long long)f->id);
    snprintf(t, sizeof t, "%lld", (long long)f->time_us);
    const char *vals[] = {id,        t,         f->principal, f->action,
                          f->object, f->before, f->after,     f->summary};
    ko_status s = ko_buf_appendf(b, "%s\nkorolev-audit-v1\n", prev_hash);
    for (size_t i = 0; i < KO_ARRAY_LEN(vals) && s == KO_OK; i++)
        s = put_field(b, vals[i]);
    return s;
}

/* hex = SHA-256(serialize(prev_hash, f)) in lowercase hex. */
static ko_status audit_hash(const char *prev_hash, const audit_fields *f,
                            char hex[KO_CAT_HASH_HEX + 1], ko_err *err)
{
    ko_buf b = {0};
    ko_status s = serialize(prev_hash, f, &b);
    if (s != KO_OK) {
        ko_buf_free(&b);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory hashing audit record %lld",
                          (long long)f->id);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL);
    ko_buf_free(&b);
    if (!ok || mdlen * 2 != KO_CAT_HASH_HEX)
        return ko_err_set(err, KO_ERR_INTERNAL, "SHA-256 failed for audit record %lld",
                          (long long)f->id);
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[KO_CAT_HASH_HEX] = '\0';
    return KO_OK;
}

/* ---------------------------------------------------------------- summaries */

ko_status cat_check_summary(const char *summary, ko_err *err)
{
    if (!summary)
        return KO_OK;
    json_error_t je;
    json_t *j = json_loads(summary, JSON_REJECT_DUPLICATES, &je);
    bool object = j && json_is_object(j);
    json_decref(j);
    if (!j)
        return ko_err_set(err, KO_ERR_INVALID, "audit summary is not valid JSON: %s (column %d)",
                          je.text, je.column);
    if (!object)
        return ko_err_set(err, KO_ERR_INVALID, "audit summary must be a JSON object");
    return KO_OK;
}

ko_status cat_json_take(ko_cat *cat, json_t *j, const char **out, ko_err *err)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    *out = text ? ko_arena_strdup(&cat->scratch, text) : NULL;
    free(text);
    if (!*out)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory building an audit summary");
    return KO_OK;
}

/* The caller's summary merged with the catalog's extra facts, compact with
 * sorted keys, in the scratch arena. */
static ko_status final_summary(ko_cat *cat, const char *summary, const char *extra,
                               const char **out, ko_err *err)
{
    json_t *j = summary ? json_loads(summary, 0, NULL) : json_object();
    json_t *x = extra ? json_loads(extra, 0, NULL) : NULL;
    ko_status s = KO_OK;
    if (!j || !json_is_object(j) || (extra && !json_is_object(x)))
        s = ko_err_set(err, KO_ERR_INVALID, "audit summary must be a JSON object");
    else if (x && json_object_update_missing(j, x) != 0)
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory building an audit summary");
    char *text = s == KO_OK ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (s == KO_OK && !(*out = text ? ko_arena_strdup(&cat->scratch, text) : NULL))
        s = ko_err_set(err, KO_ERR_NOMEM, "out of memory building an audit summary");
    free(text);
    json_decref(j);
    json_decref(x);
    return s;
}

/* ---------------------------------------------------------------- appending */

static ko_status insert_record(ko_cat *cat, const audit_fields *f, const char *hash, ko_err *err)
{
    ko_db_arg args[] = {
        ko_db_int(f->id),      ko_db_int(f->time_us),  ko_db_text(f->principal),
        ko_db_text(f->action), ko_db_text(f->object),  ko_db_text(f->before),
        ko_db_text(f->after),  ko_db_text(f->summary), ko_db_text(hash),
    };
    ko_status s = cat_exec(cat,
                           "INSERT INTO ko_audit (id, time_us, principal, action, object,"
                           " before_location, after_location, summary, hash)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                           args, KO_ARRAY_LEN(args), NULL, NULL, err);
    if (s != KO_OK)
        return s;
    ko_db_arg head[] = {ko_db_int(f->id), ko_db_text(hash)};
    return cat_exec(cat, "UPDATE ko_audit_head SET last_id = $1, last_hash = $2 WHERE one = 1",
                    head, KO_ARRAY_LEN(head), NULL, NULL, err);
}

ko_status cat_audit_add(ko_cat *cat, const cat_audit_in *in, int64_t *id, ko_err *err)
{
    const char *principal = in->chg && in->chg->principal ? in->chg->principal : "anonymous";
    const char *summary = in->summary ? in->summary : in->chg ? in->chg->summary : NULL;
    audit_fields f = {
        .id = cat->head_id + 1,
        .time_us = ko_now_us(),
        .principal = principal,
        .action = in->action,
        .object = in->object,
        .before = in->before,
        .after = in->after,
    };
    ko_status s = final_summary(cat, summary, in->extra, &f.summary, err);
    char hash[KO_CAT_HASH_HEX + 1];
    if (s == KO_OK)
        s = audit_hash(cat->head_hash, &f, hash, err);
    if (s == KO_OK)
        s = insert_record(cat, &f, hash, err);
    if (s != KO_OK)
        return s;
    cat->head_id = f.id;
    memcpy(cat->head_hash, hash, sizeof hash);
    if (id)
        *id = f.id;
    return KO_OK;
}

typedef struct append_ctx {
    cat_audit_in in;
    int64_t id;
} append_ctx;

static ko_status append_body(ko_cat *cat, void *ctx, ko_err *err)
{
    append_ctx *c = ctx;
    return cat_audit_add(cat, &c->in, &c->id, err);
}

ko_status ko_cat_audit_append(ko_cat *cat, const ko_cat_change *chg, const char *action,
                              const char *object, const char *before_location,
                              const char *after_location, int64_t *id, ko_err *err)
{
    ko_status s = cat_check_name("audit action", action, err);
    if (s == KO_OK)
        s = cat_check_name("audit object", object, err);
    if (s == KO_OK)
        s = cat_check_summary(chg ? chg->summary : NULL, err);
    if (s != KO_OK)
        return s;
    append_ctx c = {{chg, NULL, action, object, before_location, after_location, NULL}, 0};
    s = cat_run(cat, KO_DB_WRITE, append_body, &c, err);
    if (s == KO_OK && id)
        *id = c.id;
    return s;
}

typedef struct many_ctx {
    const ko_cat_audit_new *recs;
    size_t n;
    int64_t first;
} many_ctx;

static ko_status many_body(ko_cat *cat, void *ctx, ko_err *err)
{
    many_ctx *c = ctx;
    ko_status s = KO_OK;
    for (size_t i = 0; i < c->n && s == KO_OK; i++) {
        const ko_cat_audit_new *r = &c->recs[i];
        cat_audit_in in = {&r->chg,           NULL, r->action, r->object, r->before_location,
                           r->after_location, NULL};
        int64_t id = 0;
        s = cat_audit_add(cat, &in, &id, err);
        if (i == 0)
            c->first = id;
    }
    return s;
}

ko_status ko_cat_audit_append_many(ko_cat *cat, const ko_cat_audit_new *recs, size_t n,
                                   int64_t *first_id, ko_err *err)
{
    ko_status s = KO_OK;
    for (size_t i = 0; i < n && s == KO_OK; i++) {
        s = cat_check_name("audit action", recs[i].action, err);
        if (s == KO_OK)
            s = cat_check_name("audit object", recs[i].object, err);
        if (s == KO_OK)
            s = cat_check_summary(recs[i].chg.summary, err);
    }
    if (s != KO_OK || n == 0)
        return s;
    many_ctx c = {recs, n, 0};
    s = cat_run(cat, KO_DB_WRITE, many_body, &c, err);
    if (s == KO_OK && first_id)
        *first_id = c.first;
    return s;
}

/* ------------------------------------------------------------------ listing */

static ko_status row_to_rec(const ko_db_rows *r, size_t i, ko_arena *a, ko_cat_audit_rec *rec,
                            ko_err *err)
{
    const char *v[AUDIT_COLS];
    for (size_t c = 0; c < AUDIT_COLS; c++) {
        const char *cell = ko_db_cell(r, i, c);
        v[c] = cell && a ? ko_arena_strdup(a, cell) : cell;
        if (cell && !v[c])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing audit records");
    }
    rec->id = strtoll(v[0] ? v[0] : "0", NULL, 10);
    rec->time_us = strtoll(v[1] ? v[1] : "0", NULL, 10);
    rec->principal = v[2];
    rec->action = v[3];
    rec->object = v[4];
    rec->before_location = v[5];
    rec->after_location = v[6];
    rec->summary = v[7];
    rec->hash = v[8];
    return KO_OK;
}

typedef struct list_ctx {
    const ko_cat_audit_filter *f;
    int64_t after; /* the token's id, or -1 */
    size_t limit;
    ko_arena *a;
    ko_cat_audit_page *out;
} list_ctx;

static ko_status list_sql(const list_ctx *c, ko_buf *sql)
{
    const ko_cat_audit_filter *f = c->f;
    ko_status s = ko_buf_append_str(sql, AUDIT_SELECT " WHERE 1 = 1");
    const struct {
        bool on;
        const char *cond;
    } conds[] = {
        {c->after >= 0 && !f->newest_first, " AND id > $1"},
        {c->after >= 0 && f->newest_first, " AND id < $1"},
        {f->object != NULL, " AND object = $2"},
        {f->object_prefix != NULL, " AND substr(object, 1, length($3)) = $3"},
        {f->principal != NULL, " AND principal = $4"},
        {f->action != NULL, " AND action = $5"},
        {f->since_us != 0, " AND time_us >= $6"},
        {f->until_us != 0, " AND time_us < $7"},
    };
    for (size_t i = 0; i < KO_ARRAY_LEN(conds) && s == KO_OK; i++)
        if (conds[i].on)
            s = ko_buf_append_str(sql, conds[i].cond);
    if (s == KO_OK)
        s = ko_buf_append_str(sql, f->newest_first ? " ORDER BY id DESC LIMIT $8"
                                                   : " ORDER BY id LIMIT $8");
    return s;
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    list_ctx *c = ctx;
    const ko_cat_audit_filter *f = c->f;
    ko_buf sql = {0};
    if (list_sql(c, &sql) != KO_OK) {
        ko_buf_free(&sql);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing audit records");
    }
    ko_db_arg args[] = {
        ko_db_int(c->after),          ko_db_text(f->object),
        ko_db_text(f->object_prefix), ko_db_text(f->principal),
        ko_db_text(f->action),        ko_db_int(f->since_us),
        ko_db_int(f->until_us),       ko_db_int((int64_t)c->limit + 1),
    };
    ko_db_rows rows;
    ko_status s = cat_exec(cat, (const char *)sql.data, args, KO_ARRAY_LEN(args), &rows, NULL, err);
    ko_buf_free(&sql);
    if (s != KO_OK)
        return s;
    size_t n = rows.nrows > c->limit ? c->limit : rows.nrows;
    c->out->items = ko_arena_calloc(c->a, n ? n : 1, sizeof *c->out->items);
    if (!c->out->items)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing audit records");
    for (size_t i = 0; i < n && s == KO_OK; i++)
        s = row_to_rec(&rows, i, c->a, &c->out->items[i], err);
    c->out->len = n;
    c->out->next_token = NULL;
    if (s == KO_OK && rows.nrows > c->limit)
        c->out->next_token = ko_arena_sprintf(c->a, "%lld", (long long)c->out->items[n - 1].id);
    return s;
}

static ko_status parse_id_token(const char *token, int64_t *out, ko_err *err)
{
    char *end = NULL;
    long long v = token && *token ? strtoll(token, &end, 10) : -1;
    if (!end || *end || v < 0)
        return ko_err_set(err, KO_ERR_INVALID, "invalid audit page token \"%s\"",
                          token ? token : "");
    *out = v;
    return KO_OK;
}

ko_status ko_cat_audit_list(ko_cat *cat, const ko_cat_audit_filter *filter, const char *page_token,
                            size_t page_size, ko_arena *a, ko_cat_audit_page *out, ko_err *err)
{
    static const ko_cat_audit_filter none = {0};
    list_ctx c = {filter ? filter : &none, -1, cat_page_size(page_size), a, out};
    if (page_token) {
        ko_status s = parse_id_token(page_token, &c.after, err);
        if (s != KO_OK)
            return s;
    }
    return cat_run(cat, KO_DB_READ, list_body, &c, err);
}

/* -------------------------------------------------------------- verifying */

typedef struct verify_ctx {
    int64_t count;
    char prev[KO_CAT_HASH_HEX + 1];
} verify_ctx;

static ko_status verify_one(verify_ctx *v, const ko_cat_audit_rec *r, ko_err *err)
{
    int64_t want = v->count + 1;
    if (r->id != want)
        return ko_err_set(err, KO_ERR_CORRUPT,
                          "audit record %lld is missing: the chain goes from %lld to %lld",
                          (long long)want, (long long)v->count, (long long)r->id);
    audit_fields f = {r->id,     r->time_us,         r->principal,      r->action,
                      r->object, r->before_location, r->after_location, r->summary};
    char hash[KO_CAT_HASH_HEX + 1];
    ko_status s = audit_hash(v->prev, &f, hash, err);
    if (s != KO_OK)
        return s;
    if (!r->hash || strcmp(hash, r->hash) != 0)
        return ko_err_set(err, KO_ERR_CORRUPT,
                          "audit record %lld does not match its hash: it or an earlier record "
                          "was altered",
                          (long long)r->id);
    memcpy(v->prev, hash, sizeof hash);
    v->count = r->id;
    return KO_OK;
}

/* Checks the next batch of records; *more says whether a full batch came. */
static ko_status verify_batch(ko_cat *cat, verify_ctx *v, bool *more, ko_err *err)
{
    ko_db_arg args[] = {ko_db_int(v->count), ko_db_int(VERIFY_BATCH)};
    ko_db_rows rows = {0};
    ko_status s = cat_exec(cat, AUDIT_SELECT " WHERE id > $1 ORDER BY id LIMIT $2", args, 2, &rows,
                           NULL, err);
    for (size_t i = 0; i < rows.nrows && s == KO_OK; i++) {
        ko_cat_audit_rec r;
        s = row_to_rec(&rows, i, NULL, &r, err);
        if (s == KO_OK)
            s = verify_one(v, &r, err);
    }
    *more = s == KO_OK && rows.nrows == VERIFY_BATCH;
    ko_arena_free(&cat->scratch); /* rows of this batch are done with */
    return s;
}

static ko_status verify_head(ko_cat *cat, const verify_ctx *v, ko_err *err)
{
    ko_db_rows rows;
    ko_status s = cat_exec(cat, "SELECT last_id, last_hash FROM ko_audit_head WHERE one = 1", NULL,
                           0, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    if (rows.nrows != 1 || !ko_db_cell(&rows, 0, 0) || !ko_db_cell(&rows, 0, 1))
        return ko_err_set(err, KO_ERR_CORRUPT, "audit head row is missing");
    long long last = strtoll(ko_db_cell(&rows, 0, 0), NULL, 10);
    if (last != v->count)
        return ko_err_set(err, KO_ERR_CORRUPT,
                          "audit chain ends at record %lld but the head says record %lld: "
                          "records were removed",
                          (long long)v->count, last);
    if (strcmp(ko_db_cell(&rows, 0, 1), v->prev) != 0)
        return ko_err_set(err, KO_ERR_CORRUPT,
                          "audit record %lld does not match the hash the head recorded",
                          (long long)v->count);
    return KO_OK;
}

static ko_status verify_body(ko_cat *cat, void *ctx, ko_err *err)
{
    verify_ctx *v = ctx;
    v->count = 0;
    memcpy(v->prev, ZERO_HASH, sizeof v->prev);
    bool more = true;
    ko_status s = KO_OK;
    while (more && s == KO_OK)
        s = verify_batch(cat, v, &more, err);
    if (s == KO_OK)
        s = verify_head(cat, v, err);
    return s;
}

ko_status ko_cat_audit_verify(ko_cat *cat, int64_t *count, ko_err *err)
{
    verify_ctx v;
    ko_status s = cat_run(cat, KO_DB_READ, verify_body, &v, err);
    if (count)
        *count = s == KO_OK ? v.count : 0;
    return s;
}
