/*
 * test_ingest_parse.c - the ingest layer's parsers and coercion rules
 * (src/ingest: json.c, split.c, coerce.c), one case per rule and reason.
 *
 *   - coercion: a table of (column type, source kind, text) -> reason, and
 *     for accepted values the exact bytes the column gets
 *   - the JSON parser: exact number text, escapes, surrogates, duplicate
 *     members, invalid UTF-8, truncation, nesting depth
 *   - the JSON lines splitter: CRLF, BOM, blank lines, oversize lines, a
 *     last line without LF, and chunks of every size giving the same
 *     records as one chunk
 *   - the CSV splitter: quotes, doubled quotes, embedded newlines and
 *     delimiters, CRLF, syntax errors, an open quote at the end, other
 *     delimiters, and the same chunking invariance
 */
#include "testutil.h"

#include "ingest/ingest_int.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- coerce */

typedef struct ccase {
    const char *type; /* Iceberg type text */
    ki_src src;
    const char *text;
    ki_reason want;
    const char *hex; /* expected column bytes (lowercase hex), NULL: not checked */
} ccase;

static const ccase CASES[] = {
    /* boolean */
    {"boolean", KI_SRC_BOOL, "true", KI_OK, "01"},
    {"boolean", KI_SRC_TEXT, "F", KI_OK, "00"},
    {"boolean", KI_SRC_TEXT, "1", KI_OK, "01"},
    {"boolean", KI_SRC_TEXT, "yes", KI_INVALID_VALUE, NULL},
    {"boolean", KI_SRC_NUM, "1", KI_WRONG_TYPE, NULL},
    {"boolean", KI_SRC_STR, "true", KI_WRONG_TYPE, NULL},
    /* int, long */
    {"int", KI_SRC_NUM, "42", KI_OK, "2a000000"},
    {"int", KI_SRC_NUM, "-1", KI_OK, "ffffffff"},
    {"int", KI_SRC_NUM, "3.0", KI_OK, "03000000"},
    {"int", KI_SRC_NUM, "3e2", KI_OK, "2c010000"},
    {"int", KI_SRC_NUM, "3.5", KI_NOT_INTEGRAL, NULL},
    {"int", KI_SRC_NUM, "1e-1", KI_NOT_INTEGRAL, NULL},
    {"int", KI_SRC_NUM, "2147483648", KI_OUT_OF_RANGE, NULL},
    {"int", KI_SRC_NUM, "-2147483648", KI_OK, "00000080"},
    {"int", KI_SRC_STR, "7", KI_WRONG_TYPE, NULL},
    {"int", KI_SRC_TEXT, "7", KI_OK, "07000000"},
    {"int", KI_SRC_TEXT, " 7", KI_INVALID_VALUE, NULL},
    {"int", KI_SRC_TEXT, "+7", KI_INVALID_VALUE, NULL},
    {"int", KI_SRC_TEXT, "07", KI_INVALID_VALUE, NULL},
    {"long", KI_SRC_NUM, "9223372036854775807", KI_OK, "ffffffffffffff7f"},
    {"long", KI_SRC_NUM, "9223372036854775808", KI_OUT_OF_RANGE, NULL},
    {"long", KI_SRC_NUM, "1e30", KI_OUT_OF_RANGE, NULL},
    {"long", KI_SRC_NUM, "100000000000000000000000000000000000000000000001", KI_OUT_OF_RANGE, NULL},
    /* float, double */
    {"double", KI_SRC_NUM, "0.5", KI_OK, "000000000000e03f"},
    {"double", KI_SRC_NUM, "1e999", KI_OUT_OF_RANGE, NULL},
    {"double", KI_SRC_STR, "NaN", KI_OK, NULL},
    {"double", KI_SRC_STR, "-Infinity", KI_OK, "000000000000f0ff"},
    {"double", KI_SRC_STR, "0.5", KI_WRONG_TYPE, NULL},
    {"float", KI_SRC_NUM, "1.5", KI_OK, "0000c03f"},
    {"float", KI_SRC_NUM, "1e39", KI_OUT_OF_RANGE, NULL},
    /* decimal */
    {"decimal(9,2)", KI_SRC_NUM, "12.34", KI_OK, "d2040000"},
    {"decimal(9,2)", KI_SRC_NUM, "12.3", KI_OK, "ce040000"},
    {"decimal(9,2)", KI_SRC_NUM, "12.340", KI_OK, "d2040000"},
    {"decimal(9,2)", KI_SRC_NUM, "12.345", KI_DECIMAL_SCALE, NULL},
    {"decimal(9,2)", KI_SRC_NUM, "1.2345e2", KI_OK, "39300000"},
    {"decimal(9,2)", KI_SRC_NUM, "10000000", KI_OUT_OF_RANGE, NULL},
    {"decimal(9,2)", KI_SRC_NUM, "-0.01", KI_OK, "ffffffff"},
    {"decimal(9,2)", KI_SRC_STR, "1.00", KI_WRONG_TYPE, NULL},
    {"decimal(18,0)", KI_SRC_TEXT, "-5", KI_OK, "fbffffffffffffff"},
    {"decimal(38,10)", KI_SRC_NUM, "1234567890123456789012345678.0123456789", KI_OK, NULL},
    {"decimal(38,10)", KI_SRC_NUM, "0.00000000001", KI_DECIMAL_SCALE, NULL},
    /* strings */
    {"string", KI_SRC_STR, "h\xc3\xa9", KI_OK, "68c3a9"},
    {"string", KI_SRC_TEXT, "bad\xff", KI_INVALID_UTF8, NULL},
    {"string", KI_SRC_NUM, "1", KI_WRONG_TYPE, NULL},
    {"string", KI_SRC_TEXT, "0123456789abcdefX", KI_VALUE_TOO_LONG, NULL},
    /* dates and times */
    {"date", KI_SRC_STR, "1970-01-02", KI_OK, "01000000"},
    {"date", KI_SRC_STR, "2024-02-29", KI_OK, NULL},
    {"date", KI_SRC_STR, "2023-02-29", KI_INVALID_VALUE, NULL},
    {"date", KI_SRC_STR, "2024-1-01", KI_INVALID_VALUE, NULL},
    {"date", KI_SRC_NUM, "20240101", KI_WRONG_TYPE, NULL},
    {"time", KI_SRC_STR, "00:00:01.5", KI_OK, "60e3160000000000"},
    {"time", KI_SRC_STR, "24:00:00", KI_INVALID_VALUE, NULL},
    {"time", KI_SRC_STR, "00:00:01.1234567", KI_INVALID_VALUE, NULL},
    {"timestamp", KI_SRC_STR, "1970-01-01T00:00:01", KI_OK, "40420f0000000000"},
    {"timestamp", KI_SRC_STR, "1970-01-01 00:00:01.000001", KI_OK, "41420f0000000000"},
    {"timestamp", KI_SRC_STR, "1970-01-01T00:00:01Z", KI_INVALID_VALUE, NULL},
    {"timestamp", KI_SRC_STR, "1970-01-01T00:00:01.1234567", KI_INVALID_VALUE, NULL},
    {"timestamptz", KI_SRC_STR, "1970-01-01T01:00:01+01:00", KI_OK, "40420f0000000000"},
    {"timestamptz", KI_SRC_STR, "1970-01-01", KI_OK, "0000000000000000"},
    {"timestamptz", KI_SRC_STR, "yesterday", KI_INVALID_VALUE, NULL},
    {"timestamp_ns", KI_SRC_STR, "1970-01-01T00:00:00.000000001", KI_OK, "0100000000000000"},
    /* uuid, binary, fixed */
    {"uuid", KI_SRC_STR, "6ba7b810-9dad-11d1-80b4-00c04fd430c8", KI_OK,
     "6ba7b8109dad11d180b400c04fd430c8"},
    {"uuid", KI_SRC_STR, "6ba7b810", KI_INVALID_VALUE, NULL},
    {"binary", KI_SRC_STR, "AAEC", KI_OK, "000102"},
    {"binary", KI_SRC_STR, "AAE=", KI_OK, "0001"},
    {"binary", KI_SRC_STR, "AA=E", KI_INVALID_VALUE, NULL},
    {"binary", KI_SRC_STR, "AAE", KI_INVALID_VALUE, NULL},
    {"fixed[2]", KI_SRC_STR, "AAE=", KI_OK, "0001"},
    {"fixed[3]", KI_SRC_STR, "AAE=", KI_INVALID_VALUE, NULL},
};

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

