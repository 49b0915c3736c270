/*
 * test_sql_func_math.c - numeric functions (func_math.c) against DuckDB
 * 1.5's answers (checked in DuckDB when the tests were written).
 */
#include "sqlfunc_testutil.h"

static void test_rounding(void **state)
{
    (void)state;
    ft_check("3", "round", "dec2_1:2.5");
    ft_check("-3", "round", "dec2_1:-2.5");
    ft_check("2.35", "round", "dec10_3:2.345", "i:2");
    ft_type_is("DECIMAL(10,2)", "round", "dec10_3:2.345", "i:2");
    ft_check("1200", "round", "dec10_1:1234.5", "i:-2");
    ft_type_is("DECIMAL(10,0)", "round", "dec10_1:1234.5", "i:-2");
    ft_check("100", "round", "dec3_1:99.5");
    ft_check("100.0", "round", "dec4_2:99.95", "i:1");
    ft_check("0", "round", "dec18_0:12345", "i:-6");
    ft_check("2.345", "round", "dec10_3:2.345", "i:5");
    ft_check("3", "round", "f64:2.5");
    ft_check("-3", "round", "f64:-2.5");
    ft_check("1200", "round", "f64:1234.567", "i:-2");
    ft_check("2.68", "round", "f64:2.675", "i:2");
    ft_check("20", "round", "i:15", "i:-1");
    ft_check("5", "round", "i:5");
    ft_check("-3", "floor", "dec10_1:-2.5");
    ft_type_is("DECIMAL(10,0)", "floor", "dec10_1:-2.5");
    ft_check("9", "floor", "dec3_2:9.99");
    ft_check("10", "ceil", "dec3_2:9.01");
    ft_check("3", "ceiling", "dec2_1:2.1");
    ft_check("-2", "trunc", "dec2_1:-2.7");
    ft_check("-2", "trunc", "f64:-2.7");
    ft_check("2", "floor", "f64:2.7");
    ft_check("3", "ceil", "f64:2.1");
    ft_check("5", "trunc", "i:5");
    ft_check("NULL", "round", "f64:NULL");
    ft_check("NULL", "round", "dec10_2:NULL", "i:1");
}

static void test_functions(void **state)
{
    (void)state;
    ft_check("-1", "sign", "i:-3");
    ft_check("0", "sign", "dec2_1:0.0");
    ft_check("1", "sign", "f64:2.5");
    ft_type_is("TINYINT", "sign", "i:-3");
    ft_check("1.4142135623730951", "sqrt", "f64:2");
    ft_check("ERR:cannot take square root of a negative number", "sqrt", "f64:-1");
    ft_check("3.0000000000000004", "cbrt", "f64:27");
    ft_check("-2", "cbrt", "f64:-8");
    ft_check("1024", "power", "f64:2", "f64:10");
    ft_check("1024", "pow", "f64:2", "f64:10");
    ft_check("2.718281828459045", "exp", "f64:1");
    ft_check("ERR:cannot take logarithm of zero", "ln", "f64:0");
    ft_check("ERR:cannot take logarithm of a negative number", "ln", "f64:-1");
    ft_check("ERR:cannot take logarithm of a negative number", "log10", "f64:-1");
    ft_check("3", "log10", "f64:1000");
    ft_check("3", "log2", "f64:8");
    ft_check("2", "log", "f64:100");
    ft_check("3", "log", "f64:2", "f64:8");
    ft_check("ERR:cannot take logarithm of a negative number", "log", "f64:-2", "f64:8");
    ft_check("ERR:divison by zero in based logarithm", "log", "f64:1", "f64:8");
    ft_check0("3.141592653589793", "pi");
    ft_check("0.8414709848078965", "sin", "f64:1");
    ft_check("0.4636476090008061", "atan2", "f64:1", "f64:2");
    ft_check("180", "degrees", "f64:3.141592653589793");
    ft_check("3.141592653589793", "radians", "f64:180");
    ft_check("ERR:ACOS is undefined outside [-1,1]", "acos", "f64:2");
    ft_check("ERR:ASIN is undefined outside [-1,1]", "asin", "f64:2");
    ft_check("true", "isnan", "f64:nan");
    ft_check("true", "isinf", "f64:-inf");
    ft_check("false", "isfinite", "f64:inf");
    ft_check("true", "isfinite", "f64:1");
    ft_check("6", "gcd", "i:12", "i:18");
    ft_check("6", "gcd", "i:-12", "i:18");
    ft_check("0", "gcd", "i:0", "i:0");
    ft_check("ERR:Overflow on abs(-9223372036854775808)", "gcd", "i:-9223372036854775808", "i:0");
    ft_check("12", "lcm", "i:4", "i:6");
    ft_check("12", "lcm", "i:-4", "i:6");
    ft_check("ERR:lcm value is out of range", "lcm", "i:9223372036854775807", "i:2");
    ft_check("120", "factorial", "i32:5");
    ft_check("1", "factorial", "i32:0");
    ft_check("51090942171709440000", "factorial", "i32:21");
    ft_check("ERR:Value out of range", "factorial", "i32:34");
    ft_check("ERR:factorial of a negative number is undefined", "factorial", "i32:-1");
    ft_type_is("HUGEINT", "factorial", "i32:5");
    ft_check("3", "bit_count", "i:7");
    ft_check("8", "bit_count", "i8:-1");
    ft_check("32", "bit_count", "i32:-1");
    ft_check("3", "greatest", "i:1", "i:NULL", "i:3");
    ft_check("b", "greatest", "v:a", "v:b");
    ft_check("a", "least", "v:a", "v:b");
    ft_check("1", "least", "f64:1", "f64:2.5");
    ft_check("2024-01-01", "greatest", "date:2024-01-01", "date:2023-01-01");
    ft_check("NULL", "least", "i:NULL", "i:NULL");
    /* random(): in [0, 1) */
    ko_arena arena = {0};
    ko_err err = {0};
    ko_sql_resolved rs;
    TU_OK(ko_sql_func_resolve("random", NULL, 0, NULL, &arena, &rs, &err), &err);
    assert_true(rs.fn->flags & KO_SQL_FN_VOLATILE);
    ko_vec *out = NULL;
    TU_OK(ft_invoke(&rs, NULL, 0, NULL, 0, 1000, &out, &err), &err);
    double sum = 0;
    for (size_t i = 0; i < 1000; i++) {
        double x = KO_VEC_DATA(out, double)[i];
        assert_true(x >= 0 && x < 1);
        sum += x;
    }
    assert_true(sum > 400 && sum < 600);
    ko_vec_free(out);
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
