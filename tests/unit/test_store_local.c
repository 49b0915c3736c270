/*
 * test_store_local.c - every store operation on the local backend, its
 * error paths, keys that try to escape the root, and fault injection.
 */
#include "testutil.h"

#include "store/store.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct fixture {
    char *dir;
    ko_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    char root[4200];
    snprintf(root, sizeof root, "%s/root", f->dir);
    ko_err err = {0};
    TU_OK(ko_store_open(root, NULL, &f->s, &err), &err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ko_store_close(f->s);
    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static void put_str(ko_store *s, const char *key, const char *val)
{
    ko_err err = {0};
    TU_OK(ko_store_put(s, key, val, strlen(val), KO_PUT_OVERWRITE, &err), &err);
}

/* Counts the entries of a directory other than . and .. (-1 if missing). */
static int count_dir_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    const struct dirent *de;
    while ((de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_put_get_roundtrip(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    uint8_t data[70000];
    tu_fill(data, sizeof data, 7);
    data[10] = 0; /* binary, with NUL bytes */
    TU_OK(ko_store_put(f->s, "a/b/c.bin", data, sizeof data, KO_PUT_OVERWRITE, &err), &err);
    ko_buf out = {0};
    TU_OK(ko_store_get(f->s, "a/b/c.bin", &out, &err), &err);
    assert_int_equal(out.len, sizeof data);
    assert_memory_equal(out.data, data, sizeof data);

    /* Overwrite replaces the whole object. */
    put_str(f->s, "a/b/c.bin", "short");
    ko_buf_reset(&out);
    TU_OK(ko_store_get(f->s, "a/b/c.bin", &out, &err), &err);
    assert_int_equal(out.len, 5);
    assert_string_equal((char *)out.data, "short");

    /* Empty objects are objects. */
    TU_OK(ko_store_put(f->s, "empty", "", 0, KO_PUT_OVERWRITE, &err), &err);
    ko_buf_reset(&out);
    TU_OK(ko_store_get(f->s, "empty", &out, &err), &err);
    assert_int_equal(out.len, 0);
    ko_buf_free(&out);
}

static void test_get_range(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    put_str(f->s, "r", "0123456789");
    ko_buf out = {0};
    TU_OK(ko_store_get_range(f->s, "r", 3, 4, &out, &err), &err);
    assert_string_equal((char *)out.data, "3456");
    ko_buf_reset(&out);
    TU_OK(ko_store_get_range(f->s, "r", 7, KO_STORE_TO_END, &out, &err), &err);
    assert_string_equal((char *)out.data, "789");
    ko_buf_reset(&out);
    TU_OK(ko_store_get_range(f->s, "r", 8, 100, &out, &err), &err); /* clamped */
    assert_string_equal((char *)out.data, "89");
    ko_buf_reset(&out);
    TU_OK(ko_store_get_range(f->s, "r", 10, 5, &out, &err), &err); /* at the end: empty */
    assert_int_equal(out.len, 0);
    assert_int_equal(ko_store_get_range(f->s, "r", 11, 5, &out, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "beyond"));
    ko_buf_free(&out);
}

static void test_head(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    put_str(f->s, "h/obj", "hello");
    ko_obj_info a, b;
    TU_OK(ko_store_head(f->s, "h/obj", &a, &err), &err);
    assert_int_equal(a.size, 5);
    assert_true(a.etag[0] != '\0');
    int64_t now = ko_now_us();
    assert_true(a.mtime_us > now - 60 * 1000000LL && a.mtime_us <= now + 1000000);
    put_str(f->s, "h/obj", "hello, world");
    TU_OK(ko_store_head(f->s, "h/obj", &b, &err), &err);
    assert_int_equal(b.size, 12);
    assert_string_not_equal(a.etag, b.etag);
}

static void test_missing_key(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_buf out = {0};
    ko_obj_info info;
    assert_int_equal(ko_store_get(f->s, "no/such/key", &out, &err), KO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "file://"));
    assert_non_null(strstr(err.msg, "no/such/key"));
    assert_int_equal(ko_store_head(f->s, "nokey", &info, &err), KO_ERR_NOT_FOUND);
    /* A directory is not an object. */
    put_str(f->s, "d/x", "1");
    assert_int_equal(ko_store_get(f->s, "d", &out, &err), KO_ERR_NOT_FOUND);
    assert_int_equal(ko_store_head(f->s, "d", &info, &err), KO_ERR_NOT_FOUND);
    /* A path through a file is not found either. */
    assert_int_equal(ko_store_get(f->s, "d/x/y", &out, &err), KO_ERR_NOT_FOUND);
    ko_buf_free(&out);
}

static void test_put_if_absent(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    TU_OK(ko_store_put(f->s, "p/once", "first", 5, KO_PUT_IF_ABSENT, &err), &err);
    assert_int_equal(ko_store_put(f->s, "p/once", "second", 6, KO_PUT_IF_ABSENT, &err),
                     KO_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "p/once"));
    ko_buf out = {0};
    TU_OK(ko_store_get(f->s, "p/once", &out, &err), &err);
    assert_string_equal((char *)out.data, "first");
    ko_buf_free(&out);
    /* The losing writer left no temporary file behind. */
    char path[4300];
    snprintf(path, sizeof path, "%s/root/p", f->dir);
    assert_int_equal(count_dir_entries(path), 1);
}

typedef struct race_arg {
    ko_store *s;
    int id;
    ko_status st;
} race_arg;

static void *race_put(void *p)
{
    race_arg *a = p;
    char val[32];
    snprintf(val, sizeof val, "writer-%d", a->id);
    ko_err err = {0};
    a->st = ko_store_put(a->s, "race/key", val, strlen(val), KO_PUT_IF_ABSENT, &err);
    return NULL;
}

static void test_put_if_absent_race(void **state)
{
    fixture *f = *state;
    enum { N = 8 };
    pthread_t t[N];
    race_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (race_arg){.s = f->s, .id = i};
        pthread_create(&t[i], NULL, race_put, &args[i]);
    }
    int winners = 0, winner = -1;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        if (args[i].st == KO_OK) {
            winners++;
            winner = i;
        } else {
            assert_int_equal(args[i].st, KO_ERR_EXISTS);
        }
    }
    assert_int_equal(winners, 1);
    ko_err err = {0};
    ko_buf out = {0};
    TU_OK(ko_store_get(f->s, "race/key", &out, &err), &err);
    char expect[32];
    snprintf(expect, sizeof expect, "writer-%d", winner);
    assert_string_equal((char *)out.data, expect);
    ko_buf_free(&out);
}

