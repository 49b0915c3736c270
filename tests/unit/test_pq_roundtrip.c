/*
 * test_pq_roundtrip.c - property test of the Parquet writer and reader.
 *
 * Random schemas get random records, shredded into Dremel columns by the
 * small reference shredder below, written with ko_pq_writer under random
 * options (codec, page and row-group sizes, dictionary on or off) and read
 * back with ko_pq_reader: every row group's levels and values must equal
 * what was written.
 *
 * Schemas nest up to four levels of structs (optional, required, repeated
 * groups), proper LIST groups (3-level, LIST-annotated) and MAP groups
 * (MAP-annotated, repeated key_value {required key, value}).  Leaves have
 * every physical type and every logical or converted type the writer
 * handles: STRING, ENUM, JSON, BSON, UUID, DATE, TIME and TIMESTAMP in each
 * unit (UTC or local), DECIMAL on INT32/INT64/FLBA/BYTE_ARRAY, INTEGER of
 * each width and signedness, FLOAT16, INTERVAL, INT96 and UNKNOWN (always
 * null); values stay in the ranges their types allow, floats include NaN,
 * -0.0 and infinities, strings are valid UTF-8 (with quotes, escapes and
 * multibyte characters), map keys are unique within a map.  Every optional
 * node draws its own null rate (sometimes 100%: all-null columns), every
 * repeated node its own list lengths and rate of empty lists; some cases
 * have no rows at all.  A separate case writes one 50 MiB string.
 *
 * Where DuckDB (the reference reader of the integration test) cannot
 * follow, the generator stays within its reach: BSON carries only its
 * LogicalType (DuckDB rejects the converted type BSON), and INT96 values
 * and UTC TIME/TIMESTAMP in nanoseconds are whole microseconds (DuckDB
 * reads those as microseconds).
 *
 * Seeds are fixed so failures reproduce; set KO_PQ_SEED to run that one
 * random case alone.
 * KO_PQ_KEEP=DIR keeps the files in DIR, so that other readers (DuckDB,
 * hyparquet, `korolev parquet cat`) can be pointed at the same data: see
 * tests/integration/parquet_property.sh.
 */
#include "testutil.h"

#include "parquet/parquet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_ELEMS = 128,
    MAX_DEPTH = 4,         /* structs, lists and maps around a leaf */
    MAX_ENTRIES = 300000,  /* levels per file, all columns: stop adding records */
    BIG_STRING = 50 << 20, /* the one huge value */
    N_CASES = 200,
};

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}

static int below(rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

/* A uniform integer in [lo, hi]. */
static int64_t between(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next(r) % ((uint64_t)(hi - lo) + 1));
}

/* ---------------------------------------------------------- random schema */

/* What a leaf holds; decides its annotations and how values are drawn. */
typedef enum leaf_kind {
    LK_BOOL,
    LK_I32,
    LK_I64,
    LK_FLOAT,
    LK_DOUBLE,
    LK_BINARY,
    LK_FLBA,
    LK_STRING,
    LK_ENUM,
    LK_JSON,
    LK_BSON,
    LK_UUID,
    LK_DATE,
    LK_TIME,
    LK_TIMESTAMP,
    LK_DECIMAL,
    LK_INTEGER,
    LK_FLOAT16,
    LK_INTERVAL,
    LK_INT96,
    LK_NULL, /* UNKNOWN logical type: always null */
    LK_COUNT
} leaf_kind;

typedef struct gen_schema {
    ko_pq_schema_element els[MAX_ELEMS];
    char names[MAX_ELEMS][16];
    uint8_t kind[MAX_ELEMS];      /* leaves: leaf_kind */
    uint8_t null_pct[MAX_ELEMS];  /* optional nodes: chance of a null, percent */
    uint8_t empty_pct[MAX_ELEMS]; /* repeated nodes: chance of an empty list */
    uint8_t max_list[MAX_ELEMS];  /* repeated nodes: longest list */
    bool map_key[MAX_ELEMS];      /* leaves: key of a map, unique per map */
    uint32_t n;
} gen_schema;

static const ko_pq_logical NO_LOGICAL = {0};

static uint32_t add_elem(rng *r, gen_schema *g, const char *name, ko_pq_repetition rep)
{
    uint32_t i = g->n++;
    ko_pq_schema_element *e = &g->els[i];
    memset(e, 0, sizeof *e);
    e->converted = KO_PQ_CT_NONE;
    if (name)
        snprintf(g->names[i], sizeof g->names[i], "%s", name);
    else
        snprintf(g->names[i], sizeof g->names[i], "c%u", i);
    e->name = g->names[i];
    e->has_repetition = true;
    e->repetition = rep;
    e->has_field_id = true;
    e->field_id = (int32_t)i;
    int p = below(r, 8);
    g->null_pct[i] = (uint8_t)(p == 0 ? 100 : p == 1 ? 0 : below(r, 60));
    g->empty_pct[i] = (uint8_t)(below(r, 3) == 0 ? 0 : below(r, 50));
    g->max_list[i] = (uint8_t)(below(r, 10) == 0 ? 12 : 1 + below(r, 4));
    return i;
}

static void set_type(ko_pq_schema_element *e, ko_pq_type t, int32_t len)
{
    e->has_type = true;
    e->type = t;
    e->type_length = len;
}

