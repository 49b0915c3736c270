/*
 * ingest_int.h - what the files of the ingest layer share:
 *
 *   json.c    one JSON text -> a small tree (exact number text kept)
 *   split.c   streaming record splitters: JSON lines and RFC 4180 CSV
 *   coerce.c  one value (JSON node or CSV text) -> a column's bytes
 *   shred.c   records -> Dremel column batches, with rollback on reject
 *   bgwrite.c a thread writing full batches while the next one fills
 *   rejects.c the <table>__rejects table
 *   ingest.c  the session: sources, batches, accounting, commits
 *
 * json.c and split.c depend on base/ only (the fuzz targets build them
 * alone).
 */
#ifndef KO_INGEST_INT_H
#define KO_INGEST_INT_H

#include "ingest/ingest.h"

/* ------------------------------------------------------------ reasons */

typedef enum ki_reason {
    KI_OK = 0,
    KI_INVALID_JSON,
    KI_INVALID_UTF8,
    KI_LINE_TOO_LONG,
    KI_TRUNCATED,
    KI_NOT_AN_OBJECT,
    KI_DUPLICATE_FIELD,
    KI_UNKNOWN_FIELD,
    KI_MISSING_FIELD,
    KI_NULL_IN_REQUIRED,
    KI_WRONG_TYPE,
    KI_NOT_INTEGRAL,
    KI_OUT_OF_RANGE,
    KI_INVALID_VALUE,
    KI_DECIMAL_SCALE,
    KI_VALUE_TOO_LONG,
    KI_RAGGED_ROW,
    KI_CSV_SYNTAX,
    KI_N_REASONS,
} ki_reason;

const char *ki_reason_name(ki_reason r);

enum { KI_DETAIL_MAX = 240 };

/* Why a record failed: reason, detail text, field path ("" for none). */
typedef struct ki_fail {
    ki_reason reason;
    char detail[KI_DETAIL_MAX];
    char field[KI_DETAIL_MAX];
} ki_fail;

ki_reason ki_failf(ki_fail *f, ki_reason r, const char *fmt, ...) KO_PRINTF(3, 4);

/* Whether s[0..n) is a number in JSON syntax, exactly. */
bool ki_number_syntax(const char *s, size_t n);

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF);
 * *bad receives the offset of the first bad byte. */
bool ki_utf8_valid(const uint8_t *s, size_t n, size_t *bad);

/* --------------------------------------------------------------- json */

typedef enum ki_jtype {
    KI_J_NULL,
    KI_J_FALSE,
    KI_J_TRUE,
    KI_J_NUM,
    KI_J_STR,
    KI_J_ARR,
    KI_J_OBJ,
} ki_jtype;

/* A node.  Children of arrays and objects are linked by `next` (node
 * index, 0 = none: node 0 is always the root).  NUM: the number's text in
 * the input (off/len into the text parsed); STR: the unescaped bytes
 * (ki_jstr(doc, off), len: in the text itself when it has no escape, else
 * in doc->strs).  Object members carry their key in key_off/key_len (also
 * through ki_jstr).  Valid while the text parsed is. */
typedef struct ki_jnode {
    uint8_t type;
    uint32_t n;     /* children */
    uint32_t first; /* first child (0: none) */
    uint32_t next;
    uint32_t last; /* last child, while building */
    size_t off, len;
    size_t key_off, key_len;
} ki_jnode;

typedef struct ki_json {
    ko_buf nodes; /* ki_jnode[] */
    ko_buf strs;
    const char *text;   /* the text last parsed (borrowed) */
    uint32_t max_depth; /* 0: 128 */
} ki_json;

/* Parses one JSON text s[0..n) (surrounding blanks allowed) into doc,
 * replacing what it held.  Strings are checked to be valid UTF-8 (and \u
 * escapes to be proper pairs); objects naming a member twice are
 * duplicate_field.  On failure returns the reason (invalid_json,
 * invalid_utf8, duplicate_field) and fills f; KI_OK otherwise.  *nomem
 * is set when an allocation failed. */
ki_reason ki_json_parse(ki_json *doc, const char *s, size_t n, ki_fail *f, bool *nomem);
void ki_json_free(ki_json *doc);

static inline const ki_jnode *ki_jnode_at(const ki_json *d, uint32_t i)
{
    return (const ki_jnode *)d->nodes.data + i;
}
/* A string offset with this bit set points into the text parsed (a string
 * without escapes is not copied), else into doc->strs. */
