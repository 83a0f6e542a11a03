#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller) from Maven Central jars.
#
#   deploy/kafka/kafka.sh fetch    # download the broker's jars into the cache (once)
#   deploy/kafka/kafka.sh start    # fetch if needed, format storage once, start, wait until it answers
#   deploy/kafka/kafka.sh stop     # SIGTERM, SIGKILL after KAFKA_STOP_TIMEOUT s; no-op when stopped
#   deploy/kafka/kafka.sh status   # exit 0 when running and answering, 3 when not
#   deploy/kafka/kafka.sh log      # tail of the broker's log
#
# Environment (all optional):
#   KAFKA_DIR               run dir: server.properties, data/, kafka.log, kafka.pid  (<repo>/.run/kafka)
#   KAFKA_PORT              PLAINTEXT listener on 127.0.0.1                          (9092)
#   KAFKA_CONTROLLER_PORT   CONTROLLER listener on 127.0.0.1                         (9093)
#   KAFKA_HEAP_OPTS         JVM heap                                                 (-Xmx768m -Xms256m)
#   KAFKA_START_TIMEOUT     seconds to wait for the broker to answer                 (60)
#   KAFKA_STOP_TIMEOUT      seconds between SIGTERM and SIGKILL                      (20)
#   KAFKA_LOG_LEVEL         log4j2 root level                                        (INFO)
#   KAFKA_LIBS              jar folder  (${PMF_CACHE_DIR:-$HOME/.cache/pmf}/kafka-<version>/libs)
#   PYTHON                  interpreter with kafka-python, for the readiness check
#                           (<repo>/.venv/bin/python if present, else python3)
# The Kafka version is the <kafka.version> property of pom.xml beside this script.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
POM="$HERE/pom.xml"
VERSION="$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$VERSION" ]] || { echo "kafka.sh: no <kafka.version> in $POM" >&2; exit 2; }

CACHE_DIR="${PMF_CACHE_DIR:-${HOME:-/tmp}/.cache/pmf}"
LIBS="${KAFKA_LIBS:-$CACHE_DIR/kafka-$VERSION/libs}"
MARKER="$LIBS/.complete"
RUN_DIR="${KAFKA_DIR:-$REPO/.run/kafka}"
HOST=127.0.0.1
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx768m -Xms256m}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
LOG_LEVEL="${KAFKA_LOG_LEVEL:-INFO}"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROPS="$RUN_DIR/server.properties"
DATA_DIR="$RUN_DIR/data"

if [[ -n "${PYTHON:-}" ]]; then
  PY="$PYTHON"
elif [[ -x "$REPO/.venv/bin/python" ]]; then
  PY="$REPO/.venv/bin/python"
else
  PY=python3
fi

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

libs_complete() {
  [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$(pom_hash)" ]] \
    && compgen -G "$LIBS/kafka_2.13-$VERSION.jar" >/dev/null
}

cmd_fetch() {
  if libs_complete; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  command -v java >/dev/null || die "java not found (apt-get install -y openjdk-17-jre-headless)"
  mkdir -p "$(dirname "$LIBS")"
  # One fetch at a time per cache folder (parallel test runs share the cache).
  exec 9>"$(dirname "$LIBS")/.fetch.lock"
  flock 9
  if ! libs_complete; then
    log "fetching Kafka $VERSION jars from Maven Central into $LIBS"
    local tmp="$LIBS.tmp.$$"
    rm -rf "$tmp"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
        -DoutputDirectory="$tmp" >&2; then
      rm -rf "$tmp"
      die "mvn dependency:copy-dependencies failed"
    fi
    compgen -G "$tmp/kafka_2.13-$VERSION.jar" >/dev/null || { rm -rf "$tmp"; die "kafka_2.13-$VERSION.jar missing after fetch"; }
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    pom_hash >"$MARKER"
  fi
  flock -u 9
  exec 9>&-
}

# A process is alive when it exists and is not a zombie (PID 1 here may not reap orphans).
alive() {
  local pid="$1" state
  [[ -r "/proc/$pid/stat" ]] || return 1
  state="$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)"
  [[ "$state" != "Z" && "$state" != "X" ]]
}

# The pid in our pid file, if it is a live broker of ours (guards against pid reuse).
broker_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "kafka.Kafka $PROPS" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# A metadata request through kafka-python; falls back to the broker's own "started" log line
# when no kafka-python is importable.
metadata_ok() {
  if "$PY" -c 'import kafka' 2>/dev/null; then
    "$PY" - "$HOST:$PORT" <<'PYEOF' >"$RUN_DIR/ready-check.log" 2>&1
import sys
from kafka import KafkaAdminClient
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], request_timeout_ms=5000,
                         client_id="pmf-kafka-sh")
