package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"
)

//go:embed stats.html.tmpl
var statsHTMLText string

var statsHTML = template.Must(template.New("stats").Funcs(template.FuncMap{
	"percent":  percent,
	"seconds":  seconds,
	"reason":   reasonText,
	"trim":     trimFloat,
	"barWidth": barWidth,
	"join":     strings.Join,
	"date":     func(t time.Time) string { return t.Format("2 Jan 2006") },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"platforms": platformList,
}).Parse(statsHTMLText))

// Colours of the four decisions, the same in every chart and legend.
const (
	colorAnswered      = "#2f9e6e"
	colorClarified     = "#e3a72f"
	colorHandedOff     = "#3d6fd9"
	colorNotUnderstood = "#d9534f"
	colorOther         = "#c3cad6"
	colorOperator      = "#7a5bd6"
)

// statsPage is what the HTML template shows.
type statsPage struct {
	R         *statsReport
	Generated string
	Period    string

	Legend        []chartSeries
	PerDay        template.HTML
	AnsweredLines template.HTML
	BotTimes      template.HTML
	OperatorTimes template.HTML

	Decisions []barRow
	Reasons   []barRow
	Ratings   []barRow
	Entries   []barRow
	Platforms []statsPlatform
}

// barRow is one line of a table with an inline bar.
type barRow struct {
	Label string
	Count int
	Share float64 // of the table's total, 0..1
	Of    float64 // of the table's largest value, 0..1: the bar length
	Color string
}

func barWidth(f float64) string {
	if f <= 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", math.Max(f*100, 0.5))
}

// writeStatsHTML writes the report as one self-contained HTML page: inline
// CSS and inline SVG charts, no script and nothing fetched from anywhere.
func writeStatsHTML(w io.Writer, r *statsReport, now time.Time) error {
	p := &statsPage{
		R:         r,
		Generated: now.Format("2 Jan 2006 15:04 MST"),
		Period:    r.periodText(),
		Platforms: r.Platforms,
		Legend: []chartSeries{
			{Name: "answered", Color: colorAnswered},
			{Name: "did you mean", Color: colorClarified},
			{Name: "handed off", Color: colorHandedOff},
			{Name: "not understood", Color: colorNotUnderstood},
			{Name: "other (small talk, buttons, relayed)", Color: colorOther},
		},
	}
	labels := make([]string, len(r.Days))
	ans := make([]float64, len(r.Days))
	cla := make([]float64, len(r.Days))
	hand := make([]float64, len(r.Days))
	not := make([]float64, len(r.Days))
	other := make([]float64, len(r.Days))
	for i, d := range r.Days {
		t, _ := time.Parse("2006-01-02", d.Date)
		labels[i] = t.Format("2 Jan")
		ans[i], cla[i], hand[i], not[i] = float64(d.Answered), float64(d.Clarified), float64(d.HandedOff), float64(d.NotUnderstood)
		other[i] = float64(d.Messages - d.Answered - d.Clarified - d.HandedOff - d.NotUnderstood)
	}
	p.PerDay = stackedBars("Customer messages per day", labels, []chartSeries{
		{"answered", colorAnswered, ans}, {"did you mean", colorClarified, cla},
		{"handed off", colorHandedOff, hand}, {"not understood", colorNotUnderstood, not},
		{"other", colorOther, other},
	}, 720, 250)
	p.AnsweredLines = lines("Answered by the bot vs handed off, per day", labels, []chartSeries{
		{"answered", colorAnswered, ans}, {"handed off", colorHandedOff, hand}, {"not understood", colorNotUnderstood, not},
	}, 720, 220)
	p.BotTimes = histogram("Time to the bot's reply", distribution(r.botValues, []time.Duration{
		time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
	}), colorAnswered, 350, 200)
	p.OperatorTimes = histogram("Time to an operator's first reply", distribution(r.operatorValues, []time.Duration{
		time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 4 * time.Hour,
	}), colorOperator, 350, 200)

	q := r.Questions
	p.Decisions = bars([]string{"answered from the FAQ", `asked "did you mean"`, "handed off to a person", "not understood"},
		[]int{q.Answered, q.Clarified, q.HandedOff, q.NotUnderstood},
		[]string{colorAnswered, colorClarified, colorHandedOff, colorNotUnderstood})
	var labs, cols []string
	var counts []int
	for _, c := range r.Handoffs.ByReason {
		labs, counts, cols = append(labs, reasonText(c.Reason)), append(counts, c.Count), append(cols, colorHandedOff)
	}
	p.Reasons = bars(labs, counts, cols)
	labs, counts, cols = nil, nil, nil
	for v := 5; v >= 1; v-- {
		labs = append(labs, strings.Repeat("★", v)+strings.Repeat("☆", 5-v))
		counts = append(counts, r.Ratings.ByValue[fmt.Sprint(v)])
		cols = append(cols, colorClarified)
	}
	p.Ratings = bars(labs, counts, cols)
	labs, counts, cols = nil, nil, nil
	for i, e := range r.TopEntries {
		if i == 15 {
			break
		}
		labs, counts, cols = append(labs, e.Entry), append(counts, e.Count), append(cols, colorAnswered)
	}
	p.Entries = bars(labs, counts, cols)
	return statsHTML.Execute(w, p)
}

func bars(labels []string, counts []int, colors []string) []barRow {
	total, top := 0, 0
	for _, c := range counts {
		total += c
		top = max(top, c)
	}
	out := make([]barRow, len(labels))
	for i := range labels {
		out[i] = barRow{Label: labels[i], Count: counts[i], Color: colors[i]}
		if total > 0 {
			out[i].Share = float64(counts[i]) / float64(total)
		}
		if top > 0 {
			out[i].Of = float64(counts[i]) / float64(top)
		}
	}
	return out
}
