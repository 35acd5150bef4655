//go:build !cgo

package main

// Without cgo, package plugin cannot load anything (plugin.Open says
// "plugin: not implemented"); these keep the program building.

type dlHandle struct{}

func noLoad(path string) *dlHandle            { return nil }
func (d *dlHandle) close()                    {}
func (d *dlHandle) raw() uint64               { return 0 }
func (d *dlHandle) linkMap() (string, uint64) { return "", 0 }
func (d *dlHandle) sym(name string) uint64    { return 0 }
func flushC()                                 {}
func load32(addr uint64) uint32               { return 0 }
