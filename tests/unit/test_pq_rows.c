/*
 * test_pq_rows.c - record assembly (rows.c) on hand-built Dremel columns:
 * the Dremel paper's Document example with its published levels, 3-level
 * and legacy 2-level lists, maps with string and other keys, projection,
 * CSV, corrupt levels, and the text of every logical type's values.
 */
#include "testutil.h"

#include "pq_levels_fixture.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ fixture */

/* All records as JSON lines (or CSV with its header). */
static char *assemble(fx *f, const char *const *names, size_t n_names, bool csv)
{
    ko_err err = {0};
    ko_pq_rows *rows = NULL;
    TU_OK(ko_pq_rows_open_columns(&f->s, f->cols, names, n_names, &rows, &err), &err);
    ko_buf out = {0};
    if (csv)
        TU_OK(ko_pq_rows_write_csv_header(rows, &out, &err), &err);
    size_t got;
    do {
        /* Small batches exercise resuming inside a row group. */
        if (csv)
            TU_OK(ko_pq_rows_write_csv(rows, &out, 1, &got, &err), &err);
        else
            TU_OK(ko_pq_rows_write_jsonl(rows, &out, 1, &got, &err), &err);
    } while (got > 0);
    bool done = false;
    TU_OK(ko_pq_rows_next_rowgroup(rows, &done, &err), &err);
    assert_true(done);
    ko_pq_rows_close(rows);
    if (!out.data)
        return strdup("");
    return (char *)ko_buf_detach(&out, NULL);
}

static void expect_rows(fx *f, const char *const *names, size_t n_names, bool csv, const char *want)
{
    char *got = assemble(f, names, n_names, csv);
    assert_string_equal(got, want);
    free(got);
}

/* ------------------------------------------------------------ Dremel */

/*
 * message Document {
 *   required int64 DocId;
 *   optional group Links { repeated int64 Backward; repeated int64 Forward; }
 *   repeated group Name {
 *     repeated group Language { required string Code; optional string Country; }
 *     optional string Url; }}
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
    str_leaf(f, "Code", KO_PQ_REQUIRED);
    str_leaf(f, "Country", KO_PQ_OPTIONAL);
    str_leaf(f, "Url", KO_PQ_OPTIONAL);
    fx_build(f);
    enum { DOCID, BACKWARD, FORWARD, CODE, COUNTRY, URL };
    /* The levels of Figure 3 of the paper, records r1 and r2. */
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

static void test_dremel_document(void **state)
{
    (void)state;
    fx f = {0};
    document(&f);
    assert_int_equal(f.s.leaves[3].max_def, 2);
    assert_int_equal(f.s.leaves[4].max_def, 3);
    assert_int_equal(f.s.leaves[4].max_rep, 2);
    expect_rows(&f, NULL, 0, false,
                "{\"DocId\":10,\"Links\":{\"Backward\":[],\"Forward\":[20,40,60]},"
                "\"Name\":[{\"Language\":[{\"Code\":\"en-us\",\"Country\":\"us\"},"
                "{\"Code\":\"en\",\"Country\":null}],\"Url\":\"http://A\"},"
                "{\"Language\":[],\"Url\":\"http://B\"},"
                "{\"Language\":[{\"Code\":\"en-gb\",\"Country\":\"gb\"}],\"Url\":null}]}\n"
                "{\"DocId\":20,\"Links\":{\"Backward\":[10,30],\"Forward\":[80]},"
                "\"Name\":[{\"Language\":[],\"Url\":\"http://C\"}]}\n");
    fx_free(&f);
}

static void test_projection(void **state)
{
    (void)state;
    fx f = {0};
    document(&f);
    const char *names[] = {"Links", "DocId"};
    expect_rows(&f, names, 2, false,
                "{\"Links\":{\"Backward\":[],\"Forward\":[20,40,60]},\"DocId\":10}\n"
                "{\"Links\":{\"Backward\":[10,30],\"Forward\":[80]},\"DocId\":20}\n");
    ko_err err = {0};
    ko_pq_rows *rows = NULL;
    const char *bad[] = {"DocId", "Nope"};
    assert_int_equal(ko_pq_rows_open_columns(&f.s, f.cols, bad, 2, &rows, &err), KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "Nope"));
    assert_null(rows);
    const char *twice[] = {"DocId", "DocId"};
    assert_int_equal(ko_pq_rows_open_columns(&f.s, f.cols, twice, 2, &rows, &err), KO_ERR_INVALID);
    /* Only the projected columns are looked at: damage another one. */
    f.cols[3].n_values++;
    const char *one[] = {"Links"};
    TU_OK(ko_pq_rows_open_columns(&f.s, f.cols, one, 1, &rows, &err), &err);
    assert_int_equal(ko_pq_rows_n_fields(rows), 1);
    assert_string_equal(ko_pq_rows_field_name(rows, 0), "Links");
    ko_pq_rows_close(rows);
    f.cols[3].n_values--;
    fx_free(&f);
}

