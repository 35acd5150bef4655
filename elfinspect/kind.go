package elfinspect

// Kind classifies an ELF file by what built it and how it is meant to be
// used. See (*File).Kind.
type Kind string

// The kinds of file elfinspect tells apart.
const (
	KindGoPlugin     Kind = "go-plugin"     // go build -buildmode=plugin
	KindGoCShared    Kind = "go-c-shared"   // go build -buildmode=c-shared
	KindGoShared     Kind = "go-shared"     // go install -buildmode=shared
	KindGoExecutable Kind = "go-executable" // a Go program (exe or pie)
	KindSharedLib    Kind = "shared-library"
	KindPIE          Kind = "pie-executable"
	KindExecutable   Kind = "executable"
	KindRelocatable  Kind = "relocatable"
	KindCore         Kind = "core"
	KindOther        Kind = "other"
)
