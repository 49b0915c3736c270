/*
 * func_libs.c - the list of scalar function libraries the registry
 * (func.c) searches, in order.  A new library file func_<topic>.c defines
 * `const ko_sql_func_lib ko_sql_lib_<topic>` and adds it here: the list is
 * explicit because objects of a static library that nothing references are
 * not linked.
 */
#include "sql/func.h"

/* The function libraries (func_string.c ...) come before the core one so
 * that their Unicode-aware lower/upper/length win the first-registered tie. */
extern const ko_sql_func_lib ko_sql_lib_string;
extern const ko_sql_func_lib ko_sql_lib_regex;
extern const ko_sql_func_lib ko_sql_lib_datetime;
extern const ko_sql_func_lib ko_sql_lib_math;
extern const ko_sql_func_lib ko_sql_lib_nested;

const ko_sql_func_lib *const ko_sql_func_libs[] = {
    &ko_sql_lib_string,
    &ko_sql_lib_regex,
    &ko_sql_lib_datetime,
    &ko_sql_lib_math,
    &ko_sql_lib_nested,
    &ko_sql_lib_core,
    NULL,
};