/* ------------------------------------------------------------ lists */

static ko_pq_schema_element *list_group(fx *f, const char *name, ko_pq_repetition rep)
{
    ko_pq_schema_element *e = grp(f, name, rep, 1);
    e->logical.kind = KO_PQ_LT_LIST;
    e->converted = KO_PQ_CT_LIST;
    return e;
}

static void test_list_three_level(void **state)
{
    (void)state;
    fx f = {0};
    grp(&f, "schema", KO_PQ_REQUIRED, 1);
    list_group(&f, "l", KO_PQ_OPTIONAL);
    grp(&f, "list", KO_PQ_REPEATED, 1);
    leaf(&f, "element", KO_PQ_OPTIONAL, KO_PQ_INT32);
    fx_build(&f);
    add_i32(&f, 0, 0, 3, 1); /* [1, null, 2] */
    add_i32(&f, 0, 1, 2, 0);
    add_i32(&f, 0, 1, 3, 2);
    add_i32(&f, 0, 0, 1, 0); /* [] */
    add_i32(&f, 0, 0, 0, 0); /* null */
    add_i32(&f, 0, 0, 3, 3); /* [3] */
    expect_rows(&f, NULL, 0, false, "{\"l\":[1,null,2]}\n{\"l\":[]}\n{\"l\":null}\n{\"l\":[3]}\n");
    expect_rows(&f, NULL, 0, true, "l\n\"[1,null,2]\"\n[]\n\n[3]\n");
    fx_free(&f);
}

/* The backward-compatibility rules of LogicalTypes.md. */
static void test_list_legacy_forms(void **state)
{
    (void)state;
    fx f = {0};
    grp(&f, "schema", KO_PQ_REQUIRED, 5);
    list_group(&f, "a", KO_PQ_OPTIONAL); /* repeated primitive */
    leaf(&f, "array", KO_PQ_REPEATED, KO_PQ_INT32);
    list_group(&f, "b", KO_PQ_OPTIONAL); /* group named "array" */
    grp(&f, "array", KO_PQ_REPEATED, 1);
    leaf(&f, "x", KO_PQ_OPTIONAL, KO_PQ_INT32);
    list_group(&f, "c", KO_PQ_OPTIONAL); /* group named <list>_tuple */
    grp(&f, "c_tuple", KO_PQ_REPEATED, 1);
    leaf(&f, "x", KO_PQ_OPTIONAL, KO_PQ_INT32);
    list_group(&f, "d", KO_PQ_OPTIONAL); /* group of several fields */
    grp(&f, "element", KO_PQ_REPEATED, 2);
    leaf(&f, "x", KO_PQ_REQUIRED, KO_PQ_INT32);
    leaf(&f, "y", KO_PQ_REQUIRED, KO_PQ_INT32);
    grp(&f, "e", KO_PQ_REPEATED, 1); /* unannotated repeated group */
    leaf(&f, "z", KO_PQ_OPTIONAL, KO_PQ_INT32);
    fx_build(&f);
    add_i32(&f, 0, 0, 2, 1);
    add_i32(&f, 0, 1, 2, 2);
    add_i32(&f, 1, 0, 3, 1);
    add_i32(&f, 2, 0, 2, 0);
    add_i32(&f, 3, 0, 2, 1);
    add_i32(&f, 4, 0, 2, 2);
    add_i32(&f, 5, 0, 2, 7);
    add_i32(&f, 5, 1, 1, 0);
    expect_rows(&f, NULL, 0, false,
                "{\"a\":[1,2],\"b\":[{\"x\":1}],\"c\":[{\"x\":null}],"
                "\"d\":[{\"x\":1,\"y\":2}],\"e\":[{\"z\":7},{\"z\":null}]}\n");
    fx_free(&f);
}

