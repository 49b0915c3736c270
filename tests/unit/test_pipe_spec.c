/*
 * test_pipe_spec.c - pipeline specs: a full spec loads with every field;
 * each kind of mistake is reported at its file:line:column; templates
 * quote values safely.
 */
#include "testutil.h"

#include "pipeline/pipeline.h"

#include <string.h>

static const char GOOD[] = "name: sales_daily\n"
                           "owner: team\n"
                           "triggers:\n"
                           "  - cron: \"0 6 * * *\"\n"
                           "    timezone: Europe/Paris\n"
                           "  - upstream: sales.orders\n"
                           "    debounce: 1m\n"
                           "  - landing: /tmp/landing/\n"
                           "    pattern: \"*.jsonl\"\n"
                           "  - manual: true\n"
                           "parameters:\n"
                           "  region: eu\n"
                           "  limit: {default: \"10\"}\n"
                           "steps:\n"
                           "  - name: load\n"
                           "    ingest: {into: sales.raw, format: jsonl, max_reject_ratio: 0.1}\n"
                           "  - name: agg\n"
                           "    sql: INSERT INTO sales.daily SELECT 1\n"
                           "  - name: notify\n"
                           "    command: [echo, hi]\n"
                           "    timeout: 10s\n"
                           "outputs:\n"
                           "  - {table: sales.daily, max_staleness: 1d}\n"
                           "retries: {count: 3, backoff: 5s}\n"
                           "timeout: 2h\n"
                           "concurrency: allow\n";

static void test_good(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_pipe_spec s;
    ko_err err;
    TU_OK(ko_pipe_spec_parse("good.yaml", GOOD, strlen(GOOD), &a, &s, &err), &err);
    assert_string_equal(s.name, "sales_daily");
    assert_int_equal(s.n_triggers, 4);
    assert_int_equal(s.triggers[0].kind, KO_PIPE_TRIG_CRON);
    assert_string_equal(s.triggers[0].tz, "Europe/Paris");
    assert_int_equal(s.triggers[1].debounce_ms, 60000);
    assert_string_equal(s.triggers[2].pattern, "*.jsonl");
    assert_int_equal(s.n_params, 2);
    assert_string_equal(s.params[1].def, "10");
    assert_int_equal(s.n_steps, 3);
    assert_int_equal(s.steps[0].kind, KO_PIPE_STEP_INGEST);
    assert_true(s.steps[0].has_max_reject_ratio);
    assert_int_equal(s.steps[2].argc, 2);
    assert_int_equal(s.steps[2].timeout_ms, 10000);
    assert_int_equal(s.outputs[0].max_staleness_ms, 86400000);
    assert_int_equal(s.retries, 3);
    assert_int_equal(s.backoff_ms, 5000);
    assert_int_equal(s.timeout_ms, 7200000);
    assert_true(s.allow_overlap);
    ko_arena_free(&a);
}

static void expect_error(const char *yaml, const char *where, const char *msg)
{
    ko_arena a = {0};
    ko_pipe_spec s;
    ko_err err;
    assert_int_equal(ko_pipe_spec_parse("p.yaml", yaml, strlen(yaml), &a, &s, &err),
                     KO_ERR_INVALID);
    if (strncmp(err.msg, where, strlen(where)) != 0 || !strstr(err.msg, msg))
        fail_msg("error '%s' is not at '%s' with '%s'", err.msg, where, msg);
    ko_arena_free(&a);
}

#define HEAD "name: p\nowner: o\n"
#define STEP "steps:\n  - name: s\n    sql: select 1\n"

