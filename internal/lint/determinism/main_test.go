package main

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// checkSource type-checks one file (importing only the standard library) and
// returns its findings as "line: message" strings.
func checkSource(t *testing.T, src string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	info, err := typeCheck(fset, importer.Default(), "p", []*ast.File{f})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range check(fset, []*ast.File{f}, info) {
		head, _, _ := strings.Cut(f.msg, ":") // the reasons are long and fixed
		out = append(out, fmt.Sprintf("%d: %s", f.pos.Line, head))
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  string
		want []string // "line: message up to its first colon"
	}{
		{
			name: "integers and untyped constants pass",
			src: `package p
import "math"
const big = 1e18
func f(a uint64) uint64 {
	if a > math.MaxUint64-big { return math.MaxUint64 }
	return a * 1e3
}`,
		},
		{
			name: "goroutine",
			src: `package p
func f() {
	go func() {}()
}`,
			want: []string{"3: go statement"},
		},
		{
			name: "float types and values, once per expression",
			src: `package p
type score float64
var x = 1.5
func f(a, b int) int { return int(float32(a) * float32(b) / 2) }`,
			want: []string{"2: float type (float64)", "3: float value (float64)", "4: float value (float32)"},
		},
		{
			name: "floats never spelled out",
			src: `package p
import ("strconv"; "time")
func f(d time.Duration, s string) bool {
	v, _ := strconv.ParseFloat(s, 64)
	return d.Seconds() > 1 && v > 0
}`,
			want: []string{"4: float value ((float64, error))", "5: float comparison (float64)", "5: float comparison (float64)"},
		},
		{
			name: "complex",
			src: `package p
func f() complex128 { return 0 }`,
			want: []string{"2: float type (complex128)", "2: float value (complex128)"},
		},
		{
			name: "allowed on the line or the line above",
			src: `package p
func f() {
	//determinism:allow only flushes a cache
	go func() {}()
	go func() {}() //determinism:allow only flushes a cache
}`,
		},
		{
			name: "directive without a reason, and one that allows nothing",
			src: `package p
func f() {
	//determinism:allow
	go func() {}()
	//determinism:allow nothing here
}`,
			want: []string{"3: //determinism", "4: go statement", "5: //determinism"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSource(t, tc.src)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
