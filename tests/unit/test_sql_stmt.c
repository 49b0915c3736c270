/*
 * test_sql_stmt.c - statements over a temporary warehouse: CREATE / DROP
 * SCHEMA and TABLE (partitioned, IF [NOT] EXISTS, CTAS), INSERT VALUES /
 * SELECT / column lists / OVERWRITE, DELETE and UPDATE (copy-on-write,
 * one snapshot each, counts), ALTER TABLE, SHOW, DESCRIBE, the metadata
 * tables, time travel across DML, USE.  (The limits: test_sql_limits.c.)
 */
#include "sql_testutil.h"

static void test_create_insert_select(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 2);
    st_csv(&e, "CREATE SCHEMA s; CREATE SCHEMA IF NOT EXISTS s", "status\nOK\nstatus\nOK\n");
    st_csv(
        &e,
        "CREATE TABLE s.t (id BIGINT NOT NULL, name VARCHAR, d DATE, amt DECIMAL(10,2), "
        "ts TIMESTAMP, f DOUBLE, b BOOLEAN, small SMALLINT) "
        "PARTITIONED BY (day(ts), bucket(4, id)) WITH ('write.parquet.compression-codec' = 'zstd')",
        "status\nOK\n");
    st_err(&e, "CREATE TABLE s.t (x INTEGER)", KO_ERR_EXISTS, "already exists");
    st_csv(&e, "CREATE TABLE IF NOT EXISTS s.t (x INTEGER)", "status\nOK\n");
    st_csv(
        &e,
        "INSERT INTO s.t VALUES (1, 'a', DATE '2024-01-01', 1.5, TIMESTAMP '2024-01-01 10:00:00', "
        "0.5, true, 7), (2, NULL, NULL, NULL, TIMESTAMP '2024-01-02 11:00:00', NULL, NULL, NULL), "
        "(3, 'c''q', DATE '2024-01-03', -3.25, NULL, -1e10, false, -7)",
        "Count\n3\n");
    st_csv(&e, "SELECT * FROM s.t ORDER BY id",
           "id,name,d,amt,ts,f,b,small\n"
           "1,a,2024-01-01,1.50,2024-01-01 10:00:00,0.5,true,7\n"
           "2,,,,2024-01-02 11:00:00,,,\n"
           "3,c'q,2024-01-03,-3.25,,-10000000000.0,false,-7\n");
    st_csv(&e, "INSERT INTO s.t (name, id) SELECT name || '!', id + 10 FROM s.t WHERE id < 3",
           "Count\n2\n");
    st_csv(&e, "SELECT id, name, d FROM s.t WHERE id > 10 ORDER BY id",
           "id,name,d\n11,a!,\n12,,\n");
    st_err(&e, "INSERT INTO s.t VALUES (1)", KO_ERR_INVALID, "has 8 columns but 1 values");
    st_err(&e, "INSERT INTO s.t (name) VALUES ('x')", KO_ERR_INVALID, "NOT NULL");
    st_err(&e, "INSERT INTO s.t (id, nope) VALUES (1, 2)", KO_ERR_INVALID, "nope");
    /* SMALLINT columns are Iceberg ints: 99999 fits, 2^40 does not */
    st_err(&e, "INSERT INTO s.t (id, small) VALUES (1, 1099511627776)", KO_ERR_INVALID, "INTEGER");
    /* the failed statements committed nothing */
    st_csv(&e, "SELECT count(*) FROM s.t", "count_star()\n5\n");
    st_csv(&e, "SELECT count(*) FROM s.\"t$snapshots\"", "count_star()\n2\n");
    /* files were split by the partition spec: 5 rows over 4 distinct (day, bucket) or null */
    st_csv(&e, "SELECT count(*) >= 3, sum(record_count) FROM s.\"t$files\"",
           "(count_star() >= 3),sum(record_count)\ntrue,5\n");
    st_close(&e);
}

