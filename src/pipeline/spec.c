/*
 * spec.c - pipeline specs: YAML files loaded with libyaml's document API
 * and validated into ko_pipe_spec (pipeline.h; the format is in
 * docs/pipelines.md).
 *
 * libyaml gives every node its start mark, so each check reports
 * "file:line:column: what is wrong" at the node concerned.  Unknown keys
 * are errors (a misspelt "retires" must not silently mean no retries).
 * All strings are copied into the caller's arena; the YAML document is
 * freed before returning.
 */
#include "pipeline/pipeline.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct sp {
    const char *file;
    yaml_document_t *doc;
    ko_arena *a;
    ko_err *err;
} sp;

static ko_status at(sp *p, const yaml_node_t *n, const char *fmt, ...) KO_PRINTF(3, 4);

static ko_status at(sp *p, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ko_err_set(p->err, KO_ERR_INVALID, "%s:%zu:%zu: %s", p->file,
                      n ? n->start_mark.line + 1 : 1, n ? n->start_mark.column + 1 : 1, msg);
}

static ko_status nomem(sp *p)
{
    return ko_err_set(p->err, KO_ERR_NOMEM, "%s: out of memory", p->file);
}

static yaml_node_t *node(sp *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

static ko_status scalar(sp *p, const yaml_node_t *n, const char *what, const char **out)
{
    *out = "";
    if (n->type != YAML_SCALAR_NODE)
        return at(p, n, "%s must be a text value", what);
    const char *copy =
        ko_arena_strndup(p->a, (const char *)n->data.scalar.value, n->data.scalar.length);
    if (!copy)
        return nomem(p);
    *out = copy;
    return KO_OK;
}

static ko_status want_map(sp *p, const yaml_node_t *n, const char *what)
{
    return n->type == YAML_MAPPING_NODE ? KO_OK : at(p, n, "%s must be a mapping", what);
}

static ko_status want_seq(sp *p, const yaml_node_t *n, const char *what)
{
    return n->type == YAML_SEQUENCE_NODE ? KO_OK : at(p, n, "%s must be a list", what);
}

static ko_status duration(sp *p, const yaml_node_t *n, const char *what, int64_t *ms)
{
    const char *s = "";
    ko_status st = scalar(p, n, what, &s);
    if (st == KO_OK && (!ko_pipe_duration_parse(s, ms) || *ms <= 0))
        return at(p, n, "%s: '%s' is not a duration (30s, 5m, 2h, 1d)", what, s);
    return st;
}

static ko_status integer(sp *p, const yaml_node_t *n, const char *what, long lo, long hi, long *v)
{
    const char *s = "";
    ko_status st = scalar(p, n, what, &s);
    char *end = NULL;
    if (st == KO_OK)
        *v = strtol(s, &end, 10);
    if (st == KO_OK && (!*s || *end || *v < lo || *v > hi))
        return at(p, n, "%s: '%s' is not a whole number from %ld to %ld", what, s, lo, hi);
    return st;
}

static ko_status ratio(sp *p, const yaml_node_t *n, const char *what, double *v)
{
    const char *s = "";
    ko_status st = scalar(p, n, what, &s);
    char *end = NULL;
    if (st == KO_OK)
        *v = strtod(s, &end);
    if (st == KO_OK && (!*s || *end || !(*v >= 0 && *v <= 1)))
        return at(p, n, "%s: '%s' is not a ratio from 0 to 1", what, s);
    return st;
}

static ko_status boolean(sp *p, const yaml_node_t *n, const char *what, bool *v)
{
    const char *s = "";
    ko_status st = scalar(p, n, what, &s);
    if (st != KO_OK)
        return st;
    if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0)
        *v = true;
    else if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0)
        *v = false;
    else
        return at(p, n, "%s: '%s' is not true or false", what, s);
    return KO_OK;
}

static bool key_is(const yaml_node_t *k, const char *name)
{
    return k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(name) &&
           memcmp(k->data.scalar.value, name, k->data.scalar.length) == 0;
}