static void test_coerce_rules(void **state)
{
    (void)state;
    ko_buf scratch = {0};
    for (size_t i = 0; i < KO_ARRAY_LEN(CASES); i++) {
        const ccase *c = &CASES[i];
        ko_ice_type t;
        ko_err err = {0};
        TU_OK(ko_ice_type_parse(c->type, &t, &err), &err);
        ko_pq_type phys = KO_PQ_BYTE_ARRAY;
        int32_t tl = 0;
        if (t.id == KO_ICE_DECIMAL) {
            phys = t.precision <= 9    ? KO_PQ_INT32
                   : t.precision <= 18 ? KO_PQ_INT64
                                       : KO_PQ_FIXED_LEN_BYTE_ARRAY;
            tl = 16;
        }
        uint8_t out[16];
        const uint8_t *bytes = NULL;
        size_t len = 0;
        ki_fail f = {0};
        ki_reason r = ki_coerce(&t, phys, tl, c->src, c->text, strlen(c->text), 16, out, &bytes,
                                &len, &scratch, &f);
        if (r != c->want)
            fail_msg("%s <- '%s': reason %s, want %s (%s)", c->type, c->text, ki_reason_name(r),
                     ki_reason_name(c->want), f.detail);
        if (r != KI_OK)
            assert_true(f.detail[0] != '\0');
        if (r == KI_OK && c->hex) {
            char got[40];
            hex(bytes ? bytes : out, len, got);
            if (strcmp(got, c->hex) != 0)
                fail_msg("%s <- '%s': bytes %s, want %s", c->type, c->text, got, c->hex);
        }
    }
    ko_buf_free(&scratch);
}

