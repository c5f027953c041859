#!/usr/bin/env bash
# Local infrastructure for crm-sync development and tests, without Docker:
#   - a real Apache Kafka 4.x broker (KRaft, one node acting as broker and controller),
#     run from jars that Maven resolves (tools/infra/kafka/pom.xml);
#   - FerretDB 1.24 (MongoDB wire protocol, SQLite backend), built from our own tiny Go
#     module (tools/infra/ferretdb).
#
# Usage: tools/infra/infra.sh start|status|stop|reset|env
# Everything it creates lives under <repo>/.cache/infra/ (git-ignored). See README.md here.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)

INFRA_DIR=$REPO_ROOT/.cache/infra
LIBS_DIR=$INFRA_DIR/kafka-libs
BIN_DIR=$INFRA_DIR/bin
STATE_DIR=$INFRA_DIR/state
LOG_DIR=$INFRA_DIR/logs
RUN_DIR=$INFRA_DIR/run

HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-19092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-19093}
MONGO_PORT=${MONGO_PORT:-27027}
START_TIMEOUT=${INFRA_START_TIMEOUT:-60} # seconds, per service
STOP_TIMEOUT=20                          # seconds before SIGTERM becomes SIGKILL

LOCAL_KAFKA_BROKERS=$HOST:$KAFKA_PORT
LOCAL_MONGO_URL=mongodb://$HOST:$MONGO_PORT/

# ferretdb_no_postgresql: we only use the SQLite backend; leaving pgx out makes the
# binary smaller and the cold build faster.
FERRETDB_BUILD_TAGS=ferretdb_no_postgresql

JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# ---------------------------------------------------------------------------- helpers

now_ms() { date +%s%3N; }

# Path relative to the repo root, for shorter messages.
rel() { printf '%s' "${1#"$REPO_ROOT"/}"; }

say() { printf '%-9s %s\n' "$1" "$2"; }

err() { printf 'infra: %s\n' "$*" >&2; }

# show_tail FILE [OFFSET]: prints to stderr the last lines that FILE got after byte OFFSET
# (logs are appended to across restarts; older runs' lines would mislead).
show_tail() {
  local f=$1 offset=${2:-0}
  [[ -n $f && -f $f ]] || return 0
  if (($(stat -c %s "$f") < offset)); then offset=0; fi # rolled over
  (($(stat -c %s "$f") > offset)) || return 0            # nothing new
  printf -- '----- last lines of %s -----\n' "$(rel "$f")" >&2
  tail -c +"$((offset + 1))" "$f" | tail -n 40 >&2
}

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

hash_stdin() { sha256sum | cut -d' ' -f1; }

# Marker that must appear in a process's command line for its pid file to be trusted
# (protects against pid reuse after a crash or reboot).
marker() {
  case $1 in
    kafka) printf 'kafka.Kafka' ;;
    ferretdb) printf 'crm-ferretdb' ;;
  esac
}

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $stat && $stat != Z* ]]
}

# pid_of NAME: prints the pid of our running service, or fails.
pid_of() {
  local pidfile=$RUN_DIR/$1.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  ps -o args= -p "$pid" 2>/dev/null | grep -F -- "$(marker "$1")" >/dev/null || return 1
  printf '%s' "$pid"
}

have_node() { command -v node >/dev/null 2>&1; }

# probe MODE PORT: MODE is tcp, kafka (ApiVersions) or mongo (hello). Without node, only
# checks that the port accepts a connection.
probe() {
  if have_node; then
    node "$SCRIPT_DIR/probe.mjs" "$1" "$HOST" "$2" 2>/dev/null
  else
    (exec 3<>"/dev/tcp/$HOST/$2") 2>/dev/null
  fi
}

port_in_use() { probe tcp "$1"; }

# An address in KAFKA_BROKERS / MONGO_URL equal to the one this script provides is ours,
# so `eval "$(infra.sh env)"; infra.sh start` still starts the local services.
kafka_external() {
  local b=${KAFKA_BROKERS:-}
  [[ -n $b && ${b/localhost:/$HOST:} != "$LOCAL_KAFKA_BROKERS" ]]
}
mongo_external() {
  local u=${MONGO_URL:-}
  u=${u/\/\/localhost:/\/\/$HOST:}
  [[ -n $u && ${u%/} != "${LOCAL_MONGO_URL%/}" ]]
}

