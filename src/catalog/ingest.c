/*
 * ingest.c - ingest records and idempotency keys (catalog.h, "ingests").
 *
 * One row of ko_ingest per ingest: its id, the optional idempotency key
 * (UNIQUE), the table, the state, the claim's attempt number, the counts
 * and the whole record as JSON once it ends.  Claims run in a write
 * transaction, which holds the catalog's single write lock (the audit
 * head), so "look the key up, then insert or take over" is atomic across
 * processes and machines; the UNIQUE constraint is a second guard.
 *
 * The attempt number is a fencing token: a takeover increments it, and
 * heartbeat and finish match it in their WHERE clause, so an owner that
 * lost its claim (it stalled past the lease) cannot finish the row.
 */
#include "catalog/cat_internal.h"

#include <stdlib.h>
#include <string.h>

enum { INGEST_COLS = 13 };

#define INGEST_SELECT                                                                     \
    "SELECT id, idem_key, ns, name, status, attempt, received, written, rejected, bytes," \
    " created_us, updated_us, record FROM ko_ingest"

static int64_t num(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static ko_status row_to_ingest(const ko_db_rows *r, size_t i, ko_arena *a, ko_cat_ingest *g,
                               ko_err *err)
{
    const char *v[INGEST_COLS];
    for (size_t c = 0; c < INGEST_COLS; c++) {
        const char *cell = ko_db_cell(r, i, c);
        v[c] = cell ? ko_arena_strdup(a, cell) : NULL;
        if (cell && !v[c])
            return ko_err_set(err, KO_ERR_NOMEM, "out of memory reading ingests");
    }
    *g = (ko_cat_ingest){.id = v[0],
                         .idem_key = v[1],
                         .ns = v[2],
                         .name = v[3],
                         .status = v[4],
                         .attempt = num(v[5]),
                         .received = num(v[6]),
                         .written = num(v[7]),
                         .rejected = num(v[8]),
                         .bytes = num(v[9]),
                         .created_us = num(v[10]),
                         .updated_us = num(v[11]),
                         .record = v[12]};
    return KO_OK;
}

/* ------------------------------------------------------------------ claim */

typedef struct claim_ctx {
    const ko_cat_ingest *want;
    int64_t lease_us;
    ko_arena *a;
    ko_cat_ingest *out;
    ko_cat_claim *result;
    const ko_cat_ingest *fin;
    const ko_cat_change *chg;
} claim_ctx;

static ko_status insert_new(ko_cat *cat, claim_ctx *c, int64_t now, ko_err *err)
{
    const ko_cat_ingest *w = c->want;
    ko_db_arg args[] = {ko_db_text(w->id), ko_db_text(w->idem_key), ko_db_text(w->ns),
                        ko_db_text(w->name), ko_db_int(now)};
    ko_status s = cat_exec(cat,
                           "INSERT INTO ko_ingest (id, idem_key, ns, name, status, attempt,"
                           " created_us, updated_us) VALUES ($1, $2, $3, $4, 'running', 1, $5, $5)",
                           args, KO_ARRAY_LEN(args), NULL, NULL, err);
    if (s != KO_OK)
        return s;
    *c->out = *w;
    c->out->status = "running";
    c->out->attempt = 1;
    c->out->created_us = c->out->updated_us = now;
    c->out->record = NULL;
    *c->result = KO_CAT_CLAIM_NEW;
    return KO_OK;
}

static ko_status take_over(ko_cat *cat, claim_ctx *c, int64_t now, ko_err *err)
{
    ko_cat_ingest *g = c->out;
    ko_db_arg args[] = {ko_db_int(now), ko_db_text(g->id), ko_db_int(g->attempt)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_ingest SET status = 'running', attempt = attempt + 1,"
                           " updated_us = $1, record = NULL WHERE id = $2 AND attempt = $3",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT, "ingest %s changed while being claimed", g->id);
    g->status = "running";
    g->attempt++;
    g->updated_us = now;
    g->record = NULL;
    *c->result = KO_CAT_CLAIM_TAKEOVER;
    return s;
}

static ko_status claim_body(ko_cat *cat, void *ctx, ko_err *err)
{
    claim_ctx *c = ctx;
    const ko_cat_ingest *w = c->want;
    int64_t now = ko_now_us();
    if (!w->idem_key)
        return insert_new(cat, c, now, err);
    ko_db_arg arg = ko_db_text(w->idem_key);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, INGEST_SELECT " WHERE idem_key = $1", &arg, 1, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    if (rows.nrows == 0)
        return insert_new(cat, c, now, err);
    s = row_to_ingest(&rows, 0, c->a, c->out, err);
    if (s != KO_OK)
        return s;
    ko_cat_ingest *g = c->out;
    if (strcmp(g->ns, w->ns) != 0 || strcmp(g->name, w->name) != 0)
        return ko_err_set(err, KO_ERR_CONFLICT,
                          "idempotency key '%s' was used by ingest %s into %s.%s, not %s.%s",
                          w->idem_key, g->id, g->ns, g->name, w->ns, w->name);
    if (strcmp(g->status, "succeeded") == 0 || strcmp(g->status, "failed") == 0) {
        *c->result = KO_CAT_CLAIM_DONE;
        return KO_OK;
    }
    if (strcmp(g->status, "running") == 0 && g->updated_us > now - c->lease_us) {
        *c->result = KO_CAT_CLAIM_BUSY;
        return KO_OK;
    }
    return take_over(cat, c, now, err);
}

ko_status ko_cat_ingest_claim(ko_cat *cat, const ko_cat_ingest *want, int64_t lease_us, ko_arena *a,
                              // NOLINTNEXTLINE(readability-non-const-parameter): set via claim_ctx
                              ko_cat_ingest *out, ko_cat_claim *result, ko_err *err)
{
    ko_status s = cat_check_name("ingest id", want->id, err);
    if (s == KO_OK)
        s = cat_check_name("table", want->name, err);
    if (s == KO_OK)
        s = cat_check_name("namespace", want->ns, err);
    if (s == KO_OK && want->idem_key)
        s = cat_check_name("idempotency key", want->idem_key, err);
    if (s != KO_OK)
        return s;
    claim_ctx c = {.want = want, .lease_us = lease_us, .a = a, .out = out, .result = result};
    return cat_run(cat, KO_DB_WRITE, claim_body, &c, err);
}

/* -------------------------------------------------------- heartbeat, finish */

static ko_status heartbeat_body(ko_cat *cat, void *ctx, ko_err *err)
{
    const ko_cat_ingest *w = ((claim_ctx *)ctx)->want;
    ko_db_arg args[] = {ko_db_int(ko_now_us()), ko_db_text(w->id), ko_db_int(w->attempt)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_ingest SET updated_us = $1 WHERE id = $2 AND attempt = $3"
                           " AND status = 'running'",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT, "ingest %s attempt %lld no longer holds its claim",
                          w->id, (long long)w->attempt);
    return s;
}

ko_status ko_cat_ingest_heartbeat(ko_cat *cat, const char *id, int64_t attempt, ko_err *err)
{
    ko_cat_ingest w = {.id = id, .attempt = attempt};
    claim_ctx c = {.want = &w};
    return cat_run(cat, KO_DB_WRITE, heartbeat_body, &c, err);
}

static ko_status finish_body(ko_cat *cat, void *ctx, ko_err *err)
{
    claim_ctx *c = ctx;
    const ko_cat_ingest *f = c->fin;
    ko_db_arg args[] = {ko_db_text(f->status),  ko_db_int(f->received), ko_db_int(f->written),
                        ko_db_int(f->rejected), ko_db_int(f->bytes),    ko_db_text(f->record),
                        ko_db_int(ko_now_us()), ko_db_text(f->id),      ko_db_int(f->attempt)};
    int64_t changed = 0;
    ko_status s = cat_exec(cat,
                           "UPDATE ko_ingest SET status = $1, received = $2, written = $3,"
                           " rejected = $4, bytes = $5, record = $6, updated_us = $7"
                           " WHERE id = $8 AND attempt = $9 AND status = 'running'",
                           args, KO_ARRAY_LEN(args), NULL, &changed, err);
    if (s == KO_OK && changed != 1)
        return ko_err_set(err, KO_ERR_CONFLICT, "ingest %s attempt %lld no longer holds its claim",
                          f->id, (long long)f->attempt);
    const char *action = ko_arena_sprintf(&cat->scratch, "ingest.%s", f->status);
    const char *object = ko_arena_sprintf(&cat->scratch, "%s.%s", f->ns, f->name);
    if (s == KO_OK && (!action || !object))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory finishing ingest %s", f->id);
    cat_audit_in in = {c->chg, f->record, action, object, NULL, NULL, NULL};
    return s == KO_OK ? cat_audit_add(cat, &in, NULL, err) : s;
}

ko_status ko_cat_ingest_finish(ko_cat *cat, const ko_cat_change *chg, const ko_cat_ingest *fin,
                               ko_err *err)
{
    static const char *const ok[] = {"succeeded", "failed", "aborted"};
    bool known = false;
    for (size_t i = 0; fin->status && i < KO_ARRAY_LEN(ok); i++)
        known = known || strcmp(fin->status, ok[i]) == 0;
    if (!known)
        return ko_err_set(err, KO_ERR_INVALID, "ingest status '%s' is not a final state",
                          fin->status ? fin->status : "");
    ko_status s = cat_check_name("ingest id", fin->id, err);
    if (s == KO_OK)
        s = cat_check_summary(fin->record, err);
    if (s != KO_OK)
        return s;
    claim_ctx c = {.fin = fin, .chg = chg};
    return cat_run(cat, KO_DB_WRITE, finish_body, &c, err);
}

/* ------------------------------------------------------------------ reads */

typedef struct read_ctx {
    const char *id, *ns, *name;
    size_t limit;
    ko_arena *a;
    ko_cat_ingest *one;
    ko_cat_ingest **many;
    size_t *n;
} read_ctx;

static ko_status get_body(ko_cat *cat, void *ctx, ko_err *err)
{
    read_ctx *c = ctx;
    ko_db_arg arg = ko_db_text(c->id);
    ko_db_rows rows;
    ko_status s = cat_exec(cat, INGEST_SELECT " WHERE id = $1", &arg, 1, &rows, NULL, err);
    if (s == KO_OK && rows.nrows == 0)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "ingest %s does not exist", c->id);
    return s == KO_OK ? row_to_ingest(&rows, 0, c->a, c->one, err) : s;
}