static void annotate(ko_pq_schema_element *e, ko_pq_logical lt, ko_pq_converted ct)
{
    e->logical = lt;
    e->converted = ct;
}

/* Decimal digits that always fit n bytes of two's complement. */
static int flba_precision(int n)
{
    static const int p[] = {0, 2, 4, 6, 9, 11, 14, 16, 18, 21, 23, 26, 28, 31, 33, 35, 38};
    return p[n];
}

static void gen_decimal_leaf(rng *r, ko_pq_schema_element *e)
{
    static const ko_pq_type types[] = {KO_PQ_INT32, KO_PQ_INT64, KO_PQ_FIXED_LEN_BYTE_ARRAY,
                                       KO_PQ_BYTE_ARRAY};
    ko_pq_type t = types[below(r, 4)];
    int len = t == KO_PQ_FIXED_LEN_BYTE_ARRAY ? 1 + below(r, 16) : 0;
    int maxp = t == KO_PQ_INT32 ? 9 : t == KO_PQ_INT64 ? 18 : len ? flba_precision(len) : 38;
    int prec = 1 + below(r, maxp), scale = below(r, prec + 1);
    set_type(e, t, len);
    ko_pq_logical lt = {.kind = KO_PQ_LT_DECIMAL, .precision = prec, .scale = scale};
    annotate(e, lt, KO_PQ_CT_DECIMAL);
    e->precision = prec;
    e->scale = scale;
}

static void gen_integer_leaf(rng *r, ko_pq_schema_element *e)
{
    static const ko_pq_converted sct[] = {KO_PQ_CT_INT_8, KO_PQ_CT_INT_16, KO_PQ_CT_INT_32,
                                          KO_PQ_CT_INT_64};
    static const ko_pq_converted uct[] = {KO_PQ_CT_UINT_8, KO_PQ_CT_UINT_16, KO_PQ_CT_UINT_32,
                                          KO_PQ_CT_UINT_64};
    int w = below(r, 4);
    bool sig = below(r, 2);
    set_type(e, w == 3 ? KO_PQ_INT64 : KO_PQ_INT32, 0);
    ko_pq_logical lt = {.kind = KO_PQ_LT_INTEGER, .bit_width = (int8_t)(8 << w), .is_signed = sig};
    annotate(e, lt, sig ? sct[w] : uct[w]);
}

/* TIME and TIMESTAMP: the converted type exists only for UTC millis and
 * micros (LogicalTypes.md). */
static void gen_temporal_leaf(rng *r, ko_pq_schema_element *e, bool stamp)
{
    ko_pq_time_unit unit = (ko_pq_time_unit)(1 + below(r, 3));
    bool utc = below(r, 2);
    set_type(e, !stamp && unit == KO_PQ_MILLIS ? KO_PQ_INT32 : KO_PQ_INT64, 0);
    ko_pq_logical lt = {
        .kind = stamp ? KO_PQ_LT_TIMESTAMP : KO_PQ_LT_TIME, .utc = utc, .unit = unit};
    ko_pq_converted ct = KO_PQ_CT_NONE;
    if (utc && unit == KO_PQ_MILLIS)
        ct = stamp ? KO_PQ_CT_TIMESTAMP_MILLIS : KO_PQ_CT_TIME_MILLIS;
    if (utc && unit == KO_PQ_MICROS)
        ct = stamp ? KO_PQ_CT_TIMESTAMP_MICROS : KO_PQ_CT_TIME_MICROS;
    annotate(e, lt, ct);
}

/* Byte-array leaves: plain binary, STRING, ENUM, JSON, BSON. */
static void gen_bytes_leaf(ko_pq_schema_element *e, leaf_kind k)
{
    static const ko_pq_logical_kind lk[] = {[LK_STRING] = KO_PQ_LT_STRING,
                                            [LK_ENUM] = KO_PQ_LT_ENUM,
                                            [LK_JSON] = KO_PQ_LT_JSON,
                                            [LK_BSON] = KO_PQ_LT_BSON};
    static const ko_pq_converted ct[] = {[LK_STRING] = KO_PQ_CT_UTF8,
                                         [LK_ENUM] = KO_PQ_CT_ENUM,
                                         [LK_JSON] = KO_PQ_CT_JSON,
                                         /* DuckDB rejects converted type BSON */
                                         [LK_BSON] = KO_PQ_CT_NONE};
    set_type(e, KO_PQ_BYTE_ARRAY, 0);
    if (k != LK_BINARY)
        annotate(e, (ko_pq_logical){.kind = lk[k]}, ct[k]);
}

static void gen_simple_leaf(ko_pq_schema_element *e, leaf_kind k)
{
    static const ko_pq_type types[] = {[LK_BOOL] = KO_PQ_BOOLEAN,
                                       [LK_I32] = KO_PQ_INT32,
                                       [LK_I64] = KO_PQ_INT64,
                                       [LK_FLOAT] = KO_PQ_FLOAT,
                                       [LK_DOUBLE] = KO_PQ_DOUBLE};
    set_type(e, types[k], 0);
}

