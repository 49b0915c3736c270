/*
 * test_store_crash.c - a writer killed with SIGKILL in the middle of 1,000
 * puts leaves no partial object visible under any key (local backend).
 *
 * A child process puts 1,000 self-describing objects (a header with the
 * length and seed, then bytes generated from the seed), overwriting keys it
 * wrote before and mixing whole puts, streamed puts and put-if-absent.  The
 * parent kills it at a random moment, then reads every listed key: each
 * must be a complete, valid object.  Repeated with several kill points.
 */
#include "testutil.h"

#include "store/store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { PUTS = 1000, KEYS = 300, HEADER = 16 };

static size_t make_object(uint8_t *buf, uint64_t seed)
{
    size_t len = HEADER + (size_t)(seed * 7919 % (384 * 1024));
    memcpy(buf, &len, sizeof len);
    memcpy(buf + 8, &seed, sizeof seed);
    tu_fill(buf + HEADER, len - HEADER, seed);
    return len;
}

static bool object_valid(const uint8_t *p, size_t n)
{
    if (n < HEADER)
        return false;
    size_t len;
    uint64_t seed;
    memcpy(&len, p, sizeof len);
    memcpy(&seed, p + 8, sizeof seed);
    if (len != n)
        return false;
    uint8_t *expect = malloc(n);
    tu_fill(expect, n - HEADER, seed);
    bool ok = memcmp(expect, p + HEADER, n - HEADER) == 0;
    free(expect);
    return ok;
}

static ko_status put_one(ko_store *s, const char *key, const uint8_t *buf, size_t len, int i,
                         ko_err *err)
{
    if (i % 3 == 0)
        return ko_store_put(s, key, buf, len, KO_PUT_OVERWRITE, err);
    if (i % 3 == 1) {
        ko_status st = ko_store_put(s, key, buf, len, KO_PUT_IF_ABSENT, err);
        return st == KO_ERR_EXISTS ? KO_OK : st;
    }
    ko_store_writer *w;
    ko_status st = ko_store_writer_open(s, key, KO_PUT_OVERWRITE, &w, err);
    for (size_t off = 0; st == KO_OK && off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        st = ko_store_writer_write(w, buf + off, n, err);
    }
    if (st != KO_OK) {
        ko_store_writer_abort(w);
        return st;
    }
    return ko_store_writer_commit(w, err);
}

static void child_writer(const char *root, uint64_t round)
{
    ko_err err = {0};
    ko_store *s = NULL;
    if (ko_store_open(root, NULL, &s, &err) != KO_OK)
        _exit(3);
    uint8_t *buf = malloc(HEADER + 384 * 1024);
    for (int i = 0; i < PUTS; i++) {
        char key[64];
        snprintf(key, sizeof key, "t/k%d/obj-%03d", i % 7, i % KEYS);
        size_t len = make_object(buf, round * 100000 + (uint64_t)i + 1);
        if (put_one(s, key, buf, len, i, &err) != KO_OK)
            _exit(4);
    }
    _exit(0);
}

static size_t verify_all(ko_store *s)
{
    ko_err err = {0};
    size_t seen = 0;
    char *token = NULL;
    ko_buf data = {0};
    do {
        ko_list_page page;
        TU_OK(ko_store_list(s, "", token, 100, &page, &err), &err);
        free(token);
        for (size_t i = 0; i < page.count; i++) {
            ko_buf_reset(&data);
            TU_OK(ko_store_get(s, page.entries[i].key, &data, &err), &err);
            if (!object_valid(data.data, data.len))
                fail_msg("partial or corrupt object under %s (%zu bytes)", page.entries[i].key,
                         data.len);
            assert_int_equal(page.entries[i].size, data.len);
            seen++;
        }
        token = page.next_token;
        page.next_token = NULL;
        ko_list_page_free(&page);
    } while (token);
    ko_buf_free(&data);
    return seen;
}

static void test_sigkill_during_puts(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    ko_err err = {0};
    ko_store *s = NULL;
    TU_OK(ko_store_open(dir, NULL, &s, &err), &err);
    srand((unsigned)ko_now_us());
    int killed = 0;
    for (uint64_t round = 1; round <= 6; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            child_writer(dir, round);
        /* Kill somewhere in the run: from almost at once to well into it. */
        ko_sleep_us(2000 + (int64_t)(rand() % 400) * 1000 * (int64_t)round / 3);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status))
            killed++;
        else
            assert_int_equal(WEXITSTATUS(status), 0);
        verify_all(s);
    }
    assert_true(killed >= 3);
    assert_true(verify_all(s) > 0);
    ko_store_close(s);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_puts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
