/*
 * test_sql_scan_nested_deletes.c - nested columns (LIST, MAP, STRUCT)
 * read by SQL from a table whose data file has a position delete file:
 * the scan then reads the file through the Iceberg reader (deletes
 * applied) and assembles the nested values from its batches
 * (scan.c read_deleted_task, scan_nested.c ko_nest_assemble).  The table
 * is written through the Iceberg layer from a Parquet file built here, and
 * the delete file the way another engine would write it.
 */
#include "ice_write_fixture.h"

#include "sql/sql.h"

/* ------------------------------------------------------------ input */

static ko_pq_schema_element group(const char *name, int children, ko_pq_repetition rep,
                                  ko_pq_converted ct)
{
    return (ko_pq_schema_element){.name = name,
                                  .num_children = children,
                                  .has_repetition = true,
                                  .repetition = rep,
                                  .converted = ct};
}

/* id long; li LIST<int>; m MAP<string, int>; st STRUCT<a int> */
static const ko_pq_schema_element *input_schema(uint32_t *n)
{
    static ko_pq_schema_element els[11];
    els[0] =
        (ko_pq_schema_element){.name = "schema", .num_children = 4, .converted = KO_PQ_CT_NONE};
    els[1] = fx_el("id", KO_PQ_INT64, KO_PQ_REQUIRED);
    els[2] = group("li", 1, KO_PQ_OPTIONAL, KO_PQ_CT_LIST);
    els[3] = group("list", 1, KO_PQ_REPEATED, KO_PQ_CT_NONE);
    els[4] = fx_el("element", KO_PQ_INT32, KO_PQ_OPTIONAL);
    els[5] = group("m", 1, KO_PQ_OPTIONAL, KO_PQ_CT_MAP);
    els[6] = group("key_value", 2, KO_PQ_REPEATED, KO_PQ_CT_NONE);
    els[7] = fx_el("key", KO_PQ_BYTE_ARRAY, KO_PQ_REQUIRED);
    els[7].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    els[8] = fx_el("value", KO_PQ_INT32, KO_PQ_OPTIONAL);
    els[9] = group("st", 1, KO_PQ_OPTIONAL, KO_PQ_CT_NONE);
    els[10] = fx_el("a", KO_PQ_INT32, KO_PQ_OPTIONAL);
    *n = 11;
    return els;
}

static void entry(ko_pq_column *c, int r, int d, const void *v, size_t len)
{
    int16_t r16 = (int16_t)r, d16 = (int16_t)d;
    assert_int_equal(ko_buf_append(&c->rep, &r16, 2), KO_OK);
    assert_int_equal(ko_buf_append(&c->def, &d16, 2), KO_OK);
    c->n++;
    if (d != c->max_def)
        return;
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    if (c->type == KO_PQ_BYTE_ARRAY) {
        int64_t end = (int64_t)c->values.len;
        assert_int_equal(ko_buf_append(&c->offsets, &end, 8), KO_OK);
    }
    c->n_values++;
}

/* Row i: li NULL / [] / [i, NULL, 3], m NULL / {} / {k1=i, k2=NULL},
 * st NULL / {'a': NULL} / {'a': i}, by i % 3. */
static void input_row(ko_pq_column *c, int32_t i)
{
    int64_t id = i;
    int32_t three = 3;
    fx_push(&c[0], true, &id, 8);
    if (i % 3 < 2) {
        for (int l = 1; l < 5; l++)
            entry(&c[l], 0, i % 3, NULL, 0);
        return;
    }
    entry(&c[1], 0, 3, &i, 4);
    entry(&c[1], 1, 2, NULL, 0);
    entry(&c[1], 1, 3, &three, 4);
    entry(&c[2], 0, 2, "k1", 2);
    entry(&c[2], 1, 2, "k2", 2);
    entry(&c[3], 0, 3, &i, 4);
    entry(&c[3], 1, 2, NULL, 0);
    entry(&c[4], 0, 2, &i, 4);
}

static void write_input(fx *f, const char *key, int rows)
{
    ko_err err = {0};
    uint32_t n = 0;
    const ko_pq_schema_element *els = input_schema(&n);
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, n, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[5] = {0};
    for (uint32_t l = 0; l < s->n_leaves; l++)
        assert_int_equal(ko_pq_column_init(&cols[l], &s->leaves[l]), KO_OK);
    for (int32_t i = 0; i < rows; i++)
        input_row(cols, i);
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (uint32_t l = 0; l < 5; l++)
        ko_pq_column_free(&cols[l]);
}

