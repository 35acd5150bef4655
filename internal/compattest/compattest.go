// Package compattest holds the oracle test of `soinspect check`: it builds
// a matrix of Go hosts and plugins, opens every plugin with the real
// plugin.Open in a host process, and compares the outcome with the verdict
// check gives from the files alone. It has no code outside its tests.
package compattest
