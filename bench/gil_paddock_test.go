package bench_test

var paddockLocks []lockImpl
