# compute-node image around a binary built outside Docker (Parity's "binary injected" images):
# no toolchain, no compilation, seconds to build. The build context is a directory holding the
# `compute-node` binary, e.g. the one `scripts/test.sh` built:
#
#   mkdir -p /tmp/ctx && cp "$CARGO_TARGET_DIR/release/compute-node" /tmp/ctx/
#   docker build -f docker/injected.Dockerfile -t compute-node /tmp/ctx
#
# The binary links the system OpenSSL 3 and glibc of Debian bookworm, so the base must be
# bookworm. `BASE_IMAGE` lets a machine without a registry use a locally made one (the tests
# use a `debootstrap --variant=minbase bookworm` import). Users with a registry who want to
# build from source use docker/Dockerfile, whose final stage is the same as this file.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

# libssl3: the node links the system OpenSSL; curl: the health check.
RUN apt-get update \
	&& DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		ca-certificates curl libssl3 \
	&& apt-get clean \
	&& rm -rf /var/lib/apt/lists/* \
	&& useradd --system --uid 1000 --user-group --create-home --home-dir /home/compute compute \
	&& mkdir -p /data \
	&& chown compute:compute /data
COPY compute-node /usr/local/bin/compute-node
RUN /usr/local/bin/compute-node --version

USER compute
VOLUME ["/data"]
# libp2p, JSON-RPC (ws and http), Prometheus
EXPOSE 30333 9944 9615
# The port the health check asks; set it with `-e RPC_PORT=…` when the node runs with another
# `--rpc-port`. Healthy = the RPC answers and the node is not syncing (peers too, on a live chain).
ENV RPC_PORT=9944
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
	CMD curl -fsS --max-time 4 "http://127.0.0.1:${RPC_PORT}/health/readiness" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["compute-node"]
# Public JSON-RPC limits (node/README.md, "Public JSON-RPC"): requests up to 2 MiB (a runtime
# upgrade's hex is under 1 MiB; nothing larger is legitimate), 300 calls a minute per connection
# (a miner agent or a dashboard makes a few a block), at most 100 connections.
CMD ["--dev", "--rpc-external", "--prometheus-external", "--base-path", "/data", \
	"--rpc-max-request-size", "2", "--rpc-rate-limit", "300", "--rpc-max-connections", "100"]