static void test_ctas_describe_show(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 2);
    st_csv(&e, "CREATE SCHEMA a; CREATE SCHEMA b", "status\nOK\nstatus\nOK\n");
    st_csv(&e,
           "CREATE TABLE a.src AS SELECT * FROM (VALUES (1, 'x', 2.50), (2, 'y', NULL), "
           "(3, NULL, 1.25)) v(k, s, m)",
           "Count\n3\n");
    st_csv(&e, "DESCRIBE a.src",
           "column_name,column_type,null,key,default,extra\n"
           "k,INTEGER,YES,,,\ns,VARCHAR,YES,,,\nm,\"DECIMAL(3,2)\",YES,,,\n");
    st_csv(&e, "DESCRIBE SELECT k, sum(m) AS total FROM a.src GROUP BY k",
           "column_name,column_type,null,key,default,extra\n"
           "k,INTEGER,YES,,,\ntotal,\"DECIMAL(38,2)\",YES,,,\n");
    st_csv(&e, "CREATE TABLE b.agg AS SELECT s, count(*) AS n FROM a.src GROUP BY s", "Count\n3\n");
    st_csv(&e, "SELECT s, n FROM b.agg ORDER BY s NULLS LAST", "s,n\nx,1\ny,1\n,1\n");
    /* USE: unqualified names resolve in that schema */
    st_err(&e, "SELECT * FROM agg", KO_ERR_NOT_FOUND, "USE a schema");
    st_err(&e, "USE nope", KO_ERR_NOT_FOUND, "nope");
    st_csv(&e, "USE b; SELECT count(*) FROM agg; INSERT INTO agg VALUES ('z', 5); DESCRIBE agg",
           "status\nOK\ncount_star()\n3\nCount\n1\n"
           "column_name,column_type,null,key,default,extra\ns,VARCHAR,YES,,,\nn,BIGINT,YES,,,\n");
    st_csv(&e, "DELETE FROM agg WHERE n = 5; SELECT count(*) FROM b.agg",
           "Count\n1\ncount_star()\n3\n");
    st_csv(&e, "SHOW SCHEMAS", "schema_name\na\nb\n");
    st_csv(&e, "SHOW TABLES", "schema,name\na,src\nb,agg\n");
    st_csv(&e, "SHOW TABLES FROM a", "name\nsrc\n");
    st_csv(&e, "SHOW TABLES FROM b LIKE 'a%'", "name\nagg\n");
    st_err(&e, "SHOW TABLES FROM nope", KO_ERR_NOT_FOUND, "nope");
    /* a CTAS that fails leaves no table behind */
    st_err(&e, "CREATE TABLE a.bad AS SELECT 2147483646 + k AS x FROM a.src", 0, "Overflow");
    st_csv(&e, "SHOW TABLES FROM a", "name\nsrc\n");
    st_err(&e, "DROP SCHEMA b", KO_ERR_CONFLICT, "not empty");
    st_csv(&e, "DROP TABLE b.agg; DROP TABLE IF EXISTS b.agg; DROP SCHEMA b",
           "status\nOK\nstatus\nOK\nstatus\nOK\n");
    st_err(&e, "DROP TABLE b.agg", 0, "does not exist");
    st_csv(&e, "DROP SCHEMA a CASCADE; SHOW SCHEMAS", "status\nOK\nschema_name\n");
    st_err(&e, "DROP SCHEMA a", KO_ERR_NOT_FOUND, "does not exist");
    st_csv(&e, "DROP SCHEMA IF EXISTS a", "status\nOK\n");
    st_close(&e);
}

