# bangban — the two everyday commands are `make run` and `make test`.

GO        ?= go
# Tests create their own databases on this server and their own key spaces on this Redis.
BANGBAN_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
BANGBAN_TEST_REDIS_URL    ?= redis://127.0.0.1:6379/0
export BANGBAN_TEST_DATABASE_URL BANGBAN_TEST_REDIS_URL

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test services build vet lint bench bench-load bench-load-ref docker

## run: serve Telegram when TELEGRAM_BOT_TOKEN is set; without it, the demo at http://127.0.0.1:8090
run:
	$(GO) run ./cmd/bangban run

## test: all tests with the race detector, against real Postgres and Redis
test: services
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

## services: check Postgres and Redis are reachable; start them with Docker if it runs, else say what to start
services:
	@bash .ci/services

## lint: golangci-lint, pinned, with the linters .golangci.yml chooses (built on first use)
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
lint:
	$(GO) run $(GOLANGCI_LINT) run ./...

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bangban ./cmd/bangban

bench: services
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-load: simulated reporters filing reports through serve (USERS, MODES, SEND_PER_SECOND)
USERS           ?= 1,20,100,200
MODES           ?= polling,webhook
SEND_PER_SECOND ?= 28
bench-load: services
	$(GO) run ./cmd/bangban load -users $(USERS) -modes $(MODES) -send-per-second $(SEND_PER_SECOND)

## bench-load-ref: the same, beside tools/loadref (the dialog bare on go-telegram/bot) under one driver
bench-load-ref: services
	$(GO) build -o bangban-loadref ./tools/loadref
	$(GO) run ./cmd/bangban load -binary ./bangban-loadref -users $(USERS) -modes $(MODES) -send-per-second $(SEND_PER_SECOND)
	$(GO) run ./cmd/bangban load -users $(USERS) -modes $(MODES) -send-per-second $(SEND_PER_SECOND)

docker:
	docker build --build-arg VERSION=$(VERSION) -t bangban:$(VERSION) .