# launch NAME OUTFILE CMD...: starts CMD detached (own session, so it survives this shell and
# its terminal) and writes its pid file. The pid is written by the process itself right before
# exec, so it is the service's pid whatever setsid does. fd 9 (our lock) is closed for it.
launch() {
  local name=$1 out=$2 pidfile=$RUN_DIR/$1.pid i
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$, $0 and $@ are for the inner bash
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$out" 2>&1 9>&- &
  for i in {1..100}; do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  err "$name: the process did not start"
  return 1
}

# wait_healthy NAME PORT PROBE_MODE LOG LOG_OFFSET READY_PATTERN [OUT OUT_OFFSET]
# Waits until the port answers PROBE_MODE and (if READY_PATTERN is set) LOG, read from byte
# LOG_OFFSET on, contains READY_PATTERN. Fails early if the process dies; on failure shows
# what this run wrote to LOG and to OUT (the process's stdout/stderr, if separate).
wait_healthy() {
  local name=$1 port=$2 mode=$3 log=$4 offset=$5 pattern=$6 out=${7:-} out_offset=${8:-0}
  local deadline=$((SECONDS + START_TIMEOUT)) why=""
  while :; do
    if ! pid_of "$name" >/dev/null; then
      why="the process exited during startup"
      break
    fi
    if probe "$mode" "$port"; then
      [[ -z $pattern ]] && return 0
      if (($(size_of "$log") < offset)); then offset=0; fi # rolled over: read it all
      # (grep without -q reads to the end: under pipefail, an early exit of grep -q could
      # fail the pipeline through tail's SIGPIPE)
      tail -c +"$((offset + 1))" "$log" 2>/dev/null | grep -F -- "$pattern" >/dev/null && return 0
    fi
    if ((SECONDS >= deadline)); then
      why="not healthy after ${START_TIMEOUT}s (port $port${pattern:+, log line \"$pattern\"})"
      break
    fi
    sleep 0.5
  done
  err "$name: $why"
  show_tail "$log" "$offset"
  show_tail "$out" "$out_offset"
  return 1
}

# summary_line NAME ADDR PID LOG [NOTE]: the service's one-line summary, written to
# $SUMMARY (a file per service, printed by cmd_start once both services are up).
SUMMARY=/dev/stdout
summary_line() {
  printf '%-9s %-16s (pid %s, log %s)%s\n' "$1" "$2" "$3" "$(rel "$4")" "${5:+ $5}" >>"$SUMMARY"
}

# ---------------------------------------------------------------------------- kafka

KAFKA_STATE=$STATE_DIR/kafka
KAFKA_LOG=$LOG_DIR/kafka.log # broker log (log4j2, tools/infra/kafka/log4j2.properties)
KAFKA_OUT=$LOG_DIR/kafka.out # JVM stdout/stderr and the storage format tool's output

# Resolves kafka_2.13 and its runtime jars into LIBS_DIR, once per version of the pom.
kafka_install() {
  local pom=$SCRIPT_DIR/kafka/pom.xml want tmp
  want=$(hash_stdin <"$pom")
  if [[ -f $LIBS_DIR/.stamp && $(<"$LIBS_DIR/.stamp") == "$want" ]]; then return 0; fi
  command -v mvn >/dev/null || { err "kafka: mvn is not installed (needed once to fetch the jars)"; return 1; }
  say kafka "resolving broker jars with Maven into $(rel "$LIBS_DIR")/ ..."
  # Into a fresh directory, then swapped in: a version change must not leave old jars
  # on the classpath next to the new ones.
  tmp=$INFRA_DIR/kafka-libs.tmp.$$
  rm -rf "$tmp"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$LOG_DIR/kafka-install.log" 2>&1; then
    err "kafka: Maven could not resolve the broker jars"
    show_tail "$LOG_DIR/kafka-install.log"
    rm -rf "$tmp"
    return 1
  fi
  printf '%s\n' "$want" >"$tmp/.stamp"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
}

# 22-character base64url form of 16 random bytes, like Kafka's Uuid; Kafka never hands out
# ids starting with '-' (they look like options on a command line), so neither do we.
gen_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c1-22)
    [[ $id != -* ]] && break
  done
  printf '%s' "$id"
}

