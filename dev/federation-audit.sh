#!/usr/bin/env bash
# Runs The Guild's federation gateway audit (graphql-hive/federation-gateway-audit v0.0.3: 46 suites, 199
# tests) against this gateway as a plain federation gateway (`npx tsx gateway/main.ts` with SUPERGRAPH and
# PORT, no PLATFORM_CONFIG), started afresh for each suite, and prints the pass/fail summary and the failing
# tests. Takes about 2 minutes on 2 cores (plus ~15 s for the first install). Not part of npm test.
#
# The audit is not on the npm registry, so its source is cloned at a pinned commit (AUDIT_REPO: where from)
# into ${TMPDIR:-/tmp}/federation-audit, and its runtime dependencies are installed from npm. Per-suite gateway
# and test logs (TAP, with the diff of each failure) are left in that folder's logs/; the CLI's stderr (one
# `xargs kill` usage message per suite, from its free-the-port step) in cli-errors.log.
# Usage: dev/federation-audit.sh [min passes, default 193: exits 1 below it]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${TMPDIR:-/tmp}/federation-audit
AUDIT_REPO=${AUDIT_REPO:-https://github.com/graphql-hive/federation-gateway-audit.git}
AUDIT_COMMIT=f59c05e3f48f4a4f8e8a731d67a1b71a9788a96f # tag v0.0.3
GATEWAY_PORT=${GATEWAY_PORT:-4000} # our gateway; the audit kills whatever else listens there
AUDIT_PORT=${AUDIT_PORT:-4200}     # the audit's subgraphs, supergraphs and test cases
MIN_PASSED=${1:-193}

if [ "$(git -C "$WORK" rev-parse HEAD 2>/dev/null)" != "$AUDIT_COMMIT" ] || [ ! -x "$WORK/node_modules/.bin/tsx" ]; then
  rm -rf "$WORK" && git clone --quiet "$AUDIT_REPO" "$WORK" && git -C "$WORK" checkout --quiet "$AUDIT_COMMIT"
  # Its devDependencies are the other gateways (one is not on the registry): keep only what the CLI runs on.
  (cd "$WORK" && npm pkg delete devDependencies overrides.graphql && npm pkg set dependencies.graphql=16.14.0 dependencies.tsx=4.22.4 &&
    npm install --no-audit --no-fund --loglevel=error)
fi

# The audit's CLI uses Promise.withResolvers, which Node 20 lacks (it targets Node 24).
echo 'Promise.withResolvers ??= function () { const r = {}; r.promise = new this((res, rej) => Object.assign(r, { resolve: res, reject: rej })); return r; };' \
  >"$WORK/node20.cjs"

# The audit runs this per suite ($1), from $WORK: fetch the suite's supergraph, then start our gateway on it
# (as `npx tsx gateway/main.ts`, but tsx itself: npx does not pass on the audit's SIGTERM, leaving gateways running).
cat >"$WORK/gateway.sh" <<EOF
node_modules/.bin/tsx src/cli.ts supergraph --test "\$1" --port $AUDIT_PORT || exit 1
cd "$ROOT" && NODE_OPTIONS= SUPERGRAPH="$WORK/supergraph.graphql" PORT=$GATEWAY_PORT LOG_LEVEL=warn \
  exec env -u PLATFORM_CONFIG node_modules/.bin/tsx gateway/main.ts
EOF

cd "$WORK" && rm -rf logs results.txt
start=$SECONDS
NODE_OPTIONS="--require=$WORK/node20.cjs" GATEWAY_TIMEOUT=60000 node_modules/.bin/tsx src/cli.ts test \
  --run-script ./gateway.sh --port "$AUDIT_PORT" --graphql "http://127.0.0.1:$GATEWAY_PORT/graphql" \
  --healthcheck "http://127.0.0.1:$GATEWAY_PORT/readyz" 2>cli-errors.log || { cat cli-errors.log; exit 1; }

# results.txt: each suite's id, then one character per test (. passed, X failed).
echo "Took $((SECONDS - start)) s. Failing tests (suite: test numbers from 0; reasons in $WORK/logs/<suite>-tests.log):"
awk '/^---$/ { exit } NR % 2 { id = $0; next } /X/ { s = ""; for (i = 1; i <= length($0); i++) if (substr($0, i, 1) == "X") s = s " " (i - 1); print "  " id ":" s }' results.txt
passed=$(sed -n 's/^Passed: //p' results.txt)
[ "$passed" -ge "$MIN_PASSED" ] || { echo "Fewer than $MIN_PASSED passed."; exit 1; }