static ko_status unknown_key(sp *p, const yaml_node_t *k, const char *where, const char *allowed)
{
    if (k->type != YAML_SCALAR_NODE)
        return at(p, k, "%s: keys must be text", where);
    return at(p, k, "%s: unknown key '%.*s' (allowed: %s)", where, (int)k->data.scalar.length,
              (const char *)k->data.scalar.value, allowed);
}

/* A dotted table name "ns.table". */
static ko_status table_name(sp *p, const yaml_node_t *n, const char *what, const char **out)
{
    ko_status st = scalar(p, n, what, out);
    const char *dot = st == KO_OK && *out ? strrchr(*out, '.') : NULL;
    if (st == KO_OK && (!dot || dot == *out || !dot[1]))
        return at(p, n, "%s: '%s' is not a table name of the form namespace.table", what, *out);
    return st;
}

/* ------------------------------------------------------------------ parts */

/* pr is a declared name, so it cannot be parenthesised. */
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FOR_PAIRS(n, pr)                                                                         \
    for (yaml_node_pair_t *pr = (n)->data.mapping.pairs.start; pr < (n)->data.mapping.pairs.top; \
         pr++)
// NOLINTEND(bugprone-macro-parentheses)

static ko_status cron_trigger(sp *p, const yaml_node_t *v, ko_pipe_trigger *t)
{
    t->kind = KO_PIPE_TRIG_CRON;
    ko_status st = scalar(p, v, "cron", &t->cron_text);
    int col = 0;
    ko_err e;
    if (st == KO_OK && ko_pipe_cron_parse(t->cron_text, &t->cron, &col, &e) != KO_OK) {
        yaml_node_t shifted = *v;
        shifted.start_mark.column +=
            (size_t)col + (v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE);
        return at(p, &shifted, "%s", e.msg);
    }
    return st;
}

static ko_status trigger_key(sp *p, const yaml_node_t *k, const yaml_node_t *v, ko_pipe_trigger *t,
                             int *kinds)
{
    if (key_is(k, "cron"))
        return ++*kinds, cron_trigger(p, v, t);
    if (key_is(k, "upstream"))
        return ++*kinds, t->kind = KO_PIPE_TRIG_UPSTREAM, table_name(p, v, "upstream", &t->table);
    if (key_is(k, "landing"))
        return ++*kinds, t->kind = KO_PIPE_TRIG_LANDING, scalar(p, v, "landing", &t->prefix);
    if (key_is(k, "manual")) {
        bool on = true;
        return ++*kinds, t->kind = KO_PIPE_TRIG_MANUAL, boolean(p, v, "manual", &on);
    }
    if (key_is(k, "timezone")) {
        ko_err e;
        ko_status st = scalar(p, v, "timezone", &t->tz);
        return st == KO_OK && ko_pipe_tz_check(t->tz, &e) != KO_OK ? at(p, v, "%s", e.msg) : st;
    }
    if (key_is(k, "debounce"))
        return duration(p, v, "debounce", &t->debounce_ms);
    if (key_is(k, "pattern"))
        return scalar(p, v, "pattern", &t->pattern);
    return unknown_key(p, k, "trigger",
                       "cron, timezone, upstream, debounce, landing, pattern, manual");
}

static ko_status trigger(sp *p, const yaml_node_t *n, ko_pipe_trigger *t)
{
    ko_status st = want_map(p, n, "a trigger");
    int kinds = 0;
    t->line = (int)n->start_mark.line + 1;
    FOR_PAIRS(n, pr)
    {
        if (st == KO_OK)
            st = trigger_key(p, node(p, pr->key), node(p, pr->value), t, &kinds);
    }
    if (st == KO_OK && kinds != 1)
        return at(p, n, "a trigger needs exactly one of cron, upstream, landing, manual");
    if (st == KO_OK && t->tz && t->kind != KO_PIPE_TRIG_CRON)
        return at(p, n, "timezone applies to cron triggers only");
    if (st == KO_OK && t->debounce_ms && t->kind != KO_PIPE_TRIG_UPSTREAM)
        return at(p, n, "debounce applies to upstream triggers only");
    if (st == KO_OK && t->pattern && t->kind != KO_PIPE_TRIG_LANDING)
        return at(p, n, "pattern applies to landing triggers only");
    return st;
}

