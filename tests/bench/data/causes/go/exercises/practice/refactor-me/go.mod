module refactorme

go 1.18
