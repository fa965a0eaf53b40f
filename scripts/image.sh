#!/usr/bin/env bash
# Build the connector image with podman and test it, on a machine without a Docker daemon.
#
#   bash scripts/image.sh build   # build source-pipedrive/source-pipedrive:<version> from ./Dockerfile
#   bash scripts/image.sh test    # build, then run spec, check, discover and read from the container
#                                 # against a sandbox started here (the host network)
#
# Podman comes from Debian's packages when missing (as root). When no registry is reachable for the
# Dockerfile's base image, a stand-in with the same name is made once from Debian bookworm packages
# (debootstrap: Debian's python3 3.11, pip, CA certificates) so the Dockerfile builds unmodified.
# Environment: IMAGE (the tag), WORK (scratch dir; default a temp dir), PYTHON_HOST (the python that
# runs the sandbox; default .venv/bin/python), MIRROR (the Debian mirror for the stand-in).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-test}
VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -1)
IMAGE=${IMAGE:-source-pipedrive/source-pipedrive:$VERSION}
BASE=$(sed -n 's/^FROM *\([^ ]*\).*/\1/p' Dockerfile | head -1)
WORK=${WORK:-$(mktemp -d)}
PYTHON_HOST=${PYTHON_HOST:-$ROOT/.venv/bin/python}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
mkdir -p "$WORK"
say() { printf '== %s\n' "$*" >&2; }

# 1. podman (and runc, which works on hybrid cgroup v1+v2 hosts where crun does not).
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing podman from Debian packages"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null
  else
    echo "error: podman is not installed (apt-get install podman runc, as root)" >&2
    exit 2
  fi
fi

# 2. Podman settings for a VM whose root lacks CAP_SYS_RESOURCE (the default rlimits would fail with
#    "setrlimit RLIMIT_NOFILE: Operation not permitted"): the limits podman itself runs with.
cat > "$WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$(cat /proc/sys/kernel/pid_max):$(cat /proc/sys/kernel/pid_max)"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$WORK/containers.conf"

# 3. The base image: from its registry, else a stand-in bootstrapped from Debian packages.
qualified=$BASE
case "$BASE" in */*) ;; *) qualified="docker.io/library/$BASE" ;; esac
if ! podman image exists "$qualified"; then
  if timeout 60 podman pull -q "$qualified" >/dev/null 2>&1; then
    say "pulled $qualified"
  else
    say "no registry for $qualified: making a stand-in from Debian bookworm packages"
    if ! command -v debootstrap >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    R="$WORK/rootfs"
    rm -rf "$R"
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
      bookworm "$R" "$MIRROR" >/dev/null
    # A proxy that re-signs TLS needs its CA inside too (pip would fail CERTIFICATE_VERIFY_FAILED).
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
      cp /usr/local/share/ca-certificates/*.crt "$R/usr/local/share/ca-certificates/"
      chroot "$R" update-ca-certificates >/dev/null
    fi
    # The official image's python is not "externally managed" (PEP 668); Debian's is.
    rm -f "$R"/usr/lib/python3.*/EXTERNALLY-MANAGED
    ln -sf python3 "$R/usr/bin/python"; ln -sf pip3 "$R/usr/bin/pip"
    chroot "$R" apt-get clean
    rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R"/usr/share/doc/* "$R"/usr/share/man/* \
           "$R"/usr/share/locale/* "$R"/tmp/* "$R"/var/log/*.log
    tar --numeric-owner -C "$R" -c . | podman import \
      --change 'ENV LANG=C.UTF-8' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["python3"]' - "$qualified" >/dev/null
    rm -rf "$R"
  fi
fi

# 4. Build the Dockerfile as it is (.dockerignore keeps the context to pyproject.toml, README.md, src/).
say "building $IMAGE"
podman build --pull=never -q -t "$IMAGE" . >/dev/null
[ "$MODE" = build ] && { say "built $IMAGE"; exit 0; }

# 5. What the platform relies on: a non-root user, AIRBYTE_ENTRYPOINT equal to the ENTRYPOINT.
user=$(podman run --rm --entrypoint id "$IMAGE" -u)
[ "$user" != 0 ] || { echo "error: the image runs as root" >&2; exit 1; }
entry=$(podman image inspect "$IMAGE" --format '{{join .Config.Entrypoint " "}}')
env_entry=$(podman image inspect "$IMAGE" --format '{{range .Config.Env}}{{println .}}{{end}}' \
            | sed -n 's/^AIRBYTE_ENTRYPOINT=//p')
[ "$entry" = "$env_entry" ] || { echo "error: AIRBYTE_ENTRYPOINT '$env_entry' != ENTRYPOINT '$entry'" >&2; exit 1; }
if podman run --rm --entrypoint python "$IMAGE" -c "import duckdb" 2>/dev/null; then
  echo "error: the image has duckdb: it must hold the core install only" >&2; exit 1
fi

# 6. spec, check, discover, read against a sandbox on the host network.
"$PYTHON_HOST" -m pipedrive_sandbox --port 0 > "$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'listening on' "$WORK/sandbox.log" && break; sleep 0.1; done
URL=$(sed -n 's/^Pipedrive sandbox listening on //p' "$WORK/sandbox.log" | head -1)
[ -n "$URL" ] || { echo "error: the sandbox did not start:" >&2; cat "$WORK/sandbox.log" >&2; exit 1; }
mkdir -p "$WORK/in" && chmod 755 "$WORK/in"
printf '{"credentials":{"auth_type":"api_token","api_token":"sandbox-token"},"base_url":"%s"}\n' "$URL" \
  > "$WORK/in/config.json"
chmod 644 "$WORK/in/config.json"   # the container's user reads it
run() { podman run --rm -i --network=host -v "$WORK/in:/in:ro" "$IMAGE" "$@"; }

run spec > "$WORK/spec.out"
grep -q '"type":"SPEC"' "$WORK/spec.out" || { echo "error: spec printed no SPEC" >&2; exit 1; }
run check --config /in/config.json > "$WORK/check.out"
grep -q '"status":"SUCCEEDED"' "$WORK/check.out" || { echo "error: check failed:" >&2; cat "$WORK/check.out" >&2; exit 1; }
run discover --config /in/config.json > "$WORK/discover.out"
"$PYTHON_HOST" - "$WORK/discover.out" "$WORK/in/catalog.json" <<'PY'
import json, sys
catalog = next(json.loads(l)["catalog"] for l in open(sys.argv[1]) if '"type":"CATALOG"' in l)
streams = {s["name"]: s for s in catalog["streams"]}
assert {"deals", "stages", "pipelines"} <= set(streams), sorted(streams)
configured = {"streams": [{"stream": streams[n], "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                          for n in ("deals", "stages", "pipelines")]}
json.dump(configured, open(sys.argv[2], "w"))
PY
chmod 644 "$WORK/in/catalog.json"
run read --config /in/config.json --catalog /in/catalog.json > "$WORK/read.out"
"$PYTHON_HOST" - "$WORK/read.out" <<'PY'
import collections, json, sys
messages = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
records = collections.Counter(m["record"]["stream"] for m in messages if m["type"] == "RECORD")
states = sum(m["type"] == "STATE" for m in messages)
errors = [m for m in messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]
assert not errors, errors
assert set(records) == {"deals", "stages", "pipelines"} and states >= 3, (records, states)
print(f"read: {sum(records.values())} records of {len(records)} streams, {states} states")
PY
say "OK: $IMAGE (user $user, entrypoint '$entry') ran spec, check, discover and read against $URL"