static void gen_fixed_leaf(rng *r, ko_pq_schema_element *e, leaf_kind k)
{
    switch (k) {
    case LK_FLBA:
        set_type(e, KO_PQ_FIXED_LEN_BYTE_ARRAY, 1 + below(r, 20));
        break;
    case LK_UUID:
        set_type(e, KO_PQ_FIXED_LEN_BYTE_ARRAY, 16);
        annotate(e, (ko_pq_logical){.kind = KO_PQ_LT_UUID}, KO_PQ_CT_NONE);
        break;
    case LK_FLOAT16:
        set_type(e, KO_PQ_FIXED_LEN_BYTE_ARRAY, 2);
        annotate(e, (ko_pq_logical){.kind = KO_PQ_LT_FLOAT16}, KO_PQ_CT_NONE);
        break;
    case LK_INTERVAL:
        set_type(e, KO_PQ_FIXED_LEN_BYTE_ARRAY, 12);
        annotate(e, NO_LOGICAL, KO_PQ_CT_INTERVAL);
        break;
    default: /* LK_INT96 */
        set_type(e, KO_PQ_INT96, 0);
        break;
    }
}

static void gen_leaf_as(rng *r, gen_schema *g, uint32_t i, leaf_kind k)
{
    ko_pq_schema_element *e = &g->els[i];
    g->kind[i] = (uint8_t)k;
    if (k <= LK_DOUBLE)
        gen_simple_leaf(e, k);
    else if (k == LK_BINARY || (k >= LK_STRING && k <= LK_BSON))
        gen_bytes_leaf(e, k);
    else if (k == LK_DATE) {
        set_type(e, KO_PQ_INT32, 0);
        annotate(e, (ko_pq_logical){.kind = KO_PQ_LT_DATE}, KO_PQ_CT_DATE);
    } else if (k == LK_TIME || k == LK_TIMESTAMP)
        gen_temporal_leaf(r, e, k == LK_TIMESTAMP);
    else if (k == LK_DECIMAL)
        gen_decimal_leaf(r, e);
    else if (k == LK_INTEGER)
        gen_integer_leaf(r, e);
    else if (k == LK_NULL) {
        set_type(e, KO_PQ_INT32, 0);
        annotate(e, (ko_pq_logical){.kind = KO_PQ_LT_UNKNOWN}, KO_PQ_CT_NONE);
        e->repetition = KO_PQ_OPTIONAL;
        g->null_pct[i] = 100;
    } else
        gen_fixed_leaf(r, e, k);
}

static void gen_leaf(rng *r, gen_schema *g, uint32_t i)
{
    gen_leaf_as(r, g, i, (leaf_kind)below(r, LK_COUNT));
}

/* A map key: required, of a type whose values can be made unique. */
static void gen_key(rng *r, gen_schema *g)
{
    static const leaf_kind kinds[] = {LK_STRING, LK_I32, LK_I64, LK_DATE, LK_INTEGER};
    uint32_t i = add_elem(r, g, "key", KO_PQ_REQUIRED);
    gen_leaf_as(r, g, i, kinds[below(r, (int)KO_ARRAY_LEN(kinds))]);
    g->map_key[i] = true;
}

static void gen_field(rng *r, gen_schema *g, const char *name, ko_pq_repetition rep, int depth);

static ko_pq_repetition optional_or_required(rng *r)
{
    return below(r, 3) ? KO_PQ_OPTIONAL : KO_PQ_REQUIRED;
}

/* group (LIST) { repeated group list { element } } */
static void gen_list(rng *r, gen_schema *g, uint32_t i, int depth)
{
    annotate(&g->els[i], (ko_pq_logical){.kind = KO_PQ_LT_LIST}, KO_PQ_CT_LIST);
    g->els[i].num_children = 1;
    uint32_t mid = add_elem(r, g, "list", KO_PQ_REPEATED);
    g->els[mid].num_children = 1;
    gen_field(r, g, "element", optional_or_required(r), depth + 1);
}

/* group (MAP) { repeated group key_value { required key; value } } */
static void gen_map(rng *r, gen_schema *g, uint32_t i, int depth)
{
    annotate(&g->els[i], (ko_pq_logical){.kind = KO_PQ_LT_MAP}, KO_PQ_CT_MAP);
    g->els[i].num_children = 1;
    uint32_t kv = add_elem(r, g, "key_value", KO_PQ_REPEATED);
    g->els[kv].num_children = 2;
    gen_key(r, g);
    gen_field(r, g, "value", optional_or_required(r), depth + 1);
}

static void gen_struct(rng *r, gen_schema *g, uint32_t i, int depth)
{
    int kids = 1 + below(r, 3);
    for (int k = 0; k < kids && g->n + 12 < MAX_ELEMS; k++) {
        g->els[i].num_children++;
        gen_field(r, g, NULL, (ko_pq_repetition)below(r, 3), depth + 1);
    }
}

/* A field of any shape; lists and maps are never repeated themselves. */
static void gen_field(rng *r, gen_schema *g, const char *name, ko_pq_repetition rep, int depth)
{
    uint32_t i = add_elem(r, g, name, rep);
    int shape = depth < MAX_DEPTH && g->n + 12 < MAX_ELEMS ? below(r, 7) : 0;
    if (shape <= 3) {
        gen_leaf(r, g, i);
    } else if (shape == 4) {
        gen_struct(r, g, i, depth);
    } else {
        if (rep == KO_PQ_REPEATED)
            g->els[i].repetition = KO_PQ_OPTIONAL;
        if (shape == 5)
            gen_list(r, g, i, depth);
        else
            gen_map(r, g, i, depth);
    }
}