/* ------------------------------------------------------------------ JSON */

static ki_reason parse(ki_json *d, const char *s, ki_fail *f)
{
    bool nomem = false;
    ki_reason r = ki_json_parse(d, s, strlen(s), f, &nomem);
    assert_false(nomem);
    return r;
}

static void test_json(void **state)
{
    (void)state;
    ki_json d = {0};
    ki_fail f = {0};
    assert_int_equal(
        parse(&d, " {\"a\": [1, -2.50e+3, \"x\\u00e9\\ud83d\\ude00\"], \"b\": null} ", &f), KI_OK);
    const ki_jnode *root = ki_jnode_at(&d, 0);
    assert_int_equal(root->type, KI_J_OBJ);
    assert_int_equal(root->n, 2);
    const ki_jnode *a = ki_jnode_at(&d, root->first);
    assert_int_equal(a->type, KI_J_ARR);
    assert_int_equal(a->n, 3);
    const ki_jnode *num = ki_jnode_at(&d, ki_jnode_at(&d, a->first)->next);
    assert_int_equal(num->type, KI_J_NUM);
    assert_int_equal(num->len, 8);
    assert_memory_equal(d.text + num->off, "-2.50e+3", 8); /* exact text kept */
    const ki_jnode *str = ki_jnode_at(&d, num->next);
    assert_int_equal(str->len, 7);
    assert_memory_equal(ki_jstr(&d, str->off), "x\xc3\xa9\xf0\x9f\x98\x80", 7);

    assert_int_equal(parse(&d, "{\"a\":1,\"a\":2}", &f), KI_DUPLICATE_FIELD);
    assert_string_equal(f.field, "a");
    assert_int_equal(parse(&d, "{\"a\":\"\xc0\xaf\"}", &f), KI_INVALID_UTF8);
    assert_int_equal(parse(&d, "{\"a\":\"\\ud800\"}", &f), KI_INVALID_UTF8);
    assert_int_equal(parse(&d, "{\"a\":\"\\udc00\"}", &f), KI_INVALID_UTF8);
    assert_int_equal(parse(&d, "{\"a\":1", &f), KI_TRUNCATED);
    assert_int_equal(parse(&d, "{\"a\":tru", &f), KI_TRUNCATED);
    assert_int_equal(parse(&d, "{\"a\":}", &f), KI_INVALID_JSON);
    assert_int_equal(parse(&d, "{\"a\":01}", &f), KI_INVALID_JSON);
    assert_int_equal(parse(&d, "{} x", &f), KI_INVALID_JSON);
    assert_int_equal(parse(&d, "{\"a\":\"\t\"}", &f), KI_INVALID_JSON);
    char deep[600];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    deep[599] = '\0';
    deep[299] = ']';
    assert_int_equal(parse(&d, deep, &f), KI_INVALID_JSON);
    assert_non_null(strstr(f.detail, "deep"));
    ki_json_free(&d);
}

/* ------------------------------------------------------------ splitters */

typedef struct seen {
    ko_buf text; /* "line:offset:error:raw|fields...\n" per record */
} seen;

static ko_status record(void *ctx, const ki_rec *rec, ko_err *err)
{
    (void)err;
    seen *s = ctx;
    ko_status st = ko_buf_appendf(&s->text, "%llu:%llu:%s:%.*s", (unsigned long long)rec->line,
                                  (unsigned long long)rec->offset, ki_reason_name(rec->error),
                                  (int)rec->raw_len, rec->raw);
    for (size_t i = 0; st == KO_OK && i < rec->n_fields; i++)
        st = ko_buf_appendf(&s->text, "|%s%.*s", rec->fields[i].quoted ? "q" : "",
                            (int)rec->fields[i].len, rec->fields[i].p);
    return st == KO_OK ? ko_buf_append(&s->text, "\n", 1) : st;
}

