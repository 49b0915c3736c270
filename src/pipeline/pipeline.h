/*
 * pipeline.h - pipelines: YAML specs, triggers, a run queue in the catalog,
 * workers that hold leases, alerts and freshness (docs/pipelines.md).
 *
 * Specs.  One YAML file per pipeline in a pipelines directory (kept in
 * Git).  ko_pipe_spec_parse validates everything on load: unknown keys,
 * wrong types, bad cron expressions, time zones, durations, duplicate
 * step names; every error names file:line:column.
 *
 * Runs.  A run is a row in the catalog (catalog.h, ko_cat_run_*): queued
 * by the scheduler (cron, upstream commits, landing files), by
 * `korolev pipeline run` (manual, backfill), then claimed by a worker with
 * a lease that a heartbeat thread renews.  The attempt number is a fencing
 * token: every table commit a step makes goes through
 * ko_cat_run_fenced_commit, which re-checks in the commit's own
 * transaction that the attempt still holds an unexpired lease, and its
 * snapshot summary carries korolev.run-id, korolev.attempt and
 * korolev.step.  A retry first looks for those in the table history and
 * skips a step whose commit already landed, so a run never commits twice.
 * A worker that dies stops renewing; when the lease expires any worker's
 * scheduler tick marks the run "worker lost" and it is retried by policy.
 *
 * Scheduling happens inside the workers: each worker's scheduler thread
 * ticks (reap expired leases, evaluate triggers, check freshness); enqueue
 * keys (dedup) make concurrent ticks of several workers harmless.
 *
 * Clock.  ko_pipe_now_us() is the pipeline clock: KOROLEV_FAKE_NOW_FILE
 * (a file holding the time, re-read on every call, so tests can move it)
 * or KOROLEV_FAKE_NOW (fixed), as RFC 3339 text or epoch seconds; else the
 * real time.
 *
 * Memory: specs live in the arena passed to the loader; JSON results are
 * new references owned by the caller.
 */
#ifndef KO_PIPELINE_H
#define KO_PIPELINE_H

#include <jansson.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "store/store.h"

/* ------------------------------------------------------------------- clock */

int64_t ko_pipe_now_us(void);

/* -------------------------------------------------------------------- cron */

/* Five fields: minute hour day-of-month month day-of-week, each "*", a
 * number, a range a-b, a step (*\/n, a-b/n, a/n), or a comma list of those;
 * months and weekdays also by name (jan..dec, sun..sat; 7 is Sunday too).
 * As in Vixie cron, when both day fields are restricted a day matching
 * either fires.  Macros: @hourly, @daily (@midnight), @weekly, @monthly,
 * @yearly (@annually). */
typedef struct ko_pipe_cron {
    uint64_t minutes; /* bit m: minute m */
    uint32_t hours;
    uint32_t mdays; /* bit d: day d (1..31) */
    uint16_t months;
    uint8_t wdays; /* bit 0: Sunday */
    bool mday_any, wday_any;
} ko_pipe_cron;

/* Errors name the field and the offending text ("day-of-week: '8' is out
 * of range 0-7"); *col (may be NULL) receives its 0-based column. */
ko_status ko_pipe_cron_parse(const char *text, ko_pipe_cron *out, int *col, ko_err *err);
/* Whether the time zone name exists in the system tzdata ("UTC" always). */
ko_status ko_pipe_tz_check(const char *tz, ko_err *err);
/* The first fire time strictly after after_us (whole minutes), in zone tz
 * (NULL: UTC), searching at most 5 years ahead (KO_ERR_NOT_FOUND: never,
 * e.g. "0 0 30 2 *"). */
ko_status ko_pipe_cron_next(const ko_pipe_cron *c, const char *tz, int64_t after_us,
                            int64_t *next_us, ko_err *err);
/* The local date "YYYY-MM-DD" of us in tz (NULL: UTC). */
void ko_pipe_local_date(int64_t us, const char *tz, char out[11]);

/* ------------------------------------------------------------------- specs */

typedef enum ko_pipe_trig_kind {
    KO_PIPE_TRIG_CRON,
    KO_PIPE_TRIG_UPSTREAM,
    KO_PIPE_TRIG_LANDING,
    KO_PIPE_TRIG_MANUAL,
} ko_pipe_trig_kind;

typedef struct ko_pipe_trigger {
    ko_pipe_trig_kind kind;
    int line;
    const char *cron_text; /* cron */
    ko_pipe_cron cron;
    const char *tz;      /* cron: NULL means UTC */
    const char *table;   /* upstream: "ns.table" */
    int64_t debounce_ms; /* upstream: quiet time after a commit before a run */
    const char *prefix;  /* landing: a URI prefix (directory, s3://, gs://) */
    const char *pattern; /* landing: fnmatch() pattern of file names; NULL: all */
} ko_pipe_trigger;

typedef struct ko_pipe_param {
    const char *name;
    const char *def; /* NULL: required */
} ko_pipe_param;

