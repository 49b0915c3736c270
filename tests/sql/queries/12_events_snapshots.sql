-- The partitioned table ns.events (day(ts), bucket(8, id); 4 appends, so 4
-- snapshots): filters that prune partitions and files, time travel and
-- metadata tables.  {{ns.events@N}} is the table as of its Nth snapshot:
-- Korolev gets `ns.events FOR VERSION AS OF <id from korolev table
-- history>` (@tsN: FOR TIMESTAMP AS OF its commit time), DuckDB a view
-- over the files of the first N appends.

-- rows of the current snapshot
SELECT count(*) AS n FROM ns.events;
-- a selective filter on the partition column
SELECT count(*) AS n, sum(amount) AS s FROM ns.events WHERE ts >= TIMESTAMP '2024-03-04 00:00:00' AND ts < TIMESTAMP '2024-03-05 00:00:00';
-- equality on the bucketed column
SELECT id, ts, kind, amount FROM ns.events WHERE id = 200123;
-- IN on the bucketed column
SELECT id, kind FROM ns.events WHERE id IN (100001, 200002, 300003, 400004, 999999);
-- a range on the sort column within one day
SELECT id, ts FROM ns.events WHERE ts BETWEEN TIMESTAMP '2024-03-02 10:00:00' AND TIMESTAMP '2024-03-02 10:30:00';
-- a filter outside every partition
SELECT count(*) AS n FROM ns.events WHERE ts < TIMESTAMP '2024-01-01 00:00:00';
-- a filter on a non-partition column
SELECT kind, count(*) AS n FROM ns.events WHERE amount > 900 GROUP BY kind;
-- time travel: the first snapshot holds the first append only
SELECT count(*) AS n, min(batch) AS lo, max(batch) AS hi FROM {{ns.events@1}};
-- time travel: the second snapshot
SELECT batch, count(*) AS n FROM {{ns.events@2}} GROUP BY batch;
-- time travel: the third snapshot with a filter
SELECT count(*) AS n, sum(amount) AS s FROM {{ns.events@3}} WHERE kind = 'buy';
-- time travel: the latest snapshot by id equals the table
SELECT count(*) AS n, sum(amount) AS s FROM {{ns.events@4}};
-- time travel with an aggregate by day
SELECT date_trunc('day', ts) AS d, count(*) AS n FROM {{ns.events@2}} GROUP BY 1;
-- time travel with ORDER BY and LIMIT
SELECT id, ts FROM {{ns.events@1}} ORDER BY ts DESC, id LIMIT 5;
-- time travel by timestamp: as of the second commit
SELECT count(*) AS n FROM {{ns.events@ts2}};
-- time travel by timestamp: as of the first commit
SELECT max(batch) AS b FROM {{ns.events@ts1}};
-- metadata table: one row per snapshot
SELECT count(*) AS n FROM ns."events$snapshots";
-- metadata table: the history has one entry per snapshot
SELECT count(*) AS n FROM ns."events$history";
-- metadata table: the data files hold every row
SELECT count(*) AS files, sum(record_count) AS n FROM ns."events$files";
-- metadata table of a one-snapshot table
SELECT count(*) AS n FROM ns."wide$snapshots";
-- the dimension table as of its only snapshot
SELECT count(*) AS n FROM {{ns.dim@1}};
