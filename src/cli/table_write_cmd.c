/*
 * table_write_cmd.c - `korolev table` verbs that change data by filter,
 * evolve the partition spec and manage tags and branches:
 *
 *   table delete NS.T --where FILTER [--branch B]
 *   table overwrite NS.T --where FILTER [--branch B] FILE.parquet...
 *   table replace NS.T [--branch B] FILE.parquet...
 *   table append NS.T --branch B FILE.parquet...
 *   table partition NS.T SPEC                 ('' for unpartitioned)
 *   table tag|branch NS.T NAME [SNAPSHOT] [--replace] [--max-ref-age-ms N]
 *         [--max-snapshot-age-ms N] [--min-snapshots-to-keep N]  (branches)
 *   table drop-ref NS.T NAME
 *   table fast-forward NS.T FROM [--to BRANCH]  (default main)
 *
 * overwrite, replace and append show a progress bar on stderr when it is a
 * terminal (--progress / --no-progress force it; progress.c).
 * FILTER is the text of ko_ice_pred_parse_text ("id > 5 and name = 'x'").
 * Results are one JSON object on stdout; errors one line on stderr (exit
 * 1), usage errors exit 2, as in table_cmd.c.
 */
#include "cli/table_write_cmd.h"

#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char KO_CLI_TABLE_WRITE_USAGE[] =
    "table delete NS.T --where FILTER [--branch B] | overwrite NS.T --where FILTER [--branch B] "
    "FILE.parquet... | replace NS.T [--branch B] FILE.parquet... | append NS.T --branch B "
    "FILE.parquet... [--progress|--no-progress] | partition NS.T SPEC | tag|branch NS.T NAME "
    "[SNAPSHOT] [--replace] "
    "[--max-ref-age-ms N] [--max-snapshot-age-ms N] [--min-snapshots-to-keep N] | drop-ref NS.T "
    "NAME | fast-forward NS.T FROM [--to BRANCH]";

typedef struct args {
    const char *op, *ident, *where, *branch, *to;
    const char **pos; /* positional arguments after NS.T */
    size_t n_pos;
    bool replace;
    int progress; /* -1 auto, 0 --no-progress, 1 --progress */
    int64_t max_ref_age, max_snap_age, min_keep;
} args;

static bool parse_i64(const char *s, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

static bool value_flag(args *a, const char *flag, const char *v)
{
    if (strcmp(flag, "--where") == 0)
        a->where = v;
    else if (strcmp(flag, "--branch") == 0)
        a->branch = v;
    else if (strcmp(flag, "--to") == 0)
        a->to = v;
    else if (strcmp(flag, "--max-ref-age-ms") == 0)
        return parse_i64(v, &a->max_ref_age);
    else if (strcmp(flag, "--max-snapshot-age-ms") == 0)
        return parse_i64(v, &a->max_snap_age);
    else if (strcmp(flag, "--min-snapshots-to-keep") == 0)
        return parse_i64(v, &a->min_keep) && a->min_keep <= INT32_MAX;
    else
        return false;
    return true;
}

static bool parse_args(int argc, char **argv, ko_arena *arena, args *a)
{
    memset(a, 0, sizeof *a);
    a->progress = -1;
    a->op = argv[1];
    a->ident = argc > 2 ? argv[2] : NULL;
    a->pos = ko_arena_calloc(arena, (size_t)argc + 1, sizeof *a->pos);
    if (!a->ident || !a->pos)
        return false;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--replace") == 0)
            a->replace = true;
        else if (strcmp(argv[i], "--progress") == 0 || strcmp(argv[i], "--no-progress") == 0)
            a->progress = strcmp(argv[i], "--progress") == 0;
        else if (strncmp(argv[i], "--", 2) == 0 && argv[i][2]) {
            if (i + 1 >= argc || !value_flag(a, argv[i], argv[i + 1]))
                return false;
            i++;
        } else {
            a->pos[a->n_pos++] = argv[i];
        }
    }
    return true;
}

static int print_json(json_t *j)
{
    if (!j)
        return 1;
    int rc = json_dumpf(j, stdout, JSON_INDENT(2)) == 0 && fputc('\n', stdout) != EOF ? 0 : 1;
    json_decref(j);
    return rc;
}

static json_t *info_json(const args *a, const ko_ice_commit_info *info)
{
    json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:i}", "table", a->ident, "command", a->op,
                          "snapshot-id", (json_int_t)info->snapshot_id, "sequence-number",
                          (json_int_t)info->sequence_number, "attempts", info->attempts);
    if (j && info->metadata_location)
        json_object_set_new(j, "metadata-location", json_string(info->metadata_location));
    return j;
}

/* ------------------------------------------------------------ inputs */

