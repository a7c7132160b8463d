package main

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
)

// The charts of the HTML page are inline SVG drawn here: no script, no
// library, no network. Each function returns a complete <svg> element that
// scales to the width of its container.

// chartSeries is one coloured series of a chart.
type chartSeries struct {
	Name   string
	Color  string
	Values []float64
}

const (
	chartFont  = `font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"`
	axisColor  = "#8a94a6"
	gridColor  = "#e6e9ef"
	labelColor = "#4a5468"
)

// chartFrame holds the plot area of a chart.
type chartFrame struct {
	w, h                     float64
	left, right, top, bottom float64
	ymax                     float64
	ticks                    []float64
}

func newFrame(w, h, maxValue float64) chartFrame {
	ymax, ticks := niceScale(maxValue)
	left := 14 + 7*float64(len(formatTick(ymax)))
	return chartFrame{w: w, h: h, left: left, right: 12, top: 14, bottom: 30, ymax: ymax, ticks: ticks}
}

func (f chartFrame) plotW() float64          { return f.w - f.left - f.right }
func (f chartFrame) plotH() float64          { return f.h - f.top - f.bottom }
func (f chartFrame) y(v float64) float64     { return f.top + f.plotH()*(1-v/f.ymax) }
func (f chartFrame) baseline() float64       { return f.top + f.plotH() }
func (f chartFrame) slot(n int) float64      { return f.plotW() / float64(max(n, 1)) }
func (f chartFrame) center(i, n int) float64 { return f.left + f.slot(n)*(float64(i)+0.5) }

// open starts the svg element with a title for screen readers and the grid.
func (f chartFrame) open(b *strings.Builder, title string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" role="img" class="chart" %s font-size="11">`, f.w, f.h, chartFont)
	fmt.Fprintf(b, `<title>%s</title>`, html.EscapeString(title))
	for _, t := range f.ticks {
		y := f.y(t)
		fmt.Fprintf(b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s" stroke-width="1"/>`, f.left, y, f.w-f.right, y, gridColor)
		fmt.Fprintf(b, `<text x="%g" y="%.1f" text-anchor="end" fill="%s">%s</text>`, f.left-6, y+4, axisColor, formatTick(t))
	}
	fmt.Fprintf(b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="%s" stroke-width="1"/>`, f.left, f.baseline(), f.w-f.right, f.baseline(), axisColor)
}

// xLabels writes the category labels under the plot, thinned so that they
// do not overlap.
func (f chartFrame) xLabels(b *strings.Builder, labels []string) {
	n := len(labels)
	widest := 0
	for _, l := range labels {
		widest = max(widest, len([]rune(l)))
	}
	every := int(math.Ceil((float64(widest)*6.8 + 8) / f.slot(n)))
	every = max(every, 1)
	for i, l := range labels {
		if i%every != 0 {
			continue
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text>`, f.center(i, n), f.baseline()+17, labelColor, html.EscapeString(l))
	}
}

// stackedBars draws one bar per label, each stacked from the series.
func stackedBars(title string, labels []string, series []chartSeries, w, h float64) template.HTML {
	var maxV float64
	for i := range labels {
		var sum float64
		for _, s := range series {
			sum += s.Values[i]
		}
		maxV = math.Max(maxV, sum)
	}
	f := newFrame(w, h, maxV)
	var b strings.Builder
	f.open(&b, title)
	n := len(labels)
	bw := math.Max(2, math.Min(42, f.slot(n)*0.7))
	for i, l := range labels {
		y := f.baseline()
		var total float64
		for _, s := range series {
			v := s.Values[i]
			total += v
			if v <= 0 {
				continue
			}
			hh := f.plotH() * v / f.ymax
			y -= hh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s %g</title></rect>`,
				f.center(i, n)-bw/2, y, bw, hh, s.Color, html.EscapeString(l), html.EscapeString(s.Name), v)
		}
		if total > 0 && bw >= 16 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-size="10">%g</text>`, f.center(i, n), y-4, labelColor, total)
		}
	}
	f.xLabels(&b, labels)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lines draws one line per series with a dot on each value.
func lines(title string, labels []string, series []chartSeries, w, h float64) template.HTML {
	var maxV float64
	for _, s := range series {
		for _, v := range s.Values {
			maxV = math.Max(maxV, v)
		}
	}
	f := newFrame(w, h, maxV)
	var b strings.Builder
	f.open(&b, title)
	n := len(labels)
	for _, s := range series {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", f.center(i, n), f.y(v)))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>`, strings.Join(pts, " "), s.Color)
		if n <= 62 {
			for i, v := range s.Values {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#fff" stroke="%s" stroke-width="2"><title>%s: %s %g</title></circle>`,
					f.center(i, n), f.y(v), s.Color, html.EscapeString(labels[i]), html.EscapeString(s.Name), v)
			}
		}
	}
	f.xLabels(&b, labels)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// histogram draws counts per bucket with the count above each bar.
func histogram(title string, buckets []bucket, color string, w, h float64) template.HTML {
	var maxV float64
	for _, bk := range buckets {
		maxV = math.Max(maxV, float64(bk.Count))
	}
	f := newFrame(w, h, maxV)
	var b strings.Builder
	f.open(&b, title)
	n := len(buckets)
	bw := f.slot(n) * 0.78
	labels := make([]string, n)
	for i, bk := range buckets {
		labels[i] = bk.Label
		if bk.Count == 0 {
			continue
		}
		y := f.y(float64(bk.Count))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2" fill="%s"><title>%s: %d</title></rect>`,
			f.center(i, n)-bw/2, y, bw, f.baseline()-y, color, html.EscapeString(bk.Label), bk.Count)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s" font-size="10">%d</text>`, f.center(i, n), y-4, labelColor, bk.Count)
	}
	f.xLabels(&b, labels)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// bucket is one bar of a distribution.
type bucket struct {
	Label string
	Count int
}

// distribution counts ds into buckets bounded by limits: the first holds
// spans under limits[0], the last those of limits[len-1] or more.
func distribution(ds []time.Duration, limits []time.Duration) []bucket {
	out := make([]bucket, len(limits)+1)
	out[0].Label = "<" + shortDuration(limits[0])
	for i := 1; i < len(limits); i++ {
		lo, hi := shortDuration(limits[i-1]), shortDuration(limits[i])
		if unit := hi[len(hi)-1:]; strings.HasSuffix(lo, unit) && strings.TrimLeft(lo, "0123456789.") == unit {
			lo = strings.TrimSuffix(lo, unit) // "1–2s", not "1s–2s"
		}
		out[i].Label = lo + "–" + hi
	}
	out[len(limits)].Label = "≥" + shortDuration(limits[len(limits)-1])
	for _, d := range ds {
		i := 0
		for i < len(limits) && d >= limits[i] {
			i++
		}
		out[i].Count++
	}
	return out
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return trimFloat(d.Seconds()) + "s"
}

// niceScale returns an axis maximum at or above v and its ticks, at steps
// of 1, 2 or 5 times a power of ten, about four of them.
func niceScale(v float64) (float64, []float64) {
	if v <= 0 {
		v = 1
	}
	raw := v / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step = math.Max(step, 1)
	top := math.Ceil(v/step) * step
	var ticks []float64
	for t := 0.0; t <= top+step/2; t += step {
		ticks = append(ticks, t)
	}
	return top, ticks
}

func formatTick(v float64) string {
	if v >= 10000 {
		return trimFloat(v/1000) + "k"
	}
	return trimFloat(v)
}
