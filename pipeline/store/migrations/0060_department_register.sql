-- 0060 department register: the readable name of each department code, per organisation (issue 20).
--
-- A housing company books on cost centres 1100, 1200 …; people read "Centrum", "Norrby". Loaded from a file
-- (`klimatspend org departments ORG FILE`, the web's organisation page) or taken from an SIE file's
-- #OBJEKT names. The ledger keeps the code; every page and report shows the name beside it.
create table department_register (
    organisation_id varchar not null,
    department_code varchar not null,
    department_name varchar not null,
    source varchar,                       -- the file the name came from
    loaded_at timestamp default current_timestamp,
    primary key (organisation_id, department_code)
);