typedef struct inputs {
    ko_store **stores;
    char **keys;
    ko_pq_reader **readers;
    size_t n;
} inputs;

static void inputs_close(inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        ko_pq_reader_close(in->readers[i]);
        free(in->keys[i]);
        ko_store_close(in->stores[i]);
    }
    free(in->stores);
    free(in->keys);
    free(in->readers);
}

static ko_status inputs_open(const char **uris, size_t n, ko_cli_progress *p, inputs *in,
                             ko_err *err)
{
    memset(in, 0, sizeof *in);
    in->stores = calloc(n + 1, sizeof(ko_store *));
    in->keys = calloc(n + 1, sizeof *in->keys);
    in->readers = calloc(n + 1, sizeof(ko_pq_reader *));
    if (!in->stores || !in->keys || !in->readers)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        in->n = i + 1;
        ko_status st = ko_store_open_object(uris[i], NULL, &in->stores[i], &in->keys[i], err);
        if (st == KO_OK)
            st = ko_cli_progress_wrap(p, &in->stores[i], in->keys[i], err);
        if (st == KO_OK)
            st = ko_pq_reader_open(in->stores[i], in->keys[i], &in->readers[i], err);
        if (st != KO_OK)
            return strstr(err->msg, uris[i]) ? st : ko_err_prefix(err, "%s", uris[i]);
    }
    return KO_OK;
}

/* ------------------------------------------------------------ verbs */

/* The progress bar of a verb that reads input files (progress.c); none
 * for delete, which has none. */
static ko_cli_progress *start_progress(const args *a, ko_arena *arena)
{
    if (strcmp(a->op, "delete") == 0)
        return NULL;
    return ko_cli_progress_start(ko_arena_sprintf(arena, "%s %s", a->op, a->ident), 0, a->progress);
}

static int by_filter(const ko_ice_warehouse *wh, const args *a, ko_arena *arena, ko_err *err)
{
    bool del = strcmp(a->op, "delete") == 0, repl = strcmp(a->op, "replace") == 0;
    if ((del && (a->n_pos || !a->where)) || (!del && !a->n_pos) || (repl && a->where) ||
        (!del && !repl && !a->where))
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    const char *ns, *name;
    ko_ice_table t;
    const ko_ice_pred *filter = NULL;
    inputs in = {0};
    ko_ice_commit_info info = {0};
    ko_ice_rewrite_result res = {0};
    ko_ice_overwrite_opts oo = {.branch = a->branch, .description = a->where};
    ko_status st = ko_ice_ident_parse(a->ident, arena, &ns, &name, err);
    if (st == KO_OK && a->where)
        st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st == KO_OK && a->where)
        st = ko_ice_pred_parse_text(a->where, ko_ice_meta_current_schema(&t.meta), arena, &filter,
                                    err);
    ko_cli_progress *p = start_progress(a, arena);
    if (st == KO_OK && !del)
        st = inputs_open(a->pos, a->n_pos, p, &in, err);
    if (st == KO_OK && del)
        st = ko_ice_table_delete_where(wh, ns, name, filter, &oo, NULL, arena, &info, &res, err);
    else if (st == KO_OK)
        st = ko_ice_table_overwrite_where(wh, ns, name, filter, in.readers, a->pos, in.n, &oo, NULL,
                                          arena, &info, &res, err);
    inputs_close(&in);
    ko_cli_progress_finish(p, st == KO_OK);
    if (st != KO_OK)
        return ko_cli_fail(err);
    json_t *j = info_json(a, &info);
    json_t *r = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I}", "files-removed", (json_int_t)res.files_removed,
        "files-rewritten", (json_int_t)res.files_rewritten, "delete-files-removed",
        (json_int_t)res.deletes_removed, "files-added", (json_int_t)res.files_added, "rows-deleted",
        (json_int_t)res.rows_deleted, "rows-added", (json_int_t)res.rows_added);
    if (j && r)
        json_object_update(j, r);
    json_decref(r);
    return print_json(j);
}

static int append_branch(const ko_ice_warehouse *wh, const args *a, ko_arena *arena, ko_err *err)
{
    if (!a->n_pos || a->where)
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    const char *ns, *name;
    inputs in = {0};
    ko_ice_commit_info info = {0};
    ko_cli_progress *p = start_progress(a, arena);
    ko_status st = ko_ice_ident_parse(a->ident, arena, &ns, &name, err);
    if (st == KO_OK)
        st = inputs_open(a->pos, a->n_pos, p, &in, err);
    if (st == KO_OK)
        st = ko_ice_table_append_branch(wh, ns, name, a->branch, in.readers, a->pos, in.n, NULL,
                                        arena, &info, err);
    inputs_close(&in);
    ko_cli_progress_finish(p, st == KO_OK);
    if (st != KO_OK)
        return ko_cli_fail(err);
    json_t *j = info_json(a, &info);
    if (j)
        json_object_set_new(j, "branch", json_string(a->branch));
    return print_json(j);
}

