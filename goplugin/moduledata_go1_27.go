package goplugin

// runtime.moduledata of Go 1.27 ($GOROOT/src/runtime/symtab.go), as written
// by cmd/link/internal/ld/symtab.go. Checked against go1.27.3: against 1.26
// it adds typedesclen after types and itaboffset, itabsize after etypes, and
// drops the typelinks and itablinks slices. abi.MapType grows to Key, Elem,
// Group, Hasher, GroupSize, KeysOff, KeyStride, ElemsOff, ElemStride, ElemOff,
// Flags: 11 words beyond abi.Type. abi.Type itself is unchanged.
func moduledataGo127() *moduledataLayout {
	return &moduledataLayout{
		release: "go1.27",
		// pcHeader ... gcbss, then the fields of this release, then
		// ptab ... hasmain.
		fields: mdFields([]mdField{
			{"types", mdWord}, {"typedesclen", mdWord}, {"etypes", mdWord},
			{"itaboffset", mdWord}, {"itabsize", mdWord},
			{"rodata", mdWord},
			{"gofunc", mdWord},
			{"epclntab", mdWord},
			{"textsectmap", mdSlice},
		}),
		mapTypeWords: 11,
	}
}
