// Command determinism checks the two determinism rules of DESIGN.md that no
// golangci-lint linter can see: in the packages it is given (x/, app/ and
// state/ from `make lint`), non-test code has
//
//   - no `go` statements: a goroutine's result depends on scheduling, which
//     differs from one validator to the next;
//   - no floating-point values: rounding may differ between platforms and
//     compilers (fused multiply-add), and amounts are integers anyway.
//
// Usage (from the module root):
//
//	go run ./internal/lint/determinism ./x/... ./app/... ./state/...
//
// It prints one `file:line:col: message (determinism)` line per finding and
// exits 1 if there is any, 2 if the packages could not be loaded.
//
// A finding that decides nothing (a goroutine that only flushes a cache, say)
// is allowed by a comment on its line or the line above:
//
//	//determinism:allow <why it decides nothing>
//
// A directive without a reason, or one that allows nothing, is itself a
// finding, so that stale exceptions do not pile up.
//
// The check uses only the standard library: `go list -export` compiles the
// packages and their dependencies and gives the compiler's export data, and
// go/types type-checks our files against it. Type information is what finds
// floats that are never spelled out, such as `d.Seconds()` or
// `strconv.ParseFloat`. golang.org/x/tools would give the same with less code,
// but it is not in go.mod, and adding it would move dependencies we share.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: determinism <package pattern>...")
		os.Exit(2)
	}
	findings, err := run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "determinism:", err)
		os.Exit(2)
	}
	wd, _ := os.Getwd() // only used to shorten paths
	for _, f := range findings {
		name := f.pos.Filename
		if rel, err := filepath.Rel(wd, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		fmt.Printf("%s:%d:%d: %s (determinism)\n", name, f.pos.Line, f.pos.Column, f.msg)
	}
	if len(findings) > 0 {
		os.Exit(1)
	}
}

// listedPackage holds the fields of `go list -json` that the check reads.
type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	Export     string
	DepOnly    bool
	Error      *struct{ Err string }
}

// run loads the packages matching patterns and checks each one.
func run(patterns []string) ([]finding, error) {
	pkgs, err := goList(patterns)
	if err != nil {
		return nil, err
	}
	exports := make(map[string]string)
	var targets []listedPackage
	for _, p := range pkgs {
		if p.Error != nil {
			return nil, fmt.Errorf("%s: %s", p.ImportPath, p.Error.Err)
		}
		if p.Export != "" {
			exports[p.ImportPath] = p.Export
		}
		if !p.DepOnly {
			targets = append(targets, p)
		}
	}

	fset := token.NewFileSet()
	// One importer for all packages, so that each dependency is read once.
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
	var all []finding
	for _, p := range targets {
		files, err := parseFiles(fset, p)
		if err != nil {
			return nil, err
		}
		info, err := typeCheck(fset, imp, p.ImportPath, files)
		if err != nil {
			return nil, err
		}
		all = append(all, check(fset, files, info)...)
	}
	return all, nil
}

