package lifecycle_test

func runHelper() bool { return false }