static ko_status ingest_step(sp *p, const yaml_node_t *n, ko_pipe_step *s)
{
    ko_status st = want_map(p, n, "ingest");
    s->kind = KO_PIPE_STEP_INGEST;
    FOR_PAIRS(n, pr)
    {
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        if (st != KO_OK)
            break;
        if (key_is(k, "from"))
            st = scalar(p, v, "from", &s->from);
        else if (key_is(k, "into"))
            st = table_name(p, v, "into", &s->into);
        else if (key_is(k, "format"))
            st = scalar(p, v, "format", &s->format);
        else if ((s->has_max_reject_ratio |= key_is(k, "max_reject_ratio")) &&
                 key_is(k, "max_reject_ratio"))
            st = ratio(p, v, "max_reject_ratio", &s->max_reject_ratio);
        else if ((s->has_alert_reject_ratio |= key_is(k, "alert_reject_ratio")) &&
                 key_is(k, "alert_reject_ratio"))
            st = ratio(p, v, "alert_reject_ratio", &s->alert_reject_ratio);
        else
            st = unknown_key(p, k, "ingest",
                             "from, into, format, max_reject_ratio, alert_reject_ratio");
    }
    if (st == KO_OK && !s->into)
        return at(p, n, "ingest needs 'into' (the table)");
    if (st == KO_OK && s->format && strcmp(s->format, "jsonl") != 0 &&
        strcmp(s->format, "csv") != 0 && strcmp(s->format, "parquet") != 0)
        return at(p, n, "ingest format '%s' is not jsonl, csv or parquet", s->format);
    return st;
}

static ko_status command_step(sp *p, const yaml_node_t *n, ko_pipe_step *s)
{
    s->kind = KO_PIPE_STEP_COMMAND;
    if (n->type == YAML_SCALAR_NODE) {
        s->argv = ko_arena_calloc(p->a, 4, sizeof *s->argv);
        if (!s->argv)
            return nomem(p);
        s->argv[0] = "/bin/sh";
        s->argv[1] = "-c";
        s->argc = 3;
        return scalar(p, n, "command", &s->argv[2]);
    }
    ko_status st = want_seq(p, n, "command");
    size_t len =
        st == KO_OK ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
    if (st == KO_OK && len == 0)
        return at(p, n, "command must not be empty");
    s->argv = st == KO_OK ? ko_arena_calloc(p->a, len + 1, sizeof *s->argv) : NULL;
    if (st == KO_OK && !s->argv)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++)
        st = scalar(p, node(p, n->data.sequence.items.start[i]), "a command argument", &s->argv[i]);
    s->argc = len;
    return st;
}

static ko_status step_key(sp *p, const yaml_node_t *k, const yaml_node_t *v, ko_pipe_step *s,
                          int *kinds)
{
    if (key_is(k, "name"))
        return scalar(p, v, "step name", &s->name);
    if (key_is(k, "sql"))
        return ++*kinds, s->kind = KO_PIPE_STEP_SQL, scalar(p, v, "sql", &s->sql);
    if (key_is(k, "ingest"))
        return ++*kinds, ingest_step(p, v, s);
    if (key_is(k, "command"))
        return ++*kinds, command_step(p, v, s);
    if (key_is(k, "timeout"))
        return duration(p, v, "timeout", &s->timeout_ms);
    return unknown_key(p, k, "step", "name, sql, ingest, command, timeout");
}

static ko_status step(sp *p, const yaml_node_t *n, ko_pipe_step *s)
{
    ko_status st = want_map(p, n, "a step");
    int kinds = 0;
    s->line = (int)n->start_mark.line + 1;
    FOR_PAIRS(n, pr)
    {
        if (st == KO_OK)
            st = step_key(p, node(p, pr->key), node(p, pr->value), s, &kinds);
    }
    if (st == KO_OK && kinds != 1)
        return at(p, n, "a step needs exactly one of sql, ingest, command");
    if (st == KO_OK && !s->name)
        return at(p, n, "a step needs a name");
    return st;
}

static bool ident_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 128)
        return false;
    for (const char *c = s; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.')
            return false;
    return true;
}

