# Builds the api, worker and schoolops-admin binaries into one runtime image.
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
ENV PORT=8000 \
    RUST_LOG=info
EXPOSE 8000
CMD ["api"]
