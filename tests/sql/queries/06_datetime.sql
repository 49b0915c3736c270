-- Dates and times: extract, date_trunc, arithmetic with INTERVAL,
-- current_date and now, comparisons; dates from year 1 to 9999.  All
-- sessions run in UTC.

-- extract the parts of a date
SELECT id, dt, extract(year FROM dt) AS y, extract(month FROM dt) AS m, extract(day FROM dt) AS d FROM ns.wide WHERE id < 60;
-- extract the parts of a timestamp
SELECT id, extract(hour FROM ts) AS h, extract(minute FROM ts) AS mi, extract(second FROM ts) AS s FROM ns.wide WHERE id < 60;
-- extract from a time
SELECT id, extract(hour FROM tm) AS h, extract(minute FROM tm) AS mi FROM ns.wide WHERE id < 60;
-- extract from a timestamp with time zone (UTC)
SELECT id, extract(year FROM tz) AS y, extract(hour FROM tz) AS h FROM ns.wide WHERE id < 60;
-- extract day of week, day of year, quarter, week
SELECT dt, extract(dow FROM dt) AS dow, extract(doy FROM dt) AS doy, extract(quarter FROM dt) AS q, extract(week FROM dt) AS w FROM ns.wide WHERE id < 40;
-- extract epoch seconds
SELECT extract(epoch FROM TIMESTAMP '2024-01-01 00:00:01.5') AS e, extract(epoch FROM TIMESTAMP '1969-12-31 23:59:59') AS before;
-- extract microseconds and milliseconds
SELECT extract(millisecond FROM TIMESTAMP '2024-01-01 00:00:01.234567') AS ms, extract(microsecond FROM TIMESTAMP '2024-01-01 00:00:01.234567') AS us;
-- date_part is extract
SELECT date_part('year', DATE '2024-06-30') AS y, date_part('month', TIMESTAMP '2024-06-30 10:00:00') AS m;
-- extract from the extreme dates
SELECT dt, extract(year FROM dt) AS y FROM ns.wide WHERE dt IN (DATE '0001-01-01', DATE '9999-12-31', DATE '1969-12-31');
-- date_trunc to month of a timestamp
SELECT id, date_trunc('month', ts) AS m FROM ns.wide WHERE id < 60;
-- date_trunc of a date gives a timestamp
SELECT id, date_trunc('year', dt) AS y FROM ns.wide WHERE id < 60;
-- date_trunc to day, hour, minute, second
SELECT date_trunc('day', ts) AS d, date_trunc('hour', ts) AS h, date_trunc('minute', ts) AS mi, date_trunc('second', ts) AS s FROM ns.wide WHERE id < 30;
-- date_trunc to week (Monday) and quarter
SELECT date_trunc('week', DATE '2024-01-03') AS w, date_trunc('quarter', TIMESTAMP '2024-05-05 01:00:00') AS q;
-- date_trunc of a timestamp with time zone
SELECT id, date_trunc('day', tz) AS d FROM ns.wide WHERE id < 30;
-- group by date_trunc
SELECT date_trunc('year', ts) AS y, count(*) AS n FROM ns.wide GROUP BY 1;
-- date + INTERVAL days gives a timestamp
SELECT id, dt + INTERVAL 1 DAY AS next FROM ns.wide WHERE id < 60;
-- date + INTERVAL month clamps to the end of the month
SELECT DATE '2024-01-31' + INTERVAL 1 MONTH AS a, DATE '2023-01-31' + INTERVAL 1 MONTH AS b, DATE '2024-02-29' + INTERVAL 1 YEAR AS c;
-- timestamp + INTERVAL hours and minutes
SELECT id, ts + INTERVAL 90 MINUTE AS a, ts - INTERVAL 2 HOUR AS b FROM ns.wide WHERE id < 60;
-- INTERVAL string literal
SELECT TIMESTAMP '2024-01-31 10:00:00' - INTERVAL '90 minutes' AS a, TIMESTAMP '2024-01-31 10:00:00' + INTERVAL '1 day' AS b;
-- date + integer days
SELECT id, dt + 30 AS later, dt - 1 AS before FROM ns.wide WHERE id < 60 AND dt < DATE '9000-01-01' AND dt > DATE '1000-01-01';
-- date - date gives days
SELECT id, dt - DATE '2000-01-01' AS days FROM ns.wide WHERE id < 60;
-- time + INTERVAL wraps around midnight
SELECT TIME '23:00:00' + INTERVAL 3 HOUR AS t, TIME '10:00:00' - INTERVAL 30 MINUTE AS u;
-- timestamp with time zone + INTERVAL
SELECT id, tz + INTERVAL 1 DAY AS t FROM ns.wide WHERE id < 30;
-- dates in a filter with INTERVAL
SELECT count(*) AS n FROM ns.wide WHERE ts >= TIMESTAMP '2022-01-01' AND ts < TIMESTAMP '2022-01-01' + INTERVAL 3 MONTH;
-- current_date is today (in UTC)
SELECT current_date > DATE '2024-01-01' AS after, current_date < DATE '2200-01-01' AS before;
-- now() is a timestamp with time zone of today
SELECT CAST(now() AS DATE) = current_date AS same_day;
-- min and max of dates and timestamps
SELECT min(dt) AS a, max(dt) AS b, min(ts) AS c, max(ts) AS d, min(tz) AS e, max(tz) AS f, min(tm) AS g, max(tm) AS h FROM ns.wide;
-- order by timestamp
SELECT id, ts FROM ns.wide WHERE ts IS NOT NULL ORDER BY ts LIMIT 20;
-- comparison of a date with a timestamp
SELECT count(*) AS n FROM ns.wide WHERE dt < TIMESTAMP '2000-01-01 12:00:00';
-- timestamps around the epoch
SELECT id, ts FROM ns.wide WHERE ts BETWEEN TIMESTAMP '1969-12-31 23:59:59' AND TIMESTAMP '1970-01-01 00:00:01';
-- leap day arithmetic
SELECT DATE '2024-02-28' + INTERVAL 1 DAY AS a, DATE '2023-02-28' + INTERVAL 1 DAY AS b, DATE '2024-03-01' - INTERVAL 1 DAY AS c;
-- events per day of the partitioned table
SELECT date_trunc('day', ts) AS d, count(*) AS n FROM ns.events GROUP BY 1;
-- events per hour of one day
SELECT extract(hour FROM ts) AS h, count(*) AS n FROM ns.events WHERE ts >= TIMESTAMP '2024-03-05' AND ts < TIMESTAMP '2024-03-06' GROUP BY 1;
