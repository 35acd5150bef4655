package goplugin

// runtime.moduledata of Go 1.27 ($GOROOT/src/runtime/symtab.go), as written
// by cmd/link/internal/ld/symtab.go. Checked against go1.27.3: against 1.26
// it adds typedesclen after types and itaboffset, itabsize after etypes, and
// drops the typelinks and itablinks slices. abi.MapType grows to Key, Elem,
// Group, Hasher, GroupSize, KeysOff, KeyStride, ElemsOff, ElemStride, ElemOff,
// Flags: 11 words beyond abi.Type. abi.Type itself is unchanged.
func init() {
	registerModuledata(&moduledataLayout{
		release: "go1.27",
		fields: []mdField{
			{"pcHeader", mdWord},
			{"funcnametab", mdSlice},
			{"cutab", mdSlice},
			{"filetab", mdSlice},
			{"pctab", mdSlice},
			{"pclntable", mdSlice},
			{"ftab", mdSlice},
			{"findfunctab", mdWord},
			{"minpc", mdWord}, {"maxpc", mdWord},
			{"text", mdWord}, {"etext", mdWord},
			{"noptrdata", mdWord}, {"enoptrdata", mdWord},
			{"data", mdWord}, {"edata", mdWord},
			{"bss", mdWord}, {"ebss", mdWord},
			{"noptrbss", mdWord}, {"enoptrbss", mdWord},
			{"covctrs", mdWord}, {"ecovctrs", mdWord},
			{"end", mdWord}, {"gcdata", mdWord}, {"gcbss", mdWord},
			{"types", mdWord}, {"typedesclen", mdWord}, {"etypes", mdWord},
			{"itaboffset", mdWord}, {"itabsize", mdWord},
			{"rodata", mdWord},
			{"gofunc", mdWord},
			{"epclntab", mdWord},
			{"textsectmap", mdSlice},
			{"ptab", mdSlice},
			{"pluginpath", mdString},
			{"pkghashes", mdSlice},
			{"inittasks", mdSlice},
			{"modulename", mdString},
			{"modulehashes", mdSlice},
			{"hasmain", mdUint8},
		},
		mapTypeWords: 11,
	})
}
