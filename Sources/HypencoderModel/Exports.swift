@_exported import CoreScheduling
// The model module re-exports the types callers pass in and get back.
@_exported import HypencoderTokenizer
@_exported import HypencoderWeights
@_exported import SeededRandom
