// Package httprouter declares the part of github.com/julienschmidt/httprouter that racecheck's
// fixtures call, so the Go compiler can type-check them (test/fix/go-compile.test.ts). Nothing here runs.
package httprouter

import "net/http"

type Router struct{}

func (r *Router) HandlerFunc(method, path string, handler http.HandlerFunc) {}
