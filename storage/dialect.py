"""What differs between the two backends, in one place: DuckDB (the embedded default) and PostgreSQL (a team
server). The storage modules write one SQL, DuckDB's; on PostgreSQL it is translated here (placeholders, the
few DuckDB names PostgreSQL lacks, a cast), and the functions it then calls are defined by :data:`FUNCTIONS`.
Everything else (window functions, FILTER, ON CONFLICT, RETURNING, arrays) the two already share.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote

import pyarrow as pa

__all__ = ["FUNCTIONS", "hidden", "is_postgres", "pg_type", "postgres_migration", "redacted", "to_postgres",
           "unknown_scheme"]


def is_postgres(location: str) -> bool:
    """A ``postgresql://`` (or ``postgres://``) URL names a team server; anything else is a DuckDB file."""
    return location.startswith(("postgresql://", "postgres://"))


def unknown_scheme(location: str) -> str | None:
    """Why ``location`` is no database, when it is written as a URL (``scheme://``) but not a team server's:
    never a DuckDB file's name (a mistyped server URL would make a folder named after its password)."""
    if is_postgres(location) or re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", location) is None:
        return None
    return (f"{location.split('://', 1)[0]}://... is neither a DuckDB file nor a team server: a server's URL starts "
            "with postgresql:// (or postgres://), in lower case")


def redacted(url: str) -> str:
    """The URL as messages, logs and pages may show it: its user, hosts, ports, database and options, never a
    password (in the user part or in the options), also for a URL the driver cannot read."""
    scheme, _, rest = url.partition("://")
    try:
        from psycopg.conninfo import conninfo_to_dict

        info = {k: str(v) for k, v in conninfo_to_dict(url).items() if k != "password"}
    except Exception:  # noqa: BLE001 - unreadable (a stray '%'): the part after the user, without options
        shown = rest.rsplit("@", 1)[-1].split("?", 1)[0]
        return f"{scheme}://{shown}" + (" (user and password not shown)" if "@" in rest else "")
    hosts, ports = info.pop("host", "").split(","), info.pop("port", "").split(",")
    ports += [ports[-1]] * (len(hosts) - len(ports))  # one port for every host
    netloc = ",".join(h + (f":{p}" if p else "") for h, p in zip(hosts, ports, strict=False) if not h.startswith("/"))
    sockets = [h for h in hosts if h.startswith("/")]
    if sockets:
        info["host"] = ",".join(sockets)
    user = info.pop("user", None)
    database = info.pop("dbname", "")
    options = "&".join(f"{k}={quote(v, safe='/,')}" for k, v in info.items())
    return f"{scheme}://{user + '@' if user else ''}{netloc}/{database}" + (f"?{options}" if options else "")


