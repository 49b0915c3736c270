/*
 * faulty.c - a store wrapper that injects failures, for tests.
 *
 * Every operation counts as one call (a streaming write counts its open,
 * each write and its commit).  Calls fail_at .. fail_at+fail_count-1 fail
 * with the planned status without reaching the inner store, exactly as a
 * backend would report it (a failed commit also aborts the inner writer, so
 * nothing becomes visible).  short_read truncates what gets return while
 * still reporting the full object size, which store.c must catch; latency
 * delays every call.
 */
#include "store/store.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct faulty_store {
    ko_store base;
    ko_store *inner;
    ko_fault_plan plan;
    atomic_int calls;
} faulty_store;

typedef struct faulty_writer {
    ko_store_writer base;
    ko_store_writer *inner;
} faulty_writer;

static faulty_store *fs_of(ko_store *s)
{
    return (faulty_store *)s;
}

/* Counts a call; returns the injected failure or KO_OK. */
static ko_status fault(ko_store *s, const char *op, const char *key, ko_err *err)
{
    faulty_store *f = fs_of(s);
    int n = atomic_fetch_add(&f->calls, 1) + 1;
    if (f->plan.latency_us > 0)
        ko_sleep_us(f->plan.latency_us);
    int count = f->plan.fail_count > 0 ? f->plan.fail_count : 1;
    if (f->plan.fail_at <= 0 || n < f->plan.fail_at || n >= f->plan.fail_at + count)
        return KO_OK;
    return ko_err_set(err, f->plan.fail_status, "%s %s: injected failure (call %d): %s", op, key, n,
                      ko_status_name(f->plan.fail_status));
}

static ko_status faulty_get(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                            ko_obj_info *info, ko_err *err)
{
    ko_status st = fault(s, "get", key, err);
    if (st != KO_OK)
        return st;
    size_t before = out->len;
    st = fs_of(s)->inner->ops->get(fs_of(s)->inner, key, off, len, out, info, err);
    size_t limit = fs_of(s)->plan.short_read;
    if (st == KO_OK && limit > 0 && out->len - before > limit)
        out->len = before + limit;
    return st;
}

static ko_status faulty_put(ko_store *s, const char *key, const void *data, size_t n,
                            ko_put_flags flags, ko_err *err)
{
    ko_status st = fault(s, "put", key, err);
    ko_store *in = fs_of(s)->inner;
    return st != KO_OK ? st : in->ops->put(in, key, data, n, flags, err);
}

static ko_status faulty_head(ko_store *s, const char *key, ko_obj_info *info, ko_err *err)
{
    ko_status st = fault(s, "head", key, err);
    ko_store *in = fs_of(s)->inner;
    return st != KO_OK ? st : in->ops->head(in, key, info, err);
}

static ko_status faulty_list(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                             ko_list_page *page, ko_err *err)
{
    ko_status st = fault(s, "list", prefix, err);
    ko_store *in = fs_of(s)->inner;
    return st != KO_OK ? st : in->ops->list(in, prefix, token, max_keys, page, err);
}

static ko_status faulty_del(ko_store *s, const char *key, ko_err *err)
{
    ko_status st = fault(s, "delete", key, err);
    ko_store *in = fs_of(s)->inner;
    return st != KO_OK ? st : in->ops->del(in, key, err);
}

/* Not counted: a maintenance walk, not one of the calls a plan targets. */
static ko_status faulty_remove_temps(ko_store *s, const char *prefix, int64_t before_us, size_t *n,
                                     uint64_t *bytes, ko_err *err)
{
    return ko_store_remove_temps(fs_of(s)->inner, prefix, before_us, n, bytes, err);
}

static ko_status faulty_writer_open(ko_store *s, const char *key, ko_put_flags flags,
                                    ko_store_writer **out, ko_err *err)
{
    ko_status st = fault(s, "open writer", key, err);
    if (st != KO_OK)
        return st;
    faulty_writer *w = calloc(1, sizeof *w);
    char *k = strdup(key);
    if (!w || !k) {
        free(w);
        free(k);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening %s", key);
    }
    ko_store *in = fs_of(s)->inner;
    st = in->ops->writer_open(in, key, flags, &w->inner, err);
    if (st != KO_OK) {
        free(w);
        free(k);
        return st;
    }
    w->base.store = s;
    w->base.key = k;
    *out = &w->base;
    return KO_OK;
}

static ko_status faulty_writer_write(ko_store_writer *base, const void *data, size_t n, ko_err *err)
{
    faulty_writer *w = (faulty_writer *)base;
    ko_status st = fault(base->store, "write", base->key, err);
    if (st != KO_OK)
        return st;
    st = w->inner->store->ops->writer_write(w->inner, data, n, err);
    if (st == KO_OK)
        w->inner->written += n;
    return st;
}

static void faulty_writer_abort(ko_store_writer *base)
{
    faulty_writer *w = (faulty_writer *)base;
    w->inner->store->ops->writer_abort(w->inner);
    free(w->base.key);
    free(w);
}

static ko_status faulty_writer_commit(ko_store_writer *base, ko_err *err)
{
    faulty_writer *w = (faulty_writer *)base;
    ko_status st = fault(base->store, "commit", base->key, err);
    if (st != KO_OK) {
        faulty_writer_abort(base);
        return st;
    }
    st = w->inner->store->ops->writer_commit(w->inner, err);
    free(w->base.key);
    free(w);
    return st;
}

static void faulty_close(ko_store *s)
{
    faulty_store *f = fs_of(s);
    ko_store_close(f->inner);
    free(f->base.uri);
    free(f);
}

static const ko_store_ops faulty_ops = {
    .name = "faulty",
    .get = faulty_get,
    .put = faulty_put,
    .head = faulty_head,
    .list = faulty_list,
    .del = faulty_del,
    .writer_open = faulty_writer_open,
    .writer_write = faulty_writer_write,
    .writer_commit = faulty_writer_commit,
    .writer_abort = faulty_writer_abort,
    .close = faulty_close,
    .remove_temps = faulty_remove_temps,
};

ko_status ko_store_faulty_open(ko_store *inner, const ko_fault_plan *plan, ko_store **out,
                               ko_err *err)
{
    *out = NULL;
    faulty_store *f = calloc(1, sizeof *f);
    char *uri = strdup(inner->uri);
    if (!f || !uri) {
        free(f);
        free(uri);
        ko_store_close(inner);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory wrapping %s", inner->uri);
    }
    f->base.ops = &faulty_ops;
    f->base.uri = uri;
    f->inner = inner;
    f->plan = *plan;
    atomic_init(&f->calls, 0);
    *out = &f->base;
    return KO_OK;
}

int ko_store_faulty_calls(const ko_store *s)
{
    return atomic_load(&((const faulty_store *)s)->calls);
}