static ko_status param(sp *p, const yaml_node_t *k, const yaml_node_t *v, ko_pipe_param *out)
{
    ko_status st = scalar(p, k, "a parameter name", &out->name);
    if (st == KO_OK && (!ident_ok(out->name) || strchr(out->name, '.') || strchr(out->name, '-')))
        return at(p, k, "parameter name '%s' must be letters, digits and _", out->name);
    if (st != KO_OK || v->type == YAML_SCALAR_NODE)
        return st == KO_OK ? scalar(p, v, "a parameter default", &out->def) : st;
    st = want_map(p, v, "a parameter");
    FOR_PAIRS(v, pr)
    {
        const yaml_node_t *pk = node(p, pr->key), *pv = node(p, pr->value);
        if (st != KO_OK)
            break;
        if (key_is(pk, "default"))
            st = scalar(p, pv, "default", &out->def);
        else if (!key_is(pk, "description"))
            st = unknown_key(p, pk, "parameter", "default, description");
    }
    return st;
}

static ko_status output(sp *p, const yaml_node_t *n, ko_pipe_output *o)
{
    if (n->type == YAML_SCALAR_NODE)
        return table_name(p, n, "output", &o->table);
    ko_status st = want_map(p, n, "an output");
    FOR_PAIRS(n, pr)
    {
        const yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        if (st != KO_OK)
            break;
        if (key_is(k, "table"))
            st = table_name(p, v, "table", &o->table);
        else if (key_is(k, "max_staleness"))
            st = duration(p, v, "max_staleness", &o->max_staleness_ms);
        else
            st = unknown_key(p, k, "output", "table, max_staleness");
    }
    if (st == KO_OK && !o->table)
        return at(p, n, "an output needs a table");
    return st;
}

static ko_status retries(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    long v = 0;
    if (n->type == YAML_SCALAR_NODE) {
        ko_status st = integer(p, n, "retries", 0, 100, &v);
        s->retries = (int)v;
        return st;
    }
    ko_status st = want_map(p, n, "retries");
    FOR_PAIRS(n, pr)
    {
        const yaml_node_t *k = node(p, pr->key), *val = node(p, pr->value);
        if (st != KO_OK)
            break;
        if (key_is(k, "count")) {
            st = integer(p, val, "retries count", 0, 100, &v);
            s->retries = (int)v;
        } else if (key_is(k, "backoff")) {
            st = duration(p, val, "backoff", &s->backoff_ms);
        } else {
            st = unknown_key(p, k, "retries", "count, backoff");
        }
    }
    return st;
}

/* ------------------------------------------------------------------- lists */

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static ko_status triggers(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    ko_status st = want_seq(p, n, "triggers");
    size_t len = st == KO_OK ? seq_len(n) : 0;
    s->triggers = ko_arena_calloc(p->a, len ? len : 1, sizeof *s->triggers);
    if (!s->triggers)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++)
        st = trigger(p, node(p, n->data.sequence.items.start[i]), &s->triggers[i]);
    s->n_triggers = len;
    return st;
}

static ko_status steps(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    ko_status st = want_seq(p, n, "steps");
    size_t len = st == KO_OK ? seq_len(n) : 0;
    if (st == KO_OK && len == 0)
        return at(p, n, "steps must not be empty");
    s->steps = ko_arena_calloc(p->a, len ? len : 1, sizeof *s->steps);
    if (!s->steps)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++) {
        const yaml_node_t *sn = node(p, n->data.sequence.items.start[i]);
        st = step(p, sn, &s->steps[i]);
        for (size_t j = 0; st == KO_OK && j < i; j++)
            if (strcmp(s->steps[j].name, s->steps[i].name) == 0)
                st = at(p, sn, "step name '%s' is used twice (first on line %d)", s->steps[i].name,
                        s->steps[j].line);
    }
    s->n_steps = len;
    return st;
}

static ko_status params(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    ko_status st = want_map(p, n, "parameters");
    size_t len =
        st == KO_OK ? (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start) : 0;
    s->params = ko_arena_calloc(p->a, len ? len : 1, sizeof *s->params);
    if (!s->params)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++) {
        yaml_node_pair_t *pr = &n->data.mapping.pairs.start[i];
        st = param(p, node(p, pr->key), node(p, pr->value), &s->params[i]);
    }
    s->n_params = len;
    return st;
}

