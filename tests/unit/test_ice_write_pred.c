/*
 * test_ice_write_pred.c - the filter text of `korolev table delete
 * --where` (ko_ice_pred_parse_text): every operator, AND binding tighter
 * than OR, parentheses, literals typed by their column (long, int,
 * double, string with quotes, boolean, date, timestamp, decimal), != as
 * "< or >" with SQL's null semantics, and errors that name the offset;
 * and ko_ice_pred_all_rows_match, which decides which files a delete
 * drops without reading them.
 */
#include "testutil.h"

#include <string.h>

#include "iceberg/iceberg.h"

static const char SCHEMA[] =
    "{\"type\":\"struct\",\"fields\":["
    "{\"id\":1,\"name\":\"id\",\"required\":true,\"type\":\"long\"},"
    "{\"id\":2,\"name\":\"grp\",\"required\":false,\"type\":\"int\"},"
    "{\"id\":3,\"name\":\"name\",\"required\":false,\"type\":\"string\"},"
    "{\"id\":4,\"name\":\"score\",\"required\":false,\"type\":\"double\"},"
    "{\"id\":5,\"name\":\"ok\",\"required\":false,\"type\":\"boolean\"},"
    "{\"id\":6,\"name\":\"day\",\"required\":false,\"type\":\"date\"},"
    "{\"id\":7,\"name\":\"ts\",\"required\":false,\"type\":\"timestamp\"},"
    "{\"id\":8,\"name\":\"amount\",\"required\":false,\"type\":\"decimal(9,2)\"}]}";

typedef struct row {
    ko_ice_value v[9]; /* by field id */
} row;

static const ko_ice_value *lookup(void *ctx, int32_t id)
{
    row *r = ctx;
    return id >= 1 && id <= 8 && !r->v[id].is_null ? &r->v[id] : NULL;
}

static row make_row(int64_t id, int32_t grp, const char *name, double score)
{
    row r;
    for (int i = 0; i < 9; i++)
        r.v[i] = ko_ice_value_null(KO_ICE_LONG);
    r.v[1] = ko_ice_value_long(id);
    r.v[2] = grp < 0 ? ko_ice_value_null(KO_ICE_INT) : ko_ice_value_int(grp);
    r.v[3] = name ? ko_ice_value_string(name) : ko_ice_value_null(KO_ICE_STRING);
    r.v[4] = ko_ice_value_double(score);
    r.v[5] = ko_ice_value_bool(id % 2 == 0);
    r.v[6] = ko_ice_value_int_of(KO_ICE_DATE, 19723 + id); /* 2024-01-01 + id days */
    r.v[7] = ko_ice_value_int_of(KO_ICE_TIMESTAMP, (19723 + id) * 86400000000LL);
    r.v[8] = ko_ice_value_decimal(id * 100 + 5, 2);
    return r;
}

static ko_ice_schema schema_of(ko_arena *a)
{
    ko_err err = {0};
    ko_ice_schema s;
    TU_OK(ko_ice_schema_parse(SCHEMA, strlen(SCHEMA), a, &s, &err), &err);
    return s;
}

static bool matches(const char *text, row r)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_ice_schema s = schema_of(&a);
    const ko_ice_pred *p = NULL;
    TU_OK(ko_ice_pred_parse_text(text, &s, &a, &p, &err), &err);
    bool m = ko_ice_pred_eval_row(p, lookup, &r);
    ko_arena_free(&a);
    return m;
}

static void test_parse_eval(void **state)
{
    (void)state;
    row r = make_row(5, 2, "it's", 2.5), n = make_row(6, -1, NULL, 3.0);
    assert_true(matches("id = 5", r));
    assert_true(matches("id == 5", r));
    assert_false(matches("id = 6", r));
    assert_true(matches("id != 6", r));
    assert_true(matches("id <> 6", r));
    assert_false(matches("id != 5", r));
    assert_true(matches("id < 6 and id <= 5 and id > 4 and id >= 5", r));
    assert_true(matches("ID >= 5", r)); /* case-insensitive names */
    assert_true(matches("name = 'it''s'", r));
    assert_true(matches("`name` is not null", r));
    assert_true(matches("grp IS NULL", n));
    assert_false(matches("grp is null", r));
    /* Nulls match no comparison, not even != (SQL). */
    assert_false(matches("grp != 1", n));
    assert_false(matches("grp = 1 or grp != 1", n));
    /* AND binds tighter than OR; parentheses regroup. */
    assert_true(matches("id = 1 and id = 2 or id = 5", r));
    assert_false(matches("id = 1 and (id = 2 or id = 5)", r));
    assert_true(matches("score > 2.25 and score < 2.75", r));
    assert_true(matches("ok = false", r));
    assert_true(matches("day = '2024-01-06'", r));
    assert_true(matches("day < 2024-01-07", r)); /* a bare literal */
    assert_true(matches("ts >= '2024-01-06 00:00:00' and ts < '2024-01-06T00:00:01'", r));
    assert_true(matches("amount = 5.05", r));
    assert_true(matches("amount > '5.04'", r));
    assert_true(matches("true", r));
    assert_false(matches("false or id = 4", r));
}

