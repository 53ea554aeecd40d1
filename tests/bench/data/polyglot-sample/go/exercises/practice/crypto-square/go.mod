module cryptosquare

go 1.18
