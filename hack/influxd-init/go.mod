module shelfpulse.io/hack/influxd-init

go 1.26.0
