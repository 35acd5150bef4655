package elfread

// RelocInfo is one dynamic relocation as the file states it.
type RelocInfo struct {
	Type   uint32 // the machine's relocation type (R_X86_64_IRELATIVE, ...)
	Sym    string // the dynamic symbol's name; "" for none
	Addend int64
}

// RelocAt returns the dynamic relocation that applies at addr, if any. The
// caller holds the lock (see File.Image).
func (im *Image) RelocAt(addr uint64) (RelocInfo, bool) {
	r, ok := im.relocAt(addr)
	if !ok {
		return RelocInfo{}, false
	}
	ri := RelocInfo{Type: r.typ, Addend: r.addend}
	if r.sym != 0 {
		ri.Sym = im.SymbolAt(addr)
	}
	return ri, true
}
