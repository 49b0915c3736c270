/*
 * local.c - the object store in a local directory (the default backend).
 *
 * Objects are files under the root; a key "a/b/c" is the file root/a/b/c and
 * directories are created as needed.  All file access goes through the root
 * directory's descriptor (openat and friends) with keys that store.c has
 * already checked, so nothing outside the root is reachable.
 *
 * Writes are atomic and durable.  Bytes go to a temporary file in the target
 * directory (".ko-tmp-<uuid>", never a valid key and skipped by listings),
 * which is fsync'd and then renamed over the key, or, for put-if-absent,
 * hard-linked to the key (link fails with EEXIST if another writer won) and
 * unlinked; finally the directory is fsync'd so the new name survives a
 * crash.  A process killed at any point leaves either no object or the whole
 * object under the key; at worst a stray temporary file, which is invisible
 * to listings and removed by ko_store_remove_temps once it is old enough.
 *
 * Deleting removes the file and then any directories it leaves empty, so
 * that prefixes disappear as they do on S3.  A writer that finds its
 * directory removed under it by such a delete creates it again.
 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct local_store {
    ko_store base;
    int root_fd;
} local_store;

typedef struct local_writer {
    ko_store_writer base;
    int fd;
    ko_put_flags flags;
    char tmp[KO_STORE_KEY_MAX + 64];
} local_writer;

static const char TMP_PREFIX[] = ".ko-tmp-";

static int root_fd(ko_store *s)
{
    return ((local_store *)s)->root_fd;
}

/* An error for a failed open/stat of key: missing objects say so plainly. */
static ko_status access_error(int errnum, const char *what, const char *key, ko_err *err)
{
    if (errnum == ENOENT || errnum == ENOTDIR)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "not found");
    return ko_err_errno(err, errnum, "%s %s", what, key);
}

/* ------------------------------------------------------------ directories */

/* Length of the directory part of key ("a/b/c" -> 3), 0 if none. */
static size_t dir_len(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? (size_t)(slash - key) : 0;
}

/* Creates every directory on the path of key's directory (mkdir -p). */
static ko_status make_parents(int dfd, const char *key, ko_err *err)
{
    char path[KO_STORE_KEY_MAX + 1];
    size_t n = dir_len(key);
    memcpy(path, key, n);
    path[n] = '\0';
    for (size_t i = 1; i <= n; i++) {
        if (i < n && path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdirat(dfd, path, 0755) != 0 && errno != EEXIST)
            return ko_err_errno(err, errno, "mkdir %s", path);
        if (i < n)
            path[i] = '/';
    }
    return KO_OK;
}

/* fsync()s the directory that holds key, so a rename or link in it is durable. */
static ko_status sync_parent(int dfd, const char *key, ko_err *err)
{
    char path[KO_STORE_KEY_MAX + 1];
    size_t n = dir_len(key);
    memcpy(path, key, n);
    path[n] = '\0';
    int fd = openat(dfd, n ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ko_err_errno(err, errno, "open directory of %s", key);
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    return rc == 0 ? KO_OK : ko_err_errno(err, saved, "fsync directory of %s", key);
}

/* Removes the now-empty directories above key, deepest first. */
static void prune_empty_parents(int dfd, const char *key)
{
    char path[KO_STORE_KEY_MAX + 1];
    size_t n = dir_len(key);
    memcpy(path, key, n);
    path[n] = '\0';
    while (n > 0) {
        if (unlinkat(dfd, path, AT_REMOVEDIR) != 0)
            return;
        n = dir_len(path);
        path[n] = '\0';
    }
}

/* ------------------------------------------------------------------ reads */

/* Reads up to n bytes at off, stopping early only at end of file. */
static ko_status pread_full(int fd, uint8_t *dst, size_t n, uint64_t off, size_t *got,
                            const char *key, ko_err *err)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, dst + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ko_err_errno(err, errno, "read %s", key);
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return KO_OK;
}

static int64_t mtime_us(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
}

