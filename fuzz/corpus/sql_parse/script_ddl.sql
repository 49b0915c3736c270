-- a script
create schema if not exists demo;
create table demo.events (id bigint not null, ts timestamp with time zone, tags varchar[],
  payload struct(kind varchar, n int), attrs map(varchar, double))
  partitioned by (day(ts), bucket(16, id)) with ('format-version' = '2');
insert into demo.events values (1, timestamptz '2024-01-01 00:00:00+00', ['a'], {'kind': 'x', 'n': 1}, map(['k'], [1.5]));
update demo.events set tags = ['b'] where id = 1;
/* comment /* nested */ */ delete from demo.events where ts < now() - interval 30 days;
alter table demo.events add column note varchar;
select * from demo."events$snapshots";
explain analyze select count(*) from demo.events for version as of 42;
set threads = 2; show tables from demo; describe demo.events; drop table if exists demo.events;