static void collect_all(ko_store *s, const char *prefix, size_t max, char ***keys, size_t *n,
                        int *pages)
{
    *keys = NULL;
    *n = 0;
    *pages = 0;
    char *token = NULL;
    ko_err err = {0};
    do {
        ko_list_page page;
        TU_OK(ko_store_list(s, prefix, token, max, &page, &err), &err);
        free(token);
        (*pages)++;
        assert_true(page.count <= max);
        *keys = realloc(*keys, (*n + page.count) * sizeof **keys);
        for (size_t i = 0; i < page.count; i++)
            (*keys)[(*n)++] = strdup(page.entries[i].key);
        token = page.next_token;
        page.next_token = NULL;
        ko_list_page_free(&page);
    } while (token);
}

static void free_keys(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

static void test_list_pagination_order(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 25; i++) {
        char key[64];
        snprintf(key, sizeof key, "t/part=%d/file-%02d.parquet", i % 3, i);
        put_str(f->s, key, "x");
    }
    put_str(f->s, "t-other", "x"); /* "t-" sorts before "t/" */
    put_str(f->s, "u/1", "x");
    char **keys;
    size_t n;
    int pages;
    collect_all(f->s, "t/", 10, &keys, &n, &pages);
    assert_int_equal(n, 25);
    assert_int_equal(pages, 3);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(keys[i - 1], keys[i]) < 0);
    assert_string_equal(keys[0], "t/part=0/file-00.parquet");
    free_keys(keys, n);

    collect_all(f->s, "", 1000, &keys, &n, &pages);
    assert_int_equal(n, 27);
    assert_string_equal(keys[0], "t-other"); /* byte order, not directory order */
    assert_string_equal(keys[1], "t/part=0/file-00.parquet");
    assert_string_equal(keys[26], "u/1");
    free_keys(keys, n);

    collect_all(f->s, "t/part=1/file-1", 1000, &keys, &n, &pages);
    assert_int_equal(n, 4); /* 10, 13, 16, 19 */
    free_keys(keys, n);

    collect_all(f->s, "nothing/here", 1000, &keys, &n, &pages);
    assert_int_equal(n, 0);
    free_keys(keys, n);
}

