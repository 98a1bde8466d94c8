#!/usr/bin/env bash
# issue 13: the Docker image. Builds it from the dist binary (no compiling inside the
# image), starts it, waits for its HEALTHCHECK, drives it with the official Python SDK
# (create, publish, alias, read back, invoke through the alias on the image's python3),
# restarts it on the same state volume and finds the data, checks the image's defaults
# (0.0.0.0:8080, non-root, python3/node, docker stop), runs the README's "Run it in Docker"
# block, and prints image size, docker-run-to-healthy and docker-stop times.
#
# Installs what is missing (docker.io, debootstrap: apt-get, as root); starts dockerd
# (vfs, no iptables, no bridge) when none answers and stops it at the end; builds
# debian:bookworm-slim with debootstrap from this machine's Debian mirror when the daemon
# lacks it (there is no image registry here). Containers use --network host and 127.0.0.1,
# or --network none. Kept between runs, as a cache only: the base image, the image
# fgs-emulator:ci (its apt layer), the venv .venv-sdk; containers and volumes are removed.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t0=$SECONDS
step() { printf 'docker-image: [%4ss] %s\n' "$((SECONDS - t0))" "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

work=$(mktemp -d)
containers=()
volumes=()
dockerd_pid=
image=fgs-emulator:ci
cleanup() {
  local status=$?
  set +e
  for c in "${containers[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1; done
  for v in "${volumes[@]}"; do docker volume rm -f "$v" >/dev/null 2>&1; done
  # The README block tags fgs-emulator:latest; the same layers stay under $image.
  docker rmi fgs-emulator:latest >/dev/null 2>&1
  # Older builds of $image (untagged by a rebuild): deleting them is slow with vfs, but
  # keeping one per Dockerfile change would fill the disk.
  docker image prune -f --filter label=org.opencontainers.image.title=fgs-emulator >/dev/null 2>&1
  if [ -s "$work/volumes.before" ]; then
    # VOLUME /data gives every container without a /data mount an anonymous volume: any
    # that outlived its container is a leak of this suite.
    docker volume ls -q | sort | comm -13 "$work/volumes.before" - >"$work/volumes.left"
    if [ -s "$work/volumes.left" ]; then
      echo "docker-image: left volumes behind: $(tr '\n' ' ' <"$work/volumes.left")" >&2
      xargs -r docker volume rm -f <"$work/volumes.left" >/dev/null
      [ "$status" -ne 0 ] || status=1
    fi
  fi
  step "removed the containers and volumes this suite made"
  if [ -n "$dockerd_pid" ]; then
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$dockerd_pid" 2>/dev/null && kill -KILL "$dockerd_pid"
    step "stopped the dockerd this suite started"
  fi
  if [ "$status" -ne 0 ] && [ -s "$work/dockerd.log" ]; then tail -n 20 "$work/dockerd.log"; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# --- tools ----------------------------------------------------------------------------
step "tools"
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null \
   || ! command -v docker >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "docker-image: needs root to install docker.io/debootstrap" >&2; exit 1; }
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
  step "installed docker.io and debootstrap"
fi
# No buildx plugin here: the classic builder, which Debian's dockerd 20.10 speaks.
export DOCKER_BUILDKIT=0

# --- daemon ---------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  step "starting dockerd (vfs, --iptables=false, --bridge=none)"
  dockerd --storage-driver=vfs --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { echo "docker-image: dockerd did not start" >&2; exit 1; }
fi
step "docker daemon $(docker version --format '{{.Server.Version}}')"
{ echo; docker volume ls -q; } | sort >"$work/volumes.before"

# --- base image -----------------------------------------------------------------------
if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  # This machine's Debian mirror (deb822 URIs: or one-line deb entries), not security's.
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -E '^[[:space:]]*(URIs:|deb )' | grep -oE 'https?://[^[:space:]]+' |
    grep -E '/debian/?$' | head -n 1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  step "building debian:bookworm-slim with debootstrap from $mirror"
  rootfs="$work/rootfs"
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  # What the official slim image leaves out, so later apt-get installs leave it out too.
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/lintian/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/locale/locale.alias' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
  mkdir -p "$rootfs/etc/apt/apt.conf.d"
  # And no apt package caches (*.bin), as the official image's apt config says.
  clean='rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true'
  printf '%s\n' "DPkg::Post-Invoke { \"$clean\"; };" "APT::Update::Post-Invoke { \"$clean\"; };" \
    'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$rootfs"
fi
step "base image debian:bookworm-slim: $(docker image inspect -f '{{.Size}}' debian:bookworm-slim | awk '{printf "%.0f MB", $1/1e6}')"

# --- the binary and the image ---------------------------------------------------------
# Shared with the wheel build (pip-package.sh): the `dist` profile (release with fat LTO,
# Cargo.toml), built once.
dist_start=$(now)
cargo build --profile dist --locked --quiet --bin fgs-emulator
target=${CARGO_TARGET_DIR:-target}
if [ "$target" != target ] && [ "$target" != "$repo/target" ]; then
  mkdir -p target/dist && cp "$target/dist/fgs-emulator" target/dist/fgs-emulator
fi
step "dist binary $(stat -c %s target/dist/fgs-emulator | awk '{printf "%.1f MB", $1/1e6}'), built in $(since "$dist_start")s"
build_start=$(now)
docker build --quiet --network host --build-arg BASE_IMAGE=debian:bookworm-slim \
  --label org.opencontainers.image.title=fgs-emulator -t "$image" . >/dev/null
size=$(docker image inspect -f '{{.Size}}' "$image")
step "built $image in $(since "$build_start")s: image size $((size / 1000000)) MB ($size bytes)"

# --- run, health, SDK scenario --------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_healthy() { # wait_healthy CONTAINER: until Docker's HEALTHCHECK says healthy (60 s)
  local s
  for _ in $(seq 600); do
    s=$(docker inspect -f '{{.State.Health.Status}}' "$1")
    [ "$s" = healthy ] && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$1")" = true ] || break
    sleep 0.1
  done
  echo "docker-image: $1 is not healthy ($s)" >&2
  docker logs "$1" 2>&1 | tail -n 20 >&2
  docker inspect -f '{{json .State.Health}}' "$1" >&2
  return 1
}

