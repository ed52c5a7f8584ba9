#!/usr/bin/env bash
# Compares the native-AOT and JIT builds of samples/TelemetryHosting.Samples.NativeAot (the figures in
# docs/performance.md, "Native AOT and JIT"): size on disk, time from process start to the first event received by the
# gateway, and resident memory after 10,000 events. Run on demand (about 2 minutes on 2 cores):
#   bash tests/native-aot/compare.sh [runs]        # runs per variant for the time to first event; default 5
# Needs what .ci/aot-test needs (clang, zlib1g-dev) and curl. Each run gets a fresh development gateway (JIT, SAMS on).
# Every wait below has a deadline; any failure stops the script with a message.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
events=10000
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d -t telemetryhosting-aot-compare.XXXXXX)
gateway_pid=
app_pid=
cleanup() { for pid in "$app_pid" "$gateway_pid"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "compare: $*" >&2; tail -n 20 "$work/app.log" "$work/gateway.log" >&2 2>/dev/null || true; exit 1; }
curl_() { curl --connect-timeout 2 --max-time 30 "$@"; }

project=samples/TelemetryHosting.Samples.NativeAot
echo "publishing native and JIT builds..."
dotnet publish "$project" -c Release -o "$work/native" -nologo -v quiet >/dev/null
dotnet publish "$project" -c Release -p:PublishAot=false -o "$work/jit" -nologo -v quiet >/dev/null
dotnet build src/TelemetryHosting.DevGateway -c Release -nologo -v quiet >/dev/null

size_of() { find "$1" -type f ! -name '*.pdb' ! -name '*.dbg' ! -name '*.xml' -printf '%s\n' | awk '{ s += $1 } END { printf "%.1f MB", s / 1e6 }'; }
echo "size on disk (no symbols, no XML docs): native $(size_of "$work/native"), JIT $(size_of "$work/jit") (framework-dependent: plus the shared .NET runtime)"

used_ports=" "
port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    case "$used_ports" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then used_ports="$used_ports$p "; echo "$p"; return; fi
  done
}
now_ms() { date +%s%3N; }
# until_true SECONDS PID DESCRIPTION COMMAND...: runs COMMAND until it succeeds, failing after SECONDS or if PID exits.
until_true() {
  local deadline=$(( $(now_ms) + $1 * 1000 )) pid=$2 what=$3
  shift 3
  until "$@"; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "timed out: $what"
    kill -0 "$pid" 2>/dev/null || fail "process $pid exited: $what"
    sleep 0.005
  done
}
stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Starts a gateway on fresh ports; sets gateway_pid, grpc_port, web_port, jsonl.
start_gateway() {
  grpc_port=$(port); web_port=$(port); jsonl="$work/received-$grpc_port.jsonl"
  dotnet src/TelemetryHosting.DevGateway/bin/Release/net10.0/TelemetryHosting.DevGateway.dll \
    --DevGateway:Port="$grpc_port" --DevGateway:WebPort="$web_port" --DevGateway:JsonLinesPath="$jsonl" \
    --DevGateway:MaxStoredEvents=100 >"$work/gateway.log" 2>&1 &
  gateway_pid=$!
  until_true 30 "$gateway_pid" "gateway start" curl_ -sf -o /dev/null "http://127.0.0.1:$web_port/api/events"
}

# Starts the variant's app against the current gateway; sets app_pid, app_port.
start_app() {
  local variant=$1
  app_port=$(port)
  local command=("./TelemetryHosting.Samples.NativeAot")
  [ "$variant" = "jit" ] && command=(dotnet TelemetryHosting.Samples.NativeAot.dll)
  (cd "$work/$variant" && exec env ASPNETCORE_URLS="http://127.0.0.1:$app_port" Logging__LogLevel__Default=Warning \
    TelemetryGateway__Endpoint="http://127.0.0.1:$grpc_port" TelemetryGateway__Sams__Url="http://127.0.0.1:$web_port" \
    TelemetryGateway__FlushInterval=00:00:00.050 TelemetryGateway__QueueCapacity=20000 "${command[@]}") >"$work/app.log" 2>&1 &
  app_pid=$!
}

order_accepted() { [ "$(curl_ -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$app_port/api/orders" || true)" = "202" ]; }
received_at_least() { [ -f "$jsonl" ] && [ "$(wc -l <"$jsonl")" -ge "$1" ]; }

for variant in native jit; do
  times=()
  for _ in $(seq 1 "$runs"); do
    start_gateway
    started=$(now_ms)
    start_app "$variant"
    until_true 60 "$app_pid" "$variant: first order accepted" order_accepted
    until_true 60 "$app_pid" "$variant: first event received" received_at_least 1
    times+=($(( $(now_ms) - started )))
    stop "$app_pid"; app_pid=
    stop "$gateway_pid"; gateway_pid=
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n | tr '\n' ' ')
  echo "$variant: time from start to first event received (ms, $runs runs, sorted): $sorted"

  start_gateway
  start_app "$variant"
  until_true 60 "$app_pid" "$variant: first order accepted" order_accepted
  until_true 60 "$app_pid" "$variant: first event received" received_at_least 1
  rss_start=$(awk '/VmRSS/ { print $2 }' "/proc/$app_pid/status")
  # One curl, one connection, $events requests; every one must be accepted (202) for the count below to be reached.
  accepted=$(curl --connect-timeout 2 --max-time 300 -s -o /dev/null -w '%{http_code}\n' -X POST \
    "http://127.0.0.1:$app_port/api/orders?items=[1-$events]" | grep -c '^202$' || true)
  [ "$accepted" = "$events" ] || fail "$variant: $accepted of $events orders accepted"
  until_true 120 "$app_pid" "$variant: $events events received" received_at_least $((events + 1))
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$app_pid/status")
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$app_pid/status")
  echo "$variant: RSS after start $((rss_start / 1024)) MiB; after $events events delivered $((rss / 1024)) MiB (peak $((hwm / 1024)) MiB)"
  stop "$app_pid"; app_pid=
  stop "$gateway_pid"; gateway_pid=
done
