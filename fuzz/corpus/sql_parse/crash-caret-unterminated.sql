-- a script
create schema if not exists demo;
create table demo.events (id bigint not null, ts timestamp with time zone, tags"varchar[imestamptz '2024-01-01 00:tring(substrin00:00+00', ['a1}, map(['k'], [1.5]));
update demo.events set tags = ['b'] where id = 1;
/* comment /* nested */ */ delete from demo.events where ts < now() - interval 30 days9
alter table demo.events add corom demo."events$snapshots";
explain analyze select count(*) from demo.events for version as of 42;
set threads = 2; sents;
