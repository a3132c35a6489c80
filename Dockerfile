# Builds the api, worker and schoolops-admin binaries into one runtime image:
# a Rust toolchain stage, then a slim Debian with only the binaries, the
# migrations, CA certificates and curl (for healthchecks), run as a
# non-root user.
#   docker build -t schoolops .
#   docker run --rm schoolops api | worker | schoolops-admin ...

FROM rust:1-bookworm AS builder
WORKDIR /src
# Compile-time checked queries, if any, use the committed .sqlx data.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never
COPY . .
RUN cargo build --release --locked --bins \
 && mkdir -p /out \
 && cp target/release/api target/release/worker target/release/schoolops-admin /out/

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home schoolops
WORKDIR /app
COPY --from=builder /out/api /out/worker /out/schoolops-admin /usr/local/bin/
COPY --from=builder /src/migrations /app/migrations
USER schoolops
# The api listens on loopback unless HOST says otherwise; in a container, all.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    WORKER_HTTP_PORT=9000 \
    RUST_LOG=info
# 8000: the api; 9000: a worker's /healthz, /readyz and /metrics.
EXPOSE 8000 9000
CMD ["api"]