# The SDK venv of python-sdk.sh (pinned SDK), created here too if missing.
venv="$repo/.venv-sdk"
if ! "$venv/bin/python" -c 'import huaweicloudsdkfunctiongraph' >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv" 2>/dev/null || { rm -rf "$venv"; python3 -m venv --without-pip "$venv"; }
  if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r sdk-tests/python/requirements.txt
  else
    python3 -m pip install -q --disable-pip-version-check --python "$venv/bin/python" -r sdk-tests/python/requirements.txt
  fi
fi
scenario() { (cd sdk-tests/python && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" container_scenario.py "$@"); }
# helpers.CONFIG: auth.mode = "verify" with the SDK suite's credentials.
(cd sdk-tests/python && PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -c 'import helpers; print(helpers.CONFIG)') >"$work/config.toml"
chmod 644 "$work/config.toml"

volume=fgs-ci-data-$$
docker volume create "$volume" >/dev/null
volumes+=("$volume")
run() { # run NAME PORT: the image on 127.0.0.1:PORT, verify-mode config, state on the volume
  containers+=("$1")
  docker run -d --name "$1" --network host \
    -e FGS_EMULATOR_HOST=127.0.0.1 -e FGS_EMULATOR_PORT="$2" \
    -e FGS_EMULATOR_CONFIG=/config/config.toml -v "$work/config.toml:/config/config.toml:ro" \
    -e FGS_EMULATOR_STATE_FILE=/data/state.jsonl -v "$volume:/data" "$image" >/dev/null
}

port=$(free_port)
run_start=$(now)
run "fgs-ci-$$-1" "$port"
started_s=$(since "$run_start")
wait_healthy "fgs-ci-$$-1"
healthy_s=$(since "$run_start")
# docker run itself copies the image into the container's layer with vfs (seconds here;
# overlay2 does not copy); after that the first probe, one interval in, passes.
step "docker run -> healthy: ${healthy_s}s (docker run returned after ${started_s}s; HEALTHCHECK interval 2s; port $port from FGS_EMULATOR_PORT)"
scenario create "http://127.0.0.1:$port"
[ "$(docker exec "fgs-ci-$$-1" id -u)" = 10001 ] || { echo "docker-image: runs as root" >&2; exit 1; }
docker exec "fgs-ci-$$-1" python3 --version >/dev/null
docker exec "fgs-ci-$$-1" node --version >/dev/null
step "non-root (uid 10001); python3 $(docker exec "fgs-ci-$$-1" python3 -c 'import platform; print(platform.python_version())'), node $(docker exec "fgs-ci-$$-1" node --version) inside"

stop_start=$(now)
docker stop -t 10 "fgs-ci-$$-1" >/dev/null
stop_s=$(since "$stop_start")
code=$(docker inspect -f '{{.State.ExitCode}}' "fgs-ci-$$-1")
step "docker stop: ${stop_s}s, exit code $code"
[ "$code" = 0 ] || { docker logs "fgs-ci-$$-1" 2>&1 | tail; exit 1; }
awk -v s="$stop_s" 'BEGIN { exit !(s < 2) }' || { echo "docker-image: docker stop took ${stop_s}s" >&2; exit 1; }

# A new container on the same volume, on another port: the state file brings it all back.
port2=$(free_port)
run "fgs-ci-$$-2" "$port2"
wait_healthy "fgs-ci-$$-2"
scenario check "http://127.0.0.1:$port2"
step "restarted on the same volume (port $port2): function, v1 and alias prod found"
docker stop -t 10 "fgs-ci-$$-2" >/dev/null

# The image's own settings, in a network namespace with only loopback (so 0.0.0.0 exposes
# nothing): it listens on 0.0.0.0, and -e FGS_EMULATOR_PORT=9000 moves the health check with
# the server. (One container: each costs seconds of copying with vfs.)
docker image inspect -f '{{json .Config.Env}} {{json .Config.ExposedPorts}} {{.Config.User}} {{json .Config.Volumes}}' "$image" >"$work/config"
for want in FGS_EMULATOR_HOST=0.0.0.0 FGS_EMULATOR_PORT=8080 FGS_EMULATOR_INVOKE_ALLOW_NON_LOOPBACK=true '"8080/tcp"' 'fgs:fgs' '"/data"'; do
  grep -qF -- "$want" "$work/config" || { echo "docker-image: image config lacks $want" >&2; cat "$work/config"; exit 1; }
done
name="fgs-ci-$$-none"
containers+=("$name")
docker run -d --name "$name" --network none -e FGS_EMULATOR_PORT=9000 "$image" >/dev/null
wait_healthy "$name"
docker logs "$name" 2>/dev/null | grep -q "listening on http://0.0.0.0:9000" || { docker logs "$name"; exit 1; }
docker rm -f -v "$name" >/dev/null
step "image config: 0.0.0.0:8080, EXPOSE 8080, user fgs, VOLUME /data; -e FGS_EMULATOR_PORT=9000 turns healthy on 0.0.0.0:9000"

# --- the README's "Run it in Docker" block --------------------------------------------
# Run as pasted, with what differs on this machine substituted: no bridge network here
# (--network host and 127.0.0.1 instead of -p), a free port for 8080, names of our own.
readme_port=$(free_port)
awk '/^### Run it in Docker/{s=1} s&&/^```sh$/{n=1; next} n&&/^```$/{exit} n{print}' README.md |
  sed -E -e "s#-p 8080:8080#--network host -e FGS_EMULATOR_HOST=127.0.0.1 -e FGS_EMULATOR_PORT=$readme_port#" \
      -e "s#docker build #docker build --network host #" \
      -e "s#127.0.0.1:8080#127.0.0.1:$readme_port#g" \
      -e "s#fgs-data:#fgs-readme-data-$$:#g" \
      -e "s#(^|[ (])fgs([ )]|\$)#\1fgs-readme-$$\2#g" \
  >"$work/readme-docker.sh"
grep -q 'docker run' "$work/readme-docker.sh" || { echo "docker-image: no README block" >&2; exit 1; }
containers+=("fgs-readme-$$"); volumes+=("fgs-readme-data-$$")
# cargo build in the block is a no-op here (built above).
timeout 300 bash -e "$work/readme-docker.sh" >"$work/readme.out" 2>&1 || { cat "$work/readme-docker.sh" "$work/readme.out"; exit 1; }
grep -q '"status":"ok"' "$work/readme.out" || { cat "$work/readme.out"; exit 1; }
step "README \"Run it in Docker\" block: ok"

step "summary: image $((size / 1000000)) MB, docker run -> healthy ${healthy_s}s (run returned ${started_s}s), docker stop ${stop_s}s"
