package goplugin

// runtime.moduledata of Go 1.26 ($GOROOT/src/runtime/symtab.go), as written
// by cmd/link/internal/ld/symtab.go. Checked against go1.26.8. abi.MapType
// (internal/abi/map.go) is Key, Elem, Group, Hasher, GroupSize, SlotSize,
// ElemOff, Flags: 8 words beyond abi.Type.
func moduledataGo126() *moduledataLayout {
	return &moduledataLayout{
		release: "go1.26",
		// pcHeader ... gcbss, then the fields of this release, then
		// ptab ... hasmain.
		fields: mdFields([]mdField{
			{"types", mdWord}, {"etypes", mdWord},
			{"rodata", mdWord},
			{"gofunc", mdWord},
			{"epclntab", mdWord},
			{"textsectmap", mdSlice},
			{"typelinks", mdSlice},
			{"itablinks", mdSlice},
		}),
		mapTypeWords: 8,
	}
}
