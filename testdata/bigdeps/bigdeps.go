// Package bigdeps links about 35 standard packages, so that whatever
// imports it is the size of a real program: testdata/bigplugin (the large
// plugin of the benchmarks) and internal/compattest's bighost (its host).
// It lives in testdata so that `go build ./...` skips it.
package bigdeps

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"debug/dwarf"
	"debug/elf"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"go/format"
	"go/parser"
	"go/token"
	"html/template"
	"image/png"
	"log/slog"
	"math/big"
	"net/http"
	"net/mail"
	"net/url"
	"os/exec"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf16"
)

// Touch keeps every import reachable, so the linker keeps its code.
var Touch = []any{
	tar.NewReader, zip.NewReader, bufio.NewReader, bytes.NewBuffer, gzip.NewReader,
	context.Background, ecdsa.GenerateKey, elliptic.P256, rand.Read, sha256.Sum256,
	tls.Dial, x509.ParseCertificate, sql.Open, dwarf.New, elf.NewFile,
	base64.StdEncoding.EncodeToString, csv.NewReader, json.Marshal, xml.Marshal,
	flag.NewFlagSet, fmt.Sprintf, format.Source, parser.ParseFile, token.NewFileSet,
	template.New, png.Decode, slog.New, big.NewInt, http.ListenAndServe,
	mail.ParseAddress, url.Parse, exec.Command, reflect.TypeOf, regexp.MustCompile,
	sort.Strings, strings.Fields, tabwriter.NewWriter, time.Now, utf16.Encode,
}
