/*
 * scan_expr.c - predicates on columns and the pruning they allow.
 *
 * A ko_ice_pred is a tree of comparisons of one column (by field id) with
 * a literal, null tests, AND and OR.  Besides evaluating it on a row, this
 * file answers "may anything here match?" for three summaries of data, as
 * the spec's "Scan Planning" section describes:
 *
 *   partition tuples   a comparison on a source column is projected onto
 *                      each partition field of that source (inclusive
 *                      projection): identity keeps it, monotonic transforms
 *                      (truncate, year, month, day, hour) weaken < to <=
 *                      and > to >= of the transformed literal, bucket only
 *                      supports =, void and unknown transforms say "maybe";
 *   manifest summaries the projected predicate against each partition
 *                      field's lower/upper bound and null/NaN flags;
 *   file metrics       the predicate against the file's column bounds,
 *                      value and null counts (Java's
 *                      InclusiveMetricsEvaluator, simplified).
 *
 * Every answer is conservative: when in doubt (missing metrics, a bound
 * that does not decode, a type this file cannot compare) it says "may".
 */
#include "iceberg/iceberg.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------- comparison */

typedef enum vclass { VC_INT, VC_REAL, VC_DECIMAL, VC_BYTES, VC_OTHER } vclass;

static vclass class_of(ko_ice_type_id t)
{
    switch (t) {
    case KO_ICE_BOOLEAN:
    case KO_ICE_INT:
    case KO_ICE_LONG:
    case KO_ICE_DATE:
    case KO_ICE_TIME:
    case KO_ICE_TIMESTAMP:
    case KO_ICE_TIMESTAMPTZ:
    case KO_ICE_TIMESTAMP_NS:
    case KO_ICE_TIMESTAMPTZ_NS:
        return VC_INT;
    case KO_ICE_FLOAT:
    case KO_ICE_DOUBLE:
        return VC_REAL;
    case KO_ICE_DECIMAL:
        return VC_DECIMAL;
    case KO_ICE_STRING:
    case KO_ICE_BINARY:
    case KO_ICE_FIXED:
    case KO_ICE_UUID:
        return VC_BYTES;
    default:
        return VC_OTHER;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* -0.0 < +0.0, NaN after everything (and equal to NaN). */
static int cmp_real(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) - isnan(b);
    if (a == b && a == 0.0)
        return (int)!signbit(a) - (int)!signbit(b);
    return a < b ? -1 : a > b;
}

static int cmp_bytes(const ko_ice_value *a, const ko_ice_value *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->bytes, b->bytes, n) : 0;
    return c ? (c < 0 ? -1 : 1) : cmp_i64((int64_t)a->len, (int64_t)b->len);
}

static int cmp_decimal(const ko_ice_value *a, const ko_ice_value *b)
{
    if (a->hi != b->hi)
        return a->hi < b->hi ? -1 : 1;
    return (uint64_t)a->i < (uint64_t)b->i ? -1 : (uint64_t)a->i > (uint64_t)b->i;
}

int ko_ice_value_compare(const ko_ice_value *a, const ko_ice_value *b)
{
    if (a->is_null || b->is_null)
        return a->is_null && b->is_null ? 0 : a->is_null ? -1 : 1;
    vclass ca = class_of(a->type), cb = class_of(b->type);
    if (ca == VC_INT && cb == VC_REAL)
        return cmp_real((double)a->i, b->d);
    if (ca == VC_REAL && cb == VC_INT)
        return cmp_real(a->d, (double)b->i);
    if (ca != cb || ca == VC_OTHER)
        return cmp_i64(a->type, b->type);
    switch (ca) {
    case VC_INT:
        return cmp_i64(a->i, b->i);
    case VC_REAL:
        return cmp_real(a->d, b->d);
    case VC_DECIMAL:
        return cmp_decimal(a, b);
    default:
        return cmp_bytes(a, b);
    }
}

/* ------------------------------------------------------- constructors */

static ko_ice_pred *new_pred(ko_arena *arena, ko_ice_pred p)
{
    ko_ice_pred *q = ko_arena_alloc(arena, sizeof *q);
    if (q)
        *q = p;
    return q;
}

