module shelfpulse.io/hack/pause

go 1.26.0