kafka_write_config() {
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Generated by tools/infra/infra.sh at every start; edits here are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_STATE/data

num.partitions=3
auto.create.topics.enable=true
default.replication.factor=1
min.insync.replicas=1
# One node: every internal topic must have replication factor 1, or group and transaction
# coordinators never become available (clients loop on "coordinator not available").
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer partitions for the internal topics than the default 50: faster first group join
# and first transaction on a 2-core machine.
offsets.topic.num.partitions=3
transaction.state.log.num.partitions=3
# Consumer groups start at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
EOF
}

kafka_up() {
  local pid offset out_offset id
  if pid=$(pid_of kafka); then
    if probe kafka "$KAFKA_PORT"; then
      summary_line kafka "$HOST:$KAFKA_PORT" "$pid" "$KAFKA_LOG" "already running"
      return 0
    fi
    say kafka "pid $pid is up but not answering yet; waiting ..."
    wait_healthy kafka "$KAFKA_PORT" kafka "$KAFKA_LOG" 0 "" || return 1
    summary_line kafka "$HOST:$KAFKA_PORT" "$pid" "$KAFKA_LOG" "already running"
    return 0
  fi
  rm -f "$RUN_DIR/kafka.pid"

  kafka_install || return 1

  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_in_use "$p"; then
      err "kafka: port $p is taken by another process (not started by this script); free it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
      return 1
    fi
  done

  mkdir -p "$KAFKA_STATE/data"
  kafka_write_config

  local java_opts=(
    -Djava.awt.headless=true
    -Dkafka.logs.dir="$LOG_DIR"
    -Dlog4j2.configurationFile="$SCRIPT_DIR/kafka/log4j2.properties"
  )

  # Format the storage once; the cluster id is kept next to it.
  out_offset=$(size_of "$KAFKA_OUT")
  if [[ ! -f $KAFKA_STATE/data/meta.properties ]]; then
    [[ -s $KAFKA_STATE/cluster.id ]] || gen_cluster_id >"$KAFKA_STATE/cluster.id"
    id=$(<"$KAFKA_STATE/cluster.id")
    say kafka "formatting storage (cluster id $id) ..."
    if ! "$JAVA" "${java_opts[@]}" -cp "$LIBS_DIR/*" kafka.tools.StorageTool format \
      -t "$id" -c "$KAFKA_STATE/server.properties" --ignore-formatted >>"$KAFKA_OUT" 2>&1; then
      err "kafka: formatting the storage failed"
      show_tail "$KAFKA_OUT" "$out_offset"
      return 1
    fi
  fi

  offset=$(size_of "$KAFKA_LOG")
  out_offset=$(size_of "$KAFKA_OUT")
  # JIT: compiled code is kept, not flushed (Java 17 flushed methods that went cold while the
  # broker idled between bursts, then recompiled 500 or more of them in every benchmark run).
  # The broker runs with C2: C1 alone (-XX:TieredStopAtLevel=1, used for a while) compiles
  # cheaply, but its code costs more CPU for as long as the broker runs. Pipeline bench, 20,000
  # accounts, broker CPU per run once warm: 13.9-17.3 s with C1 alone, 9.5-13.0 s with C2
  # (about 10 s more in the first run after a start, compiling); see docs/decisions.md.
  launch kafka "$KAFKA_OUT" "$JAVA" -Xms256m -Xmx1536m \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:-UseCodeCacheFlushing \
    -XX:+ExitOnOutOfMemoryError "${java_opts[@]}" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$KAFKA_STATE/server.properties" || return 1

  wait_healthy kafka "$KAFKA_PORT" kafka "$KAFKA_LOG" "$offset" "Kafka Server started" \
    "$KAFKA_OUT" "$out_offset" || return 1
  summary_line kafka "$HOST:$KAFKA_PORT" "$(pid_of kafka)" "$KAFKA_LOG"
}

# ---------------------------------------------------------------------------- ferretdb

FERRETDB_SRC=$SCRIPT_DIR/ferretdb
FERRETDB_BIN=$BIN_DIR/crm-ferretdb
FERRETDB_STATE=$STATE_DIR/ferretdb
FERRETDB_LOG=$LOG_DIR/ferretdb.log

