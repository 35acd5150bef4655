package ldso

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/soinspect/soinspect/internal/elfread"
	"github.com/soinspect/soinspect/internal/guard"
)

// The ld.so.cache formats, as sysdeps/generic/dl-cache.h defines them.
const (
	cacheMagicOld = "ld.so-1.7.0"
	cacheMagicNew = "glibc-ld.so.cache1.1"

	oldHeaderSize = 16 // magic[11], pad, nlibs
	oldEntrySize  = 12 // flags, key, value
	newHeaderSize = 48
	newEntrySize  = 24 // flags, key, value, osversion, hwcap

	// flagsX8664Lib64 is _DL_CACHE_DEFAULT_ID on x86-64: FLAG_ELF_LIBC6 |
	// FLAG_X8664_LIB64, the only flags ld.so accepts there.
	flagsX8664Lib64 = 0x0303

	hwcapExtension     = uint64(1) << 62
	isaLevelCount      = 10
	isaLevelMask       = (1 << isaLevelCount) - 1
	extensionMagic     = uint32(0xeaa42174) // (uint32_t) -358342284
	extTagGlibcHwcaps  = 1
	maxCacheFileLength = 64 << 20
)

// Cache is a parsed /etc/ld.so.cache: the entries ld.so searches, in the
// file's order (sorted by _dl_cache_libcmp, hwcaps entries first).
type Cache struct {
	entries []cacheEntry
	strs    []byte   // the whole file: string offsets are from its start
	hwcaps  []string // the glibc-hwcaps subdirectory names, by index
}

type cacheEntry struct {
	flags      int32
	key, value uint32
	hwcap      uint64
	hasHwcap   bool // a new-format entry
}

// ParseCache parses the bytes of an ld.so.cache file in either format
// (the new one, or the old one with the new one inside), as
// _dl_load_cache_lookup does; an unusable file is an error.
func ParseCache(b []byte) (c *Cache, err error) {
	defer guard.Recover(func(p any) { c, err = nil, fmt.Errorf("ld.so.cache: %w", elfread.PanicError("cache", p)) })
	le := binary.LittleEndian
	c = &Cache{strs: b}
	switch {
	case len(b) > newHeaderSize && bytes.HasPrefix(b, []byte(cacheMagicNew)):
		nlibs := le.Uint32(b[20:])
		if uint64(len(b)-newHeaderSize)/newEntrySize < uint64(nlibs) {
			return nil, fmt.Errorf("ld.so.cache: %d entries do not fit in %d bytes", nlibs, len(b))
		}
		if fl := b[28]; fl != 0 && fl&3 != 2 {
			return nil, fmt.Errorf("ld.so.cache: not little-endian (flags %#x)", fl)
		}
		c.readNew(b, 0, nlibs)
		c.readHwcaps(b, le.Uint32(b[32:]))
	case len(b) > oldHeaderSize && bytes.HasPrefix(b, []byte(cacheMagicOld)):
		nlibs := le.Uint32(b[12:])
		if uint64(len(b)-oldHeaderSize)/oldEntrySize < uint64(nlibs) {
			return nil, fmt.Errorf("ld.so.cache: %d entries do not fit in %d bytes", nlibs, len(b))
		}
		off := (oldHeaderSize + uint64(nlibs)*oldEntrySize + 7) &^ 7 // ALIGN_CACHE
		if uint64(len(b)) >= off+newHeaderSize && bytes.HasPrefix(b[off:], []byte(cacheMagicNew)) {
			nb := b[off:]
			n := le.Uint32(nb[20:])
			if fl := nb[28]; fl != 0 && fl&3 != 2 {
				return nil, fmt.Errorf("ld.so.cache: not little-endian (flags %#x)", fl)
			}
			if uint64(len(nb)-newHeaderSize)/newEntrySize < uint64(n) {
				return nil, fmt.Errorf("ld.so.cache: %d entries do not fit in %d bytes", n, len(nb))
			}
			c.strs = nb
			c.readNew(nb, 0, n)
			c.readHwcaps(nb, le.Uint32(nb[32:]))
			return c, nil
		}
		// Old format only: string offsets are from the end of the entries.
		strStart := oldHeaderSize + uint64(nlibs)*oldEntrySize
		c.strs = b[strStart:]
		c.entries = make([]cacheEntry, nlibs)
		for i := range c.entries {
			e := b[oldHeaderSize+i*oldEntrySize:]
			c.entries[i] = cacheEntry{flags: int32(le.Uint32(e)), key: le.Uint32(e[4:]), value: le.Uint32(e[8:])}
		}
	default:
		return nil, fmt.Errorf("ld.so.cache: unknown format")
	}
	return c, nil
}

