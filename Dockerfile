# The csc image: `docker build -t csc .` (or `podman build`, `buildah bud`).
# Both bases are build arguments so that a machine without a registry can
# build on bases made from Debian packages (deploy/local-bases.sh):
#   buildah bud --format docker \
#     --build-arg RUST_IMAGE=localhost/csc-rust:1.95-bookworm \
#     --build-arg RUNTIME_IMAGE=localhost/csc-runtime:bookworm -t csc .
ARG RUST_IMAGE=rust:1.95-slim-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# Build stage: the release binary only. The cache mounts keep the crates and
# the compiled dependencies between builds, so a rebuild recompiles csc alone
# (the release profile's fat LTO still links the whole program, a few minutes).
FROM ${RUST_IMAGE} AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY migration ./migration
COPY src ./src
COPY bench ./bench
RUN --mount=type=cache,id=csc-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=csc-release-target,target=/src/target \
    cargo build --release --locked --bin csc \
 && install -D -m 0755 target/release/csc /out/csc \
 && mkdir -p /out/app/data

# Runtime stage: the binary on a glibc base, run as a non-root user. It runs
# no command while building, so it also builds on a base without a shell
# (the local runtime base has only glibc and libgcc: `ldd csc` needs no more).
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/csc /usr/local/bin/csc
# /app is the working directory; /app/data holds an SQLite file if one is used.
COPY --from=build --chown=10001:10001 /out/app /app
# A numeric user: the public Debian base has no `csc` entry in /etc/passwd.
USER 10001:10001
WORKDIR /app
# Configuration comes from the environment (README, "Configuration"):
# DATABASE_URL, JWT_SECRET (or JWT_PUBLIC_KEY_FILE), JWT_ISSUER, JWT_AUDIENCE,
# CORS_ALLOWED_ORIGINS, LOG_FORMAT, RUST_LOG. BIND listens on all interfaces
# inside the container.
ENV BIND=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["csc", "healthcheck"]
ENTRYPOINT ["csc", "serve", "--production"]
