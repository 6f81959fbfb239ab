// Package blobstore stands for another project's upload client, one racecheck has no model of, so the
// Go compiler can type-check the fixtures that call it (test/fix/go-compile.test.ts). Nothing here runs.
package blobstore

import (
	"context"
	"io"
)

// Input names an object and the stream of its content.
type Input struct {
	Key  string
	Body io.Reader
}

// Uploader stores objects.
type Uploader struct{}

// Upload reads in.Body to its end and stores it under in.Key.
func (u *Uploader) Upload(ctx context.Context, in *Input) error {
	_, err := io.Copy(io.Discard, in.Body)
	return err
}

// Put reads body to its end and stores it under key.
func Put(ctx context.Context, key string, body io.Reader) error {
	_, err := io.Copy(io.Discard, body)
	return err
}