typedef enum ko_pipe_step_kind {
    KO_PIPE_STEP_SQL,
    KO_PIPE_STEP_INGEST,
    KO_PIPE_STEP_COMMAND,
} ko_pipe_step_kind;

typedef struct ko_pipe_step {
    const char *name;
    ko_pipe_step_kind kind;
    int line;
    const char *sql;         /* sql: one or more statements (templated) */
    const char *from;        /* ingest: URI (templated); landing runs: "{{ file }}" */
    const char *into;        /* ingest: "ns.table" */
    const char *format;      /* ingest: jsonl, csv, parquet; NULL: by extension */
    double max_reject_ratio; /* ingest: fail above (when has_max_reject_ratio) */
    bool has_max_reject_ratio;
    double alert_reject_ratio; /* ingest: alert above (when has_alert_reject_ratio) */
    bool has_alert_reject_ratio;
    const char **argv; /* command: argv (templated), argv[argc] == NULL */
    size_t argc;
    int64_t timeout_ms; /* command/sql: 0 = the run's timeout */
} ko_pipe_step;

typedef struct ko_pipe_output {
    const char *table;
    int64_t max_staleness_ms; /* 0: no promise */
} ko_pipe_output;

typedef struct ko_pipe_spec {
    const char *file;
    const char *name;
    const char *owner;
    const char *description;
    ko_pipe_trigger *triggers;
    size_t n_triggers;
    ko_pipe_param *params;
    size_t n_params;
    ko_pipe_step *steps;
    size_t n_steps;
    const char **inputs; /* tables read, for lineage and dry runs */
    size_t n_inputs;
    ko_pipe_output *outputs;
    size_t n_outputs;
    int retries;        /* extra attempts; default 0 */
    int64_t backoff_ms; /* first retry delay (doubled each retry); default 30 s */
    int64_t timeout_ms; /* whole attempt; default 1 h */
    bool allow_overlap; /* concurrency: allow; default forbid */
} ko_pipe_spec;

/* Parses and validates the YAML text of file (used in messages). */
ko_status ko_pipe_spec_parse(const char *file, const char *text, size_t len, ko_arena *a,
                             ko_pipe_spec *out, ko_err *err);
ko_status ko_pipe_spec_load(const char *path, ko_arena *a, ko_pipe_spec *out, ko_err *err);
/* Every *.yaml / *.yml file of dir, sorted by name; two files naming one
 * pipeline is an error naming both.  The first error stops the load. */
ko_status ko_pipe_load_dir(const char *dir, ko_arena *a, ko_pipe_spec **out, size_t *n,
                           ko_err *err);
const ko_pipe_spec *ko_pipe_find(const ko_pipe_spec *specs, size_t n, const char *name);
/* "30s", "5m", "2h", "1d", "1500ms", or plain seconds. */
bool ko_pipe_duration_parse(const char *s, int64_t *ms);

/* The table property that declares a table's maximum staleness (a
 * duration as above): the scheduler tick raises stale_table when the
 * table was last changed longer ago, as for a pipeline output's
 * max_staleness (docs/pipelines.md). */
#define KO_PIPE_MAX_STALENESS_PROP "korolev.max-staleness"

/* --------------------------------------------------------------- templates */

/* Variables of a run: ds, run_id, attempt, pipeline, ts, file and the
 * parameters.  names/values are parallel arrays. */
typedef struct ko_pipe_vars {
    const char **names;
    const char **values;
    size_t n;
} ko_pipe_vars;

/* Replaces each "{{ name }}" in tmpl.  sql_quote: values become SQL string
 * literals ('it''s'); "{{ name | raw }}" inserts the text as is only when
 * it is a plain number or identifier (else KO_ERR_INVALID), so a value
 * can never change the statement's structure.  Unknown names are errors. */
ko_status ko_pipe_render(const char *tmpl, const ko_pipe_vars *v, bool sql_quote, ko_arena *a,
                         const char **out, ko_err *err);
/* The run's variables: params JSON (run overrides), spec defaults and the
 * built-ins.  Missing required parameters are errors. */
ko_status ko_pipe_vars_build(const ko_pipe_spec *spec, const ko_cat_run *run, ko_arena *a,
                             ko_pipe_vars *out, ko_err *err);

/* -------------------------------------------------------------- execution */

/* What a worker, the scheduler and the CLI share. */
typedef struct ko_pipe_env {
    const char *warehouse_uri;
    const char *catalog_uri;
    ko_store *store; /* borrowed: the warehouse */
    ko_cat *cat;     /* borrowed */
    const char *pipelines_dir;
    int64_t lease_ms;     /* default 30000 */
    int64_t heartbeat_ms; /* default lease / 3 */
    const char *worker_id;
    const char *webhook; /* alert webhook URL or NULL (KOROLEV_ALERT_WEBHOOK) */
} ko_pipe_env;

