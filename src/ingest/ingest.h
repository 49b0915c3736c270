/*
 * ingest.h - JSON lines, CSV and Parquet into Iceberg tables, with strict
 * schema enforcement, a rejects table and exact record accounting.
 *
 * A session (ko_ingest) appends the records of one or more sources to one
 * table in ONE snapshot.  Sources are streamed: the caller feeds bytes in
 * chunks of any size (a file read piece by piece, an HTTP body as it
 * arrives); records are parsed, coerced to the table's current schema,
 * shredded into column batches (at most batch_rows rows, default 65,536),
 * and the batches go to Parquet data files (ko_ice_table_writer: files
 * roll at write.target-file-size-bytes, buffers are bounded), so memory
 * does not grow with the input.  Nothing is visible until ko_ingest_finish
 * commits; a crash leaves unreferenced files for ko_ice_table_remove_files.
 *
 * Records.  JSON lines: one JSON value per line, LF or CRLF; a UTF-8 BOM
 * at the start of a source is skipped; lines holding only blanks are not
 * records (counted as blank-lines); a line longer than max_line_bytes is
 * rejected (line_too_long) without being buffered whole; a last line
 * without LF is a record like any other (if it is cut short it fails to
 * parse: reason "truncated").  CSV: RFC 4180 records (fields separated by
 * the delimiter, default ','; quoted with the quote, default '"'; a quote
 * inside a quoted field doubled; CR, LF and delimiters inside quoted
 * fields kept), records end at LF or CRLF; with a header (default) the
 * first record names the columns, else columns are the table's top-level
 * fields in order.  A record with another number of fields than the
 * header is rejected (ragged_row); a stray quote in an unquoted field or
 * text after a closing quote is csv_syntax; an empty line is not a
 * record (blank-lines); a quoted field still open at the end of the
 * source is rejected as "truncated".  Parquet: the file's columns are
 * matched to the table's by field id, else by name, as ko_ice_table_write_
 * files does; a file that does not fit fails the ingest (Parquet has no
 * per-record rejects: its schema is checked as a whole).
 *
 * Coercion rules (value -> column type).  Anything not listed is a
 * reject; a value is never rounded, truncated or otherwise altered.
 *   boolean     JSON true/false.  CSV: true, false, t, f, 1, 0 (letters
 *               in any case).
 *   int, long   a JSON number (CSV: text in JSON number syntax) whose
 *               exact value is integral ("3", "3.0", "3e2"; not "3.5":
 *               not_integral) and in the type's range (out_of_range).
 *   float,      a JSON number (CSV: JSON number syntax) converted to the
 *   double      nearest binary value; overflow to infinity is
 *               out_of_range; the strings "NaN", "Infinity", "-Infinity".
 *   decimal(P,S) a JSON number (CSV: JSON number syntax; JSON strings are
 *               wrong_type) read exactly: more significant fractional
 *               digits than S is decimal_scale (trailing zeros beyond S
 *               are fine: the value is unchanged), more than P digits
 *               out_of_range.
 *   string      a JSON string (CSV: the field's text); must be valid
 *               UTF-8 (invalid_utf8).  JSON numbers are wrong_type.
 *   date        "YYYY-MM-DD".
 *   time        "HH:MM:SS" with an optional fraction of up to 6 digits.
 *   timestamp   ISO-8601 "YYYY-MM-DD[(T| )HH:MM[:SS[.f]]]": no zone for
 *               timestamp; for timestamptz an optional zone ("Z",
 *               "+HH:MM", "+HHMM", "+HH"; none means UTC).  At most 6
 *               fraction digits (9 for the _ns types): more would round.
 *   uuid        the canonical 36-character text.
 *   binary,     base64 text (standard alphabet, padded); fixed[L] needs
 *   fixed[L]    exactly L bytes.
 *   struct      a JSON object (CSV: the field's text is JSON), fields by
 *               exact name; list: a JSON array; map: a JSON object (keys
 *               coerced from their text) or an array of {"key","value"}.
 * Null and absence: JSON null or a missing member (CSV: an unquoted empty
 * field, or a column absent from the header) is null; in a required field
 * it is null_in_required / missing_field.  A quoted empty CSV field is the
 * empty string.  Members the table lacks are unknown_field (policy
 * KO_INGEST_UNKNOWN_REJECT, the default) or skipped (..._IGNORE); a JSON
 * object naming a member twice is duplicate_field.  A string or binary
 * value longer than max_value_bytes is value_too_long.  Names match
 * exactly (case-sensitive).
 *
 * Reject reasons (the `reason` column; `detail` says more):
 *   invalid_json, invalid_utf8, line_too_long, truncated, not_an_object,
 *   duplicate_field, unknown_field, missing_field, null_in_required,
 *   wrong_type, not_integral, out_of_range, invalid_value, decimal_scale,
 *   value_too_long, ragged_row, csv_syntax.
 *
 * Rejects table.  <ns>.<table>__rejects, created on the first reject,
 * columns: ingest_id, source, line (1-based, of the record's first line),
 * byte_offset (of the record in its source), record (the raw record, at
 * most 4 KiB, cut at a character boundary; invalid UTF-8 bytes shown as
 * U+FFFD), record_bytes (its full size), field (dotted path, "tags[2]" for
 * list items; null when the record as a whole is wrong), reason, detail,
 * rejected_at.  Every record of a source is exactly one of: written,
 * rejected (one row in the rejects table), and received = written +
 * rejected.
 *
 * Accounting and commits.  Each ingest has an id (UUID) and a catalog
 * record (ko_cat_ingest_*): status, received, written, rejected, bytes,
 * blank-lines, sources with their own counts, rejects by reason, the
 * snapshot ids of the table and the rejects table.  finish commits the
 * rejects first (a snapshot of the rejects table), then the data (one
 * append snapshot of the table, even when empty), each snapshot's summary
 * carrying korolev.ingest-id and the counts; then the record is marked
 * succeeded (audit "ingest.succeeded").  With max_reject_ratio set, a
 * batch whose rejected/received exceeds it fails: NOTHING is committed
 * (neither rows nor rejects; the files are deleted), the record says
 * failed with the counts, the rejects by reason and the first rejects as
 * samples.
 *
 * Idempotency.  With an idempotency key, open claims the key in the
 * catalog (unique; see catalog.h for the states).  A key that already
 * succeeded or failed gives a replayed session: what is fed is ignored,
 * and finish returns the first record with "replayed": true, writing
 * nothing.  A key held by
 * a live ingest is KO_ERR_CONFLICT.  An ingest that stopped on an error
 * (aborted) or whose owner died (its heartbeat older than lease_ms, the
 * owner renews it while it works) is run again under the same id by the
 * next claim, which first looks for korolev.ingest-id in the snapshots of
 * the table: found means the crashed owner did commit, and the record is
 * rebuilt from that snapshot's summary instead of writing again; found in
 * the rejects table only means the rejects commit is skipped.  Before each
 * commit the owner re-checks its claim (the attempt number fences a
 * stalled owner out), so a claim lost to a takeover commits nothing.
 *
 * Truncated input.  The library cannot tell a complete body from a cut
 * one: a caller that knows the input was cut (a connection lost before
 * the end of a chunked body) calls ko_ingest_abort, which commits nothing
 * and records the ingest as aborted with the reason given.
 *
 * Errors name the source, line and field.  Threads: a session is used by
 * one thread at a time; with opts.threads >= 2 it runs a writer thread of
 * its own that encodes and writes full batches while the caller's thread
 * parses the next one (bgwrite.c).
 */
