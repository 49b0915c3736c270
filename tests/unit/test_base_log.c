/*
 * test_base_log.c - the logger: text and JSON lines, escaping, level
 * filtering, per-thread context, environment configuration, long messages.
 *
 * Each test points stderr (fd 2) at a temporary file, logs, restores stderr
 * and reads the file back.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_path[4096];
static int g_saved_fd = -1;

static void capture_start(void)
{
    char *dir = tu_mkdtemp();
    snprintf(g_path, sizeof g_path, "%s/stderr", dir);
    free(dir);
    int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    g_saved_fd = dup(STDERR_FILENO);
    assert_true(g_saved_fd >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
}

/* Restores stderr and returns what was written (malloc'd). */
static char *capture_end(void)
{
    dup2(g_saved_fd, STDERR_FILENO);
    close(g_saved_fd);
    g_saved_fd = -1;
    FILE *f = fopen(g_path, "rb");
    assert_non_null(f);
    ko_buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(ko_buf_append(&b, chunk, n), KO_OK);
    fclose(f);
    assert_int_equal(ko_buf_append(&b, "", 0), KO_OK); /* never NULL */
    char *dir = strdup(g_path);
    *strrchr(dir, '/') = '\0';
    tu_rmtree(dir);
    free(dir);
    return (char *)ko_buf_detach(&b, NULL);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" at s. */
static void assert_timestamp(const char *s)
{
    const char *shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(s[i] >= '0' && s[i] <= '9');
        else
            assert_int_equal(s[i], shape[i]);
    }
    int64_t us;
    ko_err err = {0};
    TU_OK(ko_time_parse(s, 27, &us, &err), &err);
    int64_t now = ko_now_us();
    assert_true(us <= now && us > now - 60 * INT64_C(1000000));
}

static void test_level_parse(void **state)
{
    (void)state;
    ko_log_level l;
    assert_true(ko_log_level_parse("debug", &l) && l == KO_LOG_DEBUG);
    assert_true(ko_log_level_parse("info", &l) && l == KO_LOG_INFO);
    assert_true(ko_log_level_parse("WARN", &l) && l == KO_LOG_WARN);
    assert_true(ko_log_level_parse("warning", &l) && l == KO_LOG_WARN);
    assert_true(ko_log_level_parse("error", &l) && l == KO_LOG_ERROR);
    assert_true(ko_log_level_parse("off", &l) && l == KO_LOG_OFF);
    assert_false(ko_log_level_parse("verbose", &l));
    assert_false(ko_log_level_parse("", &l));
    assert_false(ko_log_level_parse(NULL, &l));
}

static void test_text_format(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_INFO, false);
    capture_start();
    ko_log(KO_LOG_INFO, "store", "put %s: %d bytes", "a/b", 42);
    ko_log_set_context("req-7");
    ko_log(KO_LOG_ERROR, "http", "failed");
    ko_log_set_context(NULL);
    ko_log(KO_LOG_WARN, NULL, "two\nlines\tand \x01 bell");
    char *out = capture_end();
    assert_int_equal(count_lines(out), 3);
    assert_timestamp(out);
    const char *l1 = " INFO store put a/b: 42 bytes\n";
    assert_memory_equal(out + 27, l1, strlen(l1));
    char *l2 = strchr(out, '\n') + 1;
    assert_timestamp(l2);
    assert_memory_equal(l2 + 27, " ERROR http [req-7] failed\n", 27);
    char *l3 = strchr(l2, '\n') + 1;
    assert_timestamp(l3);
    assert_string_equal(l3 + 27, " WARN - two\\nlines\\tand \\x01 bell\n");
    free(out);
}

static void test_json_format(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_DEBUG, true);
    capture_start();
    ko_log(KO_LOG_DEBUG, "cat\"alog",
           "quote \" backslash \\ nl \n tab \t cr \r ctl \x01\x1f del \x7f");
    ko_log_set_context("r\"1");
    ko_log(KO_LOG_INFO, "sql", "utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 bad \xff\xc3 end");
    ko_log_set_context(NULL);
    char *out = capture_end();
    assert_int_equal(count_lines(out), 2);
    const char *pre = "{\"ts\":\"";
    assert_memory_equal(out, pre, strlen(pre));
    assert_timestamp(out + strlen(pre));
    const char *rest1 = "\",\"level\":\"debug\",\"component\":\"cat\\\"alog\",\"msg\":\"quote \\\" "
                        "backslash \\\\ nl \\n tab \\t cr \\r ctl \\u0001\\u001f del \\u007f\"}\n";
    const char *p = out + strlen(pre) + 27;
    assert_memory_equal(p, rest1, strlen(rest1));
    p += strlen(rest1);
    assert_memory_equal(p, pre, strlen(pre));
    const char *rest2 = "\",\"level\":\"info\",\"component\":\"sql\",\"request_id\":\"r\\\"1\","
                        "\"msg\":\"utf8 \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 bad \\ufffd\\ufffd "
                        "end\"}\n";
    p += strlen(pre) + 27;
    assert_string_equal(p, rest2);
    free(out);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_INFO, true);
    capture_start();
    /* overlong '/', surrogate, above U+10FFFF, lone continuation, truncated */
    ko_log(KO_LOG_INFO, "c", "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\x80|\xe2\x82");
    char *out = capture_end();
    const char *want =
        "\"msg\":\"\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd|"
        "\\ufffd|\\ufffd\\ufffd\"}\n";
    char *msg = strstr(out, "\"msg\":");
    assert_non_null(msg);
    assert_string_equal(msg, want);
    free(out);
}

