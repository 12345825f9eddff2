package arena

// BlockLens returns the length of the memory of each of r's blocks, so the
// external layout tests can check that no block is larger than BlockSize.
func BlockLens(r *Array) []int {
	lens := make([]int, len(r.blocks))
	for i, b := range r.blocks {
		lens[i] = len(b.buf)
	}
	return lens
}