def hidden(text: str, url: str) -> str:
    """``text`` (a driver's message) with the URL's password taken out, however it was written in the URL."""
    _, _, rest = url.partition("://")
    secrets = re.findall(r"[?&]password=([^&]*)", rest)
    if "@" in rest:
        user_part = rest.rsplit("@", 1)[0]
        if ":" in user_part:
            secrets.append(user_part.split(":", 1)[1])
    for secret in sorted({s for raw in secrets for s in (raw, unquote(raw)) if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


# A quoted string or a comment is copied as it is; outside them, DuckDB's placeholders become psycopg's, and
# '%' (psycopg's own marker) is doubled.
_TOKENS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|\$([A-Za-z_]\w*)|\?|%")
_CONTAINS = re.compile(r"\blist_contains\((\?|\$\w+), ([\w.]+)\)")
_TRY_CAST = re.compile(r"\bTRY_CAST\((.+?) AS (INTEGER|BIGINT|DOUBLE|BOOLEAN)\)", re.S)
_DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)")


@lru_cache(maxsize=4096)
def to_postgres(sql: str, with_params: bool = True) -> str:
    """DuckDB's SQL as PostgreSQL's: ``?`` and ``$name`` become ``%s`` and ``%(name)s``; ``TRY_CAST(x AS T)``
    becomes ``try_cast_t(x)`` (defined in :data:`FUNCTIONS`), ``DOUBLE`` is ``DOUBLE PRECISION``."""
    sql = _CONTAINS.sub(r"(\2 = ANY(\1))", sql)  # a form PostgreSQL answers from an index
    sql = _TRY_CAST.sub(lambda m: f"try_cast_{m.group(2).lower()}({m.group(1)})", sql)
    sql = _DOUBLE.sub("DOUBLE PRECISION", sql)
    if not with_params:
        return sql

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match.group(1):
            return f"%({match.group(1)})s"
        return text.replace("%", "%%")  # a quoted string or a comment: psycopg reads '%' in them too

    return _TOKENS.sub(token, sql)


def postgres_migration(name: str, sql: str) -> str:
    """A migration's SQL (written for DuckDB) for PostgreSQL, with what it adds there alone."""
    return to_postgres(sql, with_params=False) + POSTGRES_ONLY.get(name, "")


POSTGRES_ONLY = {
    # PostgreSQL reads a row by scanning its table unless an index leads to it (DuckDB scans its columns
    # quickly, and its indexes would slow the bulk imports): the lookups every rating, queue and run makes.
    "0017_judge_jobs": """
        CREATE INDEX rating_events_by_pair ON rating_events (pair_id, annotator);
        CREATE INDEX rating_events_by_annotator ON rating_events (annotator, pair_id);
        CREATE INDEX judge_results_by_pair ON judge_results (pair_id);
        CREATE INDEX adjudications_by_run ON adjudications (run_id);
        CREATE INDEX adjudications_by_pair ON adjudications (pair_id);
        CREATE INDEX judge_batches_by_run ON judge_batches (run_id);
        CREATE INDEX judge_jobs_by_state ON judge_jobs (state, id);
        CREATE INDEX judge_jobs_by_run ON judge_jobs (run_id);
    """,
}


# DuckDB's functions the storage SQL uses that PostgreSQL lacks, under DuckDB's names; each is small and
# does what DuckDB's does on the values the schema holds.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION list_contains(anycompatiblearray, anycompatible) RETURNS boolean
    LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($2 = ANY($1), false)';
CREATE OR REPLACE FUNCTION hash(text) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT hashtextextended($1, 0)';
CREATE OR REPLACE FUNCTION len(anycompatiblearray) RETURNS integer
    LANGUAGE sql IMMUTABLE AS 'SELECT coalesce(cardinality($1), 0)';
CREATE OR REPLACE FUNCTION json_keys(json) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT AS
    'SELECT CASE WHEN json_typeof($1) = ''object'' THEN ARRAY(SELECT json_object_keys($1)) ELSE ARRAY[]::text[] END';
CREATE OR REPLACE FUNCTION json_extract(json, text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT jsonb_path_query_first($1::jsonb, $2::jsonpath)';
CREATE OR REPLACE FUNCTION json_extract_string(json, text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT AS 'SELECT jsonb_path_query_first($1::jsonb, $2::jsonpath) #>> ''{}''';
CREATE OR REPLACE FUNCTION try_cast_integer(jsonb) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN ($1 #>> '{}')::integer; EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION try_cast_bigint(jsonb) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN ($1 #>> '{}')::bigint; EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION try_cast_double(jsonb) RETURNS double precision LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN ($1 #>> '{}')::double precision; EXCEPTION WHEN others THEN RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION try_cast_boolean(jsonb) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
    BEGIN RETURN ($1 #>> '{}')::boolean; EXCEPTION WHEN others THEN RETURN NULL; END $$;
"""


def pg_type(kind: pa.DataType) -> str:
    """The PostgreSQL column type for an Arrow column staged for a set-based INSERT."""
    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_integer(kind):
        return "INTEGER" if kind.bit_width <= 32 else "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE PRECISION"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMP"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return "TEXT"
    raise TypeError(f"no PostgreSQL type for the Arrow type {kind}")