ko_ice_pred *ko_ice_pred_cmp(ko_arena *arena, ko_ice_pred_op op, int32_t field_id,
                             ko_ice_value value)
{
    return new_pred(arena, (ko_ice_pred){.op = op, .field_id = field_id, .value = value});
}

ko_ice_pred *ko_ice_pred_null(ko_arena *arena, bool is_null, int32_t field_id)
{
    return new_pred(arena, (ko_ice_pred){.op = is_null ? KO_ICE_PRED_IS_NULL : KO_ICE_PRED_NOT_NULL,
                                         .field_id = field_id});
}

ko_ice_pred *ko_ice_pred_and(ko_arena *arena, const ko_ice_pred *a, const ko_ice_pred *b)
{
    if (!a || !b)
        return NULL;
    return new_pred(arena, (ko_ice_pred){.op = KO_ICE_PRED_AND, .left = a, .right = b});
}

ko_ice_pred *ko_ice_pred_or(ko_arena *arena, const ko_ice_pred *a, const ko_ice_pred *b)
{
    if (!a || !b)
        return NULL;
    return new_pred(arena, (ko_ice_pred){.op = KO_ICE_PRED_OR, .left = a, .right = b});
}

static bool is_compare(ko_ice_pred_op op)
{
    return op >= KO_ICE_PRED_EQ && op <= KO_ICE_PRED_GE;
}

static bool is_leaf(ko_ice_pred_op op)
{
    return is_compare(op) || op == KO_ICE_PRED_IS_NULL || op == KO_ICE_PRED_NOT_NULL;
}

static ko_status check_leaf(const ko_ice_pred *p, const ko_ice_schema *schema, ko_err *err)
{
    const ko_ice_field *f = ko_ice_schema_find_id(schema, p->field_id);
    if (!f)
        return ko_err_set(err, KO_ERR_INVALID, "predicate: no column with field id %d",
                          (int)p->field_id);
    if (!ko_ice_type_is_primitive(&f->type))
        return ko_err_set(err, KO_ERR_INVALID, "predicate: column '%s' is not primitive", f->name);
    if (!is_compare(p->op))
        return KO_OK;
    if (p->value.is_null)
        return ko_err_set(err, KO_ERR_INVALID, "predicate on '%s': compare with null", f->name);
    vclass cf = class_of(f->type.id), cv = class_of(p->value.type);
    bool ok = cf == cv || (cf == VC_REAL && cv == VC_INT);
    if (!ok || cf == VC_OTHER)
        return ko_err_set(err, KO_ERR_INVALID, "predicate on '%s': a %s value for a %s column",
                          f->name, ko_ice_type_name(p->value.type), ko_ice_type_name(f->type.id));
    return KO_OK;
}

static ko_status check_depth(const ko_ice_pred *p, const ko_ice_schema *schema, int depth,
                             ko_err *err)
{
    if (!p || depth > 1000)
        return ko_err_set(err, KO_ERR_INVALID, "predicate: missing operand or too deep");
    if (is_leaf(p->op))
        return check_leaf(p, schema, err);
    if (p->op == KO_ICE_PRED_AND || p->op == KO_ICE_PRED_OR) {
        ko_status st = check_depth(p->left, schema, depth + 1, err);
        return st != KO_OK ? st : check_depth(p->right, schema, depth + 1, err);
    }
    if (p->op == KO_ICE_PRED_TRUE || p->op == KO_ICE_PRED_FALSE)
        return KO_OK;
    return ko_err_set(err, KO_ERR_INVALID, "predicate: unknown operator %d", (int)p->op);
}

ko_status ko_ice_pred_check(const ko_ice_pred *p, const ko_ice_schema *schema, ko_err *err)
{
    return check_depth(p, schema, 0, err);
}

/* -------------------------------------------------------------- rows */

/* Result of comparing value op literal, for a non-null value. */
static bool holds(ko_ice_pred_op op, int c)
{
    switch (op) {
    case KO_ICE_PRED_EQ:
        return c == 0;
    case KO_ICE_PRED_LT:
        return c < 0;
    case KO_ICE_PRED_LE:
        return c <= 0;
    case KO_ICE_PRED_GT:
        return c > 0;
    case KO_ICE_PRED_GE:
        return c >= 0;
    default:
        return true;
    }
}

