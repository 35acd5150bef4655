// Command cshared is the contrast to a Go plugin for C hosts: built with
// -buildmode=c-shared, it is a C library whose //export'ed functions any C
// program can dlopen, dlsym and call. The cgo wrappers the exports get
// start the Go runtime and switch to a goroutine on a Go stack, which is what
// a raw call into a plugin's Go function lacks.
//
// make c-demo builds it into bin/c/libsoinspect_cshared.so and c/host.c
// calls it. main is never run in a c-shared library; it keeps
// `CGO_ENABLED=0 go build ./...` working, the exports needing cgo.
package main

func main() {}