static void expect_error(const char *text, const char *pattern)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_ice_schema s = schema_of(&a);
    const ko_ice_pred *p = NULL;
    assert_int_equal(ko_ice_pred_parse_text(text, &s, &a, &p, &err), KO_ERR_INVALID);
    if (!strstr(err.msg, pattern))
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, pattern);
    ko_arena_free(&a);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_error("", "empty filter");
    expect_error("nope = 1", "no primitive column 'nope'");
    expect_error("id = abc", "not an integer");
    expect_error("grp = 3000000000", "out of range");
    expect_error("id = 1 and", "expected a column name");
    expect_error("id = 1 id = 2", "unexpected text");
    expect_error("(id = 1", "expected ')'");
    expect_error("name = 'open", "unterminated quote");
    expect_error("id is 5", "expected NULL");
    expect_error("id ~ 5", "offset 3");
    expect_error("ok = maybe", "not true or false");
    expect_error("day = 'yesterday'", "offset 6");
}

/* ----------------------------------------------------------- all rows */

static ko_ice_data_file file_of(ko_arena *a, int64_t lo, int64_t hi, int64_t nulls, int64_t rows)
{
    ko_ice_data_file f = {.content = KO_ICE_CONTENT_DATA, .record_count = rows};
    ko_ice_id_bound *lb = ko_arena_calloc(a, 1, sizeof *lb),
                    *ub = ko_arena_calloc(a, 1, sizeof *ub);
    ko_ice_id_count *nc = ko_arena_calloc(a, 1, sizeof *nc);
    uint8_t *l = ko_arena_alloc(a, 8), *h = ko_arena_alloc(a, 8);
    memcpy(l, &lo, 8);
    memcpy(h, &hi, 8);
    *lb = (ko_ice_id_bound){1, {l, 8}};
    *ub = (ko_ice_id_bound){1, {h, 8}};
    *nc = (ko_ice_id_count){1, nulls};
    f.lower_bounds = lb;
    f.upper_bounds = ub;
    f.n_lower_bounds = f.n_upper_bounds = 1;
    f.null_value_counts = nc;
    f.n_null_value_counts = nulls >= 0;
    return f;
}

static bool all(const char *text, const ko_ice_data_file *f)
{
    ko_arena a = {0};
    ko_err err = {0};
    ko_ice_schema s = schema_of(&a);
    const ko_ice_pred *p = NULL;
    TU_OK(ko_ice_pred_parse_text(text, &s, &a, &p, &err), &err);
    bool m = ko_ice_pred_all_rows_match(p, &s, f);
    ko_arena_free(&a);
    return m;
}

static void test_all_rows(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_ice_data_file f = file_of(&a, 10, 20, 0, 11);
    assert_true(all("id >= 10", &f));
    assert_true(all("id > 9 and id < 21", &f));
    assert_false(all("id > 10", &f));
    assert_true(all("id <= 20", &f));
    assert_false(all("id < 20", &f));
    assert_true(all("id < 5 or id >= 10", &f));
    assert_false(all("id = 10", &f));
    assert_true(all("id is not null", &f));
    assert_false(all("id is null", &f));
    assert_false(all("grp = 1", &f)); /* no metrics for grp */
    ko_ice_data_file same = file_of(&a, 7, 7, 0, 3);
    assert_true(all("id = 7", &same));
    ko_ice_data_file nulls = file_of(&a, 10, 20, 2, 11);
    assert_false(all("id >= 10", &nulls)); /* the null rows would stay */
    ko_ice_data_file unknown = file_of(&a, 10, 20, -1, 11);
    assert_false(all("id >= 10", &unknown));
    ko_ice_data_file all_null = file_of(&a, 10, 20, 11, 11);
    assert_true(all("id is null", &all_null));
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_eval),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_all_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
