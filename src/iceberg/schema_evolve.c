/*
 * schema_evolve.c - schema evolution (format/spec.md "Schema Evolution").
 *
 * Every change works the same way: deep-copy the base schema into the
 * arena, find the field (by full name, in the base's index) and its
 * enclosing struct in the copy, change the copy's arrays in place, and
 * build the result, which re-runs every schema check.  The base is never
 * touched, so a failed change leaves nothing behind but arena memory.
 *
 * The rules are those of v1/v2 tables: ids never change or get reused (new
 * columns take ids above last-column-id, nested ones in Java's order),
 * only int -> long, float -> double and decimal precision widening are
 * promotions, a required column can become optional but not the reverse,
 * a new required column needs a default, and identifier fields cannot be
 * dropped or made optional.
 */
#include "iceberg/iceberg.h"

#include <stdlib.h>
#include <string.h>

typedef struct edit {
    ko_ice_schema *out;
    const ko_ice_schema_entry *entry; /* in the base */
    ko_ice_type *parent;              /* enclosing type in the copy */
    uint32_t index;                   /* the field's index in parent->fields */
} edit;

/* Finds the type holding field id in the copy. */
static bool locate(ko_ice_type *t, int32_t id, ko_ice_type **parent, uint32_t *index)
{
    for (uint32_t i = 0; i < t->n_fields; i++) {
        if (t->fields[i].id == id) {
            *parent = t;
            *index = i;
            return true;
        }
        if (locate(&t->fields[i].type, id, parent, index))
            return true;
    }
    return false;
}

static ko_status copy_base(const ko_ice_schema *base, ko_arena *arena, ko_ice_schema *out,
                           ko_err *err)
{
    *out = (ko_ice_schema){.schema_id = base->schema_id + 1,
                           .n_identifier_ids = base->n_identifier_ids};
    ko_status st = ko_ice_type_copy(&base->root, arena, &out->root, err);
    if (st != KO_OK || !base->n_identifier_ids)
        return st;
    out->identifier_ids = ko_arena_alloc(arena, base->n_identifier_ids * sizeof(int32_t));
    if (!out->identifier_ids)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory evolving the schema");
    memcpy(out->identifier_ids, base->identifier_ids, base->n_identifier_ids * sizeof(int32_t));
    return KO_OK;
}

static ko_status begin(const ko_ice_schema *base, const char *name, ko_arena *arena,
                       ko_ice_schema *out, edit *e, ko_err *err)
{
    e->out = out;
    e->entry = ko_ice_schema_entry_by_name(base, name, false);
    if (!e->entry)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "schema %d has no column '%s'",
                          (int)base->schema_id, name);
    ko_status st = copy_base(base, arena, out, err);
    if (st != KO_OK)
        return st;
    if (!locate(&out->root, e->entry->field->id, &e->parent, &e->index))
        return ko_err_set(err, KO_ERR_INTERNAL, "column '%s' vanished from the copy", name);
    return KO_OK;
}

/* Structural changes apply to struct fields only. */
static ko_status need_struct_field(const edit *e, const char *verb, ko_err *err)
{
    if (e->parent->id != KO_ICE_STRUCT)
        return ko_err_set(err, KO_ERR_INVALID,
                          "cannot %s '%s': it is a list element or a map key or value", verb,
                          e->entry->name);
    return KO_OK;
}

static bool is_identifier(const ko_ice_schema *s, int32_t id)
{
    for (uint32_t i = 0; i < s->n_identifier_ids; i++)
        if (s->identifier_ids[i] == id)
            return true;
    return false;
}

static bool name_taken(const ko_ice_type *t, const char *name, uint32_t except)
{
    for (uint32_t i = 0; i < t->n_fields; i++)
        if (i != except && strcmp(t->fields[i].name, name) == 0)
            return true;
    return false;
}

static ko_status finish(edit *e, ko_arena *arena, ko_err *err)
{
    ko_status st = ko_ice_schema_build(e->out, arena, err);
    return st == KO_OK ? KO_OK : ko_err_prefix(err, "evolving the schema");
}