ko_status ko_cat_ingest_get(ko_cat *cat, const char *id, ko_arena *a, ko_cat_ingest *out,
                            ko_err *err)
{
    ko_status s = cat_check_name("ingest id", id, err);
    read_ctx c = {.id = id, .a = a, .one = out};
    return s == KO_OK ? cat_run(cat, KO_DB_READ, get_body, &c, err) : s;
}

static ko_status list_body(ko_cat *cat, void *ctx, ko_err *err)
{
    read_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->ns), ko_db_text(c->name), ko_db_int((int64_t)c->limit)};
    ko_db_rows rows;
    ko_status s = c->ns ? cat_exec(cat,
                                   INGEST_SELECT " WHERE ns = $1 AND name = $2"
                                                 " ORDER BY created_us DESC, id LIMIT $3",
                                   args, 3, &rows, NULL, err)
                        : cat_exec(cat, INGEST_SELECT " ORDER BY created_us DESC, id LIMIT $1",
                                   args + 2, 1, &rows, NULL, err);
    if (s != KO_OK)
        return s;
    ko_cat_ingest *items = ko_arena_calloc(c->a, rows.nrows ? rows.nrows : 1, sizeof *items);
    if (!items)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing ingests");
    for (size_t i = 0; s == KO_OK && i < rows.nrows; i++)
        s = row_to_ingest(&rows, i, c->a, &items[i], err);
    *c->many = items;
    *c->n = rows.nrows;
    return s;
}

ko_status ko_cat_ingest_list(ko_cat *cat, const char *ns, const char *name, size_t limit,
                             // NOLINTNEXTLINE(readability-non-const-parameter): set via read_ctx
                             ko_arena *a, ko_cat_ingest **out, size_t *n, ko_err *err)
{
    if ((ns == NULL) != (name == NULL))
        return ko_err_set(err, KO_ERR_INVALID, "ingest list needs both namespace and table");
    read_ctx c = {
        .ns = ns, .name = name, .limit = limit ? limit : 100, .a = a, .many = out, .n = n};
    return cat_run(cat, KO_DB_READ, list_body, &c, err);
}