// goList runs `go list -export -deps`, which builds the export data of every
// package the patterns need (from the build cache when it is warm).
func goList(patterns []string) ([]listedPackage, error) {
	args := append([]string{"list", "-e", "-export", "-deps",
		"-json=ImportPath,Dir,GoFiles,CgoFiles,Export,DepOnly,Error"}, patterns...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
}

// parseFiles parses a package's non-test files, which are all that GoFiles
// and CgoFiles list.
func parseFiles(fset *token.FileSet, p listedPackage) ([]*ast.File, error) {
	var files []*ast.File
	for _, name := range append(append([]string(nil), p.GoFiles...), p.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// typeCheck type-checks one package and records the type of every expression.
func typeCheck(fset *token.FileSet, imp types.Importer, path string, files []*ast.File) (*types.Info, error) {
	info := &types.Info{Types: make(map[ast.Expr]types.TypeAndValue)}
	var errs []error
	conf := types.Config{
		Importer: imp,
		// cgo files import "C", which has no export data; the check never
		// needs C's types.
		FakeImportC: true,
		Error:       func(err error) { errs = append(errs, err) },
	}
	if _, err := conf.Check(path, fset, files, info); err != nil && len(errs) == 0 {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("type-checking %s: %w", path, errors.Join(errs...))
	}
	return info, nil
}

// finding is one broken rule.
type finding struct {
	pos token.Position
	msg string
}

const (
	allowDirective = "//determinism:allow"
	floatWhy       = "amounts are integers; float rounding may differ between validators (DESIGN, Determinism rules)"
)

// check reports the `go` statements and float values in files, less those
// allowed by a directive.
func check(fset *token.FileSet, files []*ast.File, info *types.Info) []finding {
	var out []finding
	for _, f := range files {
		allows := allowDirectives(fset, f)
		report := func(pos token.Pos, msg string) {
			p := fset.Position(pos)
			for _, line := range []int{p.Line, p.Line - 1} {
				if a, ok := allows[line]; ok && a.reason != "" {
					a.used = true
					return
				}
			}
			out = append(out, finding{p, msg})
		}
		// checkExpr reports n if it is a float, and tells whether to look
		// inside it.
		checkExpr := func(n ast.Expr) bool {
			tv, ok := info.Types[n]
			if !ok || !isFloat(tv.Type) {
				return true
			}
			what := "value"
			if tv.IsType() {
				what = "type"
			}
			report(n.Pos(), fmt.Sprintf("float %s (%s): %s", what, tv.Type, floatWhy))
			// One finding per float expression, not one per operand.
			return false
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				report(n.Pos(), "go statement: a goroutine's result depends on scheduling; "+
					"do the work in the block's order (DESIGN, Determinism rules)")
			case *ast.BinaryExpr:
				// A comparison of floats is a bool: report it once, not once
				// per operand (a constant operand is a float value too).
				x, y := info.Types[n.X], info.Types[n.Y]
				if !isFloat(info.Types[n].Type) && (isFloat(x.Type) || isFloat(y.Type)) {
					report(n.Pos(), fmt.Sprintf("float comparison (%s): %s", x.Type, floatWhy))
					return false
				}
				return checkExpr(n)
			case ast.Expr:
				return checkExpr(n)
			}
			return true
		})
		for _, line := range sortedLines(allows) {
			a := allows[line]
			switch {
			case a.reason == "":
				out = append(out, finding{a.pos, allowDirective + " needs a reason: why does this decide nothing?"})
			case !a.used:
				out = append(out, finding{a.pos, allowDirective + " allows nothing on this line or the next: remove it"})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].pos, out[j].pos
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return out
}

// isFloat tells whether t is, or has as underlying type, a floating-point or
// complex type; for a tuple (a call with several results), whether one of
// its elements is. Untyped constants are left out: `1e18` given to an int is
// an integer, and an untyped float constant that ends up as a float value is
// reported where it gets its type.
func isFloat(t types.Type) bool {
	if t == nil {
		return false
	}
	if tuple, ok := t.(*types.Tuple); ok {
		for v := range tuple.Variables() {
			if isFloat(v.Type()) {
				return true
			}
		}
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsFloat|types.IsComplex) != 0 && b.Info()&types.IsUntyped == 0
}

type allow struct {
	pos    token.Position
	reason string
	used   bool
}

// allowDirectives maps each line holding an allow directive to it.
func allowDirectives(fset *token.FileSet, f *ast.File) map[int]*allow {
	allows := make(map[int]*allow)
	for _, group := range f.Comments {
		for _, c := range group.List {
			rest, ok := strings.CutPrefix(c.Text, allowDirective)
			if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
				continue
			}
			p := fset.Position(c.Pos())
			allows[p.Line] = &allow{pos: p, reason: strings.TrimSpace(rest)}
		}
	}
	return allows
}

// sortedLines returns the lines of allows in order, so that output is stable.
func sortedLines(allows map[int]*allow) []int {
	lines := make([]int, 0, len(allows))
	for line := range allows {
		lines = append(lines, line)
	}
	sort.Ints(lines)
	return lines
}