static bool is_nan(const ko_ice_value *v)
{
    return !v->is_null && class_of(v->type) == VC_REAL && isnan(v->d);
}

bool ko_ice_pred_eval_row(const ko_ice_pred *p, ko_ice_row_lookup value_of, void *ctx)
{
    if (!p)
        return true;
    switch (p->op) {
    case KO_ICE_PRED_TRUE:
        return true;
    case KO_ICE_PRED_FALSE:
        return false;
    case KO_ICE_PRED_AND:
        return ko_ice_pred_eval_row(p->left, value_of, ctx) &&
               ko_ice_pred_eval_row(p->right, value_of, ctx);
    case KO_ICE_PRED_OR:
        return ko_ice_pred_eval_row(p->left, value_of, ctx) ||
               ko_ice_pred_eval_row(p->right, value_of, ctx);
    default:
        break;
    }
    const ko_ice_value *v = value_of(ctx, p->field_id);
    bool null = !v || v->is_null;
    if (p->op == KO_ICE_PRED_IS_NULL || p->op == KO_ICE_PRED_NOT_NULL)
        return null == (p->op == KO_ICE_PRED_IS_NULL);
    if (null || is_nan(v) || is_nan(&p->value))
        return false;
    return holds(p->op, ko_ice_value_compare(v, &p->value));
}

/* ------------------------------------------------- bounds (shared logic) */

/* What is known about one column (or partition field) over many rows. */
typedef struct range {
    bool has_lower, has_upper;
    ko_ice_value lower, upper; /* of non-null, non-NaN values */
    bool may_null;             /* some value may be null */
    bool all_null;             /* every value is null (or there are none) */
    bool may_nan;
} range;

/* May some value in r satisfy `op lit`? */
static bool range_may(const range *r, ko_ice_pred_op op, const ko_ice_value *lit)
{
    if (op == KO_ICE_PRED_IS_NULL)
        return r->may_null;
    if (op == KO_ICE_PRED_NOT_NULL)
        return !r->all_null;
    if (r->all_null)
        return false;
    if (is_nan(lit))
        return true;
    int lo = r->has_lower ? ko_ice_value_compare(&r->lower, lit) : -1;
    int hi = r->has_upper ? ko_ice_value_compare(&r->upper, lit) : 1;
    switch (op) {
    case KO_ICE_PRED_EQ:
        return lo <= 0 && hi >= 0;
    case KO_ICE_PRED_LT:
        return lo < 0;
    case KO_ICE_PRED_LE:
        return lo <= 0;
    case KO_ICE_PRED_GT:
        return hi > 0;
    case KO_ICE_PRED_GE:
        return hi >= 0;
    default:
        return true;
    }
}

/* -------------------------------------------------- partition projection */

/* The literal to transform for `op lit` on source: an int literal takes a
 * long column's type, and x < v is x <= v - 1 for integers (x > v is
 * x >= v + 1), as Java's ProjectionUtil does, so that t(v - 1) bounds it. */
static ko_ice_value literal_for(const ko_ice_type *src, ko_ice_pred_op op, const ko_ice_value *lit)
{
    ko_ice_value v = *lit;
    bool integral = class_of(src->id) == VC_INT && src->id != KO_ICE_BOOLEAN;
    if (v.type != src->id && integral && class_of(v.type) == VC_INT)
        v.type = src->id;
    if (integral && op == KO_ICE_PRED_LT && v.i > INT64_MIN)
        v.i--;
    else if (integral && op == KO_ICE_PRED_GT && v.i < INT64_MAX)
        v.i++;
    return v;
}

static ko_ice_pred_op weaken(ko_ice_pred_op op)
{
    return op == KO_ICE_PRED_LT ? KO_ICE_PRED_LE : op == KO_ICE_PRED_GT ? KO_ICE_PRED_GE : op;
}

/* The projection of `op lit` on source through transform t onto the
 * partition value domain: *pop and *plit; false when the projection is
 * "always maybe". */
