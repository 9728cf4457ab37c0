#!/usr/bin/env bash
# The project's one test command (`npm test`, CI's .ci/run). On a fresh Debian 12 / Ubuntu
# machine as root: installs missing Debian packages (daemons, Redis, Chromium for the browser
# test), dependencies, builds, makes sure Redis answers on 127.0.0.1:6379, then runs the whole
# vitest suite (arguments pass through).
# The FTP/SFTP daemons are started and stopped by vitest's globalSetup (test/support/global-setup.ts).
# Whatever this script started is stopped again on exit, pass or fail; the exit code is vitest's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# fonts-liberation: Chromium only recommends a font, and installs here skip recommends.
PACKAGES=(redis-server vsftpd openssh-server openssl chromium fonts-liberation)
REDIS_PORT=6379
REDIS_PID=

say() { printf 'test.sh: %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  if [[ -n $REDIS_PID ]]; then
    say "stopping the redis-server started here (pid $REDIS_PID)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$REDIS_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$REDIS_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. Debian packages (apt-get update only when something is missing).
missing=()
for p in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || { say "missing packages (${missing[*]}) and not root: cannot install them"; exit 1; }
  say "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. Dependencies and build.
# npm keeps node_modules/.package-lock.json in step with what it installed.
stamp=node_modules/.package-lock.json
[[ -f $stamp ]] || stamp=node_modules
if [[ ! -d node_modules || package-lock.json -nt $stamp ]]; then
  # `npm install`, not `npm ci`: npm 11 leaves the other platforms' optional packages of
  # msgpackr-extract (via bullmq) out of the lock file and then refuses it in `npm ci`.
  say "npm install"
  npm install --no-audit --no-fund
  touch node_modules/.package-lock.json 2>/dev/null || touch node_modules
fi
npm run build

# 3. Redis on 127.0.0.1:6379: use the one that answers, else start one for this run.
if [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true) != PONG ]]; then
  mkdir -p .testbed/redis
  pidfile=$ROOT/.testbed/redis/redis.pid
  rm -f "$pidfile"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$pidfile" --dir "$ROOT/.testbed/redis" --logfile "$ROOT/.testbed/redis/redis.log"
  for _ in $(seq 100); do
    [[ -s $pidfile ]] && REDIS_PID=$(<"$pidfile")
    [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true) == PONG ]] && break
    sleep 0.1
  done
  [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null || true) == PONG ]] || {
    say "redis-server did not answer on 127.0.0.1:$REDIS_PORT"; tail -n 20 .testbed/redis/redis.log >&2 || true; exit 1; }
  [[ -n $REDIS_PID ]] || REDIS_PID=$(<"$pidfile")
  say "started redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
fi

# 4. The suite. Not `exec`: the EXIT trap must still stop what was started here.
rc=0
npx vitest run "$@" || rc=$?
exit "$rc"
