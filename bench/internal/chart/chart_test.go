package chart

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"go.uber.org/goleak"
	"gonum.org/v1/plot/vg"

	"github.com/paddock-go/paddock/bench/internal/results"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func sampleCharts(t *testing.T) []results.Chart {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "results", "testdata", "sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	set, err := results.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return results.Charts(results.Compare(set, "paddock"))
}

// TestWritePNG draws every chart of the sample and checks that it is a PNG
// of one panel width per case plus the legend, with the baseline's black
// line drawn somewhere.
func TestWritePNG(t *testing.T) {
	t.Parallel()
	for _, c := range sampleCharts(t) {
		var buf bytes.Buffer
		if err := WritePNG(&buf, c, c.Component); err != nil {
			t.Fatalf("%s: %v", c.Component, err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: %v", c.Component, err)
		}
		wantW := int((float64(len(c.Cases))*float64(panelWidth/vg.Inch) + float64(legendWidth/vg.Inch)) * dpi)
		if got := img.Bounds().Dx(); got < wantW-1 || got > wantW+1 {
			t.Errorf("%s: got width %d, want %d", c.Component, got, wantW)
		}
		if c.Cases[0].Series[0].Impl == "paddock" && countBlack(img) < 100 {
			t.Errorf("%s: got %d black pixels, want the baseline's line", c.Component, countBlack(img))
		}
	}
}

func countBlack(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0x1000 && g < 0x1000 && bl < 0x1000 {
				n++
			}
		}
	}
	return n
}

func TestWritePNGErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    results.Chart
	}{
		{"empty", results.Chart{Component: "X"}},
		{"zero value", results.Chart{Component: "X", Cases: []results.ChartCase{{
			Unit: "ns/op", Series: []results.Series{{Impl: "a", Procs: []int{1}, Values: []float64{0}}},
		}}}},
	} {
		if err := WritePNG(new(bytes.Buffer), tc.c, "x"); err == nil {
			t.Errorf("%s: got no error, want one", tc.name)
		}
	}
}

func TestTicks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{8, 60, []string{"10 ns", "20 ns", "50 ns"}},
		{3, 3e7, []string{"10 ns", "100 ns", "1 µs", "10 µs", "100 µs", "1 ms", "10 ms"}},
		{900, 2500, []string{"1 µs", "2 µs"}},
	} {
		var got []string
		for _, tick := range (logTicks{unit: "ns/op"}).Ticks(tc.lo, tc.hi) {
			got = append(got, tick.Label)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Ticks(%v, %v): got %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}
