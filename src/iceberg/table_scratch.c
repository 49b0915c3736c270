/*
 * table_scratch.c - cleaning up after a commit attempt that lost.
 *
 * A commit attempt writes files that only its own metadata version will
 * reference: the manifest list (always), rewritten manifests (overwrites
 * and deletes).  When the catalog swap fails with a conflict the attempt
 * is certainly not committed, so the commit loop's next attempt (or the
 * caller, after the last one) deletes them right away instead of leaving
 * them for ko_ice_table_remove_files and its safety age.  Deletion is
 * best effort: a file that survives is unreferenced and removed later.
 */
#include "iceberg/table_internal.h"

ko_status kt_scratch_add(kt_scratch *s, ko_arena *arena, const char *key, ko_err *err)
{
    const char **k = ko_arena_grow(arena, s->keys, s->n, &s->cap, sizeof *k);
    if (!k)
        return kt_nomem(err);
    s->keys = k;
    s->keys[s->n++] = key;
    return KO_OK;
}

void kt_scratch_drop(kt_scratch *s, const ko_ice_warehouse *wh)
{
    for (size_t i = 0; i < s->n; i++)
        (void)ko_store_delete(wh->store, s->keys[i], NULL);
    s->n = 0;
}

void kt_delete_data_files(const ko_ice_warehouse *wh, const ko_ice_data_file *files, size_t n)
{
    ko_arena a = {0};
    for (size_t i = 0; i < n; i++) {
        const char *key = NULL;
        if (ko_ice_location_key(wh, files[i].file_path, &a, &key, NULL) == KO_OK)
            (void)ko_store_delete(wh->store, key, NULL);
    }
    ko_arena_free(&a);
}
