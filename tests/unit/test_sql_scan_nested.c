/*
 * test_sql_scan_nested.c - the table scan's nested columns (scan_nested.c)
 * on hand-built Dremel columns: the Dremel paper's Document (bare repeated
 * fields as lists, lists of structs of lists), 3-level lists with NULL and
 * empty lists and NULL elements, maps, struct fields missing from the
 * file, batch slices past the first 2048 rows, shapes that do not fit the
 * type, and corrupt levels.  Values are checked through ko_vec_format
 * (DuckDB's text of each value).
 */
#include "testutil.h"

#include "pq_levels_fixture.h"
#include "sql/scan_nested.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ types */

static ko_sql_dtype T(ko_sql_dtid id)
{
    return ko_sql_dtype_of(id);
}

static ko_sql_dtype strct2(ko_arena *a, const char *n0, ko_sql_dtype t0, const char *n1,
                           ko_sql_dtype t1)
{
    const char *names[2] = {n0, n1};
    ko_sql_dtype types[2] = {t0, t1};
    return ko_sql_dtype_struct(a, names, types, 2);
}

/* ------------------------------------------------------------ running */

/* Plans column `name` of type t over the fixture and assembles `rows`
 * records; returns the state (the vector is checked with row_text). */
static ko_nest_state *run(fx *f, const char *name, const ko_sql_dtype *t, size_t rows,
                          ko_status want, const char *want_msg)
{
    ko_err err = {0};
    ko_nest_col *nc = NULL;
    TU_OK(ko_nest_plan(&f->arena, &f->s, NULL, -1, name, t, &nc, &err), &err);
    assert_non_null(nc);
    ko_nest_state *s = ko_nest_state_new(t);
    assert_non_null(s);
    ko_status st = ko_nest_assemble(s, nc, f->cols, rows, name, &err);
    if (st != want)
        fail_msg("assemble -> %s: %s", ko_status_name(st), err.msg);
    if (want_msg)
        assert_non_null(strstr(err.msg, want_msg));
    return s;
}

/* The text of row `row` of a batch sliced at `from`. */
static void expect_row(const ko_nest_state *s, const ko_sql_dtype *t, size_t from, size_t row,
                       const char *want)
{
    ko_vec *v = ko_vec_new(t);
    assert_non_null(v);
    ko_nest_slice(v, s, from);
    ko_buf out = {0};
    assert_int_equal(ko_vec_format(v, row, &out), KO_OK);
    assert_int_equal(ko_buf_append(&out, "", 1), KO_OK);
    assert_string_equal((const char *)out.data, want);
    ko_buf_free(&out);
    ko_vec_free(v);
}

/* ------------------------------------------------------------ Dremel */

/*
 * message Document {
 *   required int64 DocId;
 *   optional group Links { repeated int64 Backward; repeated int64 Forward; }
 *   repeated group Name {
 *     repeated group Language { required string Code; optional string Country; }
 *     optional string Url; }}
 * with the levels of Figure 3 of the paper (records r1 and r2).
 */
static void document(fx *f)
{
    grp(f, "Document", KO_PQ_REQUIRED, 3);
    leaf(f, "DocId", KO_PQ_REQUIRED, KO_PQ_INT64);
    grp(f, "Links", KO_PQ_OPTIONAL, 2);
    leaf(f, "Backward", KO_PQ_REPEATED, KO_PQ_INT64);
    leaf(f, "Forward", KO_PQ_REPEATED, KO_PQ_INT64);
    grp(f, "Name", KO_PQ_REPEATED, 2);
    grp(f, "Language", KO_PQ_REPEATED, 2);
    leaf(f, "Code", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY);
    leaf(f, "Country", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY);
    leaf(f, "Url", KO_PQ_OPTIONAL, KO_PQ_BYTE_ARRAY);
    fx_build(f);
    enum { DOCID, BACKWARD, FORWARD, CODE, COUNTRY, URL };
    add_i64(f, DOCID, 0, 0, 10);
    add_i64(f, DOCID, 0, 0, 20);
    add_i64(f, BACKWARD, 0, 1, 0);
    add_i64(f, BACKWARD, 0, 2, 10);
    add_i64(f, BACKWARD, 1, 2, 30);
    add_i64(f, FORWARD, 0, 2, 20);
    add_i64(f, FORWARD, 1, 2, 40);
    add_i64(f, FORWARD, 1, 2, 60);
    add_i64(f, FORWARD, 0, 2, 80);
    add_str(f, CODE, 0, 2, "en-us");
    add_str(f, CODE, 2, 2, "en");
    add_str(f, CODE, 1, 1, NULL);
    add_str(f, CODE, 1, 2, "en-gb");
    add_str(f, CODE, 0, 1, NULL);
    add_str(f, COUNTRY, 0, 3, "us");
    add_str(f, COUNTRY, 2, 2, NULL);
    add_str(f, COUNTRY, 1, 1, NULL);
    add_str(f, COUNTRY, 1, 3, "gb");
    add_str(f, COUNTRY, 0, 1, NULL);
    add_str(f, URL, 0, 2, "http://A");
    add_str(f, URL, 1, 2, "http://B");
    add_str(f, URL, 1, 1, NULL);
    add_str(f, URL, 0, 2, "http://C");
}