static void info_from_stat(const struct stat *st, ko_obj_info *info)
{
    info->size = (uint64_t)st->st_size;
    info->mtime_us = mtime_us(st);
    snprintf(info->etag, sizeof info->etag, "%llx-%llx-%llx", (unsigned long long)st->st_ino,
             (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st->st_mtim.tv_nsec,
             (unsigned long long)st->st_size);
}

static ko_status local_get(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                           ko_obj_info *info, ko_err *err)
{
    int fd = openat(root_fd(s), key, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return access_error(errno, "open", key, err);
    struct stat st;
    ko_status rc = KO_OK;
    if (fstat(fd, &st) != 0)
        rc = ko_err_errno(err, errno, "stat %s", key);
    else if (!S_ISREG(st.st_mode))
        rc = ko_err_set(err, KO_ERR_NOT_FOUND, "not found (a directory, not an object)");
    if (rc == KO_OK) {
        info_from_stat(&st, info);
        uint64_t avail = off < info->size ? info->size - off : 0;
        size_t want = (size_t)(len < avail ? len : avail);
        size_t got = 0;
        rc = ko_buf_reserve(out, want);
        if (rc != KO_OK)
            rc = ko_err_set(err, KO_ERR_NOMEM, "no memory for %zu bytes of %s", want, key);
        else
            rc = pread_full(fd, out->data + out->len, want, off, &got, key, err);
        if (rc == KO_OK) {
            out->len += got;
            out->data[out->len] = '\0';
        }
    }
    close(fd);
    return rc;
}

static ko_status local_head(ko_store *s, const char *key, ko_obj_info *info, ko_err *err)
{
    struct stat st;
    if (fstatat(root_fd(s), key, &st, 0) != 0)
        return access_error(errno, "stat", key, err);
    if (!S_ISREG(st.st_mode))
        return ko_err_set(err, KO_ERR_NOT_FOUND, "not found (a directory, not an object)");
    info_from_stat(&st, info);
    return KO_OK;
}

/* ---------------------------------------------------------------- writes */

static ko_status open_temp(int dfd, local_writer *w, ko_err *err)
{
    const char *key = w->base.key;
    size_t n = dir_len(key);
    char id[KO_UUID_STR_LEN + 1];
    ko_uuid u = ko_uuid_random();
    ko_uuid_format(&u, id);
    snprintf(w->tmp, sizeof w->tmp, "%.*s%s%s%s", (int)n, key, n ? "/" : "", TMP_PREFIX, id);
    /* A concurrent delete may remove the directory between mkdir and open. */
    for (int attempt = 0; attempt < 8; attempt++) {
        ko_status st = make_parents(dfd, key, err);
        if (st != KO_OK)
            return st;
        w->fd = openat(dfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (w->fd >= 0)
            return KO_OK;
        if (errno != ENOENT)
            break;
    }
    return ko_err_errno(err, errno, "create %s", w->tmp);
}

static ko_status local_writer_open(ko_store *s, const char *key, ko_put_flags flags,
                                   ko_store_writer **out, ko_err *err)
{
    local_writer *w = calloc(1, sizeof *w);
    char *k = strdup(key);
    if (!w || !k) {
        free(w);
        free(k);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening %s", key);
    }
    w->base.store = s;
    w->base.key = k;
    w->flags = flags;
    w->fd = -1;
    ko_status st = open_temp(root_fd(s), w, err);
    if (st != KO_OK) {
        free(k);
        free(w);
        return st;
    }
    *out = &w->base;
    return KO_OK;
}

static ko_status local_writer_write(ko_store_writer *base, const void *data, size_t n, ko_err *err)
{
    local_writer *w = (local_writer *)base;
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t r = write(w->fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return ko_err_errno(err, errno, "write %s", w->base.key);
        p += r;
        n -= (size_t)r;
    }
    return KO_OK;
}

static void writer_free(local_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->base.key);
    free(w);
}

static void local_writer_abort(ko_store_writer *base)
{
    local_writer *w = (local_writer *)base;
    int dfd = root_fd(w->base.store);
    unlinkat(dfd, w->tmp, 0);
    writer_free(w);
}

/* Makes the temporary file visible under the key: rename, or link for
 * put-if-absent so that exactly one of two racing writers wins. */
static ko_status publish(int dfd, local_writer *w, ko_err *err)
{
    const char *key = w->base.key;
    if (w->flags & KO_PUT_IF_ABSENT) {
        if (linkat(dfd, w->tmp, dfd, key, 0) != 0)
            return errno == EEXIST ? ko_err_set(err, KO_ERR_EXISTS, "%s already exists", key)
                                   : ko_err_errno(err, errno, "link %s", key);
        unlinkat(dfd, w->tmp, 0);
        return KO_OK;
    }
    if (renameat(dfd, w->tmp, dfd, key) != 0)
        return ko_err_errno(err, errno, "rename to %s", key);
    return KO_OK;
}

static ko_status local_writer_commit(ko_store_writer *base, ko_err *err)
{
    local_writer *w = (local_writer *)base;
    int dfd = root_fd(w->base.store);
    ko_status st = KO_OK;
    if (fsync(w->fd) != 0)
        st = ko_err_errno(err, errno, "fsync %s", w->base.key);
    if (st == KO_OK && close(w->fd) != 0)
        st = ko_err_errno(err, errno, "close %s", w->base.key);
    w->fd = -1;
    if (st == KO_OK)
        st = publish(dfd, w, err);
    if (st == KO_OK)
        st = sync_parent(dfd, w->base.key, err);
    if (st != KO_OK)
        unlinkat(dfd, w->tmp, 0);
    writer_free(w);
    return st;
}

static ko_status local_put(ko_store *s, const char *key, const void *data, size_t n,
                           ko_put_flags flags, ko_err *err)
{
    ko_store_writer *w = NULL;
    ko_status st = local_writer_open(s, key, flags, &w, err);
    if (st != KO_OK)
        return st;
    st = local_writer_write(w, data, n, err);
    if (st != KO_OK) {
        local_writer_abort(w);
        return st;
    }
    return local_writer_commit(w, err);
}

static ko_status local_del(ko_store *s, const char *key, ko_err *err)
{
    int dfd = root_fd(s);
    if (unlinkat(dfd, key, 0) != 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
            return KO_OK; /* no such object: deleting is idempotent */
        return ko_err_errno(err, errno, "delete %s", key);
    }
    prune_empty_parents(dfd, key);
    return KO_OK;
}

/* ---------------------------------------------------------------- listing */

typedef struct list_ctx {
    int root_fd;
    const char *prefix;
    const char *token;
    ko_list_entry *items;
    size_t count, cap;
    ko_err *err;
    bool temps;        /* removing stale temporary files instead of listing */
    int64_t before_us; /* temps: only those modified before this */
    size_t n_removed;
    uint64_t bytes;
} list_ctx;

static ko_status list_add(list_ctx *c, const char *key, const struct stat *st)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        ko_list_entry *p = realloc(c->items, cap * sizeof *p);
        if (!p)
            return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory listing %s", c->prefix);
        c->items = p;
        c->cap = cap;
    }
    char *k = strdup(key);
    if (!k)
        return ko_err_set(c->err, KO_ERR_NOMEM, "out of memory listing %s", c->prefix);
    ko_list_entry *e = &c->items[c->count++];
    e->key = k;
    e->size = (uint64_t)st->st_size;
    e->mtime_us = mtime_us(st);
    return KO_OK;
}

