package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestREADMEExamplesAreTested keeps the README honest: every Go block in
// README.md must appear, line for line (indentation aside), in a Go file of
// the repository: an Example function that go test runs and checks, or a
// program that CI builds. A snippet edited in the README alone, and so no
// longer compiled or checked anywhere, fails here.
func TestREADMEExamplesAreTested(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no Go block: the examples are missing")
	}
	var sources [][]string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources = append(sources, trimmedLines(string(data)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, block := range blocks {
		want := trimmedLines(block)
		if !slices.ContainsFunc(sources, func(src []string) bool { return containsRun(src, want) }) {
			t.Errorf("README Go block %d (starting %q) appears in no Go file of the repository", i+1, want[0])
		}
	}
}

// goBlocks returns the bodies of the ```go fences of a Markdown text.
func goBlocks(md string) []string {
	var blocks []string
	var cur []string
	in := false
	for line := range strings.SplitSeq(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// trimmedLines returns the non-blank lines of s without their surrounding
// white space.
func trimmedLines(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// containsRun reports whether run occurs in lines as consecutive elements.
func containsRun(lines, run []string) bool {
	for i := 0; i+len(run) <= len(lines); i++ {
		if slices.Equal(lines[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

func TestGoBlocks(t *testing.T) {
	t.Parallel()
	md := "text\n```go\nx := 1\n\n\ty++\n```\n```sh\nls\n```\n```go\nz\n```\n"
	got := goBlocks(md)
	want := []string{"x := 1\n\n\ty++", "z"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if !containsRun([]string{"a", "b", "c"}, []string{"b", "c"}) || containsRun([]string{"a", "b", "c"}, []string{"a", "c"}) {
		t.Error("containsRun: got a wrong answer for [a b c]")
	}
}