/* Queues a run of spec (params: JSON object text or NULL; logical_date
 * NULL: today's date in UTC by the pipeline clock).  id_out receives the
 * run id (or, with a dedup key already queued, nothing and *created =
 * false). */
ko_status ko_pipe_enqueue(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *trigger,
                          const char *logical_date, int64_t scheduled_us, const char *params,
                          const char *dedup, bool *created, char id_out[KO_UUID_STR_LEN + 1],
                          ko_err *err);
/* One run per date from..to (inclusive, "YYYY-MM-DD"), dedup
 * "backfill:<name>:<date>:<params>"; *n receives how many were queued. */
ko_status ko_pipe_backfill(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *from,
                           const char *to, const char *params, size_t *n, ko_err *err);

/* Runs one claimed attempt to its end (the heartbeat thread included) and
 * records the outcome.  Errors are about the catalog; a failing step is a
 * failed or retrying run, not an error. */
ko_status ko_pipe_execute(const ko_pipe_env *env, const ko_cat_run *run, ko_err *err);

/* One scheduler tick: reap lost workers, evaluate the triggers of specs,
 * check the outputs' freshness; *queued (may be NULL) counts new runs. */
ko_status ko_pipe_tick(const ko_pipe_env *env, const ko_pipe_spec *specs, size_t n, size_t *queued,
                       ko_err *err);

/* Raises an alert: stored (dedup), logged (warn), posted to the webhook. */
void ko_pipe_alert(const ko_pipe_env *env, const char *kind, const char *object, const char *run_id,
                   const char *dedup, const char *fmt, ...) KO_PRINTF(6, 7);

/* Checks spec end to end without committing: parameters, templates, SQL
 * (queries are planned with EXPLAIN against the current schemas; other
 * statements are only split and rendered), tables read and written,
 * landing prefixes and commands.  *report: {"pipeline","ok","checks":[...],
 * "reads":[...],"writes":[...],"errors":[...]}; KO_OK even when checks
 * fail (see "ok"). */
ko_status ko_pipe_dry_run(const ko_pipe_env *env, const ko_pipe_spec *spec, const char *params,
                          json_t **report, ko_err *err);

/* The built-in maintenance: per table, snapshot expiry and orphan file
 * removal by the table's retention properties (rejects tables are tables
 * too); run logs of runs finished more than log_retention_ms ago are
 * deleted.  *report lists what was done. */
ko_status ko_pipe_maintenance(const ko_pipe_env *env, int64_t log_retention_ms, json_t **report,
                              ko_err *err);

/* ----------------------------------------------------------------- workers */

typedef struct ko_pipe_worker_opts {
    const char *warehouse_uri;
    const char *catalog_uri;
    const char *pipelines_dir; /* NULL: KOROLEV_PIPELINES, else ./pipelines */
    int concurrency;           /* executor threads; default 1 */
    int64_t lease_ms;          /* default 30000 (KOROLEV_LEASE_MS) */
    int64_t poll_ms;           /* scheduler tick and idle claim interval; default 1000 */
    bool no_scheduler;         /* executors only */
    const char *worker_id;     /* NULL: host:pid */
} ko_pipe_worker_opts;

typedef struct ko_pipe_worker ko_pipe_worker;

/* Starts the scheduler thread and the executors (for `korolev serve` and
 * `korolev worker`).  Stop with ko_pipe_worker_stop, which lets running
 * attempts finish. */
ko_status ko_pipe_worker_start(const ko_pipe_worker_opts *o, ko_pipe_worker **out, ko_err *err);
void ko_pipe_worker_stop(ko_pipe_worker *w);
/* In the calling thread: ticks once, then claims and runs attempts until
 * none is ready; *ran (may be NULL) counts them. */
ko_status ko_pipe_worker_once(const ko_pipe_worker_opts *o, size_t *ran, ko_err *err);

/* --------------------------------------------------------------- JSON API */

/* For the server and the CLI (new references):
 *   run     {"id","pipeline","state","trigger","logical-date","attempt",
 *            "max-attempts","worker","created","started","finished",
 *            "error","params","inputs","outputs"}
 *   runs    [run...] newest first
 *   alerts  [{"id","kind","object","message","run-id","created"}]
 *   specs   [{"name","owner","file","triggers","steps","outputs"}] */
json_t *ko_pipe_run_to_json(const ko_cat_run *r);
ko_status ko_pipe_runs_json(ko_cat *cat, const char *pipeline, const char *state, size_t limit,
                            json_t **out, ko_err *err);
ko_status ko_pipe_run_json(ko_cat *cat, const char *id, json_t **out, ko_err *err);
ko_status ko_pipe_alerts_json(ko_cat *cat, size_t limit, json_t **out, ko_err *err);
ko_status ko_pipe_specs_json(const char *dir, json_t **out, ko_err *err);
/* The logs of every attempt of run id, from the warehouse store. */
ko_status ko_pipe_logs(ko_store *store, const char *id, ko_buf *out, ko_err *err);

#endif /* KO_PIPELINE_H */