static int partition(const ko_ice_warehouse *wh, const args *a, ko_arena *arena, ko_err *err)
{
    if (a->n_pos != 1)
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    const char *ns, *name;
    ko_ice_commit_info info = {0};
    ko_ice_table t;
    ko_status st = ko_ice_ident_parse(a->ident, arena, &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_update_spec(wh, ns, name, a->pos[0], NULL, arena, &info, err);
    if (st == KO_OK)
        st = ko_ice_table_load(wh, ns, name, arena, &t, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    json_t *spec = NULL;
    if (ko_ice_spec_to_json(ko_ice_meta_default_spec(&t.meta), &spec, err) != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:o, s:s}", "table", a->ident, "partition-spec", spec,
                                "metadata-location", info.metadata_location));
}

static int set_ref(const ko_ice_warehouse *wh, const args *a, ko_arena *arena, ko_err *err)
{
    bool branch = strcmp(a->op, "branch") == 0;
    ko_ice_ref_opts ro = {.type = branch ? KO_ICE_REF_BRANCH : KO_ICE_REF_TAG,
                          .snapshot_id = -1,
                          .replace = a->replace,
                          .min_snapshots_to_keep = (int32_t)a->min_keep,
                          .max_snapshot_age_ms = a->max_snap_age,
                          .max_ref_age_ms = a->max_ref_age};
    if (a->n_pos < 1 || a->n_pos > 2 || a->where || a->branch ||
        (a->n_pos == 2 && !parse_i64(a->pos[1], &ro.snapshot_id)) ||
        (!branch && (a->min_keep || a->max_snap_age)))
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    const char *ns, *name;
    ko_ice_commit_info info = {0};
    ko_status st = ko_ice_ident_parse(a->ident, arena, &ns, &name, err);
    if (st == KO_OK)
        st = ko_ice_table_set_ref(wh, ns, name, a->pos[0], &ro, NULL, arena, &info, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:s, s:I, s:s}", "table", a->ident, a->op, a->pos[0],
                                "snapshot-id", (json_int_t)info.snapshot_id, "metadata-location",
                                info.metadata_location));
}

static int ref_change(const ko_ice_warehouse *wh, const args *a, ko_arena *arena, ko_err *err)
{
    bool drop = strcmp(a->op, "drop-ref") == 0;
    if (a->n_pos != 1 || a->where || a->branch || (drop && a->to))
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    const char *ns, *name;
    ko_ice_commit_info info = {0};
    ko_status st = ko_ice_ident_parse(a->ident, arena, &ns, &name, err);
    if (st == KO_OK && drop)
        st = ko_ice_table_drop_ref(wh, ns, name, a->pos[0], NULL, arena, &info, err);
    else if (st == KO_OK)
        st = ko_ice_table_fast_forward(wh, ns, name, a->to ? a->to : "main", a->pos[0], NULL, arena,
                                       &info, err);
    if (st != KO_OK)
        return ko_cli_fail(err);
    return print_json(json_pack("{s:s, s:s, s:s, s:I, s:s}", "table", a->ident, "operation", a->op,
                                "ref", drop ? a->pos[0] : (a->to ? a->to : "main"), "snapshot-id",
                                (json_int_t)info.snapshot_id, "metadata-location",
                                info.metadata_location));
}

bool ko_cli_table_write_op(const char *op)
{
    static const char *const ops[] = {"delete", "overwrite", "replace",  "partition",
                                      "tag",    "branch",    "drop-ref", "fast-forward"};
    for (size_t i = 0; i < KO_ARRAY_LEN(ops); i++)
        if (strcmp(op, ops[i]) == 0)
            return true;
    return false;
}

int ko_cli_table_write(const ko_ice_warehouse *wh, int argc, char **argv, ko_arena *arena,
                       ko_err *err)
{
    args a;
    if (!parse_args(argc, argv, arena, &a))
        return ko_cli_usage(KO_CLI_TABLE_WRITE_USAGE);
    if (strcmp(a.op, "append") == 0)
        return append_branch(wh, &a, arena, err);
    if (strcmp(a.op, "partition") == 0)
        return partition(wh, &a, arena, err);
    if (strcmp(a.op, "tag") == 0 || strcmp(a.op, "branch") == 0)
        return set_ref(wh, &a, arena, err);
    if (strcmp(a.op, "drop-ref") == 0 || strcmp(a.op, "fast-forward") == 0)
        return ref_change(wh, &a, arena, err);
    return by_filter(wh, &a, arena, err);
}
