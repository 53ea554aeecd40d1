module temperaturestats

go 1.18
