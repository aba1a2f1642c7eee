#!/bin/sh
# Runs in temporalio/admin-tools once the server answers: registers TEMPORAL_NAMESPACE (7 days of
# closed-workflow history) unless it exists. Bounded: 30 tries, 2 s apart.
set -eu
ns=${TEMPORAL_NAMESPACE:-default}
tries=0
until temporal operator cluster health --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "${tries}" -lt 30 ] || { echo "temporal-namespace: server at ${TEMPORAL_ADDRESS} not healthy" >&2; exit 1; }
  sleep 2
done
if temporal operator namespace describe -n "${ns}" --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1; then
  echo "temporal-namespace: ${ns} exists"
else
  temporal operator namespace create -n "${ns}" --retention 7d --address "${TEMPORAL_ADDRESS}"
  echo "temporal-namespace: ${ns} created"
fi
