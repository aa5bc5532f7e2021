"""The schema as an ordered list of named migrations; each commits with its bookkeeping row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from judge.judgment import FAILURES
from storage.kinds import JUDGE_KINDS, RUN_STATUSES, VERDICTS
from storage.kinds import listed as _listed

__all__ = ["MIGRATIONS", "migrate", "migrate_postgres"]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_datasets_and_pairs",
        """
        CREATE SEQUENCE dataset_ids START 1;
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY DEFAULT nextval('dataset_ids'),
            name VARCHAR NOT NULL UNIQUE,
            description VARCHAR,
            created_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE pair_ids START 1;
        CREATE TABLE pairs (
            id INTEGER PRIMARY KEY DEFAULT nextval('pair_ids'),
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            external_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL CHECK (kind IN ('audience', 'sql', 'json', 'text')),
            request VARCHAR,
            ground_truth VARCHAR NOT NULL,
            generated VARCHAR NOT NULL,
            generator_model VARCHAR,
            metadata JSON,
            content_hash VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            UNIQUE (dataset_id, external_id)
        );
        """,
    ),
    (
        "0002_rating_events",
        """
        CREATE SEQUENCE rating_event_ids START 1;
        CREATE TABLE rating_events (
            id BIGINT PRIMARY KEY DEFAULT nextval('rating_event_ids'),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            annotator VARCHAR NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
            note VARCHAR,
            seconds DOUBLE,
            created_at TIMESTAMP NOT NULL,
            token VARCHAR NOT NULL UNIQUE
        );
        CREATE VIEW current_ratings AS
            SELECT id, pair_id, annotator, score, note, seconds, created_at FROM (
                SELECT *, row_number() OVER (PARTITION BY pair_id, annotator ORDER BY id DESC) AS latest
                FROM rating_events) ranked
            WHERE latest = 1;
        """,
    ),
    (
        "0003_judge_runs_and_results",
        """
        CREATE SEQUENCE run_ids START 1;
        CREATE TABLE judge_runs (
            id INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
            name VARCHAR NOT NULL,
            judge_kind VARCHAR NOT NULL,
            provider VARCHAR,
            model VARCHAR,
            prompt_name VARCHAR,
            prompt_version VARCHAR,
            prompt_hash VARCHAR,
            parameters JSON,
            dataset_id INTEGER REFERENCES datasets (id),
            status VARCHAR NOT NULL,
            source VARCHAR,
            created_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            finished_at TIMESTAMP
        );
        CREATE SEQUENCE result_ids START 1;
        CREATE TABLE judge_results (
            id BIGINT PRIMARY KEY DEFAULT nextval('result_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            sample INTEGER NOT NULL DEFAULT 0,
            score INTEGER CHECK (score BETWEEN 1 AND 5),
            error VARCHAR,
            reasoning VARCHAR,
            prompt VARCHAR,
            raw_response VARCHAR,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cost_usd DOUBLE,
            latency_ms DOUBLE,
            evidence JSON,
            created_at TIMESTAMP NOT NULL,
            UNIQUE (run_id, pair_id, sample),
            CHECK ((score IS NULL) <> (error IS NULL))
        );
        """,
    ),
    (
        "0004_adjudications",
        """
        CREATE SEQUENCE adjudication_ids START 1;
        CREATE TABLE adjudications (
            id BIGINT PRIMARY KEY DEFAULT nextval('adjudication_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            verdict VARCHAR NOT NULL
                CHECK (verdict IN ('judge_right', 'humans_right', 'both_acceptable', 'ambiguous')),
            note VARCHAR,
            adjudicator VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0005_llm_cache",
        """
        CREATE TABLE llm_cache (
            key VARCHAR PRIMARY KEY,
            text VARCHAR NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            created_at TIMESTAMP NOT NULL
        );
        ALTER TABLE judge_results ADD COLUMN cached BOOLEAN DEFAULT false;
        """,
    ),
    (
        "0006_label_kinds_and_annotator_quality",
        """
        -- What a rating rests on: given blind, given after this person saw a judge's score of the pair,
        -- or imported from a file. Adjudicated scores are their own kind, in adjudications.score.
        ALTER TABLE rating_events ADD COLUMN kind VARCHAR DEFAULT 'blind';
        UPDATE rating_events SET kind = 'imported' WHERE token LIKE 'import:%' OR token LIKE 'hanna-%';
        CREATE TABLE reveals (
            annotator VARCHAR NOT NULL,
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            first_at TIMESTAMP NOT NULL,
            PRIMARY KEY (annotator, pair_id)
        );
        ALTER TABLE adjudications ADD COLUMN score INTEGER;
        CREATE TABLE excluded_annotators (
            annotator VARCHAR PRIMARY KEY,
            excluded_by VARCHAR NOT NULL,
            reason VARCHAR,
            created_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0007_judgment_failures",
        """
        -- a failed judgment says which kind of failure it is, not only in the words of its message
        ALTER TABLE judge_results ADD COLUMN failure VARCHAR;
        ALTER TABLE judge_results ADD COLUMN model VARCHAR;
        UPDATE judge_results SET failure = CASE
            WHEN error LIKE 'unreadable answer%' THEN 'unreadable_answer'
            WHEN error LIKE '%refused%' THEN 'refusal'
            WHEN error LIKE 'the ground truth is not a valid%' OR error LIKE 'could not be judged%'
                THEN 'invalid_input'
            ELSE 'provider_error' END
        WHERE error IS NOT NULL;
        """,
    ),
    (
        "0008_typed_runs_and_results",
        # DuckDB adds no CHECK to an existing table, nor alters one that others reference: the three run
        # tables are rebuilt with their rules, and what was queried out of JSON becomes columns.
        f"""
        CREATE TABLE old_adjudications AS SELECT * FROM adjudications;
        CREATE TABLE old_results AS SELECT * FROM judge_results;
        CREATE TABLE old_runs AS SELECT * FROM judge_runs;
        DROP TABLE adjudications;
        DROP TABLE judge_results;
        DROP TABLE judge_runs;
        CREATE TABLE judge_runs (
            id INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
            name VARCHAR NOT NULL,
            judge_kind VARCHAR NOT NULL CHECK (judge_kind IN ({_listed(JUDGE_KINDS)})),
            provider VARCHAR,
            model VARCHAR,
            prompt_name VARCHAR,
            prompt_version VARCHAR,
            prompt_hash VARCHAR,
            parameters JSON,
            dataset_id INTEGER REFERENCES datasets (id),
            status VARCHAR NOT NULL CHECK (status IN ({_listed(RUN_STATUSES)})),
            source VARCHAR,
            created_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            planned INTEGER CHECK (planned >= 0),
            run_file VARCHAR UNIQUE
        );
        INSERT INTO judge_runs
            SELECT id, name, judge_kind, provider, model, prompt_name, prompt_version, prompt_hash, parameters,
                   dataset_id, status, source, created_at, started_at, finished_at,
                   -- a planned count below 0 (an old run file could carry one) is no count at all
                   CASE WHEN TRY_CAST(json_extract(parameters, '$.calls') AS INTEGER) >= 0
                        THEN TRY_CAST(json_extract(parameters, '$.calls') AS INTEGER) END,
                   -- one run file imported twice at once made two runs: the first one keeps its token
                   CASE WHEN row_number() OVER (PARTITION BY json_extract_string(parameters, '$.run_file')
                                                ORDER BY id) = 1
                        THEN json_extract_string(parameters, '$.run_file') END
            FROM old_runs;
        CREATE TABLE judge_results (
            id BIGINT PRIMARY KEY DEFAULT nextval('result_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            sample INTEGER NOT NULL DEFAULT 0 CHECK (sample >= 0),
            score INTEGER CHECK (score BETWEEN 1 AND 5),
            error VARCHAR,
            reasoning VARCHAR,
            prompt VARCHAR,
            raw_response VARCHAR,
            input_tokens INTEGER CHECK (input_tokens >= 0),
            output_tokens INTEGER CHECK (output_tokens >= 0),
            cost_usd DOUBLE CHECK (cost_usd >= 0),
            latency_ms DOUBLE CHECK (latency_ms >= 0),
            evidence JSON,
            created_at TIMESTAMP NOT NULL,
            cached BOOLEAN DEFAULT false,
            failure VARCHAR CHECK (failure IN ({_listed(FAILURES)})),
            model VARCHAR,
            UNIQUE (run_id, pair_id, sample),
            CHECK ((score IS NULL) <> (error IS NULL)),
            CHECK ((score IS NULL) = (failure IS NOT NULL))
        );
        INSERT INTO judge_results
            SELECT id, run_id, pair_id, sample, score, error, reasoning, prompt, raw_response, input_tokens,
                   output_tokens, cost_usd, latency_ms, evidence, created_at, cached,
                   CASE WHEN score IS NULL THEN coalesce(failure, 'provider_error') END, model
            FROM old_results;
        CREATE TABLE adjudications (
            id BIGINT PRIMARY KEY DEFAULT nextval('adjudication_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            verdict VARCHAR NOT NULL CHECK (verdict IN ({_listed(VERDICTS)})),
            note VARCHAR,
            adjudicator VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            score INTEGER CHECK (score BETWEEN 1 AND 5)
        );
        INSERT INTO adjudications SELECT * FROM old_adjudications;
        DROP TABLE old_adjudications;
        DROP TABLE old_results;
        DROP TABLE old_runs;
        """,
    ),
    (
        "0009_calibration_sets",
        """
        -- A named snapshot of human-rated pairs: which pairs, the consensus each had then, and the split
        -- (dev: examples may come from it; test: versions are compared on it), with a hash of all of it.
        CREATE SEQUENCE calibration_ids START 1;
        CREATE TABLE calibration_sets (
            id INTEGER PRIMARY KEY DEFAULT nextval('calibration_ids'),
            name VARCHAR NOT NULL,
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            sha256 VARCHAR NOT NULL,
            dev_share DOUBLE NOT NULL CHECK (dev_share >= 0 AND dev_share < 1),
            created_by VARCHAR,
            created_at TIMESTAMP NOT NULL,
            UNIQUE (name, sha256)
        );
        CREATE TABLE calibration_pairs (
            set_id INTEGER NOT NULL REFERENCES calibration_sets (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            consensus INTEGER NOT NULL CHECK (consensus BETWEEN 1 AND 5),
            split VARCHAR NOT NULL CHECK (split IN ('dev', 'test')),
            PRIMARY KEY (set_id, pair_id)
        );
        ALTER TABLE judge_runs ADD COLUMN calibration_sha256 VARCHAR;
        -- the pairs a run set out to judge, fixed when it was made: a resumed run finishes those, not the
        -- dataset as it is by then
        ALTER TABLE judge_runs ADD COLUMN pair_ids INTEGER[];
        """,
    ),
    (
        "0010_prompt_versions",
        """
        -- Judge templates the team made in the app (the files in prompts/ are the others): the TOML text as
        -- written, its hash, and the version it was forked from. Rows are only ever added: a version is
        -- never edited, so a run that used one can always be read against what it sent.
        CREATE TABLE prompt_versions (
            name VARCHAR NOT NULL CHECK (name <> ''),
            version INTEGER NOT NULL CHECK (version >= 1),
            text VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            parent VARCHAR,
            created_by VARCHAR,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (name, version)
        );
        -- a set's current snapshot is the one taken (or taken again: ratings changed and changed back) last
        ALTER TABLE calibration_sets ADD COLUMN current_at TIMESTAMP;
        UPDATE calibration_sets SET current_at = created_at;
        -- the rubric a dataset is rated and judged by (the latest row; none: the shipped one), as TOML text
        CREATE TABLE dataset_rubrics (
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            text VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            created_by VARCHAR,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (dataset_id, sha256)
        );
        """,
    ),
    (
        "0011_rate_first",
        """
        -- Pairs put first in every annotator's queue (after the overlap pairs), in this order: where a rating
        -- tells the most about the judge. The latest list of a dataset replaces the one before.
        CREATE TABLE rate_first (
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            rank INTEGER NOT NULL CHECK (rank >= 1),
            reason VARCHAR,
            created_by VARCHAR,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (dataset_id, pair_id)
        );
        """,
    ),
    (
        "0012_scales",
        # A dataset's scale is declared by its rubric (binary 0/1, 1-3, 1-5, 0-4 ...): scores are any whole
        # number from 0 to 10 here, and each writer checks them against the points of the dataset's scale.
        # DuckDB alters no CHECK in place: the four tables that held 1-5 are rebuilt, rows and ids kept.
        f"""
        CREATE TABLE old_events AS SELECT * FROM rating_events;
        CREATE TABLE old_results AS SELECT * FROM judge_results;
        CREATE TABLE old_adjudications AS SELECT * FROM adjudications;
        CREATE TABLE old_calibration_pairs AS SELECT * FROM calibration_pairs;
        DROP VIEW current_ratings;
        DROP TABLE rating_events;
        DROP TABLE judge_results;
        DROP TABLE adjudications;
        DROP TABLE calibration_pairs;
        CREATE TABLE rating_events (
            id BIGINT PRIMARY KEY DEFAULT nextval('rating_event_ids'),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            annotator VARCHAR NOT NULL,
            score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
            note VARCHAR,
            seconds DOUBLE,
            created_at TIMESTAMP NOT NULL,
            token VARCHAR NOT NULL UNIQUE,
            kind VARCHAR DEFAULT 'blind'
        );
        INSERT INTO rating_events SELECT id, pair_id, annotator, score, note, seconds, created_at, token, kind
            FROM old_events;
        CREATE VIEW current_ratings AS
            SELECT id, pair_id, annotator, score, note, seconds, created_at FROM (
                SELECT *, row_number() OVER (PARTITION BY pair_id, annotator ORDER BY id DESC) AS latest
                FROM rating_events) ranked
            WHERE latest = 1;
        CREATE TABLE judge_results (
            id BIGINT PRIMARY KEY DEFAULT nextval('result_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            sample INTEGER NOT NULL DEFAULT 0 CHECK (sample >= 0),
            score INTEGER CHECK (score BETWEEN 0 AND 10),
            error VARCHAR,
            reasoning VARCHAR,
            prompt VARCHAR,
            raw_response VARCHAR,
            input_tokens INTEGER CHECK (input_tokens >= 0),
            output_tokens INTEGER CHECK (output_tokens >= 0),
            cost_usd DOUBLE CHECK (cost_usd >= 0),
            latency_ms DOUBLE CHECK (latency_ms >= 0),
            evidence JSON,
            created_at TIMESTAMP NOT NULL,
            cached BOOLEAN DEFAULT false,
            failure VARCHAR CHECK (failure IN ({_listed(FAILURES)})),
            model VARCHAR,
            UNIQUE (run_id, pair_id, sample),
            CHECK ((score IS NULL) <> (error IS NULL)),
            CHECK ((score IS NULL) = (failure IS NOT NULL))
        );
        INSERT INTO judge_results SELECT id, run_id, pair_id, sample, score, error, reasoning, prompt, raw_response,
            input_tokens, output_tokens, cost_usd, latency_ms, evidence, created_at, cached, failure, model
            FROM old_results;
        CREATE TABLE adjudications (
            id BIGINT PRIMARY KEY DEFAULT nextval('adjudication_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            verdict VARCHAR NOT NULL CHECK (verdict IN ({_listed(VERDICTS)})),
            note VARCHAR,
            adjudicator VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            score INTEGER CHECK (score BETWEEN 0 AND 10)
        );
        INSERT INTO adjudications SELECT id, run_id, pair_id, verdict, note, adjudicator, created_at, score
            FROM old_adjudications;
        CREATE TABLE calibration_pairs (
            set_id INTEGER NOT NULL REFERENCES calibration_sets (id),
            pair_id INTEGER NOT NULL REFERENCES pairs (id),
            consensus INTEGER NOT NULL CHECK (consensus BETWEEN 0 AND 10),
            split VARCHAR NOT NULL CHECK (split IN ('dev', 'test')),
            PRIMARY KEY (set_id, pair_id)
        );
        INSERT INTO calibration_pairs SELECT set_id, pair_id, consensus, split FROM old_calibration_pairs;
        DROP TABLE old_events;
        -- the points of a dataset's rubric; a dataset without a rubric of its own is on 1-5
        ALTER TABLE dataset_rubrics ADD COLUMN low INTEGER DEFAULT 1;
        ALTER TABLE dataset_rubrics ADD COLUMN high INTEGER DEFAULT 5;
        UPDATE dataset_rubrics SET low = 1, high = 5;
        CREATE VIEW dataset_scales AS
            SELECT d.id AS dataset_id, coalesce(r.low, 1) AS low, coalesce(r.high, 5) AS high
            FROM datasets d LEFT JOIN (
                SELECT dataset_id, low, high FROM (
                    SELECT *, row_number() OVER (PARTITION BY dataset_id ORDER BY created_at DESC) AS latest
                    FROM dataset_rubrics) ranked
                WHERE latest = 1
            ) r ON r.dataset_id = d.id;
        DROP TABLE old_results;
        DROP TABLE old_adjudications;
        DROP TABLE old_calibration_pairs;
        """,
    ),
    (
        "0013_consensus_rules",
        """
        -- How a dataset's ratings of a pair make people's score (the lower median unless set: the mean, the
        -- majority, or one named rater such as an imported consensus), and how a judge's samples make its
        -- score (the lower median, or the mean); both rounded to a point of the scale, a half down.
        CREATE TABLE dataset_rules (
            dataset_id INTEGER PRIMARY KEY REFERENCES datasets (id),
            people VARCHAR NOT NULL DEFAULT 'median'
                CHECK (people IN ('median', 'mean', 'majority') OR (people LIKE 'rater:_%')),
            samples VARCHAR NOT NULL DEFAULT 'median' CHECK (samples IN ('median', 'mean')),
            set_by VARCHAR,
            set_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0014_criteria",
        """
        -- A dataset may be rated on several named criteria (a story on fluency, coherence ...), each on its own
        -- scale and rubric; people rate every criterion of a pair on one screen. A dataset without named
        -- criteria has one, named '' (its rubric is the dataset's). A judge run and a calibration set are of one
        -- criterion, and every score is checked against the scale of its own criterion.
        CREATE TABLE dataset_criteria (
            dataset_id INTEGER NOT NULL REFERENCES datasets (id),
            name VARCHAR NOT NULL CHECK (name <> '' AND length(name) <= 80),
            position INTEGER NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (dataset_id, name),
            UNIQUE (dataset_id, position)
        );
        ALTER TABLE dataset_rubrics ADD COLUMN criterion VARCHAR NOT NULL DEFAULT '';
        ALTER TABLE rating_events ADD COLUMN criterion VARCHAR NOT NULL DEFAULT '';
        -- (DuckDB adds no NOT NULL column to a table others refer to: these two hold '' by default and by code)
        ALTER TABLE judge_runs ADD COLUMN criterion VARCHAR DEFAULT '';
        ALTER TABLE calibration_sets ADD COLUMN criterion VARCHAR DEFAULT '';
        UPDATE judge_runs SET criterion = '';
        UPDATE calibration_sets SET criterion = '';
        DROP VIEW current_ratings;
        CREATE VIEW current_ratings AS
            SELECT id, pair_id, annotator, criterion, score, note, seconds, created_at FROM (
                SELECT *, row_number() OVER (PARTITION BY pair_id, annotator, criterion ORDER BY id DESC) AS latest
                FROM rating_events) ranked
            WHERE latest = 1;
        DROP VIEW dataset_scales;
        CREATE VIEW dataset_scales AS
            SELECT c.dataset_id, c.criterion, coalesce(r.low, 1) AS low, coalesce(r.high, 5) AS high
            FROM (SELECT id AS dataset_id, '' AS criterion FROM datasets
                  WHERE id NOT IN (SELECT dataset_id FROM dataset_criteria)
                  UNION ALL SELECT dataset_id, name FROM dataset_criteria) c
            LEFT JOIN (
                SELECT dataset_id, criterion, low, high FROM (
                    SELECT *, row_number() OVER (PARTITION BY dataset_id, criterion ORDER BY created_at DESC)
                        AS latest
                    FROM dataset_rubrics) ranked
                WHERE latest = 1
            ) r ON r.dataset_id = c.dataset_id AND r.criterion = c.criterion;
        """,
    ),
    (
        "0015_judge_values",
        """
        -- A judge may give any number of its scale's range (a probability 0.97, a mean of samples 3.67): the
        -- number as given, beside the point nearest it (``score``, which categorical figures count). Checked
        -- against the range of the run's criterion by the writer, as scores are.
        ALTER TABLE judge_results ADD COLUMN value DOUBLE;
        """,
    ),
    (
        "0016_judge_batches",
        """
        -- A run in batch mode sends its calls as provider batches (OpenAI's Batch API, Anthropic's Message
        -- Batches). A batch is stored before it is sent (``token``, the requests it holds as custom ids
        -- "p<pair>-s<sample>"), and its provider id once the provider took it, so a run resumed after a crash
        -- or a restart polls it again instead of paying for it twice; one stopped between the two finds it at
        -- the provider by its token. ``collected_at``: its results are stored (those it could not answer were
        -- sent again in a later batch, or recorded as failures); ``outcome``: the provider's last word on it.
        CREATE SEQUENCE batch_ids START 1;
        CREATE TABLE judge_batches (
            id INTEGER PRIMARY KEY DEFAULT nextval('batch_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            provider VARCHAR NOT NULL,
            token VARCHAR NOT NULL UNIQUE,
            provider_batch_id VARCHAR,
            items JSON NOT NULL,
            submitted_at TIMESTAMP NOT NULL,
            collected_at TIMESTAMP,
            outcome VARCHAR,
            state VARCHAR,  -- the provider's word at the last look, and how many requests it had finished
            done INTEGER NOT NULL DEFAULT 0,
            UNIQUE (provider, provider_batch_id)
        );
        """,
    ),
    (
        "0017_judge_jobs",
        """
        -- On a team server (PostgreSQL) the app does not work a run in its own threads: it puts a job here, and a
        -- worker (``judge worker``, or the app's own) claims it, beats a heartbeat while it works, and marks it
        -- done. Each beat moves ``expires_at`` (the time the worker promises to beat again by); a job whose
        -- worker let it expire is taken over by another, and the run resumes where it stood, judging nothing
        -- twice. ``cancel``: asked from a page; the worker stops at its next heartbeat. DuckDB
        -- keeps its runs in the app's threads and leaves this table empty.
        CREATE SEQUENCE job_ids START 1;
        CREATE TABLE judge_jobs (
            id INTEGER PRIMARY KEY DEFAULT nextval('job_ids'),
            run_id INTEGER NOT NULL REFERENCES judge_runs (id),
            work VARCHAR NOT NULL CHECK (work IN ('run', 'repeat')),
            pairs INTEGER CHECK (pairs >= 1),  -- how many pairs a repeat judges once more
            state VARCHAR NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'working', 'done', 'failed', 'cancelled')),
            cancel BOOLEAN NOT NULL DEFAULT false,
            worker VARCHAR,
            attempts INTEGER NOT NULL DEFAULT 0,
            error VARCHAR,
            created_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            heartbeat_at TIMESTAMP,
            expires_at TIMESTAMP,
            finished_at TIMESTAMP
        );
        -- the workers that looked for work lately: a page can say when nobody will take its run
        CREATE TABLE judge_workers (
            name VARCHAR PRIMARY KEY,
            seen_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        "0018_job_failures",
        """
        -- A try of a job that its database failed (the server went away, then came back) is let go for another
        -- try. ``failures`` counts such tries in a row that stored nothing: a run that got on before its database
        -- failed has not failed, and only a failure that keeps coming fails the job. ``results_at_claim``: how
        -- many results the run held when the try began. (``attempts`` counts every claim, restarts and
        -- take-overs included.)
        ALTER TABLE judge_jobs ADD COLUMN failures INTEGER DEFAULT 0;
        ALTER TABLE judge_jobs ADD COLUMN results_at_claim BIGINT;
        """,
    ),
]


def migrate(
    connection: duckdb.DuckDBPyConnection, migrations: list[tuple[str, str]] | None = None
) -> list[str]:
    """Apply the migrations not yet applied, in order; returns the names applied now."""
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in cursor.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, sql in MIGRATIONS if migrations is None else migrations:
        if name in done:
            continue
        cursor.execute("BEGIN TRANSACTION")
        try:
            cursor.execute(sql)
            cursor.execute(
                "INSERT INTO schema_migrations VALUES (?, ?)", [name, datetime.now(UTC).replace(tzinfo=None)]
            )
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied


def migrate_postgres(connection: Any, migrations: list[tuple[str, str]] | None = None) -> list[str]:
    """:func:`migrate` on a PostgreSQL connection (autocommit): the same migrations, as
    :func:`storage.dialect.postgres_migration` translates them, each in one transaction, under an advisory
    lock so that processes starting together apply each one once."""
    from storage.dialect import postgres_migration
    from storage.postgres import MIGRATE_LOCK, current, prepare

    wanted = MIGRATIONS if migrations is None else migrations
    if current(connection, [name for name, _ in wanted]):  # read only: a role that may not change the schema
        return []  # (a read-only CI role, a second team member's) opens a database that is up to date
    applied = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATE_LOCK])
        prepare(connection)
        connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations "
                           "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")  # fmt: skip
        done = {row[0] for row in connection.execute("SELECT name FROM schema_migrations").fetchall()}
        for name, sql in wanted:
            if name in done:
                continue
            with connection.transaction():  # all of this opening's migrations, or none
                connection.execute(postgres_migration(name, sql))
                connection.execute("INSERT INTO schema_migrations VALUES (%s, %s)",
                                   [name, datetime.now(UTC).replace(tzinfo=None)])  # fmt: skip
            applied.append(name)
    return applied
