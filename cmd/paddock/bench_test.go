package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindModuleRoot(t *testing.T) {
	// Not parallel: it reads the working directory, cmd/paddock.
	root, err := findModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if root != want {
		t.Errorf("got %s, want %s", root, want)
	}
}

func TestDeclaresModule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          bool
	}{
		{"plain", "module github.com/paddock-go/paddock\n\ngo 1.25\n", true},
		{"quoted", "// comment\nmodule \"github.com/paddock-go/paddock\"\n", true},
		{"bench", "module github.com/paddock-go/paddock/bench\n", false},
		{"other", "module example.com/x\n", false},
	} {
		path := filepath.Join(dir, tc.name+".mod")
		if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := declaresModule(path, paddockModule); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if declaresModule(filepath.Join(dir, "missing.mod"), paddockModule) {
		t.Error("missing file: got true, want false")
	}
}
