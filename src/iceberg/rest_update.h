/*
 * rest_update.h - the Iceberg REST protocol's table commits on top of the
 * iceberg layer (apache/iceberg open-api/rest-catalog-open-api.yaml,
 * CommitTableRequest): TableRequirement checks, TableUpdate application,
 * and the commit itself, for one table or several at once.
 *
 * Requirements and updates are the spec's JSON objects, borrowed.  A
 * requirement that does not hold is KO_ERR_CONFLICT naming it (the REST
 * layer answers 409 CommitFailedException, so clients refresh and retry);
 * a malformed requirement or update, or one that cannot apply, is
 * KO_ERR_INVALID naming its index and action; format versions above 2 and
 * relocating a table are KO_ERR_UNSUPPORTED.
 *
 * Tables created or changed here follow the warehouse layout of iceberg.h
 * section 10: vN.metadata.json written put-if-absent, the catalog pointer
 * swapped by compare-and-swap (with the principal and a summary in the
 * audit trail), version-hint.text rewritten afterwards.
 */
#ifndef KO_ICE_REST_UPDATE_H
#define KO_ICE_REST_UPDATE_H

#include "iceberg/iceberg.h"

/* Checks requirements (a JSON array, NULL for none) against m (NULL: the
 * table does not exist; only assert-create holds then). */
ko_status ko_ice_rest_check(const ko_ice_table_meta *m, const json_t *requirements, ko_err *err);
/* Whether requirements include assert-create. */
bool ko_ice_rest_is_create(const json_t *requirements);

/* Applies updates (a JSON array) to m in order, allocating from arena (m's
 * arena), then sets last-updated-ms and validates the result.  -1 ids in
 * set-current-schema, set-default-spec and set-default-sort-order name the
 * last one added by this list.  The action names go to *actions (a JSON
 * array, new reference; may be NULL) for audit summaries. */
ko_status ko_ice_rest_apply(ko_ice_table_meta *m, const json_t *updates, ko_arena *arena,
                            json_t **actions, ko_err *err);

/* Metadata for a table that a commit with assert-create will build from
 * nothing: format v2, a random uuid, location, no schemas yet. */
void ko_ice_rest_empty_meta(const char *location, ko_ice_table_meta *out);

/* The location of ns.name in the warehouse (store URI + "/ns/parts/name"),
 * in arena; NULL when out of memory. */
const char *ko_ice_rest_location(const ko_ice_warehouse *wh, const char *ns, const char *name,
                                 ko_arena *arena);

/* Creates ns.name with metadata m (whose location must be
 * ko_ice_rest_location): writes the first free vN.metadata.json and the
 * version hint and registers the table (audit "table.create").  out
 * (may be NULL) receives the table. */
ko_status ko_ice_rest_create(const ko_ice_warehouse *wh, const char *ns, const char *name,
                             const ko_ice_table_meta *m, ko_arena *arena, ko_ice_table *out,
                             ko_err *err);

/* Commits requirements + updates to the existing table ns.name: load,
 * check, apply, write, swap; a lost race (the table moved on between load
 * and swap) is retried from a fresh load, re-checking the requirements.
 * out receives the committed table. */
ko_status ko_ice_rest_commit(const ko_ice_warehouse *wh, const char *ns, const char *name,
                             const json_t *requirements, const json_t *updates, ko_arena *arena,
                             ko_ice_table *out, ko_err *err);

/* One table's part of a multi-table commit, made ready but not swapped:
 * the next metadata file is written; the caller swaps every pointer at
 * once (ko_cat_commit_multi) and then calls finish, or discard on
 * failure. */
typedef struct ko_ice_rest_prepared {
    ko_ice_table table; /* the new state */
    const char *expected_location;
    const char *new_location;
    const char *new_key; /* the file written */
    const char *summary; /* audit summary JSON text */
} ko_ice_rest_prepared;

ko_status ko_ice_rest_prepare(const ko_ice_warehouse *wh, const char *ns, const char *name,
                              const json_t *requirements, const json_t *updates, ko_arena *arena,
                              ko_ice_rest_prepared *out, ko_err *err);
void ko_ice_rest_discard(const ko_ice_warehouse *wh, const ko_ice_rest_prepared *p);
void ko_ice_rest_finish(const ko_ice_warehouse *wh, const ko_ice_rest_prepared *p);

/* The metadata as JSON (new reference), with only the snapshots some ref
 * points at when refs_only. */
ko_status ko_ice_rest_meta_json(const ko_ice_table_meta *m, bool refs_only, json_t **out,
                                ko_err *err);

#endif /* KO_ICE_REST_UPDATE_H */
