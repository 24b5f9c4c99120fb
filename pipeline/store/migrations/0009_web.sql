-- 0009 web: users and roles, login sessions, login attempts (throttling), the audit log, uploads waiting
-- for confirmation and background jobs of the web app (`klimatspend serve`), and its settings.
-- Passwords are stored only as argon2id hashes; session tokens only as their sha256.

create sequence web_user_id_seq start 1;

create table web_user (
    user_id integer primary key default nextval('web_user_id_seq'),
    username varchar not null unique,            -- login name, lowercase
    display_name varchar,
    role varchar not null,                       -- uploader | reviewer | admin
    password_hash varchar not null,              -- argon2id ($argon2id$v=19$...)
    is_active boolean not null default true,
    created_at timestamp not null default current_timestamp,
    created_by varchar,
    password_changed_at timestamp not null default current_timestamp,
    last_login_at timestamp
);

create table web_session (
    session_hash varchar primary key,            -- sha256 of the cookie token; the token itself is never stored
    user_id integer not null,
    created_at timestamp not null default current_timestamp,
    last_seen_at timestamp not null default current_timestamp,
    expires_at timestamp not null,               -- absolute end of the session
    ip varchar,
    user_agent varchar
);

create table web_login_attempt (
    attempted_at timestamp not null default current_timestamp,
    username varchar,                            -- as typed (lowercased), also for unknown names
    ip varchar,
    success boolean not null
);

create sequence audit_id_seq start 1;

create table audit_log (
    audit_id bigint primary key default nextval('audit_id_seq'),
    logged_at timestamp not null default current_timestamp,
    actor varchar,                               -- username; 'cli:<os user>' for the command line
    actor_role varchar,
    action varchar not null,                     -- login.success, login.failure, upload.validate, batch.load, batch.replace, batch.delete, mapping.override, run.compute, run.publish, user.add ...
    object_kind varchar,                         -- batch | upload | run | account | user | session
    object_id varchar,
    detail json,                                 -- what exactly (file name, counts, old and new values)
    ip varchar,
    source varchar not null default 'web'        -- web | cli
);

create table web_upload (
    upload_id varchar primary key,               -- random; also the stored file's name (never the user's file name)
    original_name varchar not null,              -- the user's file name, display only
    size_bytes bigint not null,
    sha256 varchar not null,
    detected_type varchar not null,              -- text | xlsx
    uploaded_by varchar not null,
    uploaded_at timestamp not null default current_timestamp,
    organisation_id varchar not null,
    options json not null,                       -- year, period, currency, sheet, profile, replace_batch_id
    status varchar not null,                     -- validating | validated | invalid | loading | loaded | discarded | failed
    validation json,                             -- counts, sums, first findings, detected columns
    job_id integer,                              -- the background job checking or loading it now
    batch_id integer                             -- the batch it became
);

create sequence web_job_id_seq start 1;

create table web_job (
    job_id integer primary key default nextval('web_job_id_seq'),
    kind varchar not null,                       -- validate | ingest | run | report
    status varchar not null,                     -- queued | running | done | failed
    created_by varchar,
    created_at timestamp not null default current_timestamp,
    started_at timestamp,
    finished_at timestamp,
    params json,
    result json,
    error varchar,
    result_url varchar                           -- where the user goes when it is done
);

create table web_setting (
    key varchar primary key,
    value varchar not null
);
