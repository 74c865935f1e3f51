# bangban: one static binary on a distroless base (no shell, non-root).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bangban ./cmd/bangban
# The working directory, where the files attached to cases are kept (./files), belongs to the
# non-root user: the image has no shell to make it at run time.
RUN mkdir -p /out/data/files && chmod -R 0700 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bangban /bangban
COPY --from=build --chown=65532:65532 /out/data /var/lib/bangban
WORKDIR /var/lib/bangban
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/bangban"]
CMD ["serve"]