static void test_delete_update(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 2);
    st_csv(&e,
           "CREATE SCHEMA s; CREATE TABLE s.t (id INTEGER, g VARCHAR, v BIGINT) "
           "PARTITIONED BY (g)",
           "status\nOK\nstatus\nOK\n");
    st_csv(&e,
           "INSERT INTO s.t VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 30), (4, 'b', NULL), "
           "(5, 'c', 50)",
           "Count\n5\n");
    /* DELETE: g = 'c' drops its file whole, v > 15 AND g = 'a' rewrites one */
    st_csv(&e, "DELETE FROM s.t WHERE g = 'c' OR (v > 15 AND g = 'a')", "Count\n2\n");
    st_csv(&e, "SELECT id FROM s.t ORDER BY id", "id\n1\n3\n4\n");
    st_csv(&e, "DELETE FROM s.t WHERE v > 1000", "Count\n0\n");
    /* NULL comparisons do not match */
    st_csv(&e, "DELETE FROM s.t WHERE v <> 30", "Count\n1\n");
    st_csv(&e, "SELECT id, v FROM s.t ORDER BY id", "id,v\n3,30\n4,\n");
    /* UPDATE with expressions over the old row, a cast, and NULLs */
    st_csv(&e, "UPDATE s.t SET v = coalesce(v, 0) + id, g = upper(g) WHERE id >= 3", "Count\n2\n");
    st_csv(&e, "SELECT id, g, v FROM s.t ORDER BY id", "id,g,v\n3,B,33\n4,B,4\n");
    st_csv(&e, "UPDATE s.t SET v = '7'", "Count\n2\n");
    st_csv(&e, "SELECT sum(v) FROM s.t", "sum(v)\n14\n");
    st_err(&e, "UPDATE s.t SET nope = 1", KO_ERR_INVALID, "nope");
    st_err(&e, "UPDATE s.t SET v = 'x'", KO_ERR_INVALID, "Could not convert");
    /* one snapshot per statement that changed something: the insert, the
     * first DELETE (a file dropped, one rewritten: overwrite), the third
     * (a file dropped whole: delete), two UPDATEs (overwrite) */
    st_csv(&e, "SELECT operation, count(*) FROM s.\"t$snapshots\" GROUP BY 1 ORDER BY 1",
           "operation,count_star()\nappend,1\ndelete,1\noverwrite,3\n");
    /* the summary is a MAP: subscripts read it */
    st_csv(&e,
           "SELECT summary['added-records'] AS a, summary['total-records'] AS t, "
           "summary['no-such-key'] AS n FROM s.\"t$snapshots\" WHERE parent_id IS NULL",
           "a,t,n\n5,5,\n");
    st_csv(&e, "SELECT count(*), bool_and(is_current_ancestor) FROM s.\"t$history\"",
           "count_star(),bool_and(is_current_ancestor)\n5,true\n");
    /* time travel to the first snapshot sees the inserted rows */
    char sql[256];
    char *out = NULL;
    ko_err err = {0};
    TU_OK(st_run(&e, KO_SQL_FMT_CSV,
                 "SELECT snapshot_id FROM s.\"t$snapshots\" WHERE parent_id IS NULL", &out, &err),
          &err);
    assert_true(strncmp(out, "snapshot_id\n", 12) == 0);
    long long first = strtoll(out + 12, NULL, 10);
    assert_true(first > 0);
    free(out);
    snprintf(sql, sizeof sql, "SELECT count(*), sum(v) FROM s.t FOR VERSION AS OF %lld", first);
    st_csv(&e, sql, "count_star(),sum(v)\n5,110\n");
    /* INSERT OVERWRITE replaces every row in one snapshot */
    st_csv(
        &e,
        "INSERT OVERWRITE s.t SELECT id * 10, g, v FROM s.t; SELECT id, g, v FROM s.t ORDER BY id",
        "Count\n2\nid,g,v\n30,B,7\n40,B,7\n");
    st_csv(&e, "SELECT count(*) FROM s.\"t$snapshots\" WHERE operation = 'overwrite'",
           "count_star()\n4\n");
    st_csv(&e, "DELETE FROM s.t", "Count\n2\n");
    st_csv(&e, "SELECT count(*) FROM s.t", "count_star()\n0\n");
    st_close(&e);
}

static void test_alter(void **state)
{
    (void)state;
    st_env e;
    st_open(&e, true, 1);
    st_csv(&e,
           "CREATE SCHEMA s; CREATE TABLE s.t (a INTEGER, b VARCHAR, c REAL); "
           "INSERT INTO s.t VALUES (1, 'x', 1.5)",
           "status\nOK\nstatus\nOK\nCount\n1\n");
    st_csv(
        &e,
        "ALTER TABLE s.t ADD COLUMN n VARCHAR; ALTER TABLE s.t RENAME COLUMN b TO bb; "
        "ALTER TABLE s.t ALTER COLUMN a SET DATA TYPE BIGINT; ALTER TABLE s.t ALTER c TYPE DOUBLE",
        "status\nOK\nstatus\nOK\nstatus\nOK\nstatus\nOK\n");
    st_csv(&e, "INSERT INTO s.t VALUES (9999999999, 'y', 2.5, 'note')", "Count\n1\n");
    st_csv(&e, "SELECT * FROM s.t ORDER BY a", "a,bb,c,n\n1,x,1.5,\n9999999999,y,2.5,note\n");
    st_csv(&e, "ALTER TABLE s.t DROP COLUMN bb; SELECT * FROM s.t ORDER BY a",
           "status\nOK\na,c,n\n1,1.5,\n9999999999,2.5,note\n");
    st_err(&e, "ALTER TABLE s.t ALTER COLUMN a SET DATA TYPE INTEGER", 0, "a");
    st_err(&e, "ALTER TABLE s.t DROP COLUMN nope", 0, "nope");
    st_csv(&e, "ALTER TABLE s.t DROP COLUMN IF EXISTS nope", "status\nOK\n");
    st_csv(&e, "ALTER TABLE s.t ADD COLUMN IF NOT EXISTS n INTEGER", "status\nOK\n");
    st_csv(&e, "ALTER TABLE s.t RENAME TO u; SHOW TABLES FROM s", "status\nOK\nname\nu\n");
    st_err(&e, "ALTER TABLE s.t ADD COLUMN z INTEGER", KO_ERR_NOT_FOUND, "does not exist");
    st_csv(&e, "ALTER TABLE IF EXISTS s.t ADD COLUMN z INTEGER", "status\nOK\n");
    st_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_insert_select),
        cmocka_unit_test(test_ctas_describe_show),
        cmocka_unit_test(test_delete_update),
        cmocka_unit_test(test_alter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