/* ---------------------------------------------------------------- rename */

ko_status ko_ice_schema_rename_column(const ko_ice_schema *base, const char *name,
                                      const char *new_name, ko_arena *arena, ko_ice_schema *out,
                                      ko_err *err)
{
    edit e;
    ko_status st = begin(base, name, arena, out, &e, err);
    if (st == KO_OK)
        st = need_struct_field(&e, "rename", err);
    if (st != KO_OK)
        return st;
    if (!new_name || !*new_name)
        return ko_err_set(err, KO_ERR_INVALID, "cannot rename '%s' to an empty name", name);
    if (name_taken(e.parent, new_name, e.index))
        return ko_err_set(err, KO_ERR_INVALID, "cannot rename '%s' to '%s': the name is taken",
                          name, new_name);
    e.parent->fields[e.index].name = ko_arena_strdup(arena, new_name);
    if (!e.parent->fields[e.index].name)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory evolving the schema");
    return finish(&e, arena, err);
}

/* ------------------------------------------------------------------ drop */

/* The first identifier field at or under the entry, or NULL. */
static const ko_ice_schema_entry *identifier_under(const ko_ice_schema *s,
                                                   const ko_ice_schema_entry *top)
{
    for (uint32_t i = 0; i < s->n_identifier_ids; i++) {
        const ko_ice_schema_entry *x = ko_ice_schema_entry_by_id(s, s->identifier_ids[i]);
        for (const ko_ice_schema_entry *p = x; p; p = p->parent >= 0 ? &s->by_id[p->parent] : NULL)
            if (p == top)
                return x;
    }
    return NULL;
}

ko_status ko_ice_schema_drop_column(const ko_ice_schema *base, const char *name, ko_arena *arena,
                                    ko_ice_schema *out, ko_err *err)
{
    edit e;
    ko_status st = begin(base, name, arena, out, &e, err);
    if (st == KO_OK)
        st = need_struct_field(&e, "drop", err);
    if (st != KO_OK)
        return st;
    const ko_ice_schema_entry *ident = identifier_under(base, e.entry);
    if (ident)
        return ko_err_set(err, KO_ERR_INVALID, "cannot drop '%s': '%s' is an identifier field",
                          name, ident->name);
    ko_ice_type *p = e.parent;
    memmove(&p->fields[e.index], &p->fields[e.index + 1],
            (p->n_fields - e.index - 1) * sizeof *p->fields);
    p->n_fields--;
    return finish(&e, arena, err);
}

/* ------------------------------------------------------------------ move */

ko_status ko_ice_schema_move_column(const ko_ice_schema *base, const char *name, ko_ice_move where,
                                    const char *ref, ko_arena *arena, ko_ice_schema *out,
                                    ko_err *err)
{
    edit e;
    ko_status st = begin(base, name, arena, out, &e, err);
    if (st == KO_OK)
        st = need_struct_field(&e, "move", err);
    if (st != KO_OK)
        return st;
    ko_ice_type *p = e.parent;
    ko_ice_field moved = p->fields[e.index];
    uint32_t to = 0;
    if (where != KO_ICE_MOVE_FIRST) {
        const ko_ice_schema_entry *r = ref ? ko_ice_schema_entry_by_name(base, ref, false) : NULL;
        if (!r)
            return ko_err_set(err, KO_ERR_NOT_FOUND, "cannot move '%s': no column '%s'", name,
                              ref ? ref : "(null)");
        if (r->parent != e.entry->parent || r == e.entry)
            return ko_err_set(err, KO_ERR_INVALID,
                              "cannot move '%s' next to '%s': not another field of the same struct",
                              name, ref);
        for (to = 0; p->fields[to].id != r->field->id; to++)
            ;
        to += where == KO_ICE_MOVE_AFTER;
        to -= to > e.index; /* the slot shifts once the field is taken out */
    }
    memmove(&p->fields[e.index], &p->fields[e.index + 1],
            (p->n_fields - e.index - 1) * sizeof *p->fields);
    memmove(&p->fields[to + 1], &p->fields[to], (p->n_fields - 1 - to) * sizeof *p->fields);
    p->fields[to] = moved;
    return finish(&e, arena, err);
}

