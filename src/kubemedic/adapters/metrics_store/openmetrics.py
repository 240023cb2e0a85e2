"""Reading a metrics history in OpenMetrics text into the store's batch table, inside DuckDB.

``kubemedic sandbox history`` writes days of cAdvisor series — the
``container_cpu_usage_seconds_total`` counter and the ``container_memory_working_set_bytes``
gauge, labelled namespace / pod / container, timestamped in seconds — among series the store
does not keep. DuckDB streams the file (plain or ``.gz``) in parallel, keeps only those two
families, cuts each line at its braces and spaces (a label set is parsed once per series, not
once per line) and turns each counter into per-interval rates: delta / dt between consecutive
samples of a series, and after a reset the new value is the increase. No Python loop ever
sees a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from kubemedic.errors import InputError

CPU = "container_cpu_usage_seconds_total"
MEMORY = "container_memory_working_set_bytes"

_PARSE = """
CREATE OR REPLACE TEMP TABLE history_lines AS
WITH lines AS (
    SELECT line, strpos(line, '{') AS open, strpos(line, '} ') AS close
    FROM read_csv($1, columns = {'line': 'VARCHAR'}, header = false, delim = chr(0),
                  quote = '', escape = '', auto_detect = false, strict_mode = false)
    WHERE starts_with(line, $2 || '{') OR starts_with(line, $3 || '{')
), parts AS (
    SELECT line, close, line[:open - 1] = $2 AS is_cpu, line[open + 1:close - 1] AS labels,
           string_split(rtrim(line[close + 2:], chr(13) || ' '), ' ') AS fields
    FROM lines
), read AS (
    SELECT line, close, is_cpu, labels,
           try_cast(fields[1] AS DOUBLE) AS value, try_cast(fields[2] AS DOUBLE) AS ts
    FROM parts
), judged AS (
    SELECT *, CASE
        WHEN close = 0 THEN 'not a sample line'
        WHEN value IS NULL OR isnan(value) OR isinf(value) THEN 'no numeric value'
        WHEN ts IS NULL THEN 'no timestamp (a history needs one on every sample)'
        WHEN ts NOT BETWEEN 0 AND 4294967295 THEN
            'a timestamp outside 1970-2106 (OpenMetrics times are seconds, not milliseconds)'
    END AS problem
    FROM read
)
SELECT is_cpu, labels, value, ts, problem, CASE WHEN problem IS NOT NULL THEN line END AS line
FROM judged
"""
_PROBLEMS = """
SELECT count(*) OVER (), problem, line FROM history_lines WHERE problem IS NOT NULL LIMIT 1
"""
_SERIES = """
CREATE OR REPLACE TEMP TABLE history_series AS
SELECT labels,
       regexp_extract(labels, '(?:^|,)namespace="([^"]*)"', 1) AS namespace,
       regexp_extract(labels, '(?:^|,)pod="([^"]*)"', 1) AS pod,
       regexp_extract(labels, '(?:^|,)container="([^"]*)"', 1) AS container
FROM (SELECT DISTINCT labels FROM history_lines)
"""
_UNLABELLED = "SELECT labels FROM history_series WHERE namespace = '' OR pod = '' LIMIT 1"
_RATES = """
CREATE OR REPLACE TEMP TABLE batch_usage AS
WITH counters AS (
    SELECT labels, ts, value, lag(value) OVER w AS previous, lag(ts) OVER w AS previous_ts
    FROM history_lines WHERE is_cpu
    WINDOW w AS (PARTITION BY labels ORDER BY ts)
), cpu AS (
    SELECT labels, ts,
           CASE WHEN value >= previous THEN value - previous ELSE value END
           / (ts - previous_ts) AS cpu_cores
    FROM counters
    WHERE previous IS NOT NULL AND ts > previous_ts
), memory AS (
    SELECT labels, ts, value AS memory_bytes FROM history_lines WHERE NOT is_cpu
)
SELECT s.namespace, s.pod, s.container, round(ts)::UINTEGER AS sampled_at,
       cpu_cores, memory_bytes
FROM cpu FULL JOIN memory USING (labels, ts) JOIN history_series s USING (labels)
WHERE s.container NOT IN ('', 'POD')
  AND ($1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], s.namespace))
"""


def load_history(
    connection: duckdb.DuckDBPyConnection, source: Path, namespaces: Sequence[str] | None
) -> None:
    """Fill the temporary ``batch_usage`` table with the usage samples in ``source``."""
    if not source.is_file():
        problem = "a directory, not a history file" if source.is_dir() else "no such file"
        raise InputError(problem, path=str(source))
    selected = list(namespaces) if namespaces is not None else None
    try:
        connection.execute(_PARSE, [str(source), CPU, MEMORY])
    except duckdb.Error as exc:
        raise InputError(f"cannot be read as OpenMetrics text: {exc}", path=str(source)) from None
    found = connection.execute(_PROBLEMS).fetchone()
    if found:
        bad, problem, line = found
        raise InputError(
            f"{bad} {CPU} / {MEMORY} line(s) cannot be used: {problem}, as in: {line[:200]}",
            path=str(source),
        )
    connection.execute(_SERIES)
    unlabelled = connection.execute(_UNLABELLED).fetchone()
    if unlabelled:
        raise InputError(
            f"samples without a namespace or pod label, as in: {{{unlabelled[0][:200]}}}",
            path=str(source),
        )
    connection.execute(_RATES, [selected])
    (samples,) = connection.execute("SELECT count(*) FROM batch_usage").fetchone() or (0,)
    if samples:
        return
    scope = f" in namespaces {', '.join(selected)}" if selected else ""
    raise InputError(
        f"no {CPU} or {MEMORY} samples{scope}",
        path=str(source),
        hint="write one with `kubemedic sandbox history --out FILE`",
    )