#define KI_JSTR_TEXT ((size_t)1 << (sizeof(size_t) * 8 - 1))
static inline const char *ki_jstr(const ki_json *d, size_t off)
{
    if (off & KI_JSTR_TEXT)
        return d->text + (off & ~KI_JSTR_TEXT);
    return (const char *)d->strs.data + off;
}

/* ------------------------------------------------------------- split */

/* One record found by a splitter.  For CSV, fields[i] (n_fields) point
 * into splitter-owned memory valid during the callback. */
typedef struct ki_field {
    const char *p;
    size_t len;
    bool quoted;
    uint8_t loc; /* splitter's own: where p points while splitting */
} ki_field;

typedef struct ki_rec {
    const char *raw; /* the record's raw bytes (at most raw_len, may be cut) */
    size_t raw_len;
    uint64_t raw_size; /* full size in bytes */
    uint64_t line;     /* 1-based line where it starts */
    uint64_t offset;   /* byte offset in the source */
    ki_reason error;   /* a splitting error: line_too_long, csv_syntax, truncated */
    const char *error_detail;
    ki_field *fields; /* CSV */
    size_t n_fields;
} ki_rec;

typedef ko_status (*ki_rec_fn)(void *ctx, const ki_rec *rec, ko_err *err);

/* JSON lines: calls fn for every non-blank line (without its CR LF) and
 * for lines over max_line (error line_too_long, raw = their start). */
typedef struct ki_lines {
    size_t max_line;
    ko_buf carry;  /* an incomplete line */
    bool skipping; /* inside an oversize line */
    bool started;  /* past a possible BOM */
    uint64_t skip_size, line, offset, blank;
    uint64_t rec_line, rec_offset;
} ki_lines;

void ki_lines_init(ki_lines *l, size_t max_line);
ko_status ki_lines_feed(ki_lines *l, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx,
                        ko_err *err);
ko_status ki_lines_end(ki_lines *l, ki_rec_fn fn, void *ctx, ko_err *err);
void ki_lines_free(ki_lines *l);

/* CSV (RFC 4180), in runs of bytes across chunks.  delim and quote may
 * be changed before the first feed. */
typedef struct ki_csv {
    char delim, quote;
    size_t max_record;
    int state;
    bool started, overflow, bad;
    int bom; /* BOM bytes matched so far, before started */
    const char *bad_detail;
    ko_buf data;        /* unescaped field bytes */
    ko_buf fields;      /* ki_field with p as offset into data */
    size_t field_start; /* offset in data of the field being split */
    ko_buf spill;       /* bytes of fields that pointed into a chunk that ended */
    ko_buf raw;         /* raw bytes of a record that spans chunks (up to max_record) */
    uint64_t raw_size;  /* bytes of the current record so far (in earlier chunks while feeding) */
    uint64_t line, offset, rec_line, rec_offset, blank;
    uint8_t cls[256]; /* byte classes of unquoted fields */
    char cls_delim, cls_quote;
    bool cls_ready;
} ki_csv;

void ki_csv_init(ki_csv *c, char delim, char quote, size_t max_record);
ko_status ki_csv_feed(ki_csv *c, const uint8_t *p, size_t n, ki_rec_fn fn, void *ctx, ko_err *err);
ko_status ki_csv_end(ki_csv *c, ki_rec_fn fn, void *ctx, ko_err *err);
void ki_csv_free(ki_csv *c);

/* ------------------------------------------------------------- coerce */

/* Where a value comes from. */
typedef enum ki_src {
    KI_SRC_NUM,  /* a JSON number's text */
    KI_SRC_STR,  /* a JSON string's bytes */
    KI_SRC_BOOL, /* a JSON true/false: text "true"/"false" */
    KI_SRC_TEXT, /* a CSV field's text (or a map key) */
} ki_src;

/* Converts a value to the column representation of type t (physical type
 * phys, type_length for FIXED): fixed-width results go to out (at most 16
 * bytes, *out_len set), byte results to *bytes and *out_len (pointing at s or
 * into scratch).  Returns KI_OK or a reason (f filled). */
ki_reason ki_coerce(const ko_ice_type *t, ko_pq_type phys, int32_t type_length, ki_src src,
                    const char *s, size_t n, size_t max_value, uint8_t out[16],
                    const uint8_t **bytes, size_t *out_len, ko_buf *scratch, ki_fail *f);

/* -------------------------------------------------------------- shred */