#ifndef KO_INGEST_H
#define KO_INGEST_H

#include <jansson.h>

#include "base/base.h"
#include "catalog/catalog.h"
#include "iceberg/iceberg.h"

typedef enum ko_ingest_format {
    KO_INGEST_AUTO = 0, /* from the source name's extension */
    KO_INGEST_JSONL,
    KO_INGEST_CSV,
    KO_INGEST_PARQUET,
} ko_ingest_format;

typedef enum ko_ingest_unknown {
    KO_INGEST_UNKNOWN_REJECT = 0,
    KO_INGEST_UNKNOWN_IGNORE,
} ko_ingest_unknown;

/* Running counts, for progress reports. */
typedef struct ko_ingest_counts {
    int64_t received, written, rejected, blank_lines;
    int64_t bytes; /* input bytes consumed */
} ko_ingest_counts;

typedef struct ko_ingest_opts {
    bool csv_no_header;               /* default: the first record is a header */
    char csv_delimiter;               /* 0: ',' */
    char csv_quote;                   /* 0: '"' */
    const char *idempotency_key;      /* NULL: none */
    double max_reject_ratio;          /* used when has_max_reject_ratio */
    bool has_max_reject_ratio;        /* 0 <= ratio <= 1 */
    ko_ingest_unknown unknown_fields; /* default reject */
    size_t max_line_bytes;            /* 0: 16 MiB (a JSON line, a CSV record) */
    size_t max_value_bytes;           /* 0: 8 MiB (a string or binary value) */
    size_t batch_rows;                /* 0: 65,536 rows per column batch */
    int threads;                      /* 2 or more: a second thread encodes and writes
                                         full batches while records are parsed
                                         (two batches in memory); 0, 1: one thread */
    int64_t lease_ms;                 /* 0: 300,000 (5 minutes) */
    const char *principal;            /* audit principal (NULL: anonymous) */
    /* Called after every flushed batch (may be NULL). */
    void (*progress)(void *ctx, const ko_ingest_counts *c);
    void *progress_ctx;
} ko_ingest_opts;

