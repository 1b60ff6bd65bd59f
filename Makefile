# The book's commands. `make verify` is what CI runs (see README.md).

.PHONY: verify check lint fmt vet test fuzz extract update book serve bench

# Everything a maintainer must pass.
verify: check lint fmt vet test fuzz

# The chapters agree with their programs, scripts and transcripts.
check:
	go run ./cmd/mdrun check

# The book's Japanese prose: textlint with the rules and the term
# dictionary in .textlintrc.yml and book/lint/prh.yml, over every markdown
# file a reader or an author reads. The linter's versions are pinned in
# package-lock.json; npm ci installs exactly those when the lock changes.
LINTED = README.md chapters/*/README.md book/*.md docs/*.md
lint: node_modules/.package-lock.json
	npx --no-install textlint $(LINTED)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# Every Go file is gofmt-formatted (not the linter's node_modules, which
# go.mod's ignore directive also keeps out of ./...).
fmt:
	@out=$$(find . -path ./node_modules -prune -o -name '*.go' -print | xargs gofmt -l); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

# Unit tests, mdrun's scripts, the book's transcripts against real runs,
# and the rendered book in chromium: links, accessibility (axe-core), and
# reading it as a reader does (screenshots in book/screenshots/), all under
# the race detector: mdrun builds pages, highlights code and runs scripts
# concurrently, and the chapters' servers serve each connection in a
# goroutine. The browser tests take minutes on a busy 2-core machine:
# hence the timeout.
test:
	go test -race -timeout 25m ./...

# A short run of each fuzz test on its committed seed corpus and beyond:
# the chapters' servers, chapter 2's escaping of logged bytes, and mdrun's reading and rewriting of a chapter.
# The run is counted in executions, not seconds: with a duration, Go 1.26's
# fuzz coordinator can fail at the deadline with "context deadline
# exceeded" and no failing input (go.dev/issue/75804, fixed in Go 1.27);
# CI met it once. 100000 executions take 5-10 s each here.
# Run longer by hand: make fuzz FUZZTIME=5m
FUZZTIME ?= 100000x
fuzz:
	go test -run='^$$' -fuzz=FuzzHandle -fuzztime=$(FUZZTIME) ./chapters/02
	go test -run='^$$' -fuzz=FuzzPrintable -fuzztime=$(FUZZTIME) ./chapters/02
	go test -run='^$$' -fuzz=FuzzHandle -fuzztime=$(FUZZTIME) ./chapters/04/server
	go test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/chapter
	go test -run='^$$' -fuzz=FuzzReplace -fuzztime=$(FUZZTIME) ./internal/chapter

# Write the chapters' programs from their markdown.
extract:
	go run ./cmd/mdrun extract

# Rewrite the chapters' diff and quote blocks from the files they name,
# then the console blocks from real runs.
update:
	go run ./cmd/mdrun update
	go test . -run TestTranscripts -update

# Render the book as a web site in book/site/.
book:
	go run ./cmd/mdrun book

# Read the book at http://localhost:3000, or another address with
# make serve ADDR=localhost:3001; pages reload as chapters change. mdrun is
# built into bin/ (git-ignored) and then run, not go run: Ctrl-C stops the
# server itself, which exits 0, so make reports no error.
ADDR ?= localhost:3000
serve:
	@echo "make serve: building mdrun into bin/mdrun (the first build takes a minute)"
	@go build -o bin/mdrun ./cmd/mdrun
	@bin/mdrun serve -addr '$(ADDR)'

# Chapter 5's measurements on this machine: prints the tables the chapter
# shows, and writes JSON and SVG to BENCHOUT. The latency part needs root
# or unprivileged user namespaces (see chapters/05/README.md).
# The three servers are built once into BENCHOUT/bin and passed to both.
BENCHOUT ?= /tmp/tcpbook-bench
BENCHSERVERS = -ch02 $(BENCHOUT)/bin/ch02 -ch04 $(BENCHOUT)/bin/ch04 -http $(BENCHOUT)/bin/http
bench:
	mkdir -p $(BENCHOUT)/bin
	go build -o $(BENCHOUT)/bin/ch02 ./chapters/02
	go build -o $(BENCHOUT)/bin/ch04 ./chapters/04/server
	go build -o $(BENCHOUT)/bin/http ./chapters/05/httpserver
	go run ./chapters/05/latency $(BENCHSERVERS) -json $(BENCHOUT)/latency.json
	go run ./chapters/05/loadtest $(BENCHSERVERS) -json $(BENCHOUT)/load.json
	go run ./chapters/05/chart -latency $(BENCHOUT)/latency.json -load $(BENCHOUT)/load.json -o $(BENCHOUT)
	go test -run='^$$' -bench=. -benchmem ./chapters/02 ./chapters/04/server
