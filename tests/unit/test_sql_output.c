/*
 * test_sql_output.c - the renderers (aligned table, CSV quoting, JSON
 * lines of every type, nested values), Parquet output read back with the
 * Parquet reader, vectors (constants, NULLs, selections) and their
 * conversion into Dremel columns for writing (ko_sql_vec_to_pq), and
 * casts of whole vectors (ko_cast_vec, TRY_CAST giving NULLs).
 */
#include "sql_testutil.h"

#include "parquet/parquet.h"
#include "sql/stmt.h"

static st_env E;

static int setup(void **state)
{
    (void)state;
    st_open(&E, false, 2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    st_close(&E);
    return 0;
}

static void test_table_format(void **state)
{
    (void)state;
    char *out = NULL;
    ko_err err = {0};
    TU_OK(st_run(&E, KO_SQL_FMT_TABLE, "SELECT 1 AS n, 'ab' AS s UNION ALL SELECT 100, NULL", &out,
                 &err),
          &err);
    assert_string_equal(out, "n   | s   \n----+-----\n  1 | ab  \n100 | NULL\n");
    free(out);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    st_csv(&E, "SELECT 'a,b' AS x, 'say \"hi\"' AS y, 'two' || chr(10) || 'lines' AS z, NULL AS w",
           "x,y,z,w\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n");
}

static void test_jsonl_types(void **state)
{
    (void)state;
    st_jsonl(&E,
             "SELECT true AS b, 42::TINYINT AS i8, (-9223372036854775808)::BIGINT AS i64, "
             "-99999999999999999999999999999999999999::HUGEINT AS h, 1.50::DECIMAL(5,2) AS d, "
             "30::DOUBLE AS f, 'nan'::DOUBLE AS n, '-inf'::DOUBLE AS ninf, "
             "'q\"\\' || chr(9) AS s, DATE '2024-01-31' AS dt, "
             "TIMESTAMP '2024-01-31 13:45:00.5' AS ts, TIME '01:02:03' AS tm, "
             "INTERVAL 3 DAY AS iv, NULL AS z",
             "{\"b\":true,\"i8\":42,\"i64\":-9223372036854775808,"
             "\"h\":-99999999999999999999999999999999999999,\"d\":1.50,\"f\":30.0,"
             "\"n\":\"NaN\",\"ninf\":\"-Infinity\",\"s\":\"q\\\"\\\\\\u0009\","
             "\"dt\":\"2024-01-31\",\"ts\":\"2024-01-31 13:45:00.5\",\"tm\":\"01:02:03\","
             "\"iv\":\"3 days\",\"z\":null}\n");
}

/* A LIST(INTEGER) vector [[1, NULL, 3], NULL, []] and a STRUCT(a, b). */
static void test_json_nested(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_sql_dtype lt = ko_sql_dtype_list(&a, ko_sql_dtype_of(KO_SQL_DT_INTEGER));
    ko_vec *v = ko_vec_new(&lt);
    assert_non_null(v);
    assert_int_equal(ko_vec_reserve(v, 3), KO_OK);
    ko_vec *el = v->children[0];
    assert_int_equal(ko_vec_reserve(el, 3), KO_OK);
    KO_VEC_DATA(el, int32_t)[0] = 1;
    KO_VEC_DATA(el, int32_t)[2] = 3;
    assert_int_equal(ko_vec_set_null(el, 1), KO_OK);
    KO_VEC_DATA(v, ko_sql_list)[0] = (ko_sql_list){0, 3};
    KO_VEC_DATA(v, ko_sql_list)[2] = (ko_sql_list){3, 0};
    assert_int_equal(ko_vec_set_null(v, 1), KO_OK);
    ko_buf out = {0};
    for (size_t r = 0; r < 3; r++) {
        assert_int_equal(ko_sql_value_json(v, r, &out), KO_OK);
        assert_int_equal(ko_buf_append_str(&out, ";"), KO_OK);
    }
    assert_int_equal(ko_buf_append(&out, "", 1), KO_OK);
    assert_string_equal((const char *)out.data, "[1,null,3];null;[];");
    ko_vec_free(v);

    const char *names[] = {"a", "b"};
    ko_sql_dtype kids[] = {ko_sql_dtype_of(KO_SQL_DT_BIGINT), ko_sql_dtype_of(KO_SQL_DT_VARCHAR)};
    ko_sql_dtype stt = ko_sql_dtype_struct(&a, names, kids, 2);
    ko_vec *s = ko_vec_new(&stt);
    assert_non_null(s);
    assert_int_equal(ko_vec_reserve(s, 1), KO_OK);
    assert_int_equal(ko_vec_reserve(s->children[0], 1), KO_OK);
    assert_int_equal(ko_vec_reserve(s->children[1], 1), KO_OK);
    KO_VEC_DATA(s->children[0], int64_t)[0] = -5;
    assert_int_equal(ko_vec_set_str(s->children[1], 0, "x", 1), KO_OK);
    ko_buf_reset(&out);
    assert_int_equal(ko_sql_value_json(s, 0, &out), KO_OK);
    assert_int_equal(ko_buf_append(&out, "", 1), KO_OK);
    assert_string_equal((const char *)out.data, "{\"a\":-5,\"b\":\"x\"}");
    ko_vec_free(s);
    ko_buf_free(&out);
    ko_arena_free(&a);
}

static void test_parquet_output(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    ko_err err = {0};
    FILE *f = open_memstream(&out, &len);
    ko_sql_renderer *r = NULL;
    TU_OK(ko_sql_renderer_new(KO_SQL_FMT_PARQUET, f, &r, &err), &err);
    ko_sql_sink sink = ko_sql_render_sink(r);
    const char *sql = "SET threads = 2; SELECT k, 'v' || k AS s, k * 1.5 AS d FROM "
                      "(VALUES (1), (2), (NULL)) t(k)";
    TU_OK(ko_sql_exec(E.s, sql, strlen(sql), &sink, &err), &err);
    ko_sql_renderer_free(r);
    assert_int_equal(fclose(f), 0);
    assert_true(len > 12);
    assert_memory_equal(out, "PAR1", 4);

    ko_pq_reader *pr = NULL;
    TU_OK(ko_pq_reader_open_memory((const uint8_t *)out, len, "out.parquet", &pr, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(pr);
    assert_int_equal(m->num_rows, 3);
    const ko_pq_schema *ps = ko_pq_reader_schema(pr);
    assert_int_equal(ps->n_leaves, 3);
    assert_string_equal(ps->leaves[0].path, "k");
    assert_string_equal(ps->leaves[1].path, "s");
    assert_int_equal(ps->leaves[1].type, KO_PQ_BYTE_ARRAY);
    assert_int_equal(ps->leaves[2].type, KO_PQ_INT64); /* INTEGER * DECIMAL(2,1): DECIMAL(12,1) */
    ko_pq_column c = {0};
    TU_OK(ko_pq_read_column_chunk(pr, 0, 0, &c, &err), &err);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.n_values, 2);
    const int32_t *k = (const int32_t *)(const void *)c.values.data;
    assert_int_equal(k[0], 1);
    assert_int_equal(k[1], 2);
    TU_OK(ko_pq_read_column_chunk(pr, 0, 1, &c, &err), &err);
    assert_int_equal(c.n_values, 2);
    assert_memory_equal(c.values.data, "v1v2", 4);
    ko_pq_column_free(&c);
    ko_pq_reader_close(pr);
    free(out);

    /* two query results cannot share one file */
    f = open_memstream(&out, &len);
    TU_OK(ko_sql_renderer_new(KO_SQL_FMT_PARQUET, f, &r, &err), &err);
    sink = ko_sql_render_sink(r);
    sql = "SELECT 1; SELECT 2";
    assert_int_equal(ko_sql_exec(E.s, sql, strlen(sql), &sink, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "one query result"));
    ko_sql_renderer_free(r);
    assert_int_equal(fclose(f), 0);
    free(out);
}

/* ko_sql_vec_to_pq: definition levels, dense values, a selection, a
 * constant, and NULLs refused in a REQUIRED leaf. */
static void test_vec_to_pq(void **state)
{
    (void)state;
    ko_sql_dtype t = ko_sql_dtype_of(KO_SQL_DT_BIGINT);
    ko_vec *v = ko_vec_new(&t);
    assert_int_equal(ko_vec_reserve(v, 4), KO_OK);
    for (int i = 0; i < 4; i++)
        KO_VEC_DATA(v, int64_t)[i] = 10 * (int64_t)i;
    assert_int_equal(ko_vec_set_null(v, 2), KO_OK);
    uint32_t sel[] = {1, 2, 3};
    ko_batch b = {4, sel, 3, &v, 1};
    ko_pq_schema_element el = {.name = "x",
                               .has_type = true,
                               .type = KO_PQ_INT64,
                               .has_repetition = true,
                               .repetition = KO_PQ_OPTIONAL,
                               .converted = KO_PQ_CT_NONE};
    const char *parts[] = {"x"};
    ko_pq_leaf leaf = {0, "x", parts, 1, KO_PQ_INT64, 0, 1, 0};
    ko_pq_column c = {0};
    ko_err err = {0};
    TU_OK(ko_pq_column_init(&c, &leaf), &err);
    TU_OK(ko_sql_vec_to_pq(v, &b, &leaf, &el, &c, "t.x", &err), &err);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.n_values, 2);
    const int16_t *def = (const int16_t *)(const void *)c.def.data;
    assert_int_equal(def[0], 1);
    assert_int_equal(def[1], 0);
    assert_int_equal(def[2], 1);
    const int64_t *vals = (const int64_t *)(const void *)c.values.data;
    assert_int_equal(vals[0], 10);
    assert_int_equal(vals[1], 30);

    /* all rows, no NULLs: the dense copy */
    ko_vec *d = ko_vec_new(&t);
    assert_int_equal(ko_vec_reserve(d, 3), KO_OK);
    for (int i = 0; i < 3; i++)
        KO_VEC_DATA(d, int64_t)[i] = i - 1;
    ko_batch all = {3, NULL, 0, &d, 1};
    ko_pq_column_reset(&c);
    TU_OK(ko_sql_vec_to_pq(d, &all, &leaf, &el, &c, "t.x", &err), &err);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.n_values, 3);
    assert_int_equal(((const int16_t *)(const void *)c.def.data)[2], 1);
    assert_int_equal(((const int64_t *)(const void *)c.values.data)[0], -1);
    assert_int_equal(((const int64_t *)(const void *)c.values.data)[2], 1);
    ko_vec_free(d);

    /* a constant vector stands for every row */
    ko_pq_column_reset(&c);
    v->is_const = true;
    v->validity = NULL;
    KO_VEC_DATA(v, int64_t)[0] = 7;
    TU_OK(ko_sql_vec_to_pq(v, &b, &leaf, &el, &c, "t.x", &err), &err);
    assert_int_equal(c.n_values, 3);
    assert_int_equal(((const int64_t *)(const void *)c.values.data)[2], 7);

    /* REQUIRED: a NULL is a constraint error naming the column */
    ko_pq_leaf req = leaf;
    req.max_def = 0;
    ko_pq_column c2 = {0};
    TU_OK(ko_pq_column_init(&c2, &req), &err);
    assert_int_equal(ko_vec_set_const_null(v), KO_OK);
    assert_int_equal(ko_sql_vec_to_pq(v, &b, &req, &el, &c2, "t.x", &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NOT NULL constraint failed: t.x"));
    ko_pq_column_free(&c);
    ko_pq_column_free(&c2);
    ko_vec_free(v);
}

/* ko_cast_vec over a selection, with TRY giving NULLs. */
static void test_cast_vec(void **state)
{
    (void)state;
    ko_sql_dtype vt = ko_sql_dtype_of(KO_SQL_DT_VARCHAR), it = ko_sql_dtype_of(KO_SQL_DT_INTEGER);
    ko_vec *in = ko_vec_new(&vt), *out = ko_vec_new(&it);
    assert_int_equal(ko_vec_reserve(in, 4), KO_OK);
    assert_int_equal(ko_vec_reserve(out, 4), KO_OK);
    const char *txt[] = {"12", "x", " -7 ", "99999999999"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(ko_vec_set_str(in, i, txt[i], strlen(txt[i])), KO_OK);
    ko_err err = {0};
    ko_qctx q = {.err = &err, .threads = 1};
    ko_sql_pos pos = {0};
    assert_int_equal(ko_cast_vec(&q, in, NULL, 4, 4, out, true, pos), KO_OK);
    assert_true(ko_vec_valid(out, 0));
    assert_int_equal(KO_VEC_DATA(out, int32_t)[0], 12);
    assert_false(ko_vec_valid(out, 1));
    assert_true(ko_vec_valid(out, 2));
    assert_int_equal(KO_VEC_DATA(out, int32_t)[2], -7);
    assert_false(ko_vec_valid(out, 3));
    /* without TRY the first bad row is an error; a selection skips it */
    assert_int_equal(ko_vec_reserve(out, 4), KO_OK);
    assert_int_equal(ko_cast_vec(&q, in, NULL, 4, 4, out, false, pos), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'x'"));
    uint32_t sel[] = {0, 2};
    assert_int_equal(ko_vec_reserve(out, 4), KO_OK);
    assert_int_equal(ko_cast_vec(&q, in, sel, 2, 4, out, false, pos), KO_OK);
    assert_int_equal(KO_VEC_DATA(out, int32_t)[2], -7);
    assert_true(ko_cast_supported(&vt, &it));
    ko_vec_free(in);
    ko_vec_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_format),   cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_jsonl_types),    cmocka_unit_test(test_json_nested),
        cmocka_unit_test(test_parquet_output), cmocka_unit_test(test_vec_to_pq),
        cmocka_unit_test(test_cast_vec),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