/* ------------------------------------------------------------ maps */

static void test_maps(void **state)
{
    (void)state;
    fx f = {0};
    grp(&f, "schema", KO_PQ_REQUIRED, 2);
    ko_pq_schema_element *m = grp(&f, "m", KO_PQ_OPTIONAL, 1);
    m->logical.kind = KO_PQ_LT_MAP;
    grp(&f, "key_value", KO_PQ_REPEATED, 2);
    str_leaf(&f, "key", KO_PQ_REQUIRED);
    leaf(&f, "value", KO_PQ_OPTIONAL, KO_PQ_INT32);
    ko_pq_schema_element *n = grp(&f, "n", KO_PQ_REQUIRED, 1);
    n->converted = KO_PQ_CT_MAP;
    grp(&f, "map", KO_PQ_REPEATED, 2)->converted = KO_PQ_CT_MAP_KEY_VALUE;
    leaf(&f, "key", KO_PQ_REQUIRED, KO_PQ_INT32);
    leaf(&f, "value", KO_PQ_REQUIRED, KO_PQ_INT32);
    fx_build(&f);
    /* m: {"a":1,"b":null}, {}, null;  n: [1->10], [], [2->20, 3->30] */
    add_str(&f, 0, 0, 2, "a");
    add_str(&f, 0, 1, 2, "b\"");
    add_i32(&f, 1, 0, 3, 1);
    add_i32(&f, 1, 1, 2, 0);
    add_str(&f, 0, 0, 1, NULL);
    add_i32(&f, 1, 0, 1, 0);
    add_str(&f, 0, 0, 0, NULL);
    add_i32(&f, 1, 0, 0, 0);
    add_i32(&f, 2, 0, 1, 1);
    add_i32(&f, 3, 0, 1, 10);
    add_i32(&f, 2, 0, 0, 0);
    add_i32(&f, 3, 0, 0, 0);
    add_i32(&f, 2, 0, 1, 2);
    add_i32(&f, 3, 0, 1, 20);
    add_i32(&f, 2, 1, 1, 3);
    add_i32(&f, 3, 1, 1, 30);
    expect_rows(&f, NULL, 0, false,
                "{\"m\":{\"a\":1,\"b\\\"\":null},\"n\":[{\"key\":1,\"value\":10}]}\n"
                "{\"m\":{},\"n\":[]}\n"
                "{\"m\":null,\"n\":[{\"key\":2,\"value\":20},{\"key\":3,\"value\":30}]}\n");
    fx_free(&f);
}

/* ------------------------------------------------------------ CSV */

static void test_csv(void **state)
{
    (void)state;
    fx f = {0};
    grp(&f, "schema", KO_PQ_REQUIRED, 4);
    str_leaf(&f, "s", KO_PQ_OPTIONAL);
    leaf(&f, "i", KO_PQ_OPTIONAL, KO_PQ_INT64);
    grp(&f, "g,h", KO_PQ_OPTIONAL, 1);
    str_leaf(&f, "t", KO_PQ_REQUIRED);
    leaf(&f, "b", KO_PQ_REQUIRED, KO_PQ_BOOLEAN);
    fx_build(&f);
    uint8_t yes = 1, no = 0;
    add_str(&f, 0, 0, 1, "plain");
    add_i64(&f, 1, 0, 1, -7);
    add_str(&f, 2, 0, 1, "x\"y");
    add(&f, 3, 0, 0, &yes, 1);
    add_str(&f, 0, 0, 1, "a,b \"q\"\nline");
    add_i64(&f, 1, 0, 0, 0);
    add_str(&f, 2, 0, 0, NULL);
    add(&f, 3, 0, 0, &no, 1);
    expect_rows(&f, NULL, 0, true,
                "s,i,\"g,h\",b\n"
                "plain,-7,\"{\"\"t\"\":\"\"x\\\"\"y\"\"}\",true\n"
                "\"a,b \"\"q\"\"\nline\",,,false\n");
    expect_rows(&f, NULL, 0, false,
                "{\"s\":\"plain\",\"i\":-7,\"g,h\":{\"t\":\"x\\\"y\"},\"b\":true}\n"
                "{\"s\":\"a,b \\\"q\\\"\\nline\",\"i\":null,\"g,h\":null,\"b\":false}\n");
    fx_free(&f);
}

/* ------------------------------------------------------------ corrupt */

