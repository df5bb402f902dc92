#!/bin/sh
# Container entry point: `worker` (default), `api`, `migrate` or `kubernaut …`
# (the CLI). Worker, API and migrator run their esbuild bundles (dist/, built in
# the image); the CLI runs through tsx's loader. Each is `node` itself, with
# `exec` so node is PID 1 and receives SIGTERM directly (npm would sit between
# and the worker could not drain its activities before the kill).
set -eu
cd /app
cmd="${1:-worker}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  worker) exec node dist/workers/main.js "$@" ;;
  api) exec node dist/api/main.js "$@" ;;
  migrate) exec node dist/migrations/main.js "$@" ;;
  kubernaut | cli) exec node cli/bin.js "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
