/*
 * bind.h - the binder's interface to the session (statements) and tests.
 */
#ifndef KO_SQL_BIND_H
#define KO_SQL_BIND_H

#include "sql/engine.h"

/* What binding needs from the session: how to open tables, and a list of
 * vectors to free with the statement. */
typedef struct ko_bind_env {
    ko_status (*open_table)(void *ctx, const ko_sql_qname *name, ko_arena *a, ko_ice_table **t,
                            ko_ice_dir **dir, ko_err *err);
    void *ctx;
    ko_vec **keep;
    size_t n_keep, cap_keep;
} ko_bind_env;

ko_status ko_bind_env_keep(ko_bind_env *env, ko_vec *v);
void ko_bind_env_free(ko_bind_env *env);

typedef struct ko_bind_col {
    const char *name;
    const char *table;
    ko_sql_dtype type;
} ko_bind_col;

typedef struct ko_bind_scope {
    const ko_bind_col *cols;
    size_t n;
} ko_bind_scope;

/* Binds an expression over a scope. */
ko_status ko_bind_expr(ko_qctx *q, ko_arena *a, ko_bind_env *env, const ko_bind_scope *sc,
                       const ko_sql_expr *x, ko_bexpr **out);
/* Binds and plans a query. */
ko_status ko_bind_query(ko_qctx *q, ko_arena *a, ko_bind_env *env, const ko_sql_query *query,
                        ko_pnode **out);
/* An AST type as an engine type. */
ko_status ko_bind_ast_type(const ko_sql_type *t, ko_arena *a, ko_sql_dtype *out, ko_err *err);

/* Rows of a metadata table ("t$snapshots", "t$files", "t$history"). */
ko_status ko_sql_meta_table(ko_qctx *q, ko_arena *a, ko_ice_table *t, const char *which,
                            ko_pnode *node, ko_bind_env *env);

/* Helpers for statements (stmt_*.c).  Expressions and nodes live in a. */
/* Wraps *pe in a cast to `to` (folded when constant; checked). */
ko_status ko_bind_cast(ko_qctx *q, ko_arena *a, ko_bind_env *env, ko_bexpr **pe,
                       const ko_sql_dtype *to);
ko_bexpr *ko_bind_colref(ko_arena *a, int col, ko_sql_dtype t);
ko_bexpr *ko_bind_null(ko_qctx *q, ko_arena *a, ko_bind_env *env, ko_sql_dtype t);
/* CASE WHEN when THEN then ELSE else_ END (types already equal). */
ko_bexpr *ko_bind_case(ko_arena *a, ko_bexpr *when, ko_bexpr *then, ko_bexpr *else_);
/* A node of kind k over kid (may be NULL) with room for n_cols columns. */
ko_pnode *ko_bind_node(ko_arena *a, ko_pnode_kind k, ko_pnode *kid, size_t n_cols);
ko_pnode *ko_bind_project(ko_arena *a, ko_pnode *kid, ko_bexpr **exprs, const char **names,
                          size_t n);

#endif
