/*
 * ice_catalog_fixture.h - the ko_ice_catalog of the Iceberg tests and
 * benchmarks: table load, create, commit and audit through a ko_cat
 * (principal "test"), with a hook that runs once before the next commit
 * so that a test can make a writer lose its race.  Header-only and free
 * of cmocka, so bench/ includes it too; ice_write_fixture.h builds on it.
 */
#ifndef KO_ICE_CATALOG_FIXTURE_H
#define KO_ICE_CATALOG_FIXTURE_H

#include "catalog/catalog.h"
#include "iceberg/iceberg.h"

#define FX_UNUSED __attribute__((unused))

/* -------------------------------------------------------- catalog adapter */

FX_UNUSED static ko_status fx_load(void *ctx, const char *ns, const char *name, ko_arena *arena,
                                   const char **location, ko_err *err)
{
    ko_cat_ns n;
    ko_cat_table t;
    ko_status st = ko_cat_ns_parse(ns, arena, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_load(ctx, n, name, arena, &t, err);
    if (st == KO_OK)
        *location = t.location;
    return st;
}

FX_UNUSED static ko_status fx_create(void *ctx, const char *ns, const char *name,
                                     const char *location, const char *summary, ko_err *err)
{
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {"test", summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_table_create(ctx, &chg, n, name, location, err);
    ko_arena_free(&a);
    return st;
}

/* Called once (then cleared) before the next catalog commit: a test puts
 * a concurrent change there to make a writer lose its race. */
static void (*fx_before_commit)(void *arg);
static void *fx_before_commit_arg;

FX_UNUSED static ko_status fx_commit(void *ctx, const char *ns, const char *name,
                                     const char *expected, const char *location,
                                     const char *summary, ko_err *err)
{
    void (*hook)(void *) = fx_before_commit;
    fx_before_commit = NULL;
    if (hook)
        hook(fx_before_commit_arg);
    ko_arena a = {0};
    ko_cat_ns n;
    ko_cat_change chg = {"test", summary};
    ko_status st = ko_cat_ns_parse(ns, &a, &n, err);
    if (st == KO_OK)
        st = ko_cat_commit(ctx, &chg, n, name, expected, location, err);
    ko_arena_free(&a);
    return st;
}

FX_UNUSED static ko_status fx_audit(void *ctx, const char *action, const char *object,
                                    const char *summary, ko_err *err)
{
    ko_cat_change chg = {"test", summary};
    return ko_cat_audit_append(ctx, &chg, action, object, NULL, NULL, NULL, err);
}

/* The ko_ice_catalog over cat. */
FX_UNUSED static ko_ice_catalog fx_catalog(ko_cat *cat)
{
    return (ko_ice_catalog){cat, fx_load, fx_create, fx_commit, fx_audit};
}

#endif
