package temperaturestats

import "errors"

// ErrNoReadings is returned by Summarize for an empty input.
var ErrNoReadings = errors.New("no readings")

// Stats summarises readings in tenths of a degree.
type Stats struct {
	Min, Max, Mean, Spread int
}

// Summarize computes the statistics of the readings.
func Summarize(readings []int) (Stats, error) {
	panic("Please implement Summarize")
}