static void test_errors(void **state)
{
    (void)state;
    expect_error(HEAD "retires: 3\n" STEP, "p.yaml:3:1:", "unknown key 'retires'");
    expect_error(HEAD STEP "triggers:\n  - cron: \"0 25 * * *\"\n",
                 "p.yaml:7:14:", "hour: 25 is out of range 0-23");
    expect_error(HEAD STEP "triggers:\n  - cron: \"0 * * *\"\n", "p.yaml:7:12:", "has 4 fields");
    expect_error(HEAD STEP "triggers:\n  - cron: \"@daily\"\n    timezone: Nowhere/City\n",
                 "p.yaml:8:15:", "time zone 'Nowhere/City' is unknown");
    expect_error(HEAD STEP "triggers:\n  - upstream: orders\n", "p.yaml:7:15:", "not a table name");
    expect_error(HEAD STEP "triggers:\n  - manual: true\n    cron: \"@daily\"\n",
                 "p.yaml:7:5:", "exactly one of");
    expect_error(HEAD "steps:\n  - name: s\n    sql: a\n  - name: s\n    command: [x]\n",
                 "p.yaml:6:5:", "step name 's' is used twice (first on line 4)");
    expect_error(HEAD "steps:\n  - sql: select 1\n", "p.yaml:4:5:", "a step needs a name");
    expect_error(HEAD "steps: []\n", "p.yaml:3:8:", "steps must not be empty");
    expect_error(HEAD STEP "timeout: soon\n", "p.yaml:6:10:", "not a duration");
    expect_error(HEAD STEP "retries: {count: -1}\n", "p.yaml:6:18:", "not a whole number");
    expect_error(HEAD STEP "concurrency: maybe\n", "p.yaml:6:14:", "not forbid or allow");
    expect_error(HEAD "steps:\n  - name: s\n    ingest: {from: x}\n",
                 "p.yaml:5:13:", "needs 'into'");
    expect_error("owner: o\n" STEP, "p.yaml:1:1:", "needs a name");
    expect_error(HEAD STEP "outputs:\n  - {table: t.x, max_staleness: never}\n",
                 "p.yaml:7:33:", "not a duration");
    expect_error("name: [unclosed\n", "p.yaml:2:1:", "YAML");
}

static void test_render(void **state)
{
    (void)state;
    const char *names[] = {"ds", "who", "n"};
    const char *values[] = {"2024-01-02", "O'Brien'; DROP TABLE x; --", "42"};
    ko_pipe_vars v = {names, values, 3};
    ko_arena a = {0};
    const char *out;
    ko_err err;
    TU_OK(ko_pipe_render("WHERE d = {{ ds }} AND w = {{who}} LIMIT {{ n | raw }}", &v, true, &a,
                         &out, &err),
          &err);
    assert_string_equal(out, "WHERE d = '2024-01-02' AND w = 'O''Brien''; DROP TABLE x; --' "
                             "LIMIT 42");
    TU_OK(ko_pipe_render("file-{{ params.ds }}.csv", &v, false, &a, &out, &err), &err);
    assert_string_equal(out, "file-2024-01-02.csv");
    assert_int_equal(ko_pipe_render("{{ who | raw }}", &v, true, &a, &out, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "cannot be inserted raw"));
    assert_int_equal(ko_pipe_render("{{ nope }}", &v, true, &a, &out, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown variable 'nope'"));
    assert_int_equal(ko_pipe_render("{{ ds ", &v, true, &a, &out, &err), KO_ERR_INVALID);
    ko_arena_free(&a);
}

static void test_vars(void **state)
{
    (void)state;
    ko_arena a = {0};
    ko_pipe_spec s;
    ko_err err;
    TU_OK(ko_pipe_spec_parse("good.yaml", GOOD, strlen(GOOD), &a, &s, &err), &err);
    ko_cat_run run = {.id = "r1",
                      .pipeline = "sales_daily",
                      .attempt = 2,
                      .logical_date = "2024-05-06",
                      .params = "{\"limit\": \"5\", \"file\": \"/x/y.jsonl\"}"};
    ko_pipe_vars v;
    TU_OK(ko_pipe_vars_build(&s, &run, &a, &v, &err), &err);
    const char *out;
    TU_OK(ko_pipe_render("{{ds}} {{run_id}} {{attempt}} {{region}} {{limit}} {{file}}", &v, false,
                         &a, &out, &err),
          &err);
    assert_string_equal(out, "2024-05-06 r1 2 eu 5 /x/y.jsonl");
    ko_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_vars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
