/*
 * func_like.h - SQL LIKE / ILIKE matching as plain C helpers, for the
 * executor's LIKE operator and for the `~~` family of functions.
 *
 * Semantics follow DuckDB: `%` matches any run of characters, `_` exactly
 * one Unicode character; an escape character (at most one) makes the next
 * pattern character literal, and a pattern may not end with it.  ILIKE
 * compares characters after Unicode simple lower-casing.
 *
 * A pattern compiles once (ko_sql_like_compile, memory in an arena) into
 * one of a few shapes: exact, 'abc%', '%abc', '%abc%', '%' or general.
 * The first four are memcmp / memmem; the general case is the greedy
 * wildcard matcher with one backtrack point (linear for most patterns,
 * O(n*m) worst case, no recursion, no allocation).
 */
#ifndef KO_SQL_FUNC_LIKE_H
#define KO_SQL_FUNC_LIKE_H

#include "base/base.h"

typedef struct ko_sql_like ko_sql_like;

/* Compiles pattern (plen bytes) with an optional escape string (NULL or
 * elen == 0: none; else exactly one character).  KO_ERR_INVALID with a
 * message for a bad escape or a pattern ending in the escape character. */
ko_status ko_sql_like_compile(const char *pat, size_t plen, const char *esc, size_t elen,
                              bool icase, ko_arena *arena, const ko_sql_like **out, ko_err *err);

/* Whether s (n bytes of UTF-8) matches the compiled pattern. */
bool ko_sql_like_exec(const ko_sql_like *lk, const char *s, size_t n);

/* One-off match without compiling (no allocation): *out is the answer.
 * Prefer compile + exec for a pattern used on many rows. */
ko_status ko_sql_like_match(const char *s, size_t slen, const char *pat, size_t plen,
                            const char *esc, size_t elen, bool icase, bool *out, ko_err *err);

#endif /* KO_SQL_FUNC_LIKE_H */
