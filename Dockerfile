# fgs-emulator as a container: the dist binary on Debian, listening on 0.0.0.0:8080.
#
#   cargo build --profile dist --locked     # the image copies this binary; it compiles nothing
#   docker build -t fgs-emulator .
#   docker run -d -p 8080:8080 fgs-emulator
#
# The binary is built outside the image (once, and shared with the wheel build in CI), with
# Cargo.toml's `dist` profile (release with fat LTO: 12-15% more writes per second, 9 MB
# instead of 12), and must link against a glibc no newer than the base image's: build it
# on Debian 12 or older, or pass BASE_IMAGE for a newer distribution. Configuration: the
# FGS_EMULATOR_* variables (README "Configuration"), or a file mounted and named by
# FGS_EMULATOR_CONFIG; the health check reads the same ones, so -e FGS_EMULATOR_PORT=9000
# moves both. Flags given after the image name reach the server but not the health check:
# prefer the variables.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

# python3 and nodejs from Debian, for function invocation (which runs handlers in them).
# --no-install-recommends, and neither apt's lists nor its package caches (*.bin, 75 MB,
# which the official image's apt config already skips, but a debootstrapped base keeps).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 nodejs \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/cache/apt/*.bin

# A fixed, unprivileged uid that owns /data, so a named volume mounted there is writable.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin fgs \
    && mkdir -p /data \
    && chown fgs:fgs /data

ARG BINARY=target/dist/fgs-emulator
COPY ${BINARY} /usr/local/bin/fgs-emulator

# Inside the container every interface is the container's own: the container is the
# boundary, so listen on all of them (the binary's default, 127.0.0.1, would be unreachable
# through -p). The health check asks 0.0.0.0's loopback, on whatever port is configured.
# Handler code may run on a non-loopback listener only when the config says so
# (invoke.allow_non_loopback): here it does, since the container is the boundary.
# NO_COLOR: plain log lines in `docker logs` (no terminal to colour).
ENV FGS_EMULATOR_HOST=0.0.0.0 \
    FGS_EMULATOR_PORT=8080 \
    FGS_EMULATOR_INVOKE_ALLOW_NON_LOOPBACK=true \
    NO_COLOR=1
# For --state-file (e.g. -e FGS_EMULATOR_STATE_FILE=/data/state.jsonl -v fgs-data:/data);
# state stays in memory unless a state file is named.
VOLUME /data
WORKDIR /data
USER fgs:fgs
EXPOSE 8080
# The first probe runs one interval after the start (Docker 20.10 has no faster probing
# during start-up), and the emulator is ready within milliseconds: a short interval makes
# "healthy" (compose's depends_on: service_healthy) come about 2 s after docker run.
HEALTHCHECK --interval=2s --timeout=3s --start-period=10s --retries=3 \
    CMD ["fgs-emulator", "healthcheck"]
# PID 1 is the emulator itself (no shell in between): SIGTERM from docker stop reaches it
# and it exits once in-flight requests finish.
STOPSIGNAL SIGTERM
ENTRYPOINT ["fgs-emulator"]
