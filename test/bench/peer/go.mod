module gitgate.bench/peer

go 1.19
