module histogrambars

go 1.18
