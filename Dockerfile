# Build stage: the release binary only.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY migration ./migration
COPY src ./src
COPY bench ./bench
RUN cargo build --release --locked --bin csc

# Runtime stage: a small Debian with the binary, run as a non-root user.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app csc \
 && mkdir -p /app/data && chown csc:csc /app/data
COPY --from=build /src/target/release/csc /usr/local/bin/csc
USER csc
WORKDIR /app
# Configuration comes from the environment: DATABASE_URL, JWT_SECRET (or
# JWT_PUBLIC_KEY_FILE), JWT_ISSUER, JWT_AUDIENCE, CORS_ALLOWED_ORIGINS,
# LOG_FORMAT, RUST_LOG. BIND listens on all interfaces inside the container.
ENV BIND=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["csc", "healthcheck"]
ENTRYPOINT ["csc", "serve", "--production"]