try:
    admin.list_topics()
finally:
    admin.close()
PYEOF
  else
    # Quieter than INFO the broker logs no "started" line: the open port is the sign left.
    grep -q "Kafka Server started" "$LOG_FILE" 2>/dev/null ||
      [[ ! "$LOG_LEVEL" =~ ^(INFO|DEBUG|TRACE|ALL)$ ]]
  fi
}

write_config() {
  mkdir -p "$RUN_DIR" "$DATA_DIR"
  cat >"$PROPS" <<EOF
# Written by deploy/kafka/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR

# single node: every internal topic with one replica
num.partitions=2
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=2
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=2
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# the default delays every first group join by 3 s
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
# Faust table changelogs are compacted topics
log.cleaner.enable=true
log.retention.hours=168
log.segment.bytes=104857600

# two cores
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
EOF
  cat >"$RUN_DIR/log4j2.properties" <<EOF
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $LOG_LEVEL
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
# the full config dump of every client/server config object
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
EOF
}

java_opts() {
  echo "-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35" \
       "-XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true" \
       "-Dlog4j2.configurationFile=$RUN_DIR/log4j2.properties -Dkafka.logs.dir=$RUN_DIR"
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then return 0; fi
  local cluster_id=""
  # A Kafka Uuid is 16 random bytes in URL-safe base64 without padding; the CLI refuses ids
  # starting with '-'. Generating it here saves a JVM start (StorageTool random-uuid).
  while [[ -z "$cluster_id" || "$cluster_id" == -* ]]; do
    cluster_id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  # shellcheck disable=SC2046
  if ! java -Xmx256m $(java_opts) -cp "$LIBS/*" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$PROPS" >>"$LOG_FILE" 2>&1; then
    tail -n 30 "$LOG_FILE" >&2
    die "storage format failed (log: $LOG_FILE)"
  fi
}

# Wait until the port accepts connections and a metadata request succeeds.
wait_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! alive "$pid"; then
      tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"
      die "broker (pid $pid) exited during startup (log: $LOG_FILE)"
    fi
    if port_open "$PORT" && metadata_ok; then
      return 0
    fi
    sleep 0.5
  done
  tail -n 60 "$LOG_FILE" >&2 || true
  if [[ -s "$RUN_DIR/ready-check.log" ]]; then
    log "last readiness check ($PY):"; tail -n 20 "$RUN_DIR/ready-check.log" >&2
  fi
  die "broker (pid $pid) did not answer on $HOST:$PORT within ${START_TIMEOUT}s (log: $LOG_FILE)"
}

cmd_start() {
  local pid
  if pid="$(broker_pid)"; then
    if port_open "$PORT" && metadata_ok; then
      log "Kafka $VERSION already running (pid $pid) on $HOST:$PORT"
      return 0
    fi
    log "Kafka $VERSION (pid $pid) is starting; waiting"
    wait_ready "$pid"
    log "Kafka $VERSION ready on $HOST:$PORT (pid $pid)"
    return 0
  fi
  rm -f "$PID_FILE"
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then die "port $HOST:$p is already in use by another process"; fi
  done
  cmd_fetch
  write_config
  if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
  format_storage
  # shellcheck disable=SC2046,SC2086
  nohup java $HEAP_OPTS $(java_opts) -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  wait_ready "$pid"
  log "Kafka $VERSION ready on $HOST:$PORT (pid $pid, run dir $RUN_DIR)"
}

cmd_stop() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    log "Kafka not running (run dir $RUN_DIR)"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    log "broker (pid $pid) still running after ${STOP_TIMEOUT}s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "Kafka stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid="$(broker_pid)"; then
    if port_open "$PORT" && metadata_ok; then
      echo "running: Kafka $VERSION pid $pid on $HOST:$PORT (run dir $RUN_DIR)"
      return 0
    fi
    echo "starting or unresponsive: Kafka $VERSION pid $pid on $HOST:$PORT (run dir $RUN_DIR)"
    return 3
  fi
  echo "stopped (run dir $RUN_DIR)"
  return 3
}

case "${1:-}" in
  fetch) cmd_fetch; log "jars for Kafka $VERSION in $LIBS" ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  restart) cmd_stop; cmd_start ;;
  status) cmd_status ;;
  log) tail -n "${2:-100}" "$LOG_FILE" ;;
  *) echo "usage: $0 {fetch|start|stop|restart|status|log [N]}" >&2; exit 2 ;;
esac
