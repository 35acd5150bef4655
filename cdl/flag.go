package cdl

import (
	"strconv"
	"strings"
)

// Flag is a set of dlopen mode bits. Exactly one of Lazy and Now binds
// functions; Now is used when neither is given.
type Flag uint32

const (
	// Lazy (RTLD_LAZY) resolves function references when first called.
	Lazy Flag = 1 << iota
	// Now (RTLD_NOW) resolves every reference before Open returns, so an
	// undefined symbol fails Open instead of a later call.
	Now
	// Global (RTLD_GLOBAL) makes the object's symbols available to objects
	// loaded later.
	Global
	// Local (RTLD_LOCAL, the default) keeps the object's symbols to itself.
	Local
	// NoDelete (RTLD_NODELETE) keeps the object mapped after its last Close.
	NoDelete
	// NoLoad (RTLD_NOLOAD) does not load: Open succeeds, returning a new
	// reference, only if the object is already loaded.
	NoLoad
	// DeepBind (RTLD_DEEPBIND, glibc only) makes the object prefer its own
	// symbols to those already in the global scope.
	DeepBind
)

// flagNames is the one table of the flags' names, in bit order: bit i of a
// Flag is flagNames[i]. String, CName and ParseFlag all read it, and so do
// the probe's trace and the command line's --flags through them.
var flagNames = [...]struct{ name, cname string }{
	{"Lazy", "RTLD_LAZY"},
	{"Now", "RTLD_NOW"},
	{"Global", "RTLD_GLOBAL"},
	{"Local", "RTLD_LOCAL"},
	{"NoDelete", "RTLD_NODELETE"},
	{"NoLoad", "RTLD_NOLOAD"},
	{"DeepBind", "RTLD_DEEPBIND"},
}

// AllFlags is every flag this package knows, for listing them:
// strings.Split(AllFlags.String(), "|") are their names.
const AllFlags Flag = 1<<len(flagNames) - 1

// String returns the names of the flags in f joined by "|", such as
// "Now|Global"; unknown bits are shown in hex, and no bit as "0".
func (f Flag) String() string { return f.join(false) }

// CName returns f spelled as dlopen's C mode, such as "RTLD_NOW|RTLD_GLOBAL",
// the way a C trace shows it; unknown bits are shown in hex, and no bit as "0".
func (f Flag) CName() string { return f.join(true) }

func (f Flag) join(c bool) string {
	if f == 0 {
		return "0"
	}
	var b strings.Builder
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			if c {
				b.WriteString(n.cname)
			} else {
				b.WriteString(n.name)
			}
			f &^= 1 << i
		}
	}
	if f != 0 {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
		b.WriteString("0x" + strconv.FormatUint(uint64(f), 16))
	}
	return b.String()
}

// ParseFlag reads a set of flags written as String or CName writes them, or
// as a command line would: names separated by "|", "," or spaces, in any
// case, with or without the "RTLD_" prefix ("now,global", "Now|Global" and
// "RTLD_NOW|RTLD_GLOBAL" are the same set). It refuses an unknown name and
// the exclusive pairs Lazy|Now and Global|Local. Unlike Open it adds no
// default: "" is 0.
func ParseFlag(s string) (Flag, error) {
	var f Flag
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' || r == ' ' }) {
		word := part
		if len(word) > 5 && strings.EqualFold(word[:5], "rtld_") {
			word = word[5:]
		}
		bit := -1
		for i, n := range flagNames {
			if strings.EqualFold(word, n.name) {
				bit = i
				break
			}
		}
		if bit < 0 {
			return 0, &Error{Op: "parse flags", Name: s,
				Msg: "unknown flag " + strconv.Quote(part) + " (want " + strings.ReplaceAll(AllFlags.String(), "|", ", ") + ")"}
		}
		f |= 1 << bit
	}
	if msg := f.exclusive(); msg != "" {
		return 0, &Error{Op: "parse flags", Name: s, Msg: msg}
	}
	return f, nil
}

// exclusive says what is wrong with f's known bits, "" if nothing.
func (f Flag) exclusive() string {
	if f&(Lazy|Now) == Lazy|Now {
		return "Lazy and Now are exclusive"
	}
	if f&(Global|Local) == Global|Local {
		return "Global and Local are exclusive"
	}
	return ""
}

// check returns f with Now added if it has neither Lazy nor Now, or a
// message saying why Open must refuse it.
func (f Flag) check() (Flag, string) {
	if f&^AllFlags != 0 {
		return f, "unknown flag bits " + f.String()
	}
	if msg := f.exclusive(); msg != "" {
		return f, msg
	}
	if f&(Lazy|Now) == 0 {
		f |= Now
	}
	return f, ""
}
