-- 0061 report outputs: the report files written for a run, wherever they were written (issue 20).
--
-- `klimatspend demo` and `klimatspend report` write the workbook and the HTML report into a folder of the
-- user's choosing; the web's Reports page lists them (and serves them while the file is still there) so that
-- it no longer says no report exists when the demo wrote them.
create table report_output (
    run_id integer not null,
    file_name varchar not null,
    path varchar not null,                -- absolute path at the time of writing
    lang varchar,
    written_at timestamp default current_timestamp,
    primary key (run_id, path)
);
