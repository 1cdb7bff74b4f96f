# gitgate container image.
#   make image IMAGE=REGISTRY/gitgate:$(cat VERSION)     (podman; tools/image-build)
#   docker build -t ghcr.io/gitgate/gitgate:$(cat VERSION) --build-arg GITREV=$(git rev-parse --short HEAD) .
# The build stage runs the same `make install` as a source install; the
# runtime stage holds the binary and its shared libraries only, and runs as
# the unprivileged 65532:65532 that manifests/base/deployment.yaml expects.
# Base images are pinned by tag; pin by digest too (debian:bookworm-slim@sha256:...)
# where Renovate/Dependabot keeps digests fresh.

FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	gcc libc6-dev make pkg-config \
	libmicrohttpd-dev libcjson-dev libyaml-dev libpcre2-dev \
	libssl-dev libgnutls28-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# No .git in the build context (.dockerignore): the revision comes in as an
# argument, and the Makefile's own fallback says "unknown".
ARG GITREV=unknown
RUN make -j"$(nproc)" GITREV="$GITREV" \
 && make install DESTDIR=/out PREFIX=/usr/local GITREV="$GITREV"

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	libmicrohttpd12 libcjson1 libyaml-0-2 libpcre2-8-0 libssl3 libgnutls30 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local/ /usr/local/
# Fails the image build if a runtime library is missing.
RUN ["/usr/local/bin/gitgate", "version"]
LABEL org.opencontainers.image.title="gitgate" \
      org.opencontainers.image.description="Kubernetes admission webhook: Git is the only way into the cluster"
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/gitgate"]
CMD ["serve"]