/* A position delete file removing rows `pos` of data file data_path. */
static ko_ice_data_file position_deletes(fx *f, const char *key, const char *data_path,
                                         const int64_t *pos, size_t n)
{
    ko_err err = {0};
    ko_pq_schema_element els[3] = {
        {.name = "schema", .num_children = 2, .converted = KO_PQ_CT_NONE},
        fx_el("file_path", KO_PQ_BYTE_ARRAY, KO_PQ_REQUIRED),
        fx_el("pos", KO_PQ_INT64, KO_PQ_REQUIRED)};
    els[1].has_field_id = els[2].has_field_id = true;
    els[1].field_id = 2147483546;
    els[2].field_id = 2147483545;
    els[1].logical = (ko_pq_logical){.kind = KO_PQ_LT_STRING};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(f->store, key, els, 3, NULL, &w, &err), &err);
    const ko_pq_schema *s = ko_pq_writer_schema(w);
    ko_pq_column cols[2] = {0};
    for (uint32_t i = 0; i < 2; i++)
        assert_int_equal(ko_pq_column_init(&cols[i], &s->leaves[i]), KO_OK);
    for (size_t i = 0; i < n; i++) {
        fx_push(&cols[0], true, data_path, strlen(data_path));
        fx_push(&cols[1], true, &pos[i], 8);
    }
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);
    for (uint32_t i = 0; i < 2; i++)
        ko_pq_column_free(&cols[i]);
    ko_obj_info info;
    TU_OK(ko_store_head(f->store, key, &info, &err), &err);
    return (ko_ice_data_file){.content = KO_ICE_CONTENT_POSITION_DELETES,
                              .file_path =
                                  ko_arena_sprintf(&f->arena, "%s/%s", ko_store_uri(f->store), key),
                              .file_format = "PARQUET",
                              .record_count = (int64_t)n,
                              .file_size_in_bytes = (int64_t)info.size,
                              .sort_order_id = -1};
}

/* db.t from the input file, with rows 1 and 5 deleted by position. */
static void make_table(fx *f)
{
    ko_err err = {0};
    uint32_t n = 0;
    const ko_pq_schema_element *els = input_schema(&n);
    ko_ice_schema sc;
    TU_OK(ko_ice_schema_from_parquet(els, n, true, &f->arena, &sc, &err), &err);
    ko_ice_table_create_opts co = {.schema = &sc};
    TU_OK(ko_ice_table_create(&f->wh, "db", "t", &co, &f->arena, NULL, &err), &err);
    write_input(f, "in.parquet", 6);
    ko_pq_reader *rd = NULL;
    TU_OK(ko_pq_reader_open(f->store, "in.parquet", &rd, &err), &err);
    const char *name = "in.parquet";
    ko_ice_commit_info info;
    TU_OK(ko_ice_table_append(&f->wh, "db", "t", &rd, &name, 1, NULL, &f->arena, &info, &err),
          &err);
    ko_pq_reader_close(rd);
    ko_ice_table t = fx_table(f, "t");
    ko_ice_manifest_entry *es;
    size_t n_es;
    TU_OK(ko_ice_table_files(&f->wh, &t, -1, &f->arena, &es, &n_es, &err), &err);
    assert_int_equal(n_es, 1);
    const int64_t pos[] = {1, 5};
    ko_ice_data_file del =
        position_deletes(f, "db/t/data/pos-1.parquet", es[0].data_file.file_path, pos, 2);
    TU_OK(ko_ice_table_commit_overwrite(&f->wh, &t, NULL, 0, &del, 1, NULL, NULL, &f->arena, &info,
                                        &err),
          &err);
}

/* ------------------------------------------------------------ query */

static void expect_sql(fx *f, int threads, const char *sql, const char *want)
{
    ko_err err = {0};
    ko_sql_options o = {.warehouse = f->store, .catalog = f->cat, .threads = threads};
    ko_sql_session *s = NULL;
    TU_OK(ko_sql_session_open(&o, &s, &err), &err);
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);
    assert_non_null(fp);
    ko_sql_renderer *r = NULL;
    TU_OK(ko_sql_renderer_new(KO_SQL_FMT_CSV, fp, &r, &err), &err);
    ko_sql_sink sink = ko_sql_render_sink(r);
    TU_OK(ko_sql_exec(s, sql, strlen(sql), &sink, &err), &err);
    ko_sql_renderer_free(r);
    assert_int_equal(fclose(fp), 0);
    assert_string_equal(out, want);
    free(out);
    ko_sql_session_close(s);
}

static void test_nested_with_position_deletes(void **state)
{
    fx *f = *state;
    make_table(f);
    static const char want[] = "id,li,m,st\n"
                               "0,,,\n"
                               "2,\"[2, NULL, 3]\",\"{k1=2, k2=NULL}\",{'a': 2}\n"
                               "3,,,\n"
                               "4,[],{},{'a': NULL}\n";
    expect_sql(f, 1, "SELECT id, li, m, st FROM db.t ORDER BY id", want);
    expect_sql(f, 2,
               "SELECT count(*) AS n, sum(li[1]) AS l, sum(m['k1']) AS k, sum(st.a) AS a, "
               "count(st) AS s FROM db.t WHERE li IS NOT NULL OR st IS NOT NULL",
               "n,l,k,a,s\n2,2,2,2,2\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nested_with_position_deletes, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
