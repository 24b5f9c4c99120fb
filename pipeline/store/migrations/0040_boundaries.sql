-- 0040 boundaries: which organisations a web user may see, and batch sums wide enough for any file.
--
-- A user with rows here sees only those organisations (a municipal company's finance staff); a user
-- without rows sees every organisation (group-level staff; `klimatspend user add NAME --role R` without --org).
create table web_user_organisation (
    user_id integer not null,
    organisation_id varchar not null,
    primary key (user_id, organisation_id)
);

-- One amount is at most 13 digits before the decimal point (larger ones are quarantined as out-of-range),
-- but a million such lines sum to more than DECIMAL(18, 2) holds: the batch sums get 38 digits.
alter table ledger_batch alter column sum_read type decimal(38, 2);
alter table ledger_batch alter column sum_loaded type decimal(38, 2);
alter table ledger_batch alter column sum_rejected type decimal(38, 2);
