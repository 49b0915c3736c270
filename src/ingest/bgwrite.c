/*
 * bgwrite.c - the background batch writer of an ingest session with two
 * threads (ko_ingest_opts.threads >= 2).
 *
 * The session thread splits, parses, coerces and shreds records into one
 * batch while this thread encodes the previous batch to Parquet and
 * writes it (ko_ice_table_writer_write: encoding, compression, store
 * puts).  Two batches exist; at most one is in flight: submitting a full
 * batch first waits until the one before it was written, so memory stays
 * at two batches.  The writer thread resets a batch after writing it, and
 * keeps the first error, which the next submit or wait returns.  Records
 * are counted by the session thread as before (a batch handed over holds
 * only accepted records), so accounting does not change.
 */
#include "ingest/ingest_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ki_bgw {
    ko_ice_table_writer *w;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a job arrived, a job is done, or stop */
    ki_shred *job;     /* the batch being written, NULL: idle */
    bool stop;
    ko_status first;
    ko_err first_err;
};

static void *bgw_main(void *arg)
{
    ki_bgw *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->job && !b->stop)
            pthread_cond_wait(&b->cv, &b->mu);
        if (!b->job)
            break;
        ki_shred *s = b->job;
        bool skip = b->first != KO_OK; /* after an error nothing more is written */
        pthread_mutex_unlock(&b->mu);
        ko_err e = {0};
        ko_status st = skip ? KO_OK : ko_ice_table_writer_write(b->w, s->cols, s->rows, &e);
        ki_shred_reset(s);
        pthread_mutex_lock(&b->mu);
        if (st != KO_OK && b->first == KO_OK) {
            b->first = st;
            b->first_err = e;
        }
        b->job = NULL;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

ko_status ki_bgw_start(ko_ice_table_writer *w, ki_bgw **out, ko_err *err)
{
    ki_bgw *b = calloc(1, sizeof *b);
    if (!b)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory starting the writer thread");
    b->w = w;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cv, NULL);
    int rc = pthread_create(&b->thread, NULL, bgw_main, b);
    if (rc != 0) {
        pthread_cond_destroy(&b->cv);
        pthread_mutex_destroy(&b->mu);
        free(b);
        return ko_err_errno(err, rc, "starting the ingest writer thread");
    }
    *out = b;
    return KO_OK;
}

/* With mu held: waits until idle; the first error, copied to err. */
static ko_status bgw_idle(ki_bgw *b, ko_err *err)
{
    while (b->job)
        pthread_cond_wait(&b->cv, &b->mu);
    if (b->first != KO_OK && err)
        *err = b->first_err;
    return b->first;
}

ko_status ki_bgw_submit(ki_bgw *b, ki_shred *s, ko_err *err)
{
    pthread_mutex_lock(&b->mu);
    ko_status st = bgw_idle(b, err);
    if (st == KO_OK) {
        b->job = s;
        pthread_cond_broadcast(&b->cv);
    }
    pthread_mutex_unlock(&b->mu);
    return st;
}

ko_status ki_bgw_wait(ki_bgw *b, ko_err *err)
{
    pthread_mutex_lock(&b->mu);
    ko_status st = bgw_idle(b, err);
    pthread_mutex_unlock(&b->mu);
    return st;
}

void ki_bgw_stop(ki_bgw *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    (void)bgw_idle(b, NULL);
    b->stop = true;
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
