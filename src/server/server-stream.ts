// The stream core lives in src/stream/; these names stay for the server's modules and the public API.
export * from '../stream/stream.js'
