# Multi-stage build of the Rust binaries (`workloads`, `harness`) for docker-compose.yaml.
# Build stage: the pinned Rust toolchain compiles release binaries; runtime stage: slim Debian with only what the
# binaries and the healthchecks need (CA certificates, curl), running as an unprivileged user.
FROM rust:1.95.0-slim-bookworm AS build
WORKDIR /src
# No system packages: the image's C compiler builds the only C code (aws-lc-sys for rustls; the report's SVG charts need
# no font library).
COPY . .
RUN cargo build --release --locked -p workloads -p harness \
    && install -m 0755 target/release/workloads target/release/harness /usr/local/bin/

FROM debian:bookworm-20250113-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app workloads
COPY --from=build /usr/local/bin/workloads /usr/local/bin/harness /usr/local/bin/
# Data and model files the workloads read at run time (relative to the working directory).
COPY --from=build /src/workloads /app/workloads
WORKDIR /app
USER workloads
EXPOSE 8001 8002 8003
ENTRYPOINT ["workloads"]
CMD ["serve", "--addr", "0.0.0.0:8001"]
