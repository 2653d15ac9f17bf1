#!/usr/bin/env bash
# What the server spends its time on during a bench's measured phases, statement by statement: waits for the run's
# measured phases to begin, counts from there with pg_stat_statements, and when the run has dropped its database,
# prints the statements that took the most server time.
#   KANGEN_PG_STATEMENTS=1 scripts/postgres.sh restart   the server loads pg_stat_statements (keeps its data; see there)
#   scripts/pg-statements.sh [TOP]                        start it together with `kangen bench apply --postgres`
#                                                         (on a fresh database of the run's own); TOP rows, default 25
# The run is the first bench database (kangen_bench_*) created after the script started. Its measured phases begin
# when it has gathered the planner's statistics after its warm-up (bench apply does, on its fresh database:
# docs/performance.md, "The server's side of a group"); what is counted from there holds the measured sessions, the
# measured applications and the run's checks after them (its audit chain's read, say). Times are the server's planning
# and execution (pg_stat_statements.track_planning, which postgres.sh turns on with it); parsing, the protocol and the
# round trip are not in them. With track=all a statement run inside another (an insert's foreign-key checks) is
# counted on its own row and in the statement that ran it.
# Talks to the server of scripts/postgres.sh (127.0.0.1, port $KANGEN_PG_PORT, default 55432) as postgres; waits at
# most WAIT (default 1200) seconds for each of the run's steps. The waits cost the server little: the statistics are
# watched from one session, the drop is polled once a second.
set -euo pipefail

TOP=${1:-25}
PORT=${KANGEN_PG_PORT:-55432}
WAIT=${WAIT:-1200}
[[ "$TOP" =~ ^[1-9][0-9]*$ ]] || { echo "pg-statements.sh: TOP must be a whole number above 0" >&2; exit 2; }
[[ "$WAIT" =~ ^[1-9][0-9]*$ ]] || { echo "pg-statements.sh: WAIT must be a whole number above 0" >&2; exit 2; }
command -v psql >/dev/null || { echo "pg-statements.sh: psql not found (scripts/postgres.sh install)" >&2; exit 2; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
die() { echo "pg-statements.sh: $*" >&2; exit 1; }

libraries=$(q -d postgres -c "SHOW shared_preload_libraries") || die "cannot reach the server on 127.0.0.1:$PORT (scripts/postgres.sh start)"
[[ ",${libraries// /}," == *,pg_stat_statements,* ]] \
  || die "the server does not load pg_stat_statements: KANGEN_PG_STATEMENTS=1 scripts/postgres.sh restart"
q -d postgres -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pg_stat_statements"

bench_databases() { q -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'kangen\_bench\_%' ORDER BY datname"; }
before=$(bench_databases)
database=""
for ((i = 0; i < WAIT; i++)); do
  new=$(LC_ALL=C comm -13 <(echo "$before") <(bench_databases) | sed '/^$/d')
  case $(echo -n "$new" | grep -c '^' || true) in
    0) sleep 1 ;;
    1) database=$new; break ;;
    *) die "several bench databases appeared at once ($(echo $new)): one run at a time" ;;
  esac
done
[ -n "$database" ] || die "no bench database appeared within ${WAIT}s: start the script together with kangen bench apply --postgres"
dbid=$(q -d postgres -c "SELECT oid FROM pg_database WHERE datname = '$database'")
echo "pg-statements.sh: $database; waiting for its measured phases (the planner's statistics gathered)"

# One session in the run's database watches for its analysis (statistics are a snapshot per transaction: cleared on
# every look); the counts are reset as soon as it returns.
q -d "$database" -c "
DO \$\$
DECLARE stop timestamptz := clock_timestamp() + interval '$WAIT seconds';
BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_user_tables WHERE relname = 'applications' AND last_analyze IS NOT NULL);
    IF clock_timestamp() > stop THEN
      RAISE EXCEPTION 'not analyzed within $WAIT s (a bench of another kind, or an older build?)';
    END IF;
    PERFORM pg_sleep(0.02);
  END LOOP;
END
\$\$;" || die "$database: no measured phases to count"
q -d postgres -c "SELECT pg_stat_statements_reset()" >/dev/null
started=$(date +%s%N)
echo "pg-statements.sh: counting from $(date -u +%H:%M:%S) UTC until the run drops $database"
for ((i = 0; ; i++)); do
  [ -z "$(q -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ] && break
  [ "$i" -lt "$WAIT" ] || die "$database was not dropped within ${WAIT}s"
  sleep 1
done
seconds=$(( ($(date +%s%N) - started) / 1000000000 ))

psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -P pager=off <<SQL
\echo 'Counted for about $seconds s (the measured phases, the checks, up to a second after the drop). All statements:'
SELECT round(sum(total_plan_time)::numeric) AS "planning ms", round(sum(total_exec_time)::numeric) AS "execution ms",
       sum(calls) AS calls
FROM pg_stat_statements WHERE dbid = $dbid AND toplevel;
\echo 'The statements that took the most (planning + execution; means in ms; rows returned or written; nested: run inside another):'
SELECT calls, round((total_plan_time + total_exec_time)::numeric) AS "total ms",
       round(mean_plan_time::numeric, 3) AS "plan", round(mean_exec_time::numeric, 3) AS "exec", rows,
       CASE WHEN toplevel THEN '' ELSE 'nested' END AS nested,
       left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS statement
FROM pg_stat_statements WHERE dbid = $dbid
ORDER BY total_plan_time + total_exec_time DESC LIMIT $TOP;
SQL