static void test_document_links(void **state)
{
    (void)state;
    fx f = {0};
    document(&f);
    ko_sql_dtype list = ko_sql_dtype_list(&f.arena, T(KO_SQL_DT_BIGINT));
    ko_sql_dtype t = strct2(&f.arena, "Backward", list, "Forward", list);
    ko_nest_state *s = run(&f, "links", &t, 2, KO_OK, NULL);
    expect_row(s, &t, 0, 0, "{'Backward': [], 'Forward': [20, 40, 60]}");
    expect_row(s, &t, 0, 1, "{'Backward': [10, 30], 'Forward': [80]}");
    ko_nest_state_free(s);
    fx_free(&f);
}

static void test_document_name(void **state)
{
    (void)state;
    fx f = {0};
    document(&f);
    ko_sql_dtype lang =
        strct2(&f.arena, "Code", T(KO_SQL_DT_VARCHAR), "Country", T(KO_SQL_DT_VARCHAR));
    ko_sql_dtype name = strct2(&f.arena, "Language", ko_sql_dtype_list(&f.arena, lang), "Url",
                               T(KO_SQL_DT_VARCHAR));
    ko_sql_dtype t = ko_sql_dtype_list(&f.arena, name);
    ko_nest_state *s = run(&f, "Name", &t, 2, KO_OK, NULL);
    expect_row(s, &t, 0, 0,
               "[{'Language': [{'Code': en-us, 'Country': us}, {'Code': en, 'Country': NULL}], "
               "'Url': http://A}, {'Language': [], 'Url': http://B}, {'Language': [{'Code': "
               "en-gb, 'Country': gb}], 'Url': NULL}]");
    expect_row(s, &t, 0, 1, "[{'Language': [], 'Url': http://C}]");
    ko_nest_state_free(s);
    fx_free(&f);
}

/* ------------------------------------------------- lists, maps, structs */

/* optional group li (LIST) { repeated group list { optional int32 element } }
 * optional group m (MAP) { repeated group key_value { required binary key;
 *                                                     optional int32 value } }
 * optional group st { optional int32 a }
 * rows i: li NULL / [] / [i, NULL, 3]; m NULL / {} / {k1=i, k2=NULL};
 *         st NULL / {'a': NULL} / {'a': i}, by i % 3. */
static void lists(fx *f, size_t rows)
{
    grp(f, "schema", KO_PQ_REQUIRED, 3);
    grp(f, "li", KO_PQ_OPTIONAL, 1)->converted = KO_PQ_CT_LIST;
    grp(f, "list", KO_PQ_REPEATED, 1);
    leaf(f, "element", KO_PQ_OPTIONAL, KO_PQ_INT32);
    grp(f, "m", KO_PQ_OPTIONAL, 1)->converted = KO_PQ_CT_MAP;
    grp(f, "key_value", KO_PQ_REPEATED, 2);
    leaf(f, "key", KO_PQ_REQUIRED, KO_PQ_BYTE_ARRAY);
    leaf(f, "value", KO_PQ_OPTIONAL, KO_PQ_INT32);
    grp(f, "st", KO_PQ_OPTIONAL, 1);
    leaf(f, "a", KO_PQ_OPTIONAL, KO_PQ_INT32);
    fx_build(f);
    enum { EL, KEY, VAL, A };
    for (size_t i = 0; i < rows; i++) {
        int32_t x = (int32_t)i;
        switch (i % 3) {
        case 0:
            add_i32(f, EL, 0, 0, 0);
            add_str(f, KEY, 0, 0, NULL);
            add_i32(f, VAL, 0, 0, 0);
            add_i32(f, A, 0, 0, 0);
            break;
        case 1:
            add_i32(f, EL, 0, 1, 0);
            add_str(f, KEY, 0, 1, NULL);
            add_i32(f, VAL, 0, 1, 0);
            add_i32(f, A, 0, 1, 0);
            break;
        default:
            add_i32(f, EL, 0, 3, x);
            add_i32(f, EL, 1, 2, 0);
            add_i32(f, EL, 1, 3, 3);
            add_str(f, KEY, 0, 2, "k1");
            add_str(f, KEY, 1, 2, "k2");
            add_i32(f, VAL, 0, 3, x);
            add_i32(f, VAL, 1, 2, 0);
            add_i32(f, A, 0, 2, x);
            break;
        }
    }
}

