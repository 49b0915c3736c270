/*
 * idem.c - stored responses of the server's Idempotency-Key mutations.
 *
 * The server keeps the response of a mutation that carried an
 * Idempotency-Key (status, content type, ETag and body text) under the key
 * it scoped to the principal, method and path, so that a retry after a
 * restart of this or of another server on the same catalog gets the first
 * result again.  Rows live in ko_idem (schema version 5) until expires_us;
 * every put deletes the rows that expired (an index on expires_us keeps
 * that cheap), so the table holds at most one lifetime's worth of keys.
 * A put replaces an existing row (a key whose first attempt failed with a
 * 5xx is never stored, so the retry's result is the one kept).
 */
#include "catalog/cat_internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct idem_get_ctx {
    const char *key;
    int64_t now_us;
    ko_arena *a;
    ko_cat_idem *out;
    bool *found;
} idem_get_ctx;

static const char *copy_cell(ko_arena *a, const char *s)
{
    return s ? ko_arena_strdup(a, s) : NULL;
}

static ko_status get_body(ko_cat *cat, void *ctx, ko_err *err)
{
    idem_get_ctx *c = ctx;
    ko_db_arg args[] = {ko_db_text(c->key), ko_db_int(c->now_us)};
    ko_db_rows rows = {0};
    ko_status s = cat_exec(cat,
                           "SELECT status, ctype, etag, body, expires_us FROM ko_idem"
                           " WHERE key = $1 AND expires_us > $2",
                           args, KO_ARRAY_LEN(args), &rows, NULL, err);
    *c->found = s == KO_OK && rows.nrows == 1;
    if (!*c->found)
        return s;
    ko_cat_idem *o = c->out;
    o->status = (int)strtol(ko_db_cell(&rows, 0, 0), NULL, 10);
    o->ctype = copy_cell(c->a, ko_db_cell(&rows, 0, 1));
    o->etag = copy_cell(c->a, ko_db_cell(&rows, 0, 2));
    o->body = copy_cell(c->a, ko_db_cell(&rows, 0, 3));
    o->expires_us = strtoll(ko_db_cell(&rows, 0, 4), NULL, 10);
    if (!o->body || (ko_db_cell(&rows, 0, 1) && !o->ctype) || (ko_db_cell(&rows, 0, 2) && !o->etag))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory loading an idempotency record");
    return KO_OK;
}

ko_status ko_cat_idem_get(ko_cat *cat, const char *key, int64_t now_us, ko_arena *a,
                          ko_cat_idem *out, bool *found, ko_err *err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    idem_get_ctx c = {key, now_us, a, out, found};
    return cat_run(cat, KO_DB_READ, get_body, &c, err);
}

typedef struct idem_put_ctx {
    const char *key;
    const ko_cat_idem *rec;
    int64_t now_us;
} idem_put_ctx;

static ko_status put_body(ko_cat *cat, void *ctx, ko_err *err)
{
    idem_put_ctx *c = ctx;
    ko_db_arg now[] = {ko_db_int(c->now_us)};
    ko_status s =
        cat_exec(cat, "DELETE FROM ko_idem WHERE expires_us <= $1", now, 1, NULL, NULL, err);
    if (s != KO_OK)
        return s;
    ko_db_arg args[] = {ko_db_text(c->key),           ko_db_int(c->rec->status),
                        ko_db_text(c->rec->ctype),    ko_db_text(c->rec->etag),
                        ko_db_text(c->rec->body),     ko_db_int(c->now_us),
                        ko_db_int(c->rec->expires_us)};
    return cat_exec(cat,
                    "INSERT INTO ko_idem (key, status, ctype, etag, body, created_us, expires_us)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO UPDATE SET"
                    " status = excluded.status, ctype = excluded.ctype, etag = excluded.etag,"
                    " body = excluded.body, created_us = excluded.created_us,"
                    " expires_us = excluded.expires_us",
                    args, KO_ARRAY_LEN(args), NULL, NULL, err);
}

ko_status ko_cat_idem_put(ko_cat *cat, const char *key, const ko_cat_idem *rec, int64_t now_us,
                          ko_err *err)
{
    if (!key || !*key || !rec->body)
        return ko_err_set(err, KO_ERR_INVALID, "an idempotency record needs a key and a body");
    idem_put_ctx c = {key, rec, now_us};
    return cat_run(cat, KO_DB_WRITE, put_body, &c, err);
}
