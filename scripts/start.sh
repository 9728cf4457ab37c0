#!/usr/bin/env bash
# The project's one "run it" command (`npm start`). On a fresh Debian 12 / Ubuntu machine:
# installs redis-server from Debian's packages when no Redis is at hand (as root; otherwise says
# how), then runs `ftpops all`, which builds itself on first run. With no chat tokens in the
# environment (or .env) that is the local web console on http://127.0.0.1:3000 with in-process
# demo FTP, FTPS and SFTP servers; with SLACK_* or DISCORD_* set, the chat bot and a worker.
# Arguments pass through (e.g. `npm start -- --port 8080`).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
say() { printf 'start.sh: %s\n' "$*" >&2; }

# Settings from .env, if there is one (the format of .env.example: NAME=value lines).
if [[ -f .env ]]; then
  set -a
  # shellcheck disable=SC1091
  source .env
  set +a
fi

# Redis: REDIS_URL, or one answering on 127.0.0.1:6379, or redis-server installed (ftpops starts
# a private one under ./.data); otherwise install it when we can.
redis_answers() { [[ $( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 1 head -c 5 <&3) 2>/dev/null || true) == +PONG* ]]; }
if [[ -z ${REDIS_URL:-} ]] && ! redis_answers && ! command -v redis-server >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "installing redis-server (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server >/dev/null
  else
    say "no Redis here: run 'sudo apt-get install -y redis-server' (or 'docker compose up -d redis'), or set REDIS_URL"
    exit 2
  fi
fi

exec "$ROOT/bin/ftpops" all "$@"
