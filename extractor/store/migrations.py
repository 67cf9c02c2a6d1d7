"""The run database's schema, as append-only migrations: each entry runs once, in order, and the version reached is
kept in `PRAGMA user_version` (`extractor.store.db.migrate`). Never edit an entry that has shipped: add one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: model calls, one row per logical call (its HTTP attempts counted in `attempts`)
    """
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
    """,
    # 2: runs, reports, per-report results (the resume key), field values, the review queue, decisions
    """
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
    );
    CREATE TABLE reports (
        id TEXT PRIMARY KEY,           -- first 16 hex digits of the content's sha256
        sha256 TEXT NOT NULL,
        path TEXT NOT NULL,            -- where it was last seen
        encoding TEXT,
        media_type TEXT,
        first_seen REAL NOT NULL
    );
    CREATE TABLE results (             -- one per report and configuration: a re-run skips what is done
        report_id TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        ts REAL NOT NULL,
        status TEXT NOT NULL,          -- done | failed
        error TEXT,
        backend TEXT,
        notes TEXT,                    -- JSON list
        PRIMARY KEY (report_id, config_hash)
    );
    CREATE TABLE field_values (        -- every field that is not empty (a missing row is a null, unverified field)
        report_id TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        path TEXT NOT NULL,
        value TEXT,                    -- JSON
        evidence TEXT,
        span_start INTEGER,
        span_end INTEGER,
        approximate INTEGER NOT NULL DEFAULT 0,
        confidence REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        reasons TEXT,                  -- JSON list
        method TEXT,
        alternatives TEXT,             -- JSON list
        PRIMARY KEY (report_id, config_hash, path)
    );
    CREATE TABLE review_items (        -- one per report and field; decisions attach to it
        id INTEGER PRIMARY KEY,
        report_id TEXT NOT NULL,
        path TEXT NOT NULL,
        state TEXT NOT NULL,           -- open | decided | reopened | closed
        priority INTEGER NOT NULL,     -- 0 conflict or failed check, 1 low confidence, 2 the rest
        value TEXT,                    -- JSON: the machine's value now
        status TEXT,
        confidence REAL,
        reasons TEXT,                  -- JSON list
        evidence TEXT,
        span_start INTEGER,
        span_end INTEGER,
        alternatives TEXT,             -- JSON list
        context TEXT,                  -- JSON list of {label, before, text, after}: the source around each piece of evidence
        run_id INTEGER,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        UNIQUE (report_id, path)
    );
    CREATE INDEX review_queue ON review_items(state, priority, confidence);
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
    """,
    # 3: saved eval runs and their per-field scores
    """
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
    """,
    # 4: OpenAI Batch API submissions, and the calls each one carries
    """
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
    """,
    # 5: who runs a run (a row left 'running' by a process that is gone is shown as interrupted), the review threshold
    # it and each result were routed with, and every input path that held a report's content (two files, one content: both are kept)
    """
    ALTER TABLE runs ADD COLUMN pid INTEGER;
    ALTER TABLE runs ADD COLUMN host TEXT;
    ALTER TABLE runs ADD COLUMN review_threshold REAL;
    ALTER TABLE results ADD COLUMN routed_threshold REAL;  -- the threshold its review items were routed with
    CREATE TABLE report_paths (
        report_id TEXT NOT NULL,
        path TEXT NOT NULL,            -- absolute
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        PRIMARY KEY (report_id, path)
    );
    """,
    # 6: a report's stable identity: a re-scraped copy (the same body in another file: a trailing newline, other
    # chrome) is the same report, and a changed body at the same source is a new version of it. `report_key` is the
    # id of the first version seen; decisions and the export follow the key
    """
    ALTER TABLE reports ADD COLUMN body_hash TEXT;
    ALTER TABLE reports ADD COLUMN report_key TEXT;
    UPDATE reports SET report_key = id;
    CREATE INDEX reports_body ON reports(body_hash);
    CREATE INDEX reports_key ON reports(report_key);
    """,
    # 7: the review queue per configuration: each configuration's results are routed into items of their own (export,
    # review and the queue use the configuration asked for, default the latest run's); decisions stay per report and
    # field. SQLite cannot change a UNIQUE constraint: the table is rebuilt, ids kept (decisions point at them)
    """
    CREATE TABLE review_items_v7 (
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
        updated REAL NOT NULL,
        UNIQUE (report_id, config_hash, path)
    );
    INSERT INTO review_items_v7 (id, report_id, config_hash, path, state, priority, value, status, confidence, reasons,
        evidence, span_start, span_end, alternatives, context, run_id, created, updated)
        SELECT i.id, i.report_id, COALESCE((SELECT config_hash FROM runs WHERE runs.id = i.run_id), ''), i.path,
        i.state, i.priority, i.value, i.status, i.confidence, i.reasons, i.evidence, i.span_start, i.span_end,
        i.alternatives, i.context, i.run_id, i.created, i.updated FROM review_items i;
    DROP TABLE review_items;
    ALTER TABLE review_items_v7 RENAME TO review_items;
    CREATE INDEX review_queue ON review_items(config_hash, state, priority, confidence);
    """,
    # 8: the page each value was read on (PDF and scanned input; NULL for input without pages)
    """
    ALTER TABLE field_values ADD COLUMN page INTEGER;
    ALTER TABLE review_items ADD COLUMN page INTEGER;
    """,
    # 9: field_values without a rowid: its key (report, configuration, path) was kept twice, in the rowid table and
    # in the primary key's index (28% of the database); now the table is the index
    """
    CREATE TABLE field_values_v9 (
        report_id TEXT NOT NULL,
        config_hash TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        path TEXT NOT NULL,
        value TEXT,
        evidence TEXT,
        span_start INTEGER,
        span_end INTEGER,
        approximate INTEGER NOT NULL DEFAULT 0,
        confidence REAL NOT NULL DEFAULT 0,
        status TEXT NOT NULL,
        reasons TEXT,
        method TEXT,
        alternatives TEXT,
        page INTEGER,
        PRIMARY KEY (report_id, config_hash, path)
    ) WITHOUT ROWID;
    INSERT INTO field_values_v9 SELECT report_id, config_hash, run_id, path, value, evidence, span_start, span_end,
        approximate, confidence, status, reasons, method, alternatives, page FROM field_values;
    DROP TABLE field_values;
    ALTER TABLE field_values_v9 RENAME TO field_values;
    """,
    # 10: field values keyed by small integers: a result's id and a field's id (`field_names`), not the report id,
    # configuration hash and path text repeated on every row (three quarters of each row). A result keeps its id for
    # life (it is updated, never replaced), and new results take the next id, so a run appends at the table's end
    # instead of splitting pages at random report ids. `field_values` stays, as a view with the old columns that can
    # be read and written as before (its triggers write the tables); an empty list is kept as NULL.
    """
    CREATE TABLE results_v10 (
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
    INSERT INTO results_v10 (report_id, config_hash, run_id, ts, status, error, backend, notes, routed_threshold)
        SELECT report_id, config_hash, run_id, ts, status, error, backend, notes, routed_threshold FROM results
        ORDER BY ts, report_id;
    CREATE TABLE field_names (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE
    );
    INSERT INTO field_names (path) SELECT DISTINCT path FROM field_values ORDER BY path;
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
    INSERT INTO field_data SELECT r.id, n.id, v.value, v.evidence, v.span_start, v.span_end, v.approximate,
        v.confidence, v.status, NULLIF(v.reasons, '[]'), v.method, NULLIF(v.alternatives, '[]'), v.page
        FROM field_values v JOIN results_v10 r ON r.report_id = v.report_id AND r.config_hash = v.config_hash
        JOIN field_names n ON n.path = v.path;
    DROP TABLE field_values;
    DROP TABLE results;
    ALTER TABLE results_v10 RENAME TO results;
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
    """,
]
