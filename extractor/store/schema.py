"""The run database's schema as the migrations leave it (`store/migrations.py`), in one script: a new database is
created from it in one transaction instead of by every migration in turn. Each statement is the `sql` text SQLite
keeps in `sqlite_master` for a database migrated from scratch, in the order it keeps them, so the two databases are
the same (`tests/test_store.py` compares them). A new migration appends to MIGRATIONS and regenerates this file:
`python -m extractor.store.db --schema > extractor/store/schema.py`."""

from __future__ import annotations

VERSION = 10  # the migrations this script stands for: PRAGMA user_version after it

SCHEMA = """
CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        report_id TEXT,
        model TEXT NOT NULL,
        mode TEXT NOT NULL,
        prompt_name TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        cache_key TEXT NOT NULL,
        request TEXT,
        response TEXT,
        tokens_in INTEGER DEFAULT 0,
        tokens_out INTEGER DEFAULT 0,
        latency_ms REAL DEFAULT 0,
        status TEXT NOT NULL,          -- ok | cache_hit | failed
        attempts INTEGER DEFAULT 0,    -- HTTP requests made (transport retries and re-asks)
        error TEXT
    );
CREATE INDEX calls_cache ON calls(cache_key, status);
CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started REAL NOT NULL,
        finished REAL,
        config_hash TEXT NOT NULL,     -- backend, model, mode, prompt hashes, code version
        config TEXT NOT NULL,          -- the same, as JSON
        backend TEXT NOT NULL,
        model TEXT,
        prompts TEXT,                  -- JSON {name: {version, hash}}
        code_version TEXT NOT NULL,
        status TEXT NOT NULL           -- running | done | interrupted
    , pid INTEGER, host TEXT, review_threshold REAL);
CREATE TABLE reports (
        id TEXT PRIMARY KEY,           -- first 16 hex digits of the content's sha256
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,            -- where it was last seen
        encoding TEXT,
        media_type TEXT,
        first_seen REAL NOT NULL
    , body_hash TEXT, report_key TEXT);
CREATE TABLE decisions (           -- append-only: the latest decision on an item wins
        id INTEGER PRIMARY KEY,
        item_id INTEGER NOT NULL REFERENCES review_items(id),
        report_id TEXT NOT NULL,
        path TEXT NOT NULL,
        action TEXT NOT NULL,          -- accept | value | null
        value TEXT,                    -- JSON: the value decided
        machine_value TEXT,            -- JSON: the machine's value it replaced
        reviewer TEXT NOT NULL,
        ts REAL NOT NULL,
        note TEXT
    );
CREATE INDEX decisions_field ON decisions(report_id, path, id);
CREATE TABLE evals (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,            -- a name may be saved again; the latest is the one it names
        created REAL NOT NULL,
        backend TEXT NOT NULL,
        model TEXT,
        prompts TEXT,                  -- JSON {name: {version, hash}}
        code_version TEXT NOT NULL,
        config TEXT NOT NULL,          -- JSON: gold directories, tag filter, configuration
        metrics TEXT NOT NULL          -- JSON: the summary
    );
CREATE INDEX evals_name ON evals(name, id);
CREATE TABLE eval_scores (
        eval_id INTEGER NOT NULL REFERENCES evals(id),
        report TEXT NOT NULL,
        path TEXT NOT NULL,
        gold TEXT,                     -- JSON
        pred TEXT,                     -- JSON
        score REAL NOT NULL,
        flagged INTEGER NOT NULL,
        fmt TEXT,
        evidence TEXT,
        confidence REAL,
        status TEXT,
        evidence_at_span INTEGER,
        tags TEXT                      -- JSON
    );
CREATE INDEX eval_scores_eval ON eval_scores(eval_id);
CREATE TABLE batches (
        id INTEGER PRIMARY KEY,        -- ours, sent as metadata, so a batch created before a kill is found again
        config_hash TEXT NOT NULL,
        input_path TEXT NOT NULL,      -- the requests file as uploaded
        requests INTEGER NOT NULL,
        input_file_id TEXT,            -- the provider's ids, once known
        batch_id TEXT,
        status TEXT NOT NULL,          -- written | submitted | validating | in_progress | ... | completed | failed ...
        output_file_id TEXT,
        error_file_id TEXT,
        answered INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        ingested INTEGER NOT NULL DEFAULT 0,
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
CREATE TABLE batch_requests (
        batch INTEGER NOT NULL REFERENCES batches(id),
        custom_id TEXT NOT NULL,       -- the call's cache key
        report_id TEXT,
        prompt_name TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        prompt_hash TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        fields TEXT NOT NULL,          -- JSON: the field paths asked (the response model)
        request TEXT NOT NULL,         -- JSON: the messages
        PRIMARY KEY (batch, custom_id)
    );
CREATE INDEX batch_requests_key ON batch_requests(custom_id);
CREATE TABLE report_paths (
        report_id TEXT NOT NULL,
        path TEXT NOT NULL,            -- absolute
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (report_id, path)
    );
CREATE INDEX reports_body ON reports(body_hash);
CREATE INDEX reports_key ON reports(report_key);
CREATE TABLE "review_items" (
        id INTEGER PRIMARY KEY,
        report_id TEXT NOT NULL,
        config_hash TEXT NOT NULL DEFAULT '',
        path TEXT NOT NULL,
        state TEXT NOT NULL,
        priority INTEGER NOT NULL,
        value TEXT,
        status TEXT,
        confidence REAL,
        reasons TEXT,
        evidence TEXT,
        span_start INTEGER,
        span_end INTEGER,
        alternatives TEXT,
        context TEXT,
        run_id INTEGER,
        created REAL NOT NULL,
        updated REAL NOT NULL, page INTEGER,
        UNIQUE (report_id, config_hash, path)
    );
CREATE INDEX review_queue ON review_items(config_hash, state, priority, confidence);
CREATE TABLE "results" (
        id INTEGER PRIMARY KEY,
        report_id TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        ts REAL NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        backend TEXT,
        notes TEXT,
        routed_threshold REAL,
        UNIQUE (report_id, config_hash)
    );
CREATE TABLE field_names (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE
    );
CREATE TABLE field_data (
        result INTEGER NOT NULL,       -- results.id
        field INTEGER NOT NULL,        -- field_names.id
        value TEXT,                    -- JSON
        evidence TEXT,
        span_start INTEGER,
        span_end INTEGER,
        approximate INTEGER NOT NULL DEFAULT 0,
        confidence REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        reasons TEXT,                  -- JSON list, NULL for none
        method TEXT,
        alternatives TEXT,             -- JSON list, NULL for none
        page INTEGER,
        PRIMARY KEY (result, field)
    ) WITHOUT ROWID;
CREATE VIEW field_values AS
        SELECT r.report_id AS report_id, r.config_hash AS config_hash, r.run_id AS run_id, n.path AS path, d.value AS
        value, d.evidence AS evidence, d.span_start AS span_start, d.span_end AS span_end, d.approximate AS
        approximate, d.confidence AS confidence, d.status AS status, COALESCE(d.reasons, '[]') AS reasons, d.method AS
        method, COALESCE(d.alternatives, '[]') AS alternatives, d.page AS page
        FROM field_data d JOIN results r ON r.id = d.result JOIN field_names n ON n.id = d.field;
CREATE TRIGGER field_values_insert INSTEAD OF INSERT ON field_values BEGIN
        INSERT OR IGNORE INTO field_names (path) VALUES (NEW.path);
        INSERT INTO field_data VALUES ((SELECT id FROM results WHERE report_id = NEW.report_id AND config_hash =
            NEW.config_hash), (SELECT id FROM field_names WHERE path = NEW.path), NEW.value, NEW.evidence,
            NEW.span_start, NEW.span_end, COALESCE(NEW.approximate, 0), COALESCE(NEW.confidence, 0), NEW.status,
            NULLIF(NEW.reasons, '[]'), NEW.method, NULLIF(NEW.alternatives, '[]'), NEW.page);
    END;
CREATE TRIGGER field_values_update INSTEAD OF UPDATE ON field_values BEGIN
        UPDATE field_data SET value = NEW.value, evidence = NEW.evidence, span_start = NEW.span_start,
            span_end = NEW.span_end, approximate = NEW.approximate, confidence = NEW.confidence, status = NEW.status,
            reasons = NULLIF(NEW.reasons, '[]'), method = NEW.method, alternatives = NULLIF(NEW.alternatives, '[]'),
            page = NEW.page
        WHERE result = (SELECT id FROM results WHERE report_id = OLD.report_id AND config_hash = OLD.config_hash)
            AND field = (SELECT id FROM field_names WHERE path = OLD.path);
    END;
CREATE TRIGGER field_values_delete INSTEAD OF DELETE ON field_values BEGIN
        DELETE FROM field_data
        WHERE result = (SELECT id FROM results WHERE report_id = OLD.report_id AND config_hash = OLD.config_hash)
            AND field = (SELECT id FROM field_names WHERE path = OLD.path);
    END;
"""