/* Could a key under directory `dir` (with trailing '/') start with prefix? */
static bool dir_may_match(const char *dir, size_t dn, const char *prefix)
{
    size_t pn = strlen(prefix);
    size_t n = dn < pn ? dn : pn;
    return strncmp(dir, prefix, n) == 0;
}

static ko_status list_dir(list_ctx *c, char *path, size_t len);

static ko_status remove_temp(list_ctx *c, const char *path, const struct stat *st)
{
    if (mtime_us(st) >= c->before_us)
        return KO_OK; /* a writer may still be at work */
    if (unlinkat(c->root_fd, path, 0) != 0)
        return errno == ENOENT ? KO_OK : ko_err_errno(c->err, errno, "delete %s", path);
    c->n_removed++;
    c->bytes += (uint64_t)st->st_size;
    return KO_OK;
}

static ko_status list_entry(list_ctx *c, char *path, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    bool temp = strncmp(name, TMP_PREFIX, sizeof TMP_PREFIX - 1) == 0;
    if (len + nlen + 2 > KO_STORE_KEY_MAX + 1 || (temp && !c->temps))
        return KO_OK;
    memcpy(path + len, name, nlen + 1);
    struct stat st;
    if (fstatat(c->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return KO_OK; /* vanished while listing */
    if (S_ISDIR(st.st_mode)) {
        path[len + nlen] = '/';
        path[len + nlen + 1] = '\0';
        if (!dir_may_match(path, len + nlen + 1, c->prefix))
            return KO_OK;
        return list_dir(c, path, len + nlen + 1);
    }
    if (!S_ISREG(st.st_mode) || strncmp(path, c->prefix, strlen(c->prefix)) != 0)
        return KO_OK;
    if (c->temps)
        return temp ? remove_temp(c, path, &st) : KO_OK;
    if (c->token && strcmp(path, c->token) <= 0)
        return KO_OK;
    return list_add(c, path, &st);
}

/* Walks the directory path[0..len) (empty or ending in '/'). */
static ko_status list_dir(list_ctx *c, char *path, size_t len)
{
    int fd = openat(c->root_fd, len ? path : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? KO_OK
                                                   : ko_err_errno(c->err, errno, "list %s", path);
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return ko_err_errno(c->err, errno, "list %s", path);
    }
    ko_status st = KO_OK;
    const struct dirent *de;
    while (st == KO_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        st = list_entry(c, path, len, de->d_name);
        path[len] = '\0';
    }
    closedir(d);
    return st;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const ko_list_entry *)a)->key, ((const ko_list_entry *)b)->key);
}

