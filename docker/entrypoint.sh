#!/bin/sh
# Container entry point: `worker` (default), `api`, `migrate` or `kubernaut …`
# (the CLI). Worker, API and migrator run their esbuild bundles (dist/, built in
# the image); the CLI runs through tsx's loader. Each is `node` itself, with
# `exec` so node is PID 1 and receives SIGTERM directly (npm would sit between
# and the worker could not drain its activities before the kill). The worker's
# V8 flags and malloc arena cap are workers/heap-flags.ts's workerNodeArgs and
# workerProcessEnv (a unit test keeps them equal).
set -eu
cd /app
cmd="${1:-worker}"
[ "$#" -gt 0 ] && shift
case "$cmd" in
  worker)
    # Before the operator's own NODE_OPTIONS, so a flag given there wins.
    NODE_OPTIONS="--max-semi-space-size=${KUBERNAUT_WORKER_SEMI_SPACE_MB:-2} ${NODE_OPTIONS:-}"
    export NODE_OPTIONS
    # glibc reads it at process start; an operator's own value wins (workers/heap-flags.ts).
    MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
    export MALLOC_ARENA_MAX
    exec node dist/workers/main.js "$@"
    ;;
  api) exec node dist/api/main.js "$@" ;;
  migrate) exec node dist/migrations/main.js "$@" ;;
  kubernaut | cli) exec node cli/bin.js "$@" ;;
  *) exec "$cmd" "$@" ;;
esac
