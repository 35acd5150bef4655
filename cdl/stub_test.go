//go:build !cgo

package cdl_test

import (
	"errors"
	"testing"

	"github.com/soinspect/soinspect/cdl"
)

func TestUnsupported(t *testing.T) {
	_, err := cdl.Open("libc.so.6", cdl.Now)
	if !errors.Is(err, cdl.ErrUnsupported) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Open without cgo = %v", err)
	}
	if _, err := cdl.Loaded(); !errors.Is(err, cdl.ErrUnsupported) {
		t.Errorf("Loaded without cgo = %v", err)
	}
	sig, _ := cdl.ParseSignature("int(void)")
	if _, err := cdl.Call(1, sig); !errors.Is(err, cdl.ErrUnsupported) {
		t.Errorf("Call without cgo = %v", err)
	}
}
