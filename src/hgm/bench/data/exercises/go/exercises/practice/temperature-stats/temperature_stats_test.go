package temperaturestats

import (
	"errors"
	"testing"
)

func TestNoReadings(t *testing.T) {
	got, err := Summarize(nil)
	if !errors.Is(err, ErrNoReadings) || got != (Stats{}) {
		t.Fatalf("Summarize(nil) = %+v, %v; want zero Stats, ErrNoReadings", got, err)
	}
}

func TestSummaries(t *testing.T) {
	cases := []struct {
		name     string
		readings []int
		want     Stats
	}{
		{"single reading", []int{215}, Stats{215, 215, 215, 0}},
		{"whole mean", []int{100, 200, 300}, Stats{100, 300, 200, 200}},
		{"half rounds up", []int{1, 2}, Stats{1, 2, 2, 1}},
		{"negative half rounds away from zero", []int{-2, -3}, Stats{-3, -2, -3, 1}},
		{"below zero", []int{-40, 10, -15}, Stats{-40, 10, -15, 50}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Summarize(tc.readings)
			if err != nil || got != tc.want {
				t.Fatalf("Summarize(%v) = %+v, %v; want %+v", tc.readings, got, err, tc.want)
			}
		})
	}
}
