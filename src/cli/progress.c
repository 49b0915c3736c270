/*
 * progress.c - a progress bar on stderr for long work (ingest, table
 * append/overwrite/replace).
 *
 * Shown only when stderr is a terminal (or forced with --progress; never
 * with --no-progress), so pipes, logs and tests see nothing.  The work
 * reports bytes done (and, for ingest, rows) into atomic counters from
 * any thread; a drawing thread redraws one line about ten times a second:
 *
 *   ingest demo.t [##########----------]  50%  12.0/24.0 MB  8.1 MB/s  ETA 0:01  90000 rows
 *
 * and, when the total is unknown (standard input), the same without the
 * bar.  The last state stays on screen, ended by a newline.
 *
 * Work that reads its inputs through the library without a callback
 * (table append reads Parquet files through ko_pq_reader) is measured by
 * wrapping each input's store in a counting store (ko_cli_progress_wrap):
 * every byte fetched by get() counts towards the total of the inputs'
 * sizes.
 */
#define _GNU_SOURCE /* pthread_cond_timedwait with CLOCK_REALTIME */
#include "cli/cli.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum { REDRAW_MS = 100, LINE_MAX_BYTES = 512 };

struct ko_cli_progress {
    char label[128];
    _Atomic uint64_t total, done;
    _Atomic int64_t rows, rejected;
    int64_t start_us;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

bool ko_cli_progress_wanted(int mode)
{
    return mode > 0 || (mode < 0 && isatty(STDERR_FILENO));
}

/* ------------------------------------------------------------ drawing */

static int term_cols(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 80;
}

static void clock_text(char *out, size_t cap, double secs)
{
    long s = secs > 0 && secs < 360000 ? (long)secs : 0;
    if (s >= 3600)
        snprintf(out, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, cap, "%ld:%02ld", s / 60, s % 60);
}

/* The numbers after the bar: percent, bytes, rate, ETA, rows. */
static void tail_text(const ko_cli_progress *p, char *out, size_t cap)
{
    double secs = (double)(ko_monotonic_us() - p->start_us) / 1e6;
    double done = (double)atomic_load(&p->done) / 1e6, total = (double)atomic_load(&p->total) / 1e6;
    done = total > 0 && done > total ? total : done; /* footers are read twice */
    double rate = secs > 0 ? done / secs : 0;
    int64_t rows = atomic_load(&p->rows), rejected = atomic_load(&p->rejected);
    char eta[32] = "", rows_txt[96] = "";
    if (total > 0 && rate > 0 && done < total)
        clock_text(eta, sizeof eta, (total - done) / rate);
    else
        clock_text(eta, sizeof eta, secs);
    if (rows > 0 || rejected > 0)
        snprintf(rows_txt, sizeof rows_txt, "  %lld rows", (long long)rows);
    if (rejected > 0)
        snprintf(rows_txt + strlen(rows_txt), sizeof rows_txt - strlen(rows_txt), ", %lld rejected",
                 (long long)rejected);
    if (total > 0)
        snprintf(out, cap, "%3d%%  %.1f/%.1f MB  %.1f MB/s  %s %s%s",
                 (int)(done >= total ? 100 : done * 100 / total), done, total, rate,
                 done < total ? "ETA" : "in", eta, rows_txt);
    else
        snprintf(out, cap, "%.1f MB  %.1f MB/s  %s%s", done, rate, eta, rows_txt);
}

static void draw(const ko_cli_progress *p)
{
    char tail[256], line[LINE_MAX_BYTES];
    tail_text(p, tail, sizeof tail);
    uint64_t total = atomic_load(&p->total), done = atomic_load(&p->done);
    int cols = term_cols();
    int bar = cols - (int)strlen(p->label) - (int)strlen(tail) - 5;
    bar = bar > 40 ? 40 : bar < 10 ? 10 : bar; /* a narrow terminal cuts the tail */
    if (total > 0) {
        char fill[48];
        int n = done >= total ? bar : (int)((double)done * bar / (double)total);
        for (int i = 0; i < bar; i++)
            fill[i] = i < n ? '#' : '-';
        fill[bar] = '\0';
        snprintf(line, sizeof line, "%s [%s] %s", p->label, fill, tail);
    } else {
        snprintf(line, sizeof line, "%s  %s", p->label, tail);
    }
    if ((int)strlen(line) >= cols)
        line[cols - 1] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    (void)fflush(stderr);
}

static void *draw_loop(void *arg)
{
    ko_cli_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += REDRAW_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (!p->stop)
            draw(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ------------------------------------------------------------ lifetime */

ko_cli_progress *ko_cli_progress_start(const char *label, uint64_t total_bytes, int mode)
{
    if (!ko_cli_progress_wanted(mode))
        return NULL;
    ko_cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label);
    atomic_store(&p->total, total_bytes);
    p->start_us = ko_monotonic_us();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, draw_loop, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void ko_cli_progress_add_total(ko_cli_progress *p, uint64_t bytes)
{
    if (p)
        atomic_fetch_add(&p->total, bytes);
}

void ko_cli_progress_add(ko_cli_progress *p, uint64_t bytes)
{
    if (p)
        atomic_fetch_add(&p->done, bytes);
}

void ko_cli_progress_set(ko_cli_progress *p, uint64_t done_bytes, int64_t rows, int64_t rejected)
{
    if (!p)
        return;
    atomic_store(&p->done, done_bytes);
    atomic_store(&p->rows, rows);
    atomic_store(&p->rejected, rejected);
}

void ko_cli_progress_finish(ko_cli_progress *p, bool ok)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    uint64_t total = atomic_load(&p->total);
    if (ok && total > 0)
        atomic_store(&p->done, total);
    draw(p);
    (void)fputs(ok ? "\n" : "  (failed)\n", stderr);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* ------------------------------------------------------- counting store */

typedef struct counting_store {
    ko_store base;
    ko_store *inner;
    ko_cli_progress *p;
} counting_store;

static ko_store *inner_of(ko_store *s)
{
    return ((counting_store *)s)->inner;
}

static ko_status c_get(ko_store *s, const char *key, uint64_t off, uint64_t len, ko_buf *out,
                       ko_obj_info *info, ko_err *err)
{
    ko_store *in = inner_of(s);
    size_t before = out->len;
    ko_status st = in->ops->get(in, key, off, len, out, info, err);
    if (st == KO_OK && out->len > before)
        ko_cli_progress_add(((counting_store *)s)->p, out->len - before);
    return st;
}

static ko_status c_put(ko_store *s, const char *key, const void *data, size_t n, ko_put_flags flags,
                       ko_err *err)
{
    ko_store *in = inner_of(s);
    return in->ops->put(in, key, data, n, flags, err);
}

static ko_status c_head(ko_store *s, const char *key, ko_obj_info *info, ko_err *err)
{
    ko_store *in = inner_of(s);
    return in->ops->head(in, key, info, err);
}

static ko_status c_list(ko_store *s, const char *prefix, const char *token, size_t max_keys,
                        ko_list_page *page, ko_err *err)
{
    ko_store *in = inner_of(s);
    return in->ops->list(in, prefix, token, max_keys, page, err);
}

static ko_status c_del(ko_store *s, const char *key, ko_err *err)
{
    ko_store *in = inner_of(s);
    return in->ops->del(in, key, err);
}

/* Writers are the inner store's own: w->store is the inner store, so the
 * dispatcher calls its ops for write, commit and abort. */
static ko_status c_writer_open(ko_store *s, const char *key, ko_put_flags flags,
                               ko_store_writer **out, ko_err *err)
{
    ko_store *in = inner_of(s);
    return in->ops->writer_open(in, key, flags, out, err);
}

static ko_status c_writer_write(ko_store_writer *w, const void *data, size_t n, ko_err *err)
{
    return w->store->ops->writer_write(w, data, n, err);
}

static ko_status c_writer_commit(ko_store_writer *w, ko_err *err)
{
    return w->store->ops->writer_commit(w, err);
}

static void c_writer_abort(ko_store_writer *w)
{
    w->store->ops->writer_abort(w);
}

static void c_close(ko_store *s)
{
    counting_store *c = (counting_store *)s;
    ko_store_close(c->inner);
    free(c->base.uri);
    free(c);
}

static const ko_store_ops counting_ops = {
    .name = "counting",
    .get = c_get,
    .put = c_put,
    .head = c_head,
    .list = c_list,
    .del = c_del,
    .writer_open = c_writer_open,
    .writer_write = c_writer_write,
    .writer_commit = c_writer_commit,
    .writer_abort = c_writer_abort,
    .close = c_close,
};

ko_status ko_cli_progress_wrap(ko_cli_progress *p, ko_store **store, const char *key, ko_err *err)
{
    if (!p || !*store)
        return KO_OK;
    ko_obj_info info;
    ko_status st = ko_store_head(*store, key, &info, err);
    if (st != KO_OK)
        return st;
    counting_store *c = calloc(1, sizeof *c);
    if (c)
        c->base.uri = strdup((*store)->uri);
    if (!c || !c->base.uri) {
        free(c);
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory");
    }
    c->base.ops = &counting_ops;
    c->inner = *store;
    c->p = p;
    ko_cli_progress_add_total(p, info.size);
    *store = &c->base;
    return KO_OK;
}