typedef struct ki_plan ki_plan;
struct ki_plan {
    const ko_ice_field *field;
    int16_t def;  /* definition level of a present value here */
    int16_t rep;  /* repetition level of the enclosing repeated field */
    int32_t leaf; /* primitives: leaf index; else -1 */
    uint32_t first_leaf, n_leaves;
    ki_plan *kids; /* struct fields; list: element; map: key, value */
    uint32_t n_kids;
};

typedef struct ki_mark {
    size_t n, n_values, def, rep, values, offsets;
} ki_mark;

/* The shredder: a plan over the table's Parquet leaves and the batch. */
typedef struct ki_shred {
    ki_plan root; /* the schema's top-level struct (required) */
    ko_pq_column *cols;
    uint32_t n_cols;
    ki_mark *marks;
    size_t rows;
    size_t max_value;
    bool ignore_unknown;
    ko_buf scratch;
    ki_json sub; /* CSV nested fields */
    /* path of the value being shredded, for messages */
    const char *path_name[64];
    int64_t path_idx[64];
    int depth;
} ki_shred;

/* Builds the plan for schema over pq (the writer's Parquet schema) and
 * initialises one column per leaf; checks that levels agree. */
ko_status ki_shred_init(ki_shred *s, const ko_ice_schema *schema, const ko_pq_schema *pq,
                        ko_arena *arena, ko_err *err);
void ki_shred_free(ki_shred *s);
/* Appends one record (a parsed JSON document) or rejects it: on a reject
 * the columns are as before and f says why.  *nomem on allocation failure. */
ki_reason ki_shred_json(ki_shred *s, const ki_json *doc, ki_fail *f, bool *nomem);
/* Appends one CSV record: field_col[k] is the CSV column of top-level
 * field k (-1: none, the field is absent). */
ki_reason ki_shred_csv(ki_shred *s, const ki_rec *rec, const int32_t *field_col, ki_fail *f,
                       bool *nomem);
/* Empties the batch (keeps memory). */
void ki_shred_reset(ki_shred *s);
/* Approximate bytes held by the batch. */
size_t ki_shred_bytes(const ki_shred *s);

/* ------------------------------------------------------------ bgwrite */

/* A thread that writes full batches to the table writer while the
 * session fills the next one (bgwrite.c). */
typedef struct ki_bgw ki_bgw;
ko_status ki_bgw_start(ko_ice_table_writer *w, ki_bgw **out, ko_err *err);
/* Waits until the batch in flight is written, then hands s over (the
 * caller must not touch s until the next submit or wait returns; the
 * thread resets it).  Returns the first write error instead, if any. */
ko_status ki_bgw_submit(ki_bgw *b, ki_shred *s, ko_err *err);
/* Waits until nothing is in flight; the first write error, if any. */
ko_status ki_bgw_wait(ki_bgw *b, ko_err *err);
/* Waits, stops the thread and frees b (NULL: nothing). */
void ki_bgw_stop(ki_bgw *b);

/* ------------------------------------------------------------ rejects */

typedef struct ki_rejects ki_rejects;

/* One rejected record. */
typedef struct ki_reject_row {
    const char *source;
    const ki_rec *rec;
    const ki_fail *fail;
} ki_reject_row;

/* Lazily creates/loads ns.<name>__rejects and writes reject rows. */
ko_status ki_rejects_open(const ko_ice_warehouse *wh, const char *ns, const char *table,
                          const char *ingest_id, ki_rejects **out, ko_err *err);
ko_status ki_rejects_add(ki_rejects *r, const ki_reject_row *row, ko_err *err);
/* Whether a snapshot of the rejects table (loaded if it exists) carries
 * the ingest id; *sid receives it. */
ko_status ki_rejects_committed(ki_rejects *r, bool *found, int64_t *sid, ko_err *err);
/* Commits the rows written (if any) with summary; *sid the snapshot. */
ko_status ki_rejects_commit(ki_rejects *r, const ko_ice_kv *summary, uint32_t n_summary,
                            int64_t *sid, ko_err *err);
const char *ki_rejects_table_name(const ki_rejects *r);
void ki_rejects_close(ki_rejects *r); /* aborts uncommitted files */

/* Whether a snapshot of t carries korolev.ingest-id = id (the newest). */
const ko_ice_snapshot *ki_find_ingest_snapshot(const ko_ice_table *t, const char *id);

/* Deletes the files of data file entries (best effort). */
void ki_delete_files(const ko_ice_warehouse *wh, const ko_ice_data_file *files, size_t n);

#endif /* KO_INGEST_INT_H */
