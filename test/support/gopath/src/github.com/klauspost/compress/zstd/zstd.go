// Package zstd declares the part of github.com/klauspost/compress/zstd that racecheck's fixtures call,
// so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package zstd

import "io"

type DOption func(*decoderOptions) error

type decoderOptions struct{ concurrent int }

func WithDecoderConcurrency(n int) DOption { return func(o *decoderOptions) error { o.concurrent = n; return nil } }

type Decoder struct{ r io.Reader }

func NewReader(r io.Reader, opts ...DOption) (*Decoder, error) { return &Decoder{r: r}, nil }

func (d *Decoder) Read(p []byte) (int, error) { return d.r.Read(p) }

func (d *Decoder) Close() {}
