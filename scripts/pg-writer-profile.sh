#!/usr/bin/env bash
# Where the group commit's transactions spend their time on PostgreSQL, seen from the server: samples
# pg_stat_activity every few milliseconds while a bench runs, then reports, over the last phase in which the platform
# wrote applications (the measured one of `kangen bench apply`: after the last session was written), what the
# writer's backend was doing.
#   scripts/pg-writer-profile.sh SECONDS     sample for SECONDS (start it together with `kangen bench apply --postgres`)
# Talks to the server of scripts/postgres.sh (127.0.0.1, port $KANGEN_PG_PORT, default 55432) as postgres; the
# samples stay in a temporary table of its own session. Only the bench's databases (kangen_bench_*) are sampled.
# The sampling costs the server some processor time of its own (one row per bench backend every few milliseconds),
# on the same cores as the run: the run's figures are a little lower than without it.
#
# The writer's backend is the one inside a transaction of several statements: idle in transaction, or running a
# statement that started after its transaction did (a request's single read starts its transaction with it).
#   waits for the platform   idle in transaction: the server has answered and the platform has not sent the next
#                            statement yet (its processing, the loopback, and its threads' scheduling)
#   runs a statement         active: the server executes (or waits on a lock or the WAL: the wait_event column)
#   no group transaction     no backend inside one: the writer is between groups (or in BEGIN)
set -euo pipefail

SECONDS_TO_SAMPLE=${1:?usage: scripts/pg-writer-profile.sh SECONDS}
PORT=${KANGEN_PG_PORT:-55432}
[[ "$SECONDS_TO_SAMPLE" =~ ^[1-9][0-9]*$ ]] || { echo "pg-writer-profile.sh: SECONDS must be a whole number above 0" >&2; exit 2; }
command -v psql >/dev/null || { echo "pg-writer-profile.sh: psql not found (scripts/postgres.sh install)" >&2; exit 2; }

psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres <<SQL
CREATE TEMP TABLE samples (n int, at timestamptz, pid int, state text, wait text, in_group bool, statement text);
DO \$\$
DECLARE
  n int := 0;
  stop timestamptz := clock_timestamp() + interval '$SECONDS_TO_SAMPLE seconds';
BEGIN
  WHILE clock_timestamp() < stop LOOP
    n := n + 1;
    -- pg_stat_activity is a snapshot per transaction: cleared, or every sample would repeat the first.
    PERFORM pg_stat_clear_snapshot();
    INSERT INTO samples
      SELECT n, clock_timestamp(), pid, state, coalesce(wait_event, '-'),
             state = 'idle in transaction' OR (state = 'active' AND xact_start < query_start),
             left(regexp_replace(query, '\s+', ' ', 'g'), 40)
      FROM pg_stat_activity
      WHERE datname LIKE 'kangen_bench_%' AND backend_type = 'client backend';
    PERFORM pg_sleep(0.003);
  END LOOP;
END
\$\$;
-- The last phase that wrote applications: after the last sample that saw a session written, up to the last that saw
-- an application written (bench apply writes sessions, then applications, warm-up and measured alike).
CREATE TEMP TABLE window_samples AS
  SELECT s.* FROM samples s
  WHERE s.n > coalesce((SELECT max(n) FROM samples WHERE state = 'active' AND statement ~ '^INSERT INTO "?sessions'), 0)
    AND s.n <= (SELECT max(n) FROM samples WHERE statement LIKE 'INSERT INTO "applications"%');
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM window_samples) THEN
    RAISE EXCEPTION 'No application was seen written: start the script together with kangen bench apply --postgres, for longer than the run.';
  END IF;
END
\$\$;
\echo
\echo 'Samples in the last phase that wrote applications, and its length:'
SELECT count(DISTINCT n) AS samples, round(extract(epoch FROM max(at) - min(at))::numeric, 2) AS seconds FROM window_samples;
-- Per sample, the writer's backend (the lowest pid when two are inside such a transaction; counted below).
CREATE TEMP TABLE writer AS
  SELECT w.n, g.state, g.wait, g.statement
  FROM (SELECT DISTINCT n FROM window_samples) w
  LEFT JOIN LATERAL (SELECT * FROM window_samples s WHERE s.n = w.n AND s.in_group ORDER BY s.pid LIMIT 1) g ON true;
\echo 'What the writer was doing (share of those samples; a statement is named by its first words):'
SELECT round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "%",
       CASE WHEN state IS NULL THEN 'no group transaction'
            ELSE CASE WHEN state = 'idle in transaction' THEN 'waits for the platform, after ' ELSE 'runs ' END
                 || left(statement, 30)
                 || CASE WHEN state = 'active' AND wait <> '-' THEN ' (waiting on ' || wait || ')' ELSE '' END
       END AS doing
FROM writer GROUP BY 2 ORDER BY count(*) DESC;
\echo 'Samples with more than one backend inside a transaction of several statements (counted above by the lowest pid):'
SELECT count(*) AS samples FROM (SELECT n FROM window_samples WHERE in_group GROUP BY n HAVING count(*) > 1) more;
\echo 'The same, by what the server was doing:'
SELECT round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "%",
       CASE WHEN state IS NULL THEN 'no group transaction'
            WHEN state = 'idle in transaction' THEN 'waits for the platform' ELSE 'runs a statement' END AS doing
FROM writer GROUP BY 2 ORDER BY count(*) DESC;
SQL