# Builds the FerretDB binary unless the one in BIN_DIR was built from the same sources.
ferretdb_install() {
  local want tmp
  want=$(cat "$FERRETDB_SRC/main.go" "$FERRETDB_SRC/go.mod" "$FERRETDB_SRC/go.sum" \
    "$FERRETDB_SRC/build.sh" <(printf 'tags=%s\n' "$FERRETDB_BUILD_TAGS") | hash_stdin)
  if [[ -x $FERRETDB_BIN && -f $FERRETDB_BIN.stamp && $(<"$FERRETDB_BIN.stamp") == "$want" ]]; then
    return 0
  fi
  command -v go >/dev/null || { err "ferretdb: go is not installed (needed once to build it)"; return 1; }
  say ferretdb "building $(rel "$FERRETDB_BIN") with Go (first run: a minute or two) ..."
  tmp=$FERRETDB_BIN.tmp.$$
  # build.sh applies our fix for `_id` lookups to a scratch copy of FerretDB's source.
  if ! bash "$FERRETDB_SRC/build.sh" "$tmp" "$FERRETDB_BUILD_TAGS" "$INFRA_DIR/ferretdb-build" \
    >"$LOG_DIR/ferretdb-build.log" 2>&1; then
    err "ferretdb: go build failed"
    show_tail "$LOG_DIR/ferretdb-build.log"
    rm -f "$tmp"
    return 1
  fi
  rm -rf "$INFRA_DIR/ferretdb-build"
  mv "$tmp" "$FERRETDB_BIN"
  printf '%s\n' "$want" >"$FERRETDB_BIN.stamp"
}