/* ----------------------------------------------------------- type change */

bool ko_ice_type_can_promote(const ko_ice_type *from, const ko_ice_type *to)
{
    if (!ko_ice_type_is_primitive(from) || !ko_ice_type_is_primitive(to))
        return false;
    if (ko_ice_type_equal(from, to))
        return true;
    if (from->id == KO_ICE_INT && to->id == KO_ICE_LONG)
        return true;
    if (from->id == KO_ICE_FLOAT && to->id == KO_ICE_DOUBLE)
        return true;
    return from->id == KO_ICE_DECIMAL && to->id == KO_ICE_DECIMAL && from->scale == to->scale &&
           to->precision > from->precision && to->precision <= KO_ICE_DECIMAL_MAX_PRECISION;
}

ko_status ko_ice_schema_update_type(const ko_ice_schema *base, const char *name,
                                    const ko_ice_type *new_type, ko_arena *arena,
                                    ko_ice_schema *out, ko_err *err)
{
    edit e;
    ko_status st = begin(base, name, arena, out, &e, err);
    if (st != KO_OK)
        return st;
    ko_ice_field *f = &e.parent->fields[e.index];
    if (!ko_ice_type_can_promote(&f->type, new_type)) {
        char a[KO_ICE_TYPE_STR_MAX], b[KO_ICE_TYPE_STR_MAX];
        ko_ice_type_format(&f->type, a);
        ko_ice_type_format(new_type, b);
        return ko_err_set(err, KO_ERR_INVALID,
                          "cannot change column '%s' from %s to %s: not an allowed promotion "
                          "(int to long, float to double, wider decimal precision)",
                          name, a, b);
    }
    f->type = *new_type;
    f->type.fields = NULL;
    f->type.n_fields = 0;
    return finish(&e, arena, err);
}

ko_status ko_ice_schema_make_optional(const ko_ice_schema *base, const char *name, ko_arena *arena,
                                      ko_ice_schema *out, ko_err *err)
{
    edit e;
    ko_status st = begin(base, name, arena, out, &e, err);
    if (st != KO_OK)
        return st;
    if (e.parent->id == KO_ICE_MAP && e.index == 0)
        return ko_err_set(err, KO_ERR_INVALID, "cannot make map key '%s' optional", name);
    if (is_identifier(base, e.entry->field->id))
        return ko_err_set(err, KO_ERR_INVALID,
                          "cannot make '%s' optional: it is an identifier field", name);
    e.parent->fields[e.index].required = false;
    return finish(&e, arena, err);
}

/* ------------------------------------------------------------------- add */

static void assign_ids(ko_ice_type *t, int32_t *next)
{
    for (uint32_t i = 0; i < t->n_fields; i++)
        t->fields[i].id = ++*next;
    for (uint32_t i = 0; i < t->n_fields; i++)
        assign_ids(&t->fields[i].type, next);
}

/* The struct a new column goes into: the root, a struct column, or the
 * struct element of a list or value of a map. */
static ko_status add_target(const ko_ice_schema *base, const char *parent, ko_ice_schema *copy,
                            ko_ice_type **out, ko_err *err)
{
    if (!parent) {
        *out = &copy->root;
        return KO_OK;
    }
    const ko_ice_schema_entry *pe = ko_ice_schema_entry_by_name(base, parent, false);
    if (!pe)
        return ko_err_set(err, KO_ERR_NOT_FOUND, "cannot add a column to '%s': no such column",
                          parent);
    ko_ice_type *holder;
    uint32_t idx;
    if (!locate(&copy->root, pe->field->id, &holder, &idx))
        return ko_err_set(err, KO_ERR_INTERNAL, "column '%s' vanished from the copy", parent);
    ko_ice_type *t = &holder->fields[idx].type;
    if (t->id == KO_ICE_LIST)
        t = &t->fields[0].type;
    else if (t->id == KO_ICE_MAP)
        t = &t->fields[1].type;
    if (t->id != KO_ICE_STRUCT)
        return ko_err_set(err, KO_ERR_INVALID, "cannot add a column to '%s': not a struct", parent);
    *out = t;
    return KO_OK;
}