static ko_status inputs(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    ko_status st = want_seq(p, n, "inputs");
    size_t len = st == KO_OK ? seq_len(n) : 0;
    s->inputs = ko_arena_calloc(p->a, len ? len : 1, sizeof *s->inputs);
    if (!s->inputs)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++)
        st = table_name(p, node(p, n->data.sequence.items.start[i]), "input", &s->inputs[i]);
    s->n_inputs = len;
    return st;
}

static ko_status outputs(sp *p, const yaml_node_t *n, ko_pipe_spec *s)
{
    ko_status st = want_seq(p, n, "outputs");
    size_t len = st == KO_OK ? seq_len(n) : 0;
    s->outputs = ko_arena_calloc(p->a, len ? len : 1, sizeof *s->outputs);
    if (!s->outputs)
        return nomem(p);
    for (size_t i = 0; st == KO_OK && i < len; i++)
        st = output(p, node(p, n->data.sequence.items.start[i]), &s->outputs[i]);
    s->n_outputs = len;
    return st;
}

/* ---------------------------------------------------------------- top level */

static ko_status concurrency(sp *p, const yaml_node_t *v, ko_pipe_spec *s)
{
    const char *c = "";
    ko_status st = scalar(p, v, "concurrency", &c);
    if (st == KO_OK && strcmp(c, "allow") != 0 && strcmp(c, "forbid") != 0)
        return at(p, v, "concurrency '%s' is not forbid or allow", c);
    s->allow_overlap = st == KO_OK && strcmp(c, "allow") == 0;
    return st;
}

static ko_status top_key(sp *p, const yaml_node_t *k, const yaml_node_t *v, ko_pipe_spec *s)
{
    if (key_is(k, "name"))
        return scalar(p, v, "name", &s->name);
    if (key_is(k, "owner"))
        return scalar(p, v, "owner", &s->owner);
    if (key_is(k, "description"))
        return scalar(p, v, "description", &s->description);
    if (key_is(k, "triggers"))
        return triggers(p, v, s);
    if (key_is(k, "parameters"))
        return params(p, v, s);
    if (key_is(k, "steps"))
        return steps(p, v, s);
    if (key_is(k, "inputs"))
        return inputs(p, v, s);
    if (key_is(k, "outputs"))
        return outputs(p, v, s);
    if (key_is(k, "retries"))
        return retries(p, v, s);
    if (key_is(k, "timeout"))
        return duration(p, v, "timeout", &s->timeout_ms);
    if (key_is(k, "concurrency"))
        return concurrency(p, v, s);
    return unknown_key(p, k, "pipeline",
                       "name, owner, description, triggers, parameters, steps, inputs, outputs, "
                       "retries, timeout, concurrency");
}

static ko_status top(sp *p, const yaml_node_t *root, ko_pipe_spec *s)
{
    ko_status st = want_map(p, root, "a pipeline");
    FOR_PAIRS(root, pr)
    {
        if (st == KO_OK)
            st = top_key(p, node(p, pr->key), node(p, pr->value), s);
    }
    if (st == KO_OK && !s->name)
        return at(p, root, "a pipeline needs a name");
    if (st == KO_OK && (!ident_ok(s->name) || s->name[0] == '_'))
        return at(p, root, "pipeline name '%s' must be letters, digits, '_', '-' and '.'", s->name);
    if (st == KO_OK && !s->owner)
        return at(p, root, "pipeline %s needs an owner", s->name);
    if (st == KO_OK && !s->steps)
        return at(p, root, "pipeline %s needs steps", s->name);
    return st;
}

static ko_status parse_doc(sp *p, yaml_parser_t *parser, ko_pipe_spec *out)
{
    yaml_document_t *doc = p->doc;
    if (!yaml_parser_load(parser, doc))
        return ko_err_set(p->err, KO_ERR_INVALID, "%s:%zu:%zu: YAML: %s", p->file,
                          parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                          parser->problem ? parser->problem : "syntax error");
    yaml_node_t *root = yaml_document_get_root_node(doc);
    ko_status st = root ? top(p, root, out)
                        : ko_err_set(p->err, KO_ERR_INVALID, "%s:1:1: the file is empty", p->file);
    yaml_document_delete(doc);
    return st;
}

