package bench_test

var (
	paddockExecutors []executorImpl
	paddockShutdowns []shutdownImpl
)
