// Package grpc declares the part of google.golang.org/grpc that racecheck's fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package grpc

type ServerOption interface{}

type Server struct{}

func NewServer(opt ...ServerOption) *Server { return &Server{} }

func (s *Server) Stop() {}

type ClientConn struct{}

func (cc *ClientConn) Connect() {}
