package goplugin

// runtime.moduledata of Go 1.26 ($GOROOT/src/runtime/symtab.go), as written
// by cmd/link/internal/ld/symtab.go. Checked against go1.26.8. abi.MapType
// (internal/abi/map.go) is Key, Elem, Group, Hasher, GroupSize, SlotSize,
// ElemOff, Flags: 8 words beyond abi.Type.
func init() {
	registerModuledata(&moduledataLayout{
		release: "go1.26",
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
			{"types", mdWord}, {"etypes", mdWord},
			{"rodata", mdWord},
			{"gofunc", mdWord},
			{"epclntab", mdWord},
			{"textsectmap", mdSlice},
			{"typelinks", mdSlice},
			{"itablinks", mdSlice},
			{"ptab", mdSlice},
			{"pluginpath", mdString},
			{"pkghashes", mdSlice},
			{"inittasks", mdSlice},
			{"modulename", mdString},
			{"modulehashes", mdSlice},
			{"hasmain", mdUint8},
		},
		mapTypeWords: 8,
	})
}
