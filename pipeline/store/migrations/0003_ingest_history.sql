-- 0003 ingestion: how each file was read, and the visible history of every batch.

-- Facts of the read: format, encoding, delimiter, sheet, header row, decimal convention, notes,
-- rows with amounts that could not be read, and for SIE files the vouchers and out-of-scope lines.
alter table ledger_batch add column source_info json;

create sequence ledger_batch_event_id_seq start 1;

-- One row per change of a batch: loaded, rejected (nothing loadable), replaced, deleted.
create table ledger_batch_event (
    event_id integer primary key default nextval('ledger_batch_event_id_seq'),
    batch_id integer not null,
    event varchar not null,                      -- loaded | rejected | replaced | deleted
    event_at timestamp not null default current_timestamp,
    by_user varchar,
    related_batch_id integer,                    -- replaced: the batch that took its place; loaded: the batch it replaces
    note varchar
);