static void gen_schema_random(rng *r, gen_schema *g)
{
    memset(g, 0, sizeof *g);
    ko_pq_schema_element *root = &g->els[0];
    root->name = "schema";
    root->converted = KO_PQ_CT_NONE;
    g->n = 1;
    int cols = 1 + below(r, 5);
    for (int k = 0; k < cols && g->n + 12 < MAX_ELEMS; k++) {
        root->num_children++;
        gen_field(r, g, NULL, (ko_pq_repetition)below(r, 3), 0);
    }
}

/* ------------------------------------------------------------ leaf values */

typedef struct shred_ctx {
    rng *r;
    const gen_schema *g;
    const ko_pq_schema *s;
    ko_pq_column *cols;
    int entry;    /* index of the current instance of the innermost repeated node */
    int key_base; /* drawn per list: map keys are key_base + entry */
    int empty;    /* empty lists shredded */
} shred_ctx;

/* What the cases covered, checked at the end so that the special cases
 * the generator aims for really occur. */
typedef struct coverage {
    int zero_rows;             /* files without records */
    int all_null;              /* columns with entries but no values */
    int empty_lists;           /* empty lists (and maps) */
    int with_values[LK_COUNT]; /* columns with values, by leaf kind */
} coverage;

static void put_fixed(ko_pq_column *c, const void *v, size_t w)
{
    assert_int_equal(ko_buf_append(&c->values, v, w), KO_OK);
    c->n_values++;
}

static void put_bytes(ko_pq_column *c, const void *v, size_t len)
{
    assert_int_equal(ko_buf_append(&c->values, v, len), KO_OK);
    int64_t end = (int64_t)c->values.len;
    assert_int_equal(ko_buf_append(&c->offsets, &end, sizeof end), KO_OK);
    c->n_values++;
}

/* Random bytes, sometimes few distinct ones so that dictionaries form. */
static void random_bytes(rng *r, uint8_t *p, size_t n)
{
    bool narrow = below(r, 2);
    for (size_t i = 0; i < n; i++)
        p[i] = narrow ? (uint8_t)('a' + below(r, 3)) : (uint8_t)next(r);
}

/* An integer of `bits` bits: small, extreme or anywhere in range. */
static uint64_t random_int(rng *r, int bits, bool sig)
{
    uint64_t span = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    uint64_t v;
    switch (below(r, 4)) {
    case 0:
        v = (uint64_t)below(r, 50);
        break;
    case 1:
        v = below(r, 2) ? span : 0;
        break;
    default:
        v = next(r) & span;
    }
    if (sig && bits < 64 && v > span >> 1)
        v |= ~span; /* negative: sign-extend */
    return v;
}

static double random_double(rng *r)
{
    static const double special[] = {0.0, -0.0, INFINITY, -INFINITY, NAN, 5e-324, -1e308};
    int p = below(r, 10);
    if (p == 0)
        return special[below(r, (int)KO_ARRAY_LEN(special))];
    if (p == 1) {
        uint64_t bits = next(r);
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    return (double)(below(r, 2000) - 1000) / 8.0;
}

/* Appends one random valid UTF-8 character; returns its length. */
static size_t utf8_char(rng *r, uint8_t *p)
{
    static const char *const multi[] = {"\xc3\xa9",         "\xe2\x82\xac", "\xe4\xb8\xad",
                                        "\xf0\x9f\x98\x80", "\xc2\x80",     "\xef\xbf\xbf"};
    static const char ascii_odd[] = "\"\\/\n\t\x01\x1f\x7f ,'";
    int p0 = below(r, 20);
    if (p0 == 0) {
        const char *m = multi[below(r, (int)KO_ARRAY_LEN(multi))];
        memcpy(p, m, strlen(m));
        return strlen(m);
    }
    p[0] = p0 == 1 ? (uint8_t)ascii_odd[below(r, (int)sizeof ascii_odd - 1)]
                   : (uint8_t)('a' + below(r, p0 < 10 ? 3 : 26));
    return 1;
}

static size_t random_utf8(rng *r, uint8_t *p, size_t max_chars)
{
    size_t n = 0, chars = (size_t)below(r, (int)max_chars + 1);
    for (size_t i = 0; i < chars; i++)
        n += utf8_char(r, p + n);
    return n;
}

static size_t random_json(rng *r, char *p, size_t cap)
{
    switch (below(r, 5)) {
    case 0:
        return (size_t)snprintf(p, cap, "%d", below(r, 2000) - 1000);
    case 1:
        return (size_t)snprintf(p, cap, "{\"a\":%d,\"b\":[true,null,\"x%d\"]}", below(r, 9),
                                below(r, 99));
    case 2:
        return (size_t)snprintf(p, cap, "[%d,%d.5]", below(r, 99), below(r, 99));
    case 3:
        return (size_t)snprintf(p, cap, "\"s%d\"", below(r, 99));
    default:
        return (size_t)snprintf(p, cap, "{}");
    }
}

/* A minimal BSON document {"a": int32}. */
static size_t random_bson(rng *r, uint8_t *p)
{
    static const uint8_t doc[] = {12, 0, 0, 0, 0x10, 'a', 0, 0, 0, 0, 0, 0};
    memcpy(p, doc, sizeof doc);
    uint32_t v = (uint32_t)next(r);
    memcpy(p + 7, &v, 4);
    return sizeof doc;
}

static void value_bytes(shred_ctx *x, ko_pq_column *c, leaf_kind k)
{
    static const char *const colours[] = {"red", "green", "blue", "\xc3\xa9t\xc3\xa9"};
    uint8_t buf[512];
    size_t len;
    rng *r = x->r;
    if (k == LK_STRING)
        len = random_utf8(r, buf, below(r, 10) == 0 ? 60 : 8);
    else if (k == LK_ENUM)
        len = strlen(strcpy((char *)buf, colours[below(r, 4)]));
    else if (k == LK_JSON)
        len = random_json(r, (char *)buf, sizeof buf);
    else if (k == LK_BSON)
        len = random_bson(r, buf);
    else {
        len = (size_t)below(r, below(r, 10) == 0 ? 60 : 8);
        random_bytes(r, buf, len);
    }
    put_bytes(c, buf, len);
}

/* Unscaled decimal with at most `prec` digits, either sign. */
static __int128 random_unscaled(rng *r, int prec)
{
    int digits = below(r, 3) ? 1 + below(r, prec) : prec;
    unsigned __int128 lim = 1, v = ((unsigned __int128)next(r) << 64) | next(r);
    for (int i = 0; i < digits; i++)
        lim *= 10;
    __int128 s = (__int128)(v % lim);
    if (below(r, 8) == 0)
        s = (__int128)(lim - 1); /* the largest the precision allows */
    return below(r, 2) ? -s : s;
}

/* Big-endian two's complement of v in n bytes. */
static void be_bytes(__int128 v, uint8_t *p, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)(v & 0xFF);
}