static bool project(const ko_ice_transform *t, const ko_ice_type *src, ko_ice_pred_op op,
                    const ko_ice_value *lit, ko_ice_pred_op *pop, ko_ice_value *plit)
{
    if (t->kind == KO_ICE_TR_VOID || t->kind == KO_ICE_TR_UNKNOWN)
        return false;
    *pop = op;
    if (op == KO_ICE_PRED_IS_NULL || op == KO_ICE_PRED_NOT_NULL)
        return true;
    if (t->kind == KO_ICE_TR_IDENTITY) {
        *plit = *lit;
        return true;
    }
    if (t->kind == KO_ICE_TR_BUCKET && op != KO_ICE_PRED_EQ)
        return false;
    ko_ice_value v = literal_for(src, op, lit);
    if (v.type != src->id || ko_ice_transform_apply(t, src, &v, plit, NULL) != KO_OK)
        return false;
    *pop = weaken(op);
    return true;
}

/* Supplies a range for partition field k. */
typedef bool (*range_fn)(void *ctx, uint32_t k, const ko_ice_type *type, range *out);

typedef struct pctx {
    const ko_ice_partition_spec *spec;
    const ko_ice_schema *schema;
    range_fn get;
    void *ctx;
} pctx;

/* A comparison or null test on a source column, against every partition
 * field of that source. */
static bool leaf_partition(const pctx *c, const ko_ice_pred *p)
{
    const ko_ice_field *src = ko_ice_schema_find_id(c->schema, p->field_id);
    if (!src || !ko_ice_type_is_primitive(&src->type))
        return true;
    for (uint32_t k = 0; k < c->spec->n_fields; k++) {
        const ko_ice_partition_field *pf = &c->spec->fields[k];
        ko_ice_pred_op pop;
        ko_ice_value plit = {0};
        ko_ice_type rt;
        if (pf->source_id != p->field_id ||
            ko_ice_transform_result_type(&pf->transform, &src->type, &rt, NULL) != KO_OK ||
            !project(&pf->transform, &src->type, p->op, &p->value, &pop, &plit))
            continue;
        range r;
        if (c->get(c->ctx, k, &rt, &r) && !range_may(&r, pop, &plit))
            return false;
    }
    return true;
}

static bool eval_partition(const pctx *c, const ko_ice_pred *p, int depth)
{
    if (!p || depth > 1000)
        return true;
    switch (p->op) {
    case KO_ICE_PRED_FALSE:
        return false;
    case KO_ICE_PRED_AND:
        return eval_partition(c, p->left, depth + 1) && eval_partition(c, p->right, depth + 1);
    case KO_ICE_PRED_OR:
        return eval_partition(c, p->left, depth + 1) || eval_partition(c, p->right, depth + 1);
    default:
        return is_leaf(p->op) ? leaf_partition(c, p) : true;
    }
}

/* A partition tuple as a range of one value. */
static bool tuple_range(void *ctx, uint32_t k, const ko_ice_type *type, range *out)
{
    const ko_ice_value *v = &((const ko_ice_value *)ctx)[k];
    (void)type;
    *out = (range){.may_null = v->is_null, .all_null = v->is_null};
    if (!v->is_null && !is_nan(v)) {
        out->has_lower = out->has_upper = true;
        out->lower = out->upper = *v;
    }
    if (is_nan(v))
        out->may_nan = true;
    return true;
}

bool ko_ice_pred_eval_partition(const ko_ice_pred *p, const ko_ice_partition_spec *spec,
                                const ko_ice_schema *schema, const ko_ice_value *partition)
{
    if (!spec || !schema || !partition)
        return true;
    pctx c = {spec, schema, tuple_range, (void *)partition};
    return eval_partition(&c, p, 0);
}

typedef struct mctx {
    // cppcheck-suppress unusedStructMember ; read through the void * context
    const ko_ice_manifest_file *mf;
} mctx;

static bool decode_bound(const ko_ice_type *t, ko_ice_bytes b, ko_ice_value *out)
{
    return b.ptr && ko_ice_value_from_bytes(t, b.ptr, b.len, out, NULL) == KO_OK;
}