func (c *Cache) readNew(b []byte, _ int, nlibs uint32) {
	le := binary.LittleEndian
	c.entries = make([]cacheEntry, nlibs)
	for i := range c.entries {
		e := b[newHeaderSize+i*newEntrySize:]
		c.entries[i] = cacheEntry{
			flags: int32(le.Uint32(e)), key: le.Uint32(e[4:]), value: le.Uint32(e[8:]),
			hwcap: le.Uint64(e[16:]), hasHwcap: true,
		}
	}
}

// readHwcaps reads the glibc-hwcaps extension section (cache_extension
// at extOff), if there is one. A malformed one is ignored, as ld.so's
// cache_extension_load ignores it.
func (c *Cache) readHwcaps(b []byte, extOff uint32) {
	le := binary.LittleEndian
	if extOff == 0 || extOff%4 != 0 || uint64(extOff)+8 > uint64(len(b)) {
		return
	}
	if le.Uint32(b[extOff:]) != extensionMagic {
		return
	}
	count := uint64(le.Uint32(b[extOff+4:]))
	if count > (uint64(len(b))-uint64(extOff)-8)/16 {
		return
	}
	for i := uint64(0); i < count; i++ {
		s := b[uint64(extOff)+8+16*i:]
		tag, off, size := le.Uint32(s), uint64(le.Uint32(s[8:])), uint64(le.Uint32(s[12:]))
		if tag != extTagGlibcHwcaps || off%4 != 0 || size%4 != 0 || off+size > uint64(len(b)) {
			continue
		}
		c.hwcaps = make([]string, size/4)
		for j := range c.hwcaps {
			if so := le.Uint32(b[off+4*uint64(j):]); uint64(so) < uint64(len(b)) {
				c.hwcaps[j] = cstring(b[so:])
			}
		}
	}
}

func (c *Cache) str(off uint32) (string, bool) {
	if uint64(off) >= uint64(len(c.strs)) {
		return "", false
	}
	return cstring(c.strs[off:]), true
}

// Entry is one library of the cache.
type CacheEntry struct {
	Name   string // the soname (key)
	Path   string // the file (value)
	Hwcaps string // the glibc-hwcaps subdirectory, if any
}

// Entries returns the cache's entries in the file's order.
func (c *Cache) Entries() (out []CacheEntry) {
	defer guard.Recover(func(any) {})
	out = make([]CacheEntry, 0, len(c.entries))
	for _, e := range c.entries {
		k, ok1 := c.str(e.key)
		v, ok2 := c.str(e.value)
		if !ok1 || !ok2 {
			continue
		}
		ce := CacheEntry{Name: k, Path: v}
		if e.hasHwcap && isHwcapExtension(e.hwcap) && uint64(uint32(e.hwcap)) < uint64(len(c.hwcaps)) {
			ce.Hwcaps = c.hwcaps[uint32(e.hwcap)]
		}
		out = append(out, ce)
	}
	return out
}

func isHwcapExtension(h uint64) bool {
	return (h>>32)&^isaLevelMask == hwcapExtension>>32
}

