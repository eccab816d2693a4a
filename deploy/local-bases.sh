#!/usr/bin/env bash
# Makes the Dockerfile's two base images from Debian packages, for machines
# that reach Debian's archive and crates.io but no container registry:
#
#   localhost/csc-rust:<X.Y>-bookworm  stands in for rust:<X.Y>-slim-bookworm:
#       Debian bookworm minbase, gcc and libc6-dev (the linker; mimalloc's C),
#       ca-certificates, and this machine's Rust toolchain copied in. Debian
#       has no Rust as new as the project's (bookworm: 1.63) and rustup cannot
#       download one without its own server, so the toolchain that already
#       builds the project here is the one the image builds with. Its version
#       must be the one the Dockerfile's RUST_IMAGE names.
#   localhost/csc-runtime:bookworm      replaces debian:bookworm-slim:
#       only what `ldd csc` needs (libc6 and libgcc-s1, unpacked from Debian's
#       packages), /etc/passwd with the `csc` user (uid 10001), no shell,
#       no package manager: about 5 MB (a bookworm minbase without
#       documentation measured 125 MB as a tarball).
#
# Usage: deploy/local-bases.sh [--refresh | --print-build-args]
#   An existing base is kept (builds stay cached) unless what it copied from
#   this machine changed (the Rust toolchain, the trusted certificates: the
#   builder is labelled with their digest); --refresh makes both anew, e.g. to
#   take Debian's security updates; --print-build-args prints the buildah
#   options that name them, and does nothing else. Needs root, mmdebstrap and podman
#   (apt-get install mmdebstrap podman buildah). Then build the image with:
#     buildah bud --isolation chroot --format docker --layers \
#       --build-arg RUST_IMAGE=<builder> --build-arg RUNTIME_IMAGE=<runtime> -t csc .
set -euo pipefail
cd "$(dirname "$0")/.."

refresh=false
print_only=false
case "${1:-}" in
  --refresh) refresh=true ;;
  --print-build-args) print_only=true ;;
  "") ;;
  *) echo "usage: $0 [--refresh | --print-build-args]" >&2; exit 2 ;;
esac

suite=bookworm
mirrors=(
  "deb http://deb.debian.org/debian $suite main"
  "deb http://deb.debian.org/debian $suite-updates main"
  "deb http://deb.debian.org/debian-security $suite-security main"
)
# Documentation, manual pages and translations are left out of both bases
# (as debian:bookworm-slim does).
slim=(
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
)
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The Rust version the Dockerfile builds with, from `ARG RUST_IMAGE=rust:X.Y-…`.
rust_version=$(sed -n 's/^ARG RUST_IMAGE=rust:\([0-9][0-9.]*\)-.*/\1/p' Dockerfile)
[ -n "$rust_version" ] || { echo "no 'ARG RUST_IMAGE=rust:X.Y-…' in the Dockerfile" >&2; exit 1; }
builder="localhost/csc-rust:$rust_version-$suite"
runtime="localhost/csc-runtime:$suite"

if $print_only; then
  echo "--build-arg RUST_IMAGE=$builder --build-arg RUNTIME_IMAGE=$runtime"
  exit 0
fi

# What the builder copies from this machine; a different digest remakes it.
builder_stamp=$( (rustc -vV; cat /etc/ssl/certs/ca-certificates.crt) | sha256sum | cut -c1-16)

work=$(mktemp -d /var/tmp/csc-bases.XXXXXX)
trap 'rm -rf "$work"' EXIT

make_builder() {
  local sysroot host_version
  sysroot=$(rustc --print sysroot)
  host_version=$(rustc --version | cut -d' ' -f2)
  case "$host_version" in
    "$rust_version" | "$rust_version".*) ;;
    *)
      echo "the Dockerfile builds with Rust $rust_version, this machine's rustc is $host_version" >&2
      exit 1
      ;;
  esac
  # cargo, rustc and rustdoc with the compiler's libraries and the standard
  # library (rust-lld included); not the documentation. cargo in the image
  # trusts the certificate authorities this machine trusts, so it reaches
  # crates.io the way this machine does.
  mmdebstrap --quiet --variant=minbase --include=gcc,libc6-dev,ca-certificates "${slim[@]}" \
    --customize-hook="cp /etc/ssl/certs/ca-certificates.crt \"\$1/etc/ssl/certs/ca-certificates.crt\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/rust\" \"\$1/usr/local/cargo/bin\"" \
    --customize-hook="tar -C '$sysroot' -cf - bin/cargo bin/rustc bin/rustdoc lib | tar -C \"\$1/usr/local/rust\" -xf -" \
    --customize-hook="for b in cargo rustc rustdoc; do ln -s ../../rust/bin/\$b \"\$1/usr/local/cargo/bin/\$b\"; done" \
    "$suite" "$work/builder.tar" "${mirrors[@]}"
  podman import --quiet \
    --change "ENV PATH=/usr/local/cargo/bin:$path" \
    --change "ENV CARGO_HOME=/usr/local/cargo" \
    --change "LABEL csc.host-stamp=$builder_stamp" \
    "$work/builder.tar" "$builder" >/dev/null
  rm -f "$work/builder.tar"
}

make_runtime() {
  # `extract` unpacks the packages and their dependencies without running
  # their scripts (there is no shell to run them), so the files those scripts
  # would write are written here. No charset conversion modules (gconv):
  # csc never calls iconv.
  mmdebstrap --quiet --variant=extract --include=libc6,libgcc-s1,base-files "${slim[@]}" \
    --dpkgopt='path-exclude=/usr/lib/*/gconv/*' \
    --customize-hook='printf "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\ncsc:x:10001:10001:csc:/app:/usr/sbin/nologin\n" > "$1/etc/passwd"' \
    --customize-hook='printf "root:x:0:\nnogroup:x:65534:\ncsc:x:10001:\n" > "$1/etc/group"' \
    --customize-hook='printf "passwd: files\ngroup: files\nhosts: files dns\n" > "$1/etc/nsswitch.conf"' \
    "$suite" "$work/runtime.tar" "${mirrors[@]}"
  podman import --quiet --change "ENV PATH=$path" "$work/runtime.tar" "$runtime" >/dev/null
  rm -f "$work/runtime.tar"
}

stamp_of() { podman image inspect --format '{{index .Labels "csc.host-stamp"}}' "$1" 2>/dev/null || true; }

for pair in "builder:$builder" "runtime:$runtime"; do
  kind=${pair%%:*}
  image=${pair#*:}
  if ! $refresh && podman image exists "$image"; then
    if [ "$kind" = runtime ] || [ "$(stamp_of "$image")" = "$builder_stamp" ]; then
      echo "$image: kept (--refresh makes it anew)"
      continue
    fi
    echo "$image: this machine's Rust toolchain or certificates changed: making it anew"
  fi
  started=$SECONDS
  "make_$kind"
  echo "$image: made in $((SECONDS - started)) s, $(podman image inspect --format '{{.Size}}' "$image") bytes"
done

echo "build with: --build-arg RUST_IMAGE=$builder --build-arg RUNTIME_IMAGE=$runtime"
