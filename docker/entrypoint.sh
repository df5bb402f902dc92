#!/bin/sh
# Container entry point: `worker` (default), `api`, `migrate` or `kubernaut …`
# (the CLI). Each runs TypeScript through tsx's loader in `node` itself, with
# `exec` so node is PID 1 and receives SIGTERM directly (npm would sit between
# and the worker could not drain its activities before the kill).
set -eu
cd /app
cmd="${1:-worker}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  worker) exec node --import tsx workers/main.ts "$@" ;;
  api) exec node --import tsx api/main.ts "$@" ;;
  migrate) exec node --import tsx migrations/migrate.ts "$@" ;;
  kubernaut | cli) exec node cli/bin.js "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