/* Walks the files under c->prefix, from the deepest directory it names. */
static ko_status walk(list_ctx *c)
{
    char path[KO_STORE_KEY_MAX + 2];
    size_t start = dir_len(c->prefix);
    if (start >= sizeof path - 1)
        return ko_err_set(c->err, KO_ERR_INVALID, "list prefix too long");
    memcpy(path, c->prefix, start);
    if (start)
        path[start++] = '/';
    path[start] = '\0';
    return list_dir(c, path, start);
}

static ko_status local_remove_temps(ko_store *s, const char *prefix, int64_t before_us, size_t *n,
                                    uint64_t *bytes, ko_err *err)
{
    list_ctx c = {
        .root_fd = root_fd(s), .prefix = prefix, .err = err, .temps = true, .before_us = before_us};
    ko_status st = walk(&c);
    *n += c.n_removed;
    *bytes += c.bytes;
    return st;
}

static ko_status local_list(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                            ko_list_page *page, ko_err *err)
{
    list_ctx c = {.root_fd = root_fd(s), .prefix = prefix, .token = token, .err = err};
    ko_status st = walk(&c);
    if (st == KO_OK && c.count)
        qsort(c.items, c.count, sizeof *c.items, entry_cmp);
    page->entries = c.items;
    page->count = c.count;
    if (st == KO_OK && c.count > max_keys) {
        for (size_t i = max_keys; i < c.count; i++)
            free(c.items[i].key);
        page->count = max_keys;
        page->next_token = strdup(c.items[max_keys - 1].key);
        if (!page->next_token)
            st = ko_err_set(err, KO_ERR_NOMEM, "out of memory listing %s", prefix);
    }
    return st;
}

static void local_close(ko_store *s)
{
    local_store *ls = (local_store *)s;
    close(ls->root_fd);
    free(ls->base.uri);
    free(ls);
}

static const ko_store_ops local_ops = {
    .name = "local",
    .get = local_get,
    .put = local_put,
    .head = local_head,
    .list = local_list,
    .del = local_del,
    .writer_open = local_writer_open,
    .writer_write = local_writer_write,
    .writer_commit = local_writer_commit,
    .writer_abort = local_writer_abort,
    .close = local_close,
    .remove_temps = local_remove_temps,
};

/* mkdir -p for the root itself, which may be absolute or relative. */
static ko_status make_root(const char *root, ko_err *err)
{
    char path[4096];
    size_t n = strlen(root);
    if (n == 0 || n >= sizeof path)
        return ko_err_set(err, KO_ERR_INVALID, "store root '%s' is empty or too long", root);
    memcpy(path, root, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return ko_err_errno(err, errno, "create store root %s", path);
        path[i] = saved;
    }
    return KO_OK;
}

ko_status ko_store_local_open(const char *root, ko_store **out, ko_err *err)
{
    *out = NULL;
    ko_status st = make_root(root, err);
    if (st != KO_OK)
        return st;
    char *abs = realpath(root, NULL);
    if (!abs)
        return ko_err_errno(err, errno, "resolve store root %s", root);
    local_store *s = calloc(1, sizeof *s);
    if (!s || asprintf(&s->base.uri, "file://%s", strcmp(abs, "/") == 0 ? "" : abs) < 0) {
        free(s);
        free(abs);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory opening %s", root);
    }
    s->root_fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) {
        st = ko_err_errno(err, errno, "open store root %s", abs);
        free(s->base.uri);
        free(s);
        free(abs);
        return st;
    }
    free(abs);
    s->base.ops = &local_ops;
    *out = &s->base;
    return KO_OK;
}