static void test_level_filter(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_WARN, false);
    assert_false(ko_log_enabled(KO_LOG_DEBUG));
    assert_false(ko_log_enabled(KO_LOG_INFO));
    assert_true(ko_log_enabled(KO_LOG_WARN));
    assert_true(ko_log_enabled(KO_LOG_ERROR));
    assert_false(ko_log_enabled(KO_LOG_OFF));
    assert_false(ko_log_enabled((ko_log_level)99));
    capture_start();
    ko_log(KO_LOG_DEBUG, "x", "no");
    ko_log(KO_LOG_INFO, "x", "no");
    ko_log(KO_LOG_WARN, "x", "yes");
    ko_log(KO_LOG_ERROR, "x", "yes");
    ko_log(KO_LOG_OFF, "x", "no");
    ko_log_configure(KO_LOG_OFF, false);
    ko_log(KO_LOG_ERROR, "x", "no");
    char *out = capture_end();
    assert_int_equal(count_lines(out), 2);
    assert_null(strstr(out, "no"));
    free(out);
}

static void test_env(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_INFO, false);
    setenv("KO_LOG_LEVEL", "debug", 1);
    setenv("KO_LOG_FORMAT", "json", 1);
    ko_log_init_from_env();
    assert_true(ko_log_enabled(KO_LOG_DEBUG));
    capture_start();
    ko_log(KO_LOG_DEBUG, "env", "hello");
    char *out = capture_end();
    assert_memory_equal(out, "{\"ts\":", 6);
    free(out);
    setenv("KO_LOG_LEVEL", "bogus", 1); /* unknown values change nothing */
    setenv("KO_LOG_FORMAT", "text", 1);
    ko_log_init_from_env();
    assert_true(ko_log_enabled(KO_LOG_DEBUG));
    capture_start();
    ko_log(KO_LOG_DEBUG, "env", "hello");
    out = capture_end();
    assert_non_null(strstr(out, " DEBUG env hello\n"));
    free(out);
    unsetenv("KO_LOG_LEVEL");
    unsetenv("KO_LOG_FORMAT");
    ko_log_configure(KO_LOG_INFO, false);
}

/* Messages longer than the line buffer end in "..." and stay valid. */
static void test_long_message(void **state)
{
    (void)state;
    size_t n = 100000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    for (int json = 0; json <= 1; json++) {
        ko_log_configure(KO_LOG_INFO, json);
        capture_start();
        ko_log(KO_LOG_INFO, "big", "%s", big);
        memset(big, '\x01', 5000); /* escapes expand past the line buffer */
        ko_log(KO_LOG_INFO, "big", "%.*s", 5000, big);
        memset(big, 'x', 5000);
        char *out = capture_end();
        assert_int_equal(count_lines(out), 2);
        char *l2 = strchr(out, '\n') + 1;
        const char *end = json ? "...\"}\n" : "...\n";
        assert_memory_equal(l2 - strlen(end), end, strlen(end));
        assert_string_equal(out + strlen(out) - strlen(end), end);
        free(out);
    }
    free(big);
    ko_log_configure(KO_LOG_INFO, false);
}

/* Lines from many threads never interleave; each thread has its own context. */
static void *log_thread(void *arg)
{
    char rid[32];
    snprintf(rid, sizeof rid, "t%d", (int)(intptr_t)arg);
    ko_log_set_context(rid);
    for (int i = 0; i < 200; i++)
        ko_log(KO_LOG_INFO, "mt", "line %d of %s %s", i, rid, "padding-padding-padding");
    ko_log_set_context(NULL);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_INFO, false);
    capture_start();
    pthread_t th[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, log_thread, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    char *out = capture_end();
    assert_int_equal(count_lines(out), 8 * 200);
    for (char *l = out; *l; l = strchr(l, '\n') + 1) {
        char rid[16], rid2[16];
        int i;
        assert_int_equal(sscanf(l + 27, " INFO mt [%15[^]]] line %d of %15s", rid, &i, rid2), 3);
        assert_string_equal(rid, rid2);
    }
    free(out);
}

static void test_errno_preserved(void **state)
{
    (void)state;
    ko_log_configure(KO_LOG_INFO, false);
    capture_start();
    errno = ENOENT;
    ko_log(KO_LOG_INFO, "e", "x");
    assert_int_equal(errno, ENOENT);
    free(capture_end());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_parse),     cmocka_unit_test(test_text_format),
        cmocka_unit_test(test_json_format),     cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_level_filter),    cmocka_unit_test(test_env),
        cmocka_unit_test(test_long_message),    cmocka_unit_test(test_threads),
        cmocka_unit_test(test_errno_preserved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