static void test_list_hides_temporaries(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    put_str(f->s, "w/done", "1");
    ko_store_writer *w;
    TU_OK(ko_store_writer_open(f->s, "w/pending", KO_PUT_OVERWRITE, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, "abc", 3, &err), &err);
    char **keys;
    size_t n;
    int pages;
    collect_all(f->s, "", 100, &keys, &n, &pages);
    assert_int_equal(n, 1);
    assert_string_equal(keys[0], "w/done");
    free_keys(keys, n);
    ko_obj_info info;
    assert_int_equal(ko_store_head(f->s, "w/pending", &info, &err), KO_ERR_NOT_FOUND);
    TU_OK(ko_store_writer_commit(w, &err), &err);
    collect_all(f->s, "", 100, &keys, &n, &pages);
    assert_int_equal(n, 2);
    free_keys(keys, n);
}

static void test_delete(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    put_str(f->s, "del/deep/er/x", "1");
    put_str(f->s, "del/keep", "1");
    TU_OK(ko_store_delete(f->s, "del/deep/er/x", &err), &err);
    ko_buf out = {0};
    assert_int_equal(ko_store_get(f->s, "del/deep/er/x", &out, &err), KO_ERR_NOT_FOUND);
    TU_OK(ko_store_delete(f->s, "del/deep/er/x", &err), &err); /* idempotent */
    TU_OK(ko_store_delete(f->s, "never/was", &err), &err);
    /* Empty directories went away with the object; siblings stay. */
    char path[4300];
    snprintf(path, sizeof path, "%s/root/del", f->dir);
    assert_int_equal(count_dir_entries(path), 1);
    ko_buf_free(&out);
}

static void test_streaming_writer(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    size_t total = 3 * 1024 * 1024 + 17;
    uint8_t *data = malloc(total);
    tu_fill(data, total, 99);
    ko_store_writer *w;
    TU_OK(ko_store_writer_open(f->s, "big/obj", KO_PUT_IF_ABSENT, &w, &err), &err);
    for (size_t off = 0; off < total; off += 65521) {
        size_t n = total - off < 65521 ? total - off : 65521;
        TU_OK(ko_store_writer_write(w, data + off, n, &err), &err);
    }
    assert_int_equal(w->written, total);
    TU_OK(ko_store_writer_commit(w, &err), &err);
    ko_buf out = {0};
    TU_OK(ko_store_get(f->s, "big/obj", &out, &err), &err);
    assert_int_equal(out.len, total);
    assert_memory_equal(out.data, data, total);

    /* Abort leaves nothing: no object, no temporary file. */
    TU_OK(ko_store_writer_open(f->s, "big/aborted", KO_PUT_OVERWRITE, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, data, 1000, &err), &err);
    ko_store_writer_abort(w);
    ko_obj_info info;
    assert_int_equal(ko_store_head(f->s, "big/aborted", &info, &err), KO_ERR_NOT_FOUND);
    char path[4300];
    snprintf(path, sizeof path, "%s/root/big", f->dir);
    assert_int_equal(count_dir_entries(path), 1);

    /* A streaming put-if-absent that loses reports EXISTS at commit. */
    TU_OK(ko_store_writer_open(f->s, "big/obj", KO_PUT_IF_ABSENT, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, "x", 1, &err), &err);
    assert_int_equal(ko_store_writer_commit(w, &err), KO_ERR_EXISTS);
    assert_int_equal(count_dir_entries(path), 1);
    free(data);
    ko_buf_free(&out);
}

