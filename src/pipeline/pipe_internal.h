/*
 * pipe_internal.h - what the pipeline layer's files share: the state of
 * one attempt (exec.c, command.c) and helpers.  Not part of the API.
 */
#ifndef KO_PIPE_INTERNAL_H
#define KO_PIPE_INTERNAL_H

#include "iceberg/iceberg.h"
#include "pipeline/pipeline.h"

#include <pthread.h>
#include <sys/types.h>

typedef struct ko_sql_session ko_sql_session;

enum { PIPE_LOG_MAX = 4 << 20 }; /* log bytes kept per attempt */

/* One attempt of a run.  The flags are set by the heartbeat thread (and
 * the fenced commit) and read by the steps; mu guards the log, the
 * session and the child pid, which the heartbeat uses to abort work. */
typedef struct pipe_attempt {
    const ko_pipe_env *env;
    const ko_cat_run *run;
    const char *principal;
    ko_pipe_vars vars;
    ko_ice_catalog icat; /* fenced: commits re-check the lease */
    ko_ice_warehouse wh;
    pthread_mutex_t mu;
    ko_buf log;
    ko_sql_session *session;
    pid_t child;
    json_t *inputs, *outputs;
    int64_t timeout_ms, deadline_mono;
    _Atomic bool stop, lost, cancelled, timed_out;
} pipe_attempt;

void pipe_log(pipe_attempt *at, const char *fmt, ...) KO_PRINTF(2, 3);
void pipe_log_raw(pipe_attempt *at, const uint8_t *data, size_t len);
/* Statement splitting and INSERT detection (exec.c). */
ko_status pipe_split_sql(const char *script, ko_arena *a, const char ***out, size_t *n,
                         ko_err *err);

/* "INSERT INTO ns.t [(c1, ...)] <query>" (insert.c). */
typedef struct pipe_insert {
    const char *table;
    const char **columns; /* the column list; n_columns 0: none */
    size_t n_columns;
    const char *query;
} pipe_insert;
/* Whether stmt is such an INSERT; *out receives its parts (in a). */
bool pipe_parse_insert(const char *stmt, ko_arena *a, pipe_insert *out);
/* Binds ins->query in s (without running it), matches its columns to t's
 * by position or by the column list, checks counts and types (errors name
 * the columns), and returns in *out (in a) the query to write: every
 * table column in table order, named and cast as the table has it. */
ko_status pipe_insert_plan(ko_sql_session *s, const pipe_insert *ins, const ko_ice_table *t,
                           ko_arena *a, const char **out, ko_err *err);
/* A command step (command.c). */
ko_status pipe_command_step(pipe_attempt *at, const ko_pipe_step *step, ko_arena *a, ko_err *err);
/* Judges an ingest record: a failed ingest fails the step; a reject
 * ratio above the step's alert_reject_ratio raises an alert (command.c). */
ko_status pipe_ingest_verdict(pipe_attempt *at, const ko_pipe_step *step, const char *from,
                              json_t *rec, ko_err *err);

#endif