# SQLite URI of a directory: file:<dir>/ with the few characters that would break the URI escaped.
sqlite_url() {
  local p=$1
  p=${p//%/%25}
  p=${p// /%20}
  p=${p//#/%23}
  p=${p//\?/%3F}
  printf 'file:%s/' "$p"
}

ferretdb_up() {
  local pid offset
  if pid=$(pid_of ferretdb); then
    if probe mongo "$MONGO_PORT"; then
      summary_line ferretdb "$HOST:$MONGO_PORT" "$pid" "$FERRETDB_LOG" "already running"
      return 0
    fi
    say ferretdb "pid $pid is up but not answering yet; waiting ..."
    wait_healthy ferretdb "$MONGO_PORT" mongo "$FERRETDB_LOG" 0 "" || return 1
    summary_line ferretdb "$HOST:$MONGO_PORT" "$pid" "$FERRETDB_LOG" "already running"
    return 0
  fi
  rm -f "$RUN_DIR/ferretdb.pid"

  ferretdb_install || return 1

  if port_in_use "$MONGO_PORT"; then
    err "ferretdb: port $MONGO_PORT is taken by another process (not started by this script); free it or set MONGO_PORT"
    return 1
  fi

  mkdir -p "$FERRETDB_STATE"
  offset=$(size_of "$FERRETDB_LOG")
  launch ferretdb "$FERRETDB_LOG" "$FERRETDB_BIN" \
    -listen-addr "$HOST:$MONGO_PORT" -sqlite-url "$(sqlite_url "$FERRETDB_STATE")" || return 1

  # The mongo probe sends a real `hello` and wants ok: 1, so no log line is needed.
  wait_healthy ferretdb "$MONGO_PORT" mongo "$FERRETDB_LOG" "$offset" "" || return 1
  summary_line ferretdb "$HOST:$MONGO_PORT" "$(pid_of ferretdb)" "$FERRETDB_LOG"
}

# ---------------------------------------------------------------------------- commands

# Serialises start/stop/reset (two test runners calling `start` at once would race).
take_lock() {
  mkdir -p "$INFRA_DIR"
  exec 9>"$INFRA_DIR/.lock"
  if command -v flock >/dev/null && ! flock -w 300 9; then
    err "another infra.sh is still busy (lock $(rel "$INFRA_DIR")/.lock)"
    exit 1
  fi
}

cmd_start() {
  take_lock
  mkdir -p "$LIBS_DIR" "$BIN_DIR" "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
  local t0 tmp rc=0 kafka_job="" ferretdb_job=""
  t0=$(now_ms)
  tmp=$(mktemp -d "$RUN_DIR/start.XXXXXX")
  START_TMP=$tmp
  trap 'rm -rf "$START_TMP"' EXIT

  # Both services are installed and started in parallel, each in its own subshell.
  # Progress messages appear as they come; the one-line summaries are printed at the end,
  # in a fixed order.
  : >"$tmp/kafka"
  : >"$tmp/ferretdb"
  if kafka_external; then
    printf '%-9s %-16s (KAFKA_BROKERS is set: using that broker, not starting one)\n' \
      kafka "$KAFKA_BROKERS" >"$tmp/kafka"
  else
    (SUMMARY=$tmp/kafka; kafka_up) &
    kafka_job=$!
  fi
  if mongo_external; then
    printf '%-9s %-16s (MONGO_URL is set: using that server, not starting FerretDB)\n' \
      ferretdb "$MONGO_URL" >"$tmp/ferretdb"
  else
    (SUMMARY=$tmp/ferretdb; ferretdb_up) &
    ferretdb_job=$!
  fi
  if [[ -n $kafka_job ]] && ! wait "$kafka_job"; then rc=1; fi
  if [[ -n $ferretdb_job ]] && ! wait "$ferretdb_job"; then rc=1; fi
  cat "$tmp/kafka" "$tmp/ferretdb"

  local ms=$(($(now_ms) - t0))
  if ((rc != 0)); then
    err "start failed after $((ms / 1000)).$(printf '%03d' $((ms % 1000)))s (see the messages above; \`$0 stop\` cleans up)"
    return 1
  fi
  printf 'ready in %d.%03ds\n' $((ms / 1000)) $((ms % 1000))
}

# stop_one NAME: SIGTERM, up to STOP_TIMEOUT s for a clean exit, then SIGKILL.
stop_one() {
  local name=$1 pid i
  if ! pid=$(pid_of "$name"); then
    rm -f "$RUN_DIR/$name.pid"
    say "$name" "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    say "$name" "stopped (pid $pid did not exit within ${STOP_TIMEOUT}s: killed)"
  else
    say "$name" "stopped (pid $pid)"
  fi
  rm -f "$RUN_DIR/$name.pid"
}

cmd_stop() {
  take_lock
  # In parallel: Kafka's controlled shutdown takes a few seconds.
  stop_one kafka &
  local k=$!
  stop_one ferretdb
  wait "$k"
}

cmd_reset() {
  cmd_stop
  rm -rf "$STATE_DIR"
  say infra "state deleted ($(rel "$STATE_DIR")/); caches kept"
}

cmd_status() {
  local rc=0 pid
  if kafka_external; then
    say kafka "external: $KAFKA_BROKERS (KAFKA_BROKERS is set)"
  elif pid=$(pid_of kafka); then
    if probe kafka "$KAFKA_PORT"; then
      say kafka "running  $HOST:$KAFKA_PORT (pid $pid)"
    else
      say kafka "unhealthy: pid $pid does not answer on $HOST:$KAFKA_PORT"
      rc=1
    fi
  else
    say kafka "stopped"
    rc=1
  fi
  if mongo_external; then
    say ferretdb "external: $MONGO_URL (MONGO_URL is set)"
  elif pid=$(pid_of ferretdb); then
    if probe mongo "$MONGO_PORT"; then
      say ferretdb "running  $HOST:$MONGO_PORT (pid $pid)"
    else
      say ferretdb "unhealthy: pid $pid does not answer on $HOST:$MONGO_PORT"
      rc=1
    fi
  else
    say ferretdb "stopped"
    rc=1
  fi
  return "$rc"
}

cmd_env() {
  printf 'export KAFKA_BROKERS=%q\n' "${KAFKA_BROKERS:-$LOCAL_KAFKA_BROKERS}"
  printf 'export MONGO_URL=%q\n' "${MONGO_URL:-$LOCAL_MONGO_URL}"
}

usage() {
  cat <<EOF
usage: $0 start|status|stop|reset|env
  start   install what is missing, start Kafka and FerretDB, wait until both are healthy
  status  running/stopped per service (exit 1 if any is down)
  stop    stop both (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s)
  reset   stop, then delete their data (keeps downloaded jars and the built binary)
  env     print export lines for eval: KAFKA_BROKERS, MONGO_URL
EOF
}

case ${1:-} in
  start) cmd_start ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  reset) cmd_reset ;;
  env) cmd_env ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
esac
