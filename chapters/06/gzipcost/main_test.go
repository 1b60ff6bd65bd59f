// Tests for the chapter's gzip measurement (not part of the book's text).
package main

import (
	"compress/gzip"
	"testing"
	"unicode/utf8"
)

// The document comes from the server's source whole; prefixes end on a
// character; from the break-even size on, gzip with the header line is
// smaller, and just below it it is not.
func TestDocumentAndBreakEven(t *testing.T) {
	doc, err := readDocument("../server/document.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc) < 1000 || !utf8.Valid(doc) {
		t.Fatalf("document of %d bytes", len(doc))
	}
	if _, err := readDocument("main.go"); err == nil {
		t.Error("read a document from a file without one")
	}
	for n := range 40 {
		if p := prefix(doc, n); len(p) > n || !utf8.Valid(p) {
			t.Fatalf("prefix(%d) = %q", n, p)
		}
	}
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	from := breakEven(doc, gzip.DefaultCompression)
	if from > len(doc) {
		t.Fatalf("break-even %d: never", from)
	}
	if b := prefix(doc, from); gzipSize(zw, b)+len(contentEncodingLine) >= len(b) {
		t.Errorf("at %d bytes gzip is not smaller", from)
	}
	if b := prefix(doc, from-8); gzipSize(zw, b)+len(contentEncodingLine) < len(b) {
		t.Errorf("break-even %d, but %d bytes already gain", from, len(b))
	}
}