// Lookup returns the file the cache gives for name, as search_cache does:
// a binary search by _dl_cache_libcmp, then among the entries of that
// name the glibc-hwcaps one of the best priority the CPU supports (level
// is the x86-64 ISA level, 1 to 4), else the first plain entry with the
// right flags.
func (c *Cache) Lookup(name string, level int) (path, hwcaps string, ok bool) {
	defer guard.Recover(func(any) { path, hwcaps, ok = "", "", false })
	left, right := 0, len(c.entries)-1
	prio := hwcapsPriorities(c.hwcaps, level)
	var best string
	bestPrio := uint32(0)
	found := false
	for left <= right {
		middle := (left + right) / 2
		key, ok := c.str(c.entries[middle].key)
		if !ok {
			return "", "", false
		}
		cmp := libcmp(name, key)
		if cmp == 0 {
			left = middle
			for middle > 0 {
				k, ok := c.str(c.entries[middle-1].key)
				if !ok || libcmp(name, k) != 0 {
					break
				}
				middle--
			}
			for ; middle <= right; middle++ {
				e := c.entries[middle]
				if middle > left {
					k, ok := c.str(e.key)
					if !ok || libcmp(name, k) != 0 {
						break
					}
				}
				if e.flags != flagsX8664Lib64 {
					continue
				}
				v, ok := c.str(e.value)
				if !ok {
					continue
				}
				named := false
				if e.hasHwcap {
					named = isHwcapExtension(e.hwcap)
					if named && !isaLevelCompatible(e.hwcap, level) {
						continue
					}
					if !named && found {
						break
					}
					// Legacy hwcap bits: only HWCAP_X86_64 and HWCAP_X86_AVX512_1
					// (x86-64 ld.so's dl_hwcap & hwcap_mask), the platform
					// and the TLS bit pass hwcap_exclude.
					if !named && e.hwcap&^(hwcapPlatformMask|uint64(1)<<63|3) != 0 {
						continue
					}
					if named {
						idx := uint32(e.hwcap)
						p := uint32(0)
						if int(idx) < len(prio) {
							p = prio[idx]
						}
						if p == 0 {
							continue
						}
						if found && p >= bestPrio {
							continue
						}
						bestPrio = p
						hwcaps = c.hwcaps[idx]
					} else {
						hwcaps = ""
					}
				}
				best, found = v, true
				if !named {
					break
				}
			}
			break
		}
		if cmp < 0 {
			left = middle + 1
		} else {
			right = middle - 1
		}
	}
	return best, hwcaps, found
}

// hwcapPlatformMask is _DL_HWCAP_PLATFORM on x86-64: the platform bits
// 48 and up (below the TLS bit 63).
const hwcapPlatformMask = ((uint64(1) << 15) - 1) << 48

// isaLevelCompatible is dl_cache_hwcap_isa_level_compatible on x86: the
// entry's ISA level must be one the CPU supports.
func isaLevelCompatible(h uint64, level int) bool {
	l := int((h >> 32) & isaLevelMask)
	// Level 0 is baseline, 1 is x86-64 (baseline too), 2..4 v2..v4.
	return l <= max(level, 1)
}

// hwcapsPriorities gives each glibc-hwcaps name of the cache its priority
// (1 is best, 0 unusable), as glibc_hwcaps_priorities_init merges them
// with the subdirectories the CPU supports.
func hwcapsPriorities(names []string, level int) []uint32 {
	if len(names) == 0 {
		return nil
	}
	subdirs := HwcapsSubdirs(level)
	p := make([]uint32, len(names))
	for i, n := range names {
		for j, s := range subdirs {
			if n == s {
				p[i] = uint32(j + 1)
			}
		}
	}
	return p
}

// HwcapsSubdirs returns the glibc-hwcaps subdirectories ld.so searches on
// a CPU of x86-64 ISA level level (1 to 4), most preferred first.
func HwcapsSubdirs(level int) []string {
	var out []string
	for l := min(level, 4); l >= 2; l-- {
		out = append(out, fmt.Sprintf("x86-64-v%d", l))
	}
	return out
}

// libcmp is _dl_cache_libcmp: runs of digits compare as numbers.
func libcmp(p1, p2 string) int {
	i, j := 0, 0
	digit := func(c byte) bool { return c >= '0' && c <= '9' }
	at := func(s string, k int) byte {
		if k < len(s) {
			return s[k]
		}
		return 0
	}
	for at(p1, i) != 0 {
		c1, c2 := at(p1, i), at(p2, j)
		switch {
		case digit(c1):
			if !digit(c2) {
				return 1
			}
			v1, v2 := 0, 0
			for digit(at(p1, i)) {
				v1 = v1*10 + int(at(p1, i)-'0')
				i++
				if v1 > 1<<40 {
					v1 = 1 << 40
				}
			}
			for digit(at(p2, j)) {
				v2 = v2*10 + int(at(p2, j)-'0')
				j++
				if v2 > 1<<40 {
					v2 = 1 << 40
				}
			}
			if v1 != v2 {
				return v1 - v2
			}
		case digit(c2):
			return -1
		case c1 != c2:
			return int(c1) - int(c2)
		default:
			i++
			j++
		}
	}
	return int(at(p1, i)) - int(at(p2, j))
}