ko_status ko_pipe_spec_parse(const char *file, const char *text, size_t len, ko_arena *a,
                             ko_pipe_spec *out, ko_err *err)
{
    *out = (ko_pipe_spec){.backoff_ms = 30000, .timeout_ms = 3600000};
    out->file = ko_arena_strdup(a, file);
    yaml_document_t doc;
    sp p = {file, &doc, a, err}; // cppcheck-suppress ctuuninitvar
    if (!out->file)
        return nomem(&p);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return nomem(&p);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    ko_status st = parse_doc(&p, &parser, out);
    yaml_parser_delete(&parser);
    return st;
}

/* ------------------------------------------------------------------- files */

ko_status ko_pipe_spec_load(const char *path, ko_arena *a, ko_pipe_spec *out, ko_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ko_err_errno(err, errno, "%s", path);
    ko_buf b = {0};
    char chunk[8192];
    size_t n;
    ko_status st = KO_OK;
    while (st == KO_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        st = ko_buf_append(&b, chunk, n);
    (void)fclose(f);
    if (st != KO_OK)
        return ko_err_set(err, KO_ERR_NOMEM, "%s: out of memory", path);
    st = ko_pipe_spec_parse(path, b.data ? (const char *)b.data : "", b.len, a, out, err);
    ko_buf_free(&b);
    return st;
}

static bool yaml_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] != '.' && ((len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
                           (len > 4 && strcmp(n + len - 4, ".yml") == 0));
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static ko_status list_yaml(const char *dir, ko_arena *a, char ***names, size_t *n, ko_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ko_err_errno(err, errno, "pipelines directory %s", dir);
    ko_buf list = {0};
    ko_status st = KO_OK;
    const struct dirent *e;
    // cppcheck-suppress readdirCalled ; readdir_r is deprecated, d is ours alone
    while (st == KO_OK && (e = readdir(d)) != NULL) {
        if (!yaml_name(e->d_name))
            continue;
        char *path = ko_arena_sprintf(a, "%s/%s", dir, e->d_name);
        st = path ? ko_buf_append(&list, &path, sizeof path) : KO_ERR_NOMEM;
    }
    closedir(d);
    *n = list.len / sizeof(char *);
    *names = ko_arena_alloc(a, list.len ? list.len : sizeof(char *));
    if (st == KO_OK && *names && list.len)
        memcpy(*names, list.data, list.len);
    ko_buf_free(&list);
    if (st != KO_OK || !*names)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory listing %s", dir);
    qsort(*names, *n, sizeof(char *), cmp_str);
    return KO_OK;
}

ko_status ko_pipe_load_dir(const char *dir, ko_arena *a, ko_pipe_spec **out, size_t *n, ko_err *err)
{
    char **names = NULL;
    size_t count = 0;
    ko_status st = list_yaml(dir, a, &names, &count, err);
    if (st != KO_OK)
        return st;
    ko_pipe_spec *specs = ko_arena_calloc(a, count ? count : 1, sizeof *specs);
    if (!specs)
        return ko_err_set(err, KO_ERR_NOMEM, "out of memory loading %s", dir);
    for (size_t i = 0; st == KO_OK && i < count; i++) {
        st = ko_pipe_spec_load(names[i], a, &specs[i], err);
        const ko_pipe_spec *dup = st == KO_OK ? ko_pipe_find(specs, i, specs[i].name) : NULL;
        if (dup)
            st = ko_err_set(err, KO_ERR_INVALID, "%s: pipeline %s is also defined in %s", names[i],
                            specs[i].name, dup->file);
    }
    *out = specs;
    *n = st == KO_OK ? count : 0;
    return st;
}

const ko_pipe_spec *ko_pipe_find(const ko_pipe_spec *specs, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

bool ko_pipe_duration_parse(const char *s, int64_t *ms)
{
    if (!s)
        return false;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !(v >= 0) || v > 1e12)
        return false;
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < KO_ARRAY_LEN(units); i++) {
        if (strcmp(end, units[i].unit) == 0) {
            *ms = (int64_t)(v * units[i].ms);
            return true;
        }
    }
    return false;
}