static void split_lines(const char *in, size_t n, size_t chunk, size_t max, seen *s,
                        uint64_t *blank)
{
    ki_lines l;
    ki_lines_init(&l, max);
    ko_err err = {0};
    for (size_t i = 0; i < n; i += chunk)
        TU_OK(ki_lines_feed(&l, (const uint8_t *)in + i, i + chunk > n ? n - i : chunk, record, s,
                            &err),
              &err);
    TU_OK(ki_lines_end(&l, record, s, &err), &err);
    *blank = l.blank;
    ki_lines_free(&l);
}

static void test_lines(void **state)
{
    (void)state;
    static const char in[] = "\xef\xbb\xbf{\"a\":1}\r\n\n   \n{\"b\":2}\n0123456789abcdef\n{\"c\"";
    const char *want = "1:3:ok:{\"a\":1}\n"
                       "4:17:ok:{\"b\":2}\n"
                       "5:25:line_too_long:0123456789abcdef\n"
                       "6:42:ok:{\"c\"\n";
    for (size_t chunk = 1; chunk <= sizeof in; chunk++) {
        seen s = {0};
        uint64_t blank = 0;
        split_lines(in, sizeof in - 1, chunk, 12, &s, &blank);
        if (strcmp((const char *)s.text.data, want) != 0)
            fail_msg("chunk %zu:\n%s\nwant:\n%s", chunk, (const char *)s.text.data, want);
        assert_int_equal(blank, 2);
        ko_buf_free(&s.text);
    }
}

static void split_csv(const char *in, size_t n, size_t chunk, char delim, seen *s)
{
    ki_csv c;
    ki_csv_init(&c, delim, '"', 64);
    ko_err err = {0};
    for (size_t i = 0; i < n; i += chunk)
        TU_OK(ki_csv_feed(&c, (const uint8_t *)in + i, i + chunk > n ? n - i : chunk, record, s,
                          &err),
              &err);
    TU_OK(ki_csv_end(&c, record, s, &err), &err);
    ki_csv_free(&c);
}

static void test_csv(void **state)
{
    (void)state;
    static const char in[] = "a,b,c\r\n"
                             "1,\"x,\"\"y\"\"\",\n"
                             "2,\"multi\r\nline\",\"\"\n"
                             "\n"
                             "3,\"bad\"x,z\n"
                             "4,a\"b,c\n"
                             "5,last,\"open";
    const char *want = "1:0:ok:a,b,c|a|b|c\n"
                       "2:7:ok:1,\"x,\"\"y\"\"\",|1|qx,\"y\"|\n"
                       "3:20:ok:2,\"multi\r\nline\",\"\"|2|qmulti\r\nline|q\n"
                       "6:40:csv_syntax:3,\"bad\"x,z|3\n"
                       "7:51:csv_syntax:4,a\"b,c|4\n"
                       "8:59:truncated:5,last,\"open|5|last\n";
    for (size_t chunk = 1; chunk <= sizeof in; chunk++) {
        seen s = {0};
        split_csv(in, sizeof in - 1, chunk, ',', &s);
        if (strcmp((const char *)s.text.data, want) != 0)
            fail_msg("chunk %zu:\n%s\nwant:\n%s", chunk, (const char *)s.text.data, want);
        ko_buf_free(&s.text);
    }
    seen s = {0};
    split_csv("x;\"y;z\"\n", 8, 3, ';', &s);
    assert_string_equal((const char *)s.text.data, "1:0:ok:x;\"y;z\"|x|qy;z\n");
    ko_buf_free(&s.text);
    /* a record past the limit is reported, not buffered */
    char big[200];
    memset(big, 'x', sizeof big);
    big[150] = '\n';
    seen t = {0};
    split_csv(big, 151, 7, ',', &t);
    assert_non_null(strstr((const char *)t.text.data, "line_too_long"));
    ko_buf_free(&t.text);
}

static void test_utf8(void **state)
{
    (void)state;
    size_t bad = 0;
    assert_true(ki_utf8_valid((const uint8_t *)"plain ascii text!", 17, &bad));
    assert_true(ki_utf8_valid((const uint8_t *)"\xe2\x82\xac\xf4\x8f\xbf\xbf", 7, &bad));
    assert_false(ki_utf8_valid((const uint8_t *)"12345678\xed\xa0\x80", 11, &bad)); /* surrogate */
    assert_int_equal(bad, 8);
    assert_false(ki_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4, &bad)); /* > U+10FFFF */
    assert_false(ki_utf8_valid((const uint8_t *)"\xe0\x80\x80", 3, &bad));     /* overlong */
    assert_false(ki_utf8_valid((const uint8_t *)"\xe2\x82", 2, &bad));         /* cut */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coerce_rules), cmocka_unit_test(test_json),
        cmocka_unit_test(test_lines),        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