/* Shortest two's complement length of v (at least 1), sometimes padded. */
static int be_len(rng *r, __int128 v)
{
    int n = 1;
    while (n < 16) {
        __int128 lim = (__int128)1 << (8 * n - 1);
        if (v >= -lim && v < lim)
            break;
        n++;
    }
    return n + (below(r, 5) == 0 && n < 16 ? 1 : 0);
}

static void value_decimal(shred_ctx *x, ko_pq_column *c, const ko_pq_schema_element *e)
{
    __int128 v = random_unscaled(x->r, e->precision);
    uint8_t buf[16];
    if (e->type == KO_PQ_INT32) {
        int32_t w = (int32_t)v;
        put_fixed(c, &w, 4);
    } else if (e->type == KO_PQ_INT64) {
        int64_t w = (int64_t)v;
        put_fixed(c, &w, 8);
    } else if (e->type == KO_PQ_FIXED_LEN_BYTE_ARRAY) {
        be_bytes(v, buf, e->type_length);
        put_fixed(c, buf, (size_t)e->type_length);
    } else {
        int n = be_len(x->r, v);
        be_bytes(v, buf, n);
        put_bytes(c, buf, (size_t)n);
    }
}

static const int64_t PER_SEC[] = {0, 1000, 1000000, 1000000000};

static int64_t random_time(rng *r, ko_pq_time_unit u)
{
    int64_t day = 86400 * PER_SEC[u];
    int p = below(r, 6);
    return p == 0 ? 0 : p == 1 ? day - 1 : between(r, 0, day - 1);
}

/* Timestamps from about 4300 BC to 9900 AD; nanoseconds cover all of
 * int64 (1677 to 2262). */
static int64_t random_stamp(rng *r, ko_pq_time_unit u)
{
    if (u == KO_PQ_NANOS)
        return below(r, 2) ? (int64_t)next(r) : between(r, 0, 2000000000LL) * PER_SEC[u];
    int64_t secs =
        below(r, 2) ? between(r, -200000000000LL, 250000000000LL) : between(r, 0, 2000000000LL);
    return secs * PER_SEC[u] + between(r, 0, PER_SEC[u] - 1);
}

static int32_t random_date(rng *r)
{
    return (int32_t)(below(r, 2) ? between(r, -3000000, 3000000) : between(r, -30000, 30000));
}

/* INT96: nanoseconds of the day, then the Julian day (years ~1000-3000). */
static void value_int96(rng *r, ko_pq_column *c)
{
    uint8_t buf[12];
    int64_t nanos = between(r, 0, 86400000000LL - 1) * 1000; /* DuckDB keeps micros */
    int32_t julian = (int32_t)between(r, 2086308, 2816788);
    memcpy(buf, &nanos, 8);
    memcpy(buf + 8, &julian, 4);
    put_fixed(c, buf, 12);
}

static void value_interval(rng *r, ko_pq_column *c)
{
    uint32_t v[3] = {(uint32_t)below(r, 400), (uint32_t)below(r, 60),
                     (uint32_t)below(r, 1000000000)};
    if (below(r, 4) == 0)
        v[below(r, 3)] = 0;
    put_fixed(c, v, sizeof v);
}

static uint16_t random_half(rng *r)
{
    static const uint16_t special[] = {0x0000, 0x8000, 0x7c00, 0xfc00,
                                       0x7e00, 0x0001, 0x7bff, 0x3c00};
    return below(r, 4) == 0 ? special[below(r, (int)KO_ARRAY_LEN(special))] : (uint16_t)next(r);
}

