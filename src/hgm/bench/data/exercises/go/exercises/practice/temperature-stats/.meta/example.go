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
	if len(readings) == 0 {
		return Stats{}, ErrNoReadings
	}
	low, high, sum := readings[0], readings[0], 0
	for _, r := range readings {
		if r < low {
			low = r
		}
		if r > high {
			high = r
		}
		sum += r
	}
	n := len(readings)
	mean := (2*sum + n) / (2 * n)
	if sum < 0 {
		mean = -((-2*sum + n) / (2 * n))
	}
	return Stats{Min: low, Max: high, Mean: mean, Spread: high - low}, nil
}
