package content_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/alephd/alephd/content"
)

// TestAddSurvivesKill runs adds in a child process and kills it with
// SIGKILL right after its third acknowledgement, while it is writing a
// fourth file: every acknowledged file reads back whole after reopening,
// the pinned ones survive GC, and the cut-short import does not trouble GC.
// (A power cut is not simulated: that Add returns only after syncfs, or
// fsync where there is none, is by construction; see doc.go.)
func TestAddSurvivesKill(t *testing.T) {
	if dir := os.Getenv("CONTENT_TEST_CHILD_DIR"); dir != "" {
		addForever(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAddSurvivesKill$")
	cmd.Env = append(os.Environ(), "CONTENT_TEST_CHILD_DIR="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[uint64]cid.Cid{}
	lines := bufio.NewScanner(out)
	for len(acked) < 3 && lines.Scan() {
		var seed uint64
		var s string
		if _, err := fmt.Sscan(lines.Text(), &seed, &s); err != nil {
			t.Fatalf("child said %q: %v", lines.Text(), err)
		}
		acked[seed] = mustCID(t, s)
	}
	// kill -9 is the point of the test, so Wait's error (killed) says nothing.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) < 3 {
		t.Fatalf("the child acknowledged %d adds:\n%s", len(acked), stderr.String())
	}

	ctx := context.Background()
	s, e := openIPFS(t, dir)
	for seed, c := range acked {
		if got, want := catAll(t, e, c), readAll(data(seed, 5<<20)); !bytes.Equal(got, want) {
			t.Fatalf("acknowledged file %d (%s) differs after the kill", seed, c)
		}
	}
	if _, err := s.GC(ctx, 0); err != nil {
		t.Fatal(err)
	}
	for seed, c := range acked {
		if ok, _ := e.Has(ctx, c); ok != (seed%2 == 0) {
			t.Fatalf("after GC, file %d (pinned: %v) present: %v", seed, seed%2 == 0, ok)
		}
	}
}

// addForever adds 5 MiB files to the store in dir, pinning the even ones,
// and prints "seed CID" after each, until killed.
func addForever(dir string) {
	s, err := content.Open(dir)
	if err != nil {
		panic(err)
	}
	e, err := s.IPFS()
	if err != nil {
		panic(err)
	}
	for seed := uint64(0); ; seed++ {
		c, _, err := e.Add(context.Background(), data(seed, 5<<20), content.AddOptions{Pin: seed%2 == 0})
		if err != nil {
			panic(err)
		}
		fmt.Println(seed, c)
	}
}