static bool summary_range(void *ctx, uint32_t k, const ko_ice_type *type, range *out)
{
    const ko_ice_manifest_file *mf = ((const mctx *)ctx)->mf;
    if (!mf->partitions || k >= mf->n_partitions)
        return false;
    const ko_ice_field_summary *s = &mf->partitions[k];
    *out =
        (range){.may_null = s->contains_null, .may_nan = !s->has_contains_nan || s->contains_nan};
    out->has_lower = decode_bound(type, s->lower_bound, &out->lower);
    out->has_upper = decode_bound(type, s->upper_bound, &out->upper);
    /* No bounds: every value is null or NaN (or the manifest is empty). */
    out->all_null = !s->lower_bound.ptr && !out->may_nan;
    return true;
}

bool ko_ice_pred_eval_manifest(const ko_ice_pred *p, const ko_ice_partition_spec *spec,
                               const ko_ice_schema *schema, const ko_ice_manifest_file *mf)
{
    if (!spec || !schema || !mf)
        return true;
    mctx m = {mf};
    pctx c = {spec, schema, summary_range, &m};
    return eval_partition(&c, p, 0);
}

/* ------------------------------------------------------------ file metrics */

static bool count_of(const ko_ice_id_count *m, uint32_t n, int32_t id, int64_t *out)
{
    const ko_ice_id_count *c = ko_ice_id_count_find(m, n, id);
    if (c)
        *out = c->value;
    return c != NULL;
}

static range file_range(const ko_ice_data_file *f, const ko_ice_type *t, int32_t id)
{
    int64_t values = 0, nulls = 0, nans = 0;
    bool has_values = count_of(f->value_counts, f->n_value_counts, id, &values);
    bool has_nulls = count_of(f->null_value_counts, f->n_null_value_counts, id, &nulls);
    bool has_nans = count_of(f->nan_value_counts, f->n_nan_value_counts, id, &nans);
    range r = {.may_null = !has_nulls || nulls > 0, .may_nan = !has_nans || nans > 0};
    r.all_null = has_values && has_nulls && values == nulls;
    const ko_ice_id_bound *lo = ko_ice_id_bound_find(f->lower_bounds, f->n_lower_bounds, id);
    const ko_ice_id_bound *hi = ko_ice_id_bound_find(f->upper_bounds, f->n_upper_bounds, id);
    r.has_lower = lo && decode_bound(t, lo->value, &r.lower) && !is_nan(&r.lower);
    r.has_upper = hi && decode_bound(t, hi->value, &r.upper) && !is_nan(&r.upper);
    return r;
}

static bool leaf_file(const ko_ice_pred *p, const ko_ice_schema *schema, const ko_ice_data_file *f)
{
    const ko_ice_schema_entry *e = ko_ice_schema_entry_by_id(schema, p->field_id);
    if (!e || !ko_ice_type_is_primitive(&e->field->type))
        return true;
    range r = file_range(f, &e->field->type, p->field_id);
    /* Inside a list or map, counts are per element, not per row. */
    if (e->in_collection && (p->op == KO_ICE_PRED_IS_NULL || p->op == KO_ICE_PRED_NOT_NULL))
        return true;
    if (p->op == KO_ICE_PRED_IS_NULL && !e->nullable)
        return false;
    return range_may(&r, p->op, &p->value);
}

static bool eval_file(const ko_ice_pred *p, const ko_ice_schema *schema, const ko_ice_data_file *f,
                      int depth)
{
    if (!p || depth > 1000)
        return true;
    switch (p->op) {
    case KO_ICE_PRED_FALSE:
        return false;
    case KO_ICE_PRED_AND:
        return eval_file(p->left, schema, f, depth + 1) &&
               eval_file(p->right, schema, f, depth + 1);
    case KO_ICE_PRED_OR:
        return eval_file(p->left, schema, f, depth + 1) ||
               eval_file(p->right, schema, f, depth + 1);
    default:
        return is_leaf(p->op) ? leaf_file(p, schema, f) : true;
    }
}

bool ko_ice_pred_eval_file(const ko_ice_pred *p, const ko_ice_schema *schema,
                           const ko_ice_data_file *f)
{
    if (!f || !schema)
        return true;
    if (f->record_count == 0)
        return false;
    return eval_file(p, schema, f, 0);
}