/* Checks and normalises the default's JSON text. */
static ko_status add_default(const ko_ice_new_column *col, ko_ice_field *f, ko_arena *arena,
                             ko_err *err)
{
    if (!col->default_json) {
        if (col->required)
            return ko_err_set(err, KO_ERR_INVALID,
                              "cannot add required column '%s' without a default value", col->name);
        return KO_OK;
    }
    json_t *j = NULL;
    ko_status st =
        ko_ice_json_load(col->default_json, strlen(col->default_json), "default", &j, err);
    if (st != KO_OK)
        return st;
    ko_ice_value v = {0};
    if (json_is_null(j) && col->required)
        st = ko_err_set(err, KO_ERR_INVALID, "required column '%s' needs a non-null default",
                        col->name);
    else if (ko_ice_type_is_primitive(&f->type))
        st = ko_ice_value_from_json(&f->type, j, arena, &v, err);
    char *text = st == KO_OK ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(j);
    if (st != KO_OK)
        return ko_err_prefix(err, "default of '%s'", col->name);
    f->initial_default = f->write_default = text ? ko_arena_strdup(arena, text) : NULL;
    free(text);
    return f->initial_default ? KO_OK
                              : ko_err_set(err, KO_ERR_NOMEM, "out of memory evolving the schema");
}

static ko_status new_field(const ko_ice_new_column *col, int32_t *next, ko_arena *arena,
                           ko_ice_field *f, ko_err *err)
{
    *f = (ko_ice_field){.id = ++*next, .required = col->required};
    f->name = ko_arena_strdup(arena, col->name);
    f->doc = col->doc ? ko_arena_strdup(arena, col->doc) : NULL;
    if (!f->name || (col->doc && !f->doc))
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory evolving the schema");
    ko_status st = ko_ice_type_copy(&col->type, arena, &f->type, err);
    if (st != KO_OK)
        return st;
    assign_ids(&f->type, next);
    return add_default(col, f, arena, err);
}

ko_status ko_ice_schema_add_column(const ko_ice_schema *base, const ko_ice_new_column *col,
                                   int32_t *last_column_id, ko_arena *arena, ko_ice_schema *out,
                                   ko_err *err)
{
    if (!col->name || !*col->name || strchr(col->name, '.'))
        return ko_err_set(err, KO_ERR_INVALID,
                          "cannot add column '%s': names must be non-empty, without '.' (use "
                          "parent for nested columns)",
                          col->name ? col->name : "");
    ko_ice_type *target = NULL;
    ko_status st = copy_base(base, arena, out, err);
    if (st == KO_OK)
        st = add_target(base, col->parent, out, &target, err);
    if (st != KO_OK)
        return st;
    if (name_taken(target, col->name, UINT32_MAX))
        return ko_err_set(err, KO_ERR_INVALID, "cannot add column '%s': it already exists",
                          col->name);
    int32_t next = *last_column_id > base->highest_id ? *last_column_id : base->highest_id;
    ko_ice_field *fields = ko_arena_calloc(arena, target->n_fields + 1, sizeof *fields);
    if (!fields)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory evolving the schema");
    ko_memcpy0(fields, target->fields, target->n_fields * sizeof *fields);
    st = new_field(col, &next, arena, &fields[target->n_fields], err);
    if (st != KO_OK)
        return st;
    target->fields = fields;
    target->n_fields++;
    edit e = {.out = out};
    st = finish(&e, arena, err);
    if (st == KO_OK)
        *last_column_id = next;
    return st;
}