static ko_status try_rows(fx *f, ko_err *err)
{
    ko_pq_rows *rows = NULL;
    ko_status st = ko_pq_rows_open_columns(&f->s, f->cols, NULL, 0, &rows, err);
    ko_buf out = {0};
    size_t got = 1;
    while (st == KO_OK && got > 0)
        st = ko_pq_rows_write_jsonl(rows, &out, 100, &got, err);
    ko_buf_free(&out);
    ko_pq_rows_close(rows);
    return st;
}

static void test_corrupt_levels(void **state)
{
    (void)state;
    ko_err err = {0};
    fx f = {0};
    document(&f);
    /* A record more in one column than the others. */
    add_i64(&f, 0, 0, 0, 30);
    assert_int_equal(try_rows(&f, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "DocId"));
    fx_free(&f);

    /* Levels out of range, values missing, offsets backwards. */
    memset(&f, 0, sizeof f);
    document(&f);
    ((int16_t *)(void *)f.cols[3].def.data)[0] = 7;
    assert_int_equal(try_rows(&f, &err), KO_ERR_CORRUPT);
    ((int16_t *)(void *)f.cols[3].def.data)[0] = 2;
    f.cols[0].values.len = 8;
    assert_int_equal(try_rows(&f, &err), KO_ERR_CORRUPT);
    f.cols[0].values.len = 16;
    ((int64_t *)(void *)f.cols[5].offsets.data)[2] = 1;
    assert_int_equal(try_rows(&f, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "Url"));
    fx_free(&f);
}

/* Levels consistent per column but disagreeing between columns inside a
 * record: assembly stops with an error rather than reading past the end. */
static void test_disagreeing_columns(void **state)
{
    (void)state;
    fx f = {0};
    ko_err err = {0};
    grp(&f, "schema", KO_PQ_REQUIRED, 1);
    grp(&f, "g", KO_PQ_REPEATED, 2);
    leaf(&f, "a", KO_PQ_REQUIRED, KO_PQ_INT32);
    leaf(&f, "b", KO_PQ_REQUIRED, KO_PQ_INT32);
    fx_build(&f);
    add_i32(&f, 0, 0, 1, 1); /* a: one record of three instances */
    add_i32(&f, 0, 1, 1, 2);
    add_i32(&f, 0, 1, 1, 3);
    add_i32(&f, 1, 0, 1, 1); /* b: one record of one instance */
    assert_int_equal(try_rows(&f, &err), KO_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "column g.b"));
    fx_free(&f);
}

/* ------------------------------------------------------------ values */

static ko_pq_schema_element val_el(ko_pq_type t, int32_t len)
{
    ko_pq_schema_element e = {
        .name = "v", .has_type = true, .type = t, .type_length = len, .converted = KO_PQ_CT_NONE};
    return e;
}

static void check_value(const ko_pq_schema_element *el, const void *v, size_t len, const char *want)
{
    ko_buf out = {0};
    ko_err err = {0};
    TU_OK(ko_pq_value_to_json(el, v, len, &out, &err), &err);
    assert_non_null(out.data);
    assert_string_equal((const char *)out.data, want);
    ko_buf_free(&out);
}

static void expect_i32(const ko_pq_schema_element *el, int32_t v, const char *want)
{
    check_value(el, &v, 4, want);
}

static void expect_i64(const ko_pq_schema_element *el, int64_t v, const char *want)
{
    check_value(el, &v, 8, want);
}

static void test_values_integers(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_BOOLEAN, 0);
    uint8_t t = 1;
    check_value(&e, &t, 1, "true");
    e = val_el(KO_PQ_INT32, 0);
    expect_i32(&e, -5, "-5");
    e.converted = KO_PQ_CT_UINT_32;
    expect_i32(&e, -1, "4294967295");
    e = val_el(KO_PQ_INT32, 0);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_INTEGER, .bit_width = 8, .is_signed = false};
    expect_i32(&e, 200, "200");
    e.converted = KO_PQ_CT_INT_8;
    e.logical.is_signed = true;
    expect_i32(&e, -100, "-100");
    e = val_el(KO_PQ_INT64, 0);
    expect_i64(&e, INT64_MIN, "-9223372036854775808");
    e.converted = KO_PQ_CT_UINT_64;
    expect_i64(&e, -1, "18446744073709551615");
}

