// Package chart draws a component's benchmark results as a PNG with
// gonum.org/v1/plot: one panel per case, the -cpu values along x, the
// case's time per op on a logarithmic y axis (the peers can differ by
// orders of magnitude), one line per implementation, the baseline drawn
// thicker, and one legend beside the panels.
//
// Example:
//
//	tables := results.Compare(set, "paddock")
//	for _, c := range results.Charts(tables) {
//		err := chart.WritePNG(w, c, "Executor")
//	}
package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/paddock-go/paddock/bench/internal/results"
)

// Sizes of the image.
const (
	panelWidth  = 4 * vg.Inch
	panelHeight = 3.4 * vg.Inch
	legendWidth = 1.7 * vg.Inch
	titleHeight = 0.45 * vg.Inch
	dpi         = 110
)

// palette: the baseline first, in a dark color; then the peers, the
// colorblind-safe Okabe-Ito colors and two greys.
var palette = []color.Color{
	color.RGBA{0, 0, 0, 255},
	color.RGBA{230, 159, 0, 255},
	color.RGBA{86, 180, 233, 255},
	color.RGBA{0, 158, 115, 255},
	color.RGBA{213, 94, 0, 255},
	color.RGBA{0, 114, 178, 255},
	color.RGBA{204, 121, 167, 255},
	color.RGBA{240, 228, 66, 255},
	color.RGBA{120, 120, 120, 255},
	color.RGBA{190, 190, 190, 255},
}

var glyphs = []draw.GlyphDrawer{
	draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{},
	draw.PlusGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
}

// WritePNG draws c and writes it as a PNG, titled with title and the
// machine line. It returns an error when c has no data.
func WritePNG(w io.Writer, c results.Chart, title string) error {
	if len(c.Cases) == 0 {
		return fmt.Errorf("chart %s: no results to draw", c.Component)
	}
	impls := implOrder(c)
	style := map[string]int{}
	for i, name := range impls {
		style[name] = i
	}

	row := make([]*plot.Plot, len(c.Cases))
	for i, cc := range c.Cases {
		p, err := panel(cc, style)
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.Component, err)
		}
		row[i] = p
	}

	width := vg.Length(len(c.Cases))*panelWidth + legendWidth
	height := panelHeight + titleHeight
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	heading := draw.Crop(dc, 0, 0, panelHeight, 0)
	sty := plot.New().Title.TextStyle
	sty.Font.Size = vg.Points(14)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	heading.FillText(sty, vg.Point{X: width / 2, Y: heading.Max.Y - titleHeight/2}, title)

	panels := draw.Crop(dc, 0, -legendWidth, 0, -titleHeight)
	tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Millimeter * 3, PadLeft: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, panels)
	for i, p := range row {
		p.Draw(canvases[0][i])
	}

	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(10)
	legend.ThumbnailWidth = vg.Points(24)
	legend.Padding = vg.Points(5)
	for _, name := range impls {
		line, points := seriesStyle(style[name])
		legend.Add(name, line, points)
	}
	legend.Draw(draw.Crop(dc, width-legendWidth+vg.Millimeter*2, 0, 0, -titleHeight-vg.Millimeter*6))

	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// implOrder lists every implementation of c in the order of first
// appearance, the baseline first since Charts puts it first.
func implOrder(c results.Chart) []string {
	var out []string
	for _, cc := range c.Cases {
		for _, s := range cc.Series {
			if !slices.Contains(out, s.Impl) {
				out = append(out, s.Impl)
			}
		}
	}
	return out
}

// seriesStyle returns a line and a glyph thumbnail for style i (0 is the
// baseline).
func seriesStyle(i int) (*plotter.Line, *plotter.Scatter) {
	col := palette[i%len(palette)]
	line := &plotter.Line{LineStyle: plotter.DefaultLineStyle}
	line.Color = col
	line.Width = vg.Points(1.5)
	if i == 0 {
		line.Width = vg.Points(3)
	}
	pts := &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: glyphs[i%len(glyphs)]}}
	return line, pts
}

// panel draws one case: x is the index of the -cpu value, so that 1, 2 and
// 8 are evenly spaced and labelled as they are.
func panel(cc results.ChartCase, style map[string]int) (*plot.Plot, error) {
	var procs []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range cc.Series {
		for j, p := range s.Procs {
			if !slices.Contains(procs, p) {
				procs = append(procs, p)
			}
			lo, hi = min(lo, s.Values[j]), max(hi, s.Values[j])
		}
	}
	if lo <= 0 {
		return nil, fmt.Errorf("case %q: a value of %v cannot be drawn on a log scale", cc.Case, lo)
	}
	slices.Sort(procs)

	p := plot.New()
	p.Title.Text = cc.Case
	if p.Title.Text == "" {
		p.Title.Text = "all"
	}
	p.X.Label.Text = "-cpu (GOMAXPROCS)"
	p.Y.Label.Text = cc.Unit + " (log)"
	p.X.Min, p.X.Max = -0.3, float64(len(procs))-0.7
	var xticks plot.ConstantTicks
	for i, n := range procs {
		xticks = append(xticks, plot.Tick{Value: float64(i), Label: strconv.Itoa(n)})
	}
	p.X.Tick.Marker = xticks
	p.Y.Scale = plot.LogScale{}
	p.Y.Min, p.Y.Max = lo/1.6, hi*1.6
	p.Y.Tick.Marker = logTicks{unit: cc.Unit}
	p.Add(plotter.NewGrid())

	for _, s := range cc.Series {
		xys := make(plotter.XYs, len(s.Values))
		for j := range s.Values {
			xys[j] = plotter.XY{X: float64(slices.Index(procs, s.Procs[j])), Y: s.Values[j]}
		}
		line, points := seriesStyle(style[s.Impl])
		line.XYs, points.XYs = xys, xys
		p.Add(line, points)
	}
	return p, nil
}

// logTicks marks 1, 2 and 5 times the powers of ten in range, or only the
// powers when there are too many, labelled as the tables write values.
type logTicks struct{ unit string }

func (t logTicks) Ticks(lo, hi float64) []plot.Tick {
	var all, powers []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for _, m := range []float64{1, 2, 5} {
			v := m * base
			if v < lo || v > hi {
				continue
			}
			tick := plot.Tick{Value: v, Label: label(v, t.unit)}
			all = append(all, tick)
			if m == 1 {
				powers = append(powers, tick)
			}
		}
	}
	if len(all) > 7 && len(powers) >= 2 {
		return powers
	}
	return all
}

// label writes a tick value as the tables do, without trailing zeros:
// "20 ns", "1 µs", "500 ms".
func label(v float64, unit string) string {
	if !results.IsNanoseconds(unit) {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	num, suffix, _ := strings.Cut(results.FormatValue(v, unit), " ")
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	return num + " " + suffix
}
