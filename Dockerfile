# bangban: one static binary on a distroless base (no shell, non-root).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/bangban ./cmd/bangban

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bangban /bangban
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/bangban"]
CMD ["serve"]