static void value_temporal(shred_ctx *x, ko_pq_column *c, const ko_pq_schema_element *e,
                           leaf_kind k)
{
    int64_t v =
        k == LK_TIME ? random_time(x->r, e->logical.unit) : random_stamp(x->r, e->logical.unit);
    if (e->logical.unit == KO_PQ_NANOS && e->logical.utc)
        v -= (v % 1000 + 1000) % 1000; /* DuckDB reads these as microseconds */
    if (e->type == KO_PQ_INT32) {
        int32_t w = (int32_t)v;
        put_fixed(c, &w, 4);
    } else {
        put_fixed(c, &v, 8);
    }
}

static void value_number(shred_ctx *x, ko_pq_column *c, const ko_pq_schema_element *e, leaf_kind k)
{
    rng *r = x->r;
    if (k == LK_FLOAT || k == LK_DOUBLE) {
        double d = random_double(r);
        float f = (float)d;
        put_fixed(c, k == LK_FLOAT ? (void *)&f : (void *)&d, k == LK_FLOAT ? 4 : 8);
        return;
    }
    uint64_t v;
    if (k == LK_DATE)
        v = (uint64_t)(int64_t)random_date(r);
    else if (k == LK_INTEGER)
        v = random_int(r, e->logical.bit_width, e->logical.is_signed);
    else
        v = random_int(r, k == LK_I32 ? 32 : 64, true);
    put_fixed(c, &v, e->type == KO_PQ_INT32 ? 4 : 8);
}

static void value_fixed(shred_ctx *x, ko_pq_column *c, const ko_pq_schema_element *e, leaf_kind k)
{
    uint8_t buf[32];
    if (k == LK_FLOAT16) {
        uint16_t h = random_half(x->r);
        put_fixed(c, &h, 2);
    } else if (k == LK_INTERVAL) {
        value_interval(x->r, c);
    } else if (k == LK_INT96) {
        value_int96(x->r, c);
    } else {
        random_bytes(x->r, buf, (size_t)e->type_length);
        put_fixed(c, buf, (size_t)e->type_length);
    }
}

/* A map key, unique within its map: derived from the entry's index. */
static void value_key(shred_ctx *x, ko_pq_column *c, const ko_pq_schema_element *e, leaf_kind k)
{
    char buf[32];
    if (k == LK_STRING) {
        int n = snprintf(buf, sizeof buf, "%c%d", 'a' + x->key_base % 3, x->entry);
        put_bytes(c, buf, (size_t)n);
        return;
    }
    int64_t v = x->key_base + x->entry;
    if (k == LK_INTEGER && e->logical.is_signed)
        v -= 50;
    put_fixed(c, &v, e->type == KO_PQ_INT32 ? 4 : 8); /* little-endian: low bytes first */
}

static void put_value(shred_ctx *x, int32_t node, ko_pq_column *c)
{
    const ko_pq_schema_element *e = &x->g->els[node];
    leaf_kind k = (leaf_kind)x->g->kind[node];
    if (x->g->map_key[node])
        value_key(x, c, e, k);
    else if (k == LK_BINARY || (k >= LK_STRING && k <= LK_BSON))
        value_bytes(x, c, k);
    else if (k == LK_DECIMAL)
        value_decimal(x, c, e);
    else if (k == LK_TIME || k == LK_TIMESTAMP)
        value_temporal(x, c, e, k);
    else if (k == LK_BOOL) {
        uint8_t b = (uint8_t)below(x->r, 2);
        put_fixed(c, &b, 1);
    } else if (k <= LK_DOUBLE || k == LK_DATE || k == LK_INTEGER)
        value_number(x, c, e, k);
    else
        value_fixed(x, c, e, k);
}

/* ------------------------------------------------------ shredding records */

static void put_levels(ko_pq_column *c, int16_t rep, int16_t def)
{
    if (c->max_rep > 0)
        assert_int_equal(ko_buf_append(&c->rep, &rep, sizeof rep), KO_OK);
    if (c->max_def > 0)
        assert_int_equal(ko_buf_append(&c->def, &def, sizeof def), KO_OK);
    c->n++;
}

/* Every leaf under node gets one entry at (rep, def): a null or empty here. */
static void put_absent(shred_ctx *x, int32_t node, int16_t rep, int16_t def)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    if (nd->leaf >= 0) {
        put_levels(&x->cols[nd->leaf], rep, def);
        return;
    }
    for (int32_t ch = nd->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        put_absent(x, ch, rep, def);
}

static void shred_field(shred_ctx *x, int32_t node, int16_t rep, int16_t def);

/* One present instance of node (a value or a group with its children). */
static void shred_instance(shred_ctx *x, int32_t node, int16_t rep)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    if (nd->leaf >= 0) {
        ko_pq_column *c = &x->cols[nd->leaf];
        put_levels(c, rep, nd->max_def);
        put_value(x, node, c);
        return;
    }
    /* Every leaf's first entry in a new instance carries the instance's
     * repetition level. */
    for (int32_t ch = nd->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        shred_field(x, ch, rep, nd->max_def);
}

static void shred_field(shred_ctx *x, int32_t node, int16_t rep, int16_t def)
{
    const ko_pq_node *nd = &x->s->nodes[node];
    ko_pq_repetition how = nd->el->repetition;
    if (how == KO_PQ_OPTIONAL && below(x->r, 100) < x->g->null_pct[node]) {
        put_absent(x, node, rep, def);
        return;
    }
    if (how != KO_PQ_REPEATED) {
        shred_instance(x, node, rep);
        return;
    }
    int n = below(x->r, 100) < x->g->empty_pct[node] ? 0 : 1 + below(x->r, x->g->max_list[node]);
    if (n == 0) {
        x->empty++;
        put_absent(x, node, rep, def);
        return;
    }
    int outer_base = x->key_base;
    x->key_base = below(x->r, 100);
    for (int k = 0; k < n; k++) {
        x->entry = k;
        shred_instance(x, node, k == 0 ? rep : nd->max_rep);
    }
    x->key_base = outer_base;
}