static void test_values_dates_times(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_INT32, 0);
    e.logical.kind = KO_PQ_LT_DATE;
    expect_i32(&e, 0, "\"1970-01-01\"");
    expect_i32(&e, 18628, "\"2021-01-01\"");
    expect_i32(&e, -719528, "\"0001-01-01 (BC)\"");
    e = val_el(KO_PQ_INT32, 0);
    e.converted = KO_PQ_CT_TIME_MILLIS;
    expect_i32(&e, 36000123, "\"10:00:00.123\"");
    e = val_el(KO_PQ_INT64, 0);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_TIME, .unit = KO_PQ_MICROS, .utc = true};
    expect_i64(&e, 36000123456, "\"10:00:00.123456+00\"");
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_TIME, .unit = KO_PQ_NANOS};
    expect_i64(&e, 1, "\"00:00:00.000000001\"");
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_TIMESTAMP, .unit = KO_PQ_MILLIS};
    expect_i64(&e, 1609495200123, "\"2021-01-01 10:00:00.123\"");
    e.logical.utc = true;
    e.logical.unit = KO_PQ_MICROS;
    expect_i64(&e, 1609495200000000, "\"2021-01-01 10:00:00+00\"");
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_TIMESTAMP, .unit = KO_PQ_NANOS};
    expect_i64(&e, -1, "\"1969-12-31 23:59:59.999999999\"");
    e = val_el(KO_PQ_INT64, 0);
    e.converted = KO_PQ_CT_TIMESTAMP_MICROS; /* converted only: no zone, as DuckDB */
    expect_i64(&e, 1500000, "\"1970-01-01 00:00:01.5\"");
    e = val_el(KO_PQ_INT96, 0);
    uint8_t i96[12] = {0};
    int64_t nanos = 1500000000;
    int32_t julian = 2440588 + 18628;
    memcpy(i96, &nanos, 8);
    memcpy(i96 + 8, &julian, 4);
    check_value(&e, i96, 12, "\"2021-01-01 00:00:01.5\"");
}

static void test_values_decimals(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_INT32, 0);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = 9, .scale = 2};
    expect_i32(&e, -1234, "-12.34");
    expect_i32(&e, 5, "0.05");
    expect_i32(&e, -5, "-0.05");
    e = val_el(KO_PQ_INT64, 0);
    e.converted = KO_PQ_CT_DECIMAL;
    e.precision = 18;
    e.scale = 0;
    expect_i64(&e, INT64_MIN, "-9223372036854775808");
    e = val_el(KO_PQ_FIXED_LEN_BYTE_ARRAY, 16);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = 38, .scale = 3};
    uint8_t minus_one[16];
    memset(minus_one, 0xff, sizeof minus_one);
    check_value(&e, minus_one, 16, "-0.001");
    e = val_el(KO_PQ_BYTE_ARRAY, 0);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_DECIMAL, .precision = 50, .scale = 10};
    uint8_t two128[17] = {1}; /* 2^128 */
    check_value(&e, two128, 17, "34028236692093846346337460743.1768211456");
    uint8_t neg[2] = {0x80, 0x00}; /* -32768 */
    check_value(&e, neg, 2, "-0.0000032768");
    check_value(&e, "", 0, "0.0000000000");
}

