module gitgate.bench/loadgen

go 1.19
