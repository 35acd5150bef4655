package ldso

import (
	"path"
	"strings"
)

// isDST is glibc's is_dst: the length of the dynamic string token ref at
// the start of input (after its '$'), braces included, or 0.
func isDST(input, ref string) int {
	curly := strings.HasPrefix(input, "{")
	if curly {
		input = input[1:]
	}
	if !strings.HasPrefix(input, ref) {
		return 0
	}
	rest := input[len(ref):]
	if curly {
		if !strings.HasPrefix(rest, "}") {
			return 0
		}
		return len(ref) + 2
	}
	if rest != "" {
		c := rest[0]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			return 0
		}
	}
	return len(ref)
}

// hasDST reports whether s holds a dynamic string token ld.so knows
// ($ORIGIN, $PLATFORM, $LIB), as _dl_dst_count counts them.
func hasDST(s string) bool {
	for i := strings.IndexByte(s, '$'); i >= 0; {
		in := s[i+1:]
		if isDST(in, "ORIGIN") != 0 || isDST(in, "PLATFORM") != 0 || isDST(in, "LIB") != 0 {
			return true
		}
		j := strings.IndexByte(in, '$')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// dstContext is what token substitution needs to know of the object
// whose string is expanded and of the process.
type dstContext struct {
	origin     string // the object's directory ("" when unknown)
	secure     bool   // __libc_enable_secure: a setuid or setgid program
	executable bool   // the object is the main program
	platform   string // $PLATFORM
	lib        string // $LIB
	trusted    []string
}

// substitute is _dl_dst_substitute: it returns input with its tokens
// replaced, "" when a token cannot be replaced (the path is then
// dropped), and whether $ORIGIN was used.
func (c *dstContext) substitute(input string) (string, bool) {
	var b strings.Builder
	usedOrigin, checkTrusted := false, false
	for i := 0; i < len(input); {
		if input[i] != '$' {
			b.WriteByte(input[i])
			i++
			continue
		}
		in := input[i+1:]
		var repl string
		var ok bool
		n := 0
		if n = isDST(in, "ORIGIN"); n != 0 {
			usedOrigin = true
			// A secure program takes $ORIGIN only alone at the start of
			// the path, and then only under a trusted directory.
			if c.secure && !(i == 0 && (len(in) == n || in[n] == '/')) {
				ok = false
			} else {
				repl, ok = c.origin, c.origin != ""
			}
			checkTrusted = c.secure && c.executable
		} else if n = isDST(in, "PLATFORM"); n != 0 {
			repl, ok = c.platform, c.platform != ""
		} else if n = isDST(in, "LIB"); n != 0 {
			repl, ok = c.lib, true
		}
		switch {
		case n != 0 && ok:
			b.WriteString(repl)
			i += 1 + n
		case n != 0:
			return "", usedOrigin
		default:
			b.WriteByte('$')
			i++
		}
	}
	out := b.String()
	if checkTrusted && !c.isTrusted(out) {
		return "", usedOrigin
	}
	return out, usedOrigin
}

// isTrusted is is_trusted_path_normalize: the normalized path lies in
// one of the system directories.
func (c *dstContext) isTrusted(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	n := path.Clean(p) + "/"
	for _, d := range c.trusted {
		if strings.HasPrefix(n, d) {
			return true
		}
	}
	return false
}

// origin returns the directory of realname as _dl_new_object computes
// l_origin: the name is made absolute with cwd, then its last component
// dropped; links and ".." are left as they are.
func originOf(realname, cwd string) string {
	if realname == "" {
		return ""
	}
	if !strings.HasPrefix(realname, "/") {
		if cwd == "" {
			return ""
		}
		realname = strings.TrimSuffix(cwd, "/") + "/" + realname
	}
	i := strings.LastIndexByte(realname, '/')
	if i == 0 {
		return "/"
	}
	return realname[:i]
}