typedef struct ko_ingest ko_ingest;

/* Starts an ingest into ns.name (which must exist): loads the table,
 * makes the ingest id and claims it (and the key) in cat.  wh and cat are
 * borrowed and must outlive the session; opts may be NULL. */
ko_status ko_ingest_open(const ko_ice_warehouse *wh, ko_cat *cat, const char *ns, const char *name,
                         const ko_ingest_opts *opts, ko_ingest **out, ko_err *err);
/* The ingest id (UUID text). */
const char *ko_ingest_id(const ko_ingest *in);
/* True when the key had already finished: nothing will be written. */
bool ko_ingest_replayed(const ko_ingest *in);
/* Counts so far. */
ko_ingest_counts ko_ingest_progress(const ko_ingest *in);

/* Starts a streamed source (JSON lines or CSV; AUTO: by name's extension
 * .jsonl/.ndjson/.json or .csv/.tsv (tab-delimited)).  name is recorded
 * in rejects ("request" for a body). */
ko_status ko_ingest_source_begin(ko_ingest *in, const char *name, ko_ingest_format format,
                                 ko_err *err);
/* Feeds the next bytes of the current source. */
ko_status ko_ingest_feed(ko_ingest *in, const void *data, size_t n, ko_err *err);
/* Ends the current source (its last record is processed). */
ko_status ko_ingest_source_end(ko_ingest *in, ko_err *err);

/* Adds a Parquet file (r is borrowed for the call). */
ko_status ko_ingest_parquet(ko_ingest *in, ko_pq_reader *r, const char *name, ko_err *err);

/* Reads a whole source through the store (a path, file://, s3://, gs://
 * URI; "-" is standard input), in chunks: JSON lines, CSV or Parquet. */
ko_status ko_ingest_uri(ko_ingest *in, const char *uri, ko_ingest_format format, ko_err *err);

/* Commits (see above) and ends the session, freeing it.  *record (a new
 * reference, may be NULL) receives the ingest record, also for a failed
 * ingest (status "failed", KO_OK returned: the ratio verdict is a result,
 * not an error).  On an error the ingest is recorded as aborted. */
ko_status ko_ingest_finish(ko_ingest *in, json_t **record, ko_err *err);

/* Ends the session without committing: deletes written files, records
 * the ingest as aborted with why (may be NULL), frees it. */
void ko_ingest_abort(ko_ingest *in, const char *why);

/* Parses "jsonl", "csv", "parquet" (also "json", "ndjson"). */
bool ko_ingest_format_parse(const char *s, ko_ingest_format *out);

/* A ko_ice_catalog over a ko_cat (the binding the CLI and server use):
 * ctx points at a ko_ingest_catalog that must outlive the warehouse. */
typedef struct ko_ingest_catalog {
    ko_cat *cat;
    const char *principal;
    ko_ice_catalog icat;
} ko_ingest_catalog;

void ko_ingest_catalog_bind(ko_ingest_catalog *c, ko_cat *cat, const char *principal);

#endif /* KO_INGEST_H */