static void test_values_strings(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_BYTE_ARRAY, 0);
    const char s[] = "a\"b\\c\n\x01\xc3\xa9\t/";
    e.logical.kind = KO_PQ_LT_STRING;
    check_value(&e, s, sizeof s - 1, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\t/\"");
    /* Invalid UTF-8: one U+FFFD per maximal invalid subpart. */
    check_value(&e, "x\xff", 2, "\"x\\ufffd\"");
    check_value(&e, "\xe2\x82", 2, "\"\\ufffd\"");
    check_value(&e, "\xe2\x82(", 3, "\"\\ufffd(\"");
    check_value(&e, "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    check_value(&e, "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
    check_value(&e, "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");
    e = val_el(KO_PQ_BYTE_ARRAY, 0);
    e.converted = KO_PQ_CT_ENUM;
    check_value(&e, "RED", 3, "\"RED\"");
    e = val_el(KO_PQ_BYTE_ARRAY, 0);
    e.logical.kind = KO_PQ_LT_JSON;
    check_value(&e, "{\"a\":1}", 7, "\"{\\\"a\\\":1}\"");
    e = val_el(KO_PQ_BYTE_ARRAY, 0);
    check_value(&e, "hi", 2, "\"aGk=\"");
    check_value(&e, "hi!", 3, "\"aGkh\"");
    check_value(&e, "h", 1, "\"aA==\"");
    e.logical.kind = KO_PQ_LT_BSON;
    check_value(&e, "\x00\xff", 2, "\"AP8=\"");
    e = val_el(KO_PQ_FIXED_LEN_BYTE_ARRAY, 16);
    e.logical.kind = KO_PQ_LT_UUID;
    const uint8_t u[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                           0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    check_value(&e, u, 16, "\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\"");
    e = val_el(KO_PQ_BYTE_ARRAY, 0);
    e.logical.kind = KO_PQ_LT_UNKNOWN;
    check_value(&e, "x", 1, "null");
}

static void test_values_floats(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_FLOAT, 0);
    float f = 0.1f;
    check_value(&e, &f, 4, "0.1");
    f = 1.1f;
    check_value(&e, &f, 4, "1.1");
    f = NAN;
    check_value(&e, &f, 4, "\"NaN\"");
    e = val_el(KO_PQ_DOUBLE, 0);
    double d = 0.1;
    check_value(&e, &d, 8, "0.1");
    d = 1e300;
    check_value(&e, &d, 8, "1e+300");
    d = 1.0 / 3;
    check_value(&e, &d, 8, "0.3333333333333333");
    d = -INFINITY;
    check_value(&e, &d, 8, "\"-Infinity\"");
    d = INFINITY;
    check_value(&e, &d, 8, "\"Infinity\"");
    e = val_el(KO_PQ_FIXED_LEN_BYTE_ARRAY, 2);
    e.logical.kind = KO_PQ_LT_FLOAT16;
    const uint8_t one[2] = {0x00, 0x3c}, third[2] = {0x55, 0x35}, m2[2] = {0x00, 0xc0};
    const uint8_t nan16[2] = {0x00, 0x7e}, inf16[2] = {0x00, 0x7c}, tiny[2] = {0x01, 0x00};
    check_value(&e, one, 2, "1");
    check_value(&e, third, 2, "0.33325195");
    check_value(&e, m2, 2, "-2");
    check_value(&e, nan16, 2, "\"NaN\"");
    check_value(&e, inf16, 2, "\"Infinity\"");
    check_value(&e, tiny, 2, "5.9604645e-08");
}

static void test_values_interval_and_errors(void **state)
{
    (void)state;
    ko_pq_schema_element e = val_el(KO_PQ_FIXED_LEN_BYTE_ARRAY, 12);
    e.converted = KO_PQ_CT_INTERVAL;
    uint32_t iv[3] = {14, 3, 4};
    check_value(&e, iv, 12, "\"1 year 2 months 3 days 00:00:00.004\"");
    uint32_t zero[3] = {0, 0, 0};
    check_value(&e, zero, 12, "\"00:00:00\"");
    uint32_t day[3] = {0, 1, 3600000};
    check_value(&e, day, 12, "\"1 day 01:00:00\"");
    /* A length that does not fit the physical type. */
    ko_buf out = {0};
    ko_err err = {0};
    assert_int_equal(ko_pq_value_to_json(&e, iv, 8, &out, &err), KO_ERR_CORRUPT);
    e = val_el(KO_PQ_INT64, 0);
    assert_int_equal(ko_pq_value_to_json(&e, iv, 4, &out, &err), KO_ERR_CORRUPT);
    /* Annotations that do not fit the type fall back to the physical type. */
    e.logical.kind = KO_PQ_LT_DATE;
    expect_i64(&e, 3, "3");
    e = val_el(KO_PQ_INT32, 0);
    e.logical = (ko_pq_logical){.kind = KO_PQ_LT_TIMESTAMP, .unit = KO_PQ_MILLIS};
    expect_i32(&e, 3, "3");
    ko_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dremel_document),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_list_three_level),
        cmocka_unit_test(test_list_legacy_forms),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_corrupt_levels),
        cmocka_unit_test(test_disagreeing_columns),
        cmocka_unit_test(test_values_integers),
        cmocka_unit_test(test_values_dates_times),
        cmocka_unit_test(test_values_decimals),
        cmocka_unit_test(test_values_strings),
        cmocka_unit_test(test_values_floats),
        cmocka_unit_test(test_values_interval_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
