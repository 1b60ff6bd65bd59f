# The book's commands. `make verify` is what CI runs (see README.md).

.PHONY: verify check fmt vet test fuzz extract update

# Everything a maintainer must pass.
verify: check fmt vet test fuzz

# The chapters agree with their programs, scripts and transcripts.
check:
	go run ./cmd/mdrun check

# Every Go file is gofmt-formatted.
fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

# Unit tests, mdrun's scripts, and the book's transcripts against real runs.
test:
	go test ./...

# A short run of each fuzz test on its committed seed corpus and beyond.
# Run longer by hand: make fuzz FUZZTIME=5m
FUZZTIME ?= 10s
fuzz:
	go test -run='^$$' -fuzz=FuzzHandle -fuzztime=$(FUZZTIME) ./chapters/02
	go test -run='^$$' -fuzz=FuzzHandle -fuzztime=$(FUZZTIME) ./chapters/04/server

# Write the chapters' programs from their markdown.
extract:
	go run ./cmd/mdrun extract

# Rewrite the book's console blocks from real runs.
update:
	go test . -run TestTranscripts -update