static void shred_record(shred_ctx *x)
{
    const ko_pq_node *root = &x->s->nodes[0];
    for (int32_t ch = root->first_child; ch >= 0; ch = x->s->nodes[ch].next_sibling)
        shred_field(x, ch, 0, 0);
}

/* Entries of all columns so far. */
static size_t total_entries(const ko_pq_schema *s, const ko_pq_column *cols)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->n_leaves; i++)
        n += cols[i].n;
    return n;
}

/* ------------------------------------------------------------- comparison */

static void assert_columns_equal(const ko_pq_column *a, const ko_pq_column *b, const char *path)
{
    if (a->n != b->n || a->n_values != b->n_values)
        fail_msg("%s: %zu entries/%zu values written, %zu/%zu read", path, a->n, a->n_values, b->n,
                 b->n_values);
    if (a->max_def > 0)
        assert_memory_equal(a->def.data, b->def.data, a->n * 2);
    if (a->max_rep > 0)
        assert_memory_equal(a->rep.data, b->rep.data, a->n * 2);
    assert_int_equal(a->values.len, b->values.len);
    if (a->values.len)
        assert_memory_equal(a->values.data, b->values.data, a->values.len);
    if (a->type == KO_PQ_BYTE_ARRAY)
        assert_memory_equal(a->offsets.data, b->offsets.data, (a->n_values + 1) * 8);
}

/* Appends src's entries to dst (both for the same leaf). */
static void append_column(ko_pq_column *dst, const ko_pq_column *src)
{
    assert_int_equal(ko_buf_append(&dst->def, src->def.data, src->def.len), KO_OK);
    assert_int_equal(ko_buf_append(&dst->rep, src->rep.data, src->rep.len), KO_OK);
    if (src->type == KO_PQ_BYTE_ARRAY) {
        const int64_t *o = (const int64_t *)src->offsets.data;
        int64_t base = (int64_t)dst->values.len;
        for (size_t i = 1; i <= src->n_values; i++) {
            int64_t v = base + o[i];
            assert_int_equal(ko_buf_append(&dst->offsets, &v, sizeof v), KO_OK);
        }
    }
    assert_int_equal(ko_buf_append(&dst->values, src->values.data, src->values.len), KO_OK);
    dst->n += src->n;
    dst->n_values += src->n_values;
}

/* Writes cols as key in store, reads every column back and compares. */
static void write_and_check(ko_store *store, const char *key, const gen_schema *g,
                            const ko_pq_schema *s, const ko_pq_column *cols, int records,
                            const ko_pq_writer_options *opts)
{
    ko_err err = {0};
    ko_pq_writer *w = NULL;
    TU_OK(ko_pq_writer_open(store, key, g->els, g->n, opts, &w, &err), &err);
    TU_OK(ko_pq_writer_write(w, cols, &err), &err);
    TU_OK(ko_pq_writer_close(w, &err), &err);

    ko_pq_reader *rd = NULL;
    TU_OK(ko_pq_reader_open(store, key, &rd, &err), &err);
    const ko_pq_file_meta *m = ko_pq_reader_meta(rd);
    assert_int_equal(m->num_rows, records);
    for (uint32_t leaf = 0; leaf < s->n_leaves; leaf++) {
        ko_pq_column all = {0}, part = {0};
        TU_OK(ko_pq_column_init(&all, &s->leaves[leaf]), &err);
        for (uint32_t rg = 0; rg < m->n_row_groups; rg++) {
            TU_OK(ko_pq_read_column_chunk(rd, rg, leaf, &part, &err), &err);
            append_column(&all, &part);
        }
        assert_columns_equal(&cols[leaf], &all, s->leaves[leaf].path);
        ko_pq_column_free(&all);
        ko_pq_column_free(&part);
    }
    ko_pq_reader_close(rd);
}

static ko_pq_writer_options random_options(rng *r)
{
    static const ko_pq_codec codecs[] = {KO_PQ_UNCOMPRESSED, KO_PQ_SNAPPY, KO_PQ_GZIP, KO_PQ_ZSTD,
                                         KO_PQ_LZ4_RAW};
    ko_pq_writer_options opts = {
        .codec = codecs[below(r, (int)KO_ARRAY_LEN(codecs))],
        .page_bytes = below(r, 2) ? 512 + (size_t)below(r, 4096) : 0,
        .row_group_bytes = below(r, 2) ? 4096 + (size_t)below(r, 65536) : 0,
        .dict_bytes = below(r, 2) ? 64 + (size_t)below(r, 512) : 0,
        .no_dictionary = below(r, 4) == 0,
    };
    return opts;
}

static int random_record_count(rng *r)
{
    int p = below(r, 8);
    return p == 0 ? 0 : p == 1 ? 1 + below(r, 2) : below(r, 3000);
}