static void test_list_null_empty_elements(void **state)
{
    (void)state;
    fx f = {0};
    lists(&f, 3000);
    ko_sql_dtype t = ko_sql_dtype_list(&f.arena, T(KO_SQL_DT_INTEGER));
    ko_nest_state *s = run(&f, "li", &t, 3000, KO_OK, NULL);
    expect_row(s, &t, 0, 0, "NULL");
    expect_row(s, &t, 0, 1, "[]");
    expect_row(s, &t, 0, 2, "[2, NULL, 3]");
    /* the second batch: rows 2048.. (2048 % 3 == 2) */
    expect_row(s, &t, 2048, 0, "[2048, NULL, 3]");
    expect_row(s, &t, 2048, 1, "NULL");
    expect_row(s, &t, 2048, 2, "[]");
    expect_row(s, &t, 2048, 951, "[2999, NULL, 3]");
    ko_nest_state_free(s);
    fx_free(&f);
}

static void test_map(void **state)
{
    (void)state;
    fx f = {0};
    lists(&f, 6);
    ko_sql_dtype t = ko_sql_dtype_map(&f.arena, T(KO_SQL_DT_VARCHAR), T(KO_SQL_DT_INTEGER));
    ko_nest_state *s = run(&f, "M", &t, 6, KO_OK, NULL);
    expect_row(s, &t, 0, 0, "NULL");
    expect_row(s, &t, 0, 1, "{}");
    expect_row(s, &t, 0, 2, "{k1=2, k2=NULL}");
    expect_row(s, &t, 0, 5, "{k1=5, k2=NULL}");
    ko_nest_state_free(s);
    fx_free(&f);
}

static void test_struct_missing_field_and_promotion(void **state)
{
    (void)state;
    fx f = {0};
    lists(&f, 3);
    /* a read as BIGINT (int -> long promotion), z absent from the file */
    ko_sql_dtype t = strct2(&f.arena, "z", T(KO_SQL_DT_VARCHAR), "a", T(KO_SQL_DT_BIGINT));
    ko_nest_state *s = run(&f, "st", &t, 3, KO_OK, NULL);
    expect_row(s, &t, 0, 0, "NULL");
    expect_row(s, &t, 0, 1, "{'z': NULL, 'a': NULL}");
    expect_row(s, &t, 0, 2, "{'z': NULL, 'a': 2}");
    ko_nest_state_free(s);
    fx_free(&f);
}

static void test_absent_column_and_bad_shape(void **state)
{
    (void)state;
    fx f = {0};
    lists(&f, 3);
    ko_err err = {0};
    ko_nest_col *nc = NULL;
    ko_sql_dtype t = ko_sql_dtype_list(&f.arena, T(KO_SQL_DT_INTEGER));
    TU_OK(ko_nest_plan(&f.arena, &f.s, NULL, -1, "nope", &t, &nc, &err), &err);
    assert_null(nc);
    /* a struct is not a list; a map's key_value group is not an INTEGER */
    assert_int_equal(ko_nest_plan(&f.arena, &f.s, NULL, -1, "st", &t, &nc, &err),
                     KO_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "st"));
    ko_sql_dtype bad = ko_sql_dtype_list(&f.arena, T(KO_SQL_DT_INTEGER));
    assert_int_equal(ko_nest_plan(&f.arena, &f.s, NULL, -1, "m", &bad, &nc, &err),
                     KO_ERR_UNSUPPORTED);
    fx_free(&f);
}

static void test_corrupt_levels(void **state)
{
    (void)state;
    fx f = {0};
    lists(&f, 3);
    ko_sql_dtype t = ko_sql_dtype_list(&f.arena, T(KO_SQL_DT_INTEGER));
    /* one entry too many: the column holds more than 3 records */
    add_i32(&f, 0, 0, 3, 9);
    ko_nest_state *s = run(&f, "li", &t, 3, KO_ERR_CORRUPT, "records");
    ko_nest_state_free(s);
    /* fewer records than rows */
    s = run(&f, "li", &t, 5, KO_ERR_CORRUPT, "ends early");
    ko_nest_state_free(s);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_links),
        cmocka_unit_test(test_document_name),
        cmocka_unit_test(test_list_null_empty_elements),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_struct_missing_field_and_promotion),
        cmocka_unit_test(test_absent_column_and_bad_shape),
        cmocka_unit_test(test_corrupt_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