static void test_keys_cannot_escape_root(void **state)
{
    fixture *f = *state;
    static const char *const bad[] = {
        "",         "/etc/passwd", "../x",      "a/../../x",   "a/..",         "..",
        ".",        "a/./b",       "a//b",      "a/",          "a\\..\\..\\x", "a\\b",
        "a/\x01/b", "tab\there",   ".ko-tmp-1", "d/.ko-tmp-x",
    };
    ko_err err = {0};
    ko_buf out = {0};
    ko_obj_info info;
    for (size_t i = 0; i < KO_ARRAY_LEN(bad); i++) {
        assert_int_equal(ko_store_put(f->s, bad[i], "x", 1, KO_PUT_OVERWRITE, &err),
                         KO_ERR_INVALID);
        assert_int_equal(ko_store_get(f->s, bad[i], &out, &err), KO_ERR_INVALID);
        assert_int_equal(ko_store_head(f->s, bad[i], &info, &err), KO_ERR_INVALID);
        assert_int_equal(ko_store_delete(f->s, bad[i], &err), KO_ERR_INVALID);
        ko_store_writer *w;
        assert_int_equal(ko_store_writer_open(f->s, bad[i], KO_PUT_OVERWRITE, &w, &err),
                         KO_ERR_INVALID);
    }
    assert_int_equal(ko_store_key_check("a\0b", 3, &err), KO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NUL"));
    char longkey[KO_STORE_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(ko_store_put(f->s, longkey, "x", 1, KO_PUT_OVERWRITE, &err), KO_ERR_INVALID);
    ko_list_page page;
    assert_int_equal(ko_store_list(f->s, "../", NULL, 10, &page, &err), KO_ERR_INVALID);
    /* Nothing was written beside the root. */
    assert_int_equal(count_dir_entries(f->dir), 1);
    ko_buf_free(&out);
}

static void test_open_uris(void **state)
{
    fixture *f = *state;
    ko_err err = {0};
    ko_store *s = NULL;
    assert_int_equal(ko_store_open("ftp://x/y", NULL, &s, &err), KO_ERR_UNSUPPORTED);
    assert_null(s);
    char uri[4300];
    snprintf(uri, sizeof uri, "file://%s/root2", f->dir);
    TU_OK(ko_store_open(uri, NULL, &s, &err), &err);
    assert_string_equal(ko_store_uri(s), uri);
    ko_store_close(s);

    put_str(f->s, "obj/k", "v");
    char *key = NULL;
    snprintf(uri, sizeof uri, "%s/root/obj/k", f->dir);
    TU_OK(ko_store_open_object(uri, NULL, &s, &key, &err), &err);
    ko_buf out = {0};
    TU_OK(ko_store_get(s, key, &out, &err), &err);
    assert_string_equal((char *)out.data, "v");
    ko_buf_free(&out);
    free(key);
    ko_store_close(s);
}

/* Real EACCES: as root, drop to "nobody" in a child process; otherwise
 * make the root read-only.  Either way the store reports PERMISSION. */
static void test_real_permission_denied(void **state)
{
    fixture *f = *state;
    put_str(f->s, "secret", "s");
    char root[4200], secret[4300];
    snprintf(root, sizeof root, "%s/root", f->dir);
    snprintf(secret, sizeof secret, "%s/secret", root);
    chmod(f->dir, 0711); /* mkdtemp made it 0700: let "nobody" reach the root */
    chmod(secret, 0600);
    chmod(root, 0555);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(10);
        ko_err err = {0};
        ko_store *s = NULL;
        if (ko_store_open(root, NULL, &s, &err) != KO_OK)
            _exit(11);
        bool dropped = getuid() == 65534;
        int rc = 0;
        if (ko_store_put(s, "new", "x", 1, KO_PUT_OVERWRITE, &err) != KO_ERR_PERMISSION ||
            !strstr(err.msg, "ermission denied"))
            rc = 12;
        ko_buf out = {0};
        /* Only another user is kept out of a 0600 file. */
        if (rc == 0 && dropped && ko_store_get(s, "secret", &out, &err) != KO_ERR_PERMISSION)
            rc = 13;
        ko_buf_free(&out);
        ko_store_close(s);
        _exit(rc);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    chmod(root, 0755);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---------------------------------------------------------- fault injection */

static ko_store *faulty(fixture *f, ko_fault_plan plan)
{
    char root[4200];
    snprintf(root, sizeof root, "%s/root", f->dir);
    ko_err err = {0};
    ko_store *inner = NULL, *s = NULL;
    TU_OK(ko_store_open(root, NULL, &inner, &err), &err);
    TU_OK(ko_store_faulty_open(inner, &plan, &s, &err), &err);
    return s;
}

static void test_fault_permission_denied(void **state)
{
    fixture *f = *state;
    ko_store *s = faulty(f, (ko_fault_plan){.fail_at = 2, .fail_status = KO_ERR_PERMISSION});
    ko_err err = {0};
    TU_OK(ko_store_put(s, "f/1", "a", 1, KO_PUT_OVERWRITE, &err), &err);
    assert_int_equal(ko_store_put(s, "f/2", "b", 1, KO_PUT_OVERWRITE, &err), KO_ERR_PERMISSION);
    assert_non_null(strstr(err.msg, "f/2"));
    assert_non_null(strstr(err.msg, "permission denied"));
    TU_OK(ko_store_put(s, "f/3", "c", 1, KO_PUT_OVERWRITE, &err), &err);
    assert_int_equal(ko_store_faulty_calls(s), 3);
    ko_obj_info info;
    assert_int_equal(ko_store_head(s, "f/2", &info, &err), KO_ERR_NOT_FOUND);
    ko_store_close(s);
}

static void test_fault_disk_full_streaming(void **state)
{
    fixture *f = *state;
    /* open=1, write=2, write=3 fails with ENOSPC. */
    ko_store *s = faulty(f, (ko_fault_plan){.fail_at = 3, .fail_status = KO_ERR_NOSPACE});
    ko_err err = {0};
    ko_store_writer *w;
    TU_OK(ko_store_writer_open(s, "full/obj", KO_PUT_OVERWRITE, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, "1234", 4, &err), &err);
    assert_int_equal(ko_store_writer_write(w, "5678", 4, &err), KO_ERR_NOSPACE);
    assert_non_null(strstr(err.msg, "full/obj"));
    ko_store_writer_abort(w);
    ko_obj_info info;
    assert_int_equal(ko_store_head(s, "full/obj", &info, &err), KO_ERR_NOT_FOUND);
    char path[4300];
    snprintf(path, sizeof path, "%s/root/full", f->dir);
    assert_true(count_dir_entries(path) <= 0); /* no temporary left */
    ko_store_close(s);
}

static void test_fault_failed_commit_leaves_nothing(void **state)
{
    fixture *f = *state;
    ko_store *s = faulty(f, (ko_fault_plan){.fail_at = 3, .fail_status = KO_ERR_IO});
    ko_err err = {0};
    ko_store_writer *w;
    TU_OK(ko_store_writer_open(s, "c/obj", KO_PUT_OVERWRITE, &w, &err), &err);
    TU_OK(ko_store_writer_write(w, "data", 4, &err), &err);
    assert_int_equal(ko_store_writer_commit(w, &err), KO_ERR_IO);
    ko_obj_info info;
    assert_int_equal(ko_store_head(s, "c/obj", &info, &err), KO_ERR_NOT_FOUND);
    ko_store_close(s);
}

static void test_fault_short_read(void **state)
{
    fixture *f = *state;
    put_str(f->s, "sr/obj", "0123456789");
    ko_store *s = faulty(f, (ko_fault_plan){.short_read = 4});
    ko_err err = {0};
    ko_buf out = {0};
    assert_int_equal(ko_store_get(s, "sr/obj", &out, &err), KO_ERR_IO);
    assert_non_null(strstr(err.msg, "short read"));
    assert_non_null(strstr(err.msg, "sr/obj"));
    assert_int_equal(out.len, 0);                                   /* nothing partial handed out */
    TU_OK(ko_store_get_range(s, "sr/obj", 2, 3, &out, &err), &err); /* fits: fine */
    assert_string_equal((char *)out.data, "234");
    ko_buf_free(&out);
    ko_store_close(s);
}

static void test_fault_consecutive_and_latency(void **state)
{
    fixture *f = *state;
    ko_store *s = faulty(
        f, (ko_fault_plan){
               .fail_at = 1, .fail_count = 2, .fail_status = KO_ERR_NETWORK, .latency_us = 20000});
    ko_err err = {0};
    ko_list_page page;
    int64_t t0 = ko_monotonic_us();
    assert_int_equal(ko_store_list(s, "", NULL, 10, &page, &err), KO_ERR_NETWORK);
    assert_int_equal(ko_store_delete(s, "x", &err), KO_ERR_NETWORK);
    TU_OK(ko_store_list(s, "", NULL, 10, &page, &err), &err);
    assert_true(ko_monotonic_us() - t0 >= 60000);
    ko_list_page_free(&page);
    ko_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_if_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_if_absent_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pagination_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_hides_temporaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_cannot_escape_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_uris, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_permission_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_permission_denied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_disk_full_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_failed_commit_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_short_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_consecutive_and_latency, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