static void count_coverage(coverage *cov, const gen_schema *g, const ko_pq_schema *s,
                           const ko_pq_column *cols, int records, int empty)
{
    cov->zero_rows += records == 0;
    cov->empty_lists += empty;
    for (uint32_t i = 0; i < s->n_leaves; i++) {
        cov->all_null += cols[i].n > 0 && cols[i].n_values == 0;
        if (cols[i].n_values > 0)
            cov->with_values[g->kind[s->leaves[i].node]]++;
    }
}

static void run_case(uint64_t seed, ko_store *store, coverage *cov)
{
    rng r = {seed * 0x9E3779B97F4A7C15ull + 1};
    gen_schema g;
    gen_schema_random(&r, &g);
    ko_err err = {0};
    ko_arena arena = {0};
    ko_pq_schema s;
    TU_OK(ko_pq_schema_build(g.els, g.n, &arena, &s, &err), &err);
    ko_pq_column *cols = calloc(s.n_leaves, sizeof *cols);
    for (uint32_t i = 0; i < s.n_leaves; i++)
        TU_OK(ko_pq_column_init(&cols[i], &s.leaves[i]), &err);
    shred_ctx x = {.r = &r, .g = &g, .s = &s, .cols = cols};
    int records = random_record_count(&r), done = 0;
    for (; done < records && total_entries(&s, cols) < MAX_ENTRIES; done++)
        shred_record(&x);

    ko_pq_writer_options opts = random_options(&r);
    char key[64];
    snprintf(key, sizeof key, "case-%llu.parquet", (unsigned long long)seed);
    write_and_check(store, key, &g, &s, cols, done, &opts);
    count_coverage(cov, &g, &s, cols, done, x.empty);
    for (uint32_t i = 0; i < s.n_leaves; i++)
        ko_pq_column_free(&cols[i]);
    free(cols);
    ko_arena_free(&arena);
}

/* The directory the files go to: KO_PQ_KEEP or a fresh temporary one. */
static char *test_dir(void)
{
    const char *keep = getenv("KO_PQ_KEEP");
    return keep ? strdup(keep) : tu_mkdtemp();
}

static void done_dir(char *dir)
{
    if (!getenv("KO_PQ_KEEP"))
        tu_rmtree(dir);
    free(dir);
}

static void test_random_roundtrips(void **state)
{
    (void)state;
    char *dir = test_dir();
    ko_err err = {0};
    ko_store *store = NULL;
    TU_OK(ko_store_open(dir, NULL, &store, &err), &err);
    coverage cov = {0};
    const char *seed_env = getenv("KO_PQ_SEED");
    uint64_t first = seed_env ? strtoull(seed_env, NULL, 10) : 1;
    int cases = seed_env ? 1 : N_CASES;
    for (int i = 0; i < cases; i++)
        run_case(first + (uint64_t)i, store, &cov);
    ko_store_close(store);
    done_dir(dir);
    if (seed_env)
        return;
    assert_true(cov.zero_rows > 0);
    assert_true(cov.all_null > 0);
    assert_true(cov.empty_lists > 0);
    for (int k = 0; k < LK_COUNT; k++)
        if (k != LK_NULL && cov.with_values[k] == 0)
            fail_msg("no case has values of leaf kind %d", k);
}

/* message schema { required int32 id; optional binary s (STRING); }
 * with three records: "small", one string of 50 MiB, null. */
static void test_big_string(void **state)
{
    (void)state;
    if (getenv("KO_PQ_SEED"))
        skip(); /* exploring other seeds: the random cases only */
    gen_schema g;
    memset(&g, 0, sizeof g);
    rng r = {42};
    g.els[0] =
        (ko_pq_schema_element){.name = "schema", .num_children = 2, .converted = KO_PQ_CT_NONE};
    g.n = 1;
    gen_leaf_as(&r, &g, add_elem(&r, &g, "id", KO_PQ_REQUIRED), LK_I32);
    gen_leaf_as(&r, &g, add_elem(&r, &g, "s", KO_PQ_OPTIONAL), LK_STRING);
    ko_err err = {0};
    ko_arena arena = {0};
    ko_pq_schema s;
    TU_OK(ko_pq_schema_build(g.els, g.n, &arena, &s, &err), &err);
    ko_pq_column cols[2];
    for (int i = 0; i < 2; i++)
        TU_OK(ko_pq_column_init(&cols[i], &s.leaves[i]), &err);
    uint8_t *big = malloc(BIG_STRING);
    assert_non_null(big);
    size_t len = 0;
    while (len + 4 <= BIG_STRING)
        len += utf8_char(&r, big + len);
    for (int32_t id = 0; id < 3; id++) {
        put_fixed(&cols[0], &id, 4);
        put_levels(&cols[0], 0, 0);
        put_levels(&cols[1], 0, id == 2 ? 0 : 1);
        if (id < 2)
            put_bytes(&cols[1], id == 0 ? (const uint8_t *)"small" : big, id == 0 ? 5 : len);
    }
    free(big);
    char *dir = test_dir();
    ko_store *store = NULL;
    TU_OK(ko_store_open(dir, NULL, &store, &err), &err);
    ko_pq_writer_options opts = {.codec = KO_PQ_ZSTD};
    write_and_check(store, "big-string.parquet", &g, &s, cols, 3, &opts);
    ko_store_close(store);
    done_dir(dir);
    for (int i = 0; i < 2; i++)
        ko_pq_column_free(&cols[i]);
    ko_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_roundtrips),
        cmocka_unit_test(test_big_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
